"""Products on opportunities (O10): line items, the expected amount they make, the order a win makes.

The verbs live on `crm.opportunities` (this module's `LineVerbs` is mixed into it):

    opp = rep.opportunities.add("Lakeside Hotel", "Notebooks for the new wing", probability=30,
                                lines=[{"product": "NB-14", "quantity": 3, "discount": 0.1}])
    rep.opportunities.set_lines(opp.id, [{"product": "NB-14", "quantity": 5, "unit_price": 5200}])
    rep.opportunities.lines(opp.id)     # a DataFrame, in line order

Rules (docs/sales.md):
- A line is a product (id or code, active), a whole quantity ≥ 1, a unit price ≥ 0 (default: the
  product's list price) and a discount in [0, 1) (default 0). Its amount is
  quantity × round(unit_price × (1 − discount), 2): the net unit price is what the won order's
  line records, so order and opportunity agree to the cent.
- The expected amount is the sum of the lines unless given explicitly (`expected_amount=` to
  `add`/`set_lines`, or `update`); setting lines again recomputes it unless you give one.
- Lines change only while the opportunity is open, by whoever may `update` it; one audit row
  (`set_lines`) per change, with the lines before and after.
- Winning an opportunity that has lines records them as an order of the customer it becomes
  (created or linked), on the day it is won, owned by the customer's owner.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation, ROUND_HALF_UP

import pandas as pd

from .. import validate
from ..customers.orders import insert_order
from ..errors import InvalidInput
from ..session import Session, action, query
# OpportunityLine stays importable from here (F401): workspaces recorded it as
# "crm_engine.opportunity_lines:OpportunityLine" (course.encode).
from .opportunity import (
    KIND,
    LINE_SELECT,
    OPPORTUNITY,
    OpportunityLine,
    authorise,
    check_holder_verb,
    fetch,
    load,
)

MAX_LINES = 200
CENT = Decimal("0.01")
def net_price(unit_price: Decimal, discount: Decimal) -> Decimal:
    """The unit price after the discount, to the cent."""
    return (unit_price * (1 - discount)).quantize(CENT, rounding=ROUND_HALF_UP)


def _product(s: Session, product, number: int) -> tuple[int, Decimal]:
    if product is None or (isinstance(product, str) and not product.strip()) or isinstance(product, bool):
        raise InvalidInput("opportunity.line_product", field="product", line=number)
    column = "code" if isinstance(product, str) else "id"
    key = product.strip() if isinstance(product, str) else product
    if column == "id":
        key = validate.integer(product, "product")
    row = s.db.one(f"SELECT id, active, price FROM products WHERE {column} = ?", [key])
    if row is None or not row[1]:
        codes = [c for (c,) in s.db.rows("SELECT code FROM products WHERE active ORDER BY code")]
        raise InvalidInput("opportunity.unknown_product", field="product", line=number, product=product,
                           codes=", ".join(codes) or "-")
    return row[0], row[2]


def _quantity(value, number: int) -> int:
    # validate.integer would truncate a Decimal 2.5 silently; a fraction of a product is refused.
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
        raise InvalidInput("error.not_integer", field="quantity", value=value)
    quantity = validate.integer(value, "quantity", required=True)
    if quantity < 1 or quantity > 10_000_000:
        raise InvalidInput("opportunity.line_quantity", field="quantity", line=number, value=value)
    return quantity


def _discount(value, number: int) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal("0")
    if isinstance(value, bool):
        raise InvalidInput("error.not_number", field="discount", value=value)
    try:
        discount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput("error.not_number", field="discount", value=value) from None
    if not discount.is_finite() or not Decimal(0) <= discount < Decimal(1):
        raise InvalidInput("opportunity.line_discount", field="discount", line=number, value=value)
    if discount != discount.quantize(Decimal("0.0001")):
        raise InvalidInput("opportunity.line_discount", field="discount", line=number, value=value)
    return discount


def check_lines(s: Session, lines) -> list[tuple[int, int, Decimal, Decimal, Decimal]]:
    """Validate line items: [(product_id, quantity, unit_price, discount, amount)], in the order given."""
    if lines is None:
        return []
    if isinstance(lines, (str, bytes, dict)) or not isinstance(lines, (list, tuple)):
        raise InvalidInput("opportunity.lines_list", field="opportunity_lines")
    if len(lines) > MAX_LINES:
        raise InvalidInput("opportunity.too_many_lines", field="opportunity_lines", maximum=MAX_LINES)
    clean = []
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, dict):
            raise InvalidInput("opportunity.lines_list", field="opportunity_lines")
        unknown = set(line) - {"product", "quantity", "unit_price", "discount"}
        if unknown:
            raise InvalidInput("error.unknown_field", field=sorted(unknown)[0])
        product_id, list_price = _product(s, line.get("product"), number)
        quantity = _quantity(line.get("quantity"), number)
        price = line.get("unit_price")
        price = list_price if price is None else validate.amount(price, "unit_price")
        discount = _discount(line.get("discount"), number)
        clean.append((product_id, quantity, Decimal(price), discount, net_price(Decimal(price), discount) * quantity))
    return clean


def total(clean) -> Decimal:
    return sum((line[4] for line in clean), Decimal("0.00"))


def write_lines(s: Session, opportunity_id: int, clean) -> None:
    """Replace the opportunity's lines with `clean` (from `check_lines`)."""
    s.db.execute("DELETE FROM opportunity_lines WHERE opportunity_id = ?", [opportunity_id])
    if clean:
        first = s.db.next_id("opportunity_lines")
        s.db.con.executemany("INSERT INTO opportunity_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [[first + i, opportunity_id, *line] for i, line in enumerate(clean)])


def described(lines) -> list[dict]:
    """Lines as plain records for the audit trail."""
    return [{"product_id": line[0], "quantity": line[1], "unit_price": line[2], "discount": line[3],
             "amount": line[4]} for line in lines]


def carry_to_order(s: Session, opportunity_id: int, customer_id: int) -> int | None:
    """Record a won opportunity's lines as an order of `customer_id` (today); its id, or None
    when the opportunity has no lines."""
    rows = s.db.rows("SELECT product_id, quantity, unit_price, discount, amount FROM opportunity_lines "
                     "WHERE opportunity_id = ? ORDER BY id", [opportunity_id])
    if not rows:
        return None
    lines = [(product, quantity, net_price(price, discount), amount)
             for product, quantity, price, discount, amount in rows]
    return insert_order(s, customer_id, lines, s.today())


class LineVerbs:
    """Line-item verbs of `crm.opportunities`."""

    _s: Session

    @query
    def lines(self, opportunity_id: int) -> pd.DataFrame:
        """The products on an opportunity you may see, in line order: product code and name,
        category, quantity, unit price, discount and amount."""
        opp = fetch(self._s, opportunity_id)
        return self._s.db.df(f"{LINE_SELECT} WHERE l.opportunity_id = ? ORDER BY l.id", [opp.id])

    @action
    def set_lines(self, opportunity_id: int, lines: list[dict], *, expected_amount=None):
        """Replace the products on an open opportunity; the expected amount becomes the lines'
        total unless you give one (an empty list keeps the amount as it is).

            rep.opportunities.set_lines(opp.id, [{"product": "NB-14", "quantity": 3, "discount": 0.1}])
        """
        s = self._s
        opp = fetch(s, opportunity_id)
        clean = check_lines(s, lines)
        amount = validate.amount(expected_amount, "expected_amount", required=False)
        check_holder_verb(s, opp, "set_lines")
        before = s.db.rows("SELECT product_id, quantity, unit_price, discount, amount FROM opportunity_lines "
                           "WHERE opportunity_id = ? ORDER BY id", [opp.id])
        if amount is None:
            amount = total(clean) if clean else opp.expected_amount
        write_lines(s, opp.id, clean)
        if amount != opp.expected_amount:
            s.db.execute("UPDATE opportunities SET expected_amount = ? WHERE id = ?", [amount, opp.id])
        s.audit("set_lines", KIND, opp.id, before={"lines": described(before), "expected_amount": opp.expected_amount},
                after={"lines": described(clean), "expected_amount": amount})
        return load(s, opp.id)
