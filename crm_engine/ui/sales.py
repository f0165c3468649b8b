"""What the marketing-management views share: record lists, forms that mark the field an
error is about, tabs built on first use, and translated codes, states and figures.

The views over leads (`leads.py`), opportunities (`opportunities.py`), campaigns
(`campaigns.py`) and targets (`targets.py`) are built from these pieces. Rules stay in
the engine: a view calls one facade verb per click and shows what the engine answers.
"""
from __future__ import annotations

import html
import math

import ipywidgets as widgets
import pandas as pd

from ..errors import CRMError
from . import base
from .base import View

PAGE = 12
WIDE = {"description_width": "10em"}
MARK = "2px solid #b00020"


# -- words and figures ----------------------------------------------------------------------
def codes(crm, kind: str) -> dict[str, str]:
    """code → label of one dictionary kind, in the session's language (one query per kind)."""
    return {code: label for label, code in crm.dictionary.choices(kind)}


def user_names(crm) -> dict[int, str]:
    """user id → name of every user, active or not (a closed record may name a departed rep)."""
    users = crm.admin.users(active=None)
    return dict(zip(users["id"].astype(int), users["name"]))


def state_options(crm, kind: str, states) -> list[tuple[str, str | None]]:
    """Dropdown options for filtering by state: "all" then each state, translated."""
    return [(crm.t("ui.sales.all"), None)] + [(cap(crm.t(f"state.{kind}.{s}")), s) for s in states]


def money(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    return f"{float(value):,.2f}"


def percent(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.1%}"


def grid(crm, frame: pd.DataFrame, columns: dict[str, str]) -> str:
    """An HTML table of one (small) page: `columns` maps each column shown to its header's label key."""
    if frame.empty:
        return f"<i>{html.escape(crm.t('ui.nothing_to_show'))}</i>"
    shown = frame[list(columns)].rename(columns={c: crm.t(k) for c, k in columns.items()})
    return shown.to_html(index=False, escape=True, na_rep="", border=0, classes="crm-table",
                         float_format=lambda v: f"{v:,.2f}")


def heading(crm, key: str, **params) -> widgets.HTML:
    return widgets.HTML(f"<h4 style='margin:6px 0'>{html.escape(crm.t(key, **params))}</h4>")


def facts(crm, pairs) -> str:
    """A two-column HTML table of (field key, value) pairs; empty values show as blank."""
    def shown(value) -> str:
        return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)

    rows = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(crm.t(key))}</th>"
                   f"<td>{html.escape(shown(value))}</td></tr>" for key, value in pairs)
    return f"<table class='crm-card'>{rows}</table>"


def text(crm, field: str, value: str = "", *, placeholder: str | None = None, width: str = "30em") -> widgets.Text:
    """A text input labelled `field.<field>` (the name the engine uses in its errors)."""
    return widgets.Text(value=value, description=base.label(crm, field), placeholder=placeholder or "",
                        style=WIDE, layout=widgets.Layout(width=width))


def date_text(crm, field: str, value=None) -> widgets.Text:
    """A date typed as 2026-03-01: the engine checks it and says what is wrong."""
    return text(crm, field, value.isoformat() if value is not None else "", placeholder="YYYY-MM-DD", width="22em")


def choice(crm, field: str, kind: str, *, required: bool = True, value=None) -> widgets.Dropdown:
    """A dropdown of a dictionary kind, labelled `field.<field>`."""
    widget = base.choice_field(crm, field, kind, required=required, value=value)
    if required and value is None and widget.options:
        widget.value = widget.options[0][1]  # a required choice starts on the first entry, not on nothing
    widget.style = WIDE
    return widget


def users(crm, field: str, roles=("account_manager",), *, allow_empty: bool = False) -> widgets.Dropdown:
    widget = base.user_field(crm, field, roles=roles, allow_empty=allow_empty)
    widget.style = WIDE
    return widget


def cap(text: str) -> str:
    """Sentence case for a state shown on its own ("assigned" → "Assigned"); Chinese is unchanged."""
    return text[:1].upper() + text[1:]


def set_options(dropdown: widgets.Dropdown, options: list) -> None:
    """Replace a picker's options, keeping the current choice if it is still there, else the first:
    a dropdown whose options change from empty would otherwise show a choice it does not hold."""
    current = dropdown.value
    values = [value for _, value in options]
    with dropdown.hold_sync():  # options and choice reach the browser together, or it shows a blank choice
        dropdown.options = options
        if current in values:
            dropdown.value = current
        elif values:
            dropdown.value = values[0]


def blank(value: str):
    """An empty or blank text box means "not given"."""
    return value if value is not None and str(value).strip() else None


def tag_user(widget: widgets.Widget, crm) -> None:
    """Name the acting user in the view's DOM classes (`crm-as-li_ming`): a page, a stylesheet or a
    browser test can tell whose view is on screen after a login switch rebuilt it."""
    widget.add_class("crm-as-" + "".join(ch if ch.isalnum() else "_" for ch in crm.user.username))


# -- views ----------------------------------------------------------------------------------
class FormView(View):
    """A view whose inputs are registered by engine field name (`self.fields`): an error about
    a field shows in the status line *and* marks that input, so the student sees where."""

    def __init__(self, crm, children=(), **kwargs):
        if not hasattr(self, "fields"):
            self.fields: dict[str, widgets.Widget] = {}
        self.invalid_field: str | None = None
        super().__init__(crm, children, **kwargs)

    def show_error(self, error: CRMError) -> None:
        super().show_error(error)
        self._mark(error.field if isinstance(error.field, str) else None)

    def show_ok(self, text: str) -> None:
        super().show_ok(text)
        self._mark(None)

    def clear_status(self) -> None:
        """No message and no marked field (a later call went through)."""
        self.status.value = ""
        self._mark(None)

    def _mark(self, field: str | None) -> None:
        self.invalid_field = field if field in self.fields else None
        for name, widget in self.fields.items():
            widget.layout.border = MARK if name == self.invalid_field else None

    def refresh_keeping_status(self) -> None:
        status = self.status.value
        self.refresh()
        self.status.value = status

    def refresh(self) -> None:  # pragma: no cover - views that show records override it
        pass


class RecordList(View):
    """Search, filter, sort and page through what one engine list verb returns; pick a row to open.

    Only the page on screen is fetched: subclasses set `COLUMNS` ({column: header label key}),
    `SORTS` ({key: (engine sort column, descending)}), build their filter widgets in
    `self.filters` and implement `fetch(**page)` (one engine list verb with the filters and
    `sort`, `descending`, `limit`, `offset`), `count()` (the same verb's count with the same
    filters) and `shown(page)` (codes → words for one page). Filtering, sorting and paging are
    the engine's, in SQL, so a page is quick at any size and never holds a record out of scope.
    """

    COLUMNS: dict[str, str] = {}
    SORTS: dict[str, tuple[str, bool]] = {}
    PAGE = PAGE
    PICK = "ui.sales.record"         # the label of the row picker
    PICK_STYLE, PICK_WIDTH = WIDE, "40em"

    def __init__(self, crm, filters: dict[str, widgets.Widget], *, on_open=None, extra=()):
        self._on_open = on_open
        self.page = 0
        self.total = 0
        self.rows = pd.DataFrame()
        self.filters = filters
        self.sort = widgets.Dropdown(options=[(self.sort_label(crm, k), k) for k in self.SORTS],
                                     value=next(iter(self.SORTS)), description=crm.t("field.sort"))
        self.previous = base.Button(crm, icon="chevron-left", layout=widgets.Layout(width="3em"))
        self.next = base.Button(crm, icon="chevron-right", layout=widgets.Layout(width="3em"))
        self.page_label = widgets.Label()
        self.table = widgets.HTML()
        self.pick = widgets.Dropdown(description=crm.t(self.PICK), style=self.PICK_STYLE,
                                     layout=widgets.Layout(width=self.PICK_WIDTH))
        self.open_button = base.button(crm, "ui.open", "info")
        super().__init__(crm, [
            widgets.HBox(list(filters.values()), layout=widgets.Layout(flex_flow="row wrap")),
            widgets.HBox([self.sort, self.previous, self.page_label, self.next]),
            self.table, widgets.HBox([self.pick, self.open_button, *extra]),
        ])
        for control in filters.values():
            control.observe(self.held(self._on_filter), names="value")
        self.sort.observe(self.held(self._on_sort), names="value")
        self.previous.on_click(lambda _: self._turn(-1))
        self.next.on_click(lambda _: self._turn(+1))
        self.open_button.on_click(self._open)
        self.refresh()

    @staticmethod
    def sort_label(crm, key: str) -> str:
        return crm.t(f"ui.sales.sort.{key}")

    # -- events ------------------------------------------------------------------------
    def _on_filter(self, _change):
        self.page = 0
        self.refresh()

    def _on_sort(self, _change):
        self.refresh()  # the same page number, in the new order

    def _turn(self, step: int):
        self.page = max(0, self.page + step)
        self.refresh()

    def _open(self, _button):
        if self.pick.value is not None and self._on_open is not None:
            self._on_open(self.pick.value)

    # -- rendering -------------------------------------------------------------------------
    def values(self) -> dict:
        """The filters as the engine verb's keyword arguments (blank text = no filter)."""
        return {name: (blank(w.value) if isinstance(w, widgets.Text) else w.value) for name, w in self.filters.items()}

    def fetch(self, **page) -> pd.DataFrame:  # pragma: no cover - every list overrides it
        raise NotImplementedError

    def count(self) -> int:  # pragma: no cover - every list overrides it
        raise NotImplementedError

    def shown(self, page: pd.DataFrame) -> pd.DataFrame:
        return page

    def render(self, rows: pd.DataFrame) -> str:
        """The HTML table of one page."""
        return grid(self.crm, self.shown(rows.copy()), self.COLUMNS)

    def option(self, row) -> str:  # pragma: no cover - every list overrides it
        raise NotImplementedError

    def refresh(self) -> None:
        """Ask the engine for the count and the current page (filters, sort or page changed, or
        something was done), then show it."""
        total = self._attempt(self.count)
        rows = None
        if total is not None:
            pages = max(1, -(-total // self.PAGE))
            self.page = min(self.page, pages - 1)
            column, descending = self.SORTS[self.sort.value]
            rows = self._attempt(self.fetch, sort=column, descending=descending, limit=self.PAGE,
                                 offset=self.page * self.PAGE)
        if rows is None:  # refused: the error is in the status line, the list shows nothing
            total, rows = 0, pd.DataFrame(columns=[*self.COLUMNS, "id"])
        else:
            self.status.value = ""
        self.total, self.rows = total, rows
        pages = max(1, -(-total // self.PAGE))
        self.page = min(self.page, pages - 1)
        self.table.value = self.render(rows)
        self.page_label.value = self.t("ui.page", page=self.page + 1, pages=pages, total=total)
        self.previous.disabled, self.next.disabled = self.page == 0, self.page >= pages - 1
        set_options(self.pick, [(self.option(r), int(r.id)) for r in rows.itertuples()])


class LazyTabs(widgets.Tab):
    """Tabs whose views are built the first time they are shown: opening a module (on every
    login switch) costs only its first tab."""

    def __init__(self, crm, pages: dict[str, callable]):
        self._factories = list(pages.values())
        self._names = list(pages)
        self.built: dict[str, widgets.Widget] = {}
        super().__init__(children=[widgets.VBox() for _ in pages], titles=[crm.t(k) for k in pages])
        self.observe(lambda change: self.view(self._names[change["new"]]) if change["new"] is not None else None,
                     names="selected_index")
        self.view(self._names[0])

    def view(self, key: str) -> widgets.Widget:
        """The view of tab `key` (its title key), built now if it was not yet."""
        if key not in self.built:
            index = self._names.index(key)
            self.built[key] = self._factories[index]()
            self.children[index].children = [self.built[key]]
        return self.built[key]

    def show(self, key: str) -> widgets.Widget:
        """Select tab `key` and return its view."""
        view = self.view(key)
        self.selected_index = self._names.index(key)
        return view
