"""`kill -9` of the team server while ten members are mid-action: the workspace opens again with every
invariant true, and each action is either wholly there or wholly absent — every acknowledged one in the
audit trail once, every action in the trail sent by a member (acknowledged, or in flight when the server
died), and each record an in-flight action created there exactly when its audit entry is.
"""
import asyncio
import os
import signal

import pytest

from tests.serve.conftest import run_async

from crm_engine import CRM
from tests.conftest import free_port
from tests.serve.load_check import agreement, audit_top, engine_invariants, marked
from tests.serve.load_helpers import Member, Served, build_team, run_team, start_server, stop_server, wait_ready

pytestmark = pytest.mark.slow


async def work_then_kill(members, server, after: float) -> None:
    """The team works flat out; once it has done some work (on a busy machine that takes a while), and
    `after` seconds more, the server gets SIGKILL: no cleanup of any kind."""
    async def kill():
        for _ in range(1200):
            if sum(a.audited and a.status == 200 for m in members for a in m.log) >= 20:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(after)
        os.kill(server.pid, signal.SIGKILL)
    await asyncio.gather(run_team(members, 120, think=0), kill())


def test_a_server_killed_under_load_leaves_every_action_whole_or_absent(tmp_path):
    path = tmp_path / "team.duckdb"
    team = build_team(path, 10)
    for trial, after in enumerate((0.5, 1.7)):
        baseline = audit_top(path)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        server = start_server(path, port)
        try:
            wait_ready(server, url)
            members = [Member(person, Served(url, person.username), 100 + trial, team) for person in team]
            run_async(work_then_kill(members, server, after))
            assert server.wait(timeout=30) == -signal.SIGKILL
        finally:
            if server.poll() is None:   # the test failed before the kill: leave no server behind
                server.kill()
                server.wait()
        log = [action for member in members for action in member.log]
        assert any(action.status is None for action in log), "nothing was in flight when the server died"
        # Opened read-write, as the restarted server does: DuckDB replays its log of committed actions.
        with CRM.open(path) as crm:
            assert engine_invariants(crm) == {}
            found = agreement(crm, baseline, log)
            assert (found["lost"], found["duplicated"], found["unsent"]) == ([], [], []), found
            assert found["transactions"] == found["acknowledged"] + found["in_flight_done"]
            assert found["acknowledged"] >= 10, trial
            assert marked(crm, log, found["flying_found"]) == []
        # The server starts again on it, and a member works on.
        restarted = start_server(path, port)
        try:
            wait_ready(restarted, url)
            again = [Member(person, Served(url, person.username), 200 + trial, team) for person in team[:2]]
            run_async(run_team(again, 1.5, think=0.1))
            assert all(a.status is not None and a.status < 500 for m in again for a in m.log)
        finally:
            stop_server(restarted)
        assert restarted.returncode == 0
