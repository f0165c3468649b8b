"""The teaching scenario at work (T2): `crm.simulation` — a clock that makes things happen and
customers that react to what students do.

    crm = CRM.open("workspaces/s001.duckdb")
    crm.simulation.briefing()                      # the story and the student's tasks
    rep = crm.as_user("li.ming")
    step = rep.opportunities.add_step(opp_id, crm.today(), "Phone call with Ms Zhou: needs analysis")
    rep.simulation.outcome_of_step(opp_id, step, record=True)   # what the customer said, written as the result
    sun.simulation.outcome_of_ticket(ticket_id)    # how satisfied the customer is with a handled ticket
    crm.simulation.advance(30)                     # a month of orders, requests, calls, leads, lapses

Who may do what: anyone reads the briefing; whoever may read an opportunity, a churn
warning or a service ticket may ask for the customer's answer (recording it is the assigned
manager's act, as any plan result; a ticket's feedback, whoever may record feedback); moving
the clock is for the administrator and the director (as `crm.clock.advance`); the hidden
side — traits, probabilities, the definition, the log — is the instructor's (administrator
only; docs/scenario-model.md).

Inside, the world acts as the administrator: campaigns launch, notices are posted, the
churn scan runs, each through the engine's own verbs, so audit trail and rules hold.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import functools

import pandas as pd

from ..crm import ADMIN_USERNAME
from .. import validate
from ..errors import InvalidInput, NotFound, TransitionNotAllowed
from ..i18n import Term, translate
from . import estimate, reaction, responses
from .context import Context, load_cast
from .days import run
from .model import Scenario, text

KIND = "scenario"


@dataclass(frozen=True)
class ScenarioInfo:
    """Which scenario a workspace holds (no seed: that is the instructor's)."""

    name: str
    title: str
    student: str | None
    generated_on: dt.date
    today: dt.date
    student_user: str | None


@dataclass(frozen=True)
class StepOutcome:
    """A simulated customer's answer to a plan step: positive, silence or negative — and at a
    negotiation, the decision (won or lost, with the reason a lost customer gives)."""

    opportunity_id: int
    step_id: int
    response: str
    text: str
    decision: str | None
    lost_reason: str | None
    recorded: bool


@dataclass(frozen=True)
class ChurnReaction:
    """A drifting customer's answer to the measures recorded on its churn warning."""

    warning_id: int
    customer_id: int
    response: str          # won_back | not_yet
    text: str
    comes_back_on: dt.date | None
    recorded: bool


@dataclass(frozen=True)
class TicketFeedback:
    """A customer's answer to a handled service ticket: how satisfied (1–5) and what it says."""

    ticket_id: int
    customer_id: int
    satisfaction: int      # 3 or more: satisfied (feedback archives the ticket); less sends it back
    text: str
    recorded: bool


@dataclass(frozen=True)
class AdvanceReport:
    """What the clock made happen."""

    start: dt.date
    end: dt.date
    orders: int
    order_amount: float
    tickets: int
    calls: int
    leads: int
    lapsed: int
    won_back: int
    events: int
    answers: int
    warnings_raised: int
    warnings_cleared: int
    language: str = "en"

    def __str__(self) -> str:
        return translate("simulation.report", self.language, start=self.start.isoformat(), end=self.end.isoformat(),
                         orders=self.orders, amount=f"{self.order_amount:,.2f}", tickets=self.tickets,
                         calls=self.calls, leads=self.leads, lapsed=self.lapsed, won_back=self.won_back,
                         raised=self.warnings_raised)


def action(verb):
    """A simulation verb that changes the workspace: all of it commits, or none of it does."""

    @functools.wraps(verb)
    def run_verb(self, *args, **kwargs):
        with self._crm.transaction():
            return verb(self, *args, **kwargs)

    return run_verb


def query(verb):
    """A simulation verb that only reads (on one view of the workspace)."""

    @functools.wraps(verb)
    def run_verb(self, *args, **kwargs):
        with self._crm.reading():
            return verb(self, *args, **kwargs)

    return run_verb


class Simulation:
    """`crm.simulation`: the scenario's clock and its simulated customers (hung on the facade by
    `crm_engine.scenario` through `CRM.extend`)."""

    @property
    def _tables(self):
        """The workspace's tables without data scopes, read as the administrator (`crm.tables` is refused to
        a rep's handle; this courseware reads its own records and the scenario's hidden side)."""
        return self._crm.as_user(ADMIN_USERNAME).tables

    def __init__(self, crm):
        self._crm = crm

    # -- the scenario -------------------------------------------------------------------------
    def _row(self):
        row = self._tables.one("SELECT name, base_seed, student, seed, definition, generated_on FROM scenario_info")
        if row is None:
            raise NotFound("simulation.no_scenario")
        return row

    def _scenario(self):
        return Scenario.from_dict(json.loads(self._row()[4]))

    def _context(self, progress=None, *, fresh: bool = False):
        """The world's working context, acting as the administrator. The definition and the cast
        are read once per session (they only change through the clock, which asks for `fresh`)."""
        cached = self.__dict__.get("_cached")
        if cached is None or fresh:
            _name, _base, _student, seed, definition, generated = self._row()
            world = self._crm.as_user(1)  # the world acts as the administrator
            ctx = Context(world, Scenario.from_dict(json.loads(definition)), seed,
                          self._crm.setting("language", "en"), self._crm.today(), generated=generated)
            load_cast(ctx)
            cached = self.__dict__["_cached"] = ctx
        cached.today, cached.progress, cached.done = self._crm.today(), progress, 0
        return cached

    @query
    def present(self) -> bool:
        """Whether this workspace holds a teaching scenario (whose clock makes things happen)."""
        return self._tables.scalar("SELECT count(*) FROM scenario_info") > 0

    @query
    def info(self) -> ScenarioInfo:
        """Which scenario this workspace holds, whose variant, and since when."""
        name, _base, student, _seed, definition, generated = self._row()
        scenario = json.loads(definition)
        return ScenarioInfo(name, text(scenario.get("title"), self._crm.language), student, generated,
                            self._crm.today(), scenario.get("student_user"))

    @query
    def briefing(self, language: str | None = None) -> str:
        """The scenario's story, who the student plays, and their tasks (yours, if you have any)."""
        language = validate.language(language or self._crm.language)
        scenario = self._scenario()
        lines = [scenario.text(scenario.title, language), "", (scenario.text(scenario.narrative, language) or "").strip()]
        # Whoever reads it, if the scenario gives them tasks; else the role students play.
        me = self._crm.user.username
        reader = me if any(t.assignee == me for t in scenario.tasks) \
            else scenario.student_user
        who = self._tables.one("SELECT name, role FROM users WHERE username = ?", [reader]) if reader else None
        if who:
            lines += ["", translate("simulation.you_are", language, name=who[0], username=reader,
                                    role=translate(f"role.{who[1]}", language))]
        mine = [t for t in scenario.tasks if t.assignee == reader]
        if mine:
            lines += ["", translate("simulation.tasks", language)]
            lines += [f"- {scenario.text(t.title, language)}" for t in mine]
        return "\n".join(lines).strip()

    @query
    def definition(self):
        """The Scenario this workspace was generated from (instructors)."""
        self._crm.require_role(action="read_scenario")
        return self._scenario()

    @query
    def seed(self) -> dict:
        """The scenario seed, the student and the variant seed (instructors)."""
        self._crm.require_role(action="read_scenario")
        name, base, student, seed, _definition, generated = self._row()
        return {"scenario": name, "base_seed": base, "student": student, "seed": seed, "generated_on": generated}

    @query
    def traits(self, kind: str | None = None) -> pd.DataFrame:
        """The hidden traits of customers, leads and opportunities (instructors)."""
        self._crm.require_role(action="read_scenario")
        self._row()
        where, params = "", []
        if kind is not None:
            where, params = "WHERE kind = ?", [validate.one_of(kind, "kind", ("customer", "lead", "opportunity"))]
        return self._tables.df(f"SELECT * FROM scenario_traits {where} ORDER BY kind, record_id", params)

    @query
    def log(self, *, since=None, until=None) -> pd.DataFrame:
        """What the clock made happen, per day and kind (instructors)."""
        self._crm.require_role(action="read_scenario")
        where, params = validate.period("on_date", since, until)
        return self._tables.df(f"SELECT * FROM scenario_log WHERE {' AND '.join(['TRUE', *where])} "
                             "ORDER BY on_date, what", params)

    @action
    def adopt(self, *, seed: int = 1, student: str | None = None):
        """Turn an imported company (its orders, tickets and deals) into a teaching scenario whose
        clock continues it: each customer's order rate, order value, churn risk and the service
        rate estimated from the history (docs/scenario-model.md, "A scenario from real data"); the
        clock set to the day after the last imported event. `seed` (and `student`) vary the future,
        never the past. Administrator or director; a generated scenario, or too little history, is refused."""
        seed = validate.integer(seed, "seed", minimum=0)
        self.__dict__.pop("_cached", None)
        return estimate.adopt(self._crm, seed=seed, student=student)

    # -- the clock ---------------------------------------------------------------------------------
    @action
    def advance(self, days: int = 1, *, progress=None, scan: str = "daily") -> AdvanceReport:
        """Move the scenario clock forward by `days` (1–366), one day at a time: each day brings
        the orders, service requests, calls, leads, lapses and events the scenario says, and the
        customers' answers to what students did. The same as advancing one day `days` times.
        `progress(done, total)` is called after each day. The churn scan catches up on every day
        of the advance: each warning is raised, and cleared, on the day its customer crossed the
        line (`scan="end"`: a scan for the last day only, with every new warning dated that day).
        """
        crm = self._crm
        days = validate.integer(days, "days", minimum=1, maximum=366)
        scan = validate.one_of(scan, "scan", ("daily", "end"))
        crm.require_role("admin", "director", action="advance_clock")
        ctx = self._context(progress, fresh=True)
        ctx.total = days
        start = crm.today()
        totals = run(ctx, days, scan=scan)
        crm.audit_event("advance", KIND, None, before=start, after={"today": crm.today(), **{
            k: v for k, v in totals.items() if k != "order_amount"}})
        return AdvanceReport(start, crm.today(), totals["orders"], round(totals["order_amount"], 2), totals["tickets"],
                             totals["calls"], totals["leads"], totals["lapsed"], totals["won_back"], totals["events"],
                             totals["answers"], totals["warnings_raised"], totals["warnings_cleared"], crm.language)

    @action
    def advance_to(self, date, *, progress=None, scan: str = "daily") -> AdvanceReport:
        """Advance the clock to `date` (see `advance`)."""
        date = validate.date(date, "date")
        today = self._crm.today()
        if date <= today:
            raise InvalidInput("clock.backwards", field="date", today=today.isoformat(), date=date.isoformat())
        return self.advance((date - today).days, progress=progress, scan=scan)

    # -- customers that react ------------------------------------------------------------------------
    @action
    def outcome_of_step(self, opportunity_id: int, step_id: int, *, record: bool = False) -> StepOutcome:
        """What the prospect answered to a plan step that is due (its date has come).

        Drawn once from the prospect's hidden traits and how the plan was worked, then kept.
        With `record=True` the answer is written as the step's result (the assigned manager's act).
        """
        crm = self._crm
        opp = crm.opportunities.get(opportunity_id)
        step = crm.opportunities.step(step_id)
        if step.opportunity_id != opp.id:
            raise NotFound("simulation.step_mismatch", step=step.id, id=opp.id)
        ctx = self._context()
        answer = responses.step_answer(ctx, opp.id, step.id)
        recorded = False
        if record and step.result is None:
            crm.opportunities.record_result(step.id, answer["detail"][:2000], on_date=max(step.planned_date,
                                                                                           answer["effective_on"]))
            recorded = True
        close = responses.stored(ctx, "close", opp.id)
        return StepOutcome(opp.id, step.id, answer["response"], responses.render(crm.language, "step", answer["response"],
                                                                                  answer),
                           close["response"] if close else None, close.get("reason") if close else None, recorded)

    @action
    def outcome_of_suspension(self, warning_id: int, *, record: bool = False) -> ChurnReaction:
        """How the customer took the measures recorded on its churn warning (after `crm.churn.suspend`).

        If the measures win it back, an order appears on the day it comes back (a later advance).
        With `record=True` the answer is logged as an interaction on the customer.
        """
        crm = self._crm
        warning = crm.churn.get(warning_id)
        ctx = self._context()
        answer = responses.winback(ctx, warning.id)
        if answer is None:
            raise InvalidInput("simulation.no_measures", field="churn_warning", id=warning.id)
        said = responses.render(crm.language, "winback", answer["response"], answer)
        if record:
            crm.customers.log_interaction(warning.customer_id,
                                          translate("simulation.winback_subject", crm.language)[:200],
                                          channel="other", detail=said)
        return ChurnReaction(warning.id, warning.customer_id, answer["response"], said, answer["effective_on"], record)

    @action
    def outcome_of_ticket(self, ticket_id: int, *, record: bool = False) -> TicketFeedback:
        """How satisfied the customer is with a handled service ticket (S4), and what it says.

            answer = sun.simulation.outcome_of_ticket(ticket_id)
            sun.service.feedback(ticket_id, satisfaction=answer.satisfaction, result=answer.text)

        Drawn once per handling round, then kept: asking again gives the same answer; a ticket sent
        back and handled again gets a new one. It depends on the handling (docs/scenario-model.md,
        "Service tickets"): handled within 2 days of the request (a later round: of the send-back),
        +; after 7 days, −; after 14, more so; a handling text that says what was done, +; "ok",
        "done", "已处理", −−; a complaint, − (less so with an apology or a remedy); a second round, −;
        a customer at risk of leaving, or drifting away over service or quality, −. For an
        average customer: handled within 2 days with a full sentence, satisfied (≥ 3) about 86 %
        of the time; after 10 days with "ok", about 28 %.

        Only a *handled* ticket, that you may read. With `record=True` the answer is recorded as
        the ticket's feedback through `crm.service.feedback`, as you (so its rules hold: who may
        record it; 3 or more archives the ticket, less sends it back to its handler).
        """
        crm = self._crm
        ticket = crm.service.get(ticket_id)
        if ticket.state != "handled":
            raise TransitionNotAllowed("simulation.ticket_not_handled", id=ticket.id,
                                       state=Term(f"state.ticket.{ticket.state}"))
        answer = responses.ticket_answer(self._context(), ticket.id)
        said = responses.render(crm.language, "ticket", answer["response"], answer)
        if record:
            crm.service.feedback(ticket.id, satisfaction=answer["satisfaction"], result=said)
        return TicketFeedback(ticket.id, ticket.customer_id, int(answer["satisfaction"]), said, record)

    @query
    def responses(self, *, opportunity_id: int | None = None) -> pd.DataFrame:
        """The customers' answers you may see: to plan steps of your opportunities and to the
        measures on your churn warnings, oldest first."""
        crm = self._crm
        where, params = "", []
        if opportunity_id is not None:
            where, params = "AND o.subject_id = ?", [validate.record_id(opportunity_id, "opportunity")]
        frame = crm.as_user(ADMIN_USERNAME).tables.df(f"""
            SELECT o.kind, o.record_id, o.subject_id, o.effective_on, o.response, o.detail
            FROM scenario_outcomes o JOIN opportunities p ON p.id = o.subject_id
            WHERE o.kind = 'step' AND {crm.scope('opportunity', 'p.owner_id')} {where}
            UNION ALL
            SELECT o.kind, o.record_id, o.subject_id, o.drawn_on, o.response, o.detail
            FROM scenario_outcomes o JOIN customers c ON c.id = o.subject_id
            WHERE o.kind = 'winback' AND {crm.scope('churn', 'c.owner_id')} {'AND FALSE' if where else ''}
            ORDER BY 4, 1, 2""", params)
        return frame.rename(columns={"effective_on": "on_date"})

    @query
    def win_probability(self, opportunity_id: int) -> float:
        """The model's probability that the opportunity closes successfully (instructors)."""
        self._crm.require_role(action="read_scenario")
        return responses.close_chance(self._context(), self._crm.opportunities.get(opportunity_id).id)

    @query
    def winback_probability(self, warning_id: int) -> float:
        """The model's probability that the measures so far win the customer back (instructors)."""
        self._crm.require_role(action="read_scenario")
        warning = self._crm.churn.get(warning_id)
        ctx = self._context()
        answer = responses.stored(ctx, "winback", warning.id)
        if answer is not None:
            return answer["probability"]
        trait = self._tables.one("SELECT churn_reason, channel, churn_risk FROM scenario_traits WHERE kind = 'customer' "
                               "AND record_id = ?", [warning.customer_id])
        level = self._tables.scalar("SELECT level FROM customers WHERE id = ?", [warning.customer_id])
        drifter = reaction.Drifter(trait[0] or "competitor", trait[1] or "phone", float(trait[2] or .5), level)
        return reaction.winback_probability(drifter, reaction.winback_factors(drifter, warning.raised_on, []))
