"""`crm.tables`: unscoped, read-only SQL over a workspace, for the courseware above the facade (grading's
facts, the instructor's tools, the scenario's own tables). docs/engine.md, "What the courseware may use"."""
from __future__ import annotations

from .db import Database


class Tables:
    """`crm.tables`: unscoped, read-only SQL over the workspace for the courseware (see `CRM.tables`)."""

    def __init__(self, db: Database):
        self._db = db

    def df(self, sql: str, params=None):
        """The rows as a DataFrame."""
        return self._db.df(sql, params)

    def rows(self, sql: str, params=None) -> list[tuple]:
        return self._db.rows(sql, params)

    def one(self, sql: str, params=None) -> tuple | None:
        return self._db.one(sql, params)

    def scalar(self, sql: str, params=None):
        return self._db.scalar(sql, params)

    def numpy(self, sql: str, params=None) -> dict:
        return self._db.numpy(sql, params)

    def reading(self):
        """`with crm.tables.reading(): …` — several reads on one view, the file held meanwhile."""
        return self._db.reading()
