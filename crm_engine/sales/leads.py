"""Leads and the public pool (O6): raw potential customers from campaigns, imports
and the call centre, and their lifecycle.

    unassigned (公海, the public pool) ──claim / assign──▶ pending (has an owner)
    pending ──follow_up──▶ following ──convert──▶ converted (customer, contact, opportunity)
    pending | following ──mark_invalid──▶ invalid ──revive──▶ pending
    pending | following ──release / recycle──▶ unassigned
    anything still open ──void──▶ voided (junk)

Rules, decided here and documented in docs/sales.md:
- A lead nobody owns is in the public pool (or was voided from it). Every role that may
  read leads at all (sharing policy read scope other than `none`) sees ownerless leads;
  owned leads follow the policy for kind `lead` like any record.
- Reps (account managers, supervisors) claim from the pool up to `lead_claim_cap` open
  leads (pending + following). A supervisor or director may assign any lead they may
  write, to a manager inside their scope; the cap applies to claims only.
- Only the owner logs follow-ups. Releasing, marking invalid, reviving, converting
  and voiding are for the owner or a superior whose write scope covers the owner.
  Pool leads are kept (voided, edited) by supervisors, directors and marketing.
- A lead whose owner made no progress (claim, assignment, follow-up, revival) for
  `lead_pool_days` days on the scenario clock goes back to the pool: `recycle()`, one
  set-based sweep over what the caller may write.
- Converting needs a logged follow-up (state `following`). It links the customer whose
  normalised name matches the lead's company, never creating a duplicate (or refuses,
  if the setting `lead_duplicates` is `refuse`); otherwise it creates the customer,
  owned by the lead's owner.
- Every successful verb writes exactly one audit row of kind `lead` for the lead it
  acted on (the sweep: one row listing the leads it returned). Records a verb creates
  in other areas (a customer, a contact, an opportunity) carry their own `create` rows.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import access, validate
from .campaigns import campaign_for
from ..dictionary import require_code
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from .holders import hand_to, user_name
from ..i18n import Term
from ..names import normalise
from ..session import Area, Session, User, action, load_user, query
from ..clock import every_move
from ..statemachine import StateMachine, reasons

KIND = "lead"
OPEN_STATES = ("pending", "following")
# Who may hold leads and customers; who may claim from the pool; who keeps the pool.
OWNER_ROLES = ("account_manager", "supervisor", "director")
CLAIMERS = ("account_manager", "supervisor")
SUPERIORS = ("supervisor", "director")
POOL_KEEPERS = ("supervisor", "director", "marketing")
CREATORS = ("director", "supervisor", "account_manager", "marketing", "service_staff")

LEAD = StateMachine(KIND, {
    ("unassigned", "claim"): "pending",
    ("unassigned", "assign"): "pending",
    ("pending", "assign"): "pending",
    ("following", "assign"): "following",
    ("pending", "follow_up"): "following",
    ("following", "follow_up"): "following",
    ("pending", "release"): "unassigned",
    ("following", "release"): "unassigned",
    ("pending", "recycle"): "unassigned",
    ("following", "recycle"): "unassigned",
    ("pending", "mark_invalid"): "invalid",
    ("following", "mark_invalid"): "invalid",
    ("invalid", "revive"): "pending",
    ("following", "convert"): "converted",
    ("unassigned", "void"): "voided",
    ("pending", "void"): "voided",
    ("following", "void"): "voided",
    ("invalid", "void"): "voided",
    ("unassigned", "update"): "unassigned",
    ("pending", "update"): "pending",
    ("following", "update"): "following",
    ("invalid", "update"): "invalid",
})


@dataclass(frozen=True)
class Lead:
    """One lead (线索)."""

    id: int
    name: str
    company: str | None
    phone: str | None
    email: str | None
    source: str
    campaign_id: int | None
    state: str
    owner_id: int | None
    assigned_on: dt.date | None
    last_activity_on: dt.date
    note: str | None
    close_reason: str | None
    customer_id: int | None
    contact_id: int | None
    opportunity_id: int | None
    converted_on: dt.date | None
    created_on: dt.date
    created_by: int

    @property
    def in_pool(self) -> bool:
        return self.owner_id is None and self.state == "unassigned"


@dataclass(frozen=True)
class Conversion:
    """What converting a lead produced: the customer (created or linked), maybe a contact and an opportunity."""

    lead_id: int
    customer_id: int
    linked_existing: bool
    contact_id: int | None
    opportunity_id: int | None


COLUMNS = [f.name for f in dataclasses.fields(Lead)]
SELECT = ", ".join(f"l.{c}" for c in COLUMNS)
# What `list(sort=…)` and `pool(sort=…)` may sort by (name → SQL).
SORTABLE = {"created_on": "l.created_on", "last_activity_on": "l.last_activity_on", "name": "l.name",
            "company": "l.company", "state": "l.state", "source": "l.source", "id": "l.id"}


# -- reading ----------------------------------------------------------------------------
def pool_readable(s: Session) -> bool:
    """Whether this user sees the public pool: anyone whose policy lets them read leads at all."""
    return access.policy(s.db, KIND, s.user.role, "read") != "none"


def visible(s: Session, alias: str = "l") -> str:
    """SQL condition: leads (alias `alias`) this session may read — its scope, plus the pool."""
    own = s.scope(KIND, f"{alias}.owner_id")
    if not pool_readable(s):
        return own
    return f"({own} OR {alias}.owner_id IS NULL)"


def fetch(s: Session, lead_id) -> Lead:
    """The lead if this session may read it, else NotFound."""
    lead_id = validate.record_id(lead_id, "lead")
    row = s.db.one(f"SELECT {SELECT} FROM leads l WHERE l.id = ?", [lead_id])
    if row is None:
        raise NotFound("lead.not_found", id=lead_id)
    lead = Lead(*row)
    readable = s.can_read(KIND, lead.owner_id) if lead.owner_id is not None else pool_readable(s)
    if not readable:
        raise NotFound("lead.not_found", id=lead_id)
    return lead


def load(s: Session, record_id: int) -> Lead:
    """Read back a record a verb has just written (its access was checked before the write)."""
    return Lead(*s.db.one(f"SELECT {SELECT} FROM leads l WHERE l.id = ?", [record_id]))


# -- checks -----------------------------------------------------------------------------
def owner_for(s: Session, who) -> User:
    """A user who may hold leads, inside the acting user's write scope (or the acting user)."""
    user = load_user(s.db, who)
    if not user.active:
        raise InvalidInput("user.inactive", field="assignee", user=user.name)
    if user.role not in OWNER_ROLES:
        raise InvalidInput("lead.owner_role", field="assignee", user=user.name, role=access.role_term(user.role))
    if user.id != s.user.id and not s.can_write(KIND, user.id):
        raise NotAllowed("customer.owner_scope", user=user.name)
    return user


def authorise(s: Session, lead: Lead, verb: str) -> None:
    """Refuse unless this user may do `verb` to `lead` (the state was checked before)."""
    if verb == "claim":
        # Claiming makes you the owner, so only those who hold leads (not the admin) claim.
        if s.user.role not in CLAIMERS:
            raise NotAllowed("error.role", user=s.user.name, role=access.role_term(s.user.role),
                             action=Term("action.claim_leads"))
        return
    if verb == "assign":
        s.require_role(*SUPERIORS, action="assign_leads")
        if lead.owner_id is not None and not s.can_write(KIND, lead.owner_id):
            raise NotAllowed("lead.not_yours", id=lead.id, name=lead.name, owner=user_name(s, lead.owner_id),
                             action=Term(f"action.lead.{verb}"))
        return
    if lead.owner_id is None:
        s.require_role(*POOL_KEEPERS, action="keep_pool")
        return
    if s.user.id == lead.owner_id:
        return
    if verb == "follow_up":
        raise NotAllowed("lead.only_owner", id=lead.id, name=lead.name, owner=user_name(s, lead.owner_id))
    if (s.user.role in SUPERIORS or s.user.role == "admin") and s.can_write(KIND, lead.owner_id):
        return
    raise NotAllowed("lead.not_yours", id=lead.id, name=lead.name, owner=user_name(s, lead.owner_id),
                     action=Term(f"action.lead.{verb}"))


# What a lead's record page offers (`Leads.actions`), in the order its buttons show.
ACTIONS = ("claim", "assign", "follow_up", "convert", "mark_invalid", "revive", "release", "void", "update")


def check(s: Session, lead: Lead, verb: str) -> None:
    """The checks a verb on one lead runs before it looks at its input: the state table, who may,
    and the preconditions (a claim's cap; converting needs a logged follow-up). Refuses with the
    verb's own error, so a screen's disabled button and the verb always agree."""
    if verb == "convert" and lead.state == "pending":
        # The table's refusal would only say "it is pending"; say what to do first.
        raise TransitionNotAllowed("lead.convert_needs_follow_up", id=lead.id, name=lead.name,
                                   state=Term("state.lead.pending"))
    LEAD.check(lead.id, lead.state, verb)
    authorise(s, lead, verb)
    if verb == "claim":
        cap, held = s.setting("lead_claim_cap", 20), _open_count(s, s.user.id)
        if held >= cap:
            raise NotAllowed("lead.claim_cap", user=s.user.name, count=held, cap=cap)


def _open_count(s: Session, user_id: int) -> int:
    return s.db.scalar("SELECT count(*) FROM leads WHERE owner_id = ? AND state IN ('pending', 'following')",
                       [user_id])


def _set(s: Session, lead: Lead, **changes) -> None:
    sets = ", ".join(f"{column} = ?" for column in changes)
    s.db.execute(f"UPDATE leads SET {sets} WHERE id = ?", [*changes.values(), lead.id])


# -- the contract other areas call (the call centre) -----------------------------------
def create(s: Session, *, name: str, company: str | None = None, phone: str | None = None,
           email: str | None = None, source: str = "call_center", campaign_id: int | None = None,
           owner=None, note: str | None = None) -> int:
    """Insert a lead inside the caller's action and return its id.

    A lead with no `owner` goes to the public pool (state `unassigned`); with an
    owner it is `pending`. `source` is a code of dictionary kind `lead_source`.
    The call centre creates its leads through this function.
    """
    if s.user.role not in CREATORS and s.user.role != "admin":
        raise NotAllowed("error.role", user=s.user.name, role=access.role_term(s.user.role),
                         action=Term("action.create_leads"))
    record = {
        "name": validate.text(name, "name", max_length=100),
        "company": validate.text(company, "company", required=False, max_length=200),
        "phone": validate.phone(phone), "email": validate.email(email),
        "source": require_code(s, "lead_source", source, "lead_source", required=True),
        "campaign_id": campaign_for(s, campaign_id),
        "note": validate.text(note, "notes", required=False),
    }
    record["company_norm"] = normalise(record["company"]) if record["company"] else None
    owner_id = None
    if owner is not None:
        if load_user(s.db, owner).id != s.user.id:
            # Giving a new lead to someone else is assigning it, a supervisor's act.
            s.require_role(*SUPERIORS, action="assign_leads")
        owner_id = owner_for(s, owner).id
    today = s.today()
    lead_id = s.db.next_id("leads")
    record.update(id=lead_id, state="pending" if owner_id else "unassigned", owner_id=owner_id,
                  assigned_on=today if owner_id else None, last_activity_on=today,
                  created_on=today, created_by=s.user.id)
    s.db.execute(f"INSERT INTO leads ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    s.history(KIND, lead_id, "create", None, record["state"])
    if owner_id:
        hand_to(s, KIND, lead_id, owner_id, "create")
    s.audit("create", KIND, lead_id, after={k: v for k, v in record.items() if k != "company_norm"})
    return lead_id


@every_move("lead_pool")
def sweep(s: Session) -> int:
    """Return to the pool every lead the session may write whose owner made no progress for
    `lead_pool_days` days: `recycle`'s rule, and the clock's after every move (as whoever
    moves it: the administrator or a director, so the whole company).

    Each lead goes back on the day it crossed the line (its last progress + days + 1), as a
    sweep on every day would have done: so advancing the clock 14 days at once or a day at a
    time leaves the same world (nobody else acts while the clock moves)."""
    days = s.setting("lead_pool_days", 30)
    today = s.today()
    states = ", ".join(f"'{state}'" for state in LEAD.states if (state, "recycle") in LEAD.transitions)
    stale = (f"l.state IN ({states}) AND l.owner_id IS NOT NULL AND l.last_activity_on < ?::DATE - ?::INTEGER "
             f"AND {s.scope(KIND, 'l.owner_id', 'write')}")
    crossed = "l.last_activity_on + ?::INTEGER + 1"
    ids = [r[0] for r in s.db.rows(f"SELECT l.id FROM leads l WHERE {stale} ORDER BY l.id", [today, days])]
    if not ids:
        return 0
    s.db.execute(
        f"INSERT INTO state_history SELECT 'lead', l.id, 'recycle', l.state, 'unassigned', ?, {crossed}, "
        "(SELECT name FROM users WHERE id = l.owner_id) || ' → —' "
        f"FROM leads l WHERE {stale} ORDER BY l.id", [s.user.id, days, today, days])
    s.db.execute(
        f"UPDATE assignments SET ended_on = {crossed} FROM leads l WHERE assignments.kind = 'lead' "
        f"AND assignments.ended_on IS NULL AND assignments.record_id = l.id AND {stale}", [days, today, days])
    s.db.execute(f"UPDATE leads l SET state = 'unassigned', owner_id = NULL, assigned_on = NULL, "
                 f"last_activity_on = {crossed} WHERE {stale}", [days, today, days])
    s.audit("recycle", KIND, None, after={"leads": ids, "days": days})
    return len(ids)

class Leads(Area):
    """`crm.leads`: the public pool, your leads, follow-ups and conversion (O6)."""

    ACTIONS = ACTIONS

    # -- records ------------------------------------------------------------------------
    @action
    def add(self, name: str, *, company: str | None = None, phone: str | None = None, email: str | None = None,
            source: str = "other", campaign_id: int | None = None, owner=None, to_pool: bool = False,
            note: str | None = None) -> Lead:
        """Record a lead. A lead a rep creates is theirs (pending); `to_pool=True`, or a
        creator who cannot hold leads (marketing, service staff), puts it in the public pool.

            lead = crm.leads.add("Zhou Min", company="Lakeside Hotel", phone="0571-8888 1234",
                                 source="trade_show")
        """
        s = self._s
        if owner is None and not to_pool and s.user.role in OWNER_ROLES:
            owner = s.user.id
        if to_pool and owner is not None:
            raise InvalidInput("lead.pool_and_owner", field="assignee")
        lead_id = create(s, name=name, company=company, phone=phone, email=email, source=source,
                         campaign_id=campaign_id, owner=owner, note=note)
        # Read back without the scope check: the creator typed all of it (service staff
        # put leads in the pool and may not read leads afterwards).
        return load(s, lead_id)

    @query
    def get(self, lead_id: int) -> Lead:
        """One lead, if you may see it (your own, your scope's, or one in the pool)."""
        return fetch(self._s, lead_id)

    @action
    def update(self, lead_id: int, **fields) -> Lead:
        """Correct a lead's name, company, phone, email, source, campaign_id or note (open leads only)."""
        s = self._s
        lead = fetch(s, lead_id)
        LEAD.check(lead.id, lead.state, "update")
        authorise(s, lead, "update")
        checks = {
            "name": lambda v: validate.text(v, "name", max_length=100),
            "company": lambda v: validate.text(v, "company", required=False, max_length=200),
            "phone": validate.phone, "email": validate.email,
            "source": lambda v: require_code(s, "lead_source", v, "lead_source", required=True),
            "campaign_id": lambda v: campaign_for(s, v),
            "note": lambda v: validate.text(v, "notes", required=False),
        }
        clean = {}
        for field, value in fields.items():
            if field not in checks:
                raise InvalidInput("error.unknown_field", field=field)
            clean[field] = checks[field](value)
        changes = {k: v for k, v in clean.items() if getattr(lead, k) != v}
        if changes:
            if "company" in changes:
                changes["company_norm"] = normalise(changes["company"]) if changes["company"] else None
            _set(s, lead, **changes)
            changes.pop("company_norm", None)
            s.audit("update", KIND, lead.id, before={k: getattr(lead, k) for k in changes}, after=changes)
        return load(s, lead.id)

    @query
    def list(self, *, state: str | None = None, owner=None, source: str | None = None,
             campaign_id: int | None = None, search: str | None = None, sort: str | None = None,
             descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The leads you may see (the pool included), newest first (or by `sort`, one of `SORTABLE`),
        paged (`limit` rows from `offset`), with the owner's name."""
        where, params = self._filters(state, owner, source, campaign_id, search)
        order = validate.order(sort, descending, SORTABLE, default="l.created_on DESC, l.id DESC", tie="l.id")
        return self._s.db.df(
            f"SELECT {SELECT}, u.name AS owner_name FROM leads l LEFT JOIN users u ON u.id = l.owner_id "
            f"WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, state: str | None = None, owner=None, source: str | None = None,
              campaign_id: int | None = None, search: str | None = None) -> int:
        """How many leads `list()` with the same filters returns (for paging)."""
        where, params = self._filters(state, owner, source, campaign_id, search)
        return self._s.db.scalar(f"SELECT count(*) FROM leads l WHERE {where}", params)

    def _filters(self, state, owner, source, campaign_id, search) -> tuple[str, list]:
        where, params = [visible(self._s)], []
        if state is not None:
            where.append("l.state = ?"), params.append(validate.one_of(state, "status", LEAD.states))
        if owner is not None:
            where.append("l.owner_id = ?"), params.append(load_user(self._s.db, owner).id)
        if source is not None:
            where.append("l.source = ?"), params.append(source)
        if campaign_id is not None:
            where.append("l.campaign_id = ?"), params.append(validate.record_id(campaign_id, "campaign"))
        found, args = validate.matching(search, ("l.name", "l.company", "l.phone"))
        where += found
        params += args
        return " AND ".join(where), params

    @query
    def pool(self, *, sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The public pool (公海): leads nobody owns, oldest first (or by `sort`, one of `SORTABLE`),
        paged (`limit` rows from `offset`) — what reps may claim."""
        order = validate.order(sort, descending, SORTABLE, default="l.last_activity_on, l.id", tie="l.id")
        return self._s.db.df(
            f"SELECT {SELECT} FROM leads l WHERE {self._pool()} ORDER BY {order}{validate.page(limit, offset)}")

    @query
    def pool_count(self) -> int:
        """How many leads are in the public pool you may see (for paging `pool()`)."""
        return self._s.db.scalar(f"SELECT count(*) FROM leads l WHERE {self._pool()}")

    def _pool(self) -> str:
        readable = "TRUE" if pool_readable(self._s) else "FALSE"
        return f"l.owner_id IS NULL AND l.state = 'unassigned' AND {readable}"

    @query
    def history(self, lead_id: int) -> pd.DataFrame:
        """The lead's state moves, oldest first, with who made them."""
        lead = fetch(self._s, lead_id)
        return self._s.db.df(
            "SELECT h.on_date, h.action, h.from_state, h.to_state, u.name AS user_name, h.note "
            "FROM state_history h JOIN users u ON u.id = h.user_id WHERE h.kind = ? AND h.record_id = ? "
            "ORDER BY h.rowid", [KIND, lead.id])

    @query
    def actions(self, lead_id: int) -> dict[str, str | None]:
        """Each action on the lead (`ACTIONS`) → None if you may do it now, else why not
        (translated): the verbs' own checks (`check`), before they look at their input.

        >>> crm.leads.actions(12)["convert"]
        'Cannot convert lead 12: it is pending; log a follow-up on Zhou Min first.'
        """
        s = self._s
        lead = fetch(s, lead_id)
        return reasons(s, {verb: (lambda verb=verb: check(s, lead, verb)) for verb in ACTIONS})

    # -- the pool ------------------------------------------------------------------------
    @action
    def claim(self, lead_id: int) -> Lead:
        """Take a lead from the public pool; it becomes yours (pending).

        Refused when you already hold `lead_claim_cap` open leads (a setting).
        """
        s = self._s
        lead = fetch(s, lead_id)
        check(s, lead, "claim")
        return self._give(lead, s.user.id, "claim")

    @action
    def assign(self, lead_id: int, to) -> Lead:
        """Give a lead (from the pool, or from one rep to another) to a manager in your scope."""
        s = self._s
        lead = fetch(s, lead_id)
        LEAD.check(lead.id, lead.state, "assign")
        authorise(s, lead, "assign")
        holder = owner_for(s, to)
        if holder.id == lead.owner_id:
            raise InvalidInput("lead.same_owner", field="assignee", id=lead.id, owner=holder.name)
        return self._give(lead, holder.id, "assign")

    def _give(self, lead: Lead, user_id: int, verb: str) -> Lead:
        s = self._s
        state = LEAD.move(s, lead.id, lead.state, verb, note=f"{user_name(s, lead.owner_id)} → {user_name(s, user_id)}")
        _set(s, lead, state=state, owner_id=user_id, assigned_on=s.today(), last_activity_on=s.today())
        hand_to(s, KIND, lead.id, user_id, verb)
        s.audit(verb, KIND, lead.id, before={"owner_id": lead.owner_id, "state": lead.state},
                after={"owner_id": user_id, "state": state})
        return load(s, lead.id)

    @action
    def release(self, lead_id: int, reason: str | None = None) -> Lead:
        """Give a lead back to the public pool (the owner, or a superior)."""
        s = self._s
        reason = validate.text(reason, "close_reason", required=False, max_length=500)
        lead = fetch(s, lead_id)
        self._back_to_pool(lead, "release", reason)
        return load(s, lead.id)

    def _back_to_pool(self, lead: Lead, verb: str, reason: str | None) -> None:
        s = self._s
        LEAD.check(lead.id, lead.state, verb)
        authorise(s, lead, verb)
        state = LEAD.move(s, lead.id, lead.state, verb, note=reason)
        _set(s, lead, state=state, owner_id=None, assigned_on=None, last_activity_on=s.today())
        hand_to(s, KIND, lead.id, None, verb)
        s.audit(verb, KIND, lead.id, before={"owner_id": lead.owner_id, "state": lead.state},
                after={"owner_id": None, "state": state}, note=reason)

    @action
    def recycle(self) -> int:
        """Return to the pool every lead you may write whose owner made no progress for
        `lead_pool_days` days (scenario clock). One set-based sweep; returns how many moved.

        A supervisor's sweep covers their team; a director's or the administrator's, everyone.
        """
        s = self._s
        s.require_role(*SUPERIORS, action="sweep_pool")
        return sweep(s)

    # -- working a lead -----------------------------------------------------------------------
    @action
    def follow_up(self, lead_id: int, detail: str, *, channel: str = "phone", on_date=None,
                  next_date=None) -> int:
        """Log a follow-up (a call, a visit …) on your lead; a pending lead becomes `following`.
        Returns the follow-up's id."""
        s = self._s
        lead = fetch(s, lead_id)
        detail = validate.text(detail, "detail")
        channel = require_code(s, "interaction_channel", channel, "channel", required=True)
        on_date = validate.date(on_date, "on_date", required=False) or s.today()
        next_date = validate.date(next_date, "next_follow_up", required=False)
        LEAD.check(lead.id, lead.state, "follow_up")
        authorise(s, lead, "follow_up")
        if on_date > s.today():
            raise InvalidInput("error.future_date", field="on_date", today=s.today().isoformat())
        if on_date < lead.created_on:
            raise InvalidInput("lead.followup_before", field="on_date", id=lead.id, date=on_date.isoformat(),
                               created=lead.created_on.isoformat())
        if next_date is not None and next_date < on_date:
            raise InvalidInput("lead.next_before", field="next_follow_up", date=next_date.isoformat())
        if lead.state != "following":
            LEAD.move(s, lead.id, lead.state, "follow_up")
        followup_id = s.db.next_id("lead_followups")
        s.db.execute("INSERT INTO lead_followups VALUES (?, ?, ?, ?, ?, ?, ?)",
                     [followup_id, lead.id, s.user.id, on_date, channel, detail, next_date])
        _set(s, lead, state="following", last_activity_on=max(on_date, lead.last_activity_on))
        s.audit("follow_up", KIND, lead.id, after={"followup_id": followup_id, "on_date": on_date,
                                                    "channel": channel, "detail": detail})
        return followup_id

    @query
    def followups(self, lead_id: int) -> pd.DataFrame:
        """The follow-ups logged on a lead, newest first."""
        lead = fetch(self._s, lead_id)
        return self._s.db.df(
            "SELECT f.id, f.on_date, f.channel, f.detail, f.next_date, u.name AS user_name FROM lead_followups f "
            "JOIN users u ON u.id = f.user_id WHERE f.lead_id = ? ORDER BY f.on_date DESC, f.id DESC", [lead.id])

    @action
    def mark_invalid(self, lead_id: int, reason: str) -> Lead:
        """The lead cannot be reached or qualified; it keeps its owner and may be revived."""
        return self._close(lead_id, "mark_invalid", reason)

    @action
    def void(self, lead_id: int, reason: str) -> Lead:
        """Junk (a wrong number, a test entry, a competitor): voided for good."""
        return self._close(lead_id, "void", reason)

    def _close(self, lead_id, verb: str, reason) -> Lead:
        s = self._s
        lead = fetch(s, lead_id)
        reason = validate.text(reason, "close_reason", max_length=500)
        LEAD.check(lead.id, lead.state, verb)
        authorise(s, lead, verb)
        state = LEAD.move(s, lead.id, lead.state, verb, note=reason)
        _set(s, lead, state=state, close_reason=reason)
        if verb == "void":  # an invalid lead stays in its owner's hands (it may be revived); a voided one does not
            hand_to(s, KIND, lead.id, None, verb)
        s.audit(verb, KIND, lead.id, before={"state": lead.state}, after={"state": state, "close_reason": reason})
        return load(s, lead.id)

    @action
    def revive(self, lead_id: int) -> Lead:
        """Bring an invalid lead back to work (pending, same owner)."""
        s = self._s
        lead = fetch(s, lead_id)
        LEAD.check(lead.id, lead.state, "revive")
        authorise(s, lead, "revive")
        state = LEAD.move(s, lead.id, lead.state, "revive")
        _set(s, lead, state=state, close_reason=None, last_activity_on=s.today())
        s.audit("revive", KIND, lead.id, before={"state": lead.state}, after={"state": state})
        return load(s, lead.id)

    # -- conversion ----------------------------------------------------------------------------
    @action
    def convert(self, lead_id: int, *, customer_id: int | None = None, contact: bool = True,
                opportunity: dict | bool | None = None, on_duplicate: str | None = None) -> Conversion:
        """Turn a followed-up lead into a customer, in one transaction.

        - The customer: `customer_id` if given (one you may see); else the customer whose
          normalised name matches the lead's company (or, without a company, the person's
          name) is linked — never duplicated — unless `on_duplicate` (default: the setting
          `lead_duplicates`) is `"refuse"`; else a new customer owned by the lead's owner.
        - The contact: the lead's person, unless `contact=False`, the lead has no company
          (the person *is* the customer), the customer already has a contact of that name,
          or it is an existing customer you may not change.
        - The opportunity: `opportunity=True` or a dict (`summary`, `expected_amount`,
          `probability`, `source`) creates an unassigned opportunity for the supervisor to assign.
        """
        from ..customers import cards as customer_area
        from . import opportunities

        s = self._s
        lead = fetch(s, lead_id)
        check(s, lead, "convert")
        policy = validate.one_of(on_duplicate or s.setting("lead_duplicates", "link"), "on_duplicate",
                                 ("link", "refuse"))
        if opportunity is not None and not isinstance(opportunity, (bool, dict)):
            raise InvalidInput("lead.bad_opportunity", field="opportunity")
        name = lead.company or lead.name
        linked = True
        if customer_id is not None:
            customer = customer_area.fetch(s, customer_id)
        else:
            duplicate = customer_area.find_duplicate(s, normalise(name))
            if duplicate and policy == "refuse":
                raise Conflict("lead.duplicate_customer", id=lead.id, company=name, customer_id=duplicate[0],
                               existing=duplicate[1], owner=duplicate[2] or "—")
            if duplicate:
                customer = customer_area.Customer(*s.db.one(
                    f"SELECT {customer_area.SELECT} FROM customers c WHERE c.id = ?", [duplicate[0]]))
            else:
                customer = customer_area.create(s, name=name, owner=lead.owner_id, phone=lead.phone,
                                                email=lead.email)
                linked = False
        contact_id = None
        if contact and lead.company and s.can_write("customer", customer.owner_id) and not s.db.scalar(
                "SELECT count(*) FROM contacts WHERE customer_id = ? AND lower(name) = lower(?)",
                [customer.id, lead.name]):
            contact_id = add_contact(s, customer.id, lead.name, lead.phone, lead.email)
        opportunity_id = None
        if opportunity:
            details = opportunity if isinstance(opportunity, dict) else {}
            unknown = set(details) - {"summary", "expected_amount", "probability", "source"}
            if unknown:
                raise InvalidInput("error.unknown_field", field=sorted(unknown)[0])
            opportunity_id = opportunities.create(
                s, customer_name=customer.name, summary=details.get("summary") or lead.note or customer.name,
                expected_amount=details.get("expected_amount", 0), probability=details.get("probability", 10),
                source=details.get("source", lead.source), contact_name=lead.name, contact_phone=lead.phone,
                campaign_id=lead.campaign_id, lead_id=lead.id, customer_id=customer.id, owner=lead.owner_id)
        state = LEAD.move(s, lead.id, lead.state, "convert", note=customer.name)
        _set(s, lead, state=state, customer_id=customer.id, contact_id=contact_id, opportunity_id=opportunity_id,
             converted_on=s.today(), last_activity_on=s.today())
        hand_to(s, KIND, lead.id, None, "convert")
        s.audit("convert", KIND, lead.id, after={"customer_id": customer.id, "linked_existing": linked,
                                                  "contact_id": contact_id, "opportunity_id": opportunity_id})
        return Conversion(lead.id, customer.id, linked, contact_id, opportunity_id)


def add_contact(s: Session, customer_id: int, name: str, phone: str | None, email: str | None) -> int:
    """A contact person for a customer created or linked by a lead or an opportunity (audited as
    the contact's own creation); the first contact of a customer becomes its primary one."""
    first = not s.db.scalar("SELECT count(*) FROM contacts WHERE customer_id = ?", [customer_id])
    record = {"id": s.db.next_id("contacts"), "customer_id": customer_id, "name": name, "title": None,
              "phone": phone, "mobile": None, "email": email, "is_primary": first, "notes": None}
    s.db.execute(f"INSERT INTO contacts ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    s.audit("create", "contact", record["id"], after=record)
    return record["id"]
