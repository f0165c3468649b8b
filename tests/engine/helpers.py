"""Helpers shared by engine tests."""
import pandas as pd
import pytest

from crm_engine import InvalidInput


def snapshot(crm) -> dict:
    """Every row of every table (as sorted reprs): to prove a refused action changed nothing."""
    db = crm._s.db
    tables = [r[0] for r in db.rows(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY 1")]
    return {t: sorted(map(repr, db.rows(f"SELECT * FROM {t}"))) for t in tables}


# -- paging (every list verb takes keyword-only `limit` / `offset`) ---------------------------
BAD_PAGES = [{"limit": -1}, {"offset": -1}, {"limit": True}, {"offset": True}, {"limit": 1.5},
             {"limit": "ten"}, {"offset": 2.5}, {"limit": None, "offset": -3}]


def assert_pages(verb, *, size: int = 2, **filters):
    """Paging `verb` gives exactly the slices of its full list, in the same order; returns the full list."""
    full = verb(**filters)
    assert len(full) > size, "the test needs more than one page of rows"
    for offset in range(0, len(full) + size, size):
        page = verb(**filters, limit=size, offset=offset)
        pd.testing.assert_frame_equal(_plain(page), _plain(full.iloc[offset:offset + size]))
    pd.testing.assert_frame_equal(_plain(verb(**filters, offset=size)), _plain(full.iloc[size:]))
    assert verb(**filters, limit=0).empty and verb(**filters, offset=len(full)).empty
    return full


def _plain(frame):
    """Values only: a column of a short page may come back with another dtype (all-empty text)."""
    return frame.astype(object).where(frame.notna(), None).reset_index(drop=True)


def every_page(verb, *, size: int = 1, **filters):
    """The rows of every page of `verb`, one page at a time, concatenated."""
    pages, offset = [], 0
    while not (page := verb(**filters, limit=size, offset=offset)).empty:
        pages.append(page)
        offset += size
    return pd.concat(pages, ignore_index=True) if pages else verb(**filters, limit=0)


def assert_bad_pages_refused(crm, verb, **filters):
    """A negative, fractional, boolean or non-numeric limit or offset is refused, naming the field."""
    before = snapshot(crm)
    for page in BAD_PAGES:
        with pytest.raises(InvalidInput) as refused:
            verb(**filters, **page)
        assert refused.value.field in ("limit", "offset"), page
    assert snapshot(crm) == before


# -- search, sort and count (the lists the UI pages in the engine) ----------------------------
BAD_SORTS = ["no_such_column", "id; DROP TABLE users", "", 3]


def assert_search_sort_count(crm, verb, count, *, term: str, columns, sorts, id_column: str = "id", **filters):
    """What a paged list asks of `verb` agrees with its whole list (`verb(**filters)`):

    * `search=term` keeps exactly the rows where one of `columns` contains `term` (any case),
      in the list's order — some rows, not all;
    * each of `sorts` (a sort column, or {sort column: the frame's columns it orders by}), both
      ways, orders the whole list as pandas does (empty values last, ties by the id the same
      way), its pages are slices of that, and so are the pages of a sorted search;
    * `count(**filters)` and `count(**filters, search=term)` are the lengths of those lists;
    * a sort column the verb does not offer is refused (field `sort`) and changes nothing.

    Returns the rows the search found.
    """
    full = verb(**filters)
    hit = pd.Series(False, index=full.index)
    for column in columns:
        text = full[column].astype(object).where(full[column].notna(), "").astype(str)
        hit |= text.str.casefold().str.contains(term.casefold(), regex=False)
    found = verb(**filters, search=term)
    assert 0 < len(found) < len(full), "the test needs a term that finds some rows, not all"
    assert found[id_column].tolist() == full[hit][id_column].tolist()
    assert count(**filters) == len(full) and count(**filters, search=term) == len(found)
    for sort, keys in (sorts.items() if isinstance(sorts, dict) else ((s, [s]) for s in sorts)):
        for descending in (False, True):
            expected = full.sort_values([*keys, id_column], ascending=not descending, na_position="last",
                                        kind="stable")
            ordered = verb(**filters, sort=sort, descending=descending)
            assert ordered[id_column].tolist() == expected[id_column].tolist(), (sort, descending)
            assert_pages(verb, sort=sort, descending=descending, size=2, **filters)
            searched = expected[expected[id_column].isin(found[id_column])][id_column].tolist()
            for offset in range(0, len(searched) + 1):
                page = verb(**filters, search=term, sort=sort, descending=descending, limit=1, offset=offset)
                assert page[id_column].tolist() == searched[offset:offset + 1], (sort, descending, offset)
    before = snapshot(crm)
    for bad in BAD_SORTS:
        with pytest.raises(InvalidInput) as refused:
            verb(**filters, sort=bad, limit=2)
        assert refused.value.field == "sort", bad
    assert snapshot(crm) == before
    return found


def assert_search_stays_in_scope(mine, everyone, *, term: str, id_column: str = "id", **filters):
    """A search never reaches past the scope: `mine` (a rep's verb) finds only rows of its own
    whole list, while `everyone` (a wider scope) finds rows it does not."""
    found = mine(**filters, search=term)
    assert set(found[id_column]) <= set(mine(**filters)[id_column])
    assert set(everyone(**filters, search=term)[id_column]) - set(found[id_column]), "nothing out of scope matched"
    return found


def refused_unchanged(crm, act, error=None):
    """`act()` is refused with `error` (TransitionNotAllowed by default), in words that differ
    between English and Chinese, and leaves every table as it was; returns the error."""
    import pytest
    from crm_engine import TransitionNotAllowed

    before = snapshot(crm)
    with pytest.raises(error or TransitionNotAllowed) as caught:
        act()
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before
    return caught.value

