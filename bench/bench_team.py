"""A team on one served company (issue #23): N members, each logged in as their own CRM user, doing their
role's everyday actions through `crm-lab serve`'s API at once. Prints latency per call (p50 / p95 / max),
actions per second, and the same mix run on the facade in this process (no HTTP) as the baseline; asserts
only that the audit trail agrees with what the members did (nothing lost, nothing twice, nothing unsent)
and that the workspace's invariants hold after the server stopped.

Bounded: the server listens on 127.0.0.1 only; at most 60 members and 900 seconds.

    .venv/bin/python bench/bench_team.py                         # 20 members, 180 s, the demo company
    .venv/bin/python bench/bench_team.py --users 30 --seconds 60
    .venv/bin/python bench/bench_team.py --quick                 # 10 members, 10 s, a small company
"""
from __future__ import annotations

import argparse
import asyncio
import pathlib
import shutil
import socket
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the repo root: tests/ holds the team

from crm_engine import CRM  # noqa: E402
from tests.serve.load_check import agreement, audit_top, engine_invariants, latencies, marked  # noqa: E402
from tests.serve.load_helpers import (MAX_SECONDS, MAX_USERS, Direct, Member, Served, build_team,  # noqa: E402
                                      run_team, start_server, stop_server, wait_ready)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def served_run(path, team, seconds: float, think: float, seed: int) -> tuple[list[Member], float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = start_server(path, port)
    try:
        wait_ready(server, url)
        members = [Member(person, Served(url, person.username), seed, team) for person in team]
        took = asyncio.run(run_team(members, seconds, think=think))
    finally:
        stop_server(server)
    assert server.returncode == 0, f"the server did not stop cleanly: {server.stderr.read()[-2000:]}"
    return members, took


def direct_run(path, team, counts: dict[str, int], seed: int, seconds: float) -> tuple[list[Member], float]:
    with CRM.open(path) as crm:
        members = [Member(person, Direct(crm, person.username), seed, team) for person in team]
        took = asyncio.run(run_team(members, seconds, think=0, actions=counts))
    return members, took


def check(path, baseline: int, log) -> dict:
    with CRM.open(path, read_only=True) as crm:
        found = agreement(crm, baseline, log)
        problems = marked(crm, log, found["flying_found"])
        broken = engine_invariants(crm)
    assert not (found["lost"] or found["duplicated"] or found["unsent"]), found
    assert found["transactions"] == found["acknowledged"], found
    assert problems == [], problems
    assert broken == {}, broken
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--users", type=int, default=20, help=f"members working at once (10–{MAX_USERS})")
    parser.add_argument("--seconds", type=float, default=180, help=f"how long they work (≤ {MAX_SECONDS})")
    parser.add_argument("--think", type=float, default=0.5, help="mean seconds a member pauses between actions")
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args(argv)
    users, seconds, think = (10, 10.0, 0.2) if args.quick else (args.users, args.seconds, args.think)
    users, seconds = max(10, min(users, MAX_USERS)), max(1.0, min(seconds, MAX_SECONDS))
    size = {"customers": 60, "orders": 600} if args.quick else {"customers": 400, "orders": 8000}

    with tempfile.TemporaryDirectory(prefix="bench-team-") as folder:
        path, copy = pathlib.Path(folder) / "team.duckdb", pathlib.Path(folder) / "direct.duckdb"
        started = time.perf_counter()
        team = build_team(path, users, **size)
        shutil.copyfile(path, copy)
        baseline = audit_top(path)
        roles = {}
        for person in team:
            roles[person.role] = roles.get(person.role, 0) + 1
        print(f"set-up: the demo company ({size['customers']} customers, {size['orders']} orders), {len(team)} members "
              f"({', '.join(f'{n} {r}' for r, n in sorted(roles.items()))}) in {time.perf_counter() - started:.1f} s")

        members, took = served_run(path, team, seconds, think, args.seed)
        log = [a for m in members for a in m.log]
        found = check(path, baseline, log)
        print(f"served: {len(log)} calls in {took:.1f} s by {len(members)} members ({len(log) / took:.1f} calls/s, "
              f"think {think} s): {found['acknowledged']} audited actions acknowledged, {found['refused']} refused "
              f"by the engine; audit trail: {found['transactions']} transactions — lost 0, twice 0, unsent 0")

        counts = {m.person.username: len(m.log) for m in members}
        direct, direct_took = direct_run(copy, team, counts, args.seed, max(seconds, 30.0))
        direct_log = [a for m in direct for a in m.log]
        print(f"direct (the facade in this process, no pauses): {len(direct_log)} calls in {direct_took:.1f} s "
              f"({len(direct_log) / direct_took:.1f} calls/s)")

    served_ms, direct_ms = latencies(log), latencies(direct_log)
    print(f"{'call':<34}{'n':>6}{'refused':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'direct p50':>12}{'ratio':>8}")
    for name, row in served_ms.items():
        base = direct_ms.get(name)
        ratio = f"{row['p50'] / base['p50']:>8.1f}" if base and base["p50"] > 0 else f"{'—':>8}"
        direct_p50 = f"{base['p50']:>12.1f}" if base else f"{'—':>12}"
        label = "all calls" if name == "all" else name
        print(f"{label:<34}{row['n']:>6}{row['refused']:>8}{row['p50']:>9.1f}{row['p95']:>9.1f}{row['max']:>9.1f}"
              f"{direct_p50}{ratio}")


if __name__ == "__main__":
    main()
