"""A notebook holds its workspace for one cell: opened once per cell, let go between cells (a real IPython shell)."""
import os
import pathlib
import subprocess
import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell

import crm_engine.db
from crm_engine import CRM
from crm_engine.ui import cells
from crm_engine.ui.cells import hold_per_cell

ROOT = str(pathlib.Path(__file__).parents[2])
PROBE = "import sys; from crm_engine import CRM; print(CRM.open(sys.argv[1], read_only=True, wait=0).customers.count())"


def other_process_gets_in(path) -> bool:
    """Can another process open the workspace right now (without waiting)?"""
    done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 0 or "held by another process" in done.stderr, done.stderr
    return done.returncode == 0


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    yield shell
    for hold in list(cells._hooks.values()):
        hold.stop()
    cells._hooks.clear()


@pytest.fixture
def opens(monkeypatch):
    """Counts the file opens of the workspace (every connect, including waits for a turn)."""
    counted = []
    connect = crm_engine.db.connect

    def counting(path, **options):
        counted.append(path)
        return connect(path, **options)
    monkeypatch.setattr(crm_engine.db, "connect", counting)
    return counted


@pytest.mark.slow
def test_a_cell_opens_the_file_once_and_others_get_in_between_cells(workspace_file, shell, opens):
    crm = CRM.open(workspace_file, keep_open=False)
    hold_per_cell(crm, shell)
    shell.user_ns.update(crm=crm, probe=lambda: other_process_gets_in(workspace_file))
    opens.clear()
    result = shell.run_cell("ids = crm.customers.list()['id'].tolist()\n"
                            "views = [crm.customers.view(i) for i in ids * 4]\n"
                            "during = probe()")
    assert result.success, result.error_in_exec
    assert len(shell.user_ns["views"]) == 20
    assert len(opens) == 1                           # 21 calls, one open of the file
    assert shell.user_ns["during"] is False          # held for the length of the cell
    assert crm._s.db._con is None                    # let go when the cell ended …
    assert other_process_gets_in(workspace_file)     # … so Validate or a second notebook gets in
    result = shell.run_cell("n = crm.customers.count()")
    assert result.success and shell.user_ns["n"] == 5 and len(opens) == 2


@pytest.mark.slow
def test_a_cell_that_raises_still_lets_go(workspace_file, shell):
    crm = CRM.open(workspace_file, keep_open=False)
    hold_per_cell(crm, shell)
    shell.user_ns["crm"] = crm
    result = shell.run_cell("crm.customers.count()\n1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert crm._s.db._con is None and crm._s.db._kept == 0
    assert other_process_gets_in(workspace_file)
    result = shell.run_cell("crm.customers.add('  ')")     # a refused action inside a held cell
    assert result.error_in_exec is not None and crm._s.db._con is None


def test_running_the_set_up_cell_again_replaces_the_hold(workspace_file, shell):
    first = CRM.open(workspace_file, keep_open=False)
    hold_per_cell(first, shell)
    second = CRM.open(workspace_file, keep_open=False)
    hold = hold_per_cell(second, shell)
    shell.user_ns["crm"] = second
    assert shell.run_cell("crm.customers.count()").success
    assert first._s.db._kept == 0 and second._s.db._kept == 0
    hold.stop()
    assert shell.run_cell("x = 1").success and second._s.db._kept == 0


def test_outside_ipython_nothing_is_held():
    code = "from crm_engine import CRM; from crm_engine.ui.cells import hold_per_cell; print(hold_per_cell(CRM.memory()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": ROOT})
    assert done.stdout.strip() == "None", done.stderr
