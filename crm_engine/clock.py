"""The scenario clock: the workspace's own "today".

It only moves when someone moves it, and only forward — so churn warnings,
overdue lists and the one-week rule mean the same thing every time a
notebook is re-run.
"""
from __future__ import annotations

import datetime as dt

from . import validate
from .errors import InvalidInput
from .session import Area, action, query


class Clock(Area):
    @query
    def today(self) -> dt.date:
        return self._s.today()

    @action
    def advance(self, days: int = 1) -> dt.date:
        """Move the clock forward by `days` (1–366); returns the new date."""
        days = validate.integer(days, "days", minimum=1, maximum=366)
        return self._move(self._s.today() + dt.timedelta(days=days))

    @action
    def set(self, date) -> dt.date:
        """Move the clock forward to `date` (never backwards: history would contradict it)."""
        date = validate.date(date, "date")
        if date < self._s.today():
            raise InvalidInput("clock.backwards", field="date", today=self._s.today().isoformat(), date=date.isoformat())
        return self._move(date)

    def _move(self, date: dt.date) -> dt.date:
        self._s.require_role("admin", "director", action="advance_clock")
        before = self._s.today()
        self._s.db.execute("UPDATE settings SET value = ? WHERE key = 'today'", [date.isoformat()])
        self._s.db.forget()
        self._s.audit("advance", "clock", None, before=before, after=date)
        return date
