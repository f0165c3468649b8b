"""Filters above a list: a row of chips (one per choice, the chosen one filled) and a state select — the
same controls in every screen (customers, classification, contracts, expenses)."""
from __future__ import annotations

import solara
from solara.alias import rv

from ...statemachine import machine
from .fmt import cap


@solara.component
def Chip(label: str, chosen: bool, on_click, ref: str):
    chip = rv.Chip(children=[label], size="small", label=True, variant="flat" if chosen else "outlined",
                   color="primary" if chosen else None, class_="crm-filter-chip").meta(ref=ref)
    rv.use_event(chip, "click", lambda *_: on_click())
    return chip


@solara.component
def Chips(crm, kind: str, value, on_value, ref: str):
    """One chip per dictionary entry (and "All"): a click filters the list by it."""
    return ChipRow([(crm.t("ui.sales.all"), None), *crm.dictionary.choices(kind)], value, on_value, ref)


@solara.component
def ChipRow(entries, value, on_value, ref: str):
    """Filter chips for (label, value) pairs, the chosen one filled; tagged "{ref}-{value or 'all'}"."""
    with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "4px", "align-items": "center"}) as box:
        for label, code in entries:
            Chip(label, code == value, lambda c=code: on_value(c), f"{ref}-{code or 'all'}").key(f"chip-{code}")
    return box



def StateFilter(crm, kind: str, value, on_value, ref: str):
    """A select of the states of `kind` (from the engine's state machine) and "all"."""
    items = [{"title": crm.t("ui.care.all"), "value": None}] + [
        {"title": cap(crm.t(f"state.{kind}.{s}")), "value": s} for s in machine(kind).states]
    return rv.Select(items=items, v_model=value, on_v_model=on_value, label=crm.t("field.status"),
                     density="compact", hide_details=True, style_="min-width:10em;max-width:16em").meta(ref=ref)
