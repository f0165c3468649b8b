"""What a `crm.sql` query refers to, read from DuckDB's own trees — the checks behind crm.sql.

Two independent readings of one query, both DuckDB's:

- `Parsed` walks the statement tree of `json_serialize_sql` (the parser's view). Every
  query node must be a read (`SELECT_NODE`, set operations, recursive CTEs): an
  `UPDATE_QUERY_NODE`, `INSERT_QUERY_NODE` or `DELETE_QUERY_NODE` hidden in a CTE, a
  subquery or an `EXISTS` is refused wherever it sits. Every table reference is collected
  with its CTE scope done as DuckDB does it: a CTE name covers the rest of its own `WITH`
  and the query under it, never the query around it, so `FROM 'secret.csv' WHERE EXISTS
  (WITH "secret.csv" AS …)` still names the file. CTE names must be plain identifiers that
  name no relation DuckDB knows (a system view such as `duckdb_settings`), so a name taken
  for a CTE cannot turn out to be something else. Table functions come from a short
  allow-list; scalar functions that read settings or change state are refused.
- `check_plan` walks the physical plan of `EXPLAIN (FORMAT json)` (the binder's view, after
  every name is resolved): each scan must be of an allowed workspace table or an allowed
  function, and no operator may write. A trick that fooled the first reading meets the second.

Both raise `CRMError`s; neither runs the query.
"""
from __future__ import annotations

import re

from ..errors import InvalidInput

# Query nodes that only read. Anything else ending in _NODE (UPDATE_QUERY_NODE …) is a write.
QUERY_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})
# Table references a read may use; a new kind in a future DuckDB is refused until reviewed.
TABLE_REFS = frozenset({"BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EXPRESSION_LIST", "EMPTY",
                        "SHOW_REF", "PIVOT"})
# Table functions that make rows or describe the catalogue (names and types, which
# docs/data-model.md publishes anyway); none reads a file, a setting or another database.
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest", "duckdb_columns",
                             "duckdb_views", "duckdb_constraints", "duckdb_types", "duckdb_schemas",
                             "duckdb_keywords", "duckdb_indexes"})
# Catalogue functions and views that show how much a table holds — duckdb_tables()'s
# estimated_size, pg_class's reltuples, a sequence's last_value — private tables included:
# never read directly. (information_schema.tables and pg_tables read duckdb_tables() in their
# plan but show only names, so the plan check still lets that function through.)
COUNTING = frozenset({"duckdb_tables", "duckdb_sequences", "pg_class", "pg_sequence", "pg_sequences"})
# Scalar functions that read the configuration or the environment, or change state
# (sequences, the log, the random seed), or only waste time.
SCALAR_REFUSED = frozenset({"current_setting", "getenv", "nextval", "setval", "currval", "write_log",
                            "setseed", "sleep_ms"})
# SHOW … statements that list the workspace's tables; SHOW DATABASES would name files.
SHOW_SPECIAL = frozenset({'"tables"'})
CATALOG_SCHEMAS = frozenset({"information_schema", "pg_catalog"})
PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]*")

# The physical plan: leaves that make rows without reading a table or a function of their own.
PLAN_LEAVES = frozenset({"DUMMY_SCAN", "COLUMN_DATA_SCAN", "EMPTY_RESULT", "CTE_SCAN", "REC_CTE_SCAN",
                         "DELIM_SCAN", "CHUNK_SCAN", "EXPRESSION_SCAN", "RECURSIVE_CTE_SCAN",
                         "CROSS_PRODUCT"})
# Catalogue functions the information_schema / pg_catalog views and SHOW / DESCRIBE expand to.
PLAN_FUNCTIONS = frozenset(f.upper() for f in TABLE_FUNCTIONS) | {"PRAGMA_SHOW", "DUCKDB_TABLES", "DUCKDB_SEQUENCES"}
# A word of an operator's name that means it writes or changes the database or its settings.
PLAN_WRITES = frozenset({"INSERT", "UPDATE", "DELETE", "COPY", "CREATE", "DROP", "ALTER", "ATTACH", "DETACH",
                         "EXPORT", "VACUUM", "PRAGMA", "SET", "RESET", "LOAD", "INSTALL", "TRANSACTION",
                         "CHECKPOINT", "MERGE", "UPSERT"})


def refused(kind: str) -> InvalidInput:
    return InvalidInput("sql.statement_refused", field="sql_query", kind=kind)


class Parsed:
    """What one statement tree refers to (see the module docstring)."""

    def __init__(self, relations: set[str], workspace: set[str], known_functions: frozenset | None = None):
        self.relations = relations    # every relation name DuckDB knows, lower case
        self.workspace = workspace    # the workspace's own tables
        self.known = known_functions  # every function DuckDB has loaded
        self.unknown: list[str] = []  # functions it has not: DuckDB would install an extension for them
        self.tables: list[tuple[str, str, str]] = []   # (catalog, schema, table), lower case
        self.functions: list[str] = []                 # table functions

    def walk(self, tree, scope: frozenset = frozenset()) -> "Parsed":
        # With a stack, not recursion: a query nested a few hundred levels deep is legal SQL
        # and must not end in Python's RecursionError. Each entry carries the CTE names in scope.
        self._stack = [(tree, scope)]
        while self._stack:
            item, scope = self._stack.pop()
            if isinstance(item, list):
                self._stack.extend((element, scope) for element in item)
            elif isinstance(item, dict):
                self._visit(item, scope)
        return self

    def _visit(self, item: dict, scope: frozenset) -> None:
        kind = item.get("type")
        kind = kind if isinstance(kind, str) else None   # a sample's "type" is a value, not a node
        if "class" in item:                  # an expression
            if item["class"] == "FUNCTION":
                self._scalar(item)
            elif item["class"] == "WINDOW":
                self._known(str(item.get("function_name", "")).lower())
            self._children(item, scope)
        elif kind and (kind.endswith("_NODE") or "cte_map" in item):
            self._query(item, kind, scope)
        elif kind in TABLE_REFS or (kind and "alias" in item and "sample" in item):
            # a table reference: known by its type, or an unknown kind by the fields all of them carry
            self._table_ref(item, kind, scope)
        else:                                 # modifiers, ORDER BY entries, literals …
            self._children(item, scope)

    def _children(self, item: dict, scope: frozenset, skip: tuple = ()) -> None:
        self._stack.extend((value, scope) for key, value in item.items()
                           if key not in skip and isinstance(value, (dict, list)))

    def _query(self, item: dict, kind: str, scope: frozenset) -> None:
        if kind not in QUERY_NODES:
            raise refused(kind.removesuffix("_NODE").removesuffix("_QUERY"))
        inner = scope
        # A CTE sees the CTEs before it in its WITH (DuckDB binds them in order), never itself
        # unless recursive, and never the ones after it; the query under the WITH sees all.
        for entry in (item.get("cte_map") or {}).get("map", []):
            name = self._cte_name(str(entry.get("key", "")))
            self._stack.append((entry.get("value"), inner))
            inner = inner | {name}
        own = item.get("cte_name") or item.get("ctename")
        if own:                               # RECURSIVE_CTE_NODE: the CTE refers to itself
            inner = inner | {self._cte_name(str(own))}
        self._children(item, inner, skip=("cte_map",))

    def _cte_name(self, name: str) -> str:
        lowered = name.lower()
        if lowered in self.workspace:
            # Shadowing a workspace table: allowed, but the table is checked as if read, so a
            # name that means the table anywhere in the query can never slip through unchecked.
            self.tables.append(("", "", lowered))
        elif not PLAIN_NAME.fullmatch(lowered) or lowered in self.relations:
            raise InvalidInput("sql.cte_name", field="sql_query", name=name)
        return lowered

    def _table_ref(self, item: dict, kind: str, scope: frozenset) -> None:
        if kind not in TABLE_REFS:
            raise refused(kind)
        if kind == "BASE_TABLE":
            catalog, schema = (item.get("catalog_name") or "").lower(), (item.get("schema_name") or "").lower()
            name = (item.get("table_name") or "").lower()
            if not (catalog or schema) and name in scope:
                return                        # a CTE in scope
            self.tables.append((catalog, schema, name))
        elif kind == "TABLE_FUNCTION":
            function = item.get("function") or {}
            self.functions.append(str(function.get("function_name", "?")).lower())
        elif kind == "SHOW_REF":
            self._show(item)
        self._children(item, scope)

    def _show(self, item: dict) -> None:
        show, name = item.get("show_type"), (item.get("table_name") or "")
        if show == "SHOW_SPECIAL":
            if name.lower() not in SHOW_SPECIAL:
                shown = "ALL TABLES" if name == "__show_tables_expanded" else name.strip('"').upper()
                raise refused(f"SHOW {shown}")
        elif name:
            # SHOW t / SUMMARIZE t name the table directly (DESCRIBE t wraps a SELECT * FROM t):
            # all follow the rule for reading it. Column names of any table: information_schema.
            self.tables.append(((item.get("catalog_name") or "").lower(), (item.get("schema_name") or "").lower(),
                                name.lower()))

    def _scalar(self, item: dict) -> None:
        name = str(item.get("function_name", "")).lower()
        if name in SCALAR_REFUSED:
            raise InvalidInput("sql.scalar", field="sql_query", function=name)
        if item.get("catalog") or item.get("schema") not in (None, "", "main", "pg_catalog"):
            # A qualified name could reach a macro in another catalog.
            raise InvalidInput("sql.scalar", field="sql_query",
                               function=".".join(p for p in (item.get("catalog"), item.get("schema"), name) if p))
        self._known(name)

    def _known(self, name: str) -> None:
        if self.known is not None and name and name not in self.known:
            self.unknown.append(name)


def check_plan(plan, allowed_tables: set[str], database: str) -> None:
    """InvalidInput unless every operator of an `EXPLAIN (FORMAT json)` plan only reads
    `allowed_tables` (of `database`, main schema) or an allowed catalogue or row-making function."""
    stack = [plan]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        name = str(node.get("name", "")).upper()
        info = node.get("extra_info") or {}
        children = node.get("children") or []
        stack.extend(children)
        if PLAN_WRITES & set(name.split("_")) and name not in PLAN_FUNCTIONS:
            raise refused(name)
        if "Function" in info:
            if str(info["Function"]).upper() not in PLAN_FUNCTIONS:
                raise InvalidInput("sql.function", field="sql_query", function=str(info["Function"]).lower(),
                                   allowed=", ".join(sorted(TABLE_FUNCTIONS)))
        elif "Table" in info:
            table = str(info["Table"])
            parts = _qualified(table)
            if len(parts) != 3 or parts[:2] != [database, "main"] or parts[2] not in allowed_tables:
                raise InvalidInput("sql.unknown_table", field="sql_query", table=table)
        elif not children and name not in PLAN_LEAVES:
            raise refused(name)


def _qualified(name: str) -> list[str]:
    """`catalog.schema.table` of a plan as its lower-case parts. DuckDB quotes a part that needs it:
    the workspace 2026001.duckdb (a class's files are named by student id) is the catalog "2026001"."""
    parts = [m[0] or m[1].replace('""', '"') for m in re.findall(r'([^."]+)|"((?:[^"]|"")*)"', name)]
    return [p.lower() for p in parts]
