"""Payments received (B1): instalments, overpayments, refusals, the overdue list, credit limits."""
import datetime as dt
from decimal import Decimal

import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


@pytest.fixture
def contract(rep, star):
    """A signed contract for 100,000 (20 notebooks at 5,000)."""
    draft = rep.contracts.add(star, [{"product": "NB-14", "quantity": 20, "unit_price": 5000}])
    return rep.contracts.sign(draft.id)


def test_payments_in_instalments_reduce_the_balance(crm, rep, contract):
    first = rep.payments.receive(contract.id, 30000, method="bank_transfer")
    assert first.amount == Decimal("30000.00") and first.overpaid == 0 and first.received_on == dt.date(2026, 3, 2)
    rep.payments.receive(contract.id, "20,000.50", method="cheque", notes="cheque 0042")
    balance = rep.payments.balance(contract.id)
    assert (balance.paid, balance.outstanding, balance.overdue) == (Decimal("50000.50"), Decimal("49999.50"), 0)
    assert rep.payments.list(contract_id=contract.id)["amount"].tolist() == [20000.5, 30000.0]
    assert crm.audit.list(kind="payment")["action"].tolist() == ["create", "create"]


def test_more_than_owed_is_refused_unless_recorded_as_overpayment(crm, rep, contract):
    rep.payments.receive(contract.id, 90000)
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.payments.receive(contract.id, 15000)
    assert caught.value.field == "payment_amount" and "10000.00" in str(caught.value)
    assert "overpayment=True" in caught.value.message("zh_CN")
    assert snapshot(crm) == before
    extra = rep.payments.receive(contract.id, 15000, overpayment=True)
    assert (extra.amount, extra.overpaid) == (Decimal("15000.00"), Decimal("5000.00"))
    balance = rep.payments.balance(contract.id)
    assert (balance.paid, balance.overpaid, balance.outstanding) == (Decimal("100000.00"), Decimal("5000.00"), 0)
    again = rep.payments.receive(contract.id, 100, overpayment=True)  # nothing owed: all of it is surplus
    assert again.overpaid == Decimal("100.00")


@pytest.mark.parametrize("amount", [-500, 0, "-0.01", "lots", None, float("nan"), True])
def test_bad_amounts_are_refused_and_change_nothing(crm, rep, contract, amount):
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.payments.receive(contract.id, amount)
    assert caught.value.field == "payment_amount"
    assert snapshot(crm) == before


def test_payments_on_cancelled_or_draft_contracts_are_refused(crm, rep, star):
    cancelled = rep.contracts.add(star, {"NB-14": 1})
    rep.contracts.cancel(cancelled.id, "customer withdrew")
    draft = rep.contracts.add(star, {"NB-14": 1})
    before = snapshot(crm)
    for target, state in ((cancelled, "cancelled"), (draft, "draft")):
        with pytest.raises(TransitionNotAllowed) as caught:
            rep.payments.receive(target.id, 100)
        assert state in str(caught.value)
        assert "合同" in caught.value.message("zh_CN")
    assert snapshot(crm) == before


def test_other_bad_payment_input(crm, rep, contract):
    before = snapshot(crm)
    for kwargs, field in (({"method": "bitcoin"}, "payment_method"), ({"received_on": "2026-03-05"}, "received_on"),
                          ({"received_on": "2026-02-01"}, "received_on"), ({"overpayment": "yes"}, "overpayment")):
        with pytest.raises(InvalidInput) as caught:
            rep.payments.receive(contract.id, 100, **kwargs)
        assert caught.value.field == field
    assert snapshot(crm) == before


def test_finance_records_payments_for_everyone_reps_only_their_own(crm, rep, contract):
    assert crm.as_user("cai.wu").payments.receive(contract.id, 1000).recorded_by == crm.as_user("cai.wu").user.id
    assert len(crm.as_user("cai.wu").payments.list()) == 1
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").payments.receive(contract.id, 1000)
    with pytest.raises(NotFound):  # service staff see no contracts by default
        crm.as_user("sun.li").payments.receive(contract.id, 1000)
    crm.admin.set_policy("payment", "service_staff", read="all", write="none")
    assert crm.as_user("sun.li").payments.balance(contract.id).paid == Decimal("1000.00")
    with pytest.raises(NotAllowed):  # … and reading is not recording
        crm.as_user("sun.li").payments.receive(contract.id, 1000)
    assert crm.as_user("liu.yang").payments.list().empty
    assert crm.as_user("zhang.wei").payments.receivables()["contract_id"].tolist() == [contract.id]


def test_an_instalment_plan_and_the_overdue_list_on_the_scenario_clock(crm, rep, star):
    draft = rep.contracts.add(star, [{"product": "NB-14", "quantity": 20, "unit_price": 5000}])
    plan = rep.payments.schedule(draft.id, [("2026-06-01", 40000), {"due_date": "2026-04-01", "amount": 60000}])
    assert plan["due_date"].dt.date.tolist() == [dt.date(2026, 4, 1), dt.date(2026, 6, 1)]
    contract = rep.contracts.sign(draft.id)  # keeps the plan
    assert len(rep.payments.instalments(contract.id)) == 2
    rep.payments.receive(contract.id, 50000)
    assert rep.payments.overdue().empty
    crm.clock.set("2026-04-01")  # due today is not yet overdue
    assert rep.payments.overdue().empty
    crm.clock.set("2026-04-11")
    overdue = rep.payments.overdue()
    assert overdue["contract_id"].tolist() == [contract.id]
    assert overdue["overdue"].tolist() == [10000.0] and overdue["days_overdue"].tolist() == [10]
    plan = rep.payments.instalments(contract.id)
    assert plan["status"].tolist() == ["overdue", "open"] and plan["open"].tolist() == [10000.0, 40000.0]
    rep.payments.receive(contract.id, 10000)
    assert rep.payments.overdue().empty
    assert rep.payments.instalments(contract.id)["status"].tolist() == ["paid", "open"]
    crm.clock.set("2026-06-02")
    assert rep.payments.balance(contract.id).overdue == Decimal("40000.00")


def test_returns_settle_instalments_too(crm, rep, contract):
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 4})
    rep.returns.add(shipment.id, {"NB-14": 4}, reason="quality")
    assert rep.payments.balance(contract.id).outstanding == Decimal("80000.00")
    with pytest.raises(InvalidInput):  # the customer owes only 80,000 now
        rep.payments.receive(contract.id, 85000)
    rep.payments.receive(contract.id, 80000)
    crm.clock.advance(60)
    assert rep.payments.overdue().empty


def test_bad_instalment_plans(crm, rep, star, contract):
    draft = rep.contracts.add(star, {"NB-14": 2})  # 9,998
    before = snapshot(crm)
    for plan, field in (([("2026-04-01", 5000)], "instalments"), ([], "instalments"),
                        ([("2026-04-01", -1), ("2026-05-01", 9999)], "instalment_amount"),
                        ([("2026-02-01", 9998)], "instalment_due"), ([("soon", 9998)], "instalment_due"),
                        (["9998"], "instalments")):
        with pytest.raises(InvalidInput) as caught:
            rep.payments.schedule(draft.id, plan)
        assert caught.value.field == field
    assert snapshot(crm) == before
    assert rep.payments.instalments(draft.id).empty
    rep.shipments.add(contract_id=contract.id)
    rep.contracts.fulfil(contract.id)
    before = snapshot(crm)
    with pytest.raises(TransitionNotAllowed):
        rep.payments.schedule(contract.id, [("2026-04-01", 100000)])
    assert snapshot(crm) == before


def test_credit_limits(crm, rep, star, contract):
    status = rep.payments.credit(star)
    assert (status.credit_limit, status.owed, status.exceeded) == (None, Decimal("100000.00"), False)
    rep.customers.update(star, credit_limit=80000)
    status = rep.payments.credit(star)
    assert status.exceeded and status.available == Decimal("-20000.00")
    over = rep.payments.over_credit_limit()
    assert over["customer_id"].tolist() == [star] and over["over_by"].tolist() == [20000.0]
    assert crm.as_user("liu.yang").payments.over_credit_limit().empty
    rep.payments.receive(contract.id, 25000)
    assert rep.payments.over_credit_limit().empty and not rep.payments.credit(star).exceeded


# -- paging ------------------------------------------------------------------------------------------
def test_payment_receivable_and_overdue_pages_are_slices_and_stay_in_scope(crm, rep, star):
    for username, paid in (("li.ming", 0), ("li.ming", 4000), ("li.ming", 9998), ("li.ming", 2500),
                           ("wang.fang", 1000), ("liu.yang", 3000)):
        seller = crm.as_user(username)
        customer = int(seller.customers.list()["id"][0])
        contract = seller.contracts.sign(seller.contracts.add(customer, {"NB-14": 2}).id)
        for _ in range(2 if paid else 0):
            seller.payments.receive(contract.id, paid / 2)
    crm.clock.advance(45)                                           # past the 30 days' payment terms
    assert_pages(crm.payments.list, size=3)
    assert_pages(crm.payments.receivables, size=2)
    assert_pages(crm.payments.receivables, open_only=False, size=4)
    overdue = assert_pages(crm.payments.overdue, size=2)
    assert (overdue["overdue"] > 0).all() and len(overdue) == 5      # the paid-up one owes nothing
    mine = every_page(rep.payments.overdue, size=1)
    assert len(mine) == 3 and set(mine["owner_name"]) == {"Li Ming"}
    assert set(every_page(rep.payments.list, size=2)["customer_id"]) <= set(rep.customers.list()["id"])
    assert len(every_page(rep.payments.list, size=2)) == 6
    for verb in (rep.payments.list, rep.payments.receivables, rep.payments.overdue):
        assert_bad_pages_refused(crm, verb)


def test_payments_and_receivables_are_searched_sorted_and_counted_in_the_engine(crm, rep):
    for username, index, quantity, paid in (("li.ming", 0, 2, 0), ("li.ming", 1, 3, 4000), ("li.ming", 0, 1, 2500),
                                            ("wang.fang", 0, 4, 1000), ("liu.yang", 0, 2, 3000)):
        seller = crm.as_user(username)
        customer = int(seller.customers.list()["id"][index])
        contract = seller.contracts.sign(seller.contracts.add(customer, {"NB-14": quantity}).id)
        for _ in range(2 if paid else 0):
            seller.payments.receive(contract.id, paid / 2)
        crm.clock.advance(10)
    crm.clock.advance(5)                                            # three are past the 30 days' payment terms
    found = assert_search_sort_count(crm, crm.payments.list, crm.payments.count, term="bright",
                                     columns=("contract_no", "customer_name", "recorded_by"),
                                     sorts=("received_on", "amount", "customer_name"))
    assert len(found) == 2
    columns = ("contract_no", "customer_name", "owner_name")
    sorts = {"days_overdue": ["days_overdue", "outstanding"], "outstanding": ["outstanding"],
             "customer_name": ["customer_name"]}
    assert_search_sort_count(crm, crm.payments.receivables, crm.payments.receivables_count, term="li",
                             columns=columns, sorts=sorts, id_column="contract_id")
    assert_search_sort_count(crm, crm.payments.receivables, crm.payments.receivables_count, term="star",
                             columns=columns, sorts=sorts, id_column="contract_id", open_only=False)
    overdue = crm.payments.overdue()
    assert 2 < len(overdue) < len(crm.payments.receivables())
    assert_search_sort_count(crm, crm.payments.overdue, crm.payments.overdue_count, term="star", columns=columns,
                             sorts=sorts, id_column="contract_id")
    mine = assert_search_stays_in_scope(rep.payments.receivables, crm.payments.receivables, term="t",
                                        id_column="contract_id")
    assert set(mine["owner_name"]) == {"Li Ming"} and rep.payments.receivables_count(search="t") == len(mine) == 3
    assert_search_stays_in_scope(rep.payments.list, crm.payments.list, term="t")
