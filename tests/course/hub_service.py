"""A stand-in CRM server for the hub test while `crm_engine.serve.app` is not there: HubGate in front of
Solara's own Starlette app mounted under the service's prefix, exactly as the design asks of `build()`.

Run by the hub as a managed service: `python -m tests.course.hub_service PORT`; the hub names → CRM
users come as JSON in $CRM_LAB_TEST_HUB_LINKS.
"""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("SOLARA_APP", "tests.course.hub_service_page:Page")


def build(gate, prefix: str):
    import solara.server.settings
    import solara.server.starlette as solara_starlette
    from starlette.applications import Starlette
    from starlette.requests import HTTPConnection, Request
    from starlette.responses import JSONResponse
    from starlette.routing import Mount, Route

    # Solara builds every URL of its page (static files, the CDN, the kernel's websocket) from one
    # process-wide root path; set it to the prefix instead of letting the first request decide.
    solara.server.settings.main.root_path = prefix.rstrip("/")

    async def whoami(request):
        return JSONResponse({"user": request.scope["crm_lab.user"]})

    open_paths = {r.path for r in gate.routes()}

    class Guard:
        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] not in ("http", "websocket") or scope["path"] in open_paths:
                return await self.app(scope, receive, send)
            user = await gate.user(HTTPConnection(scope))
            if user is None:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})   # before accept: HTTP 403
                    return
                return await gate.challenge(Request(scope, receive))(scope, receive, send)
            scope["crm_lab.user"] = user
            await self.app(scope, receive, send)

    app = Starlette(routes=[*gate.routes(), Route(prefix + "api/whoami", whoami),
                            Mount(prefix.rstrip("/"), app=solara_starlette.app)],
                    lifespan=solara_starlette.lifespan)
    return Guard(app)


def main(port: int) -> None:
    import uvicorn

    from crm_engine.serve.hub import HubGate

    links = json.loads(os.environ.get("CRM_LAB_TEST_HUB_LINKS", "{}"))
    gate = HubGate(None, hub_user=links.get)
    uvicorn.run(build(gate, gate.prefix), host="127.0.0.1", port=port, log_level="info")


if __name__ == "__main__":
    main(int(sys.argv[1]))
