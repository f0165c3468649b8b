"""The customer call centre (S6): log an inbound call, then turn it into a ticket, a lead
or an interaction record.

Matching a caller to a customer (only among the customers the agent may see):

* Phone numbers are compared by their digits, with a leading country code 86 (when
  at least ten digits follow) and then one leading trunk 0 dropped — so
  `021-5555 0100`, `+86 21 5555 0100` and `(021) 55550100` are the same number.
  The call's number is compared with `customers.phone`, `contacts.phone` and
  `contacts.mobile`.
* If the number matches, those customers are the candidates; when there are several,
  the caller's name narrows them if it matches a contact's name or the customer's
  (normalised) name. If the number matches no one, a name match alone is used.
* A call with exactly one candidate is linked to that customer when it is logged.
  A ticket or interaction needs a customer: the one linked, or one you name with
  `customer_id`. A call from an unknown number can always become a lead (public pool
  unless an owner is given).

A call becomes one thing only (ticket, lead or interaction). Calls are scoped (kind
`call`) on the user who took them; service staff see and convert every call.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from ..customers import cards as customers
from .. import validate
from ..customers.cards import fetch as fetch_customer, visible
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..i18n import Term, translate
from ..names import normalise
from ..sales.leads import create as create_lead
from .service import create as create_ticket
from ..session import Area, Session, action, load_user, query

KIND = "call"
OUTCOMES = ("ticket", "lead", "interaction")
# What `list(sort=…)` may sort by (name → SQL), and the tables it reads.
SORTABLE = {"called_at": "k.called_at", "caller": "k.caller"}
FROM_SQL = "FROM calls k LEFT JOIN users u ON u.id = k.taken_by LEFT JOIN customers c ON c.id = k.customer_id"
# One SQL expression for the phone rule (the Python twin is `phone_key`).
PHONE_KEY_SQL = ("regexp_replace(regexp_replace(regexp_replace(coalesce({col}, ''), '[^0-9]', '', 'g'), "
                 "'^86([0-9]{{10,}})$', '\\1'), '^0', '')")


@dataclass(frozen=True)
class Call:
    """An inbound call in the call-centre log."""

    id: int
    called_at: dt.datetime
    on_date: dt.date
    caller: str
    phone: str
    summary: str
    taken_by: int
    customer_id: int | None
    outcome: str | None
    record_id: int | None


CALL_COLUMNS = "id, called_at, on_date, caller, phone, summary, taken_by, customer_id, outcome, record_id"


def phone_key(number: str | None) -> str:
    """Digits of a phone number without country code 86 and trunk 0 (the matching rule)."""
    digits = re.sub(r"[^0-9]", "", number or "")
    digits = re.sub(r"^86([0-9]{10,})$", r"\1", digits)
    return re.sub(r"^0", "", digits)


def candidates(s: Session, phone: str | None, caller: str | None) -> pd.DataFrame:
    """Customers you may see that match a number and/or a name, with how they matched."""
    key = phone_key(phone)
    norm = normalise(caller) if caller else ""
    name = (caller or "").strip().casefold()
    cust_key, contact_key, contact_mobile = (PHONE_KEY_SQL.format(col=c) for c in ("c.phone", "k.phone", "k.mobile"))
    found = s.db.df(f"""
        SELECT c.id, c.name, c.owner_id, u.name AS owner_name,
               (? <> '' AND ({cust_key} = ? OR EXISTS (SELECT 1 FROM contacts k WHERE k.customer_id = c.id
                    AND ({contact_key} = ? OR {contact_mobile} = ?)))) AS by_phone,
               ((? <> '' AND c.name_norm = ?) OR (? <> '' AND EXISTS (SELECT 1 FROM contacts k
                    WHERE k.customer_id = c.id AND lower(trim(k.name)) = ?))) AS by_name
        FROM customers c LEFT JOIN users u ON u.id = c.owner_id
        WHERE {visible(s)}
        ORDER BY c.id""", [key, key, key, key, norm, norm, name, name])
    found = found[found["by_phone"] | found["by_name"]]
    if found["by_phone"].any():
        found = found[found["by_phone"]]
        if found["by_name"].any():
            found = found[found["by_name"]]
    found = found.assign(matched_by=[("phone+name" if p and n else "phone" if p else "name")
                                     for p, n in zip(found["by_phone"], found["by_name"])])
    return found.drop(columns=["by_phone", "by_name"]).reset_index(drop=True)


def _moment(s: Session, at) -> dt.datetime:
    """The call's time: a datetime, 'YYYY-MM-DD HH:MM[:SS]', 'HH:MM' on today's scenario date,
    or (None) now's time of day on the scenario date."""
    today = s.today()
    if at is None:
        now = dt.datetime.now().time().replace(microsecond=0)
        return dt.datetime.combine(today, now)
    if isinstance(at, dt.datetime):
        moment = at.replace(tzinfo=None, microsecond=0)
    elif isinstance(at, dt.time):
        moment = dt.datetime.combine(today, at.replace(tzinfo=None, microsecond=0))
    elif isinstance(at, str) and re.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?", at.strip()):
        try:
            moment = dt.datetime.combine(today, dt.time.fromisoformat(at.strip().zfill(5)))
        except ValueError:
            raise InvalidInput("call.bad_time", field="called_at", value=at) from None
    elif isinstance(at, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", at.strip()):
        try:
            moment = dt.datetime.fromisoformat(at.strip())
        except ValueError:
            raise InvalidInput("call.bad_time", field="called_at", value=at) from None
    else:
        raise InvalidInput("call.bad_time", field="called_at", value=at)
    if moment.date() > today:
        raise InvalidInput("error.future_date", field="called_at", today=today.isoformat())
    return moment


def fetch(s: Session, call_id, *, write: bool = False) -> Call:
    call = Call(*s.readable_row(KIND, f"SELECT {CALL_COLUMNS} FROM calls WHERE id = ?", call_id, field="call",
                                owner=6, missing="call.not_found"))
    if write and not s.can_write(KIND, call.taken_by):
        raise NotAllowed("call.not_yours", id=call.id, user=load_user(s.db, call.taken_by).name)
    return call


class CallCenter(Area):
    """`crm.call_center`: the inbound-call log and what each call becomes."""

    @action
    def log(self, caller: str, phone: str, summary: str, *, at=None) -> Call:
        """Log an inbound call; it is linked to a customer when exactly one matches.

            call = crm.call_center.log("Mr Qian", "021-5555 0100", "Printer jams", at="09:42")
        """
        s = self._s
        caller = validate.text(caller, "caller", max_length=100)
        phone = validate.phone(phone)
        if phone is None:
            raise InvalidInput("error.required", field="phone")
        summary = validate.text(summary, "call_summary")
        moment = _moment(s, at)
        found = candidates(s, phone, caller)
        customer_id = int(found["id"].iloc[0]) if len(found) == 1 else None
        call_id = s.db.next_id("calls")
        s.db.execute("INSERT INTO calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                     [call_id, moment, moment.date(), caller, phone, summary, s.user.id, customer_id])
        s.audit("create", KIND, call_id, after={"caller": caller, "phone": phone, "called_at": moment,
                                                "customer_id": customer_id})
        return fetch(s, call_id)

    @action
    def to_ticket(self, call_id: int, *, service_type: str, subject: str | None = None,
                  customer_id: int | None = None) -> int:
        """Open a service ticket from a call (the call's summary is the request); returns the ticket id."""
        s = self._s
        call = self._open(call_id)
        customer = self._customer(call, customer_id)
        subject = subject if subject is not None else _subject(call.summary)
        ticket_id = create_ticket(s, customer_id=customer, service_type=service_type, subject=subject,
                                  request=call.summary, call_id=call.id)
        self._close(call, "ticket", ticket_id, customer)
        return ticket_id

    @action
    def to_interaction(self, call_id: int, *, customer_id: int | None = None, subject: str | None = None) -> int:
        """Record the call as an interaction (channel: phone) on the caller's customer; returns its id."""
        s = self._s
        call = self._open(call_id)
        customer = self._customer(call, customer_id)
        subject = subject if subject is not None else translate("call.interaction_subject", s.language,
                                                                caller=call.caller)
        # A nested action joins this one's transaction (db.transaction nests).
        interaction_id = customers.log_interaction(s, customer, subject, channel="phone", on_date=call.on_date,
                                                      detail=call.summary)
        self._close(call, "interaction", interaction_id, customer)
        return interaction_id

    @action
    def to_lead(self, call_id: int, *, company: str | None = None, email: str | None = None,
                owner=None, note: str | None = None) -> int:
        """Turn a call into a lead (source: call centre); no owner puts it in the public pool."""
        s = self._s
        call = self._open(call_id)
        lead_id = create_lead(s, name=call.caller, company=company, phone=call.phone, email=email,
                              source="call_center", campaign_id=None, owner=owner,
                              note=note if note is not None else call.summary)
        self._close(call, "lead", lead_id, call.customer_id)
        return lead_id

    def _open(self, call_id) -> Call:
        call = fetch(self._s, call_id, write=True)
        if call.outcome is not None:
            raise Conflict("call.already_converted", id=call.id, outcome=_outcome_term(call.outcome),
                           record=call.record_id)
        return call

    def _customer(self, call: Call, customer_id) -> int:
        s = self._s
        if customer_id is not None:
            return fetch_customer(s, customer_id).id
        if call.customer_id is not None:
            return fetch_customer(s, call.customer_id).id
        found = candidates(s, call.phone, call.caller)
        if len(found) == 1:
            return int(found["id"].iloc[0])
        if found.empty:
            raise NotFound("call.no_customer", id=call.id, phone=call.phone, caller=call.caller)
        raise Conflict("call.ambiguous", id=call.id, count=len(found), names=", ".join(found["name"].head(5)))

    def _close(self, call: Call, outcome: str, record_id: int, customer_id: int | None) -> None:
        s = self._s
        s.db.execute("UPDATE calls SET outcome = ?, record_id = ?, customer_id = ? WHERE id = ?",
                     [outcome, record_id, customer_id, call.id])
        s.audit("convert", KIND, call.id, before={"outcome": None},
                after={"outcome": outcome, "record_id": record_id, "customer_id": customer_id})

    # -- reading -----------------------------------------------------------------
    @query
    def get(self, call_id: int) -> Call:
        """One logged call, if you may see it."""
        return fetch(self._s, call_id)

    @query
    def matches(self, call_id: int) -> pd.DataFrame:
        """The customers (you may see) that the call's number or caller name matches."""
        call = fetch(self._s, call_id)
        return candidates(self._s, call.phone, call.caller)

    @query
    def list(self, *, on_date=None, outcome: str | None = None, open_only: bool = False,
             search: str | None = None, sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Calls you may see, newest first (or by `sort`, one of `SORTABLE`), paged (`limit` rows
        from `offset`); `open_only`: not yet turned into anything; `search`: text in the caller,
        the phone number, the summary or the name of a customer you may see.

        >>> crm.call_center.list(open_only=True, search="010", sort="caller", limit=12)
        """
        s = self._s
        where, params = self._filters(on_date, outcome, open_only, search)
        order = validate.order(sort, descending, SORTABLE, default="k.called_at DESC, k.id DESC", tie="k.id")
        return s.db.df(f"""
            SELECT k.id, k.called_at, k.caller, k.phone, k.summary, k.taken_by, u.name AS taken_by_name,
                   k.customer_id, {_customer_name(s)} AS customer_name, k.outcome, k.record_id
            {FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}""", params)

    @query
    def count(self, *, on_date=None, outcome: str | None = None, open_only: bool = False,
              search: str | None = None) -> int:
        """How many calls `list()` with the same filters returns (for paging)."""
        where, params = self._filters(on_date, outcome, open_only, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, on_date, outcome, open_only, search) -> tuple[str, list]:
        s = self._s
        where, params = [s.scope(KIND, "k.taken_by")], []
        if on_date is not None:
            where.append("k.on_date = ?"), params.append(validate.date(on_date, "on_date"))
        if outcome is not None:
            where.append("k.outcome = ?"), params.append(validate.one_of(outcome, "call_outcome", OUTCOMES))
        if open_only:
            where.append("k.outcome IS NULL")
        # The customer's name only where it is shown: a call may name a customer you may not see.
        found, args = validate.matching(search, ("k.caller", "k.phone", "k.summary", _customer_name(s)))
        return " AND ".join(where + found), params + args


def _customer_name(s: Session) -> str:
    return f"CASE WHEN {visible(s)} THEN c.name END"


def _subject(summary: str) -> str:
    first = summary.strip().splitlines()[0]
    return first if len(first) <= 80 else first[:79] + "…"


def _outcome_term(outcome: str) -> Term:
    return Term(f"call.outcome.{outcome}")
