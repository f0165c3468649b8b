"""Shipments and sales returns (B1): quantities, stock, refusals that change nothing, net contribution."""
import datetime as dt
from decimal import Decimal

import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


def stock(crm, code):
    return crm._s.db.scalar("SELECT stock FROM products WHERE code = ?", [code])


@pytest.fixture
def contract(rep, star):
    """A signed contract for 8 notebooks and 2 servers."""
    draft = rep.contracts.add(star, [{"product": "NB-14", "quantity": 8, "unit_price": 4500},
                                     {"product": "SRV-2U", "quantity": 2}])
    return rep.contracts.sign(draft.id)


def test_shipping_takes_goods_out_of_stock(crm, rep, contract):
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 5, "SRV-2U": 1}, notes="first lot")
    assert shipment.shipment_no == "SH20260302-1" and shipment.contract_id == contract.id
    assert (stock(crm, "NB-14"), stock(crm, "SRV-2U")) == (95, 9)
    lines = rep.shipments.lines(shipment.id)
    assert dict(zip(lines["product_code"], lines["quantity"])) == {"NB-14": 5, "SRV-2U": 1}
    left = rep.shipments.outstanding(contract_id=contract.id)
    assert dict(zip(left["product_code"], left["to_ship"])) == {"NB-14": 3, "SRV-2U": 1}
    rest = rep.shipments.add(contract_id=contract.id)  # no lines: everything still to ship
    assert dict(zip(*[rep.shipments.lines(rest.id)[c] for c in ("product_code", "quantity")])) == \
        {"NB-14": 3, "SRV-2U": 1}
    assert rep.contracts.fulfil(contract.id).status == "fulfilled"
    assert crm.audit.list(kind="shipment")["action"].tolist() == ["create", "create"]


def test_shipping_more_than_ordered_is_refused_and_changes_nothing(crm, rep, contract):
    rep.shipments.add(contract_id=contract.id, lines={"NB-14": 6})
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.shipments.add(contract_id=contract.id, lines={"NB-14": 3})
    assert caught.value.field == "quantity"
    assert "8" in str(caught.value) and "6" in str(caught.value)
    assert "合同" in caught.value.message("zh_CN")
    assert snapshot(crm) == before


def test_a_shipment_the_stock_cannot_cover_is_refused_whole(crm, rep, star):
    big = rep.contracts.sign(rep.contracts.add(star, {"NB-14": 3, "SRV-2U": 12}).id)
    before = snapshot(crm)
    with pytest.raises(NotAllowed) as caught:
        rep.shipments.add(contract_id=big.id)
    assert "SRV-2U" in str(caught.value) and "10" in str(caught.value) and "12" in str(caught.value)
    assert "库存不足" in caught.value.message("zh_CN")
    assert snapshot(crm) == before  # not even the notebooks left the warehouse
    assert stock(crm, "NB-14") == 100


@pytest.mark.parametrize("lines, error, field", [
    ({"NB-14": -2}, InvalidInput, "quantity"), ({"NB-14": 0}, InvalidInput, "quantity"),
    ({"NB-14": 1.5}, InvalidInput, "quantity"), ({"SUP-1Y": 1}, InvalidInput, "product"),
    ({}, InvalidInput, "shipment_lines"), ([{"product": "NB-14", "quantity": 1}] * 2, InvalidInput, "shipment_lines"),
    ({"GHOST": 1}, NotFound, None),
])
def test_bad_shipment_lines(crm, rep, contract, lines, error, field):
    before = snapshot(crm)
    with pytest.raises(error) as caught:
        rep.shipments.add(contract_id=contract.id, lines=lines)
    assert caught.value.field == field
    assert snapshot(crm) == before


def test_shipments_need_exactly_one_signed_source(crm, rep, star, contract):
    draft = rep.contracts.add(star, {"NB-14": 1})
    before = snapshot(crm)
    with pytest.raises(InvalidInput):
        rep.shipments.add(lines={"NB-14": 1})
    with pytest.raises(InvalidInput):
        rep.shipments.add(contract_id=contract.id, order_id=1, lines={"NB-14": 1})
    with pytest.raises(TransitionNotAllowed) as caught:
        rep.shipments.add(contract_id=draft.id)
    assert "draft" in str(caught.value)
    with pytest.raises(InvalidInput):  # not before the contract was signed, not in the future
        rep.shipments.add(contract_id=contract.id, shipped_on="2026-03-01")
    with pytest.raises(InvalidInput):
        rep.shipments.add(contract_id=contract.id, shipped_on="2026-03-03")
    assert snapshot(crm) == before


def test_shipping_against_an_order(crm, rep, star):
    order = rep.orders.add(star, [{"product": "NB-14", "quantity": 2}, {"product": "NB-14", "quantity": 1,
                                                                         "unit_price": 4000}])
    shipment = rep.shipments.add(order_id=order.id, lines={"NB-14": 3})
    assert shipment.order_id == order.id and stock(crm, "NB-14") == 97
    with pytest.raises(InvalidInput):
        rep.shipments.add(order_id=order.id)  # nothing left
    back = rep.returns.add(shipment.id, {"NB-14": 1}, reason="damaged")
    # priced at the order's average notebook price: (2 × 4999 + 4000) / 3
    assert back.amount == Decimal("4666.00") and back.order_id == order.id
    with pytest.raises(NotFound):  # Wang Fang cannot see Li Ming's order
        crm.as_user("wang.fang").shipments.add(order_id=order.id)


def test_shipment_scope(crm, rep, contract):
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 1})
    assert len(crm.as_user("zhang.wei").shipments.list()) == 1
    assert len(crm.as_user("cai.wu").shipments.list()) == 1      # finance reads all
    assert crm.as_user("liu.yang").shipments.list().empty
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").shipments.get(shipment.id)
    with pytest.raises(NotAllowed):
        crm.as_user("cai.wu").shipments.add(contract_id=contract.id, lines={"NB-14": 1})


def test_returns_put_goods_back_and_are_valued_at_the_contract_price(crm, rep, contract):
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 5})
    crm.clock.advance(5)
    back = rep.returns.add(shipment.id, {"NB-14": 2}, reason="quality", notes="screens flicker")
    assert back.amount == Decimal("9000.00") and back.returned_on == dt.date(2026, 3, 7)
    assert back.contract_id == contract.id and back.customer_id == contract.customer_id
    assert stock(crm, "NB-14") == 97
    assert rep.shipments.lines(shipment.id)["returned"].tolist() == [2]
    assert rep.contracts.lines(contract.id).set_index("product_code").loc["NB-14", "returned"] == 2
    assert rep.payments.balance(contract.id).returned == Decimal("9000.00")
    rest = rep.returns.add(shipment.id, reason="not_needed")  # no lines: everything not yet returned
    assert rep.returns.lines(rest.id)["quantity"].tolist() == [3]
    assert stock(crm, "NB-14") == 100


def test_returning_more_than_shipped_is_refused_and_changes_nothing(crm, rep, contract):
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 3})
    rep.returns.add(shipment.id, {"NB-14": 2}, reason="quality")
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.returns.add(shipment.id, {"NB-14": 2}, reason="quality")
    assert "3" in str(caught.value) and "2" in str(caught.value)
    for lines, reason in (({"NB-14": -1}, "quality"), ({"SRV-2U": 1}, "quality"), ({"NB-14": 1}, "bored"),
                          ({"NB-14": 1}, None)):
        with pytest.raises(InvalidInput):
            rep.returns.add(shipment.id, lines, reason=reason)
    with pytest.raises(InvalidInput):
        rep.returns.add(shipment.id, {"NB-14": 1}, reason="quality", returned_on="2026-03-01")
    assert snapshot(crm) == before


def test_returns_scope_and_lists(crm, rep, contract):
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 3})
    back = rep.returns.add(shipment.id, {"NB-14": 1}, reason="wrong_item")
    assert rep.returns.list()["id"].tolist() == [back.id]
    assert len(crm.as_user("cai.wu").returns.list(contract_id=contract.id)) == 1
    assert crm.as_user("wang.fang").returns.list().empty
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").returns.get(back.id)
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").returns.add(shipment.id, {"NB-14": 1}, reason="quality")


def test_net_contribution_subtracts_returns(crm, rep, star, contract):
    order = rep.orders.add(star, [{"product": "NB-14", "quantity": 2}])
    shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 4})
    rep.returns.add(shipment.id, {"NB-14": 1}, reason="quality")
    frame = rep.returns.net_contribution(year=2026).set_index("customer_id")
    row = frame.loc[star]
    assert row["order_amount"] == float(order.amount) == 9998.0
    assert row["contract_amount"] == float(contract.amount)
    assert row["returned"] == 4500.0
    assert row["net"] == 9998.0 + float(contract.amount) - 4500.0
    assert rep.returns.net_contribution(year=2025).empty
    assert crm.as_user("liu.yang").returns.net_contribution().empty


def test_shipment_and_return_pages_are_slices_and_stay_in_scope(crm, rep, contract):
    for _ in range(3):
        shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 2})
        rep.returns.add(shipment.id, {"NB-14": 1}, reason="quality")
    assert_pages(crm.shipments.list, size=2)
    assert_pages(crm.returns.list, size=2, contract_id=contract.id)
    assert every_page(crm.as_user("wang.fang").shipments.list, size=2).empty
    assert len(every_page(crm.as_user("zhang.wei").returns.list, size=2)) == 3
    assert_bad_pages_refused(crm, rep.shipments.list)
    assert_bad_pages_refused(crm, rep.returns.list)


def test_shipments_and_returns_are_searched_sorted_and_counted_in_the_engine(crm, rep, contract):
    for quantity in (1, 2, 1):
        shipment = rep.shipments.add(contract_id=contract.id, lines={"NB-14": 2})
        rep.returns.add(shipment.id, {"NB-14": quantity}, reason="quality")
        crm.clock.advance(1)
    harbour = int(crm.as_user("wang.fang").customers.list()["id"][0])
    wang = crm.as_user("wang.fang")
    other = wang.contracts.sign(wang.contracts.add(harbour, {"NB-14": 4}).id)
    returned = wang.shipments.add(contract_id=other.id, lines={"NB-14": 4})
    wang.returns.add(returned.id, {"NB-14": 1}, reason="quality")
    found = assert_search_sort_count(crm, crm.shipments.list, crm.shipments.count, term="harbour",
                                     columns=("shipment_no", "customer_name", "contract_no", "order_no"),
                                     sorts=("shipped_on", "customer_name"))
    assert found["id"].tolist() == [returned.id]
    assert crm.shipments.count(search=contract.contract_no) == 3
    assert_search_sort_count(crm, crm.returns.list, crm.returns.count, term="star",
                             columns=("return_no", "shipment_no", "customer_name"),
                             sorts=("returned_on", "amount", "customer_name"))
    assert crm.returns.count(search=returned.shipment_no) == 1
    mine = assert_search_stays_in_scope(rep.returns.list, crm.returns.list, term="-")
    assert set(mine["customer_name"]) == {"Star Tech"}
    assert_search_stays_in_scope(rep.shipments.list, crm.shipments.list, term="-")
