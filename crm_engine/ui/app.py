"""The CRM app in a notebook: log in as a user, pick a language, open a module.

    from crm_engine.ui import show
    show(crm)                  # the whole app, with the menu
    show(crm, "customers")     # one module on its own, e.g. beside an assignment's instructions
    show(crm, "opportunities", record=12)   # …opened at one record (`RECORD_MODULES`)

Switching user or language rebuilds the open module, so what is shown always
follows the acting user's role and data scope. The menu is the kit's `Menu` (Vuetify chips that
wrap onto a second line in a narrow pane, so no entry is ever cut off); the open module is
whatever its factory in `MODULES` returns (a kit view or any widget).
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import traitlets

from .. import i18n
from ..errors import CRMError
from . import kit

from .notifications import Notifications

# module name → the view factory; modules of other areas register here as they land.
MODULES: dict[str, callable] = {}
# the modules whose view opens a record by its id: factory(crm, record=id, on_record=callback), where
# `on_record(id | None)` hears which record the person opens or closes (a served page's address follows it)
RECORD_MODULES = ("opportunities", "leads", "customers", "service")


def module(name: str):
    """Register a view factory `factory(crm) -> widget` under a menu entry (label: `module.<name>`)."""
    def register(factory):
        MODULES[name] = factory
        return factory
    return register


@module("theory")
def _theory(crm):
    from .theory import TheoryBrowser
    return TheoryBrowser(language=crm.language)


@module("opportunities")
def _opportunities(crm, record=None, on_record=None):
    from .opportunities import OpportunitiesModule
    return OpportunitiesModule(crm, record=record, on_record=on_record)


@module("leads")
def _leads(crm, record=None, on_record=None):
    from .leads import LeadsModule
    return LeadsModule(crm, record=record, on_record=on_record)


@module("campaigns")
def _campaigns(crm):
    from .campaigns import CampaignsModule
    return CampaignsModule(crm)


@module("customers")
def _customers(crm, record=None, on_record=None):
    from .customers import CustomersModule
    return CustomersModule(crm, record=record, on_record=on_record)


@module("churn")
def _churn(crm):
    from .churn import ChurnModule
    return ChurnModule(crm)


@module("service")
def _service(crm, record=None, on_record=None):
    from .service import ServiceModule
    return ServiceModule(crm, record=record, on_record=on_record)


@module("call_center")
def _call_center(crm):
    from .call_center import CallCenterModule
    return CallCenterModule(crm)


@module("orders_to_cash")
def _orders_to_cash(crm):
    from .cash import OrdersToCashModule
    return OrdersToCashModule(crm)


@module("reports")
def _reports(crm):
    from .reports import ReportsModule
    return ReportsModule(crm)


@module("team")
def _team(crm):
    from .team import TeamModule
    return TeamModule(crm)


@module("office")
def _office(crm):
    from .office import OfficeModule
    return OfficeModule(crm)


@module("admin")
def _admin(crm):
    from .admin import AdminModule
    return AdminModule(crm)


def show(crm, name: str | None = None, *, record: int | None = None, on_record=None):
    """The app (no `name`) or one module's view, ready to display in a cell; `record`: open that
    record first (a module of `RECORD_MODULES`; one the user may not see shows the engine's refusal)."""
    if name is None:
        return App(crm, record=record)
    if name not in MODULES:
        raise ValueError(f"unknown module {name!r}; choose one of {', '.join(MODULES)}")
    if name in RECORD_MODULES:
        return MODULES[name](crm, record=record, on_record=on_record)
    return MODULES[name](crm)


class App(widgets.VBox):
    """Header (company, scenario date, who, language, clock, what is waiting) + menu + the open module."""

    # the id of the record open in the module (None: its list); a served page's address follows it
    record = traitlets.Int(None, allow_none=True)

    def __init__(self, crm, module: str = "customers", *, record: int | None = None, switch_user: bool = True,
                 logout_url: str | None = None):
        """`record`: open that record of `module` first (`RECORD_MODULES`). `switch_user=False`: the person
        is who they logged in as (a served workspace, `crm-lab serve`): no user menu, their name and a
        log-out link instead."""
        self.crm = crm
        self._workspace = crm  # the session the app was opened with; users are switched from it
        self.switch_user, self.logout_url = switch_user, logout_url
        self.title = widgets.HTML()
        self.status = widgets.HTML()  # the clock's outcome, right under the clock
        self.user = widgets.Dropdown(layout=widgets.Layout(width="auto", max_width="26em"),
                                     style={"description_width": "initial"})
        self.language = widgets.ToggleButtons(options=[(n, c) for c, n in i18n.LANGUAGE_NAMES.items()],
                                              value=crm.language, style={"button_width": "auto"})
        self.days = widgets.BoundedIntText(value=1, min=1, max=366, layout=widgets.Layout(width="6em"))
        self.advance = _HeldButton(self, icon="forward")
        # A scenario's month can take seconds at scale: the days done show as they pass.
        self.clock_progress = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="10em",
                                                                                              display="none"))
        self.clock_box = widgets.HBox([self.days, self.advance, self.clock_progress])
        self.menu = kit.Menu()
        self.body = widgets.VBox()
        self._relabelling = False
        self._wanted = record      # the record the next `_open` opens (then forgotten)
        self.notifications = Notifications(crm, on_open=self.open_module)
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        super().__init__([widgets.HBox([self.title], layout=wrap),
                          widgets.HBox([self.user, self.language, self.clock_box], layout=wrap),
                          self.status, self.notifications, self.menu, self.body])
        self.add_class("crm-app")
        self.who = widgets.HTML()  # a served page: who is logged in, and the way out
        if switch_user:
            self._fill_users()
            self.user.value = crm.user.username
            self.who.layout.display = "none"
        else:
            self.user.layout.display = "none"
        self.children[1].children = (self.who, *self.children[1].children)
        self._labels()
        self.menu.value = module if module in MODULES else next(iter(MODULES))
        self.user.observe(self._held(self._on_user), names="value")
        self.language.observe(self._held(self._on_language), names="value")
        self.menu.observe(self._held(lambda _: self._relabelling or self._open()), names="value")
        self.advance.on_click(self._on_advance)
        # The header (date, unread notices and messages …) follows every change in the workspace, from any
        # cell or view (crm.on_change): reading a notice lowers its count at once; `close()` stops it.
        self._stop_following = kit.follow(crm, self._follow)
        self._open()

    def t(self, key: str, **params) -> str:
        return self.crm.t(key, **params)

    def _held(self, handler):
        """`handler` for `observe`, run with the workspace held open (one open per click)."""
        def run(change):
            with self.crm.holding():
                handler(change)
        return run

    def _attempt(self, verb, *args, **kwargs):
        """One facade verb; a refusal shows under the clock and gives None."""
        try:
            return verb(*args, **kwargs)
        except CRMError as error:
            self._say("error", error.message(self.crm.language))
            return None

    def _say(self, kind: str, text: str) -> None:
        mark = "✓" if kind == "ok" else "⚠"
        self.status.value = f"<div class='crm-message crm-{kind}'>{mark} {html.escape(text)}</div>"

    def _follow(self) -> None:
        self._labels()
        self.notifications.refresh(self.crm)

    # -- events ---------------------------------------------------------------------
    def _on_user(self, change):
        if self._relabelling or not self.switch_user:   # a served page never changes who it acts as
            return
        switched = self._attempt(self._workspace.as_user, change["new"])
        if switched is not None:
            switched.set_language(self.language.value)
            self.crm = switched
            self.status.value = ""
            self._labels()
            self.notifications.refresh(switched)
            self._open()

    def _on_language(self, change):
        self.crm.set_language(change["new"])
        self._workspace.set_language(change["new"])
        self._fill_users()
        self._labels()
        self.notifications.refresh(self.crm)
        self._open()

    def _on_advance(self, _button):
        # In a teaching scenario the clock brings the simulated customers' orders, requests and
        # answers (crm.simulation); elsewhere it only moves the date.
        if self._attempt(self.crm.simulation.present):
            self.clock_progress.value, self.clock_progress.layout.display = 0, None
            try:
                report = self._attempt(self.crm.simulation.advance, self.days.value, progress=self._day_done)
            finally:
                self.clock_progress.layout.display = "none"
            message = None if report is None else str(report)
        else:
            day = self._attempt(self.crm.clock.advance, self.days.value)
            message = None if day is None else self.t("ui.clock_advanced", date=day.isoformat())
        if message is not None:
            self._labels()
            self.notifications.refresh(self.crm)
            self._say("ok", message)
            self._open(keep_status=True)

    def _day_done(self, done: int, total: int) -> None:
        self.clock_progress.max, self.clock_progress.value = total, done

    # -- rendering ------------------------------------------------------------------
    def _fill_users(self):
        if not self.switch_user:
            return
        users = self._workspace.admin.users()
        current = self.user.value
        self._relabelling = True
        self.user.options = [(f"{r.name} — {self._workspace.t('role.' + r.role)}", r.username)
                             for r in users.itertuples()]
        if current is not None:
            self.user.value = current
        self._relabelling = False

    def _labels(self):
        crm = self.crm
        company = crm.admin.settings()["company"]
        today = crm.t("ui.label_value", label=crm.t("field.today"), value=kit.date(crm.today()))
        self.title.value = (f"<h3 style='margin:0 1em 0 0'>{html.escape(company)}</h3>"
                            f"<span class='crm-today'>{html.escape(today)}</span>")
        self.user.description = crm.t("ui.logged_in_as")
        if not self.switch_user:
            who = crm.t("ui.label_value", label=crm.t("ui.logged_in_as"),
                        value=f"{crm.user.name} ({crm.t('role.' + crm.user.role)})")
            out = (f" <a class='crm-logout' style='margin:0 .6em;color:#1565c0;text-decoration:underline' "
                   f"href='{html.escape(self.logout_url)}'>{html.escape(crm.t('serve.log_out'))}</a>"
                   if self.logout_url else "")
            self.who.value = f"<span class='crm-who'>{html.escape(who)}</span>{out}"
        self.advance.description = crm.t("ui.advance_clock")
        self.clock_box.layout.display = None if crm.user.role in ("admin", "director") else "none"
        selected = self.menu.value
        self._relabelling = True
        self.menu.options = [(crm.t(f"module.{name}"), name) for name in MODULES]
        self.menu.value = selected if selected in MODULES else next(iter(MODULES))
        self._relabelling = False

    def _open(self, keep_status: bool = False):
        status = self.status.value
        for old in self.body.children:  # a kit view stays subscribed to the workspace until closed
            if hasattr(old, "rc"):
                old.close()
        name, wanted, self._wanted = self.menu.value, self._wanted, None
        if name in RECORD_MODULES:
            self.record = wanted
            self.body.children = [show(self.crm, name, record=wanted, on_record=self._record_opened)]
        else:
            self.record = None
            self.body.children = [show(self.crm, name)]
        self.status.value = status if keep_status else ""

    def _record_opened(self, record_id: int | None) -> None:
        self.record = record_id

    def open_record(self, name: str, record_id: int) -> None:
        """Open module `name` at the record `record_id` (a deep link, `/<module>/<id>` when served). A
        record the user may not see shows the engine's own refusal in its place, never its data."""
        if name not in RECORD_MODULES:
            return self.open_module(name)
        self._wanted = int(record_id)
        if self.menu.value == name:
            self._open()
        else:
            self.menu.value = name      # the menu's observer opens it

    def open_module(self, name: str, focus: str | None = None) -> None:
        """Open a module (e.g. from a notification) and let it show what `focus` names first."""
        if name not in MODULES:
            return
        if self.menu.value == name:
            self._open()
        else:
            self.menu.value = name
        if focus is not None and hasattr(self.view, "show_waiting"):
            self.view.show_waiting(focus)

    def close(self):
        self._stop_following()
        for old in self.body.children:
            if hasattr(old, "rc"):
                old.close()
        super().close()

    @property
    def view(self):
        """The open module's view."""
        return self.body.children[0]


class _HeldButton(widgets.Button):
    """A button whose click holds the workspace open: the action and the redraw it causes open a
    notebook's `keep_open=False` workspace once."""

    def __init__(self, app: App, **kwargs):
        super().__init__(**kwargs)
        self._app = app

    def click(self):
        with self._app.crm.holding():
            super().click()
