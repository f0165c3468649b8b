"""Sales opportunities (O1–O5): record, assign, develop, close.

    unassigned ──assign (supervisor)──▶ assigned ──succeed──▶ succeeded (a customer is created or linked)
                                        assigned ──fail(reason)──▶ failed
                                        assigned ──assign──▶ assigned (reassigning keeps history)

Rules, decided here and documented in docs/sales.md:
- Account managers, supervisors and directors record opportunities. Until it is
  assigned, an opportunity is held (for the sharing policy) by whoever recorded it.
- Only a supervisor or director assigns, to exactly one *account manager* inside their
  write scope; the opportunity then belongs to that manager. Every assignment is a row
  in `assignments` and in `state_history`.
- While assigned it moves through stages (dictionary `opportunity_stage`, in order; each
  entry's `value` is the stage's default success probability), starting at the first.
- The assigned manager alone writes the development plan and records results (plans.py).
- Closing (succeed or fail) is for the assigned manager or a superior whose write scope
  covers them, and needs at least one plan step with a recorded result: a deal is not
  won or lost without something having been done. Failing needs a `lost_reason`.
- Success creates the customer (name, the contact as its first, primary contact, the
  manager as owner, a first interaction noting the plan) and links it both ways
  (`opportunities.customer_id`; `list(customer_id=…)` from the customer). If the
  opportunity already names a customer, or one with the same normalised name exists,
  that customer is linked instead: never a duplicate.
- A closed opportunity is read-only: every verb refuses it with TransitionNotAllowed.
- Every successful verb writes exactly one audit row of kind `opportunity` for the
  opportunity it acted on (plan verbs included); a customer, contact or interaction it
  creates carries its own `create` row.

Where it lives: the record, its state machine and the shared filters in opportunity.py; the
plan (plans.py), the products (opportunity_lines.py) and the pipeline reports (pipeline.py) are
add-ins mixed in here, each importing the record module, never this one.
"""
from __future__ import annotations

import dataclasses

import pandas as pd

from .. import access, validate
from ..customers import cards as customer_area
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound
from ..i18n import Term, translate
from ..names import normalise
from ..session import Area, Session, action, load_user, query
from ..statemachine import reasons
from .campaigns import campaign_for
from .contacts import add_contact
from .holders import hand_to, user_name
# The record's names stay importable from here (F401): the scenario, tests and workspaces' recorded
# records ("crm_engine.opportunities:Opportunity", course.encode) name them on this module.
from .opportunity import (
    ASSIGNEE_ROLE,
    CREATORS,
    KIND,
    OPPORTUNITY,
    SELECT,
    SORTABLE,
    SUPERIORS,
    Opportunity,
    authorise,
    check_assign,
    check_holder_verb,
    fetch,
    filters,
    load,
    read_lines,
    visible,
)
from .opportunity_lines import LineVerbs, carry_to_order, check_lines, total, write_lines
from .pipeline import PipelineVerbs
from .plans import PlanVerbs, done_steps, plan_text


def first_stage(s: Session) -> str:
    """The first active stage of dictionary `opportunity_stage`: where an assignment starts."""
    code = s.db.scalar("SELECT code FROM dictionary WHERE kind = 'opportunity_stage' AND active "
                       "ORDER BY sort_order, code LIMIT 1")
    if code is None:
        raise NotFound("dictionary.no_kind", kind="opportunity_stage")
    return code


def check_fields(s: Session, fields: dict) -> dict:
    """Validate opportunity fields for create / update; unknown names are refused."""
    clean = {}
    for name, value in fields.items():
        if name == "customer_name":
            clean[name] = validate.text(value, name, max_length=200)
            if not normalise(clean[name]):
                raise InvalidInput("customer.name_meaningless", field=name, value=value)
        elif name == "contact_name":
            clean[name] = validate.text(value, name, required=False, max_length=100)
        elif name == "contact_phone":
            clean[name] = validate.phone(value, name)
        elif name == "summary":
            clean[name] = validate.text(value, "opportunity_summary", max_length=2000)
        elif name == "expected_amount":
            clean[name] = validate.amount(value, name)
        elif name == "probability":
            clean[name] = validate.integer(value, name, minimum=0, maximum=100)
        elif name == "source":
            clean[name] = require_code(s, "lead_source", value, "lead_source", required=True)
        elif name == "campaign_id":
            clean[name] = campaign_for(s, value)
        else:
            raise InvalidInput("error.unknown_field", field=name)
    return clean


def create(s: Session, *, customer_name: str, summary: str, expected_amount, probability, source: str = "other",
           contact_name: str | None = None, contact_phone: str | None = None, campaign_id: int | None = None,
           lead_id: int | None = None, customer_id: int | None = None, owner=None, lines=None) -> int:
    """Insert an unassigned opportunity inside the caller's action; returns its id.

    It is held by `owner` (default: the acting user) until a supervisor assigns it.
    Lead conversion calls this with the lead's owner. With `lines` (O10) and no
    `expected_amount`, the expected amount is the lines' total.
    """
    # The administrator may create one for a sales holder (a conversion), never to hold it.
    if s.user.role not in CREATORS and (s.user.role != "admin" or owner is None):
        raise NotAllowed("error.role", user=s.user.name, role=access.role_term(s.user.role),
                         action=Term("action.create_opportunities"))
    clean_lines = check_lines(s, lines)
    if expected_amount is None and clean_lines:
        expected_amount = total(clean_lines)
    record = check_fields(s, {"customer_name": customer_name, "summary": summary,
                              "expected_amount": expected_amount, "probability": probability, "source": source,
                              "contact_name": contact_name, "contact_phone": contact_phone,
                              "campaign_id": campaign_id})
    if customer_id is not None:
        # Existence only: lead conversion may link a customer its converter cannot read (the
        # company was already someone else's); `add` checks that you may see the one you name.
        record["customer_id"] = validate.record_id(customer_id, "customer")
        if not s.db.scalar("SELECT count(*) FROM customers WHERE id = ?", [record["customer_id"]]):
            raise NotFound("customer.not_found", id=record["customer_id"])
    holder = s.user if owner is None else load_user(s.db, owner)
    if holder.role not in CREATORS or not holder.active:
        raise InvalidInput("opportunity.holder_role", field="owner", user=holder.name)
    if holder.id != s.user.id and not s.can_write(KIND, holder.id):
        raise NotAllowed("customer.owner_scope", user=holder.name)
    opportunity_id = s.db.next_id("opportunities")
    record.update(id=opportunity_id, state="unassigned", owner_id=holder.id, lead_id=lead_id,
                  created_on=s.today(), created_by=s.user.id)
    s.db.execute(f"INSERT INTO opportunities ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    write_lines(s, opportunity_id, clean_lines)
    s.history(KIND, opportunity_id, "create", None, "unassigned")
    s.audit("create", KIND, opportunity_id, after={**record, "lines": len(clean_lines)} if clean_lines else record)
    return opportunity_id


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


def _set(s: Session, opp: Opportunity, **changes) -> None:
    sets = ", ".join(f"{column} = ?" for column in changes)
    s.db.execute(f"UPDATE opportunities SET {sets} WHERE id = ?", [*changes.values(), opp.id])


class Opportunities(PlanVerbs, LineVerbs, PipelineVerbs, Area):
    """`crm.opportunities`: record, assign, plan, close; the funnel, win rates and the overdue list."""

    SUPERIORS = SUPERIORS   # who assigns and oversees (the screens read it through the facade)

    # -- records ---------------------------------------------------------------------------
    @action
    def add(self, customer_name: str, summary: str, *, expected_amount=None, probability: int, source: str = "other",
            contact_name: str | None = None, contact_phone: str | None = None, campaign_id: int | None = None,
            customer_id: int | None = None, lines: list[dict] | None = None) -> Opportunity:
        """Record a sales opportunity you found (O1); it waits, unassigned, for a supervisor.
        With `lines` (products: `{"product": code or id, "quantity": n, "unit_price": x,
        "discount": 0.1}`, see `set_lines`) the expected amount is their total unless given.

            opp = rep.opportunities.add("Lakeside Hotel", "50 notebooks for the new wing",
                                        expected_amount=250_000, probability=30, source="referral",
                                        contact_name="Zhou Min", contact_phone="0571-8888 1234")
        """
        s = self._s
        if customer_id is not None:
            customer_area.fetch(s, customer_id)  # only customers you may see
        return load(s, create(s, customer_name=customer_name, summary=summary, expected_amount=expected_amount,
                               probability=probability, source=source, contact_name=contact_name,
                               contact_phone=contact_phone, campaign_id=campaign_id, customer_id=customer_id,
                               lines=lines))

    @query
    def get(self, opportunity_id: int) -> Opportunity:
        """One opportunity, if you may see it, with its products (`.lines`)."""
        opp = fetch(self._s, opportunity_id)
        return dataclasses.replace(opp, lines=read_lines(self._s, opp.id))

    @action
    def update(self, opportunity_id: int, **fields) -> Opportunity:
        """Correct customer_name, contact_name, contact_phone, summary, expected_amount,
        probability, source or campaign_id of an open opportunity."""
        s = self._s
        opp = fetch(s, opportunity_id)
        clean = check_fields(s, fields)
        check_holder_verb(s, opp, "update")
        changes = {k: v for k, v in clean.items() if getattr(opp, k) != v}
        if changes:
            _set(s, opp, **changes)
            s.audit("update", KIND, opp.id, before={k: getattr(opp, k) for k in changes}, after=changes)
        return load(s, opp.id)

    @query
    def list(self, *, state: str | None = None, owner=None, stage: str | None = None,
             campaign_id: int | None = None, customer_id: int | None = None, source: str | None = None,
             search: str | None = None, sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The opportunities you may see, newest first (or by `sort`, one of `SORTABLE`), paged
        (`limit` rows from `offset`), with the holder's name.

        >>> crm.opportunities.list(state="assigned", sort="expected_amount", descending=True, limit=12)
        """
        where, params = filters(self._s, state, owner, stage, campaign_id, customer_id, source, search)
        order = validate.order(sort, descending, SORTABLE, default="o.created_on DESC, o.id DESC", tie="o.id")
        page = validate.page(limit, offset)
        return self._s.db.df(
            f"SELECT {SELECT}, u.name AS owner_name FROM opportunities o JOIN users u ON u.id = o.owner_id "
            f"WHERE {where} ORDER BY {order}{page}", params)

    @query
    def count(self, *, state: str | None = None, owner=None, stage: str | None = None,
              campaign_id: int | None = None, customer_id: int | None = None, source: str | None = None,
              search: str | None = None) -> int:
        """How many opportunities `list()` with the same filters returns (for paging)."""
        where, params = filters(self._s, state, owner, stage, campaign_id, customer_id, source, search)
        return self._s.db.scalar(
            f"SELECT count(*) FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE {where}", params)

    @query
    def history(self, opportunity_id: int) -> pd.DataFrame:
        """State moves and assignments of one opportunity, oldest first."""
        return OPPORTUNITY.history(self._s, fetch(self._s, opportunity_id).id)

    @query
    def assignments(self, opportunity_id: int) -> pd.DataFrame:
        """Who held the opportunity since it was assigned, from when to when."""
        opp = fetch(self._s, opportunity_id)
        return self._s.db.df(
            "SELECT a.user_id, u.name AS manager, a.assigned_on, a.ended_on, b.name AS assigned_by, a.how "
            "FROM assignments a JOIN users u ON u.id = a.user_id JOIN users b ON b.id = a.assigned_by "
            "WHERE a.kind = ? AND a.record_id = ? ORDER BY a.rowid", [KIND, opp.id])

    # -- assignment (O2) ------------------------------------------------------------------
    @action
    def assign(self, opportunity_id: int, to) -> Opportunity:
        """Assign (or reassign) an opportunity to exactly one account manager — a supervisor's act.

        The manager must be active, an account manager, and inside your write scope.
        """
        s = self._s
        opp = fetch(s, opportunity_id)
        check_assign(s, opp)
        manager = load_user(s.db, to)
        if manager.role != ASSIGNEE_ROLE:
            raise InvalidInput("opportunity.assignee_role", field="assignee", user=manager.name,
                               role=access.role_term(manager.role))
        if not manager.active:
            raise InvalidInput("user.inactive", field="assignee", user=manager.name)
        if not s.can_write(KIND, manager.id):
            raise NotAllowed("opportunity.assignee_scope", id=opp.id, user=manager.name)
        if opp.state == "assigned" and manager.id == opp.owner_id:
            raise InvalidInput("opportunity.same_manager", field="assignee", id=opp.id, user=manager.name)
        state = OPPORTUNITY.move(s, opp.id, opp.state, "assign", note=f"{user_name(s, opp.owner_id)} → {manager.name}")
        # A new assignment starts at the first stage; a reassigned one keeps where it got to.
        _set(s, opp, state=state, owner_id=manager.id, assigned_on=s.today(), assigned_by=s.user.id,
             stage=opp.stage or first_stage(s))
        hand_to(s, KIND, opp.id, manager.id, "assign")
        s.audit("assign", KIND, opp.id, before={"owner_id": opp.owner_id, "state": opp.state},
                after={"owner_id": manager.id, "state": state})
        return load(s, opp.id)

    @action
    def set_stage(self, opportunity_id: int, stage: str, *, probability: int | None = None) -> Opportunity:
        """Move an assigned opportunity to another stage; the success probability becomes the
        stage's default unless you give one (0–100)."""
        s = self._s
        opp = fetch(s, opportunity_id)
        stage = require_code(s, "opportunity_stage", stage, "opportunity_stage", required=True)
        if probability is not None:
            probability = validate.integer(probability, "probability", minimum=0, maximum=100)
        check_holder_verb(s, opp, "set_stage")
        if probability is None:
            value = s.db.scalar("SELECT value FROM dictionary WHERE kind = 'opportunity_stage' AND code = ?", [stage])
            probability = opp.probability if value is None else int(value)
        _set(s, opp, stage=stage, probability=probability)
        s.audit("set_stage", KIND, opp.id, before={"stage": opp.stage, "probability": opp.probability},
                after={"stage": stage, "probability": probability})
        return load(s, opp.id)

    # -- closing (O5) -----------------------------------------------------------------------
    @action
    def succeed(self, opportunity_id: int, *, amount=None, note: str | None = None) -> Opportunity:
        """Close as *development succeeded*: the customer record is created (or linked) from
        the opportunity, with its contact, owned by the manager, and a first interaction that
        notes the plan. `amount` (default: the expected amount) is the business won.

        Needs at least one plan step with a recorded result.
        """
        s = self._s
        opp = fetch(s, opportunity_id)
        amount = validate.amount(amount, "won_amount", required=False)
        note = validate.text(note, "notes", required=False)
        self._check_close(opp, "succeed")
        amount = opp.expected_amount if amount is None else amount
        customer_id, created = self._customer_for(opp)
        owner = s.db.scalar("SELECT owner_id FROM customers WHERE id = ?", [customer_id])
        if opp.contact_name and (created or s.can_write("customer", owner)) and not s.db.scalar(
                "SELECT count(*) FROM contacts WHERE customer_id = ? AND lower(name) = lower(?)",
                [customer_id, opp.contact_name]):
            add_contact(s, customer_id, opp.contact_name, opp.contact_phone, None)
        self._note_plan(opp, customer_id)
        order_id = carry_to_order(s, opp.id, customer_id)  # the products won become its order (O10)
        state = OPPORTUNITY.move(s, opp.id, opp.state, "succeed", note=note)
        _set(s, opp, state=state, closed_on=s.today(), won_amount=amount, customer_id=customer_id, close_note=note)
        hand_to(s, KIND, opp.id, None, "close")
        s.audit("succeed", KIND, opp.id, before={"state": opp.state},
                after={"state": state, "won_amount": amount, "customer_id": customer_id, "customer_created": created,
                       **({"order_id": order_id} if order_id is not None else {})})
        return load(s, opp.id)

    @action
    def fail(self, opportunity_id: int, reason: str, *, note: str | None = None) -> Opportunity:
        """Close as *development failed*, with a reason from the dictionary (`lost_reason`).

        Needs at least one plan step with a recorded result.
        """
        s = self._s
        opp = fetch(s, opportunity_id)
        reason = require_code(s, "lost_reason", reason, "lost_reason", required=True)
        note = validate.text(note, "notes", required=False)
        self._check_close(opp, "fail")
        state = OPPORTUNITY.move(s, opp.id, opp.state, "fail", note=reason)
        _set(s, opp, state=state, closed_on=s.today(), lost_reason=reason, close_note=note)
        hand_to(s, KIND, opp.id, None, "close")
        s.audit("fail", KIND, opp.id, before={"state": opp.state}, after={"state": state, "lost_reason": reason})
        return load(s, opp.id)

    def _check_close(self, opp: Opportunity, verb: str) -> None:
        check_holder_verb(self._s, opp, verb)
        self._require_done_step(opp)

    # -- what may be done now (for screens) -------------------------------------------------
    ACTIONS = ("assign", "set_stage", "add_step", "record_result", "succeed", "fail", "update", "set_lines")

    @query
    def actions(self, opportunity_id: int) -> dict[str, str | None]:
        """Each action on the opportunity (`ACTIONS`) → None if you may do it now, else why not
        (translated). The checks are the verbs' own, before they look at their input: a verb can
        still refuse what you type.

        >>> crm.opportunities.actions(7)["succeed"]
        'Opportunity 7 (Lakeside Hotel) has no plan step with a recorded result yet …'
        """
        s = self._s
        opp = fetch(s, opportunity_id)
        return reasons(s, {
            "assign": lambda: check_assign(s, opp),
            "set_stage": lambda: check_holder_verb(s, opp, "set_stage"),
            "add_step": lambda: self._manager_only(opp, "add_step"),
            "record_result": lambda: (self._manager_only(opp, "record_result"), self._require_open_step(opp)),
            "succeed": lambda: self._check_close(opp, "succeed"),
            "fail": lambda: self._check_close(opp, "fail"),
            "update": lambda: check_holder_verb(s, opp, "update"),
            "set_lines": lambda: check_holder_verb(s, opp, "set_lines"),
        })

    def _require_open_step(self, opp: Opportunity) -> None:
        if not self._s.db.scalar("SELECT count(*) FROM plan_steps WHERE opportunity_id = ? AND result IS NULL",
                                 [opp.id]):
            raise NotAllowed("opportunity.no_open_step", id=opp.id, name=opp.customer_name)

    def _require_done_step(self, opp: Opportunity) -> None:
        if not done_steps(self._s, opp.id):
            raise NotAllowed("opportunity.no_steps_done", id=opp.id, name=opp.customer_name)

    def _customer_for(self, opp: Opportunity) -> tuple[int, bool]:
        """The customer a won opportunity becomes: the one it names, one with the same
        normalised name, or a new one owned by the manager. (id, created?)"""
        s = self._s
        if opp.customer_id is not None and s.db.scalar("SELECT count(*) FROM customers WHERE id = ?",
                                                       [opp.customer_id]):
            return opp.customer_id, False
        duplicate = customer_area.find_duplicate(s, normalise(opp.customer_name))
        if duplicate:
            return duplicate[0], False
        customer = customer_area.create(s, name=opp.customer_name, owner=opp.owner_id, phone=opp.contact_phone)
        return customer.id, True

    def _note_plan(self, opp: Opportunity, customer_id: int) -> None:
        """The customer's first interaction record: the development plan that won it."""
        s = self._s
        interaction_id = s.db.next_id("interactions")
        record = {"id": interaction_id, "customer_id": customer_id, "contact_id": None, "user_id": opp.owner_id,
                  "on_date": s.today(), "channel": "other",
                  "subject": translate("opportunity.won_subject", s.language, id=opp.id)[:200],
                  "detail": plan_text(s, opp.id, opp.summary)}
        s.db.execute(f"INSERT INTO interactions ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        s.audit("create", "interaction", interaction_id, after=record)
