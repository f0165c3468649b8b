"""Teaching scenarios (T2): the simulated company a workspace starts from, and what happens next.

    from crm_engine.scenario import builtin, builtins

    builtins()                                       # ['fmcg_wholesaler', 'hardware_distributor', …]
    shop = builtin("hardware_distributor")           # a Scenario (model.py; its parts: parts.py)
    crm = shop.create("s001.duckdb", student="s001") # that student's variant, deterministic
    crm.simulation.advance(30)                       # the clock makes things happen

Authoring: docs/scenarios.md. The hidden model (for instructors): docs/scenario-model.md.
`synthetic.generate()` (the lead's seeded generator) stays as it was; scenarios build on the same ideas at
any scale. The demo workspace (`demo.build()`) is `hardware_distributor` plus a few weeks of work.
"""
from __future__ import annotations

import tomllib
from importlib import resources

import pandas as pd

from ..crm import CRM
from ..errors import InvalidInput
from .classroom import create_class as _create_class
from .model import (
    Campaign,
    Company,
    CustomerBase,
    Entry,
    Event,
    Person,
    Pipeline,
    Product,
    Scenario,
    ServiceLoad,
    Task,
    Team,
)
from .rand import variant_seed
from .simulation import Simulation

# `crm.simulation` on every facade: the CRM does not import the courseware, the courseware hangs itself on it.
CRM.extend("simulation", Simulation)

__all__ = ["Scenario", "Company", "Product", "Team", "Person", "Entry", "CustomerBase", "Pipeline", "Campaign",
           "ServiceLoad", "Event", "Task", "builtins", "builtin", "catalogue", "variant_seed", "create_class"]


def builtins() -> list[str]:
    """The names of the built-in scenarios (crm_engine/scenario/builtin/*.toml)."""
    folder = resources.files(__package__).joinpath("builtin")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def builtin(name: str, *, language: str | None = None) -> Scenario:
    """A built-in scenario by name (optionally in another of its languages)."""
    if name not in builtins():
        raise InvalidInput("scenario.unknown", field="scenario", name=name, choices=", ".join(builtins()))
    text = resources.files(__package__).joinpath("builtin", f"{name}.toml").read_text("utf-8")
    scenario = Scenario.from_dict(tomllib.loads(text))
    return scenario.replace(language=language) if language else scenario


def catalogue(language: str = "en"):
    """The built-in scenarios as a DataFrame: name, title, languages, customers, story."""
    rows = []
    for name in builtins():
        s = builtin(name)
        rows.append({"name": name, "title": s.text(s.title, language), "languages": ", ".join(s.languages),
                     "customers": s.customers.size, "story": (s.text(s.narrative, language) or "").strip()})
    return pd.DataFrame(rows)


def create_class(scenario: Scenario, roster, folder, **options):
    """One workspace per student of a class list (see classroom.create_class)."""
    return _create_class(scenario, roster, folder, **options)
