"""`TeamCRM`: a team member's notebook reads (and acts on) the company the team server runs.

While `crm-lab serve` runs, the server is the only process with the workspace file open (DuckDB: one
writer, no readers beside it), so a notebook cannot open the file; it asks the server instead, as the
member's own CRM user, with the member's scopes (docs/team.md, "Analysing the team's company from a
notebook"):

    from crm_engine.serve.client import TeamCRM
    team = TeamCRM("http://127.0.0.1:8765/", username="li.ming", password="…")
    team.sql("SELECT stage, count(*) AS n FROM my_opportunities GROUP BY stage")   # a DataFrame
    team.opportunities.list(state="assigned")                                      # a DataFrame
    team.call("opportunities", "add_step", opportunity_id=42, planned_date="2026-03-05", action="Visit")

On JupyterHub, `TeamCRM.on_hub("https://hub.example.edu/services/crm-team-1/")` uses the notebook
server's own `JUPYTERHUB_API_TOKEN`. A refusal raises the engine's own error type (`NotAllowed`,
`NotFound`, `InvalidInput`, `Conflict` …) with the server's message, in the member's language.

Only the standard library (urllib): the client works in any course environment.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pandas as pd

from .. import errors, i18n

# The server's `kind` of refusal -> the error raised here; the status code decides what is not listed.
KINDS = {name: getattr(errors, name) for name in ("InvalidInput", "NotAllowed", "TransitionNotAllowed", "NotFound",
                                                   "Conflict", "WorkspaceError", "WorkspaceLocked", "ImportAborted")}
BY_STATUS = {400: errors.InvalidInput, 401: errors.NotAllowed, 403: errors.NotAllowed, 404: errors.NotFound,
             409: errors.Conflict, 429: errors.NotAllowed}


def frame(table: dict) -> pd.DataFrame:
    """The DataFrame `api.table` sent (its date columns dates again)."""
    result = pd.DataFrame(table["data"], columns=table["columns"])
    for column in table.get("dates", ()):
        result[column] = pd.to_datetime(result[column])
    return result


class TeamCRM:
    """The team's company as one member sees it, through the team server's API."""

    def __init__(self, url: str, username: str | None = None, password: str | None = None, token: str | None = None,
                 language: str | None = None, *, timeout: float = 60.0, _scheme: str = "Bearer"):
        self.url = url if url.endswith("/") else url + "/"
        self.language = language
        self.timeout = timeout
        if token is None:
            if username is None or password is None:
                raise errors.InvalidInput("serve_api.login_needed")
            token = self._send("POST", "api/login", {"username": username, "password": password},
                               authorised=False)["token"]
        self._authorization = f"{_scheme} {token}"

    @classmethod
    def on_hub(cls, service_url: str, language: str | None = None) -> "TeamCRM":
        """The team's server as a JupyterHub service (its full URL), as the hub user of this notebook."""
        token = os.environ.get("JUPYTERHUB_API_TOKEN")
        if not token:
            raise errors.NotAllowed("serve_api.no_hub_token")
        return cls(service_url, token=token, language=language, _scheme="token")

    # -- what a notebook uses ------------------------------------------------------------
    def whoami(self) -> dict:
        """`{"username", "name", "role", "language"}` of the member this client acts as."""
        return self._send("GET", "api/whoami")

    def sql(self, query: str) -> pd.DataFrame:
        """Read-only SQL over the tables you may read whole (the server's `crm.sql`, every guard)."""
        return frame(self._send("POST", "api/sql", {"query": query}))

    def call(self, area: str, verb: str, **args):
        """One facade verb on the server, as you: `call("opportunities", "list", state="assigned")`.

        Arguments are keywords with JSON values (dates as "YYYY-MM-DD"). A list comes back as a
        DataFrame, a record as a dict, anything else as its JSON value."""
        answer = self._send("POST", "api/call", {"area": area, "verb": verb, "args": args})
        if answer["type"] == "table":
            return frame(answer["result"])
        return answer["result"]

    def __getattr__(self, area: str) -> "_Area":
        if area.startswith("_"):
            raise AttributeError(area)
        return _Area(self, area)

    def __repr__(self) -> str:
        return f"<TeamCRM {self.url}>"

    # -- the wire ------------------------------------------------------------------------
    def _send(self, method: str, path: str, body: dict | None = None, *, authorised: bool = True):
        headers = {"Accept": "application/json"}
        if self.language:
            headers["Accept-Language"] = "zh-CN" if self.language == "zh_CN" else self.language
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if authorised:
            headers["Authorization"] = self._authorization
        request = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as refused:
            raise self._refusal(refused.code, refused.read()) from None
        except (urllib.error.URLError, OSError) as problem:
            reason = getattr(problem, "reason", problem)
            raise errors.WorkspaceError("serve_api.unreachable", url=self.url, problem=str(reason)) from None
        try:
            return json.loads(raw.decode("utf-8"))
        except ValueError:       # a page, not the API's JSON: another program at this address
            raise errors.WorkspaceError("serve_api.not_a_team_server", url=self.url) from None

    def _refusal(self, status: int, raw: bytes) -> errors.CRMError:
        text = raw.decode("utf-8", "replace").strip()
        try:
            said = json.loads(text)
            message, kind = said.get("error", text), said.get("kind")
        except (ValueError, AttributeError):
            message, kind = text, None
        error_type = KINDS.get(kind) or BY_STATUS.get(status, errors.CRMError)
        error = error_type("serve_api.refused", message=message)
        error.status = status
        error.language = self.language
        return error


class _Area:
    """`team.opportunities`: the area's verbs as methods (`team.opportunities.list(state="assigned")`)."""

    def __init__(self, team: TeamCRM, area: str):
        self._team, self._area = team, area

    def __getattr__(self, verb: str):
        if verb.startswith("_"):
            raise AttributeError(verb)

        def verb_call(*positional, **args):
            if positional:
                raise errors.InvalidInput("serve_api.keywords_only", call=f"{self._area}.{verb}")
            return self._team.call(self._area, verb, **args)
        verb_call.__name__ = verb
        verb_call.__doc__ = i18n.translate("serve_api.verb_doc", self._team.language, call=f"{self._area}.{verb}")
        return verb_call

    def __repr__(self) -> str:
        return f"<TeamCRM area {self._area}>"
