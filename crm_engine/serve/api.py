"""The served workspace's JSON API, for members' notebooks and scripts (the screens use Solara's websocket).

Every route runs as the person the gate vouched for (`Guard` put the username in the request's scope):
the same facade handle, the same rules and scopes as their screens.

    GET  {prefix}api/whoami         {"username", "name", "role", "language"}
    POST {prefix}api/sql            {"query": "SELECT …"}  → a table (the person's `crm.sql`, every guard)

A refusal is the engine's own message in the person's language, with status 400 (bad input),
403 (not allowed), 404 (not found) or 409 (a conflict); never a traceback.
"""
from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ..errors import Conflict, CRMError, NotAllowed, NotFound
from .gate import language_of

STATUS = {NotAllowed: 403, NotFound: 404, Conflict: 409}


def refusal(error: CRMError, language: str) -> JSONResponse:
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 400)
    return JSONResponse({"error": error.message(language), "kind": type(error).__name__}, status_code=status)


def table(frame) -> dict:
    """A DataFrame as JSON (`orient="split"`, ISO dates): `client.TeamCRM` rebuilds it."""
    return json.loads(frame.to_json(orient="split", date_format="iso", index=False))


def routes(crm, prefix: str = "/") -> list:
    def person(request: Request):
        return crm.as_user(request.scope["crm_lab_user"], own_language=language_of(request, crm.language))

    async def whoami(request: Request):
        me = person(request)
        return JSONResponse({"username": me.user.username, "name": me.user.name, "role": me.user.role,
                             "language": me.language})

    async def sql(request: Request):
        me = person(request)
        try:
            body = await request.json()
            query = body["query"] if isinstance(body, dict) else None
        except (ValueError, KeyError):
            query = None
        if not isinstance(query, str):
            return JSONResponse({"error": me.t("serve.api_bad_body", field="query")}, status_code=400)
        try:
            frame = await run_in_threadpool(me.sql, query)
        except CRMError as error:
            return refusal(error, me.language)
        return JSONResponse(table(frame))

    return [Route(f"{prefix}api/whoami", whoami, methods=["GET"]),
            Route(f"{prefix}api/sql", sql, methods=["POST"])]
