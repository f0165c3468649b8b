"""DuckDB at the workspace's edge: its exceptions as the CRM's own errors, and a file that is no DuckDB.

Every DuckDB exception a student could meet becomes a `CRMError` through `map_error` (called by
db.py for every statement), so no raw DuckDB message reaches a notebook.
"""
from __future__ import annotations

import os
import re

import duckdb

from .errors import Conflict, CRMError, InvalidInput, WorkspaceError, WorkspaceLocked

MEMORY = ":memory:"  # DuckDB's name for a database kept in memory


def map_error(error: duckdb.Error, path: str | None = None) -> CRMError:
    """The CRMError a student should see instead of a DuckDB exception."""
    text = str(error)
    name = os.path.basename(path or MEMORY)
    if "Conflicting lock" in text:
        pid = re.search(r"PID (\d+)", text)
        return WorkspaceLocked("error.locked", workspace=name, pid=pid[1] if pid else "?")
    if "different configuration" in text:
        return WorkspaceLocked("error.locked_here", workspace=name)
    if isinstance(error, duckdb.ConstraintException):
        return Conflict("error.constraint", detail=text.split(":", 1)[-1].strip())
    if isinstance(error, (duckdb.ConversionException, duckdb.OutOfRangeException, duckdb.InvalidInputException)):
        return InvalidInput("error.value", detail=text.split(":", 1)[-1].strip())
    if isinstance(error, duckdb.IOException):
        return WorkspaceError("error.io", workspace=name, detail=text)
    return WorkspaceError("error.database", detail=text)


def not_duckdb(path: str) -> bool:
    """True when `path` is a file that is not a DuckDB database (a SQLite file, a CSV, an empty
    file): every DuckDB file carries `DUCK` at byte 8. Unreadable paths are left to DuckDB to report."""
    if not os.path.isfile(path):  # missing (a new workspace), a directory, a pipe
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(12)
    except OSError:  # no permission
        return False
    return head[8:12] != b"DUCK"
