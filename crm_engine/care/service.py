"""Service management (S1–S5): tickets from request to archive, and searching the archive.

The life of a ticket (服务单)::

    new --assign--> assigned --handle--> handled --feedback, satisfaction >= 3--> archived
                       ^                                   |
                       +------ feedback, satisfaction < 3 --+   (send back, feedback kept)

Who does what (the engine enforces it, whatever screen asks):

* **Create** (S1): anyone whose ticket scope covers the customer — service staff for
  every customer, an account manager for their own, a supervisor for the team's.
* **Assign** (S2): a sales supervisor or the director (the administrator always may),
  within their ticket write scope, and only *new* tickets: each ticket gets one handler
  for its whole life (there is no separate service-supervisor role in `access.ROLES`).
  The handler must be an active service staff member, account manager or supervisor
  who may read the ticket.
* **Handle** (S3): only the assigned handler, and only an *assigned* ticket.
* **Feedback** (S4): anyone with write scope on the ticket records the customer's
  answer — a result text and a satisfaction 1–5. Satisfied (≥ 3) archives the ticket;
  otherwise it goes back to *assigned* for the same handler, the feedback kept on the
  ticket and in its steps.
* **Search** (S5): archived tickets only, within the reader's scope (see `search`).

Tickets are scoped (kind `ticket`) on their customer's current owner.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from .. import access, validate
from ..customers.cards import fetch as fetch_customer
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from ..i18n import Term
from ..session import Area, Session, action, load_user, query
from ..statemachine import StateMachine, reasons

KIND = "ticket"
TICKET = StateMachine(KIND, {
    ("new", "assign"): "assigned",
    ("assigned", "handle"): "handled",
    ("handled", "archive"): "archived",      # feedback: satisfied (>= 3)
    ("handled", "send_back"): "assigned",    # feedback: not satisfied, try again
})
ASSIGNER_ROLES = ("supervisor", "director")
HANDLER_ROLES = ("service_staff", "account_manager", "supervisor")
SATISFIED = 3
MAX_TOKENS = 12
# What `list(sort=…)` may sort by (name → SQL), and the tables it reads.
SORTABLE = {"created_on": "t.created_on", "id": "t.id", "customer_name": "c.name", "state": "t.state"}
FROM_SQL = "FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id LEFT JOIN users h ON h.id = t.assigned_to"


@dataclass(frozen=True)
class Ticket:
    """A service ticket (服务单)."""

    id: int
    customer_id: int
    customer_name: str | None
    owner_id: int | None
    contact_id: int | None
    service_type: str
    subject: str
    request: str
    state: str
    created_on: dt.date
    created_by: int
    call_id: int | None
    assigned_to: int | None
    assigned_on: dt.date | None
    attempts: int
    handling: str | None
    handled_on: dt.date | None
    result: str | None
    satisfaction: int | None
    feedback_on: dt.date | None
    archived_on: dt.date | None


TICKET_SELECT = """
    SELECT t.id, t.customer_id, c.name, c.owner_id, t.contact_id, t.service_type, t.subject, t.request, t.state,
           t.created_on, t.created_by, t.call_id, t.assigned_to, t.assigned_on, t.attempts, t.handling,
           t.handled_on, t.result, t.satisfaction, t.feedback_on, t.archived_on
    FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
"""


def fetch(s: Session, ticket_id, *, write: bool = False) -> Ticket:
    """The ticket if you may see it (and write it, with `write=True`)."""
    ticket = Ticket(*s.readable_row(KIND, TICKET_SELECT + " WHERE t.id = ?", ticket_id, field="ticket", owner=3,
                                    missing="ticket.not_found"))
    if write and not s.can_write(KIND, ticket.owner_id):
        raise NotAllowed("ticket.not_in_scope", id=ticket.id, customer=ticket.customer_name)
    return ticket


def check_assign(s: Session, ticket: Ticket) -> None:
    """`assign`'s checks before it reads the handler: role, write scope, a *new* ticket."""
    s.require_role(*ASSIGNER_ROLES, action="assign_ticket")
    if not s.can_write(KIND, ticket.owner_id):
        raise NotAllowed("ticket.not_in_scope", id=ticket.id, customer=ticket.customer_name)
    if ticket.state != "new":
        current = load_user(s.db, ticket.assigned_to).name if ticket.assigned_to else "—"
        raise TransitionNotAllowed("ticket.not_new", id=ticket.id, state=Term(f"state.ticket.{ticket.state}"),
                                   handler=current)


def check_handle(s: Session, ticket: Ticket) -> None:
    """`handle`'s checks: an *assigned* ticket, and you are its handler."""
    TICKET.check(ticket.id, ticket.state, "handle")
    if ticket.assigned_to != s.user.id:
        raise NotAllowed("ticket.not_your_ticket", id=ticket.id, handler=load_user(s.db, ticket.assigned_to).name)


def check_feedback(s: Session, ticket: Ticket) -> None:
    """`feedback`'s checks before the answer: write scope, a *handled* ticket."""
    if not s.can_write(KIND, ticket.owner_id):
        raise NotAllowed("ticket.not_in_scope", id=ticket.id, customer=ticket.customer_name)
    if ticket.state != "handled":
        raise TransitionNotAllowed("ticket.feedback_needs_handled", id=ticket.id,
                                   state=Term(f"state.ticket.{ticket.state}"))


def create(s: Session, *, customer_id, service_type, subject, request, contact_id=None, call_id=None) -> int:
    """Open a ticket in state *new* (shared by `Service.add` and the call centre); returns its id."""
    customer = fetch_customer(s, customer_id)
    if not s.can_write(KIND, customer.owner_id):
        raise NotAllowed("ticket.cannot_create", customer=customer.name)
    record = {
        "id": s.db.next_id("tickets"), "customer_id": customer.id, "contact_id": None,
        "service_type": require_code(s, "service_type", service_type, "service_type", required=True),
        "subject": validate.text(subject, "subject", max_length=200),
        "request": validate.text(request, "request"),
        "state": "new", "created_on": s.today(), "created_by": s.user.id, "call_id": call_id,
    }
    if contact_id is not None:
        contact_id = validate.record_id(contact_id, "ticket_contact")
        if not s.db.scalar("SELECT count(*) FROM contacts WHERE id = ? AND customer_id = ?", [contact_id, customer.id]):
            raise NotFound("contact.not_found", id=contact_id, customer=customer.name)
        record["contact_id"] = contact_id
    s.db.execute(f"INSERT INTO tickets ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    s.history(KIND, record["id"], "create", None, "new")
    s.audit("create", KIND, record["id"], after=record)
    return record["id"]


def tokens(text: str) -> list[str]:
    """Search tokens: words split on spaces and punctuation; a run of Chinese characters
    longer than two also yields its overlapping pairs (上海打印机 → 上海, 海打, 打印, 印机),
    because Chinese is written without spaces."""
    found = []
    for word in re.findall(r"\w+", text.casefold()):
        found.append(word)
        for run in re.findall(r"[\u3400-\u9fff]{3,}", word):
            found.extend(run[i:i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(found))[:MAX_TOKENS]


class Service(Area):
    """`crm.service`: create, assign, handle and get feedback on service tickets; search the archive."""

    @action
    def add(self, customer_id: int, *, service_type: str, subject: str, request: str,
            contact_id: int | None = None) -> Ticket:
        """Open a service ticket (S1), e.g.
        `crm.service.add(3, service_type="complaint", subject="Late delivery", request="…")`."""
        return fetch(self._s, create(self._s, customer_id=customer_id, service_type=service_type,
                                     subject=subject, request=request, contact_id=contact_id))

    @action
    def assign(self, ticket_id: int, to) -> Ticket:
        """Give a *new* ticket its one handler (S2); supervisors and the director only."""
        s = self._s
        s.require_role(*ASSIGNER_ROLES, action="assign_ticket")
        ticket = fetch(s, ticket_id, write=True)
        check_assign(s, ticket)
        handler = load_user(s.db, to)
        if not handler.active:
            raise InvalidInput("user.inactive", field="handler", user=handler.name)
        if handler.role not in HANDLER_ROLES:
            raise InvalidInput("ticket.handler_role", field="handler", user=handler.name,
                               role=access.role_term(handler.role))
        if not access.allows(s.db, handler, KIND, ticket.owner_id, "read"):
            raise InvalidInput("ticket.handler_cannot_see", field="handler", user=handler.name, id=ticket.id)
        state = TICKET.move(s, ticket.id, ticket.state, "assign", note=handler.username)
        s.db.execute("UPDATE tickets SET state = ?, assigned_to = ?, assigned_by = ?, assigned_on = ? WHERE id = ?",
                     [state, handler.id, s.user.id, s.today(), ticket.id])
        s.audit("assign", KIND, ticket.id, before={"state": ticket.state}, after={"state": state, "assigned_to": handler.id})
        return fetch(s, ticket.id)

    @action
    def handle(self, ticket_id: int, handling: str) -> Ticket:
        """Record how an assigned ticket was handled (S3); only its handler may."""
        s = self._s
        ticket = fetch(s, ticket_id)
        handling = validate.text(handling, "handling")
        check_handle(s, ticket)
        state = TICKET.move(s, ticket.id, ticket.state, "handle")
        attempt = ticket.attempts + 1
        s.db.execute("UPDATE tickets SET state = ?, attempts = ?, handling = ?, handled_on = ? WHERE id = ?",
                     [state, attempt, handling, s.today(), ticket.id])
        self._step(ticket.id, attempt, "handling", handling)
        s.audit("handle", KIND, ticket.id, before={"state": ticket.state}, after={"state": state, "handling": handling})
        return fetch(s, ticket.id)

    @action
    def feedback(self, ticket_id: int, *, satisfaction: int, result: str) -> Ticket:
        """Record the customer's answer on a handled ticket (S4): satisfaction 1–5 and the result.

        3 or more archives the ticket; less sends it back to its handler, feedback kept.
        """
        s = self._s
        ticket = fetch(s, ticket_id, write=True)
        satisfaction = validate.rating(satisfaction, "satisfaction", required=True)
        result = validate.text(result, "feedback_result")
        check_feedback(s, ticket)
        move = "archive" if satisfaction >= SATISFIED else "send_back"
        state = TICKET.move(s, ticket.id, ticket.state, move, note=str(satisfaction))
        today = s.today()
        s.db.execute("UPDATE tickets SET state = ?, result = ?, satisfaction = ?, feedback_on = ?, feedback_by = ?, "
                     "archived_on = ? WHERE id = ?",
                     [state, result, satisfaction, today, s.user.id, today if state == "archived" else None, ticket.id])
        self._step(ticket.id, ticket.attempts, "feedback", result, satisfaction)
        s.audit("feedback", KIND, ticket.id, before={"state": ticket.state},
                after={"state": state, "satisfaction": satisfaction, "result": result})
        return fetch(s, ticket.id)

    def _step(self, ticket_id: int, attempt: int, step: str, text: str, satisfaction: int | None = None) -> None:
        s = self._s
        s.db.execute("INSERT INTO ticket_steps VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [s.db.next_id("ticket_steps"), ticket_id, attempt, step, s.user.id, s.today(), text, satisfaction])

    # -- reading -----------------------------------------------------------------
    @query
    def get(self, ticket_id: int) -> Ticket:
        """One ticket, if you may see it."""
        return fetch(self._s, ticket_id)

    ACTIONS = ("assign", "handle", "feedback")
    ASSIGNER_ROLES, HANDLER_ROLES = ASSIGNER_ROLES, HANDLER_ROLES

    @query
    def actions(self, ticket_id: int) -> dict[str, str | None]:
        """Each step on the ticket (`ACTIONS`) → None if you may take it now, else why not
        (translated) — the verbs' own checks, before they look at the handler or the answer.

        >>> crm.service.actions(4)["handle"]
        'Ticket 4 is assigned to Sun Li: only the handler records the handling.'
        """
        s = self._s
        ticket = fetch(s, ticket_id)
        return reasons(s, {"assign": lambda: check_assign(s, ticket),
                           "handle": lambda: check_handle(s, ticket),
                           "feedback": lambda: check_feedback(s, ticket)})

    @query
    def list(self, *, state: str | None = None, service_type: str | None = None, assigned_to=None,
             customer_id: int | None = None, mine: bool = False, search: str | None = None,
             sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Tickets you may see, newest first (or by `sort`, one of `SORTABLE`), paged (`limit` rows
        from `offset`); `mine=True`: the ones you are to handle; `search`: text in the subject, the
        customer's or the handler's name.

        >>> crm.service.list(state="new", search="printer", sort="customer_name", limit=12)
        """
        where, params = self._filters(state, service_type, assigned_to, customer_id, mine, search)
        order = validate.order(sort, descending, SORTABLE, default="t.created_on DESC, t.id DESC", tie="t.id")
        return self._s.db.df(f"""
            SELECT t.id, t.customer_id, c.name AS customer_name, t.service_type, t.subject, t.state,
                   t.created_on, t.assigned_to, h.name AS handler_name, t.attempts, t.satisfaction,
                   t.archived_on, t.request, t.handling, t.result
            {FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}""", params)

    @query
    def count(self, *, state: str | None = None, service_type: str | None = None, assigned_to=None,
              customer_id: int | None = None, mine: bool = False, search: str | None = None) -> int:
        """How many tickets `list()` with the same filters returns (for paging)."""
        where, params = self._filters(state, service_type, assigned_to, customer_id, mine, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, state, service_type, assigned_to, customer_id, mine, search) -> tuple[str, list]:
        s = self._s
        where, params = [s.scope(KIND, "c.owner_id")], []
        if state is not None:
            where.append("t.state = ?"), params.append(validate.one_of(state, "ticket_state", TICKET.states))
        if service_type is not None:
            where.append("t.service_type = ?"), params.append(
                require_code(s, "service_type", service_type, "service_type", required=True))
        if mine:
            assigned_to = s.user.id
        if assigned_to is not None:
            where.append("t.assigned_to = ?"), params.append(load_user(s.db, assigned_to).id)
        if customer_id is not None:
            where.append("t.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        found, args = validate.matching(search, ("t.subject", "c.name", "h.name"))
        return " AND ".join(where + found), params + args

    @query
    def steps(self, ticket_id: int) -> pd.DataFrame:
        """Every handling and feedback round of a ticket, in order."""
        ticket = fetch(self._s, ticket_id)
        return self._s.db.df(
            "SELECT st.attempt, st.step, st.on_date, u.name AS user_name, st.text, st.satisfaction "
            "FROM ticket_steps st JOIN users u ON u.id = st.user_id WHERE st.ticket_id = ? ORDER BY st.id", [ticket.id])

    @query
    def history(self, ticket_id: int) -> pd.DataFrame:
        """Every state move of a ticket."""
        return TICKET.history(self._s, fetch(self._s, ticket_id).id)

    @query
    def search(self, text: str, *, service_type: str | None = None, limit: int = 20, offset: int = 0) -> pd.DataFrame:
        """Archived tickets similar to `text` (S5), best first, within your scope, paged (`limit`
        rows, 1 to 500, from `offset`).

        DuckDB's full-text extension needs a download, which a classroom machine may not
        have, so the ranking is plain SQL and the same everywhere: the query is split into
        tokens (`tokens()`); a ticket's score adds, for each token, 3 if it is in the
        subject, 2 in the handling, 2 in the result and 1 in the request (case-insensitive
        substring). Tickets matching more distinct tokens come first, then higher scores,
        then the most recently archived.
        """
        s = self._s
        words = tokens(validate.text(text, "search_text", max_length=200))
        if not words:
            raise InvalidInput("ticket.search_empty", field="search_text", value=text)
        page = validate.page(validate.integer(limit, "limit", minimum=1, maximum=500), offset)  # always capped
        where, params = [s.scope(KIND, "c.owner_id"), "t.state = 'archived'"], []
        if service_type is not None:
            where.append("t.service_type = ?"), params.append(
                require_code(s, "service_type", service_type, "service_type", required=True))
        fields = (("t.subject", 3), ("t.handling", 2), ("t.result", 2), ("t.request", 1))
        score, matched, score_params, matched_params = [], [], [], []
        for word in words:
            like = validate.like(word)
            score.append(" + ".join(f"(CASE WHEN coalesce({f}, '') ILIKE ? ESCAPE '\\' THEN {w} ELSE 0 END)"
                                    for f, w in fields))
            score_params += [like] * len(fields)
            matched.append("(CASE WHEN " + " OR ".join(f"coalesce({f}, '') ILIKE ? ESCAPE '\\'" for f, _ in fields)
                           + " THEN 1 ELSE 0 END)")
            matched_params += [like] * len(fields)
        return s.db.df(f"""
            SELECT * FROM (
                SELECT t.id, t.customer_id, c.name AS customer_name, t.service_type, t.subject, t.request,
                       t.handling, t.result, t.satisfaction, t.archived_on,
                       ({' + '.join(matched)}) AS matched, ({' + '.join(score)}) AS score
                FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
                WHERE {' AND '.join(where)})
            WHERE matched > 0
            ORDER BY matched DESC, score DESC, archived_on DESC, id DESC{page}""", [*matched_params, *score_params, *params])

    def label(self, state: str) -> str:
        """A state's name in the session's language."""
        return TICKET.label(state, self._s.language)
