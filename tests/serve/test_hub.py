"""`HubGate` (crm_engine/serve/hub.py) without a hub: what it refuses before asking one. The whole flow
through a real JupyterHub is in tests/course/test_jupyterhub.py (the team's CRM as a managed service)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.serve.conftest import run_async
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.testclient import TestClient

from crm_engine.cli import main
from crm_engine.errors import CRMError
from crm_engine.serve.hub import HubGate, HubSetupError

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")

PREFIX = "/services/crm-team-1/"
HUB_ENV = {   # what the hub gives a managed service (nothing here talks to it)
    "JUPYTERHUB_SERVICE_PREFIX": PREFIX, "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api",
    "JUPYTERHUB_API_TOKEN": "service-token", "JUPYTERHUB_CLIENT_ID": "service-crm-team-1",
    "JUPYTERHUB_SERVICE_NAME": "crm-team-1", "JUPYTERHUB_OAUTH_CALLBACK_URL": PREFIX + "oauth_callback",
    "JUPYTERHUB_OAUTH_ACCESS_SCOPES": '["access:services!service=crm-team-1", "access:services"]',
}


@pytest.fixture
def gate():
    return HubGate(None, hub_user={"s101": "li.ming"}.get, environ=HUB_ENV)


def _request(path: str, headers=None) -> Request:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    path, _, query = path.partition("?")
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query.encode(),
                    "headers": raw, "scheme": "http", "server": ("crm.test", 80), "root_path": ""})


def test_outside_a_hub_the_server_refuses_to_start_and_names_what_is_missing(workspace_file, monkeypatch):
    for name in HUB_ENV:
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["serve", str(workspace_file), "--hub", "--port", "1"])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "JUPYTERHUB_API_TOKEN" in result.output and "JUPYTERHUB_CLIENT_ID" in result.output, result.output
    # Without the scopes that say who may come in, it would let every hub user in: refused too.
    with pytest.raises(HubSetupError) as error:
        HubGate(None, hub_user=dict().get, environ={k: v for k, v in HUB_ENV.items()
                                                    if k not in ("JUPYTERHUB_OAUTH_ACCESS_SCOPES", "JUPYTERHUB_SERVICE_NAME")})
    assert isinstance(error.value, CRMError) and error.value.key == "serve.hub.no_access_scopes"


def test_an_anonymous_page_goes_to_the_hubs_login_with_a_state_this_browser_must_bring_back(gate):
    response = gate.challenge(_request(PREFIX + "opportunities?id=4", {"Accept": "text/html"}))
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert target.path == "/hub/api/oauth2/authorize" and query["client_id"] == "service-crm-team-1"
    assert query["redirect_uri"] == PREFIX + "oauth_callback" and query["code_challenge_method"] == "S256"
    cookie = response.headers["set-cookie"]
    assert query["state"] in cookie and f"Path={PREFIX}" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert gate.auth.get_next_url(query["state"]) == PREFIX + "opportunities?id=4"
    # An API call or a script gets 401, not a redirect it cannot follow.
    script = gate.challenge(_request(PREFIX + "api/whoami", {"Accept": "application/json"}))
    assert script.status_code == 401 and "Log in through the hub" in script.body.decode()
    assert "请通过 JupyterHub 登录" in script.body.decode()
    assert gate.challenge(_request(PREFIX, {"Authorization": "token x", "Accept": "text/html"})).status_code == 401


def test_the_callback_refuses_a_state_it_did_not_issue_to_this_browser(gate):
    client = TestClient(Starlette(routes=gate.routes()), base_url="http://crm.test")
    login = gate.challenge(_request(PREFIX, {"Accept": "text/html"}))
    state = parse_qs(urlsplit(login.headers["location"]).query)["state"][0]
    # Another browser (no state cookie: an attacker's code and state sent to a victim) is refused.
    forged = client.get(PREFIX + "oauth_callback", params={"code": "attacker-code", "state": state})
    assert forged.status_code == 403 and 'data-refusal="serve.hub.state_mismatch"' in forged.text
    # A state this process never issued, even with a matching cookie, is refused.
    name = gate._state_cookie("made-up")
    client.cookies.set(name, "made-up", path=PREFIX)
    made_up = client.get(PREFIX + "oauth_callback", params={"code": "c", "state": "made-up"})
    assert made_up.status_code == 403
    # The hub's own refusal is shown, in both languages.
    denied = client.get(PREFIX + "oauth_callback", params={"error": "access_denied"})
    assert denied.status_code == 400 and "access_denied" in denied.text and "JupyterHub 的答复" in denied.text


def test_a_refusal_page_says_who_and_why_in_both_languages_and_escapes_the_name(gate):
    request = _request(PREFIX, {"Accept": "text/html"})
    gate._refuse(request, "unlinked", "<b>s103</b>", "a-token")
    page = gate.challenge(_request(PREFIX, {"Accept": "text/html", "Authorization": "token a-token"}))
    text = page.body.decode()
    assert page.status_code == 403 and 'data-refusal="serve.hub.unlinked"' in text
    assert "&lt;b&gt;s103&lt;/b&gt;" in text and "<b>s103" not in text
    assert "Ask your instructor" in text and "请让教师" in text and "<code>crm-lab logins link" in text


def test_a_member_unlinked_or_relinked_loses_the_pages_still_open(monkeypatch):
    links = {"s101": "li.ming", "s102": "wang.fang"}
    gate = HubGate(None, hub_user=links.get, environ=HUB_ENV)
    tokens = {"t101": {"name": "s101", "kind": "user", "scopes": ["access:services"]},
              "t102": {"name": "s102", "kind": "user", "scopes": ["access:services"]}}

    async def user_for_token(token, sync=True):
        return tokens.get(token)
    monkeypatch.setattr(gate.auth, "user_for_token", user_for_token)
    for token, who in (("t101", "li.ming"), ("t102", "wang.fang")):
        assert run_async(gate.user(_request(PREFIX, {"Authorization": f"token {token}"}))) == who
    assert gate.revalidate() == set()
    del links["s101"]                      # the instructor unlinked s101
    links["s102"] = "zhao.lei"             # and gave s102 another CRM user
    assert gate.revalidate() == {"li.ming", "wang.fang"}
    assert run_async(gate.user(_request(PREFIX, {"Authorization": "token t101"}))) is None
