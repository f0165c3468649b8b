"""`HubGate`: who is asking, when the CRM server runs as a JupyterHub managed service.

Open-source Solara has no login of its own, so the server's middleware asks a gate for the CRM user of
every HTTP request and websocket handshake (crm_engine/serve/app.py). On a hub the gate is the hub's
OAuth: `jupyterhub.services.auth.HubOAuth` knows the hub's URLs, the service's client id and token and
the scopes that grant access, all from the environment the hub gives a managed service
(JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_API_URL, JUPYTERHUB_CLIENT_ID, JUPYTERHUB_API_TOKEN,
JUPYTERHUB_OAUTH_CALLBACK_URL, JUPYTERHUB_OAUTH_ACCESS_SCOPES). Its request handling is tornado's, so
this gate uses only its transport-free parts from Starlette: the login URL, state and PKCE bookkeeping,
`token_for_code`, `user_for_token` (with HubAuth's short cache) and `check_scopes`.

The flow (docs/jupyterhub.md, "A team's shared company"):
- a browser without our cookie is sent to the hub's authorize URL with a random `state`, which is also
  put in a short-lived cookie of ours: the callback accepts a code only when the state in the URL is
  one this server issued *and* this browser holds (no login CSRF);
- `{prefix}oauth_callback` exchanges the code for a token and keeps the token in our own cookie
  (HttpOnly, SameSite=Lax, path = the service's prefix);
- every later request: the cookie's token, or an `Authorization: token …` header (a member's notebook
  on the hub has $JUPYTERHUB_API_TOKEN), is asked of the hub (cached briefly); only hub users holding
  the service's access scope get in, and only if an instructor linked them to a CRM user.
A hub user with no linked CRM user, or no access, gets a page saying so in both languages — never a
CRM user chosen for them.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import re
import time
from typing import Callable
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..errors import CRMError
from ..i18n import LANGUAGES, translate
from .gate import safe_next

# Why `user()` found no CRM user for a connection, for `challenge()` to say so: kept in the ASGI scope,
# and for a few seconds by token, since a middleware may hand `challenge` a copy of the scope.
REFUSAL = "crm_lab.hub_refusal"
TOKEN_CACHE_SECONDS = 60     # a hub token's user and scopes are trusted this long (HubAuth's cache)
REFUSAL_SECONDS = 10        # how long `challenge` may find the reason `user` refused a token for
STATE_SECONDS = 600          # an OAuth login must come back within this

_NEEDS = ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_CLIENT_ID", "JUPYTERHUB_API_URL", "JUPYTERHUB_SERVICE_PREFIX")


class HubSetupError(CRMError):
    """The server was started with --hub outside a hub (the environment a managed service gets is missing)."""


class HubGate:
    """The Gate protocol (crm_engine/serve/gate.py) with JupyterHub's OAuth.

    `crm` is the server's admin handle; `hub_user(hub_name) -> CRM username | None` maps a hub user to
    the CRM user an instructor linked (default `crm.logins.hub_user`). `prefix` is the path the proxy
    forwards to this service (default $JUPYTERHUB_SERVICE_PREFIX, e.g. `/services/crm-team-1/`).
    """

    def __init__(self, crm=None, prefix: str | None = None, *, hub_user: Callable[[str], str | None] | None = None,
                 environ=None):
        from jupyterhub.services.auth import HubOAuth, check_scopes   # the `hub` extra: only a hub server needs it

        env = os.environ if environ is None else environ
        missing = [name for name in _NEEDS if not env.get(name)]
        if missing:
            raise HubSetupError("serve.hub.not_on_a_hub", names=", ".join(missing))
        self.prefix = _slashed(prefix or env["JUPYTERHUB_SERVICE_PREFIX"])
        self.hub_user = hub_user or crm.logins.hub_user
        self._check_scopes = check_scopes
        self.auth = HubOAuth(
            api_token=env["JUPYTERHUB_API_TOKEN"], oauth_client_id=env["JUPYTERHUB_CLIENT_ID"],
            api_url=env["JUPYTERHUB_API_URL"], base_url=self.prefix, cache_max_age=TOKEN_CACHE_SECONDS,
            hub_prefix=_slashed(env.get("JUPYTERHUB_BASE_URL", "/") + "hub"), hub_host=env.get("JUPYTERHUB_HOST", ""),
            oauth_redirect_uri=env.get("JUPYTERHUB_OAUTH_CALLBACK_URL") or self.prefix + "oauth_callback",
            oauth_state_max_age=STATE_SECONDS, access_scopes=_access_scopes(env))
        if not self.auth.access_scopes:
            # An empty set would let every hub user in: the hub always sets it for a managed service.
            raise HubSetupError("serve.hub.no_access_scopes")
        self.secure = env.get("JUPYTERHUB_PUBLIC_URL", "").startswith("https:")
        self.cookie = self.auth.cookie_name + "-crm-lab"
        self._refusals: dict[str, tuple[float, tuple[str, str]]] = {}   # token digest → (when, why refused)
        self._seen: dict[str, str] = {}   # CRM username → the hub name it was reached by (for `revalidate`)

    # -- the Gate protocol ---------------------------------------------------------------------------------
    def routes(self) -> list:
        """The OAuth callback and a logout, under the service's prefix."""
        return [Route(self.prefix + "oauth_callback", self._callback),
                Route(self.prefix + "logout", self._logout)]

    async def user(self, conn: HTTPConnection) -> str | None:
        """The CRM username of this request or websocket handshake, else None (the reason kept for
        `challenge`): the `Authorization` header's token first, then our cookie's."""
        token = self._token(conn)
        if not token:
            return None
        self._refusals.pop(_digest(token), None)
        try:
            model = await self.auth.user_for_token(token, sync=False)
        except Exception as error:   # tornado's HTTPError from HubAuth: the hub is down or refused us
            self._refuse(conn, "hub_unreachable", str(getattr(error, "log_message", error)), token)
            return None
        return await self._crm_user(conn, model, token)

    def challenge(self, request: Request) -> Response:
        """What a request without a CRM user gets: the reason page when the hub knows the person,
        401 for the API and the websocket, else the way to the hub's login."""
        token = self._token(request)
        refusal = request.scope.get(REFUSAL) or self._recent_refusal(token)
        if refusal:
            kind, name = refusal
            status = 502 if kind == "hub_unreachable" else 403
            return _page(f"serve.hub.{kind}", status, name=name, hub=self.auth.hub_prefix)
        if not _wants_page(request):
            text = "\n".join(translate("serve.hub.login_needed", lang) for lang in LANGUAGES)
            return PlainTextResponse(text.replace("`", ""), status_code=401)
        return self._login(request)

    # -- the OAuth steps -------------------------------------------------------------------------------------
    def _login(self, request: Request) -> Response:
        """Redirect to the hub's authorize URL; the state goes with it and into a cookie of ours."""
        verifier, challenge, method = self.auth.generate_pkce_code_challenge()
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        state = self.auth.generate_state(safe_next(target, self.prefix), code_verifier=verifier)
        url = self.auth.login_url + "&" + urlencode({"state": state, "code_challenge": challenge,
                                                      "code_challenge_method": method})
        response = RedirectResponse(url, status_code=302)
        response.set_cookie(self._state_cookie(state), state, max_age=STATE_SECONDS, path=self.prefix,
                            httponly=True, samesite="lax", secure=self._secure(request))
        return response

    async def _callback(self, request: Request) -> Response:
        """`{prefix}oauth_callback`: check the state, exchange the code for a token, set our cookie."""
        params = request.query_params
        if params.get("error"):
            return _page("serve.hub.oauth_failed", 400, name=params.get("error_description") or params["error"])
        state, code = params.get("state", ""), params.get("code", "")
        known = self.auth._oauth_states.get(state) if state else None   # issued by this process, not expired
        if not code or not known or request.cookies.get(self._state_cookie(state)) != state:
            return _page("serve.hub.state_mismatch", 403, name="", hub=self.auth.hub_prefix)
        self.auth.clear_oauth_state(state)
        try:
            token = await self.auth.token_for_code(code, code_verifier=known.get("code_verifier"), sync=False)
            model = await self.auth.user_for_token(token, sync=False)
        except Exception as error:   # tornado's HTTPError from HubAuth
            return _page("serve.hub.hub_unreachable", 502, name=str(getattr(error, "log_message", error)))
        if not model:
            return _page("serve.hub.oauth_failed", 502, name="the hub does not know the token it just gave")
        if await self._crm_user(request, model, token) is None and request.scope[REFUSAL][0] != "unlinked":
            return self.challenge(request)
        # A member not linked yet keeps the cookie too: the page they land on says so, and reloading it
        # after the instructor links them lets them in without another login.
        response = RedirectResponse(safe_next(known.get("next_url"), self.prefix), status_code=302)
        response.set_cookie(self.cookie, token, path=self.prefix, httponly=True, samesite="lax",
                            secure=self._secure(request))
        for name in request.cookies:
            if name.startswith(self.cookie + "-state-"):
                response.delete_cookie(name, path=self.prefix)
        return response

    async def _logout(self, request: Request) -> Response:
        """Forget our cookie here and log out of the hub too (otherwise the next visit logs straight back in)."""
        response = RedirectResponse(self.auth.hub_prefix + "logout", status_code=302)
        response.delete_cookie(self.cookie, path=self.prefix)
        return response

    # -- helpers ---------------------------------------------------------------------------------------------
    def _token(self, conn: HTTPConnection) -> str | None:
        header = self.auth.auth_header_pat.match(conn.headers.get("authorization", ""))
        return header.group(1).strip() if header else conn.cookies.get(self.cookie)

    def _refuse(self, conn: HTTPConnection, kind: str, name: str, token: str) -> None:
        # Kept in the scope and, for a middleware that hands `challenge` a copy of the scope, by token
        # for a few seconds (the challenge follows at once).
        conn.scope[REFUSAL] = (kind, name)
        now = time.monotonic()
        if len(self._refusals) > 1000:
            self._refusals = {k: v for k, v in self._refusals.items() if now - v[0] < REFUSAL_SECONDS}
        self._refusals[_digest(token)] = (now, (kind, name))

    def _recent_refusal(self, token: str | None) -> tuple[str, str] | None:
        when, refusal = self._refusals.get(_digest(token), (0.0, None)) if token else (0.0, None)
        return refusal if time.monotonic() - when < REFUSAL_SECONDS else None

    async def _crm_user(self, conn: HTTPConnection, model: dict | None, token: str) -> str | None:
        if not model:
            return None          # an unknown or expired token: as if anonymous (log in again)
        name = model.get("name", "")
        granted = self._check_scopes(self.auth.access_scopes, set(model.get("scopes", [])))
        if model.get("kind", "user") != "user" or not granted:
            self._refuse(conn, "forbidden", name, token)
            return None
        # The mapping reads the workspace: off the event loop, behind the database's lock.
        username = await run_in_threadpool(self.hub_user, name)
        if username is None:
            self._refuse(conn, "unlinked", name, token)
        else:
            self._seen[username] = name
        return username

    def revalidate(self) -> set[str]:
        """After the administrator changed logins or users: the CRM users whose hub link ended (unlinked,
        relinked to someone else, left the company). Every request is mapped afresh; this is for the
        pages they still have open."""
        gone = {username for username, name in list(self._seen.items()) if self.hub_user(name) != username}
        for username in gone:
            self._seen.pop(username, None)
        return gone

    def _state_cookie(self, state: str) -> str:
        # One cookie per login under way (two tabs logging in at once do not overwrite each other's state).
        return f"{self.cookie}-state-{hashlib.sha256(state.encode()).hexdigest()[:12]}"

    def _secure(self, request: Request) -> bool:
        return self.secure or request.headers.get("x-forwarded-proto", request.url.scheme) == "https"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _access_scopes(env) -> set[str]:
    """The scopes that let a hub user in, as HubAuth reads them (the hub sets them for its services)."""
    if env.get("JUPYTERHUB_OAUTH_ACCESS_SCOPES"):
        return set(json.loads(env["JUPYTERHUB_OAUTH_ACCESS_SCOPES"]))
    name = env.get("JUPYTERHUB_SERVICE_NAME")
    return {f"access:services!service={name}"} if name else set()


def _slashed(path: str) -> str:
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


def _wants_page(request: Request) -> bool:
    """A browser navigating to a page (sent to the hub's login) rather than an API call or a websocket."""
    if request.scope["type"] != "http" or request.method != "GET" or "authorization" in request.headers:
        return False
    return "text/html" in request.headers.get("accept", "") or request.headers.get("sec-fetch-mode") == "navigate"


def _code_spans(text: str) -> str:
    """`a command` in a message → <code>a command</code> (the catalogue marks code that way)."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _page(key: str, status: int, **params) -> HTMLResponse:
    """A small page in both languages: the person may not be linked to a CRM user yet, so their
    language is unknown."""
    safe = {k: html.escape(str(v)) for k, v in params.items()}
    parts = [f'<section lang="{lang.replace("_", "-")}"><h1>{translate(key + ".title", lang)}</h1>'
             f"<p>{_code_spans(translate(key, lang, **safe))}</p></section>" for lang in LANGUAGES]
    title = " · ".join(translate(key + ".title", lang) for lang in LANGUAGES)
    body = (f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body data-refusal="{key}">{"<hr>".join(parts)}</body></html>')
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store"})
