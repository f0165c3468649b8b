"""Churn management (C3, C4): warnings for silent customers, suspend or confirm.

The rule (C3), measured on the scenario clock:

* A customer is *due* when it is not already lost and its reference date is more
  than `churn_threshold_months` (a setting, default 6) before today, i.e. strictly
  earlier than `cutoff(today, months)` (the same day-of-month that many months
  back, clamped to the month's last day). The reference date is the date of its
  latest order that is not `cancelled`; a customer that never ordered is measured
  from the day its card was created.
* `scan()` raises one warning for every due customer without an open warning
  (state *warning* or *suspended*) and clears (state *cleared*) every open warning
  whose customer is no longer due — it ordered again, it was deleted, or the
  threshold changed. After a scan the open warnings are exactly the due customers,
  so running it twice raises nothing new. It is one set of SQL statements, however
  many customers there are. `scan(since=…)` does the same for every day since the last
  scan in one go, dating each warning (and its clearing) on its own day.
* Recording an order through `crm.orders.add` clears that customer's open warning at
  once if the order makes it no longer due (orders that arrive by import are caught
  by the next scan).
* Win-back: a lost customer (churn confirmed) with an order dated on or after the
  day churn was confirmed becomes active again; the churned warning stays as
  history (R4 counts it).

The owner's answer (C4): `suspend` records the measures taken (any number of times);
`confirm` records a reason from the dictionary kind `churn_reason` and is only
allowed after at least one suspension; the customer card is then marked `lost`.
Who may answer follows the sharing policy of kind `churn`, scoped on the customer's
current owner (by default the owner and their supervisors and directors).
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import validate
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, TransitionNotAllowed
from ..session import Area, Session, action, load_user, query
from ..statemachine import StateMachine, reasons

KIND = "churn"
CHURN = StateMachine(KIND, {
    ("warning", "suspend"): "suspended",
    ("suspended", "suspend"): "suspended",   # further measures, same state
    ("suspended", "confirm"): "churned",
    ("warning", "clear"): "cleared",         # the customer ordered again (or left the rule)
    ("suspended", "clear"): "cleared",
}, starts={"raise": "warning"})              # a scan raises a warning (StateMachine.move_many)
OPEN = ("warning", "suspended")
DEFAULT_MONTHS = 6
# What `list(sort=…)` may sort by (name → SQL; `days_silent` is the list's own column), and the
# tables it reads.
SORTABLE = {"days_silent": "days_silent", "customer_name": "c.name", "raised_on": "w.raised_on"}
FROM_SQL = ("FROM churn_warnings w LEFT JOIN customers c ON c.id = w.customer_id "
            "LEFT JOIN users u ON u.id = c.owner_id")

# Whether one customer ($customer) is due on the day of $cutoff: the rule above for the order
# hook; the scan applies it to everyone over a window of days (MOVES).
STILL_DUE = """
    SELECT count(*) FROM customers c
    WHERE c.id = $customer AND c.status <> 'lost' AND coalesce((SELECT max(order_date) FROM orders
          WHERE customer_id = $customer AND status <> 'cancelled'), c.created_on) < $cutoff
"""


# Lost customers (by confirmed churn) with an order on or after the confirmation day.
WON_BACK = """
    SELECT c.id AS customer_id FROM customers c
    JOIN (SELECT customer_id, max(closed_on) AS churned_on FROM churn_warnings
          WHERE state = 'churned' GROUP BY customer_id) w ON w.customer_id = c.id
    WHERE c.status = 'lost' {only} AND EXISTS (
        SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status <> 'cancelled'
        AND o.order_date >= w.churned_on)
"""


# A scan over the days `$first` … `$today` (one day when the clock did not move past a scan),
# set-based. Each customer that can be due (not lost; one won back by this scan counts from
# today) has stretches of days with the same last order: one from the window's first day,
# and one from each later day it ordered. In a stretch its reference date is fixed, so it is
# due from the first day whose cut-off has passed that date (`$cutoffs`/`$days`: each cut-off
# and the first day that has it, ascending) until the stretch ends: the next order clears it.
MOVES = """
    WITH known AS (
        SELECT c.id AS customer_id, c.created_on, list_contains($back, c.id) AS back,
               CASE WHEN list_contains($back, c.id) THEN $today ELSE $first END AS since
        FROM customers c WHERE c.status <> 'lost'),
    sold AS (
        SELECT customer_id, max(order_date) AS ever,
               max(order_date) FILTER (WHERE order_date <= $first OR order_date > $today) AS before
        FROM orders WHERE status <> 'cancelled' GROUP BY customer_id),
    stretch AS (
        SELECT k.customer_id, k.since AS start, CASE WHEN k.back THEN s.ever ELSE s.before END AS last_order,
               k.created_on
        FROM known k LEFT JOIN sold s USING (customer_id)
        UNION ALL
        SELECT DISTINCT o.customer_id, o.order_date, greatest(o.order_date, s.before), k.created_on
        FROM orders o JOIN known k USING (customer_id) JOIN sold s USING (customer_id)
        WHERE o.status <> 'cancelled' AND o.order_date > k.since AND o.order_date <= $today),
    timeline AS (
        SELECT customer_id, start, row_number() OVER w = 1 AS opening, last_order,
               coalesce(last_order, created_on) AS reference_date,
               coalesce(lead(start) OVER w - 1, $today) AS stop, lead(start) OVER w IS NULL AS last
        FROM stretch WINDOW w AS (PARTITION BY customer_id ORDER BY start)),
    days AS (SELECT unnest($cutoffs::DATE[]) AS cutoff, unnest($days::DATE[]) AS first_day)
    SELECT t.customer_id, t.opening, t.last, t.stop, t.last_order, t.reference_date,
           CASE WHEN d.first_day <= t.stop THEN greatest(t.start, d.first_day) END AS due_from
    FROM timeline t ASOF LEFT JOIN days d ON d.cutoff > t.reference_date
    WHERE t.opening OR d.first_day <= t.stop
"""


@dataclass(frozen=True)
class ChurnWarning:
    """A churn warning (流失预警) and where it stands."""

    id: int
    customer_id: int
    customer_name: str | None
    owner_id: int | None
    state: str
    raised_on: dt.date
    last_order_date: dt.date | None
    reference_date: dt.date
    reason: str | None
    reason_note: str | None
    closed_on: dt.date | None
    suspensions: int


@dataclass(frozen=True)
class ScanResult:
    """What a scan did, counted over the warnings you may see."""

    raised: int
    cleared: int
    reactivated: int
    open: int
    cutoff: dt.date
    months: int


def cutoff(today: dt.date, months: int) -> dt.date:
    """The day `months` months before `today` (clamped to the month's end); older is overdue."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def threshold(s: Session) -> int:
    return int(s.setting("churn_threshold_months", DEFAULT_MONTHS))


def check_threshold(value) -> int:
    """The churn threshold setting: whole months, 1–60."""
    return validate.integer(value, "churn_threshold_months", minimum=1, maximum=60)


WARNING_SELECT = """
    SELECT w.id, w.customer_id, c.name, c.owner_id, w.state, w.raised_on, w.last_order_date, w.reference_date,
           w.reason, w.reason_note, w.closed_on,
           (SELECT count(*) FROM churn_measures m WHERE m.warning_id = w.id) AS suspensions
    FROM churn_warnings w LEFT JOIN customers c ON c.id = w.customer_id
"""


def fetch(s: Session, warning_id, *, write: bool = False) -> ChurnWarning:
    """The warning if you may see it (and answer it, with `write=True`)."""
    warning = ChurnWarning(*s.readable_row(KIND, WARNING_SELECT + " WHERE w.id = ?", warning_id,
                                           field="churn_warning", owner=3, missing="churn.not_found"))
    if write:
        check_writable(s, warning)
    return warning


def check_writable(s: Session, warning: ChurnWarning) -> None:
    """Only whoever may write the customer's records answers its warning."""
    if not s.can_write(KIND, warning.owner_id):
        owner = load_user(s.db, warning.owner_id).name if warning.owner_id else "—"
        raise NotAllowed("churn.not_yours", id=warning.id, customer=warning.customer_name, owner=owner)


def check_suspend(s: Session, warning: ChurnWarning) -> None:
    """`suspend`'s checks before it reads the measures: scope, then the state table."""
    check_writable(s, warning)
    CHURN.check(warning.id, warning.state, "suspend")


def check_confirm(s: Session, warning: ChurnWarning) -> None:
    """`confirm`'s checks before the state table: scope, and at least one suspension first (C4)."""
    check_writable(s, warning)
    if warning.state == "warning":
        raise TransitionNotAllowed("churn.suspend_first", id=warning.id, customer=warning.customer_name)
    CHURN.check(warning.id, warning.state, "confirm")


def order_recorded(s: Session, customer_id: int) -> None:
    """Called by `Orders.add` inside its transaction: clear an open warning the order ends,
    and win back a lost customer. One customer, a few small queries."""
    today, months = s.today(), threshold(s)
    _reactivate(s, customer_id)
    still_due = s.db.scalar(STILL_DUE, {"cutoff": cutoff(today, months), "customer": customer_id})
    if still_due:
        return
    for warning_id, state in s.db.rows(
            "SELECT id, state FROM churn_warnings WHERE customer_id = ? AND state IN ('warning', 'suspended')",
            [customer_id]):
        CHURN.move(s, warning_id, state, "clear")
        s.db.execute("UPDATE churn_warnings SET state = 'cleared', closed_on = ?, closed_by = ?, updated_on = ? "
                     "WHERE id = ?", [today, s.user.id, today, warning_id])
        s.audit("clear", KIND, warning_id, before={"state": state}, after={"state": "cleared"})


def _reactivate(s: Session, customer_id: int | None) -> list[int]:
    """Set won-back customers active again (all of them, or one); returns their ids."""
    if not s.db.scalar("SELECT count(*) FROM churn_warnings WHERE state = 'churned'"):
        return []  # no one was ever confirmed lost by churn: nothing to win back
    only = "AND c.id = ?" if customer_id is not None else ""
    params = [customer_id] if customer_id is not None else []
    ids = [r[0] for r in s.db.rows(WON_BACK.format(only=only) + " ORDER BY c.id", params)]
    if not ids:
        return []
    today = s.today()
    s.db.execute(f"UPDATE customers SET status = 'active', updated_on = ? WHERE id IN ({WON_BACK.format(only=only)})",
                 [today, *params])
    if customer_id is not None:
        s.audit("reactivate", "customer", customer_id, before={"status": "lost"}, after={"status": "active"})
    else:
        s.audit("reactivate", "customer", None, before={"status": "lost"}, after={"status": "active", "customers": ids})
    return ids


def _first_day(s: Session, since, today: dt.date) -> dt.date:
    """A scan's first day: today, or `since` — not after today, and after the last scan (the
    days up to it were scanned with the warnings as they stood then)."""
    if since is None:
        return today
    first = validate.date(since, "since")
    if first > today:
        raise InvalidInput("churn.since_future", field="since", since=first, today=today)
    last = s.db.scalar("SELECT max(on_date) FROM audit WHERE kind = 'churn' AND action = 'scan'")
    if first < today and last is not None and first <= last:
        raise InvalidInput("churn.since_scanned", field="since", since=first, scanned=last,
                           next=last + dt.timedelta(days=1))
    return first


class Churn(Area):
    """`crm.churn`: scan for silent customers, then suspend or confirm each warning."""

    @action
    def scan(self, since=None) -> ScanResult:
        """Raise a warning for every due customer and clear warnings that no longer apply.

        Idempotent: a second scan on the same day (with no new orders) changes nothing.
        Anyone may run it — it applies the company's rule, not the caller's judgement —
        and the counts it returns cover only the warnings the caller may see.

        `since` (a date before today, after the last scan) catches up on the days the clock
        moved without a scan: each warning is raised, and cleared, on the day its customer
        crossed the line, exactly as a scan on every one of those days would have done — with
        today's threshold, and a customer this scan wins back counted from today (the
        scenario clock stops on a win-back's day, so it never differs there).
        """
        s = self._s
        db, today, months = s.db, s.today(), threshold(s)
        first = _first_day(s, since, today)
        back = _reactivate(s, None)
        # The days of the window, as the first day of each cut-off (the rule's one definition).
        days: dict[dt.date, dt.date] = {}
        for offset in range((today - first).days + 1):
            day = first + dt.timedelta(days=offset)
            days.setdefault(cutoff(day, months), day)
        db.execute(f"CREATE OR REPLACE TEMP TABLE churn_moves AS {MOVES}",
                   {"first": first, "today": today, "back": back, "cutoffs": list(days), "days": list(days.values())})
        # Open warnings: cleared on the first day their customer is not due (NULL: still due today).
        db.execute("""CREATE OR REPLACE TEMP TABLE churn_open AS
            SELECT w.id, w.customer_id, w.state,
                   CASE WHEN m.due_from IS DISTINCT FROM $first THEN $first WHEN NOT m.last THEN m.stop + 1 END AS closed_on
            FROM churn_warnings w LEFT JOIN churn_moves m ON m.customer_id = w.customer_id AND m.opening
            WHERE w.state IN ('warning', 'suspended')""", {"first": first})
        CHURN.move_many(s, "clear", "SELECT id AS record_id, state AS from_state, closed_on AS on_date, NULL AS note "
                                    "FROM churn_open WHERE closed_on IS NOT NULL")
        db.execute("""UPDATE churn_warnings w SET state = 'cleared', closed_on = o.closed_on, closed_by = ?,
                          updated_on = o.closed_on
                      FROM churn_open o WHERE o.id = w.id AND o.closed_on IS NOT NULL""", [s.user.id])
        # New warnings, numbered by day then customer; one that a later order ended is cleared that day.
        base = db.next_id("churn_warnings") - 1
        db.execute("""INSERT INTO churn_warnings (id, customer_id, state, raised_on, last_order_date, reference_date,
                                                  closed_on, closed_by, updated_on)
            SELECT $base + row_number() OVER (ORDER BY m.due_from, m.customer_id), m.customer_id,
                   CASE WHEN m.last THEN 'warning' ELSE 'cleared' END, m.due_from, m.last_order, m.reference_date,
                   CASE WHEN NOT m.last THEN m.stop + 1 END, CASE WHEN NOT m.last THEN $user END,
                   CASE WHEN m.last THEN m.due_from ELSE m.stop + 1 END
            FROM churn_moves m
            WHERE m.due_from IS NOT NULL AND NOT (m.opening AND m.due_from = $first
                  AND EXISTS (SELECT 1 FROM churn_open o WHERE o.customer_id = m.customer_id))""",
                   {"base": base, "first": first, "user": s.user.id})
        CHURN.move_many(s, "raise", "SELECT id AS record_id, NULL AS from_state, raised_on AS on_date, "
                                    "strftime(reference_date, '%Y-%m-%d') AS note FROM churn_warnings WHERE id > ?",
                        [base])
        CHURN.move_many(s, "clear", "SELECT id AS record_id, 'warning' AS from_state, closed_on AS on_date, NULL AS note "
                                    "FROM churn_warnings WHERE id > ? AND state = 'cleared'", [base])
        mine = s.scope(KIND, "c.owner_id")
        # Counting needs the customers' owners only when the caller's scope is limited.
        owners = "" if mine == "TRUE" else "LEFT JOIN customers c ON c.id = w.customer_id"
        raised, cleared, total_raised, total_cleared, still_open = db.one(f"""
            SELECT count(*) FILTER (WHERE w.id > $base AND {mine}),
                   count(*) FILTER (WHERE (k.id IS NOT NULL OR w.id > $base AND w.state = 'cleared') AND {mine}),
                   count(*) FILTER (WHERE w.id > $base),
                   count(*) FILTER (WHERE k.id IS NOT NULL OR w.id > $base AND w.state = 'cleared'),
                   count(*) FILTER (WHERE w.state IN ('warning', 'suspended') AND {mine})
            FROM churn_warnings w LEFT JOIN churn_open k ON k.id = w.id AND k.closed_on IS NOT NULL {owners}""",
                                                                          {"base": base})
        db.execute("DROP TABLE temp.churn_moves")
        db.execute("DROP TABLE temp.churn_open")
        window, limit = ({"since": first} if first < today else {}), cutoff(today, months)
        s.audit("scan", KIND, None, after={"raised": total_raised, "cleared": total_cleared, "reactivated": len(back),
                                           "months": months, "cutoff": limit, **window})
        return ScanResult(raised, cleared, len(back), still_open, limit, months)

    @action
    def suspend(self, warning_id: int, measures: str) -> ChurnWarning:
        """Suspend churn: record the measures taken (暂缓措施). May be repeated.

            rep.churn.suspend(7, measures="Visited the buyer; offered a 5% loyalty discount")
        """
        s = self._s
        warning = fetch(s, warning_id, write=True)
        measures = validate.text(measures, "measures")
        check_suspend(s, warning)
        state = CHURN.move(s, warning.id, warning.state, "suspend", note=measures[:200])
        s.db.execute("INSERT INTO churn_measures VALUES (?, ?, ?, ?, ?)",
                     [s.db.next_id("churn_measures"), warning.id, s.today(), s.user.id, measures])
        s.db.execute("UPDATE churn_warnings SET state = ?, updated_on = ? WHERE id = ?", [state, s.today(), warning.id])
        s.audit("suspend", KIND, warning.id, before={"state": warning.state}, after={"state": state, "measures": measures})
        return fetch(s, warning.id)

    @action
    def confirm(self, warning_id: int, reason: str, note: str | None = None) -> ChurnWarning:
        """Confirm churn with a reason (dictionary `churn_reason`); the customer is marked lost.

        Only after at least one suspension: the owner must have tried to keep the customer.
        """
        s = self._s
        warning = fetch(s, warning_id, write=True)
        reason = require_code(s, "churn_reason", reason, "churn_reason", required=True)
        note = validate.text(note, "churn_note", required=False)
        check_confirm(s, warning)
        state = CHURN.move(s, warning.id, warning.state, "confirm", note=reason)
        today = s.today()
        s.db.execute("UPDATE churn_warnings SET state = ?, reason = ?, reason_note = ?, closed_on = ?, closed_by = ?, "
                     "updated_on = ? WHERE id = ?", [state, reason, note, today, s.user.id, today, warning.id])
        s.db.execute("UPDATE customers SET status = 'lost', updated_on = ? WHERE id = ?", [today, warning.customer_id])
        s.audit("confirm", KIND, warning.id, before={"state": warning.state},
                after={"state": state, "reason": reason, "note": note})
        s.audit("update", "customer", warning.customer_id, before={"status": "active"}, after={"status": "lost"})
        return fetch(s, warning.id)

    @query
    def get(self, warning_id: int) -> ChurnWarning:
        """One warning, if you may see it."""
        return fetch(self._s, warning_id)

    ACTIONS = ("suspend", "confirm")

    @query
    def actions(self, warning_id: int) -> dict[str, str | None]:
        """Each answer to the warning (`ACTIONS`) → None if you may give it now, else why not
        (translated) — the verbs' own checks, before they look at the measures or the reason.

        >>> crm.churn.actions(7)["confirm"]
        'Churn warning 7 (Star Tech) has not been suspended yet …'
        """
        s = self._s
        warning = fetch(s, warning_id)
        return reasons(s, {"suspend": lambda: check_suspend(s, warning),
                           "confirm": lambda: check_confirm(s, warning)})

    @query
    def list(self, *, state: str | None = None, owner=None, customer_id: int | None = None,
             search: str | None = None, sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Warnings you may see, open ones first, then most silent first (or by `sort`, one of
        `SORTABLE`); paged (`limit` rows from `offset`). `state` is one of the states or `"open"`
        (warning and suspended); `search`: text in the customer's or the owner's name;
        `days_silent` counts from the reference date to today.

        >>> crm.churn.list(state="open", search="star", sort="days_silent", descending=True, limit=12)
        """
        where, params = self._filters(state, owner, customer_id, search)
        order = validate.order(sort, descending, SORTABLE, tie="w.id",
                               default="w.state IN ('warning', 'suspended') DESC, w.reference_date, w.id")
        return self._s.db.df(f"""
            SELECT w.id, w.customer_id, c.name AS customer_name, c.owner_id, u.name AS owner_name, w.state,
                   w.raised_on, w.last_order_date, w.reference_date,
                   date_diff('day', w.reference_date, ?::DATE) AS days_silent,
                   (SELECT count(*) FROM churn_measures m WHERE m.warning_id = w.id) AS suspensions,
                   w.reason, w.reason_note, w.closed_on
            {FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}""", [self._s.today(), *params])

    @query
    def count(self, *, state: str | None = None, owner=None, customer_id: int | None = None,
              search: str | None = None) -> int:
        """How many warnings `list()` with the same filters returns (for paging)."""
        where, params = self._filters(state, owner, customer_id, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, state, owner, customer_id, search) -> tuple[str, list]:
        s = self._s
        where, params = [s.scope(KIND, "c.owner_id")], []
        if state is not None:
            state = validate.one_of(state, "warning_state", ("open", *CHURN.states))
            states = OPEN if state == "open" else (state,)
            where.append(f"w.state IN ({', '.join('?' * len(states))})"), params.extend(states)
        if owner is not None:
            where.append("c.owner_id = ?"), params.append(load_user(s.db, owner).id)
        if customer_id is not None:
            where.append("w.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        found, args = validate.matching(search, ("c.name", "u.name"))
        return " AND ".join(where + found), params + args

    @query
    def measures(self, warning_id: int) -> pd.DataFrame:
        """The measures recorded at each suspension, oldest first."""
        warning = fetch(self._s, warning_id)
        return self._s.db.df(
            "SELECT m.id, m.on_date, u.name AS user_name, m.measures FROM churn_measures m "
            "JOIN users u ON u.id = m.user_id WHERE m.warning_id = ? ORDER BY m.id", [warning.id])

    @query
    def history(self, warning_id: int) -> pd.DataFrame:
        """Every state move of one warning (raise, suspend, confirm, clear)."""
        return CHURN.history(self._s, fetch(self._s, warning_id).id)

    @query
    def due_date(self) -> dt.date:
        """The cut-off of the current rule: customers silent since before this day are due."""
        return cutoff(self._s.today(), threshold(self._s))

    def label(self, state: str) -> str:
        """A state's name in the session's language."""
        return CHURN.label(state, self._s.language)

