"""The sales opportunity record (销售机会) the opportunity verbs and their add-ins share.

`opportunities.py` holds the verbs (record, assign, close) and composes the add-ins — the plan
(`plans.py`), the products (`opportunity_lines.py`) and the pipeline reports (`pipeline.py`); each
of them imports this module, never its host. Here: the record and its products as read back, the
state machine, who may read, write and create, and the filters the list and the board share.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .. import access, validate
from ..errors import NotAllowed
from ..i18n import Term
from ..session import Session, load_user
from ..statemachine import StateMachine
from .holders import user_name

KIND = "opportunity"
CREATORS = ("account_manager", "supervisor", "director")
SUPERIORS = ("supervisor", "director")
ASSIGNEE_ROLE = "account_manager"

OPPORTUNITY = StateMachine(KIND, {
    ("unassigned", "assign"): "assigned",
    ("assigned", "assign"): "assigned",
    ("assigned", "succeed"): "succeeded",
    ("assigned", "fail"): "failed",
    # Verbs that keep the state: checked against the table, not written to the history.
    ("unassigned", "update"): "unassigned",
    ("assigned", "update"): "assigned",
    ("unassigned", "set_lines"): "unassigned",
    ("assigned", "set_lines"): "assigned",
    ("assigned", "set_stage"): "assigned",
    ("assigned", "add_step"): "assigned",
    ("assigned", "record_result"): "assigned",
    ("assigned", "remove_step"): "assigned",
})

LINE_SELECT = ("SELECT l.id, l.opportunity_id, l.product_id, p.code AS product_code, p.name AS product_name, "
               "p.category, l.quantity, l.unit_price, l.discount, l.amount "
               "FROM opportunity_lines l JOIN products p ON p.id = l.product_id")


@dataclass(frozen=True)
class OpportunityLine:
    """One product on an opportunity (机会产品明细)."""

    id: int
    opportunity_id: int
    product_id: int
    product_code: str
    product_name: str
    category: str | None
    quantity: int
    unit_price: Decimal
    discount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Opportunity:
    """One sales opportunity (销售机会)."""

    id: int
    source: str
    customer_name: str
    contact_name: str | None
    contact_phone: str | None
    summary: str
    expected_amount: Decimal
    probability: int
    state: str
    stage: str | None
    owner_id: int
    assigned_on: dt.date | None
    assigned_by: int | None
    campaign_id: int | None
    lead_id: int | None
    customer_id: int | None
    closed_on: dt.date | None
    won_amount: Decimal | None
    lost_reason: str | None
    close_note: str | None
    created_on: dt.date
    created_by: int
    # The products on it (O10), in line order: filled by `get` and by every verb's result.
    lines: tuple = dataclasses.field(default=(), compare=False)

    @property
    def closed(self) -> bool:
        return self.state in ("succeeded", "failed")


COLUMNS = [f.name for f in dataclasses.fields(Opportunity) if f.name != "lines"]
SELECT = ", ".join(f"o.{c}" for c in COLUMNS)
# What `list(sort=…)` may sort by (name → SQL).
SORTABLE = {"created_on": "o.created_on", "expected_amount": "o.expected_amount", "probability": "o.probability",
            "customer_name": "o.customer_name", "state": "o.state", "stage": "o.stage", "owner_name": "u.name",
            "id": "o.id"}


def visible(s: Session, alias: str = "o", mode: str = "read") -> str:
    """SQL condition: opportunities (alias `alias`) this session may read / write."""
    return s.scope(KIND, f"{alias}.owner_id", mode)


def fetch(s: Session, opportunity_id) -> Opportunity:
    """The opportunity if this session may read it, else NotFound."""
    return Opportunity(*s.readable_row(KIND, f"SELECT {SELECT} FROM opportunities o WHERE o.id = ?", opportunity_id,
                                       field="opportunity", owner=COLUMNS.index("owner_id"),
                                       missing="opportunity.not_found"))


def load(s: Session, record_id: int) -> Opportunity:
    """Read back a record a verb has just written (its access was checked before the write)."""
    opp = Opportunity(*s.db.one(f"SELECT {SELECT} FROM opportunities o WHERE o.id = ?", [record_id]))
    return dataclasses.replace(opp, lines=read_lines(s, record_id))


def authorise(s: Session, opp: Opportunity, verb: str) -> None:
    """Refuse unless this user may do `verb` to `opp` (the state was checked before).

    The holder (the creator while unassigned, then the assigned manager) may; so may a
    supervisor, director or the administrator whose write scope covers the holder.
    """
    if s.user.id == opp.owner_id:
        return
    if (s.user.role in SUPERIORS or s.user.role == "admin") and s.can_write(KIND, opp.owner_id):
        return
    raise NotAllowed("opportunity.not_yours", id=opp.id, name=opp.customer_name,
                     owner=user_name(s, opp.owner_id), action=Term(f"action.opportunity.{verb}"))



def check_assign(s: Session, opp: Opportunity) -> None:
    """May this user assign `opp` now (state, role, scope)? The assignee is checked by `assign`."""
    OPPORTUNITY.check(opp.id, opp.state, "assign")
    if s.user.role not in SUPERIORS and s.user.role != "admin":
        if opp.state == "assigned":
            raise NotAllowed("opportunity.reassign_role", id=opp.id, owner=user_name(s, opp.owner_id))
        raise NotAllowed("opportunity.assign_role", id=opp.id, user=s.user.name,
                         role=access.role_term(s.user.role))
    if not s.can_write(KIND, opp.owner_id):
        raise NotAllowed("opportunity.not_yours", id=opp.id, name=opp.customer_name,
                         owner=user_name(s, opp.owner_id), action=Term("action.opportunity.assign"))


def check_holder_verb(s: Session, opp: Opportunity, verb: str) -> None:
    """The state table, then who may: the checks of update, set_lines, set_stage, succeed and fail."""
    OPPORTUNITY.check(opp.id, opp.state, verb)
    authorise(s, opp, verb)

def read_lines(s: Session, opportunity_id: int) -> tuple[OpportunityLine, ...]:
    return tuple(OpportunityLine(*row) for row in s.db.rows(
        f"{LINE_SELECT} WHERE l.opportunity_id = ? ORDER BY l.id", [opportunity_id]))


def filters(s: Session, state=None, owner=None, stage=None, campaign_id=None, customer_id=None, source=None,
            search=None) -> tuple[str, list]:
    """SQL condition and parameters on `opportunities o`: what this session may read, filtered
    (shared by the list, its count and the pipeline board)."""
    where, params = [visible(s)], []
    if state is not None:
        where.append("o.state = ?"), params.append(validate.one_of(state, "status", OPPORTUNITY.states))
    if owner is not None:
        where.append("o.owner_id = ?"), params.append(load_user(s.db, owner).id)
    for column, value in (("stage", stage), ("source", source)):
        if value is not None:
            where.append(f"o.{column} = ?"), params.append(value)
    for column, value in (("campaign_id", campaign_id), ("customer_id", customer_id)):
        if value is not None:
            where.append(f"o.{column} = ?"), params.append(validate.record_id(value, column.removesuffix("_id")))
    found, args = validate.matching(search, ("o.customer_name", "o.summary"))
    where += found
    params += args
    return " AND ".join(where), params
