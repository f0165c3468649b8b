"""Contracts (B1): lines, draft → signed → fulfilled | cancelled, scope, credit warnings, hand-over."""
import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from crm_engine import Conflict, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.cash.contracts import CONTRACT
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


def customer_of(crm, username, index=0):
    return int(crm.as_user(username).customers.list()["id"][index])


@pytest.fixture
def rep(crm):
    return crm.as_user("li.ming")


@pytest.fixture
def star(crm):
    return customer_of(crm, "li.ming")


def test_a_draft_has_lines_and_an_amount_from_them(rep, star):
    contract = rep.contracts.add(star, [{"product": "NB-14", "quantity": 10, "unit_price": 4800},
                                        {"product": "SUP-1Y", "quantity": 1}], title="Sales office laptops")
    assert contract.status == "draft" and contract.amount == Decimal("54000.00")
    assert contract.owner_id == rep.user.id and contract.payment_terms == 30
    assert contract.contract_no == "CT20260302-1"
    lines = rep.contracts.lines(contract.id)
    assert lines["product_code"].tolist() == ["NB-14", "SUP-1Y"]
    assert lines["to_ship"].tolist() == [10, 1] and lines["shipped"].tolist() == [0, 0]
    assert rep.contracts.get(contract.id) == contract


def test_a_dict_of_product_quantities_works_and_the_title_defaults(rep, star):
    contract = rep.contracts.add(star, {"SRV-2U": 2})
    assert contract.amount == Decimal("76000.00") and contract.title == "Contract with Star Tech"
    rep.set_language("zh_CN")
    assert rep.contracts.add(star, {"SRV-2U": 1}).title == "与Star Tech的合同"


@pytest.mark.parametrize("lines, field", [
    ([], "contract_lines"), ({"NB-14": -3}, "quantity"), ({"NB-14": 0}, "quantity"), ({"NB-14": "many"}, "quantity"),
    ([{"product": "NB-14", "quantity": 1, "unit_price": -5}], "unit_price"), (["NB-14"], "contract_lines"),
    ([{"product": "NB-14", "quantity": 1}, {"product": 1, "quantity": 2}], "contract_lines"),
    ([{"quantity": 1}], "product"),
])
def test_bad_lines_are_refused_and_change_nothing(crm, rep, star, lines, field):
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.contracts.add(star, lines)
    assert caught.value.field == field
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before


def test_other_bad_input(crm, rep, star):
    before = snapshot(crm)
    with pytest.raises(NotFound):
        rep.contracts.add(star, {"NOPE": 1})
    with pytest.raises(InvalidInput) as caught:
        rep.contracts.add(star, {"NB-14": 1}, start_date="2026-05-01", end_date="2026-04-01")
    assert caught.value.field == "contract_end" and "2026-04-01" in str(caught.value)
    with pytest.raises(InvalidInput):
        rep.contracts.add(star, {"NB-14": 1}, payment_terms=-1)
    with pytest.raises(NotFound):  # Harbour Logistics is Wang Fang's: Li Ming cannot even see it
        rep.contracts.add(customer_of(crm, "wang.fang"), {"NB-14": 1})
    assert snapshot(crm) == before
    rep.contracts.add(star, {"NB-14": 1}, contract_no="HT-2026-001")
    with pytest.raises(Conflict):
        rep.contracts.add(star, {"NB-14": 1}, contract_no="HT-2026-001")


def test_every_allowed_and_forbidden_transition(crm, rep, star):
    actions = {"sign": lambda c: rep.contracts.sign(c), "fulfil": lambda c: rep.contracts.fulfil(c),
               "cancel": lambda c: rep.contracts.cancel(c, "customer withdrew")}
    for state in CONTRACT.states:
        for name, verb in actions.items():
            contract = _in_state(crm, rep, star, state)
            allowed = (state, name) in CONTRACT.transitions
            if allowed:
                if name == "fulfil":
                    rep.shipments.add(contract_id=contract.id)
                assert verb(contract.id).status == CONTRACT.transitions[(state, name)]
            else:
                before = snapshot(crm)
                with pytest.raises(TransitionNotAllowed) as caught:
                    verb(contract.id)
                assert str(contract.id) in caught.value.message("en")
                assert snapshot(crm) == before


def _in_state(crm, rep, star, state):
    contract = rep.contracts.add(star, {"NB-14": 1})
    if state in ("signed", "fulfilled"):
        rep.contracts.sign(contract.id)
    if state == "fulfilled":
        rep.shipments.add(contract_id=contract.id)
        rep.contracts.fulfil(contract.id)
    if state == "cancelled":
        rep.contracts.cancel(contract.id, "wrong customer")
    return rep.contracts.get(contract.id)


def test_state_history_and_audit(crm, rep, star):
    contract = rep.contracts.add(star, {"NB-14": 2})
    rep.contracts.sign(contract.id)
    moves = crm._s.db.rows("SELECT action, from_state, to_state FROM state_history WHERE kind = 'contract' "
                           "AND record_id = ? ORDER BY rowid", [contract.id])
    assert moves == [("create", None, "draft"), ("sign", "draft", "signed")]
    audit = crm.audit.list(kind="contract", record_id=contract.id)
    assert audit["action"].tolist() == ["create", "sign"]


def test_fulfil_needs_everything_shipped(crm, rep, star):
    contract = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 3}).id)
    rep.shipments.add(contract_id=contract.id, lines={"NB-14": 2})
    with pytest.raises(NotAllowed) as caught:
        rep.contracts.fulfil(contract.id)
    assert "2 of 3" in str(caught.value)
    rep.shipments.add(contract_id=contract.id)
    assert rep.contracts.fulfil(contract.id).fulfilled_on == dt.date(2026, 3, 2)


def test_a_signed_contract_with_shipments_or_payments_cannot_be_cancelled(crm, rep, star):
    shipped = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 3}).id)
    rep.shipments.add(contract_id=shipped.id, lines={"NB-14": 1})
    paid = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 3}).id)
    rep.payments.receive(paid.id, 100)
    draft = rep.contracts.add(star, {"NB-14": 1})
    before = snapshot(crm)
    for contract in (shipped, paid):
        with pytest.raises(NotAllowed):
            rep.contracts.cancel(contract.id, "changed our mind")
    with pytest.raises(InvalidInput) as caught:
        rep.contracts.cancel(draft.id, "   ")
    assert caught.value.field == "contract_cancel_reason"
    assert snapshot(crm) == before
    assert rep.contracts.cancel(draft.id, "duplicate").cancel_reason == "duplicate"


def test_signing_sets_one_instalment_after_the_payment_terms(crm, rep, star):
    contract = rep.contracts.add(star, {"NB-14": 2}, payment_terms=45)
    crm.clock.advance(3)
    signed = rep.contracts.sign(contract.id, signed_on="2026-03-04")
    assert signed.signed_on == dt.date(2026, 3, 4)
    plan = rep.payments.instalments(contract.id)
    assert plan["due_date"].dt.date.tolist() == [dt.date(2026, 4, 18)]
    assert plan["amount"].tolist() == [9998.0]
    with pytest.raises(InvalidInput):  # never in the future, never before it was drafted
        rep.contracts.sign(rep.contracts.add(star, {"NB-14": 1}).id, signed_on="2026-03-09")
    with pytest.raises(InvalidInput):
        rep.contracts.sign(rep.contracts.add(star, {"NB-14": 1}).id, signed_on="2026-03-01")


def test_only_a_draft_can_be_updated(crm, rep, star):
    contract = rep.contracts.add(star, {"NB-14": 2})
    rep.payments.schedule(contract.id, [("2026-04-01", 4998), ("2026-05-01", 5000)])
    changed = rep.contracts.update(contract.id, title="Renewal", lines={"NB-14": 3}, notes="priority")
    assert changed.title == "Renewal" and changed.amount == Decimal("14997.00")
    assert len(rep.payments.instalments(contract.id)) == 0  # the plan no longer added up
    with pytest.raises(InvalidInput):
        rep.contracts.update(contract.id, amount=1)
    rep.contracts.sign(contract.id)
    before = snapshot(crm)
    with pytest.raises(NotAllowed) as caught:
        rep.contracts.update(contract.id, title="Too late")
    assert "signed" in str(caught.value)
    assert snapshot(crm) == before


def test_scope_rep_supervisor_finance_and_other_teams(crm, rep, star):
    contract = rep.contracts.add(star, {"NB-14": 1})
    assert crm.as_user("zhang.wei").contracts.get(contract.id).id == contract.id      # supervisor: team
    assert crm.as_user("cai.wu").contracts.get(contract.id).id == contract.id         # finance reads all
    assert len(crm.as_user("cai.wu").contracts.list()) == 1
    for outsider in ("wang.fang", "chen.hua", "liu.yang", "sun.li"):
        with pytest.raises(NotFound):
            crm.as_user(outsider).contracts.get(contract.id)
        assert crm.as_user(outsider).contracts.list().empty
    with pytest.raises(NotAllowed):  # finance reads but does not change contracts
        crm.as_user("cai.wu").contracts.sign(contract.id)
    assert crm.as_user("zhang.wei").contracts.sign(contract.id).status == "signed"


def test_owner_defaults_to_the_customers_owner_and_can_be_another_manager(crm, star):
    supervisor = crm.as_user("zhang.wei")
    assert supervisor.contracts.add(star, {"NB-14": 1}).owner_id == crm.as_user("li.ming").user.id
    assert supervisor.contracts.add(star, {"NB-14": 1}, owner="wang.fang").owner_id == \
        crm.as_user("wang.fang").user.id
    with pytest.raises(NotAllowed):
        supervisor.contracts.add(star, {"NB-14": 1}, owner="liu.yang")  # another team
    with pytest.raises(InvalidInput):
        supervisor.contracts.add(star, {"NB-14": 1}, owner="cai.wu")    # finance owns no contracts


def test_credit_limit_warnings(crm, rep, star):
    rep.customers.update(star, credit_limit=30000)
    small = rep.contracts.add(star, {"NB-14": 5})          # 24,995
    assert small.warnings == ()
    small = rep.contracts.sign(small.id)
    assert small.warnings == ()
    big = rep.contracts.add(star, {"NB-14": 2})            # would make 34,993
    assert len(big.warnings) == 1 and "34993.00" in big.warnings[0] and "30000.00" in big.warnings[0]
    signed = rep.contracts.sign(big.id)                    # a warning, not a refusal
    assert signed.status == "signed" and "34993.00" in signed.warnings[0]
    assert rep.payments.credit(star).exceeded
    rep.set_language("zh_CN")
    assert "信用预警" in rep.contracts.get(big.id).warnings[0]
    rep.payments.receive(small.id, 10000)
    assert rep.contracts.get(big.id).warnings == ()
    assert not rep.payments.credit(star).exceeded


def test_list_filters_and_outstanding(crm, rep, star):
    first = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 2}).id)
    rep.contracts.add(customer_of(crm, "li.ming", 1), {"NB-14": 1})
    rep.payments.receive(first.id, 1000)
    frame = rep.contracts.list(status="signed")
    assert frame["id"].tolist() == [first.id]
    assert frame["outstanding"].tolist() == [8998.0] and frame["paid"].tolist() == [1000.0]
    assert len(rep.contracts.list(customer_id=star)) == 1 and len(rep.contracts.list()) == 2
    with pytest.raises(InvalidInput):
        rep.contracts.list(status="finished")


def test_handover_moves_open_contracts_and_leaves_closed_ones(crm, rep, star):
    open_one = rep.contracts.add(star, {"NB-14": 1})
    done = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 1}).id)
    rep.shipments.add(contract_id=done.id)
    rep.contracts.fulfil(done.id)
    rep.payments.receive(done.id, 4999)
    owed = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 1}).id)
    rep.shipments.add(contract_id=owed.id)
    rep.contracts.fulfil(owed.id)
    other = crm.as_user("wang.fang").contracts.add(customer_of(crm, "wang.fang"), {"NB-14": 1})
    crm.as_user("zhang.wei").customers.handover("li.ming", "zhao.lei")
    zhao = crm.as_user("zhao.lei").user.id
    assert crm.contracts.get(open_one.id).owner_id == zhao
    assert crm.contracts.get(owed.id).owner_id == zhao          # fulfilled but still owed money
    assert crm.contracts.get(done.id).owner_id == rep.user.id   # closed: stays in Li Ming's history
    assert crm.contracts.get(other.id).owner_id == crm.as_user("wang.fang").user.id


def test_contracts_export_is_scoped(crm, rep, star, tmp_path):
    rep.contracts.add(star, {"NB-14": 1})
    crm.as_user("liu.yang").contracts.add(customer_of(crm, "liu.yang"), {"NB-14": 1})
    assert rep.exports.write("contracts", tmp_path / "mine.csv") == 1
    assert crm.exports.write("contracts", tmp_path / "all.csv") == 2


# -- paging ------------------------------------------------------------------------------------------
def test_contract_pages_are_slices_of_the_whole_list_and_stay_in_scope(crm, rep, star):
    for state in ("draft", "signed", "signed", "cancelled", "fulfilled"):
        _in_state(crm, rep, star, state)
    for username in ("wang.fang", "liu.yang"):
        crm.as_user(username).contracts.add(customer_of(crm, username), {"NB-14": 1})
    everyone = assert_pages(crm.contracts.list, size=3)
    assert len(everyone) == 7
    assert_pages(crm.contracts.list, status="signed", size=1)
    mine = every_page(rep.contracts.list, size=2)
    assert len(mine) == 5 and set(mine["owner_id"]) == {rep.user.id}
    pd.testing.assert_frame_equal(mine, rep.contracts.list())
    boss = crm.as_user("zhang.wei")                                  # East sales, never West
    assert set(every_page(boss.contracts.list, size=4)["owner_name"]) == {"Li Ming", "Wang Fang"}
    assert_bad_pages_refused(crm, rep.contracts.list, status="draft")


def test_contracts_are_searched_sorted_and_counted_in_the_engine(crm, rep, star):
    for state in ("draft", "signed", "fulfilled", "cancelled"):
        _in_state(crm, rep, star, state)
        crm.clock.advance(1)
    rep.contracts.add(customer_of(crm, "li.ming", 1), {"SRV-2U": 1}, title="Servers for the 100% plan")
    for username in ("wang.fang", "liu.yang"):
        crm.as_user(username).contracts.add(customer_of(crm, username), {"NB-14": 3}, title="Laptops")
    columns = ("contract_no", "customer_name", "title", "owner_name")
    sorts = ("created_on", "amount", "customer_name", "outstanding")
    found = assert_search_sort_count(crm, crm.contracts.list, crm.contracts.count, term="star", columns=columns,
                                     sorts=sorts)
    assert len(found) == 4 and set(found["customer_name"]) == {"Star Tech"}
    assert crm.contracts.list(search="laptops")["owner_name"].tolist() == ["Liu Yang", "Wang Fang"]
    assert crm.contracts.list(search="0%")["title"].tolist() == ["Servers for the 100% plan"]
    assert_search_sort_count(crm, crm.contracts.list, crm.contracts.count, term="li", columns=columns, sorts=sorts,
                             status="draft")
    mine = assert_search_stays_in_scope(rep.contracts.list, crm.contracts.list, term="a")
    assert set(mine["owner_name"]) == {"Li Ming"}
