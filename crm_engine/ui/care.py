"""Customer care views: churn warnings (C3, C4), service tickets (S1–S5) and the call centre (S6).

Each form calls exactly one engine verb; what a user may do is decided there.
Buttons are hidden when they make no sense for the record on screen (confirming
churn before any suspension, handling a ticket that is not yours), but the
engine refuses the same actions whatever screen asks — the tests click hidden
buttons to prove it.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..customers.churn import CHURN
from ..care.service import ASSIGNER_ROLES, HANDLER_ROLES, TICKET
from . import base
from .base import Form, PagedList, View

ANSWERING_STATES = ("warning", "suspended")


def _all_option(crm, key: str = "ui.care.all"):
    return (crm.t(key), None)


# -- churn -------------------------------------------------------------------------------
class SuspendForm(Form):
    """Suspend churn: record the measures taken to keep the customer (may be repeated)."""

    def __init__(self, crm, on_done=None):
        self.warning_id, self._on_done = None, on_done
        self.measures = base.text_area(crm, "measures")
        self.suspend = base.button(crm, "ui.care.suspend", "warning")
        self.suspend.on_click(self._on_suspend)
        super().__init__(crm, [base.heading(crm, "ui.care.suspend_title"), self.row("measures", self.measures),
                               self.suspend])

    def _on_suspend(self, _button):
        warning = self._attempt(self.crm.churn.suspend, self.warning_id, measures=self.measures.value)
        if warning is not None:
            self.measures.value = ""
            self.show_ok(self.t("ui.care.suspended", customer=warning.customer_name, count=warning.suspensions))
            if self._on_done:
                self._on_done(warning.id)


class ConfirmForm(Form):
    """Confirm churn with a reason; the engine allows it only after a suspension."""

    def __init__(self, crm, on_done=None):
        self.warning_id, self._on_done = None, on_done
        self.reason = base.choice_field(crm, "churn_reason", "churn_reason")
        self.note = base.text_area(crm, "churn_note", rows=2)
        self.confirm = base.button(crm, "ui.care.confirm", "danger")
        self.confirm.on_click(self._on_confirm)
        super().__init__(crm, [base.heading(crm, "ui.care.confirm_title"), self.row("churn_reason", self.reason),
                               self.row("churn_note", self.note), self.confirm])

    def _on_confirm(self, _button):
        warning = self._attempt(self.crm.churn.confirm, self.warning_id, self.reason.value,
                                note=self.note.value or None)
        if warning is not None:
            self.note.value = ""
            self.show_ok(self.t("ui.care.confirmed", customer=warning.customer_name,
                                reason=self.crm.dictionary.label("churn_reason", warning.reason)))
            if self._on_done:
                self._on_done(warning.id)


class ThresholdForm(Form):
    """The churn rule's threshold in months (a setting the administrator changes)."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        months = crm.admin.settings().get("churn_threshold_months", 6)
        self.months = base.text_field(crm, "churn_threshold_months", str(months))
        self.save = base.button(crm, "ui.save")
        self.save.on_click(self._on_save)
        super().__init__(crm, [widgets.HBox([self.row("churn_threshold_months", self.months), self.save])])

    def _on_save(self, _button):
        self._attempt(self.crm.admin.set_setting, "churn_threshold_months", self.months.value.strip() or None)
        if not self.failed:
            self.show_ok(self.t("ui.care.threshold_saved", months=self.months.value.strip()))
            if self._on_saved:
                self._on_saved()


class ChurnModule(View):
    """Scan for silent customers, list the warnings you may see, answer one: suspend or confirm."""

    def __init__(self, crm):
        self.warning_id = None
        self.scan = base.button(crm, "ui.care.scan", "primary")
        self.scan.on_click(self._on_scan)
        self.rule = widgets.HTML()
        self.state = widgets.Dropdown(
            options=[(crm.t("ui.care.open_warnings"), "open"), *[(crm.churn.label(s), s) for s in CHURN.states],
                     _all_option(crm)], value="open", description=crm.t("field.warning_state"), style=base.WIDE)
        self.owner = base.user_field(crm, "owner", roles=("account_manager", "supervisor"), allow_empty=True)
        self.list = PagedList(
            self, crm, crm.churn.list,
            ["id", "customer_name", "owner_name", "state", "last_order_date", "days_silent", "suspensions", "raised_on"],
            count=crm.churn.count, search=True,
            sort=(("days_silent", True), ("customer_name", False), ("raised_on", True)),
            filters={"state": self.state, "owner": self.owner},
            formats={"state": crm.churn.label, "last_order_date": base.day, "raised_on": base.day},
            describe=lambda r: f"{r.id} · {r.customer_name} · {crm.churn.label(r.state)}",
            on_open=self.open_warning)
        self.detail = widgets.HTML()
        self.measures = widgets.HTML()
        self.suspend_form = SuspendForm(crm, on_done=self._after_answer)
        self.confirm_form = ConfirmForm(crm, on_done=self._after_answer)
        self.answer = widgets.VBox([self.detail, self.measures, self.suspend_form, self.confirm_form])
        self.threshold = ThresholdForm(crm, on_saved=self._show_rule)
        base.shown(self.threshold, crm.user.role == "admin")   # the engine allows only the administrator
        super().__init__(crm, [widgets.HBox([self.scan, self.rule]), self.threshold, self.list, self.answer])
        self._show_rule()
        self.list.refresh()
        base.shown(self.answer, False)

    def show_waiting(self, _what: str) -> None:
        """Opened from the "new churn warnings" notification: show the unanswered ones."""
        self.state.value = "warning"

    # -- events ---------------------------------------------------------------------
    def _on_scan(self, _button):
        result = self._attempt(self.crm.churn.scan)
        if result is not None:
            self.list.refresh()
            self.show_ok(self.t("ui.care.scanned", raised=result.raised, cleared=result.cleared,
                                reactivated=result.reactivated, open=result.open))

    def _after_answer(self, warning_id: int):
        self.list.refresh()
        self.open_warning(warning_id)

    # -- rendering ------------------------------------------------------------------
    def _show_rule(self):
        due = self._attempt(self.crm.churn.due_date)
        if due is not None:
            self.rule.value = html.escape(self.t("ui.care.rule", cutoff=due.isoformat()))

    def open_warning(self, warning_id: int):
        """Show one warning with its measures and the answers its state allows."""
        warning = self._attempt(self.crm.churn.get, warning_id)
        if warning is None:
            return
        if warning.id != self.warning_id:
            for form in (self.suspend_form, self.confirm_form):
                form.clear_status()
        self.warning_id = warning.id
        label = self.crm.dictionary.label
        self.detail.value = "<h4>" + html.escape(self.t("ui.care.warning_title", id=warning.id)) + "</h4>" + base.card(
            self.crm, [("customer_name", warning.customer_name), ("state", self.crm.churn.label(warning.state)),
                       ("raised_on", base.day(warning.raised_on)), ("last_order_date", base.day(warning.last_order_date)),
                       ("reference_date", base.day(warning.reference_date)), ("suspensions", warning.suspensions),
                       ("churn_reason", warning.reason and label("churn_reason", warning.reason)),
                       ("churn_note", warning.reason_note), ("closed_on", base.day(warning.closed_on))])
        measures = self._attempt(self.crm.churn.measures, warning.id)
        if measures is not None:
            self.measures.value = base.page_table(measures, self.crm, ["on_date", "user_name", "measures"],
                                                  {"on_date": base.day})
        for form in (self.suspend_form, self.confirm_form):
            form.warning_id = warning.id
        base.shown(self.suspend_form, warning.state in ANSWERING_STATES)
        # Confirming is offered only after a suspension (C4); the engine enforces it regardless.
        base.shown(self.confirm_form, warning.state == "suspended")
        base.shown(self.answer, True)


# -- service -----------------------------------------------------------------------------
class TicketForm(Form):
    """Open a service ticket for a customer (S1)."""

    def __init__(self, crm, on_created=None):
        self._on_created = on_created
        self.customer = base.CustomerPicker(crm)
        self.contact = widgets.Dropdown(description=crm.t("field.ticket_contact"), style=base.WIDE)
        self.service_type = base.choice_field(crm, "service_type", "service_type")
        self.subject = base.text_field(crm, "subject")
        self.request = base.text_area(crm, "request")
        self.create = base.button(crm, "ui.care.create_ticket", "primary")
        self.create.on_click(self._on_create)
        self.customer.choice.observe(lambda _: self._fill_contacts(), names="value")
        super().__init__(crm, [self.row("customer", self.customer), self.row("ticket_contact", self.contact),
                               self.row("service_type", self.service_type), self.row("subject", self.subject),
                               self.row("request", self.request), self.create])
        self._fill_contacts()

    def _fill_contacts(self):
        options = [("—", None)]
        if self.customer.value is not None:
            contacts = self._attempt(self.crm.customers.contacts, self.customer.value)
            if contacts is not None:
                options += [(r.name, int(r.id)) for r in contacts.itertuples()]
        base.set_options(self.contact, options)

    def _on_create(self, _button):
        ticket = self._attempt(self.crm.service.add, self.customer.value, service_type=self.service_type.value,
                               subject=self.subject.value, request=self.request.value, contact_id=self.contact.value)
        if ticket is not None:
            self.subject.value = self.request.value = ""
            self.show_ok(self.t("ui.care.ticket_created", id=ticket.id, customer=ticket.customer_name))
            if self._on_created:
                self._on_created(ticket.id)


class _TicketStep(Form):
    """A form acting on the ticket on screen (`ticket_id`), then telling its module."""

    def __init__(self, crm, children, on_done=None):
        self.ticket_id, self._on_done = None, on_done
        super().__init__(crm, children)

    def _done(self, ticket, key: str, **params):
        self.show_ok(self.t(key, id=ticket.id, **params))
        if self._on_done:
            self._on_done(ticket.id)


class AssignForm(_TicketStep):
    """Give a new ticket its handler (S2) — supervisors and the director."""

    def __init__(self, crm, on_done=None):
        self.handler = base.user_field(crm, "handler", roles=HANDLER_ROLES, allow_empty=True)
        self.assign = base.button(crm, "ui.care.assign", "primary")
        self.assign.on_click(self._on_assign)
        super().__init__(crm, [base.heading(crm, "ui.care.assign_title"), self.row("handler", self.handler),
                               self.assign], on_done)

    def _on_assign(self, _button):
        ticket = self._attempt(self.crm.service.assign, self.ticket_id, self.handler.value)
        if ticket is not None:
            self._done(ticket, "ui.care.assigned", handler=_user_name(self.crm, ticket.assigned_to))


class HandleForm(_TicketStep):
    """Record how the ticket was handled (S3) — its handler only."""

    def __init__(self, crm, on_done=None):
        self.handling = base.text_area(crm, "handling")
        self.handle = base.button(crm, "ui.care.handle", "primary")
        self.handle.on_click(self._on_handle)
        super().__init__(crm, [base.heading(crm, "ui.care.handle_title"), self.row("handling", self.handling),
                               self.handle], on_done)

    def _on_handle(self, _button):
        ticket = self._attempt(self.crm.service.handle, self.ticket_id, self.handling.value)
        if ticket is not None:
            self.handling.value = ""
            self._done(ticket, "ui.care.handled")


class FeedbackForm(_TicketStep):
    """Record the customer's answer (S4): satisfied (≥ 3) archives, otherwise back to the handler."""

    def __init__(self, crm, on_done=None):
        self.satisfaction = base.rating_field(crm, "satisfaction")
        self.result = base.text_area(crm, "feedback_result", rows=2)
        self.record = base.button(crm, "ui.care.feedback", "primary")
        self.record.on_click(self._on_feedback)
        # In a teaching scenario the customer is simulated: ask how satisfied it is with the handling.
        self.answer_button = base.button(crm, "ui.care.ask_customer", "info")
        self.answer_button.on_click(self._on_answer)
        base.shown(self.answer_button, crm.simulation.present())
        super().__init__(crm, [base.heading(crm, "ui.care.feedback_title"),
                               self.row("satisfaction", self.satisfaction), self.row("feedback_result", self.result),
                               widgets.HBox([self.answer_button, self.record])], on_done)

    def _on_feedback(self, _button):
        ticket = self._attempt(self.crm.service.feedback, self.ticket_id, satisfaction=self.satisfaction.value,
                               result=self.result.value)
        if ticket is not None:
            self.result.value = ""
            self.satisfaction.value = None
            self._done(ticket, "ui.care.archived" if ticket.state == "archived" else "ui.care.sent_back")

    def _on_answer(self, _button):
        """The simulated customer's answer fills satisfaction and result; recording it stays the student's click."""
        outcome = self._attempt(self.crm.simulation.outcome_of_ticket, self.ticket_id)
        if outcome is not None:
            self.satisfaction.value, self.result.value = outcome.satisfaction, outcome.text
            self.show_ok(self.t("ui.care.customer_answered", satisfaction=outcome.satisfaction, text=outcome.text))


class ArchiveSearch(Form):
    """Search archived tickets for a similar problem (S5), best match first."""

    COLUMNS = ["id", "customer_name", "service_type", "subject", "handling", "result", "satisfaction", "archived_on"]

    def __init__(self, crm):
        self.text = base.text_field(crm, "search_text")
        self.service_type = base.choice_field(crm, "service_type", "service_type")
        self.go = base.button(crm, "ui.care.search_archive", "info")
        self.results = widgets.HTML()
        self.rows = None
        self.go.on_click(self._on_search)
        super().__init__(crm, [self.row("search_text", self.text), self.row("service_type", self.service_type),
                               self.go, self.results])

    def _on_search(self, _button):
        found = self._attempt(self.crm.service.search, self.text.value, service_type=self.service_type.value)
        if found is not None:
            self.rows = found
            label = self.crm.dictionary.label
            self.results.value = base.page_table(found, self.crm, self.COLUMNS, {
                "service_type": lambda c: label("service_type", c), "archived_on": base.day})
            self.show_ok(self.t("ui.care.found", count=len(found)))


class ServiceModule(View):
    """Tickets you may see (filter, open one, move it on), a new-ticket form and the archive search."""

    def __init__(self, crm):
        self.ticket_id = None
        label = crm.dictionary.label
        self.state = widgets.Dropdown(options=[_all_option(crm), *[(crm.service.label(s), s) for s in TICKET.states]],
                                      description=crm.t("field.ticket_state"), style=base.WIDE)
        self.service_type = base.choice_field(crm, "service_type", "service_type")
        self.mine = widgets.Checkbox(value=False, description=crm.t("ui.care.mine"))
        self.list = PagedList(
            self, crm, crm.service.list,
            ["id", "customer_name", "service_type", "subject", "state", "handler_name", "created_on", "satisfaction"],
            count=crm.service.count, search=True,
            sort=(("created_on", True), ("id", True), ("customer_name", False), ("state", False)),
            filters={"state": self.state, "service_type": self.service_type, "mine": self.mine},
            formats={"state": crm.service.label, "service_type": lambda c: label("service_type", c),
                     "created_on": base.day},
            describe=lambda r: f"{r.id} · {r.customer_name} · {r.subject}", on_open=self.open_ticket)
        self.detail = widgets.HTML()
        self.steps = widgets.HTML()
        self.assign_form = AssignForm(crm, on_done=self._after_step)
        self.handle_form = HandleForm(crm, on_done=self._after_step)
        self.feedback_form = FeedbackForm(crm, on_done=self._after_step)
        self.ticket = widgets.VBox([self.detail, self.steps, self.assign_form, self.handle_form, self.feedback_form])
        self.new_ticket = TicketForm(crm, on_created=self._after_create)
        self.archive = ArchiveSearch(crm)
        self.tabs = widgets.Tab([widgets.VBox([self.list, self.ticket]), self.new_ticket, self.archive])
        for index, key in enumerate(("ui.care.tickets", "ui.care.new_ticket", "ui.care.archive")):
            self.tabs.set_title(index, crm.t(key))
        super().__init__(crm, [self.tabs])
        self.list.refresh()
        base.shown(self.ticket, False)

    def show_waiting(self, _what: str) -> None:
        """Opened from "tickets waiting for me": mine to handle, or else new ones to assign."""
        from .notifications import may_assign_tickets
        self.tabs.selected_index = 0
        mine = self._attempt(self.crm.service.list, mine=True, state="assigned")
        if mine is not None and (not mine.empty or not may_assign_tickets(self.crm)):
            self.state.value, self.mine.value = "assigned", True
        else:
            self.state.value, self.mine.value = "new", False

    def _after_create(self, ticket_id: int):
        self.list.refresh()

    def _after_step(self, ticket_id: int):
        self.list.refresh()
        self.open_ticket(ticket_id)

    def open_ticket(self, ticket_id: int):
        """Show one ticket, its handling and feedback rounds, and the step its state allows."""
        ticket = self._attempt(self.crm.service.get, ticket_id)
        if ticket is None:
            return
        if ticket.id != self.ticket_id:   # another ticket: nothing typed for the last one stays
            for form in (self.assign_form, self.handle_form, self.feedback_form):
                form.clear_status()
            self.handle_form.handling.value = self.feedback_form.result.value = ""
            self.feedback_form.satisfaction.value = None
        self.ticket_id = ticket.id
        label = self.crm.dictionary.label
        handler = _user_name(self.crm, ticket.assigned_to)
        self.detail.value = "<h4>" + html.escape(self.t("ui.care.ticket_title", id=ticket.id)) + "</h4>" + base.card(
            self.crm, [("customer_name", ticket.customer_name), ("service_type", label("service_type", ticket.service_type)),
                       ("subject", ticket.subject), ("request", ticket.request),
                       ("state", self.crm.service.label(ticket.state)), ("handler", handler),
                       ("created_on", base.day(ticket.created_on)), ("attempts", ticket.attempts),
                       ("handling", ticket.handling), ("feedback_result", ticket.result),
                       ("satisfaction", ticket.satisfaction), ("archived_on", base.day(ticket.archived_on))])
        steps = self._attempt(self.crm.service.steps, ticket.id)
        if steps is not None:
            self.steps.value = base.page_table(steps, self.crm, ["attempt", "step", "on_date", "user_name", "text",
                                                                 "satisfaction"],
                                               {"on_date": base.day, "step": lambda s: self.t(f"ui.care.step_{s}")})
        for form in (self.assign_form, self.handle_form, self.feedback_form):
            form.ticket_id = ticket.id
        role = self.crm.user.role
        base.shown(self.assign_form, ticket.state == "new" and (role in ASSIGNER_ROLES or role == "admin"))
        base.shown(self.handle_form, ticket.state == "assigned" and ticket.assigned_to == self.crm.user.id)
        base.shown(self.feedback_form, ticket.state == "handled")
        base.shown(self.ticket, True)


# -- call centre -------------------------------------------------------------------------
class CallForm(Form):
    """Log an inbound call (S6); the engine links it to the one customer its number or caller matches."""

    def __init__(self, crm, on_logged=None):
        self._on_logged = on_logged
        self.caller = base.text_field(crm, "caller")
        self.phone = base.text_field(crm, "phone")
        self.summary = base.text_area(crm, "call_summary")
        self.at = widgets.Text(placeholder="HH:MM", description=crm.t("field.called_at"), style=base.WIDE)
        self.log_call = base.button(crm, "ui.care.log_call", "primary")
        self.log_call.on_click(self._on_log)
        super().__init__(crm, [self.row("caller", self.caller), self.row("phone", self.phone),
                               self.row("call_summary", self.summary), self.row("called_at", self.at), self.log_call])

    def _on_log(self, _button):
        call = self._attempt(self.crm.call_center.log, self.caller.value, self.phone.value, self.summary.value,
                             at=self.at.value.strip() or None)
        if call is None:
            return
        self.caller.value = self.phone.value = self.summary.value = self.at.value = ""
        if call.customer_id is not None:
            customer = self.crm.customers.get(call.customer_id).name
            self.show_ok(self.t("ui.care.call_linked", id=call.id, customer=customer))
        else:
            self.show_ok(self.t("ui.care.call_unlinked", id=call.id))
        if self._on_logged:
            self._on_logged(call.id)


class _CallOutcome(Form):
    """A form turning the call on screen (`call_id`) into one record."""

    def __init__(self, crm, children, on_done=None):
        self.call_id, self._on_done = None, on_done
        super().__init__(crm, children)

    def _done(self, record_id: int, key: str):
        self.show_ok(self.t(key, id=record_id, call=self.call_id))
        if self._on_done:
            self._on_done(self.call_id)


class CallToTicket(_CallOutcome):
    """Open a service ticket from the call (its summary is the request), for the linked or a chosen customer."""

    def __init__(self, crm, on_done=None):
        self.customer = base.CustomerPicker(crm, allow_empty=True)
        self.service_type = base.choice_field(crm, "service_type", "service_type")
        self.subject = base.text_field(crm, "subject")
        self.go = base.button(crm, "ui.care.to_ticket", "primary")
        self.go.on_click(self._on_go)
        super().__init__(crm, [self.row("customer", self.customer), self.row("service_type", self.service_type),
                               self.row("subject", self.subject), self.go], on_done)

    def _on_go(self, _button):
        ticket_id = self._attempt(self.crm.call_center.to_ticket, self.call_id, service_type=self.service_type.value,
                                  subject=self.subject.value or None, customer_id=self.customer.value)
        if ticket_id is not None:
            self._done(ticket_id, "ui.care.call_ticket")


class CallToLead(_CallOutcome):
    """Turn the call into a lead (source: call centre); no owner puts it in the public pool."""

    def __init__(self, crm, on_done=None):
        self.company = base.text_field(crm, "company")
        self.email = base.text_field(crm, "email")
        self.owner = base.user_field(crm, "owner", roles=("account_manager", "supervisor"), allow_empty=True)
        self.go = base.button(crm, "ui.care.to_lead", "primary")
        self.go.on_click(self._on_go)
        super().__init__(crm, [self.row("company", self.company), self.row("email", self.email),
                               self.row("owner", self.owner), self.go], on_done)

    def _on_go(self, _button):
        lead_id = self._attempt(self.crm.call_center.to_lead, self.call_id, company=self.company.value or None,
                                email=self.email.value or None, owner=self.owner.value)
        if lead_id is not None:
            self._done(lead_id, "ui.care.call_lead")


class CallToInteraction(_CallOutcome):
    """Record the call as a phone interaction on the linked or a chosen customer."""

    def __init__(self, crm, on_done=None):
        self.customer = base.CustomerPicker(crm, allow_empty=True)
        self.subject = base.text_field(crm, "subject")
        self.go = base.button(crm, "ui.care.to_interaction", "primary")
        self.go.on_click(self._on_go)
        super().__init__(crm, [self.row("customer", self.customer), self.row("subject", self.subject), self.go],
                         on_done)

    def _on_go(self, _button):
        interaction_id = self._attempt(self.crm.call_center.to_interaction, self.call_id,
                                       customer_id=self.customer.value, subject=self.subject.value or None)
        if interaction_id is not None:
            self._done(interaction_id, "ui.care.call_interaction")


class CallCenterModule(View):
    """Log a call; list the calls you may see; turn an open one into a ticket, a lead or an interaction."""

    OUTCOMES = ("ticket", "lead", "interaction")

    def __init__(self, crm):
        self.call_id = None
        self.log_form = CallForm(crm, on_logged=self._after_log)
        self.open_only = widgets.Checkbox(value=True, description=crm.t("ui.care.open_calls"))
        self.outcome = widgets.Dropdown(options=[_all_option(crm), *[(crm.t(f"call.outcome.{o}"), o)
                                                                     for o in self.OUTCOMES]],
                                        description=crm.t("field.call_outcome"), style=base.WIDE)
        self.list = PagedList(
            self, crm, crm.call_center.list,
            ["id", "called_at", "caller", "phone", "summary", "taken_by_name", "customer_name", "outcome", "record_id"],
            count=crm.call_center.count, search=True,
            sort=(("called_at", True), ("caller", False)),
            filters={"open_only": self.open_only, "outcome": self.outcome},
            formats={"outcome": lambda o: crm.t(f"call.outcome.{o}"), "called_at": lambda v: str(v)[:16],
                     "record_id": lambda v: str(int(v))},
            describe=lambda r: f"{r.id} · {r.caller} · {r.phone}", on_open=self.open_call)
        self.detail = widgets.HTML()
        self.matches = widgets.HTML()
        self.to_ticket = CallToTicket(crm, on_done=self._after_convert)
        self.to_lead = CallToLead(crm, on_done=self._after_convert)
        self.to_interaction = CallToInteraction(crm, on_done=self._after_convert)
        self.convert = widgets.Tab([self.to_ticket, self.to_lead, self.to_interaction])
        for index, outcome in enumerate(self.OUTCOMES):
            self.convert.set_title(index, crm.t(f"call.outcome.{outcome}"))
        self.call = widgets.VBox([self.detail, self.matches, self.convert])
        self.tabs = widgets.Tab([self.log_form, widgets.VBox([self.list, self.call])])
        self.tabs.set_title(0, crm.t("ui.care.log_call"))
        self.tabs.set_title(1, crm.t("ui.care.calls"))
        super().__init__(crm, [self.tabs])
        self.list.refresh()
        base.shown(self.call, False)

    def _after_log(self, call_id: int):
        self.list.refresh()
        self.open_call(call_id)

    def _after_convert(self, call_id: int):
        self.list.refresh()
        self.open_call(call_id)

    def open_call(self, call_id: int):
        """Show a call, the customers it matches, and (while open) the three ways to close it."""
        call = self._attempt(self.crm.call_center.get, call_id)
        if call is None:
            return
        if call.id != self.call_id:
            for form in (self.to_ticket, self.to_lead, self.to_interaction):
                form.clear_status()
        self.call_id = call.id
        outcome = call.outcome and self.t(f"call.outcome.{call.outcome}") + f" {call.record_id}"
        self.detail.value = "<h4>" + html.escape(self.t("ui.care.call_title", id=call.id)) + "</h4>" + base.card(
            self.crm, [("called_at", str(call.called_at)[:16]), ("caller", call.caller), ("phone", call.phone),
                       ("call_summary", call.summary), ("taken_by_name", _user_name(self.crm, call.taken_by)),
                       ("call_outcome", outcome)])
        matches = self._attempt(self.crm.call_center.matches, call.id)
        if matches is not None:
            self.matches.value = (f"<b>{html.escape(self.t('ui.care.matches'))}</b>" +
                                  base.page_table(matches, self.crm, ["id", "name", "owner_name", "matched_by"]))
        for form in (self.to_ticket, self.to_lead, self.to_interaction):
            form.call_id = call.id
        linked = call.customer_id
        if linked is None and matches is not None and len(matches) == 1:
            linked = int(matches.iloc[0]["id"])
        for picker in (self.to_ticket.customer, self.to_interaction.customer):
            picker.value = linked
        self.to_ticket.subject.value = self.to_interaction.subject.value = ""
        base.shown(self.convert, call.outcome is None)
        base.shown(self.call, True)


def _user_name(crm, user_id) -> str | None:
    if user_id is None:
        return None
    users = crm.admin.users(active=None)
    match = users[users["id"] == user_id]
    return None if match.empty else str(match.iloc[0]["name"])
