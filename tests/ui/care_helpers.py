"""Shared by the customer-care screen tests (churn, service, call centre) on the kit."""
import re

from tests.ui.kit_helpers import text_of

RAW = ("None", "<NA>", "nan", "NaT", "owner_name", "customer_name", "handler_name")


def current_path(module) -> str:
    steps = module.rc.find(meta_ref="path").widget.children[1:]
    return next(s.attributes["data-state"] for s in steps if "crm-path-current" in s.class_)


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


def hover(module) -> list[str]:
    """The hover texts of the action buttons (a disabled one carries the engine's reason)."""
    return [w.attributes.get("title") for w in module.rc.find(class_="crm-action").widgets]


def no_raw_text(module) -> None:
    words = set(text_of(module).replace("·", " ").split())
    assert not set(RAW) & words, set(RAW) & words


def listed_ids(module) -> list[int]:
    """The record numbers in the screen's kit list (its first column), as shown. Read from the
    cells, not from row refs: reacton reuses a widget of the same type at the same place with its
    first `.meta(ref=…)` (an empty list's text becoming the table, a row showing another record)."""
    tables = [w for w in module.rc.find(class_="crm-kit-table").widgets
              if getattr(w, "tag", None) == "table" and len(getattr(w, "children", ())) == 2]
    if not tables:
        return []
    return [first_cell(row) for row in tables[0].children[1].children]


def first_cell(row) -> int:
    """A row's first cell: an HTML row widget's `cells` (the kit's RowWidget) or an `rv.Html` row's children."""
    cells = getattr(row, "cells", None)
    if cells is not None:
        return int(re.search(r"<td[^>]*>(.*?)</td>", cells, re.S).group(1).strip())
    return int(row.children[0].children[0])
