"""Helpers shared by engine tests."""


def snapshot(crm) -> dict:
    """Every row of every table (as sorted reprs): to prove a refused action changed nothing."""
    db = crm._s.db
    tables = [r[0] for r in db.rows(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1")]
    return {t: sorted(map(repr, db.rows(f"SELECT * FROM {t}"))) for t in tables}
