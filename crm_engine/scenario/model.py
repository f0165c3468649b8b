"""The scenario definition: a small set of frozen dataclasses an instructor writes in a
notebook (or in a TOML file with the same shape, `Scenario.from_toml(path)`).

    from crm_engine.scenario import Scenario, Company, Person, Product, Team, CustomerBase

    shop = Scenario(
        name="bike_shop", title={"en": "City Bikes", "zh_CN": "城市单车"},
        company=Company(name="City Bikes Ltd.", teams=[Team("sales", "Sales")],
                        people=[Person("ann", "Ann Lee", "supervisor", team="sales"),
                                Person("bo", "Bo Chen", "account_manager", team="sales")],
                        products=[Product("BK-1", "City bike", price=1800, category="hardware")]),
        customers=CustomerBase(size=300, orders=3000), today="2026-03-02", seed=7)
    crm = shop.create("bikes.duckdb", student="s001")    # one student's variant

Any text a student reads may be a plain string or `{"en": …, "zh_CN": …}`; the
workspace language picks one. Dates inside a scenario (campaigns, events, tasks)
are days relative to the scenario's `today` (`-30`, `7`) or ISO dates. Structural
mistakes are refused when the object is built (`InvalidInput`, naming the field);
dictionary codes are checked against the workspace when it is generated.
The full reference is docs/scenarios.md.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import tomllib
from dataclasses import dataclass, field
from typing import Any, Mapping

import tomli_w

from .. import validate
from ..access import ROLES
from ..errors import InvalidInput
from ..i18n import LANGUAGES


def toml_text(data: dict) -> str:
    """TOML text for plain data (as `Scenario.to_dict()` gives it), written by tomli-w: `inf`
    stays `inf`, control characters are escaped, and Chinese keys and texts stay readable."""
    return tomli_w.dumps(data)


Text = Any  # str, or a mapping {"en": …, "zh_CN": …}

SEASON = (0.9, 0.6, 1.0, 1.0, 1.0, 1.1, 1.0, 0.9, 1.0, 1.1, 1.2, 1.5)
NAMINGS = ("company", "person", "shop")
PATTERNS = ("steady", "growing", "declining", "lapsed", "new")
CHANNELS = ("phone", "visit", "email", "wechat", "meeting")
EVENT_KINDS = ("notice", "complaints", "leads", "lapse", "opportunity", "promotion", "price")
LEAD_STATES = ("unassigned", "pending", "following", "invalid", "converted", "voided")
CHURN_REASONS = ("price", "competitor", "service", "quality", "no_need", "closed")
STYLES = ("b2b", "school", "retail")


def text(value: Text, language: str) -> str | None:
    """The text of `value` in `language` (falling back to English, then to any language)."""
    if value is None or isinstance(value, str):
        return value
    return value.get(language) or value.get("en") or next(iter(value.values()), None)


def day(value, today: dt.date) -> dt.date:
    """A scenario date: an offset in days from `today`, or an ISO date."""
    if isinstance(value, bool):
        raise InvalidInput("scenario.bad_date", field="scenario", value=value)
    if isinstance(value, int):
        return today + dt.timedelta(days=value)
    return validate.date(value, "scenario")


def _bad(key: str, /, **params) -> InvalidInput:
    return InvalidInput(key, field="scenario", **params)


def _shares(value: Mapping, where: str) -> dict:
    if not isinstance(value, Mapping) or not value:
        raise _bad("scenario.bad_shares", where=where)
    clean = {}
    for code, share in value.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
            raise _bad("scenario.bad_shares", where=where)
        clean[str(code)] = float(share)
    if sum(clean.values()) <= 0:
        raise _bad("scenario.bad_shares", where=where)
    return clean


def _text_ok(value: Text, where: str, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if isinstance(value, str) and value.strip():
        return
    if isinstance(value, Mapping) and value and all(k in LANGUAGES and isinstance(v, str) and v.strip()
                                                     for k, v in value.items()):
        return
    raise _bad("scenario.bad_text", where=where)


def _number(value, where: str, minimum: float = 0.0, maximum: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum or \
            (maximum is not None and value > maximum):
        raise _bad("scenario.bad_number", where=where, minimum=minimum, maximum="∞" if maximum is None else maximum)


def _freeze(obj, **conversions) -> None:
    """Lists become tuples (the dataclasses are frozen); mappings are copied."""
    for name, kind in conversions.items():
        value = getattr(obj, name)
        if kind is tuple and isinstance(value, list):
            object.__setattr__(obj, name, tuple(value))
        elif kind is dict and isinstance(value, Mapping):
            object.__setattr__(obj, name, dict(value))


@dataclass(frozen=True)
class Product:
    """A product the company sells; `line` groups products a rep may specialise in."""

    code: str
    name: Text
    price: float
    category: str = "hardware"
    line: str | None = None
    stock: int = 0
    unit: Text = "pcs"

    def __post_init__(self):
        _text_ok(self.name, f"product {self.code}")
        _text_ok(self.unit, f"product {self.code} unit")
        _number(self.price, f"product {self.code} price", 0.01)


@dataclass(frozen=True)
class Team:
    """A team in the org tree; `parent` is another team's key (None: under head office)."""

    key: str
    name: Text
    parent: str | None = None

    def __post_init__(self):
        _text_ok(self.name, f"team {self.key}")


@dataclass(frozen=True)
class Person:
    """A user of the company's CRM; an account manager may specialise in a product `line`."""

    username: str
    name: Text
    role: str
    team: str | None = None
    line: str | None = None
    email: str | None = None

    def __post_init__(self):
        _text_ok(self.name, f"person {self.username}")
        if self.role not in ROLES or self.role == "admin":
            raise _bad("scenario.bad_role", who=self.username, role=self.role)


@dataclass(frozen=True)
class Entry:
    """An extra data-dictionary entry the scenario needs (e.g. campaign type `open_day`)."""

    kind: str
    code: str
    en: str
    zh_CN: str


@dataclass(frozen=True)
class Company:
    """Who the students work for: name, industry, products, org and the sharing policy."""

    name: Text
    industry: str = "wholesale_retail"
    products: tuple[Product, ...] = ()
    teams: tuple[Team, ...] = ()
    people: tuple[Person, ...] = ()
    sharing: str = "private"
    settings: Mapping[str, Any] = field(default_factory=dict)
    dictionary: tuple[Entry, ...] = ()
    lines: Mapping[str, Text] = field(default_factory=dict)   # display names of product lines

    def __post_init__(self):
        _freeze(self, products=tuple, teams=tuple, people=tuple, settings=dict, dictionary=tuple, lines=dict)
        _text_ok(self.name, "company")
        if not self.products:
            raise _bad("scenario.no_products")
        for kind, keys in (("product", [p.code for p in self.products]), ("team", [t.key for t in self.teams]),
                           ("person", [p.username for p in self.people])):
            if len(set(keys)) != len(keys):
                raise _bad("scenario.duplicate", kind=kind, value=sorted(k for k in keys if keys.count(k) > 1)[0])
        known = {t.key for t in self.teams}
        for team in self.teams:
            if team.parent is not None and team.parent not in known:
                raise _bad("scenario.unknown_team", team=team.parent, who=team.key)
        for person in self.people:
            if person.team is not None and person.team not in known:
                raise _bad("scenario.unknown_team", team=person.team, who=person.username)
        if not any(p.role == "account_manager" for p in self.people):
            raise _bad("scenario.no_reps")
        if self.sharing not in ("private", "open"):
            raise _bad("scenario.bad_choice", where="company.sharing", value=self.sharing, choices="private, open")

    def product_lines(self) -> list[str]:
        """The product lines, in catalogue order."""
        return list(dict.fromkeys(p.line or p.category for p in self.products))


@dataclass(frozen=True)
class CustomerBase:
    """The customers at "today": how many, their mix, how they buy, how many drift away."""

    size: int = 400
    orders: int = 8000
    history_years: float = 3.0
    naming: str = "company"
    types: Mapping[str, float] = field(default_factory=lambda: {
        "enterprise": .45, "distributor": .2, "retailer": .2, "institution": .1, "individual": .05})
    levels: Mapping[str, float] = field(default_factory=lambda: {
        "ordinary": .62, "key_account": .12, "key_development": .14, "partner": .09, "strategic_partner": .03})
    regions: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("north", "northeast", "east", "central", "south", "southwest", "northwest"), 1.0))
    industries: Mapping[str, float] = field(default_factory=lambda: dict.fromkeys(
        ("manufacturing", "wholesale_retail", "it", "education", "healthcare", "finance", "logistics",
         "construction", "food", "government"), 1.0))
    patterns: Mapping[str, float] = field(default_factory=lambda: {
        "steady": .5, "growing": .15, "declining": .15, "lapsed": .12, "new": .08})
    drifting: float = 0.05
    annual_churn: float = 0.08
    order_value: float = 2000.0
    value_spread: float = 1.0
    lines_per_order: float = 1.4
    seasonality: tuple[float, ...] = SEASON
    contacts: float = 1.7
    interactions_per_year: float = 2.0
    channels: Mapping[str, float] = field(default_factory=lambda: {"phone": .4, "visit": .2, "email": .15,
                                                                   "wechat": .25})
    reasons: Mapping[str, float] = field(default_factory=lambda: {
        "price": .25, "competitor": .3, "service": .2, "quality": .1, "no_need": .1, "closed": .05})
    routes: int = 0
    cities: tuple[Text, ...] = ()   # the towns the customers are in (default: cities all over China)

    def __post_init__(self):
        _freeze(self, seasonality=tuple, cities=tuple)
        for city in self.cities:
            _text_ok(city, "customers.cities")
        for name in ("types", "levels", "regions", "industries", "patterns", "channels", "reasons"):
            object.__setattr__(self, name, _shares(getattr(self, name), f"customers.{name}"))
        _number(self.size, "customers.size", 1, 5_000_000)
        _number(self.orders, "customers.orders", 0, 100_000_000)
        _number(self.history_years, "customers.history_years", 0.5, 10)
        _number(self.drifting, "customers.drifting", 0, 0.5)
        _number(self.annual_churn, "customers.annual_churn", 0, 1)
        _number(self.order_value, "customers.order_value", 1)
        _number(self.value_spread, "customers.value_spread", 0, 3)
        _number(self.lines_per_order, "customers.lines_per_order", 1, 6)
        _number(self.contacts, "customers.contacts", 1, 5)
        _number(self.interactions_per_year, "customers.interactions_per_year", 0, 100)
        _number(self.routes, "customers.routes", 0, 1000)
        if self.naming not in NAMINGS:
            raise _bad("scenario.bad_choice", where="customers.naming", value=self.naming, choices=", ".join(NAMINGS))
        for name, allowed in (("patterns", PATTERNS), ("channels", CHANNELS), ("reasons", CHURN_REASONS)):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise _bad("scenario.bad_choice", where=f"customers.{name}", value=unknown[0],
                           choices=", ".join(allowed))
        if len(self.seasonality) != 12 or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0
                                              for v in self.seasonality):
            raise _bad("scenario.bad_season")


@dataclass(frozen=True)
class Campaign:
    """A marketing campaign; while it runs it brings about `leads_per_day` leads into the pool."""

    key: str
    name: Text
    campaign_type: str
    start: int | str
    end: int | str
    budget: float = 0.0
    expected_revenue: float = 0.0
    leads_per_day: float = 0.5
    quality: float = 0.5
    description: Text = None

    def __post_init__(self):
        _text_ok(self.name, f"campaign {self.key}")
        _text_ok(self.description, f"campaign {self.key}", required=False)
        _number(self.budget, f"campaign {self.key} budget")
        _number(self.leads_per_day, f"campaign {self.key} leads_per_day", 0, 1000)
        _number(self.quality, f"campaign {self.key} quality", 0, 1)


@dataclass(frozen=True)
class Pipeline:
    """Leads, campaigns and sales opportunities at "today", and the leads the clock brings."""

    leads: int = 60
    lead_states: Mapping[str, float] = field(default_factory=lambda: {
        "unassigned": .35, "pending": .2, "following": .25, "invalid": .05, "converted": .1, "voided": .05})
    lead_sources: Mapping[str, float] = field(default_factory=lambda: {
        "website": .3, "referral": .2, "trade_show": .1, "cold_call": .15, "call_center": .15, "other": .1})
    open_opportunities: int = 24
    unassigned_share: float = 0.25
    closed_opportunities: int = 40
    win_rate: float = 0.35
    deal_size: float = 60000.0
    leads_per_day: float = 0.4
    duplicate_share: float = 0.05
    targets: bool = True
    campaigns: tuple[Campaign, ...] = ()

    def __post_init__(self):
        _freeze(self, campaigns=tuple)
        for name in ("lead_states", "lead_sources"):
            object.__setattr__(self, name, _shares(getattr(self, name), f"pipeline.{name}"))
        unknown = sorted(set(self.lead_states) - set(LEAD_STATES))
        if unknown:
            raise _bad("scenario.bad_choice", where="pipeline.lead_states", value=unknown[0],
                       choices=", ".join(LEAD_STATES))
        for name, maximum in (("leads", 1_000_000), ("open_opportunities", 100_000), ("closed_opportunities", 100_000),
                              ("deal_size", None), ("leads_per_day", 10_000)):
            _number(getattr(self, name), f"pipeline.{name}", 0, maximum)
        for name in ("unassigned_share", "win_rate", "duplicate_share"):
            _number(getattr(self, name), f"pipeline.{name}", 0, 1)
        keys = [c.key for c in self.campaigns]
        if len(set(keys)) != len(keys):
            raise _bad("scenario.duplicate", kind="campaign", value=sorted(k for k in keys if keys.count(k) > 1)[0])


@dataclass(frozen=True)
class ServiceLoad:
    """Service requests and inbound calls: how many, of which types, how satisfied."""

    tickets_per_customer_year: float = 0.4
    types: Mapping[str, float] = field(default_factory=lambda: {
        "consultation": .35, "complaint": .25, "repair": .2, "suggestion": .12, "other": .08})
    open_days: int = 20
    calls_per_day: float = 3.0
    unknown_callers: float = 0.3
    satisfaction: float = 3.9

    def __post_init__(self):
        object.__setattr__(self, "types", _shares(self.types, "service.types"))
        _number(self.tickets_per_customer_year, "service.tickets_per_customer_year", 0, 100)
        _number(self.open_days, "service.open_days", 0, 365)
        _number(self.calls_per_day, "service.calls_per_day", 0, 10_000)
        _number(self.unknown_callers, "service.unknown_callers", 0, 1)
        _number(self.satisfaction, "service.satisfaction", 1, 5)


@dataclass(frozen=True)
class Event:
    """Something that happens on a day of the exercise (day 0 = when the workspace is made).

    kinds: `notice` (title, body), `complaints` (count), `leads` (count, source, quality),
    `lapse` (share of active customers stop ordering), `opportunity` (customer_name, amount,
    title = summary), `promotion` (orders × factor for `days` days), `price` (product, price).
    `region`, `level` and `customer_type` narrow complaints, lapse and promotion.
    """

    day: int | str
    kind: str
    title: Text = None
    body: Text = None
    count: int = 0
    share: float = 0.0
    factor: float = 1.0
    days: int = 1
    region: str | None = None
    level: str | None = None
    customer_type: str | None = None
    source: str = "other"
    quality: float = 0.5
    product: str | None = None
    price: float | None = None
    amount: float | None = None
    customer_name: Text = None

    def __post_init__(self):
        if self.kind not in EVENT_KINDS:
            raise _bad("scenario.bad_choice", where="events.kind", value=self.kind, choices=", ".join(EVENT_KINDS))
        if isinstance(self.day, int) and not isinstance(self.day, bool) and self.day < 0:
            raise _bad("scenario.bad_number", where="events.day", minimum=0, maximum="∞")
        if self.kind == "notice":
            _text_ok(self.title, "events.title"), _text_ok(self.body, "events.body")
        if self.kind in ("complaints", "leads"):
            _number(self.count, f"events.{self.kind}.count", 1, 100_000)
        if self.kind == "lapse":
            _number(self.share, "events.lapse.share", 0.0001, 1)
        if self.kind == "promotion":
            _number(self.factor, "events.promotion.factor", 0, 100)
            _number(self.days, "events.promotion.days", 1, 366)
        if self.kind == "price" and (not self.product or self.price is None):
            raise _bad("scenario.event_needs", kind=self.kind, needs="product, price")
        if self.kind == "opportunity":
            _text_ok(self.customer_name, "events.customer_name"), _text_ok(self.title, "events.title")
            _number(self.amount, "events.opportunity.amount", 1)


@dataclass(frozen=True)
class Task:
    """An exercise task put on a user's schedule (F1) when the workspace is made."""

    title: Text
    assignee: str
    detail: Text = None
    day: int | str = 0
    priority: str = "normal"

    def __post_init__(self):
        _text_ok(self.title, "tasks.title")
        _text_ok(self.detail, "tasks.detail", required=False)


NESTED = {
    "Scenario": {"company": "Company", "customers": "CustomerBase", "pipeline": "Pipeline", "service": "ServiceLoad",
                 "events": ["Event"], "tasks": ["Task"]},
    "Company": {"products": ["Product"], "teams": ["Team"], "people": ["Person"], "dictionary": ["Entry"]},
    "Pipeline": {"campaigns": ["Campaign"]},
}


@dataclass(frozen=True)
class Scenario:
    """A teaching scenario (教学情景): the company, its customers and history, the date,
    the pipeline, the service load, and what will happen during the exercise."""

    name: str
    title: Text
    company: Company
    customers: CustomerBase = field(default_factory=CustomerBase)
    pipeline: Pipeline = field(default_factory=Pipeline)
    service: ServiceLoad = field(default_factory=ServiceLoad)
    events: tuple[Event, ...] = ()
    tasks: tuple[Task, ...] = ()
    today: dt.date | str = "2026-03-02"
    language: str = "en"
    seed: int = 1
    narrative: Text = None
    student_user: str | None = None
    languages: tuple[str, ...] = LANGUAGES
    style: str = "b2b"   # the trade the texts speak of: b2b | school | retail

    def __post_init__(self):
        _freeze(self, events=tuple, tasks=tuple, languages=tuple)
        if not isinstance(self.name, str) or not self.name.replace("_", "").replace("-", "").isalnum():
            raise _bad("scenario.bad_name", value=self.name)
        _text_ok(self.title, "title")
        _text_ok(self.narrative, "narrative", required=False)
        object.__setattr__(self, "today", validate.date(self.today, "scenario"))
        if self.language not in LANGUAGES or not set(self.languages) <= set(LANGUAGES) \
                or self.language not in self.languages:
            raise _bad("scenario.bad_choice", where="language", value=self.language, choices=", ".join(self.languages))
        if self.style not in STYLES:
            raise _bad("scenario.bad_choice", where="style", value=self.style, choices=", ".join(STYLES))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise _bad("scenario.bad_number", where="seed", minimum=0, maximum="∞")
        users = {p.username for p in self.company.people}
        for who in [self.student_user, *(t.assignee for t in self.tasks)]:
            if who is not None and who not in users:
                raise _bad("scenario.unknown_user", user=who)
        products = {p.code for p in self.company.products}
        for event in self.events:
            if event.kind == "price" and event.product not in products:
                raise _bad("scenario.unknown_product", code=event.product)

    # -- reading and writing ---------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping) -> "Scenario":
        """Build a scenario from plain data (a parsed TOML or JSON file)."""
        return _build("Scenario", data, "scenario")

    @classmethod
    def from_toml(cls, path) -> "Scenario":
        """Load a scenario from a TOML file (same shape as the dataclasses; see docs/scenarios.md)."""
        path = os.fspath(path)
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as error:
            raise _bad("scenario.file", path=path, detail=error.strerror or str(error)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:  # TOML is UTF-8 text; tomllib lets a bad byte through
            raise _bad("scenario.toml", path=path, detail=str(error)) from None
        return cls.from_dict(data)

    def to_dict(self) -> dict:
        """Plain data (JSON- and TOML-friendly) that `from_dict` turns back into this scenario."""
        return _plain(dataclasses.asdict(self))

    def to_toml(self, path=None) -> str:
        """The scenario as TOML (what `from_toml` reads); written to `path` if given."""
        text = toml_text(self.to_dict())
        if path is not None:
            with open(os.fspath(path), "w", encoding="utf-8") as handle:
                handle.write(text)
        return text

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    # -- variations ---------------------------------------------------------------------
    def replace(self, **changes) -> "Scenario":
        """A copy with some top-level fields changed (`language="zh_CN"`, `seed=5` …)."""
        return dataclasses.replace(self, **changes)

    def scaled(self, customers: int, orders: int | None = None) -> "Scenario":
        """The same scenario with another number of customers (orders scale along unless given)."""
        base = self.customers
        orders = round(base.orders * customers / base.size) if orders is None else orders
        return dataclasses.replace(self, customers=dataclasses.replace(base, size=customers, orders=orders))

    def text(self, value: Text, language: str | None = None) -> str | None:
        """A text of this scenario in `language` (default: the scenario's)."""
        return text(value, language or self.language)

    # -- making workspaces ------------------------------------------------------------------
    def build(self, crm, *, student: str | None = None, seed: int | None = None, progress=None):
        """Generate this scenario into an empty workspace (`CRM.create(…)`), as its administrator.

        `student` picks that student's variant; `seed` overrides the scenario's seed.
        `progress(done, total)` is called as the work advances. Returns a `Generated` summary.
        """
        from .generate import build
        return build(crm, self, student=student, seed=seed, progress=progress)

    def create(self, path, *, student: str | None = None, seed: int | None = None, language: str | None = None,
               progress=None, keep_open: bool = True, replace: bool = False, then=None):
        """A new workspace file at `path` holding this scenario (one student's variant); returns the CRM.

        Built in one step: a failed or killed generation leaves nothing at `path` (with
        `replace=True`, the file that was there). `then(crm)` runs before the file appears."""
        from .generate import create
        return create(self, path, student=student, seed=seed, language=language, progress=progress,
                      keep_open=keep_open, replace=replace, then=then)


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


CLASSES = {"Scenario": Scenario, "Company": Company, "Product": Product, "Team": Team, "Person": Person,
           "Entry": Entry, "CustomerBase": CustomerBase, "Campaign": Campaign, "Pipeline": Pipeline,
           "ServiceLoad": ServiceLoad, "Event": Event, "Task": Task}


def _build(name: str, data, where: str):
    """One dataclass from a mapping: unknown keys refused, nested records built, errors say where."""
    cls = CLASSES[name]
    if not isinstance(data, Mapping):
        raise _bad("scenario.not_a_table", where=where)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise _bad("scenario.unknown_key", key=unknown[0], where=where, known=", ".join(sorted(fields)))
    values = {}
    for key, value in data.items():
        nested = NESTED.get(name, {}).get(key)
        if isinstance(nested, list):
            if not isinstance(value, (list, tuple)):
                raise _bad("scenario.not_a_list", where=f"{where}.{key}")
            value = tuple(_build(nested[0], item, f"{where}.{key}[{i}]") for i, item in enumerate(value))
        elif nested is not None:
            value = _build(nested, value, f"{where}.{key}")
        elif key in ("seasonality", "languages", "cities"):
            value = tuple(value)
        values[key] = value
    try:
        return cls(**values)
    except TypeError as error:  # a required field is missing
        raise _bad("scenario.missing", where=where, detail=str(error).split(":")[-1].strip()) from None
