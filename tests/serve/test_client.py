"""`TeamCRM` in a member's notebook: DataFrames from the team server, the engine's own errors on refusal.

The server runs in this process on 127.0.0.1 (uvicorn in a thread: the real guard, password gate and API
routes, a stand-in where Solara would be); the client speaks HTTP to it like any notebook.
"""
import threading
import time

import pandas as pd
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse

from crm_engine.errors import Conflict, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed, WorkspaceError
from crm_engine.serve import api
from crm_engine.serve.app import Guard
from crm_engine.serve.client import TeamCRM
from crm_engine.serve.gate import PasswordGate
from crm_engine.serve.sessions import Bindings
from tests.conftest import TODAY, free_port


class HubLike:
    """A gate that knows one hub token (the hub helper's `HubGate` asks the hub instead)."""

    def routes(self):
        return []

    async def user(self, conn):
        return "li.ming" if conn.headers.get("authorization") == "token hub-secret" else None

    def challenge(self, request):
        return PlainTextResponse("log in at the hub", status_code=401)


def serve(app):
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.02)
    return server, thread, f"http://127.0.0.1:{port}"


@pytest.fixture
def team_server(crm):
    for username in ("li.ming", "wang.fang", "zhang.wei"):
        crm.logins.set_password(username, f"team-{username}-2026")
    gate = PasswordGate(crm)
    own = Starlette(routes=[*gate.routes(), *api.routes(crm)])
    server, thread, url = serve(Guard(PlainTextResponse("the screens"), gate, own, Bindings()))
    yield crm, url
    server.should_exit = True
    thread.join(timeout=10)


def test_a_member_reads_dataframes_and_acts_as_themselves(team_server):
    crm, url = team_server
    team = TeamCRM(url, username="li.ming", password="team-li.ming-2026")
    assert team.whoami()["username"] == "li.ming"
    opp = team.opportunities.add(customer_name="Acme Trading", summary="20 notebooks", expected_amount=99_800,
                                 probability=30)
    assert isinstance(opp, dict) and opp["expected_amount"] == 99_800 and opp["created_on"] == TODAY
    listed = team.opportunities.list(state="unassigned")
    assert isinstance(listed, pd.DataFrame) and opp["id"] in set(listed["id"])
    assert pd.api.types.is_datetime64_any_dtype(listed["created_on"])
    assert listed.loc[listed["id"] == opp["id"], "created_on"].iloc[0] == pd.Timestamp(TODAY)
    same = team.call("opportunities", "get", opportunity_id=opp["id"])
    assert same["summary"] == "20 notebooks"
    products = team.sql("SELECT code, price FROM products ORDER BY code")
    assert products["code"].tolist() == ["NB-14", "SRV-2U", "SUP-1Y"]
    assert crm.audit.list(kind="opportunity", record_id=opp["id"])["username"].tolist() == ["li.ming"]
    assert team.clock.today() == TODAY


def test_refusals_raise_the_engines_own_errors_with_the_servers_message(team_server):
    crm, url = team_server
    team = TeamCRM(url, username="li.ming", password="team-li.ming-2026")
    theirs = crm.as_user("wang.fang").opportunities.add("Harbour Logistics", "Scanners", expected_amount=8_000,
                                                        probability=10)
    with pytest.raises(NotFound) as missing:
        team.opportunities.get(opportunity_id=theirs.id)
    assert str(missing.value) == crm.t("opportunity.not_found", id=theirs.id)
    with pytest.raises(NotAllowed) as clock:
        team.clock.advance(days=1)
    assert "clock" in str(clock.value)
    waiting = team.opportunities.add(customer_name="X", summary="Y", expected_amount=1, probability=10)
    with pytest.raises(TransitionNotAllowed):
        team.opportunities.set_stage(opportunity_id=waiting["id"], stage="proposal")
    with pytest.raises(InvalidInput):
        team.opportunities.add(customer_name="X", summary="Y", expected_amount=1, probability=150)
    with pytest.raises(NotAllowed):
        team.sql("SELECT * FROM opportunities")
    with pytest.raises(NotFound) as unknown:
        team.customers.delete(customer_id=1)
    assert "customers.delete" in str(unknown.value)
    with pytest.raises(InvalidInput) as positional:
        team.opportunities.get(theirs.id)
    assert "opportunity_id=" in str(positional.value)
    rep = crm.as_user("li.ming")
    mine = team.opportunities.add(customer_name="Star Tech", summary="Servers", expected_amount=76_000, probability=30)
    crm.as_user("zhang.wei").opportunities.assign(mine["id"], to="li.ming")
    step = rep.opportunities.add_step(mine["id"], TODAY, "Visit")
    team.opportunities.record_result(step_id=step, result="Done")
    with pytest.raises(Conflict):
        team.opportunities.record_result(step_id=step, result="Again")


def test_a_members_language_and_a_wrong_password(team_server):
    crm, url = team_server
    chinese = TeamCRM(url, username="li.ming", password="team-li.ming-2026", language="zh_CN")
    with pytest.raises(NotAllowed) as clock:
        chinese.clock.advance(days=1)
    assert "无权" in str(clock.value) and "Li Ming" in str(clock.value)
    with pytest.raises(NotAllowed) as refused:
        TeamCRM(url, username="li.ming", password="wrong password")
    assert refused.value.status == 401
    with pytest.raises(InvalidInput):
        TeamCRM(url, username="li.ming")


def test_an_unreachable_server_is_a_clear_workspace_error():
    with pytest.raises(WorkspaceError) as gone:
        TeamCRM(f"http://127.0.0.1:{free_port()}", token="x").whoami()
    assert "127.0.0.1" in str(gone.value) and "running" in str(gone.value)


def test_another_program_at_the_address_is_a_clear_workspace_error():
    server, thread, url = serve(PlainTextResponse("<html>a blog</html>"))
    try:
        with pytest.raises(WorkspaceError) as other:
            TeamCRM(url, token="x").whoami()
        assert "not as a CRM Lab team server" in str(other.value)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_on_a_hub_the_notebooks_own_token_is_sent(crm, monkeypatch):
    own = Starlette(routes=api.routes(crm))
    server, thread, url = serve(Guard(PlainTextResponse("the screens"), HubLike(), own, Bindings()))
    try:
        monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
        with pytest.raises(NotAllowed) as no_token:
            TeamCRM.on_hub(url)
        assert "JUPYTERHUB_API_TOKEN" in str(no_token.value)
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-secret")
        assert TeamCRM.on_hub(url + "/").whoami()["username"] == "li.ming"
        monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "someone-else")
        with pytest.raises(NotAllowed):
            TeamCRM.on_hub(url).whoami()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
