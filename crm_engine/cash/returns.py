"""Sales returns (B1): goods a customer sends back from a shipment.

Rules:
- A return is made against one shipment; per product, everything returned from
  that shipment never exceeds what it shipped.
- The goods go back into `products.stock`.
- A return is valued at the price the customer was charged (the contract line's
  unit price; for an order, the average price of that product's order lines) and
  stored with its customer, contract or order and date, so a contribution report
  subtracts it (`net_contribution`), and a contract's receivable shrinks by it
  (`payments.py`).
- Who may record a return follows the sharing policy for kind `sales_return`,
  on the same owner as the shipment's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import validate
from ..customers.cards import visible as visible_customers
from ..dictionary import require_code
from ..errors import InvalidInput, NotFound
from ..i18n import Term
from ..session import Area, Session, action, query
from .shipments import fetch_shipment, on_date, requested

KIND = "sales_return"
OWNER_SQL = "coalesce(k.owner_id, c.owner_id)"
FROM_SQL = ("FROM sales_returns r JOIN shipments h ON h.id = r.shipment_id JOIN customers c ON c.id = r.customer_id "
            "LEFT JOIN contracts k ON k.id = r.contract_id")
# What `list(sort=…)` may sort by (name → SQL).
SORTABLE = {"returned_on": "r.returned_on", "amount": "r.amount", "customer_name": "c.name"}


@dataclass(frozen=True)
class SalesReturn:
    id: int
    return_no: str
    shipment_id: int
    customer_id: int
    contract_id: int | None
    order_id: int | None
    returned_on: dt.date
    reason: str
    amount: Decimal
    notes: str | None
    created_by: int


RETURN_COLUMNS = "id, return_no, shipment_id, customer_id, contract_id, order_id, returned_on, reason, amount, notes, created_by"


def unit_prices(s: Session, contract_id: int | None, order_id: int | None) -> dict[int, Decimal]:
    """product id → the unit price the customer was charged on the contract or order."""
    if contract_id is not None:
        rows = s.db.rows("SELECT product_id, unit_price FROM contract_lines WHERE contract_id = ?", [contract_id])
    else:
        rows = s.db.rows("SELECT product_id, (sum(amount) / sum(quantity))::DECIMAL(14,2) FROM order_lines "
                         "WHERE order_id = ? GROUP BY ALL", [order_id])
    return {product_id: Decimal(price) for product_id, price in rows}


class Returns(Area):
    """`crm.returns`: goods coming back from a shipment."""

    @action
    def add(self, shipment_id: int, lines=None, *, reason: str, returned_on=None, notes: str | None = None) -> SalesReturn:
        """Record a return from a shipment; `lines=None` returns everything not yet returned.

            crm.returns.add(shipment.id, {"NB-14": 2}, reason="quality")

        `reason` is a code of the dictionary `return_reason`. The goods go back into stock.
        """
        s = self._s
        shipment, source = fetch_shipment(s, shipment_id, kind=KIND, write=True)
        reason = require_code(s, "return_reason", reason, "return_reason", required=True)
        shipped = dict((p, (code, q)) for p, code, q in s.db.rows(
            "SELECT l.product_id, p.code, sum(l.quantity)::INTEGER FROM shipment_lines l "
            "JOIN products p ON p.id = l.product_id WHERE l.shipment_id = ? GROUP BY ALL ORDER BY min(l.id)",
            [shipment.id]))
        back = dict(s.db.rows(
            "SELECT rl.product_id, sum(rl.quantity)::INTEGER FROM return_lines rl JOIN sales_returns r ON r.id = rl.return_id "
            "WHERE r.shipment_id = ? GROUP BY ALL", [shipment.id]))
        remaining = {p: q - back.get(p, 0) for p, (_code, q) in shipped.items()}
        wanted = requested(s, lines, "return_lines", shipped, remaining, nothing_key="return.nothing_left",
                           kind=Term("kind.shipment"), no=shipment.shipment_no)
        for product_id, quantity in wanted.items():
            if quantity > remaining[product_id]:
                code, total = shipped[product_id]
                raise InvalidInput("return.exceeds_shipped", field="quantity", product=code, no=shipment.shipment_no,
                                   shipped=total, returned=back.get(product_id, 0), quantity=quantity)
        day = on_date(s, returned_on, "returned_on", shipment.shipped_on)
        notes = validate.text(notes, "notes", required=False)
        prices = unit_prices(s, shipment.contract_id, shipment.order_id)
        priced = [(p, q, prices[p], (prices[p] * q).quantize(Decimal("0.01"))) for p, q in wanted.items()]
        total = sum((line[3] for line in priced), Decimal("0.00"))
        return_id = s.db.next_id("sales_returns")
        number = f"RT{day:%Y%m%d}-{return_id}"
        s.db.execute("INSERT INTO sales_returns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [return_id, number, shipment.id, shipment.customer_id, shipment.contract_id, shipment.order_id,
                      day, reason, total, notes, s.user.id])
        first = s.db.next_id("return_lines")
        for i, (product_id, quantity, price, amount) in enumerate(priced):
            s.db.execute("INSERT INTO return_lines VALUES (?, ?, ?, ?, ?, ?)",
                         [first + i, return_id, product_id, quantity, price, amount])
            s.db.execute("UPDATE products SET stock = stock + ? WHERE id = ?", [quantity, product_id])
        s.audit("create", KIND, return_id, after={
            "return_no": number, "shipment_id": shipment.id, "returned_on": day, "reason": reason, "amount": total,
            "lines": {shipped[p][0]: q for p, q in wanted.items()}})
        return self.get(return_id)

    @query
    def get(self, return_id: int) -> SalesReturn:
        """One return, if you may see it."""
        s = self._s
        return_id = validate.record_id(return_id, "sales_return")
        row = s.db.one(f"SELECT {RETURN_COLUMNS} FROM sales_returns WHERE id = ?", [return_id])
        if row is None:
            raise NotFound("return.not_found", id=return_id)
        try:
            fetch_shipment(s, row[2], kind=KIND)
        except NotFound:
            raise NotFound("return.not_found", id=return_id) from None
        return SalesReturn(*row)

    @query
    def lines(self, return_id: int) -> pd.DataFrame:
        """Products, quantities and values of one return."""
        item = self.get(return_id)
        return self._s.db.df(
            "SELECT l.product_id, p.code AS product_code, p.name AS product, l.quantity, l.unit_price, l.amount "
            "FROM return_lines l JOIN products p ON p.id = l.product_id WHERE l.return_id = ? ORDER BY l.id", [item.id])

    @query
    def list(self, *, customer_id: int | None = None, shipment_id: int | None = None, contract_id: int | None = None,
             order_id: int | None = None, since=None, until=None, search: str | None = None,
             sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Returns you may see, newest first (or by `sort`, one of `SORTABLE`), paged (`limit` rows
        from `offset`); `search` is text in the return or shipment number or the customer's name."""
        where, params = self._filters(customer_id, shipment_id, contract_id, order_id, since, until, search)
        order = validate.order(sort, descending, SORTABLE, default="r.returned_on DESC, r.id DESC", tie="r.id")
        return self._s.db.df(
            "SELECT r.id, r.return_no, r.shipment_id, h.shipment_no, r.customer_id, c.name AS customer_name, "
            "r.contract_id, r.order_id, r.returned_on, r.reason, r.amount, r.notes "
            f"{FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, customer_id: int | None = None, shipment_id: int | None = None, contract_id: int | None = None,
              order_id: int | None = None, since=None, until=None, search: str | None = None) -> int:
        """How many returns `list()` with the same filters returns (for paging)."""
        where, params = self._filters(customer_id, shipment_id, contract_id, order_id, since, until, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, customer_id, shipment_id, contract_id, order_id, since, until, search) -> tuple[str, list]:
        where, params = [self._s.scope(KIND, OWNER_SQL)], []
        for column, value, field in (("r.customer_id", customer_id, "customer"), ("r.shipment_id", shipment_id, "shipment"),
                                     ("r.contract_id", contract_id, "contract"), ("r.order_id", order_id, "order")):
            if value is not None:
                where.append(f"{column} = ?"), params.append(validate.record_id(value, field))
        dated, args = validate.period("r.returned_on", since, until)
        where += dated
        params += args
        found, args = validate.matching(search, ("r.return_no", "h.shipment_no", "c.name"))
        return " AND ".join(where + found), params + args

    @query
    def net_contribution(self, *, year: int | None = None) -> pd.DataFrame:
        """Per customer you may see: order and contract amounts, returns, and the net (R1 less returns).

        Orders count by order date, contracts (signed or fulfilled) by signing
        date and returns by return date; `year` keeps one calendar year.
        """
        s = self._s
        year = validate.integer(year, "contribution_year", required=False, minimum=1900, maximum=2200)
        keep = "TRUE" if year is None else f"year({{}}) = {int(year)}"
        return s.db.df(f"""
            WITH o AS (SELECT customer_id, sum(amount) AS v FROM orders WHERE {keep.format('order_date')} GROUP BY ALL),
                 k AS (SELECT customer_id, sum(amount) AS v FROM contracts
                       WHERE status IN ('signed', 'fulfilled') AND {keep.format('signed_on')} GROUP BY ALL),
                 r AS (SELECT customer_id, sum(amount) AS v FROM sales_returns
                       WHERE {keep.format('returned_on')} GROUP BY ALL)
            SELECT c.id AS customer_id, c.name AS customer_name,
                   coalesce(o.v, 0)::DECIMAL(18,2) AS order_amount,
                   coalesce(k.v, 0)::DECIMAL(18,2) AS contract_amount,
                   coalesce(r.v, 0)::DECIMAL(18,2) AS returned,
                   (coalesce(o.v, 0) + coalesce(k.v, 0) - coalesce(r.v, 0))::DECIMAL(18,2) AS net
            FROM customers c LEFT JOIN o ON o.customer_id = c.id LEFT JOIN k ON k.customer_id = c.id
                 LEFT JOIN r ON r.customer_id = c.id
            WHERE {visible_customers(s)} AND (o.v IS NOT NULL OR k.v IS NOT NULL OR r.v IS NOT NULL)
            ORDER BY net DESC, c.id""")
