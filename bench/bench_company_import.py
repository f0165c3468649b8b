"""Company import benchmark (issue 19): 10,000 opportunities with their history through
`crm.imports.opportunities` (set-based), next to the same deals through the public verbs
(add → assign → add_step → record_result → succeed / fail) for a sample, extrapolated.

Both start from the same workspace (the roster, products and accounts of the generated export,
crm_engine/scenario/sample_export.py). Prints numbers and the ratio; asserts nothing.

    .venv/bin/python bench/bench_company_import.py                  # 10,000 deals, 200 by verbs
    .venv/bin/python bench/bench_company_import.py --quick          # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

from crm_engine import CRM
from crm_engine.scenario import sample_export as company_export

MAPPING = {"sales_agent": "owner", "deal_stage": "stage", "engage_date": ["created", "assigned"],
           "close_date": "closed", "close_value": "amount"}
DATES = {"created": "%d-%m-%y", "assigned": "%d-%m-%y"}
VALUES = {"product": {"GTXPro": "GTX Pro"}}


def base_workspace(folder: str, tables) -> str:
    """The workspace every run starts from: roster, products, accounts imported."""
    path = os.path.join(folder, "base.duckdb")
    with CRM.create(path, today=company_export.TODAY) as crm:
        crm.imports.users(tables["sales_teams"])
        crm.imports.products(tables["products"], mapping={"product": ["code", "name"], "series": "category",
                                                          "sales_price": "price"}, add_codes=True)
        crm.imports.customers(tables["accounts"], mapping={"account": "name", "sector": "industry",
                                                           "year_established": "founded",
                                                           "office_location": "region"}, add_codes=True)
    return path


def by_import(path: str, pipeline) -> tuple[float, int]:
    with CRM.open(path) as crm:
        started = time.perf_counter()
        report = crm.imports.opportunities(pipeline, mapping=MAPPING, date_format=DATES, values=VALUES)
        return time.perf_counter() - started, report.imported


def by_verbs(path: str, pipeline) -> tuple[float, int]:
    """The sample deal by deal, as an instructor would have to without the bulk import (the
    clock is not moved between deals: the verbs' cost only, an underestimate of the real work)."""
    with CRM.open(path) as crm:
        users = crm.admin.users().set_index("name")
        supervisor_of = {}
        teams = users.reset_index()
        for row in teams[teams["role"] == "supervisor"].itertuples():
            supervisor_of[row.team_id] = row.username
        started = time.perf_counter()
        done = 0
        for row in pipeline.itertuples(index=False):
            agent = users.loc[row.sales_agent]
            rep = crm.as_user(agent["username"])
            boss = crm.as_user(supervisor_of[agent["team_id"]])
            product = VALUES["product"].get(row.product, row.product)
            opp = rep.opportunities.add(row.account, f"{product} for {row.account}", probability=10,
                                        lines=[{"product": product, "quantity": 1}])
            boss.opportunities.assign(opp.id, agent["username"])
            if row.deal_stage in ("Won", "Lost"):
                step = rep.opportunities.add_step(opp.id, crm.today(), "Meeting")
                rep.opportunities.record_result(step, "Done")
                if row.deal_stage == "Won":
                    rep.opportunities.succeed(opp.id, amount=int(row.close_value))
                else:
                    rep.opportunities.fail(opp.id, "other")
            elif row.deal_stage == "Engaging":
                rep.opportunities.set_stage(opp.id, "intent_confirmed")
            done += 1
        return time.perf_counter() - started, done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="opportunities imported in bulk")
    parser.add_argument("--sample", type=int, default=200, help="opportunities through the verbs")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the test suite")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.sample = 300, 10
    tables = company_export.build(rows=args.rows)
    company_export.owner_usernames(tables)
    folder = tempfile.mkdtemp(prefix="bench-company-")
    try:
        base = base_workspace(folder, tables)
        bulk_path, verb_path = os.path.join(folder, "bulk.duckdb"), os.path.join(folder, "verbs.duckdb")
        shutil.copy(base, bulk_path)
        shutil.copy(base, verb_path)
        seconds, imported = by_import(bulk_path, tables["sales_pipeline"])
        sample = tables["sales_pipeline"].head(args.sample)
        verb_seconds, done = by_verbs(verb_path, sample)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    per_deal = verb_seconds / max(done, 1)
    extrapolated = per_deal * args.rows
    print(f"bulk import: {imported} opportunities with their history in {seconds:.2f} s "
          f"({imported / seconds:,.0f}/s)")
    print(f"public verbs: {done} opportunities in {verb_seconds:.2f} s ({per_deal * 1000:.1f} ms each); "
          f"extrapolated to {args.rows}: {extrapolated:.0f} s (an estimate, not measured)")
    print(f"ratio (verbs extrapolated / bulk): {extrapolated / seconds:.0f}x")


if __name__ == "__main__":
    main()
