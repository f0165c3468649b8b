"""The lead record (线索) the lead verbs share: the record, its state machine, who may read,
hold and change it, and `create` — the contract other areas call (the call centre).

`leads.py` holds the verbs and composes `lead_pool.py` (the public pool, claiming, recycling);
both import this module, never each other's.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from .. import access, validate
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from ..i18n import Term
from ..names import normalise
from ..session import Session, User, load_user
from ..statemachine import StateMachine
from .campaigns import campaign_for
from .holders import hand_to, user_name

KIND = "lead"
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


def open_count(s: Session, user_id: int) -> int:
    """How many open leads (pending, following) `user_id` holds: what the claim cap counts."""
    return s.db.scalar("SELECT count(*) FROM leads WHERE owner_id = ? AND state IN ('pending', 'following')",
                       [user_id])


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
        cap, held = s.setting("lead_claim_cap", 20), open_count(s, s.user.id)
        if held >= cap:
            raise NotAllowed("lead.claim_cap", user=s.user.name, count=held, cap=cap)


def set_fields(s: Session, lead: Lead, **changes) -> None:
    """Write `changes` to the lead's row (the verb checked and audits them)."""
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
