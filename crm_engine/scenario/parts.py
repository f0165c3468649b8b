"""The parts of a scenario definition (docs/scenarios.md): the company (products, teams, people,
dictionary entries), the customer base, the pipeline with its campaigns, the service load, events and
tasks — frozen dataclasses that check themselves when built — and the helpers every generation step
shares (`text` in a language, `day` relative to the scenario's today, `toml_text`).

The whole scenario, which holds these parts and makes workspaces from them, is `model.Scenario`.
"""
from __future__ import annotations

import datetime as dt
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


def invalid(key: str, /, **params) -> InvalidInput:
    return InvalidInput(key, field="scenario", **params)


def _shares(value: Mapping, where: str) -> dict:
    if not isinstance(value, Mapping) or not value:
        raise invalid("scenario.bad_shares", where=where)
    clean = {}
    for code, share in value.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or share < 0:
            raise invalid("scenario.bad_shares", where=where)
        clean[str(code)] = float(share)
    if sum(clean.values()) <= 0:
        raise invalid("scenario.bad_shares", where=where)
    return clean


def check_text(value: Text, where: str, *, required: bool = True) -> None:
    if value is None and not required:
        return
    if isinstance(value, str) and value.strip():
        return
    if isinstance(value, Mapping) and value and all(k in LANGUAGES and isinstance(v, str) and v.strip()
                                                     for k, v in value.items()):
        return
    raise invalid("scenario.bad_text", where=where)


def _number(value, where: str, minimum: float = 0.0, maximum: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum or \
            (maximum is not None and value > maximum):
        raise invalid("scenario.bad_number", where=where, minimum=minimum, maximum="∞" if maximum is None else maximum)


def freeze(obj, **conversions) -> None:
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
        check_text(self.name, f"product {self.code}")
        check_text(self.unit, f"product {self.code} unit")
        _number(self.price, f"product {self.code} price", 0.01)


@dataclass(frozen=True)
class Team:
    """A team in the org tree; `parent` is another team's key (None: under head office)."""

    key: str
    name: Text
    parent: str | None = None

    def __post_init__(self):
        check_text(self.name, f"team {self.key}")


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
        check_text(self.name, f"person {self.username}")
        if self.role not in ROLES or self.role == "admin":
            raise invalid("scenario.bad_role", who=self.username, role=self.role)


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
        freeze(self, products=tuple, teams=tuple, people=tuple, settings=dict, dictionary=tuple, lines=dict)
        check_text(self.name, "company")
        if not self.products:
            raise invalid("scenario.no_products")
        for kind, keys in (("product", [p.code for p in self.products]), ("team", [t.key for t in self.teams]),
                           ("person", [p.username for p in self.people])):
            if len(set(keys)) != len(keys):
                raise invalid("scenario.duplicate", kind=kind, value=sorted(k for k in keys if keys.count(k) > 1)[0])
        known = {t.key for t in self.teams}
        for team in self.teams:
            if team.parent is not None and team.parent not in known:
                raise invalid("scenario.unknown_team", team=team.parent, who=team.key)
        for person in self.people:
            if person.team is not None and person.team not in known:
                raise invalid("scenario.unknown_team", team=person.team, who=person.username)
        if not any(p.role == "account_manager" for p in self.people):
            raise invalid("scenario.no_reps")
        if self.sharing not in ("private", "open"):
            raise invalid("scenario.bad_choice", where="company.sharing", value=self.sharing, choices="private, open")

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
        freeze(self, seasonality=tuple, cities=tuple)
        for city in self.cities:
            check_text(city, "customers.cities")
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
            raise invalid("scenario.bad_choice", where="customers.naming", value=self.naming, choices=", ".join(NAMINGS))
        for name, allowed in (("patterns", PATTERNS), ("channels", CHANNELS), ("reasons", CHURN_REASONS)):
            unknown = sorted(set(getattr(self, name)) - set(allowed))
            if unknown:
                raise invalid("scenario.bad_choice", where=f"customers.{name}", value=unknown[0],
                           choices=", ".join(allowed))
        if len(self.seasonality) != 12 or any(isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0
                                              for v in self.seasonality):
            raise invalid("scenario.bad_season")


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
        check_text(self.name, f"campaign {self.key}")
        check_text(self.description, f"campaign {self.key}", required=False)
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
        freeze(self, campaigns=tuple)
        for name in ("lead_states", "lead_sources"):
            object.__setattr__(self, name, _shares(getattr(self, name), f"pipeline.{name}"))
        unknown = sorted(set(self.lead_states) - set(LEAD_STATES))
        if unknown:
            raise invalid("scenario.bad_choice", where="pipeline.lead_states", value=unknown[0],
                       choices=", ".join(LEAD_STATES))
        for name, maximum in (("leads", 1_000_000), ("open_opportunities", 100_000), ("closed_opportunities", 100_000),
                              ("deal_size", None), ("leads_per_day", 10_000)):
            _number(getattr(self, name), f"pipeline.{name}", 0, maximum)
        for name in ("unassigned_share", "win_rate", "duplicate_share"):
            _number(getattr(self, name), f"pipeline.{name}", 0, 1)
        keys = [c.key for c in self.campaigns]
        if len(set(keys)) != len(keys):
            raise invalid("scenario.duplicate", kind="campaign", value=sorted(k for k in keys if keys.count(k) > 1)[0])


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
            raise invalid("scenario.bad_choice", where="events.kind", value=self.kind, choices=", ".join(EVENT_KINDS))
        if isinstance(self.day, int) and not isinstance(self.day, bool) and self.day < 0:
            raise invalid("scenario.bad_number", where="events.day", minimum=0, maximum="∞")
        if self.kind == "notice":
            check_text(self.title, "events.title"), check_text(self.body, "events.body")
        if self.kind in ("complaints", "leads"):
            _number(self.count, f"events.{self.kind}.count", 1, 100_000)
        if self.kind == "lapse":
            _number(self.share, "events.lapse.share", 0.0001, 1)
        if self.kind == "promotion":
            _number(self.factor, "events.promotion.factor", 0, 100)
            _number(self.days, "events.promotion.days", 1, 366)
        if self.kind == "price" and (not self.product or self.price is None):
            raise invalid("scenario.event_needs", kind=self.kind, needs="product, price")
        if self.kind == "opportunity":
            check_text(self.customer_name, "events.customer_name"), check_text(self.title, "events.title")
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
        check_text(self.title, "tasks.title")
        check_text(self.detail, "tasks.detail", required=False)
