"""Marketing-management benchmarks (issue #3). Prints numbers; asserts only that both sides
did the same work.

1. Writes: N sales opportunities with development plans through the engine — record,
   assign, two plan steps: four actions per opportunity, each one transaction, validated,
   scoped and audited — against plain DuckDB writing the same rows (opportunity, state
   history, assignment, plan steps, audit) with the same transactions and none of the checks.
2. Reads: the funnel and the win rate (by rep) over M opportunities — the engine's scoped
   queries as a director (scope: all) and as a supervisor (scope: team) — against the same
   GROUP BY queries in plain DuckDB, without a scope.

Both sides run in this process, on in-memory databases.

    .venv/bin/python bench/bench_sales.py            # 10,000 opportunities with plans; funnel at 100,000
    .venv/bin/python bench/bench_sales.py --quick    # tiny, for the test suite
    .venv/bin/python bench/bench_sales.py --opportunities 2000 --funnel 100000
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import duckdb

from crm_engine import CRM
from crm_engine.migrations import migrations

TODAY = dt.date(2026, 3, 2)
REPS = 8

# The same synthetic pipeline on both sides: states, stages, owners and dates from a hash of the id.
PIPELINE = """
    INSERT INTO opportunities (id, source, customer_name, contact_name, summary, expected_amount, probability,
                               state, stage, owner_id, assigned_on, assigned_by, closed_on, won_amount,
                               lost_reason, created_on, created_by)
    WITH g AS (SELECT (i + $base)::INTEGER AS id, (hash(i) % 100)::INTEGER AS pick,
                      (hash(i * 7) % 4)::INTEGER AS stage_pick, ($first_rep + hash(i * 13) % $reps)::INTEGER AS rep,
                      (hash(i * 31) % 300)::INTEGER AS age, (1000 + hash(i * 17) % 500000)::INTEGER AS amount
               FROM range($count) t(i))
    SELECT id, 'referral', 'Prospect ' || id, 'Contact ' || id, 'Synthetic opportunity', amount,
           10 + 10 * stage_pick, CASE WHEN pick < 10 THEN 'unassigned' WHEN pick < 60 THEN 'assigned'
                                      WHEN pick < 85 THEN 'succeeded' ELSE 'failed' END,
           CASE WHEN pick >= 10 THEN ['initial_contact', 'intent_confirmed', 'proposal', 'negotiation'][stage_pick + 1] END,
           rep, CASE WHEN pick >= 10 THEN $today::DATE - age + 3 END, CASE WHEN pick >= 10 THEN $supervisor END,
           CASE WHEN pick >= 60 THEN $today::DATE - age // 2 END, CASE WHEN pick BETWEEN 60 AND 84 THEN amount END,
           CASE WHEN pick >= 85 THEN 'price' END, $today::DATE - age, rep
    FROM g"""

PLAIN_FUNNEL = """
    WITH stages AS (SELECT code, name_en AS label, sort_order, value FROM dictionary
                    WHERE kind = 'opportunity_stage' AND active),
    opps AS (SELECT o.state, o.expected_amount, o.probability, o.stage, coalesce(st.sort_order, 0) AS stage_order
             FROM opportunities o LEFT JOIN dictionary st ON st.kind = 'opportunity_stage' AND st.code = o.stage
             WHERE o.state <> 'unassigned')
    SELECT st.code, st.sort_order,
           count(*) FILTER (WHERE o.state = 'succeeded' OR o.stage_order >= st.sort_order) AS reached,
           count(*) FILTER (WHERE o.state = 'assigned' AND o.stage = st.code) AS open,
           sum(o.expected_amount * o.probability / 100) FILTER (WHERE o.state = 'assigned' AND o.stage = st.code)
    FROM stages st LEFT JOIN opps o ON true GROUP BY ALL ORDER BY st.sort_order"""

PLAIN_WIN_RATE = """
    SELECT u.name, count(*) FILTER (WHERE o.state = 'succeeded') AS won,
           count(*) FILTER (WHERE o.state = 'failed') AS lost,
           count(*) FILTER (WHERE o.state = 'succeeded') / count(*) AS win_rate, sum(o.won_amount)
    FROM opportunities o JOIN users u ON u.id = o.owner_id
    WHERE o.state IN ('succeeded', 'failed') GROUP BY o.owner_id, u.name ORDER BY win_rate DESC"""


def company() -> tuple[CRM, list[str]]:
    """A workspace with a director, one supervisor and REPS account managers in one team."""
    crm = CRM.memory(today=TODAY)
    team = crm.admin.add_team("Sales")
    crm.admin.add_user("boss", "Director", role="director")
    crm.admin.add_user("sup", "Supervisor", role="supervisor", team=team)
    reps = [crm.admin.add_user(f"rep{i}", f"Rep {i}", role="account_manager", team=team).username
            for i in range(REPS)]
    return crm, reps


def plain_database(crm: CRM) -> duckdb.DuckDBPyConnection:
    """Plain DuckDB with the same tables, dictionary and users as the engine's workspace."""
    con = duckdb.connect()
    for _version, _name, sql in migrations():
        con.execute(sql)
    con.register("engine_users", crm._s.db.df("SELECT * FROM users"))
    con.execute("INSERT INTO users SELECT * FROM engine_users")
    con.unregister("engine_users")
    return con


# -- 1. writes --------------------------------------------------------------------------------------
def engine_writes(count: int) -> tuple[float, CRM]:
    crm, reps = company()
    supervisor = crm.as_user("sup")
    sessions = [crm.as_user(r) for r in reps]
    start = time.perf_counter()
    for n in range(count):
        rep = sessions[n % REPS]
        opp = rep.opportunities.add(f"Prospect {n}", "Notebooks for a new office", expected_amount=10_000 + n,
                                    probability=20, contact_name="Zhou Min")
        supervisor.opportunities.assign(opp.id, rep.user.id)
        rep.opportunities.add_step(opp.id, TODAY, "Call the buyer")
        rep.opportunities.add_step(opp.id, TODAY + dt.timedelta(days=7), "Visit with a demo")
    return time.perf_counter() - start, crm


def plain_writes(count: int, crm: CRM) -> tuple[float, duckdb.DuckDBPyConnection]:
    """The rows the engine writes for the same work, statement for statement, unchecked."""
    con = plain_database(crm)
    ids = dict(con.execute("SELECT username, id FROM users").fetchall())
    supervisor, reps = ids["sup"], [ids[f"rep{i}"] for i in range(REPS)]
    audit = step = 0
    start = time.perf_counter()
    for n in range(count):
        opp, rep = n + 1, reps[n % REPS]
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO opportunities (id, source, customer_name, contact_name, summary, expected_amount, "
                    "probability, state, owner_id, created_on, created_by) VALUES (?, 'other', ?, 'Zhou Min', "
                    "'Notebooks for a new office', ?, 20, 'unassigned', ?, ?, ?)",
                    [opp, f"Prospect {n}", 10_000 + n, rep, TODAY, rep])
        con.execute("INSERT INTO state_history VALUES ('opportunity', ?, 'create', NULL, 'unassigned', ?, ?, NULL)",
                    [opp, rep, TODAY])
        audit += 1
        con.execute("INSERT INTO audit VALUES (?, ?, current_localtimestamp(), ?, 'create', 'opportunity', ?, "
                    "NULL, '{}', NULL)", [audit, TODAY, rep, opp])
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE opportunities SET state = 'assigned', owner_id = ?, assigned_on = ?, assigned_by = ?, "
                    "stage = 'initial_contact' WHERE id = ?", [rep, TODAY, supervisor, opp])
        con.execute("INSERT INTO state_history VALUES ('opportunity', ?, 'assign', 'unassigned', 'assigned', ?, ?, "
                    "NULL)", [opp, supervisor, TODAY])
        con.execute("UPDATE assignments SET ended_on = ? WHERE kind = 'opportunity' AND record_id = ? "
                    "AND ended_on IS NULL", [TODAY, opp])
        con.execute("INSERT INTO assignments VALUES ('opportunity', ?, ?, ?, ?, NULL, 'assign')",
                    [opp, rep, supervisor, TODAY])
        audit += 1
        con.execute("INSERT INTO audit VALUES (?, ?, current_localtimestamp(), ?, 'assign', 'opportunity', ?, "
                    "'{}', '{}', NULL)", [audit, TODAY, supervisor, opp])
        con.execute("COMMIT")
        for days, what in ((0, "Call the buyer"), (7, "Visit with a demo")):
            step += 1
            audit += 1
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO plan_steps VALUES (?, ?, ?, ?, NULL, NULL, ?, NULL)",
                        [step, opp, TODAY + dt.timedelta(days=days), what, rep])
            con.execute("INSERT INTO audit VALUES (?, ?, current_localtimestamp(), ?, 'add_step', 'opportunity', ?, "
                        "NULL, '{}', NULL)", [audit, TODAY, rep, opp])
            con.execute("COMMIT")
    return time.perf_counter() - start, con


def same_rows(crm: CRM, con) -> None:
    """Both sides must have done the same work, or the ratio means nothing."""
    query = ("SELECT (SELECT count(*) FROM opportunities WHERE state = 'assigned'), (SELECT count(*) FROM plan_steps), "
             "(SELECT count(*) FROM assignments), (SELECT count(*) FROM state_history WHERE kind = 'opportunity'), "
             "(SELECT count(*) FROM audit WHERE kind = 'opportunity')")
    engine, plain = crm._s.db.one(query), con.execute(query).fetchone()
    assert engine == plain, (engine, plain)


# -- 2. reads -------------------------------------------------------------------------------------------
def fill(crm: CRM, con, count: int) -> None:
    """`count` synthetic opportunities in every state, written set-based on both sides."""
    db = crm._s.db
    first_rep = db.scalar("SELECT min(id) FROM users WHERE role = 'account_manager'")
    values = {"$base": str(db.next_id("opportunities")), "$first_rep": str(first_rep), "$reps": str(REPS),
              "$count": str(count), "$today": f"'{TODAY.isoformat()}'",
              "$supervisor": str(db.scalar("SELECT id FROM users WHERE username = 'sup'"))}
    sql = PIPELINE
    for name, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
        sql = sql.replace(name, value)
    with db.transaction():
        db.execute(sql)
    con.execute(sql)


def timed(call, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a few seconds), for the test suite")
    parser.add_argument("--opportunities", type=int, default=10_000, help="opportunities created with plans")
    parser.add_argument("--funnel", type=int, default=100_000, help="opportunities behind the funnel query")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each read (the median is shown)")
    args = parser.parse_args(argv)
    if args.quick:
        args.opportunities, args.funnel, args.repeat = 20, 2_000, 2

    results = {}
    engine_s, crm = engine_writes(args.opportunities)
    plain_s, con = plain_writes(args.opportunities, crm)
    same_rows(crm, con)
    results["writes"] = (engine_s, plain_s)
    per = 1000 / args.opportunities
    print(f"create {args.opportunities:,} opportunities with plans (4 actions each): engine {engine_s:.2f} s "
          f"({engine_s * per:.1f} ms per opportunity), plain DuckDB {plain_s:.2f} s ({plain_s * per:.1f} ms), "
          f"ratio {engine_s / plain_s:.1f}x")

    fill(crm, con, args.funnel - args.opportunities)
    total = crm._s.db.scalar("SELECT count(*) FROM opportunities")
    plain_ms, plain_funnel = timed(lambda: (con.execute(PLAIN_FUNNEL).fetchall(), con.execute(PLAIN_WIN_RATE).df()),
                                   args.repeat)
    for who in ("boss", "sup"):
        session = crm.as_user(who)
        engine_ms, (funnel, win) = timed(lambda: (session.opportunities.funnel(),
                                                  session.opportunities.win_rate(by="owner")), args.repeat)
        # Everyone is in the supervisor's team, so both scopes see every opportunity: same numbers.
        assert funnel["reached"].tolist()[:-1] == [row[2] for row in plain_funnel[0]], (funnel, plain_funnel[0])
        assert sorted(win["won"].tolist()) == sorted(plain_funnel[1]["won"].tolist())
        role = session.user.role
        results[f"funnel_{role}"] = (engine_ms, plain_ms)
        print(f"funnel + win rate over {total:,} opportunities as {role}: engine {engine_ms:.1f} ms, "
              f"plain DuckDB {plain_ms:.1f} ms, ratio {engine_ms / plain_ms:.1f}x")
    crm.close()
    con.close()
    return results


if __name__ == "__main__":
    main()
