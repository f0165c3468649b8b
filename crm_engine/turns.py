"""Taking turns on a workspace file: one process at a time, the others wait a bounded while.

DuckDB lets one process hold a file and refuses every other open meanwhile, read-only included
(DuckDB's documented concurrency model; tests/engine/test_turns.py shows it). A `keep_open=False` workspace holds its file only for one action or query, so
another process that finds it held should wait its turn rather than fail: `connect()` retries the
lock error after short jittered sleeps for up to `wait` seconds, then lets it through (db.py turns
it into `WorkspaceLocked`, naming the holder).
"""
from __future__ import annotations

import os
import random
import time

import duckdb

from .errors import InvalidInput

ENV_WAIT = "CRM_LAB_WAIT"  # seconds to wait for a workspace file another process holds
DEFAULT_WAIT = 5.0
_jitter = random.Random()  # sleeps only; never the scenario's randomness


def waiting_time(wait: float | None = None) -> float:
    """How long an open waits for another process to let go of a file: `wait` if given, else
    `$CRM_LAB_WAIT`, else DEFAULT_WAIT seconds. 0 means fail at once."""
    source = "wait"
    if wait is None:
        wait, source = os.environ.get(ENV_WAIT, "").strip() or DEFAULT_WAIT, ENV_WAIT
    try:
        seconds = float(wait)
    except (TypeError, ValueError):
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise InvalidInput("workspace.bad_wait", field="wait", name=source, value=wait)
    return seconds


def connect(path: str, *, read_only: bool = False, wait: float = 0.0,
            config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, taking turns: while another process holds the file, try again after short
    random sleeps (jitter, so two waiting processes do not retry in step) for up to `wait` seconds;
    then the lock error goes to the caller. A `keep_open=False` process holds a file only for one
    action or query (a few ms), so a few seconds is ample unless the other side keeps it open.

    Fair turns: a process that closed the file a moment ago and opens it again at once would
    nearly always win over one that polls, so a waiting process leaves a marker file beside the
    workspace (`.<name>.waiting`, touched at every try, removed once it gets in), and a process that
    sees a fresh one right after letting go pauses first (`_give_way`)."""
    if path != ":memory:":
        _give_way(path)
    deadline = time.monotonic() + wait
    pause, waited = 0.002, False
    while True:
        try:
            con = duckdb.connect(path, read_only=read_only, config=config or {})
        except duckdb.Error as error:
            if "Conflicting lock" not in str(error) or time.monotonic() >= deadline:
                raise
            waited = True
            _touch(_marker(path))
        else:
            if waited:
                _remove_quietly(_marker(path))
            return con
        _until_free(path, min(deadline, time.monotonic() + pause * (0.5 + _jitter.random())))
        pause = min(pause * 1.5, 0.1)


def _until_free(path: str, until: float) -> None:
    """Sleep until `until` — or, on Linux, until the kernel's lock table (/proc/locks, read in
    microseconds) no longer lists a lock on the file, checked every millisecond or so. A failed
    `duckdb.connect` costs tens of ms of CPU, which the holder needs; this check costs nothing and
    lets a waiter try the moment the file is free."""
    while True:
        left = until - time.monotonic()
        if left <= 0 or _lock_listed(path) is False:
            return
        time.sleep(min(left, 0.0005 + 0.001 * _jitter.random()))


def _lock_listed(path: str) -> bool | None:
    """Does the kernel list a lock on the file? None where that cannot be told (not Linux)."""
    try:
        inode = os.stat(path).st_ino
        with open("/proc/locks") as table:
            text = table.read()
    except OSError:
        return None
    return f":{inode} " in text


GIVE_WAY = 0.02    # seconds a process that just let go pauses for a waiting one (which checks every ms)
_let_go_at: dict[str, float] = {}  # path → when this process last closed it (monotonic)


def let_go(path: str | None) -> None:
    """Note that this process has just closed `path` (see `_give_way`)."""
    if path is not None:
        _let_go_at[path] = time.monotonic()


def _give_way(path: str) -> None:
    """Pause before reopening a file this process closed a moment ago if another process is waiting for it."""
    if time.monotonic() - _let_go_at.get(path, float("-inf")) > 2 * GIVE_WAY:
        return
    try:
        fresh = time.time() - os.stat(_marker(path)).st_mtime < 1.0
    except OSError:
        return
    if fresh:
        time.sleep(GIVE_WAY * (1 + _jitter.random()))


def _marker(path: str) -> str:
    folder, name = os.path.split(os.path.abspath(path))
    return os.path.join(folder, f".{name}.waiting")


def _touch(name: str) -> None:
    try:
        with open(name, "a"):
            pass
        os.utime(name)
    except OSError:  # a read-only folder: no fair turns, still retries
        pass


def _remove_quietly(name: str) -> None:
    try:
        os.remove(name)
    except OSError:
        pass
