"""Campaigns (O7): lifecycle, who runs them, the leads and won business they bring, ROI;
and every (state, action, role)."""
import math

import pandas as pd
import pytest

from crm_engine import CRMError, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.sales import campaigns
from tests.engine.helpers import assert_bad_pages_refused, assert_pages, snapshot
from tests.engine.sales_helpers import ACTOR, ROLES, company, is_chinese, tables, unique


@pytest.fixture(scope="module")
def shop():
    crm = company()
    yield crm
    crm.close()


def test_a_campaign_is_planned_launched_and_completed(crm):
    marketing = crm.as_user("ma.lan")
    expo = marketing.campaigns.add("Spring expo", campaign_type="trade_show", budget=80_000,
                                   expected_revenue=600_000, end_date="2026-04-30")
    assert (expo.state, expo.owner_id, expo.start_date, str(expo.cost)) == ("planned", marketing.user.id, None,
                                                                            "0.00")
    assert marketing.campaigns.launch(expo.id).start_date == crm.today()
    crm.clock.advance(60)
    done = marketing.campaigns.complete(expo.id)
    assert (done.state, done.end_date.isoformat()) == ("completed", "2026-04-30")  # a planned end date stays
    assert marketing.campaigns.add_cost(done.id, 1_000, note="Late invoice").cost == 1_000  # invoices arrive late
    assert crm.audit.list(kind="campaign", record_id=expo.id)["action"].tolist() == [
        "create", "launch", "complete", "add_cost"]
    webinar = marketing.campaigns.add("Webinar", campaign_type="seminar")
    cancelled = marketing.campaigns.cancel(webinar.id, "Speaker ill")
    assert cancelled.state == "cancelled"
    with pytest.raises(TransitionNotAllowed, match=f"Cannot launch campaign {webinar.id}: it is cancelled"):
        marketing.campaigns.launch(webinar.id)


def test_marketing_and_directors_run_campaigns_and_everyone_reads_them(crm):
    expo = crm.as_user("dong.li").campaigns.add("Director's fair", campaign_type="trade_show")
    for role in ("supervisor", "account_manager", "service_staff", "finance"):
        user = crm.as_user(ACTOR[role])
        with pytest.raises(NotAllowed, match="may not run campaigns"):
            user.campaigns.add("Mine", campaign_type="email")
        assert user.campaigns.list()["id"].tolist() == [expo.id]
        assert user.campaigns.get(expo.id).name == "Director's fair"
    assert crm.as_user("ma.lan").campaigns.update(expo.id, budget=5_000).budget == 5_000


def test_roi_is_won_business_against_cost(crm):
    marketing, rep, supervisor = crm.as_user("ma.lan"), crm.as_user("li.ming"), crm.as_user("zhang.wei")
    expo = marketing.campaigns.add("Autumn expo", campaign_type="trade_show", budget=100_000)
    marketing.campaigns.add("Quiet mailing", campaign_type="email")
    marketing.campaigns.launch(expo.id)
    marketing.campaigns.add_cost(expo.id, 30_000, note="Stand")
    marketing.campaigns.add_cost(expo.id, "20,000.00", note="Brochures")
    outcomes = []
    for n, (amount, result) in enumerate(((240_000, "won"), (90_000, "lost"))):
        lead = rep.leads.add(f"Visitor {n}", company=unique("Expo Co"), source="trade_show", campaign_id=expo.id)
        rep.leads.follow_up(lead.id, "Met at the stand")
        opp_id = rep.leads.convert(lead.id, opportunity={"summary": "Servers", "expected_amount": amount}).opportunity_id
        supervisor.opportunities.assign(opp_id, "li.ming")
        rep.opportunities.record_result(rep.opportunities.add_step(opp_id, crm.today(), "Quote"), "Sent")
        outcomes.append(rep.opportunities.succeed(opp_id) if result == "won" else rep.opportunities.fail(opp_id, "price"))
    rep.leads.add("Browser", campaign_id=expo.id)  # a lead that went nowhere (yet)
    direct = rep.opportunities.add("Walk-in Co", "Printers", expected_amount=5_000, probability=50,
                                   campaign_id=expo.id)
    assert direct.campaign_id == expo.id
    roi = crm.campaigns.roi().set_index("name")
    row = roi.loc["Autumn expo"]
    assert (row["leads"], row["converted_leads"], row["opportunities"], row["won"]) == (3, 2, 3, 1)
    assert (row["cost"], row["actual_revenue"], row["roi"], row["budget_used"]) == (50_000, 240_000, 3.8, 0.5)
    assert math.isnan(roi.loc["Quiet mailing", "roi"]) and roi.index.tolist()[-1] == "Quiet mailing"
    assert crm.campaigns.roi(expo.id)["id"].tolist() == [expo.id]
    assert crm.campaigns.list(state="active")["id"].tolist() == [expo.id]
    with pytest.raises(NotFound):
        crm.campaigns.roi(999)


@pytest.mark.parametrize("fields, field", [
    ({"name": ""}, "name"), ({"campaign_type": "skywriting"}, "campaign_type"),
    ({"budget": -1}, "campaign_budget"), ({"expected_revenue": "a lot"}, "expected_revenue"),
    ({"start_date": "2026-05-01", "end_date": "2026-04-01"}, "campaign_end"),
    ({"start_date": "May Day"}, "campaign_start"),
])
def test_bad_campaigns_are_refused_and_change_nothing(shop, fields, field):
    marketing = shop.as_user("ma.lan")
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        marketing.campaigns.add(**{"name": "Fair", "campaign_type": "trade_show", **fields})
    assert caught.value.field == field and is_chinese(caught.value.message("zh_CN"))
    assert snapshot(shop) == before


def test_costs_are_never_negative_and_a_cancelled_campaign_takes_no_opportunities(crm):
    marketing = crm.as_user("ma.lan")
    fair = marketing.campaigns.add("Fair", campaign_type="trade_show")
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        marketing.campaigns.add_cost(fair.id, -100)
    assert caught.value.field == "campaign_cost"
    with pytest.raises(InvalidInput):
        marketing.campaigns.update(fair.id, end_date="2026-01-01", start_date="2026-02-01")
    assert snapshot(crm) == before
    marketing.campaigns.cancel(fair.id, "No budget")
    with pytest.raises(InvalidInput, match="was cancelled"):
        crm.as_user("li.ming").opportunities.add("Acme", "Laptops", expected_amount=1, probability=1,
                                                 campaign_id=fair.id)


def test_export_campaigns(crm, tmp_path):
    crm.as_user("ma.lan").campaigns.add("Fair", campaign_type="trade_show")
    path = tmp_path / "campaigns.csv"
    assert crm.as_user("li.ming").exports.write("campaigns", path) == 1
    assert pd.read_csv(path)["name"].tolist() == ["Fair"]


# -- every (state, action, role) ----------------------------------------------------------------
MOVES = {
    "launch": {"planned": "active"},
    "complete": {"active": "completed"},
    "cancel": {"planned": "cancelled", "active": "cancelled"},
    "update": {"planned": "planned", "active": "active"},
    "add_cost": {"planned": "planned", "active": "active", "completed": "completed"},
}
RUNNERS = {"admin", "director", "marketing"}
CALLS = {
    "launch": lambda a, i: a.campaigns.launch(i),
    "complete": lambda a, i: a.campaigns.complete(i),
    "cancel": lambda a, i: a.campaigns.cancel(i, "Called off"),
    "update": lambda a, i: a.campaigns.update(i, budget=1_000),
    "add_cost": lambda a, i: a.campaigns.add_cost(i, 100),
}
STATES = ("planned", "active", "completed", "cancelled")


def campaign_in(crm, state: str) -> int:
    marketing = crm.as_user("ma.lan")
    campaign = marketing.campaigns.add(unique("Campaign"), campaign_type="seminar")
    if state in ("active", "completed"):
        marketing.campaigns.launch(campaign.id)
    if state == "completed":
        marketing.campaigns.complete(campaign.id)
    if state == "cancelled":
        marketing.campaigns.cancel(campaign.id, "Called off")
    return campaign.id


def test_the_spec_and_the_table_agree():
    table = {(state, verb): target for verb, moves in MOVES.items() for state, target in moves.items()}
    assert table == campaigns.CAMPAIGN.transitions


@pytest.mark.parametrize("verb", list(CALLS))
@pytest.mark.parametrize("state", STATES)
def test_every_state_action_and_role(shop, state, verb):
    allowed = [r for r in ROLES if state in MOVES[verb] and r in RUNNERS]
    campaign_id = campaign_in(shop, state)
    for role in (r for r in ROLES if r not in allowed):
        before = tables(shop)
        with pytest.raises(CRMError) as caught:
            CALLS[verb](shop.as_user(ACTOR[role]), campaign_id)
        error = caught.value
        if state not in MOVES[verb]:  # everyone reads campaigns, so the state speaks first
            assert isinstance(error, TransitionNotAllowed), role
            assert str(campaign_id) in str(error) and shop.t(f"state.campaign.{state}") in str(error)
        else:
            assert type(error) is NotAllowed, role
        assert is_chinese(error.message("zh_CN"))
        assert tables(shop) == before, role
    for role in allowed:
        campaign_id = campaign_in(shop, state)
        CALLS[verb](shop.as_user(ACTOR[role]), campaign_id)
        assert shop.campaigns.get(campaign_id).state == MOVES[verb][state], role


# -- paging ------------------------------------------------------------------------------------------
def test_campaign_pages_are_slices_of_the_whole_list_in_every_order(crm):
    marketing = crm.as_user("ma.lan")
    for n, cost in enumerate((0, 500, 0, 2_000, 500)):
        campaign = marketing.campaigns.add(f"Mailing {n}", campaign_type="email", budget=10_000)
        if cost:
            marketing.campaigns.add_cost(campaign.id, cost)
    rep = crm.as_user("li.ming")                                       # everyone reads campaigns
    assert assert_pages(rep.campaigns.list)["name"].tolist() == [f"Mailing {n}" for n in range(5)]
    by_cost = assert_pages(rep.campaigns.list, sort="cost", descending=True)
    assert by_cost["cost"].tolist() == [2_000, 500, 500, 0, 0]
    by_roi = assert_pages(rep.campaigns.list, sort="roi", descending=True)
    assert by_roi["roi"].isna().tolist()[-2:] == [True, True]          # no cost, no ROI: last
    assert rep.campaigns.count() == 5 and rep.campaigns.count(state="active", campaign_type="email") == 0
    assert_bad_pages_refused(crm, rep.campaigns.list, sort="roi")
