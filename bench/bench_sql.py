"""crm.sql benchmark (issue 17): what the guarantee costs. Prints numbers and ratios; checks only that
the answers agree.

Each query two ways, in one process, on the test company with a generated order book:

1. `crm.sql(text)` — parse tree check, catalogue look-ups, the bound plan check (EXPLAIN), a
   READ ONLY cursor that is rolled back, the timer, the chunked fetch up to the row limit;
2. the same text on the engine's own connection (`db.df(text)`), no checks at all.

The fixed cost per query is what matters for an analyst (tens of milliseconds at most); on a large
result the chunked fetch should stay close to DuckDB's own `.df()`. Best-of-N, timed in turns.

    .venv/bin/python bench/bench_sql.py            # 100,000 generated orders
    .venv/bin/python bench/bench_sql.py --quick    # tiny
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the repo root: tests/ holds the company

from crm_engine.reports import sql as policy  # noqa: E402
from tests.conftest import fresh_company  # noqa: E402

QUERIES = {
    "tiny": "SELECT count(*) AS n FROM customers",
    "join + group": """
        SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue
        FROM customers c JOIN bench_orders o ON o.customer_id = c.id GROUP BY ALL ORDER BY ALL""",
    "cte + window": """
        WITH s AS (SELECT customer_id, sum(amount) AS total FROM bench_orders GROUP BY ALL)
        SELECT *, rank() OVER (ORDER BY total DESC) AS place FROM s""",
    "many rows": "SELECT * FROM bench_orders",
}


def best_in_turns(first, second, repeat: int) -> tuple[float, float]:
    """Best-of-`repeat` of each, alternating, so a busy moment on a shared machine hits both alike."""
    times: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for run, kept in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            run()
            kept.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    rows, repeat = (2_000, 3) if args.quick else (100_000, 7)
    crm = fresh_company()
    db = crm._s.db
    # An order book of the analyst's size, in a table the policy treats like `orders` (admin reads it).
    with db.transaction():
        db.execute(f"CREATE TABLE bench_orders AS SELECT i AS id, 1 + i % 5 AS customer_id, "
                   f"(i % 997) * 10.5 AS amount FROM range({rows}) t(i)")
    policy.TABLES["bench_orders"] = ("customer",)
    print(f"crm.sql vs the same SQL unchecked, {rows:,} orders, best of {repeat}")
    print(f"{'query':<14}{'crm.sql ms':>12}{'raw ms':>10}{'ratio':>8}{'extra ms':>10}")
    for name, text in QUERIES.items():
        guarded = crm.sql(text, max_rows=rows + 1)
        raw = db.df(text)
        assert guarded.shape == raw.shape, name
        checked, raw_time = best_in_turns(lambda: crm.sql(text, max_rows=rows + 1), lambda: db.df(text), repeat)
        print(f"{name:<14}{checked * 1e3:>12.1f}{raw_time * 1e3:>10.1f}{checked / raw_time:>8.2f}"
              f"{(checked - raw_time) * 1e3:>10.1f}")
    crm.close()


if __name__ == "__main__":
    main()
