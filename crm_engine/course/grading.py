"""Grading from state (T3): checks that read a student's workspace, score each criterion, say why.

In a notebook's test cell (nbgrader takes the number a test cell outputs as its partial
credit, so the feedback is printed and the score is the cell's last expression)::

    grade("plan")                     # prints "Opportunity 17 has 1 plan step; at least 3 are expected."
                                      # and outputs 1.0 (of the cell's 3 points)

and its hidden part swaps in the strict grader, built afresh::

    ### BEGIN HIDDEN TESTS
    grade = Grader(course, strict=True)
    ### END HIDDEN TESTS
    grade("plan")

The strict grader adds the checks that must not be gamed (course/rubrics/) and the integrity
gate: a workspace whose data disagree with its audit trail — edited behind the engine's
back — scores 0 on every criterion and the output says so ("FLAGGED …").

What each assignment's criteria are, and their points, is `rubrics.RUBRICS`; a test
holds the notebooks' cell points to it. `regrade(path)` scores the state criteria of a
workspace outside any notebook (the instructor's cross-check of autograde).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import warnings
from dataclasses import dataclass

import pathlib

import pandas as pd

from ..crm import ADMIN_USERNAME, CRM
from ..errors import CRMError, InvalidInput
from . import rubrics
from .facts import Facts, Mark, concrete  # noqa: F401 - Facts, Mark and concrete are part of grading's API
from .workspaces import STATE_TABLES, Course, assignment, grading_mode, submission_student

FLAG = "FLAGGED"
# The headline of a workspace made for another student id: graded as it stands (honest work done under
# a shared or default account is not tampering), and named for the instructor to confirm whose it is.
IDENTITY = "CHECK IDENTITY"
SHOWN = 5   # integrity findings a student is shown on a criterion; the instructor's regrade has them all
# State moves written by set-based sweeps or by the simulated world: no per-record audit row.
SWEEP_MOVES = ("create", "raise", "clear", "recycle")
# Rows the simulated world also creates (set-based, no audit row), with the date that places them.
WORLD_ROWS = {"orders": "order_date", "tickets": "created_on", "leads": "created_on", "calls": "on_date",
              "interactions": "on_date", "customers": "created_on"}
# Rows only the engine's verbs create, and how each is tied to its verb's audit row: by the id the
# audit row names (`after.<key>`), or by counting audit rows per parent record.
VERB_ROWS = (("plan_steps", ("add_step",), "opportunity", "named", "step_id"),
             ("lead_followups", ("follow_up",), "lead", "named", "followup_id"),
             ("churn_measures", ("suspend",), "churn", "count", "warning_id"),
             ("ticket_steps", ("handle", "feedback"), "ticket", "count", "ticket_id"))


@dataclass(frozen=True)
class Result:
    """One criterion, scored: `score` of `points`, and the lines of feedback."""

    criterion: str
    score: float
    points: float
    lines: tuple[str, ...] = ()
    flagged: bool = False
    identity: str = ""    # the student the workspace was made for, when it is not this student

    def __str__(self) -> str:
        return "\n".join(self.lines)


# -- the integrity check -------------------------------------------------------------------------------
def integrity(f: Facts, student: str | None = None) -> list[str]:
    """Ways the workspace's data disagree with its audit trail — signs it was edited outside the
    engine. Empty when it only ever changed through the CRM. Messages in the workspace language.
    (Whom the workspace was made for is not integrity: `owner_of` says.)

    It compares what the engine always writes together: a record's state and its state history,
    a state move and its audit row, a plan step (follow-up, measure, ticket step) and the verb's
    audit row; and it checksums the order history, which no verb ever changes. Someone who forges
    the audit trail and the history consistently is not caught (docs/course.md says so).
    """
    db, base, found = f.db, f.baseline, []
    if not f.start:
        return [f.t("integrity.no_start")]
    count, distinct, low, high, backwards = db.one(
        "SELECT count(*), count(DISTINCT id), min(id), max(id), count(*) FILTER (WHERE back) FROM "
        "(SELECT id, on_date < lag(on_date) OVER (ORDER BY id) AS back FROM audit)")
    if count != distinct or low != 1 or high != count or backwards:
        found.append(f.t("integrity.audit"))
    # most telling first: records no verb wrote, then states and moves without their history
    found += _verb_rows(f, base)
    found += _states(f, base)
    found += _moves(f, base)
    found += _world_rows(f, base)
    for table, checksum in base.get("sealed", {}).items():
        limit = base.get("max_ids", {}).get(table)
        where = "" if limit is None else f" WHERE id <= {int(limit)}"
        if str(db.scalar(f"SELECT coalesce(bit_xor(hash(x)), 0) FROM {table} x{where}")) != checksum:
            found.append(f.t("integrity.sealed", table=table))
    return found


def owner_of(f: Facts, student: str | None) -> str:
    """The student id the workspace was made for, when that is not `student` (else "")."""
    owner = (f.start or {}).get("student")
    return owner if student and owner and owner != student else ""


def _states(f: Facts, base: dict) -> list[str]:
    """Each record's state is where its history (since the start) left it, or as it was handed out."""
    found = []
    since = int(base.get("history_rows", 0))
    for kind, table in STATE_TABLES.items():
        moved = dict(f.db.rows("SELECT record_id, arg_max(to_state, rowid) FROM state_history "
                               "WHERE kind = ? AND rowid >= ? GROUP BY record_id", [kind, since]))
        before = base.get("states", {}).get(kind, {})
        for record_id, state in f.db.rows(f"SELECT id, state FROM {table} ORDER BY id"):
            expected = moved.get(record_id, before.get(str(record_id)))
            if expected is None:
                found.append(f.t("integrity.no_history", kind=f.t(f"kind.{kind}"), id=record_id))
            elif expected != state:
                found.append(f.t("integrity.state", kind=f.t(f"kind.{kind}"), id=record_id, state=state,
                                 expected=expected))
    return found


def _moves(f: Facts, base: dict) -> list[str]:
    """Every state move a verb made since the start has that verb's audit row."""
    since = int(base.get("history_rows", 0))
    moves = f.db.rows(f"""SELECT kind, record_id, action, count(*) FROM state_history
                          WHERE rowid >= ? AND action NOT IN ({', '.join('?' * len(SWEEP_MOVES))})
                          GROUP BY ALL ORDER BY ALL""", [since, *SWEEP_MOVES])
    audited: dict[tuple, int] = {}
    for row in f.audit():
        key = (row["kind"], row["record_id"], row["action"])
        audited[key] = audited.get(key, 0) + 1
    # a ticket's feedback moves it by `archive` or `send_back`; the audit row says `feedback`
    aliases = {"archive": "feedback", "send_back": "feedback"}
    return [f.t("integrity.unaudited_move", kind=f.t(f"kind.{kind}"), id=record_id, action=action)
            for kind, record_id, action, n in moves
            if audited.get((kind, record_id, aliases.get(action, action)), 0) < n]


def _verb_rows(f: Facts, base: dict) -> list[str]:
    """Plan steps, follow-ups, measures and ticket steps made since the start each have their verb's
    audit row; and a plan step's result was recorded by `record_result`."""
    found, limits = [], base.get("max_ids", {})
    for table, actions, kind, how, key in VERB_ROWS:
        audit = f.audit(kind, actions)
        if how == "named":
            named = {r["after"].get(key) for r in audit}
            rows = f.db.rows(f"SELECT id FROM {table} WHERE id > ? ORDER BY id", [int(limits.get(table, 0))])
            missing = [i for (i,) in rows if i not in named]
        else:  # measures and ticket steps: as many audit rows per warning / ticket as new rows
            per: dict = {}
            for r in audit:
                per[r["record_id"]] = per.get(r["record_id"], 0) + 1
            rows = f.db.rows(f"SELECT {key}, count(*) FROM {table} WHERE id > ? GROUP BY 1 ORDER BY 1",
                             [int(limits.get(table, 0))])
            missing = [owner for owner, n in rows if per.get(owner, 0) < n]
        found += [f.t("integrity.unaudited_row", table=table, id=i) for i in missing]
    recorded = {r["after"].get("step_id") for r in f.audit("opportunity", "record_result")}
    done_before = set(base.get("done_steps", []))
    for (step_id,) in f.db.rows("SELECT id FROM plan_steps WHERE result IS NOT NULL ORDER BY id"):
        if step_id not in recorded and step_id not in done_before:
            found.append(f.t("integrity.unaudited_result", id=step_id))
    return found


def _world_rows(f: Facts, base: dict) -> list[str]:
    """New orders, tickets, leads, calls, interactions and customers were made by a verb (an audit
    row names them) or by the simulated world while the clock moved (dated inside an advance)."""
    windows = []
    for row in f.audit("scenario", "advance"):
        start = row["before"].get("value") if row["before"] else None
        end = row["after"].get("today")
        if start and end:
            windows.append((dt.date.fromisoformat(str(start)[:10]), dt.date.fromisoformat(str(end)[:10])))
    found, limits = [], base.get("max_ids", {})
    for table, column in WORLD_ROWS.items():
        if table not in limits:
            continue
        kind = {"orders": "order", "tickets": "ticket", "leads": "lead", "calls": "call", "interactions": "interaction",
                "customers": "customer"}[table]
        audited = {r["record_id"] for r in f.audit() if r["action"] == "create" and r["kind"] == kind}
        for record_id, on in f.db.rows(f"SELECT id, {column} FROM {table} WHERE id > ? ORDER BY id",
                                       [int(limits[table])]):
            on = on.date() if isinstance(on, dt.datetime) else on
            if record_id not in audited and not any(a < on <= b for a, b in windows):
                found.append(f.t("integrity.unaudited_row", table=table, id=record_id))
    return found


# -- the grader ------------------------------------------------------------------------------------------
_FINDINGS: dict = {}


def _stamp(path) -> tuple:
    """The workspace file's size and modification time (with the audit id: its state, for the cache)."""
    try:
        info = os.stat(path)
        return info.st_size, info.st_mtime_ns
    except OSError:
        return None, None


class Grader:
    """Scores an assignment's criteria on a course workspace; call it in a test cell."""

    def __init__(self, course, *, strict: bool = False):
        self.course = course
        self.strict = strict
        self.rubric = rubrics.rubric(course.assignment)
        self.facts = Facts.of(course.crm)
        self._findings = None

    @property
    def findings(self) -> list[str]:
        """Integrity findings (computed again only when the workspace has changed)."""
        student = submission_student(os.path.dirname(self.course.path)) if grading_mode() else None
        key = (self.course.path, self.facts.db.scalar("SELECT max(id) FROM audit"), _stamp(self.course.path),
               student or self.course.student)
        if self._findings is None or self._findings[0] != key:
            # Every hidden test cell builds a strict grader: the check runs once per workspace state.
            if key not in _FINDINGS:
                _FINDINGS.clear()
                _FINDINGS[key] = integrity(self.facts, key[3])
            self._findings = (key, _FINDINGS[key])
        return list(self._findings[1])

    @property
    def identity(self) -> str:
        """The student id the workspace was made for, when it is not the student being graded (else "")."""
        student = submission_student(os.path.dirname(self.course.path)) if grading_mode() else None
        return owner_of(self.facts, student or self.course.student)

    def result(self, criterion: str, **answers) -> Result:
        """Score one criterion (no printing)."""
        item = self.rubric.get(criterion)
        if item is None:
            raise InvalidInput("grading.unknown_criterion", field="criterion", name=criterion,
                               choices=", ".join(self.rubric))
        f = self.facts
        # nbgrader gives 0 to a test cell that writes to stderr: warnings must not leak out. The
        # file is held for the whole check (a workspace opened keep_open=False would otherwise be
        # reopened for every query).
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()), f.db.reading():
            warnings.simplefilter("ignore")
            try:
                mark = item.check(f, self.strict, **{k: answers.get(k) for k in item.answers})
            except CRMError as error:
                mark = Mark(0.0, [f.t("grading.error", error=error.message(f.language))])
            flagged = self.strict and bool(self.findings)
        share = min(max(float(mark.share), 0.0), 1.0)
        lines = list(mark.lines)
        owner = self.identity
        if flagged:
            share = 0.0
            shown = self.findings[:SHOWN]
            lines = [f.t("grading.flagged", flag=FLAG)] + [f"  - {x}" for x in shown]
            if len(self.findings) > len(shown):
                lines.append("  - " + f.t("grading.more", n=len(self.findings) - len(shown)))
        if owner:  # graded as it stands, and said first: the instructor confirms whose work it is
            lines.insert(1 if flagged else 0, f.t("grading.identity", flag=IDENTITY, owner=owner,
                                                  student=self.course.student))
        score = round(share * item.points, 2)
        lines.append(f.t("grading.score", title=f.t(f"rubric.{self.course.assignment}.{criterion}"),
                         score=_number(score), points=_number(item.points)))
        return Result(criterion, score, float(item.points), tuple(lines), flagged, owner)

    def __call__(self, criterion: str, **answers) -> float:
        """Print the feedback on one criterion and return its score — a test cell's last expression."""
        result = self.result(criterion, **answers)
        print(result)
        return float(result.score)

    def report(self, *, answers: dict | None = None):
        """Every criterion of the assignment scored, as a DataFrame (criterion, score, points, flagged,
        feedback); criteria that need an answer from the notebook score 0 without one."""
        rows = []
        with self.facts.db.reading():
            self.findings  # noqa: B018 — once, while the file is held
        for name, item in self.rubric.items():
            result = self.result(name, **(answers or {}).get(name, {}))
            rows.append({"criterion": name, "score": result.score, "points": result.points,
                         "needs_answer": bool(item.answers), "flagged": result.flagged, "identity": result.identity,
                         "feedback": str(result)})
        return pd.DataFrame(rows)


def _number(value: float) -> str:
    return f"{value:g}"


def regrade(path, *, student: str | None = None, language: str | None = None):
    """Score a workspace's state criteria outside any notebook, strictly (the instructor's check
    of autograde: a student's code cannot have changed how this scores). Read-only."""
    path = pathlib.Path(path)
    name = path.name.split("-", 1)[0] if "-" in path.name else path.stem
    spec = assignment(name)
    try:
        crm = CRM.open(path, read_only=True, keep_open=True, language=language)
    except CRMError as error:  # not a workspace at all: every criterion 0, and say why
        crm, problem = None, error.message(language)
    try:
        if crm is not None:
            user = spec.user or crm.simulation.info().student_user or ADMIN_USERNAME
            try:
                course = Course(spec, os.fspath(path), student or "", crm.as_user(user), True, False)
            except CRMError as error:  # a workspace whose start record is gone
                problem = error.message(crm.language)
            else:
                grader = Grader(course, strict=True)
                frame = grader.report()
                frame.attrs["findings"] = grader.findings
                frame.attrs["identity"] = grader.identity
                frame.attrs["worked"] = grader.facts.worked()
                return frame
        frame = pd.DataFrame([{"criterion": c.name, "score": 0.0, "points": float(c.points),
                               "needs_answer": bool(c.answers), "flagged": True, "identity": "", "feedback": problem}
                              for c in rubrics.rubric(name).values()])
        frame.attrs["findings"], frame.attrs["worked"], frame.attrs["identity"] = [problem], False, ""
        return frame
    finally:
        if crm is not None:
            crm.close()
