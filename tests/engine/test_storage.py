"""Workspace files (issue #22): small, and readable by the DuckDB 1.x tools analysts use.

A new workspace is written in DuckDB 1.4's storage version, with 16 KB blocks when it is class-sized
and 64 KB when it is large (`crm_engine.db.create_options`); a file made the old way keeps working as it is.
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import textwrap

import pytest

from crm_engine import CRM, db
from crm_engine.course.workspaces import Course
from crm_engine.scenario import builtin
from tests.conftest import TODAY, build_company, need
from tests.engine.scenario_helpers import tables

# The DuckDB 1.x releases an analyst's tools are likely to carry (the newest of 1.4 and of 1.5).
OLD_DUCKDB = ["1.4.4", "1.5.6"]
DEFAULT_BLOCK = 262_144


def _on_disk(path) -> int:
    """Bytes of a workspace on disk, its write-ahead log included."""
    wal = pathlib.Path(f"{path}.wal")
    return os.path.getsize(path) + (wal.stat().st_size if wal.exists() else 0)


@pytest.mark.parametrize("name", ["a1_opportunity", "a5_analysis"])
def test_an_assignment_workspace_takes_at_most_2_mb(tmp_path, name):
    course = Course.open(name, folder=tmp_path, student="s001")
    assert course.as_user("admin").customers.count() >= 120
    course.crm.close()
    assert _on_disk(course.path) <= 2 * 2 ** 20, f"{name}: {_on_disk(course.path) / 2 ** 20:.2f} MB"


@pytest.mark.parametrize("expected, block", [(None, 16_384), (120, 16_384), (2_000, 16_384), (10_000, 65_536)])
def test_a_new_workspace_is_written_for_duckdb_1_4_with_blocks_for_its_size(tmp_path, expected, block):
    with CRM.create(tmp_path / "new.duckdb", today=TODAY, expected_customers=expected) as crm:
        assert crm._s.db.file_format() == {"block_size": block, "storage_version": "v1.4.0+"}
        backup = crm.admin.backup(tmp_path / "copy.duckdb")
    with CRM.open(backup, read_only=True) as copy:   # laid out for what it holds: no customers yet
        assert copy._s.db.file_format() == {"block_size": 16_384, "storage_version": "v1.4.0+"}


def test_a_large_scenario_and_its_backup_get_larger_blocks(tmp_path):
    with builtin("hardware_distributor").scaled(2_500, 5_000).create(tmp_path / "big.duckdb", student="s") as crm:
        assert crm._s.db.file_format()["block_size"] == 65_536
        backup = crm.admin.backup(tmp_path / "copy.duckdb")
    with CRM.open(backup, read_only=True) as copy:
        assert copy._s.db.file_format() == {"block_size": 65_536, "storage_version": "v1.4.0+"}


def test_a_backup_of_an_in_memory_workspace_is_class_sized(crm, tmp_path):
    path = crm.admin.backup(tmp_path / "mem.duckdb")
    with CRM.open(path, read_only=True) as copy:
        assert copy._s.db.file_format() == {"block_size": 16_384, "storage_version": "v1.4.0+"}


def test_the_block_size_and_storage_version_change_no_table(tmp_path, monkeypatch):
    scenario = builtin("hardware_distributor").scaled(120)
    with scenario.create(tmp_path / "small.duckdb", student="s001") as crm:
        small = tables(crm)
    monkeypatch.setattr(db, "create_options", lambda *_, **__: {})   # DuckDB 2's own: 256 KB blocks, version 69
    with scenario.create(tmp_path / "default.duckdb", student="s001") as crm:
        assert crm._s.db.file_format()["block_size"] == DEFAULT_BLOCK
        assert tables(crm) == small


def test_a_workspace_made_the_old_way_opens_writes_and_stays_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.duckdb"
    with monkeypatch.context() as patched:
        patched.setattr(db, "create_options", lambda *_, **__: {})
        with CRM.create(path, today=TODAY) as crm:
            build_company(crm)
    with CRM.open(path) as crm:   # the project's config now: not converted, still works
        assert crm._s.db.file_format() == {"block_size": DEFAULT_BLOCK, "storage_version": "v2.0.0+"}
        crm.as_user("li.ming").customers.add("Old File Co")
    with CRM.open(path, read_only=True) as crm:
        assert crm.customers.list(search="Old File Co").shape[0] == 1
        assert crm._s.db.file_format()["block_size"] == DEFAULT_BLOCK
    # converting it is a backup: the copy has the new layout and the same tables
    with CRM.open(path) as crm:
        before = tables(crm)
        copy = crm.admin.backup(tmp_path / "converted.duckdb")
    with CRM.open(copy, read_only=True) as crm:
        assert crm._s.db.file_format() == {"block_size": 16_384, "storage_version": "v1.4.0+"}
        assert {t: rows for t, rows in tables(crm).items() if t != "audit"} == \
            {t: rows for t, rows in before.items() if t != "audit"}
    assert os.path.getsize(copy) < os.path.getsize(path) / 4


# -- a DuckDB 1.x in a venv of its own ---------------------------------------------------------------
def _old_duckdb(version: str) -> str | None:
    """The python of a venv with duckdb==`version`, made once per machine (kept in the temp dir, so
    reruns are fast); None when it cannot be installed here (no registry)."""
    home = pathlib.Path(tempfile.gettempdir()) / f"crm-lab-duckdb-{version}"
    python = home / "bin" / "python"
    probe = [str(python), "-c", f"import duckdb; assert duckdb.__version__ == {version!r}"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return str(python)
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], capture_output=True)
    if made.returncode == 0:
        made = subprocess.run([str(python), "-m", "pip", "install", "-q", f"duckdb=={version}"],
                              capture_output=True, timeout=300)
    return str(python) if made.returncode == 0 else None


# Runs under DuckDB 1.x: what an analyst's tool does with a workspace (read-only, plain SQL).
READER = textwrap.dedent("""
    import json, sys
    import duckdb
    out = {}
    for path in sys.argv[1:]:
        con = duckdb.connect(path, read_only=True)
        out[path] = {
            "customers": con.execute("SELECT id, name FROM customers ORDER BY id").fetchall(),
            "revenue": [[owner, str(total)] for owner, total in con.execute(
                "SELECT u.username, sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id "
                "JOIN users u ON u.id = c.owner_id GROUP BY ALL ORDER BY 1").fetchall()],
        }
        con.close()
    print(json.dumps(out))
""")


@pytest.mark.slow
@pytest.mark.parametrize("version", OLD_DUCKDB)
def test_duckdb_1x_opens_a_workspace_and_its_backup(tmp_path, version):
    python = _old_duckdb(version)
    need(None if python else f"duckdb=={version} cannot be installed into a venv here (no package registry?)")
    scenario = builtin("hardware_distributor").scaled(120)
    path = tmp_path / "class.duckdb"
    with scenario.create(path, student="s001") as crm:
        crm.simulation.advance(3)   # a file written to after its creation, too
        backup = crm.admin.backup(tmp_path / "copy.duckdb")
        con = crm._s.db
        expected = {
            "customers": [list(r) for r in con.rows("SELECT id, name FROM customers ORDER BY id")],
            "revenue": [[owner, str(total)] for owner, total in con.rows(
                "SELECT u.username, sum(o.amount) FROM orders o JOIN customers c ON c.id = o.customer_id "
                "JOIN users u ON u.id = c.owner_id GROUP BY ALL ORDER BY 1")],
        }
    done = subprocess.run([python, "-c", READER, str(path), str(backup)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    read = json.loads(done.stdout)
    assert expected["customers"] and expected["revenue"]
    for file in (str(path), str(backup)):
        assert read[file] == expected, file
