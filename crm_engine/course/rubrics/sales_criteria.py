"""Criteria of assignments 1 (develop an opportunity) and 2 (leads, conversion, a campaign's ROI)."""
from __future__ import annotations

import datetime as dt

from .criterion import Facts, Mark, concrete, date_of, fraction


# -- a1: develop a sales opportunity (O2–O5) -----------------------------------------------------------------
def _a1_assigned_on(f: Facts, opp: int) -> dt.date | None:
    rows = [r for r in f.audit("opportunity", "assign", opp) if r["after"].get("owner_id") == f.me]
    return rows[0]["on_date"] if rows else None


def _a1_steps(f: Facts, opp: int, strict: bool) -> tuple[list[dict], list[str]]:
    """Your plan steps on the opportunity, each marked `ok` (a real step) or not, and why not."""
    added = {r["after"].get("step_id"): r["on_date"] for r in f.audit("opportunity", "add_step", opp)}
    assigned = _a1_assigned_on(f, opp)
    steps, lines, seen = [], [], set()
    for step_id, planned, action, result in f.db.rows(
            "SELECT id, planned_date, action, result FROM plan_steps WHERE opportunity_id = ? AND created_by = ? "
            "ORDER BY planned_date, id", [opp, f.me]):
        if step_id not in added:
            continue
        step = {"id": step_id, "planned": planned, "added": added[step_id], "action": action, "result": result,
                "ok": True}
        if not concrete(action):
            step["ok"] = False
            lines.append(f.t("fb.a1.vague_step", step=step_id, action=action))
        elif assigned and planned < assigned:
            step["ok"] = False
            lines.append(f.t("fb.a1.step_before_assignment", step=step_id, date=planned.isoformat(),
                             assigned=assigned.isoformat()))
        elif strict and planned < step["added"]:
            step["ok"] = False
            lines.append(f.t("fb.a1.backdated", step=step_id, date=planned.isoformat(),
                             added=step["added"].isoformat()))
        elif strict and action.strip().casefold() in seen:
            step["ok"] = False
            lines.append(f.t("fb.a1.repeated", step=step_id))
        seen.add(action.strip().casefold())
        steps.append(step)
    return steps, lines


def a1_assign(f: Facts, strict: bool) -> Mark:
    """The target opportunity was assigned to you (by a supervisor)."""
    opp = f.targets["opportunity"]
    when = _a1_assigned_on(f, opp)
    if when:
        return Mark(1.0, [f.t("fb.a1.assigned", id=opp, date=when.isoformat())])
    state, owner = f.db.one("SELECT state, owner_id FROM opportunities WHERE id = ?", [opp])
    if state == "unassigned":
        return Mark(0.0, [f.t("fb.a1.unassigned", id=opp)])
    if owner == f.me:  # yours, but not by an assignment since you got the workspace: never "held by you, not by you"
        return Mark(0.0, [f.t("fb.a1.held_unrecorded", id=opp)])
    return Mark(0.0, [f.t("fb.a1.assigned_elsewhere", id=opp, name=f.user_name(owner))])


def a1_plan(f: Facts, strict: bool) -> Mark:
    """At least three concrete plan steps of yours, dated on or after the assignment."""
    opp = f.targets["opportunity"]
    steps, lines = _a1_steps(f, opp, strict)
    good = sum(s["ok"] for s in steps)
    if good < 3:
        lines.insert(0, f.t("fb.a1.few_steps", id=opp, n=good))
    else:
        lines.insert(0, f.t("fb.a1.plan_ok", id=opp, n=good))
    return Mark(fraction(good, 3), lines)


def a1_first_contact(f: Facts, strict: bool) -> Mark:
    """The first real step planned — and written — within a week of the assignment (O9)."""
    opp = f.targets["opportunity"]
    assigned = _a1_assigned_on(f, opp)
    steps = [s for s in _a1_steps(f, opp, strict)[0] if s["ok"]]
    if not assigned or not steps:
        return Mark(0.0, [f.t("fb.a1.no_first_step", id=opp)])
    limit = int(f.crm.setting("contact_within_days", 7))
    first = min(steps, key=lambda s: (s["planned"], s["id"]))
    days, written = (first["planned"] - assigned).days, (first["added"] - assigned).days
    if days <= limit and written <= limit:
        return Mark(1.0, [f.t("fb.a1.first_ok", date=first["planned"].isoformat(), days=days)])
    return Mark(0.0, [f.t("fb.a1.first_late", date=first["planned"].isoformat(), days=max(days, written),
                          limit=limit)])


def a1_results(f: Facts, strict: bool) -> Mark:
    """At least three real steps with a result that says what happened."""
    opp = f.targets["opportunity"]
    recorded = {r["after"].get("step_id") for r in f.audit("opportunity", "record_result", opp)}
    lines, done = [], 0
    for step in _a1_steps(f, opp, strict)[0]:
        if not step["ok"]:
            continue
        if step["id"] not in recorded:  # name the step, so the student knows which result to record
            lines.append(f.t("fb.a1.no_result", step=step["id"], action=step["action"],
                             date=step["planned"].isoformat()))
        elif concrete(step["result"], 8):
            done += 1
        else:
            lines.append(f.t("fb.a1.thin_result", step=step["id"], result=step["result"]))
    lines.insert(0, f.t("fb.a1.results", n=done) if done < 3 else f.t("fb.a1.results_ok", n=done))
    return Mark(fraction(done, 3), lines)


def a1_close(f: Facts, strict: bool) -> Mark:
    """Closed, and as the customer decided at the negotiation."""
    opp = f.targets["opportunity"]
    state, customer_id = f.db.one("SELECT state, customer_id FROM opportunities WHERE id = ?", [opp])
    closes = f.audit("opportunity", ("succeed", "fail"), opp)
    if not closes or state not in ("succeeded", "failed"):
        return Mark(0.0, [f.t("fb.a1.open", id=opp)])
    decision = f.db.scalar("SELECT response FROM scenario_outcomes WHERE kind = 'close' AND record_id = ? "
                           "ORDER BY basis DESC LIMIT 1", [opp])
    lines = [f.t("fb.a1.closed", id=opp, state=f.t(f"state.opportunity.{state}"))]
    if decision is None:
        return Mark(0.5, lines + [f.t("fb.a1.no_decision", id=opp)])
    if (decision == "won") != (state == "succeeded"):
        return Mark(0.5, lines + [f.t("fb.a1.against_decision", id=opp, decision=f.t(f"fb.decision.{decision}"))])
    if state == "succeeded" and customer_id is None:
        return Mark(0.5, lines + [f.t("fb.a1.no_customer", id=opp)])
    return Mark(1.0, lines + [f.t("fb.a1.as_decided", decision=f.t(f"fb.decision.{decision}"))])


# -- a2: the lead pool, conversion, a campaign's ROI (O6, O7) ---------------------------------------------------
def _a2_claimed(f: Facts) -> dict[int, dt.date]:
    """Leads you took from the public pool since the start: lead id → the day you got it."""
    taken = {}
    for row in f.audit("lead", ("claim", "assign")):
        if row["after"].get("owner_id") == f.me and row["before"].get("state") == "unassigned":
            taken.setdefault(row["record_id"], row["on_date"])
    return taken


def pool_leads(f: Facts, limit: int = 5) -> list[int]:
    """The first leads still in the public pool (what a student who has none can claim)."""
    return [r[0] for r in f.db.rows("SELECT id FROM leads WHERE state = 'unassigned' ORDER BY id LIMIT ?", [limit])]


def a2_claim(f: Facts, strict: bool) -> Mark:
    """At least three leads taken from the public pool."""
    taken = _a2_claimed(f)
    key = "fb.a2.claimed_ok" if len(taken) >= 3 else "fb.a2.claimed"
    lines = [f.t(key, n=len(taken))]
    if len(taken) < 3:
        lines.append(f.t("fb.a2.pool_left", ids=", ".join(map(str, pool_leads(f))) or "—"))
    return Mark(fraction(len(taken), 3), lines)


def a2_follow_up(f: Facts, strict: bool) -> Mark:
    """A concrete follow-up on at least three of the leads you claimed."""
    taken, lines, good = _a2_claimed(f), [], set()
    for row in f.audit("lead", "follow_up"):
        lead = row["record_id"]
        if lead not in taken or row["user_id"] != f.me:
            continue
        if not concrete(row["after"].get("detail")):
            lines.append(f.t("fb.a2.vague_follow_up", id=lead))
        elif strict and date_of(row["after"].get("on_date")) < taken[lead]:
            lines.append(f.t("fb.a2.backdated", id=lead))
        else:
            good.add(lead)
    lines.insert(0, f.t("fb.a2.followed" if len(good) < 3 else "fb.a2.followed_ok", n=len(good)))
    waiting = sorted(set(taken) - good)
    if len(good) < 3 and waiting:
        lines.append(f.t("fb.a2.no_follow_up", ids=", ".join(map(str, waiting))))
    elif len(good) < 3:  # nothing claimed yet: the leads to start from
        lines.append(f.t("fb.a2.pool_left", ids=", ".join(map(str, pool_leads(f))) or "—"))
    return Mark(fraction(len(good), 3), lines)


def a2_convert(f: Facts, strict: bool) -> Mark:
    """At least two of your leads converted, each with a real opportunity."""
    lines, good, converted = [], 0, set()
    for row in f.audit("lead", "convert"):
        converted.add(row["record_id"])
        owner = f.db.scalar("SELECT owner_id FROM leads WHERE id = ?", [row["record_id"]])
        opp = row["after"].get("opportunity_id")
        if owner != f.me:
            continue
        if opp is None:
            lines.append(f.t("fb.a2.no_opportunity", id=row["record_id"]))
            continue
        amount, summary = f.db.one("SELECT expected_amount, summary FROM opportunities WHERE id = ?", [opp])
        if not amount or amount <= 0 or not concrete(summary):
            lines.append(f.t("fb.a2.empty_opportunity", id=row["record_id"], opp=opp))
            continue
        good += 1
    lines.insert(0, f.t("fb.a2.converted" if good < 2 else "fb.a2.converted_ok", n=good))
    if good < 2:
        open_ = [r[0] for r in f.db.rows("SELECT id FROM leads WHERE owner_id = ? AND state IN ('pending', "
                                         "'following') ORDER BY id", [f.me]) if r[0] not in converted]
        if open_:
            lines.append(f.t("fb.a2.not_converted", ids=", ".join(map(str, open_[:10]))))
    return Mark(fraction(good, 2), lines)


def a2_roi(f: Facts, strict: bool, roi=None) -> Mark:
    """The invoice added to the campaign's cost, and `roi` equal to the campaign's figures."""
    campaign, invoice = f.targets["campaign"], f.targets["invoice"]
    lines, share = [], 0.0
    costed = [r for r in f.audit("campaign", "add_cost", campaign)
              if abs(float(r["after"].get("added") or 0) - invoice) < 0.005]
    if costed:
        share += 1 / 3
        lines.append(f.t("fb.a2.cost_ok", id=campaign, amount=f"{invoice:,}"))
    else:
        lines.append(f.t("fb.a2.cost_missing", id=campaign, amount=f"{invoice:,}"))
    expected = f.crm.campaigns.roi(campaign)["roi"].iloc[0]
    try:
        answer = None if roi is None else float(roi)
    except (TypeError, ValueError):
        answer = None
    if answer is None:
        lines.append(f.t("fb.answer_missing", name="roi"))
    elif expected == expected and abs(answer - expected) <= 0.001:  # (NaN != NaN: no cost, no ROI)
        share += 2 / 3
        lines.append(f.t("fb.a2.roi_ok", roi=f"{expected:.4f}"))
    else:
        lines.append(f.t("fb.a2.roi_wrong", answer=f"{answer:.4f}"))
    return Mark(share, lines)
