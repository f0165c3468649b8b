"""The public pool (公海, O6): leads nobody owns, claiming and assigning them, giving them back,
and the sweep that returns idle leads — the verbs `crm.leads` mixes in (`PoolVerbs`).

The sweep (`sweep`) runs after every move of the clock (`clock.every_move`) and when a
superior calls `recycle()`: one set of SQL statements whatever the number of leads, its
history rows written by `StateMachine.move_many`.
"""
from __future__ import annotations

import pandas as pd

from .. import validate
from ..clock import every_move
from ..errors import InvalidInput, NotAllowed
from ..session import Session, action, query
from .holders import hand_to, user_name
from .lead import (KIND, LEAD, SELECT, SORTABLE, SUPERIORS, Lead, authorise, check, fetch, load, open_count,
                   owner_for, pool_readable, set_fields)


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
    LEAD.move_many(s, "recycle", f"SELECT l.id AS record_id, l.state AS from_state, {crossed} AS on_date, "
                   "(SELECT name FROM users WHERE id = l.owner_id) || ' → —' AS note "
                   f"FROM leads l WHERE {stale}", [days, today, days])
    s.db.execute(
        f"UPDATE assignments SET ended_on = {crossed} FROM leads l WHERE assignments.kind = 'lead' "
        f"AND assignments.ended_on IS NULL AND assignments.record_id = l.id AND {stale}", [days, today, days])
    s.db.execute(f"UPDATE leads l SET state = 'unassigned', owner_id = NULL, assigned_on = NULL, "
                 f"last_activity_on = {crossed} WHERE {stale}", [days, today, days])
    s.audit("recycle", KIND, None, after={"leads": ids, "days": days})
    return len(ids)


class PoolVerbs:
    """The public pool's verbs of `crm.leads`."""

    _s: Session

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
        set_fields(s, lead, state=state, owner_id=user_id, assigned_on=s.today(), last_activity_on=s.today())
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
        set_fields(s, lead, state=state, owner_id=None, assigned_on=None, last_activity_on=s.today())
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
