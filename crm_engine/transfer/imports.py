"""Imports (A6): customers, contacts, products and orders from CSV, Excel or a DataFrame.

The rows land in DuckDB as text (`source.stage`), columns are renamed by a mapping, every row is
checked set-based by the same rules as the single-record verbs (validate.py: text without control
characters, lengths, numbers neither rounded nor out of range, dates from 1900 in one format per
column) and the good ones are inserted in one transaction: an aborted import leaves nothing behind.
The report lists every rejected row with its line and a reason in the session's language, and says
which encoding and which date format the file was read in.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Iterator

import duckdb
import pandas as pd

from .. import validate
from ..customers.cards import owner_for, visible
from ..errors import CRMError, ImportAborted, InvalidInput
from ..i18n import translate
from ..names import normalise
from ..session import Area, action
from . import codes, dates
from .source import stage

CHUNK = 200_000
PHONE = validate.PHONE_PATTERN  # the same rule as single adds
EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
CONTROL = validate.CONTROL
# What str.strip() removes, as an RE2 class: exactly the characters Python's isspace() accepts
# (checked over the whole BMP in tests/engine/test_transfer.py). trim(x, characters) would do
# the same ten times slower.
BLANK = r"[\s\x{0b}\pZ\x{1c}-\x{1f}\x{85}]"
# The same characters listed, for a cheap look at a value's first and last character: only
# values that start or end with a blank go through the regular expression (most go round it).
BLANKS = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
          "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# What each import takes: required and optional fields (after the column mapping).
FIELDS = {
    "customers": (("name",), ("phone", "email", "address", "owner", "level", "region", "industry",
                              "customer_type", "ownership", "company_size", "credit", "satisfaction",
                              "credit_limit", "legal_rep", "route", "founded", "assets")),
    "contacts": (("customer", "name"), ("title", "phone", "mobile", "email", "notes")),
    "products": (("code", "name", "price"), ("category", "unit", "stock")),
    "orders": (("order_no", "customer", "order_date", "product", "quantity"), ("unit_price",)),
}
# The longest text each field takes: the single-record verbs' limits (customers.add, add_contact,
# products.add, orders.add, validate.phone / email).
LONGEST = {
    "customers": {"name": 200, "address": 300, "legal_rep": 100, "route": 100, "phone": 40, "email": 200},
    "contacts": {"name": 100, "title": 100, "phone": 40, "mobile": 40, "email": 200, "notes": 2000},
    "products": {"code": 40, "name": 200, "unit": 20},
    "orders": {"order_no": 40},
}
CODE_FIELDS = {"level": "customer_level", "region": "region", "industry": "industry",
               "customer_type": "customer_type", "ownership": "ownership", "company_size": "company_size",
               "category": "product_category"}
# Upper bounds of the stored numbers (the schema's DECIMAL(14,2) prices, DECIMAL(16,2) amounts and
# INTEGER quantities): a larger value is a rejected row, never an aborted import.
MAX_PRICE, MAX_AMOUNT, MAX_INT, MAX_QUANTITY = 10 ** 12, 10 ** 14, 2 ** 31 - 1, 10_000_000
IMPORT_MEMORY = "400MB"   # DuckDB's memory limit while an import runs (its COMMIT included)
AMOUNT_SHAPE = r"[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"   # what Decimal() reads, no sign


@dataclass(frozen=True)
class ImportReport:
    """What an import did: how many rows came in, every rejected row with its reason, and how the
    file was read (its encoding, the date format of its dates)."""

    kind: str
    total: int
    imported: int
    rejected: pd.DataFrame  # line (as in the file, header = line 1), reason, and the row's values
    encoding: str | None = None       # a CSV file's encoding (None: Excel or a DataFrame)
    date_format: str | None = None    # the strptime format the dates were read in (orders)
    ignored: tuple = ()               # the file's columns no field reads (named, never dropped silently)
    notes: tuple = ()                 # what the import decided for you (codes added, names derived …)
    created: pd.DataFrame | None = None   # records the import made besides the rows (users, teams …)

    def __str__(self) -> str:
        read = [f"encoding {self.encoding}"] if self.encoding else []
        read += [f"dates {self.date_format}"] if self.date_format else []
        text = (f"{self.kind}: {self.imported} of {self.total} rows imported, {len(self.rejected)} rejected"
                + (f" ({'; '.join(read)})" if read else ""))
        if self.ignored:
            text += "\nignored columns: " + ", ".join(self.ignored)
        return "\n".join([text, *self.notes])


class Imports(Area):
    """`crm.imports.customers("list.csv", mapping={"公司名称": "name"})` → an ImportReport.

    Options of every import: `mapping` (file column → field), `encoding` (a CSV file's, when the
    detector cannot tell), `sheet` (Excel), `progress(done, total)` (False aborts), and for
    orders `date_format` (strptime, e.g. "%d.%m.%Y"; detected from the whole column otherwise)."""

    def customers(self, source, **options) -> ImportReport:
        """Customers; duplicates (normalised name) in the file or the workspace are rejected."""
        return self._run("customers", source, **options)

    def contacts(self, source, **options) -> ImportReport:
        """Contact persons of existing customers (matched by id or name)."""
        return self._run("contacts", source, **options)

    def products(self, source, **options) -> ImportReport:
        """Products; an existing product code is rejected as a duplicate."""
        return self._run("products", source, **options)

    def orders(self, source, **options) -> ImportReport:
        """Orders, one row per order line; all lines of an order share `order_no`."""
        return self._run("orders", source, **options)

    def _run(self, kind: str, source, **options) -> ImportReport:
        # DuckDB keeps what it can in memory (up to 80 % of it by default); an import's staged rows
        # and checks may go to disk instead: a million rows then stay well under a gigabyte.
        # (The limit reads back rounded, "18.7 GiB": the default one is restored by RESET, so
        # imports one after the other do not shrink it.)
        limit = "SELECT current_setting('memory_limit')"
        with self._s.db.reading() as con:
            before = con.execute(limit).fetchone()[0]
            default = con.execute("RESET memory_limit").execute(limit).fetchone()[0]
            con.execute(f"SET memory_limit = '{IMPORT_MEMORY}'")
        try:
            return self._import(kind, source, **options)
        finally:
            with self._s.db.reading() as con:
                con.execute("RESET memory_limit" if before == default else f"SET memory_limit = '{before}'")

    @action
    def _import(self, kind: str, source, *, mapping: dict | None = None, encoding: str | None = None,
                sheet=0, date_format: str | None = None, add_codes: bool = False, values: dict | None = None,
                progress: Callable[[int, int], object] | None = None) -> ImportReport:
        s = self._s
        if kind == "products":
            s.require_role("admin", action="edit_products")
        self._permit(kind)
        self._notes, self._created, self._read_format = [], None, None
        self._add_codes, self._values = bool(add_codes), codes.value_maps(kind, values)
        db = s.db
        try:
            used = stage(db, source, encoding=encoding, sheet=sheet)
            self._incoming(kind, mapping or {})
            total = db.scalar("SELECT count(*) FROM import_raw")
            fmt = dates.column_format(db, "incoming", "order_date", date_format) if kind == "orders" else date_format
            if self._add_codes:
                self._notes += codes.add_missing(s, kind, self._values)
            imported = getattr(self, f"_load_{kind}")(total, fmt, progress)
            rejected = self._rejections(kind, fmt)
        finally:
            for drop in ("VIEW IF EXISTS incoming", "TABLE IF EXISTS import_checked", "TABLE IF EXISTS import_raw",
                         "TABLE IF EXISTS import_norms"):
                with contextlib.suppress(duckdb.Error):   # a failed statement has aborted the transaction
                    db.con.execute(f"DROP {drop}")
        s.audit("import", kind, None, after={"imported": imported, "rejected": len(rejected), "rows": total})
        return ImportReport(kind, total, imported, rejected, used, fmt if kind == "orders" else
                            self._read_format, tuple(self._ignored), tuple(self._notes),
                            self._created)

    def _permit(self, kind: str) -> None:
        """Refuse an import this user may not run (the kinds added in company.py say who may)."""

    def _incoming(self, kind: str, mapping: dict) -> None:
        """The view `incoming`: line plus every field, renamed by `mapping`, trimmed of the blanks
        Python's `str.strip()` removes (full-width spaces from Chinese spreadsheets too), '' where
        the file has no value or no such column."""
        db = self._s.db
        found = [r[0] for r in db.rows("SELECT column_name FROM (DESCRIBE import_raw)")][3:]  # after line, overfull, formula
        chosen: dict[str, str] = {}
        twice = set()
        for column in found:
            name = str(column).strip()
            target = mapping.get(name, name)
            # One source column may feed several fields (["created", "assigned"]).
            for field in ([str(f) for f in target] if isinstance(target, (list, tuple)) else [str(target)]):
                if field in chosen:
                    twice.add(field)
                chosen.setdefault(field, column)
        if twice:
            # A mapping that renames a column onto one the file already has would leave two columns
            # for one field, and one of them unread without a word: refuse it, naming the field.
            raise InvalidInput("import.mapped_twice", field="mapping", columns=", ".join(sorted(twice)))
        required, optional = FIELDS[kind]
        missing = [c for c in required if c not in chosen]
        if missing:
            raise InvalidInput("import.missing_columns", field="mapping", columns=", ".join(missing),
                               found=", ".join(str(c).strip() for c in found))
        read = {chosen[f] for f in (*required, *optional) if f in chosen}
        self._ignored = [str(c).strip() for c in found if c not in read]
        fields = ", ".join(f'{_trimmed(chosen[f])} AS {f}' if f in chosen else f"'' AS {f}"
                           for f in (*required, *optional))
        db.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT line, overfull, formula, {fields} FROM import_raw")

    def _rejections(self, kind: str, fmt: str | None) -> pd.DataFrame:
        """Every rejected row: line, reason (in the session's language) and the row's values."""
        db, lang = self._s.db, self._s.language
        bad = db.df("SELECT i.* EXCLUDE (overfull, formula), c.reason AS reason_key, c.detail FROM import_checked c JOIN incoming i USING (line) "
                    "WHERE c.reason IS NOT NULL ORDER BY line")
        if bad.empty:
            return pd.DataFrame({"line": pd.Series(dtype="int64"), "reason": pd.Series(dtype="string")})
        valid = codes.valid_lists(self._s, set(bad["reason_key"]))
        reasons = [translate(key, lang, value=value, format=fmt or self._read_format or dates.ISO,
                             earliest=validate.EARLIEST.isoformat(), codes=valid.get(key, ""))
                   for key, value in zip(bad.pop("reason_key"), bad.pop("detail").fillna(""))]
        bad.insert(1, "reason", reasons)
        return bad.reset_index(drop=True)

    # -- loads: each fills import_checked (line, reason, detail, …) and inserts the good rows ----
    def _load_customers(self, total: int, fmt, progress) -> int:
        s = self._s
        self._names()
        code_sql = ", ".join(f"{self._codes(f)} AS {f}_code" for f in CODE_FIELDS if f != "category")
        checks = [("i.name = ''", "import.empty_name", "''"), *text_checks("customers"),
                  ("i.name_norm = ''", "import.meaningless_name", "i.name"),
                  ("i.existing_id IS NOT NULL", "import.duplicate_existing", "i.existing_id::VARCHAR"),
                  ("i.first_line <> i.line", "import.duplicate_in_file", "i.first_line::VARCHAR")]
        for field in CODE_FIELDS:
            if field != "category":
                checks.append((f"i.{field} <> '' AND i.{field}_code IS NULL", f"import.unknown_{field}", f"i.{field}"))
        for field in ("credit", "satisfaction"):
            checks.append((f"i.{field} <> '' AND NOT {integer_sql(f'i.{field}', 1, 5)}", "import.bad_rating", f"i.{field}"))
        checks += [
            (f"i.credit_limit <> '' AND NOT {amount_sql('i.credit_limit', MAX_AMOUNT)}", "import.bad_amount", "i.credit_limit"),
            (f"i.assets <> '' AND NOT {amount_sql('i.assets', MAX_AMOUNT)}", "import.bad_amount", "i.assets"),
            ("i.founded <> '' AND i.founded_d IS NULL", "import.bad_founded", "i.founded"),
            (f"i.founded_d < DATE '{validate.EARLIEST.isoformat()}' OR i.founded_d > DATE '{s.today().isoformat()}'",
             "import.bad_founded", "i.founded"),
            ("i.owner <> '' AND i.owner_id IS NULL", "import.unknown_owner", "i.owner"),
            (f"i.phone <> '' AND NOT regexp_full_match(i.phone, '{PHONE}')", "import.bad_phone", "i.phone"),
            (f"i.email <> '' AND NOT regexp_full_match(i.email, '{EMAIL}')", "import.bad_email", "i.email"),
        ]
        s.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE import_checked AS
            WITH i AS (SELECT incoming.*, n.name_norm, min(line) OVER (PARTITION BY n.name_norm) AS first_line
                       FROM incoming JOIN import_norms n USING (line)),
            resolved AS (
                SELECT i.*, ex.id AS existing_id,
                       CASE WHEN i.owner = '' THEN {s.user.id} ELSE o.id END AS owner_id, {code_sql},
                       -- founded: an ISO date, or a bare year read as its 1 January (the report says so)
                       CASE WHEN regexp_full_match(i.founded, '[0-9]{{4}}') THEN make_date(i.founded::INTEGER, 1, 1)
                            ELSE TRY_CAST({dates.parsed('i.founded', dates.ISO)} AS DATE) END AS founded_d
                FROM i
                LEFT JOIN (SELECT name_norm, min(id) AS id FROM customers GROUP BY ALL) ex ON ex.name_norm = i.name_norm
                LEFT JOIN users o ON o.username = i.owner)
            SELECT i.*, {first_failure(checks)} FROM resolved i""")
        years = s.db.scalar("SELECT count(*) FROM import_checked WHERE reason IS NULL AND "
                            "regexp_full_match(founded, '[0-9]{4}')")
        if years:
            self._notes.append(translate("import.founded_years", s.language, count=years))
        # Owners must be managers this user may give customers to (a handful of users: check in Python).
        for (owner_id,) in s.db.rows("SELECT DISTINCT owner_id FROM import_checked WHERE reason IS NULL"):
            try:
                owner_for(s, int(owner_id))
            except CRMError:
                # A row without an owner goes to the importing user; when that user cannot own
                # customers (the admin), say so and how to fix it instead of naming an empty owner.
                s.db.execute("UPDATE import_checked SET reason = CASE WHEN owner = '' THEN "
                             "'import.importer_cannot_own' ELSE 'import.owner_not_allowed' END, "
                             "detail = coalesce(nullif(owner, ''), ?) WHERE reason IS NULL AND owner_id = ?",
                             [s.user.username, owner_id])
        return self._insert_good("customers", progress, """
            INSERT INTO customers (id, name, name_norm, phone, email, address, owner_id, legal_rep, ownership,
                industry, company_size, customer_type, level, credit, satisfaction, credit_limit, region, route,
                status, created_on, created_by, founded, assets)
            SELECT id, name, name_norm, nullif(phone, ''), nullif(email, ''), nullif(address, ''), owner_id,
                nullif(legal_rep, ''), ownership_code, industry_code, company_size_code, customer_type_code,
                coalesce(level_code, 'ordinary'), TRY_CAST(nullif(credit, '') AS INTEGER),
                TRY_CAST(nullif(satisfaction, '') AS INTEGER), {credit_limit}, region_code, nullif(route, ''),
                'active', ?, ?, founded_d, {assets} FROM import_checked WHERE n BETWEEN ? AND ? ORDER BY n""".format(
            credit_limit=amount_value_sql("nullif(credit_limit, '')", 16), assets=amount_value_sql("nullif(assets, '')", 16)),
            [s.today(), s.user.id])

    def _names(self) -> None:
        """import_norms(line, name_norm): the duplicate check's normalised names, computed in
        chunks (`names.normalise` is Python: one rule for single adds and imports)."""
        db = self._s.db
        db.execute("CREATE OR REPLACE TEMP TABLE import_norms (line BIGINT, name_norm VARCHAR)")
        last = db.scalar("SELECT coalesce(max(line), 1) FROM import_raw")
        for start in range(2, last + 1, CHUNK):
            names = db.df("SELECT line, name FROM incoming WHERE line BETWEEN ? AND ?", [start, start + CHUNK - 1])
            names["name_norm"] = names.pop("name").map(normalise)
            with db.registered("import_chunk", names):
                db.execute("INSERT INTO import_norms SELECT line, name_norm FROM import_chunk")

    def _load_contacts(self, total: int, fmt, progress) -> int:
        checks = [
            ("r.customer_id IS NULL", "import.unknown_customer", "i.customer"),
            ("NOT r.writable", "import.customer_not_yours", "i.customer"),
            ("i.name = ''", "import.empty_name", "''"), *text_checks("contacts"),
            (f"i.phone <> '' AND NOT regexp_full_match(i.phone, '{PHONE}')", "import.bad_phone", "i.phone"),
            (f"i.mobile <> '' AND NOT regexp_full_match(i.mobile, '{PHONE}')", "import.bad_phone", "i.mobile"),
            (f"i.email <> '' AND NOT regexp_full_match(i.email, '{EMAIL}')", "import.bad_email", "i.email"),
            ("count(*) OVER (PARTITION BY r.customer_id, lower(i.name) ORDER BY i.line) > 1", "import.duplicate_in_file", "i.name"),
            ("EXISTS (SELECT 1 FROM contacts c WHERE c.customer_id = r.customer_id AND lower(c.name) = lower(i.name))",
             "import.duplicate_contact", "i.name"),
        ]
        with self._s.db.registered("resolved", self._resolve_customers()):
            self._s.db.execute(f"""
                CREATE OR REPLACE TEMP TABLE import_checked AS
                SELECT i.*, r.customer_id, {first_failure(checks)}
                FROM incoming i LEFT JOIN resolved r ON r.customer = i.customer""")
        return self._insert_good("contacts", progress, """
            INSERT INTO contacts SELECT id, customer_id, name, nullif(title, ''), nullif(phone, ''), nullif(mobile, ''),
                nullif(email, ''), false, nullif(notes, '') FROM import_checked WHERE n BETWEEN ? AND ? ORDER BY n""")

    def _load_products(self, total: int, fmt, progress) -> int:
        checks = [
            ("i.code = ''", "import.empty_code", "''"),
            ("i.name = ''", "import.empty_name", "''"), *text_checks("products"),
            (f"NOT {amount_sql('i.price', MAX_PRICE)}", "import.bad_amount", "i.price"),
            (f"i.stock <> '' AND NOT {integer_sql('i.stock', 0, MAX_INT)}", "import.bad_quantity", "i.stock"),
            ("i.category <> '' AND i.category_code IS NULL", "import.unknown_category", "i.category"),
            ("EXISTS (SELECT 1 FROM products p WHERE p.code = i.code)", "import.duplicate_code", "i.code"),
            ("count(*) OVER (PARTITION BY i.code ORDER BY i.line) > 1", "import.duplicate_in_file", "i.code"),
        ]
        self._s.db.execute(f"""
            CREATE OR REPLACE TEMP TABLE import_checked AS
            WITH resolved AS (SELECT i.*, {self._codes('category')} AS category_code FROM incoming i)
            SELECT i.*, {first_failure(checks)} FROM resolved i""")
        return self._insert_good("products", progress, f"""
            INSERT INTO products SELECT id, code, name, category_code, coalesce(nullif(unit, ''), 'pcs'),
                {amount_value_sql('price', 14)}, coalesce(TRY_CAST(nullif(stock, '') AS INTEGER), 0), true
            FROM import_checked WHERE n BETWEEN ? AND ? ORDER BY n""")

    def _insert_good(self, table: str, progress, sql: str, params=None) -> int:
        """Number the good rows of import_checked (`n`, `id` from the table's next id, in the file's
        order) and insert them `CHUNK` at a time with `sql` (its last two parameters: n from, to)."""
        db = self._s.db
        base = db.next_id(table)
        db.execute(f"""CREATE OR REPLACE TEMP TABLE import_checked AS SELECT *,
                         CASE WHEN reason IS NULL THEN row_number() OVER (PARTITION BY reason IS NULL ORDER BY line)
                         END AS n, {base - 1} + n AS id FROM import_checked""")
        good = db.scalar("SELECT count(*) FROM import_checked WHERE reason IS NULL")
        for start, stop in chunks(good, progress):
            db.execute(sql, [*(params or []), start + 1, stop])
        return good

    def _load_orders(self, total: int, fmt: str, progress) -> int:
        """Check every line and insert the good ones: one bad line rejects its whole order.

        The checked lines stay in DuckDB (a temporary table): only the rejected ones travel back
        to pandas, and the orders and their lines are inserted from the table, in chunks of
        `CHUNK` lines for the progress bar."""
        db = self._s.db
        line_checks = [
            ("i.order_no = ''", "import.empty_order_no", "''"), *text_checks("orders"),
            ("i.customer_id IS NULL", "import.unknown_customer", "i.customer"),
            ("NOT i.writable", "import.customer_not_yours", "i.customer"),
            (f"regexp_full_match(i.order_date, '{dates.WITH_TIME}') AND i.d IS NULL", "import.date_with_time",
             "i.order_date"),
            ("i.d IS NULL", "import.bad_date", "i.order_date"),
            (f"i.d < DATE '{validate.EARLIEST.isoformat()}'", "import.date_too_early", "i.order_date"),
            (f"i.d > DATE '{self._s.today().isoformat()}'", "import.future_date", "i.order_date"),
            ("i.product_id IS NULL", "import.unknown_product", "i.product"),
            (f"NOT {integer_sql('i.quantity', 1, MAX_QUANTITY)}", "import.bad_quantity", "i.quantity"),
            (f"i.unit_price <> '' AND NOT {amount_sql('i.unit_price', MAX_PRICE)}", "import.bad_amount", "i.unit_price"),
            (f"i.price::DOUBLE * i.qty >= {MAX_AMOUNT}", "import.amount_too_large", "i.quantity"),
            ("EXISTS (SELECT 1 FROM orders o WHERE o.order_no = i.order_no)", "import.duplicate_order", "i.order_no"),
        ]
        order_base, line_base = db.next_id("orders"), db.next_id("order_lines")
        with db.registered("resolved", self._resolve_customers()):
            db.execute(f"""
                CREATE OR REPLACE TEMP TABLE import_checked AS
                WITH parsed AS (
                    SELECT i.*, {dates.parsed('i.order_date', fmt)} AS d, p.id AS product_id,
                           CASE WHEN i.unit_price = '' THEN p.price
                                WHEN {amount_sql('i.unit_price', MAX_PRICE)} THEN {amount_value_sql('i.unit_price', 14)}
                           END AS price,
                           CASE WHEN {integer_sql('i.quantity', 1, MAX_QUANTITY)} THEN i.quantity::INTEGER END AS qty,
                           r.customer_id, r.owner_id, r.writable
                    FROM incoming i LEFT JOIN resolved r ON r.customer = i.customer
                         LEFT JOIN products p ON p.code = i.product AND p.active),
                lines AS (SELECT line, order_no, customer_id, owner_id, d, product_id, price, qty,
                                 {first_failure(line_checks)} FROM parsed i),
                checked AS (  -- one order = one customer and one date; one bad line rejects the whole order
                    SELECT order_no, min(customer_id) IS DISTINCT FROM max(customer_id)
                                     OR min(d) IS DISTINCT FROM max(d) AS mixed,  -- (NULLs: the line's own reason)
                           min(line) FILTER (WHERE reason IS NOT NULL) AS bad_line, min(line) AS first_line,
                           sum(price::DOUBLE * qty) >= {MAX_AMOUNT} AS too_large
                    FROM lines GROUP BY order_no),
                orders AS (  -- the good ones numbered in the file's order (of their first lines)
                    SELECT *, CASE WHEN good THEN {order_base - 1} + row_number() OVER (PARTITION BY good
                                                                                     ORDER BY first_line) END AS order_id
                    FROM (SELECT *, NOT mixed AND bad_line IS NULL AND NOT coalesce(too_large, false) AS good
                          FROM checked)),
                judged AS (
                    SELECT l.* REPLACE (
                            CASE WHEN l.reason IS NOT NULL THEN l.reason
                                 WHEN o.mixed THEN 'import.inconsistent_order'
                                 WHEN o.bad_line IS NOT NULL THEN 'import.order_has_bad_line'
                                 WHEN o.too_large THEN 'import.order_too_large' END AS reason,
                            CASE WHEN l.reason IS NOT NULL THEN l.detail
                                 WHEN o.mixed OR o.too_large THEN l.order_no
                                 ELSE o.bad_line::VARCHAR END AS detail),
                           o.order_id
                    FROM lines l JOIN orders o USING (order_no))
                -- lines numbered by their line in the file (a rejected line leaves its number unused:
                -- numbering only the good ones would sort them all once more)
                SELECT *, CASE WHEN reason IS NULL THEN {line_base - 2} + line END AS line_id FROM judged""")
        good = db.scalar("SELECT count(*) FROM import_checked WHERE reason IS NULL")
        db.execute("""
            INSERT INTO orders SELECT order_id, any_value(customer_id), any_value(order_no), any_value(d),
                sum(price * qty), 'confirmed', any_value(owner_id) FROM import_checked WHERE reason IS NULL
            GROUP BY order_id ORDER BY 2, 1""")   # stored by customer (scenario.history); an id is one order_no
        for start, stop in chunks(total, progress):
            db.execute("INSERT INTO order_lines SELECT line_id, order_id, product_id, qty, price, price * qty "
                       "FROM import_checked WHERE line_id BETWEEN ? AND ? ORDER BY line_id",
                       [line_base + start, line_base + stop - 1])
        return good

    # -- shared ------------------------------------------------------------------------
    def _codes(self, field: str) -> str:
        """SQL resolving a dictionary column by code or by either language's name."""
        return codes.resolve(field, CODE_FIELDS[field], self._values)   # after the value map, if any

    def _resolve_customers(self) -> pd.DataFrame:
        """Each distinct `customer` of `incoming` (an id or a name, as given) → customer_id,
        owner_id, writable, for those this user may see."""
        s = self._s
        names = s.db.df("SELECT DISTINCT customer FROM incoming")
        # Up to 9 digits always casts to an INTEGER id, so only the SQL's id join reads such a value:
        # normalising it (one Python call each, ~0.3 s for 90k customers) would be wasted.
        name = ~names["customer"].str.fullmatch(r"[0-9]{1,9}").astype(bool)
        names["name_norm"] = names["customer"].where(name).map(normalise, na_action="ignore")
        with s.db.registered("names", names) as con:
            # Two equi-joins, not one join on "id = … OR name = …": an OR condition makes DuckDB
            # fall back to a nested-loop join (hundreds of seconds at 100k customers).
            return con.execute(f"""
                SELECT customer, customer_id, owner_id, writable FROM (
                    SELECT n.customer, c.id AS customer_id, c.owner_id, {visible(s, 'c', 'write')} AS writable
                    FROM names n JOIN customers c ON c.id = TRY_CAST(n.customer AS INTEGER)
                    WHERE {visible(s, 'c')}
                    UNION ALL
                    SELECT n.customer, c.id, c.owner_id, {visible(s, 'c', 'write')}
                    FROM names n JOIN customers c ON c.name_norm = n.name_norm
                    WHERE TRY_CAST(n.customer AS INTEGER) IS NULL AND {visible(s, 'c')})
                QUALIFY row_number() OVER (PARTITION BY customer ORDER BY customer_id) = 1""").df()


def chunks(total: int, progress) -> Iterator[tuple[int, int]]:
    """(start, stop) of each `CHUNK` of `total` rows to insert; after each, `progress(done, total)`
    is told, and answering False aborts the import (the action then rolls back)."""
    for start in range(0, total, CHUNK):
        stop = min(start + CHUNK, total)
        yield start, stop
        if progress is not None and progress(stop, total) is False:
            raise ImportAborted("import.aborted", done=stop, total=total)


def _trimmed(column: str) -> str:
    """SQL: the text column without the blanks around it ('' for a missing value)."""
    quoted = '"' + str(column).replace('"', '""') + '"'
    value, blanks = f"coalesce({quoted}, '')", " || ".join(f"chr({ord(c)})" for c in BLANKS)
    return (f"CASE WHEN contains({blanks}, left({value}, 1)) OR contains({blanks}, right({value}, 1)) "
            f"THEN regexp_replace({value}, '^{BLANK}+|{BLANK}+$', '', 'g') ELSE {value} END")


def text_checks(kind: str) -> list[tuple[str, str, str]]:
    """validate.text's rules over a whole column: no control character in any field (named in the
    reason), none longer than the single-record verb takes."""
    required, optional = FIELDS[kind]
    fields = (*required, *optional)
    control = " OR ".join(f"regexp_matches(i.{f}, '{CONTROL}')" for f in fields)
    which = " ".join(f"WHEN regexp_matches(i.{f}, '{CONTROL}') THEN '{f}'" for f in fields)
    checks = [("i.overfull", "import.overfull", "''"), ("i.formula <> ''", "import.formula", "i.formula"),
              (f"({control})", "import.not_text", f"CASE {which} END")]
    checks += [(f"length(i.{f}) > {n}", "import.too_long", f"'{f}'") for f, n in LONGEST[kind].items()]
    return checks


def integer_sql(value: str, lowest: int, highest: int) -> str:
    """SQL: `value` is a whole number (no fraction: 2.5 is refused, never rounded) in [lowest, highest]."""
    return (f"coalesce(regexp_full_match({value}, '[+-]?[0-9]+') "
            f"AND TRY_CAST({value} AS HUGEINT) BETWEEN {lowest} AND {highest}, false)")


def amount_sql(value: str, below: int) -> str:
    """SQL: `value` is an amount `validate.amount` takes (thousands commas allowed, never negative),
    below `below`."""
    plain = f"replace({value}, ',', '')"
    return (f"coalesce(regexp_full_match({plain}, '{AMOUNT_SHAPE}') "
            f"AND TRY_CAST({plain} AS DECIMAL(38, 10)) < {below}, false)")


def amount_value_sql(value: str, precision: int) -> str:
    """SQL: the checked amount `value` as DECIMAL(precision, 2)."""
    return f"TRY_CAST(replace({value}, ',', '') AS DECIMAL(38, 10))::DECIMAL({precision}, 2)"


def first_failure(checks: list[tuple[str, str, str]]) -> str:
    """SQL columns `reason` (a message key) and `detail` for the first failing check."""
    # A formula without its value reads as an empty cell: say that, not "the name is empty".
    checks = sorted(checks, key=lambda check: check[1] != "import.formula")
    reason = " ".join(f"WHEN {cond} THEN '{key}'" for cond, key, _ in checks)
    detail = " ".join(f"WHEN {cond} THEN {value}" for cond, _, value in checks)
    return f"CASE {reason} END AS reason, CASE {detail} END AS detail"
