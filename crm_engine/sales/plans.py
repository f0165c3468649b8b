"""Customer-development plans (O3, O4): ordered steps, each with a planned date and a
concrete action, and the actual result of each step as it happens.

The verbs live on `crm.opportunities` (this module's `PlanVerbs` is mixed into it):

    step = rep.opportunities.add_step(opp.id, "2026-03-05", "Visit the CTO, demo the 2U server")
    crm.clock.advance(3)
    rep.opportunities.record_result(step, "CTO keen; wants a quotation for 12 units")
    rep.opportunities.plan(opp.id)      # a DataFrame, in plan order

Rules (docs/sales.md): only the assigned manager writes the plan and its results, and
only while the opportunity is assigned; a step cannot be planned before the opportunity
was created; a result is recorded once, on or after the step's planned date and never
after today on the scenario clock; a step with a result cannot be removed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import validate
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..i18n import translate
from ..session import Session, action, query
from .holders import user_name
from .opportunity import KIND, OPPORTUNITY, fetch

STEP_COLUMNS = "id, opportunity_id, planned_date, action, result, result_date, created_by, recorded_by"


@dataclass(frozen=True)
class PlanStep:
    """One step of a customer-development plan (计划项) and its result (执行效果)."""

    id: int
    opportunity_id: int
    planned_date: dt.date
    action: str
    result: str | None
    result_date: dt.date | None
    created_by: int
    recorded_by: int | None

    @property
    def done(self) -> bool:
        return self.result is not None


def done_steps(s: Session, opportunity_id: int) -> int:
    """How many steps of the plan have a recorded result."""
    return s.db.scalar("SELECT count(*) FROM plan_steps WHERE opportunity_id = ? AND result IS NOT NULL",
                       [opportunity_id])


def plan_text(s: Session, opportunity_id: int, summary: str) -> str:
    """The plan as text, in the session's language (for the won customer's first interaction)."""
    lines = [summary]
    rows = s.db.rows("SELECT planned_date, action, result, result_date FROM plan_steps WHERE opportunity_id = ? "
                     "ORDER BY planned_date, id", [opportunity_id])
    for number, (planned, what, result, result_date) in enumerate(rows, start=1):
        if result is None:
            lines.append(translate("plan.line_open", s.language, n=number, date=planned.isoformat(), action=what))
        else:
            lines.append(translate("plan.line_done", s.language, n=number, date=planned.isoformat(), action=what,
                                   result=result, result_date=result_date.isoformat()))
    return "\n".join(lines)


class PlanVerbs:
    """Plan verbs of `crm.opportunities`."""

    _s: Session

    def _manager_only(self, opp, verb: str) -> None:
        """The plan is the assigned manager's own work: nobody else writes it."""
        OPPORTUNITY.check(opp.id, opp.state, verb)
        if self._s.user.id != opp.owner_id:
            raise NotAllowed("plan.only_manager", id=opp.id, name=opp.customer_name,
                             owner=user_name(self._s, opp.owner_id))

    def _step(self, step_id) -> PlanStep:
        s = self._s
        step_id = validate.record_id(step_id, "step")
        row = s.db.one(f"SELECT {STEP_COLUMNS} FROM plan_steps WHERE id = ?", [step_id])
        if row is None:
            raise NotFound("plan.step_not_found", id=step_id)
        step = PlanStep(*row)
        try:
            fetch(s, step.opportunity_id)
        except NotFound:
            raise NotFound("plan.step_not_found", id=step_id) from None
        return step

    @action
    def add_step(self, opportunity_id: int, planned_date, action: str) -> int:
        """Add a step to the development plan of your assigned opportunity; returns the step id.

        `planned_date` may not be before the opportunity was created.
        """
        s = self._s
        opp = fetch(s, opportunity_id)
        planned_date = validate.date(planned_date, "step_date")
        action = validate.text(action, "step_action", max_length=500)
        self._manager_only(opp, "add_step")
        if planned_date < opp.created_on:
            raise InvalidInput("plan.before_created", field="step_date", id=opp.id,
                               date=planned_date.isoformat(), created=opp.created_on.isoformat())
        step_id = s.db.next_id("plan_steps")
        s.db.execute("INSERT INTO plan_steps VALUES (?, ?, ?, ?, NULL, NULL, ?, NULL)",
                     [step_id, opp.id, planned_date, action, s.user.id])
        s.audit("add_step", KIND, opp.id, after={"step_id": step_id, "planned_date": planned_date,
                                                       "action": action})
        return step_id

    @action
    def record_result(self, step_id: int, result: str, *, on_date=None) -> PlanStep:
        """Record what actually happened at a step (once), on or after its planned date.

        `on_date` (default: today on the scenario clock) may not be after today.
        """
        s = self._s
        step = self._step(step_id)
        result = validate.text(result, "step_result")
        on_date = validate.date(on_date, "on_date", required=False) or s.today()
        opp = fetch(s, step.opportunity_id)
        self._manager_only(opp, "record_result")
        if step.done:
            raise Conflict("plan.already_recorded", step=step.id, action=step.action, id=opp.id, date=step.result_date.isoformat())
        if step.planned_date > s.today():
            raise NotAllowed("plan.not_yet", step=step.id, action=step.action, id=opp.id, date=step.planned_date.isoformat(),
                             today=s.today().isoformat())
        if on_date > s.today():
            raise InvalidInput("error.future_date", field="on_date", today=s.today().isoformat())
        if on_date < step.planned_date:
            raise InvalidInput("plan.result_before_plan", field="on_date", step=step.id,
                               date=step.planned_date.isoformat())
        s.db.execute("UPDATE plan_steps SET result = ?, result_date = ?, recorded_by = ? WHERE id = ?",
                     [result, on_date, s.user.id, step.id])
        s.audit("record_result", KIND, opp.id, after={"step_id": step.id, "result": result,
                                                            "result_date": on_date})
        return self._step(step.id)

    @action
    def remove_step(self, step_id: int) -> None:
        """Remove a step that has no result yet from your plan."""
        s = self._s
        step = self._step(step_id)
        opp = fetch(s, step.opportunity_id)
        self._manager_only(opp, "remove_step")
        if step.done:
            raise Conflict("plan.step_done", step=step.id, action=step.action, id=opp.id)
        s.db.execute("DELETE FROM plan_steps WHERE id = ?", [step.id])
        s.audit("remove_step", KIND, opp.id, before={"step_id": step.id, "planned_date": step.planned_date,
                                                          "action": step.action})

    @query
    def step(self, step_id: int) -> PlanStep:
        """One plan step, if you may see its opportunity."""
        return self._step(step_id)

    @query
    def plan(self, opportunity_id: int) -> pd.DataFrame:
        """The development plan in order (by planned date): step number, date, action, result,
        and `status` — done, due (planned for today or earlier, no result yet) or planned."""
        s = self._s
        opp = fetch(s, opportunity_id)
        return s.db.df(
            "SELECT row_number() OVER (ORDER BY planned_date, id) AS step_no, id, planned_date, action, result, "
            "result_date, CASE WHEN result IS NOT NULL THEN 'done' WHEN planned_date <= ? THEN 'due' "
            "ELSE 'planned' END AS status FROM plan_steps WHERE opportunity_id = ? ORDER BY planned_date, id",
            [s.today(), opp.id])
