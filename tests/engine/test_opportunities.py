"""Sales opportunities (O1–O5): record, assign, plan, record results, close; the funnel and
win rates (R5); the one-week rule (O9); and every (state, action, role)."""
import datetime as dt

import pandas as pd
import pytest

from crm_engine import Conflict, CRMError, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.sales import opportunities
from tests.engine.helpers import assert_bad_pages_refused, assert_pages, every_page, snapshot
from tests.engine.sales_helpers import ACTOR, ROLES, company, is_chinese, opportunity_in, tables, unique


@pytest.fixture(scope="module")
def shop():
    crm = company()
    yield crm
    crm.close()


def ids(crm, *usernames):
    return [crm.as_user(u).user.id for u in usernames]


# -- the whole story -----------------------------------------------------------------------------
def test_an_opportunity_from_first_record_to_a_new_customer(crm):
    rep, supervisor = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp = rep.opportunities.add("Lakeside Hotel", "50 notebooks for the new wing", expected_amount="250,000",
                                probability=30, source="referral", contact_name="Zhou Min",
                                contact_phone="0571-8888 1234")
    assert (opp.state, opp.owner_id, opp.created_by, opp.stage) == ("unassigned", rep.user.id, rep.user.id, None)
    assert supervisor.opportunities.list(state="unassigned")["id"].tolist() == [opp.id]
    opp = supervisor.opportunities.assign(opp.id, "li.ming")
    assert (opp.state, opp.stage, opp.assigned_on, opp.assigned_by) == ("assigned", "initial_contact",
                                                                         crm.today(), supervisor.user.id)
    visit = rep.opportunities.add_step(opp.id, "2026-03-04", "Visit the general manager")
    call = rep.opportunities.add_step(opp.id, "2026-03-02", "Phone the purchasing office")
    assert rep.opportunities.plan(opp.id)["id"].tolist() == [call, visit]  # plan order is date order
    rep.opportunities.record_result(call, "Purchasing wants a visit")
    crm.clock.advance(2)
    rep.opportunities.record_result(visit, "GM agreed to a trial of 5 units")
    assert rep.opportunities.set_stage(opp.id, "negotiation").probability == 80
    assert rep.opportunities.set_stage(opp.id, "proposal", probability=55).probability == 55
    won = rep.opportunities.succeed(opp.id, amount=240_000, note="Signed after the trial")
    assert (won.state, won.closed_on, str(won.won_amount)) == ("succeeded", crm.today(), "240000.00")
    customer = rep.customers.view(won.customer_id)
    assert (customer.customer.name, customer.customer.owner_id, customer.customer.phone) == (
        "Lakeside Hotel", rep.user.id, "0571-8888 1234")
    assert customer.contacts[["name", "phone", "is_primary"]].values.tolist() == [
        ["Zhou Min", "0571-8888 1234", True]]
    first = customer.interactions.iloc[0]
    assert f"sales opportunity {opp.id}" in first["subject"]
    assert "Visit the general manager" in first["detail"] and "GM agreed to a trial" in first["detail"]
    assert rep.opportunities.list(customer_id=customer.customer.id)["id"].tolist() == [opp.id]  # both ways
    audit = crm.audit.list(kind="opportunity", record_id=opp.id)["action"].tolist()
    assert audit == ["create", "assign", "add_step", "add_step", "record_result", "record_result",
                     "set_stage", "set_stage", "succeed"]
    assert crm.opportunities.history(opp.id)["action"].tolist() == ["create", "assign", "succeed"]


def test_the_interaction_of_a_won_opportunity_is_written_in_the_users_language(crm):
    rep = crm.as_user("li.ming")
    rep.set_language("zh_CN")
    opp_id = opportunity_in(crm, "assigned")
    customer_id = rep.opportunities.succeed(opp_id).customer_id
    interaction = rep.customers.interactions(customer_id).iloc[0]
    assert interaction["subject"] == f"销售机会 {opp_id} 开发成功" and "执行效果" in interaction["detail"]


def test_a_supervisor_may_close_and_the_manager_still_owns_the_customer(crm):
    opp_id = opportunity_in(crm, "assigned")
    won = crm.as_user("zhang.wei").opportunities.succeed(opp_id)
    assert crm.customers.get(won.customer_id).owner_id == crm.as_user("li.ming").user.id


def test_winning_for_an_existing_customer_links_it_instead_of_duplicating(crm):
    rep = crm.as_user("li.ming")
    star = rep.customers.list(search="Star Tech")["id"].iloc[0]
    opp = rep.opportunities.add("STAR TECH Co., Ltd.", "Server upgrade", expected_amount=80_000, probability=50,
                                contact_name="Gao Yan")
    count = len(crm.customers.list())
    crm.as_user("zhang.wei").opportunities.assign(opp.id, "li.ming")
    rep.opportunities.record_result(rep.opportunities.add_step(opp.id, crm.today(), "Call"), "Agreed")
    assert rep.opportunities.succeed(opp.id).customer_id == star
    assert len(crm.customers.list()) == count and "Gao Yan" in rep.customers.contacts(star)["name"].tolist()
    upsell = rep.opportunities.add("Anything", "More servers", expected_amount=1, probability=5, customer_id=star)
    assert upsell.customer_id == star


def test_a_failed_opportunity_records_its_reason(crm):
    rep = crm.as_user("li.ming")
    opp_id = opportunity_in(crm, "assigned")
    before = snapshot(crm)
    for reason in ("too expensive", None, ""):
        with pytest.raises(InvalidInput) as caught:
            rep.opportunities.fail(opp_id, reason)
        assert caught.value.field == "lost_reason"
    assert snapshot(crm) == before
    lost = rep.opportunities.fail(opp_id, "competitor", note="Went with a cheaper vendor")
    assert (lost.state, lost.lost_reason, lost.customer_id) == ("failed", "competitor", None)


# -- assignment (O2) ------------------------------------------------------------------------------
@pytest.mark.parametrize("who, to, error, text", [
    ("li.ming", "li.ming", NotAllowed, "waiting to be assigned by a sales supervisor"),
    ("zhang.wei", "zhang.wei", InvalidInput, "is not an account manager"),
    ("zhang.wei", "sun.li", InvalidInput, "is not an account manager"),
    ("zhang.wei", "liu.yang", NotAllowed, "is outside your team"),
    ("chen.hua", "liu.yang", NotFound, "does not exist or is not one you may see"),
    ("zhang.wei", "nobody", NotFound, "There is no user"),
])
def test_bad_assignments_are_refused_and_change_nothing(shop, who, to, error, text):
    opp_id = opportunity_in(shop, "unassigned")
    before = snapshot(shop)
    with pytest.raises(error, match=text) as caught:
        shop.as_user(who).opportunities.assign(opp_id, to)
    assert is_chinese(caught.value.message("zh_CN"))
    assert snapshot(shop) == before


def test_only_a_supervisor_reassigns_and_history_is_kept(crm):
    rep, supervisor = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp_id = opportunity_in(crm, "assigned")
    rep.opportunities.set_stage(opp_id, "proposal")
    with pytest.raises(NotAllowed, match=f"Sales opportunity {opp_id} is already assigned to Li Ming; only a "
                                         "supervisor can reassign it"):
        rep.opportunities.assign(opp_id, "wang.fang")
    with pytest.raises(InvalidInput, match="already assigned to Li Ming"):
        supervisor.opportunities.assign(opp_id, "li.ming")
    crm.clock.advance(3)
    moved = supervisor.opportunities.assign(opp_id, "zhao.lei")  # Shanghai is inside East sales
    assert (moved.owner_id, moved.stage, moved.assigned_on) == (ids(crm, "zhao.lei")[0], "proposal", crm.today())
    held = crm.opportunities.assignments(opp_id)
    assert held["manager"].tolist() == ["Li Ming", "Zhao Lei"]
    assert held["ended_on"].iloc[0].date() == crm.today() and pd.isna(held["ended_on"].iloc[1])
    with pytest.raises(NotFound):
        rep.opportunities.get(opp_id)  # it is no longer Li Ming's to see
    crm.admin.add_user("gone", "Gone Rep", role="account_manager", team=2)
    crm.admin.deactivate_user("gone")
    with pytest.raises(InvalidInput, match="no longer active"):
        supervisor.opportunities.assign(opp_id, "gone")


# -- plans and results (O3, O4) ---------------------------------------------------------------------
def test_plan_rules(crm):
    rep, supervisor = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp_id = opportunity_in(crm, "assigned")
    before = snapshot(crm)
    with pytest.raises(InvalidInput, match="before sales opportunity") as caught:
        rep.opportunities.add_step(opp_id, "2026-03-01", "Backdated call")
    assert caught.value.field == "step_date"
    for date, action, field in (("03/05/2026", "Visit", "step_date"), ("2026-03-05", " ", "step_action")):
        with pytest.raises(InvalidInput) as caught:
            rep.opportunities.add_step(opp_id, date, action)
        assert caught.value.field == field
    with pytest.raises(NotAllowed, match="belongs to Li Ming; only the assigned manager"):
        supervisor.opportunities.add_step(opp_id, "2026-03-05", "Supervisor's idea")
    assert snapshot(crm) == before
    step = rep.opportunities.add_step(opp_id, "2026-03-05", "Demo at the customer's site")
    assert rep.opportunities.plan(opp_id).set_index("id").loc[step, "status"] == "planned"
    before = snapshot(crm)
    # The student is told which step by what it says, not by a number from the database.
    with pytest.raises(NotAllowed, match="The step “Demo at the customer's site” of sales opportunity "
                                         f"{opp_id} is planned for 2026-03-05; its result can be recorded from that day on"):
        rep.opportunities.record_result(step, "Demo went well")
    with pytest.raises(NotAllowed, match="only the assigned manager"):
        supervisor.opportunities.record_result(step, "Demo went well")
    with pytest.raises(NotFound, match=f"Plan step {step}"):
        crm.as_user("wang.fang").opportunities.record_result(step, "Demo went well")
    assert snapshot(crm) == before
    crm.clock.advance(4)
    assert rep.opportunities.plan(opp_id).set_index("id").loc[step, "status"] == "due"
    for on_date, field in (("2026-03-04", "on_date"), ("2026-03-07", "on_date")):
        with pytest.raises(InvalidInput) as caught:
            rep.opportunities.record_result(step, "Demo went well", on_date=on_date)
        assert caught.value.field == field
    done = rep.opportunities.record_result(step, "Demo went well", on_date="2026-03-05")
    assert (done.result, done.result_date, done.done) == ("Demo went well", dt.date(2026, 3, 5), True)
    with pytest.raises(Conflict, match="“Demo at the customer's site” of sales opportunity .* already has its result"):
        rep.opportunities.record_result(step, "Again")
    with pytest.raises(Conflict, match="stays in the plan"):
        rep.opportunities.remove_step(step)
    spare = rep.opportunities.add_step(opp_id, "2026-04-01", "Follow-up call")
    rep.opportunities.remove_step(spare)
    assert spare not in rep.opportunities.plan(opp_id)["id"].tolist()
    with pytest.raises(NotFound):
        rep.opportunities.step(spare)


def test_closing_needs_at_least_one_step_done(crm):
    rep, supervisor = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp = rep.opportunities.add(unique("Prospect"), "Printers", expected_amount=9_000, probability=40)
    supervisor.opportunities.assign(opp.id, "li.ming")
    rep.opportunities.add_step(opp.id, "2026-03-09", "Call next week")
    before = snapshot(crm)
    for close in (lambda: rep.opportunities.succeed(opp.id), lambda: rep.opportunities.fail(opp.id, "price"),
                  lambda: supervisor.opportunities.succeed(opp.id)):
        with pytest.raises(NotAllowed, match="no plan step with a recorded result") as caught:
            close()
        assert is_chinese(caught.value.message("zh_CN"))
    assert snapshot(crm) == before


@pytest.mark.parametrize("probability", [-1, 101, "high", 50.5, None, True])
def test_probabilities_outside_0_to_100_are_refused(shop, probability):
    rep = shop.as_user("li.ming")
    before = snapshot(shop)
    with pytest.raises(InvalidInput) as caught:
        rep.opportunities.add("Acme", "Laptops", expected_amount=1000, probability=probability)
    assert caught.value.field == "probability"
    assert snapshot(shop) == before


@pytest.mark.parametrize("fields, field", [
    ({"customer_name": ""}, "customer_name"), ({"customer_name": "---"}, "customer_name"),
    ({"summary": ""}, "opportunity_summary"), ({"expected_amount": -5}, "expected_amount"),
    ({"expected_amount": "lots"}, "expected_amount"), ({"source": "rumour"}, "lead_source"),
    ({"contact_phone": "ring me"}, "contact_phone"), ({"campaign_id": 42}, None),
])
def test_bad_opportunity_fields_are_refused(shop, fields, field):
    rep = shop.as_user("li.ming")
    base = {"customer_name": "Acme", "summary": "Laptops", "expected_amount": 1000, "probability": 10}
    before = snapshot(shop)
    with pytest.raises(CRMError) as caught:
        rep.opportunities.add(**{**base, **fields})
    assert caught.value.field == field
    opp_id = opportunity_in(shop, "assigned")
    before = snapshot(shop)
    with pytest.raises(CRMError) as caught:
        rep.opportunities.update(opp_id, **fields)
    assert caught.value.field == field
    with pytest.raises(InvalidInput, match="colour"):
        rep.opportunities.update(opp_id, colour="red")
    with pytest.raises(InvalidInput):
        rep.opportunities.set_stage(opp_id, "proposal", probability=150)
    with pytest.raises(InvalidInput):
        rep.opportunities.set_stage(opp_id, "signed")
    assert snapshot(shop) == before


def test_who_may_record_opportunities(crm):
    for role in ("admin", "service_staff", "marketing", "finance"):  # the admin cannot hold one
        with pytest.raises(NotAllowed, match="may not record sales opportunities"):
            crm.as_user(ACTOR[role]).opportunities.add("Acme", "Laptops", expected_amount=1, probability=1)
    assert crm.as_user("dong.li").opportunities.add("Acme", "Laptops", expected_amount=1, probability=1).id


# -- the funnel and win rates (R5) -----------------------------------------------------------------
def test_funnel_and_win_rate_count_what_you_may_see(crm):
    rep, other = crm.as_user("li.ming"), crm.as_user("liu.yang")
    mine = [opportunity_in(crm, "assigned") for _ in range(4)]
    rep.opportunities.set_stage(mine[1], "intent_confirmed")
    rep.opportunities.set_stage(mine[2], "proposal")
    rep.opportunities.set_stage(mine[3], "negotiation")
    opportunity_in(crm, "succeeded")
    opportunity_in(crm, "failed")
    rep.opportunities.set_stage(opportunity_in(crm, "assigned"), "proposal")  # a third proposal-stage one
    opportunity_in(crm, "unassigned")  # not in the funnel: nobody works it yet
    for state in ("succeeded", "succeeded", "failed"):
        opportunity_in(crm, state, holder="liu.yang")
    funnel = rep.opportunities.funnel().set_index("stage")
    # reached = at this stage or further, plus every won one; lost ones reached where they stopped
    assert funnel["reached"].to_dict() == {"initial_contact": 7, "intent_confirmed": 5, "proposal": 4,
                                           "negotiation": 2, "succeeded": 1}
    assert funnel.loc["intent_confirmed", "conversion"] == round(5 / 7, 4)
    assert funnel.loc["proposal", "open"] == 2 and funnel.loc["proposal", "open_amount"] == 200_000
    assert funnel.loc["proposal", "weighted_amount"] == 200_000 * 0.6
    assert funnel.loc["succeeded", "label"] == "development succeeded"
    assert rep.opportunities.win_rate().iloc[0][["won", "lost", "closed", "win_rate"]].tolist() == [1, 1, 2, 0.5]
    everyone = crm.opportunities.win_rate(by="owner").set_index("owner")
    assert everyone.loc["Liu Yang", "win_rate"] == round(2 / 3, 4) and everyone.loc["Li Ming", "won"] == 1
    assert set(other.opportunities.win_rate(by="owner")["owner"]) == {"Liu Yang"}
    assert crm.opportunities.win_rate(by="month")["month"].tolist() == ["2026-03"]
    assert crm.opportunities.win_rate(since="2026-04-01").empty
    assert crm.as_user("sun.li").opportunities.funnel()["reached"].sum() == 0
    with pytest.raises(InvalidInput):
        crm.opportunities.win_rate(by="colour")


# -- the one-week rule (O9) -------------------------------------------------------------------------
def test_assignments_not_contacted_within_a_week_are_overdue(crm):
    rep, supervisor = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp = rep.opportunities.add("Quiet Corp", "Desks", expected_amount=5_000, probability=20)
    supervisor.opportunities.assign(opp.id, "li.ming")
    lead = supervisor.leads.add("Wei Dong", company="Sleepy Ltd", owner="wang.fang")
    harbour = crm.customers.list(search="Harbour")["id"].iloc[0]
    supervisor.customers.reassign(harbour, "li.ming")
    opportunity_in(crm, "unassigned", holder="liu.yang")  # unassigned: nobody to blame yet
    west = crm.as_user("chen.hua")
    west_opp = crm.as_user("liu.yang").opportunities.add("Far West", "Chairs", expected_amount=1, probability=5)
    west.opportunities.assign(west_opp.id, "liu.yang")
    crm.clock.advance(7)
    assert supervisor.opportunities.overdue().empty  # seven days is still within the week
    crm.clock.advance(1)
    overdue = supervisor.opportunities.overdue()
    assert sorted(overdue[["kind", "id"]].itertuples(index=False, name=None)) == sorted(
        [("opportunity", opp.id), ("lead", lead.id), ("customer", harbour)])
    assert set(overdue["days_waiting"]) == {8}
    assert west.opportunities.overdue()[["kind", "id"]].values.tolist() == [["opportunity", west_opp.id]]
    assert len(crm.opportunities.overdue()) == 4
    # Contact clears each one.
    step = rep.opportunities.add_step(opp.id, crm.today(), "Call")
    rep.opportunities.record_result(step, "Reached the buyer")
    crm.as_user("wang.fang").leads.follow_up(lead.id, "Called")
    rep.customers.log_interaction(harbour, "Introduced myself as the new account manager")
    assert supervisor.opportunities.overdue().empty
    # The supervisor may instead reassign; the clock then starts again.
    crm.clock.advance(10)
    supervisor.opportunities.assign(opp.id, "wang.fang")
    assert supervisor.opportunities.overdue().empty
    crm.clock.advance(8)
    assert supervisor.opportunities.overdue()["id"].tolist() == [opp.id]
    assert supervisor.opportunities.overdue(days=30).empty
    crm.admin.set_setting("contact_within_days", 30)
    assert supervisor.opportunities.overdue().empty


def test_customers_reps_create_themselves_are_not_overdue(crm):
    crm.clock.advance(30)
    assert crm.opportunities.overdue().empty  # the fixture's customers were added by their owners


# -- hand-over and export ----------------------------------------------------------------------------
def test_handover_moves_open_opportunities_not_closed_ones(crm):
    held = {state: opportunity_in(crm, state, holder="wang.fang") for state in ("unassigned", "assigned",
                                                                                  "succeeded", "failed")}
    crm.as_user("zhang.wei").customers.handover("wang.fang", "zhao.lei")
    zhao, wang = ids(crm, "zhao.lei", "wang.fang")
    assert {s: crm.opportunities.get(i).owner_id for s, i in held.items()} == {
        "unassigned": zhao, "assigned": zhao, "succeeded": wang, "failed": wang}
    current = crm.opportunities.assignments(held["assigned"])
    assert current[current["ended_on"].isna()]["manager"].tolist() == ["Zhao Lei"]  # the open holding moved too


def test_export_writes_only_what_you_may_see(crm, tmp_path):
    mine = opportunity_in(crm, "assigned")
    opportunity_in(crm, "assigned", holder="liu.yang")
    path = tmp_path / "opps.xlsx"
    assert crm.as_user("li.ming").exports.write("opportunities", path) == 1
    assert pd.read_excel(path)["id"].tolist() == [mine]


# -- every (state, action, role) --------------------------------------------------------------------
MOVES = {
    "assign": {"unassigned": "assigned", "assigned": "assigned"},
    "succeed": {"assigned": "succeeded"},
    "fail": {"assigned": "failed"},
    "update": {"unassigned": "unassigned", "assigned": "assigned"},
    "set_lines": {"unassigned": "unassigned", "assigned": "assigned"},
    "set_stage": {"assigned": "assigned"},
    "add_step": {"assigned": "assigned"},
    "record_result": {"assigned": "assigned"},
    "remove_step": {"assigned": "assigned"},
}
HOLDER_AND_SUPERIORS = {"admin", "director", "supervisor", "account_manager"}
MAY = {"assign": {"admin", "director", "supervisor"},
       **{v: HOLDER_AND_SUPERIORS for v in ("succeed", "fail", "update", "set_stage", "set_lines")},
       **{v: {"account_manager"} for v in ("add_step", "record_result", "remove_step")}}
SEES = {"admin", "director", "supervisor", "account_manager", "marketing"}
STATES = ("unassigned", "assigned", "succeeded", "failed")


def open_step(crm, opp_id) -> int:
    """A step without a result. An unassigned opportunity cannot get one through the engine,
    so for it the row is written directly: the guard must hold even so."""
    found = crm._s.db.scalar("SELECT min(id) FROM plan_steps WHERE opportunity_id = ? AND result IS NULL", [opp_id])
    if found is None:
        found = crm._s.db.scalar("SELECT coalesce(max(id), 0) + 1 FROM plan_steps")
        with crm._s.db.transaction():
            crm._s.db.execute("INSERT INTO plan_steps VALUES (?, ?, ?, 'Call', NULL, NULL, 1, NULL)",
                              [found, opp_id, crm.today()])
    return found


CALLS = {
    "assign": lambda crm, a, i: a.opportunities.assign(i, "wang.fang"),
    "succeed": lambda crm, a, i: a.opportunities.succeed(i),
    "fail": lambda crm, a, i: a.opportunities.fail(i, "price"),
    "update": lambda crm, a, i: a.opportunities.update(i, summary="Revised scope"),
    "set_stage": lambda crm, a, i: a.opportunities.set_stage(i, "proposal"),
    "set_lines": lambda crm, a, i: a.opportunities.set_lines(i, [{"product": "NB-14", "quantity": 2}]),
    "add_step": lambda crm, a, i: a.opportunities.add_step(i, crm.today(), "Visit"),
    "record_result": lambda crm, a, i: a.opportunities.record_result(open_step(crm, i), "Done"),
    "remove_step": lambda crm, a, i: a.opportunities.remove_step(open_step(crm, i)),
}


def test_the_spec_and_the_table_agree():
    table = {(state, verb): target for verb, moves in MOVES.items() for state, target in moves.items()}
    assert table == opportunities.OPPORTUNITY.transitions


@pytest.mark.parametrize("verb", list(CALLS))
@pytest.mark.parametrize("state", STATES)
def test_every_state_action_and_role(shop, state, verb):
    """Refused combinations raise the right error and change nothing; allowed ones succeed."""
    allowed = [r for r in ROLES if r in SEES and state in MOVES[verb] and r in MAY[verb]]
    opp_id = opportunity_in(shop, state, open_step=True)
    open_step(shop, opp_id)
    for role in (r for r in ROLES if r not in allowed):
        before = tables(shop)
        with pytest.raises(CRMError) as caught:
            CALLS[verb](shop, shop.as_user(ACTOR[role]), opp_id)
        error = caught.value
        if role not in SEES:
            assert isinstance(error, NotFound), role
        elif state not in MOVES[verb]:
            assert isinstance(error, TransitionNotAllowed), role
            assert str(opp_id) in str(error) and shop.t(f"state.opportunity.{state}") in str(error), role
            assert is_chinese(error.message("zh_CN"))
        else:
            assert type(error) is NotAllowed and is_chinese(error.message("zh_CN")), role
        assert tables(shop) == before, role
    for role in allowed:
        opp_id = opportunity_in(shop, state, open_step=True)
        CALLS[verb](shop, shop.as_user(ACTOR[role]), opp_id)
        assert shop.opportunities.get(opp_id).state == MOVES[verb][state], role


# -- paging ------------------------------------------------------------------------------------------
def test_pages_are_slices_of_the_whole_list_in_every_order(crm):
    for holder in ("li.ming", "wang.fang", "liu.yang"):
        for amount in (5000, 9000, 5000):                    # equal amounts: the id breaks the tie
            crm.as_user(holder).opportunities.add(unique("Paged"), "Notebooks", expected_amount=amount,
                                                  probability=10)
    opportunity_in(crm, "assigned")
    full = assert_pages(crm.opportunities.list)
    assert crm.opportunities.count() == len(full) == 10
    by_amount = assert_pages(crm.opportunities.list, sort="expected_amount", descending=True, size=3)
    assert by_amount["expected_amount"].tolist() == sorted(full["expected_amount"], reverse=True)
    ties = by_amount[by_amount["expected_amount"] == 5000]["id"].tolist()
    assert ties == sorted(ties, reverse=True)
    assert_pages(crm.opportunities.list, sort="customer_name")
    assert_pages(crm.opportunities.list, state="unassigned", size=4)
    assert crm.opportunities.count(state="unassigned", search="Paged") == 9
    assert crm.opportunities.count(state="assigned") == len(crm.opportunities.list(state="assigned")) == 1
    assert_bad_pages_refused(crm, crm.opportunities.list)
    with pytest.raises(InvalidInput) as refused:
        crm.opportunities.list(sort="won_amount; DROP TABLE users")
    assert refused.value.field == "sort"


def test_a_managers_pages_hold_only_his_own_opportunities(crm):
    for holder in ("li.ming", "wang.fang", "liu.yang"):
        for _ in range(3):
            opportunity_in(crm, "assigned", holder=holder)
    rep = crm.as_user("li.ming")
    for sort in (None, "expected_amount", "owner_name"):
        pages = every_page(rep.opportunities.list, size=2, sort=sort)
        assert len(pages) == rep.opportunities.count() == 3 and set(pages["owner_name"]) == {"Li Ming"}, sort
    boss = crm.as_user("zhang.wei")                          # East sales: li.ming and wang.fang, never West
    assert set(every_page(boss.opportunities.list, size=4)["owner_name"]) == {"Li Ming", "Wang Fang"}
    assert boss.opportunities.count() == 6
