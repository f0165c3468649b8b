"""Workspace-file benchmarks (issue #22). Prints numbers; asserts nothing.

How a new workspace file is written (`crm_engine.db.create_options`): its block size and its storage
version. For each scenario size — an assignment (120 customers), S (10k customers / 200k orders),
M (100k / 2M) — generate the hardware distributor once per way of writing the file, then report the
file size, the generation time, the time to open the workspace (`CRM.open` and its first reads), the
customer 360 through the engine and a full scan of the orders (revenue by month), each with its ratio
against DuckDB 2's default (256 KB blocks, storage version 69) measured in the same process. The 360
and the scan are timed in turns over the files, so the machine's drift falls on all of them alike.
Each size runs in its own process.

    .venv/bin/python bench/bench_storage.py                 # assignment, S and M
    .venv/bin/python bench/bench_storage.py --sizes A,S     # some sizes
    .venv/bin/python bench/bench_storage.py --quick         # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import crm_engine.scenario.generate  # noqa: F401  (imported before timing)
from crm_engine import CRM, db
from crm_engine.scenario import builtin

SIZES = {"A": (120, None), "S": (10_000, 200_000), "M": (100_000, 2_000_000)}
QUICK = {"Q": (120, None)}
DEFAULT = "256 KB, v69"
# (label, the connect config a new file is created with); the first is the baseline of the ratios.
VARIANTS = [
    (DEFAULT, {}),
    ("256 KB, v1.4.0", {"storage_compatibility_version": "v1.4.0"}),
    ("64 KB, v1.4.0", {"storage_compatibility_version": "v1.4.0", "default_block_size": "65536"}),
    ("16 KB, v1.4.0", {"storage_compatibility_version": "v1.4.0", "default_block_size": "16384"}),
    ("16 KB, v69", {"default_block_size": "16384"}),
]
PROJECT = db.create_options  # restored after each run (the test suite runs this script in its process)
SCAN = ("SELECT date_trunc('month', order_date) AS month, count(*), sum(amount) FROM orders "
        "GROUP BY ALL ORDER BY month")


def _as(config: dict | None):
    """Make `db` create files with `config` instead of the project's choice (None: the project's again)."""
    db.create_options = PROJECT if config is None else (lambda *_, **__: dict(config))


def generate(folder: str, label: str, customers: int, orders: int | None, config: dict) -> tuple[str, float]:
    _as(config)
    scenario = builtin("hardware_distributor").scaled(customers, orders)
    path = os.path.join(folder, f"{label}-{len(os.listdir(folder))}.duckdb")
    started = time.perf_counter()
    scenario.create(path, student="bench").close()
    return path, time.perf_counter() - started


def open_ms(paths: list[str], repeat: int) -> list[float]:
    """Median ms of opening each workspace and reading what opening reads (schema, settings, user),
    the files opened in turns."""
    spent = [[] for _ in paths]
    for _ in range(repeat):
        for path, times in zip(paths, spent):
            started = time.perf_counter()
            crm = CRM.open(path)
            crm.customers.count()
            times.append(time.perf_counter() - started)
            crm.close()
    return [statistics.median(times) * 1000 for times in spent]


def interleaved(calls: list, ids: list) -> list[float]:
    """Median ms per call of each function, called in turns on the same ids."""
    for cid in ids[:10]:
        for call in calls:
            call(cid)
    times = [[] for _ in calls]
    for cid in ids:
        for call, spent in zip(calls, times):
            started = time.perf_counter()
            call(cid)
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) * 1000 for spent in times]


def run(label: str, customers: int, orders: int | None, folder: str, views: int, repeat: int) -> list[dict]:
    try:
        return _run(label, customers, orders, folder, views, repeat)
    finally:
        _as(None)


def _run(label: str, customers: int, orders: int | None, folder: str, views: int, repeat: int) -> list[dict]:
    generate(folder, "warm", 50, 500, {})  # once-per-process costs (imports, catalogue), not timed
    made = {}
    for _ in range(repeat):  # in turns: the drift of the machine falls on every variant
        for name, config in VARIANTS:
            path, seconds = generate(folder, label, customers, orders, config)
            made.setdefault(name, []).append((path, seconds))
    results = []
    for name, config in VARIANTS:
        path = made[name][0][0]
        for other, _ in made[name][1:]:
            os.remove(other)
        results.append({"size": label, "variant": name, "config": config, "path": path,
                        "file_mb": os.path.getsize(path) / 2 ** 20,
                        "generate_s": statistics.median(s for _, s in made[name])})
    for r, ms in zip(results, open_ms([r["path"] for r in results], 7)):
        r["open_ms"] = ms
    opened = [CRM.open(r["path"]) for r in results]
    count = opened[0].customers.count()
    ids = np.random.default_rng(0).integers(1, count + 1, views).tolist()
    for r, ms in zip(results, interleaved([crm.customers.view for crm in opened], ids)):
        r["view_ms"] = ms
    scans = [lambda _cid, con=crm._s.db.con: con.execute(SCAN).fetchall() for crm in opened]
    for r, ms in zip(results, interleaved(scans, ids[: max(10, views // 10)])):
        r["scan_ms"] = ms
    for crm, r in zip(opened, results):
        crm.close()
        r["customers"] = count
        del r["path"], r["config"]
    return results


def show(results: list[dict]) -> None:
    base = results[0]
    chosen = PROJECT(base["customers"])
    print(f"{base['size']}: {base['customers']:,} customers; the project writes "
          f"{int(chosen['default_block_size']) // 1024} KB, {chosen['storage_compatibility_version']}")
    print(f"  {'file written as':<16} {'file MB':>8} {'generate s':>11} {'open ms':>8} {'360 ms':>8} {'scan ms':>8}"
          "   ratios to the default: file, generate, open, 360, scan")
    for r in results:
        ratios = ", ".join(f"{r[key] / base[key]:.2f}" for key in ("file_mb", "generate_s", "open_ms", "view_ms",
                                                                    "scan_ms"))
        print(f"  {r['variant']:<16} {r['file_mb']:>8.2f} {r['generate_s']:>11.2f} {r['open_ms']:>8.1f} "
              f"{r['view_ms']:>8.2f} {r['scan_ms']:>8.2f}   {ratios}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tiny run for the test suite")
    parser.add_argument("--sizes", default="A,S,M", help="which of A (assignment), S, M to run (default all)")
    parser.add_argument("--one", help=argparse.SUPPRESS)   # internal: run one size, print JSON
    args = parser.parse_args(argv)
    if args.one:
        views, repeat = (300, 3) if args.one != "M" else (300, 1)
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(run(args.one, *SIZES[args.one], folder, views, repeat)))
        return
    print(f"Workspace-file benchmarks on {os.cpu_count()} cores (hardware_distributor; DuckDB's default first)")
    if args.quick:
        with tempfile.TemporaryDirectory() as folder:
            show(run("Q", *QUICK["Q"], folder, 20, 1))
        return
    for label in (k for k in args.sizes.upper().split(",") if k in SIZES):
        out = subprocess.run([sys.executable, __file__, "--one", label], capture_output=True, text=True,
                             check=True).stdout
        show(json.loads(out.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
