"""A team runs one company (issue #23), in real browsers: `crm-lab serve` on a fresh demo workspace,
each person in a Chromium context of their own (Debian's Chromium, offline: every request to a host
other than 127.0.0.1 is aborted, and there must be none).

- live: the supervisor assigns an opportunity through the screens and the account manager's open
  list shows it within 1 s, without a reload; the rep's change shows in the supervisor's open record;
- the clock is the instructor's: the administrator advances it and the rep's header follows; the rep
  has no clock control and the engine refuses the rep's call too;
- tampering: another rep's record by its address shows the engine's refusal and none of its data;
  a handshake to another person's page is refused; forged and logged-out cookies get nothing;
- passwords: a wrong one is refused, five lock the name out (even the right password) for a while;
- the login form and the app in Chinese show no English labels.

The measured live-update times are printed (run with `-s` to see them).
"""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from crm_engine import i18n
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_screens import codes, raw_words
from tests.conftest import free_port, need

pytestmark = pytest.mark.slow
ROOT = pathlib.Path(__file__).parents[2]
SUPERVISOR, REP, OTHER_REP, ADMIN = "zhang.wei", "li.ming", "wang.fang", "admin"
LOCKED = "chen.hua"          # the name the throttling test locks out (no other test logs in as him)
LIVE = 1_000                 # ms: how soon another person's open view must show a change


def password(username: str) -> str:
    return f"pw-{username}-2026"


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "crm_engine.cli", *map(str, args)], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def team(tmp_path_factory, browser):
    """A fresh demo company served on 127.0.0.1, every user with a password; yields the URL and the facts
    the tests need (read before the server opens the file: it is then the only process with it open)."""
    from crm_engine import CRM
    from crm_engine.serve import assets

    gone = assets.missing()
    need(f"the team server's page assets are not fetched ({', '.join(a.label for a in gone)}): fetch them "
         "with `python -m crm_engine.serve.assets` (./crmlab.sh start does)" if gone else None)
    folder = tmp_path_factory.mktemp("team")
    path = folder / "demo.duckdb"
    cli("demo", path)
    crm = CRM.open(str(path))
    try:
        for username in crm.admin.users()["username"]:
            crm.logins.set_password(username, password(username))
        mine = crm.as_user(SUPERVISOR).opportunities.list(state="unassigned", limit=100)
        target = mine[mine["owner_name"] == crm.as_user(SUPERVISOR).user.name].iloc[0]
        theirs = crm.as_user(OTHER_REP).opportunities.list(state="assigned", limit=1).iloc[0]
        facts = {"target": int(target.id), "target_name": target.customer_name,
                 "theirs": int(theirs.id), "theirs_name": theirs.customer_name,
                 "theirs_summary": theirs.summary, "today": crm.today().isoformat()}
    finally:
        crm.close()
    port = free_port()
    log = open(folder / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "crm_engine.cli", "serve", str(path), "--port", str(port)],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(f"{url}/login", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.25)
    else:
        server.kill()
    if server.poll() is not None:
        pytest.fail("crm-lab serve did not start: " + (folder / "server.log").read_text()[-3000:])
    outside: list[str] = []
    yield {"url": url, "facts": facts, "outside": outside, "browser": browser, "log": folder / "server.log"}
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    assert outside == [], f"requests to other hosts (aborted): {outside[:5]}"


def context_of(team, **kwargs):
    """A browser context of its own (its own cookies): offline, every other host aborted and noted."""
    context = team["browser"].new_context(viewport={"width": 1400, "height": 1000}, **kwargs)

    def route(request_route):
        if urlsplit(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:
            team["outside"].append(request_route.request.url)
            request_route.abort()
    context.route("**/*", route)
    return context


def login(team, username: str, path: str = "/", lang: str | None = None):
    """A page logged in as `username` through the login form, showing `path`; `page.sockets` lists the
    websocket URLs it opened."""
    context = context_of(team)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.sockets = []
    page.on("websocket", lambda socket: page.sockets.append(socket.url))
    page.goto(team["url"] + path + (f"?lang={lang}" if lang else ""))
    page.fill("#username", username)
    page.fill("#password", password(username))
    page.click("button[type=submit]")
    page.locator(".crm-app").wait_for(timeout=120_000)
    return page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"team_{name}.png"), full_page=True)


def cookie_of(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "crm_lab_session")


def get(team, path: str, cookie: str | None = None):
    """(status, body, final URL) of a plain HTTP request, no browser."""
    request = urllib.request.Request(team["url"] + path,
                                     headers={"Cookie": f"crm_lab_session={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.url
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.url


def post_json(team, path: str, body: dict, cookie: str):
    request = urllib.request.Request(team["url"] + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Cookie": f"crm_lab_session={cookie}",
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def search(page, text: str) -> None:
    """Type `text` into the open list's search box and wait for the list to answer (its page count)."""
    from playwright.sync_api import expect
    pager = page.locator(".crm-kit-list .crm-page").filter(visible=True).first
    before = pager.inner_text()
    page.locator(".crm-kit-list input").filter(visible=True).first.fill(text)
    expect(pager).not_to_have_text(before, timeout=30_000)


def choose(page, field: str, option: str) -> None:
    """Pick `option` in the open form's select `field` (a Vuetify menu)."""
    page.locator(f".crm-action-form .crm-field-{field}").click()
    page.locator(".v-overlay-container .v-list-item", has_text=option).first.click()


def act(page, action: str, fill=None) -> tuple[str, float]:
    """Press a record page's action, fill its form (`fill(page)`), confirm: (the confirmation's text,
    when Confirm was clicked)."""
    page.locator(f".crm-record button.crm-action-{action}").click()
    if fill is not None:
        fill(page)
    clicked = time.perf_counter()
    page.locator(".crm-record .crm-action-form button").first.click()
    done = page.locator(".crm-record .crm-message.crm-ok").first
    done.wait_for(timeout=30_000)
    return done.inner_text(), clicked


def seen_within(page, locator, returned: float, clicked: float, what: str) -> None:
    """Wait at most `LIVE` ms after the action returned (its confirmation showed) until `locator` shows
    in another person's page; prints the time from the action's return and from its click."""
    locator.wait_for(timeout=LIVE)
    now = time.perf_counter()
    print(f"\nLIVE {what}: {(now - returned) * 1000:.0f} ms after the action returned, "
          f"{(now - clicked) * 1000:.0f} ms after its click")


def test_an_assignment_and_the_reps_answer_reach_the_other_persons_open_views_within_a_second(team):
    facts = team["facts"]
    boss = login(team, SUPERVISOR, "/opportunities")
    rep = login(team, REP, "/opportunities")
    name = facts["target_name"]
    # the served page: the company as its title, header → menu → module (the module once), no banner
    assert boss.title() == "Star Computer Distribution Co."
    header, menu = boss.locator(".crm-today").bounding_box(), boss.locator(".crm-menu").bounding_box()
    lists = boss.locator(".crm-kit-list")
    assert lists.count() == 1 and header["y"] < menu["y"] < lists.first.bounding_box()["y"]
    assert "runs on Solara" not in boss.locator("body").inner_text()
    boss.set_viewport_size({"width": 760, "height": 1000})     # a narrow window: nothing scrolls sideways
    boss.wait_for_timeout(500)
    assert boss.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    boss.set_viewport_size({"width": 1400, "height": 1000})
    search(rep, name)                                     # the rep's list: not his (yet)
    rep.locator(".crm-kit-list .crm-empty").filter(visible=True).first.wait_for()

    search(boss, name)
    boss.locator("tr.crm-row", has_text=name).first.click()
    boss.locator(".crm-record").wait_for()
    said, clicked = act(boss, "assign", lambda page: choose(page, "assignee", "Li Ming"))
    returned = time.perf_counter()                         # the supervisor's action has returned
    assert "Li Ming" in said
    row = rep.locator("tr.crm-row", has_text=name).filter(has_text="Assigned").first
    seen_within(rep, row, returned, clicked, "supervisor assigns → rep's open list")
    assert rep.url.endswith("/opportunities")             # no reload, no navigation

    # the other way: the rep sets the stage's probability; the supervisor's open record shows it
    row.click()
    rep.locator(".crm-record").wait_for()
    assert rep.url.endswith(f"/opportunities/{facts['target']}")     # the address follows the record

    def probability(page):
        page.locator(".crm-action-form .crm-field-probability input").fill("37")
    assert "37 %" not in boss.locator(".crm-record").inner_text()
    _said, clicked = act(rep, "set_stage", probability)
    returned = time.perf_counter()
    seen_within(boss, boss.locator(".crm-record", has_text="37 %"), returned, clicked,
                "rep sets the stage → supervisor's open record")
    rep.go_back()                                         # the browser's back button: the list again
    rep.locator("tr.crm-row", has_text=name).first.wait_for()
    assert rep.url.endswith("/opportunities") and rep.locator(".crm-record").count() == 0
    shot(boss, "supervisor_after_rep")
    shot(rep, "rep_after_assignment")
    boss.context.close()
    rep.context.close()


def test_only_the_instructor_moves_the_clock_and_everyone_sees_the_new_date(team):
    facts = team["facts"]
    rep = login(team, REP)
    label = i18n.translate("field.today", "en")
    header = rep.locator(".crm-today")
    assert facts["today"] in header.inner_text()
    assert rep.get_by_role("button", name=i18n.translate("ui.advance_clock", "en")).filter(visible=True).count() == 0

    admin = login(team, ADMIN)
    clicked = time.perf_counter()
    admin.get_by_role("button", name=i18n.translate("ui.advance_clock", "en")).click()
    admin.locator(".crm-app > .crm-message.crm-ok, .crm-app .crm-ok").first.wait_for(timeout=120_000)
    started = time.perf_counter()
    new_day = admin.locator(".crm-today").inner_text()
    assert facts["today"] not in new_day and label in new_day
    seen_within(rep, rep.locator(".crm-today", has_text=new_day.split(":")[-1].strip()), started, clicked,
                "administrator advances the clock → rep's header")

    # the engine refuses the rep's clock too (the members' API runs the same verb as the rep)
    status, body = post_json(team, "/api/call", {"area": "clock", "verb": "advance", "args": {"days": 1}},
                             cookie_of(rep))
    admin.context.close()
    rep.context.close()
    if status == 404 and not body.startswith("{"):
        pytest.skip("api/call is not served (yet): the engine's own refusal was not tried over the API")
    assert status == 403 and json.loads(body)["kind"] == "NotAllowed", (status, body)


def test_a_rep_cannot_reach_another_reps_records_or_another_persons_page(team):
    facts = team["facts"]
    boss = login(team, SUPERVISOR)
    rep = login(team, REP, f"/opportunities/{facts['theirs']}")
    refusal = rep.locator(".crm-message.crm-error").first
    refusal.wait_for()
    assert "does not exist or is not one you may see" in refusal.inner_text()
    text = rep.locator(".crm-app").inner_text()
    assert facts["theirs_name"] not in text and facts["theirs_summary"] not in text
    assert rep.url.endswith(f"/opportunities/{facts['theirs']}")           # the address stays
    shot(rep, "rep_refused_record")

    # nor through the members' API: crm.sql reads whole tables only where every row is the rep's
    status, body = post_json(team, "/api/sql", {"query": f"SELECT * FROM opportunities WHERE id = {facts['theirs']}"},
                             cookie_of(rep))
    assert status == 403 and json.loads(body)["kind"] == "NotAllowed" and facts["theirs_name"] not in body

    # a handshake to the supervisor's page (its kernel), from the rep's browser with the rep's cookie
    kernel = next(re.search(r"kernels/([^/]+)/", url)[1] for url in boss.sockets if "kernels/" in url)
    outcome = rep.evaluate("""url => new Promise(done => {
        const seen = {opened: false, frames: 0};
        const socket = new WebSocket(url);
        socket.onopen = () => { seen.opened = true; };
        socket.onmessage = () => { seen.frames += 1; };
        socket.onclose = event => done({...seen, code: event.code});
        setTimeout(() => done({...seen, code: 'timeout'}), 10000);
    })""", f"{team['url'].replace('http', 'ws')}/jupyter/api/kernels/{kernel}/channels?session_id=tamper")
    assert outcome["opened"] is False and outcome["frames"] == 0, outcome
    # …while the supervisor's own page still works (the refusal was the binding, not a broken server)
    boss.locator(".crm-app").wait_for()
    assert get(team, f"/jupyter/api/kernels/{kernel}", cookie_of(rep))[0] == 403      # nor over HTTP

    # the cookie is the person: the supervisor's cookie says the supervisor; a forged one says nobody
    status, body, _ = get(team, "/api/whoami", cookie_of(boss))
    assert status == 200 and json.loads(body)["username"] == SUPERVISOR
    status, body, _ = get(team, "/api/whoami", cookie_of(rep))
    assert status == 200 and json.loads(body)["username"] == REP
    forged = context_of(team)
    forged.add_cookies([{"name": "crm_lab_session", "value": "forged-" + cookie_of(rep)[7:],
                         "url": team["url"]}])
    page = forged.new_page()
    page.goto(team["url"] + f"/opportunities/{facts['theirs']}")
    page.locator("#username").wait_for()
    assert "/login" in page.url and facts["theirs_name"] not in page.content()
    assert get(team, "/api/whoami", "forged-" + cookie_of(rep)[7:])[0] == 401
    forged.close()
    boss.context.close()
    rep.context.close()


def test_wrong_passwords_are_refused_and_rate_limited_and_a_logout_ends_the_session(team):
    context = context_of(team)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(team["url"] + "/")
    refused = i18n.translate("serve.login_refused", "en")
    throttled = "Too many failed logins"
    statuses = []
    for attempt in range(5):
        page.fill("#username", LOCKED)
        page.fill("#password", f"guess-{attempt}")
        with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url) as answer:
            page.click("button[type=submit]")
        statuses.append(answer.value.status)
        said = page.locator(".alert").inner_text()
        assert (refused if attempt < 4 else throttled) in said, (attempt, said)
    assert statuses == [401, 401, 401, 401, 429], statuses
    page.fill("#username", LOCKED)                         # now even the right password waits
    page.fill("#password", password(LOCKED))
    with page.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url) as answer:
        page.click("button[type=submit]")
    assert answer.value.status == 429 and throttled in page.locator(".alert").inner_text()
    assert page.locator(".crm-app").count() == 0
    context.close()

    # a logout ends the session: the old cookie no longer opens anything
    rep = login(team, REP)
    old = cookie_of(rep)
    assert get(team, "/api/whoami", old)[0] == 200
    rep.get_by_text(i18n.translate("serve.log_out", "en")).click()
    rep.locator("#username").wait_for()
    assert get(team, "/api/whoami", old)[0] == 401
    status, _body, landed = get(team, "/opportunities", old)
    assert urlsplit(landed).path == "/login", landed
    rep.context.close()


def english_labels(text: str) -> list[str]:
    """English texts of our i18n (two words or more, with no Chinese text of their own) found in `text`."""
    found = []
    for texts in i18n.catalog().values():
        english = texts.get("en", "")
        if "{" in english or len(english.split()) < 2 or english == texts.get("zh_CN"):
            continue
        if english in text:
            found.append(english)
    return found


def test_the_login_form_and_the_app_in_chinese_show_no_english_labels(team):
    known = codes()
    context = context_of(team)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(team["url"] + "/login?lang=zh_CN")
    form = page.locator("main").inner_text()
    assert "登录" in form and english_labels(form) == [] and raw_words(form, "zh_CN", known) == []
    page.fill("#username", REP)
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    alert = page.locator(".alert").inner_text()
    assert i18n.translate("serve.login_refused", "zh_CN") in alert
    context.close()

    rep = login(team, REP, "/opportunities", lang="zh_CN")   # the app opens in the form's language
    rep.locator(".crm-today", has_text="情景日期").wait_for()
    rep.locator("tr.crm-row").first.wait_for()
    rep.get_by_text("English", exact=True).click()           # the app's language toggle, there and back
    rep.locator(".crm-today", has_text="Scenario date").wait_for()
    rep.get_by_text("简体中文", exact=True).click()
    rep.locator(".crm-today", has_text="情景日期").wait_for()
    rep.wait_for_timeout(1500)
    # our labels only: the demo's records (table rows) are in the language the demo was made in
    text = rep.locator(".crm-app").evaluate("""app => {
        const copy = app.cloneNode(true);
        copy.querySelectorAll('tbody').forEach(rows => rows.remove());
        document.body.appendChild(copy);
        const text = copy.innerText;
        copy.remove();
        return text;
    }""")
    shot(rep, "rep_in_chinese")
    company = "Star Computer Distribution Co."                # the demo company's name: data
    assert company in text
    text = text.replace(company, "")
    assert english_labels(text) == [] and raw_words(text, "zh_CN", known) == [], (
        english_labels(text), raw_words(text, "zh_CN", known), text[:2000])
    rep.context.close()
