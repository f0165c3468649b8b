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

Where it lives: the record, its state machine and `create` in lead.py; the pool's verbs and the
sweep in lead_pool.py (mixed in here); the records' verbs, follow-ups and conversion here.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import validate
from ..customers import cards as customer_area
from ..dictionary import require_code
from ..errors import Conflict, InvalidInput
from ..names import normalise
from ..session import Area, action, load_user, query
from ..statemachine import reasons
from . import opportunities
from .campaigns import campaign_for
from .contacts import add_contact
from .holders import hand_to
# The record's names stay importable from here (F401): the call centre, the UI, tests and workspaces'
# recorded records ("crm_engine.leads:Lead", course.encode) name them on this module.
from .lead import (ACTIONS, KIND, LEAD, OWNER_ROLES, SELECT, SORTABLE, Lead, authorise, check, create,  # noqa: F401
                   fetch, load, set_fields, visible)
from .lead_pool import PoolVerbs, sweep  # noqa: F401 - sweep registers with the clock (clock.every_move)


@dataclass(frozen=True)
class Conversion:
    """What converting a lead produced: the customer (created or linked), maybe a contact and an opportunity."""

    lead_id: int
    customer_id: int
    linked_existing: bool
    contact_id: int | None
    opportunity_id: int | None


class Leads(PoolVerbs, Area):
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
            set_fields(s, lead, **changes)
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
    def history(self, lead_id: int) -> pd.DataFrame:
        """The lead's state moves, oldest first, with who made them."""
        return LEAD.history(self._s, fetch(self._s, lead_id).id)

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
        set_fields(s, lead, state="following", last_activity_on=max(on_date, lead.last_activity_on))
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
        set_fields(s, lead, state=state, close_reason=reason)
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
        set_fields(s, lead, state=state, close_reason=None, last_activity_on=s.today())
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
        set_fields(s, lead, state=state, customer_id=customer.id, contact_id=contact_id, opportunity_id=opportunity_id,
             converted_on=s.today(), last_activity_on=s.today())
        hand_to(s, KIND, lead.id, None, "convert")
        s.audit("convert", KIND, lead.id, after={"customer_id": customer.id, "linked_existing": linked,
                                                  "contact_id": contact_id, "opportunity_id": opportunity_id})
        return Conversion(lead.id, customer.id, linked, contact_id, opportunity_id)

