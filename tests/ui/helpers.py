"""Helpers shared by widget tests of the paged lists (`base.PagedList`)."""
from crm_engine.ui.base import PAGE_SIZE


def spy(monkeypatch, area, name: str) -> list[dict]:
    """Record the keyword arguments of every call of the engine verb `area.<name>` (still
    answering them). Set it up before the view is built: a view keeps the verbs it was given."""
    asked, verb = [], getattr(area, name)
    monkeypatch.setattr(area, name, lambda **kwargs: asked.append(kwargs) or verb(**kwargs))
    return asked


def assert_paged_by_the_engine(listing, asked: list[dict], counted: list[dict], whole, *, term: str, sort):
    """`listing` only ever asks its engine verb for one page (`limit`, `offset`) and its count for the
    total: next and previous show the slices of `whole` (a function `whole(search=…, sort=…,
    descending=…)` → the ids of the whole list); a search and a new order ask the engine again,
    from the first page, with `search=` / `sort=` and `descending=`."""
    column, descending = listing.sort.value
    ids = whole(search=None, sort=column, descending=descending)
    assert len(ids) > PAGE_SIZE, "the test needs more than one page of rows"
    assert asked[-1]["limit"] == PAGE_SIZE and asked[-1]["offset"] == 0
    assert asked[-1]["sort"] == column and asked[-1]["descending"] == descending and asked[-1]["search"] is None
    assert counted[-1]["search"] is None and listing.total == len(ids)
    assert listing.ids == ids[:PAGE_SIZE] and listing.previous.disabled and not listing.next.disabled
    assert f"({len(ids)} in all)" in listing.page_label.value
    for page in range(1, -(-len(ids) // PAGE_SIZE)):
        listing.next.click()
        assert asked[-1]["offset"] == page * PAGE_SIZE and asked[-1]["limit"] == PAGE_SIZE
        assert listing.ids == ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE] and listing.page == page
        assert [v for _, v in listing.pick.options] == listing.ids
    assert listing.next.disabled
    listing.previous.click()
    assert listing.ids == ids[(listing.page) * PAGE_SIZE:(listing.page + 1) * PAGE_SIZE] and not listing.next.disabled
    listing.search.value = f"  {term} "                             # a search starts at its first page
    found = whole(search=term, sort=column, descending=descending)
    assert asked[-1]["search"] == term and asked[-1]["offset"] == 0 and counted[-1]["search"] == term
    assert listing.page == 0 and listing.ids == found[:PAGE_SIZE] and listing.total == len(found) > 0
    listing.search.value = ""
    listing.sort.value = sort                                       # so does a new order
    assert (asked[-1]["sort"], asked[-1]["descending"]) == sort and asked[-1]["offset"] == 0
    assert listing.ids == whole(search=None, sort=sort[0], descending=sort[1])[:PAGE_SIZE]
    assert all("limit" in call for call in asked)                   # never the whole list
