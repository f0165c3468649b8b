"""The page a served workspace shows: the CRM app, acting as the person whose login opened it.

Solara renders `Page` once per open browser tab (one Solara kernel each). `app.Guard` bound that
kernel to the person's CRM username when the tab's websocket connected; `Page` reads the binding —
never anything the browser sends — and opens the app with `crm.as_user(username)`, with a language
of the person's own. The app has no user menu there (`App(switch_user=False)`): who you are is who
you logged in as.

Addresses: `/<module>` opens a module (`/opportunities`, `/service` …); the app keeps the address
in step as the person moves, so a link or a reload lands on the same module.
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
    _SERVED.update(crm=crm, prefix=prefix)


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
def Page():
    from ..ui.app import MODULES, App
    username = _bound_user()
    router = solara.use_router()
    wanted = router.parts[0] if router.parts and router.parts[0] in MODULES else "customers"
    language = solara.lab.cookies.value.get("crm_lab_lang") if solara.lab.cookies.value else None
    language = language if language in i18n.LANGUAGE_NAMES else _SERVED["crm"].language

    def make():
        if username is None:
            return None
        person = _person_handle(username, language)
        return App(person, module=wanted, switch_user=False, logout_url=f"{_SERVED['prefix']}logout")

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

    def follow_address():
        # The address follows the open module (a reload or a shared link opens it again).
        if app is None:
            return None

        def moved(change):
            if change["new"] and change["new"] != (router.parts[0] if router.parts else None):
                router.push(f"/{change['new']}")
        app.menu.observe(moved, names="value")
        return lambda: app.menu.unobserve(moved, names="value")

    solara.use_effect(follow_address, [app])
    if app is None:
        solara.Error(i18n.translate("serve.not_logged_in", _SERVED["crm"].language))
        return
    solara.Title(app.crm.admin.settings()["company"])
    solara.display(app)
