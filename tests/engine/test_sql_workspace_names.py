"""crm.sql in a workspace whose file name DuckDB must quote as a catalog: a class's workspaces are named by
student id (2026001.duckdb), and a teacher may name one in Chinese."""
import pytest

from crm_engine import CRM, InvalidInput
from tests.conftest import TODAY


@pytest.mark.parametrize("name", ["2026001", "数据", "a b", "select", "S001"])
def test_sql_reads_its_own_tables_whatever_the_file_is_called(tmp_path, name):
    with CRM.create(tmp_path / f"{name}.duckdb", today=TODAY) as crm:
        crm.admin.add_user("li.ming", "Li Ming", role="account_manager", team=1)
        assert sorted(crm.sql("SELECT username FROM users")["username"]) == ["admin", "li.ming"]
        with pytest.raises(InvalidInput):
            crm.sql("SELECT * FROM duckdb_settings()")
