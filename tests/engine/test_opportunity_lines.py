"""Products on opportunities (O10): line items, the expected amount they make, the won order."""
from decimal import Decimal

import pytest

from crm_engine import CRM, CRMError, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.db import Database
from tests.engine.helpers import snapshot
from tests.engine.sales_helpers import opportunity_in

LINES = [{"product": "NB-14", "quantity": 3, "discount": 0.1},
         {"product": "SRV-2U", "quantity": 1, "unit_price": 36000}]


def test_lines_make_the_expected_amount_and_show_in_get(crm):
    rep = crm.as_user("li.ming")
    opp = rep.opportunities.add("Lakeside Hotel", "Notebooks and a server", probability=30, lines=LINES)
    # 3 × round(4999 × 0.9, 2) = 3 × 4499.10; 1 × 36000
    assert opp.expected_amount == Decimal("13497.30") + Decimal("36000.00")
    got = rep.opportunities.get(opp.id)
    assert [(line.product_code, line.quantity, line.unit_price, line.discount, line.amount) for line in got.lines] == [
        ("NB-14", 3, Decimal("4999.00"), Decimal("0.1000"), Decimal("13497.30")),
        ("SRV-2U", 1, Decimal("36000.00"), Decimal("0.0000"), Decimal("36000.00"))]
    frame = rep.opportunities.lines(opp.id)
    assert frame["product_code"].tolist() == ["NB-14", "SRV-2U"] and frame["category"].tolist() == ["hardware"] * 2


def test_an_explicit_expected_amount_wins_over_the_lines(crm):
    rep = crm.as_user("li.ming")
    opp = rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30, expected_amount=10_000, lines=LINES)
    assert opp.expected_amount == Decimal("10000.00") and len(opp.lines) == 2
    opp = rep.opportunities.set_lines(opp.id, [{"product": "SUP-1Y", "quantity": 2}])
    assert opp.expected_amount == Decimal("12000.00")  # set again: recomputed
    opp = rep.opportunities.set_lines(opp.id, [{"product": "SUP-1Y", "quantity": 2}], expected_amount=11_500)
    assert opp.expected_amount == Decimal("11500.00")
    opp = rep.opportunities.set_lines(opp.id, [])
    assert opp.lines == () and opp.expected_amount == Decimal("11500.00")  # no lines: the amount stays
    assert crm.audit.list(kind="opportunity", record_id=opp.id)["action"].tolist() == [
        "create", "set_lines", "set_lines", "set_lines"]


def test_an_opportunity_without_lines_or_amount_is_refused(crm):
    rep = crm.as_user("li.ming")
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as error:
        rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30)
    assert error.value.field == "expected_amount"
    assert snapshot(crm) == before


@pytest.mark.parametrize("line, field", [
    ({"product": "XX-99", "quantity": 1}, "product"),
    ({"product": None, "quantity": 1}, "product"),
    ({"product": 999, "quantity": 1}, "product"),
    ({"product": "NB-14", "quantity": 0}, "quantity"),
    ({"product": "NB-14", "quantity": -2}, "quantity"),
    ({"product": "NB-14", "quantity": 1.5}, "quantity"),
    ({"product": "NB-14", "quantity": Decimal("2.5")}, "quantity"),
    ({"product": "NB-14", "quantity": "two"}, "quantity"),
    ({"product": "NB-14", "quantity": 1, "discount": 1}, "discount"),
    ({"product": "NB-14", "quantity": 1, "discount": -0.1}, "discount"),
    ({"product": "NB-14", "quantity": 1, "discount": float("nan")}, "discount"),
    ({"product": "NB-14", "quantity": 1, "discount": "much"}, "discount"),
    ({"product": "NB-14", "quantity": 1, "unit_price": -1}, "unit_price"),
    ({"product": "NB-14", "quantity": 1, "colour": "red"}, "colour"),
])
def test_a_bad_line_is_refused_in_both_languages_and_changes_nothing(crm, line, field):
    rep = crm.as_user("li.ming")
    opp = rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30, lines=LINES)
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as error:
        rep.opportunities.set_lines(opp.id, [LINES[0], line])
    assert error.value.field == field
    assert error.value.message("en") and error.value.message("zh_CN") != error.value.message("en")
    with pytest.raises(InvalidInput):
        rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30, lines=[line])
    assert snapshot(crm) == before


def test_an_unknown_product_lists_the_valid_codes(crm):
    rep = crm.as_user("li.ming")
    with pytest.raises(InvalidInput, match="NB-14, SRV-2U, SUP-1Y"):
        rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30, lines=[{"product": "NB14", "quantity": 1}])


@pytest.mark.parametrize("lines", ["NB-14", {"product": "NB-14"}, ["NB-14"], 5])
def test_lines_that_are_not_a_list_of_lines_are_refused(crm, lines):
    rep = crm.as_user("li.ming")
    with pytest.raises(InvalidInput) as error:
        rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30, lines=lines)
    assert error.value.field == "opportunity_lines"


def test_lines_change_only_while_open_and_only_by_whoever_may_edit(crm):
    won = opportunity_in(crm, "assigned")
    crm.as_user("li.ming").opportunities.succeed(won)
    with pytest.raises(TransitionNotAllowed):
        crm.as_user("li.ming").opportunities.set_lines(won, LINES)
    mine = opportunity_in(crm, "assigned")
    with pytest.raises(CRMError) as error:
        crm.as_user("wang.fang").opportunities.set_lines(mine, LINES)
    assert type(error.value) in (NotAllowed, NotFound)
    assert crm.as_user("zhang.wei").opportunities.set_lines(mine, LINES).lines  # the supervisor may


def test_winning_carries_the_lines_into_the_new_customers_first_order(crm):
    rep = crm.as_user("li.ming")
    opp_id = opportunity_in(crm, "assigned")
    rep.opportunities.set_lines(opp_id, LINES)
    won = rep.opportunities.succeed(opp_id)
    orders = rep.orders.list(customer_id=won.customer_id)
    assert len(orders) == 1
    order = rep.orders.get(int(orders["id"].iloc[0]))
    assert (order.order_date, order.amount, order.owner_id) == (crm.today(), Decimal("49497.30"), rep.user.id)
    lines = rep.orders.lines(order.id)
    assert lines[["product_code", "quantity"]].values.tolist() == [["NB-14", 3], ["SRV-2U", 1]]
    assert [Decimal(str(x)) for x in lines["unit_price"]] == [Decimal("4499.1"), Decimal("36000")]
    assert [Decimal(str(x)) for x in lines["amount"]] == [Decimal("13497.3"), Decimal("36000")]
    assert crm.audit.list(kind="order", record_id=order.id)["action"].tolist() == ["create"]


def test_winning_without_lines_makes_no_order(crm):
    rep = crm.as_user("li.ming")
    won = rep.opportunities.succeed(opportunity_in(crm, "assigned"))
    assert rep.orders.list(customer_id=won.customer_id).empty


def test_analysts_read_the_lines_through_sql_by_the_opportunity_scope(crm):
    rep = crm.as_user("li.ming")
    rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30, lines=LINES)
    assert len(crm.as_user("dong.li").sql("SELECT * FROM opportunity_lines")) == 2
    with pytest.raises(NotAllowed):
        rep.sql("SELECT * FROM opportunity_lines")


def test_a_workspace_made_before_008_opens_and_gets_the_lines_table(tmp_path):
    path = tmp_path / "v7.duckdb"
    db = Database(str(path))
    db.migrate(upto=7)
    with db.transaction():
        db.execute("INSERT INTO settings VALUES ('today', '2025-12-01'), ('language', '\"en\"'), ('company', '\"Old Co\"')")
        db.execute("INSERT INTO teams VALUES (1, 'Head office', NULL)")
        db.execute("INSERT INTO users VALUES (1, 'admin', 'Administrator', 'admin', 1, NULL, NULL, true, '2025-12-01')")
    db.close()
    with CRM.open(path) as crm:
        crm.products.add("NB-14", "Notebook", price=100)
        crm.admin.add_user("li.ming", "Li Ming", role="account_manager")
        opp = crm.as_user("li.ming").opportunities.add("Lakeside", "Notebooks", probability=10,
                                                        lines=[{"product": "NB-14", "quantity": 2}])
        assert opp.expected_amount == Decimal("200.00")
