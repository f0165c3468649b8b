"""Criteria of assignments 5 (analysis: answers checked against the workspace) and 6 (a month: outcomes)."""
from __future__ import annotations

import datetime as dt

from ...errors import InvalidInput
from ...i18n import Term
from .criterion import Facts, Mark, date_of, fraction
from .sales_criteria import pool_leads


# -- a5: analysis (R1, R2, R5) ---------------------------------------------------------------------------------------
def _ids(answer) -> list[int] | None:
    """Customer ids from a DataFrame (column customer_id, else its index), a Series index or a list."""
    if answer is None:
        return None
    try:
        if hasattr(answer, "columns"):
            values = answer["customer_id"] if "customer_id" in answer.columns else answer.index
        elif hasattr(answer, "index") and hasattr(answer, "values") and not isinstance(answer, (list, tuple)):
            values = answer.index
        else:
            values = answer
        return [int(v) for v in values]
    except (TypeError, ValueError, KeyError):
        return None


def a5_contribution(f: Facts, strict: bool, top10=None) -> Mark:
    """`top10`: the ten largest customers by order amount last year (ties at rank ten accepted)."""
    year = f.targets["year"]
    ranked = f.db.rows("SELECT customer_id, sum(amount) AS total FROM orders WHERE status <> 'cancelled' AND "
                       "year(order_date) = ? GROUP BY 1 ORDER BY 2 DESC, 1", [year])
    ids = _ids(top10)
    if ids is None:
        return Mark(0.0, [f.t("fb.answer_missing", name="top10")])
    if len(ranked) < 10:
        raise InvalidInput("fb.a5.too_few_orders", field="year", year=year)
    tenth = ranked[9][1]
    accepted = {c for c, total in ranked if total >= tenth}  # ties at rank ten all count
    hits = len(set(ids[:10]) & accepted)
    key = "fb.a5.top_ok" if hits == 10 and len(ids) == 10 else "fb.a5.top"
    lines = [f.t(key, hits=hits, n=len(ids), year=year)]
    wrong = [i for i in ids[:10] if i not in accepted]
    if strict and wrong:  # after grading: which of yours are not in the top ten (the visible check keeps it quiet)
        lines.append(f.t("fb.a5.top_wrong", ids=", ".join(map(str, wrong)), year=year))
    return Mark(hits / 10, lines)


def a5_composition(f: Facts, strict: bool, by_level=None) -> Mark:
    """`by_level`: every level's share of all customers within 0.005."""
    expected = f.crm.reports.composition("level")
    expected = {str(c): float(s) for c, s in zip(expected["code"], expected["share"]) if s and s == s}
    try:
        given = {str(k): float(v) for k, v in dict(by_level).items()} if by_level is not None else None
    except (TypeError, ValueError):
        given = None
    if given is None:
        return Mark(0.0, [f.t("fb.answer_missing", name="by_level")])
    right = [c for c, share in expected.items() if abs(given.get(c, -1) - share) <= 0.005]
    key = "fb.a5.composition_ok" if len(right) == len(expected) else "fb.a5.composition"
    lines = [f.t(key, n=len(right), total=len(expected))]
    if len(right) < len(expected):
        lines.append(f.t("fb.a5.levels_wrong", codes=", ".join(c for c in expected if c not in right)))
    return Mark(fraction(len(right), len(expected)), lines)


def a5_rfm(f: Facts, strict: bool, rfm=None, important_value=None) -> Mark:
    """`rfm` measures per customer over the last 365 days, and `important_value`: the important value
    customers of the RFM report (the 8-class model, crm_engine/reports/analytics.py)."""
    since = f.today - dt.timedelta(days=365)
    expected = f.crm.reports.rfm(since=since)
    lines, share = [], 0.0
    if rfm is None or not hasattr(rfm, "columns") or not {"customer_id", "recency_days", "frequency",
                                                            "monetary"} <= set(rfm.columns):
        lines.append(f.t("fb.answer_missing", name="rfm"))
    else:
        mine = {int(r.customer_id): r for r in rfm.itertuples()}
        right, wrong = 0, []
        for row in expected.itertuples():
            got = mine.get(int(row.customer_id))
            if got is not None and int(got.recency_days) == int(row.recency_days) \
                    and int(got.frequency) == int(row.frequency) and abs(float(got.monetary) - row.monetary) < 0.01:
                right += 1
            else:
                wrong.append(int(row.customer_id))
        extra = len(set(mine) - set(expected["customer_id"].astype(int)))
        share += 2 / 3 * right / max(len(expected) + extra, 1)
        lines.append(f.t("fb.a5.rfm", right=right, total=len(expected), extra=extra))
        if wrong:
            lines.append(f.t("fb.a5.rfm_wrong", n=len(wrong), ids=", ".join(map(str, wrong[:10]))))
    ids = _ids(important_value)
    wanted = set(expected.loc[expected["segment"] == "important_value", "customer_id"].astype(int))
    if ids is None:
        lines.append(f.t("fb.answer_missing", name="important_value"))
    else:
        both, union = len(set(ids) & wanted), len(set(ids) | wanted) or 1
        share += 1 / 3 * both / union
        lines.append(f.t("fb.a5.important_value", n=len(set(ids)), right=both, total=len(wanted)))
        if strict and set(ids) - wanted:
            lines.append(f.t("fb.a5.not_important_value", ids=", ".join(map(str, sorted(set(ids) - wanted)[:10]))))
    return Mark(share, lines)


def a5_chart(f: Facts, strict: bool, fig=None) -> Mark:
    """`fig`: a plotly bar or pie trace with at least three values."""
    traces = getattr(fig, "data", None)
    if not traces:
        return Mark(0.0, [f.t("fb.a5.no_chart")])
    for trace in traces:
        kind = getattr(trace, "type", None)
        values = getattr(trace, "values", None) if kind == "pie" else getattr(trace, "y", None)
        if kind in ("bar", "pie") and values is not None and len(values) >= 3:
            return Mark(1.0, [f.t("fb.a5.chart_ok", kind=Term(f"chart.kind.{kind}"), n=len(values))])   # 柱状图, not "bar 图"
    return Mark(0.0, [f.t("fb.a5.chart_kind")])


# -- a6: a month of the company (capstone: outcomes) ----------------------------------------------------------------------
def _a6_end(f: Facts) -> tuple[dt.date, dt.date]:
    return date_of(f.targets["start"]), date_of(f.targets["end"])


def _a6_progress(f: Facts) -> tuple[int, int]:
    """(days the simulation ran since the start, days the month has)."""
    start, end = _a6_end(f)
    days = sum((date_of(r["after"].get("today")) - date_of(r["before"].get("value"))).days
               for r in f.audit("scenario", "advance"))
    return days, (end - start).days


def _run(f: Facts, mark: Mark) -> Mark:
    """A month's outcomes count in proportion to how much of the month was run."""
    days, needed = _a6_progress(f)
    if days < needed:
        mark.lines.append(f.t("fb.a6.part_of_month", days=days, needed=needed))
    return Mark(mark.share * min(days / needed, 1.0), mark.lines)


def a6_month(f: Facts, strict: bool) -> Mark:
    """The month run through the simulation (28 days of `simulation.advance`)."""
    _start, end = _a6_end(f)
    days, needed = _a6_progress(f)
    if f.today >= end and days >= needed:
        return Mark(1.0, [f.t("fb.a6.month_ok", today=f.today.isoformat())])
    return Mark(fraction(days, needed), [f.t("fb.a6.month", days=days, needed=needed, end=end.isoformat())])


def _east(f: Facts) -> list[int]:
    team = f.db.scalar("SELECT team_id FROM users WHERE username = 'zhang.wei'")
    return [r[0] for r in f.db.rows("SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id "
                                    "WHERE t.id = ? OR t.parent_id = ?", [team, team])]


def a6_pipeline(f: Facts, strict: bool) -> Mark:
    """Nothing unassigned in the East team, nothing stale, deals closed as decided."""
    return _run(f, _a6_pipeline(f))


def _a6_pipeline(f: Facts) -> Mark:
    start, end = _a6_end(f)
    east = _east(f)
    marks = f.t("fb.a6.pipeline_parts")
    lines, share = [marks], 0.0
    waiting = [r[0] for r in f.db.rows(
        f"SELECT id FROM opportunities WHERE state = 'unassigned' AND owner_id IN ({', '.join(map(str, east))})")]
    share += 1 / 3 if not waiting else 0
    lines.append(f.t("fb.a6.unassigned", n=len(waiting), ids=", ".join(map(str, waiting[:10])) or "—"))
    stale_limit = f.today - dt.timedelta(days=14)
    mine = f.db.rows("""SELECT o.id, max(p.result_date) FROM opportunities o LEFT JOIN plan_steps p
                        ON p.opportunity_id = o.id AND p.result IS NOT NULL
                        WHERE o.state = 'assigned' AND o.owner_id = ? GROUP BY o.id ORDER BY o.id""", [f.me])
    stale = [o for o, last in mine if last is None or last < stale_limit]
    share += 1 / 3 * (1 - len(stale) / len(mine)) if mine else 1 / 3
    lines.append(f.t("fb.a6.stale", n=len(stale), total=len(mine), ids=", ".join(map(str, stale[:10])) or "—"))
    closed = f.db.rows("""SELECT o.id, o.state, (SELECT response FROM scenario_outcomes s WHERE s.kind = 'close'
                              AND s.record_id = o.id ORDER BY basis DESC LIMIT 1)
                          FROM opportunities o WHERE o.state IN ('succeeded', 'failed') AND o.closed_on > ?
                          AND o.owner_id = ? ORDER BY o.id""", [start, f.me])
    fair = [o for o, state, decision in closed if decision and (decision == "won") == (state == "succeeded")]
    share += 1 / 3 * (len(fair) / len(closed)) if closed else 0
    lines.append(f.t("fb.a6.closed", n=len(closed), fair=len(fair)))
    return Mark(share, lines)


def a6_leads(f: Facts, strict: bool) -> Mark:
    """Leads you took on contacted within a week (at least three)."""
    return _run(f, _a6_leads(f))


def _a6_leads(f: Facts) -> Mark:
    held: dict[int, dt.date] = {}
    for row in f.audit("lead", ("claim", "assign")):
        if row["after"].get("owner_id") == f.me:
            held.setdefault(row["record_id"], row["on_date"])
    acted: dict[int, dt.date] = {}
    for row in f.audit("lead", ("follow_up", "convert", "void", "mark_invalid")):
        acted.setdefault(row["record_id"], row["on_date"])
    prompt = [lead for lead, since in held.items() if lead in acted and (acted[lead] - since).days <= 7]
    late = sorted(set(held) - set(prompt))
    lines = [f.t("fb.a6.leads", n=len(prompt), total=len(held))]
    if late:
        lines.append(f.t("fb.a6.leads_late", ids=", ".join(map(str, late[:10]))))
    if len(held) < 3:
        lines.append(f.t("fb.a2.pool_left", ids=", ".join(map(str, pool_leads(f))) or "—"))
    return Mark(fraction(len(prompt), max(len(held), 3)), lines)


def a6_churn(f: Facts, strict: bool) -> Mark:
    """Warnings on your customers answered within a week of being raised."""
    return _run(f, _a6_churn(f))


def _a6_churn(f: Facts) -> Mark:
    start, _end = _a6_end(f)
    rows = f.db.rows("""SELECT w.id, w.raised_on, w.state, w.closed_on FROM churn_warnings w
                        JOIN customers c ON c.id = w.customer_id
                        WHERE c.owner_id = ? AND (w.state IN ('warning', 'suspended', 'churned')
                              OR w.closed_on > ?) ORDER BY w.id""", [f.me, start])
    answered = {}
    for row in f.audit("churn", ("suspend", "confirm")):
        answered.setdefault(row["record_id"], row["on_date"])
    good, late = 0, []
    for warning, raised, state, closed in rows:
        due = max(raised, start) + dt.timedelta(days=7)
        if (warning in answered and answered[warning] <= due) or (state == "cleared" and closed and closed <= due):
            good += 1
        else:
            late.append(warning)
    lines = [f.t("fb.a6.churn", n=good, total=len(rows))]
    if late:
        lines.append(f.t("fb.a6.churn_late", ids=", ".join(map(str, late[:10]))))
    return Mark(fraction(good, len(rows)) if rows else 1.0, lines)


def a6_service(f: Facts, strict: bool) -> Mark:
    """Tickets of the month archived, and assigned within a week."""
    return _run(f, _a6_service(f))


def _a6_service(f: Facts) -> Mark:
    start, _end = _a6_end(f)
    states = f.baseline.get("states", {}).get("ticket", {})
    rows = f.db.rows("SELECT id, state, created_on FROM tickets ORDER BY id")
    mine = [(t, s, c) for t, s, c in rows if states.get(str(t)) not in ("archived",)]
    assigned = {r["record_id"]: r["on_date"] for r in f.audit("ticket", "assign")}
    archived = [t for t, s, _ in mine if s == "archived"]
    prompt = [t for t, _, c in mine if t in assigned and (assigned[t] - max(c, start)).days <= 7
              or states.get(str(t)) in ("assigned", "handled")]
    lines = [f.t("fb.a6.service", archived=len(archived), prompt=len(prompt), total=len(mine))]
    waiting = [t for t, s, _ in mine if s != "archived"]
    if waiting:
        lines.append(f.t("fb.a6.service_open", n=len(waiting), ids=", ".join(map(str, waiting[:10]))))
    if not mine:
        return Mark(1.0, lines)
    return Mark(2 / 3 * len(archived) / len(mine) + 1 / 3 * len(prompt) / len(mine), lines)
