"""The served workspace's JSON API, for members' notebooks and scripts (the screens use Solara's websocket).

Every route runs as the person the gate vouched for (`Guard` put the username in the request's scope):
the same facade handle, the same rules and scopes as their screens.

    GET  {prefix}api/whoami         {"username", "name", "role", "language"}
    POST {prefix}api/sql            {"query": "SELECT …"}  → a table (the person's `crm.sql`, every guard)
    POST {prefix}api/call           {"area": "opportunities", "verb": "list", "args": {"state": "assigned"}}
                                    → {"type": "table" | "record" | "value", "result": …}

`api/call` reaches only the facade verbs in `CALLS` (analysis reads and the team's everyday actions);
anything else is a 404. Arguments are keywords with JSON values, checked by the verb itself: each call
is one engine verb — one transaction, audited under the person — exactly as their screen would call it.

A refusal is the engine's own message in the person's language, with status 400 (bad input),
403 (not allowed), 404 (not found) or 409 (a conflict); never a traceback. Anything else the engine
raises is a bug: a 500 with one line naming it (the server's log has the traceback).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import logging
import math
from decimal import Decimal

import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import i18n
from ..errors import Conflict, CRMError, NotAllowed, NotFound
from .gate import language_of

log = logging.getLogger("crm_lab.serve")

STATUS = {NotAllowed: 403, NotFound: 404, Conflict: 409}
# A call or a query is a few hundred bytes; a body past this is not one, and is not read further.
BODY_LIMIT = 1 << 20

# What `api/call` may reach: area -> verbs. Data, not code: a verb missing here is a 404 whatever the
# facade has (exports write files on the server, backups and user administration are the administrator's
# at the server's own command line). Reads for analysis first, then the team's everyday actions. Who may
# do which action is still the engine's business: a rep asking to move the clock gets its NotAllowed.
CALLS: dict[str, tuple[str, ...]] = {
    "customers": ("list", "count", "get", "contacts", "interactions",
                  "log_interaction", "add_contact"),
    "orders": ("list", "lines"),
    "leads": ("list", "count", "get", "pool", "followups", "history",
              "add", "assign", "claim", "follow_up", "convert", "mark_invalid", "release"),
    "opportunities": ("list", "count", "get", "plan", "history", "lines", "pipeline", "funnel", "win_rate", "overdue",
                      "add", "assign", "add_step", "record_result", "set_stage", "succeed", "fail"),
    "service": ("list", "count", "get", "steps", "history", "search",
                "add", "assign", "handle", "feedback"),
    "churn": ("list", "count", "get", "measures"),
    "tasks": ("list", "count", "get", "overdue",
              "add", "complete"),
    "campaigns": ("list", "roi"),
    "targets": ("list", "leaderboard"),
    "reports": ("contribution", "composition", "service_analysis", "churn_analysis", "churn_rate", "cohorts",
                "funnel", "pipeline", "win_rate", "rfm", "rfm_segments", "attainment", "leaderboard",
                "campaign_roi"),
    "audit": ("list",),
    "clock": ("today", "advance"),
}


def status_of(error: CRMError) -> int:
    """The HTTP status of an engine refusal: 403 not allowed, 404 not found, 409 a conflict, else 400."""
    return next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)


def refusal(error: CRMError, language: str) -> JSONResponse:
    return JSONResponse({"error": error.message(language), "kind": type(error).__name__}, status_code=status_of(error))


def table(frame: pd.DataFrame) -> dict:
    """A DataFrame as JSON (`orient="split"`, ISO dates; `dates` names the date columns): `client.TeamCRM`
    rebuilds it."""
    out = json.loads(frame.to_json(orient="split", date_format="iso", index=False))
    out["dates"] = [str(name) for name, dtype in frame.dtypes.items() if pd.api.types.is_datetime64_any_dtype(dtype)]
    return out


def plain(value):
    """A verb's result as JSON values: records (dataclasses) become objects, dates ISO strings, Decimals
    and numpy scalars numbers, DataFrames inside a record tables (`table`)."""
    if isinstance(value, pd.DataFrame):
        return table(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Decimal):
        # Money: the JSON number carries the amount's digits (exact below 10**15, far past any amount here).
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime, pd.Timestamp)):
        return None if value is pd.NaT else value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item"):         # numpy scalars
        return plain(value.item())
    raise TypeError(f"no JSON form for a {type(value).__name__}")


def answer(result) -> dict:
    """The body of a successful call: its result and what kind of result it is."""
    if isinstance(result, pd.DataFrame):
        return {"type": "table", "result": table(result)}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {"type": "record", "result": plain(result)}
    return {"type": "value", "result": plain(result)}


class Unknown(Exception):
    """A call outside `CALLS`, or arguments the verb does not take (no engine verb ran)."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def verb_of(crm, area: str, verb: str):
    """The facade verb `crm.<area>.<verb>`, if `CALLS` lists it (else `Unknown`)."""
    if verb not in CALLS.get(area, ()):
        raise Unknown("serve_api.unknown_call", area=area, verb=verb)
    return getattr(getattr(crm, area), verb)


def invoke(crm, area: str, verb: str, args: dict):
    """Run one allowed verb as `crm`'s user with keyword `args`; its result (not yet JSON)."""
    function = verb_of(crm, area, verb)
    try:
        inspect.signature(function).bind(**args)
    except TypeError:
        accepted = ", ".join(name for name, p in inspect.signature(function).parameters.items()
                             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        raise Unknown("serve_api.bad_arguments", call=f"{area}.{verb}", given=", ".join(sorted(args)) or "—",
                      accepted=accepted or "—") from None
    return function(**args)


TOO_BIG = object()


async def posted(request: Request):
    """The request's JSON body; None when it is not JSON, `TOO_BIG` past `BODY_LIMIT` bytes (the rest unread)."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > BODY_LIMIT:
            return TOO_BIG
    try:
        return json.loads(raw)
    except ValueError:
        return None


def routes(crm, prefix: str = "/") -> list:
    def person(request: Request):
        # In the threadpool, like the verbs: loading the user reads the workspace, which waits for the
        # call running now; the event loop must not wait with it (every other request would).
        return crm.as_user(request.scope["crm_lab_user"], own_language=language_of(request, crm.language))

    def say(request: Request, key: str, status: int, **params) -> JSONResponse:
        language = language_of(request, crm.language)
        return JSONResponse({"error": i18n.translate(key, language, **params), "kind": "Unknown"}, status_code=status)

    async def whoami(request: Request):
        me = await run_in_threadpool(person, request)
        return JSONResponse({"username": me.user.username, "name": me.user.name, "role": me.user.role,
                             "language": me.language})

    async def sql(request: Request):
        body = await posted(request)
        if body is TOO_BIG:
            return say(request, "serve_api.too_big", 413, limit=BODY_LIMIT // 1024)
        query = body.get("query") if isinstance(body, dict) else None
        if not isinstance(query, str):
            return say(request, "serve.api_bad_body", 400, names="query")

        def run():
            me = person(request)
            try:
                return JSONResponse(table(me.sql(query)))
            except CRMError as error:
                return refusal(error, me.language)
        return await run_in_threadpool(run)

    async def call(request: Request):
        body = await posted(request)
        if body is TOO_BIG:
            return say(request, "serve_api.too_big", 413, limit=BODY_LIMIT // 1024)
        if not isinstance(body, dict):
            return say(request, "serve.api_bad_body", 400, names="area, verb, args")
        area, verb, args = body.get("area"), body.get("verb"), body.get("args", {})
        for field, value, kind in (("area", area, str), ("verb", verb, str), ("args", args, dict)):
            if not isinstance(value, kind):
                return say(request, "serve.api_bad_body", 400, names=field)
        return await run_in_threadpool(respond, request, area, verb, args)

    def respond(request: Request, area: str, verb: str, args: dict) -> JSONResponse:
        """One call, start to end, on a worker thread: the person, the verb, its answer as JSON."""
        me = person(request)
        try:
            return JSONResponse(answer(invoke(me, area, verb, args)))
        except Unknown as unknown:
            return say(request, unknown.key, 404 if unknown.key == "serve_api.unknown_call" else 400, **unknown.params)
        except CRMError as error:
            return refusal(error, me.language)
        except Exception as error:  # noqa: BLE001 - an engine bug: one line to the person, the traceback to the log
            log.exception("api/call %s.%s by %s", area, verb, me.user.username)
            return JSONResponse({"error": me.t("serve_api.bug", call=f"{area}.{verb}", problem=type(error).__name__),
                                 "kind": "Bug"}, status_code=500)

    return [Route(f"{prefix}api/whoami", whoami, methods=["GET"]),
            Route(f"{prefix}api/sql", sql, methods=["POST"]),
            Route(f"{prefix}api/call", call, methods=["POST"])]
