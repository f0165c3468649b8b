"""The campaign screens on the kit: list → record page (figures, path, its leads and won business)
→ refused and accepted actions beside the buttons → every open view redrawn (issue #20)."""
import pytest

from crm_engine.ui import kit
from crm_engine.ui.campaigns import CampaignsModule
from tests.engine.sales_helpers import tables
from tests.ui.kit_helpers import click, has, message, press, text_of
from tests.ui.test_leads_screens import current_path, fill, hover, no_raw_text


def row_text(module, campaign: int) -> str:
    return text_of(module.rc.find(meta_ref=f"campaigns-row-{campaign}").widget)


def record_tab(module, index: int) -> None:
    module.rc.find(meta_ref="record-tabs").widget.v_model = index


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_list_record_cost_and_moves_redraw_every_view(crm, language):
    marketing = crm.as_user("ma.lan")
    expo = marketing.campaigns.add("Spring expo", campaign_type="trade_show", budget=80_000,
                                   expected_revenue=600_000).id
    lead = marketing.leads.add("Zhou Min", company="Lakeside Hotel", source="campaign", campaign_id=expo).id
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp = rep.opportunities.add("Greenfield Schools", "60 desktops", expected_amount=200_000, probability=20,
                                campaign_id=expo).id
    boss.opportunities.assign(opp, "li.ming")
    step = rep.opportunities.add_step(opp, crm.today(), "Meet the buyer")
    rep.opportunities.record_result(step, "Signed")
    rep.opportunities.succeed(opp, amount=150_000)
    crm.set_language(language)

    other = CampaignsModule(crm.as_user("dong.li"))               # another cell, open all along
    assert kit.money(150_000) in row_text(other, expo)

    view = CampaignsModule(marketing)
    press(view.rc, f"campaigns-row-{expo}")                      # a row click opens the record
    assert str(expo) in text_of(view.rc.find(meta_ref="record-title").widget)
    assert current_path(view) == "planned"
    assert view.rc.find(meta_ref="record-actions-complete").widget.disabled
    assert hover(view, "complete") == marketing.campaigns.actions(expo)["complete"]
    no_raw_text(view)

    click(view.rc, "record-actions-add_cost")
    before = tables(crm)
    fill(view, "campaign_cost", "-5")
    click(view.rc, "record-actions-confirm")                     # a negative cost: refused at the field
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-campaign_cost").widget.error_messages == [text]
    fill(view, "campaign_cost", "30000")
    fill(view, "notes", "Stand and brochures")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == (
        "success", crm.t("ui.campaigns.cost_added", id=expo, cost=kit.money(30_000)))
    roi = kit.percent((150_000 - 30_000) / 30_000)
    assert roi in text_of(view)                                       # the figures follow: (150k − 30k) / 30k
    assert kit.money(30_000) in row_text(other, expo)                 # the other cell followed

    click(view.rc, "record-actions-launch")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.campaigns.launched", id=expo))
    assert current_path(view) == "active" and not view.rc.find(meta_ref="record-actions-complete").widget.disabled
    assert kit.Labels(crm).state("campaign", "active") in row_text(other, expo)

    record_tab(view, 1)                                           # its leads: a row opens the lead
    press(view.rc, f"campaign-leads-row-{lead}")
    titles = [text_of(w) for w in view.rc.find(meta_ref="record-title").widgets]
    assert len(titles) == 2 and str(lead) in titles[1]              # the lead's page, inside the campaign's
    assert has(view.rc, "record-actions-claim")


def test_a_rep_reads_campaigns_but_may_not_run_them(crm):
    expo = crm.as_user("ma.lan").campaigns.add("Expo", campaign_type="trade_show").id
    rep = crm.as_user("li.ming")
    view = CampaignsModule(rep)
    press(view.rc, f"campaigns-row-{expo}")
    for action in ("launch", "add_cost", "cancel", "update"):
        assert view.rc.find(meta_ref=f"record-actions-{action}").widget.disabled, action
        assert hover(view, action) == rep.campaigns.actions(expo)[action]
    view.rc.find(meta_ref="campaigns-tabs").widget.v_model = 1      # planning one: refused beside the button
    click(view.rc, "new-add")
    fill(view, "name", "My own expo")
    before = tables(crm)
    click(view.rc, "new-confirm")
    kind, _text = message(view.rc, "new-message")
    assert kind == "error" and tables(crm) == before


def test_new_campaign_refused_then_planned_and_opened(crm):
    marketing = crm.as_user("ma.lan")
    view = CampaignsModule(marketing)
    view.rc.find(meta_ref="campaigns-tabs").widget.v_model = 1
    click(view.rc, "new-add")
    fill(view, "name", "Winter mailing")
    fill(view, "campaign_start", "2026-03-10")
    fill(view, "campaign_end", "2026-03-01")
    before = tables(crm)
    click(view.rc, "new-confirm")                                 # ends before it starts: said at the end date
    kind, text = message(view.rc, "new-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-campaign_end").widget.error_messages == [text]
    fill(view, "campaign_end", "2026-03-31")
    click(view.rc, "new-confirm")
    (campaign,) = marketing.campaigns.list()["id"].tolist()
    assert str(campaign) in text_of(view.rc.find(meta_ref="record-title").widget)
    assert current_path(view) == "planned"
