"""The audit trail (A4): who created, changed, exported or deleted what, and when.

Rows are written by `Session.audit` inside each action's transaction, so an
action that fails leaves no audit row and one that succeeds always does.
"""
from __future__ import annotations

from . import validate
from .session import Area, query


class Audit(Area):
    @query
    def list(self, *, kind: str | None = None, record_id: int | None = None, user=None,
             action: str | None = None, since=None, until=None, limit: int | None = None, offset: int = 0):
        """Audit rows, newest last, paged (`limit` rows from `offset`), as a DataFrame with the acting
        user's name.

        The administrator and directors see everyone's; others see their own.
        """
        where, params = [], []
        if self._s.user.role not in ("admin", "director"):
            where.append("a.user_id = ?"), params.append(self._s.user.id)
        for column, value in (("a.kind", kind), ("a.record_id", record_id), ("a.action", action)):
            if value is not None:
                where.append(f"{column} = ?"), params.append(value)
        if user is not None:
            where.append("(u.username = ? OR u.id::VARCHAR = ?)"), params.extend([str(user), str(user)])
        dated, args = validate.period("a.on_date", since, until)
        where += dated
        params += args
        sql = ("SELECT a.id, a.on_date, a.at_time, u.username, a.action, a.kind, a.record_id, a.before, a.after, a.note "
               "FROM audit a JOIN users u ON u.id = a.user_id")
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.id" + validate.page(limit, offset, minimum=1)
        return self._s.db.df(sql, params)
