"""Order history (C2): orders with lines, tied to a customer and its owner.

Orders follow their customer's scope: you see the orders of the customers you
may see. Shipments, returns and payments against them live in their own areas.
"""
from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from decimal import Decimal

import pandas as pd

from .. import validate
from .cards import fetch as fetch_customer, visible
from .churn import order_recorded
from ..errors import InvalidInput, NotFound
from ..session import Area, action, query


@dataclass(frozen=True)
class Order:
    id: int
    customer_id: int
    order_no: str
    order_date: dt.date
    amount: Decimal
    status: str
    owner_id: int | None


ORDER_COLUMNS = "id, customer_id, order_no, order_date, amount, status, owner_id"


def insert_order(s, customer_id: int, lines, order_date, order_no: str | None = None) -> int:
    """Write an order of `customer_id` (owned by the customer's owner) with checked `lines`
    [(product_id, quantity, unit_price, amount)] and its audit row; its id. `Orders.add` and a
    won opportunity (sales/opportunity_lines.py) both record orders through here."""
    order_id = s.db.next_id("orders")
    order_no = order_no or f"SO{order_date:%Y%m%d}-{order_id}"
    total = sum((line[3] for line in lines), Decimal("0"))
    owner_id = s.db.scalar("SELECT owner_id FROM customers WHERE id = ?", [customer_id])
    s.db.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?, 'confirmed', ?)",
                 [order_id, customer_id, order_no, order_date, total, owner_id])
    first_line = s.db.next_id("order_lines")
    s.db.con.executemany("INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?)",
                         [[first_line + i, order_id, *line] for i, line in enumerate(lines)])
    s.audit("create", "order", order_id, after={"customer_id": customer_id, "order_no": order_no,
                                                "order_date": order_date, "amount": total, "lines": len(lines)})
    order_recorded(s, customer_id)  # an order may end a churn warning (churn.py)
    return order_id


class Orders(Area):
    """`crm.orders`: record orders for your customers and read their history."""

    @action
    def add(self, customer_id: int, lines: list[dict], *, order_date=None, order_no: str | None = None) -> Order:
        """Record an order: `lines` is a list of `{"product": id or code, "quantity": n, "unit_price": x}`
        (the unit price defaults to the product's list price)."""
        s = self._s
        customer = fetch_customer(s, customer_id, write=True)
        order_date = validate.date(order_date, "order_date", required=False) or s.today()
        if order_date > s.today():
            raise InvalidInput("error.future_date", field="order_date", today=s.today().isoformat())
        if not isinstance(lines, (list, tuple)) or not lines:
            raise InvalidInput("order.no_lines", field="lines")
        order_no = validate.text(order_no, "order_no", required=False, max_length=40)
        clean = []
        for number, line in enumerate(lines, start=1):
            if not isinstance(line, dict):
                raise InvalidInput("order.bad_line", field="lines", line=number)
            product = self._product(line.get("product"))
            quantity = validate.integer(line.get("quantity"), "quantity", minimum=1, maximum=10_000_000)
            price = validate.amount(line.get("unit_price", product[2]), "unit_price")
            clean.append((product[0], quantity, price, (price * quantity).quantize(Decimal("0.01"))))
        order_id = insert_order(s, customer.id, clean, order_date, order_no)
        return self.get(order_id)

    def _product(self, product):
        if product is None or (isinstance(product, str) and not product.strip()):
            raise InvalidInput("error.required", field="product")
        column = "code" if isinstance(product, str) else "id"
        row = self._s.db.one(f"SELECT id, active, price FROM products WHERE {column} = ?", [product])
        if row is None:
            raise NotFound("product.not_found", id=product)
        if not row[1]:
            raise InvalidInput("product.inactive", field="product", id=product)
        return row

    @query
    def get(self, order_id: int) -> Order:
        order_id = validate.record_id(order_id, "order")
        row = self._s.db.one(f"SELECT {ORDER_COLUMNS} FROM orders WHERE id = ?", [order_id])
        if row is None:
            raise NotFound("order.not_found", id=order_id)
        fetch_customer(self._s, row[1])  # NotFound unless you may see the customer
        return Order(*row)

    @query
    def lines(self, order_id: int) -> pd.DataFrame:
        order = self.get(order_id)
        return self._s.db.df(
            "SELECT l.id, p.code AS product_code, p.name AS product, l.quantity, l.unit_price, l.amount "
            "FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = ? ORDER BY l.id", [order.id])

    @query
    def list(self, *, customer_id: int | None = None, since=None, until=None,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Orders of the customers you may see, newest first, paged (`limit` rows from `offset`)."""
        where, params = [visible(self._s)], []
        if customer_id is not None:
            where.append("o.customer_id = ?"), params.append(validate.record_id(customer_id, "customer"))
        dated, args = validate.period("o.order_date", since, until)
        where += dated
        params += args
        page = validate.page(limit, offset)
        return self._s.db.df(
            "SELECT o.id, o.customer_id, c.name AS customer_name, o.order_no, o.order_date, o.amount, o.status, o.owner_id "
            f"FROM orders o JOIN customers c ON c.id = o.customer_id WHERE {' AND '.join(where)} "
            f"ORDER BY o.order_date DESC, o.id DESC{page}", params)
