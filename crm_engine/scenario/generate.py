"""scenario → workspace: deterministic for (scenario, seed, student), set-based, one transaction.

The org, the catalogue and the settings go through the engine's own verbs (a few
dozen rows, all validated and audited); customers, contacts, interactions, orders,
leads, opportunities, tickets and calls are drawn with numpy and written with
`INSERT … SELECT` from DataFrames, on a second thread while the next ones are drawn.
Then the engine's churn scan runs, the exercise's tasks are put on the schedule and
day-0 events happen — so the engine's invariants hold from the first moment
(tests/engine/test_scenario_generate.py checks them).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..crm import ADMIN_USERNAME, CRM
from ..errors import Conflict, CRMError, InvalidInput
from . import customer_base as base, service_history as care, days as clock, funnel, history
from .context import Context, load_cast, number_from
from .parts import day
from .rand import variant_seed

if TYPE_CHECKING:  # for annotations only: the Scenario module imports this one
    from .model import Scenario

MODEL_VERSION = 1


@dataclass(frozen=True)
class Generated:
    """What a generation wrote."""

    scenario: str
    student: str | None
    seed: int
    customers: int
    contacts: int
    interactions: int
    orders: int
    leads: int
    opportunities: int
    tickets: int
    calls: int
    warnings: int


def create(scenario: Scenario, path, *, student: str | None = None, seed: int | None = None,
           language: str | None = None, progress=None, keep_open: bool = True, replace: bool = False,
           then=None) -> CRM:
    """A new workspace file at `path` with the scenario generated into it, built in one step: a failed
    or killed generation leaves nothing at `path` (with `replace=True`: the previous file).
    `then(crm)`, if given, runs after the generation and before the file appears (a course records
    its start there)."""
    language = language or scenario.language
    if language not in scenario.languages:
        raise InvalidInput("scenario.language", field="language", language=language,
                           choices=", ".join(scenario.languages))
    return CRM.create(path, today=scenario.today, language=language, keep_open=keep_open, replace=replace,
                      company=scenario.text(scenario.company.name, language),
                      expected_customers=scenario.customers.size,
                      fill=lambda crm: _fill(crm, scenario, student, seed, progress, then))


def _fill(crm: CRM, scenario: Scenario, student, seed, progress, then) -> None:
    build(crm, scenario, student=student, seed=seed, progress=progress)
    if then is not None:
        then(crm)


def build(crm: CRM, scenario: Scenario, *, student: str | None = None, seed: int | None = None,
          progress=None) -> Generated:
    """Generate `scenario` into the empty workspace `crm` (acting as its administrator), around its clock."""
    try:
        crm.require_role(action="generate_scenario")
        if crm.language not in scenario.languages:
            raise InvalidInput("scenario.language", field="language", language=crm.language,
                               choices=", ".join(scenario.languages))
        tables = crm.as_user(ADMIN_USERNAME).tables
        if tables.scalar("SELECT count(*) FROM users") > 1 or tables.scalar("SELECT count(*) FROM customers"):
            raise Conflict("scenario.not_empty", workspace=os.path.basename(crm.path or ":memory:"))
    except CRMError as error:
        error.language = error.language or crm.language
        raise
    base_seed = scenario.seed if seed is None else int(seed)
    ctx = Context(crm, scenario, variant_seed(base_seed, student), crm.language, crm.today(), progress)
    ctx.generated = ctx.today
    ctx.total = 9 + -(-scenario.customers.size // history.CHUNK)
    ctx.step(0)
    db = crm.loader()
    with crm.transaction(), _bulk_load(db):
        _setup(ctx)
        load_cast(ctx)
        _check_codes(ctx)
        # From here the steps draw while the rows of the earlier ones are written behind (Context.write),
        # numbering their rows themselves (Context.take); the first statement after them waits for the writes.
        number_from(ctx)
        ctx.step()
        cards = base.customers(ctx)
        rate = history.calibrate(ctx, cards)
        base.write_traits(ctx, cards, rate)
        ctx.step()
        people = base.contacts(ctx, cards)
        interactions = base.interactions(ctx, cards, people)
        ctx.step()
        orders = history.orders(ctx, cards, rate)
        leads, opportunities = funnel.generate(ctx, cards, people)
        ctx.step()
        tickets = care.generate(ctx, cards, people)
        ctx.step()
        db.execute("INSERT INTO scenario_info VALUES (?, ?, ?, ?, ?, ?, current_localtimestamp(), ?)",
                     [scenario.name, base_seed, student, ctx.seed, scenario.to_json(), ctx.today, MODEL_VERSION])
        warnings = crm.churn.scan().raised
        ctx.step()
        _tasks(ctx)
        clock.begin(ctx)
        calls = db.scalar("SELECT count(*) FROM calls")
        crm.audit_event("generate", "scenario", None, after={"scenario": scenario.name, "student": student,
                                                     "customers": len(cards), "orders": orders})
        ctx.step()
    ctx.step(ctx.total)
    return Generated(scenario.name, student, ctx.seed, len(cards), len(people), interactions, orders, leads,
                     opportunities, tickets, calls, warnings)


@contextmanager
def _bulk_load(db):
    """Skip FSST string compression while the history is written: analysing millions of unique
    strings (order numbers, names) costs seconds and DuckDB's dictionary compression still
    applies, so the file is no bigger. The setting is restored afterwards."""
    con = db.con
    before = con.execute("SELECT current_setting('disabled_compression_methods')").fetchall()[0][0]
    con.execute("SET disabled_compression_methods = 'fsst'")
    try:
        yield
    finally:
        con.execute(f"SET disabled_compression_methods = '{before}'")


def _setup(ctx: Context) -> None:
    """The company through the engine's verbs: settings, sharing, dictionary, org tree, people, catalogue."""
    crm, company, text = ctx.crm, ctx.scenario.company, ctx.text
    crm.admin.set_setting("company", text(company.name))
    for key, value in company.settings.items():
        crm.admin.set_setting(key, value)
    if company.sharing != "private":
        crm.admin.apply_preset(company.sharing)
    known = {tuple(r) for r in ctx.db.rows("SELECT kind, code FROM dictionary")}
    for entry in company.dictionary:
        if (entry.kind, entry.code) not in known:
            crm.dictionary.add(entry.kind, entry.code, entry.en, entry.zh_CN)
    teams: dict[str, int] = {}
    pending = list(company.teams)
    while pending:  # parents before children, whatever the order they were written in
        ready = [t for t in pending if t.parent is None or t.parent in teams]
        if not ready:
            raise InvalidInput("scenario.team_cycle", field="scenario", team=pending[0].key)
        for team in ready:
            teams[team.key] = crm.admin.add_team(text(team.name), parent=teams.get(team.parent, 1))
            pending.remove(team)
    for person in company.people:
        crm.admin.add_user(person.username, text(person.name), role=person.role, team=teams.get(person.team, 1),
                           email=person.email)
    for product in company.products:
        crm.products.add(product.code, text(product.name), price=product.price, category=product.category,
                         unit=text(product.unit), stock=product.stock)


def _check_codes(ctx: Context) -> None:
    """Every dictionary code the scenario uses exists in the workspace (after its own entries)."""
    sc = ctx.scenario
    codes = {tuple(r) for r in ctx.db.rows("SELECT kind, code FROM dictionary")}
    wanted = [("industry", sc.company.industry)]
    for kind, shares in (("customer_type", sc.customers.types), ("customer_level", sc.customers.levels),
                         ("region", sc.customers.regions), ("industry", sc.customers.industries),
                         ("interaction_channel", sc.customers.channels), ("churn_reason", sc.customers.reasons),
                         ("lead_source", sc.pipeline.lead_sources), ("service_type", sc.service.types)):
        wanted += [(kind, code) for code in shares]
    wanted += [("campaign_type", c.campaign_type) for c in sc.pipeline.campaigns]
    for event in sc.events:
        wanted += [(k, v) for k, v in (("region", event.region), ("customer_level", event.level),
                                       ("customer_type", event.customer_type), ("lead_source", event.source))
                   if v is not None]
    for kind, code in wanted:
        if (kind, code) not in codes:
            raise InvalidInput("scenario.unknown_code", field="scenario", kind=kind, code=code)


def _tasks(ctx: Context) -> None:
    """The exercise's tasks, put on each assignee's schedule by their supervisor (or the director)."""
    for task in ctx.scenario.tasks:
        who = ctx.users[ctx.users["username"] == task.assignee].iloc[0]
        boss = ctx.users[(ctx.users["team_id"] == who["team_id"]) & (ctx.users["role"] == "supervisor")]
        by = int(boss["id"].iloc[0]) if len(boss) and boss["username"].iloc[0] != task.assignee \
            else ctx.first("director")
        ctx.crm.as_user(by).tasks.add(ctx.text(task.title), assignee=task.assignee, priority=task.priority,
                                      on_date=max(day(task.day, ctx.today), ctx.today),
                                      detail=ctx.text(task.detail))
