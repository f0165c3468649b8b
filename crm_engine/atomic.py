"""Workspace files written in one step: built under a temporary name, renamed into place when whole.

    with building("workspace/demo.duckdb") as temporary:
        ...                                   # create and fill the file `temporary`, then close it
    # now workspace/demo.duckdb exists, complete — or, if the block failed, nothing changed

A build that fails, or a process killed half-way (`kill -9`, a stopped kernel, a full disk), must
never leave a file that looks like a workspace but is half-built: the next `--if-missing` would keep
it and a second `scenario create` would refuse to overwrite it. So every new workspace file — the
demo, a scenario, a class's, a course workspace, a backup — is written to a hidden file beside its
target, `.<name>.building-<pid>.duckdb`, and appears under its name only by `os.replace` once it is
complete: its WAL folded in, its bytes on disk. A rename within one folder is atomic, so the target is
either the previous file (or nothing) or the finished one. A killed build leaves its hidden file;
the next build of the same target removes it when the process that wrote it is gone, and otherwise
names it in its error. The `.duckdb` ending keeps it out of git and of nbgrader (both ignore
`*.duckdb`).
"""
from __future__ import annotations

import glob
import os
import re
from contextlib import contextmanager
from typing import Iterator

import duckdb

from .db import OFFLINE
from .errors import Conflict, WorkspaceError

_BUILDING = ".{name}.building-{pid}.duckdb"
_mine: set[str] = set()  # temporary files this process is writing right now


def temporary_path(path, pid: int | None = None) -> str:
    """The hidden file a build of `path` by process `pid` (default: this one) writes to."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    return os.path.join(folder, _BUILDING.format(name=name, pid=os.getpid() if pid is None else pid))


def leftovers(path) -> list[tuple[str, int]]:
    """Temporary files of builds of `path` still on disk, with the process id that wrote each."""
    folder, name = os.path.split(os.path.abspath(os.fspath(path)))
    pattern = re.compile(re.escape(f".{name}.building-") + r"(\d+)\.duckdb")
    found = []
    for candidate in sorted(glob.glob(os.path.join(glob.escape(folder), f".{glob.escape(name)}.building-*.duckdb"))):
        match = pattern.fullmatch(os.path.basename(candidate))
        if match:
            found.append((candidate, int(match[1])))
    return found


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this process: a file in `_mine` is handled by the caller
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def clear_leftovers(path) -> list[str]:
    """Remove what killed builds of `path` left behind; returns the files removed. A build whose
    process still runs is not touched: it raises `WorkspaceError` naming the file and the process."""
    removed = []
    for leftover, pid in leftovers(path):
        if leftover in _mine or _running(pid):
            raise WorkspaceError("workspace.building", workspace=os.path.basename(os.fspath(path)),
                                 pid=pid, file=leftover)
        for name in (leftover, leftover + ".wal"):
            _remove(name)
        removed.append(leftover)
    return removed


@contextmanager
def building(path, *, replace: bool = False) -> Iterator[str]:
    """Build the file `path` in one step: yields the temporary path to write it under.

    The block creates the file there and closes every connection to it. When it ends normally the
    file is made whole (its WAL checkpointed in, flushed to disk) and renamed to `path`; when it
    raises, the temporary file is removed and `path` is untouched. `replace=True` replaces an
    existing `path` (atomically: readers see the old file or the new one); otherwise an existing
    `path` is a `Conflict`, checked before the build and again at the rename.
    """
    path = os.path.abspath(os.fspath(path))
    clear_leftovers(path)
    if not replace and os.path.exists(path):
        raise Conflict("workspace.exists", workspace=path)
    temporary = temporary_path(path)
    _mine.add(temporary)
    try:
        yield temporary
        _make_whole(temporary)
        if replace:
            os.replace(temporary, path)
        else:
            _rename_new(temporary, path)
    finally:
        _mine.discard(temporary)
        for name in (temporary, temporary + ".wal"):
            _remove(name)


def _make_whole(temporary: str) -> None:
    """Fold a WAL the builder left into the file (it belongs to the temporary name and would not
    follow the rename), then flush the file to disk before it gets its real name."""
    if os.path.exists(temporary + ".wal"):
        con = duckdb.connect(temporary, config=OFFLINE)
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        if os.path.exists(temporary + ".wal"):
            raise WorkspaceError("error.io", workspace=os.path.basename(temporary),
                                 detail="the write-ahead log could not be checkpointed")
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())


def _rename_new(temporary: str, path: str) -> None:
    """Rename without replacing a file that appeared meanwhile: a hard link fails if `path` exists."""
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise Conflict("workspace.exists", workspace=path) from None
    except OSError:  # a file system without hard links: the check above, then a plain rename
        if os.path.exists(path):
            raise Conflict("workspace.exists", workspace=path) from None
        os.replace(temporary, path)
        return
    os.remove(temporary)


def _remove(name: str) -> None:
    try:
        os.remove(name)
    except FileNotFoundError:
        pass
