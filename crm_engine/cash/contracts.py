"""Contracts (B1): what a customer has agreed to buy, line by line.

Rules (the catalogue leaves these to us; they are the same in the docs of each verb):

- A contract belongs to one customer and one owner (the responsible account
  manager; by default the customer's owner). Who sees and changes it follows the
  sharing policy for kind `contract` (finance reads all contracts).
- It has one line per product (quantity, unit price); its amount is the sum of
  the lines. Shipments are made against these quantities (`shipments.py`).
- States: draft → signed → fulfilled, and draft | signed → cancelled.
  Only a draft may be changed. Signing fixes the contract and, unless an
  instalment plan was set (`crm.payments.schedule`), plans one instalment of the
  whole amount due `payment_terms` days after signing.
  It is fulfilled only once every line has been shipped in full; a signed
  contract may be cancelled only while nothing was shipped or paid on it.
- Credit limit: when a customer's open receivables (signed and fulfilled
  contracts, less returns and payments) exceed its credit limit — or would, were
  a draft signed — the contract carries a warning (`Contract.warnings`). It is
  a warning, not a refusal: the supervisor decides.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import validate
from ..customers.cards import OWNER_ROLES, fetch as fetch_customer
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from ..i18n import Term, translate
from ..session import Area, Session, action, load_user, query
from ..statemachine import StateMachine, reasons

KIND = "contract"
CONTRACT = StateMachine(KIND, {
    ("draft", "sign"): "signed",
    ("draft", "cancel"): "cancelled",
    ("signed", "fulfil"): "fulfilled",
    ("signed", "cancel"): "cancelled",
})
EDITABLE = ("title", "start_date", "end_date", "payment_terms", "notes", "lines")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Contract:
    """A contract. `warnings` holds messages to show with it (credit limit), in the session's language."""

    id: int
    contract_no: str
    customer_id: int
    owner_id: int
    title: str
    amount: Decimal
    start_date: dt.date | None
    end_date: dt.date | None
    payment_terms: int
    status: str
    signed_on: dt.date | None
    fulfilled_on: dt.date | None
    cancelled_on: dt.date | None
    cancel_reason: str | None
    notes: str | None
    created_on: dt.date
    created_by: int
    warnings: tuple[str, ...] = ()


COLUMNS = [f.name for f in dataclasses.fields(Contract) if f.name != "warnings"]
SELECT = ", ".join(f"k.{c}" for c in COLUMNS)
# What `list(sort=…)` may sort by (name → SQL; `outstanding` is the list's own column), and the
# tables it reads.
SORTABLE = {"created_on": "k.created_on", "amount": "k.amount", "customer_name": "c.name",
            "outstanding": "outstanding"}
FROM_SQL = "FROM contracts k JOIN customers c ON c.id = k.customer_id LEFT JOIN users u ON u.id = k.owner_id"


# -- money owed: shared with payments.py and reports ------------------------------------
def totals_sql() -> str:
    """A subquery `t` with, per contract id: returned value, paid (regular) and overpaid amounts."""
    return """(
        SELECT k.id AS contract_id,
               coalesce(r.returned, 0)::DECIMAL(16,2) AS returned,
               coalesce(p.paid, 0)::DECIMAL(16,2) AS paid,
               coalesce(p.overpaid, 0)::DECIMAL(16,2) AS overpaid
        FROM contracts k
        LEFT JOIN (SELECT contract_id, sum(amount) AS returned FROM sales_returns
                   WHERE contract_id IS NOT NULL GROUP BY ALL) r ON r.contract_id = k.id
        LEFT JOIN (SELECT contract_id, sum(amount - overpaid) AS paid, sum(overpaid) AS overpaid
                   FROM payments GROUP BY ALL) p ON p.contract_id = k.id
    ) t"""


def exposure(s: Session, customer_id: int) -> Decimal:
    """What a customer still owes on its signed and fulfilled contracts (never below zero per contract)."""
    value = s.db.scalar(
        f"SELECT coalesce(sum(greatest(k.amount - t.returned - t.paid, 0)), 0) FROM contracts k "
        f"JOIN {totals_sql()} ON t.contract_id = k.id "
        "WHERE k.customer_id = ? AND k.status IN ('signed', 'fulfilled')", [customer_id])
    return Decimal(value).quantize(Decimal("0.01"))


def credit_warnings(s: Session, contract: Contract) -> tuple[str, ...]:
    """The credit-limit warning for this contract's customer, if its limit is (or would be) exceeded."""
    if contract.status == "cancelled":
        return ()
    row = s.db.one("SELECT name, credit_limit FROM customers WHERE id = ?", [contract.customer_id])
    if row is None or row[1] is None:
        return ()
    name, limit = row
    owed = exposure(s, contract.customer_id)
    if contract.status == "draft" and owed + contract.amount > limit:
        return (translate("contract.credit_would_exceed", s.language, customer=name, owed=owed,
                          total=owed + contract.amount, limit=limit),)
    if contract.status in ("signed", "fulfilled") and owed > limit:
        return (translate("contract.credit_exceeded", s.language, customer=name, owed=owed, limit=limit),)
    return ()


# -- records -----------------------------------------------------------------------------
def fetch(s: Session, contract_id, *, write: bool = False, kind: str = KIND) -> Contract:
    """The contract if the session may read it (write it, with `write=True`) under the policy for `kind`.

    Payments and shipments pass their own kind: finance may record a payment on a
    contract it may only read.
    """
    contract_id = validate.record_id(contract_id, "contract")
    row = s.db.one(f"SELECT {SELECT} FROM contracts k WHERE k.id = ?", [contract_id])
    if row is None or not (s.can_read(KIND, row[3]) or s.can_read(kind, row[3])):
        raise NotFound("contract.not_found", id=contract_id)
    contract = Contract(*row)
    if write:
        check_write(s, contract, kind)
    return dataclasses.replace(contract, warnings=credit_warnings(s, contract))


def product_row(s: Session, product, field: str = "product") -> tuple:
    """(id, code, price, active) of a product given by id or code."""
    if product is None or (isinstance(product, str) and not product.strip()):
        raise InvalidInput("error.required", field=field)
    if isinstance(product, bool) or not isinstance(product, (int, str)):
        raise InvalidInput("error.choice", field=field, value=product, choices="id / code")
    column = "code" if isinstance(product, str) else "id"
    row = s.db.one(f"SELECT id, code, price, active FROM products WHERE {column} = ?", [product])
    if row is None:
        raise NotFound("product.not_found", id=product)
    return row


def parse_lines(s: Session, lines) -> list[tuple[int, int, Decimal, Decimal]]:
    """Contract lines as (product_id, quantity, unit_price, amount); one line per product."""
    if isinstance(lines, dict):
        lines = [{"product": p, "quantity": q} for p, q in lines.items()]
    if not isinstance(lines, (list, tuple)) or not lines:
        raise InvalidInput("contract.no_lines", field="contract_lines")
    clean, seen = [], {}
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise InvalidInput("contract.bad_line", field="contract_lines", line=number)
        product_id, code, price, active = product_row(s, line.get("product"))
        if not active:
            raise InvalidInput("product.inactive", field="product", id=code)
        if product_id in seen:
            raise InvalidInput("contract.duplicate_product", field="contract_lines", product=code,
                               first=seen[product_id], line=number)
        seen[product_id] = number
        quantity = validate.integer(line.get("quantity"), "quantity", minimum=1, maximum=10_000_000)
        unit_price = validate.amount(line.get("unit_price", price), "unit_price")
        clean.append((product_id, quantity, unit_price, (unit_price * quantity).quantize(Decimal("0.01"))))
    return clean


def contract_owner(s: Session, owner, customer) -> int:
    """The owner a contract may be given: default the customer's owner; a manager within your write scope."""
    if owner is None:
        return customer.owner_id if customer.owner_id is not None else s.user.id
    user = load_user(s.db, owner)
    if not user.active:
        raise InvalidInput("user.inactive", field="owner", user=user.name)
    if user.role not in OWNER_ROLES:
        raise InvalidInput("contract.owner_role", field="owner", user=user.name)
    if not s.can_write(KIND, user.id):
        raise NotAllowed("customer.owner_scope", user=user.name)
    return user.id


def _dates(start, end) -> tuple[dt.date | None, dt.date | None]:
    start = validate.date(start, "contract_start", required=False)
    end = validate.date(end, "contract_end", required=False)
    if start and end and end < start:
        raise InvalidInput("contract.end_before_start", field="contract_end", start=start.isoformat(), end=end.isoformat())
    return start, end


def _terms(s: Session, value) -> int:
    if value is None:
        return int(s.setting("payment_terms_days", 30))
    return validate.integer(value, "payment_terms", minimum=0, maximum=365)


def _insert_lines(s: Session, contract_id: int, lines) -> None:
    first = s.db.next_id("contract_lines")
    for i, line in enumerate(lines):
        s.db.execute("INSERT INTO contract_lines VALUES (?, ?, ?, ?, ?, ?)", [first + i, contract_id, *line])


def shipped_quantities(s: Session, contract_id: int) -> dict[int, int]:
    """Quantity shipped so far per product on a contract."""
    return dict(s.db.rows(
        "SELECT l.product_id, sum(l.quantity)::INTEGER FROM shipment_lines l JOIN shipments h ON h.id = l.shipment_id "
        "WHERE h.contract_id = ? GROUP BY ALL", [contract_id]))


def check_draft(contract: Contract) -> None:
    """Only a draft may be changed (`update`)."""
    if contract.status != "draft":
        raise NotAllowed("contract.not_draft", id=contract.id, no=contract.contract_no,
                         state=Term(f"state.{KIND}.{contract.status}"))


def check_write(s: Session, contract: Contract, kind: str = KIND) -> None:
    """Refuse a user who may read `contract` but not change it (what `fetch(write=True)` checks)."""
    if not s.can_write(kind, contract.owner_id):
        raise NotAllowed("contract.not_yours", id=contract.id, no=contract.contract_no,
                         owner=load_user(s.db, contract.owner_id).name)


def check_fulfil(s: Session, contract: Contract) -> None:
    """`fulfil`'s checks before it changes anything: the state table, then every line shipped in full."""
    CONTRACT.check(contract.id, contract.status, "fulfil")
    shipped = shipped_quantities(s, contract.id)
    for product_id, code, quantity in s.db.rows(
            "SELECT l.product_id, p.code, l.quantity FROM contract_lines l JOIN products p ON p.id = l.product_id "
            "WHERE l.contract_id = ? ORDER BY l.id", [contract.id]):
        if shipped.get(product_id, 0) < quantity:
            raise NotAllowed("contract.not_shipped", id=contract.id, no=contract.contract_no, product=code,
                             shipped=shipped.get(product_id, 0), quantity=quantity)


def check_cancel(s: Session, contract: Contract) -> None:
    """`cancel`'s checks on the record: the state table, nothing shipped, nothing paid."""
    CONTRACT.check(contract.id, contract.status, "cancel")
    if s.db.scalar("SELECT count(*) FROM shipments WHERE contract_id = ?", [contract.id]):
        raise NotAllowed("contract.has_shipments", id=contract.id, no=contract.contract_no)
    if s.db.scalar("SELECT count(*) FROM payments WHERE contract_id = ?", [contract.id]):
        raise NotAllowed("contract.has_payments", id=contract.id, no=contract.contract_no)


def check_schedule(contract: Contract) -> None:
    """An instalment plan is set on a draft or a signed contract only (`crm.payments.schedule`)."""
    if contract.status not in ("draft", "signed"):
        raise TransitionNotAllowed("payment.plan_state", no=contract.contract_no,
                                   state=Term(f"state.contract.{contract.status}"))


class Contracts(Area):
    """`crm.contracts`: contracts with your customers, from draft to fulfilled."""

    @action
    def add(self, customer_id: int, lines, *, title: str | None = None, owner=None, contract_no: str | None = None,
            start_date=None, end_date=None, payment_terms: int | None = None, notes: str | None = None) -> Contract:
        """Draft a contract for a customer you may change.

        `lines` is `[{"product": "NB-14", "quantity": 10, "unit_price": 4800}, …]` (the price
        defaults to the list price) or `{"NB-14": 10}`; one line per product.
        `payment_terms` (days from signing to payment) defaults to the setting `payment_terms_days`.

            crm.contracts.add(customer.id, {"NB-14": 20}, title="Laptops for the sales office")
        """
        s = self._s
        customer = fetch_customer(s, customer_id, write=True)
        owner_id = contract_owner(s, owner, customer)
        clean = parse_lines(s, lines)
        start, end = _dates(start_date, end_date)
        terms = _terms(s, payment_terms)
        contract_id = s.db.next_id("contracts")
        number = validate.text(contract_no, "contract_no", required=False, max_length=40)
        if number and s.db.scalar("SELECT count(*) FROM contracts WHERE contract_no = ?", [number]):
            raise Conflict("contract.duplicate_no", no=number)
        number = number or f"CT{s.today():%Y%m%d}-{contract_id}"
        title = validate.text(title, "title", required=False, max_length=200) or translate(
            "contract.default_title", s.language, customer=customer.name)
        amount = sum((line[3] for line in clean), ZERO)
        record = {"id": contract_id, "contract_no": number, "customer_id": customer.id, "owner_id": owner_id,
                  "title": title, "amount": amount, "start_date": start, "end_date": end, "payment_terms": terms,
                  "status": "draft", "notes": validate.text(notes, "notes", required=False),
                  "created_on": s.today(), "created_by": s.user.id}
        s.db.execute(f"INSERT INTO contracts ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        _insert_lines(s, contract_id, clean)
        s.history(KIND, contract_id, "create", None, "draft")
        s.audit("create", KIND, contract_id, after={**record, "lines": len(clean)})
        return fetch(s, contract_id)

    @query
    def get(self, contract_id: int) -> Contract:
        """One contract, if you may see it."""
        return fetch(self._s, contract_id)

    @query
    def actions(self, contract_id: int) -> dict[str, str | None]:
        """What you may do to this contract now: each action → None, or why not (the verbs' own
        checks, in your language). `schedule` is `crm.payments.schedule`.

            crm.contracts.actions(3)   # {"sign": None, "fulfil": "Contract … is draft …", …}
        """
        s = self._s
        contract = fetch(s, contract_id)
        mine = lambda: check_write(s, contract)  # noqa: E731 — the write check every verb makes first
        return reasons(s, {
            "update": lambda: (mine(), check_draft(contract)),
            "sign": lambda: (mine(), CONTRACT.check(contract.id, contract.status, "sign")),
            "fulfil": lambda: (mine(), check_fulfil(s, contract)),
            "cancel": lambda: (mine(), check_cancel(s, contract)),
            "schedule": lambda: (mine(), check_schedule(contract)),
        })

    @action
    def update(self, contract_id: int, **fields) -> Contract:
        """Change a draft: title, start_date, end_date, payment_terms, notes, or replace its `lines`.

        Replacing the lines drops an instalment plan that no longer adds up.
        """
        s = self._s
        contract = fetch(s, contract_id, write=True)
        unknown = [f for f in fields if f not in EDITABLE]
        if unknown:
            raise InvalidInput("error.unknown_field", field=unknown[0])
        check_draft(contract)
        changes = {}
        if "title" in fields:
            changes["title"] = validate.text(fields["title"], "title", max_length=200)
        if "start_date" in fields or "end_date" in fields:
            start, end = _dates(fields.get("start_date", contract.start_date), fields.get("end_date", contract.end_date))
            changes.update(start_date=start, end_date=end)
        if "payment_terms" in fields:
            changes["payment_terms"] = validate.integer(fields["payment_terms"], "payment_terms", minimum=0, maximum=365)
        if "notes" in fields:
            changes["notes"] = validate.text(fields["notes"], "notes", required=False)
        if "lines" in fields:
            clean = parse_lines(s, fields["lines"])
            changes["amount"] = sum((line[3] for line in clean), ZERO)
            s.db.execute("DELETE FROM contract_lines WHERE contract_id = ?", [contract.id])
            _insert_lines(s, contract.id, clean)
            planned = s.db.scalar("SELECT sum(amount) FROM instalments WHERE contract_id = ?", [contract.id])
            if planned is not None and planned != changes["amount"]:
                s.db.execute("DELETE FROM instalments WHERE contract_id = ?", [contract.id])
        if changes:
            sets = ", ".join(f"{column} = ?" for column in changes)
            s.db.execute(f"UPDATE contracts SET {sets} WHERE id = ?", [*changes.values(), contract.id])
            s.audit("update", KIND, contract.id, before={k: getattr(contract, k) for k in changes if k != "lines"},
                    after=changes)
        return fetch(s, contract.id)

    @action
    def sign(self, contract_id: int, *, signed_on=None) -> Contract:
        """Sign a draft (on the scenario date unless `signed_on` is given, never in the future).

        Without an instalment plan, one instalment of the whole amount falls due
        `payment_terms` days after signing. The returned contract carries a warning
        when the customer is now over its credit limit.
        """
        s = self._s
        contract = fetch(s, contract_id, write=True)
        signed_on = validate.date(signed_on, "signed_on", required=False) or s.today()
        if signed_on > s.today():
            raise InvalidInput("error.future_date", field="signed_on", today=s.today().isoformat())
        if signed_on < contract.created_on:
            raise InvalidInput("contract.signed_before_created", field="signed_on", created=contract.created_on.isoformat())
        CONTRACT.check(contract.id, contract.status, "sign")
        # A plan set with crm.payments.schedule always adds up (update() drops one that no longer does).
        if not s.db.scalar("SELECT count(*) FROM instalments WHERE contract_id = ?", [contract.id]):
            s.db.execute("INSERT INTO instalments VALUES (?, ?, 1, ?, ?)",
                         [s.db.next_id("instalments"), contract.id,
                          signed_on + dt.timedelta(days=contract.payment_terms), contract.amount])
        CONTRACT.move(s, contract.id, contract.status, "sign")
        s.db.execute("UPDATE contracts SET status = 'signed', signed_on = ? WHERE id = ?", [signed_on, contract.id])
        s.audit("sign", KIND, contract.id, before={"status": contract.status},
                after={"status": "signed", "signed_on": signed_on})
        return fetch(s, contract.id)

    @action
    def fulfil(self, contract_id: int) -> Contract:
        """Mark a signed contract fulfilled: refused until every line has been shipped in full."""
        s = self._s
        contract = fetch(s, contract_id, write=True)
        check_fulfil(s, contract)
        CONTRACT.move(s, contract.id, contract.status, "fulfil")
        s.db.execute("UPDATE contracts SET status = 'fulfilled', fulfilled_on = ? WHERE id = ?", [s.today(), contract.id])
        s.audit("fulfil", KIND, contract.id, before={"status": contract.status}, after={"status": "fulfilled"})
        return fetch(s, contract.id)

    @action
    def cancel(self, contract_id: int, reason: str) -> Contract:
        """Cancel a draft, or a signed contract on which nothing has been shipped or paid yet."""
        s = self._s
        contract = fetch(s, contract_id, write=True)
        reason = validate.text(reason, "contract_cancel_reason", max_length=500)
        check_cancel(s, contract)
        CONTRACT.move(s, contract.id, contract.status, "cancel", note=reason)
        s.db.execute("UPDATE contracts SET status = 'cancelled', cancelled_on = ?, cancel_reason = ? WHERE id = ?",
                     [s.today(), reason, contract.id])
        s.audit("cancel", KIND, contract.id, before={"status": contract.status},
                after={"status": "cancelled", "cancel_reason": reason})
        return fetch(s, contract.id)

    @query
    def lines(self, contract_id: int) -> pd.DataFrame:
        """The contract's lines with what has been shipped, returned and is still to ship."""
        contract = fetch(self._s, contract_id)
        return self._s.db.df(
            "SELECT l.id, l.product_id, p.code AS product_code, p.name AS product, l.quantity, l.unit_price, l.amount, "
            "coalesce(sh.shipped, 0)::INTEGER AS shipped, coalesce(rt.returned, 0)::INTEGER AS returned, "
            "(l.quantity - coalesce(sh.shipped, 0))::INTEGER AS to_ship "
            "FROM contract_lines l JOIN products p ON p.id = l.product_id "
            "LEFT JOIN (SELECT sl.product_id, sum(sl.quantity) AS shipped FROM shipment_lines sl "
            "           JOIN shipments h ON h.id = sl.shipment_id WHERE h.contract_id = ? GROUP BY ALL) sh "
            "       ON sh.product_id = l.product_id "
            "LEFT JOIN (SELECT rl.product_id, sum(rl.quantity) AS returned FROM return_lines rl "
            "           JOIN sales_returns r ON r.id = rl.return_id WHERE r.contract_id = ? GROUP BY ALL) rt "
            "       ON rt.product_id = l.product_id "
            "WHERE l.contract_id = ? ORDER BY l.id", [contract.id, contract.id, contract.id])

    @query
    def list(self, *, customer_id: int | None = None, status: str | None = None, owner=None,
             since=None, until=None, search: str | None = None, sort: str | None = None,
             descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Contracts you may see, newest first (or by `sort`, one of `SORTABLE`), paged (`limit`
        rows from `offset`), with paid and outstanding amounts.

        `since` / `until` filter on the creation date; `search` is text in the contract number,
        the title, the customer's or the owner's name.

        >>> crm.contracts.list(status="signed", sort="outstanding", descending=True, limit=12)
        """
        where, params = self._filters(customer_id, status, owner, since, until, search)
        order = validate.order(sort, descending, SORTABLE, default="k.created_on DESC, k.id DESC", tie="k.id")
        return self._s.db.df(
            "SELECT k.id, k.contract_no, k.customer_id, c.name AS customer_name, k.owner_id, u.name AS owner_name, "
            "k.title, k.amount, k.status, k.created_on, k.signed_on, k.start_date, k.end_date, "
            "t.returned, t.paid, t.overpaid, "
            "CASE WHEN k.status IN ('signed', 'fulfilled') THEN k.amount - t.returned - t.paid ELSE 0 END "
            "    ::DECIMAL(16,2) AS outstanding "
            f"{FROM_SQL} JOIN {totals_sql()} ON t.contract_id = k.id "
            f"WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, customer_id: int | None = None, status: str | None = None, owner=None,
              since=None, until=None, search: str | None = None) -> int:
        """How many contracts `list()` with the same filters returns (for paging)."""
        where, params = self._filters(customer_id, status, owner, since, until, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, customer_id, status, owner, since, until, search) -> tuple[str, list]:
        s = self._s
        where, params = [s.scope(KIND, "k.owner_id")], []
        if customer_id is not None:
            where.append("k.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        if status is not None:
            where.append("k.status = ?"), params.append(validate.one_of(status, "status", CONTRACT.states))
        if owner is not None:
            where.append("k.owner_id = ?"), params.append(load_user(s.db, owner).id)
        dated, args = validate.period("k.created_on", since, until)
        where += dated
        params += args
        found, args = validate.matching(search, ("k.contract_no", "c.name", "k.title", "u.name"))
        return " AND ".join(where + found), params + args
