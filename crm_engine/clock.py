"""The scenario clock: the workspace's own "today".

It only moves when someone moves it, and only forward — so churn warnings,
overdue lists and the one-week rule mean the same thing every time a
notebook is re-run.

Time-driven rules that change records (idle leads returning to the public pool, O6) run
on every move of the clock, inside the same action, as the user moving it (the
administrator or a director, whose write scope is the whole company). The areas register
them here (`every_move`) rather than the clock importing them: the clock sits below the
areas. Which rules are swept and which are computed on reading: docs/sales.md.
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from . import validate
from .errors import InvalidInput
from .session import Area, action, query


# name → rule(session): each runs after every move of the clock, in registration order.
RULES: dict[str, Callable] = {}


def every_move(name: str):
    """Register a time-driven rule (a function of the session) to run after every clock move."""
    def register(rule: Callable) -> Callable:
        RULES[name] = rule
        return rule
    return register


class Clock(Area):
    @query
    def today(self) -> dt.date:
        return self._s.today()

    @action
    def advance(self, days: int = 1) -> dt.date:
        """Move the clock forward by `days` (1–366); returns the new date. The time-driven
        rules run (`RULES`: idle leads return to the public pool after `lead_pool_days`)."""
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
        for rule in RULES.values():
            rule(self._s)
        return date
