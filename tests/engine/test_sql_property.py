"""`crm.sql`, a Hypothesis property: for every role and random SQL — legitimate SELECTs over the
workspace's tables (WHERE, GROUP BY, JOIN, CTE, subqueries, UNION) mixed with attack fragments — the
workspace is unchanged and every answer is one the role may read: a forbidden table never answers,
an allowed one answers with its own rows (the count equals the same SQL run unchecked)."""
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from crm_engine import InvalidInput, NotAllowed
from crm_engine.reports import sql as sql_policy

from tests.conftest import fresh_company
from tests.engine.test_sql_attacks import ROLES, SECRET, fingerprint

# -- the property: whatever the SQL, nothing changes and nothing forbidden comes back ----------------
TABLES = ["customers", "orders", "order_lines", "users", "products", "teams", "audit", "files", "leads",
          "campaigns", "tickets", "contracts", "payments", "scenario_traits", "state_history", "crm_meta"]
ATTACKS = ["'secret.csv'", "read_csv('secret.csv')", "duckdb_settings()", '"x.csv"', "temp.main.x",
           "(WITH w AS (DELETE FROM audit RETURNING *) SELECT * FROM w)",
           "(WITH w AS (UPDATE users SET role = 'admin' RETURNING *) SELECT * FROM w)",
           "query('SELECT * FROM files')", "memory.main.files", "pg_catalog.pg_settings"]
CONDITIONS = ["true", "id > 1", "id IN (SELECT id FROM {other})", "EXISTS (SELECT 1 FROM {other})",
              "EXISTS (WITH w AS (DELETE FROM customers RETURNING id) SELECT 1 FROM w)",
              "current_setting('threads') IS NOT NULL"]


@st.composite
def queries(draw):
    """(SQL, the workspace tables it reads, whether it carries an attack)."""
    source = st.sampled_from(TABLES) | st.sampled_from(ATTACKS)
    main, other = draw(source), draw(source)
    condition = draw(st.sampled_from(CONDITIONS))
    shape = draw(st.sampled_from(["plain", "cte", "join", "group", "subquery", "union", "writing_cte"]))
    if shape in ("join", "union"):
        condition = "true"                    # these shapes read `other` themselves
    where = condition.format(other=other)
    read = {main} | ({other} if "{other}" in condition or shape in ("join", "union") else set())
    if shape == "plain":
        text = f"SELECT count(*) AS n FROM {main} t WHERE {where}"
    elif shape == "cte":
        text = f"WITH q AS (SELECT * FROM {main} t WHERE {where}) SELECT count(*) AS n FROM q"
    elif shape == "join":
        text = f"SELECT count(*) AS n FROM {main} a JOIN {other} b ON true"
    elif shape == "group":
        text = f"SELECT count(*) AS n FROM (SELECT 1 AS k FROM {main} t WHERE {where}) GROUP BY ALL"
    elif shape == "subquery":
        text = f"SELECT (SELECT count(*) FROM {main} t WHERE {where}) AS n"
    elif shape == "union":
        text = f"SELECT count(*) AS n FROM (SELECT 1 FROM {main} UNION ALL SELECT 1 FROM {other})"
    else:  # the finding: DuckDB calls this a SELECT, and it writes
        text = (f"WITH w AS (UPDATE users SET role = 'director' WHERE username = 'li.ming' RETURNING *) "
                f"SELECT count(*) AS n FROM {main} t WHERE {where}")
    attack = (shape == "writing_cte" or any(part in ATTACKS for part in read)
              or condition.startswith(("EXISTS (WITH", "current_setting")))
    return text, read - set(ATTACKS), attack


def _may_read(crm, table: str) -> bool:
    try:
        sql_policy.check_access(crm._s, table)
        return True
    except NotAllowed:
        return False


@pytest.fixture(scope="module")
def property_company(tmp_path_factory):
    folder = tmp_path_factory.mktemp("property")
    (folder / "secret.csv").write_text(f"id\n{len(SECRET)}\n")
    (folder / "x.csv").write_text(f"id\n{len(SECRET)}\n")
    crm = fresh_company()
    crm.as_user("li.ming").orders.add(1, [{"product": "NB-14", "quantity": 2}])
    yield crm, folder, fingerprint(crm)
    crm.close()


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(who=st.sampled_from(ROLES), query=queries())
def test_property_nothing_changes_and_nothing_forbidden_comes_back(property_company, monkeypatch, who, query):
    crm, folder, before = property_company
    monkeypatch.chdir(folder)
    text, read, attack = query
    allowed = all(_may_read(crm.as_user(who), table) for table in read)
    try:
        frame = crm.as_user(who).sql(text)
        event("answered")
    except NotAllowed:
        assert attack or not allowed, text
    except InvalidInput as error:
        # a bad join or a type mismatch is the SQL's fault; a refusal is the guard's
        assert attack or error.key == "sql.failed", (text, error)
    else:
        assert not attack and allowed, (who, text)
        if " UNION ALL " not in text and " JOIN " not in text:
            # the count is the count of the rows it claims to read: no other rows came in
            expected = crm._s.db.scalar(text)  # the same text on the engine's own connection
            assert frame["n"].iloc[0] == expected
    assert fingerprint(crm) == before
