"""Orders-to-cash views (B1): contracts, shipments and sales returns, and the module that
holds them with payments and expenses (`cash_payments.py`).

Every form calls one engine verb. Amounts and quantities are typed as text or
integers and checked by the engine, so a student sees the same message a
Python call would give. A credit-limit warning is a warning, not a refusal:
contracts carry it (`Contract.warnings`) and the views show it beside them.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from ..cash.contracts import CONTRACT
from . import base
from .base import Form, PagedList, View

WARNING_STYLE = "color:#8a4b00;background:#fff4e5;padding:4px 8px;border-radius:4px"


def warnings_html(messages) -> str:
    """Credit warnings (already in the session's language) as a visible box."""
    return "".join(f"<div class='crm-warning' style='{WARNING_STYLE}'>⚠ {html.escape(m)}</div>" for m in messages)


class LinesEditor(widgets.VBox):
    """Build product lines one at a time: product, quantity (and a price, where it applies).

    `lines` is what the engine takes: `[{"product": code, "quantity": n, "unit_price": …}]`.
    Nothing is checked here — the engine names the bad line.
    """

    def __init__(self, crm, *, prices: bool = True, products: list | None = None):
        self.crm, self.lines = crm, []
        self.product = widgets.Dropdown(description=crm.t("field.product"), style=base.WIDE,
                                        layout=widgets.Layout(width="30em"))
        self.quantity = widgets.IntText(value=1, description=crm.t("field.quantity"), style=base.WIDE)
        self.unit_price = widgets.Text(placeholder=crm.t("ui.cash.list_price"), description=crm.t("field.unit_price"),
                                       style=base.WIDE)
        base.shown(self.unit_price, prices)
        self.add = base.button(crm, "ui.cash.add_line")
        self.clear = base.button(crm, "ui.cash.clear_lines")
        self.table = widgets.HTML()
        self.add.on_click(self._on_add)
        self.clear.on_click(lambda _: self.reset())
        super().__init__([widgets.HBox([self.product, self.quantity]), widgets.HBox([self.unit_price, self.add,
                                                                                     self.clear]), self.table])
        self.set_products(products)

    def set_products(self, products: list | None = None) -> None:
        """Offer these (label, code) pairs, or every active product."""
        if products is None:
            catalogue = self.crm.products.list()
            products = [(f"{r.code} · {r.name}", r.code) for r in catalogue.itertuples()]
        base.set_options(self.product, products)
        self.reset()

    def _on_add(self, _button):
        line = {"product": self.product.value, "quantity": self.quantity.value}
        if self.unit_price.value.strip():
            line["unit_price"] = self.unit_price.value.strip()
        self.lines = [*self.lines, line]
        self.quantity.value, self.unit_price.value = 1, ""
        self._render()

    def reset(self) -> None:
        self.lines = []
        self._render()

    def _render(self):
        frame = pd.DataFrame(self.lines, columns=["product", "quantity", "unit_price"])
        self.table.value = base.page_table(frame, self.crm, ["product", "quantity", "unit_price"])


# -- contracts ---------------------------------------------------------------------------
class ContractForm(Form):
    """Draft a contract for a customer you may change."""

    ALIASES = {"product": "contract_lines", "quantity": "contract_lines", "unit_price": "contract_lines"}

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.customer = base.CustomerPicker(crm)
        self.title = base.text_field(crm, "title")
        self.lines = LinesEditor(crm)
        self.payment_terms = widgets.Text(placeholder=crm.t("ui.cash.default_terms"),
                                          description=crm.t("field.payment_terms"), style=base.WIDE)
        self.start = base.date_field(crm, "contract_start")
        self.end = base.date_field(crm, "contract_end")
        self.notes = base.text_area(crm, "notes", rows=2)
        self.warnings = widgets.HTML()
        self.save = base.button(crm, "ui.cash.draft_contract", "primary")
        self.save.on_click(self._on_save)
        super().__init__(crm, [self.row("customer", self.customer), self.row("title", self.title),
                               self.row("contract_lines", self.lines), self.row("payment_terms", self.payment_terms),
                               self.row("contract_start", self.start), self.row("contract_end", self.end),
                               self.row("notes", self.notes), self.save, self.warnings])

    def _on_save(self, _button):
        self.warnings.value = ""
        contract = self._attempt(self.crm.contracts.add, self.customer.value, self.lines.lines,
                                 title=self.title.value or None, payment_terms=self.payment_terms.value or None,
                                 start_date=self.start.value, end_date=self.end.value, notes=self.notes.value or None)
        if contract is None:
            return
        self.show_ok(self.t("ui.cash.contract_drafted", no=contract.contract_no, amount=base.money(contract.amount)))
        self.warnings.value = warnings_html(contract.warnings)
        self.title.value = self.notes.value = self.payment_terms.value = ""
        self.lines.reset()
        if self._on_saved:
            self._on_saved(contract.id)


class _ContractStep(Form):
    """A form acting on the contract on screen (`contract_id`)."""

    def __init__(self, crm, children, on_done=None):
        self.contract_id, self._on_done = None, on_done
        super().__init__(crm, children)

    def _done(self, contract, key: str, **params):
        self.show_ok(self.t(key, no=contract.contract_no, **params))
        if self._on_done:
            self._on_done(contract.id)


class SignForm(_ContractStep):
    """Sign a draft (today on the scenario clock unless a date is given)."""

    def __init__(self, crm, on_done=None):
        self.signed_on = base.date_field(crm, "signed_on")
        self.sign = base.button(crm, "ui.cash.sign", "success")
        self.sign.on_click(self._on_sign)
        super().__init__(crm, [self.row("signed_on", self.signed_on), self.sign], on_done)

    def _on_sign(self, _button):
        contract = self._attempt(self.crm.contracts.sign, self.contract_id, signed_on=self.signed_on.value)
        if contract is not None:
            self._done(contract, "ui.cash.signed")


class FulfilForm(_ContractStep):
    """Mark a signed contract fulfilled (the engine checks every line was shipped)."""

    def __init__(self, crm, on_done=None):
        self.fulfil = base.button(crm, "ui.cash.fulfil", "success")
        self.fulfil.on_click(self._on_fulfil)
        super().__init__(crm, [self.fulfil], on_done)

    def _on_fulfil(self, _button):
        contract = self._attempt(self.crm.contracts.fulfil, self.contract_id)
        if contract is not None:
            self._done(contract, "ui.cash.fulfilled")


class CancelForm(_ContractStep):
    """Cancel a draft, or a signed contract nothing was shipped or paid on, with a reason."""

    def __init__(self, crm, on_done=None):
        self.reason = base.text_field(crm, "contract_cancel_reason")
        self.cancel = base.button(crm, "ui.cash.cancel", "danger")
        self.cancel.on_click(self._on_cancel)
        super().__init__(crm, [self.row("contract_cancel_reason", self.reason), self.cancel], on_done)

    def _on_cancel(self, _button):
        contract = self._attempt(self.crm.contracts.cancel, self.contract_id, self.reason.value)
        if contract is not None:
            self.reason.value = ""
            self._done(contract, "ui.cash.cancelled")


class ScheduleForm(_ContractStep):
    """Set the instalment plan: add (due date, amount) rows that add up to the contract amount."""

    def __init__(self, crm, on_done=None):
        self.plan = []
        self.due = base.date_field(crm, "instalment_due")
        self.amount = base.text_field(crm, "instalment_amount")
        self.add = base.button(crm, "ui.cash.add_instalment")
        self.clear = base.button(crm, "ui.cash.clear_lines")
        self.planned = widgets.HTML()
        self.save = base.button(crm, "ui.cash.save_plan", "primary")
        self.add.on_click(self._on_add)
        self.clear.on_click(lambda _: self._reset())
        self.save.on_click(self._on_save)
        super().__init__(crm, [widgets.HBox([self.due, self.amount, self.add, self.clear]),
                               self.row("instalments", self.planned), self.save], on_done)

    def _on_add(self, _button):
        self.plan = [*self.plan, (self.due.value, self.amount.value)]
        self.due.value, self.amount.value = None, ""
        self.planned.value = base.page_table(pd.DataFrame(self.plan, columns=["instalment_due", "instalment_amount"]),
                                             self.crm, ["instalment_due", "instalment_amount"])

    def _reset(self):
        self.plan, self.planned.value = [], ""

    def _on_save(self, _button):
        plan = self._attempt(self.crm.payments.schedule, self.contract_id, self.plan)
        if plan is not None:
            self._reset()
            self.show_ok(self.t("ui.cash.plan_saved", count=len(plan)))
            if self._on_done:
                self._on_done(self.contract_id)


class ContractsView(View):
    """Contracts you may see; open one to sign, fulfil, cancel or plan its instalments."""

    def __init__(self, crm):
        self.contract_id = None
        self.status_filter = widgets.Dropdown(
            options=[(crm.t("ui.care.all"), None), *[(crm.t(f"state.contract.{s}"), s) for s in CONTRACT.states]],
            description=crm.t("field.status"), style=base.WIDE)
        self.list = PagedList(
            self, crm, crm.contracts.list,
            ["contract_no", "customer_name", "owner_name", "title", "amount", "status", "signed_on", "outstanding"],
            count=crm.contracts.count, search=True,
            sort=(("created_on", True), ("amount", True), ("customer_name", False), ("outstanding", True)),
            filters={"status": self.status_filter},
            formats={"status": lambda s: crm.t(f"state.contract.{s}"), "amount": base.money,
                     "outstanding": base.money, "signed_on": base.day},
            describe=lambda r: f"{r.contract_no} · {r.customer_name} · {base.money(r.amount)}",
            on_open=self.open_contract)
        self.detail = widgets.HTML()
        self.lines = widgets.HTML()
        self.instalments = widgets.HTML()
        self.sign_form = SignForm(crm, on_done=self._after_step)
        self.fulfil_form = FulfilForm(crm, on_done=self._after_step)
        self.cancel_form = CancelForm(crm, on_done=self._after_step)
        self.schedule_form = ScheduleForm(crm, on_done=self._after_step)
        self.contract = widgets.VBox([self.detail, self.lines, self.instalments, self.sign_form, self.fulfil_form,
                                      self.schedule_form, self.cancel_form])
        self.new_contract = ContractForm(crm, on_saved=self._after_step)
        self.tabs = widgets.Tab([widgets.VBox([self.list, self.contract]), self.new_contract])
        self.tabs.set_title(0, crm.t("ui.cash.contracts"))
        self.tabs.set_title(1, crm.t("ui.cash.new_contract"))
        super().__init__(crm, [self.tabs])
        self.list.refresh()
        base.shown(self.contract, False)

    def refresh(self):
        self.list.refresh()

    def _after_step(self, contract_id: int):
        self.list.refresh()
        self.open_contract(contract_id)

    def open_contract(self, contract_id: int):
        contract = self._attempt(self.crm.contracts.get, contract_id)
        if contract is None:
            return
        if contract.id != self.contract_id:
            for form in (self.sign_form, self.fulfil_form, self.cancel_form, self.schedule_form):
                form.clear_status()
        self.contract_id = contract.id
        customer = self.crm.customers.get(contract.customer_id).name
        self.detail.value = ("<h4>" + html.escape(self.t("ui.cash.contract_title", no=contract.contract_no)) + "</h4>"
                             + warnings_html(contract.warnings) + base.card(self.crm, [
                                 ("customer_name", customer), ("title", contract.title),
                                 ("amount", base.money(contract.amount)),
                                 ("status", self.t(f"state.contract.{contract.status}")),
                                 ("payment_terms", contract.payment_terms), ("signed_on", base.day(contract.signed_on)),
                                 ("contract_start", base.day(contract.start_date)), ("contract_end", base.day(contract.end_date)),
                                 ("contract_cancel_reason", contract.cancel_reason)]))
        lines = self._attempt(self.crm.contracts.lines, contract.id)
        if lines is not None:
            self.lines.value = base.page_table(lines, self.crm, ["product_code", "product", "quantity", "unit_price",
                                                                 "amount", "shipped", "returned", "to_ship"],
                                               {"unit_price": base.money, "amount": base.money})
        plan = self._attempt(self.crm.payments.instalments, contract.id)
        if plan is not None:
            self.instalments.value = (f"<b>{html.escape(self.t('field.instalments'))}</b>" + base.page_table(
                plan, self.crm, ["seq", "due_date", "amount", "settled", "open", "status"],
                {"due_date": base.day, "status": lambda s: self.t(f"state.instalment.{s}"), "amount": base.money,
                 "settled": base.money, "open": base.money}))
        for form in (self.sign_form, self.fulfil_form, self.cancel_form, self.schedule_form):
            form.contract_id = contract.id
        base.shown(self.sign_form, contract.status == "draft")
        base.shown(self.fulfil_form, contract.status == "signed")
        base.shown(self.cancel_form, contract.status in ("draft", "signed"))
        base.shown(self.schedule_form, contract.status in ("draft", "signed"))
        base.shown(self.contract, True)


# -- shipments ---------------------------------------------------------------------------
class ShipmentForm(Form):
    """Ship against a signed contract or an order: everything still to ship, or chosen lines."""

    ALIASES = {"product": "shipment_lines", "quantity": "shipment_lines", "order": "contract"}

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.source = widgets.ToggleButtons(options=[(crm.t("cash.source.contract"), "contract"),
                                                     (crm.t("cash.source.order"), "order")], value="contract")
        self.contract = widgets.Dropdown(description=crm.t("field.contract"), style=base.WIDE,
                                         layout=widgets.Layout(width="36em"))
        self.customer = base.CustomerPicker(crm, allow_empty=True)
        self.order = widgets.Dropdown(description=crm.t("field.order"), style=base.WIDE,
                                      layout=widgets.Layout(width="36em"))
        self.outstanding = widgets.HTML()
        self.everything = widgets.Checkbox(value=True, description=crm.t("ui.cash.ship_everything"))
        self.lines = LinesEditor(crm, prices=False, products=[])
        self.shipped_on = base.date_field(crm, "shipped_on")
        self.notes = base.text_field(crm, "notes")
        self.ship = base.button(crm, "ui.cash.ship", "primary")
        self.by_order = widgets.VBox([self.customer, self.order])
        # One hint line under both sources: "which contract or order" is one question.
        super().__init__(crm, [self.source, self.row("contract", widgets.VBox([self.contract, self.by_order])),
                               self.outstanding, self.everything, self.row("shipment_lines", self.lines),
                               self.row("shipped_on", self.shipped_on),
                               self.row("notes", self.notes), self.ship])
        self.source.observe(lambda _: self._show_source(), names="value")
        self.contract.observe(lambda _: self._show_outstanding(), names="value")
        self.order.observe(lambda _: self._show_outstanding(), names="value")
        self.customer.choice.observe(lambda _: self._fill_orders(), names="value")
        self.everything.observe(lambda _: base.shown(self.lines, not self.everything.value), names="value")
        self.ship.on_click(self._on_ship)
        self.refresh()

    def refresh(self):
        """Offer the signed contracts you may see (the engine still checks each one)."""
        signed = self._attempt(self.crm.contracts.list, status="signed")
        if signed is not None:
            base.set_options(self.contract, [("—", None)] + [(f"{r.contract_no} · {r.customer_name}", int(r.id))
                                                    for r in signed.itertuples()])
        self._fill_orders()
        self._show_source()

    def _fill_orders(self):
        options = [("—", None)]
        if self.customer.value is not None:
            orders = self._attempt(self.crm.orders.list, customer_id=self.customer.value, limit=50)
            if orders is not None:
                options += [(f"{r.order_no} · {base.day(r.order_date)} · {base.money(r.amount)}", int(r.id))
                            for r in orders.itertuples()]
        base.set_options(self.order, options)

    def _show_source(self):
        base.shown(self.contract, self.source.value == "contract")
        base.shown(self.by_order, self.source.value == "order")
        base.shown(self.lines, not self.everything.value)
        self._show_outstanding()

    def _source(self) -> dict:
        if self.source.value == "contract":
            return {"contract_id": self.contract.value}
        return {"order_id": self.order.value}

    def _show_outstanding(self):
        source = {k: v for k, v in self._source().items() if v is not None}
        self.outstanding.value = ""
        if not source:
            self.lines.set_products([])
            return
        left = self._attempt(self.crm.shipments.outstanding, **source)
        if left is not None:
            self.outstanding.value = base.page_table(left, self.crm, ["product_code", "ordered", "shipped", "to_ship",
                                                                      "stock"])
            self.lines.set_products([(r.product_code, r.product_code) for r in left.itertuples() if r.to_ship > 0])

    def _on_ship(self, _button):
        lines = None if self.everything.value else self.lines.lines
        source = self._source()
        if all(v is None for v in source.values()):
            source = {"contract_id": None}  # the engine says which one is missing
        shipment = self._attempt(self.crm.shipments.add, **source, lines=lines, shipped_on=self.shipped_on.value,
                                 notes=self.notes.value or None)
        if shipment is not None:
            self.show_ok(self.t("ui.cash.shipped", no=shipment.shipment_no))
            self.notes.value = ""
            self._show_outstanding()
            if self._on_saved:
                self._on_saved(shipment.id)


class ShipmentsView(View):
    """Shipments you may see, and the form to ship."""

    def __init__(self, crm):
        self.list = PagedList(
            self, crm, crm.shipments.list,
            ["shipment_no", "customer_name", "contract_no", "order_no", "shipped_on", "quantity", "notes"],
            count=crm.shipments.count, search=True,
            sort=(("shipped_on", True), ("customer_name", False)),
            formats={"shipped_on": base.day})
        self.form = ShipmentForm(crm, on_saved=lambda _id: self.list.refresh())
        self.tabs = widgets.Tab([self.list, self.form])
        self.tabs.set_title(0, crm.t("ui.cash.shipments"))
        self.tabs.set_title(1, crm.t("ui.cash.new_shipment"))
        super().__init__(crm, [self.tabs])
        self.list.refresh()

    def refresh(self):
        self.list.refresh()
        self.form.refresh()


# -- returns -----------------------------------------------------------------------------
class ReturnForm(Form):
    """Record goods coming back from a shipment: all of it, or chosen lines."""

    ALIASES = {"product": "return_lines", "quantity": "return_lines"}

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.shipment = widgets.Dropdown(description=crm.t("field.shipment"), style=base.WIDE,
                                         layout=widgets.Layout(width="36em"))
        self.shipped = widgets.HTML()
        self.everything = widgets.Checkbox(value=True, description=crm.t("ui.cash.return_everything"))
        self.lines = LinesEditor(crm, prices=False, products=[])
        self.reason = base.choice_field(crm, "return_reason", "return_reason")
        self.returned_on = base.date_field(crm, "returned_on")
        self.notes = base.text_field(crm, "notes")
        self.record = base.button(crm, "ui.cash.record_return", "primary")
        super().__init__(crm, [self.row("shipment", self.shipment), self.shipped, self.everything,
                               self.row("return_lines", self.lines),
                               self.row("return_reason", self.reason), self.row("returned_on", self.returned_on),
                               self.row("notes", self.notes), self.record])
        self.shipment.observe(lambda _: self._show_shipment(), names="value")
        self.everything.observe(lambda _: base.shown(self.lines, not self.everything.value), names="value")
        self.record.on_click(self._on_record)
        base.shown(self.lines, False)
        self.refresh()

    def refresh(self):
        shipments = self._attempt(self.crm.shipments.list)
        if shipments is not None:
            base.set_options(self.shipment, [("—", None)] + [(f"{r.shipment_no} · {r.customer_name}", int(r.id))
                                                    for r in shipments.itertuples()])

    def _show_shipment(self):
        self.shipped.value = ""
        if self.shipment.value is None:
            self.lines.set_products([])
            return
        lines = self._attempt(self.crm.shipments.lines, self.shipment.value)
        if lines is not None:
            self.shipped.value = base.page_table(lines, self.crm, ["product_code", "product", "quantity", "returned"])
            self.lines.set_products([(r.product_code, r.product_code) for r in lines.itertuples()
                                     if r.quantity > r.returned])

    def _on_record(self, _button):
        lines = None if self.everything.value else self.lines.lines
        item = self._attempt(self.crm.returns.add, self.shipment.value, lines, reason=self.reason.value,
                             returned_on=self.returned_on.value, notes=self.notes.value or None)
        if item is not None:
            self.show_ok(self.t("ui.cash.returned", no=item.return_no, amount=base.money(item.amount)))
            self.notes.value = ""
            self._show_shipment()
            if self._on_saved:
                self._on_saved(item.id)


class ReturnsView(View):
    """Sales returns you may see, and the form to record one."""

    def __init__(self, crm):
        label = crm.dictionary.label
        self.list = PagedList(
            self, crm, crm.returns.list,
            ["return_no", "shipment_no", "customer_name", "returned_on", "reason", "amount", "notes"],
            count=crm.returns.count, search=True,
            sort=(("returned_on", True), ("amount", True), ("customer_name", False)),
            formats={"returned_on": base.day, "reason": lambda c: label("return_reason", c), "amount": base.money})
        self.form = ReturnForm(crm, on_saved=lambda _id: self.list.refresh())
        self.tabs = widgets.Tab([self.list, self.form])
        self.tabs.set_title(0, crm.t("ui.cash.returns"))
        self.tabs.set_title(1, crm.t("ui.cash.new_return"))
        super().__init__(crm, [self.tabs])
        self.list.refresh()

    def refresh(self):
        self.list.refresh()
        self.form.refresh()


class OrdersToCashModule(View):
    """Contracts, shipments, returns, payments (with the overdue list and credit warnings), expenses."""

    def __init__(self, crm):
        from .cash_payments import ExpensesView, PaymentsView
        views = (("contract", ContractsView), ("shipment", ShipmentsView), ("sales_return", ReturnsView),
                 ("payment", PaymentsView), ("expense", ExpensesView))
        self.tabs = base.LazyTabs([(crm.t(f"kind.{kind}"), lambda view=view: view(crm)) for kind, view in views])
        super().__init__(crm, [self.tabs])

    # Each tab's view, built on first use.
    contracts = property(lambda self: self.tabs.view(0))
    shipments = property(lambda self: self.tabs.view(1))
    returns = property(lambda self: self.tabs.view(2))
    payments = property(lambda self: self.tabs.view(3))
    expenses = property(lambda self: self.tabs.view(4))
