"""`crm.sql("SELECT …")`: analyst SQL with a guarantee — it reads only what the role may read in full.

The policy (docs/data-model.md, "Who may use `crm.sql`"):

1. **Read only.** The text must be exactly one SELECT statement (`WITH … SELECT`,
   `FROM t`, `DESCRIBE t`, `SHOW TABLES`, `SUMMARIZE t` count as SELECT); anything else
   is refused with `InvalidInput` before it runs.
2. **Whole tables only for those who see every row.** Raw SQL cannot apply per-row
   scopes, so a query may read a table only if the sharing policy gives the acting
   user's role read scope `all` on every kind of record in it (`TABLES` below); anything
   else is `NotAllowed`, naming the table and the scope.
3. **Never private office records, never logins.** Files, address books, notices and messages are
   private to their owners (F2–F5); `passwords` and `hub_users` are the engine's own (`SECRET_TABLES`):
   no one reads them through `crm.sql`, the administrator included.
4. **Nothing outside the workspace.** Only the workspace's own tables, DuckDB's catalogue
   of names and types (`information_schema`, `duckdb_columns()` …; not the parts that show
   how many rows a table holds: `duckdb_tables()`, `pg_class`, sequences) and the row makers
   `range`, `generate_series`, `unnest`; no file, setting, extension, other database.
5. **Bounded.** At most `seconds` (default 10), `max_rows` (default 100,000) rows and
   `max_megabytes` (default 256, estimated per fetched vector of 2,048 rows);
   past any, `InvalidInput` saying which and how to narrow the query.

How it is guaranteed — layers, each DuckDB's own means, each enough for writes on its own:

- *The parse tree* (`json_serialize_sql`, checked in `sql_guard.Parsed`): every node of the
  statement must be a read; data-modifying CTEs (DuckDB calls `WITH x AS (UPDATE …)` a
  SELECT) are refused wherever they hide; every table reference is resolved with correct
  CTE scoping and must be an allowed workspace table; table functions come from an
  allow-list; scalar functions that read settings or change state are refused, and so is
  a function DuckDB has not loaded (it would install and load an extension for it).
- *The bound plan* (`EXPLAIN (FORMAT json)`, `sql_guard.check_plan`): after DuckDB has
  resolved every name, each scan must be of an allowed table or function and no operator
  may write — what fooled the first reading meets the second.
- *The execution* (`Database.read_bounded`): a cursor of its own with Python replacement
  scans off, inside a `READ ONLY` transaction that is always rolled back, interrupted
  from a timer past the time limit, fetched in chunks up to the row limit.

Global switches like `enable_external_access = false` are not used: in one DuckDB instance
they apply to every connection and cannot be switched back on, so they would cripple the
engine's own imports, exports and backups (measured; docs/data-model.md).
Errors in the SQL come back as `InvalidInput` carrying DuckDB's own explanation.
"""
from __future__ import annotations

import json
import re

import pandas as pd

from .. import access, validate
from ..errors import CRMError, InvalidInput, NotAllowed, WorkspaceLocked
from ..i18n import Term
from ..session import Session
from ..tables import SECRET_TABLES
from .sql_guard import CATALOG_SCHEMAS, COUNTING, TABLE_FUNCTIONS, Parsed, check_plan

# Company reference data every user already reads through the areas' screens.
REFERENCE = frozenset({"crm_meta", "settings", "teams", "users", "sharing_policy", "dictionary", "products"})
# Private to their owners, whatever the role.
PRIVATE = frozenset({"files", "address_book", "notices", "notice_deliveries", "messages", "message_recipients"})
# table → the kinds of record in it; the role needs read scope `all` on each.
TABLES = {
    "customers": ("customer",), "contacts": ("customer",), "interactions": ("customer",),
    "orders": ("customer",), "order_lines": ("customer",), "customer_grades": ("customer",),
    "customer_tags": ("customer",),
    "campaigns": ("campaign",), "leads": ("lead",), "lead_followups": ("lead",),
    "opportunities": ("opportunity",), "opportunity_lines": ("opportunity",), "plan_steps": ("opportunity",), "assignments": ("lead", "opportunity"),
    "targets": ("target",),
    "churn_warnings": ("churn",), "churn_measures": ("churn",), "segments": ("segment",),
    "tickets": ("ticket",), "ticket_steps": ("ticket",), "calls": ("call",),
    "contracts": ("contract",), "contract_lines": ("contract",), "instalments": ("contract",),
    "shipments": ("shipment",), "shipment_lines": ("shipment",),
    "sales_returns": ("sales_return",), "return_lines": ("sales_return",),
    "payments": ("payment",), "expenses": ("expense",), "tasks": ("task",),
    # the teaching scenario's hidden side: the instructor's (only the administrator reads kind `scenario`)
    "scenario_info": ("scenario",), "scenario_traits": ("scenario",), "scenario_outcomes": ("scenario",),
    "scenario_log": ("scenario",),
}
# The audit trail follows crm.audit.list: the administrator and directors see every row.
AUDIT_ROLES = ("admin", "director")
MAX_SQL = 100_000
SECONDS = 10.0       # default time limit of one query
MAX_ROWS = 100_000   # default row limit of one result
MAX_MEGABYTES = 256  # default size limit of one result, estimated as pandas holds it
# How far an analyst may raise the limits: a notebook kernel must stay usable.
MOST_SECONDS, MOST_ROWS, MOST_MEGABYTES = 600, 10_000_000, 4096


def _statement(s: Session, text: str) -> dict:
    """The parse tree of the one SELECT in `text`, or InvalidInput saying what is wrong."""
    with s.db.reading() as con:
        statements = con.extract_statements(text)
    if len(statements) != 1:
        raise InvalidInput("sql.one_statement", field="sql_query", count=len(statements))
    kind = statements[0].type.name
    if kind != "SELECT":
        raise InvalidInput("sql.statement_refused", field="sql_query", kind=kind)
    try:
        tree = json.loads(s.db.scalar("SELECT json_serialize_sql(?)", [text]))
    except RecursionError:   # Python's JSON reader gives up a few hundred levels down
        raise InvalidInput("sql.too_deep", field="sql_query") from None
    if tree.get("error"):
        raise InvalidInput("sql.failed", field="sql_query", detail=tree.get("error_message", ""))
    return tree


def check_access(s: Session, table: str) -> None:
    """NotAllowed unless the acting user may read every row of workspace table `table`."""
    role = s.user.role
    if table in SECRET_TABLES:
        raise NotAllowed("sql.secret", table=table)
    if table in PRIVATE:
        raise NotAllowed("sql.private", table=table)
    if table in REFERENCE or role == "admin":
        return
    if table == "audit":
        if role not in AUDIT_ROLES:
            raise NotAllowed("sql.audit", table=table, role=access.role_term(role))
        return
    if table == "state_history":
        kinds = tuple(r[0] for r in s.db.rows("SELECT DISTINCT kind FROM state_history ORDER BY 1"))
    elif table in TABLES:
        kinds = TABLES[table]
    else:
        # A table no one has classified yet (a new migration): only the administrator.
        raise NotAllowed("sql.unclassified", table=table)
    for kind in kinds:
        scope = access.policy(s.db, kind, role, "read")
        if scope != "all":
            raise NotAllowed("sql.scope", table=table, role=access.role_term(role), scope=Term(f"scope.{scope}"))


def run(s: Session, query: str, params=None, *, seconds: float = SECONDS, max_rows: int = MAX_ROWS,
        max_megabytes: int = MAX_MEGABYTES) -> pd.DataFrame:
    """Check and run one read-only query (see the module docstring); a DataFrame of its rows."""
    text = _text(query)
    if params is not None and not isinstance(params, (list, tuple, dict)):
        raise InvalidInput("sql.params", field="sql_params")
    seconds = _seconds(seconds)
    max_rows = validate.integer(max_rows, "sql_max_rows", minimum=1, maximum=MOST_ROWS)
    max_megabytes = validate.integer(max_megabytes, "sql_max_megabytes", minimum=1, maximum=MOST_MEGABYTES)
    try:
        tree = _statement(s, text)
        # The workspace's tables, and every relation name DuckDB knows (system views included):
        # a CTE may not take one of those.
        names = s.db.rows(
            "SELECT lower(table_name), database_name = current_database() AND schema_name = 'main', "
            "lower(current_database()) FROM duckdb_tables() "
            "UNION ALL SELECT lower(view_name), false, lower(current_database()) FROM duckdb_views()")
        workspace = {name for name, own, _ in names if own}
        known, table_functions = _functions(s)
        relations = {name for name, _, _ in names} | table_functions
        database = names[0][2]
    except InvalidInput:
        raise
    except CRMError as error:
        raise _sql_error(error) from None
    try:
        found = Parsed(relations, workspace, known).walk(tree)
    except (TypeError, KeyError, AttributeError, ValueError) as error:
        if isinstance(error, CRMError):
            raise
        # A tree shaped in a way the check does not know (a newer DuckDB): refused, not guessed.
        raise InvalidInput("sql.unchecked", field="sql_query", detail=type(error).__name__) from None
    if found.unknown:
        # DuckDB would look for an extension that has it, install it from the network and load
        # it into the engine's database: crm.sql never does that.
        known, _ = _functions(s, refresh=True)
        for function in found.unknown:
            if function not in known:
                raise InvalidInput("sql.unknown_function", field="sql_query", function=function)
    for function in found.functions:
        if function in COUNTING:
            raise InvalidInput("sql.counting", field="sql_query", name=function)
        if function not in TABLE_FUNCTIONS:
            raise InvalidInput("sql.function", field="sql_query", function=function,
                               allowed=", ".join(sorted(TABLE_FUNCTIONS)))
    allowed = _tables_read(s, found.tables, workspace, database)
    try:
        return s.db.read_bounded(text, params, seconds=seconds, rows=max_rows, size=max_megabytes * 2**20,
                                 vet=lambda plans: check_plan(plans, allowed, database))
    except InvalidInput as error:
        if error.key.startswith("sql."):
            raise  # the limits and the plan check speak for themselves
        raise _sql_error(error) from None
    except CRMError as error:
        raise _sql_error(error) from None


def _tables_read(s: Session, tables, workspace: set[str], database: str) -> set[str]:
    """The workspace tables a query reads, each one the acting user may read in full; anything
    else it names (a file, another database, a system view) is InvalidInput, a table out of scope
    NotAllowed."""
    allowed = set()
    for catalog, schema, name in tables:
        if catalog not in ("", database):
            raise InvalidInput("sql.unknown_table", field="sql_query",
                               table=".".join(p for p in (catalog, schema, name) if p))
        if name in COUNTING and catalog == "" and schema in CATALOG_SCHEMAS | {""}:
            raise InvalidInput("sql.counting", field="sql_query", name=name)
        if schema in CATALOG_SCHEMAS and catalog == "":
            continue  # DuckDB's views of names and types; the plan check sees what they expand to
        if schema not in ("", "main") or name not in workspace:
            raise InvalidInput("sql.unknown_table", field="sql_query",
                               table=".".join(p for p in (schema, name) if p))
        check_access(s, name)
        allowed.add(name)
    return allowed


_CATALOGUE: dict[str, frozenset] = {}


def _functions(s: Session, refresh: bool = False) -> tuple[frozenset, frozenset]:
    """(every function DuckDB has loaded, the table functions among them: `FROM duckdb_settings`
    calls one without parentheses). Listing them costs ~0.1 s and they come with the DuckDB build,
    so once per process — again only when a query names one not seen (an extension loaded since)."""
    if refresh or not _CATALOGUE:
        rows = s.db.rows("SELECT DISTINCT lower(function_name), function_type IN ('table', 'table_macro') "
                         "FROM duckdb_functions()")
        _CATALOGUE["all"] = frozenset(name for name, _ in rows)
        _CATALOGUE["table"] = frozenset(name for name, table in rows if table)
    return _CATALOGUE["all"], _CATALOGUE["table"]


# Characters SQL text cannot hold: control characters other than the whitespace SQL
# allows (tab, line feed, form feed, carriage return), and lone surrogates — halves of a
# character that Python strings can carry but DuckDB (UTF-8) cannot take.
BAD_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")


def _text(query) -> str:
    if not isinstance(query, str) or not query.strip():
        return validate.text(query, "sql_query", max_length=MAX_SQL)  # "required" or "must be text"
    bad = BAD_CHARACTER.search(query)
    if bad:
        raise InvalidInput("sql.character", field="sql_query", code=f"U+{ord(bad[0]):04X}",
                           position=bad.start() + 1)
    text = query.strip()
    if len(text) > MAX_SQL:
        raise InvalidInput("error.too_long", field="sql_query", max=MAX_SQL)
    return text


def _seconds(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MOST_SECONDS:
        raise InvalidInput("sql.limit_seconds", field="sql_seconds", most=MOST_SECONDS)
    return float(value)


def _sql_error(error: CRMError) -> CRMError:
    """DuckDB's explanation of a failed query as InvalidInput; a locked or unreadable file stays itself."""
    if isinstance(error, WorkspaceLocked) or error.key == "error.io":
        return error
    return InvalidInput("sql.failed", field="sql_query", detail=_unprefixed(str(error.params.get("detail", error))))


EXPLAIN = "EXPLAIN (FORMAT json) "


def _unprefixed(detail: str) -> str:
    """DuckDB's explanation as if about the user's own text: the plan check runs the query as
    `EXPLAIN (FORMAT json) …`, and DuckDB quotes that line with a caret under the mistake."""
    lines = detail.split("\n")
    for i, line in enumerate(lines):
        at = line.find(EXPLAIN)
        if line.startswith("LINE ") and at >= 0:
            lines[i] = line[:at] + line[at + len(EXPLAIN):]
            below = lines[i + 1] if i + 1 < len(lines) else ""
            if below[:at + len(EXPLAIN)].strip() == "" and len(below) > at + len(EXPLAIN):
                lines[i + 1] = below[:at] + below[at + len(EXPLAIN):]
    return "\n".join(lines)
