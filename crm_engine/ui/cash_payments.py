"""The money side of orders to cash (B1) on the kit: receivables with the overdue list and the
customers over their credit limit, payments received, and expense claims (list → claim page with
its path claimed → approved | rejected and the decide actions with the engine's reasons).

What is overdue and who is over their limit is measured by the engine on the scenario clock;
these views only show it. A receivable's row opens its contract, where a payment is recorded.
"""
from __future__ import annotations

import solara
from solara.alias import rv

from . import kit
from .cash_contract import WARNING_STYLE, customers, machine_of
from .cash_goods import use_read

RECEIVABLE_COLUMNS = [kit.Column("contract_no", "field.contract_no"),
                      kit.Column("customer_name", "field.customer_name", sort="customer_name", width=30),
                      kit.Column("owner_name", "ui.col.owner_name", priority=3),
                      kit.Column("amount", "ui.col.amount", kind="money", priority=2),
                      kit.Column("paid", "ui.col.paid", kind="money", priority=3),
                      kit.Column("outstanding", "ui.col.outstanding", kind="money", sort="outstanding"),
                      kit.Column("overdue", "ui.col.overdue", kind="money"),
                      kit.Column("next_due", "ui.col.next_due", kind="date", priority=2),
                      kit.Column("days_overdue", "ui.col.days_overdue", sort="days_overdue")]
CREDIT_COLUMNS = [kit.Column("customer_name", "field.customer_name"),
                  kit.Column("credit_limit", "field.credit_limit", kind="money"),
                  kit.Column("owed", "ui.col.owed", kind="money"), kit.Column("over_by", "ui.col.over_by", kind="money")]
PAYMENT_LIST = [kit.Column("received_on", "field.received_on", kind="date", sort="received_on"),
                kit.Column("contract_no", "field.contract_no", priority=2),
                kit.Column("customer_name", "field.customer_name", sort="customer_name", width=30),
                kit.Column("amount", "ui.col.amount", kind="money", sort="amount"),
                kit.Column("overpaid", "ui.col.overpaid", kind="money", priority=3),
                kit.Column("method", "ui.col.method", kind="code", of="payment_method", priority=2),
                kit.Column("recorded_by", "ui.col.recorded_by", priority=3)]
EXPENSE_LIST = [kit.Column("id", "field.id"),
                kit.Column("claimant_name", "ui.col.claimant_name", sort="claimant_name"),
                kit.Column("customer_name", "field.customer_name", priority=3, width=24),
                kit.Column("expense_type", "field.expense_type", kind="code", of="expense_type", priority=2),
                kit.Column("amount", "ui.col.amount", kind="money", sort="amount"),
                kit.Column("spent_on", "field.spent_on", kind="date", sort="spent_on", priority=2),
                kit.Column("description", "ui.col.description", priority=3, width=30),
                kit.Column("status", "field.status", kind="state", of="expense")]
TOTAL_COLUMNS = [kit.Column("name", "field.name"), kit.Column("claims", "ui.col.claims"),
                 kit.Column("amount", "ui.col.amount", kind="money")]


@solara.component
def PaymentsTab(crm, on_open_contract=None):
    """Customers over their credit limit; receivables (all open, or only overdue: a row opens the
    contract); payments received."""
    overdue_only, set_overdue_only = solara.use_state(False)
    over, problem = use_read(crm, crm.payments.over_credit_limit)

    def receivables(**asked):
        return (crm.payments.overdue if overdue_only else crm.payments.receivables)(**asked)

    def counted(**asked):
        return (crm.payments.overdue_count if overdue_only else crm.payments.receivables_count)(**asked)

    with solara.Column(gap="6px") as box:
        kit.Feedback(problem, ref="credit-message")
        if over is not None and len(over):
            names = ", ".join(over["customer_name"].astype(str).head(5))
            rv.Html(tag="div", class_="crm-warning", style_=WARNING_STYLE,
                    children=[f"⚠ {crm.t('ui.cash.over_limit', count=len(over), names=names)}"]).meta(ref="credit-warning")
            kit.StaticTable(crm, over.head(kit.listview.PAGE_SIZE), CREDIT_COLUMNS, "credit")
        rv.Html(tag="h4", style_="margin:6px 0 0", children=[crm.t("ui.cash.receivables")])
        solara.Checkbox(label=crm.t("ui.cash.overdue_only"), value=overdue_only,
                        on_value=set_overdue_only).meta(ref="overdue-only")
        # The receivables and the overdue list are two engine verbs: each keeps its own list state.
        kit.RecordList(crm, receivables, counted, RECEIVABLE_COLUMNS, on_open=on_open_contract,
                       id_column="contract_id", sort="days_overdue", descending=True,
                       ref="overdue" if overdue_only else "receivables").key(f"receivables-{overdue_only}")
        rv.Html(tag="h4", style_="margin:6px 0 0", children=[crm.t("ui.cash.payments")])
        kit.RecordList(crm, crm.payments.list, crm.payments.count, PAYMENT_LIST, on_open=None,
                       sort="received_on", descending=True, ref="payments")
    return box


@solara.component
def NewClaim(crm):
    """Claim an expense you paid, optionally for a customer."""
    version, language = kit.use_workspace(crm)
    chosen = solara.use_memo(lambda: customers(crm), dependencies=[version, language, crm.user.id])
    fields = (kit.Field("expense_amount"),
              kit.Field("expense_type", "select", options=tuple(crm.dictionary.choices("expense_type"))),
              kit.Field("expense_description", "textarea"), kit.Field("spent_on", "date"),
              kit.Field("customer", "select", options=chosen))

    def claim(v):
        expense = crm.expenses.claim(v.get("expense_amount"), expense_type=v.get("expense_type"),
                                     description=v.get("expense_description"),
                                     spent_on=kit.text_or_none(v.get("spent_on")), customer_id=v.get("customer"))
        return crm.t("ui.cash.claimed", id=expense.id, amount=kit.money(expense.amount))

    return kit.ActionBar(crm, [kit.Action("claim", crm.t("ui.cash.new_claim"), claim, fields=fields)], ref="new-claim")


@solara.component
def ExpenseRecord(crm, expense_id: int, on_close=None):
    """One claim: its path, the approve / reject actions (with the engine's reasons), its details."""
    data, problem = use_read(crm, lambda: (crm.expenses.get(expense_id), crm.expenses.actions(expense_id)),
                             expense_id)
    if data is None:
        with solara.Column() as box:
            kit.Feedback(problem, ref="record-message")
            if on_close is not None:
                solara.Button(crm.t("ui.kit.back_to_list"), text=True, on_click=on_close).meta(ref="record-close")
        return box
    expense, why = data
    labels = kit.Labels.of(crm)

    def approve(v):
        crm.expenses.approve(expense.id, note=kit.text_or_none(v.get("decision_note")))
        return crm.t("ui.cash.approved", id=expense.id)

    def reject(v):
        crm.expenses.reject(expense.id, v.get("decision_note"))
        return crm.t("ui.cash.rejected", id=expense.id)

    facts = [("ui.col.claimant_name", labels.user(expense.claimant_id)), ("ui.col.amount", kit.money(expense.amount)),
             ("field.expense_type", labels.code("expense_type", expense.expense_type)),
             ("field.spent_on", kit.date(expense.spent_on)), ("field.expense_description", expense.description),
             ("field.status", labels.state("expense", expense.status)),
             ("ui.col.decided_by", labels.user(expense.decided_by) if expense.decided_by is not None else ""),
             ("field.decision_note", expense.decision_note)]
    note = (kit.Field("decision_note"),)
    return kit.RecordPage(
        crm, crm.t("ui.cash.claim_title", id=expense.id), subtitle=kit.money(expense.amount),
        path=kit.PathBar(crm, machine_of(crm, "expense"), expense.status),
        actions=[kit.Action("approve", crm.t("ui.cash.approve"), approve, fields=note, reason=why["approve"],
                            color="success"),
                 kit.Action("reject", crm.t("ui.cash.reject"), reject, fields=note, reason=why["reject"],
                            color="error")],
        tabs=[(crm.t("ui.kit.details"), lambda: kit.Facts(crm, facts))], on_close=on_close)


@solara.component
def ExpensesTab(crm):
    """Claims you may see (or only those waiting for your decision); a row opens the claim; a new
    claim; totals of approved claims."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    status, set_status = solara.use_state(None)
    waiting, set_waiting = solara.use_state(False)
    by, set_by = solara.use_state("claimant")
    totals, problem = use_read(crm, lambda: crm.expenses.summary(by=by), by)
    if totals is not None and by == "expense_type" and len(totals):
        labels = kit.Labels.of(crm)
        totals = totals.assign(name=totals["name"].map(lambda c: labels.code("expense_type", c)))
    with solara.Column(gap="6px") as box:
        if open_id is not None:
            ExpenseRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            NewClaim(crm)
            with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "center"}):
                solara.Checkbox(label=crm.t("ui.cash.to_decide"), value=waiting, on_value=set_waiting
                                ).meta(ref="claims-waiting")
                if not waiting:
                    kit.StateFilter(crm, "expense", status, set_status, "filter-expense-status")
            if waiting:
                kit.RecordList(crm, crm.expenses.pending, crm.expenses.pending_count, EXPENSE_LIST,
                               on_open=set_open_id, sort="spent_on", ref="pending").key("pending")
            else:
                kit.RecordList(crm, crm.expenses.list, crm.expenses.count, EXPENSE_LIST, on_open=set_open_id,
                               filters={"status": status}, sort="spent_on", descending=True, ref="claims").key("claims")
            rv.Html(tag="h4", style_="margin:6px 0 0", children=[crm.t("ui.cash.totals")])
            rv.Select(items=[{"title": crm.t(f"ui.cash.by_{b}"), "value": b} for b in crm.expenses.SUMMARY_BY],
                      v_model=by, on_v_model=lambda b: set_by(b or "claimant"), label=crm.t("field.summary_by"),
                      density="compact", hide_details=True, style_="max-width:16em").meta(ref="totals-by")
            kit.Feedback(problem, ref="totals-message")
            if totals is not None:
                kit.StaticTable(crm, totals, TOTAL_COLUMNS, "totals")
    return box
