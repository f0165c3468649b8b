"""The scenario clock: advancing it makes the scenario happen, day by day, and keeps the engine's
rules in step.

Each day's orders, requests, calls and leads are drawn in memory (daily.py); the workspace
is brought up to date — rows written, the engine clock set to that day — only on days the
engine has something to do: an event it records (a notice, an opportunity, a price), a
campaign starting or ending, a lost customer ordering again (won back that day), and the last
day. There the engine's own churn scan catches up on the days since the last one
(`churn.scan(since=…)`): each warning is raised, and cleared, on the day its customer crossed
the line, as a scan on every day would have. Hence advancing 30 days once or one day 30 times
leaves the same world (only the audit trail records how the clock was moved).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from . import daily, rand, responses
from .context import Context, insert
from .parts import day as scenario_day

WORLD = """
    SELECT c.id AS customer_id, coalesce(c.owner_id, 1)::BIGINT AS owner_id, coalesce(c.status = 'lost', false) AS lost,
           t.rate, t.trend, t.order_value AS value, t.discount, coalesce(list_contains($unhappy, t.pattern), false)
           AS unhappy, greatest(coalesce(list_position($lines, t.product_line), 0) - 1, 0)::BIGINT AS line_no,
           date_diff('day', $generated, t.lapse_on)::DOUBLE AS lapse,
           date_diff('day', $generated, t.won_back_on)::DOUBLE AS won_back{picks}
    FROM customers c JOIN scenario_traits t ON t.kind = 'customer' AND t.record_id = c.id
    ORDER BY c.id"""


def world(ctx: Context) -> daily.World:
    """Every customer with its traits (lapse and won-back as days from the generation date, NaN
    for none; the line as its number, the first for none), as numpy arrays. Worked out in SQL,
    so that only the columns the clock reads come back: for the card fields events pick
    customers by, only whether each picked value matches, keyed (field, value)."""
    picks = sorted({(column, getattr(event, column)) for event in ctx.scenario.events for column in daily.PICKS
                    if getattr(event, column) is not None})
    columns = ctx.db.numpy(WORLD.format(picks="".join(f", coalesce(c.{column} = $pick{k}, false) AS pick{k}"
                                                      for k, (column, _value) in enumerate(picks))),
                           {"generated": ctx.generated, "unhappy": list(daily.UNHAPPY), "lines": ctx.lines,
                            **{f"pick{k}": value for k, (_column, value) in enumerate(picks)}})
    named = {f"pick{k}": pick for k, pick in enumerate(picks)}
    # Arrays of the world's own, writable (`World.set` changes some).
    return daily.World({named.get(name, name): np.array(values) for name, values in columns.items()})


class WinBacks:
    """Which customers are lost (churn confirmed), to stop the clock on the day one orders again:
    the engine wins it back that day, and a catch-up scan counts it from then."""

    def __init__(self, world: daily.World):
        self.lost = world.lost.copy()
        self.today = False

    def ordered(self, rows: np.ndarray) -> None:
        if len(rows) and self.lost[rows].any():
            self.lost[rows] = False
            self.today = True


def begin(ctx: Context) -> None:
    """Day 0, when the workspace is generated: the calls waiting since yesterday, and day-0 events."""
    customers = world(ctx)
    pending = daily.Pending(ctx, ctx.today)
    campaigns = ctx.db.rows("SELECT id, state FROM campaigns ORDER BY id")[:len(ctx.scenario.pipeline.campaigns)]
    for on in (ctx.today - dt.timedelta(days=1), ctx.today):
        daily.calls(ctx, customers, on, pending)
    engine, _made = daily.events(ctx, customers, ctx.today, pending, campaigns)
    pending.flush()
    daily.engine_events(ctx, engine)


# -- customers the students brought in ----------------------------------------------------------------
def ensure_traits(ctx: Context) -> int:
    """Hidden traits for customers created since the last advance (won opportunities, conversions,
    cards students added). A won deal's customer buys as the deal promised — if the simulated
    customer really said yes; a deal closed as won that the customer never agreed to buys little."""
    rows = ctx.db.df("""
        SELECT c.id, o.won_amount, o.expected_amount, d.response AS decision, t.need, t.budget, t.responsiveness,
               t.channel, t.product_line
        FROM customers c
        LEFT JOIN (SELECT customer_id, arg_max(id, closed_on) AS opp FROM opportunities
                   WHERE state = 'succeeded' GROUP BY customer_id) w ON w.customer_id = c.id
        LEFT JOIN opportunities o ON o.id = w.opp
        LEFT JOIN scenario_outcomes d ON d.kind = 'close' AND d.record_id = o.id
        LEFT JOIN scenario_traits t ON t.kind = 'opportunity' AND t.record_id = o.id
        WHERE NOT EXISTS (SELECT 1 FROM scenario_traits x WHERE x.kind = 'customer' AND x.record_id = c.id)
        ORDER BY c.id""")
    if rows.empty:
        return 0
    n, base = len(rows), ctx.scenario.customers
    ids = rows["id"].to_numpy()
    u = [rand.uniforms(ctx.seed, "new_customer", ids, k) for k in range(6)]
    typical = ctx.db.scalar("SELECT median(rate) FROM scenario_traits WHERE kind = 'customer'") or 0.01
    won = rows["won_amount"].notna().to_numpy()
    real = (rows["decision"] == "won").to_numpy()
    channels, lines = list(base.channels), ctx.lines
    frame = pd.DataFrame({
        "id": ids, "need": rows["need"].fillna(pd.Series(u[0])).to_numpy(float),
        "budget": rows["budget"].fillna(pd.Series(u[1])).to_numpy(float),
        "responsiveness": rows["responsiveness"].fillna(pd.Series(u[2])).to_numpy(float),
        "channel": rows["channel"].fillna(pd.Series(np.array(channels, dtype=object)[
            rand.pick(u[3], list(base.channels.values()))])).to_numpy(object),
        "line": rows["product_line"].fillna(pd.Series(np.array(lines, dtype=object)[
            (u[4] * len(lines)).astype(int)])).to_numpy(object),
        "pattern": np.where(won, "won", "new"),
        "rate": np.where(won, np.where(real, 1 / 30, 0.15 / 30), typical * (0.5 + u[5])),
        "value": np.where(won, rows["won_amount"].fillna(0).to_numpy(float) / 4, base.order_value),
        "reason": np.array(list(base.reasons), dtype=object)[rand.pick(u[5], list(base.reasons.values()))]})
    insert(ctx.db, """INSERT INTO scenario_traits (kind, record_id, need, budget, responsiveness, channel,
                          product_line, churn_risk, churn_reason, pattern, rate, trend, order_value, discount)
                      SELECT 'customer', id, need, budget, responsiveness, channel, line, 0.3, reason, pattern, rate,
                          0, value, 0 FROM frame""", frame)
    return n


# -- one advance ---------------------------------------------------------------------------------
def run(ctx: Context, days: int, *, scan: str = "daily") -> dict:
    """Advance the clock by `days`, as described above. `scan="end"` runs the churn scan on the
    last day only, for that day (warnings are then dated that day)."""
    totals = dict.fromkeys(("orders", "order_amount", "tickets", "calls", "leads", "lapsed", "won_back", "events",
                            "answers", "warnings_raised", "warnings_cleared"), 0)
    ensure_traits(ctx)
    start = ctx.today
    customers = world(ctx)
    responses.settle_winbacks(ctx, customers)
    comebacks = WinBacks(customers)
    scanned = start  # the catch-up scan starts the day after
    pending = daily.Pending(ctx, start)
    specs = ctx.scenario.pipeline.campaigns
    campaigns = ctx.db.rows("SELECT id, state FROM campaigns ORDER BY id")[:len(specs)]
    accrued = {k: 0 for k in range(len(campaigns))}  # campaign days whose cost is not booked yet
    for number in range(1, days + 1):
        on = start + dt.timedelta(days=number)
        t, offset = (on - ctx.generated).days, number
        engine, made = daily.events(ctx, customers, on, pending, campaigns)
        rows, amount, won_back = daily.orders(ctx, customers, on, pending)
        comebacks.ordered(rows)
        counts = {"orders": len(rows), "tickets": daily.tickets(ctx, customers, on, pending) + made["tickets"],
                  "calls": daily.calls(ctx, customers, on, pending),
                  "leads": daily.leads(ctx, on, campaigns, pending) + made["leads"],
                  "won_back": won_back, "lapsed": int(np.sum(customers["lapse"] == t))}   # foreseen and events' lapses
        for what, records in counts.items():
            pending.note(offset, what, records, round(amount, 2) if what == "orders" else None)
            totals[what] += records
        totals["order_amount"] += amount
        totals["events"] += sum(1 for e in ctx.scenario.events
                                if e.kind != "promotion" and scenario_day(e.day, ctx.generated) == on)
        moves = []
        for k, (spec, (campaign_id, state)) in enumerate(zip(specs, campaigns)):
            first, last = scenario_day(spec.start, ctx.generated), scenario_day(spec.end, ctx.generated)
            if state == "planned" and on >= first:
                moves.append((k, "launch"))
                state = "active"
            if state == "active" and on > last:
                moves.append((k, "complete"))
                state = "completed"
            elif state == "active":
                accrued[k] += 1
            campaigns[k] = (campaign_id, state)
        due = scan == "daily" and comebacks.today
        if engine or moves or due or number == days:
            pending.flush()
            ctx.crm.clock.set(on)
            ctx.today = on
            daily.engine_events(ctx, engine)
            _book_costs(ctx, specs, campaigns, accrued)
            for k, verb in moves:
                getattr(ctx.crm.campaigns, verb)(campaigns[k][0])
            if number == days:
                totals["answers"] = responses.draw_due_steps(ctx)
            if due or number == days:
                result = ctx.crm.churn.scan(since=scanned + dt.timedelta(days=1) if scan == "daily" else None)
                totals["warnings_raised"] += result.raised
                totals["warnings_cleared"] += result.cleared
                scanned, comebacks.today = on, False
        ctx.step()
    return totals


def _book_costs(ctx: Context, specs, campaigns, accrued: dict) -> None:
    """A running campaign costs its budget spread evenly over its days (booked when the clock stops)."""
    for k, days in accrued.items():
        spec = specs[k]
        if days and spec.budget:
            first, last = scenario_day(spec.start, ctx.generated), scenario_day(spec.end, ctx.generated)
            per_day = round(spec.budget / ((last - first).days + 1), 2)
            ctx.crm.campaigns.add_cost(campaigns[k][0], round(per_day * days, 2))
        accrued[k] = 0
