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
from .service_history import ticket_texts
from .context import Context, choice, customer_names, insert, person_names, phones
from .funnel import traits as write_traits
from .history import draw, insert_orders
from .parts import day as scenario_day

WON_BACK_RATE = 0.7   # a won-back customer orders at this share of its old rate
UNHAPPY = ("declining", "drifting", "lapsed")
PICKS = ("region", "level", "customer_type")  # the card fields an event may pick its customers by


# A known customer calls from its first contact's number, under that contact's name (else a
# made-up one, drawn with the call). Read as the calls are written, for the few callers only:
# reading every customer's contact when the clock starts costs more.
CONTACTS = """SELECT customer_id, arg_min(name, id), arg_min(coalesce(mobile, phone), id) FROM contacts
              WHERE customer_id = ANY(?) GROUP BY customer_id"""


class Pending:
    """Rows drawn for days the workspace does not show yet; `day` columns count from `base`.
    Tickets, calls and leads wait as a dict of numpy arrays a day (cheaper to build and join
    than a DataFrame a day)."""

    def __init__(self, ctx: Context, base: dt.date):
        self.ctx, self.base = ctx, base
        # Who takes requests and leads, looked up once (the cast does not change during an advance).
        self.desk = ctx.ids("service_staff")
        self.lead_taker = ctx.first("marketing", "service_staff", "director")
        self._clear()

    def _clear(self) -> None:
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
        db, base = self.ctx.db, self.base
        if self.headers:
            insert_orders(db, pd.concat(self.headers, ignore_index=True), pd.concat(self.lines, ignore_index=True),
                          base)
        if self.tickets:
            frame = self._rows("tickets", self.tickets)
            insert(db, """INSERT INTO tickets (id, customer_id, service_type, subject, request, state, created_on,
                              created_by, attempts)
                          SELECT id, customer_id, service_type, subject, request, 'new', ?::DATE + day::INTEGER,
                              taker, 0 FROM frame""", frame, [base])
            self._history("ticket", "new", frame)
        if self.calls:
            frame = self._rows("calls", self.calls)
            self._callers(frame)
            insert(db, """INSERT INTO calls SELECT id, ?::DATE + day::INTEGER + to_seconds(seconds),
                              ?::DATE + day::INTEGER, caller, phone, summary, taker, customer_id::INTEGER, NULL, NULL
                          FROM frame""", frame, [base, base])
        if self.leads:
            frame = self._rows("leads", self.leads)
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
        self._clear()

    def _rows(self, table: str, days: list[dict]) -> pd.DataFrame:
        """The days' rows for `table` as one frame, numbered from its next id."""
        frame = pd.DataFrame({column: np.concatenate([day[column] for day in days]) for column in days[0]})
        first = self.ctx.db.next_id(table)
        frame["id"] = np.arange(first, first + len(frame))
        return frame

    def _callers(self, frame: pd.DataFrame) -> None:
        """Known callers' names and numbers from their contacts (CONTACTS), where the card has them."""
        customer = frame["customer_id"].to_numpy(dtype=float)
        rows = np.flatnonzero(~np.isnan(customer))
        if len(rows) == 0:
            return
        found = {int(c): (name, number) for c, name, number in
                 self.ctx.db.rows(CONTACTS, [sorted({int(c) for c in customer[rows]})])}
        caller, phone = frame["caller"].to_numpy(dtype=object).copy(), frame["phone"].to_numpy(dtype=object).copy()
        for row in rows:
            name, number = found.get(int(customer[row]), (None, None))
            caller[row], phone[row] = name or caller[row], number or phone[row]
        frame["caller"], frame["phone"] = caller, phone

    def _history(self, kind: str, state: str, frame: pd.DataFrame) -> None:
        moves = frame[["id", "taker", "day"]]
        insert(self.ctx.db, "INSERT INTO state_history SELECT ?, id, 'create', NULL, ?, taker, ?::DATE + day::INTEGER, "
                            "NULL FROM frame ORDER BY id", moves, [kind, state, self.base])


class World:
    """The customers as the clock sees them: a numpy array per column (one row per customer, by
    id), read many times a day; `set` changes a column for some customers. `unhappy` and `lost`
    come with the columns."""

    def __init__(self, columns: dict[str, np.ndarray]):
        self._columns = columns
        self.unhappy, self.lost = columns["unhappy"], columns["lost"]
        self.keys = rand.Keys(columns["customer_id"])  # the customers' part of every daily draw, hashed once
        self._bounds: dict = {}

    def __len__(self) -> int:
        return len(self._columns["customer_id"])

    def __getitem__(self, column: str | tuple[str, str]) -> np.ndarray:
        return self._columns[column]

    def set(self, column: str, rows: np.ndarray, value) -> None:
        self._columns[column][rows] = value

    def floor(self, what: str, bound) -> np.ndarray:
        """`rand.zero_below(bound())`, worked out once per world (so `bound` reads only columns
        that `set` never changes)."""
        if what not in self._bounds:
            self._bounds[what] = rand.zero_below(bound())
        return self._bounds[what]


def matches(world: World, event, rows=slice(None)) -> np.ndarray:
    """Which customers (of `rows`) the event concerns: the world has whether each has the value
    an event picks by, keyed (field, value)."""
    mask = np.ones(len(world["customer_id"][rows]), dtype=bool)
    for column in PICKS:
        if getattr(event, column) is not None:
            mask &= world[column, getattr(event, column)][rows]
    return mask


def alive(world: World, t: int, rows=slice(None)) -> np.ndarray:
    """Who (of `rows`) still orders on day t (days from the generation): not lapsed, not lost — or
    won back. Days are floats, NaN for never: NaN <= t is false."""
    lapse, won = world["lapse"][rows], world["won_back"][rows]
    return (~(lapse <= t) & ~world.lost[rows]) | (won <= t)


def promotion(ctx: Context, world: World, on: dt.date, rows=slice(None)) -> np.ndarray:
    factor = np.ones(len(world["customer_id"][rows]))
    for event in _promotions(ctx):
        start = scenario_day(event.day, ctx.generated)
        if start <= on < start + dt.timedelta(days=event.days):
            factor = np.where(matches(world, event, rows), factor * event.factor, factor)
    return factor


def _promotions(ctx: Context) -> list:
    return [event for event in ctx.scenario.events if event.kind == "promotion"]


def _order_bound(ctx: Context, world: World) -> np.ndarray:
    """The highest daily order rate each customer can have: its rate at the top of the trend
    clip (5, above the won-back share), in the busiest month, in every promotion at once."""
    season = np.asarray(ctx.scenario.customers.seasonality, dtype=float)
    boost = np.prod([max(event.factor, 1.0) for event in _promotions(ctx)])
    return world["rate"] * (5.0 * season.max() / season.mean() * boost)


def orders(ctx: Context, world: World, on: dt.date, pending: Pending) -> tuple[np.ndarray, float, int]:
    """The day's orders; returns (positions of the customers that ordered, amount, won-back comebacks)."""
    base, t = ctx.scenario.customers, (on - ctx.generated).days
    u = rand.uniforms(ctx.seed, "clock_orders", on.toordinal(), world.keys)
    comeback = world["won_back"] == t  # the order that shows the customer is back
    # Most customers order nothing on a given day: the rate is worked out only for those whose
    # draw could make an order at their highest rate (and the comebacks).
    rows = np.flatnonzero((u >= world.floor("orders", lambda: _order_bound(ctx, world))) | comeback)
    season = np.asarray(base.seasonality, dtype=float)
    won_back = world["won_back"][rows] <= t
    trend = np.clip(np.exp(world["trend"][rows] * t / 365), 0.1, 5.0)
    rate = world["rate"][rows] * np.where(won_back, WON_BACK_RATE, trend) * season[on.month - 1] / season.mean()
    rate = rate * promotion(ctx, world, on, rows) * alive(world, t, rows)
    count = rand.poisson(u[rows], rate)
    count = np.where(comeback[rows], np.maximum(count, 1), count)
    idx = np.repeat(rows, count)
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
    u = rand.uniforms(ctx.seed, "clock_tickets", on.toordinal(), world.keys)
    # As for orders: the rate only for those whose draw could make a request at 1.6 times the base.
    rows = np.flatnonzero(u >= rand.zero_below(service.tickets_per_customer_year / 365 * 1.6))
    lapse = world["lapse"][rows]
    reachable = alive(world, t, rows) | (~np.isnan(lapse) & (t < lapse + 60))
    rate = service.tickets_per_customer_year / 365 * np.where(world.unhappy[rows], 1.6, 1.0) * reachable
    idx = np.repeat(rows, rand.poisson(u[rows], rate))
    if len(idx) == 0:
        return 0
    rng = rand.generator(ctx.seed, "clock_tickets", on.toordinal())
    kind = choice(rng, service.types, len(idx))
    if "complaint" in service.types:
        kind = np.where(world.unhappy[idx] & (rng.random(len(idx)) < 0.3), "complaint", kind)
    return new_tickets(ctx, rng, world, idx, kind, on, pending)


def new_tickets(ctx: Context, rng: np.random.Generator, world: World, rows: np.ndarray, kind: np.ndarray,
                on: dt.date, pending: Pending) -> int:
    """Tickets in state *new* for the customers at `rows` (one each), taken by the service desk."""
    n = len(rows)
    if n:
        words = ticket_texts(ctx, rng, kind, world["line_no"][rows])
        pending.tickets.append({
            "customer_id": world["customer_id"][rows], "service_type": kind, "subject": words["subject"],
            "request": words["request"], "taker": _in_turn(pending.desk, n),
            "day": np.full(n, (on - pending.base).days)})
    return n


def _in_turn(desk: np.ndarray, n: int) -> np.ndarray:
    """Who takes each of n requests or calls: the service desk in turn, else the administrator."""
    return desk[np.arange(n) % len(desk)] if len(desk) else np.ones(n, dtype=np.int64)


def calls(ctx: Context, world: World, on: dt.date, pending: Pending) -> int:
    """Inbound calls waiting in the call-centre log: known customers (their contact's number) and strangers."""
    service, language = ctx.scenario.service, ctx.language
    known_rate = service.calls_per_day * (1 - service.unknown_callers) / max(ctx.scenario.customers.size, 1)
    u = rand.uniforms(ctx.seed, "clock_calls", on.toordinal(), world.keys)
    rows = np.flatnonzero(u >= rand.zero_below(known_rate))  # a few a day: the others surely do not call
    known = np.repeat(rows, rand.poisson(u[rows], np.full(len(rows), known_rate)))
    strangers = int(rand.poisson(rand.uniforms(ctx.seed, "clock_calls", on.toordinal(), 0),
                                 service.calls_per_day * service.unknown_callers)[0])
    n = len(known) + strangers
    if n == 0:
        return 0
    rng = rand.generator(ctx.seed, "clock_calls", on.toordinal())
    # Known callers get their contact's name and number when the calls are written (CONTACTS);
    # the made-up ones are drawn for every call all the same, so the draws never depend on them.
    callers = np.r_[np.full(len(known), "", dtype=object), person_names(rng, strangers, language)]
    callers = np.where(callers == "", person_names(rng, n, language), callers)
    numbers = np.r_[np.full(len(known), "", dtype=object), phones(rng, strangers, True)]
    numbers = np.where(numbers == "", phones(rng, n, True), numbers)
    line_no = np.r_[world["line_no"][known], rng.integers(0, len(ctx.lines), strangers)]
    product = ctx.products["name"].to_numpy()[rand.pick_products(rng, line_no, ctx.products)]
    catalogue = texts.phrases("CALLS", ctx.scenario.style, language)
    pick = rng.integers(0, 12, n)
    summary = [catalogue[w][k % len(catalogue[w])].format(product=p)
               for w, k, p in zip(np.where(np.arange(n) < len(known), "known", "unknown"), pick, product)]
    pending.calls.append({
        "seconds": np.sort(rng.integers(8 * 3600 + 1800, 17 * 3600 + 1800, n)), "caller": callers, "phone": numbers,
        "summary": np.array(summary, dtype=object), "taker": _in_turn(pending.desk, n),
        "customer_id": np.r_[world["customer_id"][known].astype(float), np.full(strangers, np.nan)],
        "day": np.full(n, (on - pending.base).days)})
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
    lead = {
        "name": person_names(rng, n, language), "company": companies, "phone": phones(rng, n, True),
        "source": np.array([source or ("campaign" if c is not None else None) for c in which], dtype=object),
        "campaign_id": np.array([campaigns[c][0] if c is not None else np.nan for c in which], dtype=float),
        "note": np.array([texts.LEAD_NOTES[language].format(product=p) for p in product], dtype=object),
        "taker": np.full(n, pending.lead_taker), "day": np.full(n, (on - pending.base).days),
        "need": rng.beta(4 * q, 4 * (1 - q)), "budget": rng.beta(2, 2, n), "responsiveness": rng.beta(2, 2, n),
        "channel": choice(rng, ctx.scenario.customers.channels, n),
        "line": np.array(ctx.lines, dtype=object)[rng.integers(0, len(ctx.lines), n)]}
    missing = np.array([value is None for value in lead["source"]])
    lead["source"][missing] = choice(rng, pipeline.lead_sources, int(missing.sum()))
    lead["company_norm"] = np.array([normalise(c) if isinstance(c, str) else None for c in companies], dtype=object)
    pending.leads.append(lead)
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
            made["tickets"] += new_tickets(ctx, rng, world, chosen, np.full(len(chosen), "complaint", dtype=object),
                                           on, pending)
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
