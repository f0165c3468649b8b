"""The served workspace as one ASGI app: the gate's pages, the members' API, and Solara behind a guard.

    app = build(crm, PasswordGate(crm))        # crm: the server's administrator handle (the only writer)

`Guard` sits in front of Solara's own Starlette app (open-source solara-server; its lifespan passes
straight through). Every HTTP request and every websocket handshake is checked:

- the gate's own routes (login, logout, OAuth callback) are open to anyone;
- anything else needs a user the gate vouches for, or it gets the gate's challenge (a page) or a
  refused handshake (code 4401) — Solara never sees it;
- a websocket handshake from a page of another site (its `Origin` is not this host) is refused: the
  browser would send the victim's cookie with it (cross-site websocket hijacking);
- each Solara kernel (one per open page) is bound to the user whose handshake created it; a handshake
  naming a kernel bound to someone else is refused, so no one can take over another person's page.
  `page.Page` renders the CRM as the bound user — the page has no other way to learn who it serves.
"""
from __future__ import annotations

import re
import threading
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse

from .sessions import Bindings

KERNEL_PATH = re.compile(r"jupyter/api/kernels/([^/]+)")


class Guard:
    """ASGI middleware: the gate's routes, the API, then Solara for the users the gate vouches for."""

    def __init__(self, solara_app, gate, own: Starlette, bindings: Bindings, prefix: str = "/"):
        self.solara, self.gate, self.own, self.bindings = solara_app, gate, own, bindings
        self.prefix = prefix
        self.open_paths = {route.path for route in gate.routes()}   # the gate's pages only: no API

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.solara(scope, receive, send)
        if scope["type"] not in ("http", "websocket"):
            return
        conn = HTTPConnection(scope)
        if scope["type"] == "http" and scope["path"] in self.open_paths:
            return await self.own(scope, receive, send)    # its routes carry the prefix themselves
        own_scope = scope
        # Served under a prefix (a hub service: /services/<name>/): Solara builds its URLs from root_path.
        if self.prefix != "/":
            scope = dict(scope, root_path=self.prefix.rstrip("/"))
        user = await self.gate.user(conn)
        if scope["type"] == "websocket":
            if user is None or not _same_origin(conn):
                return await _refuse_websocket(send, 4401 if user is None else 4403)
            match = KERNEL_PATH.search(scope["path"])
            if match and not self.bindings.bind(match[1], user):
                return await _refuse_websocket(send, 4403)
            scope["crm_lab_user"] = user
            return await self.solara(scope, receive, send)
        if user is None:
            # The original scope: a gate may have noted there why it refused (`user` saw the same one).
            response = self.gate.challenge(Request(own_scope, receive))
            return await response(scope, receive, send)
        match = KERNEL_PATH.search(scope["path"])
        if match and self.bindings.user(match[1]) not in (None, user):
            return await PlainTextResponse("", status_code=403)(scope, receive, send)
        scope["crm_lab_user"] = own_scope["crm_lab_user"] = user
        if scope["path"].startswith(f"{self.prefix}api/"):
            return await self.own(own_scope, receive, send)
        return await self.solara(scope, receive, send)


def _same_origin(conn: HTTPConnection) -> bool:
    origin = conn.headers.get("origin")
    if not origin:            # not a browser (scripts, tests): no cookie of a victim rides along
        return True
    host = conn.headers.get("host", "")
    return urlsplit(origin).netloc == host


async def _refuse_websocket(send, code: int) -> None:
    # Closing before accepting: the browser sees a failed handshake (HTTP 403), nothing reaches Solara.
    await send({"type": "websocket.close", "code": code})


def _cut_off(what: str, gate, bindings) -> None:
    """After the administrator changed a login or a user (a new password, a user who left, a hub link
    removed): end the sessions the gate no longer vouches for, and close those people's open pages —
    a page's websocket outlives the cookie that opened it."""
    if not what.startswith(("logins.", "admin.", "transaction")):   # a transaction announces only itself
        return
    gone = gate.revalidate()
    kernels = [kernel_id for username in gone for kernel_id in bindings.drop_user(username)]
    if kernels:
        # Not on this thread: it may be serving one of those pages' own click.
        threading.Thread(target=_close_pages, args=(kernels,), daemon=True).start()


def _close_pages(kernel_ids) -> None:
    from solara.server import kernel_context
    for kernel_id in kernel_ids:
        context = kernel_context.contexts.get(kernel_id)
        if context is not None:
            context.close()


def build(crm, gate, *, prefix: str = "/", api_routes=()):
    """The ASGI app serving `crm`'s workspace (`crm`: the server's administrator handle)."""
    from . import assets
    assets.configure()      # before anything imports solara.server: its settings are read at import
    from . import page
    page.serve(crm, prefix)
    import solara.server.starlette as solara_server   # after configure(): Solara reads its settings at import
    from solara.server import app as solara_apps
    # What `solara run crm_engine.serve.page` would set up: the one app this server shows (once per
    # process: Solara's app object watches its module for changes and refuses a second watcher).
    name = f"{page.__name__}:Page"
    if getattr(solara_apps.apps.get("__default__"), "fullname", None) != name:
        solara_apps.apps["__default__"] = solara_apps.AppScript(name)

    own = Starlette(routes=[*gate.routes(), *api_routes])
    crm.on_change(lambda what: _cut_off(what, gate, page.BINDINGS))
    return Guard(assets.only_local(solara_server.app), gate, own, page.BINDINGS, prefix)
