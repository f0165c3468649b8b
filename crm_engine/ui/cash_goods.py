"""Goods (B1) on the kit: shipments against a contract or an order (list → shipment page, where
a return is recorded) and sales returns (list → return page).

Each action calls one verb (`crm.shipments.add`, `crm.returns.add`); the engine checks the
source, the quantities and the dates and names the bad line.
"""
from __future__ import annotations

import solara

from ..errors import CRMError
from . import kit
from .cash_contract import lines_from_text

SHIPMENT_LIST = [kit.Column("shipment_no", "ui.col.shipment_no"),
                 kit.Column("customer_name", "field.customer_name", sort="customer_name", width=30),
                 kit.Column("contract_no", "field.contract_no", priority=2),
                 kit.Column("order_no", "field.order_no", priority=3),
                 kit.Column("shipped_on", "field.shipped_on", kind="date", sort="shipped_on"),
                 kit.Column("quantity", "field.quantity"),
                 kit.Column("notes", "field.notes", priority=3, width=30)]
SHIPPED_LINES = [kit.Column("product_code", "ui.col.product_code"), kit.Column("product", "field.product", priority=2),
                 kit.Column("quantity", "field.quantity"), kit.Column("returned", "ui.col.returned")]
RETURN_LIST = [kit.Column("return_no", "ui.col.return_no"),
               kit.Column("shipment_no", "ui.col.shipment_no", priority=2),
               kit.Column("customer_name", "field.customer_name", sort="customer_name", width=30),
               kit.Column("returned_on", "field.returned_on", kind="date", sort="returned_on"),
               kit.Column("reason", "field.return_reason", kind="code", of="return_reason"),
               kit.Column("amount", "ui.col.amount", kind="money", sort="amount"),
               kit.Column("notes", "field.notes", priority=3, width=30)]
RETURNED_LINES = [kit.Column("product_code", "ui.col.product_code"), kit.Column("product", "field.product", priority=2),
                  kit.Column("quantity", "field.quantity"), kit.Column("unit_price", "field.unit_price", kind="money"),
                  kit.Column("amount", "ui.col.amount", kind="money")]


def use_read(crm, reader, *keys):
    """(data, problem) of `reader()`, read again after any change in the workspace."""
    version, language = kit.use_workspace(crm)

    def load():
        try:
            with crm.holding():
                return reader(), None
        except CRMError as error:
            return None, kit.failure(crm, error)

    return solara.use_memo(load, dependencies=[version, language, crm.user.id, *keys])


@solara.component
def NewShipment(crm):
    """Ship against a signed contract (chosen) or an order (its number): everything still to ship,
    or the lines typed ("NB-14 3", one a line)."""
    signed, _problem = use_read(crm, lambda: crm.contracts.list(status="signed", limit=200))
    options = tuple((f"{r.contract_no} · {r.customer_name}", int(r.id)) for r in signed.itertuples()) \
        if signed is not None else ()
    fields = (kit.Field("contract", "select", options=options), kit.Field("order", placeholder="12"),
              kit.Field("shipment_lines", "textarea", placeholder=crm.t("ui.uicash.ship_all")),
              kit.Field("shipped_on", "date"), kit.Field("notes"))

    def ship(v):
        order = kit.text_or_none(v.get("order"))
        source = {"order_id": order} if order is not None else {"contract_id": v.get("contract")}
        shipment = crm.shipments.add(**source, lines=lines_from_text(v.get("shipment_lines")) or None,
                                     shipped_on=kit.text_or_none(v.get("shipped_on")),
                                     notes=kit.text_or_none(v.get("notes")))
        return crm.t("ui.cash.shipped", no=shipment.shipment_no)

    return kit.ActionBar(crm, [kit.Action("ship", crm.t("ui.cash.new_shipment"), ship, fields=fields)],
                         ref="new-shipment")


@solara.component
def ShipmentRecord(crm, shipment_id: int, on_close=None):
    """One shipment: where it went, its lines, and recording goods that came back from it."""
    data, problem = use_read(crm, lambda: (crm.shipments.get(shipment_id), crm.shipments.lines(shipment_id),
                                           crm.shipments.list(search=crm.shipments.get(shipment_id).shipment_no)),
                             shipment_id)
    if data is None:
        return kit.Feedback(problem, ref="shipment-message")
    shipment, lines, listed = data
    row = listed[listed["id"] == shipment.id]
    customer = row["customer_name"].iloc[0] if len(row) else ""
    reasons = tuple(crm.dictionary.choices("return_reason"))

    def record_return(v):
        item = crm.returns.add(shipment.id, lines_from_text(v.get("return_lines")) or None,
                               reason=v.get("return_reason"), returned_on=kit.text_or_none(v.get("returned_on")),
                               notes=kit.text_or_none(v.get("notes")))
        return crm.t("ui.cash.returned", no=item.return_no, amount=kit.money(item.amount))

    facts = [("ui.col.shipment_no", shipment.shipment_no), ("field.customer_name", customer),
             ("field.contract_no", row["contract_no"].iloc[0] if len(row) else ""),
             ("field.order_no", row["order_no"].iloc[0] if len(row) else ""),
             ("field.shipped_on", kit.date(shipment.shipped_on)), ("field.notes", shipment.notes)]
    action = kit.Action("return", crm.t("ui.cash.record_return"), record_return, color="warning",
                        fields=(kit.Field("return_lines", "textarea", placeholder=crm.t("ui.uicash.return_all")),
                                kit.Field("return_reason", "select", options=reasons),
                                kit.Field("returned_on", "date"), kit.Field("notes")))
    return kit.RecordPage(crm, f"{kit.cap(crm.t('kind.shipment'))} {shipment.shipment_no} · {customer}",
                          actions=[action], on_close=on_close, ref="shipment",
                          tabs=[(crm.t("ui.kit.details"), lambda: kit.Facts(crm, facts)),
                                (crm.t("field.shipment_lines"),
                                 lambda: kit.StaticTable(crm, lines, SHIPPED_LINES, "shipment-lines"))])


@solara.component
def ShipmentsTab(crm):
    """Shipments you may see (a row opens one) and the form to ship."""
    open_id, set_open_id = solara.use_state(None)
    kit.use_workspace(crm)
    with solara.Column(gap="6px") as box:
        if open_id is not None:
            ShipmentRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            NewShipment(crm)
            kit.RecordList(crm, crm.shipments.list, crm.shipments.count, SHIPMENT_LIST, on_open=set_open_id,
                           sort="shipped_on", descending=True, ref="shipments")
    return box


@solara.component
def ReturnRecord(crm, return_id: int, on_close=None):
    data, problem = use_read(crm, lambda: (crm.returns.get(return_id), crm.returns.lines(return_id)), return_id)
    if data is None:
        return kit.Feedback(problem, ref="return-message")
    item, lines = data
    labels = kit.Labels.of(crm)
    facts = [("ui.col.return_no", item.return_no), ("field.returned_on", kit.date(item.returned_on)),
             ("field.return_reason", labels.code("return_reason", item.reason)),
             ("ui.col.amount", kit.money(item.amount)), ("field.notes", item.notes)]
    return kit.RecordPage(crm, f"{kit.cap(crm.t('kind.sales_return'))} {item.return_no}",
                          subtitle=kit.money(item.amount), on_close=on_close, ref="return",
                          tabs=[(crm.t("ui.kit.details"), lambda: kit.Facts(crm, facts)),
                                (crm.t("field.return_lines"),
                                 lambda: kit.StaticTable(crm, lines, RETURNED_LINES, "return-lines"))])


@solara.component
def ReturnsTab(crm):
    """Sales returns you may see; a row opens one (returns are recorded on their shipment)."""
    open_id, set_open_id = solara.use_state(None)
    kit.use_workspace(crm)
    with solara.Column(gap="6px") as box:
        if open_id is not None:
            ReturnRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            kit.RecordList(crm, crm.returns.list, crm.returns.count, RETURN_LIST, on_open=set_open_id,
                           sort="returned_on", descending=True, ref="returns")
    return box
