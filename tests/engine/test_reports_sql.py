"""`crm.sql`: read-only, one SELECT, whole tables only for those who see every row, nothing outside."""
import pathlib
import re

import pytest

from crm_engine import CRM, InvalidInput, NotAllowed
from crm_engine.reports import sql as sql_policy

from tests.conftest import fresh_company
from tests.engine.helpers import snapshot

DOCS = pathlib.Path(__file__).parents[2] / "docs" / "data-model.md"


@pytest.fixture(scope="module")
def company():
    crm = fresh_company()
    crm.as_user("li.ming").orders.add(1, [{"product": "NB-14", "quantity": 2}])
    yield crm
    crm.close()


def test_the_administrator_and_director_query_the_customers(company):
    for who in ("admin", "dong.li"):
        frame = company.as_user(who).sql(
            "SELECT region, count(*) AS customers FROM customers GROUP BY region ORDER BY region")
        assert frame.to_dict("records") == [{"region": "east", "customers": 4}, {"region": "southwest", "customers": 1}]


def test_parameters_ctes_joins_and_subqueries(company):
    frame = company.sql("""
        WITH spend AS (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id)
        SELECT c.name, s.total FROM customers c JOIN spend s ON s.customer_id = c.id
        WHERE c.owner_id IN (SELECT id FROM users WHERE username = ?)""", ["li.ming"])
    assert frame.to_dict("records") == [{"name": "Star Tech", "total": 9998.0}]
    assert company.sql("SELECT $n::INTEGER + 1 AS x", {"n": 41})["x"].item() == 42
    assert company.sql("FROM customers SELECT count(*) AS n")["n"].item() == 5
    assert "customers" in company.sql("SHOW TABLES")["name"].tolist()
    assert "region" in company.sql("DESCRIBE customers")["column_name"].tolist()
    assert company.sql("SELECT count(*) AS n FROM information_schema.tables")["n"].item() > 30
    assert company.sql("SELECT sum(i) AS s FROM range(5) t(i)")["s"].item() == 10


def test_a_rep_may_not_read_tables_they_see_only_part_of(company):
    rep = company.as_user("li.ming")
    with pytest.raises(NotAllowed, match="customers.*Own records"):
        rep.sql("SELECT * FROM customers")
    # hiding the table in a subquery, a CTE or a join does not help
    for text in ("SELECT * FROM products WHERE id IN (SELECT owner_id FROM customers)",
                 "WITH x AS (SELECT * FROM orders) SELECT count(*) FROM x",
                 "SELECT p.code FROM products p JOIN order_lines l ON l.product_id = p.id",
                 "SELECT (SELECT max(amount) FROM orders) AS top",
                 "WITH customers AS (SELECT 1 AS id) SELECT * FROM customers"):
        with pytest.raises(NotAllowed):
            rep.sql(text)
    # reference tables everyone reads through the screens anyway
    assert len(rep.sql("SELECT code, price FROM products ORDER BY code")) == 3
    assert "Li Ming" in rep.sql("SELECT name FROM users")["name"].tolist()


def test_roles_that_read_every_row_of_a_table_may_query_it(company):
    finance = company.as_user("cai.wu")       # reads all customers, contracts, payments; no leads
    assert finance.sql("SELECT count(*) AS n FROM orders")["n"].item() == 1
    with pytest.raises(NotAllowed, match="leads"):
        finance.sql("SELECT count(*) FROM leads")
    service = company.as_user("sun.li")
    assert service.sql("SELECT count(*) AS n FROM tickets")["n"].item() == 0
    with pytest.raises(NotAllowed, match="contracts"):
        service.sql("SELECT count(*) FROM contracts")


def test_the_rule_follows_the_sharing_policy(company):
    crm = fresh_company()
    rep = crm.as_user("li.ming")
    with pytest.raises(NotAllowed):
        rep.sql("SELECT count(*) FROM customers")
    crm.admin.set_policy("customer", "account_manager", read="all", write="own")
    assert rep.sql("SELECT count(*) AS n FROM customers")["n"].item() == 5


def test_private_office_records_are_never_read(company):
    for who in ("admin", "dong.li"):
        for table in sorted(sql_policy.PRIVATE):
            with pytest.raises(NotAllowed, match=table):
                company.as_user(who).sql(f"SELECT * FROM {table}")


def test_the_audit_trail_is_for_the_administrator_and_directors(company):
    assert company.as_user("dong.li").sql("SELECT count(*) AS n FROM audit")["n"].item() > 0
    with pytest.raises(NotAllowed, match="audit"):
        company.as_user("zhang.wei").sql("SELECT count(*) FROM audit")


@pytest.mark.parametrize("text,kind", [
    ("DELETE FROM customers", "DELETE"),
    ("UPDATE customers SET level = 'partner'", "UPDATE"),
    ("INSERT INTO teams VALUES (99, 'x', 1)", "INSERT"),
    ("DROP TABLE customers", "DROP"),
    ("CREATE TABLE x AS SELECT 1", "CREATE"),
    ("COPY customers TO 'out.csv'", "COPY"),
    ("ATTACH 'other.duckdb' AS other", "ATTACH"),
    ("PRAGMA database_list", "PRAGMA"),
    ("SET threads = 1", "SET"),
    ("EXPLAIN SELECT 1", "EXPLAIN"),
    ("INSTALL httpfs", "LOAD"),
    ("CHECKPOINT", "CALL"),
])
def test_only_select_runs(company, text, kind):
    before = snapshot(company)
    with pytest.raises(InvalidInput, match="only reads data") as raised:
        company.sql(text)
    assert kind in str(raised.value)
    assert snapshot(company) == before


def test_one_statement_at_a_time(company):
    before = snapshot(company)
    with pytest.raises(InvalidInput, match="holds 2"):
        company.sql("SELECT 1; DELETE FROM customers")
    assert snapshot(company) == before


@pytest.mark.parametrize("text", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/*')",
    "SELECT * FROM query('SELECT * FROM files')",
    "SELECT * FROM read_parquet('x.parquet')",
])
def test_no_table_functions_that_read_outside(company, text):
    with pytest.raises(InvalidInput, match="table function"):
        company.sql(text)


@pytest.mark.parametrize("text", ["SELECT * FROM '/etc/passwd'", "SELECT * FROM 'data.csv'",
                                  "SELECT * FROM other.main.customers", "SELECT * FROM temp.main.x",
                                  "SELECT * FROM no_such_table"])
def test_no_files_other_databases_or_unknown_tables(company, text):
    with pytest.raises(InvalidInput, match="no table"):
        company.sql(text)


def test_python_variables_are_not_tables(company):
    secret = __import__("pandas").DataFrame({"x": [1]})  # DuckDB would scan it by name if asked
    assert len(secret) == 1
    with pytest.raises(InvalidInput, match="no table secret"):
        company.sql("SELECT * FROM secret")


def test_sql_errors_carry_duckdbs_explanation(company):
    with pytest.raises(InvalidInput, match="syntax error") as raised:
        company.sql("SELEC 1")
    assert "DuckDB says" in str(raised.value)
    with pytest.raises(InvalidInput, match="colour"):
        company.sql("SELECT colour FROM customers")
    with pytest.raises(InvalidInput, match=re.escape("DuckDB says")):
        company.sql("SELECT 'abc'::INTEGER")
    with pytest.raises(InvalidInput, match="SQL query"):
        company.sql("   ")
    with pytest.raises(InvalidInput, match="list"):
        company.sql("SELECT ?", "li.ming")


def test_sql_messages_in_chinese(company):
    crm = company.as_user("li.ming")
    crm.set_language("zh_CN")
    with pytest.raises(NotAllowed, match="客户经理"):
        crm.sql("SELECT * FROM customers")
    with pytest.raises(InvalidInput, match="只能读取数据"):
        crm.sql("DELETE FROM products")
    crm.set_language("en")  # the handles of a workspace share its language (issue #20): the module's again


def test_sql_on_a_read_only_workspace(workspace_file):
    with CRM.open(workspace_file, read_only=True) as crm:
        assert crm.sql("SELECT count(*) AS n FROM customers")["n"].item() == 5


def test_every_table_is_classified_and_documented(company):
    """A new table must get a crm.sql rule and a section in docs/data-model.md before it ships."""
    tables = company.sql("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                         "AND table_catalog = current_database() AND table_type = 'BASE TABLE' ORDER BY 1")["table_name"]
    ruled = (sql_policy.REFERENCE | sql_policy.PRIVATE | set(sql_policy.TABLES) | set(sql_policy.SECRET_TABLES)
             | {"audit", "state_history"})
    assert sorted(set(tables) - ruled) == []
    documented = set(re.findall(r"^### `(\w+)`", DOCS.read_text("utf-8"), flags=re.M))
    assert sorted(set(tables) - documented) == []
    assert sorted(documented - set(tables)) == []


def test_documented_columns_exist(company):
    """Each column the data model names is a real column of its table."""
    text = DOCS.read_text("utf-8")
    columns = company.sql("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
                          "AND database_name = current_database()")
    real = set(zip(columns["table_name"], columns["column_name"]))
    for table, body in re.findall(r"^### `(\w+)`\n(.*?)(?=^### |\Z)", text, flags=re.M | re.S):
        named = re.findall(r"^\| `(\w+)` \|", body, flags=re.M)
        assert named, table
        assert sorted((table, c) for c in named if (table, c) not in real) == []
        assert sorted(c for t, c in real if t == table and c not in named) == [], table


def test_every_report_is_documented():
    from crm_engine.reports import REPORTS

    text = DOCS.read_text("utf-8")
    assert sorted(r for r in REPORTS if f"| `{r}` |" not in text) == []


def test_a_result_too_big_to_hold_is_stopped_by_its_size(company):
    # 20 rows of 1 MB each is 20 MB; a 2 MB limit stops it after the first fetched vector.
    with pytest.raises(InvalidInput) as caught:
        company.as_user("li.ming").sql("SELECT repeat('x', 1000000) AS s FROM range(20)", max_megabytes=2)
    assert caught.value.key == "sql.size_limit"
    assert "2 MB" in str(caught.value)
    # a small result under the same limit passes
    assert len(company.sql("SELECT repeat('x', 10) AS s FROM range(20)", max_megabytes=2)) == 20
    with pytest.raises(InvalidInput):
        company.sql("SELECT 1", max_megabytes=0)


def test_the_time_limit_is_checked_while_fetching():
    # A fetch that outlasts the deadline is stopped between vectors, whatever the interrupt did.
    import time

    import duckdb
    from crm_engine.db import Database

    con = duckdb.connect()
    con.execute("SELECT * FROM range(10000)")
    with pytest.raises(duckdb.InterruptException):
        Database._fetch_at_most(con, 100_000, None, time.monotonic() - 1)
    con.close()


def test_table_names_are_public_row_counts_are_not(company):
    rep = company.as_user("li.ming")
    names = rep.sql("SELECT table_name FROM information_schema.tables")["table_name"].tolist()
    assert "files" in names and "customers" in names
    assert "email" in rep.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'users'")[
        "column_name"].tolist()
    assert "files" in rep.sql("SELECT tablename FROM pg_catalog.pg_tables")["tablename"].tolist()
    for text in ("SELECT table_name, estimated_size FROM duckdb_tables()",
                 "SELECT relname, reltuples FROM pg_catalog.pg_class"):
        with pytest.raises(InvalidInput) as caught:
            rep.sql(text)
        assert caught.value.key == "sql.counting"


@pytest.mark.parametrize("text,code", [("SELECT '\ud800' AS x", "U+D800"), ("SELECT '\x00' AS x", "U+0000"),
                                       ("SELECT 1\x1b AS x", "U+001B")])
def test_a_character_sql_text_cannot_hold_is_named(company, text, code):
    with pytest.raises(InvalidInput) as caught:
        company.as_user("li.ming").sql(text)
    assert caught.value.key == "sql.character"
    assert code in str(caught.value)


def test_whitespace_characters_are_allowed_in_sql_text(company):
    assert company.sql("SELECT\x0c1 AS x,\t2 AS y\r\n")["y"].item() == 2


def test_refused_statements_read_well_and_duckdbs_caret_points_into_the_users_text(company):
    with pytest.raises(InvalidInput) as caught:
        company.sql("UPDATE users SET name = 'x'")
    assert "UPDATE statements are not allowed" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        company.sql("SELECT nme FROM users")
    message = str(caught.value)
    assert "EXPLAIN" not in message
    lines = message.split("\n")
    line = next(i for i, text in enumerate(lines) if text.startswith("LINE 1: "))
    assert lines[line] == "LINE 1: SELECT nme FROM users"
    assert lines[line + 1].index("^") == lines[line].index("nme")
