"""Marketing-management views driven as a student would: set `.value`, `.click()`, read the
status line. Happy paths, the engine's refusals shown in the form (with the field marked),
and scope: a rep never sees another rep's rows in any list."""
import datetime as dt
import re

import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui.campaigns import CampaignDetail, CampaignForm, CampaignList
from crm_engine.ui.leads import LeadDetail, LeadForm, LeadList, LeadsModule, PoolList
from crm_engine.ui.sales import PAGE
from crm_engine.ui.targets import LeaderboardView, TargetForm
from tests.engine.sales_helpers import lead_in, opportunity_in


def ok(view) -> str:
    """The confirmation a view shows (fails the test if it shows an error instead)."""
    assert view.error_text == "", view.error_text
    assert "crm-ok" in view.status.value, view.status.value
    return view.status.value


def days(crm, n: int) -> str:
    return (crm.today() + dt.timedelta(days=n)).isoformat()


# -- leads ------------------------------------------------------------------------------------
def test_new_lead_form(crm):
    form = LeadForm(crm.as_user("li.ming"))
    form.save.click()
    assert form.error_text == "Name is required." and form.invalid_field == "name"
    form.inputs["name"].value, form.inputs["email"].value = "Zhou Min", "zhou at hotel"
    form.save.click()
    assert "is not an e-mail address" in form.error_text and form.invalid_field == "email"
    form.inputs["email"].value, form.inputs["company"].value = "zhou@hotel.example", "Lakeside Hotel"
    form.source.value = "trade_show"
    form.save.click()
    assert "Pending" in ok(form)
    lead = crm.as_user("li.ming").leads.list().iloc[0]
    assert (lead["name"], lead.state, lead.source) == ("Zhou Min", "pending", "trade_show")
    boss = LeadForm(crm.as_user("zhang.wei"))
    boss.inputs["name"].value, boss.to_pool.value, boss.owner.value = "Pool or Rep", True, "li.ming"
    boss.save.click()
    assert boss.error_text == "A lead goes either to the public pool or to an owner, not both."
    marketing = LeadForm(crm.as_user("ma.lan"))
    assert marketing.to_pool.value is True
    marketing.inputs["name"].value = "From the expo"
    marketing.save.click()
    assert "In the public pool" in ok(marketing)


def test_pool_claim_assign_and_sweep(crm):
    first, second = lead_in(crm, "unassigned"), lead_in(crm, "unassigned")
    pool = PoolList(crm.as_user("li.ming"))
    assert pool.sweep_button.layout.display == "none"
    pool.pick.value = first
    pool.claim_button.click()
    assert f"Lead {first} is yours now" in ok(pool) and first not in [v for _, v in pool.pick.options]
    crm.admin.set_setting("lead_claim_cap", 1)
    pool.pick.value = second
    pool.claim_button.click()
    assert "the cap is 1" in pool.error_text
    pool.sweep_button.click()                                    # hidden for reps; the engine refuses too
    assert "may not" in pool.error_text
    boss = PoolList(crm.as_user("zhang.wei"))
    boss.pick.value, boss.assignee.value = second, "wang.fang"
    boss.assign_button.click()
    assert "given to Wang Fang" in ok(boss) and crm.leads.get(second).state == "pending"
    crm.admin.set_setting("lead_pool_days", 365)   # the clock's own sweep finds nothing: the button's does
    crm.clock.advance(31)
    crm.admin.set_setting("lead_pool_days", 30)
    boss.sweep_button.click()
    assert "2 leads without progress went back" in ok(boss)
    assert {first, second} <= {v for _, v in boss.pick.options}


def test_lead_lifecycle_in_the_detail(crm):
    lead_id = lead_in(crm, "pending")
    rep = crm.as_user("li.ming")
    detail = LeadDetail(rep, lead_id)
    assert detail.convert_box.layout.display == "none" and detail.follow_box.layout.display is None
    detail.follow_button.click()
    assert detail.error_text == "Details is required." and detail.invalid_field == "detail"
    detail.detail.value, detail.on_date.value = "Called", days(crm, 3)
    detail.follow_button.click()
    assert "cannot be after today" in detail.error_text and detail.invalid_field == "on_date"
    detail.on_date.value, detail.next_date.value = "", days(crm, 7)
    detail.follow_button.click()
    ok(detail)
    assert rep.leads.get(lead_id).state == "following" and "Called" in detail.followups.value
    assert detail.convert_box.layout.display is None
    detail.invalid_button.click()
    assert detail.invalid_field == "close_reason"
    detail.reason.value = "Number disconnected"
    detail.invalid_button.click()
    ok(detail)
    assert rep.leads.get(lead_id).state == "invalid" and detail.revive_button.layout.display is None
    assert detail.release_button.layout.display == "none"
    detail.revive_button.click()
    assert rep.leads.get(lead_id).state == "pending"
    detail.release_button.click()
    assert rep.leads.get(lead_id).state == "unassigned" and "went back to the public pool" in ok(detail)
    detail.claim_button.click()
    detail.reason.value = "Test entry"
    detail.void_button.click()
    assert rep.leads.get(lead_id).state == "voided"
    assert all(box.layout.display == "none" for box in (detail.follow_box, detail.close_box, detail.convert_box))
    others = LeadDetail(crm.as_user("wang.fang"), lead_id)
    assert "does not exist" in others.error_text                 # not hers to see


def test_convert_a_lead_with_an_opportunity_and_the_duplicate_rule(crm):
    rep = crm.as_user("li.ming")
    lead_id = lead_in(crm, "following")
    detail = LeadDetail(rep, lead_id)
    detail.make_opportunity.value, detail.expected_amount.value = True, "a lot"
    detail.convert_button.click()
    assert detail.invalid_field == "expected_amount" and rep.leads.get(lead_id).state == "following"
    detail.expected_amount.value, detail.summary.value = "50000", "Notebooks"
    detail.convert_button.click()
    done = rep.leads.get(lead_id)
    assert done.state == "converted"
    assert f"new customer {done.customer_id}. Opportunity {done.opportunity_id} waits" in ok(detail)
    assert rep.opportunities.get(done.opportunity_id).summary == "Notebooks"
    twin = rep.leads.add("Other Person", company="Star Tech", source="referral")
    rep.leads.follow_up(twin.id, "Called")
    detail = LeadDetail(rep, twin.id)
    detail.on_duplicate.value = "refuse"
    detail.convert_button.click()
    assert "already exists (customer 1 'Star Tech'" in detail.error_text
    detail.on_duplicate.value = None
    detail.convert_button.click()
    assert "linked to existing customer 1" in ok(detail)


def test_edit_a_lead(crm):
    detail = LeadDetail(crm.as_user("li.ming"), lead_in(crm, "pending"))
    edit = detail.edit
    edit.inputs["phone"].value = "not a phone"
    edit.save.click()
    assert edit.invalid_field == "phone"
    edit.inputs["phone"].value, edit.inputs["company"].value = "021-5555 0000", "Renamed Co"
    edit.save.click()
    ok(edit)
    assert "Renamed Co" in detail.card.value


# -- campaigns and targets ------------------------------------------------------------------------
def test_campaign_form_and_moves(crm):
    rep_form = CampaignForm(crm.as_user("li.ming"))
    rep_form.fields["name"].value = "Rep's own expo"
    rep_form.save.click()
    assert rep_form.error_text == "Li Ming (Account manager) may not run campaigns."
    form = CampaignForm(crm.as_user("ma.lan"))
    form.fields["name"].value = "Spring expo"
    form.fields["campaign_start"].value, form.fields["campaign_end"].value = "2026-04-10", "2026-04-01"
    form.save.click()
    assert "cannot end (2026-04-01) before it starts" in form.error_text and form.invalid_field == "campaign_end"
    form.fields["campaign_end"].value, form.fields["campaign_budget"].value = "2026-04-12", "80000"
    form.save.click()
    assert "Spring expo" in ok(form)
    campaign_id = int(crm.campaigns.list().iloc[-1].id)
    detail = CampaignDetail(crm.as_user("ma.lan"), campaign_id)
    assert detail.complete_button.layout.display == "none"
    detail.launch_button.click()
    assert "launched" in ok(detail) and crm.campaigns.get(campaign_id).state == "active"
    detail.cost.value = "ten"
    detail.cost_button.click()
    assert detail.invalid_field == "campaign_cost"
    detail.cost.value = "20000"
    detail.cost_button.click()
    assert "20,000.00" in ok(detail)
    rep = crm.as_user("li.ming")                                  # business won through the campaign
    opp = rep.opportunities.add("Expo Visitor", "Notebooks", expected_amount=50000, probability=30,
                                campaign_id=campaign_id)
    crm.as_user("zhang.wei").opportunities.assign(opp.id, "li.ming")
    rep.opportunities.record_result(rep.opportunities.add_step(opp.id, crm.today(), "Demo"), "Liked it")
    rep.opportunities.succeed(opp.id)
    detail.refresh()
    assert "150.0%" in detail.card.value                          # ROI = (50,000 − 20,000) / 20,000
    listing = CampaignList(crm.as_user("li.ming"))                # everyone reads campaigns and their ROI
    assert "150.0%" in listing.table.value and "Spring expo" in listing.table.value
    assert listing.rows.iloc[0].roi == pytest.approx(1.5)
    detail.cancel_button.click()
    assert detail.invalid_field == "close_reason"
    detail.complete_button.click()
    assert crm.campaigns.get(campaign_id).state == "completed" and detail.move_box.layout.display == "none"


def test_targets_and_leaderboard(crm):
    rep_form = TargetForm(crm.as_user("li.ming"))
    assert rep_form.children[0].layout.display == "none"          # only setters see the form
    rep_form.user.value, rep_form.amount.value = "li.ming", "100000"
    rep_form.set_button.click()
    assert rep_form.error_text == "Li Ming (Account manager) may not set sales targets."
    form = TargetForm(crm.as_user("zhang.wei"))
    form.user.value, form.amount.value, form.period.value = "li.ming", "100000", "March"
    form.set_button.click()
    assert "is not a period" in form.error_text and form.invalid_field == "target_period"
    form.period.value = "2026-03"
    form.set_button.click()
    assert "2026-03 set to 100,000.00" in ok(form)
    form.subject.value = "team"
    assert form.team.layout.display is None and form.user.layout.display == "none"
    form.team.value, form.amount.value = 4, "500000"                # West sales: not Zhang Wei's team
    form.set_button.click()
    assert form.error_text
    opp_id = opportunity_in(crm, "succeeded")
    form.refresh()
    won = float(crm.opportunities.get(opp_id).won_amount)
    row = form.frame.iloc[0]
    assert (row.subject, row.actual, row.attainment) == ("Li Ming", won, pytest.approx(won / 100000))
    board = LeaderboardView(crm.as_user("li.ming"))
    assert board.frame.iloc[0]["name"] == "Li Ming" and board.frame.iloc[0]["rank"] == 1
    assert f"{won / 100000:.1%}" in board.table.value
    board.period.value = "soon"
    assert board.invalid_field == "target_period" and board.table.value == ""
    form.pick.value = form.frame.iloc[0].id
    form.remove_button.click()
    ok(form)
    assert form.frame.empty


# -- scope: a rep never sees another rep's rows ---------------------------------------------------
def test_no_list_shows_a_rep_another_reps_rows(crm):
    for holder in ("li.ming", "wang.fang", "liu.yang"):
        opportunity_in(crm, "unassigned", holder=holder)
        opportunity_in(crm, "assigned", holder=holder)
        lead_in(crm, "pending", owner=holder)
        lead_in(crm, "following", owner=holder)
    lead_in(crm, "unassigned")
    me = crm.as_user("li.ming")
    mine = me.user.id
    leads = LeadList(me).rows
    assert len(leads) == 3 and set(leads["owner_id"].dropna()) == {mine}
    assert PoolList(me).rows["owner_id"].isna().all()
    module = LeadsModule(me)
    assert set(module.list.rows["owner_id"].dropna()) == {mine}
    # (the opportunity screens' scope: tests/ui/test_opportunity_screens.py)


# -- the app --------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_sales_view_opens_for_every_role_without_raw_keys(crm, language):
    opportunity_in(crm, "assigned", open_step=True)
    lead_in(crm, "following")
    lead_in(crm, "unassigned")
    crm.as_user("ma.lan").campaigns.add("Expo", campaign_type="trade_show")
    raw = re.compile(r"\b(ui|field|state|action|kind)\.[a-z_]+\.?[a-z_]*\b")
    for username in ("admin", "dong.li", "zhang.wei", "li.ming", "sun.li", "ma.lan", "cai.wu"):
        user = crm.as_user(username)
        user.set_language(language)
        for name in ("leads", "campaigns"):  # opportunities: tests/ui/test_opportunity_screens.py
            module = app_module.show(user, name)
            for key in module.tabs._names:
                module.tabs.show(key)
            for opener, pick in ((getattr(module, "open_opportunity", None), "list"),
                                 (getattr(module, "open_lead", None), "list"),
                                 (getattr(module, "open_campaign", None), "list")):
                if opener is not None and module.list.pick.options:
                    opener(module.list.pick.options[0][1])
            texts = _texts(module)
            assert not [t for t in texts if raw.search(t)], (username, name, [t for t in texts if raw.search(t)][:3])
            assert "crm-error" not in " ".join(texts) or username in ("sun.li", "cai.wu"), (username, name)
            if language == "zh_CN":
                assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(texts))


def _texts(widget) -> list[str]:
    out = []
    for attr in ("value", "description", "placeholder"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            out.append(value)
    for attr in ("options", "_titles", "titles"):
        for option in getattr(widget, attr, ()) or ():
            out.append(option[0] if isinstance(option, tuple) else str(option))
    for child in getattr(widget, "children", ()):
        out += _texts(child)
    return out


def test_the_app_menu_has_the_sales_modules(crm):
    shell = app_module.App(crm.as_user("zhang.wei"))
    names = [name for _, name in shell.menu.options]
    assert {"opportunities", "leads", "campaigns", "reports"} <= set(names)
    shell.menu.value = "opportunities"
    assert type(shell.view).__name__ == "OpportunitiesModule"
    shell.user.value = "li.ming"                                   # switching user rebuilds it in his scope
    assert type(shell.view).__name__ == "OpportunitiesModule" and shell.view.crm.user.username == "li.ming"


# -- paging: one page at a time, from the engine ---------------------------------------------------
def test_next_and_previous_ask_the_engine_for_that_page(crm, monkeypatch):
    marketing = crm.as_user("ma.lan")
    for i in range(2 * PAGE + 2):
        marketing.leads.add(f"Paged Caller {i:02d}", company=f"Co {i % 3}", source="website")
    rep = crm.as_user("li.ming")
    asked = []
    pool = rep.leads.pool
    monkeypatch.setattr(rep.leads, "pool", lambda **page: asked.append(page) or pool(**page))
    listing = PoolList(rep)
    assert asked[-1] == {"sort": "last_activity_on", "descending": False, "limit": PAGE, "offset": 0}
    assert f"({2 * PAGE + 2} in all)" in listing.page_label.value and listing.previous.disabled
    listing.next.click()
    assert asked[-1]["offset"] == PAGE and asked[-1]["limit"] == PAGE
    second = pool(sort="last_activity_on", limit=PAGE, offset=PAGE)["id"].tolist()
    assert listing.rows["id"].tolist() == second and [v for _, v in listing.pick.options] == second
    listing.next.click()
    assert len(listing.rows) == 2 and listing.next.disabled and asked[-1]["offset"] == 2 * PAGE
    listing.previous.click()
    assert listing.rows["id"].tolist() == second and not listing.next.disabled
    listing.sort.value = "company"                                  # a new order: the same page of it
    assert asked[-1] == {"sort": "company", "descending": False, "limit": PAGE, "offset": PAGE}
    assert listing.rows["id"].tolist() == pool(sort="company", limit=PAGE, offset=PAGE)["id"].tolist()
    assert all(len(call) == 4 for call in asked)                     # never the whole pool
