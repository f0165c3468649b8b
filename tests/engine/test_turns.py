"""Taking turns: processes sharing a `keep_open=False` workspace wait for each other instead of failing."""
import os
import pathlib
import subprocess
import sys
import textwrap
import time

import pytest

from crm_engine import CRM, InvalidInput, WorkspaceLocked
from crm_engine.db import waiting_time

ROOT = str(pathlib.Path(__file__).parents[2])

WORKER = textwrap.dedent("""
    import os, sys, time
    from crm_engine import CRM, WorkspaceLocked
    path, tag, actions, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    crm = CRM.open(path, user="li.ming", keep_open=False)
    print("ready", flush=True)
    while not os.path.exists(go):        # both start acting at the same moment
        time.sleep(0.001)
    locked = 0
    for i in range(actions):
        try:
            crm.customers.add(f"{tag}-{i:03d}")   # an action: a transaction with its audit row
            crm.customers.count()                 # a read: its own open of the file
        except WorkspaceLocked:
            locked += 1
    print(locked, flush=True)
""")


@pytest.mark.slow
def test_two_processes_on_one_workspace_take_turns(workspace_file, tmp_path):
    actions = 15
    go = tmp_path / "go"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(workspace_file), tag, str(actions), str(go)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "PYTHONPATH": ROOT})
               for tag in ("A", "B")]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    go.touch()
    results = [worker.communicate(timeout=300) for worker in workers]
    for worker, (out, err) in zip(workers, results):
        assert worker.returncode == 0, err
        assert out.strip() == "0", err                              # no action failed with WorkspaceLocked
    with CRM.open(workspace_file, read_only=True) as crm:
        names = [n for (n,) in crm._s.db.rows("SELECT name FROM customers WHERE name LIKE 'A-%' OR name LIKE 'B-%'")]
        assert sorted(names) == sorted(f"{tag}-{i:03d}" for tag in "AB" for i in range(actions))
        audited = crm._s.db.rows("SELECT c.name, count(*) FROM audit a JOIN customers c ON c.id = a.record_id "
                                 "WHERE a.kind = 'customer' AND a.action = 'create' "
                                 "AND (c.name LIKE 'A-%' OR c.name LIKE 'B-%') GROUP BY 1")
        assert len(audited) == 2 * actions and {n for _, n in audited} == {1}   # every action exactly once


HOLDER = textwrap.dedent("""
    import sys, time
    from crm_engine import CRM
    crm = CRM.open(sys.argv[1])
    print("open", flush=True)
    time.sleep(float(sys.argv[2]))
    crm.close()
    print("closed", flush=True)
    sys.stdin.readline()
""")


def test_an_open_waits_for_a_short_hold_then_gets_in(workspace_file):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(workspace_file), "0.8"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": ROOT})
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        crm = CRM.open(workspace_file, keep_open=False, wait=30)   # held elsewhere: it waits its turn
        assert time.monotonic() - started > 0.3
        assert crm.customers.count() == 5
        crm.close()
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)


def test_the_wait_is_configurable_and_checked(monkeypatch):
    monkeypatch.delenv("CRM_LAB_WAIT", raising=False)
    assert waiting_time() == 5.0
    assert waiting_time(0) == 0.0
    monkeypatch.setenv("CRM_LAB_WAIT", "12.5")
    assert waiting_time() == 12.5 and waiting_time(1) == 1.0
    monkeypatch.setenv("CRM_LAB_WAIT", "soon")
    with pytest.raises(InvalidInput, match="CRM_LAB_WAIT"):
        waiting_time()
    with pytest.raises(InvalidInput, match="wait"):
        waiting_time(-1)


def test_the_same_process_in_another_mode_fails_at_once(workspace_file):
    with CRM.open(workspace_file):
        started = time.monotonic()
        with pytest.raises(WorkspaceLocked, match="already open in this notebook"):
            CRM.open(workspace_file, read_only=True, wait=30)      # waiting could never help here
        assert time.monotonic() - started < 5
