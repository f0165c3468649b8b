"""Work schedule (F1): tasks by day, week and month on the scenario clock.

Rules:
- A task is on a day (optionally at a time `HH:MM`) and belongs to one user, its
  assignee. Everyone schedules their own; only a sales supervisor or director
  (or the administrator) assigns tasks to others, within their write scope of
  kind `task` (a supervisor: their team and its sub-teams).
- States: open → done (`complete`, with a result) | cancelled; a done task may
  be reopened. The assignee and those whose write scope covers them act on it.
- The day, week (Monday to Sunday) and month views default to today on the
  scenario clock; an open task on a day before today is overdue.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from .. import validate
from ..customers.cards import fetch as fetch_customer
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound
from ..session import Area, Session, User, action, load_user, query
from ..statemachine import StateMachine, reasons

KIND = "task"
TASK = StateMachine(KIND, {
    ("open", "complete"): "done",
    ("open", "cancel"): "cancelled",
    ("done", "reopen"): "open",
})
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
PERIODS = ("day", "week", "month")
FROM_SQL = "FROM tasks t JOIN users u ON u.id = t.owner_id LEFT JOIN customers c ON c.id = t.customer_id"
# What `list(sort=…)` may sort by (name → SQL): by date, the tasks without a time come first
# (as in the default order), then by time.
SORTABLE = {"on_date": ("t.on_date", "t.at_time IS NOT NULL", "t.at_time"), "status": "t.status",
            "owner_name": "u.name"}


@dataclass(frozen=True)
class Task:
    id: int
    owner_id: int
    assigned_by: int
    title: str
    detail: str | None
    customer_id: int | None
    on_date: dt.date
    at_time: str | None
    priority: str
    status: str
    result: str | None
    completed_on: dt.date | None
    created_on: dt.date


COLUMNS = ("id, owner_id, assigned_by, title, detail, customer_id, on_date, at_time, priority, status, result, "
           "completed_on, created_on")


def _readable(s: Session, owner_id: int) -> bool:
    # Your own schedule is yours whatever preset an administrator applies.
    return owner_id == s.user.id or s.can_read(KIND, owner_id)


def _writable(s: Session, owner_id: int) -> bool:
    return owner_id == s.user.id or s.can_write(KIND, owner_id)


def fetch(s: Session, task_id, *, write: bool = False) -> Task:
    task_id = validate.record_id(task_id, "task")
    row = s.db.one(f"SELECT {COLUMNS} FROM tasks WHERE id = ?", [task_id])
    if row is None or not _readable(s, row[1]):
        raise NotFound("task.not_found", id=task_id)
    task = Task(*row)
    if write:
        check_write(s, task)
    return task


def check_write(s: Session, task: Task) -> None:
    """Refuse a user who may see `task` but not change it (what `fetch(write=True)` checks)."""
    if not _writable(s, task.owner_id):
        raise NotAllowed("task.not_yours", id=task.id, owner=load_user(s.db, task.owner_id).name)


def check_open(task: Task) -> None:
    """Only an open task is moved to another day."""
    if task.status != "open":
        raise NotAllowed("task.not_open", id=task.id, title=task.title)


def _time(value) -> str | None:
    value = validate.text(value, "task_time", required=False, max_length=5)
    if value is not None and not TIME.fullmatch(value):
        raise InvalidInput("task.bad_time", field="task_time", value=value)
    return value


class Tasks(Area):
    """`crm.tasks`: your schedule, and your team's for a supervisor."""

    PERIODS = PERIODS  # what `span(period)` takes, for the screens

    @action
    def add(self, title: str, *, on_date=None, at_time: str | None = None, assignee=None,
            customer_id: int | None = None, priority: str = "normal", detail: str | None = None) -> Task:
        """Put a task on a day (today on the scenario clock by default).

            crm.tasks.add("Call Star Tech about the renewal", on_date="2026-03-05", at_time="10:00")
            supervisor.tasks.add("Visit Harbour Logistics", assignee="wang.fang")
        """
        s = self._s
        title = validate.text(title, "task_title", max_length=200)
        owner = self._assignee(assignee)
        on_date = validate.date(on_date, "task_date", required=False) or s.today()
        at_time = _time(at_time)
        priority = require_code(s, "task_priority", priority, "task_priority", required=True)
        customer = fetch_customer(s, customer_id) if customer_id is not None else None
        task_id = s.db.next_id("tasks")
        record = {"id": task_id, "owner_id": owner.id, "assigned_by": s.user.id, "title": title,
                  "detail": validate.text(detail, "detail", required=False), "customer_id": customer and customer.id,
                  "on_date": on_date, "at_time": at_time, "priority": priority, "status": "open",
                  "created_on": s.today()}
        s.db.execute(f"INSERT INTO tasks ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        s.history(KIND, task_id, "create", None, "open")
        s.audit("create", KIND, task_id, after=record)
        return fetch(s, task_id)

    def _assignee(self, assignee) -> User:
        s = self._s
        if assignee is None:
            return s.user
        user = load_user(s.db, assignee)
        if user.id == s.user.id:
            return user
        s.require_role("supervisor", "director", action="assign_task")
        if not user.active:
            raise InvalidInput("user.inactive", field="task_assignee", user=user.name)
        if not s.can_write(KIND, user.id):
            raise NotAllowed("task.outside_team", user=user.name)
        return user

    @query
    def get(self, task_id: int) -> Task:
        """One task, if it is yours or you may see its assignee's schedule."""
        return fetch(self._s, task_id)

    @query
    def actions(self, task_id: int) -> dict[str, str | None]:
        """What you may do to this task now: complete, cancel, reopen, reschedule → None, or why not
        (the verbs' own checks, in your language)."""
        s = self._s
        task = fetch(s, task_id)
        checks = {name: (lambda name=name: (check_write(s, task), TASK.check(task.id, task.status, name)))
                  for name in ("complete", "cancel", "reopen")}
        checks["reschedule"] = lambda: (check_write(s, task), check_open(task))
        return reasons(s, checks)

    @action
    def reschedule(self, task_id: int, on_date, *, at_time: str | None = None) -> Task:
        """Move an open task to another day (and time)."""
        s = self._s
        task = fetch(s, task_id, write=True)
        check_open(task)
        on_date = validate.date(on_date, "task_date")
        at_time = _time(at_time)
        s.db.execute("UPDATE tasks SET on_date = ?, at_time = ? WHERE id = ?", [on_date, at_time, task.id])
        s.audit("update", KIND, task.id, before={"on_date": task.on_date, "at_time": task.at_time},
                after={"on_date": on_date, "at_time": at_time})
        return fetch(s, task.id)

    @action
    def complete(self, task_id: int, *, result: str | None = None) -> Task:
        """Mark an open task done, with what came of it."""
        s = self._s
        task = fetch(s, task_id, write=True)
        result = validate.text(result, "task_result", required=False)
        TASK.move(s, task.id, task.status, "complete", note=result)
        s.db.execute("UPDATE tasks SET status = 'done', result = ?, completed_on = ? WHERE id = ?",
                     [result, s.today(), task.id])
        s.audit("complete", KIND, task.id, before={"status": task.status}, after={"status": "done", "result": result})
        return fetch(s, task.id)

    @action
    def cancel(self, task_id: int, *, reason: str | None = None) -> Task:
        """Cancel an open task."""
        s = self._s
        task = fetch(s, task_id, write=True)
        reason = validate.text(reason, "task_cancel_reason", required=False, max_length=500)
        TASK.move(s, task.id, task.status, "cancel", note=reason)
        s.db.execute("UPDATE tasks SET status = 'cancelled', result = ? WHERE id = ?", [reason, task.id])
        s.audit("cancel", KIND, task.id, before={"status": task.status}, after={"status": "cancelled"})
        return fetch(s, task.id)

    @action
    def reopen(self, task_id: int) -> Task:
        """Open a done task again (its result is kept in the history)."""
        s = self._s
        task = fetch(s, task_id, write=True)
        TASK.move(s, task.id, task.status, "reopen")
        s.db.execute("UPDATE tasks SET status = 'open', completed_on = NULL WHERE id = ?", [task.id])
        s.audit("reopen", KIND, task.id, before={"status": task.status}, after={"status": "open"})
        return fetch(s, task.id)

    # -- the schedule ------------------------------------------------------------------
    @query
    def list(self, *, user=None, team: bool = False, status: str | None = None, since=None, until=None,
             customer_id: int | None = None, search: str | None = None, sort: str | None = None,
             descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Tasks in date order (or by `sort`, one of `SORTABLE`), paged (`limit` rows from `offset`):
        yours, `user`'s (if you may see their schedule) or, with `team=True`, everyone's you may
        see; `search` is text in the title, the customer's or the owner's name.

        >>> crm.tasks.list(team=True, since="2026-03-02", until="2026-03-08", sort="owner_name", limit=12)
        """
        where, params = self._filters(user, team, status, since, until, customer_id, search)
        return self._rows(where, params, sort, descending, validate.page(limit, offset))

    @query
    def count(self, *, user=None, team: bool = False, status: str | None = None, since=None, until=None,
              customer_id: int | None = None, search: str | None = None) -> int:
        """How many tasks `list()` with the same filters returns (for paging)."""
        where, params = self._filters(user, team, status, since, until, customer_id, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, user, team, status, since, until, customer_id, search, *, overdue: bool = False):
        s = self._s
        where, params = [self._whose(user, team)], []
        if status is not None:
            where.append("t.status = ?"), params.append(validate.one_of(status, "status", TASK.states))
        dated, args = validate.period("t.on_date", since, until)
        where += dated
        params += args
        if customer_id is not None:
            where.append("t.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        if overdue:
            where.append("t.on_date < ?"), params.append(s.today())
        found, args = validate.matching(search, ("t.title", "c.name", "u.name"))
        return " AND ".join(where + found), params + args

    def _rows(self, where: str, params: list, sort, descending, page: str) -> pd.DataFrame:
        s = self._s
        order = validate.order(sort, descending, SORTABLE, default="t.on_date, t.at_time NULLS FIRST, t.id", tie="t.id")
        return s.db.df(
            "SELECT t.id, t.on_date, t.at_time, t.title, t.priority, t.status, t.customer_id, c.name AS customer_name, "
            "t.owner_id, u.name AS owner_name, a.name AS assigned_by, t.result, t.completed_on, "
            "(t.status = 'open' AND t.on_date < ?) AS overdue "
            f"{FROM_SQL} JOIN users a ON a.id = t.assigned_by WHERE {where} ORDER BY {order}{page}", [s.today(), *params])

    def _whose(self, user, team: bool) -> str:
        s = self._s
        if team:
            return f"(t.owner_id = {int(s.user.id)} OR {s.scope(KIND, 't.owner_id')})"
        who = s.user if user is None else load_user(s.db, user)
        if not _readable(s, who.id):
            raise NotAllowed("task.schedule_hidden", user=who.name)
        return f"t.owner_id = {int(who.id)}"

    @query
    def span(self, period: str = "week", date=None) -> tuple[dt.date, dt.date]:
        """The first and last day of the `period` ("day", "week" Monday to Sunday, or "month")
        around `date` (default: today): the `since` / `until` of `day()`, `week()`, `month()`."""
        day = validate.date(date, "date", required=False) or self._s.today()
        period = validate.one_of(period, "period", PERIODS)
        if period == "day":
            return day, day
        if period == "week":
            monday = day - dt.timedelta(days=day.weekday())
            return monday, monday + dt.timedelta(days=6)
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])

    @query
    def day(self, date=None, *, user=None, team: bool = False) -> pd.DataFrame:
        """The tasks of one day (today on the scenario clock by default)."""
        since, until = self.span("day", date)
        return self.list(user=user, team=team, since=since, until=until)

    @query
    def week(self, date=None, *, user=None, team: bool = False) -> pd.DataFrame:
        """The tasks of the week (Monday to Sunday) around `date` (default: today)."""
        since, until = self.span("week", date)
        return self.list(user=user, team=team, since=since, until=until)

    @query
    def month(self, date=None, *, user=None, team: bool = False) -> pd.DataFrame:
        """The tasks of the calendar month around `date` (default: today)."""
        since, until = self.span("month", date)
        return self.list(user=user, team=team, since=since, until=until)

    @query
    def overdue(self, *, user=None, team: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Open tasks scheduled before today on the scenario clock, oldest first, paged (`limit`
        rows from `offset`)."""
        where, params = self._filters(user, team, "open", None, None, None, None, overdue=True)
        return self._rows(where, params, None, False, validate.page(limit, offset))
