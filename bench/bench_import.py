"""Import benchmarks (issue 17): time and peak memory of a 1M-row customers file and a 1M-line
orders file through `crm.imports`, against a plain DuckDB `INSERT … SELECT FROM read_csv(…)` of the
same file into the same workspace. Prints numbers and ratios; asserts nothing.

Each import runs in its own process, so its peak resident memory (`ru_maxrss`) is its own.

    .venv/bin/python bench/bench_import.py                 # 1M customers, 1M order lines
    .venv/bin/python bench/bench_import.py --rows 20000    # smaller
    .venv/bin/python bench/bench_import.py --quick         # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import duckdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))   # also when run by runpy (tests)
from bench_foundation import build  # noqa: E402  (the same workspace as the foundation benchmarks)

CUSTOMERS_IN_WORKSPACE = 20_000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # the checkout the children import


def write_files(tmp: str, rows: int, existing: int = CUSTOMERS_IN_WORKSPACE) -> tuple[str, str]:
    """customers.csv (rows new customers) and orders.csv (rows order lines of existing customers,
    two lines an order), written by DuckDB straight to disk."""
    con = duckdb.connect()
    customers, orders = os.path.join(tmp, "customers.csv"), os.path.join(tmp, "orders.csv")
    con.execute(f"""COPY (SELECT 'Imported Customer ' || i || ' Co., Ltd.' AS name,
                              '010-' || lpad((i % 10000000)::VARCHAR, 8, '0') AS phone,
                              'c' || i || '@example.cn' AS email, 'Street ' || i AS address,
                              (['east', 'north', 'south', 'southwest'])[i % 4 + 1] AS region, (i % 5 + 1) AS credit,
                              'rep' || (i % 20) AS owner
                        FROM range({rows}) t(i)) TO '{customers}' (HEADER)""")
    con.execute(f"""COPY (SELECT 'IMP-' || (i // 2) AS order_no, (1 + (i // 2) % {existing}) AS customer,
                              strftime(DATE '2025-01-01' + ((i // 2) % 400)::INTEGER, '%Y-%m-%d') AS order_date,
                              'P' || lpad((i % 20)::VARCHAR, 2, '0') AS product, 1 + i % 7 AS quantity,
                              '' AS unit_price
                        FROM range({rows}) t(i)) TO '{orders}' (HEADER)""")
    con.close()
    return customers, orders


BASELINE = {
    "customers": """INSERT INTO customers (id, name, name_norm, phone, email, address, owner_id, level, credit,
                        region, status, created_on, created_by)
                    SELECT {base} + row_number() OVER (), name, lower(name), phone, email, address, 1, 'ordinary',
                           credit::INTEGER, region, 'active', DATE '2026-03-02', 1 FROM read_csv('{path}', all_varchar = true)""",
    "orders": """CREATE TEMP TABLE f AS SELECT *, dense_rank() OVER (ORDER BY order_no) AS o FROM read_csv('{path}', all_varchar = true);
                 INSERT INTO orders SELECT {base} + o, any_value(customer::INTEGER), order_no, any_value(order_date::DATE),
                        sum(p.price * quantity::INTEGER), 'confirmed', NULL
                 FROM f JOIN products p ON p.code = f.product GROUP BY o, order_no;
                 INSERT INTO order_lines SELECT {lines} + row_number() OVER (), {base} + o, p.id, quantity::INTEGER,
                        p.price, p.price * quantity::INTEGER FROM f JOIN products p ON p.code = f.product""",
}


def child(how: str, kind: str, workspace: str, path: str) -> None:
    """One import in this process; prints seconds, peak memory and rows as JSON."""
    start = time.perf_counter()
    if how == "engine":
        from crm_engine import CRM
        with CRM.open(workspace) as crm:
            report = getattr(crm.imports, kind)(path)
            rows, rejected = report.imported, len(report.rejected)
    else:
        con = duckdb.connect(workspace)
        table = "customers" if kind == "customers" else "orders"
        base = con.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        lines = con.execute("SELECT coalesce(max(id), 0) FROM order_lines").fetchone()[0]
        con.execute("BEGIN")
        for statement in BASELINE[kind].format(base=base, lines=lines, path=path).split(";"):
            con.execute(statement)
        con.execute("COMMIT")
        rows, rejected = con.execute(f"SELECT count(*) FROM {table} WHERE id > ?", [base]).fetchone()[0], 0
        con.close()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": rows, "rejected": rejected}))


def measure(how: str, kind: str, base: str, path: str, tmp: str) -> dict:
    workspace = os.path.join(tmp, f"{how}-{kind}.duckdb")
    shutil.copy(base, workspace)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", how, kind, workspace, path],
                         check=True, capture_output=True, text=True, env=env).stdout
    os.remove(workspace)
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the test suite)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(*args.child)
    existing = CUSTOMERS_IN_WORKSPACE
    if args.quick:
        args.rows, existing = 2_000, 500
    with tempfile.TemporaryDirectory() as tmp:
        base = os.path.join(tmp, "base.duckdb")
        build(base, existing, 0).close()
        files = dict(zip(("customers", "orders"), write_files(tmp, args.rows, existing)))
        for kind, path in files.items():
            engine = measure("engine", kind, base, path, tmp)
            plain = measure("plain", kind, base, path, tmp)
            print(f"{kind} import of {args.rows:,} rows ({os.path.getsize(path) / 2**20:.0f} MB): "
                  f"engine {engine['seconds']:.1f} s, peak {engine['peak_mb']:.0f} MB "
                  f"({engine['rows']:,} imported, {engine['rejected']:,} rejected); "
                  f"plain read_csv INSERT {plain['seconds']:.1f} s, peak {plain['peak_mb']:.0f} MB; "
                  f"ratio {engine['seconds'] / plain['seconds']:.1f}x time, "
                  f"{engine['peak_mb'] / plain['peak_mb']:.1f}x memory")


if __name__ == "__main__":
    main()
