"""The workspace file: connection, one transaction per action, bringing its schema up to date.

A workspace is one DuckDB file. DuckDB lets one process write a file and no one
else even read it meanwhile (docs/engine.md), so a `Database` can either keep its
connection (fast: analysis, benchmarks) or hold the file only while an action
runs (`keep_open=False`), letting nbgrader's Validate or a second notebook in
between. Every DuckDB exception is turned into a `CRMError` here (by duckdb_errors.map_error)
and nowhere else; the schema's migrations are in migrations.py.
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Any, Iterator

import duckdb
import numpy as np
import pandas as pd

from .duckdb_errors import MEMORY, map_error, not_duckdb
from .errors import CRMError, InvalidInput, WorkspaceError, WorkspaceLocked
from .migrations import latest_version, migrations, skippable
from .turns import connect, let_go as _let_go, waiting_time  # noqa: F401 (waiting_time: part of this API)

APP_ID = "crm-lab"

# How a NEW workspace file is written (docs/performance.md, "Workspace files"). Both are fixed when the
# file is created and kept by every later write; an existing file keeps what it was made with, so
# older workspaces open and work as before (they are not converted).
# - The storage version: DuckDB 2 otherwise writes version 69, which the DuckDB 1.x line (CLI,
#   DBeaver, R, older Python) refuses; 'v1.4.0' files open in DuckDB 1.4 and 1.5 (and 2).
# - The block size: every table and index takes at least one block, so DuckDB's 256 KB made a
#   120-customer assignment 15 MB. 16 KB blocks make it 1.3 MB, but past ~2,000 customers they cost
#   more than they save (compressed segments end at a block: at 100k customers the file doubles);
#   64 KB is never larger than 256 KB at any size measured (bench/bench_storage.py).
STORAGE_VERSION = "v1.4.0"
SMALL_BLOCK, LARGE_BLOCK = 16_384, 65_536
SMALL_UPTO = 2_000  # customers: a workspace expected to hold at most this many gets SMALL_BLOCK


def create_options(expected_customers: int | None = None, block_size: int | None = None) -> dict:
    """The DuckDB config a new workspace file is created with: DuckDB 1.4's storage version, and a
    block size for the customers it is expected to hold (None: a small one) unless `block_size`."""
    if block_size is None:
        small = expected_customers is None or expected_customers <= SMALL_UPTO
        block_size = SMALL_BLOCK if small else LARGE_BLOCK
    return {"storage_compatibility_version": STORAGE_VERSION, "default_block_size": str(block_size)}


def create_file(path, expected_customers: int | None = None, *, block_size: int | None = None) -> None:
    """Create the empty DuckDB file at `path` (which must not exist) with `create_options`; every
    later connection, whatever its own config, keeps its block size and storage version."""
    try:
        duckdb.connect(os.fspath(path), config=create_options(expected_customers, block_size)).close()
    except duckdb.Error as error:
        raise map_error(error, os.fspath(path)) from None


def _unmasked(values: np.ndarray) -> np.ndarray:
    """A fetchnumpy column as a plain array: DuckDB hands columns with NULLs over as masked
    arrays, which pandas and slicing handle several times slower."""
    if not isinstance(values, np.ma.MaskedArray):
        return values
    if not values.mask.any():
        return values.data
    kind = values.dtype.kind
    if kind in "mM":
        plain, missing = values.data.copy(), np.datetime64("NaT")
    elif kind in "iuf":
        plain, missing = values.data.astype(np.float64), np.nan
    else:
        plain, missing = values.data.astype(object), None
    plain[values.mask] = missing
    return plain


# A workspace never needs an extension beyond those built into the wheel (json, parquet, icu).
# Left on, DuckDB would hand a foreign file it recognises (nbgrader's SQLite gradebook.db) or an
# ATTACH of one to an extension it first downloads: a network call, then a confusing error.
OFFLINE = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
_DROPPED = RuntimeError("queued writes dropped: the action failed")


class Database:
    """A connection to one workspace file (or an in-memory workspace)."""

    QUEUED = 3  # writes queued by behind() at most, the running one included

    def __init__(self, path: str | None = None, *, read_only: bool = False, keep_open: bool = True,
                 wait: float | None = None):
        self.path = None if path in (None, MEMORY) else os.fspath(path)
        self.read_only = read_only
        self.wait = waiting_time(wait)  # seconds an open waits for another process to let go (see connect())
        # An in-memory database lives only as long as its connection.
        self.keep_open = keep_open or self.path is None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depth = 0   # nesting of transaction()
        self._holds = 0   # nesting of reading()
        self._kept = 0    # nesting of kept_open(): the file stays open between actions
        self._memo: dict = {}  # per action: today, policies, team trees (see memo())
        # One thread at a time per workspace: JupyterLab can deliver widget events on a kernel
        # subshell's thread while another thread is busy, and the connection, the nesting
        # counters and the memo are shared. Held for a whole action, query or kept_open().
        self._lock = threading.RLock()
        # Writes queued by behind(): run in order on one thread, the first error kept (see behind()).
        self._queue: deque = deque()
        self._queued = threading.Condition()
        self._writer: threading.Thread | None = None
        self._failed: list[BaseException] = []

    # -- connection -------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        self._settle()
        if self._con is None:
            if self.path is not None and not_duckdb(self.path):
                raise WorkspaceError("workspace.not_crm", workspace=self.path)
            try:
                self._con = connect(self.path or MEMORY, read_only=self.read_only, wait=self.wait, config=OFFLINE)
                # No console progress bars over a notebook's output (long set-based statements draw them).
                self._con.execute("SET enable_progress_bar = false")
            except duckdb.Error as error:
                if "not a valid DuckDB database file" in str(error) or "Magic" in str(error):
                    raise WorkspaceError("workspace.not_crm", workspace=self.path) from None
                raise map_error(error, self.path) from None
        return self._con

    def release(self) -> None:
        """Close the file so other processes can open it; the next action reopens it."""
        with self._lock:
            if self._con is not None and not (self._depth or self._holds or self._kept) and self.path is not None:
                self._con.close()
                self._con = None
                _let_go(self.path)

    @contextmanager
    def kept_open(self) -> Iterator[None]:
        """Keep a `keep_open=False` file open across the actions and queries inside (one click in a
        form: an action and the queries that redraw the view), instead of reopening it for each.
        Each action is still its own transaction and starts from an empty `memo`; the queries that
        follow share one (today, the policy, dictionary labels: a list's page asks for them per
        row). Nothing else can write meanwhile: the lock and the open file keep others out."""
        with self._lock:
            self._kept += 1
            try:
                yield
            finally:
                self._kept -= 1
                if not self._kept:
                    self._memo.clear()
                    if not self.keep_open:
                        self.release()

    def hold(self) -> None:
        """Keep a `keep_open=False` file open from now until the matching `let_go()` — like
        `kept_open()`, but across calls that are not one block of code (a notebook cell, from the
        cell events of `crm_engine.ui.cells`). Other threads still take turns per action or query.
        Calls nest; every `hold()` needs its `let_go()`."""
        with self._lock:
            self._kept += 1

    def let_go(self) -> None:
        """End one `hold()`: at the last one the memo is dropped and a `keep_open=False` file closed."""
        with self._lock:
            if not self._kept:
                return
            self._kept -= 1
            if not self._kept:
                self._memo.clear()
                if not self.keep_open:
                    self.release()

    def close(self) -> None:
        with self._lock:
            self._settle(quietly=True)
            if self._con is not None:
                self._con.close()
                self._con = None
                _let_go(self.path)

    # -- transactions -----------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        """Inside an action's transaction (the facade announces a change only when the outermost one commits)."""
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One transaction per action; nested calls join the outer one.

        Any exception rolls everything back, so a failed action leaves the
        workspace exactly as it was.
        """
        with self._lock:
            if self._depth:
                self._settle()
                self._depth += 1
                try:
                    yield self._con
                finally:
                    self._depth -= 1
                return
            con = self.con
            self._run(con, "BEGIN TRANSACTION")
            self._memo.clear()
            self._depth = 1
            try:
                yield con
                self._settle()
                self._run(con, "COMMIT")
            except BaseException as error:
                self._settle(quietly=True)  # the connection is free again before it rolls back
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                if isinstance(error, duckdb.Error):
                    raise map_error(error, self.path) from None
                raise
            finally:
                self._depth = 0
                if not self._holds:
                    self._memo.clear()
                if not self.keep_open:
                    self.release()

    @contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read outside any action: DuckDB errors mapped, the file released after."""
        with self._lock:
            con = self.con
            self._holds += 1
            try:
                yield con
            except duckdb.Error as error:
                raise map_error(error, self.path) from None
            finally:
                self._holds -= 1
                if not (self._holds or self._depth or self._kept):
                    self._memo.clear()
                if not self.keep_open:
                    self.release()

    def _run(self, con, sql: str, params: Any = None):
        try:
            return con.execute(sql, params) if params is not None else con.execute(sql)
        except duckdb.Error as error:
            raise map_error(error, self.path) from None

    # -- convenience queries ----------------------------------------------
    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        with self.reading() as con:
            return self._run(con, sql, params).fetchall()

    def one(self, sql: str, params: Any = None) -> tuple | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Any = None):
        row = self.one(sql, params)
        return None if row is None else row[0]

    def df(self, sql: str, params: Any = None):
        with self.reading() as con:
            return self._run(con, sql, params).df()

    def numpy(self, sql: str, params: Any = None) -> dict:
        """The result as one plain numpy array per column (cheaper than a DataFrame to cut apart),
        NULLs as None (text), NaN (numbers) or NaT (dates)."""
        with self.reading() as con:
            return {name: _unmasked(values) for name, values in self._run(con, sql, params).fetchnumpy().items()}

    def read_bounded(self, sql: str, params: Any = None, *, seconds: float, rows: int, vet=None,
                     size: int | None = None):
        """One untrusted read (crm.sql) as a DataFrame, fenced in by DuckDB itself.

        It runs on a cursor of its own — Python variables are no tables there, and nothing
        registered on the engine's connection is visible — inside a `READ ONLY` transaction,
        so DuckDB refuses any write to the workspace, and that transaction is rolled back
        whatever happens. `vet(plans)` first sees the statement's physical plans
        (`EXPLAIN (FORMAT json)`, parsed) and may raise. Past `seconds` the query is
        interrupted (`InvalidInput` "sql.time_limit"); more than `rows` rows is
        `InvalidInput` "sql.row_limit", found while fetching, so a huge result is never
        held in memory; so is a result estimated past `size` bytes ("sql.size_limit"),
        checked after each fetched vector of 2,048 rows, and the deadline is checked there
        too — the interrupt does not stop a fetch in Python. (DuckDB's `memory_limit` does not
        bound result strings: measured, so it is not set here.) Settings such as `enable_external_access` are not touched: they
        are global to the database instance and cannot be switched back on, so they would
        cripple the engine's imports, exports and backups (docs/data-model.md)."""
        with self.reading() as con:
            cursor = con.cursor()
            timer = threading.Timer(seconds, cursor.interrupt)
            deadline = time.monotonic() + seconds
            try:
                cursor.execute("SET python_enable_replacements = false")  # this cursor only
                cursor.execute("BEGIN TRANSACTION READ ONLY")
                timer.start()
                try:
                    if vet is not None:
                        plans = self._run(cursor, "EXPLAIN (FORMAT json) " + sql, params).fetchall()
                        try:
                            vet([json.loads(row[1]) for row in plans])
                        except RecursionError:
                            raise InvalidInput("sql.too_deep", field="sql_query") from None
                    self._run(cursor, sql, params)
                    return self._fetch_at_most(cursor, rows, size, deadline)
                except duckdb.InterruptException:
                    raise InvalidInput("sql.time_limit", field="sql_query", seconds=f"{seconds:g}") from None
                except CRMError as error:
                    if str(error.params.get("detail", "")).startswith("INTERRUPT Error"):
                        raise InvalidInput("sql.time_limit", field="sql_query", seconds=f"{seconds:g}") from None
                    raise
            finally:
                timer.cancel()
                try:
                    cursor.execute("ROLLBACK")
                except duckdb.Error:
                    pass  # interrupted or already aborted: closing the cursor rolls back too
                cursor.close()

    @staticmethod
    def _fetch_at_most(cursor, rows: int, size: int | None = None, deadline: float | None = None):
        chunks = []
        count = held = 0
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise duckdb.InterruptException("past the time limit while fetching")
            # One vector (2,048 rows) at a time: DuckDB makes a vector whole, so this is the
            # smallest step at which the size and the clock can be checked.
            chunk = cursor.fetch_df_chunk(1)
            if chunk.empty:
                break
            count += len(chunk)
            if count > rows:
                raise InvalidInput("sql.row_limit", field="sql_query", rows=rows)
            if size is not None:
                held += int(chunk.memory_usage(index=False, deep=True).sum())
                if held > size:
                    raise InvalidInput("sql.size_limit", field="sql_query", megabytes=f"{size / 2**20:g}")
            chunks.append(chunk)
        if not chunks:
            return chunk
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)

    def execute(self, sql: str, params: Any = None) -> None:
        """A write; only inside `transaction()`."""
        assert self._depth, "writes happen inside an action's transaction"
        self._settle()
        self._run(self._con, sql, params)

    def behind(self, write, *args) -> None:
        """Queue `write(*args)` — a bulk write of the current action — to run on a second thread
        while the caller goes on (the scenario generator draws its next rows with numpy
        meanwhile: DuckDB appends a DataFrame on one core, so the other is free). Queued writes run
        one at a time, in the order queued; at most `QUEUED` are queued, the running one included
        (the caller waits for room, so drawn frames do not pile up in memory). The next use of the database from any other thread
        waits until all have run (`con`, `execute`, COMMIT) and raises the first one's error there,
        so the action fails and rolls back as usual; writes queued after a failed one do not run.
        `write` may only `execute` and use `registered` frames, and its arguments must not change
        until it has run."""
        assert self._depth, "writes happen inside an action's transaction"
        with self._queued:
            while len(self._queue) >= self.QUEUED:
                self._queued.wait()
            self._queue.append((write, args))
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_queued, name="crm-write-behind", daemon=True)
                self._writer.start()

    def _write_queued(self) -> None:
        """The writer thread: run the queue until it is empty, then end (the next behind() starts another)."""
        while True:
            with self._queued:
                if not self._queue:
                    self._writer = None
                    self._queued.notify_all()
                    return
                write, args = self._queue[0]
            try:
                if not self._failed:
                    write(*args)
            except BaseException as error:  # handed to the thread that settles
                self._failed.append(error)
            with self._queued:
                self._queue.popleft()
                self._queued.notify_all()

    def _settle(self, quietly: bool = False) -> None:
        """Wait until every write queued by `behind()` has run (not from the writer itself) and raise
        the first one's error. `quietly` (the action is failing anyway): the writes still waiting
        are dropped, the one running is waited for, and no error is raised."""
        if self._writer is None and not self._failed:
            return
        with self._queued:
            if self._writer is threading.current_thread():
                return
            if quietly and self._writer is not None:
                self._failed.append(_DROPPED)
            while self._writer is not None:
                self._queued.wait()
            failed, self._failed = self._failed, []
        if failed and not quietly:
            error = failed[0]
            raise map_error(error, self.path) if isinstance(error, duckdb.Error) else error

    def memo(self, key, compute):
        """`compute()` once per action or query (values like today's date and the sharing
        policy are read many times by one verb). Outside an action, always recomputed; a verb
        that changes such a value calls `forget()`."""
        if not (self._depth or self._holds or self._kept):
            return compute()
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def forget(self) -> None:
        """Drop what `memo` remembered (after changing the clock, the policy or the org tree)."""
        self._memo.clear()

    @contextmanager
    def registered(self, name: str, frame) -> Iterator[duckdb.DuckDBPyConnection]:
        """A pandas DataFrame visible to SQL as `name` for the block (set-based writes and checks).

        Unregistering can fail once a statement has aborted the transaction;
        that must not hide the statement's own error.
        """
        con = self.con
        con.register(name, frame)
        try:
            yield con
        finally:
            try:
                con.unregister(name)
            except duckdb.Error:
                pass

    def next_id(self, table: str) -> int:
        """The next id of `table`. Not a sequence: DuckDB sequences do not roll
        back, and a failed action must leave no trace (ids stay deterministic)."""
        return self.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")

    def file_format(self) -> dict:
        """How the workspace file is written: its block size in bytes and the oldest DuckDB storage
        version that reads it (e.g. 'v1.4.0+'); both fixed when the file was created."""
        block, tags = self.one(
            "SELECT (SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()), "
            "(SELECT tags FROM duckdb_databases() WHERE database_name = current_database())")
        return {"block_size": block, "storage_version": (tags or {}).get("storage_version")}

    # -- schema -------------------------------------------------------------
    def schema_version(self) -> int | None:
        """The workspace's schema version, or None when it is not a CRM workspace."""
        has_meta = self.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = 'crm_meta'"
        )
        if not has_meta:
            return None
        try:
            meta = dict(self.rows("SELECT key, value FROM crm_meta"))
        except CRMError as error:
            if isinstance(error, WorkspaceLocked) or error.key == "error.io":
                raise
            return None   # a crm_meta of other columns: some other program's table
        if meta.get("app") != APP_ID:
            return None
        try:
            return int(meta["schema_version"])
        except (KeyError, TypeError, ValueError):
            return None   # no version, or one that is no number: not a workspace CRM Lab wrote

    def migrate(self, upto: int | None = None) -> int:
        """Apply the migrations this workspace lacks, in one transaction."""
        current = self.schema_version()
        if current is None and self.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        ):
            raise WorkspaceError("workspace.not_crm", workspace=self.path or MEMORY)
        current = current or 0
        target = latest_version() if upto is None else upto
        if current > latest_version():
            raise WorkspaceError("workspace.too_new", workspace=self.path, version=current, supported=latest_version())
        if current >= target:
            return current
        if self.read_only:
            if all(skippable(sql) for version, _name, sql in migrations() if current < version <= target):
                return current   # only tables a reader does without are missing (migrations.SKIPPABLE)
            raise WorkspaceError("workspace.needs_upgrade", workspace=self.path, version=current)
        with self.transaction():
            for version, _name, sql in migrations():
                if current < version <= target:
                    self.execute(sql)
            self.execute(
                "INSERT OR REPLACE INTO crm_meta VALUES ('app', ?), ('schema_version', ?)",
                [APP_ID, str(target)],
            )
        return target
