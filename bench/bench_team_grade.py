"""Team assignment benchmark (issue #23, T4). Prints numbers; checks only that the counts agree.

A team's shared workspace after a term of work: the members' actions (plan steps and their results, one
transaction each, by the account managers; assignments by the supervisor) and weeks of the simulated world.
Timed in one process, best of three:

1. the baseline: reading the whole audit trail through the facade (`crm.audit.list()`), what any count needs;
2. `team.contributions(crm)`: the same read, plus one action per transaction and its category, per member;
3. `team.grade(crm)`: contributions, the company facts and the course's integrity gate.

    .venv/bin/python bench/bench_team_grade.py            # 3,000 member actions, 8 simulated weeks
    .venv/bin/python bench/bench_team_grade.py --quick    # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import pathlib
import tempfile
import time

from crm_engine import CRM
from crm_engine.course import team
from crm_engine.course.team_workspace import create, parse_members

MEMBERS = "supervisor=alice,account_manager=bob,account_manager=carol,service_staff=dan,director=erin"


def best(fn, runs: int = 3) -> tuple[float, object]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def work(crm: CRM, actions: int, weeks: int) -> int:
    """The members' actions through the facade; returns how many were done."""
    done = 0
    rows = crm.tables.rows("SELECT o.id, u.username FROM opportunities o JOIN users u ON u.id = o.owner_id "
                           "WHERE o.state = 'assigned' AND u.username IN ('bob', 'carol') ORDER BY o.id")
    for week in range(weeks):
        for i in range(actions // (2 * max(weeks, 1))):
            opp, who = rows[i % len(rows)]
            rep = crm.as_user(who)
            step = rep.opportunities.add_step(opp, crm.today(), f"Call the buyer, week {week + 1}, round {i + 1}")
            rep.opportunities.record_result(step, f"The buyer answered in week {week + 1}: a revised quotation")
            done += 2
        crm.simulation.advance(7)   # the instructor moves the clock: the world's actions, credited to no member
    return done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    actions, weeks = (40, 2) if args.quick else (3000, 8)
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "team.duckdb"
        start = time.perf_counter()
        crm = create(path, parse_members(MEMBERS), team="bench", seed=7)
        made = time.perf_counter() - start
        start = time.perf_counter()
        done = work(crm, actions, weeks)
        acted = time.perf_counter() - start
        rows = len(crm.audit.list())
        read, _ = best(lambda: crm.audit.list())
        counted, frame = best(lambda: team.contributions(crm))
        graded, grade = best(lambda: team.grade(crm))
        crm.close()
    counts = frame.set_index("username")["total"]
    assert int(counts["bob"] + counts["carol"]) == done, (counts, done)   # every member action, counted once
    print(f"workspace made in {made:.2f} s; {done} member actions and {weeks} simulated weeks in {acted:.2f} s")
    print(f"audit trail: {rows:,} rows")
    print(f"read the audit trail (baseline):  {read * 1000:8.1f} ms")
    print(f"team.contributions:               {counted * 1000:8.1f} ms  ({counted / read:.1f}x the read)")
    print(f"team.grade:                       {graded * 1000:8.1f} ms  ({graded / read:.1f}x the read); "
          f"score {grade.score:g} / {grade.points:g}")


if __name__ == "__main__":
    main()
