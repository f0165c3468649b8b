"""The standalone password gate (crm_engine/serve/gate.py) in the real served app, without a browser:
logging in, being refused, being throttled, where a login may send you, sessions for scripts, logout."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from crm_engine.serve.server import make_app

pytestmark = pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
PASSWORD = "correct horse battery"


@pytest.fixture
def client(crm):
    crm.logins.set_password("li.ming", PASSWORD)
    crm.logins.set_password("zhang.wei", PASSWORD + " 2")
    return TestClient(make_app(crm), base_url="http://127.0.0.1:8765")


def log_in(client, username, password, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra}, follow_redirects=False)


def test_the_login_form_in_both_languages(client):
    english = client.get("/login")
    assert english.status_code == 200 and 'name="password"' in english.text and "User name" in english.text
    chinese = client.get("/login?lang=zh_CN")
    assert "用户名" in chinese.text and "密码" in chinese.text and "User name" not in chinese.text
    assert "用户名" in client.get("/login", headers={"accept-language": "zh-CN,zh;q=0.9"}).text


def test_a_right_password_opens_a_session_in_an_httponly_cookie(client):
    response = log_in(client, "li.ming", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "crm_lab_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/api/whoami").json()["username"] == "li.ming"


@pytest.mark.parametrize("username, password", [
    ("li.ming", "wrong password"), ("li.ming", ""), ("nobody", PASSWORD), ("", ""),
    ("li.ming", PASSWORD + " 2"),            # another user's password
    ("LI.MING ", PASSWORD.upper()),
])
def test_a_wrong_login_is_refused_with_the_same_message_and_no_session(client, username, password):
    response = log_in(client, username, password)
    assert response.status_code == 401
    assert "Wrong user name or password" in response.text and "crm_lab_session" not in response.headers.get("set-cookie", "")
    assert client.get("/api/whoami").status_code == 401


def test_five_wrong_passwords_lock_the_name_even_against_the_right_one(client):
    for _ in range(4):
        assert log_in(client, "li.ming", "guess guess").status_code == 401
    locked = log_in(client, "li.ming", "guess guess")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 200
    assert "Too many failed logins" in locked.text
    assert log_in(client, "li.ming", PASSWORD).status_code == 429
    # Another name is not locked by li.ming's guesser.
    assert log_in(client, "zhang.wei", PASSWORD + " 2").status_code == 303


def test_the_api_login_is_throttled_alike_and_gives_a_bearer_token(client):
    for _ in range(5):
        client.post("/api/login", json={"username": "zhang.wei", "password": "nope nope"})
    refused = client.post("/api/login", json={"username": "zhang.wei", "password": PASSWORD + " 2"})
    assert refused.status_code == 429 and "Too many failed logins" in refused.json()["error"]
    token = client.post("/api/login", json={"username": "li.ming", "password": PASSWORD}).json()["token"]
    fresh = TestClient(client.app, base_url="http://127.0.0.1:8765")
    assert fresh.get("/api/whoami", headers={"authorization": f"Bearer {token}"}).json()["username"] == "li.ming"
    assert fresh.get("/api/whoami", headers={"authorization": "Bearer forged"}).status_code == 401


@pytest.mark.parametrize("body", [b"", b"[]", b"{\"username\": \"li.ming\"}", b"not json", b"{\"username\": 1}"])
def test_a_malformed_api_login_gets_a_clear_refusal(client, body):
    response = client.post("/api/login", content=body, headers={"content-type": "application/json"})
    assert response.status_code in (400, 401) and "error" in response.json()


@pytest.mark.parametrize("target, lands", [
    ("/opportunities", "/opportunities"), ("/service?tab=2", "/service?tab=2"),
    ("http://evil.example/", "/"), ("//evil.example/x", "/"), ("/\\evil.example", "/"), ("", "/"),
])
def test_after_logging_in_you_land_only_on_this_app(client, target, lands):
    assert log_in(client, "li.ming", PASSWORD, next=target).headers["location"] == lands


def test_an_anonymous_page_is_sent_to_the_login_form_and_back(client):
    response = client.get("/opportunities", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/opportunities"


def test_logout_ends_the_session(client):
    log_in(client, "li.ming", PASSWORD)
    stolen = client.cookies.get("crm_lab_session")
    client.get("/logout", follow_redirects=False)
    thief = TestClient(client.app, base_url="http://127.0.0.1:8765", cookies={"crm_lab_session": stolen})
    assert thief.get("/api/whoami").status_code == 401


def test_a_huge_login_form_is_not_read(client):
    response = client.post("/login", content=b"username=li.ming&password=" + b"x" * 100_000,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401


def test_a_user_who_left_cannot_log_in(client, crm):
    crm.admin.add_user("gao.yi", "Gao Yi", role="account_manager")
    crm.logins.set_password("gao.yi", PASSWORD)
    assert log_in(client, "gao.yi", PASSWORD).status_code == 303
    crm.admin.deactivate_user("gao.yi")
    assert log_in(TestClient(client.app, base_url="http://127.0.0.1:8765"), "gao.yi", PASSWORD).status_code == 401


def test_a_new_password_or_a_user_who_left_ends_their_sessions_and_no_one_elses(client, crm):
    crm.admin.add_user("gao.yi", "Gao Yi", role="account_manager")
    crm.logins.set_password("gao.yi", PASSWORD)
    people = {}
    for username, password in (("li.ming", PASSWORD), ("zhang.wei", PASSWORD + " 2"), ("gao.yi", PASSWORD)):
        people[username] = TestClient(client.app, base_url="http://127.0.0.1:8765")
        assert log_in(people[username], username, password).status_code == 303
    crm.logins.set_password("li.ming", "a brand new password")
    assert people["li.ming"].get("/api/whoami").status_code == 401
    assert people["zhang.wei"].get("/api/whoami").status_code == 200
    crm.admin.deactivate_user("gao.yi")
    assert people["gao.yi"].get("/api/whoami").status_code == 401
    assert people["zhang.wei"].get("/api/whoami").status_code == 200
    crm.logins.clear_password("zhang.wei")
    assert people["zhang.wei"].get("/api/whoami").status_code == 401
