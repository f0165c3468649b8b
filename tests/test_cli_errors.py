"""`crm-lab` never shows a traceback: every command run with bad arguments ends with one clear line.

Exit codes (README, "Command line"): 2 for a malformed command line (click's usage errors), 1 for a
refusal (the engine's reason, an import that imported nothing).
"""
import os
import shutil
import socket
import sqlite3
import subprocess
import sys

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_engine import CRM
from crm_engine.cli import main
from crm_engine.db import Database
from tests.conftest import TODAY, build_company

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A workspace and a corpus of files that are not what a command wants, named by what they are."""
    folder = tmp_path_factory.mktemp("cli-errors")
    paths = {"folder": str(folder / "a-folder"), "missing": str(folder / "missing.duckdb")}
    os.mkdir(paths["folder"])
    paths["workspace"] = str(folder / "company.duckdb")
    with CRM.create(paths["workspace"], today=TODAY) as crm:
        build_company(crm)
    for name, content in {"text": b"hello, this is no workspace\n", "empty": b"",
                          "random": bytes(range(256)) * 16,
                          "csv": "name,region\n新客户甲,华东\n".encode("utf-8"),
                          "header_only": b"name,region\n",
                          "two_names": "name,公司名称\nA,B\n".encode("utf-8")}.items():
        paths[name] = str(folder / f"{name}.dat")
        with open(paths[name], "wb") as handle:
            handle.write(content)
    for name, content in {"binary_toml": bytes(range(256)) * 4, "fake_xlsx": b"not a workbook\n"}.items():
        paths[name] = str(folder / name.replace("_", "."))
        with open(paths[name], "wb") as handle:
            handle.write(content)
    paths["course"] = str(folder / "course")  # a student's folder whose workspace file is junk
    os.mkdir(paths["course"])
    with open(os.path.join(paths["course"], "a1_opportunity-s001.crm"), "wb") as handle:
        handle.write(b"junk")
    paths["sqlite"] = str(folder / "gradebook.db")   # what nbgrader keeps next to the course
    with sqlite3.connect(paths["sqlite"]) as con:
        con.execute("CREATE TABLE grade (id TEXT, score REAL)")
    paths["foreign"] = str(folder / "other.duckdb")  # a DuckDB file without the CRM Lab schema
    with duckdb.connect(paths["foreign"]) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    paths["under_file"] = os.path.join(paths["text"], "sub", "x.duckdb")  # its "folder" is a file
    paths["locked"] = str(folder / "locked.duckdb")
    shutil.copy(paths["workspace"], paths["locked"])
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); "
                               "time.sleep(600)", paths["locked"]], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    yield paths
    holder.kill()
    holder.wait()


# Each case: the command line with {placeholders} for the corpus above.
CASES = [
    # demo
    "demo {folder}", "demo {under_file}", "demo {text}", "demo {missing} --customers 0",
    "demo {missing} --customers -5", "demo {missing} --customers 99999999999999999999", "demo {missing} --customers x",
    "demo {missing} --orders -1", "demo {missing} --seed -1", "demo {missing} --language fr",
    # new
    "new {workspace}", "new {folder}", "new {under_file}", "new {text}", "new {missing} --today 2026-13-01",
    "new {missing} --today tomorrow", "new {missing} --today 02/03/2026", "new {missing} --language fr",
    "new {missing} --company", "new",
    # info
    "info {missing}", "info {folder}", "info {text}", "info {empty}", "info {random}", "info {csv}", "info {sqlite}",
    "info {foreign}", "info {locked}",
    # import
    "import {workspace} customers {missing}", "import {workspace} customers {folder}",
    "import {workspace} customers {empty}", "import {workspace} customers {random}",
    "import {workspace} customers {sqlite}", "import {workspace} customers {header_only} --as li.ming",
    "import {workspace} customers {csv}", "import {workspace} people {csv}",
    "import {workspace} customers {csv} --map account", "import {workspace} customers {csv} --map =name",
    "import {workspace} customers {csv} --map name=", "import {workspace} customers {csv} --map name=account",
    "import {workspace} customers {csv} --map name=owner --map region=owner",
    "import {workspace} customers {two_names} --as li.ming --map 公司名称=name",
    "import {workspace} customers {csv} --as nobody", "import {workspace} customers {csv} --as li.ming --encoding nope",
    "import {workspace} customers {csv} --as li.ming --rejected {under_file}",
    "import {workspace} customers {fake_xlsx} --as li.ming", "import {sqlite} customers {csv}", "import {foreign} customers {csv}", "import {locked} customers {csv}",
    "import {text} customers {csv}",
    # export
    "export {workspace} people {missing}.csv", "export {workspace} customers {missing}.txt",
    "export {workspace} customers {text}", "export {workspace} customers {folder}",
    "export {workspace} customers {under_file}.csv", "export {workspace} customers {missing}.csv --as nobody",
    "export {sqlite} customers {missing}.csv", "export {locked} customers {missing}.csv",
    # backup and restore
    "backup {workspace} {text}", "backup {workspace} {folder}", "backup {workspace} {under_file}",
    "backup {sqlite} {missing}", "backup {locked} {missing}", "backup {missing} {missing}",
    "restore {workspace} {sqlite} --yes", "restore {workspace} {text} --yes", "restore {workspace} {empty} --yes",
    "restore {workspace} {foreign} --yes", "restore {workspace} {random} --yes", "restore {workspace} {folder} --yes",
    "restore {workspace} {missing} --yes", "restore {sqlite} {workspace} --yes", "restore {workspace} {workspace}",
    "restore {workspace} {locked} --yes",
    # theory-site
    "theory-site {text}", "theory-site {under_file}",
    # scenario
    "scenario list --language fr", "scenario show no_such", "scenario show {missing}.toml",
    "scenario show {folder}", "scenario show {binary_toml}", "scenario create {binary_toml} {missing}", "scenario show {text}", "scenario create no_such {missing}",
    "scenario create fmcg_wholesaler {text}", "scenario create fmcg_wholesaler {folder}",
    "scenario create fmcg_wholesaler {under_file}", "scenario create fmcg_wholesaler {missing} --customers 0",
    "scenario create fmcg_wholesaler {missing} --customers -5", "scenario create fmcg_wholesaler {missing} --seed -1",
    "scenario class fmcg_wholesaler {missing} {folder}", "scenario class fmcg_wholesaler {empty} {folder}",
    "scenario class fmcg_wholesaler {sqlite} {folder}", "scenario class fmcg_wholesaler {random} {folder}",
    "scenario class fmcg_wholesaler {csv} {text}", "scenario class fmcg_wholesaler {folder} {folder}",
    "scenario class fmcg_wholesaler {csv} {folder} --customers 0",
    "scenario advance {workspace} 0", "scenario advance {workspace} -3", "scenario advance {workspace} 367",
    "scenario advance {workspace} many", "scenario advance {sqlite} 1", "scenario advance {locked} 1",
    "scenario advance {text} 1",
    # course
    "course workspace no_such s001 --folder {folder}", "course workspace a1_opportunity s001 --folder {text}",
    "course workspace a1_opportunity s001 --folder {course}", "course release no_such --root {folder}", "course grade no_such --root {folder}",
    "course dashboard no_such --root {folder}", "course dashboard a1_opportunity --root {text}",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_arguments_end_in_one_clear_line(files, case):
    args = [part.format(**files) for part in case.split()]
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith(("Error:", "Aborted!"))]
    assert len(errors) == 1, result.output
    if result.exit_code == 1 and args[0] != "import" and not errors[0].startswith("Aborted!"):
        # a refusal is the whole output (import prints its report first; restore its question)
        assert [line for line in result.output.splitlines() if line.startswith("Error:")] == \
            result.output.strip().splitlines()[-1:], result.output


def test_the_findings_are_usage_errors(files, tmp_path):
    runner = CliRunner()
    for args in (["demo", str(tmp_path / "x.duckdb"), "--customers", "0"],
                 ["demo", str(tmp_path / "x.duckdb"), "--customers", "-5"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and "'--customers': " in result.output and "1<=x" in result.output
        assert not os.path.exists(tmp_path / "x.duckdb")
    mapped = runner.invoke(main, ["import", files["workspace"], "customers", files["csv"], "--map", "account"])
    assert mapped.exit_code == 2
    assert "Error: Invalid value for '--map': 'account' is not COLUMN=FIELD" in mapped.output
    # scenario create --customers 0 was taken as "not given" and silently made the full-size company
    zero = runner.invoke(main, ["scenario", "create", "fmcg_wholesaler", str(tmp_path / "s.duckdb"), "--customers", "0"])
    assert zero.exit_code == 2 and not os.path.exists(tmp_path / "s.duckdb")


def _customers(path) -> int:
    with CRM.open(path, read_only=True) as crm:
        return crm.customers.count()


def test_an_import_as_admin_says_who_must_own_the_customers(files, tmp_path):
    workspace = str(tmp_path / "ws.duckdb")
    shutil.copy(files["workspace"], workspace)
    before = _customers(workspace)
    result = CliRunner().invoke(main, ["import", workspace, "customers", files["csv"]])
    assert result.exit_code == 1, result.output
    assert "admin cannot own customers: add `--as USER` or an owner column" in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("Error: Nothing imported, all 1 rows rejected: admin cannot own customers")
    assert _customers(workspace) == before
    empty = CliRunner().invoke(main, ["import", workspace, "customers", files["header_only"], "--as", "li.ming"])
    assert empty.exit_code == 1 and "header_only.dat has no rows below its header" in empty.output


def test_a_partial_import_exits_0_and_counts_the_rejected(files, tmp_path):
    workspace = str(tmp_path / "ws.duckdb")
    shutil.copy(files["workspace"], workspace)
    source = tmp_path / "two.csv"
    source.write_text("name,region\nNew A,east\nNew B,mars\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", workspace, "customers", str(source), "--as", "li.ming"])
    assert result.exit_code == 0, result.output
    assert "1 of 2 rows imported, 1 rejected" in result.output and "Error" not in result.output


def test_a_sqlite_file_is_not_a_workspace_and_nothing_is_downloaded(files, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("crm-lab tried to reach the network")
    monkeypatch.setattr(socket.socket, "connect", no_network)
    runner = CliRunner()
    for args in (["info", files["sqlite"]], ["import", files["sqlite"], "customers", files["csv"]],
                 ["backup", files["sqlite"], files["missing"]], ["scenario", "advance", files["sqlite"], "1"]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, result.output
        assert result.output.strip() == f"Error: {files['sqlite']} is not a CRM Lab workspace.", result.output
    for kind in ("text", "empty", "random", "csv", "foreign"):
        result = runner.invoke(main, ["info", files[kind]])
        assert result.exit_code == 1 and result.output.strip().endswith("is not a CRM Lab workspace."), result.output


def test_restoring_from_a_backup_open_elsewhere_names_the_backup(files, tmp_path):
    workspace = str(tmp_path / "ws.duckdb")
    shutil.copy(files["workspace"], workspace)
    result = CliRunner().invoke(main, ["restore", workspace, files["locked"], "--yes"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: Workspace locked.duckdb is held by another process"), result.output


def test_workspaces_never_load_or_install_extensions(files):
    """DuckDB would otherwise fetch its sqlite extension for a SQLite file, or for an ATTACH of one."""
    db = Database(files["workspace"], read_only=True)
    try:
        settings = dict(db.rows("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                "('autoload_known_extensions', 'autoinstall_known_extensions')"))
    finally:
        db.close()
    assert settings == {"autoload_known_extensions": "false", "autoinstall_known_extensions": "false"}


def test_a_locked_workspace_is_named_with_its_process(files):
    result = CliRunner().invoke(main, ["info", files["locked"]])
    assert result.exit_code == 1
    assert "locked.duckdb is held by another process" in result.output and "Traceback" not in result.output


def test_real_stderr_of_the_command(tmp_path):
    """The installed command as a user runs it: the reason on stderr, no traceback, exit 2."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    for args, expected in ((["demo", str(tmp_path / "x.duckdb"), "--customers", "0"], "'--customers': 0 is not"),
                           (["info", str(tmp_path / "none.duckdb")], "Invalid value for 'PATH'")):
        run = subprocess.run([sys.executable, "-m", "crm_engine.cli", *args], capture_output=True, text=True,
                             env=env, timeout=120)
        assert run.returncode == 2, run
        assert expected in run.stderr and "Traceback" not in run.stderr + run.stdout, run.stderr
        assert [line for line in run.stderr.splitlines() if line.startswith("Error:")], run.stderr


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads and writes any file")
def test_unreadable_and_unwritable_files(files, tmp_path):
    unreadable = tmp_path / "secret.csv"
    unreadable.write_text("name\nA\n", encoding="utf-8")
    unreadable.chmod(0)
    locked_folder = tmp_path / "ro"
    locked_folder.mkdir()
    locked_folder.chmod(0o500)
    runner = CliRunner()
    for args in (["import", files["workspace"], "customers", str(unreadable), "--as", "li.ming"],
                 ["demo", str(locked_folder / "x.duckdb")],
                 ["export", files["workspace"], "customers", str(locked_folder / "x.csv")]):
        result = runner.invoke(main, args)
        assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_refusal_speaks_the_workspace_language(files, tmp_path):
    workspace = str(tmp_path / "zh.duckdb")
    shutil.copy(files["workspace"], workspace)
    with CRM.open(workspace) as crm:
        crm.admin.set_setting("language", "zh_CN")
    result = CliRunner().invoke(main, ["import", workspace, "customers", files["csv"]])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: 没有导入任何行，1 行全部被拒绝：admin 不能拥有客户：请加上 `--as 用户名`，"
        "或在文件中加一列 `owner`（客户经理的用户名）（×1）")


def test_a_bug_is_one_line_that_says_so(monkeypatch):
    import crm_engine.scenario

    def broken(language):
        raise KeyError("title")
    monkeypatch.setattr(crm_engine.scenario, "catalogue", broken)
    result = CliRunner().invoke(main, ["scenario", "list"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip() == ("Error: unexpected KeyError: 'title' (a bug in CRM Lab; "
                                     "CRM_LAB_DEBUG=1 shows where)")
    monkeypatch.setenv("CRM_LAB_DEBUG", "1")
    assert isinstance(CliRunner().invoke(main, ["scenario", "list"]).exception, KeyError)


def test_a_closed_pipe_ends_quietly(monkeypatch):
    """`crm-lab scenario list | head -1`: once the reader is gone there is no one to tell."""
    import crm_engine.scenario

    def gone(language):
        raise BrokenPipeError(32, "Broken pipe")
    monkeypatch.setattr(crm_engine.scenario, "catalogue", gone)
    result = CliRunner().invoke(main, ["scenario", "list"])
    assert result.exit_code == 1 and result.output == ""


@settings(max_examples=40)
@given(items=st.lists(st.text(alphabet="=ab 公司名称_\t", max_size=8), min_size=1, max_size=3),
       days=st.text(alphabet="-0123456789x.", min_size=1, max_size=6))
def test_any_map_or_day_count_ends_in_one_line(files, items, days):
    """Whatever `--map` and DAYS are, one line and 1 or 2 (the file's one row is never importable as admin)."""
    runs = [["import", files["workspace"], "customers", files["csv"], *sum((["--map", i] for i in items), [])]]
    if not days.isdigit() or not 1 <= int(days) <= 366:
        runs.append(["scenario", "advance", files["workspace"], days])
    for args in runs:
        result = CliRunner().invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
        assert len([line for line in result.output.splitlines() if line.startswith("Error:")]) == 1, result.output


@pytest.mark.parametrize("make", [
    "CREATE TABLE crm_meta (key VARCHAR PRIMARY KEY, value VARCHAR); "
    "INSERT INTO crm_meta VALUES ('app', 'crm-lab'), ('schema_version', 'abc')",
    "CREATE TABLE crm_meta (key VARCHAR PRIMARY KEY, value VARCHAR); INSERT INTO crm_meta VALUES ('app', 'crm-lab')",
    "CREATE TABLE crm_meta (k INTEGER); INSERT INTO crm_meta VALUES (1)",
], ids=["version_not_a_number", "no_version", "other_columns"])
def test_a_file_with_a_strange_crm_meta_is_not_a_workspace(tmp_path, make):
    path = str(tmp_path / "f.duckdb")
    con = duckdb.connect(path)
    con.execute(make)
    con.close()
    result = CliRunner().invoke(main, ["info", path])
    assert result.exit_code == 1, result.output
    assert result.output.strip() == f"Error: {path} is not a CRM Lab workspace.", result.output


def test_the_lock_message_names_what_works_on_the_command_line(files, monkeypatch):
    monkeypatch.setenv("CRM_LAB_WAIT", "0")   # restored after the test: `--wait` sets it for the process
    result = CliRunner().invoke(main, ["--wait", "0.2", "info", files["locked"]])
    assert result.exit_code == 1, result.output
    assert "crm-lab --wait 30" in result.output and "CRM.open" not in result.output, result.output
    assert os.environ["CRM_LAB_WAIT"] == "0.2"
    bad = CliRunner().invoke(main, ["--wait", "-1", "info", files["locked"]])
    assert bad.exit_code == 2 and "--wait" in bad.output, bad.output


def test_empty_names_and_restoring_a_workspace_from_itself_are_usage_errors(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    workspace = str(tmp_path / "ws.duckdb")
    shutil.copy(files["workspace"], workspace)
    runner = CliRunner()
    itself = runner.invoke(main, ["restore", workspace, workspace, "--yes"])
    assert itself.exit_code == 2 and "is the workspace itself" in itself.output, itself.output
    assert "not a CRM Lab workspace" not in itself.output
    empty = runner.invoke(main, ["demo", ""])
    assert empty.exit_code == 2 and "may not be empty" in empty.output, empty.output
    student = runner.invoke(main, ["course", "workspace", "a1_opportunity", " "])
    assert student.exit_code == 2 and "may not be empty" in student.output, student.output
    assert list(tmp_path.iterdir()) == [tmp_path / "ws.duckdb"]
