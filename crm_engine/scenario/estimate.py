"""A scenario from real data (issue 19): an imported company becomes a teaching scenario whose clock
continues it — each customer keeps ordering at its historical rate, those who stopped stay quiet,
service requests come at the historical rate.

    crm.simulation.adopt(seed=7)                     # admin or director, on an imported workspace
    crm.simulation.advance(30)                       # a month more of the same company

The estimation (`customer_traits`, `service_rate`) is pure: history tables in, traits out
(docs/scenario-model.md, "A scenario from real data"). What the history cannot tell — need,
budget, responsiveness, why a customer would leave — is drawn from the seed; the seed varies the
future only, never the imported past.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..crm import CRM
from ..errors import Conflict, InvalidInput
from ..i18n import translate
from . import generate
from .context import Context, insert, load_cast
from .history import draw
from .model import Scenario
from .parts import CHANNELS, CHURN_REASONS, Company, CustomerBase, Person, Pipeline, Product, ServiceLoad
from .rand import variant_seed

MIN_ORDERS = 20          # fewer orders say too little about how the customers buy
MIN_DAYS = 60            # nor does a history shorter than two months
QUIET = 3.0              # silent for 3 expected gaps (a 5 % chance for a customer still buying): stopped
UNHAPPY_TICKETS = 1.6    # daily.tickets: unhappy customers ask for service 1.6 times as often
REACH_DAYS = 60          # daily.tickets: a lapsed customer still asks for service this long


@dataclass(frozen=True)
class Adopted:
    """What `adopt` estimated and where the clock starts."""

    start: dt.date
    first: dt.date
    last: dt.date
    customers: int
    active: int
    lapsed: int
    orders: int
    tickets_per_customer_year: float
    seed: int
    student: str | None
    language: str = "en"

    def __str__(self) -> str:
        return translate("estimate.report", self.language, first=self.first.isoformat(), last=self.last.isoformat(),
                         orders=self.orders, customers=self.customers, active=self.active, lapsed=self.lapsed,
                         tickets=f"{self.tickets_per_customer_year:.2f}", start=self.start.isoformat())


def window(orders: pd.DataFrame, tickets: pd.DataFrame, closes: pd.Series) -> tuple[dt.date, dt.date]:
    """The history's first and last day: the earliest and latest order, ticket or close."""
    days = pd.concat([pd.to_datetime(orders["order_date"]), pd.to_datetime(tickets["created_on"]),
                      pd.to_datetime(closes)]).dropna()
    return days.min().date(), days.max().date()


def customer_traits(customers: pd.DataFrame, orders: pd.DataFrame, lines: pd.DataFrame,
                    channels: pd.DataFrame, first: dt.date, last: dt.date, seed: int) -> pd.DataFrame:
    """One row of hidden traits per customer (`customers.id`) from its orders in [first, last]:
    rate = orders / days of the window; stopped (lapsed) if silent since its last order for more
    than QUIET expected gaps (days / orders), or it never ordered; order_value = the geometric mean
    of its order amounts (the median the engine's lognormal draw reproduces); churn_risk grows with
    the silence; product_line and channel are its most frequent ones. The rest from the seed."""
    days = (last - first).days + 1
    ids = customers["id"].to_numpy()
    o = orders.assign(day=(pd.to_datetime(orders["order_date"]) - pd.Timestamp(first)).dt.days,
                      log=np.log(orders["amount"].astype(float).clip(lower=1)))
    per = o.groupby("customer_id").agg(n=("day", "size"), last_day=("day", "max"), log=("log", "mean"))
    per = per.reindex(ids)
    n = per["n"].fillna(0).to_numpy()
    rate = n / days
    gap = np.where(n > 0, days / np.maximum(n, 1), np.inf)
    silent = np.where(n > 0, (days - 1) - per["last_day"].fillna(0).to_numpy(), days)
    lapsed = (n == 0) | (silent > QUIET * gap)
    lapse_day = np.where(n > 0, per["last_day"].fillna(0).to_numpy() + np.minimum(gap, silent), 0)
    lapse_on = [first + dt.timedelta(days=int(d)) if stop else None for d, stop in zip(lapse_day, lapsed)]
    risk = np.where(lapsed, 0.8, np.clip(0.1 + 0.7 * silent / (QUIET * gap), 0.05, 0.95))
    value = np.exp(per["log"].to_numpy())
    typical = float(np.exp(o["log"].mean())) if len(o) else 1.0
    value = np.where(np.isnan(value), typical, value)
    # Whoever ordered more in the first half than twice the second is declining (an unhappy customer).
    half = o.assign(late=o["day"] >= days / 2).groupby(["customer_id", "late"]).size().unstack(fill_value=0)
    half = half.reindex(ids, fill_value=0)
    early, late = (half[k].to_numpy() if k in half else np.zeros(len(ids)) for k in (False, True))
    pattern = np.where(lapsed, "lapsed", np.where((n >= 4) & (late * 2 < early), "declining", "steady"))
    rng = np.random.default_rng([int(seed), 19])
    reasons = CustomerBase().reasons
    line = _favourite(lines, ids)
    channel = _favourite(channels[channels["channel"].isin(CHANNELS)], ids)
    drawn_channel = np.array(CHANNELS[:4], dtype=object)[rng.integers(0, 4, len(ids))]
    return pd.DataFrame({
        "record_id": ids, "need": rng.beta(2, 2, len(ids)), "budget": rng.beta(2, 2, len(ids)),
        "responsiveness": rng.beta(2, 2, len(ids)),
        "channel": np.where(pd.isna(channel), drawn_channel, channel),
        "product_line": line, "churn_risk": risk,
        "churn_reason": rng.choice(np.array(CHURN_REASONS, dtype=object), len(ids),
                                   p=np.array([reasons[r] for r in CHURN_REASONS]) / sum(reasons.values())),
        "pattern": pattern, "rate": rate,
        "trend": 0.0, "order_value": np.maximum(value, 1.0), "discount": 0.0, "lapse_on": lapse_on,
        "won_back_on": None})


def _favourite(frame: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """Each customer's most frequent value (column 2 of `frame`: customer_id, value), None if none."""
    if frame.empty:
        return np.full(len(ids), None, dtype=object)
    column = frame.columns[1]
    counts = frame.groupby(["customer_id", column]).size().reset_index(name="k")
    top = counts.sort_values(["customer_id", "k", column], ascending=[True, False, True]).drop_duplicates("customer_id")
    found = top.set_index("customer_id")[column].reindex(ids).astype(object)
    return found.where(found.notna(), None).to_numpy()


def service_rate(traits: pd.DataFrame, tickets: int, first: dt.date, last: dt.date,
                 start: dt.date | None = None) -> float:
    """tickets_per_customer_year so that the clock's daily draw (a customer that still orders, or
    stopped within REACH_DAYS, at rate/365 — UNHAPPY_TICKETS times that if unhappy) brings the
    history's tickets per day: 365 × tickets / days / Σ weights."""
    days = (last - first).days + 1
    start = start or last + dt.timedelta(days=1)   # the day the clock starts
    reach = traits["lapse_on"].map(lambda d: d is None or (start - d).days < REACH_DAYS).to_numpy(bool)
    weight = np.where(traits["pattern"].isin(["declining", "lapsed"]), UNHAPPY_TICKETS, 1.0) * reach
    if tickets == 0 or weight.sum() == 0:
        return 0.0
    return float(min(365 * tickets / days / weight.sum(), 100.0))


def calibrate_values(ctx, traits: pd.DataFrame, rounds: int = 8) -> np.ndarray:
    """The order values to store so that the engine's own order draw (history.draw: products of the
    customer's line, quantities rounded to whole units, at least one) gives each customer about its
    historical geometric mean: with a catalogue of dear products, a whole unit is often more than
    the value asked for. A fixed point over the same draws (at most 40 per customer), never more
    than 10 times up or down per round."""
    target = traits["order_value"].to_numpy(float)
    n = len(target)
    lines = {line: k for k, line in enumerate(ctx.lines)}
    line_no = np.array([lines.get(line, 0) for line in traits["product_line"]], dtype=np.int64)
    k = int(np.clip(200_000 // max(n, 1), 1, 40))
    row = np.repeat(np.arange(n), k)
    zeros, value = np.zeros(len(row)), target.copy()
    base = ctx.scenario.customers
    for _ in range(rounds):
        rng = np.random.default_rng([int(ctx.seed), 23])   # the same draws every round
        header, _lines = draw(ctx, rng, row, zeros.astype(np.int64), zeros.astype(np.int64), value[row], zeros,
                              line_no[row], base.value_spread, base.lines_per_order)
        drawn = np.exp(pd.Series(np.log(header["cents"].to_numpy() / 100)).groupby(row).mean().to_numpy())
        value = np.maximum(value * np.clip(target / drawn, 0.1, 10), 1.0)
    return value


def adopt(crm, *, seed: int = 1, student: str | None = None, name: str = "from_data") -> Adopted:
    """Turn the imported company in `crm` into a teaching scenario (within the caller's action)."""
    crm.require_role("admin", "director", action="adopt_scenario")
    db = crm.loader()
    if db.scalar("SELECT count(*) FROM scenario_info"):
        raise Conflict("estimate.already_scenario")
    orders = db.df("SELECT customer_id, order_date, amount FROM orders WHERE status <> 'cancelled'")
    tickets = db.df("SELECT customer_id, service_type, created_on FROM tickets")
    closes = db.df("SELECT closed_on FROM opportunities WHERE closed_on IS NOT NULL")["closed_on"]
    if len(orders) < MIN_ORDERS:
        raise InvalidInput("estimate.too_few_orders", field="history", orders=len(orders), minimum=MIN_ORDERS)
    first, last = window(orders, tickets, closes)
    if (last - first).days + 1 < MIN_DAYS:
        raise InvalidInput("estimate.too_short", field="history", first=first.isoformat(), last=last.isoformat(),
                           minimum=MIN_DAYS)
    products = db.df("SELECT code, name, price, coalesce(category, 'other') AS category FROM products "
                     "WHERE active ORDER BY id")
    people = db.df("SELECT username, name, role FROM users WHERE active AND role <> 'admin' ORDER BY id")
    if products.empty or not (people["role"] == "account_manager").any():
        raise InvalidInput("estimate.no_company", field="history")
    customers = db.df("SELECT id FROM customers ORDER BY id")
    lines = db.df("""SELECT o.customer_id, coalesce(p.category, 'other') AS line FROM order_lines l
                     JOIN orders o ON o.id = l.order_id JOIN products p ON p.id = l.product_id""")
    channels = db.df("SELECT customer_id, channel FROM interactions")
    variant = variant_seed(seed, student)
    traits = customer_traits(customers, orders, lines, channels, first, last, variant)
    start = max(last + dt.timedelta(days=1), crm.today())
    per_year = service_rate(traits, len(tickets), first, last, start)
    days = (last - first).days + 1
    shares = tickets["service_type"].value_counts(normalize=True).to_dict() or ServiceLoad().types
    logs = np.log(orders["amount"].astype(float).clip(lower=1))
    spread = float(np.clip((logs - logs.groupby(orders["customer_id"]).transform("mean")).std(ddof=0) / 0.7, 0, 3))
    per_order = db.scalar("SELECT count(*) FROM order_lines") / max(db.scalar("SELECT count(*) FROM orders"), 1)
    calls = db.scalar("SELECT count(*) FROM calls WHERE on_date BETWEEN ? AND ?", [first, last])
    leads = db.scalar("SELECT count(*) FROM leads WHERE created_on BETWEEN ? AND ?", [first, last])
    company = Company(
        name=crm.setting("company", "Company") or "Company",
        products=tuple(Product(r.code, r.name, max(float(r.price), 0.01), category=r.category)
                       for r in products.itertuples()),
        people=tuple(Person(r.username, r.name, r.role) for r in people.itertuples()))
    scenario = Scenario(
        name=name, title={"en": f"{company.name}: the company continues", "zh_CN": f"{company.name}：公司的经营在继续"},
        company=company,
        customers=CustomerBase(size=max(len(customers), 1), orders=len(orders),
                               history_years=float(np.clip(days / 365, 0.5, 10)), seasonality=(1.0,) * 12,
                               order_value=float(max(np.exp(logs.mean()), 1)), value_spread=spread,
                               lines_per_order=float(np.clip(per_order, 1, 6))),
        pipeline=Pipeline(leads_per_day=min(leads / days, 10_000), targets=False),
        service=ServiceLoad(tickets_per_customer_year=per_year, types=shares, calls_per_day=min(calls / days, 10_000)),
        today=start.isoformat(), language=crm.language if crm.language in ("en", "zh_CN") else "en", seed=int(seed),
        narrative={"en": f"Estimated from the imported history {first} – {last}.",
                   "zh_CN": f"根据导入的历史数据（{first} 至 {last}）估计。"})
    ctx = Context(crm, scenario, variant, scenario.language, start)
    load_cast(ctx)
    traits["order_value"] = calibrate_values(ctx, traits)
    if start > crm.today():
        crm.clock.set(start)
    insert(db, """INSERT INTO scenario_traits (kind, record_id, need, budget, responsiveness, channel, product_line,
                      churn_risk, churn_reason, pattern, rate, trend, order_value, discount, lapse_on, won_back_on)
                  SELECT 'customer', record_id, need, budget, responsiveness, channel, product_line, churn_risk,
                      churn_reason, pattern, rate, trend, order_value, discount, lapse_on::DATE, won_back_on::DATE
                  FROM frame""", traits)
    db.execute("INSERT INTO scenario_info VALUES (?, ?, ?, ?, ?, ?, current_localtimestamp(), ?)",
               [name, int(seed), student, variant, scenario.to_json(), start, generate.MODEL_VERSION])
    lapsed = int((traits["pattern"] == "lapsed").sum())
    result = Adopted(start, first, last, len(customers), len(customers) - lapsed, lapsed, len(orders),
                     round(per_year, 4), int(seed), student, crm.language)
    crm.audit_event("adopt", "scenario", None, after={"first": first, "last": last, "start": start, "customers": len(customers),
                                              "lapsed": lapsed, "orders": len(orders), "student": student})
    return result


def for_students(source, folder, students, *, seed: int = 1, user: str = "admin") -> list[str]:
    """One copy of the imported (not yet adopted) workspace `source` per student in `folder`,
    each adopted with (seed, student): the same past, a different future per student."""
    os.makedirs(folder, exist_ok=True)
    made = []
    for student in students:
        path = os.path.join(folder, f"{student}.duckdb")
        shutil.copyfile(source, path)
        with CRM.open(path, user=user) as crm:
            crm.simulation.adopt(seed=seed, student=str(student))
        made.append(path)
    return made
