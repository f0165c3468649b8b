"""The data dictionary (A3) and products.

Dictionary kinds (customer levels, regions, industries, reasons …) are data, in
both languages, so an administrator — or a scenario — can edit them without
touching code. Codes are what records store; names are what people read.
"""
from __future__ import annotations

from . import validate
from .errors import Conflict, InvalidInput, NotFound
from .i18n import Choices
from .session import Area, Session, action, query


def require_code(s: Session, kind: str, code, field: str | None = None, *, required: bool = False) -> str | None:
    """`code` if it is an active entry of dictionary `kind`, else a clear InvalidInput."""
    field = field or kind
    if code is None or (isinstance(code, str) and not code.strip()):
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    found = s.db.scalar("SELECT count(*) FROM dictionary WHERE kind = ? AND code = ? AND active", [kind, code])
    if not found:
        rows = s.db.rows("SELECT code, name_en, name_zh FROM dictionary WHERE kind = ? AND active ORDER BY sort_order",
                         [kind])
        raise InvalidInput("error.choice", field=field, value=code,
                           choices=Choices(tuple(r[0] for r in rows), {r[0]: {"en": r[1], "zh_CN": r[2]} for r in rows}))
    return code


class Dictionary(Area):
    """`crm.dictionary.list("region")`, `crm.dictionary.add("region", "hk", "Hong Kong", "香港")`."""

    @query
    def kinds(self) -> list[str]:
        return [r[0] for r in self._s.db.rows("SELECT DISTINCT kind FROM dictionary ORDER BY kind")]

    @query
    def list(self, kind: str, *, include_inactive: bool = False):
        """Entries of one kind, in display order, with the name in the session's language as `label`."""
        if kind not in self.kinds():
            raise NotFound("dictionary.no_kind", kind=kind)
        label = "name_zh" if self._s.language == "zh_CN" else "name_en"
        return self._s.db.df(
            f"SELECT code, {label} AS label, name_en, name_zh, sort_order, value, active FROM dictionary "
            f"WHERE kind = ? AND (active OR ?) ORDER BY sort_order, code",
            [kind, include_inactive],
        )

    @query
    def choices(self, kind: str) -> list[tuple[str, str]]:
        """(label, code) pairs for a dropdown."""
        return [(r.label, r.code) for r in self.list(kind).itertuples()]

    @query
    def label(self, kind: str, code: str) -> str:
        """The entry's name in the session's language (the code itself if there is none)."""
        column = "name_zh" if self._s.language == "zh_CN" else "name_en"
        # A list's page labels each row's region, level … : one read of the (small) dictionary per
        # action or click, not one query per cell — on a keep_open=False file each costs ~1.5 ms.
        names = self._s.db.memo(("dictionary", column), lambda: {
            (k, c): n for k, c, n in self._s.db.rows(f"SELECT kind, code, {column} FROM dictionary")})
        name = names.get((kind, code))
        return code if name is None else name

    @action
    def add(self, kind: str, code: str, name_en: str, name_zh: str, *, value: float | None = None) -> None:
        """Add an entry; both names are required (the CRM is bilingual)."""
        self._s.require_role("admin", action="edit_dictionary")
        kind = validate.text(kind, "kind", max_length=60)
        code = validate.text(code, "code", max_length=60)
        name_en = validate.text(name_en, "name_en", max_length=200)
        name_zh = validate.text(name_zh, "name_zh", max_length=200)
        db = self._s.db
        if db.scalar("SELECT count(*) FROM dictionary WHERE kind = ? AND code = ?", [kind, code]):
            raise Conflict("dictionary.exists", kind=kind, code=code)
        order = db.scalar("SELECT coalesce(max(sort_order), 0) + 1 FROM dictionary WHERE kind = ?", [kind])
        db.execute("INSERT INTO dictionary VALUES (?, ?, ?, ?, ?, ?, true)", [kind, code, name_en, name_zh, order, value])
        self._s.audit("create", "dictionary", None, after={"kind": kind, "code": code, "name_en": name_en, "name_zh": name_zh})

    @action
    def update(self, kind: str, code: str, *, name_en=None, name_zh=None, value=None, sort_order=None) -> None:
        self._s.require_role("admin", action="edit_dictionary")
        before = self._entry(kind, code)
        changes = {}
        if name_en is not None:
            changes["name_en"] = validate.text(name_en, "name_en", max_length=200)
        if name_zh is not None:
            changes["name_zh"] = validate.text(name_zh, "name_zh", max_length=200)
        if value is not None:
            changes["value"] = float(validate.amount(value, "value", minimum=-1e12))
        if sort_order is not None:
            changes["sort_order"] = validate.integer(sort_order, "sort_order", minimum=0)
        if changes:
            sets = ", ".join(f"{c} = ?" for c in changes)
            self._s.db.execute(f"UPDATE dictionary SET {sets} WHERE kind = ? AND code = ?", [*changes.values(), kind, code])
            self._s.audit("update", "dictionary", None, before=before, after=changes, note=f"{kind}/{code}")

    @action
    def deactivate(self, kind: str, code: str) -> None:
        """Hide an entry from new choices; records that use it keep it."""
        self._s.require_role("admin", action="edit_dictionary")
        self._entry(kind, code)
        self._s.db.execute("UPDATE dictionary SET active = false WHERE kind = ? AND code = ?", [kind, code])
        self._s.audit("deactivate", "dictionary", None, note=f"{kind}/{code}")

    def _entry(self, kind, code) -> dict:
        row = self._s.db.one("SELECT name_en, name_zh, value, sort_order FROM dictionary WHERE kind = ? AND code = ?", [kind, code])
        if row is None:
            raise NotFound("dictionary.not_found", kind=kind, code=code)
        return dict(zip(("name_en", "name_zh", "value", "sort_order"), row))


PRODUCT_COLUMNS = "id, code, name, category, unit, price, stock, active"


class Products(Area):
    """Products and their stock. Everyone may read the catalogue; the administrator edits it."""

    @action
    def add(self, code: str, name: str, *, price, category: str | None = None, unit: str = "pcs", stock: int = 0) -> int:
        self._s.require_role("admin", action="edit_products")
        code = validate.text(code, "code", max_length=40)
        name = validate.text(name, "name", max_length=200)
        price = validate.amount(price, "price")
        category = require_code(self._s, "product_category", category, "category")
        unit = validate.text(unit, "unit", max_length=20)
        stock = validate.integer(stock, "stock", minimum=0)
        db = self._s.db
        if db.scalar("SELECT count(*) FROM products WHERE code = ?", [code]):
            raise Conflict("product.exists", code=code)
        product_id = db.next_id("products")
        db.execute("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, true)", [product_id, code, name, category, unit, price, stock])
        self._s.audit("create", "product", product_id, after={"code": code, "name": name, "price": price, "stock": stock})
        return product_id

    @action
    def update(self, product_id: int, *, name=None, price=None, category=None, unit=None, active=None) -> None:
        self._s.require_role("admin", action="edit_products")
        before = self.get(product_id)
        changes = {}
        if name is not None:
            changes["name"] = validate.text(name, "name", max_length=200)
        if price is not None:
            changes["price"] = validate.amount(price, "price")
        if category is not None:
            changes["category"] = require_code(self._s, "product_category", category, "category")
        if unit is not None:
            changes["unit"] = validate.text(unit, "unit", max_length=20)
        if active is not None:
            changes["active"] = bool(active)
        if changes:
            sets = ", ".join(f"{c} = ?" for c in changes)
            self._s.db.execute(f"UPDATE products SET {sets} WHERE id = ?", [*changes.values(), before["id"]])
            self._s.audit("update", "product", before["id"], before={k: before[k] for k in changes}, after=changes)

    @action
    def receive(self, product_id: int, quantity: int, *, note: str | None = None) -> int:
        """Goods received into stock (a delivery from a supplier); returns the new stock."""
        self._s.require_role("admin", action="edit_products")
        product = self.get(product_id)
        quantity = validate.integer(quantity, "quantity", minimum=1, maximum=10_000_000)
        note = validate.text(note, "notes", required=False, max_length=200)
        self._s.db.execute("UPDATE products SET stock = stock + ? WHERE id = ?", [quantity, product["id"]])
        self._s.audit("receive", "product", product["id"], before={"stock": product["stock"]},
                      after={"stock": product["stock"] + quantity}, note=note)
        return product["stock"] + quantity

    @query
    def get(self, product_id: int) -> dict:
        product_id = validate.record_id(product_id, "product")
        row = self._s.db.one(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?", [product_id])
        if row is None:
            raise NotFound("product.not_found", id=product_id)
        return dict(zip(PRODUCT_COLUMNS.split(", "), row))

    @query
    def list(self, *, category: str | None = None, active: bool | None = True):
        where, params = ["TRUE"], []
        if category is not None:
            where.append("category = ?"), params.append(category)
        if active is not None:
            where.append("active = ?"), params.append(active)
        return self._s.db.df(f"SELECT {PRODUCT_COLUMNS} FROM products WHERE {' AND '.join(where)} ORDER BY code", params)
