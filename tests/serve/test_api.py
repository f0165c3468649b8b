"""`POST api/call` and `api/sql` as members' notebooks use them: the allow-list, every refusal code, data
scopes, arguments of the wrong type — each refused call leaves the workspace as it was.

In-process: Starlette's TestClient against `server.make_app(crm)` (the real guard, gate and routes).
"""
import os

import pytest
from starlette.testclient import TestClient

from crm_engine.sales.opportunities import Opportunities
from crm_engine.serve import server
from crm_engine.serve.api import CALLS
from tests.conftest import TODAY
from tests.engine.helpers import snapshot

PEOPLE = ("admin", "li.ming", "wang.fang", "zhang.wei", "dong.li", "sun.li")


def password(username: str) -> str:
    return f"team-{username}-2026"


@pytest.fixture
def served(crm, monkeypatch):
    """The fixture company served in-process; `login(username)` gives a client logged in as that person."""
    import solara.server.settings
    import solara.settings
    # make_app configures Solara (assets.configure): undone after the test, as tests/serve/test_assets.py
    # expects of every other test (setenv first: monkeypatch then remembers a variable that was absent).
    for name in ("SOLARA_ASSETS_PROXY", "SOLARA_ASSETS_PROXY_CACHE_DIR", "SOLARA_ASSETS_CDN",
                 "SOLARA_TELEMETRY_MIXPANEL_ENABLE", "SOLARA_MODE", "SOLARA_THEME_SHOW_BANNER"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
        if not os.environ[name]:
            monkeypatch.delenv(name)
    for owner, name in ((solara.settings.assets, "proxy"), (solara.settings.assets, "cdn"),
                        (solara.server.settings.assets, "proxy_cache_dir"),
                        (solara.server.settings.telemetry, "mixpanel_enable"), (solara.server.settings.main, "mode"),
                        (solara.server.settings.theme, "show_banner")):
        monkeypatch.setattr(owner, name, getattr(owner, name))
    for username in PEOPLE:
        crm.logins.set_password(username, password(username))
    client = TestClient(server.make_app(crm))

    def login(username: str, language: str = "en") -> TestClient:
        person = TestClient(client.app, headers={"accept-language": "zh-CN" if language == "zh_CN" else "en"})
        answer = person.post("/api/login", json={"username": username, "password": password(username)})
        assert answer.status_code == 200, answer.text
        person.headers["authorization"] = f"Bearer {answer.json()['token']}"
        return person

    return crm, login


def call(client, area, verb, **args):
    return client.post("/api/call", json={"area": area, "verb": verb, "args": args})


def opportunity_of(crm, owner: str) -> int:
    """An opportunity assigned to `owner` (found by a rep, assigned by the supervisor)."""
    opp = crm.as_user(owner).opportunities.add("Lakeside Hotel", f"Notebooks for {owner}", expected_amount=25_000,
                                               probability=30)
    crm.as_user("zhang.wei").opportunities.assign(opp.id, to=owner)
    return opp.id


def test_a_rep_acts_and_reads_through_the_api_as_themselves(served):
    crm, login = served
    rep = login("li.ming")
    added = call(rep, "opportunities", "add", customer_name="Acme Trading", summary="20 notebooks",
                 expected_amount="99800.50", probability=30)
    assert added.status_code == 200, added.text
    body = added.json()
    assert body["type"] == "record"
    opp = body["result"]
    assert (opp["customer_name"], opp["expected_amount"], opp["created_on"]) == ("Acme Trading", 99800.5, TODAY)
    audit = crm.audit.list(kind="opportunity", record_id=opp["id"])
    assert audit[["username", "action"]].values.tolist() == [["li.ming", "create"]]

    listed = call(rep, "opportunities", "list", state="unassigned")
    assert listed.status_code == 200 and listed.json()["type"] == "table"
    table = listed.json()["result"]
    assert opp["id"] in [row[table["columns"].index("id")] for row in table["data"]]
    assert "created_on" in table["dates"]
    assert call(rep, "clock", "today").json() == {"type": "value", "result": TODAY}


@pytest.mark.parametrize("area, verb", [("admin", "add_user"), ("exports", "write"), ("customers", "delete"),
                                        ("opportunities", "_s"), ("customers", "__init__"), ("logins", "list"),
                                        ("nowhere", "list"), ("customers", "handover")])
def test_a_call_outside_the_allow_list_is_a_404_in_the_persons_language(served, area, verb):
    crm, login = served
    before = snapshot(crm)
    for language, words in (("en", "cannot be called"), ("zh_CN", "不能调用")):
        answer = call(login("admin", language), area, verb, customer_id=1, username="x", kind="customers")
        assert answer.status_code == 404, answer.text
        assert words in answer.json()["error"] and f"`{area}.{verb}`" in answer.json()["error"]
    assert snapshot(crm) == before


def test_the_allow_list_names_only_real_facade_verbs(served):
    crm, _ = served
    for area, verbs in CALLS.items():
        for verb in verbs:
            assert callable(getattr(getattr(crm, area), verb)), f"{area}.{verb}"


def test_each_refusal_has_its_status_and_the_engines_message(served):
    crm, login = served
    rep = login("li.ming")
    mine = opportunity_of(crm, "li.ming")
    waiting = crm.as_user("li.ming").opportunities.add("Acme Trading", "A printer", expected_amount=900, probability=10)
    step = crm.as_user("li.ming").opportunities.add_step(mine, TODAY, "Call the buyer")
    crm.as_user("li.ming").opportunities.record_result(step, "Confirmed")
    before = snapshot(crm)
    cases = [
        (400, "InvalidInput", call(rep, "opportunities", "add", customer_name="X", summary="Y", probability=150)),
        (403, "NotAllowed", call(rep, "clock", "advance", days=1)),
        (404, "NotFound", call(rep, "opportunities", "get", opportunity_id=99_999)),
        (409, "Conflict", call(rep, "opportunities", "record_result", step_id=step, result="Again")),
        (403, "TransitionNotAllowed",
         call(rep, "opportunities", "set_stage", opportunity_id=waiting.id, stage="proposal")),
        (403, "NotAllowed", call(rep, "opportunities", "assign", opportunity_id=mine, to="wang.fang")),
    ]
    for status, kind, answer in cases:
        assert (answer.status_code, answer.json()["kind"]) == (status, kind), answer.text
        assert answer.json()["error"] and "Traceback" not in answer.text
    assert snapshot(crm) == before
    assert str(crm.today()) == TODAY
    anonymous = TestClient(rep.app).post("/api/call", json={"area": "clock", "verb": "today"})
    assert anonymous.status_code == 401


def test_the_clock_moves_for_the_director_only(served):
    crm, login = served
    before = snapshot(crm)
    for who in ("li.ming", "zhang.wei", "sun.li"):
        answer = call(login(who), "clock", "advance", days=3)
        assert answer.status_code == 403 and answer.json()["kind"] == "NotAllowed", (who, answer.text)
    assert snapshot(crm) == before
    moved = call(login("dong.li"), "clock", "advance", days=3)
    assert moved.status_code == 200 and moved.json()["result"] == "2026-03-05"
    assert crm.audit.list(kind="clock")["username"].tolist()[-1] == "dong.li"


def test_a_rep_cannot_read_another_reps_opportunity_by_call_or_by_sql(served):
    crm, login = served
    theirs = opportunity_of(crm, "wang.fang")
    rep = login("li.ming")
    refused = call(rep, "opportunities", "get", opportunity_id=theirs)
    assert refused.status_code == 404 and refused.json()["kind"] == "NotFound"
    for verb, args in (("plan", {"opportunity_id": theirs}), ("history", {"opportunity_id": theirs})):
        assert call(rep, "opportunities", verb, **args).status_code == 404
    listed = call(rep, "opportunities", "list").json()["result"]
    assert theirs not in [row[listed["columns"].index("id")] for row in listed["data"]]
    assert call(login("wang.fang"), "opportunities", "get", opportunity_id=theirs).status_code == 200
    sql = rep.post("/api/sql", json={"query": f"SELECT * FROM opportunities WHERE id = {theirs}"})
    assert sql.status_code == 403 and sql.json()["kind"] == "NotAllowed"
    assert "opportunities" in sql.json()["error"]


@pytest.mark.parametrize("verb, args", [
    ("get", {"opportunity_id": "abc"}),
    ("get", {"opportunity_id": [1]}),
    ("add", {"customer_name": "X", "summary": "Y", "probability": "high"}),
    ("add", {"customer_name": 12, "summary": "Y", "probability": 30}),
    ("add", {"customer_name": "X", "summary": "Y", "probability": 30, "expected_amount": {"a": 1}}),
    ("add_step", {"opportunity_id": "MINE", "planned_date": 20260302, "action": "Call"}),
    ("add_step", {"opportunity_id": "MINE", "planned_date": "next week", "action": "Call"}),
    ("set_stage", {"opportunity_id": "MINE", "stage": ["negotiation"]}),
    ("list", {"limit": "ten"}),
    ("list", {"state": 3}),
])
def test_arguments_of_the_wrong_type_are_a_400_and_change_nothing(served, verb, args):
    crm, login = served
    mine = opportunity_of(crm, "li.ming")
    args = {k: (mine if v == "MINE" else v) for k, v in args.items()}
    before = snapshot(crm)
    answer = call(login("li.ming"), "opportunities", verb, **args)
    assert answer.status_code == 400, answer.text
    assert answer.json()["kind"] == "InvalidInput" and "Traceback" not in answer.text
    assert snapshot(crm) == before


def test_unknown_arguments_and_malformed_bodies_are_a_400(served):
    crm, login = served
    rep = login("li.ming")
    before = snapshot(crm)
    unknown = call(rep, "opportunities", "list", colour="red")
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"] and "state" in unknown.json()["error"]
    missing = call(rep, "opportunities", "get")
    assert missing.status_code == 400 and "opportunity_id" in missing.json()["error"]
    for body in ([], "x", {"area": "opportunities"}, {"area": 1, "verb": "list"},
                 {"area": "opportunities", "verb": "list", "args": [1]}):
        assert rep.post("/api/call", json=body).status_code == 400, body
    assert rep.post("/api/call", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
    for path, field in (("/api/call", "area"), ("/api/sql", "query")):
        huge = rep.post(path, json={field: "x" * (2 << 20)})
        assert huge.status_code == 413 and "KB" in huge.json()["error"]
    assert rep.post("/api/sql", json={"query": 7}).status_code == 400
    assert snapshot(crm) == before


def test_an_engine_bug_is_a_500_with_one_line(served, monkeypatch):
    crm, login = served

    def broken(self, **filters):
        raise KeyError("owner_id")
    monkeypatch.setattr(Opportunities, "list", broken)
    answer = call(login("li.ming"), "opportunities", "list")
    assert answer.status_code == 500
    assert answer.json()["kind"] == "Bug" and "KeyError" in answer.json()["error"]
    assert "\n" not in answer.json()["error"] and "Traceback" not in answer.text
