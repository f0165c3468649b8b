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
