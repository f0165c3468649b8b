"""Service tickets (S1–S5) on the kit: the ticket list (a row opens its record page), a new
ticket, the archive search.

    from crm_engine.ui import show
    show(crm, "service")                # ServiceModule(crm): a widget for a cell or the app

The record page draws the ticket's path from the engine's state machine (new → assigned →
handled → archived; feedback under 3 sends it back to assigned) and asks the engine what may be
done now (`crm.service.actions`): assign (supervisors, the director), handle (its handler),
feedback (satisfaction 1–5). Every action confirms or shows the engine's refusal beside it.
"""
from __future__ import annotations

import html

import solara
from solara.alias import rv

from ..errors import CRMError, InvalidInput
from ..statemachine import machine
from . import kit
from .churn import history_columns, translated_history

LIST_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("customer_name", "field.customer_name", sort="customer_name", width=30),
                kit.Column("service_type", "field.service_type", kind="code", of="service_type", priority=2),
                kit.Column("subject", "field.subject", width=40),
                kit.Column("state", "field.ticket_state", kind="state", of="ticket", sort="state"),
                kit.Column("handler_name", "field.handler", priority=2),
                kit.Column("created_on", "ui.col.created_on", kind="date", sort="created_on", priority=3),
                kit.Column("satisfaction", "field.satisfaction", priority=3)]
STEP_COLUMNS = [kit.Column("attempt", "ui.col.attempt"), kit.Column("step", "ui.col.step"),
                kit.Column("on_date", "field.on_date", kind="date"),
                kit.Column("user_name", "ui.col.user_name", priority=2), kit.Column("text", "ui.col.text"),
                kit.Column("satisfaction", "field.satisfaction")]
ARCHIVE_COLUMNS = [kit.Column("id", "field.id"), kit.Column("customer_name", "field.customer_name"),
                   kit.Column("service_type", "field.service_type", kind="code", of="service_type", priority=2),
                   kit.Column("subject", "field.subject"), kit.Column("handling", "field.handling", priority=3),
                   kit.Column("result", "ui.col.result", priority=2), kit.Column("satisfaction", "field.satisfaction"),
                   kit.Column("archived_on", "ui.col.archived_on", kind="date", priority=3)]
RATINGS = tuple((str(n), n) for n in range(1, 6))



def path_machine(crm):
    """The engine's state machine of a ticket. The facade loads an area on first use, and with it
    its machine: ask the area first, so a fresh kernel never misses it."""
    crm.service  # noqa: B018 — loads the area (and registers its machine)
    return machine("ticket")

def handlers(crm) -> tuple:
    """(name, username) of the active users a ticket can be given to (the engine's handler roles)."""
    users = crm.admin.users()
    return tuple((r.name, r.username) for r in users[users["role"].isin(crm.service.HANDLER_ROLES)].itertuples())


def customers(crm) -> tuple:
    """(label, id) of the customers you may see, by name."""
    return tuple((f"{r.id} · {r.name}", int(r.id)) for r in crm.customers.list(sort="name", limit=500).itertuples())


def read(crm, ticket_id: int) -> dict:
    """Everything the record page shows, in one go."""
    area = crm.service
    steps = area.steps(ticket_id)
    return {"ticket": area.get(ticket_id), "actions": area.actions(ticket_id), "simulated": crm.simulation.present(),
            "steps": steps.assign(step=steps["step"].map(lambda s: crm.t(f"ui.care.step_{s}"))),
            "history": translated_history(crm, "ticket", area.history(ticket_id))}


def details(crm, ticket) -> list:
    labels = kit.Labels.of(crm)
    return [("field.customer_name", ticket.customer_name),
            ("field.service_type", labels.code("service_type", ticket.service_type)),
            ("field.subject", ticket.subject), ("field.request", ticket.request),
            ("field.ticket_state", labels.state("ticket", ticket.state)),
            ("field.handler", labels.user(ticket.assigned_to)), ("ui.col.created_on", kit.date(ticket.created_on)),
            ("ui.col.attempts", str(ticket.attempts)), ("field.handling", ticket.handling),
            ("field.feedback_result", ticket.result),
            ("field.satisfaction", "" if ticket.satisfaction is None else str(ticket.satisfaction)),
            ("ui.col.archived_on", kit.date(ticket.archived_on))]


def steps(crm, ticket, data) -> list:
    """assign, handle, feedback (and, in a teaching scenario, the simulated customer's answer)."""
    t, tid, why = crm.t, ticket.id, data["actions"]
    names = dict((u, n) for n, u in handlers(crm))

    def assign(v):
        if v.get("handler") is None:   # nothing chosen yet: say so at the field
            raise InvalidInput("error.required", field="handler")
        done = crm.service.assign(tid, v["handler"])
        return t("ui.care.assigned", id=tid, handler=kit.Labels.of(crm).user(done.assigned_to) or names[v["handler"]])

    def handle(v):
        crm.service.handle(tid, v.get("handling") or "")
        return t("ui.care.handled", id=tid)

    def feedback(v):
        done = crm.service.feedback(tid, satisfaction=v.get("satisfaction"), result=v.get("feedback_result") or "")
        return t("ui.care.archived" if done.state == "archived" else "ui.care.sent_back", id=tid)

    def ask(_v):
        """The teaching scenario's customer answers; recording it stays the student's click."""
        outcome = crm.simulation.outcome_of_ticket(tid)
        return t("ui.care.customer_answered", satisfaction=outcome.satisfaction, text=outcome.text)

    actions = [
        kit.Action("assign", t("ui.care.assign"), assign, reason=why["assign"],
                   fields=(kit.Field("handler", "select", options=handlers(crm)),)),
        kit.Action("handle", t("ui.care.handle"), handle, reason=why["handle"],
                   fields=(kit.Field("handling", "textarea"),)),
        kit.Action("feedback", t("ui.care.feedback"), feedback, reason=why["feedback"], color="success",
                   fields=(kit.Field("satisfaction", "select", options=RATINGS),
                           kit.Field("feedback_result", "textarea"))),
    ]
    if data["simulated"]:
        actions.append(kit.Action("ask_customer", t("ui.care.ask_customer"), ask, reason=why["feedback"],
                                  color="info"))
    return actions


def related(crm, ticket) -> list:
    """The customer, and the call it came from."""
    return [("field.customer", f"{ticket.customer_id} · {ticket.customer_name}"),
            ("field.ticket_contact", ticket.contact_id), ("field.call", ticket.call_id)]


@solara.component
def TicketRecord(crm, ticket_id: int, on_close=None):
    """One ticket: path, the steps with the engine's reasons, details, rounds, history, related."""
    data, problem = kit.use_record(crm, read, ticket_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    ticket = data["ticket"]
    tabs = [(crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, ticket))),
            (crm.t("ui.col.attempts"), lambda: kit.StaticTable(crm, data["steps"], STEP_COLUMNS, "steps")),
            (crm.t("ui.sales.history"),
             lambda: kit.StaticTable(crm, data["history"], history_columns("ticket"), "history")),
            (crm.t("ui.kit.related"), lambda: kit.Facts(crm, related(crm, ticket), ref="related"))]
    return kit.RecordPage(crm, f"{crm.t('ui.care.ticket_title', id=ticket.id)} · {ticket.customer_name}",
                          subtitle=ticket.subject, path=kit.PathBar(crm, path_machine(crm), ticket.state),
                          actions=steps(crm, ticket, data), tabs=tabs, on_close=on_close)


@solara.component
def TicketList(crm, state: solara.Reactive, mine: solara.Reactive, on_open=None):
    """Filter by state, service type and "waiting for me"; search, sort, page; a row click opens the ticket."""
    kit.use_workspace(crm)
    kind, set_kind = solara.use_state(None)
    states = [{"title": crm.t("ui.care.all"), "value": None}] + [
        {"title": kit.cap(crm.t(f"state.ticket.{s}")), "value": s} for s in path_machine(crm).states]
    kinds = [{"title": crm.t("ui.care.all"), "value": None}] + [
        {"title": label, "value": code} for label, code in crm.dictionary.choices("service_type")]
    with solara.Column(gap="4px") as box:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "center"}):
            rv.Select(items=states, v_model=state.value, on_v_model=state.set, label=crm.t("field.ticket_state"),
                      density="compact", hide_details=True, style_="min-width:10em;max-width:16em"
                      ).meta(ref="filter-state")
            rv.Select(items=kinds, v_model=kind, on_v_model=set_kind, label=crm.t("field.service_type"),
                      density="compact", hide_details=True, style_="min-width:10em;max-width:16em"
                      ).meta(ref="filter-service_type")
            rv.Checkbox(v_model=mine.value, on_v_model=lambda v: mine.set(bool(v)), label=crm.t("ui.care.mine"),
                        density="compact", hide_details=True).meta(ref="filter-mine")
        kit.RecordList(crm, crm.service.list, crm.service.count, LIST_COLUMNS, on_open=on_open,
                       filters={"state": state.value, "service_type": kind, "mine": mine.value}, ref="tickets")
    return box


@solara.component
def NewTicket(crm, on_added=None):
    """Open a ticket for a customer (S1), with one of its contacts if you like; it waits, new, for a
    supervisor to assign it. The contact choices follow the customer chosen."""
    version, language = kit.use_workspace(crm)
    t = crm.t
    values, set_values = solara.use_state({})
    message, set_message = solara.use_state(None)
    chosen = values.get("customer")

    def people():
        if chosen is None:
            return ()
        try:
            return tuple((r.name, int(r.id)) for r in crm.customers.contacts(chosen).itertuples())
        except CRMError:   # a customer out of sight: the engine says so when the ticket is created
            return ()

    contacts = solara.use_memo(people, dependencies=[version, language, chosen])

    def choose(changed):
        if changed.get("customer") != chosen:   # another customer: its contact is not this one's
            changed = {**changed, "ticket_contact": None}
        set_values(changed)

    def add():
        if values.get("customer") is None:
            raise InvalidInput("error.required", field="customer")
        ticket = crm.service.add(values["customer"], service_type=values.get("service_type"),
                                 subject=values.get("subject") or "", request=values.get("request") or "",
                                 contact_id=values.get("ticket_contact"))
        return t("ui.care.ticket_created", id=ticket.id, customer=ticket.customer_name)

    def create():
        outcome = kit.attempt(crm, add, ok=lambda text: text)
        set_message(outcome)
        if outcome.ok:
            set_values({})
            if on_added is not None:
                on_added()

    fields = (kit.Field("customer", "select", options=customers(crm)),
              kit.Field("ticket_contact", "select", options=contacts),
              kit.Field("service_type", "select", options=tuple(crm.dictionary.choices("service_type"))),
              kit.Field("subject"), kit.Field("request", "textarea"))
    with solara.Column(gap="4px") as box:
        kit.FormFields(crm, fields, values, choose, invalid=message.field if message and not message.ok else None,
                       error_text=message.text if message and not message.ok else None)
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
            solara.Button(t("ui.care.create_ticket"), color="primary", on_click=create).meta(ref="new-create")
            kit.Feedback(message, ref="new-message")
    return box


@solara.component
def ArchiveSearch(crm):
    """Archived tickets like a new problem (S5), best match first; the count or the refusal beside the button."""
    kit.use_workspace(crm)
    values, set_values = solara.use_state({})
    found, set_found = solara.use_state(None)
    message, set_message = solara.use_state(None)

    def search():
        hits = []

        def run():
            hits.append(crm.service.search(v.get("search_text") or "", service_type=v.get("service_type")))
            return len(hits[0])

        v = values
        outcome = kit.attempt(crm, run, ok=lambda count: crm.t("ui.care.found", count=count))
        set_message(outcome)
        set_found(hits[0] if hits else None)

    fields = (kit.Field("search_text"),
              kit.Field("service_type", "select", options=tuple(crm.dictionary.choices("service_type"))))
    with solara.Column(gap="4px") as box:
        kit.FormFields(crm, fields, values, set_values,
                       invalid=message.field if message and not message.ok else None,
                       error_text=message.text if message and not message.ok else None)
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "6px", "align-items": "center"}):
            solara.Button(crm.t("ui.care.search_archive"), color="primary", on_click=search).meta(ref="archive-search")
            kit.Feedback(message, ref="archive-message")
        if found is not None:
            kit.StaticTable(crm, found, ARCHIVE_COLUMNS, "archive")
    return box


@solara.component
def ServiceScreen(crm, state: solara.Reactive, mine: solara.Reactive, record: int | None = None, on_record=None):
    """Tabs: tickets (list → record), new ticket, archive search. `record`: the ticket open first (a deep
    link); `on_record(id | None)` hears each ticket opened or closed."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(record)
    kit.use_record_heard(open_id, on_record)
    tab, set_tab = solara.use_state(0)

    def open_record(record_id):
        set_open_id(record_id)
        set_tab(0)

    def list_and_record():
        with solara.Column(gap="4px") as box:
            if open_id is not None:
                # Keyed by the record: another record starts with no half-typed form or old message.
                TicketRecord(crm, open_id, on_close=lambda: set_open_id(None)).key(f"record-{open_id}")
            with solara.Div(style={"display": "none" if open_id is not None else "block"}):
                TicketList(crm, state, mine, on_open=open_record)
        return box

    return kit.Tabs([(crm.t("ui.care.tickets"), list_and_record),
                     (crm.t("ui.care.new_ticket"), lambda: NewTicket(crm)),
                     (crm.t("ui.care.archive"), lambda: ArchiveSearch(crm))],
                    index=tab, on_index=set_tab, ref="service-tabs")


def summary_html(crm) -> str:
    """The newest tickets as plain HTML (nbconvert / nbgrader output has no widgets)."""
    listed = crm.service.list(limit=kit.listview.PAGE_SIZE)
    return f"<h4>{html.escape(crm.t('ui.care.tickets'))}</h4>{kit.table_html(crm, listed, LIST_COLUMNS)}"


class ServiceModule(kit.KitView):
    """`show(crm, "service")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm, record: int | None = None, on_record=None):
        self.crm = crm
        self.state_filter, self.mine_filter = solara.reactive(None), solara.reactive(False)
        super().__init__(ServiceScreen(crm, self.state_filter, self.mine_filter, record, on_record),
                         fallback=lambda: summary_html(crm))

    def show_waiting(self, _what: str) -> None:
        """Opened from "tickets waiting for me": mine to handle, or else new ones to assign."""
        from .notifications import may_assign_tickets
        try:
            waiting = self.crm.service.count(mine=True, state="assigned")
        except CRMError:
            waiting = 0
        if waiting or not may_assign_tickets(self.crm):
            self.state_filter.set("assigned"), self.mine_filter.set(True)
        else:
            self.state_filter.set("new"), self.mine_filter.set(False)
