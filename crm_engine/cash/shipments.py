"""Shipments (B1): goods leaving the warehouse against a contract or an order.

Rules:
- A shipment is made against exactly one signed contract or one (not cancelled)
  order, for products on it. Per product, everything shipped against it never
  exceeds what was ordered (a return does not make room for a re-shipment: a
  return reverses part of the sale).
- Shipping takes the quantity out of `products.stock`; stock never goes below
  zero — a shipment the stock cannot cover is refused whole, naming the product.
- Who may ship follows the sharing policy for kind `shipment`, measured on the
  owner of what is shipped: the contract's owner, or the customer's owner for an
  order (orders follow their customer, see `customers/orders.py`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import validate
from .contracts import fetch as fetch_contract, product_row
from ..customers.cards import fetch as fetch_customer
from ..errors import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from ..i18n import Term
from ..session import Area, Session, action, load_user, query

KIND = "shipment"
# The owner a shipment's scope is measured on (aliases: h shipments, k contracts, c customers).
OWNER_SQL = "coalesce(k.owner_id, c.owner_id)"
FROM_SQL = ("FROM shipments h JOIN customers c ON c.id = h.customer_id "
            "LEFT JOIN contracts k ON k.id = h.contract_id LEFT JOIN orders o ON o.id = h.order_id")
# What `list(sort=…)` may sort by (name → SQL).
SORTABLE = {"shipped_on": "h.shipped_on", "customer_name": "c.name"}


@dataclass(frozen=True)
class Source:
    """What goods are shipped against: a contract or an order."""

    kind: str            # "contract" | "order"
    id: int
    number: str          # contract_no / order_no
    customer_id: int
    owner_id: int | None
    status: str
    since: dt.date       # the earliest possible shipping date

    @property
    def column(self) -> str:
        return f"{self.kind}_id"


@dataclass(frozen=True)
class Shipment:
    id: int
    shipment_no: str
    customer_id: int
    contract_id: int | None
    order_id: int | None
    shipped_on: dt.date
    notes: str | None
    created_by: int


SHIPMENT_COLUMNS = "id, shipment_no, customer_id, contract_id, order_id, shipped_on, notes, created_by"


def source_for(s: Session, contract_id=None, order_id=None, *, kind: str = KIND, write: bool = True) -> Source:
    """The contract or order named (exactly one), checked against the policy for `kind`."""
    if (contract_id is None) == (order_id is None):
        raise InvalidInput("shipment.one_source", field="contract")
    if contract_id is not None:
        k = fetch_contract(s, contract_id, write=write, kind=kind)
        return Source("contract", k.id, k.contract_no, k.customer_id, k.owner_id, k.status, k.signed_on or k.created_on)
    order_id = validate.record_id(order_id, "order")
    row = s.db.one("SELECT id, order_no, customer_id, status, order_date FROM orders WHERE id = ?", [order_id])
    if row is None:
        raise NotFound("order.not_found", id=order_id)
    try:
        customer = fetch_customer(s, row[2])
    except NotFound:
        raise NotFound("order.not_found", id=order_id) from None
    if write and not s.can_write(kind, customer.owner_id):
        owner = load_user(s.db, customer.owner_id).name if customer.owner_id else "—"
        raise NotAllowed("shipment.order_not_yours", no=row[1], owner=owner)
    return Source("order", row[0], row[1], row[2], customer.owner_id, row[3], row[4])


def ordered(s: Session, source: Source) -> dict[int, tuple[str, int]]:
    """product id → (code, quantity ordered) on the contract or order."""
    table = "contract_lines" if source.kind == "contract" else "order_lines"
    rows = s.db.rows(
        f"SELECT l.product_id, p.code, sum(l.quantity)::INTEGER FROM {table} l JOIN products p ON p.id = l.product_id "
        f"WHERE l.{source.column} = ? GROUP BY ALL ORDER BY min(l.id)", [source.id])
    return {product_id: (code, quantity) for product_id, code, quantity in rows}


def shipped(s: Session, source: Source) -> dict[int, int]:
    """product id → quantity shipped so far against the contract or order."""
    return dict(s.db.rows(
        f"SELECT l.product_id, sum(l.quantity)::INTEGER FROM shipment_lines l JOIN shipments h ON h.id = l.shipment_id "
        f"WHERE h.{source.column} = ? GROUP BY ALL", [source.id]))


def requested(s: Session, lines, field: str, products: dict[int, tuple[str, int]], remaining: dict[int, int], *,
              nothing_key: str, kind: Term, no: str) -> dict[int, int]:
    """Lines given as `{product: quantity}` or `[{"product": …, "quantity": …}]` → {product id: quantity}.

    `None` means everything still `remaining`. Each product must be on the
    contract / order / shipment, once, with a quantity of at least 1.
    """
    if lines is None:
        wanted = {p: q for p, q in remaining.items() if q > 0}
        if not wanted:
            raise InvalidInput(nothing_key, field=field, kind=kind, no=no)
        return wanted
    if isinstance(lines, dict):
        lines = [{"product": p, "quantity": q} for p, q in lines.items()]
    if not isinstance(lines, (list, tuple)) or not lines:
        raise InvalidInput("shipment.no_lines", field=field)
    wanted = {}
    for position, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise InvalidInput("shipment.bad_line", field=field, line=position)
        product_id, code, _price, _active = product_row(s, line.get("product"))
        if product_id not in products:
            raise InvalidInput("shipment.not_on_source", field="product", product=code, kind=kind, no=no)
        if product_id in wanted:
            raise InvalidInput("shipment.duplicate_product", field=field, product=code)
        wanted[product_id] = validate.integer(line.get("quantity"), "quantity", minimum=1, maximum=10_000_000)
    return wanted


def on_date(s: Session, value, field: str, earliest: dt.date) -> dt.date:
    day = validate.date(value, field, required=False) or s.today()
    if day > s.today():
        raise InvalidInput("error.future_date", field=field, today=s.today().isoformat())
    if day < earliest:
        raise InvalidInput("shipment.too_early", field=field, date=day.isoformat(), earliest=earliest.isoformat())
    return day


def fetch_shipment(s: Session, shipment_id, *, kind: str = KIND, write: bool = False) -> tuple[Shipment, Source]:
    """A shipment you may see (and, with `write`, act on under the policy for `kind`), with its source."""
    shipment_id = validate.record_id(shipment_id, "shipment")
    row = s.db.one(f"SELECT {SHIPMENT_COLUMNS} FROM shipments WHERE id = ?", [shipment_id])
    if row is None:
        raise NotFound("shipment.not_found", id=shipment_id)
    shipment = Shipment(*row)
    try:
        source = source_for(s, shipment.contract_id, shipment.order_id, kind=kind, write=False)
    except NotFound:
        raise NotFound("shipment.not_found", id=shipment_id) from None
    if not (s.can_read(KIND, source.owner_id) or s.can_read(kind, source.owner_id)):
        raise NotFound("shipment.not_found", id=shipment_id)
    if write and not s.can_write(kind, source.owner_id):
        raise NotAllowed("shipment.not_yours", no=shipment.shipment_no)
    return shipment, source


class Shipments(Area):
    """`crm.shipments`: ship goods against a contract or an order."""

    @action
    def add(self, *, contract_id: int | None = None, order_id: int | None = None, lines=None,
            shipped_on=None, notes: str | None = None) -> Shipment:
        """Ship against a signed contract or an order; `lines=None` ships everything still to ship.

            crm.shipments.add(contract_id=3, lines={"NB-14": 5})
            crm.shipments.add(order_id=12)            # the rest of the order

        Refused whole — nothing shipped, stock untouched — when a quantity exceeds
        what is left to ship or what is in stock.
        """
        s = self._s
        source = source_for(s, contract_id, order_id)
        label = Term(f"cash.source.{source.kind}")
        if source.kind == "contract" and source.status != "signed":
            raise TransitionNotAllowed("shipment.contract_state", no=source.number,
                                       state=Term(f"state.contract.{source.status}"))
        if source.kind == "order" and source.status == "cancelled":
            raise TransitionNotAllowed("shipment.order_cancelled", no=source.number)
        products = ordered(s, source)
        done = shipped(s, source)
        remaining = {p: q - done.get(p, 0) for p, (_code, q) in products.items()}
        wanted = requested(s, lines, "shipment_lines", products, remaining, nothing_key="shipment.nothing_left",
                           kind=label, no=source.number)
        day = on_date(s, shipped_on, "shipped_on", source.since)
        notes = validate.text(notes, "notes", required=False)
        stock = dict(s.db.rows(f"SELECT id, stock FROM products WHERE id IN ({','.join(map(str, wanted))})"))
        for product_id, quantity in wanted.items():
            code, total = products[product_id]
            if quantity > remaining[product_id]:
                raise InvalidInput("shipment.exceeds_ordered", field="quantity", product=code, kind=label,
                                   no=source.number, ordered=total, shipped=done.get(product_id, 0), quantity=quantity)
            if quantity > stock[product_id]:
                raise NotAllowed("shipment.out_of_stock", product=code, stock=stock[product_id], quantity=quantity)
        shipment_id = s.db.next_id("shipments")
        number = f"SH{day:%Y%m%d}-{shipment_id}"
        s.db.execute("INSERT INTO shipments VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [shipment_id, number, source.customer_id, source.id if source.kind == "contract" else None,
                      source.id if source.kind == "order" else None, day, notes, s.user.id])
        first = s.db.next_id("shipment_lines")
        for i, (product_id, quantity) in enumerate(wanted.items()):
            s.db.execute("INSERT INTO shipment_lines VALUES (?, ?, ?, ?)", [first + i, shipment_id, product_id, quantity])
            s.db.execute("UPDATE products SET stock = stock - ? WHERE id = ?", [quantity, product_id])
        s.audit("create", KIND, shipment_id, after={
            "shipment_no": number, source.column: source.id, "shipped_on": day,
            "lines": {products[p][0]: q for p, q in wanted.items()}})
        return self.get(shipment_id)

    @query
    def get(self, shipment_id: int) -> Shipment:
        """One shipment, if you may see it."""
        return fetch_shipment(self._s, shipment_id)[0]

    @query
    def lines(self, shipment_id: int) -> pd.DataFrame:
        """Products and quantities of one shipment, with what has been returned of each."""
        shipment, _source = fetch_shipment(self._s, shipment_id)
        return self._s.db.df(
            "SELECT l.product_id, p.code AS product_code, p.name AS product, l.quantity, "
            "coalesce((SELECT sum(rl.quantity) FROM return_lines rl JOIN sales_returns r ON r.id = rl.return_id "
            "          WHERE r.shipment_id = l.shipment_id AND rl.product_id = l.product_id), 0)::INTEGER AS returned "
            "FROM shipment_lines l JOIN products p ON p.id = l.product_id WHERE l.shipment_id = ? ORDER BY l.id",
            [shipment.id])

    @query
    def outstanding(self, *, contract_id: int | None = None, order_id: int | None = None) -> pd.DataFrame:
        """Per product of a contract or order: ordered, shipped, still to ship, and in stock."""
        s = self._s
        source = source_for(s, contract_id, order_id, write=False)
        done = shipped(s, source)
        rows = [(code, quantity, done.get(p, 0), quantity - done.get(p, 0), p)
                for p, (code, quantity) in ordered(s, source).items()]
        frame = pd.DataFrame(rows, columns=["product_code", "ordered", "shipped", "to_ship", "product_id"])
        stock = dict(s.db.rows("SELECT id, stock FROM products"))
        frame["stock"] = frame["product_id"].map(stock).astype("int64")
        return frame

    @query
    def list(self, *, contract_id: int | None = None, order_id: int | None = None, customer_id: int | None = None,
             since=None, until=None, search: str | None = None, sort: str | None = None, descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Shipments you may see, newest first (or by `sort`, one of `SORTABLE`), paged (`limit` rows
        from `offset`), with their total quantity; `search` is text in the shipment, contract or
        order number or the customer's name."""
        where, params = self._filters(contract_id, order_id, customer_id, since, until, search)
        order = validate.order(sort, descending, SORTABLE, default="h.shipped_on DESC, h.id DESC", tie="h.id")
        return self._s.db.df(
            "SELECT h.id, h.shipment_no, h.customer_id, c.name AS customer_name, h.contract_id, k.contract_no, "
            "h.order_id, o.order_no, h.shipped_on, "
            "(SELECT sum(l.quantity) FROM shipment_lines l WHERE l.shipment_id = h.id)::INTEGER AS quantity, h.notes "
            f"{FROM_SQL} WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, contract_id: int | None = None, order_id: int | None = None, customer_id: int | None = None,
              since=None, until=None, search: str | None = None) -> int:
        """How many shipments `list()` with the same filters returns (for paging)."""
        where, params = self._filters(contract_id, order_id, customer_id, since, until, search)
        return self._s.db.scalar(f"SELECT count(*) {FROM_SQL} WHERE {where}", params)

    def _filters(self, contract_id, order_id, customer_id, since, until, search) -> tuple[str, list]:
        where, params = [self._s.scope(KIND, OWNER_SQL)], []
        for column, value, field in (("h.contract_id", contract_id, "contract"), ("h.order_id", order_id, "order"),
                                     ("h.customer_id", customer_id, "customer")):
            if value is not None:
                where.append(f"{column} = ?"), params.append(validate.record_id(value, field))
        dated, args = validate.period("h.shipped_on", since, until)
        where += dated
        params += args
        found, args = validate.matching(search, ("h.shipment_no", "c.name", "k.contract_no", "o.order_no"))
        return " AND ".join(where + found), params + args
