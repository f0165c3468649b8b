"""The orders-to-cash screens on the kit (issue #20): contracts list → record page (path, actions
with the engine's reasons, refused beside the button and changing nothing, accepted with a
confirmation) → every open view redrawn; shipments and returns; receivables, the overdue list and
credit warnings; expense claims list → claim page; in English and in Chinese; scope.
The products editor of system settings is tested here too (it feeds the contract lines)."""
import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui import kit
from crm_engine.ui.cash import OrdersToCashModule
from crm_engine.ui.cash_contract import lines_from_text, plan_from_text
from tests.engine.test_cash_office_actions import tables
from tests.ui.kit_helpers import click, has, message, press, text_of

TABS = {"contracts": 0, "new": 1, "shipments": 2, "returns": 3, "payments": 4, "expenses": 5}
RAW = ("None", "<NA>", "nan", "NaT", "draft", "signed", "claimed", "contract_no", "customer_name", "start_date",
       "created_on", "label", "title")


def tab(module, name: str) -> None:
    module.rc.find(meta_ref="cash-tabs").widget.v_model = TABS[name]


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


def current_path(module) -> str:
    steps = module.rc.find(meta_ref="path").widget.children[1:]
    return next(s.attributes["data-state"] for s in steps if "crm-path-current" in s.class_)


def row_text(module, ref: str) -> str:
    return text_of(module.rc.find(meta_ref=ref).widget)


def hover(module, reason: str) -> bool:
    return reason in [w.attributes.get("title") for w in module.rc.find(class_="crm-action").widgets]


def no_raw_text(module) -> None:
    words = set(text_of(module).replace("·", " ").split())
    assert not set(RAW) & words, set(RAW) & words


@pytest.fixture
def signed(crm):
    """Li Ming's signed contract 1 for Star Tech: 2 notebooks (9,998.00), payment due in 30 days."""
    rep = crm.as_user("li.ming")
    contract = rep.contracts.add(1, {"NB-14": 2})
    rep.contracts.sign(contract.id)
    return crm


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_contract_list_record_refused_and_accepted_actions_redraw_every_view(crm, language):
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    contract = rep.contracts.add(1, {"NB-14": 2}, title="Two notebooks")
    crm.set_language(language)
    watcher = OrdersToCashModule(boss)                        # "another cell", open all along
    draft_word = kit.Labels(crm).state("contract", "draft")
    assert draft_word in row_text(watcher, f"contracts-row-{contract.id}")

    view = OrdersToCashModule(rep)
    no_raw_text(view)
    press(view.rc, f"contracts-row-{contract.id}")            # a row click opens the record
    assert contract.contract_no in row_text(view, "record-title") and "Star Tech" in row_text(view, "record-title")
    assert current_path(view) == "draft"
    no_raw_text(view)
    fulfil = view.rc.find(meta_ref="record-actions-fulfil").widget
    reason = rep.contracts.actions(contract.id)["fulfil"]
    assert fulfil.disabled and reason and hover(view, reason)  # not allowed: the engine's reason on hover

    click(view.rc, "record-actions-cancel")
    before = tables(crm)
    click(view.rc, "record-actions-confirm")                  # no reason given: refused beside the button
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-contract_cancel_reason").widget.error_messages == [text]

    click(view.rc, "record-actions-sign")
    fill(view, "signed_on", "2099-01-01")                     # in the future: refused, nothing changed
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message")[0] == "error" and tables(crm) == before
    fill(view, "signed_on", "")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == (
        "success", crm.t("ui.cash.signed", no=contract.contract_no))
    assert current_path(view) == "signed" and rep.contracts.get(contract.id).status == "signed"

    # the supervisor's view, in its own cell, follows without a refresh
    assert kit.Labels(crm).state("contract", "signed") in row_text(watcher, f"contracts-row-{contract.id}")
    # and a change through another handle redraws the open record
    crm.as_user("li.ming").shipments.add(contract_id=contract.id)
    assert not view.rc.find(meta_ref="record-actions-fulfil").widget.disabled
    click(view.rc, "record-actions-fulfil")
    assert message(view.rc, "record-actions-message") == (
        "success", crm.t("ui.cash.fulfilled", no=contract.contract_no))
    assert current_path(view) == "fulfilled"
    click(view.rc, "record-close")
    assert kit.Labels(crm).state("contract", "fulfilled") in row_text(view, f"contracts-row-{contract.id}")


def test_new_contract_is_checked_by_the_engine_and_opens_with_its_credit_warning(crm):
    rep = crm.as_user("li.ming")
    rep.customers.update(1, credit_limit=5000)
    view = OrdersToCashModule(rep)
    tab(view, "new")
    click(view.rc, "new-contract-add")
    fill(view, "customer", 1)
    before = tables(crm)
    click(view.rc, "new-contract-confirm")                    # no lines: refused, the field marked
    kind, text = message(view.rc, "new-contract-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-contract_lines").widget.error_messages == [text]
    fill(view, "contract_lines", "NB-14 2\nMON-27 -1")
    click(view.rc, "new-contract-confirm")
    assert message(view.rc, "new-contract-message")[0] == "error" and tables(crm) == before
    fill(view, "contract_lines", "NB-14 2")
    fill(view, "title", "Two notebooks")
    click(view.rc, "new-contract-confirm")
    contract = rep.contracts.list().iloc[0]
    kind, text = message(view.rc, "new-contract-message")
    assert kind == "success" and contract["contract_no"] in text and "5000.00" in text  # the warning, right there
    assert contract["title"] == "Two notebooks"
    tab(view, "contracts")
    assert has(view.rc, "contract-warning") and current_path(view) == "draft"  # the new record is open


def test_instalments_must_add_up_and_the_plan_shows(crm):
    rep = crm.as_user("li.ming")
    contract = rep.contracts.add(1, {"NB-14": 2})
    view = OrdersToCashModule(rep)
    press(view.rc, f"contracts-row-{contract.id}")
    click(view.rc, "record-actions-schedule")
    fill(view, "instalments", "2026-04-01 1000")
    before = tables(crm)
    click(view.rc, "record-actions-confirm")
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and "9998" in text.replace(",", "") and tables(crm) == before
    fill(view, "instalments", "2026-04-01 4000\n2026-05-01 5998")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.cash.plan_saved", count=2))
    view.rc.find(meta_ref="record-tabs").widget.v_model = 2
    assert "5,998.00" in row_text(view, "plan")
    assert lines_from_text("NB-14 2 4800\n\nbad") == [{"product": "NB-14", "quantity": "2", "unit_price": "4800"}, "bad"]
    assert plan_from_text("2026-04-01 10\nx") == [("2026-04-01", "10"), "x"]


def test_ship_return_and_receive_from_the_screens(signed):
    rep = signed.as_user("li.ming")
    view = OrdersToCashModule(rep)
    press(view.rc, "contracts-row-1")
    click(view.rc, "record-actions-ship")
    fill(view, "shipment_lines", "NB-14 5")                   # more than ordered: refused
    before = tables(signed)
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message")[0] == "error" and tables(signed) == before
    fill(view, "shipment_lines", "")
    click(view.rc, "record-actions-confirm")
    shipment = rep.shipments.list().iloc[0]
    assert message(view.rc, "record-actions-message") == ("success", signed.t("ui.cash.shipped",
                                                                              no=shipment["shipment_no"]))
    tab(view, "shipments")
    press(view.rc, f"shipments-row-{int(shipment['id'])}")
    assert shipment["shipment_no"] in row_text(view, "shipment-title")
    click(view.rc, "shipment-actions-return")
    fill(view, "return_reason", "damaged")
    fill(view, "return_lines", "NB-14 1")
    click(view.rc, "shipment-actions-confirm")
    item = rep.returns.list().iloc[0]
    assert message(view.rc, "shipment-actions-message")[0] == "success" and item["amount"] == 4999
    tab(view, "returns")
    press(view.rc, f"returns-row-{int(item['id'])}")
    assert item["return_no"] in row_text(view, "return-title")
    no_raw_text(view)

    tab(view, "contracts")
    click(view.rc, "record-actions-receive")
    fill(view, "payment_amount", "99999")                     # more than is owed: refused
    before = tables(signed)
    click(view.rc, "record-actions-confirm")
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and tables(signed) == before
    assert view.rc.find(meta_ref="field-payment_amount").widget.error_messages == [text]
    fill(view, "payment_amount", "1000")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == (
        "success", signed.t("ui.cash.received", amount="1,000.00", outstanding="3,999.00"))
    tab(view, "payments")
    assert "3,999.00" in row_text(view, "receivables-row-1")
    assert len(rep.payments.list()) == 1 and has(view.rc, f"payments-row-{int(rep.payments.list().iloc[0]['id'])}")


def test_overdue_list_and_credit_warning_follow_the_clock_and_open_the_contract(signed):
    rep = signed.as_user("li.ming")
    rep.customers.update(1, credit_limit=5000)
    view = OrdersToCashModule(rep)
    tab(view, "payments")
    assert "Star Tech" in row_text(view, "credit-warning")
    view.rc.find(meta_ref="overdue-only").widget.v_model = True
    assert not has(view.rc, "overdue-row-1")                  # due 2026-04-01, not yet
    signed.clock.advance(40)                                  # the open view follows the clock
    assert "10" in row_text(view, "overdue-row-1").split()
    press(view.rc, "overdue-row-1")                           # opens the contract
    assert current_path(view) == "signed"


def test_lists_are_scoped(signed):
    signed.as_user("li.ming").payments.receive(1, 1000)
    other = OrdersToCashModule(signed.as_user("wang.fang"))
    assert not has(other.rc, "contracts-row-1")
    tab(other, "payments")
    assert not has(other.rc, "receivables-row-1") and not has(other.rc, "credit-warning")
    finance = OrdersToCashModule(signed.as_user("cai.wu"))
    tab(finance, "payments")
    assert has(finance.rc, "receivables-row-1")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_expense_claim_list_record_and_decision(crm, language):
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    crm.set_language(language)
    view = OrdersToCashModule(rep)
    tab(view, "expenses")
    click(view.rc, "new-claim-claim")
    fill(view, "expense_amount", "-5")
    before = tables(crm)
    click(view.rc, "new-claim-confirm")
    kind, text = message(view.rc, "new-claim-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-expense_amount").widget.error_messages == [text]
    fill(view, "expense_amount", "860")
    fill(view, "expense_type", "travel")
    fill(view, "expense_description", "Train to Nanjing")
    click(view.rc, "new-claim-confirm")
    claim = rep.expenses.list().iloc[0]
    assert message(view.rc, "new-claim-message")[0] == "success"
    press(view.rc, f"claims-row-{int(claim['id'])}")
    assert current_path(view) == "claimed"
    reason = rep.expenses.actions(int(claim["id"]))["approve"]
    assert view.rc.find(meta_ref="record-actions-approve").widget.disabled and hover(view, reason)
    no_raw_text(view)

    decider = OrdersToCashModule(boss)
    tab(decider, "expenses")
    decider.rc.find(meta_ref="claims-waiting").widget.v_model = True
    press(decider.rc, f"pending-row-{int(claim['id'])}")
    click(decider.rc, "record-actions-reject")
    before = tables(crm)
    click(decider.rc, "record-actions-confirm")               # a rejection needs its reason
    assert message(decider.rc, "record-actions-message")[0] == "error" and tables(crm) == before
    fill(decider, "decision_note", "No receipt")
    click(decider.rc, "record-actions-confirm")
    assert message(decider.rc, "record-actions-message") == (
        "success", crm.t("ui.cash.rejected", id=int(claim["id"])))
    assert current_path(decider) == "rejected"
    assert current_path(view) == "rejected"                   # the claimant's open page followed


def test_the_app_opens_the_module(crm):
    shell = app_module.App(crm)
    shell.menu.value = "orders_to_cash"
    assert type(shell.view).__name__ == "OrdersToCashModule"
    shell.close()
