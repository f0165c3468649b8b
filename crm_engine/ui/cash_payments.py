"""Orders-to-cash views, the money side (B1): receivables with the overdue list and credit-limit
warnings, payments received, and expense claims with their approval.

What is overdue and who is over their credit limit is measured by the engine on
the scenario clock; these views only show it. Approving is offered to everyone
who opens the list of claims waiting for them — which the engine fills only with
claims they may decide.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..cash.expenses import EXPENSE, SUMMARY_BY
from . import base
from .base import Form, PagedList, View
from .cash import WARNING_STYLE


# -- payments ----------------------------------------------------------------------------
class ReceiveForm(Form):
    """Record a payment received on a signed or fulfilled contract."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.contract = widgets.Dropdown(description=crm.t("field.contract"), style=base.WIDE,
                                         layout=widgets.Layout(width="40em"))
        self.balance = widgets.HTML()
        self.amount = base.text_field(crm, "payment_amount")
        self.method = base.choice_field(crm, "payment_method", "payment_method", required=True, value="bank_transfer")
        self.received_on = base.date_field(crm, "received_on")
        self.overpayment = widgets.Checkbox(value=False, description=crm.t("field.overpayment"))
        self.notes = base.text_field(crm, "notes")
        self.receive = base.button(crm, "ui.cash.receive", "primary")
        self.receive.on_click(self._on_receive)
        self.contract.observe(lambda _: self._show_balance(), names="value")
        super().__init__(crm, [self.row("contract", self.contract), self.balance,
                               self.row("payment_amount", self.amount), self.row("payment_method", self.method),
                               self.row("received_on", self.received_on), self.row("overpayment", self.overpayment),
                               self.row("notes", self.notes), self.receive])
        self.refresh()

    def refresh(self):
        """Offer the contracts you may see with money still owed on them."""
        owed = self._attempt(self.crm.payments.receivables)
        if owed is not None:
            base.set_options(self.contract, [("—", None)] + [
                (f"{r.contract_no} · {r.customer_name} · {base.money(r.outstanding)}", int(r.contract_id))
                for r in owed.itertuples()])

    def select(self, contract_id: int) -> None:
        """Pick a contract (e.g. from the receivables list), even one not offered (the engine decides)."""
        if contract_id not in [v for _, v in self.contract.options]:
            self.contract.options = [*self.contract.options, (str(contract_id), contract_id)]
        self.contract.value = contract_id

    def _show_balance(self):
        self.balance.value = ""
        if self.contract.value is None:
            return
        plan = self._attempt(self.crm.payments.instalments, self.contract.value)
        balance = self._attempt(self.crm.payments.balance, self.contract.value)
        if plan is None or balance is None:
            return
        summary = self.t("ui.cash.balance", amount=base.money(balance.amount), paid=base.money(balance.paid),
                         returned=base.money(balance.returned), outstanding=base.money(balance.outstanding),
                         overdue=base.money(balance.overdue))
        self.balance.value = f"<p>{html.escape(summary)}</p>" + base.page_table(
            plan, self.crm, ["seq", "due_date", "amount", "settled", "open", "status"],
            {"due_date": base.day, "status": lambda s: self.t(f"state.instalment.{s}"), "amount": base.money,
             "settled": base.money, "open": base.money})

    def _on_receive(self, _button):
        payment = self._attempt(self.crm.payments.receive, self.contract.value, self.amount.value,
                                received_on=self.received_on.value, method=self.method.value,
                                overpayment=self.overpayment.value, notes=self.notes.value or None)
        if payment is None:
            return
        balance = self.crm.payments.balance(payment.contract_id)
        self.show_ok(self.t("ui.cash.received", amount=base.money(payment.amount),
                            outstanding=base.money(balance.outstanding)))
        self.amount.value = self.notes.value = ""
        self.overpayment.value = False
        self.refresh()
        self._show_balance()
        if self._on_saved:
            self._on_saved(payment.id)


class PaymentsView(View):
    """Receivables (all open, or only overdue), customers over their credit limit, receipts."""

    def __init__(self, crm):
        self.overdue_only = widgets.Checkbox(value=False, description=crm.t("ui.cash.overdue_only"))
        money = {c: base.money for c in ("amount", "returned", "paid", "outstanding", "overdue")}
        self.receivables = PagedList(
            self, crm, self._receivables,
            ["contract_no", "customer_name", "owner_name", "amount", "paid", "outstanding", "overdue", "next_due",
             "days_overdue"],
            count=self._receivables_count, search=True,
            sort=(("days_overdue", True), ("outstanding", True), ("customer_name", False)),
            filters={"overdue_only": self.overdue_only}, formats={**money, "next_due": base.day},
            describe=lambda r: f"{r.contract_no} · {r.customer_name} · {base.money(r.outstanding)}",
            on_open=self._pay, id_column="contract_id")
        self.credit = widgets.HTML()
        self.form = ReceiveForm(crm, on_saved=lambda _id: self.refresh())
        self.list = PagedList(
            self, crm, crm.payments.list,
            ["received_on", "contract_no", "customer_name", "amount", "overpaid", "method", "recorded_by", "notes"],
            count=crm.payments.count, search=True,
            sort=(("received_on", True), ("amount", True), ("customer_name", False)),
            formats={"received_on": base.day, "amount": base.money, "overpaid": base.money,
                     "method": lambda c: crm.dictionary.label("payment_method", c)})
        self.tabs = widgets.Tab([widgets.VBox([self.credit, self.receivables]), self.form, self.list])
        for index, key in enumerate(("ui.cash.receivables", "ui.cash.receive", "ui.cash.payments")):
            self.tabs.set_title(index, crm.t(key))
        super().__init__(crm, [self.tabs])
        self.refresh()

    def _receivables(self, overdue_only: bool = False, **page):
        return (self.crm.payments.overdue if overdue_only else self.crm.payments.receivables)(**page)

    def _receivables_count(self, overdue_only: bool = False, **search):
        return (self.crm.payments.overdue_count if overdue_only else self.crm.payments.receivables_count)(**search)

    def refresh(self):
        self.receivables.refresh()
        self.list.refresh()
        self.form.refresh()
        over = self._attempt(self.crm.payments.over_credit_limit)
        if over is None:
            return
        self.over_limit = over
        if over.empty:
            self.credit.value = ""
            return
        names = ", ".join(over["customer_name"].astype(str).head(5))
        self.credit.value = (f"<div class='crm-warning' style='{WARNING_STYLE}'>⚠ "
                             f"{html.escape(self.t('ui.cash.over_limit', count=len(over), names=names))}</div>"
                             + base.page_table(over.head(base.PAGE_SIZE), self.crm,
                                               ["customer_name", "credit_limit", "owed", "over_by"],
                                               {c: base.money for c in ("credit_limit", "owed", "over_by")}))

    def _pay(self, contract_id: int):
        self.form.select(contract_id)
        self.tabs.selected_index = 1


# -- expenses ----------------------------------------------------------------------------
class ClaimForm(Form):
    """Claim an expense you paid, optionally for a customer."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.amount = base.text_field(crm, "expense_amount")
        self.expense_type = base.choice_field(crm, "expense_type", "expense_type")
        self.description = base.text_area(crm, "expense_description", rows=2)
        self.spent_on = base.date_field(crm, "spent_on")
        self.customer = base.CustomerPicker(crm, allow_empty=True)
        self.claim = base.button(crm, "ui.cash.claim", "primary")
        self.claim.on_click(self._on_claim)
        super().__init__(crm, [self.row("expense_amount", self.amount), self.row("expense_type", self.expense_type),
                               self.row("expense_description", self.description), self.row("spent_on", self.spent_on),
                               self.row("customer", self.customer), self.claim])

    def _on_claim(self, _button):
        expense = self._attempt(self.crm.expenses.claim, self.amount.value, expense_type=self.expense_type.value,
                                description=self.description.value, spent_on=self.spent_on.value,
                                customer_id=self.customer.value)
        if expense is not None:
            self.show_ok(self.t("ui.cash.claimed", id=expense.id, amount=base.money(expense.amount)))
            self.amount.value = self.description.value = ""
            if self._on_saved:
                self._on_saved(expense.id)


class DecideForm(Form):
    """Approve (with an optional note) or reject (with a reason) the claim on screen."""

    def __init__(self, crm, on_done=None):
        self.expense_id, self._on_done = None, on_done
        self.claim = widgets.HTML()
        self.note = base.text_field(crm, "decision_note")
        self.approve = base.button(crm, "ui.cash.approve", "success")
        self.reject = base.button(crm, "ui.cash.reject", "danger")
        self.approve.on_click(lambda _: self._decide("approve"))
        self.reject.on_click(lambda _: self._decide("reject"))
        super().__init__(crm, [self.claim, self.row("decision_note", self.note),
                               widgets.HBox([self.approve, self.reject])])

    def show_claim(self, expense_id: int) -> None:
        expense = self._attempt(self.crm.expenses.get, expense_id)
        if expense is None:
            return
        if expense.id != self.expense_id:
            self.clear_status()
        self.expense_id = expense.id
        users = self.crm.admin.users(active=None).set_index("id")["name"]
        self.claim.value = "<h4>" + html.escape(self.t("ui.cash.claim_title", id=expense.id)) + "</h4>" + base.card(
            self.crm, [("claimant_name", users.get(expense.claimant_id)), ("amount", base.money(expense.amount)),
                       ("expense_type", self.crm.dictionary.label("expense_type", expense.expense_type)),
                       ("spent_on", base.day(expense.spent_on)), ("expense_description", expense.description),
                       ("status", self.t(f"state.expense.{expense.status}"))])

    def _decide(self, verb: str):
        if verb == "approve":
            expense = self._attempt(self.crm.expenses.approve, self.expense_id, note=self.note.value or None)
        else:
            expense = self._attempt(self.crm.expenses.reject, self.expense_id, self.note.value)
        if expense is not None:
            self.note.value = ""
            self.show_ok(self.t("ui.cash.approved" if verb == "approve" else "ui.cash.rejected", id=expense.id))
            self.show_claim(expense.id)
            if self._on_done:
                self._on_done(expense.id)


class ExpensesView(View):
    """Claim an expense; your claims (and your team's); claims waiting for your decision; totals."""

    COLUMNS = ["id", "claimant_name", "customer_name", "expense_type", "amount", "spent_on", "description", "status",
               "decided_by", "decision_note"]

    def __init__(self, crm):
        label = crm.dictionary.label
        formats = {"expense_type": lambda c: label("expense_type", c), "amount": base.money, "spent_on": base.day,
                   "status": lambda s: crm.t(f"state.expense.{s}")}
        self.form = ClaimForm(crm, on_saved=lambda _id: self.refresh())
        self.status_filter = widgets.Dropdown(
            options=[(crm.t("ui.care.all"), None), *[(crm.t(f"state.expense.{s}"), s) for s in EXPENSE.states]],
            description=crm.t("field.status"), style=base.WIDE)
        self.list = PagedList(self, crm, crm.expenses.list, self.COLUMNS, count=crm.expenses.count, search=True,
                              sort=(("spent_on", True), ("amount", True), ("claimant_name", False)),
                              filters={"status": self.status_filter}, formats=formats)
        self.pending = PagedList(self, crm, crm.expenses.pending, self.COLUMNS[:-2],
                                 count=crm.expenses.pending_count, search=True,
                                 sort=(("spent_on", False), ("amount", True)), formats=formats,
                                 describe=lambda r: f"{r.id} · {r.claimant_name} · {base.money(r.amount)}",
                                 on_open=self._open_claim)
        self.decide = DecideForm(crm, on_done=lambda _id: self.refresh())
        base.shown(self.decide, False)
        self.summary_by = widgets.Dropdown(options=[(crm.t(f"ui.cash.by_{b}"), b) for b in SUMMARY_BY],
                                           description=crm.t("field.summary_by"), style=base.WIDE)
        self.summary = widgets.HTML()
        self.summary_by.observe(lambda _: self._show_summary(), names="value")
        self.tabs = widgets.Tab([self.form, self.list, widgets.VBox([self.pending, self.decide]),
                                 widgets.VBox([self.summary_by, self.summary])])
        for index, key in enumerate(("ui.cash.new_claim", "ui.cash.claims", "ui.cash.to_decide", "ui.cash.totals")):
            self.tabs.set_title(index, crm.t(key))
        super().__init__(crm, [self.tabs])
        self.refresh()

    def refresh(self):
        self.list.refresh()
        self.pending.refresh()
        self._show_summary()

    def _open_claim(self, expense_id: int):
        self.decide.show_claim(expense_id)
        base.shown(self.decide, True)

    def _show_summary(self):
        by = self.summary_by.value
        totals = self._attempt(self.crm.expenses.summary, by=by)
        if totals is not None:
            label = self.crm.dictionary.label
            formats = {"amount": base.money}
            if by == "expense_type":
                formats["name"] = lambda c: label("expense_type", c)
            self.summary.value = base.page_table(totals, self.crm, ["name", "claims", "amount"], formats)
