"""Order history: seasonal, heavy-tailed, shaped by each customer's pattern — and the rate model
the clock keeps using afterwards.

A customer's order rate on day t (days from "today", negative in the past) is

    rate × exp(trend · t / 365) × season(month) / mean(season)      while t < lapse

`rate` is calibrated so the history holds about `CustomerBase.orders` orders. The
history draws each customer's count from that integral, places the orders by
inverting the trend's CDF, thins them by the season and adds the anchor order.
Orders have 1–6 lines; the order amount is the sum of its lines (in cents, exactly).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import rand
from .context import Context, insert

CHUNK = 50_000  # customers per batch: bounded memory at any scale, and a progress tick each


def exposure(created: np.ndarray, end: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """∫ exp(trend·t/365) dt over [created, end] (days; end ≥ created), vectorised."""
    k = trend / 365.0
    flat = np.abs(k) < 1e-9
    safe = np.where(flat, 1.0, k)
    curved = (np.exp(safe * end) - np.exp(safe * created)) / safe
    return np.where(flat, end - created, curved).clip(min=0)


def calibrate(ctx: Context, cards: pd.DataFrame) -> np.ndarray:
    """Each customer's base rate (orders per day at trend 1) so the history holds the scenario's orders."""
    end = np.where(cards["pattern"].isin(["lapsed", "drifting"]), cards["anchor"], 0).astype(float)
    weights = cards["weight"].to_numpy() * exposure(cards["created"].to_numpy(float), end, cards["trend"].to_numpy())
    wanted = max(ctx.scenario.customers.orders - len(cards), 0)
    return cards["weight"].to_numpy() * (wanted / weights.sum() if weights.sum() > 0 else 0.0)


def orders(ctx: Context, cards: pd.DataFrame, rate: np.ndarray) -> int:
    """Write the order history in batches of customers; returns the number of orders."""
    total = 0
    for number, start in enumerate(range(0, len(cards), CHUNK)):
        total += _batch(ctx, cards.iloc[start:start + CHUNK], rate[start:start + CHUNK], number)
        ctx.step()
    return total


def _batch(ctx: Context, cards: pd.DataFrame, rate: np.ndarray, number: int) -> int:
    base = ctx.scenario.customers
    rng = rand.generator(ctx.seed, "orders", number)
    season = np.asarray(base.seasonality, dtype=float)
    created = cards["created"].to_numpy(float)
    anchor = cards["anchor"].to_numpy()
    end = np.where(cards["pattern"].isin(["lapsed", "drifting"]), anchor, 0).astype(float)
    trend = cards["trend"].to_numpy()
    # Oversample by max/mean of the season, then thin by season/max: what is kept follows the season.
    expected = rate * exposure(created, end, trend) * season.max() / season.mean()
    count = rng.poisson(expected)
    idx = np.repeat(np.arange(len(cards)), count)
    # Per customer first, then per order: the exponentials are the same numbers, computed once.
    k = trend / 365.0
    flat = np.abs(k) < 1e-9
    safe = np.where(flat, 1.0, k)
    e_lo, e_hi = np.exp(safe * created), np.exp(safe * end)
    lo, hi, u = created[idx], end[idx], rng.random(len(idx))
    t = np.where(flat[idx], lo + u * (hi - lo), np.log(e_lo[idx] + u * (e_hi - e_lo)[idx]) / safe[idx])
    day = np.clip(np.floor(t), lo, hi).astype(np.int64)
    keep = rng.random(len(idx)) < season[_months(ctx.today, day)] / season.max()
    # The anchor order fixes each customer's last order date (see customer_base.py).
    idx = np.r_[idx[keep], np.arange(len(cards))]
    day = np.r_[day[keep], anchor]
    # By customer, then day (ties keep their order): one stable sort of a combined key
    # orders the rows as np.lexsort((day, idx)) does, several times faster.
    first = day.min(initial=0)
    order = np.argsort(idx * (day.max(initial=0) - first + 1) + (day - first), kind="stable")
    idx, day = idx[order], day[order]
    return write(ctx, rng, cards["id"].to_numpy()[idx], cards["owner_id"].to_numpy()[idx], day,
                 cards["value"].to_numpy()[idx], cards["discount"].to_numpy()[idx],
                 cards["line_no"].to_numpy()[idx], base.value_spread, base.lines_per_order)


def _months(today, day: np.ndarray) -> np.ndarray:
    """The calendar month (0–11) of each day offset from `today`, through a table of the days spanned."""
    first = day.min(initial=0)
    span = np.datetime64(today, "D") + np.arange(first, day.max(initial=0) + 1)
    return (span.astype("datetime64[M]").astype(np.int64) % 12)[day - first]


def write(ctx: Context, rng: np.random.Generator, customer: np.ndarray, owner: np.ndarray, day: np.ndarray,
          value: np.ndarray, discount: np.ndarray, line_no: np.ndarray, spread: float, lines_per_order: float) -> int:
    """Orders (one per row) with their lines, set-based. Returns how many."""
    header, lines = draw(ctx, rng, customer, owner, day, value, discount, line_no, spread, lines_per_order)
    return insert_orders(ctx.db, header, lines, ctx.today,
                         first=(ctx.take("orders", len(header)), ctx.take("order_lines", len(lines))))


def draw(ctx: Context, rng: np.random.Generator, customer: np.ndarray, owner: np.ndarray, day: np.ndarray,
         value: np.ndarray, discount: np.ndarray, line_no: np.ndarray, spread: float,
         lines_per_order: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Order headers (customer, owner, day, cents) and lines (order row, product, quantity, unit, cents):
    heavy-tailed values split over 1–6 lines of mostly the customer's favourite product line."""
    n, products = len(customer), ctx.products
    amount = value * rng.lognormal(0, 0.7 * spread, n)
    per = np.minimum(1 + rng.poisson(lines_per_order - 1, n), 6)
    line_order = np.repeat(np.arange(n), per)
    product = rand.pick_products(rng, line_no[line_order], products)
    price = products["cents"].to_numpy()[product]
    unit = np.maximum(np.round(price * (1 - discount[line_order])), 1).astype(np.int64)
    share = amount[line_order] / per[line_order] * rng.lognormal(0, 0.3, len(line_order))
    quantity = np.clip(np.round(share * 100 / unit), 1, 100_000).astype(np.int64)
    cents = quantity * unit
    # copy=False: a column per array, not one block copied together (millions of rows at size M).
    header = pd.DataFrame({"customer_id": customer, "day": day, "owner_id": owner,
                           "cents": np.add.reduceat(cents, np.r_[0, np.cumsum(per)[:-1]]) if n else cents[:0]},
                          copy=False)
    lines = pd.DataFrame({"order_row": line_order, "product_id": products["id"].to_numpy()[product],
                          "quantity": quantity, "unit": unit, "cents": cents}, copy=False)
    return header, lines


def insert_orders(db, header: pd.DataFrame, lines: pd.DataFrame, base, first: tuple[int, int] | None = None) -> int:
    """Write drawn orders (ids follow the rows' order from `first`, else from the workspace's next
    ids; days counted from `base`) and their lines, behind (Database.behind): the history draws its
    next batch meanwhile. Returns how many."""
    n = len(header)
    if n == 0:
        return 0
    first_order, first_line = first or (db.next_id("orders"), db.next_id("order_lines"))
    ids = np.arange(first_order, first_order + n)
    header = pd.DataFrame({"id": ids, **{c: header[c].to_numpy() for c in header}}, copy=False)
    lines = pd.DataFrame({"id": np.arange(first_line, first_line + len(lines)),
                          "order_id": ids[lines["order_row"].to_numpy()],
                          **{c: lines[c].to_numpy() for c in lines}}, copy=False)
    # Stored by customer (the ids keep the drawn order, and the history's rows come sorted by
    # customer): a customer's orders then sit together, and the customer 360 reads one stretch
    # of the table instead of searching all of it.
    db.behind(_insert_orders, db, header, lines, base)
    return n


def _insert_orders(db, header: pd.DataFrame, lines: pd.DataFrame, base) -> None:
    # printf pads to 8 digits and, unlike lpad, never cuts a longer id short (two orders would share a number).
    insert(db, """INSERT INTO orders SELECT id, customer_id, printf('SO%08d', id),
                      ?::DATE + day::INTEGER, (cents / 100)::DECIMAL(16, 2), 'confirmed', owner_id FROM frame""",
           header, [base])
    insert(db, """INSERT INTO order_lines SELECT id, order_id, product_id, quantity, (unit / 100)::DECIMAL(14, 2),
                      (cents / 100)::DECIMAL(16, 2) FROM frame""", lines)
