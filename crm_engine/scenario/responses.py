"""The simulated customers' answers, read from and written to the workspace (the imperative shell
around reaction.py): plan steps, deals, churn suspensions, handled service tickets.

An answer, once drawn, is stored in `scenario_outcomes` and never redrawn, so what a
student was told stays true. A step's date, for the model, is its planned date but never
earlier than the day it was written into the plan (from the audit trail): a plan back-dated
to look prompt is judged by when it was really made.
"""
from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd

from ..errors import NotAllowed
from ..i18n import translate
from . import rand, reaction
from .context import Context, insert

STEPS_SQL = """
    SELECT p.opportunity_id, p.id, p.planned_date, p.action,
           greatest(p.planned_date, coalesce(a.added_on, p.planned_date)) AS effective, o.response
    FROM plan_steps p
    LEFT JOIN (SELECT TRY_CAST(json_extract_string(after, '$.step_id') AS INTEGER) AS step_id, min(on_date) AS added_on
               FROM audit WHERE kind = 'opportunity' AND action = 'add_step' AND record_id IN ({ids}) GROUP BY 1) a
           ON a.step_id = p.id
    LEFT JOIN scenario_outcomes o ON o.kind = 'step' AND o.record_id = p.id
    WHERE p.opportunity_id IN ({ids})
    ORDER BY p.opportunity_id, effective, p.id"""
OPPS_SQL = """
    SELECT o.id, o.owner_id, o.assigned_on, o.contact_name, o.customer_name, o.lead_id, d.response AS decided,
           d.probability AS decided_p, json_extract_string(d.factors, '$.reason') AS reason
    FROM opportunities o LEFT JOIN scenario_outcomes d ON d.kind = 'close' AND d.record_id = o.id
    WHERE o.id IN ({ids}) ORDER BY o.id"""
TRAITS_SQL = """
    SELECT kind, record_id, need, budget, responsiveness, channel, product_line FROM scenario_traits
    WHERE kind = 'opportunity' AND record_id IN ({ids}) OR kind = 'lead' AND record_id IN ({leads})"""


def prospect(ctx: Context, opportunity_id: int, lead_id: int | None = None,
             known: dict | None = None) -> reaction.Prospect:
    """The opportunity's hidden traits: stored, else its lead's, else drawn from (seed, id) and stored.
    `known`: the stored traits already read, by (kind, record id)."""
    row = _traits(ctx, "opportunity", opportunity_id, known)
    if row is None:
        inherited = _traits(ctx, "lead", lead_id, known) if lead_id else None
        if inherited is not None:
            need, budget, responsiveness, channel, line = inherited
        else:
            u = [rand.uniform(ctx.seed, "traits", opportunity_id, k) for k in range(5)]
            base = ctx.scenario.customers
            need, budget, responsiveness = (float(np.clip(0.15 + 0.7 * x, 0, 1)) for x in u[:3])
            channel = list(base.channels)[int(rand.pick(np.array([u[3]]), list(base.channels.values()))[0])]
            line = _mentioned_line(ctx, opportunity_id) or ctx.lines[int(u[4] * len(ctx.lines))]
        ctx.db.execute("INSERT INTO scenario_traits (kind, record_id, need, budget, responsiveness, channel, "
                       "product_line) VALUES ('opportunity', ?, ?, ?, ?, ?, ?)",
                       [opportunity_id, need, budget, responsiveness, channel, line])
        row = (need, budget, responsiveness, channel, line)
    return reaction.Prospect(*row)


def _mentioned_line(ctx: Context, opportunity_id: int) -> str | None:
    """The product line of the first product an opportunity's summary names (by name or code):
    what a prospect asks for is what it needs."""
    summary = (ctx.db.scalar("SELECT summary FROM opportunities WHERE id = ?", [opportunity_id]) or "").casefold()
    found = [(summary.find(str(text).casefold()), line) for code, name, line in
             zip(ctx.products["code"], ctx.products["name"], ctx.products["line"]) for text in (name, code)
             if str(text).casefold() in summary]
    return min(found)[1] if found else None


def _traits(ctx: Context, kind: str, record_id: int, known: dict | None = None):
    if known is not None:
        return known.get((kind, record_id))
    return ctx.db.one("SELECT need, budget, responsiveness, channel, product_line FROM scenario_traits "
                      "WHERE kind = ? AND record_id = ?", [kind, record_id])


def _contact_days(ctx: Context) -> int:
    return int(ctx.crm.setting("contact_within_days", 7))


def _rep_line(ctx: Context, owner: int) -> str | None:
    line = dict(zip(ctx.users["id"], ctx.users["line"])).get(owner)
    return line if isinstance(line, str) else None


def _date(value) -> dt.date:
    return value.date() if hasattr(value, "date") else value


def answer_plans(ctx: Context, opportunity_ids: list[int], upto_step: int | None = None) -> int:
    """Draw the answers to the due, unanswered steps of these opportunities' plans, in plan order
    (each answer depends on the steps before it), and store them. With `upto_step`, that step
    must be due (NotAllowed otherwise) and later steps are left alone. Returns how many were drawn."""
    if not opportunity_ids:
        return 0
    ids = ", ".join(str(int(i)) for i in opportunity_ids)
    plans = ctx.db.df(STEPS_SQL.format(ids=ids))
    opps = ctx.db.df(OPPS_SQL.format(ids=ids)).set_index("id")
    known = _known_traits(ctx, ids, opps["lead_id"])
    rows, days = [], _contact_days(ctx)
    for opp_id, steps in plans.groupby("opportunity_id", sort=True):
        steps = steps.reset_index(drop=True)
        opp = opps.loc[opp_id]
        last = len(steps) - 1 if upto_step is None else int(np.flatnonzero(steps["id"].to_numpy() == upto_step)[0])
        facts: list[reaction.StepFact] = []
        reason = None if pd.isna(opp["reason"]) else opp["reason"]
        who, decided = None, (None if pd.isna(opp["decided"]) else (opp["decided"], opp["decided_p"], reason))
        for k in range(last + 1):
            kind = reaction.classify(steps["action"].iloc[k])
            on, response = _date(steps["effective"].iloc[k]), steps["response"].iloc[k]
            if pd.isna(response):
                if on > ctx.today:
                    if upto_step is not None and k == last:
                        raise NotAllowed("simulation.step_not_due", step=int(steps["id"].iloc[k]), id=int(opp_id),
                                         date=on.isoformat())
                    break
                who = who or prospect(ctx, int(opp_id), None if pd.isna(opp["lead_id"]) else int(opp["lead_id"]), known)
                response, decided, drawn = _draw(ctx, opp, who, facts, reaction.StepFact(on, kind), k, decided, days)
                for info in drawn:
                    info["record_id"] = int(steps["id"].iloc[k]) if info["kind"] == "step" else info["record_id"]
                rows.extend(drawn)
            facts.append(reaction.StepFact(on, kind, response))
    _store_all(ctx, rows)
    return sum(1 for info in rows if info["kind"] == "step")


def _known_traits(ctx: Context, ids: str, leads: pd.Series) -> dict:
    """The stored traits of the opportunities (and of their leads) in one query, by (kind, record id)."""
    leads = ", ".join(str(int(i)) for i in leads.dropna()) or "NULL"
    known = {}
    for kind, record_id, *traits in ctx.db.rows(TRAITS_SQL.format(ids=ids, leads=leads)):
        known.setdefault((kind, record_id), tuple(traits))
    return known


def _draw(ctx: Context, opp, who: reaction.Prospect, previous: list, this: reaction.StepFact, k: int, decided,
          days: int):
    """One step's answer (and, at a negotiation, the deal's decision): (response, decided, rows to store)."""
    opp_id, rep_line, rows, hints = int(opp.name), _rep_line(ctx, opp["owner_id"]), [], []
    contact = opp["contact_name"] if isinstance(opp["contact_name"], str) else opp["customer_name"]
    assigned = _date(opp["assigned_on"]) if not pd.isna(opp["assigned_on"]) else None
    if decided is not None:  # the customer has already decided; later steps only confirm it
        response, factors, p = ("positive" if decided[0] == "won" else "negative"), {}, decided[1]
    elif this.kind.rank == 4:
        factors = reaction.close_factors(who, rep_line, assigned, previous, this, days)
        p = reaction.probability(factors)
        response = "won" if rand.uniform(ctx.seed, "close", opp_id) < p else "lost"
        reason = reaction.lost_reason(who) if response == "lost" else None
        decided = (response, p, reason)
        rows.append({"kind": "close", "record_id": opp_id, "basis": 0, "subject": opp_id, "effective": this.on,
                     "response": response, "p": p, "factors": factors, "reason": reason, "contact": contact})
    else:
        factors = reaction.step_factors(who, rep_line, assigned, previous, this, days)
        p = reaction.probability(factors)
        response = reaction.respond(p, rand.uniform(ctx.seed, "step", opp_id, k))
        if response != "positive" and "channel_match" not in factors and this.kind.rank == 1:
            hints.append("channel")
    if "line_mismatch" in factors and not previous:
        hints.append("line")
    rows.append({"kind": "step", "record_id": None, "basis": k, "subject": opp_id, "effective": this.on,
                  "response": response, "p": p, "factors": factors, "step_kind": this.kind.kind, "hints": hints,
                  "contact": contact,
                  "channel": who.channel, "line": ctx.text(ctx.scenario.company.lines.get(who.line, who.line)),
                  "reason": decided[2] if decided and response in ("lost", "negative") else None})
    return response, decided, rows


def step_answer(ctx: Context, opportunity_id: int, step_id: int) -> dict:
    """The stored answer to a plan step, drawing it (and the answers to the steps before it) if needed."""
    if stored(ctx, "step", step_id) is None:
        answer_plans(ctx, [opportunity_id], upto_step=step_id)
    return stored(ctx, "step", step_id)


def render(language: str, kind: str, response: str, info: dict) -> str:
    """What the customer said, in `language`."""
    contact = info.get("contact") or "—"
    if kind == "ticket":
        words = translate(f"simulation.ticket.{info['satisfaction']}.{'ab'[info.get('variant', 0) % 2]}", language)
        for hint in info.get("hints", []):
            words += ("" if language == "zh_CN" else " ") + translate(f"simulation.ticket_hint.{hint}", language,
                                                                      days=info.get("days"))
        return translate("simulation.ticket.says", language, contact=contact, words=words)
    if kind == "winback":
        text = translate(f"simulation.winback.{response}", language, customer=contact)
        if info.get("reason"):
            text += " " + translate(f"simulation.reason.{info['reason']}", language)
        return text
    if response in ("won", "lost"):
        text = translate(f"simulation.reply.close.{response}", language, contact=contact)
        if info.get("reason"):
            text += " " + translate(f"simulation.lost.{info['reason']}", language)
        return text
    text = translate(f"simulation.reply.{info.get('step_kind', 'contact')}.{response}", language, contact=contact)
    for hint in info.get("hints", []):
        text += " " + translate(f"simulation.hint.{hint}", language, contact=contact,
                                channel=translate(f"simulation.channel.{info.get('channel')}", language),
                                line=info.get("line") or "—")
    return text


OUTCOME = ("kind", "record_id", "basis", "subject_id", "drawn_on", "effective_on", "response", "probability",
           "factors", "detail")


def _outcome(ctx: Context, kind: str, record_id: int, basis: int, subject: int, effective, response: str,
             p: float, factors: dict, **info) -> list:
    """An answer as a row of scenario_outcomes."""
    info = {k: v for k, v in info.items() if v not in (None, [])}
    detail = render(ctx.language, kind, response, info)
    # A plan step is answered on its own date, whenever the answer is looked up; a churn
    # suspension is answered when the measures are weighed (the day they are asked about or
    # the first day the clock moves after them).
    answered = effective if kind in ("step", "close") else ctx.today
    return [kind, record_id, basis, subject, answered, effective, response, float(p),
            json.dumps({"factors": {k: round(v, 4) for k, v in factors.items()}, **info}, ensure_ascii=False,
                       sort_keys=True), detail]


def _store(ctx: Context, *answer, **info) -> None:
    ctx.db.execute("INSERT INTO scenario_outcomes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   _outcome(ctx, *answer, **info))


def _store_all(ctx: Context, answers: list[dict]) -> None:
    """Many answers in one statement (the end of an advance draws dozens), in their order."""
    if answers:
        frame = pd.DataFrame([_outcome(ctx, **answer) for answer in answers], columns=list(OUTCOME))
        insert(ctx.db, f"INSERT INTO scenario_outcomes SELECT {', '.join(OUTCOME)} FROM frame", frame)


def stored(ctx: Context, kind: str, record_id: int, basis: int | None = None) -> dict | None:
    """The latest stored answer of `kind` for a record (or the one with `basis`)."""
    where = "" if basis is None else f" AND basis = {int(basis)}"
    row = ctx.db.one("SELECT basis, subject_id, drawn_on, effective_on, response, probability, factors, detail "
                     f"FROM scenario_outcomes WHERE kind = ? AND record_id = ?{where} ORDER BY basis DESC LIMIT 1",
                     [kind, record_id])
    if row is None:
        return None
    extra = json.loads(row[6])
    return {"basis": row[0], "subject_id": row[1], "drawn_on": row[2], "effective_on": row[3], "response": row[4],
            "probability": row[5], "factors": extra.pop("factors"), "detail": row[7], **extra}


def draw_due_steps(ctx: Context) -> int:
    """Answers for every step of an assigned opportunity that has become due (the clock moved past it)."""
    due = [r[0] for r in ctx.db.rows("""
        SELECT DISTINCT p.opportunity_id FROM plan_steps p JOIN opportunities o ON o.id = p.opportunity_id
        WHERE o.state = 'assigned' AND p.planned_date <= ? AND NOT EXISTS (
            SELECT 1 FROM scenario_outcomes s WHERE s.kind = 'step' AND s.record_id = p.id)
        ORDER BY 1""", [ctx.today])]
    return answer_plans(ctx, due)


def close_chance(ctx: Context, opportunity_id: int) -> float:
    """The probability the deal closes successfully: as decided, or if the next step were a
    negotiation in good order after the answers so far."""
    decided = stored(ctx, "close", opportunity_id)
    if decided is not None:
        return decided["probability"]
    ids = str(int(opportunity_id))
    opp = ctx.db.df(OPPS_SQL.format(ids=ids)).iloc[0]
    steps = ctx.db.df(STEPS_SQL.format(ids=ids))
    steps = steps[steps["response"].notna()]
    previous = [reaction.StepFact(_date(e), reaction.classify(a), r)
                for e, a, r in zip(steps["effective"], steps["action"], steps["response"])]
    closing = reaction.StepFact(max([ctx.today, *(f.on for f in previous)]), reaction.classify("negotiation"))
    who = prospect(ctx, int(opportunity_id), None if pd.isna(opp["lead_id"]) else int(opp["lead_id"]))
    assigned = _date(opp["assigned_on"]) if not pd.isna(opp["assigned_on"]) else None
    return reaction.probability(reaction.close_factors(who, _rep_line(ctx, opp["owner_id"]), assigned, previous,
                                                       closing, _contact_days(ctx)))


# -- churn suspension -------------------------------------------------------------------------------
def winback(ctx: Context, warning_id: int) -> dict | None:
    """The customer's answer to the measures recorded so far on a warning (None before any)."""
    warning = ctx.db.one("SELECT w.customer_id, w.state, w.raised_on, c.level, c.name FROM churn_warnings w "
                         "JOIN customers c ON c.id = w.customer_id WHERE w.id = ?", [warning_id])
    measures = ctx.db.rows("SELECT on_date, measures FROM churn_measures WHERE warning_id = ? ORDER BY id", [warning_id])
    if warning is None or not measures:
        return None
    latest = stored(ctx, "winback", warning_id)
    if latest is not None and (latest["basis"] >= len(measures) or latest["response"] == "won_back"):
        return latest
    customer_id, state, raised_on, level, name = warning
    trait = ctx.db.one("SELECT churn_reason, channel, churn_risk FROM scenario_traits WHERE kind = 'customer' "
                       "AND record_id = ?", [customer_id])
    reason, channel, risk = trait if trait else ("competitor", "phone", 0.5)
    drifter = reaction.Drifter(reason or "competitor", channel or "phone", float(risk if risk is not None else .5),
                               level)
    factors = reaction.winback_factors(drifter, raised_on, measures)
    p = reaction.winback_probability(drifter, factors)
    won = state in ("warning", "suspended") and rand.uniform(ctx.seed, "winback", warning_id) < p
    effective = None
    if won:
        delay = 3 + int(18 * rand.uniform(ctx.seed, "winback_delay", warning_id))
        effective = max(measures[-1][0] + dt.timedelta(days=delay), ctx.today + dt.timedelta(days=1))
        ctx.db.execute("UPDATE scenario_traits SET won_back_on = ? WHERE kind = 'customer' AND record_id = ?",
                       [effective, customer_id])
    asked = "listen" in set().union(*(reaction.levers(m) for _, m in measures))
    _store(ctx, "winback", warning_id, len(measures), customer_id, effective, "won_back" if won else "not_yet", p,
           factors, contact=name, reason=reason if asked else None)
    return stored(ctx, "winback", warning_id)


def settle_winbacks(ctx: Context, world) -> int:
    """Answer every suspended warning whose measures have not been answered yet; returns how many come back."""
    pending = ctx.db.rows("""
        SELECT w.id FROM churn_warnings w WHERE w.state = 'suspended'
          AND (SELECT count(*) FROM churn_measures m WHERE m.warning_id = w.id) >
              coalesce((SELECT max(basis) FROM scenario_outcomes o WHERE o.kind = 'winback' AND o.record_id = w.id), 0)
          AND NOT EXISTS (SELECT 1 FROM scenario_outcomes o WHERE o.kind = 'winback' AND o.record_id = w.id
                          AND o.response = 'won_back')
        ORDER BY w.id""")
    back = 0
    for (warning_id,) in pending:
        answer = winback(ctx, warning_id)
        if answer and answer["response"] == "won_back":
            back += 1
            rows = np.flatnonzero(world["customer_id"] == answer["subject_id"])
            world.set("won_back", rows, float((answer["effective_on"] - ctx.generated).days))
    return back


# -- service tickets -----------------------------------------------------------------------------------
TICKET_SQL = """
    SELECT t.customer_id, t.service_type, t.created_on, t.attempts, t.handling, t.handled_on, c.name,
           coalesce(k.name, (SELECT p.name FROM contacts p WHERE p.customer_id = t.customer_id
                             ORDER BY p.is_primary DESC, p.id LIMIT 1)) AS contact,
           (SELECT max(s.on_date) FROM ticket_steps s WHERE s.ticket_id = t.id AND s.step = 'feedback'
                                                      AND s.attempt = t.attempts - 1) AS sent_back_on,
           r.churn_risk, r.churn_reason
    FROM tickets t JOIN customers c ON c.id = t.customer_id LEFT JOIN contacts k ON k.id = t.contact_id
    LEFT JOIN scenario_traits r ON r.kind = 'customer' AND r.record_id = t.customer_id
    WHERE t.id = ?"""


def ticket_answer(ctx: Context, ticket_id: int) -> dict:
    """The customer's answer to a handled ticket's current round: stored, else drawn from (seed,
    ticket, round) and stored. Everything it depends on is in the ticket's own record (dates,
    handling text, type, round) and the customer's traits, so neither the day it is asked nor the
    order in which tickets are asked changes it. The caller checks the ticket is handled."""
    (customer_id, service_type, created, attempt, handling, handled_on, name, contact, sent_back, risk,
     reason) = ctx.db.one(TICKET_SQL, [ticket_id])
    answer = stored(ctx, "ticket", ticket_id, attempt)
    if answer is not None:
        return answer
    start = sent_back if attempt > 1 and sent_back is not None else created
    days = (_date(handled_on) - _date(start)).days
    factors = reaction.ticket_factors(service_type, days, handling or "", attempt,
                                      0.5 if risk is None else float(risk), reason)
    satisfaction = reaction.ticket_satisfaction(factors, rand.uniform(ctx.seed, "ticket_feedback", ticket_id, attempt))
    _store(ctx, "ticket", ticket_id, attempt, customer_id, handled_on,
           "satisfied" if satisfaction >= reaction.SATISFIED else "unsatisfied", reaction.probability(factors),
           factors, satisfaction=satisfaction, days=days, contact=contact or name,
           hints=reaction.ticket_hints(factors) if satisfaction <= reaction.SATISFIED else [],
           variant=int(2 * rand.uniform(ctx.seed, "ticket_words", ticket_id, attempt)))
    return stored(ctx, "ticket", ticket_id, attempt)
