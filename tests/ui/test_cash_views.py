"""Orders-to-cash views driven as a student would: contracts, shipments, returns, payments (with the
overdue list and credit-limit warnings), expenses, and the products editor in system settings.

For every form: the happy path, the engine's validation errors shown inline, and scope.
"""
import datetime as dt

import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui.cash import ContractsView, OrdersToCashModule, ReturnsView, ShipmentsView
from crm_engine.ui.base import PAGE_SIZE
from crm_engine.ui.cash_payments import ExpensesView, PaymentsView, ReceiveForm
from tests.ui.helpers import assert_paged_by_the_engine, spy


def open_row(listing, record_id):
    listing.pick.value = record_id
    listing.open_button.click()


def add_line(editor, product, quantity, price=""):
    editor.product.value = product
    editor.quantity.value = quantity
    editor.unit_price.value = price
    editor.add.click()


def draft(view, customer_id=1, lines=(("NB-14", 2),), **fields):
    form = view.new_contract
    form.customer.value = customer_id
    for product, quantity in lines:
        add_line(form.lines, product, quantity)
    for name, value in fields.items():
        getattr(form, name).value = value
    form.save.click()
    return form


@pytest.fixture
def signed(crm):
    """Li Ming's signed contract 1 for Star Tech: 2 notebooks (9,998.00), payment due in 30 days."""
    rep = crm.as_user("li.ming")
    contract = rep.contracts.add(1, {"NB-14": 2})
    rep.contracts.sign(contract.id)
    return crm


# -- contracts -----------------------------------------------------------------------------
def test_contract_form_drafts_and_validates(crm):
    rep = crm.as_user("li.ming")
    view = ContractsView(rep)
    form = view.new_contract
    form.customer.value = 1
    form.save.click()
    assert form.invalid_field == "contract_lines" and "line" in form.error_text
    add_line(form.lines, "NB-14", 0)
    form.save.click()
    assert form.invalid_field == "quantity"
    form.lines.clear.click()
    add_line(form.lines, "NB-14", 2, "abc")
    form.save.click()
    assert form.invalid_field == "unit_price"
    form.lines.clear.click()
    add_line(form.lines, "NB-14", 2, "4,800")
    add_line(form.lines, "SRV-2U", 1)
    form.start.value, form.end.value = dt.date(2026, 6, 1), dt.date(2026, 3, 1)
    form.save.click()
    assert form.invalid_field == "contract_end"
    form.end.value = dt.date(2026, 12, 31)
    form.payment_terms.value = "45"
    form.title.value = "Office refresh"
    form.save.click()
    assert "drafted for 47,600.00" in form.status.value and not form.error_text
    assert form.lines.lines == []                  # ready for the next one
    assert view.list.ids == [1]
    contract = rep.contracts.get(1)
    assert (contract.title, contract.payment_terms, contract.status) == ("Office refresh", 45, "draft")


def test_contract_over_the_credit_limit_carries_a_visible_warning(crm):
    rep = crm.as_user("li.ming")
    rep.customers.update(1, credit_limit=5000)
    view = ContractsView(rep)
    form = draft(view, lines=(("NB-14", 2),))
    assert "credit" in form.warnings.value.lower() and "crm-warning" in form.warnings.value
    assert "drafted" in form.status.value           # a warning, not a refusal
    open_row(view.list, 1)
    assert "crm-warning" in view.detail.value


def test_sign_fulfil_cancel(crm):
    rep = crm.as_user("li.ming")
    view = ContractsView(rep)
    draft(view)
    open_row(view.list, 1)
    assert view.sign_form.layout.display is None and view.fulfil_form.layout.display == "none"
    view.sign_form.signed_on.value = dt.date(2026, 3, 9)
    view.sign_form.sign.click()
    assert view.sign_form.invalid_field == "signed_on"       # in the future on the scenario clock
    view.sign_form.signed_on.value = None
    view.sign_form.sign.click()
    assert "signed" in view.sign_form.status.value
    assert "2026-04-01" in view.instalments.value             # due 30 days after signing
    assert view.fulfil_form.layout.display is None
    view.fulfil_form.fulfil.click()
    assert "NB-14" in view.fulfil_form.error_text             # nothing shipped yet
    view.cancel_form.cancel.click()
    assert view.cancel_form.invalid_field == "contract_cancel_reason"
    view.cancel_form.reason.value = "Customer changed its mind"
    view.cancel_form.cancel.click()
    assert "cancelled" in view.cancel_form.status.value and rep.contracts.get(1).status == "cancelled"
    view.status_filter.value = "cancelled"
    assert view.list.ids == [1]
    view.status_filter.value = "signed"
    assert view.list.ids == []


def test_instalment_plan_must_add_up(crm):
    rep = crm.as_user("li.ming")
    view = ContractsView(rep)
    draft(view)                                               # 9,998.00
    open_row(view.list, 1)
    plan = view.schedule_form
    plan.due.value, plan.amount.value = dt.date(2026, 4, 1), "5000"
    plan.add.click()
    plan.save.click()
    assert plan.error_text                                    # 5,000 of 9,998
    plan.due.value, plan.amount.value = dt.date(2026, 5, 1), "4998"
    plan.add.click()
    plan.save.click()
    assert "2 instalments" in plan.status.value
    assert len(rep.payments.instalments(1)) == 2


def test_contract_lists_are_scoped(signed):
    crm = signed
    crm.as_user("wang.fang").contracts.add(3, {"SRV-2U": 1})
    assert list(ContractsView(crm.as_user("li.ming")).list.rows["customer_name"]) == ["Star Tech"]
    assert list(ContractsView(crm.as_user("wang.fang")).list.rows["customer_name"]) == ["Harbour Logistics"]
    assert len(ContractsView(crm.as_user("zhang.wei")).list.rows) == 2
    assert ContractsView(crm.as_user("liu.yang")).list.rows.empty
    view = ContractsView(crm.as_user("wang.fang"))
    view.open_contract(1)
    assert view.error_text and view.contract_id is None


# -- shipments and returns -----------------------------------------------------------------
def test_ship_everything_then_fulfil(signed):
    rep = signed.as_user("li.ming")
    view = ShipmentsView(rep)
    form = view.form
    form.ship.click()
    assert form.error_text                                    # no contract chosen
    form.contract.value = 1
    assert "NB-14" in form.outstanding.value
    form.ship.click()
    assert "SH20260302-1" in form.status.value and "stock updated" in form.status.value
    assert signed.products.get(1)["stock"] == 98
    assert view.list.ids == [1]
    contracts = ContractsView(rep)
    open_row(contracts.list, 1)
    contracts.fulfil_form.fulfil.click()
    assert "fulfilled" in contracts.fulfil_form.status.value


def test_shipment_of_chosen_lines_is_checked(signed):
    form = ShipmentsView(signed.as_user("li.ming")).form
    form.contract.value = 1
    form.everything.value = False
    assert form.lines.layout.display is None
    add_line(form.lines, "NB-14", 5)
    form.ship.click()
    assert form.invalid_field == "quantity" and "NB-14" in form.error_text
    form.lines.clear.click()
    add_line(form.lines, "NB-14", 1)
    form.ship.click()
    assert "recorded" in form.status.value
    assert signed.shipments.outstanding(contract_id=1)["to_ship"].tolist() == [1]


def test_shipment_against_an_order(crm):
    rep = crm.as_user("li.ming")
    order = rep.orders.add(1, [{"product": "NB-14", "quantity": 3}])
    form = ShipmentsView(rep).form
    form.source.value = "order"
    form.customer.value = 1
    form.order.value = order.id
    form.ship.click()
    assert "recorded" in form.status.value
    assert crm.shipments.list(order_id=order.id)["quantity"].tolist() == [3]


def test_return_form(signed):
    rep = signed.as_user("li.ming")
    rep.shipments.add(contract_id=1)
    view = ReturnsView(rep)
    form = view.form
    form.shipment.value = 1
    assert "NB-14" in form.shipped.value
    form.record.click()
    assert form.invalid_field == "return_reason"
    form.reason.value = "quality"
    form.everything.value = False
    add_line(form.lines, "NB-14", 3)
    form.record.click()
    assert form.invalid_field == "quantity"
    form.lines.clear.click()
    add_line(form.lines, "NB-14", 1)
    form.returned_on.value = dt.date(2026, 3, 2)
    form.record.click()
    assert "4,999.00" in form.status.value and "back in stock" in form.status.value
    assert view.list.ids == [1]
    assert signed.products.get(1)["stock"] == 99


def test_shipments_and_returns_lists_are_scoped(signed):
    rep = signed.as_user("li.ming")
    rep.shipments.add(contract_id=1)
    rep.returns.add(1, {"NB-14": 1}, reason="damaged")
    assert ShipmentsView(rep).list.ids == [1] and ReturnsView(rep).list.ids == [1]
    other = signed.as_user("wang.fang")
    assert ShipmentsView(other).list.ids == [] and ReturnsView(other).list.ids == []
    assert [v for _, v in ShipmentsView(other).form.contract.options] == [None]
    assert [v for _, v in ReturnsView(other).form.shipment.options] == [None]


# -- payments ------------------------------------------------------------------------------
def test_receive_a_payment(signed):
    view = PaymentsView(signed.as_user("li.ming"))
    assert view.receivables.ids == [1]
    open_row(view.receivables, 1)
    form = view.form
    assert form.contract.value == 1 and view.tabs.selected_index == 1
    assert "outstanding 9,998.00" in form.balance.value
    form.receive.click()
    assert form.invalid_field == "payment_amount"
    form.amount.value = "twelve"
    form.receive.click()
    assert "must be a number" in form.error_text
    form.amount.value = "20000"
    form.receive.click()
    assert form.invalid_field == "payment_amount" and "9,998" in form.error_text.replace("9998", "9,998")
    form.amount.value = "3,000"
    form.received_on.value = dt.date(2026, 3, 2)
    form.receive.click()
    assert "Payment of 3,000.00 recorded; 6,998.00 still outstanding" in form.status.value
    assert view.list.ids == [1]
    form.contract.value = 1
    form.amount.value, form.overpayment.value = "7000", True
    form.receive.click()
    assert "0.00 still outstanding" in form.status.value
    assert float(signed.payments.balance(1).overpaid) == 2.0


def test_overdue_list_and_credit_limit_warning(signed):
    rep = signed.as_user("li.ming")
    rep.customers.update(1, credit_limit=5000)
    view = PaymentsView(rep)
    assert "crm-warning" in view.credit.value and "Star Tech" in view.credit.value
    view.overdue_only.value = True
    assert view.receivables.ids == []                         # due 2026-04-01, not yet
    signed.clock.advance(40)
    view = PaymentsView(rep)
    view.overdue_only.value = True
    assert view.receivables.ids == [1]
    assert list(view.receivables.rows["days_overdue"]) == [10]


def test_payments_are_scoped(signed):
    signed.as_user("li.ming").payments.receive(1, 1000)
    other = PaymentsView(signed.as_user("wang.fang"))
    assert other.receivables.ids == [] and other.list.ids == [] and other.credit.value == ""
    other.form.select(1)                                      # forced past the list
    other.form.amount.value = "100"
    other.form.receive.click()
    assert other.form.error_text
    finance = PaymentsView(signed.as_user("cai.wu"))
    assert finance.list.ids == [1]


# -- expenses ------------------------------------------------------------------------------
def claim(view, amount="860", expense_type="travel", description="Train to Nanjing", **fields):
    form = view.form
    form.amount.value, form.expense_type.value, form.description.value = amount, expense_type, description
    for name, value in fields.items():
        getattr(form, name).value = value
    form.claim.click()
    return form


def test_claim_form(crm):
    view = ExpensesView(crm.as_user("li.ming"))
    form = claim(view, expense_type=None)
    assert form.invalid_field == "expense_type"
    form = claim(view, amount="-5")
    assert form.invalid_field == "expense_amount"
    form = claim(view, description="")
    assert form.invalid_field == "expense_description"
    form = claim(view, spent_on=dt.date(2026, 4, 1))
    assert form.invalid_field == "spent_on"
    form.spent_on.value = None
    form = claim(view, customer=1)
    assert "Claim 1 for 860.00 submitted" in form.status.value
    assert view.list.ids == [1] and view.pending.ids == []    # never your own to decide
    assert crm.expenses.get(1).customer_id == 1


def test_supervisor_approves_and_rejects(crm):
    claim(ExpensesView(crm.as_user("li.ming")))
    claim(ExpensesView(crm.as_user("li.ming")), amount="120", description="Taxi")
    boss = ExpensesView(crm.as_user("zhang.wei"))
    assert sorted(boss.pending.ids) == [1, 2]
    open_row(boss.pending, 1)
    assert boss.decide.layout.display is None and "Train to Nanjing" in boss.decide.claim.value
    boss.decide.approve.click()
    assert "approved" in boss.decide.status.value
    open_row(boss.pending, 2)
    boss.decide.reject.click()
    assert boss.decide.invalid_field == "decision_note"
    boss.decide.note.value = "Take the metro"
    boss.decide.reject.click()
    assert "rejected" in boss.decide.status.value
    assert boss.pending.ids == []
    assert "860.00" in boss.summary.value and "120.00" not in boss.summary.value   # approved only


def test_a_rep_cannot_decide_and_sees_only_own_claims(crm):
    claim(ExpensesView(crm.as_user("li.ming")))
    claim(ExpensesView(crm.as_user("wang.fang")), description="Client lunch", expense_type="entertainment")
    rep = ExpensesView(crm.as_user("li.ming"))
    assert list(rep.list.rows["description"]) == ["Train to Nanjing"]
    rep.decide.expense_id = 2                                  # forced: the engine decides
    rep.decide.approve.click()
    assert rep.decide.error_text and crm.expenses.get(2).status == "claimed"
    west = ExpensesView(crm.as_user("chen.hua"))
    assert west.list.ids == [] and west.pending.ids == []


# -- the module and the products editor -----------------------------------------------------
def test_module_tabs_refresh_what_they_offer(crm):
    rep = crm.as_user("li.ming")
    module = OrdersToCashModule(rep)
    assert [v for _, v in module.shipments.form.contract.options] == [None]   # built before any contract
    rep.contracts.sign(rep.contracts.add(1, {"NB-14": 1}).id)
    module.tabs.selected_index = 1                                          # shown again: refreshed
    assert 1 in [v for _, v in module.shipments.form.contract.options]
    shell = app_module.App(crm)
    shell.menu.value = "orders_to_cash"
    assert type(shell.view).__name__ == "OrdersToCashModule"


# -- paging: one page at a time, from the engine ---------------------------------------------------
def test_contract_list_asks_the_engine_for_one_page_at_a_time(crm, monkeypatch):
    rep = crm.as_user("li.ming")
    for n in range(PAGE_SIZE + 3):
        contract = rep.contracts.add(1 + n % 2, {"NB-14": 1 + n % 4}, title=f"{'Laptops' if n % 3 else 'Desks'} {n}")
        if n % 2:
            rep.contracts.sign(contract.id)
            crm.clock.advance(1)
    verb = rep.contracts.list
    asked, counted = spy(monkeypatch, rep.contracts, "list"), spy(monkeypatch, rep.contracts, "count")
    view = ContractsView(rep)
    assert_paged_by_the_engine(view.list, asked, counted, lambda **kw: verb(**kw)["id"].tolist(), term="desks",
                               sort=("amount", True))
    view.status_filter.value = "signed"
    assert asked[-1]["status"] == counted[-1]["status"] == "signed" and asked[-1]["offset"] == 0


def test_receivables_ask_the_engine_for_one_page_of_open_or_overdue_contracts(crm, monkeypatch):
    rep = crm.as_user("li.ming")
    for n in range(PAGE_SIZE + 4):
        rep.contracts.sign(rep.contracts.add(1 + n % 2, {"NB-14": 1 + n % 3}).id)
        crm.clock.advance(2)
    crm.clock.advance(10)                                           # the first ones are past their 30 days
    payments = rep.payments
    receivables, overdue = payments.receivables, payments.overdue
    asked = spy(monkeypatch, payments, "receivables")
    counted = spy(monkeypatch, payments, "receivables_count")
    asked_overdue, counted_overdue = spy(monkeypatch, payments, "overdue"), spy(monkeypatch, payments, "overdue_count")
    monkeypatch.setattr(ReceiveForm, "refresh", lambda form: None)   # its contract choice asks for receivables too
    view = PaymentsView(rep)
    assert_paged_by_the_engine(view.receivables, asked, counted, lambda **kw: receivables(**kw)["contract_id"].tolist(),
                               term="bright", sort=("customer_name", False))
    view.overdue_only.value = True
    assert asked_overdue[-1]["limit"] == PAGE_SIZE and "limit" not in counted_overdue[-1]
    assert view.receivables.ids == overdue(sort="customer_name", limit=PAGE_SIZE)["contract_id"].tolist()
    assert view.receivables.total == len(overdue()) < len(receivables())


def test_pending_claims_ask_the_engine_for_one_page_at_a_time(crm, monkeypatch):
    for n in range(PAGE_SIZE + 2):
        claimant = crm.as_user("li.ming" if n % 2 else "wang.fang")
        claimant.expenses.claim(100 + n, expense_type="travel", description=f"{'Taxi' if n % 3 else 'Hotel'} {n}",
                                spent_on=dt.date(2026, 3, 1) - dt.timedelta(days=n % 4))
    boss = crm.as_user("zhang.wei")
    verb = boss.expenses.pending
    asked, counted = spy(monkeypatch, boss.expenses, "pending"), spy(monkeypatch, boss.expenses, "pending_count")
    view = ExpensesView(boss)
    assert_paged_by_the_engine(view.pending, asked, counted, lambda **kw: verb(**kw)["id"].tolist(), term="hotel",
                               sort=("amount", True))
