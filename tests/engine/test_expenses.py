"""Expenses (B1): claims, approval by a supervisor (never the claimant), scope, totals per rep and customer."""
import datetime as dt
from decimal import Decimal

import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.cash.expenses import EXPENSE
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


def test_claim_and_approve(crm, rep, star):
    claim = rep.expenses.claim(860, expense_type="travel", description="Train to Nanjing", customer_id=star,
                               spent_on="2026-02-27")
    assert (claim.status, claim.amount, claim.claimant_id) == ("claimed", Decimal("860.00"), rep.user.id)
    supervisor = crm.as_user("zhang.wei")
    assert supervisor.expenses.pending()["id"].tolist() == [claim.id]
    approved = supervisor.expenses.approve(claim.id, note="fine")
    assert (approved.status, approved.decided_by, approved.decided_on) == \
        ("approved", supervisor.user.id, dt.date(2026, 3, 2))
    assert supervisor.expenses.pending().empty
    moves = crm._s.db.rows("SELECT action, to_state FROM state_history WHERE kind = 'expense' ORDER BY rowid")
    assert moves == [("claim", "claimed"), ("approve", "approved")]


def test_reject_needs_a_reason(crm, rep):
    claim = rep.expenses.claim(120, expense_type="entertainment", description="Lunch")
    supervisor = crm.as_user("zhang.wei")
    with pytest.raises(InvalidInput):
        supervisor.expenses.reject(claim.id, "")
    rejected = supervisor.expenses.reject(claim.id, "No receipt")
    assert rejected.status == "rejected" and rejected.decision_note == "No receipt"


@pytest.mark.parametrize("state, verb", [(s, v) for s in EXPENSE.states for v in EXPENSE.actions])
def test_every_decision_from_every_state(crm, rep, state, verb):
    claim = rep.expenses.claim(50, expense_type="transport", description="Taxi")
    supervisor = crm.as_user("zhang.wei")
    if state != "claimed":
        supervisor.expenses.approve(claim.id) if state == "approved" else supervisor.expenses.reject(claim.id, "no")
    act = (lambda: supervisor.expenses.approve(claim.id)) if verb == "approve" else \
        (lambda: supervisor.expenses.reject(claim.id, "no"))
    if (state, verb) in EXPENSE.transitions:
        assert act().status == EXPENSE.transitions[(state, verb)]
    else:
        before = snapshot(crm)
        with pytest.raises(TransitionNotAllowed):
            act()
        assert snapshot(crm) == before


@pytest.mark.parametrize("claimant", ["zhang.wei", "dong.li", "admin"])
def test_nobody_approves_their_own_claim(crm, claimant):
    me = crm.as_user(claimant)
    claim = me.expenses.claim(300, expense_type="gift", description="Moon cakes for a customer")
    before = snapshot(crm)
    for decide in (lambda: me.expenses.approve(claim.id), lambda: me.expenses.reject(claim.id, "hmm")):
        with pytest.raises(NotAllowed) as caught:
            decide()
        assert str(claim.id) in str(caught.value) and "本人" in caught.value.message("zh_CN")
    assert snapshot(crm) == before
    assert me.expenses.pending().empty
    if claimant != "admin":
        assert crm.expenses.approve(claim.id).status == "approved"  # someone else may


def test_only_supervisors_of_the_claimant_decide(crm, rep):
    claim = rep.expenses.claim(300, expense_type="travel", description="Bus")
    before = snapshot(crm)
    with pytest.raises(NotFound):        # a colleague does not see it
        crm.as_user("wang.fang").expenses.approve(claim.id)
    with pytest.raises(NotAllowed):      # finance reads claims but does not approve them
        crm.as_user("cai.wu").expenses.approve(claim.id)
    with pytest.raises(NotFound):        # another team's supervisor does not even see it
        crm.as_user("chen.hua").expenses.approve(claim.id)
    assert snapshot(crm) == before
    assert crm.as_user("dong.li").expenses.approve(claim.id).status == "approved"


@pytest.mark.parametrize("kwargs, field", [
    ({"amount": -20}, "expense_amount"), ({"amount": 0}, "expense_amount"), ({"amount": "abc"}, "expense_amount"),
    ({"expense_type": "yacht"}, "expense_type"), ({"description": " "}, "expense_description"),
    ({"spent_on": "2026-03-09"}, "spent_on"), ({"spent_on": "yesterday"}, "spent_on"),
])
def test_bad_claims_are_refused_and_change_nothing(crm, rep, kwargs, field):
    args = {"amount": 100, "expense_type": "travel", "description": "Taxi", **kwargs}
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.expenses.claim(args.pop("amount"), **args)
    assert caught.value.field == field
    assert snapshot(crm) == before


def test_scope_and_summaries_per_rep_and_customer(crm, rep, star):
    rep.expenses.claim(100, expense_type="travel", description="a", customer_id=star)
    rep.expenses.claim(250, expense_type="gift", description="b", customer_id=star)
    wang = crm.as_user("wang.fang")
    harbour = int(wang.customers.list()["id"][0])
    wang.expenses.claim(70, expense_type="transport", description="c", customer_id=harbour)
    crm.as_user("liu.yang").expenses.claim(40, expense_type="transport", description="d")
    with pytest.raises(NotFound):    # a claim may name only a customer you may see
        wang.expenses.claim(10, expense_type="travel", description="e", customer_id=star)
    supervisor = crm.as_user("zhang.wei")
    for claim_id in supervisor.expenses.pending()["id"]:
        supervisor.expenses.approve(int(claim_id))
    assert len(rep.expenses.list()) == 2 and len(supervisor.expenses.list()) == 3
    assert len(crm.as_user("cai.wu").expenses.list()) == 4         # finance reads all
    by_rep = supervisor.expenses.summary(by="claimant").set_index("name")["amount"].to_dict()
    assert by_rep == {"Li Ming": 350.0, "Wang Fang": 70.0}
    by_customer = supervisor.expenses.summary(by="customer").set_index("customer")["amount"].to_dict()
    assert by_customer == {star: 350.0, harbour: 70.0}
    everyone = crm.expenses.summary(by="claimant", status=None)
    assert everyone["amount"].sum() == 460.0
    with pytest.raises(InvalidInput):
        crm.expenses.summary(by="weather")


# -- paging ------------------------------------------------------------------------------------------
def test_claim_pages_are_slices_of_the_whole_list_and_stay_in_scope(crm, rep):
    for username, days in (("li.ming", 1), ("li.ming", 1), ("li.ming", 3), ("wang.fang", 1), ("zhang.wei", 2),
                           ("liu.yang", 1)):                            # equal dates: the id breaks the tie
        spent = dt.date(2026, 3, 2) - dt.timedelta(days=days)
        crm.as_user(username).expenses.claim(100 * days, expense_type="travel", description="Taxi", spent_on=spent)
    everyone = assert_pages(crm.expenses.list, size=4)
    assert len(everyone) == 6
    mine = every_page(rep.expenses.list, size=2)
    assert len(mine) == 3 and set(mine["claimant_name"]) == {"Li Ming"}
    supervisor = crm.as_user("zhang.wei")
    pending = assert_pages(supervisor.expenses.pending, size=2)          # his team's, never his own
    assert set(pending["claimant_name"]) == {"Li Ming", "Wang Fang"} and len(pending) == 4
    assert_pages(crm.as_user("dong.li").expenses.pending, size=3)
    assert_pages(crm.expenses.list, status="claimed", claimant="li.ming", size=1)
    assert_bad_pages_refused(crm, rep.expenses.list)
    assert_bad_pages_refused(crm, supervisor.expenses.pending)


def test_claims_are_searched_sorted_and_counted_in_the_engine(crm, rep, star):
    for username, days, amount, description in (("li.ming", 1, 300, "Taxi to Star Tech"), ("li.ming", 3, 80, "Lunch"),
                                                ("li.ming", 2, 1200, "Train 100% refundable"),
                                                ("wang.fang", 1, 300, "Taxi"), ("zhang.wei", 2, 50, "Parking"),
                                                ("liu.yang", 1, 90, "Taxi")):
        spent = dt.date(2026, 3, 2) - dt.timedelta(days=days)
        crm.as_user(username).expenses.claim(amount, expense_type="travel", description=description, spent_on=spent)
    columns, sorts = ("claimant_name", "customer_name", "description"), ("spent_on", "amount", "claimant_name")
    found = assert_search_sort_count(crm, crm.expenses.list, crm.expenses.count, term="taxi", columns=columns,
                                     sorts=sorts)
    assert len(found) == 3
    assert crm.expenses.list(search="0%")["description"].tolist() == ["Train 100% refundable"]
    assert_search_sort_count(crm, crm.expenses.list, crm.expenses.count, term="li", columns=columns, sorts=sorts,
                             status="claimed")
    supervisor = crm.as_user("zhang.wei")                               # his team's, never his own
    assert_search_sort_count(crm, supervisor.expenses.pending, supervisor.expenses.pending_count, term="wang",
                             columns=columns, sorts=("spent_on", "amount"))
    mine = assert_search_stays_in_scope(rep.expenses.list, crm.expenses.list, term="taxi")
    assert mine["description"].tolist() == ["Taxi to Star Tech"]
    assert_search_stays_in_scope(supervisor.expenses.pending, crm.as_user("dong.li").expenses.pending, term="a")
