"""`crm-lab serve WORKSPACE`: one process owns the workspace and serves it to the team.

The server opens the workspace once, read-write and kept open: it is the file's only DuckDB writer,
so the team's actions never collide (two processes on one file did: one writer per file). Every
person acts through their own facade handle (`crm.as_user`); `Database` runs one call at a time, each
action one transaction audited under that person. A killed server leaves only committed actions:
DuckDB replays its write-ahead log on the next open, and `CRM.open` checks the workspace.
"""
from __future__ import annotations

import logging
import os

from ..crm import CRM

log = logging.getLogger("crm_lab.serve")


def open_workspace(path) -> CRM:
    """The server's administrator handle on `path` (the only writer while the server runs)."""
    return CRM.open(os.fspath(path), keep_open=True)


def make_app(crm: CRM, *, hub: bool = False, prefix: str | None = None):
    """The ASGI app for `crm` with the standalone password gate or, `hub=True`, JupyterHub's OAuth."""
    from . import api
    from .app import build
    if hub:
        from .hub import HubGate
        prefix = prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
        gate = HubGate(crm, prefix)
    else:
        from .gate import PasswordGate
        prefix = prefix or "/"
        gate = PasswordGate(crm, prefix)
    return build(crm, gate, prefix=prefix, api_routes=api.routes(crm, prefix))


def run(path, *, host: str = "127.0.0.1", port: int = 8765, hub: bool = False, say=print) -> None:
    """Serve the workspace at `path` until stopped (Ctrl-C or SIGTERM close it cleanly)."""
    import uvicorn
    crm = open_workspace(path)
    try:
        app = make_app(crm, hub=hub)
        if not hub and crm.logins.list()["has_password"].sum() == 0:
            say(crm.t("serve.no_passwords", workspace=os.fspath(path)))
        where = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/") if hub else "/"
        say(crm.t("serve.serving", url=f"http://{host}:{port}{where}", workspace=os.fspath(path)))
        # One worker process: the workspace has one writer. Solara handles each page in a thread.
        uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="on")
    finally:
        crm.close()
