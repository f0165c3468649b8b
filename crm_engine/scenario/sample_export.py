"""A sample CRM export of the shape instructors bring (docs/own-data.md), seeded: accounts, products,
a sales team roster and a pipeline of opportunities as four CSV files, and a ticket history. The
instructor notebook 03_scenario_from_real_data uses it when no export of your own is at hand; the
end-to-end import test and bench/bench_company_import.py use it too. It ships with the package, so
an installed CRM Lab has it without the repository's tests."""
from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd

from ..crm import CRM

OFFICES = ("Central", "East", "West")
PRODUCTS = (("GTX Basic", "GTX", 550), ("GTX Pro", "GTX", 4821), ("MG Special", "MG", 55),
            ("MG Advanced", "MG", 3393), ("GTX Plus Pro", "GTX", 5482), ("GTX Plus Basic", "GTX", 1096),
            ("GTK 500", "GTK", 26768))
SECTORS = ("technology", "medical", "retail", "software", "marketing", "entertainment", "finance",
           "telecommunications", "services", "employment")
COUNTRIES = ("United States", "Kenya", "Philippines", "Japan", "Italy", "Norway")
FIRST = ("Anna", "Boris", "Cecily", "Daniel", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kira", "Lars")
LAST = ("Snelling", "Lampkin", "Hillebrand", "Frase", "Ürban", "Okafor", "Moreau", "Tanaka", "Rossi", "Berg")
START, END = dt.date(2016, 10, 20), dt.date(2017, 12, 31)
TODAY = "2018-01-02"


def build(rows: int = 9000, accounts: int = 100, agents: int = 35, seed: int = 19) -> dict[str, pd.DataFrame]:
    """The four tables: accounts, products, sales_teams, sales_pipeline."""
    rng = np.random.default_rng(seed)
    people = [f"{f} {l}" for f in FIRST for l in LAST]
    rng.shuffle(people)
    managers, agent_names = people[:6], people[6:6 + agents]
    teams = pd.DataFrame({"sales_agent": agent_names,
                          "manager": [managers[i % 6] for i in range(agents)],
                          "regional_office": [OFFICES[(i % 6) // 2] for i in range(agents)]})
    products = pd.DataFrame(PRODUCTS, columns=["product", "series", "sales_price"])
    names = [f"{w} {s}" for w in ("Acme", "Betasoft", "Cancity", "Dalttechnology", "Zoomit", "Rangreen",
                                  "Scotfind", "Ganjaflex", "Hottechi", "Konex") for s in
             ("Corp", "Labs", "Group", "Systems", "Holdings", "Partners", "Works", "Dynamics", "Solutions", "Co")]
    account_table = pd.DataFrame({
        "account": names[:accounts],
        "sector": rng.choice(SECTORS, accounts),
        "year_established": rng.integers(1979, 2017, accounts).astype(str),
        "revenue": rng.integers(100, 11_000, accounts) / 100,
        "employees": rng.integers(10, 20_000, accounts),
        "office_location": rng.choice(COUNTRIES, accounts),
        "subsidiary_of": [""] * accounts})
    stage = rng.choice(["Won", "Lost", "Engaging", "Prospecting"], rows, p=[0.48, 0.30, 0.14, 0.08])
    product = rng.integers(0, len(PRODUCTS), rows)
    engage = [START + dt.timedelta(days=int(d)) for d in rng.integers(0, (END - START).days - 60, rows)]
    close = [e + dt.timedelta(days=int(d)) for e, d in zip(engage, rng.integers(1, 60, rows))]
    price = np.array([p[2] for p in PRODUCTS])[product]
    value = np.round(price * rng.uniform(0.9, 1.1, rows)).astype(int)
    names_of = np.array([p[0] for p in PRODUCTS], dtype=object)[product]
    # One product spelled two ways, as in real exports.
    names_of = np.where((names_of == "GTX Pro") & (rng.random(rows) < 0.4), "GTXPro", names_of)
    closed = np.isin(stage, ["Won", "Lost"])
    pipeline = pd.DataFrame({
        "opportunity_id": [f"OPP{i:06d}" for i in range(rows)],
        "sales_agent": rng.choice(agent_names, rows),
        "product": names_of,
        "account": rng.choice(account_table["account"], rows),
        "deal_stage": stage,
        "engage_date": [e.strftime("%d-%m-%y") if s != "Prospecting" else "" for e, s in zip(engage, stage)],
        "close_date": [c.isoformat() if k else "" for c, k in zip(close, closed)],
        "close_value": [str(v) if s == "Won" else ("0" if s == "Lost" else "") for v, s in zip(value, stage)]})
    first_agent = pipeline.drop_duplicates("account").set_index("account")["sales_agent"]
    # Customers are owned: the instructor names an owner per account (here its first deal's agent).
    account_table["owner"] = account_table["account"].map(first_agent).fillna(agent_names[0])
    return {"accounts": account_table, "products": products, "sales_teams": teams, "sales_pipeline": pipeline}


def write(folder, tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    paths = {}
    for name, frame in tables.items():
        paths[name] = os.path.join(folder, f"{name}.csv")
        frame.to_csv(paths[name], index=False)
    return paths


def owner_usernames(tables) -> None:
    """The accounts' owner column as the usernames the roster import derives."""
    tables["accounts"]["owner"] = [CRM.roster_username(n) for n in tables["accounts"]["owner"]]


# The command lines an instructor types for these files (the end-to-end test runs them).
COMMANDS = {
    "sales_teams": ["users"],
    "products": ["products", "--map", "product=code,name", "--map", "series=category", "--map", "sales_price=price",
                 "--add-codes"],
    "accounts": ["customers", "--map", "account=name", "--map", "sector=industry", "--map", "year_established=founded",
                 "--map", "office_location=region", "--add-codes"],
    "sales_pipeline": ["opportunities", "--map", "sales_agent=owner", "--map", "deal_stage=stage",
                       "--map", "engage_date=created,assigned", "--map", "close_date=closed",
                       "--map", "close_value=amount", "--value", "product:GTXPro=GTX Pro",
                       "--date-format", "created=%d-%m-%y;assigned=%d-%m-%y"],
}


def tickets(tables: dict[str, pd.DataFrame], per_account_year: float = 2.0, seed: int = 19) -> pd.DataFrame:
    """A service-ticket history for the accounts (issue 19, a scenario from real data): each account
    asks at `per_account_year` over the export's period, types mixed, as `crm.imports.tickets` reads it."""
    rng = np.random.default_rng(seed + 1)
    days = (END - START).days + 1
    counts = rng.poisson(per_account_year * days / 365, len(tables["accounts"]))
    account = np.repeat(tables["accounts"]["account"].to_numpy(), counts)
    created = [START + dt.timedelta(days=int(d)) for d in rng.integers(0, days, len(account))]
    kind = rng.choice(["consultation", "complaint", "repair"], len(account), p=[0.5, 0.2, 0.3])
    return pd.DataFrame({"customer": account, "service_type": kind,
                         "subject": [f"Request {k}" for k in range(len(account))],
                         "created": [c.isoformat() for c in created]})
