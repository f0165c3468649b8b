"""Workspaces: create, open, read-only, locks, migrations, transactions."""
import os
import subprocess
import sys
import textwrap
import time

import duckdb
import pandas as pd
import pytest

from crm_engine import CRM, Conflict, InvalidInput, NotAllowed, WorkspaceError, WorkspaceLocked
from crm_engine.db import Database
from crm_engine.migrations import latest_version, migrations
from tests.engine.helpers import snapshot


def test_create_then_open_keeps_everything(workspace_file):
    with CRM.open(workspace_file) as crm:
        assert crm.today().isoformat() == "2026-03-02"
        assert len(crm.customers.list()) == 5
        assert crm.user.username == "admin"
    with CRM.open(workspace_file, user="li.ming") as rep:
        assert set(rep.customers.list()["name"]) == {"Star Tech", "Bright Future Trading"}


def test_create_refuses_an_existing_file(workspace_file):
    with pytest.raises(Conflict, match="already exists"):
        CRM.create(workspace_file)


def test_open_missing_file(tmp_path):
    with pytest.raises(WorkspaceError, match="There is no workspace"):
        CRM.open(tmp_path / "nope.duckdb")


def test_open_a_file_that_is_not_a_workspace(tmp_path):
    text_file = tmp_path / "notes.duckdb"
    text_file.write_text("hello")
    with pytest.raises(WorkspaceError, match="not a CRM Lab workspace"):
        CRM.open(text_file)
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE t(a INT)").close()
    with pytest.raises(WorkspaceError, match="not a CRM Lab workspace"):
        CRM.open(other)


def test_open_a_workspace_from_a_newer_version(workspace_file):
    con = duckdb.connect(str(workspace_file))
    con.execute("UPDATE crm_meta SET value = ? WHERE key = 'schema_version'", [str(latest_version() + 1)])
    con.close()
    with pytest.raises(WorkspaceError, match="newer CRM Lab") as caught:
        CRM.open(workspace_file)
    assert "更新版本" in caught.value.message("zh_CN")


def test_in_memory_workspace_is_complete():
    crm = CRM.memory(today="2026-01-05", language="zh_CN")
    assert crm.language == "zh_CN"
    assert crm.admin.teams()["name"].tolist() == ["总部"]
    assert crm.path is None


def test_read_only_open_refuses_every_change(workspace_file):
    with CRM.open(workspace_file, read_only=True) as crm:
        assert len(crm.customers.list()) == 5
        with pytest.raises(NotAllowed, match="read-only"):
            crm.customers.add("New Co")
        with pytest.raises(NotAllowed, match="read-only"):
            crm.clock.advance(1)


LOCKER = textwrap.dedent("""
    import sys, time
    from crm_engine import CRM
    crm = CRM.open(sys.argv[1])
    print("open", flush=True)
    sys.stdin.readline()
""")


def test_a_workspace_open_in_another_process_gives_a_clear_message(workspace_file):
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(workspace_file)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        for read_only in (False, True):  # read-only does not get in either: the message must not advise it
            started = time.monotonic()
            with pytest.raises(WorkspaceLocked) as caught:
                CRM.open(workspace_file, read_only=read_only, wait=0.3)
            assert time.monotonic() - started >= 0.3       # it waited its turn first
            message = str(caught.value)
            assert f"PID {holder.pid}" in message
            assert "Close that notebook's kernel" in message and "wait=" in message
            assert "A read-only open cannot get in" in message
            assert "IO Error" not in message
            assert f"PID {holder.pid}" in caught.value.message("zh_CN")
    finally:
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=30)
    with CRM.open(workspace_file) as crm:  # free again
        assert crm.customers.count() == 5


def test_keep_open_false_lets_another_process_in_between_actions(workspace_file):
    crm = CRM.open(workspace_file, keep_open=False)
    crm.customers.add("Between Actions Ltd", owner="li.ming")
    reader = _count_in_another_process(workspace_file)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.strip() == "6"
    assert crm.customers.count() == 6  # and this one reopens transparently


def _count_in_another_process(path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c",
         "import sys; from crm_engine import CRM; print(CRM.open(sys.argv[1], read_only=True).customers.count())",
         str(path)], capture_output=True, text=True, timeout=60, env={**os.environ, "CRM_LAB_WAIT": "0.2"})


def test_holding_keeps_the_file_open_for_a_few_calls_then_lets_others_in(workspace_file):
    crm = CRM.open(workspace_file, keep_open=False)
    rep = crm.as_user("li.ming")
    with crm.holding():
        rep.customers.add("Held Open Ltd")
        connection = crm._s.db._con
        assert connection is not None and rep.customers.count() == 3
        assert crm._s.db._con is connection          # not reopened for the next call
        held = _count_in_another_process(workspace_file)
        assert held.returncode != 0 and "held by another process" in held.stderr
        with pytest.raises(InvalidInput):              # a refused action inside: rolled back, still held
            rep.customers.add("  ")
        assert crm._s.db._con is connection
    assert crm._s.db._con is None                      # released at the end
    after = _count_in_another_process(workspace_file)
    assert after.returncode == 0 and after.stdout.strip() == "6", after.stderr
    crm.close()


def test_same_process_different_mode_is_a_clear_error(workspace_file):
    with CRM.open(workspace_file):
        with pytest.raises(WorkspaceLocked, match="already open in this notebook"):
            CRM.open(workspace_file, read_only=True)


def test_opening_an_older_workspace_upgrades_it(tmp_path):
    """A workspace made at schema version 1 gets every later migration on open, data intact."""
    path = tmp_path / "old.duckdb"
    db = Database(str(path))
    db.migrate(upto=1)
    with db.transaction():
        db.execute("INSERT INTO settings VALUES ('today', '2025-12-01'), ('language', '\"en\"'), ('company', '\"Old Co\"')")
        db.execute("INSERT INTO teams VALUES (1, 'Head office', NULL)")
        db.execute("INSERT INTO users VALUES (1, 'admin', 'Administrator', 'admin', 1, NULL, NULL, true, '2025-12-01')")
        db.execute("INSERT INTO customers (id, name, name_norm, owner_id, level, status, created_on, created_by) "
                   "VALUES (1, 'Old Customer', 'oldcustomer', 1, 'ordinary', 'active', '2025-11-01', 1)")
    assert db.schema_version() == 1
    db.close()
    with CRM.open(path) as crm:
        assert Database.schema_version(crm._s.db) == latest_version()
        assert crm.customers.get(1).name == "Old Customer"
        crm.admin.add_user("li.ming", "Li Ming", role="account_manager")
        crm.customers.add("New Customer", owner="li.ming")  # the upgraded schema works
    if latest_version() > 1:
        with CRM.open(path, read_only=True) as crm:
            assert crm.customers.count() == 2


# Schema 006 (the order history) and 007 (the two append-only logs) rebuild tables without their
# primary keys: (the version before, rows made at it, the tables, the indexes they keep).
REBUILDS = {
    6: (5, ["INSERT INTO orders SELECT 10 - i, i % 3 + 1, 'SO' || i, DATE '2025-01-01' + i::INTEGER, i * 1.5, "
            "CASE WHEN i = 4 THEN 'cancelled' ELSE 'confirmed' END, NULLIF(i % 2, 0) FROM range(10) r(i)",
            "INSERT INTO order_lines SELECT 100 + i, 10 - i // 2, 1 + i % 4, i + 1, 0.75, 0.75 * (i + 1) "
            "FROM range(20) r(i)"],
        ("orders", "order_lines"), [("orders", "orders_customer", "[customer_id]")]),
    7: (6, ["INSERT INTO interactions SELECT 20 - i, i % 4 + 1, NULLIF(i % 3, 0), 2, DATE '2025-03-01' + i::INTEGER, "
            "'phone', 'Call ' || i || ' 🙂', CASE WHEN i % 2 = 0 THEN 'detail; DROP TABLE x' END FROM range(12) r(i)",
            "INSERT INTO ticket_steps SELECT 30 - i, i // 2 + 1, 1 + i % 2, CASE WHEN i % 2 = 0 THEN 'handling' "
            "ELSE 'feedback' END, 3, DATE '2025-04-01' + i::INTEGER, 'Step ' || i, CASE WHEN i % 2 = 1 THEN 1 + i % 5 "
            "END FROM range(9) r(i)"],
        ("interactions", "ticket_steps"), [("interactions", "interactions_customer", "[customer_id]")]),
}


@pytest.mark.parametrize("version", sorted(REBUILDS))
def test_schema_rebuilds_tables_without_primary_keys(tmp_path, version):
    """Rows made at the version before come through the rebuild unchanged and in stored order; the
    tables lose their primary keys and keep only the customer index."""
    before_version, rows, tables, indexes = REBUILDS[version]
    db = Database(str(tmp_path / f"v{before_version}.duckdb"))
    db.migrate(upto=before_version)
    with db.transaction():
        for sql in rows:
            db.execute(sql)
    before = {t: db.rows(f"SELECT * FROM {t}") for t in tables}
    db.migrate()
    assert {t: db.rows(f"SELECT * FROM {t}") for t in tables} == before
    names = ", ".join(f"'{t}'" for t in tables)
    assert db.rows("SELECT DISTINCT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                   f"AND table_name IN ({names})") == []
    assert db.rows("SELECT table_name, index_name, expressions FROM duckdb_indexes() "
                   f"WHERE table_name IN ({names})") == indexes
    db.close()


def test_read_only_open_of_an_old_workspace_asks_for_an_upgrade(tmp_path):
    if latest_version() == 1:
        pytest.skip("only one schema version exists")
    path = tmp_path / "old.duckdb"
    db = Database(str(path))
    db.migrate(upto=1)
    with db.transaction():
        db.execute("INSERT INTO settings VALUES ('today', '2025-12-01'), ('language', '\"en\"')")
        db.execute("INSERT INTO teams VALUES (1, 'Head office', NULL)")
        db.execute("INSERT INTO users VALUES (1, 'admin', 'Administrator', 'admin', 1, NULL, NULL, true, '2025-12-01')")
    db.close()
    with pytest.raises(WorkspaceError, match="open it read-write once"):
        CRM.open(path, read_only=True)


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_a_failed_action_leaves_no_trace(crm):
    """An error half-way through an action rolls back everything it wrote (and its audit row)."""
    rep = crm.as_user("li.ming")
    before = snapshot(crm)
    with pytest.raises(Exception):
        rep.orders.add(1, [{"product": "NB-14", "quantity": 1}, {"product": "NO-SUCH", "quantity": 1}])
    assert snapshot(crm) == before



def _slow_insert(db, frame):
    """A write on the behind() thread that takes a while (the caller goes on meanwhile)."""
    with db.registered("frame", frame):
        db.execute("INSERT INTO settings SELECT key, value FROM frame, range(20000) r(i) WHERE i = 19999")


def test_a_write_behind_is_in_place_before_the_next_use_of_the_workspace(crm):
    db = crm._s.db
    frame = pd.DataFrame({"key": [f"behind.{i}" for i in range(50)], "value": ["1"] * 50})
    with db.transaction():
        db.behind(_slow_insert, db, frame)
        assert db.scalar("SELECT count(*) FROM settings WHERE key LIKE 'behind.%'") == 50   # waited for it
        db.behind(_slow_insert, db, frame.assign(key=frame["key"] + "b"))
    assert db.scalar("SELECT count(*) FROM settings WHERE key LIKE 'behind.%'") == 100      # COMMIT waited too


@pytest.mark.parametrize("fails", ["behind", "after"])
def test_a_failed_write_behind_or_a_failure_while_it_runs_leaves_no_trace(crm, fails):
    """The write's error reaches the action (as the engine's own error) and the action rolls back
    whole; an error of the caller while the write runs waits for it, then rolls back the same."""
    db = crm._s.db
    before = snapshot(crm)
    duplicate = pd.DataFrame({"key": ["today"], "value": ['"2030-01-01"']})  # settings.key is a primary key
    fresh = pd.DataFrame({"key": ["behind.x"], "value": ["1"]})
    with pytest.raises(Conflict if fails == "behind" else RuntimeError):
        with db.transaction():
            db.execute("INSERT INTO settings VALUES ('behind.first', '1')")
            db.behind(_slow_insert, db, duplicate if fails == "behind" else fresh)
            if fails == "after":
                raise RuntimeError("the caller fails while the write runs")
            db.execute("INSERT INTO settings VALUES ('behind.last', '1')")
    assert snapshot(crm) == before
    assert crm.customers.count() == 5  # the workspace works on


def _logged(db, log, name, wait=None):
    """A write behind that notes when it runs (after `wait()` returns, if given)."""
    if wait is not None:
        wait()
    log.append(name)
    db.execute("INSERT INTO settings VALUES (?, ?)", [f"behind.{name}", str(len(log))])


def test_writes_behind_queue_up_and_run_in_order_with_room_for_a_few(crm, monkeypatch):
    """The caller queues writes and goes on; they run one at a time in the order queued, and a
    caller who finds the queue full waits for room (drawn frames do not pile up)."""
    import threading

    db = crm._s.db
    monkeypatch.setattr(type(db), "QUEUED", 2)
    go, log = threading.Event(), []
    with db.transaction():
        db.behind(_logged, db, log, "a", lambda: go.wait(10))
        db.behind(_logged, db, log, "b")                       # the queue is full now: a running, b waiting
        third = threading.Thread(target=db.behind, args=(_logged, db, log, "c"))
        third.start()
        third.join(0.3)
        assert third.is_alive() and log == []                  # c waits for room while a cannot finish
        go.set()
        third.join(10)
        assert db.rows("SELECT key, value FROM settings WHERE key LIKE 'behind.%' ORDER BY key") == [
            ("behind.a", "1"), ("behind.b", "2"), ("behind.c", "3")]
    assert log == ["a", "b", "c"]


@pytest.mark.parametrize("fails", ["first write", "caller"])
def test_writes_queued_after_a_failure_do_not_run(crm, fails):
    """After a failed write, or when the caller fails while writes wait, the waiting ones are
    dropped; the action rolls back whole and says why."""
    import time

    db = crm._s.db
    before = snapshot(crm)
    log = []
    duplicate = pd.DataFrame({"key": ["today"], "value": ['"2030-01-01"']})

    def until_dropped():  # the caller has failed: the drop is marked before a finishes
        deadline = time.monotonic() + 10
        while not db._failed and time.monotonic() < deadline:
            time.sleep(0.001)

    with pytest.raises(Conflict if fails == "first write" else RuntimeError):
        with db.transaction():
            if fails == "first write":
                db.behind(_slow_insert, db, duplicate)
            else:
                db.behind(_logged, db, log, "a", until_dropped)
            db.behind(_logged, db, log, "b")
            if fails == "caller":
                raise RuntimeError("the caller fails while writes wait")
            db.execute("INSERT INTO settings VALUES ('behind.last', '1')")
    assert "b" not in log
    assert snapshot(crm) == before
    assert crm.customers.count() == 5  # the workspace works on


def test_a_write_behind_belongs_to_an_action(crm):
    with pytest.raises(AssertionError):
        crm._s.db.behind(lambda: None)


def test_two_threads_share_a_keep_open_false_workspace_one_at_a_time(workspace_file):
    """JupyterLab may run a widget's click on a kernel subshell's thread while another thread works
    with the same workspace: each action, query and holding() has the workspace to itself."""
    import threading

    crm = CRM.open(workspace_file, keep_open=False)
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    failures = []

    def clicks():
        try:
            for n in range(40):
                with crm.holding():
                    rep.customers.add(f"Thread Customer {n}")
                    rep.customers.count()
        except Exception as error:  # noqa: BLE001 — any failure fails the test below
            failures.append(error)

    def reads():
        try:
            for _ in range(120):
                assert boss.customers.count() >= 4
                crm.as_user("li.ming")
        except Exception as error:  # noqa: BLE001
            failures.append(error)

    threads = [threading.Thread(target=clicks), threading.Thread(target=reads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == [] and rep.customers.count() == 42
    crm.close()
