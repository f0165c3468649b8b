"""Workspaces are built in one step: a build that dies half-way leaves nothing (or the previous file).

The process is made to die at a known point with `os._exit` (what `kill -9` does to it, without the
timing); tests/engine/test_kill.py kills real CLI runs at random moments.
"""
import os
import subprocess
import sys
import textwrap

import pytest

from crm_engine import CRM, Conflict, WorkspaceError
from crm_engine.atomic import building, leftovers, temporary_path
from crm_engine.scenario import builtin, demo
from tests.engine.scenario_helpers import invariants

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DIES_IN_DEMO = textwrap.dedent("""
    import os, sys
    from crm_engine.scenario import demo
    demo._cash = lambda *a, **k: os._exit(9)    # dies half-way through the weeks of work, the clock already moved
    demo.create(sys.argv[1], customers=30, orders=200)
""")

DIES_IN_SCENARIO = textwrap.dedent("""
    import os, sys
    from crm_engine.scenario import builtin, generate
    generate.Context = lambda *a, **k: os._exit(9)        # dies after the org and catalogue, before any customer
    builtin("fmcg_wholesaler").scaled(30).create(sys.argv[1], replace=len(sys.argv) > 2)
""")

DIES_IN_BACKUP = textwrap.dedent("""
    import os, sys
    from crm_engine import CRM
    from crm_engine.db import Database
    execute = Database.execute
    def dying(self, sql, params=None):
        if sql.startswith("COPY FROM DATABASE"):
            os._exit(9)                                   # the backup file is attached and empty
        return execute(self, sql, params)
    Database.execute = dying
    CRM.open(sys.argv[1]).admin.backup(sys.argv[2])
""")


def _dies(script: str, *args) -> int:
    done = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 9, done.stderr
    return done.returncode


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "crm_engine.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": ROOT})


@pytest.mark.slow
def test_a_demo_that_dies_half_way_leaves_no_workspace_and_the_next_run_builds_it(tmp_path):
    path = tmp_path / "demo.duckdb"
    _dies(DIES_IN_DEMO, path)
    assert not path.exists()                                   # not a file with users and no customers
    assert len(leftovers(path)) == 1                           # only the hidden temporary file
    made = _cli("demo", path, "--customers", 30, "--orders", 200, "--if-missing")
    assert made.returncode == 0, made.stderr
    assert "Created" in made.stdout
    assert "Removed an unfinished earlier build" in made.stdout   # said, not silent
    assert leftovers(path) == []                               # the dead build's file is cleared away
    with CRM.open(path, read_only=True) as crm:
        assert crm.customers.count() >= 30                    # the 30 generated and those won in its first weeks
        assert crm.contracts.count() > 0                      # the weeks of work are in


@pytest.mark.slow
def test_a_scenario_that_dies_half_way_leaves_nothing_or_the_previous_file(tmp_path):
    path = tmp_path / "s001.duckdb"
    _dies(DIES_IN_SCENARIO, path)
    assert not path.exists()
    made = _cli("scenario", "create", "fmcg_wholesaler", path, "--customers", 30)
    assert made.returncode == 0, made.stderr                   # not "already exists"
    with CRM.open(path, read_only=True) as crm:
        before = crm.customers.count()
        assert before == 30 and invariants(crm) == {}
    _dies(DIES_IN_SCENARIO, path, "replace")                   # a class rebuilt with --overwrite, killed
    with CRM.open(path, read_only=True) as crm:                # the previous workspace, whole
        assert crm.customers.count() == before and invariants(crm) == {}


def test_a_backup_that_dies_half_way_does_not_block_the_next(tmp_path, workspace_file):
    target = tmp_path / "monday.duckdb"
    _dies(DIES_IN_BACKUP, workspace_file, target)
    assert not target.exists()
    with CRM.open(workspace_file) as crm:
        written = crm.admin.backup(target)
    assert leftovers(target) == []
    with CRM.open(written, read_only=True) as copy:
        assert copy.customers.count() == 5


def test_a_build_still_running_elsewhere_is_named_not_removed(tmp_path):
    path = tmp_path / "demo.duckdb"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        running = temporary_path(path, pid=sleeper.pid)
        open(running, "wb").close()
        with pytest.raises(WorkspaceError) as caught:
            demo.create(path, customers=10, orders=50)
        assert running in str(caught.value) and f"PID {sleeper.pid}" in str(caught.value)
        assert "正在" in caught.value.message("zh_CN")
        assert os.path.exists(running) and not path.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    with demo.create(path, customers=10, orders=50) as crm:    # its process gone: cleared, built
        assert crm.customers.count() >= 10                 # generated, and won in its first weeks
    assert not os.path.exists(running)


def test_a_failed_fill_leaves_nothing_and_create_never_overwrites(tmp_path):
    path = tmp_path / "new.duckdb"

    def failing(crm):
        crm.admin.add_team("Half built")
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError):
        CRM.create(path, fill=failing)
    assert not path.exists() and leftovers(path) == []
    path.write_text("someone else's file")
    with pytest.raises(Conflict, match="already exists"):
        builtin("fmcg_wholesaler").scaled(10).create(path)
    assert path.read_text() == "someone else's file"


def test_a_file_that_appears_during_a_build_is_not_overwritten(tmp_path):
    path = tmp_path / "race.duckdb"
    with pytest.raises(Conflict):
        with building(path) as temporary:
            CRM.create(temporary).close()
            path.write_text("arrived first")
    assert path.read_text() == "arrived first" and leftovers(path) == []


def test_the_built_file_has_no_wal_left_behind(tmp_path):
    path = tmp_path / "whole.duckdb"
    with demo.create(path, customers=10, orders=50) as crm:
        assert crm.path == str(path)                           # the CRM is on the real name, not the temporary
        assert crm.customers.count() >= 10
    assert not os.path.exists(str(path) + ".wal")
    assert sorted(os.listdir(tmp_path)) == ["whole.duckdb"]
