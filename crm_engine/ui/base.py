"""What every view shares: the facade it acts through, a status line, translated labels.

A view never lets an engine error escape as a traceback: `_attempt` calls one
facade verb and shows either a confirmation or the error's message (in the
session's language) in the view's status line, next to the form.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from ..errors import CRMError

OK_STYLE = "color:#1b5e20;background:#e8f5e9;padding:4px 8px;border-radius:4px"
ERROR_STYLE = "color:#b00020;background:#fdecea;padding:4px 8px;border-radius:4px"


class View(widgets.VBox):
    """Base of every view: `self.crm` acts, `self.status` reports, `self.t()` translates."""

    def __init__(self, crm, children=(), **kwargs):
        self.crm = crm
        self.status = widgets.HTML()
        self.failed = False  # did the last _attempt end in an error?
        super().__init__([*children, self.status], **kwargs)

    def t(self, key: str, **params) -> str:
        return self.crm.t(key, **params)

    def held(self, handler):
        """`handler` for `observe`, run with the workspace held open (see `Button`)."""
        def run(change):
            with self.crm.holding():
                handler(change)
        return run

    def _attempt(self, verb, *args, success: str | None = None, **kwargs):
        """Call one facade verb; show its outcome. Returns the result, or None when refused
        (`self.failed` tells the two apart for verbs that return nothing)."""
        try:
            result = verb(*args, **kwargs)
        except CRMError as error:
            self.failed = True
            self.show_error(error)
            return None
        self.failed = False
        if success is not None:
            self.show_ok(success if "{" not in success else success.format(result=result))
        return result

    def show_error(self, error: CRMError) -> None:
        self.status.value = f"<div class='crm-error' style='{ERROR_STYLE}'>⚠ {html.escape(error.message(self.crm.language))}</div>"

    def show_ok(self, text: str) -> None:
        self.status.value = f"<div class='crm-ok' style='{OK_STYLE}'>✓ {html.escape(text)}</div>"

    @property
    def error_text(self) -> str:
        """The error currently shown (empty when none): what a test or a student reads."""
        return html.unescape(self.status.value.split("⚠ ", 1)[1].split("</div>")[0]) if "crm-error" in self.status.value else ""


def table(frame: pd.DataFrame, crm, columns: list[str] | None = None, empty_key: str = "ui.nothing_to_show") -> str:
    """An HTML table of a (small, already paged) DataFrame with translated headers."""
    if frame.empty:
        return f"<i>{html.escape(crm.t(empty_key))}</i>"
    frame = frame[columns] if columns else frame
    headers = {c: crm.t(f"field.{c}") if f"field.{c}" in _catalog() else c for c in frame.columns}
    return frame.rename(columns=headers).to_html(index=False, escape=True, na_rep="", border=0,
                                                 classes="crm-table", float_format=lambda v: f"{v:,.2f}")


def _catalog():
    from ..i18n import catalog
    return catalog()


def label(crm, name: str) -> str:
    return crm.t(f"field.{name}")


def text_field(crm, name: str, value: str = "") -> widgets.Text:
    return widgets.Text(value=value, description=label(crm, name), style={"description_width": "9em"})


def choice_field(crm, name: str, kind: str, *, required: bool = False, value=None) -> widgets.Dropdown:
    """A dropdown of a data-dictionary kind, labelled in the session's language."""
    options = ([] if required else [("—", None)]) + crm.dictionary.choices(kind)
    return widgets.Dropdown(options=options, value=value, description=label(crm, name),
                            style={"description_width": "9em"})


def rating_field(crm, name: str) -> widgets.Dropdown:
    return widgets.Dropdown(options=[("—", None)] + [(str(i), i) for i in range(1, 6)], value=None,
                            description=label(crm, name), style={"description_width": "9em"})


def user_field(crm, name: str, *, roles=None, allow_empty: bool = False) -> widgets.Dropdown:
    users = crm.admin.users()
    if roles:
        users = users[users["role"].isin(roles)]
    options = [(crm.t("ui.with_note", text=r.name, note=crm.t("role." + r.role)), r.username) for r in users.itertuples()]
    return widgets.Dropdown(options=([("—", None)] if allow_empty else []) + options,
                            description=label(crm, name), style={"description_width": "9em"})


class Button(widgets.Button):
    """A button whose click holds the workspace open (`crm.holding()`): one click is an action
    and the queries that redraw the view, so a notebook's `keep_open=False` workspace is opened
    once per click, not once per call."""

    def __init__(self, crm, **kwargs):
        super().__init__(**kwargs)
        self._crm = crm

    def click(self):
        with self._crm.holding():
            super().click()


def button(crm, key: str = "", style: str = "", **kwargs) -> Button:
    """A button labelled `crm.t(key)` (no label without a key: an icon button)."""
    return Button(crm, description=crm.t(key) if key else "", button_style=style, **kwargs)


# -- helpers shared by the care, orders-to-cash and office views -------------------------
# (appended; the views above this line are the lead's)

PAGE_SIZE = 12
WIDE = {"description_width": "9em"}


def term(crm, key: str, fallback: str) -> str:
    """`crm.t(key)` when the catalogue has it, else `fallback` (a code shown as it is)."""
    return crm.t(key) if key in _catalog() else fallback


def column_label(crm, column: str) -> str:
    """A list header: `field.<column>`, else `ui.col.<column>`, else the column name."""
    for key in (f"field.{column}", f"ui.col.{column}"):
        if key in _catalog():
            return crm.t(key)
    return column


def page_table(frame: pd.DataFrame, crm, columns: list[str], formats: dict | None = None) -> str:
    """An HTML table of one page of rows: translated headers, values formatted per column."""
    if frame.empty:
        return f"<i>{html.escape(crm.t('ui.nothing_to_show'))}</i>"
    out = frame[[c for c in columns if c in frame.columns]].copy()
    for column, format_value in (formats or {}).items():
        if column in out.columns:
            out[column] = [None if missing(v) else format_value(v) for v in frame[column]]
    out = out.astype(object).where(out.notna(), None)
    return out.rename(columns={c: column_label(crm, c) for c in out.columns}).to_html(
        index=False, escape=True, na_rep="", border=0, classes="crm-table", float_format=lambda v: f"{v:,.2f}")


def missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def money(value) -> str:
    return f"{float(value):,.2f}"


def text_area(crm, name: str, rows: int = 3) -> widgets.Textarea:
    return widgets.Textarea(description=label(crm, name), rows=rows, style=WIDE, layout=widgets.Layout(width="40em"))


def date_field(crm, name: str, value=None) -> widgets.DatePicker:
    return widgets.DatePicker(value=value, description=label(crm, name), style=WIDE)


def heading(crm, key: str, level: int = 4) -> widgets.HTML:
    return widgets.HTML(f"<h{level} style='margin:6px 0'>{html.escape(crm.t(key))}</h{level}>")


def shown(widget, visible: bool) -> None:
    """Show or hide a widget. Only ever a convenience: the engine still checks every action."""
    widget.layout.display = None if visible else "none"


def card(crm, facts: list[tuple[str, object]]) -> str:
    """A two-column fact table; labels are column labels, values escaped."""
    rows = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(column_label(crm, k))}</th>"
                   f"<td>{html.escape('' if v is None or missing(v) else str(v))}</td></tr>" for k, v in facts)
    return f"<table class='crm-card'>{rows}</table>"


class Form(View):
    """A view with named inputs: an engine error about a field is also shown right under it.

    Build the layout with `self.row(field, widget)`, `field` being the engine's name for
    the input (`InvalidInput.field`), so each input carries its own hint line. Errors about
    a part of a composite input (a line's `quantity` in a lines editor) are shown under
    the input named in `ALIASES`; `invalid_field` keeps the engine's name.
    """

    ALIASES: dict[str, str] = {}

    def __init__(self, crm, children=(), **kwargs):
        self.hints: dict[str, widgets.HTML] = getattr(self, "hints", {})
        self.invalid_field: str | None = None
        super().__init__(crm, children, **kwargs)

    def row(self, name: str, widget) -> widgets.VBox:
        # Subclasses lay out their rows before View.__init__ runs, hence the dict on demand.
        hint = self.__dict__.setdefault("hints", {}).setdefault(name, widgets.HTML())
        return widgets.VBox([widget, hint], layout=widgets.Layout(margin="0"))

    def show_error(self, error: CRMError) -> None:
        super().show_error(error)
        self._clear_hints()
        shown_at = self.ALIASES.get(error.field, error.field)
        if shown_at in self.hints:
            self.invalid_field = error.field
            self.hints[shown_at].value = (f"<span class='crm-hint' style='color:#b00020;margin-left:9em'>"
                                             f"⚠ {html.escape(error.message(self.crm.language))}</span>")

    def show_ok(self, text: str) -> None:
        super().show_ok(text)
        self._clear_hints()

    def _clear_hints(self) -> None:
        self.invalid_field = None
        for hint in self.hints.values():
            hint.value = ""

    def clear_status(self) -> None:
        """Forget the last outcome (another record was opened in the form)."""
        self.status.value = ""
        self._clear_hints()


class PagedList(widgets.VBox):
    """One page of a list: search, filters, sort, previous / next, the table and a row to open.

    `load` is one engine list verb (already scoped to the acting user) and `count` the same
    verb's count. The filter widgets' values are passed to both by name (None: no filter),
    with `search=` when the list has a search box (`search=True`); `load` also gets `sort=`
    and `descending=` (the chosen `sort` option: an engine sort column and its direction),
    `limit=` and `offset=`. Only the page on screen is fetched: searching, sorting and paging
    are the engine's, in SQL, as in `sales.RecordList`. Errors go to the owning view's status
    line.
    """

    def __init__(self, view: View, crm, load, columns: list[str], *, count, search: bool = False,
                 sort: tuple = (), filters: dict | None = None, formats: dict | None = None, describe=None,
                 page_size: int = PAGE_SIZE, on_open=None, id_column: str = "id"):
        # `crm` is passed as well as `view`: a module builds its list before View.__init__ runs.
        self.view, self._load, self._count, self.columns = view, load, count, columns
        self.formats, self.page_size, self.id_column = formats or {}, page_size, id_column
        self.searchable = bool(search)
        self._describe = describe or (lambda r: f"{getattr(r, id_column)}")
        self._on_open = on_open
        self.page = 0
        self.total = 0
        self.rows = pd.DataFrame()
        self.filters = filters or {}
        self.search = widgets.Text(placeholder=crm.t("ui.col.search"), continuous_update=False,
                                   layout=widgets.Layout(width="16em"))
        shown(self.search, self.searchable)
        self.sort = widgets.Dropdown(options=[(column_label(crm, c) + (" ↓" if desc else ""), (c, desc))
                                              for c, desc in sort] or [("—", None)],
                                     description=crm.t("field.sort"), layout=widgets.Layout(width="20em"))
        shown(self.sort, bool(sort))
        self.previous = Button(crm, icon="chevron-left", layout=widgets.Layout(width="3em"))
        self.next = Button(crm, icon="chevron-right", layout=widgets.Layout(width="3em"))
        self.page_label = widgets.Label()
        self.table = widgets.HTML()
        self.pick = widgets.Dropdown(description=crm.t("ui.col.pick"), style=WIDE, layout=widgets.Layout(width="36em"))
        self.open_button = button(crm, "ui.open", "info")
        opener = widgets.HBox([self.pick, self.open_button])
        shown(opener, on_open is not None)
        super().__init__([widgets.HBox([self.search, *self.filters.values()]),
                          widgets.HBox([self.sort, self.previous, self.page_label, self.next]),
                          self.table, opener])
        for control in (self.search, self.sort, *self.filters.values()):
            control.observe(view.held(self._on_filter), names="value")
        self.previous.on_click(lambda _: self.turn(-1))
        self.next.on_click(lambda _: self.turn(+1))
        self.open_button.on_click(self._open)

    def _on_filter(self, _change):
        self.page = 0
        self.refresh()

    def turn(self, step: int) -> None:
        self.page = max(0, self.page + step)
        self.refresh()

    def _open(self, _button=None):
        if self.pick.value is not None and self._on_open is not None:
            self._on_open(self.pick.value)

    def filter_values(self) -> dict:
        """The filters (and the search) as the engine verbs' keyword arguments."""
        values = {name: w.value for name, w in self.filters.items() if w.value not in (None, "", False)}
        if self.searchable:
            values["search"] = (self.search.value or "").strip() or None
        return values

    def refresh(self) -> None:
        """Ask the engine for the count and the current page, and show it (keeping the owner's
        status line; on an error the previous page stays and the error is shown)."""
        status = self.view.status.value
        filters = self.filter_values()
        total = self.view._attempt(self._count, **filters)
        if total is None:
            return
        pages = max(1, -(-total // self.page_size))
        self.page = min(self.page, pages - 1)
        order = {} if self.sort.value is None else dict(zip(("sort", "descending"), self.sort.value))
        rows = self.view._attempt(self._load, **filters, **order, limit=self.page_size,
                                  offset=self.page * self.page_size)
        if rows is None:
            return
        self.view.status.value = status
        self.total, self.rows = total, rows.reset_index(drop=True)
        self.table.value = page_table(self.rows, self.view.crm, self.columns, self.formats)
        self.page_label.value = self.view.t("ui.page", page=self.page + 1, pages=pages, total=total)
        self.previous.disabled, self.next.disabled = self.page == 0, self.page >= pages - 1
        set_options(self.pick, [(self._describe(r), int(getattr(r, self.id_column))) for r in self.rows.itertuples()])

    @property
    def ids(self) -> list[int]:
        """The ids on the current page (what a test or a student sees listed)."""
        return [int(v) for v in self.rows[self.id_column]] if not self.rows.empty else []


class CustomerPicker(widgets.HBox):
    """Choose a customer you may see: type part of the name, pick from the matches (one page)."""

    LIMIT = 20

    def __init__(self, crm, name: str = "customer", allow_empty: bool = False):
        self.crm, self.allow_empty = crm, allow_empty
        self.search = widgets.Text(placeholder=crm.t("ui.col.search"), continuous_update=False,
                                   layout=widgets.Layout(width="12em"))
        self.choice = widgets.Dropdown(description=label(crm, name), style=WIDE, layout=widgets.Layout(width="30em"))
        super().__init__([self.choice, self.search])
        self.search.observe(lambda _: self.fill(), names="value")
        self.fill()

    def fill(self) -> None:
        try:
            rows = self.crm.customers.list(search=self.search.value.strip() or None, sort="name", limit=self.LIMIT)
        except CRMError:
            rows = pd.DataFrame(columns=["id", "name"])
        options = [(f"{r.id} · {r.name}", int(r.id)) for r in rows.itertuples()]
        set_options(self.choice, ([("—", None)] if self.allow_empty else []) + options)

    @property
    def value(self):
        return self.choice.value

    @value.setter
    def value(self, customer_id) -> None:
        """Select a customer by id (added to the choices if the search did not list it)."""
        if customer_id is not None and customer_id not in [v for _, v in self.choice.options]:
            try:
                found = self.crm.customers.get(customer_id)
            except CRMError:
                return
            self.choice.options = [*self.choice.options, (f"{found.id} · {found.name}", found.id)]
        self.choice.value = customer_id


def set_options(dropdown, options: list) -> None:
    """New choices for a dropdown: keep the current value if it is still offered, else the first.

    (An ipywidgets Dropdown built empty keeps `None` when options arrive later; a
    student would see a blank box and a button that does nothing.)
    """
    current = dropdown.value
    dropdown.options = options
    values = [v for _, v in options]
    dropdown.value = current if current in values else (values[0] if values else None)


def day(value) -> str:
    """A date as YYYY-MM-DD, or "" (lists hold Timestamps or NaT, records hold dates or None)."""
    if value is None or missing(value):
        return ""
    return value.strftime("%Y-%m-%d")


class LazyTabs(widgets.Tab):
    """Tabs whose views are built the first time they are shown (or asked for with `view(i)`).

    A module of five views would otherwise run every list's queries before the
    student sees the first one — on a workspace opened with `keep_open=False` each
    query reopens the file. A view shown again is refreshed (if it has `refresh`), so a
    contract signed on one tab is offered for shipping on the next.
    """

    def __init__(self, factories: list[tuple[str, object]]):
        self._factories, self._views = factories, {}
        super().__init__([widgets.VBox() for _ in factories])
        for index, (title, _factory) in enumerate(factories):
            self.set_title(index, title)
        self.observe(self._on_select, names="selected_index")
        self.view(0)

    def view(self, index: int):
        if index not in self._views:
            self._views[index] = self._factories[index][1]()
            self.children[index].children = [self._views[index]]
        return self._views[index]

    def _on_select(self, change):
        if change["new"] is None:
            return
        built = change["new"] in self._views
        view = self.view(change["new"])
        if built and hasattr(view, "refresh"):
            view.refresh()
