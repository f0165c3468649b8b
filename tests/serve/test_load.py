"""Ten members work one served company at once for a few seconds, each as their own CRM user through
`api/call`: the audit trail agrees with what they did — every acknowledged action there exactly once, under
its member, one transaction each; nothing in it that no member sent; every record they created there once.

(bench/bench_team.py runs the same team longer and prints the latencies.)
"""
import dataclasses

import pytest

from tests.serve.conftest import run_async

from crm_engine import CRM
from tests.conftest import free_port
from tests.serve.load_check import agreement, audit_top, engine_invariants, marked
from tests.serve.load_helpers import (Action, Direct, Member, Person, Served, build_team, run_team, start_server,
                                      stop_server, wait_ready)



def test_the_check_finds_a_lost_a_doubled_and_an_unsent_action(crm):
    """The check itself (in-process, the facade as the wire): a log that agrees passes; one action more in
    the log is lost, one less leaves an unsent transaction, a copied one counts twice."""
    team = [Person("li.ming", "account_manager", 2, "zhang.wei"), Person("zhang.wei", "supervisor", 2),
            Person("sun.li", "service_staff", 1), Person("dong.li", "director", 1)]
    baseline = int(crm.sql("SELECT max(id) AS top FROM audit")["top"][0])
    members = [Member(person, Direct(crm, person.username), 5, team) for person in team]
    run_async(run_team(members, 2.0, think=0))
    log = [action for member in members for action in member.log]
    found = agreement(crm, baseline, log)
    assert (found["lost"], found["duplicated"], found["unsent"]) == ([], [], [])
    assert found["transactions"] == found["acknowledged"] >= 5
    assert marked(crm, log, []) == []
    done = [a for a in log if a.audited and a.status == 200]
    assert agreement(crm, baseline, [a for a in log if a is not done[0]])["unsent"]
    again = agreement(crm, baseline, log + [done[1]])
    assert again["lost"] == [done[1].entry()]
    invented = Action("li.ming", "opportunities", "set_stage", {"opportunity_id": 999, "stage": "proposal"}, status=200)
    assert agreement(crm, baseline, log + [invented])["lost"] == [("li.ming", "set_stage", "opportunity", 999)]
    created = next(a for a in done if a.marker)
    assert marked(crm, [dataclasses.replace(created, marker="[nobody#0]")], [])


@pytest.mark.slow
def test_a_team_of_ten_at_once_loses_and_doubles_nothing(tmp_path):
    path = tmp_path / "team.duckdb"
    team = build_team(path, 10)
    assert len({p.username for p in team}) == 10 and len({p.role for p in team}) >= 5
    baseline = audit_top(path)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = start_server(path, port)
    try:
        wait_ready(server, url)
        members = [Member(person, Served(url, person.username), 23, team) for person in team]
        run_async(run_team(members, 8, think=0.1))
    finally:
        stop_server(server)
    assert server.returncode == 0, server.stderr.read()[-2000:]
    log = [action for member in members for action in member.log]
    assert all(action.status is not None for action in log)             # the server answered every call
    with CRM.open(path, read_only=True) as crm:
        found = agreement(crm, baseline, log)
        assert (found["lost"], found["duplicated"], found["unsent"]) == ([], [], [])
        assert found["transactions"] == found["acknowledged"] >= 30
        assert marked(crm, log, []) == []
        assert engine_invariants(crm) == {}
        trail = crm.audit.list(since=crm.today())
        acting = set(trail[trail["id"] > baseline]["username"])
    # Every acting member wrote under their own name, and only members did.
    assert acting == {a.user for a in log if a.audited and a.status == 200}
    assert len(acting) >= 6, acting
