"""The call centre (S6) on the kit: log a call, then turn it into a service ticket, a lead or an
interaction record — each with its confirmation or the engine's refusal beside the controls.

    from crm_engine.ui import show
    show(crm, "call_center")            # CallCenterModule(crm): a widget for a cell or the app

Logging opens the call's page at once; the call list (a row opens its page) shows the calls you
may see, open ones (not yet turned into anything) by default. The engine links a call to the one
customer its number or caller matches and refuses to turn a call into anything twice.
"""
from __future__ import annotations

import html

import solara
from solara.alias import rv

from . import kit
from .service import customers

OUTCOMES = ("ticket", "lead", "interaction")
LIST_COLUMNS = [kit.Column("id", "field.id"),
                kit.Column("called_at", "field.called_at", sort="called_at"),
                kit.Column("caller", "field.caller", sort="caller"),
                kit.Column("phone", "field.phone", priority=2),
                kit.Column("summary", "ui.col.summary", width=40, priority=3),
                kit.Column("taken_by_name", "ui.col.taken_by_name", priority=3),
                kit.Column("customer_name", "field.customer_name", priority=2),
                kit.Column("outcome", "ui.col.outcome")]
MATCH_COLUMNS = [kit.Column("id", "field.id"), kit.Column("name", "field.name"),
                 kit.Column("owner_name", "field.owner", priority=2), kit.Column("matched_by", "ui.col.matched_by")]


def minute(value) -> str:
    """A call's time to the minute ("2026-03-02 10:15")."""
    return kit.blank(value)[:16]


def outcome_text(crm, outcome, record_id) -> str:
    """What the call became, with the record's number ("service ticket 4"), or blank."""
    if kit.is_blank(outcome):
        return ""
    return f"{crm.t(f'call.outcome.{outcome}')} {int(record_id)}"


def shown_calls(crm, **asked):
    """The engine's page with the time to the minute and the outcome in words."""
    frame = crm.call_center.list(**asked)
    if len(frame):
        frame = frame.assign(called_at=frame["called_at"].map(minute),
                             outcome=[outcome_text(crm, o, r) for o, r in zip(frame["outcome"], frame["record_id"])])
    return frame


def read(crm, call_id: int) -> dict:
    call = crm.call_center.get(call_id)
    return {"call": call, "matches": crm.call_center.matches(call_id),
            "customer": crm.customers.get(call.customer_id).name if call.customer_id is not None else None}


def details(crm, call, data) -> list:
    labels = kit.Labels.of(crm)
    return [("field.called_at", minute(call.called_at)), ("field.caller", call.caller), ("field.phone", call.phone),
            ("field.call_summary", call.summary), ("ui.col.taken_by_name", labels.user(call.taken_by)),
            ("field.customer", data["customer"]), ("field.call_outcome", outcome_text(crm, call.outcome, call.record_id))]


def conversions(crm, call, data) -> list:
    """The three ways to close a call: each one verb, each confirmed with the new record's number."""
    t, cid = crm.t, call.id
    linked = call.customer_id
    if linked is None and len(data["matches"]) == 1:   # one match: offered, the student still confirms
        linked = int(data["matches"].iloc[0]["id"])
    known = customers(crm)
    users = crm.admin.users()
    owners = tuple((r.name, r.username) for r in users[users["role"].isin(["account_manager", "supervisor"])
                                                       ].itertuples())

    def to_ticket(v):
        ticket = crm.call_center.to_ticket(cid, service_type=v.get("service_type"),
                                           subject=kit.text_or_none(v.get("subject")), customer_id=v.get("customer"))
        return t("ui.care.call_ticket", id=ticket, call=cid)

    def to_lead(v):
        lead = crm.call_center.to_lead(cid, company=kit.text_or_none(v.get("company")),
                                       email=kit.text_or_none(v.get("email")), owner=v.get("owner"))
        return t("ui.care.call_lead", id=lead, call=cid)

    def to_interaction(v):
        record = crm.call_center.to_interaction(cid, customer_id=v.get("customer"),
                                                subject=kit.text_or_none(v.get("subject")))
        return t("ui.care.call_interaction", id=record, call=cid)

    customer = kit.Field("customer", "select", options=known)
    return [kit.Action("to_ticket", t("ui.care.to_ticket"), to_ticket, initial={"customer": linked},
                       fields=(customer, kit.Field("service_type", "select",
                                                   options=tuple(crm.dictionary.choices("service_type"))),
                               kit.Field("subject"))),
            kit.Action("to_lead", t("ui.care.to_lead"), to_lead, color="secondary",
                       fields=(kit.Field("company"), kit.Field("email"),
                               kit.Field("owner", "select", options=owners))),
            kit.Action("to_interaction", t("ui.care.to_interaction"), to_interaction, color="secondary",
                       initial={"customer": linked}, fields=(customer, kit.Field("subject")))]


@solara.component
def CallRecord(crm, call_id: int, on_close=None):
    """One call: details, the customers it matches, and the ways to close it."""
    data, problem = kit.use_record(crm, read, call_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    call = data["call"]
    tabs = [(crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, call, data))),
            (crm.t("ui.care.matches"), lambda: kit.StaticTable(crm, data["matches"], MATCH_COLUMNS, "matches"))]
    return kit.RecordPage(crm, f"{crm.t('ui.care.call_title', id=call.id)} · {call.caller}",
                          subtitle=minute(call.called_at), actions=conversions(crm, call, data), tabs=tabs,
                          on_close=on_close)


@solara.component
def CallList(crm, on_open=None):
    """Open calls (or all); search, sort, page; a row click opens the call."""
    kit.use_workspace(crm)
    open_only, set_open_only = solara.use_state(True)
    with solara.Column(gap="4px") as box:
        rv.Checkbox(v_model=open_only, on_v_model=lambda v: set_open_only(bool(v)), label=crm.t("ui.care.open_calls"),
                    density="compact", hide_details=True).meta(ref="filter-open")
        kit.RecordList(crm, lambda **kw: shown_calls(crm, **kw), crm.call_center.count, LIST_COLUMNS,
                       on_open=on_open, filters={"open_only": open_only}, sort="called_at", descending=True,
                       ref="calls")
    return box


@solara.component
def LogCall(crm, on_logged=None):
    """Log an inbound call; the confirmation says which customer it was linked to."""
    kit.use_workspace(crm)
    t = crm.t

    def log(v):
        call = crm.call_center.log(v.get("caller") or "", v.get("phone") or "", v.get("call_summary") or "",
                                   at=kit.text_or_none(v.get("called_at")))
        if on_logged is not None:
            on_logged(call.id)
        if call.customer_id is not None:
            return t("ui.care.call_linked", id=call.id, customer=crm.customers.get(call.customer_id).name)
        return t("ui.care.call_unlinked", id=call.id)

    fields = (kit.Field("caller"), kit.Field("phone"), kit.Field("call_summary", "textarea"),
              kit.Field("called_at", placeholder="HH:MM"))
    return kit.ActionBar(crm, [kit.Action("log", t("ui.care.log_call"), log, fields=fields)], ref="log")


@solara.component
def CallCenterScreen(crm):
    """Log a call on top (its outcome beside the button), then the call just logged or the list."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    with solara.Column(gap="6px") as box:
        LogCall(crm, on_logged=set_open_id)
        if open_id is not None:
            # Keyed by the record: another record starts with no half-typed form or old message.
            CallRecord(crm, open_id, on_close=lambda: set_open_id(None)).key(f"record-{open_id}")
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            rv.Html(tag="h4", style_="margin:4px 0", children=[crm.t("ui.care.calls")])
            CallList(crm, on_open=set_open_id)
    return box


def summary_html(crm) -> str:
    """The open calls as plain HTML (nbconvert / nbgrader output has no widgets)."""
    listed = shown_calls(crm, open_only=True, limit=kit.listview.PAGE_SIZE)
    return f"<h4>{html.escape(crm.t('ui.care.calls'))}</h4>{kit.table_html(crm, listed, LIST_COLUMNS)}"


class CallCenterModule(kit.KitView):
    """`show(crm, "call_center")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        super().__init__(CallCenterScreen(crm), fallback=lambda: summary_html(crm))
