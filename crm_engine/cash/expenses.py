"""Expenses (B1): claims for money spent on the job, approved or rejected by a supervisor.

Rules:
- Anyone may claim an expense (travel, entertainment …, the dictionary
  `expense_type`), optionally for a customer they may see; the claimant owns it.
- States: claimed → approved | rejected. Only a sales supervisor or director
  (or the administrator) decides, only for claimants within their write scope
  of kind `expense` — and never on their own claim, whatever their role.
- Finance reads every claim; reps their own, supervisors their team's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import validate
from ..customers.cards import fetch as fetch_customer
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound
from ..session import Area, Session, action, load_user, query
from ..statemachine import StateMachine, reasons

KIND = "expense"
EXPENSE = StateMachine(KIND, {
    ("claimed", "approve"): "approved",
    ("claimed", "reject"): "rejected",
})
SUMMARY_BY = {"claimant": ("e.claimant_id", "u.name"), "customer": ("e.customer_id", "c.name"),
              "expense_type": ("e.expense_type", "e.expense_type")}


@dataclass(frozen=True)
class Expense:
    id: int
    claimant_id: int
    customer_id: int | None
    expense_type: str
    amount: Decimal
    spent_on: dt.date
    description: str
    status: str
    decided_by: int | None
    decided_on: dt.date | None
    decision_note: str | None
    created_on: dt.date


COLUMNS = ("id, claimant_id, customer_id, expense_type, amount, spent_on, description, status, decided_by, "
           "decided_on, decision_note, created_on")
FROM_SQL = "FROM expenses e JOIN users u ON u.id = e.claimant_id LEFT JOIN customers c ON c.id = e.customer_id"
# What `list(sort=…)` and `pending(sort=…)` may sort by (name → SQL).
SORTABLE = {"spent_on": "e.spent_on", "amount": "e.amount", "claimant_name": "u.name"}


def fetch(s: Session, expense_id) -> Expense:
    expense_id = validate.record_id(expense_id, "expense")
    row = s.db.one(f"SELECT {COLUMNS} FROM expenses WHERE id = ?", [expense_id])
    if row is None or not (row[1] == s.user.id or s.can_read(KIND, row[1])):
        raise NotFound("expense.not_found", id=expense_id)
    return Expense(*row)


def check_decide(s: Session, expense: Expense) -> None:
    """Who may approve or reject a claim: never its claimant; a supervisor or director (or the
    administrator) whose write scope holds the claimant."""
    if expense.claimant_id == s.user.id:
        raise NotAllowed("expense.own_claim", id=expense.id)
    s.require_role("supervisor", "director", action="decide_expense")
    if not s.can_write(KIND, expense.claimant_id):
        raise NotAllowed("expense.not_your_team", id=expense.id,
                         claimant=load_user(s.db, expense.claimant_id).name)


class Expenses(Area):
    """`crm.expenses`: claim expenses; supervisors approve or reject them."""

    SUMMARY_BY = tuple(SUMMARY_BY)  # what `summary(by=…)` takes, for the screens

    @action
    def claim(self, amount, *, expense_type: str, description: str, spent_on=None,
              customer_id: int | None = None) -> Expense:
        """Claim an expense you paid (on the scenario date unless `spent_on` is given).

            crm.expenses.claim(860, expense_type="travel", description="Train to Nanjing", customer_id=3)
        """
        s = self._s
        amount = validate.amount(amount, "expense_amount", minimum=0.01)
        expense_type = require_code(s, "expense_type", expense_type, "expense_type", required=True)
        description = validate.text(description, "expense_description", max_length=500)
        spent_on = validate.date(spent_on, "spent_on", required=False) or s.today()
        if spent_on > s.today():
            raise InvalidInput("error.future_date", field="spent_on", today=s.today().isoformat())
        customer = fetch_customer(s, customer_id) if customer_id is not None else None
        expense_id = s.db.next_id("expenses")
        record = {"id": expense_id, "claimant_id": s.user.id, "customer_id": customer and customer.id,
                  "expense_type": expense_type, "amount": amount, "spent_on": spent_on, "description": description,
                  "status": "claimed", "created_on": s.today()}
        s.db.execute(f"INSERT INTO expenses ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        s.history(KIND, expense_id, "claim", None, "claimed")
        s.audit("create", KIND, expense_id, after=record)
        return fetch(s, expense_id)

    @action
    def approve(self, expense_id: int, *, note: str | None = None) -> Expense:
        """Approve a claim (a supervisor's or director's act; never on your own claim)."""
        return self._decide(expense_id, "approve", validate.text(note, "decision_note", required=False, max_length=500))

    @action
    def reject(self, expense_id: int, reason: str) -> Expense:
        """Reject a claim, saying why (a supervisor's or director's act; never on your own claim)."""
        return self._decide(expense_id, "reject", validate.text(reason, "decision_note", max_length=500))

    def _decide(self, expense_id, verb: str, note: str | None) -> Expense:
        s = self._s
        expense = fetch(s, expense_id)
        check_decide(s, expense)
        state = EXPENSE.move(s, expense.id, expense.status, verb, note=note)
        s.db.execute("UPDATE expenses SET status = ?, decided_by = ?, decided_on = ?, decision_note = ? WHERE id = ?",
                     [state, s.user.id, s.today(), note, expense.id])
        s.audit(verb, KIND, expense.id, before={"status": expense.status}, after={"status": state, "note": note})
        return fetch(s, expense.id)

    @query
    def actions(self, expense_id: int) -> dict[str, str | None]:
        """What you may do to this claim now: "approve" / "reject" → None, or why not (the verbs'
        own checks, in your language).

            crm.expenses.actions(4)   # {"approve": "You cannot decide your own claim 4.", …}
        """
        s = self._s
        expense = fetch(s, expense_id)
        return reasons(s, {verb: lambda verb=verb: (check_decide(s, expense),
                                                     EXPENSE.check(expense.id, expense.status, verb))
                           for verb in ("approve", "reject")})

    @query
    def get(self, expense_id: int) -> Expense:
        """One claim, if you may see it."""
        return fetch(self._s, expense_id)

    @query
    def list(self, *, status: str | None = None, claimant=None, customer_id: int | None = None,
             expense_type: str | None = None, since=None, until=None, search: str | None = None,
             sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Claims you may see (yours, your team's …), newest first (or by `sort`, one of
        `SORTABLE`), paged (`limit` rows from `offset`); `since`/`until` on the date spent;
        `search`: text in the claimant's or the customer's name or the description."""
        where, params = self._where(status, claimant, customer_id, expense_type, since, until, search)
        return self._rows(where, params, sort, descending, validate.page(limit, offset))

    @query
    def count(self, *, status: str | None = None, claimant=None, customer_id: int | None = None,
              expense_type: str | None = None, since=None, until=None, search: str | None = None) -> int:
        """How many claims `list()` with the same filters returns (for paging)."""
        where, params = self._where(status, claimant, customer_id, expense_type, since, until, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    @query
    def pending(self, *, search: str | None = None, sort: str | None = None, descending: bool = False,
                limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Claims waiting for a decision that you may decide (not your own), newest first (or by
        `sort`), paged (`limit` rows from `offset`); `search` as in `list`."""
        where, params = self._pending(search)
        return self._rows(where, params, sort, descending, validate.page(limit, offset))

    @query
    def pending_count(self, *, search: str | None = None) -> int:
        """How many claims `pending()` with the same search returns (for paging)."""
        where, params = self._pending(search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _pending(self, search) -> tuple[str, list]:
        s = self._s
        where, params = self._where("claimed", None, None, None, None, None, search)
        return where + f" AND {s.scope(KIND, 'e.claimant_id', 'write')} AND e.claimant_id <> {int(s.user.id)}", params

    def _rows(self, where: str, params: list, sort, descending, page: str) -> pd.DataFrame:
        order = validate.order(sort, descending, SORTABLE, default="e.spent_on DESC, e.id DESC", tie="e.id")
        return self._s.db.df(
            "SELECT e.id, e.claimant_id, u.name AS claimant_name, e.customer_id, c.name AS customer_name, "
            "e.expense_type, e.amount, e.spent_on, e.description, e.status, d.name AS decided_by, e.decided_on, "
            f"e.decision_note {FROM_SQL} LEFT JOIN users d ON d.id = e.decided_by "
            f"WHERE {where} ORDER BY {order}{page}", params)

    @query
    def summary(self, *, by: str = "claimant", status: str | None = "approved", since=None, until=None) -> pd.DataFrame:
        """Totals per rep (`by="claimant"`), per customer or per expense type, of the claims you may see
        (approved ones by default; `status=None` for all)."""
        key, label = SUMMARY_BY[validate.one_of(by, "summary_by", tuple(SUMMARY_BY))]
        where, params = self._where(status, None, None, None, since, until)
        return self._s.db.df(
            f"SELECT {key} AS {by}, any_value({label}) AS name, count(*) AS claims, sum(e.amount) AS amount "
            f"{FROM_SQL} WHERE {where} GROUP BY {key} ORDER BY amount DESC, {by}", params)

    def _where(self, status, claimant, customer_id, expense_type, since, until, search=None):
        s = self._s
        where, params = [f"(e.claimant_id = {int(s.user.id)} OR {s.scope(KIND, 'e.claimant_id')})"], []
        if status is not None:
            where.append("e.status = ?"), params.append(validate.one_of(status, "status", EXPENSE.states))
        if claimant is not None:
            where.append("e.claimant_id = ?"), params.append(load_user(s.db, claimant).id)
        if customer_id is not None:
            where.append("e.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        if expense_type is not None:
            where.append("e.expense_type = ?"), params.append(expense_type)
        dated, args = validate.period("e.spent_on", since, until)
        where += dated
        params += args
        found, args = validate.matching(search, ("u.name", "c.name", "e.description"))
        return " AND ".join(where + found), params + args
