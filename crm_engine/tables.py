"""`crm.tables`: unscoped, read-only SQL over a workspace, for the courseware above the facade (grading's
facts, the instructor's tools, the scenario's own tables). docs/engine.md, "What the courseware may use"."""
from __future__ import annotations

import re

from .db import Database
from .errors import NotAllowed

# The engine's own tables, never handed out as data: the logins' password digests and hub links
# (system/logins.py). Not through crm.tables, crm.sql, exports or backups (docs/data-model.md, "Logins").
SECRET_TABLES = ("passwords", "hub_users")
_SECRET = re.compile(r"\b(" + "|".join(SECRET_TABLES) + r")\b", re.IGNORECASE)


def refuse_secret(sql: str) -> None:
    """NotAllowed if `sql` names one of SECRET_TABLES (anywhere: a text check, so it errs on refusing)."""
    found = _SECRET.search(sql) if isinstance(sql, str) else None
    if found:
        raise NotAllowed("tables.secret", table=found[1].lower())


class Tables:
    """`crm.tables`: unscoped, read-only SQL over the workspace for the courseware (see `CRM.tables`)."""

    def __init__(self, db: Database):
        self._db = db

    def df(self, sql: str, params=None):
        """The rows as a DataFrame."""
        refuse_secret(sql)
        return self._db.df(sql, params)

    def rows(self, sql: str, params=None) -> list[tuple]:
        refuse_secret(sql)
        return self._db.rows(sql, params)

    def one(self, sql: str, params=None) -> tuple | None:
        refuse_secret(sql)
        return self._db.one(sql, params)

    def scalar(self, sql: str, params=None):
        refuse_secret(sql)
        return self._db.scalar(sql, params)

    def numpy(self, sql: str, params=None) -> dict:
        refuse_secret(sql)
        return self._db.numpy(sql, params)

    def reading(self):
        """`with crm.tables.reading(): …` — several reads on one view, the file held meanwhile."""
        return self._db.reading()
