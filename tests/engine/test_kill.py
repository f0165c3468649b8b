"""`kill -9` at random moments of the command line's builds and writes: what is left always opens whole.

Each command runs once to the end (how long it takes on this machine), then several times killed
after a seeded random delay somewhere in that span (during start-up, generation, the rename …).
Afterwards the workspace either is not there (or is the previous one) or opens with every invariant
of tests/engine/scenario_helpers.py true — never half-built; and the next run is not blocked.
"""
import os
import pathlib
import random
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

from crm_engine import CRM
from crm_engine.atomic import leftovers
from tests.engine.scenario_helpers import invariants

pytestmark = pytest.mark.slow

ROOT = str(pathlib.Path(__file__).parents[2])
TRIALS = 3
DEMO = ["--customers", "40", "--orders", "400"]


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crm_engine.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": ROOT})


def finish(*args) -> float:
    """Run a command to its end; its duration in seconds."""
    started = time.monotonic()
    process = start(*args)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return time.monotonic() - started


def killed(delays: random.Random, span: float, *args) -> bool:
    """Start a command and `kill -9` it after a random part of `span`; False if it had already finished."""
    process = start(*args)
    try:
        process.wait(timeout=delays.uniform(0.1, span))
        return False
    except subprocess.TimeoutExpired:
        process.kill()  # SIGKILL: no cleanup of any kind runs
        process.communicate()
        return True


def whole(path, **counts) -> dict:
    """Open the workspace and check it: every invariant holds; returns its counts."""
    with CRM.open(path, read_only=True) as crm:
        assert invariants(crm) == {}
        found = {"customers": crm.customers.count(), "users": len(crm.admin.users()),
                 "orders": crm._s.db.scalar("SELECT count(*) FROM orders")}
    for name, expected in counts.items():
        assert found[name] in (expected if isinstance(expected, tuple) else (expected,)), (name, found)
    return found


def test_killed_demo_builds_leave_nothing_or_a_whole_demo(tmp_path):
    reference = tmp_path / "reference.duckdb"
    span = finish("demo", reference, *DEMO)
    full = whole(reference)
    delays = random.Random(17)
    for trial in range(TRIALS):
        path = tmp_path / f"demo{trial}.duckdb"
        killed(delays, span, "demo", path, *DEMO)
        if path.exists():
            assert whole(path) == full
        finish("demo", path, *DEMO, "--if-missing")              # what ./crmlab.sh start runs next
        assert whole(path) == full and leftovers(path) == []


def test_killed_scenario_creates_leave_nothing_or_a_whole_workspace(tmp_path):
    command = ["scenario", "create", "fmcg_wholesaler"]
    reference = tmp_path / "reference.duckdb"
    span = finish(*command, reference, "--customers", 40)
    full = whole(reference)
    delays = random.Random(23)
    for trial in range(TRIALS):
        path = tmp_path / f"s{trial}.duckdb"
        killed(delays, span, *command, path, "--customers", 40)
        if path.exists():
            assert whole(path) == full
            path.unlink()
        finish(*command, path, "--customers", 40)               # never "already exists", never blocked
        assert whole(path) == full and leftovers(path) == []


def test_killed_orders_import_leaves_the_old_orders_or_all_the_new(tmp_path):
    path = tmp_path / "shop.duckdb"
    finish("demo", path, *DEMO)
    with CRM.open(path) as crm:
        mine = crm.as_user("li.ming").customers.list()["name"].tolist()
        before = crm._s.db.scalar("SELECT count(*) FROM orders")
    orders = 4000
    rng = random.Random(5)
    lines = pd.DataFrame({
        "order_no": [f"K-{n:05d}" for n in range(orders)],
        "customer": [rng.choice(mine) for _ in range(orders)],
        "order_date": [f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(orders)],
        "product": [rng.choice(["NB-14", "MON-27", "TON-1"]) for _ in range(orders)],
        "quantity": [str(rng.randint(1, 9)) for _ in range(orders)],
    })
    source = tmp_path / "orders.csv"
    lines.to_csv(source, index=False)
    pristine = tmp_path / "pristine.duckdb"
    shutil.copy(path, pristine)
    command = ["import", path, "orders", source, "--as", "li.ming"]
    span = finish(*command)
    assert whole(path)["orders"] == before + orders
    delays = random.Random(31)
    for _ in range(TRIALS):
        shutil.copy(pristine, path)
        killed(delays, span, *command)
        whole(path, orders=(before, before + orders))           # one transaction: all or nothing


def test_killed_backups_leave_no_file_or_a_whole_backup_and_never_block(tmp_path):
    path = tmp_path / "shop.duckdb"
    finish("demo", path, *DEMO)
    full = whole(path)
    span = finish("backup", path, tmp_path / "reference.duckdb")
    delays = random.Random(41)
    for trial in range(TRIALS):
        target = tmp_path / f"backup{trial}.duckdb"
        killed(delays, span, "backup", path, target)
        if target.exists():
            assert whole(target) == full
            target.unlink()
        finish("backup", path, target)                          # a killed backup is no obstacle
        assert whole(target) == full and leftovers(target) == []
    assert whole(path) == full


def test_killed_restores_leave_the_old_data_or_the_backups(tmp_path):
    path = tmp_path / "shop.duckdb"
    finish("demo", path, *DEMO)
    backup = tmp_path / "monday.duckdb"
    finish("backup", path, backup)
    at_backup = whole(backup)
    with CRM.open(path) as crm:                                 # the week goes on
        rep = crm.as_user("li.ming")
        for n in range(5):
            rep.customers.add_contact(rep.customers.add(f"Tuesday {n} Co").id, f"Contact {n}", is_primary=True)
    changed = whole(path)
    pristine = tmp_path / "pristine.duckdb"
    shutil.copy(path, pristine)
    span = finish("restore", path, backup, "--yes")
    assert whole(path) == at_backup
    delays = random.Random(43)
    for _ in range(TRIALS):
        shutil.copy(pristine, path)
        killed(delays, span, "restore", path, backup, "--yes")
        assert whole(path)["customers"] in (changed["customers"], at_backup["customers"])
        finish("restore", path, backup, "--yes")
        assert whole(path) == at_backup
