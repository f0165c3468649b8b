"""Teaching-scenario benchmarks (issue #7). Prints numbers; asserts nothing.

For each size — S (10k customers / 200k orders), M (100k / 2M), L (1M / 20M) — generate the
built-in hardware distributor into a new workspace file and report the seconds, the peak
resident memory of the process (each size runs in its own process, so the peak is that size's;
tracemalloc is not used because tracing every allocation triples the time) and the file size; then
advance the clock a month with the churn scan dated day by day (caught up), and another month with the scan
at the end only. Each size first generates a 50-customer scenario in its process, timed and
printed apart: that pays the once-per-kernel costs (lazily imported areas, the message catalogue).
L is skipped, with a note, when M's timing says it would take more than a few minutes on this
machine.

    .venv/bin/python bench/bench_scenario.py              # S and M (and L if it fits)
    .venv/bin/python bench/bench_scenario.py --sizes S    # one size
    .venv/bin/python bench/bench_scenario.py --quick      # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import crm_engine.scenario.generate  # noqa: F401  (imported before timing: the figures are the work, not imports)
import crm_engine.scenario.simulation  # noqa: F401
from crm_engine.scenario import builtin

SIZES = {"S": (10_000, 200_000), "M": (100_000, 2_000_000), "L": (1_000_000, 20_000_000)}
QUICK = {"Q": (300, 6_000)}
L_BUDGET = 180.0  # seconds: "more than a few minutes on 2 cores" and L is skipped


def _progress(label: str):
    """A terminal progress line (on stderr, so the printed numbers stay clean)."""
    started = time.perf_counter()

    def show(done, total):
        if time.perf_counter() - started > 1 and sys.stderr.isatty():
            sys.stderr.write(f"\r  {label}: {done}/{total}")
            sys.stderr.flush()
            if done == total:
                sys.stderr.write("\n")
    return show


def first_use(folder: str) -> float:
    """Seconds of a 50-customer generation and a day of the clock in a fresh process: it pays the
    once-per-kernel costs (the engine's lazily imported areas, the message catalogue) so that the
    sizes measured after it time their work. Printed apart, not hidden."""
    started = time.perf_counter()
    path = os.path.join(folder, "warm.duckdb")
    with builtin("hardware_distributor").scaled(50, 500).create(path) as crm:
        crm.simulation.advance(1)
    seconds = time.perf_counter() - started
    os.remove(path)
    return seconds


def run(label: str, customers: int, orders: int, folder: str, days: int) -> dict:
    warm = first_use(folder)
    scenario = builtin("hardware_distributor").scaled(customers, orders)
    path = os.path.join(folder, f"{label}.duckdb")
    started = time.perf_counter()
    crm = scenario.create(path, student="bench", progress=_progress(f"generating {label}"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    made = crm._s.db.one("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders), "
                         "(SELECT count(*) FROM order_lines)")
    started = time.perf_counter()
    month = crm.simulation.advance(days, progress=_progress(f"advancing {label}"))
    daily = time.perf_counter() - started
    started = time.perf_counter()
    crm.simulation.advance(days, scan="end")
    at_end = time.perf_counter() - started
    crm.close()
    result = {"label": label, "customers": made[0], "orders": made[1], "lines": made[2], "seconds": seconds,
              "rss_peak_mb": peak, "file_mb": os.path.getsize(path) / 2 ** 20, "days": days, "advance_daily": daily,
              "advance_end": at_end, "month_orders": month.orders, "warnings": month.warnings_raised,
              "first_use": warm}
    os.remove(path)
    return result


def show(r: dict) -> None:
    print(f"{r['label']}: {r['customers']:,} customers, {r['orders']:,} orders ({r['lines']:,} lines) generated in "
          f"{r['seconds']:.2f} s; peak memory {r['rss_peak_mb']:.0f} MB; file {r['file_mb']:.0f} MB")
    print(f"   advance {r['days']} days: {r['advance_daily']:.2f} s with the churn scan day by day "
          f"({r['month_orders']:,} orders, {r['warnings']:,} warnings); next {r['days']} days with the scan at "
          f"the end: {r['advance_end']:.2f} s")
    print(f"   (before it, once per process: imports, catalogue and a 50-customer scenario {r['first_use']:.2f} s)")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tiny run for the test suite")
    parser.add_argument("--sizes", default="S,M,L", help="which of S, M, L to run (default all)")
    parser.add_argument("--one", help=argparse.SUPPRESS)   # internal: run one size, print JSON
    args = parser.parse_args(argv)
    if args.one:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(run(args.one, *SIZES[args.one], folder, 30)))
        return
    sizes = QUICK if args.quick else {k: SIZES[k] for k in args.sizes.upper().split(",") if k in SIZES}
    days = 5 if args.quick else 30
    print(f"Scenario benchmarks on {os.cpu_count()} cores (hardware_distributor; times are wall-clock seconds)")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, (customers, orders) in sizes.items():
            if label == "L":
                basis = results.get("M")
                estimate = basis["seconds"] * 10 * 1.2 if basis else None
                if estimate is None or estimate > L_BUDGET:
                    why = (f"M took {basis['seconds']:.1f} s, so L would take about {estimate:.0f} s"
                           if basis else "run M first to estimate it")
                    print(f"L: skipped — {why} (more than a few minutes on this machine).")
                    continue
            if args.quick:
                results[label] = run(label, customers, orders, folder, days)
            else:  # its own process: a clean memory peak for each size
                out = subprocess.run([sys.executable, __file__, "--one", label], capture_output=True, text=True,
                                     check=True).stdout
                results[label] = json.loads(out.strip().splitlines()[-1])
            show(results[label])


if __name__ == "__main__":
    main()
