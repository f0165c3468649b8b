"""The guard in front of Solara (crm_engine/serve/app.py): nothing reaches the CRM's pages, its
websocket or its API without a user the gate vouches for, and no page can be taken over by another."""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from crm_engine.serve.app import Guard
from crm_engine.serve.sessions import Bindings

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")


class StubGate:
    """Vouches for the user named in the `who` cookie; its own page is /login."""

    def routes(self):
        return [Route("/login", lambda request: PlainTextResponse("the login form"))]

    async def user(self, conn):
        return conn.cookies.get("who")

    def challenge(self, request):
        if request.url.path.startswith("/api/"):
            return PlainTextResponse("log in at api/login first", status_code=401)
        return RedirectResponse("/login?next=" + request.url.path, status_code=303)


class FakeSolara:
    """Stands for Solara's app: records who reached it."""

    def __init__(self):
        self.reached = []

        async def page(request):
            self.reached.append(("http", request.url.path, request.scope.get("crm_lab_user")))
            return PlainTextResponse("the CRM")

        async def kernel(websocket):
            self.reached.append(("ws", websocket.url.path, websocket.scope.get("crm_lab_user")))
            await websocket.accept()
            await websocket.send_text("hello")
            await websocket.close()

        self.app = Starlette(routes=[WebSocketRoute("/jupyter/api/kernels/{kernel}/channels", kernel),
                                     Route("/{path:path}", page)])

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


@pytest.fixture
def served():
    solara = FakeSolara()
    gate = StubGate()

    async def whoami(request):
        return JSONResponse({"user": request.scope["crm_lab_user"]})

    own = Starlette(routes=[*gate.routes(), Route("/api/whoami", whoami)])
    bindings = Bindings()
    client = TestClient(Guard(solara, gate, own, bindings), base_url="http://crm.test")
    return client, solara, bindings


def test_an_anonymous_page_request_gets_the_login_page_and_never_reaches_solara(served):
    client, solara, _ = served
    response = client.get("/opportunities", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/opportunities"
    for path in ("/", "/static/main.js", "/_solara/cdn/requirejs@2.3.6/require.js", "/jupyter/api/kernels/k1"):
        assert client.get(path, follow_redirects=False).status_code == 303
    assert solara.reached == []
    assert client.get("/login").text == "the login form"     # the gate's own page is open


def test_the_api_needs_a_user_too(served):
    client, solara, _ = served
    response = client.get("/api/whoami")
    assert response.status_code == 401 and "api/login" in response.text
    client.cookies.set("who", "li.ming")
    assert client.get("/api/whoami").json() == {"user": "li.ming"}
    assert solara.reached == []


def test_a_user_reaches_solara_with_their_name(served):
    client, solara, _ = served
    client.cookies.set("who", "li.ming")
    assert client.get("/customers").text == "the CRM"
    assert solara.reached == [("http", "/customers", "li.ming")]


def test_a_websocket_without_a_user_is_refused_before_solara_sees_it(served):
    client, solara, bindings = served
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/jupyter/api/kernels/k1/channels"):
            pass
    assert refused.value.code == 4401
    assert solara.reached == [] and bindings.user("k1") is None


def test_a_websocket_from_another_site_is_refused(served):
    client, solara, _ = served
    client.cookies.set("who", "li.ming")
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/jupyter/api/kernels/k1/channels",
                                      headers={"origin": "http://evil.example"}):
            pass
    assert refused.value.code == 4403 and solara.reached == []
    with client.websocket_connect("/jupyter/api/kernels/k1/channels",
                                  headers={"origin": "http://testserver"}) as ws:   # the test client's host
        assert ws.receive_text() == "hello"


def test_a_page_belongs_to_the_user_who_opened_it(served):
    client, solara, bindings = served
    client.cookies.set("who", "li.ming")
    with client.websocket_connect("/jupyter/api/kernels/k1/channels") as ws:
        assert ws.receive_text() == "hello"
    assert bindings.user("k1") == "li.ming"
    # Another person naming li.ming's kernel: refused, on the websocket and over HTTP.
    client.cookies.set("who", "wang.fang")
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/jupyter/api/kernels/k1/channels"):
            pass
    assert refused.value.code == 4403
    assert client.get("/jupyter/api/kernels/k1").status_code == 403
    assert [who for kind, _, who in solara.reached if kind == "ws"] == ["li.ming"]
    # Her own page is hers.
    with client.websocket_connect("/jupyter/api/kernels/k2/channels") as ws:
        assert ws.receive_text() == "hello"
    assert bindings.user("k2") == "wang.fang"


def test_bindings_drop_with_the_page_and_the_user():
    bindings = Bindings()
    assert bindings.bind("k1", "li.ming") and bindings.bind("k1", "li.ming")
    assert not bindings.bind("k1", "wang.fang")
    bindings.bind("k2", "li.ming"), bindings.bind("k3", "wang.fang")
    bindings.drop("k3")
    assert bindings.user("k3") is None
    bindings.drop_user("li.ming")
    assert bindings.user("k1") is None and bindings.user("k2") is None


def test_a_prefix_is_handed_to_solara_as_its_root_path():
    solara = FakeSolara()
    seen = {}

    async def app(scope, receive, send):
        seen["root_path"] = scope.get("root_path")
        await solara(scope, receive, send)

    gate = StubGate()
    client = TestClient(Guard(app, gate, Starlette(routes=gate.routes()), Bindings(), prefix="/services/team-1/"))
    client.cookies.set("who", "li.ming")
    client.get("/services/team-1/customers")
    assert seen["root_path"] == "/services/team-1"
