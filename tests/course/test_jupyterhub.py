"""A real JupyterHub running CRM Lab with the shipped `jupyterhub_config.py`, end to end.

The hub starts on 127.0.0.1 from this virtual environment, with `configurable-http-proxy` (npm; `./crmlab.sh
test` installs it into `.venv/node`), the idle culler and the course's formgrader service exactly as the
example configures them. A test configuration loads the example and overrides only what a test machine
cannot have:

- PAM logins of Unix accounts → `SharedPasswordAuthenticator` (a user password, an admin password for the
  instructors); the roster, the instructors and the admins still come from the example;
- one Unix account per student → `SimpleLocalProcessSpawner` with a home per user in a temporary folder
  (every process runs as the test's user, hence `--allow-root`);
- the grading account `grader-crm-lab` → the service runs as the test's user with a temporary home;
- `/etc/jupyter/nbgrader_config.py` (docs/jupyterhub.md) → a folder on `JUPYTER_CONFIG_PATH`;
- nbgrader reads a student's id from the Unix account owning the process: each test home's
  `~/.jupyter/nbgrader_config.py` names its user instead (CRM Lab itself takes `$USER`, as on the hub).

Everything else — the single-user command and environment, `default_url`, the culler's role, the
`formgrade-crm-lab` group and role, the `server` role that lets a server ask the hub for its owner's
services, the service's OAuth — is the example's, and the checks below fail if it is wrong.
The team's CRM (`crm-lab serve WORKSPACE --hub`, one managed service per line of the example's teams file)
runs from the example's command too, over a team workspace made before the hub starts.
Students and instructors log in through the hub's REST API with their password and use the API token
it gives them, as a script or JupyterLab's token page would; the instructor also logs in through the
login form, as in a browser.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.conftest import free_port, need

from .nbgrader_helpers import COURSE_ID, REPO, SOURCE, environ

pytestmark = pytest.mark.slow

ASSIGNMENT = "a1_opportunity"
STUDENT, OTHER_STUDENT, INSTRUCTOR = "s101", "s102", "teacher"
UNLINKED = "s103"                      # in the team, not linked to a CRM user of its workspace
TEAM = "crm-team-1"                    # the team's CRM server, a managed service
USER_PASSWORD = "crm-lab-student-pw"
ADMIN_PASSWORD = "crm-lab-instructor-password-for-the-test"   # SharedPasswordAuthenticator wants ≥ 32
TEST_TOKEN = uuid.uuid4().hex
VENV = pathlib.Path(sys.prefix)
PROXY_HOME = VENV / "node" / "node_modules" / ".bin" / "configurable-http-proxy"   # where crmlab.sh puts it


def _missing() -> str | None:
    """Why a hub cannot run here, or None."""
    import importlib.util

    for module, package in (("jupyterhub", "jupyterhub"), ("jupyterhub_idle_culler", "jupyterhub-idle-culler")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed in {VENV} (pip install -e '.[dev]'; ./crmlab.sh test does it)"
    node = shutil.which("node")
    if not node:
        return "Node.js is not installed (configurable-http-proxy 5 needs node ≥ 20)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    if int(re.match(r"v?(\d+)", version or "v0").group(1)) < 20:
        return f"Node.js {version} is too old (configurable-http-proxy 5 needs node ≥ 20)"
    if not _proxy():
        return ("configurable-http-proxy is not installed (./crmlab.sh test runs "
                "`npm install --prefix .venv/node configurable-http-proxy@5`)")
    return None


def _proxy() -> str | None:
    return str(PROXY_HOME) if PROXY_HOME.exists() else shutil.which("configurable-http-proxy")


def _require_hub():
    need(_missing())


TEST_CONFIG = '''\
"""The shipped example, then what a test machine cannot have (see tests/course/test_jupyterhub.py)."""
c = get_config()  # noqa: F821
load_subconfig({shipped!r})  # noqa: F821

c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {user_password!r}
c.SharedPasswordAuthenticator.admin_password = {admin_password!r}

c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.Spawner.args = ["--allow-root"]
c.Spawner.environment = dict(c.Spawner.environment, JUPYTER_CONFIG_PATH={etc!r})

c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = "{state}/jupyterhub-proxy.pid"

grading = next(s for s in c.JupyterHub.services if s["name"] == {course!r})
del grading["user"]                       # no Unix account grader-crm-lab here
grading["cwd"] = {grader_home!r}
grading["command"] = grading["command"] + ["--allow-root"]
grading["environment"] = dict(grading["environment"], HOME={grader_home!r}, JUPYTER_CONFIG_PATH={etc!r},
                              CRM_LAB_COURSE_ROOT={course_root!r})

# The team's CRM server (docs/jupyterhub.md, "A team's shared company"): no grading account either.
for team in c.JupyterHub.services:
    if team["name"] == {team!r}:
        del team["user"]
        team["cwd"] = {grader_home!r}
        team["environment"] = dict(team["environment"], HOME={grader_home!r}, **{team_env!r})
        team["command"] = {team_command!r} or team["command"]

# The test's own handle on the hub: start and stop servers, read what the config created.
c.JupyterHub.services.append({{"name": "crm-lab-test", "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{"name": "crm-lab-test", "services": ["crm-lab-test"],
                                 "scopes": ["admin:users", "admin:servers", "admin:groups", "read:services",
                                            "list:services", "read:roles"]}})
'''


class Hub:
    """A running hub: its public URL, the test's API token, the users' tokens, the folders."""

    def __init__(self, base: pathlib.Path):
        self.base = base
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.homes = base / "home"
        self.grader_home = base / "grader"
        self.etc = base / "etc-jupyter"
        self.state = base / "hub"
        self.log = base / "hub.log"
        self.tokens: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    # -- HTTP through the proxy, as a user would ------------------------------------------------------------
    def request(self, method: str, path: str, token: str | None = None, **kwargs):
        import requests

        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"token {token}"
        kwargs.setdefault("timeout", 60)
        return requests.request(method, self.url + path, headers=headers, **kwargs)

    def json(self, method: str, path: str, token: str | None = None, **kwargs):
        """The JSON answer of a request that must succeed (else: its status and text)."""
        answer = self.request(method, path, token, **kwargs)
        try:
            assert answer.status_code < 400
            return answer.json()
        except (AssertionError, ValueError):
            pytest.fail(f"{method} {path} → {answer.status_code} {answer.url}:\n{answer.text[:1500]}")

    def api(self, method: str, path: str, token: str | None = None, **kwargs):
        return self.request(method, "/hub/api" + path, TEST_TOKEN if token is None else token, **kwargs)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log.read_text("utf-8", errors="replace")[-chars:] if self.log.exists() else ""

    def wait(self, what: str, check, timeout: float = 90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                pytest.fail(f"JupyterHub exited ({self.process.returncode}) while waiting for {what}:\n"
                            + self.log_tail())
            try:
                result = check()
            except OSError:
                result = None
            if result:
                return result
            time.sleep(0.3)
        pytest.fail(f"timed out after {timeout} s waiting for {what}:\n" + self.log_tail())

    def login(self, name: str, password: str):
        """POST /hub/api/users/<name>/tokens with the password: the hub's REST login; returns the response."""
        return self.api("POST", f"/users/{name}/tokens", token="",
                        json={"auth": {"username": name, "password": password}, "note": "crm-lab test login"})

    def start_server(self, name: str) -> None:
        started = self.api("POST", f"/users/{name}/server", token=self.tokens[name])
        assert started.status_code in (201, 202), started.text

    def server_ready(self, name: str) -> bool:
        model = self.api("GET", f"/users/{name}").json()
        return bool(model.get("servers", {}).get("", {}).get("ready"))


def _make_course(hub: Hub) -> tuple[pathlib.Path, pathlib.Path]:
    """The layout of docs/jupyterhub.md: the course root in the grading account's home (the formgrader
    insists on a course inside the folder its server serves), the exchange outside, world-writable."""
    root, exchange = hub.grader_home / COURSE_ID, hub.base / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    shutil.copytree(SOURCE, root / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.duckdb*", "*.crm*"))
    config = (REPO / "nbgrader_config.py").read_text("utf-8")
    (root / "nbgrader_config.py").write_text(config + f"\nc.Exchange.root = {str(exchange)!r}\n", "utf-8")
    return root, exchange


TEAM_USER = "li.ming"   # the CRM user (an account manager of the test company) the student is linked to


def _make_team_workspace(hub: Hub) -> None:
    """The team's workspace, its member linked to a CRM user, before the hub starts its server (the
    server is then the file's only writer)."""
    from crm_engine.crm import CRM
    from tests.conftest import TODAY, build_company

    hub.team_workspace.parent.mkdir(parents=True)
    with CRM.create(hub.team_workspace, today=TODAY) as crm:
        build_company(crm)
        crm.logins.link_hub(STUDENT, TEAM_USER)


def _team_server(hub: Hub) -> tuple[list | None, dict]:
    """The team service's command (None: the example's `crm-lab serve WORKSPACE --hub --port N`) and
    extra environment (this checkout's crm_engine first, as for the test itself)."""
    return None, {"PYTHONPATH": str(REPO)}


def _write_setup(hub: Hub, course_root: pathlib.Path, exchange: pathlib.Path) -> pathlib.Path:
    hub.state.mkdir()
    # /etc/jupyter/nbgrader_config.py of docs/jupyterhub.md: the course and the exchange, for every account.
    hub.etc.mkdir()
    (hub.etc / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(exchange)!r}\n", "utf-8")
    # The grading account's ~/.jupyter/nbgrader_config.py: where its course root is.
    (hub.grader_home / ".jupyter").mkdir()
    (hub.grader_home / ".jupyter" / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(course_root)!r}\n", "utf-8")
    # Stand-in for one Unix account per student (nbgrader takes the student id from the process owner).
    for name in (STUDENT, OTHER_STUDENT, INSTRUCTOR):
        (hub.homes / name / ".jupyter").mkdir(parents=True)
        (hub.homes / name / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.student_id = {name!r}\n", "utf-8")
    roster = hub.base / "students.txt"
    roster.write_text(f"# the class list\n{STUDENT}\n{OTHER_STUDENT}  # second student\n{UNLINKED}\n", "utf-8")
    hub.team_port = free_port()
    hub.teams = hub.base / "teams.txt"
    hub.team_workspace = hub.grader_home / "teams" / "team-1.duckdb"
    _make_team_workspace(hub)
    hub.teams.write_text(f"# the teams\n{TEAM} {hub.team_workspace} {hub.team_port} {STUDENT} {UNLINKED}\n", "utf-8")
    team_command, team_env = _team_server(hub)
    config = hub.base / "jupyterhub_test_config.py"
    config.write_text(TEST_CONFIG.format(
        shipped=str(REPO / "jupyterhub_config.py"), user_password=USER_PASSWORD, admin_password=ADMIN_PASSWORD,
        homes=str(hub.homes), etc=str(hub.etc), hub_port=free_port(), state=str(hub.state), proxy=_proxy(),
        proxy_api_port=free_port(), course=COURSE_ID, grader_home=str(hub.grader_home),
        course_root=str(course_root), token=TEST_TOKEN, team=TEAM, team_command=team_command,
        team_env=team_env), "utf-8")
    return roster


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The hub with the course released, the student and the instructor logged in, their servers running."""
    _require_hub()
    import psutil

    base = tmp_path_factory.mktemp("jupyterhub")
    hub = Hub(base)
    course_root, exchange = _make_course(hub)
    roster = _write_setup(hub, course_root, exchange)
    env = dict(os.environ, CRM_LAB_VENV=str(VENV), CRM_LAB_ROSTER=str(roster), CRM_LAB_INSTRUCTORS=INSTRUCTOR,
               CRM_LAB_HUB_URL=hub.url, CRM_LAB_GRADER_URL=f"http://127.0.0.1:{free_port()}",
               CRM_LAB_COURSE_ID=COURSE_ID, CRM_LAB_LANGUAGE="zh_CN", CRM_LAB_CULL_IDLE="1",
               CRM_LAB_TEAMS=str(hub.teams))
    log = open(hub.log, "w")
    hub.process = subprocess.Popen([str(VENV / "bin" / "jupyterhub"), "-f", str(base / "jupyterhub_test_config.py")],
                                   cwd=hub.state, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        # The instructor releases the assignment while the hub starts (nbgrader, in the course root).
        from crm_engine.course import instructor as course_admin
        with environ(JUPYTER_CONFIG_DIR=str(base / "jupyter"), JUPYTER_DATA_DIR=str(base / "jupyter-data"),
                     CRM_LAB_STUDENT=None, NBGRADER_EXECUTION=None):
            course_admin.release(ASSIGNMENT, root=course_root)
        hub.wait("the hub's API", lambda: hub.api("GET", "/", timeout=5).status_code == 200)
        for name, password in ((STUDENT, USER_PASSWORD), (INSTRUCTOR, ADMIN_PASSWORD)):
            answer = hub.login(name, password)
            assert answer.status_code == 201, (name, answer.status_code, answer.text)
            hub.tokens[name] = answer.json()["token"]
        for name in (STUDENT, INSTRUCTOR):
            hub.start_server(name)
        for name in (STUDENT, INSTRUCTOR):
            hub.wait(f"{name}'s server", lambda name=name: hub.server_ready(name), timeout=120)
        hub.course_root, hub.exchange = course_root, exchange
        yield hub
    finally:
        _stop(hub, psutil)
        log.close()


def _stop(hub: Hub, psutil) -> None:
    """Stop the users' servers through the API, then the hub (which stops the proxy and the services);
    whatever it started and is still alive after that is killed — no process outlives the test."""
    process = hub.process
    if process is None:
        return
    try:
        started = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        started = []
    started += [p for p in _working_in(hub.base, psutil) if p.pid not in {c.pid for c in started}]
    if process.poll() is None:
        for name in hub.tokens:
            try:
                hub.api("DELETE", f"/users/{name}/server", timeout=30)
            except OSError:
                pass
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for child in started:
        try:
            if child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
                child.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(started, timeout=10)


def _working_in(base: pathlib.Path, psutil) -> list:
    """Processes whose working directory is in the test's folder: the hub, the proxy, the culler, the
    servers and their kernels — found even if the hub died and they were left to init."""
    found = []
    for proc in psutil.process_iter(["cwd"]):
        cwd = proc.info.get("cwd")
        if cwd and proc.pid != os.getpid() and pathlib.Path(cwd).is_relative_to(base):
            found.append(proc)
    return found


# -- the checks -------------------------------------------------------------------------------------------------
def test_logins_follow_the_roster_and_the_instructors_are_admins_in_the_formgrade_group(hub):
    # Only the class list and the instructors get in; a wrong password does not.
    assert hub.login(OTHER_STUDENT, USER_PASSWORD).status_code == 201          # on the roster, not yet started
    assert hub.login("mallory", USER_PASSWORD).status_code == 403              # not on the roster
    assert hub.login(STUDENT, "wrong-password").status_code == 403
    assert hub.login(INSTRUCTOR, USER_PASSWORD).status_code == 403             # instructors are admins: admin password
    me = hub.api("GET", "/user", token=hub.tokens[STUDENT]).json()
    assert me["name"] == STUDENT and not me["admin"]
    teacher = hub.api("GET", f"/users/{INSTRUCTOR}").json()
    assert teacher["admin"] and f"formgrade-{COURSE_ID}" in teacher["groups"]
    group = hub.api("GET", f"/groups/formgrade-{COURSE_ID}").json()
    assert group["users"] == [INSTRUCTOR]
    # A student may not use the admin API; the instructor may.
    assert hub.api("GET", "/users", token=hub.tokens[STUDENT]).status_code == 403
    assert hub.api("GET", "/users", token=hub.tokens[INSTRUCTOR]).status_code == 200
    # The example's services run: the course's formgrader and the idle culler with its role.
    services = hub.api("GET", "/services").json()
    assert {COURSE_ID, "idle-culler"} <= set(services)
    culler = services["idle-culler"]
    assert "idle-culler" in culler["roles"] and culler["command"][-2:] == ["jupyterhub_idle_culler", "--timeout=3600"], culler
    import psutil
    assert psutil.pid_exists(culler["pid"]) and "jupyterhub_idle_culler" in " ".join(psutil.Process(culler["pid"]).cmdline())
    grading = services[COURSE_ID]
    assert grading["prefix"] == f"/services/{COURSE_ID}/" and grading["pid"], grading


def test_a_student_fetches_works_submits_and_the_instructor_grades_it_through_the_hub(hub):
    token = hub.tokens[STUDENT]
    user = f"/user/{STUDENT}"
    # The student's server is JupyterLab (the example's default_url), run from the course environment.
    landing = hub.request("GET", f"{user}/", token, allow_redirects=False)
    assert landing.status_code in (301, 302) and landing.headers["Location"].split("?")[0] == f"{user}/lab", landing.headers
    lab = hub.request("GET", f"{user}/lab", token)
    assert lab.status_code == 200 and '"appName": "JupyterLab"' in lab.text
    # nbgrader's Assignments tab: the released assignment of the course, then Fetch.
    listed = hub.json("GET", f"{user}/assignments", token, params={"course_id": COURSE_ID})
    assert listed["success"], listed
    assert [(a["assignment_id"], a["status"]) for a in listed["value"]] == [(ASSIGNMENT, "released")]
    fetched = hub.json("POST", f"{user}/assignments/fetch", token,
                          data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
    assert fetched["success"] and {a["status"] for a in fetched["value"]} == {"fetched"}, fetched
    folder = hub.json("GET", f"{user}/api/contents/{ASSIGNMENT}", token)
    (notebook,) = [f["path"] for f in folder["content"] if f["type"] == "notebook"]
    # Open the notebook with a kernel and run its set-up cell: the student's own CRM, named after the hub user.
    cells = hub.json("GET", f"{user}/api/contents/{notebook}", token)["content"]["cells"]
    (setup,) = [c["source"] for c in cells if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup"]
    session = hub.request("POST", f"{user}/api/sessions", token, json={
        "path": notebook, "name": notebook.rsplit("/", 1)[-1], "type": "notebook", "kernel": {"name": "python3"}})
    assert session.status_code == 201, session.text
    code = (setup + "\nimport json, os, sys, crm_engine\n"
            "print('RESULT', json.dumps({'student': course.student, 'language': crm.language, "
            "'prefix': sys.prefix, 'engine': crm_engine.__file__, 'path': os.environ['PATH'], "
            "'created': course.created}))\ncourse.close()\n")
    result = _execute(hub, user, session.json()["kernel"]["id"], token, code)
    assert result["student"] == STUDENT and result["created"]
    assert result["language"] == "zh_CN"                                          # CRM_LAB_LANGUAGE reached the kernel
    assert pathlib.Path(result["prefix"]).resolve() == VENV.resolve()
    assert pathlib.Path(result["engine"]).resolve().is_relative_to(REPO.resolve())
    assert result["path"].startswith(str(VENV / "bin") + os.pathsep)
    names = {f["name"] for f in hub.json("GET", f"{user}/api/contents/{ASSIGNMENT}", token)["content"]}
    assert f"{ASSIGNMENT}-{STUDENT}.crm" in names, names
    # The student's token reaches their own server only.
    assert hub.request("GET", f"/user/{INSTRUCTOR}/api/contents", token).status_code == 403
    hub.request("DELETE", f"{user}/api/sessions/{session.json()['id']}", token)
    # Submit from the Assignments tab: the notebook and the workspace go to the exchange under the student's id.
    submitted = hub.json("POST", f"{user}/assignments/submit", token,
                            data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
    assert submitted["success"], submitted
    (inbound,) = (hub.exchange / COURSE_ID / "inbound").glob(f"{STUDENT}+{ASSIGNMENT}+*")
    assert (inbound / f"{ASSIGNMENT}-{STUDENT}.crm").exists()
    # The instructor, through the course's formgrader service: collect, autograde, see the student's grade.
    teacher = hub.tokens[INSTRUCTOR]
    api = f"/services/{COURSE_ID}/formgrader/api"
    collected = hub.json("POST", f"{api}/assignment/{ASSIGNMENT}/collect", teacher, timeout=120)
    assert collected["success"], collected
    graded = hub.json("POST", f"{api}/submission/{ASSIGNMENT}/{STUDENT}/autograde", teacher, timeout=300)
    assert graded["success"], graded.get("error", graded)
    (row,) = [s for s in hub.json("GET", f"{api}/submissions/{ASSIGNMENT}", teacher)
              if s["student"] == STUDENT]
    assert row["autograded"] and row["max_score"] > 0, row
    assert (hub.course_root / "autograded" / STUDENT / ASSIGNMENT / f"{ASSIGNMENT}-{STUDENT}.crm").exists()


def test_instructors_reach_the_formgrader_through_the_hub_and_students_do_not(hub):
    import requests

    formgrader = f"/services/{COURSE_ID}/formgrader"
    # The formgrader service: the course root with the released assignment, for the instructor only.
    assignments = hub.json("GET", f"{formgrader}/api/assignments", hub.tokens[INSTRUCTOR])
    assert {(a["name"], a["status"]) for a in assignments} >= {(ASSIGNMENT, "released")}, assignments
    assert hub.request("GET", f"{formgrader}/api/assignments", hub.tokens[STUDENT]).status_code == 403
    # nbgrader's course list on each user's own server asks the hub, with the server's token, whether
    # its owner may reach the course's service (the example's `server` role inherits the owner's rights).
    courses = hub.json("GET", f"/user/{INSTRUCTOR}/formgraders", hub.tokens[INSTRUCTOR])
    assert courses["success"], courses
    on_hub = [c for c in courses["value"] if c["kind"] == "jupyterhub"]
    assert [c["course_id"] for c in on_hub] == [COURSE_ID], courses
    assert on_hub[0]["url"].endswith(f"/services/{COURSE_ID}/lab?formgrader=true")
    student = hub.json("GET", f"/user/{STUDENT}/formgraders", hub.tokens[STUDENT])
    assert student["success"] and not [c for c in student["value"] if c["kind"] == "jupyterhub"], student
    # In a browser: the login form, then straight on to the formgrader (OAuth, no confirmation page).
    browser = requests.Session()
    form = browser.get(f"{hub.url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
    page = browser.post(f"{hub.url}/hub/login", params={"next": formgrader}, timeout=60,
                        data={"username": INSTRUCTOR, "password": ADMIN_PASSWORD, "_xsrf": xsrf})
    assert page.status_code == 200 and page.url == f"{hub.url}{formgrader}/manage_assignments", (page.url, page.text[:500])
    assert "<title>nbgrader formgrade</title>" in page.text
    # A student's browser session is refused by the service.
    other = requests.Session()
    form = other.get(f"{hub.url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
    refused = other.post(f"{hub.url}/hub/login", params={"next": formgrader}, timeout=60,
                         data={"username": STUDENT, "password": USER_PASSWORD, "_xsrf": xsrf})
    assert refused.status_code == 403, (refused.url, refused.status_code)


def _execute(hub: Hub, user: str, kernel: str, token: str, code: str) -> dict:
    """Run `code` in a kernel through the server's websocket (via the proxy); returns the JSON it printed
    after RESULT. Fails with the traceback if the code raised."""
    import websocket

    session = uuid.uuid4().hex
    ws = websocket.create_connection(f"ws://127.0.0.1:{hub.port}{user}/api/kernels/{kernel}/channels"
                                     f"?session_id={session}", header=[f"Authorization: token {token}"], timeout=180)
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": STUDENT, "session": session, "msg_type": "execute_request",
                       "version": "5.3", "date": dt.datetime.now(dt.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        out, error = [], None
        while True:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"]["traceback"])
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        ws.close()
    assert error is None, re.sub(r"\x1b\[[0-9;]*m", "", error)
    line = next(line for line in "".join(out).splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def _browser_login(hub: Hub, name: str, password: str, next_url: str):
    """A browser session: the hub's login form with `next`, every redirect followed with its cookies."""
    import requests

    browser = requests.Session()
    browser.headers["Accept"] = "text/html,application/xhtml+xml,*/*;q=0.8"    # as a browser navigates
    form = browser.get(f"{hub.url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form.text).group(1)
    page = browser.post(f"{hub.url}/hub/login", params={"next": next_url}, timeout=60,
                        data={"username": name, "password": password, "_xsrf": xsrf})
    return browser, page


def test_a_team_member_reaches_the_team_crm_through_the_hub_and_no_one_else_does(hub):
    import websocket

    prefix = f"/services/{TEAM}/"
    hub.wait("the team's CRM server", lambda: hub.request("GET", prefix, allow_redirects=False, timeout=5).status_code
             in (302, 401), timeout=60)
    # Anonymous: the CRM server sends a browser to the hub's OAuth, an API call gets 401.
    first = hub.request("GET", prefix, headers={"Accept": "text/html"}, allow_redirects=False)
    assert first.status_code == 302, first.headers
    assert first.headers["Location"].startswith("/hub/api/oauth2/authorize?"), first.headers
    assert "state=" in first.headers["Location"] and "code_challenge=" in first.headers["Location"]
    assert hub.request("GET", prefix + "api/whoami").status_code == 401
    # A member logs in to the hub and lands on the team's CRM as the CRM user they are linked to.
    browser, page = _browser_login(hub, STUDENT, USER_PASSWORD, prefix)
    assert page.status_code == 200 and page.url == hub.url + prefix, (page.url, page.status_code, page.text[:500])
    token_cookie = next(c for c in browser.cookies if c.name.startswith(f"service-{TEAM}"))
    assert token_cookie.path == prefix and token_cookie.has_nonstandard_attr("HttpOnly"), token_cookie
    assert not [c for c in browser.cookies if "-state-" in c.name]          # the login's state cookie is spent
    assert browser.get(f"{hub.url}{prefix}api/whoami", timeout=30).json()["username"] == TEAM_USER
    # Solara's page asks for everything under the service's prefix: its files and the kernel's websocket.
    static = re.findall(r'(?:src|href)="(/[^"]*static/[^"]+)"', page.text)
    assert static and all(url.startswith(prefix) for url in static), static
    assert browser.get(hub.url + static[0], timeout=30).status_code == 200, static[0]
    assert f'"{prefix}jupyter"' in page.text or f"'{prefix}jupyter'" in page.text or f"{prefix}jupyter" in page.text
    # A member's notebook on the hub calls the API with the hub token ($JUPYTERHUB_API_TOKEN there).
    assert hub.json("GET", prefix + "api/whoami", hub.tokens[STUDENT])["username"] == TEAM_USER
    # From a notebook on the member's own server: the server's $JUPYTERHUB_API_TOKEN (the `server` role
    # inherits its owner's rights, the team's access scope among them).
    user = f"/user/{STUDENT}"
    session = hub.request("POST", f"{user}/api/sessions", hub.tokens[STUDENT], json={
        "path": "team-check", "name": "team-check", "type": "console", "kernel": {"name": "python3"}})
    assert session.status_code == 201, session.text
    try:
        from_notebook = _execute(hub, user, session.json()["kernel"]["id"], hub.tokens[STUDENT], (
            "import os, urllib.request\n"
            f"ask = urllib.request.Request('{hub.url}{prefix}api/whoami', headers={{'Authorization': "
            "'token ' + os.environ['JUPYTERHUB_API_TOKEN']})\n"
            "print('RESULT', urllib.request.urlopen(ask).read().decode())\n"))
    finally:
        hub.request("DELETE", f"{user}/api/sessions/{session.json()['id']}", hub.tokens[STUDENT])
    assert from_notebook["username"] == TEAM_USER, from_notebook
    # The kernel's websocket: refused without the login cookie, through the hub's proxy.
    kernel = f"ws://127.0.0.1:{hub.port}{prefix}jupyter/api/kernels/{uuid.uuid4()}/channels?session_id=x"
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(kernel, timeout=30)
    assert refused.value.status_code == 403
    # With the member's cookies the same URL opens a Solara kernel that answers (the prefix reaches Solara's routes).
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies if prefix.startswith(c.path.rstrip("/") + "/"))
    ws = websocket.create_connection(kernel, cookie=cookies, timeout=60)
    try:
        assert ws.getstatus() == 101
        ws.send(json.dumps({"header": {"msg_id": "k1", "msg_type": "kernel_info_request", "session": "x",
                                       "username": STUDENT, "version": "5.3"},
                            "parent_header": {}, "metadata": {}, "content": {}, "channel": "shell", "buffers": []}))
        seen = []
        while "kernel_info_reply" not in seen:     # each recv waits at most the connection's 60 s timeout
            message = ws.recv()
            seen.append(json.loads(message)["header"]["msg_type"] if isinstance(message, str) else "(binary)")
            assert len(seen) < 50, seen
    finally:
        ws.close()
    # Logged in to the hub, granted the service, but linked to no CRM user: a page that says so, in both languages.
    _, unlinked = _browser_login(hub, UNLINKED, USER_PASSWORD, prefix)
    assert unlinked.status_code == 403 and 'data-refusal="serve.hub.unlinked"' in unlinked.text, unlinked.text[:500]
    assert UNLINKED in unlinked.text and "Ask your instructor" in unlinked.text and "请让教师" in unlinked.text
    # Not in the team: the hub itself refuses the OAuth authorisation, and the CRM refuses the hub token.
    _, other = _browser_login(hub, OTHER_STUDENT, USER_PASSWORD, prefix)
    assert other.status_code == 403 and not other.url.startswith(hub.url + prefix + "oauth_callback"), other.url
    other_token = hub.login(OTHER_STUDENT, USER_PASSWORD).json()["token"]
    assert hub.request("GET", prefix + "api/whoami", other_token).status_code in (401, 403)   # the guard's API answer
    denied = hub.request("GET", prefix, other_token)
    assert denied.status_code == 403 and 'data-refusal="serve.hub.forbidden"' in denied.text, denied.text[:300]
    # A forged callback (a code and state this browser never started) is refused.
    forged = hub.request("GET", prefix + "oauth_callback", params={"code": "x", "state": "y"})
    assert forged.status_code == 403 and "serve.hub.state_mismatch" in forged.text


def test_a_member_sees_the_team_crm_in_chromium_through_the_hub(hub, browser):
    """The same path in a real browser: the hub's login form, the OAuth redirects, then Solara's page under
    the service's prefix — its files, the local page assets and the kernel's websocket — drawing the CRM
    as the member's CRM user. Every request stays on the hub's address and none fails."""
    from tests.browser.conftest import ARTIFACTS

    prefix = f"/services/{TEAM}/"
    hub.wait("the team's CRM server", lambda: hub.request("GET", prefix, allow_redirects=False, timeout=5).status_code
             in (302, 401), timeout=60)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    traffic = {"left": [], "failed": []}

    def route(handle):
        if handle.request.url.startswith(hub.url + "/"):
            handle.continue_()
        else:                                  # as on a machine without network
            traffic["left"].append(handle.request.url)
            handle.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.on("requestfailed", lambda request: traffic["failed"].append(request.url))
    page.on("response", lambda response: response.status >= 400 and traffic["failed"].append(
        f"{response.status} {response.url}"))
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    try:
        page.goto(f"{hub.url}/hub/login?next={prefix}")
        page.fill("input[name=username]", STUDENT)
        page.fill("input[name=password]", USER_PASSWORD)
        page.click("input[type=submit], button[type=submit]")
        page.wait_for_url(f"{hub.url}{prefix}*")
        page.get_by_text("Star Tech").first.wait_for()          # li.ming's customer, drawn by the kernel
        page.get_by_text("Li Ming (Account manager)").first.wait_for()
        # The app's "Log out" ends the service's cookie and the hub's login: the CRM is closed again.
        page.get_by_text("Log out").first.click()
        page.wait_for_url(f"{hub.url}/hub/login*")
        page.goto(hub.url + prefix)
        page.wait_for_url(f"{hub.url}/hub/login*")
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hub_team_crm.png"), full_page=True)
        context.close()
    assert traffic["left"] == [] and traffic["failed"] == [], traffic
    assert [url for url in sockets if url.startswith(f"ws://127.0.0.1:{hub.port}{prefix}jupyter/api/kernels/")], sockets
