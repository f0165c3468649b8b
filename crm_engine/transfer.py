"""Import and export (A6).

Imports read CSV (UTF-8 or GBK/GB18030, detected) or Excel, rename columns by a
mapping, check every row set-based in DuckDB and insert the good ones in one
transaction: an aborted import leaves nothing behind. The report lists every
rejected row with its line number and a reason in the session's language.
Exports write any list the user may see to CSV or Excel, and are audited.
"""
from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from typing import Callable, Iterator

import duckdb
import pandas as pd

from . import validate
from .errors import CRMError, ImportAborted, InvalidInput, NotAllowed
from .i18n import translate
from .names import normalise
from .session import Area, action

CHUNK = 200_000
PHONE = validate.PHONE_PATTERN  # the same rule as single adds
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
                              "credit_limit", "legal_rep", "route")),
    "contacts": (("customer", "name"), ("title", "phone", "mobile", "email", "notes")),
    "products": (("code", "name", "price"), ("category", "unit", "stock")),
    "orders": (("order_no", "customer", "order_date", "product", "quantity"), ("unit_price",)),
}
CODE_FIELDS = {"level": "customer_level", "region": "region", "industry": "industry",
               "customer_type": "customer_type", "ownership": "ownership", "company_size": "company_size",
               "category": "product_category"}


@dataclass(frozen=True)
class ImportReport:
    """What an import did: how many rows came in, and every rejected row with its reason."""

    kind: str
    total: int
    imported: int
    rejected: pd.DataFrame  # line (as in the file, header = line 1), reason, and the row's values

    def __str__(self) -> str:
        return f"{self.kind}: {self.imported} of {self.total} rows imported, {len(self.rejected)} rejected"


def read_table(source, encoding: str | None = None, sheet=0) -> pd.DataFrame:
    """A DataFrame of strings from a CSV / Excel path, raw bytes, or a DataFrame."""
    if isinstance(source, pd.DataFrame):
        return source.astype("string").fillna("")
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise InvalidInput("import.no_file", field="path", path=path)
        if path.lower().endswith((".xlsx", ".xlsm")):
            try:
                return pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
            except Exception as error:  # openpyxl raises many kinds for a broken workbook
                raise InvalidInput("import.bad_excel", field="path", detail=str(error)) from None
        with open(path, "rb") as handle:
            source = handle.read()
    if not isinstance(source, bytes):
        raise InvalidInput("import.bad_source", field="source")
    text = _decode(source, encoding)
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InvalidInput("import.bad_csv", field="source", detail=str(error).strip()) from None


def _decode(data: bytes, encoding: str | None) -> str:
    # UTF-8 first (with or without BOM); Chinese Excel saves CSV as GBK, which
    # GB18030 contains. Wrongly decoded UTF-8 almost never passes as valid GBK text.
    for candidate in ([encoding] if encoding else ["utf-8-sig", "gb18030"]):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise InvalidInput("import.encoding", field="source", encoding=encoding or "UTF-8 / GBK")


class Imports(Area):
    """`crm.imports.customers("list.csv", mapping={"公司名称": "name"})` → an ImportReport."""

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

    @action
    def _run(self, kind: str, source, *, mapping: dict | None = None, encoding: str | None = None,
             sheet=0, progress: Callable[[int, int], object] | None = None) -> ImportReport:
        s = self._s
        if kind == "products":
            s.require_role("admin", action="edit_products")
        frame = read_table(source, encoding, sheet)
        frame = frame.rename(columns={str(c): str(c).strip() for c in frame.columns})
        if mapping:
            frame = frame.rename(columns=mapping)
            _one_column_per_field(frame)
        required, optional = FIELDS[kind]
        missing = [c for c in required if c not in frame.columns]
        if missing:
            raise InvalidInput("import.missing_columns", field="mapping", columns=", ".join(missing),
                               found=", ".join(map(str, frame.columns)))
        # (pandas copies on write: the columns added below never reach the caller's frame)
        frame = frame[[c for c in (*required, *optional) if c in frame.columns]]
        for column in (*required, *optional):
            if column not in frame.columns:
                frame[column] = ""
        # Blanks around values are trimmed in SQL (`incoming`), not here: pandas strips strings
        # one Python call at a time (~3 s for 1.4M order lines).
        frame.insert(0, "line", range(2, len(frame) + 2))
        if kind == "orders":   # millions of lines: checked and inserted without leaving DuckDB
            imported, bad = self._load_orders(frame, progress)
        else:
            checked = getattr(self, f"_check_{kind}")(frame)
            imported = getattr(self, f"_insert_{kind}")(checked[checked["reason"].isna()], progress)
            bad = checked[checked["reason"].notna()]
        rejected = self._rejections(bad, frame)
        s.audit("import", kind, None, after={"imported": imported, "rejected": len(rejected), "rows": len(frame)})
        return ImportReport(kind, len(frame), imported, rejected)

    def _rejections(self, bad: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
        if bad.empty:
            return pd.DataFrame({"line": pd.Series(dtype="int64"), "reason": pd.Series(dtype="string")})
        lang = self._s.language
        reasons = [translate(key, lang, value=value) for key, value in zip(bad["reason"], bad["detail"].fillna(""))]
        out = frame.set_index("line").loc[bad["line"]].reset_index()
        out[out.columns[1:]] = out[out.columns[1:]].apply(lambda column: column.str.strip())
        out.insert(1, "reason", reasons)
        return out.sort_values("line").reset_index(drop=True)

    # -- checks: each returns the frame with resolved columns plus reason/detail ------
    def _sql(self, frame: pd.DataFrame, sql: str, params=None) -> pd.DataFrame:
        with self._incoming(frame) as con:
            return con.execute(sql, params or []).df()

    @contextlib.contextmanager
    def _incoming(self, frame: pd.DataFrame):
        """`frame` visible to SQL as `incoming`, every text column trimmed of the blanks Python's
        `str.strip()` removes (full-width spaces from Chinese spreadsheets too)."""
        db = self._s.db
        trimmed = ", ".join(f'{_trimmed(c)} AS "{c}"' for c in frame.columns
                            if c != "name_norm" and pd.api.types.is_string_dtype(frame[c]))
        with db.registered("incoming_raw", frame) as con:
            db.execute(f"CREATE OR REPLACE TEMP VIEW incoming AS SELECT * REPLACE ({trimmed}) FROM incoming_raw")
            try:
                yield con
            finally:
                with contextlib.suppress(duckdb.Error):   # a failed statement has aborted the transaction
                    con.execute("DROP VIEW IF EXISTS incoming")

    def _codes(self, field: str) -> str:
        """SQL resolving a dictionary column by code or by either language's name."""
        kind = CODE_FIELDS[field]
        return (f"(SELECT d.code FROM dictionary d WHERE d.kind = '{kind}' AND d.active AND "
                f"(d.code = i.{field} OR d.name_en = i.{field} OR d.name_zh = i.{field}) LIMIT 1)")

    def _check_customers(self, frame: pd.DataFrame) -> pd.DataFrame:
        s = self._s
        frame["name_norm"] = frame["name"].map(normalise)
        codes = ", ".join(f"{self._codes(f)} AS {f}_code" for f in CODE_FIELDS if f != "category")
        checks = [
            ("i.name = ''", "import.empty_name", "''"),
            ("i.name_norm = ''", "import.meaningless_name", "i.name"),
            ("length(i.name) > 200", "import.too_long", "'name'"),
            ("i.existing_id IS NOT NULL", "import.duplicate_existing", "i.existing_id::VARCHAR"),
            ("i.first_line <> i.line", "import.duplicate_in_file", "i.first_line::VARCHAR"),
        ]
        for field in CODE_FIELDS:
            if field != "category":
                checks.append((f"i.{field} <> '' AND i.{field}_code IS NULL", f"import.unknown_{field}", f"i.{field}"))
        for field in ("credit", "satisfaction"):
            checks.append((f"i.{field} <> '' AND coalesce(TRY_CAST(i.{field} AS INTEGER) NOT BETWEEN 1 AND 5, true)",
                           "import.bad_rating", f"i.{field}"))
        checks += [
            ("i.credit_limit <> '' AND coalesce(TRY_CAST(replace(i.credit_limit, ',', '') AS DECIMAL(16,2)) < 0, true)",
             "import.bad_amount", "i.credit_limit"),
            ("i.owner <> '' AND i.owner_id IS NULL", "import.unknown_owner", "i.owner"),
            (f"i.phone <> '' AND NOT regexp_full_match(i.phone, '{PHONE}')", "import.bad_phone", "i.phone"),
            ("i.email <> '' AND NOT regexp_full_match(i.email, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')", "import.bad_email", "i.email"),
        ]
        checked = self._sql(frame, f"""
            WITH i AS (SELECT *, min(line) OVER (PARTITION BY name_norm) AS first_line FROM incoming),
            resolved AS (
                SELECT i.*, ex.id AS existing_id, o.id AS owner_id, {codes}
                FROM i
                LEFT JOIN (SELECT name_norm, min(id) AS id FROM customers GROUP BY ALL) ex ON ex.name_norm = i.name_norm
                LEFT JOIN users o ON o.username = i.owner)
            SELECT i.*, {_first_failure(checks)} FROM resolved i ORDER BY i.line""")
        # Owners must be managers this user may give customers to (a handful of users: check in Python).
        checked["owner_id"] = checked["owner_id"].astype("Int64").fillna(s.user.id)
        for owner_id in checked.loc[checked["reason"].isna(), "owner_id"].unique():
            try:
                from .customers import owner_for
                owner_for(s, int(owner_id))
            except CRMError:
                bad = checked["reason"].isna() & (checked["owner_id"] == owner_id)
                checked.loc[bad, "reason"] = "import.owner_not_allowed"
                checked.loc[bad, "detail"] = checked.loc[bad, "owner"]
        _blame_the_importer(s, checked)
        return checked

    def _insert_customers(self, good: pd.DataFrame, progress) -> int:
        s = self._s
        base = s.db.next_id("customers")
        rows = good.assign(
            id=range(base, base + len(good)),
            credit=pd.to_numeric(good["credit"].replace("", None)).astype("Int64"),
            satisfaction=pd.to_numeric(good["satisfaction"].replace("", None)).astype("Int64"),
            credit_limit=pd.to_numeric(good["credit_limit"].str.replace(",", "").replace("", None)),
        )
        return self._insert_chunks(rows, progress, """
            INSERT INTO customers (id, name, name_norm, phone, email, address, owner_id, legal_rep, ownership,
                industry, company_size, customer_type, level, credit, satisfaction, credit_limit, region, route,
                status, created_on, created_by)
            SELECT id, name, name_norm, nullif(phone, ''), nullif(email, ''), nullif(address, ''), owner_id,
                nullif(legal_rep, ''), ownership_code, industry_code, company_size_code, customer_type_code,
                coalesce(level_code, 'ordinary'), credit, satisfaction, credit_limit, region_code, nullif(route, ''),
                'active', ?, ? FROM chunk""", [s.today(), s.user.id])

    def _check_contacts(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = self._with_customers(frame)
        checks = [
            ("i.customer_id IS NULL", "import.unknown_customer", "i.customer"),
            ("NOT i.writable", "import.customer_not_yours", "i.customer"),
            ("i.name = ''", "import.empty_name", "''"),
            (f"i.phone <> '' AND NOT regexp_full_match(i.phone, '{PHONE}')", "import.bad_phone", "i.phone"),
            (f"i.mobile <> '' AND NOT regexp_full_match(i.mobile, '{PHONE}')", "import.bad_phone", "i.mobile"),
            ("i.email <> '' AND NOT regexp_full_match(i.email, '[^@\\s]+@[^@\\s]+\\.[^@\\s]+')", "import.bad_email", "i.email"),
            ("count(*) OVER (PARTITION BY i.customer_id, lower(i.name) ORDER BY i.line) > 1", "import.duplicate_in_file", "i.name"),
            ("EXISTS (SELECT 1 FROM contacts c WHERE c.customer_id = i.customer_id AND lower(c.name) = lower(i.name))",
             "import.duplicate_contact", "i.name"),
        ]
        return self._sql(frame, f"SELECT i.*, {_first_failure(checks)} FROM incoming i ORDER BY i.line")

    def _insert_contacts(self, good: pd.DataFrame, progress) -> int:
        base = self._s.db.next_id("contacts")
        rows = good.assign(id=range(base, base + len(good)))
        return self._insert_chunks(rows, progress, """
            INSERT INTO contacts SELECT id, customer_id, name, nullif(title, ''), nullif(phone, ''), nullif(mobile, ''),
                nullif(email, ''), false, nullif(notes, '') FROM chunk""")

    def _check_products(self, frame: pd.DataFrame) -> pd.DataFrame:
        checks = [
            ("i.code = ''", "import.empty_code", "''"),
            ("i.name = ''", "import.empty_name", "''"),
            ("coalesce(TRY_CAST(replace(i.price, ',', '') AS DECIMAL(14,2)) < 0, true)", "import.bad_amount", "i.price"),
            ("i.stock <> '' AND coalesce(TRY_CAST(i.stock AS INTEGER) < 0, true)", "import.bad_quantity", "i.stock"),
            ("i.category <> '' AND i.category_code IS NULL", "import.unknown_category", "i.category"),
            ("EXISTS (SELECT 1 FROM products p WHERE p.code = i.code)", "import.duplicate_code", "i.code"),
            ("count(*) OVER (PARTITION BY i.code ORDER BY i.line) > 1", "import.duplicate_in_file", "i.code"),
        ]
        return self._sql(frame, f"WITH resolved AS (SELECT i.*, {self._codes('category')} AS category_code FROM incoming i) "
                                f"SELECT i.*, {_first_failure(checks)} FROM resolved i ORDER BY i.line")

    def _insert_products(self, good: pd.DataFrame, progress) -> int:
        base = self._s.db.next_id("products")
        rows = good.assign(id=range(base, base + len(good)))
        return self._insert_chunks(rows, progress, """
            INSERT INTO products SELECT id, code, name, category_code, coalesce(nullif(unit, ''), 'pcs'),
                replace(price, ',', '')::DECIMAL(14,2), coalesce(TRY_CAST(stock AS INTEGER), 0), true FROM chunk""")

    def _load_orders(self, frame: pd.DataFrame, progress) -> tuple[int, pd.DataFrame]:
        """Check every line and insert the good ones; the bad (line, reason, detail) come back.

        The checked lines stay in DuckDB (a temporary table): only the rejected ones travel back
        to pandas, and the orders and their lines are inserted from the table, in chunks of
        `CHUNK` lines for the progress bar."""
        db = self._s.db
        line_checks = [
            ("i.order_no = ''", "import.empty_order_no", "''"),
            ("r.customer_id IS NULL", "import.unknown_customer", "i.customer"),
            ("NOT r.writable", "import.customer_not_yours", "i.customer"),
            ("d IS NULL", "import.bad_date", "i.order_date"),
            (f"d > DATE '{self._s.today().isoformat()}'", "import.future_date", "i.order_date"),
            ("p.id IS NULL", "import.unknown_product", "i.product"),
            ("coalesce(TRY_CAST(i.quantity AS INTEGER) < 1, true)", "import.bad_quantity", "i.quantity"),
            ("i.unit_price <> '' AND coalesce(TRY_CAST(replace(i.unit_price, ',', '') AS DECIMAL(14,2)) < 0, true)",
             "import.bad_amount", "i.unit_price"),
            ("EXISTS (SELECT 1 FROM orders o WHERE o.order_no = i.order_no)", "import.duplicate_order", "i.order_no"),
        ]
        order_base, line_base = db.next_id("orders"), db.next_id("order_lines")
        resolved = self._resolve_customers(pd.Series(frame["customer"].unique()).str.strip().unique())
        with self._incoming(frame), db.registered("resolved", resolved):
            db.execute(f"""
                CREATE OR REPLACE TEMP TABLE import_lines AS
                WITH lines AS (
                    SELECT i.line, i.order_no, i.customer, r.customer_id, r.owner_id,
                           TRY_STRPTIME(i.order_date, '%Y-%m-%d')::DATE AS d, p.id AS product_id,
                           coalesce(TRY_CAST(replace(i.unit_price, ',', '') AS DECIMAL(14,2)), p.price) AS price,
                           TRY_CAST(i.quantity AS INTEGER) AS qty, {_first_failure(line_checks)}
                    FROM incoming i LEFT JOIN resolved r ON r.customer = i.customer
                         LEFT JOIN products p ON p.code = i.product AND p.active),
                checked AS (  -- one order = one customer and one date; one bad line rejects the whole order
                    SELECT order_no, min(customer_id) IS DISTINCT FROM max(customer_id)
                                     OR min(d) IS DISTINCT FROM max(d) AS mixed,  -- (NULLs: the line's own reason)
                           min(line) FILTER (WHERE reason IS NOT NULL) AS bad_line, min(line) AS first_line
                    FROM lines GROUP BY order_no),
                orders AS (  -- the good ones numbered in the file's order (of their first lines)
                    SELECT *, CASE WHEN NOT mixed AND bad_line IS NULL THEN {order_base - 1}
                                   + row_number() OVER (PARTITION BY NOT mixed AND bad_line IS NULL
                                                        ORDER BY first_line) END AS order_id
                    FROM checked),
                judged AS (
                    SELECT l.* REPLACE (
                            CASE WHEN l.reason IS NOT NULL THEN l.reason
                                 WHEN o.mixed THEN 'import.inconsistent_order'
                                 WHEN o.bad_line IS NOT NULL THEN 'import.order_has_bad_line' END AS reason,
                            CASE WHEN l.reason IS NOT NULL THEN l.detail
                                 WHEN o.mixed THEN l.order_no
                                 ELSE o.bad_line::VARCHAR END AS detail),
                           o.order_id
                    FROM lines l JOIN orders o USING (order_no))
                -- lines numbered by their line in the file (a rejected line leaves its number unused:
                -- numbering only the good ones would sort them all once more)
                SELECT *, CASE WHEN reason IS NULL THEN {line_base - 2} + line END AS line_id FROM judged""")
        try:
            bad = db.df("SELECT line, reason, detail FROM import_lines WHERE reason IS NOT NULL ORDER BY line")
            good = db.scalar("SELECT count(*) FROM import_lines WHERE reason IS NULL")
            db.execute("""
                INSERT INTO orders SELECT order_id, any_value(customer_id), any_value(order_no), any_value(d),
                    sum(price * qty), 'confirmed', any_value(owner_id) FROM import_lines WHERE reason IS NULL
                GROUP BY order_id ORDER BY 2, 1""")   # stored by customer (scenario.history); an id is one order_no
            for start, stop in _chunks(len(frame), progress):
                db.execute("INSERT INTO order_lines SELECT line_id, order_id, product_id, qty, price, price * qty "
                           "FROM import_lines WHERE line_id BETWEEN ? AND ? ORDER BY line_id",
                           [line_base + start, line_base + stop - 1])
        finally:
            with contextlib.suppress(duckdb.Error):
                db.con.execute("DROP TABLE IF EXISTS import_lines")
        return good, bad

    # -- shared ------------------------------------------------------------------------
    def _with_customers(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Add customer_id / owner_id / writable from a `customer` column holding an id or a name."""
        frame = frame.assign(customer=frame["customer"].str.strip())
        out = frame.merge(self._resolve_customers(frame["customer"].unique()), on="customer", how="left")
        out["writable"] = out["writable"].fillna(False).astype(bool)
        return out

    def _resolve_customers(self, customers) -> pd.DataFrame:
        """customer (an id or a name, as given) → customer_id, owner_id, writable, for those this
        user may see."""
        s = self._s
        from .customers import visible
        names = pd.DataFrame({"customer": customers})
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

    def _insert_chunks(self, rows: pd.DataFrame, progress, sql: str, params=None) -> int:
        for start, stop in _chunks(len(rows), progress):
            with self._s.db.registered("chunk", rows.iloc[start:stop]):
                self._s.db.execute(sql, params)
        return len(rows)


def _chunks(total: int, progress) -> Iterator[tuple[int, int]]:
    """(start, stop) of each `CHUNK` of `total` rows to insert; after each, `progress(done, total)`
    is told, and answering False aborts the import (the action then rolls back)."""
    for start in range(0, total, CHUNK):
        stop = min(start + CHUNK, total)
        yield start, stop
        if progress is not None and progress(stop, total) is False:
            raise ImportAborted("import.aborted", done=stop, total=total)


def _trimmed(column: str) -> str:
    """SQL: the text column without the blanks around it ('' for a missing value)."""
    value, blanks = f'coalesce("{column}", \'\')', " || ".join(f"chr({ord(c)})" for c in BLANKS)
    return (f"CASE WHEN contains({blanks}, left({value}, 1)) OR contains({blanks}, right({value}, 1)) "
            f"THEN regexp_replace({value}, '^{BLANK}+|{BLANK}+$', '', 'g') ELSE {value} END")


def _one_column_per_field(frame: pd.DataFrame) -> None:
    """A mapping that renames a column onto one the file already has would leave two columns of one
    field (and pandas a frame where a column is a frame): refuse it, naming the field."""
    twice = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
    if twice:
        raise InvalidInput("import.mapped_twice", field="mapping", columns=", ".join(twice))


def _blame_the_importer(s, checked: pd.DataFrame) -> None:
    """A row without an owner goes to the importing user; when that user cannot own customers
    (the admin), say so and how to fix it instead of naming an empty owner."""
    mine = (checked["reason"] == "import.owner_not_allowed") & (checked["owner"].fillna("").str.strip() == "")
    checked.loc[mine, "reason"] = "import.importer_cannot_own"
    checked.loc[mine, "detail"] = s.user.username


def _first_failure(checks: list[tuple[str, str, str]]) -> str:
    """SQL columns `reason` (a message key) and `detail` for the first failing check."""
    reason = " ".join(f"WHEN {cond} THEN '{key}'" for cond, key, _ in checks)
    detail = " ".join(f"WHEN {cond} THEN {value}" for cond, _, value in checks)
    return f"CASE {reason} END AS reason, CASE {detail} END AS detail"


# What can be exported: name → (area attribute on the facade, its list verb).
EXPORTABLE = {
    "customers": ("customers", "list"),
    "orders": ("orders", "list"),
    "products": ("products", "list"),
    "users": ("admin", "users"),
    "audit": ("audit", "list"),
    "churn_warnings": ("churn", "list"),
    "customer_grades": ("classification", "grades"),
    "tickets": ("service", "list"),
    "calls": ("call_center", "list"),
    "leads": ("leads", "list"),
    "opportunities": ("opportunities", "list"),
    "campaigns": ("campaigns", "list"),
    "targets": ("targets", "list"),
    "contracts": ("contracts", "list"),
    "shipments": ("shipments", "list"),
    "sales_returns": ("returns", "list"),
    "payments": ("payments", "list"),
    "receivables": ("payments", "receivables"),
    "expenses": ("expenses", "list"),
    "tasks": ("tasks", "list"),
    "address_book": ("address_book", "list"),
    # statistics and reports (R1–R5): scoped like the screens, e.g. exports.write("report_contribution", "top.xlsx", year=2025)
    "report_contribution": ("reports", "contribution"),
    "report_composition": ("reports", "composition"),
    "report_service_analysis": ("reports", "service_analysis"),
    "report_churn_analysis": ("reports", "churn_analysis"),
    "report_churn_rate": ("reports", "churn_rate"),
    "report_funnel": ("reports", "funnel"),
    "report_win_rate": ("reports", "win_rate"),
    "report_rfm": ("reports", "rfm"),
    "report_rfm_segments": ("reports", "rfm_segments"),
    "report_cohorts": ("reports", "cohorts"),
}


class Exports(Area):
    """`crm.exports.write("customers", "mine.xlsx", region="east")`."""

    def __init__(self, session, facade=None):
        super().__init__(session)
        self._facade = facade

    @action
    def write(self, kind: str, path, **filters) -> int:
        """Write the list `kind` — exactly what you may see — to CSV or Excel; returns the row count."""
        s = self._s
        validate.one_of(kind, "kind", tuple(EXPORTABLE))
        path = os.fspath(path)
        if not path.lower().endswith((".csv", ".xlsx")):
            raise InvalidInput("export.format", field="path", path=path)
        area, verb = EXPORTABLE[kind]
        frame = getattr(getattr(self._facade, area), verb)(**filters)
        if os.path.exists(path):
            raise InvalidInput("export.exists", field="path", path=path)
        try:
            if path.lower().endswith(".csv"):
                frame.to_csv(path, index=False, encoding="utf-8-sig")  # the BOM lets Excel read Chinese
            else:
                frame.to_excel(path, index=False)
            s.audit("export", kind, None, after={"rows": len(frame), "filters": filters}, note=os.path.basename(path))
        except OSError as error:
            raise NotAllowed("export.io", path=path, detail=error.strerror) from None
        except BaseException:
            if os.path.exists(path):
                os.remove(path)
            raise
        return len(frame)
