"""`crm.sql` under attack: every way found to write, reach a file, a setting or a forbidden row.

Each attack is one named case (its id says what it tries), so a future change that reopens
one fails by name. For every case: the right CRMError, nothing came back, and the workspace
— every row of every table, the audit trail, DuckDB's settings, databases, extensions,
temporary objects — and the folder around it are exactly as before.
"""
import hashlib
import os

import pandas as pd
import pytest

from crm_engine import CRM, CRMError, InvalidInput, NotAllowed
from crm_engine.reports import sql_guard

from tests.conftest import fresh_company

SECRET = "TOPSECRET-4711"
ROLES = ["admin", "dong.li", "sun.li", "ma.lan", "cai.wu", "zhang.wei", "li.ming", "wang.fang", "zhao.lei",
         "chen.hua", "liu.yang"]


def _company() -> CRM:
    crm = fresh_company()
    crm.as_user("li.ming").orders.add(1, [{"product": "NB-14", "quantity": 2}])
    return crm


class Shared:
    """One company for the whole corpus (building one per case would double its run time), rebuilt
    after any case that did not finish cleanly, so one reopened hole cannot hide or fake another."""

    def __init__(self):
        self.crm, self.dirty = _company(), False
        self.pristine = fingerprint(self.crm, functions=True)
        self.pristine_light = fingerprint(self.crm)

    def take(self) -> CRM:
        if self.dirty:
            self.crm.close()
            self.crm = _company()
        self.dirty = True
        return self.crm


@pytest.fixture(scope="module")
def shared():
    holder = Shared()
    yield holder
    # the slow part of the fingerprint (every function and macro) once around the whole corpus
    assert holder.dirty or fingerprint(holder.crm, functions=True) == holder.pristine
    holder.crm.close()


@pytest.fixture
def company(shared):
    crm = shared.take()
    yield crm
    shared.dirty = fingerprint(crm) != shared.pristine_light




@pytest.fixture
def folder(tmp_path, monkeypatch):
    """The working folder holds files an attacker would like to read; relative paths land here."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.csv").write_text(f"code,word\n1,{SECRET}\n")
    (tmp_path / "x.csv").write_text(f"code,word\n2,{SECRET}\n")
    return tmp_path


def fingerprint(crm, functions: bool = False) -> dict:
    """Everything a query could change: rows, audit count, settings, databases, extensions, temp
    objects (and, with `functions`, every function and macro: slow, ~0.1 s)."""
    db = crm._s.db
    macros = db.rows("SELECT database_name, schema_name, function_name FROM duckdb_functions() "
                     "WHERE NOT internal ORDER BY ALL") if functions else None
    tables = [r[0] for r in db.rows(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1")]
    # a count and an order-free sum of row hashes per table: every value of every row, in one query
    rows = db.rows(" UNION ALL ".join(f"SELECT '{t}', count(*), sum(hash(r))::HUGEINT FROM {t} r" for t in tables))
    return {"macros": macros,
        "rows": sorted(rows),
        "audit": db.scalar("SELECT count(*) FROM audit"),
        "settings": db.rows("SELECT name, value FROM duckdb_settings() ORDER BY name"),
        "databases": db.rows("SELECT database_name, path, readonly FROM duckdb_databases() ORDER BY 1"),
        "extensions": db.rows("SELECT extension_name, loaded, installed FROM duckdb_extensions() ORDER BY 1"),
        "relations": db.rows("SELECT database_name, schema_name, table_name FROM duckdb_tables() "
                             "UNION ALL SELECT database_name, schema_name, view_name FROM duckdb_views() "
                             "WHERE NOT internal ORDER BY ALL"),
        "secrets": db.rows("SELECT name FROM duckdb_secrets() ORDER BY 1"),
    }


# (id, SQL, who runs it, the error expected). The administrator runs most: a refusal then
# comes from the guard, not from a missing scope.
WRITES_HIDDEN_IN_SELECTS = [
    ("cte_update_makes_rep_director",
     "WITH x AS (UPDATE users SET role='director' WHERE username='li.ming' RETURNING *) SELECT * FROM x"),
    ("cte_delete_order_lines", "WITH x AS (DELETE FROM order_lines RETURNING *) SELECT count(*) FROM x"),
    ("cte_delete_audit_trail", "WITH x AS (DELETE FROM audit RETURNING id) SELECT count(*) FROM x"),
    ("cte_rewrite_sharing_policy",
     "WITH x AS (UPDATE sharing_policy SET read_scope='all' RETURNING *) SELECT count(*) FROM x"),
    ("cte_break_crm_meta",
     "WITH x AS (UPDATE crm_meta SET value='999' WHERE key='schema_version' RETURNING *) SELECT * FROM x"),
    ("cte_insert_team", "WITH x AS (INSERT INTO teams (id, name) VALUES (99, 'x') RETURNING *) SELECT * FROM x"),
    ("cte_nested_in_cte", "WITH a AS (WITH b AS (DELETE FROM audit RETURNING *) SELECT * FROM b) SELECT * FROM a"),
    ("cte_in_from_subquery", "SELECT * FROM (WITH b AS (DELETE FROM customers RETURNING id) SELECT * FROM b) t"),
    ("cte_in_exists",
     "SELECT 1 AS x WHERE EXISTS (WITH b AS (UPDATE users SET role='admin' RETURNING *) SELECT 1 FROM b)"),
    ("cte_in_scalar_subquery", "SELECT (WITH b AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM b) AS n"),
    ("cte_in_in_list", "SELECT * FROM users WHERE id IN (WITH b AS (DELETE FROM users RETURNING id) SELECT id FROM b)"),
    ("cte_in_union", "SELECT 1 AS n UNION ALL (WITH b AS (DELETE FROM customers RETURNING id) SELECT count(*) FROM b)"),
    ("cte_in_lateral", "SELECT * FROM users u, LATERAL (WITH b AS (DELETE FROM teams RETURNING id) SELECT * FROM b) l"),
    ("cte_in_recursive", "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3), "
                         "w AS (DELETE FROM audit RETURNING id) SELECT * FROM r, w"),
    ("cte_materialized", "WITH x AS MATERIALIZED (DELETE FROM audit RETURNING id) SELECT * FROM x"),
]
STATEMENTS = [
    ("delete_returning", "DELETE FROM audit RETURNING *"),
    ("update_returning", "UPDATE users SET role = 'admin' RETURNING *"),
    ("insert_returning", "INSERT INTO teams (id, name) VALUES (98, 'y') RETURNING *"),
    ("copy_table_to_file", "COPY users TO 'out.csv'"),
    ("copy_query_to_file", "COPY (SELECT * FROM users) TO 'out.csv'"),
    ("copy_from_file", "COPY teams FROM 'x.csv'"),
    ("export_database", "EXPORT DATABASE 'dump'"),
    ("checkpoint", "CHECKPOINT"),
    ("set_threads", "SET threads = 1"),
    ("set_global_no_external_access", "SET GLOBAL enable_external_access = false"),
    ("set_lock_configuration", "SET lock_configuration = true"),
    ("reset", "RESET threads"),
    ("pragma", "PRAGMA database_list"),
    ("pragma_profiling", "PRAGMA enable_profiling"),
    ("attach_memory", "ATTACH ':memory:' AS other"),
    ("attach_file", "ATTACH 'other.duckdb' AS other"),
    ("detach", "DETACH memory"),
    ("use", "USE system"),
    ("install", "INSTALL httpfs"),
    ("load", "LOAD httpfs"),
    ("call_pragma", "CALL pragma_database_list()"),
    ("call_checkpoint", "CALL force_checkpoint()"),
    ("create_temp_table", "CREATE TEMP TABLE t AS SELECT * FROM audit"),
    ("create_temp_view", "CREATE TEMP VIEW v AS SELECT * FROM customers"),
    ("create_macro", "CREATE MACRO m() AS TABLE SELECT * FROM read_csv('secret.csv')"),
    ("create_temp_macro", "CREATE TEMP MACRO getenv2(x) AS current_setting(x)"),
    ("create_secret", "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')"),
    ("drop_table", "DROP TABLE audit"),
    ("alter_table", "ALTER TABLE users ADD COLUMN x INTEGER"),
    ("vacuum", "VACUUM"),
    ("begin", "BEGIN TRANSACTION"),
    ("commit", "COMMIT"),
    ("explain_analyze", "EXPLAIN ANALYZE SELECT 1"),
    ("pivot_statement", "PIVOT customers ON region USING count(*)"),
    ("two_statements", "SELECT 1; DELETE FROM audit"),
    ("comment_hides_second_statement", "SELECT 1 /* harmless */; DROP TABLE users -- ;"),
    ("line_comment_then_statement", "SELECT 1 -- a comment\n; DELETE FROM audit"),
    ("statement_after_string", "SELECT ';' AS x; UPDATE users SET role = 'admin'"),
]
TABLE_FUNCTIONS = ["read_csv('secret.csv')", "read_csv_auto('secret.csv')", "read_parquet('x.parquet')",
                   "read_json('x.json')", "read_json_auto('x.json')", "read_ndjson('x.json')",
                   "read_text('secret.csv')", "read_blob('secret.csv')", "glob('*')", "sniff_csv('secret.csv')",
                   "parquet_metadata('x.parquet')", "parquet_schema('x.parquet')", "query_table('files')",
                   "query('SELECT * FROM files')", "query('ATTACH ''a.duckdb'' AS a')", "read_duckdb('other.duckdb')",
                   "duckdb_settings()", "duckdb_extensions()", "duckdb_secrets()", "duckdb_databases()",
                   "duckdb_functions()", "duckdb_memory()", "duckdb_temporary_files()", "duckdb_logs()",
                   "pragma_database_list()", "pragma_table_info('files')", "pragma_storage_info('audit')",
                   "pragma_show('users')", "checkpoint()", "force_checkpoint()", "enable_profiling()",
                   "json_execute_serialized_sql('{}')", "which_secret('s3://x', 's3')", "test_all_types()"]
FILES_AS_TABLES = [
    ("quoted_file", "SELECT * FROM 'secret.csv'"),
    ("from_first_file", "FROM 'secret.csv'"),
    ("double_quoted_file", 'SELECT * FROM "secret.csv"'),
    ("dot_slash_file", "SELECT * FROM './secret.csv'"),
    ("absolute_file", "SELECT * FROM '/etc/passwd'"),
    ("parquet_name", 'SELECT * FROM "x.parquet"'),
    ("glob_pattern", "SELECT * FROM '*.csv'"),
    ("url", "SELECT * FROM 'https://example.com/x.csv'"),
    ("file_in_join", "SELECT * FROM users JOIN 'secret.csv' s ON true"),
    ("file_in_subquery", "SELECT * FROM users WHERE id IN (SELECT code FROM 'secret.csv')"),
    ("cte_name_shadows_file_elsewhere",
     "SELECT * FROM 'secret.csv' WHERE EXISTS (WITH \"secret.csv\" AS (SELECT 1) SELECT 1)"),
    ("cte_name_is_file_path", "WITH \"secret.csv\" AS (SELECT 1 AS x) SELECT * FROM \"secret.csv\""),
    ("cte_defined_after_use", "WITH a AS (SELECT * FROM \"secret.csv\"), \"secret.csv\" AS (SELECT 1) SELECT * FROM a"),
    ("cte_in_sibling_subquery",
     "SELECT * FROM (SELECT * FROM 'x.csv') a, (WITH \"x.csv\" AS (SELECT 1) SELECT * FROM \"x.csv\") b"),
    ("cte_trick_reaches_system_view",
     "SELECT * FROM duckdb_settings WHERE EXISTS (WITH duckdb_settings AS (SELECT 1) SELECT 1)"),
    ("cte_named_like_system_view", "WITH duckdb_settings AS (SELECT 1 AS x) SELECT * FROM duckdb_settings"),
    ("describe_file", "DESCRIBE 'secret.csv'"),
    ("describe_query_of_file", "DESCRIBE SELECT * FROM 'secret.csv'"),
    ("summarize_file", "SUMMARIZE 'secret.csv'"),
    ("show_file", "SHOW 'secret.csv'"),
    ("show_databases", "SHOW DATABASES"),
    ("show_all_tables", "SHOW ALL TABLES"),
    ("python_variable", "SELECT * FROM secret_frame"),
]
NAMES_AND_CATALOGS = [
    ("other_database", "SELECT * FROM other.main.customers"),
    ("system_catalog", "SELECT * FROM system.main.duckdb_settings"),
    ("temp_table", "SELECT * FROM temp.x"),
    ("temp_main_table", "SELECT * FROM temp.main.x"),
    ("system_view_unqualified", "SELECT * FROM duckdb_settings"),
    ("sqlite_master", "SELECT * FROM sqlite_master"),
    ("pragma_view", "SELECT * FROM pragma_database_list"),
    ("pg_settings", "SELECT * FROM pg_catalog.pg_settings"),
    ("pg_database_paths", "SELECT * FROM pg_catalog.pg_database"),
    ("information_schema_in_other_catalog", "SELECT * FROM system.information_schema.tables"),
    ("getenv", "SELECT getenv('HOME') AS h"),
    ("current_setting", "SELECT current_setting('home_directory') AS h"),
    ("current_setting_in_where", "SELECT * FROM users WHERE current_setting('temp_directory') <> ''"),
    ("nextval", "SELECT nextval('some_sequence') AS n"),
    ("setseed", "SELECT setseed(0.5) AS s"),
    ("qualified_function", "SELECT system.main.current_setting('threads') AS t"),
    ("autoinstall_excel_extension", "SELECT excel_text(1, '0') AS x"),
    ("autoinstall_spatial_extension", "SELECT ST_Point(1, 2) AS p"),
    ("autoinstall_in_window", "SELECT st_area(NULL) OVER () AS a"),
    ("unknown_table", "SELECT * FROM no_such_table"),
]
# A rep may not read the customers, orders or the audit trail in full; no spelling helps.
REP_FORBIDDEN = [
    ("upper_case_quoted", 'SELECT * FROM "CUSTOMERS"'),
    ("schema_quoted", 'SELECT * FROM main."audit"'),
    ("upper_schema", "SELECT * FROM MAIN.AUDIT"),
    ("database_qualified", "SELECT * FROM memory.main.orders"),
    ("cte_shadows_table", "WITH customers AS (SELECT 1 AS id) SELECT * FROM customers"),
    ("cte_shadow_inner_real_outer", "SELECT * FROM customers WHERE EXISTS (WITH customers AS (SELECT 1) SELECT 1)"),
    ("summarize", "SUMMARIZE customers"),
    ("summarize_query", "SUMMARIZE SELECT * FROM orders"),
    ("unpivot", "UNPIVOT customers ON name INTO NAME k VALUE v"),
    ("pivot_subquery", "SELECT * FROM (PIVOT orders ON status IN ('open') USING count(*))"),
    ("exists_probe", "SELECT 1 AS x WHERE EXISTS (SELECT 1 FROM customers WHERE name LIKE 'Harbour%')"),
    ("union_with_reference", "SELECT name FROM users UNION ALL SELECT name FROM customers"),
    ("private_files", "SELECT * FROM files"),
    ("describe", "DESCRIBE customers"),
    ("show_table", "SHOW orders"),
    ("show_private", "SHOW files"),
]
# How many rows a table holds, private ones included: catalogue parts that count are refused.
ROW_COUNTS = [
    ("duckdb_tables_estimated_size", "SELECT table_name, estimated_size FROM duckdb_tables()"),
    ("duckdb_tables_star", "SELECT * FROM duckdb_tables()"),
    ("duckdb_tables_without_parentheses", "SELECT * FROM duckdb_tables"),
    ("pg_class_reltuples", "SELECT relname, reltuples FROM pg_catalog.pg_class"),
    ("pg_class_unqualified", "SELECT relname, reltuples FROM pg_class"),
    ("sequences_last_value", "SELECT sequence_name, last_value FROM duckdb_sequences()"),
    ("pg_sequences", "SELECT * FROM pg_catalog.pg_sequences"),
    ("pg_sequence", "SELECT * FROM pg_catalog.pg_sequence"),
    ("duckdb_tables_in_subquery", "SELECT 1 AS x WHERE EXISTS (SELECT 1 FROM duckdb_tables() WHERE estimated_size > 3)"),
]

CASES = (
    [pytest.param(sql, "admin", InvalidInput, id=name) for name, sql in WRITES_HIDDEN_IN_SELECTS]
    + [pytest.param(sql, "admin", InvalidInput, id=name) for name, sql in STATEMENTS]
    + [pytest.param(f"SELECT * FROM {call}", "admin", InvalidInput, id="function_" + call.split("(")[0])
       for call in TABLE_FUNCTIONS]
    + [pytest.param(sql, "admin", InvalidInput, id=name) for name, sql in FILES_AS_TABLES + NAMES_AND_CATALOGS]
    + [pytest.param(sql, "li.ming", NotAllowed, id="rep_" + name) for name, sql in REP_FORBIDDEN]
    + [pytest.param(sql, "li.ming", InvalidInput, id="rep_" + name) for name, sql in ROW_COUNTS]
    + [pytest.param(sql, "li.ming", CRMError, id="rep_" + name)
       for name, sql in WRITES_HIDDEN_IN_SELECTS + FILES_AS_TABLES]
)


@pytest.mark.parametrize("text,who,error", CASES)
def test_attack_is_refused_and_changes_nothing(shared, folder, text, who, error):
    company = shared.take()
    secret_frame = pd.DataFrame({"word": [SECRET]})  # DuckDB would scan it by name if asked
    assert len(secret_frame) == 1
    before, files = fingerprint(company), sorted(os.listdir(folder))
    with pytest.raises(error) as raised:
        company.as_user(who).sql(text)
    assert SECRET not in str(raised.value)
    assert fingerprint(company) == before
    assert sorted(os.listdir(folder)) == files
    # the acting user is who they were: a rep is still a rep
    assert company._s.db.scalar("SELECT role FROM users WHERE username = 'li.ming'") == "account_manager"
    shared.dirty = False


WRITES_ON_FILE = [sql for _, sql in WRITES_HIDDEN_IN_SELECTS] + [
    "DELETE FROM audit RETURNING *", "CHECKPOINT", "SET GLOBAL enable_external_access = false"]


def test_a_file_workspace_is_byte_identical_after_every_write_attack(workspace_file):
    def checksum() -> str:
        return hashlib.sha256(workspace_file.read_bytes()).hexdigest()

    with CRM.open(workspace_file) as crm:
        crm._s.db.con.execute("CHECKPOINT")
        before = checksum()
        for text in WRITES_ON_FILE:
            for who in ("admin", "li.ming"):
                with pytest.raises(CRMError):
                    crm.as_user(who).sql(text)
        crm._s.db.con.execute("CHECKPOINT")
        assert checksum() == before


def test_a_workspace_whose_name_needs_quoting(workspace_file):
    """The plan names tables `"my shop-2".main.orders`: the check reads DuckDB's quoting."""
    odd = workspace_file.with_name('my shop-2 "x".duckdb')
    workspace_file.rename(odd)
    with CRM.open(odd) as crm:
        assert crm.sql("SELECT count(*) AS n FROM main.customers c JOIN users u ON u.id = c.owner_id")["n"].item() == 5
        with pytest.raises(NotAllowed):
            crm.as_user("li.ming").sql("SELECT count(*) FROM customers")


def test_deep_nesting_is_checked_or_refused_clearly_never_a_traceback(company):
    def nested(depth: int) -> str:
        return "SELECT * FROM " + "(SELECT * FROM " * depth + "users" + ") t" * depth

    assert len(company.sql(nested(150))) == len(company.sql("SELECT * FROM users"))
    with pytest.raises(InvalidInput, match="nested too deeply"):
        company.sql(nested(400))
    with pytest.raises(InvalidInput, match="could not run"):
        company.sql(nested(3000))   # DuckDB's own limit


def test_the_time_limit_interrupts_a_long_query(company):
    before = fingerprint(company)
    with pytest.raises(InvalidInput, match="longer than 0.5 seconds") as raised:
        company.sql("SELECT count(*) AS n FROM range(100000000) a, range(100000000) b", seconds=0.5)
    assert raised.value.key == "sql.time_limit"
    assert fingerprint(company) == before
    assert company.sql("SELECT 1 AS one")["one"].item() == 1   # the workspace answers again at once


def test_the_row_limit_stops_a_huge_result(company):
    with pytest.raises(InvalidInput, match="more than 100000 rows") as raised:
        company.sql("SELECT * FROM range(100001) t(i)")
    assert raised.value.key == "sql.row_limit"
    assert len(company.sql("SELECT * FROM range(100000) t(i)")) == 100_000
    assert len(company.sql("SELECT * FROM range(10) t(i)", max_rows=10)) == 10
    with pytest.raises(InvalidInput, match="more than 9 rows"):
        company.sql("SELECT * FROM range(10) t(i)", max_rows=9)


@pytest.mark.parametrize("limits", [{"seconds": 0}, {"seconds": -1}, {"seconds": "10"}, {"seconds": True},
                                    {"seconds": 10_000}, {"max_rows": 0}, {"max_rows": 2.5},
                                    {"max_rows": 10**12}])
def test_limits_are_checked(company, limits):
    with pytest.raises(InvalidInput):
        company.sql("SELECT 1", **limits)


def test_limit_messages_in_chinese(company):
    crm = company.as_user("admin")
    crm.set_language("zh_CN")
    try:
        with pytest.raises(InvalidInput, match="查询返回的行数超过 5 行，已被停止"):
            crm.sql("SELECT * FROM range(6) t(i)", max_rows=5)
        with pytest.raises(InvalidInput, match="查询运行超过 0.2 秒，已被停止"):
            crm.sql("SELECT count(*) FROM range(100000000) a, range(100000000) b", seconds=0.2)
        with pytest.raises(InvalidInput, match="不接受"):
            crm.sql('WITH "x.csv" AS (SELECT 1) SELECT 1')
        with pytest.raises(InvalidInput, match="current_setting"):
            crm.sql("SELECT current_setting('threads')")
    finally:
        crm.set_language("en")


def test_legitimate_analysis_still_works(company):
    """What analysts and the course notebooks write: joins, CTEs, windows, GROUP BY ALL, the catalogue."""
    frame = company.sql("""
        WITH spend AS (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY ALL),
             ranked AS (SELECT *, row_number() OVER (ORDER BY total DESC) AS place FROM spend)
        SELECT c.name, r.total, r.place FROM customers c JOIN ranked r ON r.customer_id = c.id""")
    assert frame.to_dict("records") == [{"name": "Star Tech", "total": 9998.0, "place": 1}]
    assert company.sql("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 4) "
                       "SELECT sum(n) AS s FROM r")["s"].item() == 10
    assert company.sql("SELECT level, count(*) AS n FROM customers GROUP BY ALL ORDER BY ALL")["n"].sum() == 5
    assert company.sql("SELECT * FROM (PIVOT (SELECT region FROM customers) ON region IN ('east', 'southwest') "
                       "USING count(*))"
                       ).to_dict("records") == [{"east": 4, "southwest": 1}]
    assert len(company.sql("SUMMARIZE customers")) > 5
    assert "customers" in company.sql("SELECT table_name FROM information_schema.tables")["table_name"].tolist()
    assert len(company.sql("SELECT * FROM information_schema.columns WHERE table_name = 'orders'")) > 3
    assert len(company.sql("SELECT * FROM information_schema.columns WHERE table_name = 'files'")) > 2
    assert len(company.sql("DESCRIBE orders")) > 2 and len(company.sql("SHOW orders")) > 2
    assert company.sql("SELECT unnest([1, 2, 3]) AS x")["x"].sum() == 6
    assert company.sql("SELECT * FROM generate_series(1, 3) t(x)")["x"].sum() == 6
    assert company.sql("SELECT random() < 1 AS ok")["ok"].item()
    assert len(company.sql("SELECT * FROM customers USING SAMPLE 100% (bernoulli, 1)")) == 5  # "type" as a value
    assert company.sql("SELECT count(*) AS n FROM customers c, LATERAL (SELECT count(*) AS k FROM orders o "
                       "WHERE o.customer_id = c.id) l WHERE l.k > 0")["n"].item() == 1
    rep = company.as_user("li.ming")
    assert rep.sql('SELECT count(*) AS n FROM "USERS" JOIN main.teams t ON t.id = "USERS".team_id')["n"].item() > 0


def test_imports_exports_and_backups_still_work_after_crm_sql(crm, tmp_path, monkeypatch):
    """crm.sql fences itself in without global switches: the engine's own file access is intact."""
    monkeypatch.chdir(tmp_path)
    for text in ("SET GLOBAL enable_external_access = false", "SET lock_configuration = true",
                 "SELECT * FROM read_csv('a.csv')"):
        with pytest.raises(InvalidInput):
            crm.sql(text)
    assert crm.sql("SELECT count(*) AS n FROM customers")["n"].item() == 5
    path = tmp_path / "new.csv"
    path.write_text("name,phone\nNew Horizon,010-5555 0000\n", encoding="utf-8")
    assert crm.as_user("li.ming").imports.customers(path).imported == 1
    assert crm.as_user("li.ming").exports.write("customers", tmp_path / "mine.csv") == 3
    assert os.path.exists(crm.admin.backup(tmp_path / "backup.duckdb"))
    assert crm._s.db.scalar("SELECT current_setting('enable_external_access')") is True


def test_sql_can_run_inside_another_thread_while_the_engine_works(company):
    """The bounded read uses a cursor of its own; the engine's connection is free again after."""
    company.sql("SELECT count(*) FROM customers")
    assert company.customers.list()["name"].size == 5


# -- each layer on its own: a future DuckDB's new kinds of node are refused until reviewed ----------
def _base(name, **more):
    return {"type": "BASE_TABLE", "alias": "", "sample": None, "query_location": 0, "table_name": name,
            "schema_name": "", "catalog_name": "", **more}


@pytest.mark.parametrize("tree", [
    pytest.param({"node": {"type": "MERGE_INTO_QUERY_NODE", "cte_map": {"map": []}}}, id="unknown_query_node"),
    pytest.param({"node": {"type": "SELECT_NODE", "cte_map": {"map": []},
                           "from_table": {"type": "FUTURE_REF", "alias": "", "sample": None}}}, id="unknown_table_ref"),
    pytest.param({"node": {"type": "SELECT_NODE", "cte_map": {"map": [
        {"key": "x", "value": {"query_node": {"type": "UPDATE_QUERY_NODE", "cte_map": {"map": []}}}}]}}},
        id="write_in_cte"),
    pytest.param({"node": {"type": "SELECT_NODE", "cte_map": {"map": [
        {"key": "a/b.csv", "value": {"query_node": {"type": "SELECT_NODE", "cte_map": {"map": []}}}}]}}},
        id="cte_named_like_a_path"),
])
def test_the_parse_tree_check_refuses_what_it_does_not_know(tree):
    with pytest.raises(InvalidInput):
        sql_guard.Parsed(relations=set(), workspace={"users"}).walk(tree)


def test_a_tree_the_check_cannot_read_is_refused_not_run(company, monkeypatch):
    def confused(self, tree, scope=frozenset()):
        raise KeyError("a shape of tree from a newer DuckDB")

    monkeypatch.setattr(sql_guard.Parsed, "walk", confused)
    with pytest.raises(InvalidInput, match="could not check this query") as raised:
        company.sql("SELECT count(*) FROM customers")
    assert raised.value.key == "sql.unchecked"


def test_the_parse_tree_check_scopes_ctes_like_duckdb():
    inner_cte = {"type": "SELECT_NODE", "cte_map": {"map": [
        {"key": "secret", "value": {"query_node": {"type": "SELECT_NODE", "cte_map": {"map": []}}}}]},
        "from_table": _base("secret")}
    tree = {"type": "SELECT_NODE", "cte_map": {"map": []}, "from_table": _base("secret"),
            "where_clause": {"class": "SUBQUERY", "type": "SUBQUERY", "subquery": {"node": inner_cte}}}
    found = sql_guard.Parsed(relations=set(), workspace={"users"}).walk(tree)
    assert found.tables == [("", "", "secret")]     # the outer one, not covered by the inner WITH


@pytest.mark.parametrize("plan", [
    pytest.param({"name": "COPY_TO_FILE", "children": [{"name": "SEQ_SCAN", "extra_info": {"Table": "m.main.users"}}]},
                 id="write_operator"),
    pytest.param({"name": "READ_CSV", "extra_info": {"Function": "READ_CSV"}}, id="file_function"),
    pytest.param({"name": "SEQ_SCAN", "extra_info": {"Table": "other.main.users"}}, id="other_database"),
    pytest.param({"name": "SEQ_SCAN", "extra_info": {"Table": "m.main.audit"}}, id="table_not_allowed"),
    pytest.param({"name": "SEQ_SCAN", "extra_info": {"Table": "temp.main.users"}}, id="temp_table"),
    pytest.param({"name": "FUTURE_SCAN", "extra_info": {}}, id="unknown_leaf"),
])
def test_the_plan_check_refuses_anything_but_allowed_scans(plan):
    sql_guard.check_plan([{"name": "PROJECTION", "children": [{"name": "DUMMY_SCAN"}]}], {"users"}, "m")
    sql_guard.check_plan([{"name": "SEQ_SCAN", "extra_info": {"Table": "m.main.users"}}], {"users"}, "m")
    with pytest.raises(InvalidInput):
        sql_guard.check_plan([plan], {"users"}, "m")
