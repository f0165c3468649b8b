"""The SQL pieces of a list verb that `validate` builds: the search pattern and the caller's order."""
import pytest

from crm_engine import InvalidInput, validate


def test_like_takes_percent_underscore_and_backslash_literally():
    assert validate.like("  100% a_b\\c ") == "%100\\% a\\_b\\\\c%"
    assert validate.like(None) is None and validate.like("   ") is None and validate.like("") is None
    assert validate.like(42) == "%42%"


def test_matching_is_one_condition_over_every_column_or_nothing():
    assert validate.matching(" ", ("c.name", "u.name")) == ([], [])
    where, params = validate.matching("star", ("c.name", "u.name"))
    assert where == ["(c.name ILIKE ? ESCAPE '\\' OR u.name ILIKE ? ESCAPE '\\')"] and params == ["%star%"] * 2


def test_a_search_matches_the_literal_text_in_duckdb(crm):
    rows = [("100% Cotton",), ("1000 Cotton",), ("A_B",), ("AxB",), ("back\\slash",), ("backslash",)]
    db = crm._s.db
    for text, expected in (("0%", ["100% Cotton"]), ("_", ["A_B"]), ("\\", ["back\\slash"]), ("COTTON", ["100% Cotton", "1000 Cotton"])):
        where, params = validate.matching(text, ("t.name",))
        found = [r[0] for r in db.rows(f"SELECT name FROM (VALUES {', '.join('(?)' for _ in rows)}) t(name) "
                                       f"WHERE {where[0]} ORDER BY name", [r[0] for r in rows] + params)]
        assert found == expected, text


def test_order_keeps_the_default_or_sorts_by_an_offered_column_with_the_id_last():
    columns = {"name": "c.name", "on_date": ("t.on_date", "t.at_time")}
    assert validate.order(None, True, columns, default="c.id", tie="c.id") == "c.id"
    assert validate.order("name", False, columns, default="c.id", tie="c.id") == "c.name ASC NULLS LAST, c.id ASC"
    assert validate.order("on_date", True, columns, default="", tie="t.id") == \
        "t.on_date DESC NULLS LAST, t.at_time DESC NULLS LAST, t.id DESC"
    for bad in ("c.name; DROP TABLE customers", "id", "", 3):
        with pytest.raises(InvalidInput) as refused:
            validate.order(bad, False, columns, default="c.id", tie="c.id")
        assert refused.value.field == "sort"
