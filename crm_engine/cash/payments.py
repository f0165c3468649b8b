"""Payments received (B1): instalment plans, receipts, receivables, the overdue list, credit limits.

Rules:
- Payments are recorded against a signed or fulfilled contract — never a draft
  or a cancelled one. Who may record them follows the sharing policy for kind
  `payment` on the contract's owner (finance records them for everyone).
- A contract's receivable is its amount less the value of goods returned;
  what is outstanding is the receivable less regular payments. A payment larger
  than what is outstanding is refused unless recorded with `overpayment=True`;
  then the surplus is kept apart in `payments.overpaid`, so regular payments
  never exceed the contract amount.
- The instalment plan (`schedule`) adds up to the contract amount; without one,
  signing plans a single instalment `payment_terms` days after signing.
  Payments and returns settle instalments in due-date order; an instalment is
  overdue when the scenario clock is past its due date and it is not settled.
- Credit limit: a customer's exposure is what it still owes on signed and
  fulfilled contracts; above `customers.credit_limit` it is listed in
  `over_credit_limit()` and its contracts carry a warning (contracts.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import validate
from .contracts import check_schedule, exposure, fetch as fetch_contract, totals_sql
from ..customers.cards import fetch as fetch_customer, visible as visible_customers
from ..dictionary import require_code
from ..errors import InvalidInput, NotFound, TransitionNotAllowed
from ..i18n import Choices, Term
from ..session import Area, Session, action, load_user, query

KIND = "payment"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Payment:
    id: int
    contract_id: int
    customer_id: int
    amount: Decimal
    overpaid: Decimal          # the part of `amount` above what was outstanding
    received_on: dt.date
    method: str
    notes: str | None
    recorded_by: int


PAYMENT_COLUMNS = "id, contract_id, customer_id, amount, overpaid, received_on, method, notes, recorded_by"
FROM_SQL = ("FROM payments p JOIN contracts k ON k.id = p.contract_id JOIN customers c ON c.id = p.customer_id "
            "LEFT JOIN users u ON u.id = p.recorded_by")
# What `list(sort=…)` and `receivables(sort=…)` may sort by (name → SQL). The days overdue sort
# keeps the larger balance first among equally late contracts, as the default order does.
SORTABLE = {"received_on": "p.received_on", "amount": "p.amount", "customer_name": "c.name"}
RECEIVABLE_SORTABLE = {"days_overdue": ("rv.days_overdue", "rv.outstanding"), "outstanding": "rv.outstanding",
                       "customer_name": "c.name"}


@dataclass(frozen=True)
class Balance:
    """What a contract is worth, what came back, what was paid and what is still owed."""

    contract_id: int
    amount: Decimal
    returned: Decimal
    paid: Decimal
    overpaid: Decimal
    outstanding: Decimal       # amount − returned − paid (negative: the customer is owed a refund)
    overdue: Decimal           # the part of outstanding whose instalments are past due


@dataclass(frozen=True)
class CreditStatus:
    customer_id: int
    credit_limit: Decimal | None
    owed: Decimal
    available: Decimal | None
    exceeded: bool


def receivables_sql(today: dt.date) -> str:
    """Per contract: amount, returned, paid, overpaid, outstanding, overdue, oldest overdue and next due date."""
    day = f"DATE '{today.isoformat()}'"   # a date object from the clock, never user text
    return f"""(
        WITH t AS (SELECT * FROM {totals_sql()}),
        alloc AS (
            SELECT i.contract_id, i.due_date, i.amount,
                   sum(i.amount) OVER (PARTITION BY i.contract_id ORDER BY i.due_date, i.seq) AS cum,
                   t.paid + t.returned AS settled
            FROM instalments i JOIN t ON t.contract_id = i.contract_id),
        per AS (
            SELECT contract_id,
                   sum(least(amount, greatest(cum - settled, 0))) FILTER (WHERE due_date < {day}) AS overdue,
                   min(due_date) FILTER (WHERE cum > settled AND due_date < {day}) AS oldest_overdue,
                   min(due_date) FILTER (WHERE cum > settled AND due_date >= {day}) AS next_due
            FROM alloc GROUP BY ALL)
        SELECT k.id AS contract_id, k.amount, t.returned, t.paid, t.overpaid,
               (k.amount - t.returned - t.paid)::DECIMAL(16,2) AS outstanding,
               coalesce(per.overdue, 0)::DECIMAL(16,2) AS overdue,
               per.oldest_overdue, per.next_due,
               coalesce(({day} - per.oldest_overdue)::INTEGER, 0) AS days_overdue
        FROM contracts k JOIN t ON t.contract_id = k.id LEFT JOIN per ON per.contract_id = k.id
        WHERE k.status IN ('signed', 'fulfilled')
    ) rv"""


def _plan(s: Session, instalments, contract) -> list[tuple[dt.date, Decimal]]:
    if not isinstance(instalments, (list, tuple)) or not instalments:
        raise InvalidInput("payment.no_instalments", field="instalments")
    plan = []
    for number, item in enumerate(instalments, start=1):
        if isinstance(item, dict):
            due, amount = item.get("due_date"), item.get("amount")
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            due, amount = item
        else:
            raise InvalidInput("payment.bad_instalment", field="instalments", line=number)
        due = validate.date(due, "instalment_due")
        if due < contract.created_on:
            raise InvalidInput("payment.due_before_contract", field="instalment_due", date=due.isoformat(),
                               created=contract.created_on.isoformat())
        plan.append((due, validate.amount(amount, "instalment_amount", minimum=0.01)))
    total = sum((a for _d, a in plan), Decimal("0.00"))
    if total != contract.amount:
        raise InvalidInput("payment.plan_sum", field="instalments", total=total, amount=contract.amount,
                           no=contract.contract_no)
    return sorted(plan)


class Payments(Area):
    """`crm.payments`: instalment plans, payments received, receivables and credit."""

    @action
    def schedule(self, contract_id: int, instalments) -> pd.DataFrame:
        """Set a contract's instalment plan: `[("2026-04-01", 30000), ("2026-06-01", 70000)]`
        (or dicts with `due_date` and `amount`), adding up to the contract amount.

        Allowed on drafts and signed contracts; replaces the previous plan.
        """
        s = self._s
        contract = fetch_contract(s, contract_id, write=True)
        check_schedule(contract)
        plan = _plan(s, instalments, contract)
        before = [[d, a] for d, a in s.db.rows(
            "SELECT due_date, amount FROM instalments WHERE contract_id = ? ORDER BY seq", [contract.id])]
        s.db.execute("DELETE FROM instalments WHERE contract_id = ?", [contract.id])
        first = s.db.next_id("instalments")
        for seq, (due, amount) in enumerate(plan):
            s.db.execute("INSERT INTO instalments VALUES (?, ?, ?, ?, ?)", [first + seq, contract.id, seq + 1, due, amount])
        s.audit("schedule", "contract", contract.id, before=before, after=[[d, a] for d, a in plan])
        return self.instalments(contract.id)

    @query
    def instalments(self, contract_id: int) -> pd.DataFrame:
        """The plan of one contract: each instalment's due date, amount, settled part, open part and status
        (`paid`, `part_paid`, `open` or `overdue` on the scenario clock)."""
        s = self._s
        contract = fetch_contract(s, contract_id, kind=KIND)
        return s.db.df(f"""
            WITH a AS (
                SELECT i.seq, i.due_date, i.amount,
                       sum(i.amount) OVER (ORDER BY i.due_date, i.seq) AS cum, t.paid + t.returned AS settled
                FROM instalments i JOIN {totals_sql()} ON t.contract_id = i.contract_id WHERE i.contract_id = ?),
            b AS (SELECT *, least(amount, greatest(cum - settled, 0))::DECIMAL(16,2) AS open FROM a)
            SELECT seq, due_date, amount, (amount - open)::DECIMAL(16,2) AS settled, open,
                   CASE WHEN open = 0 THEN 'paid' WHEN due_date < ? THEN 'overdue'
                        WHEN open < amount THEN 'part_paid' ELSE 'open' END AS status
            FROM b ORDER BY due_date, seq""", [contract.id, s.today()])

    @action
    def receive(self, contract_id: int, amount, *, received_on=None, method: str = "bank_transfer",
                overpayment: bool = False, notes: str | None = None) -> Payment:
        """Record a payment received on a signed or fulfilled contract.

            crm.payments.receive(contract.id, 30000, method="bank_transfer")

        More than is outstanding is refused unless `overpayment=True`, which keeps
        the surplus apart (`Payment.overpaid`).
        """
        s = self._s
        contract = fetch_contract(s, contract_id, write=True, kind=KIND)
        amount = validate.amount(amount, "payment_amount", minimum=0.01)
        if contract.status not in ("signed", "fulfilled"):
            raise TransitionNotAllowed("payment.contract_state", id=contract.id, no=contract.contract_no,
                                       state=Term(f"state.contract.{contract.status}"))
        method = require_code(s, "payment_method", method, "payment_method", required=True)
        received_on = validate.date(received_on, "received_on", required=False) or s.today()
        if received_on > s.today():
            raise InvalidInput("error.future_date", field="received_on", today=s.today().isoformat())
        if received_on < contract.signed_on:
            raise InvalidInput("payment.before_signing", field="received_on", signed=contract.signed_on.isoformat())
        if not isinstance(overpayment, bool):
            raise InvalidInput("error.choice", field="overpayment", value=overpayment, choices=Choices(("True", "False")))
        notes = validate.text(notes, "notes", required=False)
        balance = self._balance(contract.id)
        owed = max(balance.outstanding, Decimal("0.00"))
        overpaid = max(amount - owed, Decimal("0.00"))
        if overpaid and not overpayment:
            raise InvalidInput("payment.exceeds_balance", field="payment_amount", no=contract.contract_no,
                               amount=amount, outstanding=owed)
        payment_id = s.db.next_id("payments")
        s.db.execute("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [payment_id, contract.id, contract.customer_id, amount, overpaid, received_on, method, notes,
                      s.user.id])
        s.audit("create", KIND, payment_id, after={"contract_id": contract.id, "amount": amount, "overpaid": overpaid,
                                                   "received_on": received_on, "method": method})
        return self.get(payment_id)

    @query
    def get(self, payment_id: int) -> Payment:
        """One payment, if you may see its contract's payments."""
        s = self._s
        payment_id = validate.record_id(payment_id, "payment")
        row = s.db.one(f"SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = ?", [payment_id])
        owner = s.db.scalar("SELECT owner_id FROM contracts WHERE id = ?", [row[1]]) if row else None
        if row is None or not s.can_read(KIND, owner):
            raise NotFound("payment.not_found", id=payment_id)
        return Payment(*row)

    @query
    def list(self, *, contract_id: int | None = None, customer_id: int | None = None, since=None,
             until=None, search: str | None = None, sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Payments you may see, newest first (or by `sort`, one of `SORTABLE`), paged (`limit` rows
        from `offset`); `search` is text in the contract number, the customer's name or who recorded it."""
        where, params = self._filters(contract_id, customer_id, since, until, search)
        order = validate.order(sort, descending, SORTABLE, default="p.received_on DESC, p.id DESC", tie="p.id")
        return self._s.db.df(
            "SELECT p.id, p.contract_id, k.contract_no, p.customer_id, c.name AS customer_name, p.amount, p.overpaid, "
            "p.received_on, p.method, p.notes, u.name AS recorded_by "
            f"{FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, contract_id: int | None = None, customer_id: int | None = None, since=None,
              until=None, search: str | None = None) -> int:
        """How many payments `list()` with the same filters returns (for paging)."""
        where, params = self._filters(contract_id, customer_id, since, until, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, contract_id, customer_id, since, until, search) -> tuple[str, list]:
        where, params = [self._s.scope(KIND, "k.owner_id")], []
        if contract_id is not None:
            where.append("p.contract_id = ?"), params.append(validate.record_id(contract_id, "contract"))
        if customer_id is not None:
            where.append("p.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        dated, args = validate.period("p.received_on", since, until)
        where += dated
        params += args
        found, args = validate.matching(search, ("k.contract_no", "c.name", "u.name"))
        return " AND ".join(where + found), params + args

    def _balance(self, contract_id: int) -> Balance:
        row = self._s.db.one(
            f"SELECT contract_id, amount, returned, paid, overpaid, outstanding, overdue FROM {receivables_sql(self._s.today())} "
            "WHERE contract_id = ?", [contract_id])
        if row is None:  # drafts and cancelled contracts owe nothing
            amount = self._s.db.scalar("SELECT amount FROM contracts WHERE id = ?", [contract_id])
            zero = Decimal("0.00")
            return Balance(contract_id, amount, zero, zero, zero, zero, zero)
        return Balance(*row)

    @query
    def balance(self, contract_id: int) -> Balance:
        """Amount, returned, paid, overpaid, outstanding and overdue for one contract."""
        contract = fetch_contract(self._s, contract_id, kind=KIND)
        return self._balance(contract.id)

    @query
    def receivables(self, *, customer_id: int | None = None, owner=None, open_only: bool = True,
                    search: str | None = None, sort: str | None = None, descending: bool = False,
                    limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Signed and fulfilled contracts you may see with what is still owed (`open_only`: only those
        with a balance), most overdue first (or by `sort`, one of `RECEIVABLE_SORTABLE`), paged
        (`limit` rows from `offset`); `search` is text in the contract number, the customer's or
        the owner's name."""
        where, params = self._receivable_filters(customer_id, owner, open_only, False, search)
        return self._receivables(where, params, sort, descending, validate.page(limit, offset))

    @query
    def receivables_count(self, *, customer_id: int | None = None, owner=None, open_only: bool = True,
                          search: str | None = None) -> int:
        """How many contracts `receivables()` with the same filters returns (for paging)."""
        where, params = self._receivable_filters(customer_id, owner, open_only, False, search)
        return self._s.db.scalar(f"SELECT count(*) {self._receivables_from()} WHERE {where}", params)

    @query
    def overdue(self, *, search: str | None = None, sort: str | None = None, descending: bool = False,
                limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Contracts with instalments past due on the scenario clock, most overdue first (or by
        `sort`, as `receivables`), paged (`limit` rows from `offset`)."""
        where, params = self._receivable_filters(None, None, True, True, search)
        return self._receivables(where, params, sort, descending, validate.page(limit, offset))

    @query
    def overdue_count(self, *, search: str | None = None) -> int:
        """How many contracts `overdue()` with the same search returns (for paging)."""
        where, params = self._receivable_filters(None, None, True, True, search)
        return self._s.db.scalar(f"SELECT count(*) {self._receivables_from()} WHERE {where}", params)

    def _receivable_filters(self, customer_id, owner, open_only: bool, overdue_only: bool, search) -> tuple[str, list]:
        s = self._s
        where, params = [s.scope(KIND, "k.owner_id")], []
        if open_only:
            where.append("rv.outstanding > 0")
        if overdue_only:
            where.append("rv.overdue > 0")
        if customer_id is not None:
            where.append("k.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        if owner is not None:
            where.append("k.owner_id = ?"), params.append(load_user(s.db, owner).id)
        found, args = validate.matching(search, ("k.contract_no", "c.name", "u.name"))
        return " AND ".join(where + found), params + args

    def _receivables_from(self) -> str:
        return (f"FROM {receivables_sql(self._s.today())} JOIN contracts k ON k.id = rv.contract_id "
                "JOIN customers c ON c.id = k.customer_id LEFT JOIN users u ON u.id = k.owner_id")

    def _receivables(self, where: str, params: list, sort, descending, page: str) -> pd.DataFrame:
        order = validate.order(sort, descending, RECEIVABLE_SORTABLE, tie="k.id",
                               default="rv.days_overdue DESC, rv.outstanding DESC, k.id")
        return self._s.db.df(
            "SELECT k.id AS contract_id, k.contract_no, k.customer_id, c.name AS customer_name, u.name AS owner_name, "
            "k.status, rv.amount, rv.returned, rv.paid, rv.overpaid, rv.outstanding, rv.overdue, rv.next_due, "
            "rv.oldest_overdue, rv.days_overdue "
            f"{self._receivables_from()} WHERE {where} ORDER BY {order}{page}", params)

    @query
    def credit(self, customer_id: int) -> CreditStatus:
        """A customer's credit limit, what it owes on contracts, what is left, and whether it is exceeded."""
        customer = fetch_customer(self._s, customer_id)
        owed = exposure(self._s, customer.id)
        limit = customer.credit_limit
        available = None if limit is None else (limit - owed).quantize(CENT)
        return CreditStatus(customer.id, limit, owed, available, limit is not None and owed > limit)

    @query
    def over_credit_limit(self) -> pd.DataFrame:
        """Customers you may see whose open receivables exceed their credit limit."""
        s = self._s
        return s.db.df(
            "SELECT c.id AS customer_id, c.name AS customer_name, c.credit_limit, sum(rv.outstanding) AS owed, "
            "(sum(rv.outstanding) - c.credit_limit)::DECIMAL(16,2) AS over_by "
            f"FROM customers c JOIN contracts k ON k.customer_id = c.id "
            f"JOIN {receivables_sql(s.today())} ON rv.contract_id = k.id "
            f"WHERE {visible_customers(s)} AND c.credit_limit IS NOT NULL AND rv.outstanding > 0 "
            "GROUP BY c.id, c.name, c.credit_limit HAVING sum(rv.outstanding) > c.credit_limit ORDER BY over_by DESC")
