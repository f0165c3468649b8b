"""The demo company's build time (issue #20): `crm-lab demo` / `./crmlab.sh start` must stay a matter of
seconds. Prints the full build against its baseline in the same process — the scenario it is made from,
generated alone — and the share of each part: generation, the scenario clock's lead-in, the weeks of work.
Aim: the whole demo in a few seconds (≤ 5 s on an idle laptop; the demo before issue #20 took ~0.7 s).

    .venv/bin/python bench/bench_demo.py            # the demo's size (400 customers, 8,000 orders), 3 runs
    .venv/bin/python bench/bench_demo.py --quick    # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_engine.scenario import demo  # noqa: E402


def timed(make, path) -> float:
    start = time.perf_counter()
    make(path).close()
    return time.perf_counter() - start


def parts(path, customers: int, orders: int) -> dict:
    """Seconds of each part of one build: the parts are timed by wrapping them, the build is the real one."""
    spent = {}

    def clocked(name, verb):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return verb(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start
        return run

    original = demo.first_weeks
    demo.first_weeks = clocked("weeks of work (incl. lead-in)", original)
    try:
        start = time.perf_counter()
        demo.create(path, customers=customers, orders=orders).close()
        spent["whole build"] = time.perf_counter() - start
    finally:
        demo.first_weeks = original
    spent["generation and file"] = spent["whole build"] - spent["weeks of work (incl. lead-in)"]
    return spent


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=400)
    parser.add_argument("--orders", type=int, default=8000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.customers, args.orders, args.runs = 20, 100, 1
    with tempfile.TemporaryDirectory() as folder:
        base = pathlib.Path(folder)
        scenario = demo.scenario(customers=args.customers, orders=args.orders)
        alone = [timed(scenario.create, base / f"scenario{n}.duckdb") for n in range(args.runs)]
        full = [timed(lambda p: demo.create(p, customers=args.customers, orders=args.orders),
                      base / f"demo{n}.duckdb") for n in range(args.runs)]
        split = parts(base / "parts.duckdb", args.customers, args.orders)
    a, b = statistics.median(alone), statistics.median(full)
    print(f"demo company, {args.customers} customers / {args.orders} orders, median of {args.runs} run(s):")
    print(f"  the scenario alone (baseline)  {a:6.2f} s")
    print(f"  the demo company               {b:6.2f} s   ({b / a:.1f}× the baseline)")
    print("  one build, by part:")
    for name, seconds in split.items():
        print(f"    {name:32s}{seconds:6.2f} s")


if __name__ == "__main__":
    main()
