"""`crm.sql("SELECT …")`: read-only SQL for analysts and instructors, without breaking data scopes.

The policy (docs/data-model.md):

1. **Read only.** The text must be exactly one SELECT statement (`WITH … SELECT`,
   `FROM t`, `DESCRIBE t`, `SHOW TABLES` count as SELECT); anything else is refused
   with `InvalidInput` before it runs.
2. **Whole tables only for those who see every row.** Raw SQL cannot apply per-row
   scopes, so a query may read a table only if the sharing policy gives the acting
   user's role read scope `all` on every kind of record in it (`TABLES` below): by
   default the administrator and the sales director read nearly everything, finance
   the customers and the money, service staff the customers and tickets, and an
   account manager or supervisor only the reference tables (users, teams, dictionary,
   products …) and the company-wide campaigns and targets.
   Anything else is `NotAllowed`, naming the table and the scope.
3. **Never private office records.** Files, address books, notices and messages are
   private to their owners (F2–F5): no one reads them through `crm.sql`.
4. **Nothing outside the workspace.** Only the workspace's own tables, DuckDB's catalog
   (`information_schema`, `duckdb_tables()` …) and a few table functions that make
   rows (`range`, `generate_series`, `unnest`) may appear; `read_csv`, file paths and
   attached databases are refused.

The statement is parsed by DuckDB itself (`extract_statements`, `json_serialize_sql`)
and every table reference in the parse tree is checked, in subqueries and CTEs too.
Errors in the SQL come back as `InvalidInput` carrying DuckDB's own explanation.
"""
from __future__ import annotations

import json

import pandas as pd

from .. import access, validate
from ..errors import CRMError, InvalidInput, NotAllowed, WorkspaceLocked
from ..i18n import Term
from ..session import Session

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
    "opportunities": ("opportunity",), "plan_steps": ("opportunity",), "assignments": ("lead", "opportunity"),
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
CATALOG_SCHEMAS = frozenset({"information_schema", "pg_catalog"})
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "duckdb_tables", "duckdb_columns",
                             "duckdb_views", "duckdb_constraints", "duckdb_types", "duckdb_schemas",
                             "duckdb_keywords"})
MAX_SQL = 100_000


class _Found:
    """What a parse tree refers to."""

    def __init__(self):
        self.tables: list[tuple[str, str, str]] = []   # (catalog, schema, table)
        self.functions: list[str] = []
        self.ctes: set[str] = set()

    def walk(self, node) -> "_Found":
        # The JSON tree nests FROM clauses, subqueries and CTEs arbitrarily deep; every
        # dict is visited, so a table hidden in a subquery is found like any other.
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("type")
                if kind == "BASE_TABLE":
                    self.tables.append((item.get("catalog_name") or "", item.get("schema_name") or "",
                                        item.get("table_name") or ""))
                elif kind == "TABLE_FUNCTION":
                    function = item.get("function") or {}
                    self.functions.append(str(function.get("function_name", "?")))
                ctes = item.get("cte_map")
                if isinstance(ctes, dict):
                    self.ctes.update(str(entry.get("key", "")).lower() for entry in ctes.get("map", []))
                stack.extend(item.values())
        return self


def _statement(s: Session, text: str) -> dict:
    """The parse tree of the one SELECT in `text`, or InvalidInput saying what is wrong."""
    with s.db.reading() as con:
        statements = con.extract_statements(text)
    if len(statements) != 1:
        raise InvalidInput("sql.one_statement", field="sql_query", count=len(statements))
    kind = statements[0].type.name
    if kind != "SELECT":
        raise InvalidInput("sql.not_select", field="sql_query", kind=kind)
    tree = json.loads(s.db.scalar("SELECT json_serialize_sql(?)", [text]))
    if tree.get("error"):
        raise InvalidInput("sql.failed", field="sql_query", detail=tree.get("error_message", ""))
    return tree


def check_access(s: Session, table: str) -> None:
    """NotAllowed unless the acting user may read every row of workspace table `table`."""
    role = s.user.role
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


def run(s: Session, query: str, params=None) -> pd.DataFrame:
    """Check and run one read-only query (see the module docstring); a DataFrame of its rows."""
    text = validate.text(query, "sql_query", max_length=MAX_SQL)
    if params is not None and not isinstance(params, (list, tuple, dict)):
        raise InvalidInput("sql.params", field="sql_params")
    try:
        found = _Found().walk(_statement(s, text))
    except InvalidInput:
        raise
    except CRMError as error:
        raise _sql_error(error) from None
    tables = {r[0].lower() for r in s.db.rows(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'")}
    database = s.db.scalar("SELECT current_database()").lower()
    for function in found.functions:
        if function.lower() not in TABLE_FUNCTIONS:
            raise InvalidInput("sql.function", field="sql_query", function=function,
                               allowed=", ".join(sorted(TABLE_FUNCTIONS)))
    for catalog, schema, name in found.tables:
        catalog, schema, name = catalog.lower(), schema.lower(), name.lower()
        if catalog not in ("", database):
            raise InvalidInput("sql.unknown_table", field="sql_query", table=f"{catalog}.{schema}.{name}")
        if schema in CATALOG_SCHEMAS:
            continue
        if schema not in ("", "main"):
            raise InvalidInput("sql.unknown_table", field="sql_query", table=f"{schema}.{name}")
        if name in tables:
            # A CTE may share a table's name; checking the table anyway errs on the safe side.
            check_access(s, name)
        elif not (schema == "" and name in found.ctes):
            raise InvalidInput("sql.unknown_table", field="sql_query", table=name)
    try:
        return s.db.df(text, params)
    except CRMError as error:
        raise _sql_error(error) from None


def _sql_error(error: CRMError) -> CRMError:
    """DuckDB's explanation of a failed query as InvalidInput; a locked or unreadable file stays itself."""
    if isinstance(error, WorkspaceLocked) or error.key == "error.io":
        return error
    return InvalidInput("sql.failed", field="sql_query", detail=error.params.get("detail", str(error)))
