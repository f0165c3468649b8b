"""Course workspaces (T2, T3): one CRM per student and assignment, that survives re-execution.

    from crm_engine.course.workspaces import Course
    course = Course.open("a1_opportunity")      # creates, or reopens, a1_opportunity-<you>.crm beside the notebook
    crm = course.crm                            # acting as the scenario's student user (Li Ming)
    step = course.once("1b-call", lambda: crm.opportunities.add_step(17, "2026-03-03", "Call Ms Zhou"))

nbgrader re-executes a notebook in a fresh kernel (autograde, *Validate*, the student's own
*Restart & Run All*). The rules that keep the student's work intact (docs/course.md):

* **The workspace is the work.** Forms and code act on the workspace file through the engine,
  so everything a student did is in the file the moment it is done; widget state does not matter.
* **Reopen, never overwrite.** The set-up cell creates the student's variant of the scenario
  only when its file is missing, otherwise reopens it.
* **Code-cell actions run once.** `course.once(key, fn)` runs `fn` and records the step (its key
  and result) in the audit trail *in the same transaction*; run again, it returns the recorded
  result without acting. A step is never half-done and never done twice.
* **Grading replays, it never acts.** Under nbgrader (`NBGRADER_EXECUTION` is set) a student's
  workspace is opened read-only: recorded steps return their results, anything else that would
  change the CRM is refused. What autograde grades is exactly what the student submitted.
* **Names nbgrader leaves alone.** Student workspaces end in `.crm` (they travel with the
  submission); a workspace made inside the course's own `source/` or `release/` folders ends in
  `.duckdb`, which `nbgrader_config.py` ignores, so an instructor's run is never released and
  never overwrites a student's file at autograde.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import hashlib
import importlib
import io
import json
import os
import pathlib
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Callable

import pandas as pd

from .. import moved, validate
from ..crm import ADMIN_USERNAME, CRM
from ..errors import InvalidInput, NotAllowed, WorkspaceError
from ..i18n import translate
from ..scenario import builtin

ENV_STUDENT = "CRM_LAB_STUDENT"      # overrides who the student is (tests, a shared lab account)
ENV_LANGUAGE = "CRM_LAB_LANGUAGE"    # language of a new workspace: en (default) or zh_CN
ENV_NBGRADER = "NBGRADER_EXECUTION"  # set by nbgrader while it validates or autogrades
STUDENT_SUFFIX = ".crm"
INSTRUCTOR_SUFFIX = ".duckdb"
KIND = "course"


# -- who, where, in which mode ---------------------------------------------------------------------
def grading_mode() -> str | None:
    """'autograde' or 'validate' while nbgrader runs the notebook, else None."""
    return os.environ.get(ENV_NBGRADER) or None


def instructor_folder(folder) -> bool:
    """Is `folder` an assignment folder inside a course's own source/ or release/ directory?"""
    folder = pathlib.Path(folder).resolve()
    root = folder.parent.parent
    return folder.parent.name in ("source", "release") and (
        (root / "nbgrader_config.py").exists() or (root / "gradebook.db").exists())


def submission_student(folder) -> str | None:
    """The student whose submission `folder` is, when nbgrader laid it out
    (`<root>/{submitted,autograded}/<student>/<assignment>`); else None."""
    folder = pathlib.Path(folder).resolve()
    if folder.parent.parent.name in ("submitted", "autograded", "feedback"):
        return folder.parent.name
    return None


def student_id(folder=None) -> str:
    """Who the student is: under nbgrader's autograde, the submission's owner (from its folder);
    else `$CRM_LAB_STUDENT`; else the Unix user name — nbgrader's own rule, which takes
    `$JUPYTERHUB_USER` when the user is the container default `jovyan`."""
    if grading_mode() == "autograde" and folder is not None and submission_student(folder):
        return submission_student(folder)
    if os.environ.get(ENV_STUDENT, "").strip():
        return os.environ[ENV_STUDENT].strip()
    user = getpass.getuser()
    if user == "jovyan":
        return os.environ.get("JUPYTERHUB_USER", user)
    return user


# Ids that name an account, not a person: a notebook run under one of them does not know who the
# student is (a shared lab account, a container's default user with no hub behind it).
FALLBACK_IDS = ("root", "jovyan", "student", "admin", "user", "")


def unknown_student(student: str | None) -> bool:
    """Is `student` an account's name rather than a student id (root, jovyan, none …)?"""
    return safe_name(student or "") in FALLBACK_IDS or not (student or "").strip()


def safe_name(text: str) -> str:
    """A file-name-safe version of a student id (letters, digits, dot, dash, underscore)."""
    cleaned = re.sub(r"[^\w.-]", "_", str(text).strip(), flags=re.ASCII).strip("._")
    return cleaned or "student"


# -- recording step results ----------------------------------------------------------------------------
def encode(value):
    """A JSON-able, tagged copy of a step's result that `decode` turns back into an equal value.

    Numbers, text, None, lists, dicts, dates, Decimals, DataFrames and the engine's own
    records (frozen dataclasses) are remembered; anything else is refused *before* the step
    commits, so a step that cannot be replayed is never recorded.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item") and not hasattr(value, "__len__"):  # numpy scalars
        return value.item()
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"$dict": {k: encode(v) for k, v in value.items()}}
    if dataclasses.is_dataclass(value) and not isinstance(value, type) \
            and type(value).__module__.startswith("crm_engine."):
        return {"$record": f"{type(value).__module__}:{type(value).__qualname__}",
                "fields": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if type(value).__name__ == "DataFrame" and hasattr(value, "to_json"):
        return {"$frame": value.to_json(orient="table", date_format="iso", default_handler=str)}
    raise InvalidInput("course.step_result", field="result", kind=type(value).__name__)


def decode(value):
    """The value `encode` recorded."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "$date" in value:
        return dt.date.fromisoformat(value["$date"])
    if "$datetime" in value:
        return dt.datetime.fromisoformat(value["$datetime"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$tuple" in value:
        return tuple(decode(v) for v in value["$tuple"])
    if "$dict" in value:
        return {k: decode(v) for k, v in value["$dict"].items()}
    if "$frame" in value:
        return pd.read_json(io.StringIO(value["$frame"]), orient="table")
    if "$record" in value:
        module, _, name = value["$record"].partition(":")
        if not module.startswith("crm_engine."):  # only the engine's own records are rebuilt
            raise InvalidInput("course.step_result", field="result", kind=module)
        cls = importlib.import_module(moved.current(module))  # recorded before its module moved
        for part in name.split("."):
            cls = getattr(cls, part)
        return cls(**{k: decode(v) for k, v in value["fields"].items()})
    return value


def fingerprint(fn) -> str | None:
    """A short hash of a step's code (bytecode, constants, names), to notice an edited cell."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    consts = repr(tuple(c for c in code.co_consts if not hasattr(c, "co_code")))
    return hashlib.sha256(code.co_code + consts.encode() + repr(code.co_names).encode()).hexdigest()[:16]


# -- the assignments -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Assignment:
    """What an assignment's workspace is: a built-in scenario at a size, the user the student
    acts as, and `targets(crm)` — the records of this variant the tasks name, picked once at
    creation and kept in the workspace (the notebook and the grader read the same)."""

    name: str
    scenario: str = "hardware_distributor"
    customers: int = 120
    user: str | None = None
    targets: Callable[[CRM], dict] | None = None


def _team_of(crm: CRM, username: str) -> int:
    return crm.as_user(ADMIN_USERNAME).tables.scalar("SELECT team_id FROM users WHERE username = ?", [username])


def _a1_targets(crm: CRM) -> dict:
    """The largest unassigned opportunity held in the East team (ties: the oldest)."""
    team = _team_of(crm, "zhang.wei")
    row = crm.as_user(ADMIN_USERNAME).tables.one("""SELECT o.id FROM opportunities o JOIN users u ON u.id = o.owner_id
                          WHERE o.state = 'unassigned' ORDER BY (u.team_id = ?) DESC, o.expected_amount DESC, o.id
                          LIMIT 1""", [team])
    return {"opportunity": row[0] if row else None}


def _a2_targets(crm: CRM) -> dict:
    db = crm.as_user(ADMIN_USERNAME).tables
    campaign = db.scalar("SELECT id FROM campaigns WHERE state IN ('active', 'completed') "
                         "ORDER BY (SELECT count(*) FROM leads l WHERE l.campaign_id = campaigns.id) DESC, id LIMIT 1")
    pool = [r[0] for r in db.rows("SELECT id FROM leads WHERE state = 'unassigned' ORDER BY id")]
    return {"campaign": campaign, "pool": pool, "invoice": 6500}


def _a3_targets(crm: CRM) -> dict:
    """The open churn warnings of the East team's customers (the supervisor's team)."""
    team = _team_of(crm, "zhang.wei")
    rows = crm.as_user(ADMIN_USERNAME).tables.rows("""SELECT w.id, w.customer_id FROM churn_warnings w JOIN customers c ON c.id = w.customer_id
                             JOIN users u ON u.id = c.owner_id
                             WHERE w.state IN ('warning', 'suspended') AND u.team_id IN (
                                 SELECT id FROM teams WHERE id = ? OR parent_id = ?)
                             ORDER BY w.id""", [team, team])
    return {"warnings": [r[0] for r in rows], "customers": [r[1] for r in rows]}


def _a4_targets(crm: CRM) -> dict:
    """The open tickets, and the customer whose complaint call the brief describes: Li Ming's
    customer with the latest order."""
    db = crm.as_user(ADMIN_USERNAME).tables
    tickets = [r[0] for r in db.rows("SELECT id FROM tickets WHERE state <> 'archived' ORDER BY id")]
    caller = db.one("""SELECT c.id, c.name, c.phone FROM customers c JOIN users u ON u.id = c.owner_id
                       LEFT JOIN orders o ON o.customer_id = c.id WHERE u.username = 'li.ming'
                       GROUP BY c.id, c.name, c.phone ORDER BY max(o.order_date) DESC NULLS LAST, c.id LIMIT 1""")
    contact = db.scalar("SELECT name FROM contacts WHERE customer_id = ? ORDER BY is_primary DESC, id LIMIT 1",
                        [caller[0]])
    return {"tickets": tickets, "caller": caller[0], "caller_name": caller[1], "caller_phone": caller[2],
            "contact": contact or caller[1]}


def _a5_targets(crm: CRM) -> dict:
    return {"year": crm.today().year - 1}


def _a6_targets(crm: CRM) -> dict:
    return {"start": crm.today(), "end": crm.today() + dt.timedelta(days=28)}


ASSIGNMENTS: dict[str, Assignment] = {a.name: a for a in (
    Assignment("a1_opportunity", targets=_a1_targets),
    Assignment("a2_leads", targets=_a2_targets),
    Assignment("a3_churn", customers=150, user="zhang.wei", targets=_a3_targets),
    Assignment("a4_service", user="sun.li", targets=_a4_targets),
    Assignment("a5_analysis", customers=200, user="dong.li", targets=_a5_targets),
    Assignment("a6_capstone", targets=_a6_targets),
)}


def assignment(name: str) -> Assignment:
    if name not in ASSIGNMENTS:
        raise InvalidInput("course.unknown_assignment", field="assignment", name=name,
                           choices=", ".join(ASSIGNMENTS))
    return ASSIGNMENTS[name]


# -- the baseline: what the workspace looked like when the student got it ------------------------------------
STATE_TABLES = {"opportunity": "opportunities", "lead": "leads", "churn": "churn_warnings", "ticket": "tickets"}
ID_TABLES = ("customers", "contacts", "interactions", "orders", "order_lines", "opportunities", "plan_steps", "leads",
             "lead_followups", "churn_warnings", "churn_measures", "tickets", "ticket_steps", "calls", "campaigns")
SEALED_TABLES = ("orders", "order_lines")  # history no verb ever changes: checksummed


def baseline(db) -> dict:
    """Counts, states and checksums the integrity check compares the submitted workspace with."""
    return {
        "history_rows": db.scalar("SELECT count(*) FROM state_history"),
        "max_ids": {t: db.scalar(f"SELECT coalesce(max(id), 0) FROM {t}") for t in ID_TABLES},
        "states": {kind: {str(i): s for i, s in db.rows(f"SELECT id, state FROM {table} ORDER BY id")}
                   for kind, table in STATE_TABLES.items()},
        "done_steps": [r[0] for r in db.rows("SELECT id FROM plan_steps WHERE result IS NOT NULL ORDER BY id")],
        "sealed": {t: str(db.scalar(f"SELECT coalesce(bit_xor(hash(x)), 0) FROM {t} x")) for t in SEALED_TABLES},
    }


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


# -- the course object -------------------------------------------------------------------------------------
class Course:
    """A student's workspace for one assignment, the steps done in it, and how to show its forms."""

    @property
    def _tables(self):
        """The workspace's tables without data scopes, read as the administrator (`crm.tables` is refused to
        a rep's handle; the course reads its own step records in the audit trail)."""
        return self._crm.as_user(ADMIN_USERNAME).tables

    def __init__(self, spec: Assignment, path: str, student: str, crm: CRM, replaying: bool, created: bool):
        self.spec = spec
        self.path = path
        self.student = student
        self.replaying = replaying
        self.created = created
        self._crm = crm
        self._start = self._start_row()

    # -- opening ------------------------------------------------------------------------------
    @classmethod
    def open(cls, assignment_name: str, *, folder=None, student: str | None = None,
             language: str | None = None) -> "Course":
        """Create (first run) or reopen (every later run) the student's workspace for an assignment.

        `folder` defaults to the working directory — the notebook's own folder under JupyterLab
        and nbgrader. The student comes from `student_id()` unless given.
        """
        spec = assignment(assignment_name)
        folder = pathlib.Path(folder or os.getcwd()).resolve()
        student = student or student_id(folder)
        instructor = instructor_folder(folder)
        suffix = INSTRUCTOR_SUFFIX if instructor else STUDENT_SUFFIX
        path = folder / f"{spec.name}-{safe_name(student)}{suffix}"
        replaying = grading_mode() is not None and not instructor
        if grading_mode() == "validate" and not instructor and unknown_student(student):
            # Validate runs in the Jupyter server's environment, not the kernel's (where `%env` set the id):
            # one workspace named for a real student id is theirs. Otherwise fail Validate — the student's last
            # check before submitting — with the set-up cell's warning.
            mine = [p for p in folder.glob(f"{spec.name}-*{STUDENT_SUFFIX}")
                    if not unknown_student(p.name[len(spec.name) + 1:-len(STUDENT_SUFFIX)])]
            if len(mine) != 1:
                raise WorkspaceError("course.unknown_student", student=student, workspace=path.name, env=ENV_STUDENT)
            path, student = mine[0], mine[0].name[len(spec.name) + 1:-len(STUDENT_SUFFIX)]
        if not path.exists() and replaying:
            # Autograde may find the workspace under another id (a shared account, a renamed
            # student): grade the one that was submitted; the grader names its owner (CHECK IDENTITY).
            others = sorted(folder.glob(f"{spec.name}-*{STUDENT_SUFFIX}"))
            if len(others) == 1:
                path = others[0]
        created = False
        if not path.exists():
            cls._create(spec, path, student, language or os.environ.get(ENV_LANGUAGE) or None)
            created = True
        # Opened holding the file while the set-up reads it (fast), then letting go between actions
        # so Validate, a second notebook or an analyst can open it — except under autograde, where
        # nobody else needs it and every check is quicker on a held file.
        crm = CRM.open(path, read_only=replaying, keep_open=True)
        try:
            user = spec.user or crm.simulation.info().student_user or ADMIN_USERNAME
            course = cls(spec, str(path), student, crm.as_user(user), replaying, created)
        except BaseException:
            crm.close()
            raise
        if grading_mode() == "validate" and course.owner and course.owner != student:
            course.close()
            raise WorkspaceError("course.other_owner", owner=course.owner, student=student, workspace=path.name)
        if grading_mode() != "autograde":
            crm.keep_open = False
            crm.release()
        return course

    @staticmethod
    def _create(spec: Assignment, path: pathlib.Path, student: str, language: str | None) -> None:
        """Generate the student's variant and record its start in one step (`crm_engine.atomic`), so a
        kernel stopped half-way never leaves a workspace that looks finished."""
        scenario = builtin(spec.scenario)
        if spec.customers and spec.customers != scenario.customers.size:
            scenario = scenario.scaled(spec.customers)
        path.parent.mkdir(parents=True, exist_ok=True)

        def start(crm: CRM) -> None:
            targets = {k: _plain(v) for k, v in (spec.targets(crm) if spec.targets else {}).items()}
            with crm.transaction():
                crm.audit_event("start", KIND, None, after={"assignment": spec.name, "student": student,
                                                            "targets": targets, "baseline": baseline(crm.as_user(ADMIN_USERNAME).tables)},
                                note=spec.name)

        scenario.create(path, student=student, language=language, then=start).close()

    # -- who and what ----------------------------------------------------------------------------
    @property
    def crm(self) -> CRM:
        """The CRM, acting as the user the assignment puts the student in (e.g. Li Ming)."""
        return self._crm

    def as_user(self, who) -> CRM:
        """The same workspace acting as another user (a supervisor to assign, the director to
        move the clock …)."""
        return self._crm.as_user(who)

    @property
    def assignment(self) -> str:
        return self.spec.name

    @property
    def targets(self) -> dict:
        """The records this variant's tasks name (picked when the workspace was created)."""
        return dict(self._start.get("targets", {}))

    @property
    def baseline(self) -> dict:
        return self._start.get("baseline", {})

    @property
    def started_on(self) -> dt.date:
        """The scenario date the student got the workspace (questions about "now" ask about this day,
        so a re-run after the clock moved gives the same answer)."""
        return self._start_date

    @property
    def owner(self) -> str | None:
        """The student this workspace was made for."""
        return self._start.get("student")

    def _start_row(self) -> dict:
        row = self._tables.one("SELECT after, on_date FROM audit WHERE kind = ? AND action = 'start' "
                                   "ORDER BY id LIMIT 1", [KIND])
        if row is None:
            raise WorkspaceError("course.not_course_workspace", workspace=os.path.basename(self.path))
        self._start_date = row[1]
        return json.loads(row[0])

    def __repr__(self) -> str:
        mode = "grading (read-only)" if self.replaying else "working"
        return (f"<Course {self.assignment}: {os.path.basename(self.path)} for {self.student}, as "
                f"{self._crm.user.username}, {mode}>")

    def __str__(self) -> str:
        """What the set-up cell prints: whose workspace this is — and, loudly, when the notebook does not
        know who the student is or the workspace was made for someone else."""
        key = "course.opened_new" if self.created else "course.opened"
        lines = [translate(key, self._crm.language, workspace=os.path.basename(self.path), student=self.student,
                           user=self._crm.user.name, today=self._crm.today().isoformat())]
        name = os.path.basename(self.path)
        if self.owner and self.owner != self.student:
            lines.insert(0, translate("course.other_owner", self._crm.language, owner=self.owner,
                                      student=self.student, workspace=name))
        elif unknown_student(self.student) and not instructor_folder(os.path.dirname(self.path)):
            lines.insert(0, translate("course.unknown_student", self._crm.language, student=self.student,
                                      workspace=name, env=ENV_STUDENT))
        return "\n".join(lines)

    # -- steps done in code cells ---------------------------------------------------------------------
    def once(self, key: str, fn: Callable, *args, **kwargs):
        """Run `fn(*args, **kwargs)` the first time this step is reached; afterwards return what it
        returned then, without acting again.

            opp = course.once("1a-assign", lambda: course.as_user("zhang.wei").opportunities.assign(17, "li.ming"))

        The action and the record of the step commit together, or neither does (an error leaves
        no trace, so the cell can be fixed and run again). Under nbgrader a step that was not done
        before submission is refused: grading never changes the workspace.
        """
        key = validate.text(key, "step", max_length=100)
        code = fingerprint(fn)
        recorded = self._recorded(key)
        if recorded is not None:
            if not self.replaying and code and recorded.get("code") and code != recorded["code"]:
                print(translate("course.step_changed", self._crm.language, key=key, date=recorded["on_date"]))
            return decode(recorded["result"])
        if self.replaying:
            raise NotAllowed("course.step_not_done", key=key)
        with self._crm.transaction():  # the action and its step record: one commit (errors in the session's language)
            result = encode(fn(*args, **kwargs))
            self._crm.audit_event("step", KIND, None, after={"key": key, "result": result, "code": code}, note=key)
        return decode(result)

    def done(self, key: str) -> bool:
        """Has the step `key` been done in this workspace?"""
        return self._recorded(key) is not None

    def _recorded(self, key: str) -> dict | None:
        row = self._tables.one("SELECT after, on_date FROM audit WHERE kind = ? AND action = 'step' AND note = ? "
                                   "ORDER BY id LIMIT 1", [KIND, key])
        if row is None:
            return None
        return {**json.loads(row[0]), "on_date": row[1].isoformat()}

    def steps(self):
        """The steps done so far, in order: key, scenario date, wall time, who."""
        return self._tables.df(
            "SELECT a.note AS key, a.on_date, a.at_time, u.username FROM audit a JOIN users u ON u.id = a.user_id "
            "WHERE a.kind = ? AND a.action = 'step' ORDER BY a.id", [KIND])

    # -- forms --------------------------------------------------------------------------------------
    def form(self, factory: Callable, *args, user=None):
        """`factory(crm, *args)` — e.g. `course.form(show, "opportunities")` — acting as `user`
        (default: the assignment's user). While nbgrader grades, no form is built (nobody can
        click it, and its work is already in the workspace): a one-line note stands in for it."""
        if self.replaying:
            print(translate("course.forms_skipped", self._crm.language))
            return None
        return factory(self._crm if user is None else self.as_user(user), *args)

    def close(self) -> None:
        self._crm.close()
