"""crm.sql on a result too big to hold: how long until it stops and how much memory it took.

    PYTHONPATH=$PWD python bench/bench_sql_size.py [ROWS] [--quick]

A rep's query of ROWS rows of 2 MB each (default 200, 400 MB), once with a 16 MB size limit
and once with a result small enough to pass; prints seconds and the process's peak memory.
DuckDB builds a vector of up to 2,048 rows whole before it is fetched, so the first vector is
the overshoot the size limit cannot prevent."""
import argparse
import resource
import time

from crm_engine import InvalidInput
from tests.conftest import fresh_company


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("rows", nargs="?", type=int, default=200, help="rows of 2 MB each")
    parser.add_argument("--quick", action="store_true", help="20 rows (the test suite's run)")
    args = parser.parse_args(argv)
    rows = 20 if args.quick else args.rows
    crm = fresh_company()
    rep = crm.as_user("li.ming")
    start = time.perf_counter()
    rep.sql("SELECT repeat('x', 100) AS s FROM range(1000)")
    small = time.perf_counter() - start
    print(f"baseline: 1,000 short rows in {small:.3f} s, peak {peak_mb():.0f} MB")
    start = time.perf_counter()
    try:
        rep.sql(f"SELECT repeat('x', 2000000) AS s FROM range({rows})", max_megabytes=16)
        print("not stopped (unexpected)")
    except InvalidInput as error:
        took = time.perf_counter() - start
        print(f"{rows} rows x 2 MB, 16 MB limit: stopped ({error.key}) after {took:.2f} s "
              f"({took / small:.0f}x the baseline), peak {peak_mb():.0f} MB")
    crm.close()


if __name__ == "__main__":
    main()
