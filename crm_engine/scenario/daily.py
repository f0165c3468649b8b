"""What one day of the scenario brings — drawn in memory, written later in one go.

Orders from active customers, service requests, inbound calls and leads from running
campaigns are drawn for a day from counters keyed by (seed, purpose, date, customer)
(rand.py), so a day's draws never depend on how the days are grouped. They wait in
`Pending` until the clock needs the workspace up to date (an event, a churn scan, the
end of the advance); then each table gets one `INSERT … SELECT`, ids in day order.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..names import normalise
from . import rand, texts
from .base import _favourite
from .care import ticket_texts
from .context import Context, choice, customer_names, insert, person_names, phones
from .funnel import traits as write_traits
from .history import draw
from .model import day as scenario_day

WON_BACK_RATE = 0.7   # a won-back customer orders at this share of its old rate
UNHAPPY = ("declining", "drifting", "lapsed")


class Pending:
    """Rows drawn for days the workspace does not show yet; `day` columns count from `base`."""

    def __init__(self, ctx: Context, base: dt.date):
        self.ctx, self.base = ctx, base
        self.headers, self.lines, self.tickets, self.calls, self.leads, self.log = [], [], [], [], [], []
        self._orders = 0

    def add_orders(self, header: pd.DataFrame, lines: pd.DataFrame) -> None:
        self.headers.append(header)
        self.lines.append(lines.assign(order_row=lines["order_row"] + self._orders))
        self._orders += len(header)

    def note(self, offset: int, what: str, records: int, amount: float | None = None) -> None:
        if records:
            self.log.append((offset, what, int(records), amount))

    def flush(self) -> None:
        """Write everything drawn so far (orders, tickets, calls, leads, the day log)."""
        ctx, db, base = self.ctx, self.ctx.db, self.base
        if self.headers:
            header, lines = pd.concat(self.headers, ignore_index=True), pd.concat(self.lines, ignore_index=True)
            first_order, first_line = db.next_id("orders"), db.next_id("order_lines")
            header["id"] = np.arange(first_order, first_order + len(header))
            lines["id"] = np.arange(first_line, first_line + len(lines))
            lines["order_id"] = header["id"].to_numpy()[lines["order_row"].to_numpy()]
            insert(db, """INSERT INTO orders SELECT id, customer_id, 'SO' || lpad(id::VARCHAR, 8, '0'),
                              ?::DATE + day::INTEGER, (cents / 100)::DECIMAL(16, 2), 'confirmed', owner_id FROM frame""",
                   header, [base])
            insert(db, """INSERT INTO order_lines SELECT id, order_id, product_id, quantity,
                              (unit / 100)::DECIMAL(14, 2), (cents / 100)::DECIMAL(16, 2) FROM frame""", lines)
        if self.tickets:
            frame = pd.concat(self.tickets, ignore_index=True)
            frame["id"] = np.arange(db.next_id("tickets"), db.next_id("tickets") + len(frame))
            insert(db, """INSERT INTO tickets (id, customer_id, service_type, subject, request, state, created_on,
                              created_by, attempts)
                          SELECT id, customer_id, service_type, subject, request, 'new', ?::DATE + day::INTEGER,
                              taker, 0 FROM frame""", frame, [base])
            self._history("ticket", "new", frame)
        if self.calls:
            frame = pd.concat(self.calls, ignore_index=True)
            frame["id"] = np.arange(db.next_id("calls"), db.next_id("calls") + len(frame))
            insert(db, """INSERT INTO calls SELECT id, ?::DATE + day::INTEGER + to_seconds(seconds),
                              ?::DATE + day::INTEGER, caller, phone, summary, taker, customer_id::INTEGER, NULL, NULL
                          FROM frame""", frame, [base, base])
        if self.leads:
            frame = pd.concat(self.leads, ignore_index=True)
            frame["id"] = np.arange(db.next_id("leads"), db.next_id("leads") + len(frame))
            insert(db, """INSERT INTO leads (id, name, company, company_norm, phone, source, campaign_id, state,
                              last_activity_on, note, created_on, created_by)
                          SELECT id, name, company, company_norm, phone, source, campaign_id::INTEGER, 'unassigned',
                              ?::DATE + day::INTEGER, note, ?::DATE + day::INTEGER, taker FROM frame""",
                   frame, [base, base])
            self._history("lead", "unassigned", frame)
            insert(db, """INSERT INTO scenario_traits (kind, record_id, need, budget, responsiveness, channel,
                              product_line) SELECT 'lead', id, need, budget, responsiveness, channel, line FROM frame""",
                   frame)
        if self.log:
            frame = pd.DataFrame(self.log, columns=["day", "what", "records", "amount"])
            insert(db, "INSERT INTO scenario_log SELECT ?::DATE + day::INTEGER, what, records, amount FROM frame",
                   frame, [base])
        self.__init__(ctx, base)

    def _history(self, kind: str, state: str, frame: pd.DataFrame) -> None:
        moves = frame[["id", "taker", "day"]]
        insert(self.ctx.db, "INSERT INTO state_history SELECT ?, id, 'create', NULL, ?, taker, ?::DATE + day::INTEGER, "
                            "NULL FROM frame ORDER BY id", moves, [kind, state, self.base])


class World:
    """The customers as the clock sees them: the frame (one row per customer, by id) and its
    columns as numpy arrays, read many times a day; `set` keeps both in step."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._columns: dict[str, np.ndarray] = {}
        self.unhappy = frame["pattern"].isin(UNHAPPY).to_numpy()
        self.lost = (frame["status"] == "lost").to_numpy()

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self._columns:
            self._columns[column] = self.frame[column].to_numpy().copy()
        return self._columns[column]

    def set(self, column: str, rows: np.ndarray, value) -> None:
        self[column][rows] = value
        self.frame.loc[self.frame.index[rows], column] = value

    def rows(self, positions: np.ndarray) -> pd.DataFrame:
        return self.frame.iloc[positions]


def matches(world: World, event) -> np.ndarray:
    mask = np.ones(len(world), dtype=bool)
    for column, value in (("region", event.region), ("level", event.level), ("customer_type", event.customer_type)):
        if value is not None:
            mask &= world[column] == value
    return mask


def alive(world: World, t: int) -> np.ndarray:
    """Who still orders on day t (days from the generation): not lapsed, not lost — or won back."""
    lapse, won = world["lapse"], world["won_back"]
    active = (np.isnan(lapse) | (t < lapse)) & ~world.lost
    return active | (~np.isnan(won) & (t >= won))


def promotion(ctx: Context, world: World, on: dt.date) -> np.ndarray:
    factor = np.ones(len(world))
    for event in ctx.scenario.events:
        if event.kind == "promotion":
            start = scenario_day(event.day, ctx.generated)
            if start <= on < start + dt.timedelta(days=event.days):
                factor = np.where(matches(world, event), factor * event.factor, factor)
    return factor


def orders(ctx: Context, world: World, on: dt.date, pending: Pending) -> tuple[np.ndarray, float, int]:
    """The day's orders; returns (positions of the customers that ordered, amount, won-back comebacks)."""
    base, t = ctx.scenario.customers, (on - ctx.generated).days
    season = np.asarray(base.seasonality, dtype=float)
    won = world["won_back"]
    won_back = ~np.isnan(won) & (t >= won)
    trend = np.clip(np.exp(world["trend"] * t / 365), 0.1, 5.0)
    rate = world["rate"] * np.where(won_back, WON_BACK_RATE, trend) * season[on.month - 1] / season.mean()
    rate = rate * promotion(ctx, world, on) * alive(world, t)
    count = rand.poisson(rand.uniforms(ctx.seed, "clock_orders", on.toordinal(), world["customer_id"]), rate)
    comeback = ~np.isnan(won) & (t == won)  # the order that shows the customer is back
    count = np.where(comeback, np.maximum(count, 1), count)
    idx = np.repeat(np.arange(len(world)), count)
    if len(idx) == 0:
        return idx, 0.0, 0
    rng = rand.generator(ctx.seed, "clock_lines", on.toordinal())
    header, lines = draw(ctx, rng, world["customer_id"][idx], world["owner_id"][idx],
                         np.full(len(idx), (on - pending.base).days), world["value"][idx], world["discount"][idx],
                         world["line_no"][idx], base.value_spread, base.lines_per_order)
    pending.add_orders(header, lines)
    return idx, float(header["cents"].sum()) / 100, int(comeback.sum())


def tickets(ctx: Context, world: World, on: dt.date, pending: Pending) -> int:
    """Service requests: each customer (active, or lapsed within two months) at its yearly rate."""
    service, t = ctx.scenario.service, (on - ctx.generated).days
    lapse = world["lapse"]
    reachable = alive(world, t) | (~np.isnan(lapse) & (t < lapse + 60))
    rate = service.tickets_per_customer_year / 365 * np.where(world.unhappy, 1.6, 1.0) * reachable
    u = rand.uniforms(ctx.seed, "clock_tickets", on.toordinal(), world["customer_id"])
    idx = np.repeat(np.arange(len(world)), rand.poisson(u, rate))
    if len(idx) == 0:
        return 0
    rng = rand.generator(ctx.seed, "clock_tickets", on.toordinal())
    kind = choice(rng, service.types, len(idx))
    if "complaint" in service.types:
        kind = np.where(world.unhappy[idx] & (rng.random(len(idx)) < 0.3), "complaint", kind)
    return new_tickets(ctx, rng, world.rows(idx), kind, on, pending)


def new_tickets(ctx: Context, rng: np.random.Generator, who: pd.DataFrame, kind: np.ndarray, on: dt.date,
                pending: Pending) -> int:
    """Tickets in state *new* for the customers in `who` (one each), taken by the service desk."""
    n = len(who)
    if n:
        words = ticket_texts(ctx, rng, kind, who["line_no"].to_numpy())
        desk = ctx.ids("service_staff")
        pending.tickets.append(pd.DataFrame({
            "customer_id": who["customer_id"].to_numpy(), "service_type": kind, "subject": words["subject"],
            "request": words["request"], "taker": desk[np.arange(n) % len(desk)] if len(desk) else 1,
            "day": (on - pending.base).days}))
    return n


def calls(ctx: Context, world: World, on: dt.date, pending: Pending) -> int:
    """Inbound calls waiting in the call-centre log: known customers (their contact's number) and strangers."""
    service, language = ctx.scenario.service, ctx.language
    known_rate = service.calls_per_day * (1 - service.unknown_callers) / max(ctx.scenario.customers.size, 1)
    u = rand.uniforms(ctx.seed, "clock_calls", on.toordinal(), world["customer_id"])
    known = np.repeat(np.arange(len(world)), rand.poisson(u, np.full(len(world), known_rate)))
    strangers = int(rand.poisson(rand.uniforms(ctx.seed, "clock_calls", on.toordinal(), 0),
                                 service.calls_per_day * service.unknown_callers)[0])
    n = len(known) + strangers
    if n == 0:
        return 0
    rng = rand.generator(ctx.seed, "clock_calls", on.toordinal())
    has = world.rows(known)
    callers = np.r_[has["contact"].fillna("").to_numpy(dtype=object), person_names(rng, strangers, language)]
    callers = np.where(callers == "", person_names(rng, n, language), callers)
    numbers = np.r_[has["mobile"].fillna("").to_numpy(dtype=object), phones(rng, strangers, True)]
    numbers = np.where(numbers == "", phones(rng, n, True), numbers)
    line_no = np.r_[has["line_no"].to_numpy(), rng.integers(0, len(ctx.lines), strangers)]
    product = ctx.products["name"].to_numpy()[_favourite(rng, line_no, ctx.products)]
    catalogue = texts.phrases("CALLS", ctx.scenario.style, language)
    pick = rng.integers(0, 12, n)
    summary = [catalogue[w][k % len(catalogue[w])].format(product=p)
               for w, k, p in zip(np.where(np.arange(n) < len(known), "known", "unknown"), pick, product)]
    desk = ctx.ids("service_staff")
    pending.calls.append(pd.DataFrame({
        "seconds": np.sort(rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800, n)), "caller": callers, "phone": numbers,
        "summary": summary, "taker": desk[np.arange(n) % len(desk)] if len(desk) else 1,
        "customer_id": np.r_[has["customer_id"].to_numpy(float), np.full(strangers, np.nan)],
        "day": (on - pending.base).days}))
    return n


def leads(ctx: Context, on: dt.date, campaigns: list[tuple[int, str]], pending: Pending) -> int:
    """Walk-in leads at `Pipeline.leads_per_day`, and each running campaign's at its own rate."""
    pipeline = ctx.scenario.pipeline
    rates, which = [pipeline.leads_per_day], [None]
    for number, (spec, (_id, state)) in enumerate(zip(pipeline.campaigns, campaigns)):
        start, end = scenario_day(spec.start, ctx.generated), scenario_day(spec.end, ctx.generated)
        if start <= on <= end and state in ("planned", "active"):  # not once cancelled or ended early
            rates.append(spec.leads_per_day), which.append(number)
    count = rand.poisson(rand.uniforms(ctx.seed, "clock_leads", on.toordinal(), np.arange(len(rates))), np.array(rates))
    chosen = [c for c, k in zip(which, count) for _ in range(int(k))]
    return new_leads(ctx, rand.generator(ctx.seed, "clock_leads", on.toordinal()), chosen, campaigns, on, pending)


def new_leads(ctx: Context, rng: np.random.Generator, which: list, campaigns: list, on: dt.date, pending: Pending,
              source: str | None = None, quality: float | None = None) -> int:
    """Leads into the public pool: `which` holds a campaign number (or None) per lead."""
    n, language, pipeline = len(which), ctx.language, ctx.scenario.pipeline
    if n == 0:
        return 0
    companies = customer_names(rng, n, language, "company")[0]
    if ctx.scenario.customers.naming == "person":  # prospective students rarely name a company
        companies = np.where(rng.random(n) < 0.85, None, companies)
    product = ctx.products["name"].to_numpy()[rng.integers(0, len(ctx.products), n)]
    q = np.array([quality if quality is not None else (pipeline.campaigns[c].quality if c is not None else 0.5)
                  for c in which]).clip(0.1, 0.9)
    frame = pd.DataFrame({
        "name": person_names(rng, n, language), "company": companies, "phone": phones(rng, n, True),
        "source": [source or ("campaign" if c is not None else None) for c in which],
        "campaign_id": [campaigns[c][0] if c is not None else None for c in which],
        "note": [texts.LEAD_NOTES[language].format(product=p) for p in product],
        "taker": ctx.first("marketing", "service_staff", "director"), "day": (on - pending.base).days,
        "need": rng.beta(4 * q, 4 * (1 - q)), "budget": rng.beta(2, 2, n), "responsiveness": rng.beta(2, 2, n),
        "channel": choice(rng, ctx.scenario.customers.channels, n),
        "line": np.array(ctx.lines, dtype=object)[rng.integers(0, len(ctx.lines), n)]})
    missing = frame["source"].isna().to_numpy()
    frame.loc[missing, "source"] = choice(rng, pipeline.lead_sources, int(missing.sum()))
    frame["company_norm"] = [normalise(c) if isinstance(c, str) else None for c in frame["company"]]
    pending.leads.append(frame)
    return n


def events(ctx: Context, world: World, on: dt.date, pending: Pending, campaigns: list) -> tuple[list, dict]:
    """The day's events that change the simulated world (complaints, leads, lapses, prices in memory).
    Returns those the engine must record with the clock on that day (notices, opportunities, prices)
    and how many tickets, leads and lapses the others made."""
    engine, made = [], {"tickets": 0, "leads": 0, "lapsed": 0}
    for number, event in enumerate(ctx.scenario.events):
        if event.kind == "promotion" or scenario_day(event.day, ctx.generated) != on:
            continue
        rng = rand.generator(ctx.seed, "events", number)
        t = (on - ctx.generated).days
        pending.note((on - pending.base).days, f"event:{event.kind}", 1)
        if event.kind == "complaints":
            pool = np.flatnonzero(matches(world, event) & alive(world, t))
            u = rand.uniforms(ctx.seed, "events", number, world["customer_id"][pool])
            chosen = np.sort(pool[np.argsort(u, kind="stable")[:event.count]])
            made["tickets"] += new_tickets(ctx, rng, world.rows(chosen), np.full(len(chosen), "complaint",
                                                                                  dtype=object), on, pending)
        elif event.kind == "leads":
            made["leads"] += new_leads(ctx, rng, [None] * event.count, campaigns, on, pending, source=event.source,
                                       quality=event.quality)
        elif event.kind == "lapse":
            pool = np.flatnonzero(matches(world, event) & alive(world, t))
            hit = pool[rand.uniforms(ctx.seed, "events", number, world["customer_id"][pool]) < event.share]
            if len(hit):
                ids = pd.DataFrame({"id": world["customer_id"][hit]})
                insert(ctx.db, "UPDATE scenario_traits SET lapse_on = ?, churn_reason = 'competitor' "
                               "WHERE kind = 'customer' AND record_id IN (SELECT id FROM frame)", ids, [on])
                world.set("lapse", hit, float(t))
                world.set("churn_reason", hit, "competitor")
        else:
            if event.kind == "price":
                row = ctx.products.index[ctx.products["code"] == event.product]
                ctx.products.loc[row, "cents"] = int(round(event.price * 100))
            engine.append((number, event))
    return engine, made


def engine_events(ctx: Context, happened: list) -> None:
    """Notices, opportunities and price changes through the engine's verbs (the clock is on their day)."""
    for number, event in happened:
        rng = rand.generator(ctx.seed, "events", number)
        if event.kind == "notice":
            ctx.crm.as_user(ctx.first("director")).notices.post(ctx.text(event.title), ctx.text(event.body))
        elif event.kind == "opportunity":
            opp = ctx.crm.as_user(ctx.first("supervisor", "director")).opportunities.add(
                ctx.text(event.customer_name), ctx.text(event.title), expected_amount=event.amount, probability=10,
                source=event.source if event.source != "other" else "referral")
            write_traits(ctx, "opportunity", np.array([opp.id]), rng, np.array([0.8]),
                         rng.integers(0, len(ctx.lines), 1))
        elif event.kind == "price":
            product = ctx.db.scalar("SELECT id FROM products WHERE code = ?", [event.product])
            ctx.crm.products.update(product, price=event.price)
