"""One contract as a record page (B1), built on the kit.

Header: number and customer, the amount; the credit-limit warning it carries; the state as a
path of the engine's machine (draft → signed → fulfilled | cancelled); the actions the engine
lists (`crm.contracts.actions`: sign, fulfil, cancel, schedule instalments), those not allowed
now disabled with the engine's reason on hover, plus ship and receive a payment (the engine
answers those when pressed); sections: details, lines, instalments, shipments, payments.
"""
from __future__ import annotations

import solara
from solara.alias import rv

from ..statemachine import machine
from . import kit

LINE_COLUMNS = [kit.Column("product_code", "ui.col.product_code"),
                kit.Column("product", "field.product", priority=2, width=30),
                kit.Column("quantity", "field.quantity"),
                kit.Column("unit_price", "field.unit_price", kind="money", priority=2),
                kit.Column("amount", "ui.col.amount", kind="money"),
                kit.Column("shipped", "ui.col.shipped"),
                kit.Column("returned", "ui.col.returned", priority=3),
                kit.Column("to_ship", "ui.col.to_ship")]
PLAN_COLUMNS = [kit.Column("seq", "ui.col.seq"), kit.Column("due_date", "ui.col.due_date", kind="date"),
                kit.Column("amount", "ui.col.amount", kind="money"),
                kit.Column("settled", "ui.col.settled", kind="money", priority=2),
                kit.Column("open", "ui.col.open", kind="money"),
                kit.Column("status", "field.status", kind="state", of="instalment")]
SHIPMENT_COLUMNS = [kit.Column("shipment_no", "ui.col.shipment_no"),
                    kit.Column("shipped_on", "field.shipped_on", kind="date"),
                    kit.Column("quantity", "field.quantity"), kit.Column("notes", "field.notes", priority=2)]
PAYMENT_COLUMNS = [kit.Column("received_on", "field.received_on", kind="date"),
                   kit.Column("amount", "ui.col.amount", kind="money"),
                   kit.Column("overpaid", "ui.col.overpaid", kind="money", priority=2),
                   kit.Column("method", "ui.col.method", kind="code", of="payment_method"),
                   kit.Column("recorded_by", "ui.col.recorded_by", priority=3)]
WARNING_STYLE = "color:#8a4b00;background:#fff4e5;padding:4px 8px;border-radius:4px;margin:4px 0"


AREAS = {"contract": "contracts", "expense": "expenses", "task": "tasks"}


def machine_of(crm, kind: str):
    """The state machine of `kind`, its area loaded first: the facade imports an area on first use,
    and `statemachine.machine` knows only the machines of areas already imported."""
    getattr(crm, AREAS[kind])
    return machine(kind)


def lines_from_text(text) -> list:
    """Product lines typed one a line — "NB-14 10" or "NB-14 10 4800" — as the engine takes them.
    Nothing is checked here: a line that is not two or three words goes as it is, and the engine
    names it ("line 2 …")."""
    lines = []
    for row in str(text or "").splitlines():
        words = row.replace(",", " ").split()
        if not words:
            continue
        if len(words) in (2, 3):
            line = {"product": words[0], "quantity": words[1]}
            if len(words) == 3:
                line["unit_price"] = words[2]
            lines.append(line)
        else:
            lines.append(row.strip())
    return lines


def plan_from_text(text) -> list:
    """Instalments typed one a line — "2026-04-01 30000" — as (due date, amount) pairs (the engine checks them)."""
    plan = []
    for row in str(text or "").splitlines():
        words = row.replace(",", " ").split()
        if words:
            plan.append(tuple(words) if len(words) == 2 else row.strip())
    return plan


def customers(crm, limit: int = 200) -> tuple:
    """(label, id) of the customers this user may see, by name (the engine checks the one chosen)."""
    frame = crm.customers.list(sort="name", limit=limit)
    return tuple((f"{r.id} · {r.name}", int(r.id)) for r in frame.itertuples())


def read(crm, contract_id: int) -> dict:
    """Everything the page shows, read in one go."""
    contract = crm.contracts.get(contract_id)
    # The list's row holds the customer's and owner's names and what is outstanding (finance may
    # read a contract whose customer card it may not open).
    listed = crm.contracts.list(search=contract.contract_no)
    return {"contract": contract, "actions": crm.contracts.actions(contract_id),
            "customer": listed[listed["id"] == contract.id],
            "lines": crm.contracts.lines(contract_id), "plan": crm.payments.instalments(contract_id),
            "shipments": crm.shipments.list(contract_id=contract_id),
            "payments": crm.payments.list(contract_id=contract_id)}


def details(crm, data) -> list:
    c, listed = data["contract"], data["customer"]
    row = listed.iloc[0] if len(listed) else None
    return [("field.contract_no", c.contract_no),
            ("field.customer_name", row["customer_name"] if row is not None else c.customer_id),
            ("ui.labels.col.title", c.title), ("ui.col.amount", kit.money(c.amount)),
            ("field.status", kit.cap(crm.t(f"state.contract.{c.status}"))),
            ("ui.col.owner_name", row["owner_name"] if row is not None else ""),
            ("field.payment_terms", c.payment_terms), ("ui.col.created_on", kit.date(c.created_on)),
            ("field.signed_on", kit.date(c.signed_on)), ("field.contract_start", kit.date(c.start_date)),
            ("field.contract_end", kit.date(c.end_date)),
            ("ui.col.outstanding", kit.money(row["outstanding"]) if row is not None else ""),
            ("field.contract_cancel_reason", c.cancel_reason), ("field.notes", c.notes)]


def actions(crm, data) -> list:
    """Sign, fulfil, cancel, schedule (with the engine's reasons), ship, receive a payment."""
    t, c, why = crm.t, data["contract"], data["actions"]
    cid, no = c.id, c.contract_no

    def sign(v):
        done = crm.contracts.sign(cid, signed_on=kit.text_or_none(v.get("signed_on")))
        return " ".join([t("ui.cash.signed", no=no), *done.warnings])

    def fulfil(_v):
        crm.contracts.fulfil(cid)
        return t("ui.cash.fulfilled", no=no)

    def cancel(v):
        crm.contracts.cancel(cid, v.get("contract_cancel_reason"))
        return t("ui.cash.cancelled", no=no)

    def schedule(v):
        plan = crm.payments.schedule(cid, plan_from_text(v.get("instalments")))
        return t("ui.cash.plan_saved", count=len(plan))

    def ship(v):
        shipment = crm.shipments.add(contract_id=cid, lines=lines_from_text(v.get("shipment_lines")) or None,
                                     shipped_on=kit.text_or_none(v.get("shipped_on")),
                                     notes=kit.text_or_none(v.get("notes")))
        return t("ui.cash.shipped", no=shipment.shipment_no)

    def receive(v):
        payment = crm.payments.receive(cid, v.get("payment_amount"), method=v.get("payment_method") or "bank_transfer",
                                       received_on=kit.text_or_none(v.get("received_on")),
                                       overpayment=v.get("overpayment") == "yes", notes=kit.text_or_none(v.get("notes")))
        return t("ui.cash.received", amount=kit.money(payment.amount),
                 outstanding=kit.money(crm.payments.balance(cid).outstanding))

    methods = tuple((label, code) for label, code in crm.dictionary.choices("payment_method"))
    yes_no = ((t("ui.uicash.no"), "no"), (t("ui.uicash.yes"), "yes"))
    return [
        kit.Action("sign", t("ui.cash.sign"), sign, reason=why["sign"], color="success",
                   fields=(kit.Field("signed_on", "date"),)),
        kit.Action("fulfil", t("ui.cash.fulfil"), fulfil, reason=why["fulfil"], color="success"),
        kit.Action("schedule", t("ui.uicash.schedule"), schedule, reason=why["schedule"], color="secondary",
                   fields=(kit.Field("instalments", "textarea", placeholder="2026-04-01 30000"),)),
        kit.Action("ship", t("ui.cash.ship"), ship, color="primary",
                   fields=(kit.Field("shipment_lines", "textarea", placeholder=t("ui.uicash.ship_all")),
                           kit.Field("shipped_on", "date"), kit.Field("notes"))),
        kit.Action("receive", t("ui.cash.receive"), receive, color="primary",
                   fields=(kit.Field("payment_amount"), kit.Field("payment_method", "select", options=methods),
                           kit.Field("received_on", "date"),
                           kit.Field("overpayment", "select", options=yes_no), kit.Field("notes")),
                   initial={"payment_method": "bank_transfer", "overpayment": "no"}),
        kit.Action("cancel", t("ui.cash.cancel"), cancel, reason=why["cancel"], color="error",
                   fields=(kit.Field("contract_cancel_reason"),)),
    ]


@solara.component
def ContractRecord(crm, contract_id: int, on_close=None):
    """The record page of one contract; it redraws after any change in the workspace."""
    data, problem = kit.use_record(crm, read, contract_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    c = data["contract"]
    customer = data["customer"]["customer_name"].iloc[0] if len(data["customer"]) else ""
    tabs = [(crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, data))),
            (crm.t("field.contract_lines"), lambda: kit.StaticTable(crm, data["lines"], LINE_COLUMNS, "lines")),
            (crm.t("field.instalments"), lambda: kit.StaticTable(crm, data["plan"], PLAN_COLUMNS, "plan")),
            (kit.cap(crm.t("kind.shipment")),
             lambda: kit.StaticTable(crm, data["shipments"], SHIPMENT_COLUMNS, "contract-shipments")),
            (kit.cap(crm.t("kind.payment")),
             lambda: kit.StaticTable(crm, data["payments"], PAYMENT_COLUMNS, "contract-payments"))]
    with solara.Column(gap="4px") as box:
        for warning in c.warnings:
            rv.Html(tag="div", class_="crm-warning", style_=WARNING_STYLE, children=[f"⚠ {warning}"]
                    ).meta(ref="contract-warning")
        kit.RecordPage(crm, f"{kit.cap(crm.t('kind.contract'))} {c.contract_no} · {customer}",
                       subtitle=kit.money(c.amount), path=kit.PathBar(crm, machine_of(crm, "contract"), c.status),
                       actions=actions(crm, data), tabs=tabs, on_close=on_close)
    return box
