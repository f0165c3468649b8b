"""Criteria of assignments 3 (the customer 360 and churn) and 4 (service tickets)."""
from __future__ import annotations

from ...i18n import translate
from .criterion import Facts, Mark, concrete, fraction


# -- a3: the customer 360 and churn (C2–C4) ------------------------------------------------------------------------
def _winback_subjects(f: Facts) -> set[str]:
    return {translate("simulation.winback_subject", lang) for lang in ("en", "zh_CN")}


def a3_at_risk(f: Facts, strict: bool, at_risk=None) -> Mark:
    """`at_risk` equals the team's customers warned by the start (overlap / union)."""
    expected = set(f.targets["customers"])
    try:
        given = {int(x) for x in at_risk} if at_risk is not None else None
    except (TypeError, ValueError):
        given = None
    if given is None:
        return Mark(0.0, [f.t("fb.answer_missing", name="at_risk")])
    both = len(given & expected)
    union = len(given | expected) or 1
    key = "fb.a3.at_risk_ok" if given == expected else "fb.a3.at_risk"
    lines = [f.t(key, n=len(given), missing=len(expected - given), extra=len(given - expected))]
    if strict:  # the feedback after grading names them (the visible check must not give the answer away)
        if expected - given:
            lines.append(f.t("fb.a3.at_risk_missing", ids=", ".join(map(str, sorted(expected - given)))))
        if given - expected:
            lines.append(f.t("fb.a3.at_risk_extra", ids=", ".join(map(str, sorted(given - expected)))))
    return Mark(both / union, lines)


def a3_contact(f: Facts, strict: bool) -> Mark:
    """A new interaction (not the recorded answer) with every at-risk customer."""
    customers = f.targets["customers"]
    reaction = _winback_subjects(f)
    contacted = {r["after"].get("customer_id") for r in f.audit("interaction", "create")
                 if r["after"].get("subject") not in reaction}
    missing = [c for c in customers if c not in contacted]
    lines = [f.t("fb.a3.contacted", n=len(customers) - len(missing), total=len(customers))]
    if missing:
        lines.append(f.t("fb.a3.not_contacted", ids=", ".join(map(str, missing))))
    return Mark(fraction(len(customers) - len(missing), len(customers)), lines)


def a3_suspend(f: Facts, strict: bool) -> Mark:
    """Every warning suspended with concrete measures (strict: not the same words everywhere)."""
    warnings_ = f.targets["warnings"]
    texts: dict[int, list[str]] = {}
    for row in f.audit("churn", "suspend"):
        texts.setdefault(row["record_id"], []).append(row["after"].get("measures") or "")
    used: dict[str, set] = {}
    for warning, measures in texts.items():
        for text in measures:
            used.setdefault(text.strip().casefold(), set()).add(warning)
    lines, good = [], 0
    for warning in warnings_:
        real = [m for m in texts.get(warning, []) if concrete(m, 15)]
        if strict:  # the same words pasted on every customer are not measures for *this* customer
            real = [m for m in real if len(used[m.strip().casefold()]) == 1 or len(warnings_) == 1]
        if real:
            good += 1
        elif texts.get(warning):
            lines.append(f.t("fb.a3.vague_measures", id=warning))
        else:
            lines.append(f.t("fb.a3.not_suspended", id=warning))
    lines.insert(0, f.t("fb.a3.suspended", n=good, total=len(warnings_)))
    return Mark(fraction(good, len(warnings_)), lines)


def a3_confirm(f: Facts, strict: bool) -> Mark:
    """Churn confirmed only after hearing the customer, never for one who came back."""
    warnings_ = f.targets["warnings"]
    reaction = _winback_subjects(f)
    asked = {}  # customer → audit ids of recorded answers
    for row in f.audit("interaction", "create"):
        if row["after"].get("subject") in reaction:
            asked.setdefault(row["after"].get("customer_id"), []).append(row["id"])
    total, lines = 0.0, []
    for warning in warnings_:
        customer, state = f.db.one("SELECT customer_id, state FROM churn_warnings WHERE id = ?", [warning])
        answer = f.db.scalar("SELECT response FROM scenario_outcomes WHERE kind = 'winback' AND record_id = ? "
                             "ORDER BY basis DESC LIMIT 1", [warning])
        suspensions = len(f.audit("churn", "suspend", warning))
        confirm = f.audit("churn", "confirm", warning)
        if confirm:
            before = [i for i in asked.get(customer, []) if i < confirm[0]["id"]]
            if answer == "won_back":
                lines.append(f.t("fb.a3.confirmed_won_back", id=warning, customer=customer))
            elif not before:
                lines.append(f.t("fb.a3.confirmed_unasked", id=warning, customer=customer))
            else:
                total += 1
        elif answer == "won_back":
            total += 1
        elif answer == "not_yet":
            total += 1 if suspensions >= 2 else 0.5
            if suspensions < 2:
                lines.append(f.t("fb.a3.not_yet", id=warning, customer=customer))
        elif suspensions:
            total += 0.5
            lines.append(f.t("fb.a3.no_answer", id=warning, customer=customer))
        else:  # nothing to ask about yet: the measures come first
            lines.append(f.t("fb.a3.no_measures_yet", id=warning, customer=customer))
    share = total / len(warnings_) if warnings_ else 1.0
    lines.insert(0, f.t("fb.a3.confirm_summary", score=f"{total:g}", total=len(warnings_)))
    return Mark(share, lines)


# -- a4: service tickets (S1–S6) -----------------------------------------------------------------------------------
def _a4_new_tickets(f: Facts) -> list[int]:
    limit = f.baseline.get("max_ids", {}).get("tickets", 0)
    return [r[0] for r in f.db.rows("SELECT id FROM tickets WHERE id > ? ORDER BY id", [limit])]


def a4_ticket(f: Facts, strict: bool) -> Mark:
    """A complaint ticket for the caller, made from a logged call."""
    caller = f.targets["caller"]
    limit = f.baseline.get("max_ids", {}).get("tickets", 0)
    rows = f.db.rows("SELECT id, call_id FROM tickets WHERE id > ? AND customer_id = ? AND service_type = 'complaint' "
                     "ORDER BY id", [limit, caller])
    if not rows:
        return Mark(0.0, [f.t("fb.a4.no_ticket", name=f.targets["caller_name"])])
    if not any(call for _, call in rows):
        return Mark(0.5, [f.t("fb.a4.not_from_call", id=rows[0][0])])
    return Mark(1.0, [f.t("fb.a4.ticket_ok", id=next(t for t, c in rows if c))])


def a4_assign(f: Facts, strict: bool) -> Mark:
    """Every ticket that was new got a handler."""
    states = f.baseline.get("states", {}).get("ticket", {})
    waiting = sorted({int(t) for t, state in states.items() if state == "new"} | set(_a4_new_tickets(f)))
    assigned = {r["record_id"] for r in f.audit("ticket", "assign")}
    done = [t for t in waiting if t in assigned]
    if not waiting:  # the complaint ticket is the one to make (and then assign)
        return Mark(0.0, [f.t("fb.a4.nothing_new"), f.t("fb.a4.no_ticket", name=f.targets["caller_name"])])
    lines = [f.t("fb.a4.assigned", n=len(done), total=len(waiting))]
    if len(done) < len(waiting):
        lines.append(f.t("fb.a4.not_assigned", ids=", ".join(str(t) for t in waiting if t not in assigned)))
    return Mark(fraction(len(done), len(waiting)), lines)


def _a4_open(f: Facts) -> list[int]:
    return sorted(set(f.targets["tickets"]) | set(_a4_new_tickets(f)))


def a4_handle(f: Facts, strict: bool) -> Mark:
    """Every ticket that needed handling was handled with a concrete note."""
    states = f.baseline.get("states", {}).get("ticket", {})
    needed = [t for t in _a4_open(f) if states.get(str(t), "new") in ("new", "assigned")]
    sent_back = {r["record_id"] for r in f.audit("ticket", "feedback") if r["after"].get("state") == "assigned"}
    needed = sorted(set(needed) | sent_back)
    good, lines = set(), []
    for row in f.audit("ticket", "handle"):
        if concrete(row["after"].get("handling"), 15):
            good.add(row["record_id"])
        else:
            lines.append(f.t("fb.a4.vague_handling", id=row["record_id"]))
    done = [t for t in needed if t in good]
    lines.insert(0, f.t("fb.a4.handled", n=len(done), total=len(needed)))
    if len(done) < len(needed):
        lines.insert(1, f.t("fb.a4.not_handled", ids=", ".join(str(t) for t in needed if t not in good)))
    return Mark(fraction(len(done), len(needed)), lines)


def a4_feedback(f: Facts, strict: bool) -> Mark:
    """Every open ticket got feedback and ended archived."""
    tickets = _a4_open(f)
    archived = {}
    for row in f.audit("ticket", "feedback"):
        if row["after"].get("state") == "archived":
            archived[row["record_id"]] = row["after"].get("result")
    lines, done = [], 0
    for ticket in tickets:
        state = f.db.scalar("SELECT state FROM tickets WHERE id = ?", [ticket])
        if ticket not in archived or state != "archived":
            lines.append(f.t("fb.a4.not_archived", id=ticket, state=f.t(f"state.ticket.{state}")))
        elif strict and not concrete(archived[ticket], 10):
            lines.append(f.t("fb.a4.thin_feedback", id=ticket))
        else:
            done += 1
    lines.insert(0, f.t("fb.a4.archived", n=done, total=len(tickets)))
    return Mark(fraction(done, len(tickets)), lines)
