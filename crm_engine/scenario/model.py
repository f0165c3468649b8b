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
from typing import Mapping

from .. import validate
from .generate import build as generate_into, create as generate_file
from .parts import (  # noqa: F401 - the parts are part of this module's public names (scenario/__init__)
    CHANNELS,
    CHURN_REASONS,
    LANGUAGES,
    STYLES,
    Campaign,
    Company,
    CustomerBase,
    Entry,
    Event,
    Person,
    Pipeline,
    Product,
    ServiceLoad,
    Task,
    Team,
    Text,
    invalid,
    freeze,
    check_text,
    day,
    text,
    toml_text,
)

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
        freeze(self, events=tuple, tasks=tuple, languages=tuple)
        if not isinstance(self.name, str) or not self.name.replace("_", "").replace("-", "").isalnum():
            raise invalid("scenario.bad_name", value=self.name)
        check_text(self.title, "title")
        check_text(self.narrative, "narrative", required=False)
        object.__setattr__(self, "today", validate.date(self.today, "scenario"))
        if self.language not in LANGUAGES or not set(self.languages) <= set(LANGUAGES) \
                or self.language not in self.languages:
            raise invalid("scenario.bad_choice", where="language", value=self.language, choices=", ".join(self.languages))
        if self.style not in STYLES:
            raise invalid("scenario.bad_choice", where="style", value=self.style, choices=", ".join(STYLES))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise invalid("scenario.bad_number", where="seed", minimum=0, maximum="∞")
        users = {p.username for p in self.company.people}
        for who in [self.student_user, *(t.assignee for t in self.tasks)]:
            if who is not None and who not in users:
                raise invalid("scenario.unknown_user", user=who)
        products = {p.code for p in self.company.products}
        for event in self.events:
            if event.kind == "price" and event.product not in products:
                raise invalid("scenario.unknown_product", code=event.product)

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
            raise invalid("scenario.file", path=path, detail=error.strerror or str(error)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:  # TOML is UTF-8 text; tomllib lets a bad byte through
            raise invalid("scenario.toml", path=path, detail=str(error)) from None
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
        return generate_into(crm, self, student=student, seed=seed, progress=progress)

    def create(self, path, *, student: str | None = None, seed: int | None = None, language: str | None = None,
               progress=None, keep_open: bool = True, replace: bool = False, then=None):
        """A new workspace file at `path` holding this scenario (one student's variant); returns the CRM.

        Built in one step: a failed or killed generation leaves nothing at `path` (with
        `replace=True`, the file that was there). `then(crm)` runs before the file appears."""
        return generate_file(self, path, student=student, seed=seed, language=language, progress=progress,
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
        raise invalid("scenario.not_a_table", where=where)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - fields)
    if unknown:
        raise invalid("scenario.unknown_key", key=unknown[0], where=where, known=", ".join(sorted(fields)))
    values = {}
    for key, value in data.items():
        nested = NESTED.get(name, {}).get(key)
        if isinstance(nested, list):
            if not isinstance(value, (list, tuple)):
                raise invalid("scenario.not_a_list", where=f"{where}.{key}")
            value = tuple(_build(nested[0], item, f"{where}.{key}[{i}]") for i, item in enumerate(value))
        elif nested is not None:
            value = _build(nested, value, f"{where}.{key}")
        elif key in ("seasonality", "languages", "cities"):
            value = tuple(value)
        values[key] = value
    try:
        return cls(**values)
    except TypeError as error:  # a required field is missing
        raise invalid("scenario.missing", where=where, detail=str(error).split(":")[-1].strip()) from None
