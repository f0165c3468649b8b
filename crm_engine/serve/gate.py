"""Who may come in: the gate every request and websocket handshake of a served workspace passes.

A gate answers three things (`app.Guard` asks them; `hub.HubGate` answers them with JupyterHub's
OAuth, `PasswordGate` below with the CRM users' own passwords):

    gate.routes()            the gate's own pages (login form, logout, OAuth callback …), open to anyone
    await gate.user(conn)    the CRM username behind this request or handshake, or None
    gate.challenge(request)  what an anonymous page request gets (here: the login form's address)
    gate.revalidate()        after the administrator changed logins or users: who must be logged out now

`PasswordGate`: the administrator sets each user's password (`crm-lab passwd`, `crm.logins`; only a
KDF digest is stored). A login opens a session (`sessions.Sessions`) held in an HttpOnly cookie;
scripts and members' notebooks log in at `api/login` and send the token as `Authorization: Bearer`.
Failed logins are throttled per user name and per client address (`sessions.Throttle`).
"""
from __future__ import annotations

import html
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import i18n
from .sessions import Sessions, Throttle

COOKIE = "crm_lab_session"


def language_of(conn: HTTPConnection, default: str = "en") -> str:
    """The page's language: `?lang=`, else a cookie the page set, else the browser's first choice."""
    wanted = conn.query_params.get("lang") or conn.cookies.get("crm_lab_lang")
    if wanted in i18n.LANGUAGE_NAMES:
        return wanted
    accept = conn.headers.get("accept-language", "").lower()
    if accept.startswith("zh"):
        return "zh_CN"
    return default


def client_address(conn: HTTPConnection) -> str:
    return conn.client.host if conn.client else "unknown"


def bearer(conn: HTTPConnection) -> str | None:
    scheme, _, token = conn.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def posted_form(request: Request, limit: int = 16_384) -> dict[str, str]:
    """The login form's fields (url-encoded; Starlette's own parser needs python-multipart, which
    this one small form does not justify). A body past `limit` bytes is not a login: nothing is read."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=8)
    return {name: values[0] for name, values in fields.items()}


def safe_next(target: str | None, prefix: str) -> str:
    """Where to go after logging in: only a path under this app (never another site: no open redirect)."""
    if not target:
        return prefix
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(prefix) or "\\" in target or target.startswith("//"):
        return prefix
    return target


class PasswordGate:
    """Logins with the passwords the administrator set (`crm.logins`)."""

    def __init__(self, crm, prefix: str = "/", *, sessions: Sessions | None = None,
                 by_name: Throttle | None = None, by_address: Throttle | None = None,
                 secure_cookie: bool = False):
        self.crm = crm                  # the server's administrator handle
        self.prefix = prefix
        self.sessions = sessions or Sessions()
        self.by_name = by_name or Throttle(attempts=5, window=300, lockout=300)
        # A classroom can share one address: a looser limit, still far below a guessing rate.
        self.by_address = by_address or Throttle(attempts=30, window=300, lockout=300)
        self.secure_cookie = secure_cookie

    # -- the Gate protocol ------------------------------------------------------------
    def routes(self) -> list:
        p = self.prefix
        return [Route(f"{p}login", self.login_page, methods=["GET", "POST"]),
                Route(f"{p}logout", self.logout, methods=["GET", "POST"]),
                Route(f"{p}api/login", self.api_login, methods=["POST"])]

    async def user(self, conn: HTTPConnection) -> str | None:
        return self.sessions.user(bearer(conn) or conn.cookies.get(COOKIE))

    def challenge(self, request: Request) -> Response:
        if request.url.path.startswith(f"{self.prefix}api/"):     # a script: say how to log in
            message = i18n.translate("serve.api_login_needed", language_of(request, self.crm.language))
            return PlainTextResponse(message, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        wanted = request.query_params.get("lang")     # `/opportunities?lang=zh_CN`: the form in Chinese too
        lang = f"lang={wanted}&" if wanted in i18n.LANGUAGE_NAMES else ""
        return RedirectResponse(f"{self.prefix}login?{lang}next={quote(target, safe='/')}", status_code=303)

    # -- logging in -------------------------------------------------------------------
    async def attempt(self, conn: HTTPConnection, username: str, password: str) -> tuple[str | None, str | None, float]:
        """(username, None, 0) on success; (None, message key, seconds to wait) on refusal."""
        name_key, address_key = ("name", username.strip().lower()), ("address", client_address(conn))
        wait = max(self.by_name.wait(name_key), self.by_address.wait(address_key))
        if wait > 0:
            return None, "serve.login_throttled", wait
        who = await run_in_threadpool(self.crm.logins.verify, username.strip(), password)
        if who is None:
            self.by_name.failed(name_key)
            self.by_address.failed(address_key)
            wait = max(self.by_name.wait(name_key), self.by_address.wait(address_key))
            return None, ("serve.login_throttled" if wait > 0 else "serve.login_refused"), wait
        self.by_name.succeeded(name_key)
        return who, None, 0.0

    async def login_page(self, request: Request) -> Response:
        language = language_of(request, self.crm.language)
        target = safe_next(request.query_params.get("next"), self.prefix)
        if request.method == "GET":
            return HTMLResponse(self.form(language, target))
        form = await posted_form(request)
        username, password = form.get("username", ""), form.get("password", "")
        target = safe_next(form.get("next", "") or target, self.prefix)
        who, problem, wait = await self.attempt(request, username, password)
        if who is None:
            status = 429 if problem == "serve.login_throttled" else 401
            headers = {"Retry-After": str(int(wait) + 1)} if status == 429 else None
            message = i18n.translate(problem, language, seconds=int(wait) + 1)
            return HTMLResponse(self.form(language, target, username=username, message=message),
                                status_code=status, headers=headers)
        response = RedirectResponse(target, status_code=303)
        self._set_cookie(response, await self.open_session(who))
        # The app opens in the language the person logged in with (`page.Page` reads this cookie).
        response.set_cookie("crm_lab_lang", language, samesite="lax", path=self.prefix, secure=self.secure_cookie)
        return response

    async def api_login(self, request: Request) -> Response:
        language = language_of(request, self.crm.language)
        try:
            body = await request.json()
            username, password = str(body["username"]), str(body["password"])
        except Exception:  # noqa: BLE001 - any malformed body gets the same clear refusal
            return JSONResponse({"error": i18n.translate("serve.api_bad_login", language)}, status_code=400)
        who, problem, wait = await self.attempt(request, username, password)
        if who is None:
            status = 429 if problem == "serve.login_throttled" else 401
            headers = {"Retry-After": str(int(wait) + 1)} if status == 429 else None
            return JSONResponse({"error": i18n.translate(problem, language, seconds=int(wait) + 1)},
                                status_code=status, headers=headers)
        return JSONResponse({"token": await self.open_session(who), "username": who})

    async def open_session(self, username: str) -> str:
        return self.sessions.open(username, await run_in_threadpool(self.crm.logins.stamp, username))

    def revalidate(self) -> set[str]:
        """After the administrator changed logins or users: end the sessions of everyone whose password
        changed or who can no longer log in; returns the users left with no session (their open pages
        are closed by the app)."""
        return self.sessions.revalidate(self.crm.logins.stamp)

    async def logout(self, request: Request) -> Response:
        self.sessions.close(request.cookies.get(COOKIE))
        self.sessions.close(bearer(request))
        response = RedirectResponse(f"{self.prefix}login", status_code=303)
        response.delete_cookie(COOKIE, path=self.prefix)
        return response

    def _set_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path=self.prefix,
                            secure=self.secure_cookie)

    # -- the login form ---------------------------------------------------------------
    def form(self, language: str, target: str, *, username: str = "", message: str | None = None) -> str:
        t = lambda key, **kw: html.escape(i18n.translate(key, language, **kw))  # noqa: E731
        company = html.escape(self.crm.admin.settings()["company"])
        other = "zh_CN" if language == "en" else "en"
        switch = (f"<a href='{html.escape(self.prefix)}login?lang={other}&amp;next={quote(target, safe='/')}'>"
                  f"{html.escape(i18n.LANGUAGE_NAMES[other])}</a>")
        alert = f"<p class='alert' role='alert'>⚠ {html.escape(message)}</p>" if message else ""
        return f"""<!doctype html>
<html lang="{'zh-CN' if language == 'zh_CN' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t('serve.login_title')} — {company}</title>
<style>
body{{font-family:Roboto,"Noto Sans CJK SC",sans-serif;background:#f4f6f8;margin:0}}
main{{max-width:22em;margin:10vh auto;background:#fff;padding:2em;border-radius:8px;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.3em;margin:0 0 .2em}} .who{{color:#555;margin:0 0 1.2em}}
label{{display:block;margin:.8em 0 .2em}} input{{width:100%;box-sizing:border-box;padding:.5em;font-size:1em}}
button{{margin-top:1.2em;width:100%;padding:.6em;font-size:1em;background:#1565c0;color:#fff;border:0;border-radius:4px}}
.alert{{background:#fdecea;color:#8a1c12;padding:.6em;border-radius:4px}} .lang{{text-align:right;font-size:.9em}}
</style></head><body><main>
<p class="lang">{switch}</p>
<h1>{company}</h1><p class="who">{t('serve.login_intro')}</p>
{alert}
<form method="post" action="{html.escape(self.prefix)}login?lang={language}">
<input type="hidden" name="next" value="{html.escape(target)}">
<label for="username">{t('serve.username')}</label>
<input id="username" name="username" autocomplete="username" value="{html.escape(username)}" required autofocus>
<label for="password">{t('serve.password')}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{t('serve.log_in')}</button>
</form></main></body></html>"""
