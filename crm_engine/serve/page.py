"""The page a served workspace shows: the CRM app, acting as the person whose login opened it.

Solara renders `Page` once per open browser tab (one Solara kernel each). `app.Guard` bound that
kernel to the person's CRM username when the tab's websocket connected; `Page` reads the binding —
never anything the browser sends — and opens the app with `crm.as_user(username)`, with a language
of the person's own. The app has no user menu there (`App(switch_user=False)`): who you are is who
you logged in as.

Addresses: `/<module>` opens a module (`/opportunities`, `/service` …) and `/<module>/<id>` one of
its records (`ui.app.RECORD_MODULES`: opportunities, leads, customers, service). A record the person
may not see shows the engine's own refusal in its place, and the address stays. The app keeps the
address in step as the person moves (module, record opened or closed), so a link or a reload lands
on the same screen, and the browser's back and forward buttons move the app.
"""
from __future__ import annotations

import solara
import solara.server.kernel_context as kernel_context

from .. import i18n
from .sessions import Bindings

BINDINGS = Bindings()
_SERVED: dict = {}     # "crm": the server's administrator handle, "prefix": the URL prefix


def serve(crm, prefix: str = "/") -> None:
    """Make `Page` serve `crm`'s workspace (called once by `app.build`)."""
    from solara.server import settings
    _SERVED.update(crm=crm, prefix=prefix)
    # Solara's own page chrome (read per page request; assets.configure() took the banner away): the
    # company's name as the tab's title while the app loads, a loader without Solara's name on it.
    settings.theme.title = crm.admin.settings()["company"]
    settings.theme.loader = "plain"


def address(parts) -> tuple[str | None, int | None]:
    """(module, record id) an address names: `/opportunities/12` → ("opportunities", 12); a part that
    names no module, or no record of one, counts as absent."""
    from ..ui.app import MODULES, RECORD_MODULES
    parts = [p for p in parts if p]
    name = parts[0] if parts and parts[0] in MODULES else None
    record = None
    if name in RECORD_MODULES and len(parts) > 1 and parts[1].isdigit() and len(parts[1]) < 12:
        record = int(parts[1])
    return name, record


def path_of(name: str | None, record: int | None) -> str:
    """The address of a module (and record): the inverse of `address`."""
    if name is None:
        return "/"
    return f"/{name}" if record is None else f"/{name}/{record}"


def _bound_user() -> str | None:
    try:
        context = kernel_context.get_current_context()
    except RuntimeError:
        return None
    return BINDINGS.user(context.id)


def _person_handle(username: str, language: str):
    """The person's own handle: their user, a language of their own (the engine refuses an unknown user)."""
    return _SERVED["crm"].as_user(username, own_language=language)


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's layout signature
    """The page holds the CRM app only: its own header and menu, no Solara app bar or drawer. It is as wide
    as the window, never wider: Vuetify's layout rows grew to the widest table's natural width, and the
    whole page scrolled sideways in a narrow window; now the lists fit as they fit a notebook pane."""
    with solara.Column(gap="0px", style={"padding": "8px 12px", "min-width": "0", "width": "100%",
                                         "overflow-x": "auto"}) as page:
        solara.Style(".v-application > .v-layout, .v-layout > .v-application__wrap { min-width: 0; }")
        for child in children:
            solara.display(child)
    return page


@solara.component
def Page():
    from ..ui.app import App
    username = _bound_user()
    router = solara.use_router()
    wanted, record = address(router.parts)
    language = solara.lab.cookies.value.get("crm_lab_lang") if solara.lab.cookies.value else None
    language = language if language in i18n.LANGUAGE_NAMES else _SERVED["crm"].language

    def make():
        if username is None:
            return None
        person = _person_handle(username, language)
        return App(person, module=wanted or "customers", record=record, switch_user=False,
                   logout_url=f"{_SERVED['prefix']}logout")

    # Made once per page (per person): the app's views live in this kernel until the tab closes.
    app = solara.use_memo(make, dependencies=[username])

    def cleanup():
        def close():
            if app is not None:
                app.close()
            context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
            if context is not None:
                BINDINGS.drop(context.id)
        return close

    solara.use_effect(cleanup, [app])

    def follow_app():
        # The address follows the open module and record (a reload or a shared link opens them again).
        if app is None:
            return None

        pushed = [path_of(*address(router.parts))]

        def moved(_change):
            shown = path_of(app.menu.value, app.record)
            if shown != pushed[0]:        # once per move (the menu and the record may both report it)
                pushed[0] = shown
                router.push(shown)
        app.menu.observe(moved, names="value")
        app.observe(moved, names="record")

        def stop():
            app.menu.unobserve(moved, names="value")
            app.unobserve(moved, names="record")
        return stop

    solara.use_effect(follow_app, [app, router.path])

    def follow_address():
        # …and the app follows the address (the browser's back and forward buttons).
        if app is None or wanted is None or (wanted, record) == (app.menu.value, app.record):
            return
        if record is not None:
            app.open_record(wanted, record)
        else:
            app.open_module(wanted)       # the module's list (reopened when it is the open one)

    solara.use_effect(follow_address, [router.path])
    # Returned, not implicit: the App's views are made inside this render (use_memo), and Solara would
    # otherwise gather those elements into this page as well — the module drawn a second time above
    # the header.
    with solara.Column(gap="0px", classes=["crm-served"]) as page:
        if app is None:
            solara.Error(i18n.translate("serve.not_logged_in", _SERVED["crm"].language))
        else:
            solara.Title(app.crm.admin.settings()["company"])
            solara.display(app)
    return page


# Every module's address renders the same page (Solara's router knows only the paths listed here:
# `/<module>/<id>` matches `/<module>`, the id is read off the address by `Page`).
routes = [solara.Route("/", component=Page, layout=Layout)]


def _module_routes() -> list:
    from ..ui.app import MODULES
    return [solara.Route(name, component=Page) for name in MODULES]


routes += _module_routes()
