"""Who is acting, in which workspace and language — and the two verb decorators.

Every public verb of a domain area is either an `@action` (changes the
workspace: one transaction, audited, refused on a read-only open) or a
`@query` (reads). Both render any `CRMError` in the session's language.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import numbers
import re
from decimal import Decimal

from . import access, events, validate
from .access import User  # noqa: F401 - areas take the user from the session
from .db import Database
from .errors import CRMError, NotAllowed, NotFound


USER_COLUMNS = "id, username, name, role, team_id, email, phone, active"


def load_user(db: Database, who: str | int) -> User:
    if isinstance(who, numbers.Integral) and not isinstance(who, bool):
        who = int(who)  # numpy integers from a DataFrame are ids too
    column = "id" if isinstance(who, int) else "username"
    row = db.one(f"SELECT {USER_COLUMNS} FROM users WHERE {column} = ?", [who])
    if row is None:
        raise NotFound("user.not_found", user=who)
    return User(*row)


class Session:
    """The acting user, the workspace and the language, shared by every area."""

    def __init__(self, db: Database, user: User, language: str, shared: events.Shared | None = None):
        self.db = db
        self.user = user
        # Handles made from one another (`crm.as_user`) share one language: a switch reaches them all.
        self.shared = shared if shared is not None else events.Shared(language)
        if shared is None:
            self.shared.language = language
        self.signal = events.signal_for(db)

    @property
    def language(self) -> str:
        return self.shared.language

    @language.setter
    def language(self, language: str) -> None:
        self.shared.language = language

    # -- the scenario clock ---------------------------------------------------
    def today(self) -> dt.date:
        """Today on the scenario clock: every date rule uses this, never the wall clock."""
        return self.db.memo("today", lambda: dt.date.fromisoformat(
            self.db.scalar("SELECT value FROM settings WHERE key = 'today'")))

    def setting(self, key: str, default=None):
        value = self.db.scalar("SELECT value FROM settings WHERE key = ?", [key])
        return default if value is None else json.loads(value)

    # -- permissions ------------------------------------------------------------
    def require_role(self, *roles: str, action: str) -> None:
        """Refuse unless the acting user has one of `roles` (or is the administrator)."""
        if self.user.role not in roles and self.user.role != "admin":
            raise NotAllowed(
                "error.role", user=self.user.name, role=access.role_term(self.user.role),
                action=access.action_term(action),
            )

    def scope(self, kind: str, owner_column: str, mode: str = "read") -> str:
        """SQL condition selecting the records of `kind` this user may read (or write)."""
        return access.scope_sql(self.db, self.user, kind, owner_column, mode)

    def can_write(self, kind: str, owner_id: int | None) -> bool:
        return access.allows(self.db, self.user, kind, owner_id, "write")

    def can_read(self, kind: str, owner_id: int | None) -> bool:
        return access.allows(self.db, self.user, kind, owner_id, "read")

    def readable_row(self, kind: str, sql: str, record_id, *, field: str, owner: int, missing: str) -> tuple:
        """The row `sql` selects for one id (its one `?`), if this user may read it: `record_id` is
        checked as `field`, the owner is column `owner` of the row. A record that does not exist and
        one the user may not see are the same `NotFound(missing)`: scopes do not leak."""
        record_id = validate.record_id(record_id, field)
        row = self.db.one(sql, [record_id])
        if row is None or not self.can_read(kind, row[owner]):
            raise NotFound(missing, id=record_id)
        return row

    # -- the audit trail and state history -------------------------------------
    def audit(self, action: str, kind: str, record_id=None, before=None, after=None, note=None) -> None:
        """One audit row, written in the action's own transaction (A4)."""
        self.db.execute(
            "INSERT INTO audit VALUES ((SELECT coalesce(max(id), 0) + 1 FROM audit), "
            "?, current_localtimestamp(), ?, ?, ?, ?, ?, ?, ?)",
            [self.today(), self.user.id, action, kind, record_id, _json(before), _json(after), note],
        )

    def history(self, kind: str, record_id: int, action: str, from_state, to_state, note=None) -> None:
        self.db.execute(
            "INSERT INTO state_history VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [kind, record_id, action, from_state, to_state, self.user.id, self.today(), note],
        )


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Area:
    """Base of the objects the facade hands out (`crm.customers`, `crm.leads` …)."""

    def __init__(self, session: Session):
        self._s = session

    @classmethod
    def area_name(cls) -> str:
        """The facade name of the area (`CallCenter` → `call_center`): how change events name it."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


def _in_language(session: Session, error: CRMError) -> CRMError:
    if error.language is None:
        error.language = session.language
    return error


def action(verb):
    """A verb that changes the workspace: all of it commits, or none of it does."""

    @functools.wraps(verb)
    def run(self, *args, **kwargs):
        s = self._s
        try:
            if s.db.read_only:
                raise NotAllowed("workspace.read_only")
            outermost = not s.db.in_transaction
            with s.db.transaction():
                result = verb(self, *args, **kwargs)
        except CRMError as error:
            raise _in_language(s, error) from None
        if outermost:  # committed: every open view of the workspace may redraw (events.py)
            s.signal.changed(f"{self.area_name()}.{verb.__name__}")
        return result

    return run


def query(verb):
    """A verb that only reads; errors come back in the session's language."""

    @functools.wraps(verb)
    def run(self, *args, **kwargs):
        s = self._s
        try:
            with s.db.reading():
                return verb(self, *args, **kwargs)
        except CRMError as error:
            raise _in_language(s, error) from None

    return run
