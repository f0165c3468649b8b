"""The instructor's side of the course: nbgrader's steps, a regrade outside the notebooks, the class dashboard.

    from crm_engine.course import instructor as ca
    ca.nbgrader("generate_assignment", "a1_opportunity", root="~/course")   # any nbgrader step
    ca.release("a1_opportunity", root=…)        # generate_assignment + release_assignment
    ca.grade("a1_opportunity", root=…)          # collect + autograde + generate_feedback (+ release_feedback)
    board = ca.dashboard("a1_opportunity", root=…)
    board.grades, board.criteria, board.mistakes, board.outcomes   # DataFrames (charts: the instructor notebook)
    teams = ca.team_dashboard(root=…)           # the team assignment: each team's grade, each member's contribution

nbgrader itself is run as a subprocess (`python -m nbgrader …`) from the course root, so the
course's nbgrader_config.py applies exactly as it does on the command line; the environment's
`bin` folder is put on PATH because nbgrader calls `alembic` to create its gradebook. The
regrade opens each autograded workspace read-only, outside any student code, and scores it
strictly: a notebook whose code tampered with the grader shows up as a mismatch.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
import pathlib
import re
import shutil
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ..crm import ADMIN_USERNAME, CRM
from ..errors import CRMError, WorkspaceError
from . import batch, team
from .grading import IDENTITY, regrade
from .nbgrader_steps import course_root, environment, known_assignment, nbgrader  # noqa: F401 - part of this module's API
from .rubrics import rubric
from .workspaces import ASSIGNMENTS, STUDENT_SUFFIX


# -- setting up a course root and its exchange --------------------------------------------------------------
EXCHANGE_LINE = re.compile(r"^c\.Exchange\.root\s*=.*$", re.MULTILINE)
REPOSITORY = pathlib.Path(__file__).resolve().parents[2]   # where the course's own config and source/ live


def exchange_root(root=None) -> pathlib.Path | None:
    """The exchange the course's nbgrader_config.py sets (`c.Exchange.root`), or None when it sets none."""
    from traitlets.config.loader import PyFileConfigLoader  # lazily: nbgrader's stack, for instructors only

    folder = course_root(root)
    if not (folder / "nbgrader_config.py").exists():
        raise WorkspaceError("course_admin.no_config", folder=str(folder))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    value = config.Exchange.get("root") if "Exchange" in config else None
    return pathlib.Path(value) if value else None


def init(root=None, *, exchange=None) -> list[str]:
    """Set up a course root: nbgrader_config.py and source/ (copied from this repository when missing),
    an exchange (ROOT/exchange by default, or `exchange` — a hub's shared folder), `Exchange.root` written
    into nbgrader_config.py, and the permissions checked. Returns what it did and found, line by line."""
    folder = pathlib.Path(root or os.getcwd()).expanduser().resolve()
    done = []
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "nbgrader_config.py"
    if not config.exists():
        shutil.copy(REPOSITORY / "nbgrader_config.py", config)
        done.append(f"Copied nbgrader_config.py into {folder}.")
    if not (folder / "source").exists() and (REPOSITORY / "source").is_dir():
        shutil.copytree(REPOSITORY / "source", folder / "source",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.duckdb*", "*.crm*"))
        done.append(f"Copied the assignments into {folder / 'source'}.")
    place = pathlib.Path(exchange).expanduser().resolve() if exchange else folder / "exchange"
    if not place.exists():
        try:
            place.mkdir(parents=True)
        except OSError as error:
            raise WorkspaceError("course_admin.exchange_unwritable", exchange=str(place), detail=str(error)) from None
        done.append(f"Created the exchange {place}.")
    else:
        done.append(f"The exchange {place} exists.")
    mode = stat.S_IMODE(place.stat().st_mode)
    if mode & 0o777 != 0o777:
        # every student submits into it as their own Unix user: nbgrader needs it world-writable
        try:
            place.chmod(mode | 0o777)
            done.append(f"Made it writable for every user ({oct(mode)} → {oct(mode | 0o777)}).")
        except OSError:
            done.append(f"WARNING: it is {oct(mode)} and you cannot change that; students on other accounts cannot "
                        f"submit until its owner runs: chmod 777 {place}")
    try:  # can this account really write there (a read-only mount has the bits but refuses)?
        with tempfile.NamedTemporaryFile(dir=place):
            pass
    except OSError as error:
        raise WorkspaceError("course_admin.exchange_unwritable", exchange=str(place), detail=str(error)) from None
    text = config.read_text("utf-8")
    line = f"c.Exchange.root = {str(place)!r}"
    if EXCHANGE_LINE.search(text):
        text = EXCHANGE_LINE.sub(lambda _: line, text, count=1)
    else:
        text = text.rstrip("\n") + ("\n\n# Where students fetch assignments and submit (crm-lab course init wrote this; "
                                     "on a hub, the shared folder).\n" + line + "\n")
    config.write_text(text, "utf-8")
    done.append(f"nbgrader_config.py: {line}")
    user = getpass.getuser()
    if getattr(os, "geteuid", lambda: -1)() == 0:
        done.append(f"Running as root: the course folders are root's; students on other accounts reach only the "
                    f"exchange ({oct(stat.S_IMODE(place.stat().st_mode))}).")
    else:
        done.append(f"Checked: {user} can write the exchange and the course root.")
    return done


def release(assignment: str, *, root=None) -> pathlib.Path:
    """generate_assignment (source/ → release/, the gradebook learns the cells) and release_assignment
    (release/ → the exchange, where students fetch it). Returns the release folder."""
    known_assignment(assignment)
    place = exchange_root(root)
    if place is None or not place.is_dir():
        # never nbgrader's default /usr/local/share/nbgrader/exchange, made (as root) or refused without a word
        raise WorkspaceError("course_admin.no_exchange", folder=str(course_root(root)),
                             exchange=str(place) if place else "—")
    nbgrader("generate_assignment", assignment, "--force", root=root)
    nbgrader("release_assignment", assignment, "--force", root=root)
    return course_root(root) / "release" / assignment


def grade(assignment: str, *, root=None, collect: bool = True, feedback: bool = True,
          release_feedback: bool = False, check_owner: bool = True, workers: int | None = 1, progress=None):
    """collect → autograde → generate_feedback (→ release_feedback): the whole class at once. With
    `workers` other than 1 (None: one per core), autograde runs in parallel worker processes
    (`course_batch`) and `progress(done, total)` hears of each submission; returns its summary."""
    known_assignment(assignment)
    if collect:
        nbgrader("collect", assignment, "--update", f"--ExchangeCollect.check_owner={check_owner}", root=root)
    summary = None
    if workers == 1 and progress is None:
        nbgrader("autograde", assignment, "--force", root=root)
    else:
        summary = batch.autograde(assignment, root=root, workers=workers, progress=progress)
    if feedback:
        nbgrader("generate_feedback", assignment, "--force", root=root)
    if release_feedback:
        nbgrader("release_feedback", assignment, root=root)
    return summary


def workspaces(assignment: str, *, root=None, step: str = "autograded") -> dict[str, pathlib.Path]:
    """student id → their workspace file in `<root>/<step>/<student>/<assignment>/`."""
    found = {}
    for path in sorted((course_root(root) / step).glob(f"*/{assignment}/{assignment}-*{STUDENT_SUFFIX}")):
        found.setdefault(path.parent.parent.name, path)
    return found


def gradebook_scores(assignment: str, *, root=None) -> pd.DataFrame:
    """One row per (student, grade cell): auto score, manual score, points — from nbgrader's gradebook."""
    from nbgrader.api import Gradebook, MissingEntry  # lazily: nbgrader is heavy and only instructors need it

    rows = []
    url = f"sqlite:///{course_root(root) / 'gradebook.db'}"
    with Gradebook(url) as gb:
        try:
            submissions = gb.assignment_submissions(assignment)
        except MissingEntry:
            submissions = []
        for submission in submissions:
            for notebook in submission.notebooks:
                for g in notebook.grades:
                    rows.append({"student": submission.student.id, "cell": g.name,
                                 "criterion": g.name.removeprefix("test-"), "auto": g.auto_score,
                                 "manual": g.manual_score, "score": g.score, "points": g.max_score,
                                 "needs_manual_grade": g.needs_manual_grade})
    return pd.DataFrame(rows, columns=["student", "cell", "criterion", "auto", "manual", "score", "points",
                                       "needs_manual_grade"])


def course_id(root=None) -> str:
    """The course's id from its nbgrader_config.py (`CourseDirectory.course_id`)."""
    from traitlets.config.loader import PyFileConfigLoader  # lazily: nbgrader's stack, for instructors only

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root(root))).load_config()
    return str(config.CourseDirectory.get("course_id") or "default_course")


def grades_for_lms(*, root=None) -> pd.DataFrame:
    """Every student's total per assignment of this course, as an LMS imports grades: one row per
    (student_id, assignment) with score and max_score (penalties and manual grades included, as
    nbgrader's gradebook has them). A student with no submission of an assignment gets an empty score."""
    from nbgrader.api import Gradebook, MissingEntry  # lazily: nbgrader is heavy and only instructors need it

    folder = course_root(root)
    if not (folder / "nbgrader_config.py").exists():
        raise WorkspaceError("course_admin.no_config", folder=str(folder))
    if not (folder / "gradebook.db").exists():
        raise WorkspaceError("course_admin.no_gradebook", folder=str(folder))
    this_course = course_id(root)
    rows = []
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", course_id=this_course) as gb:
        students = sorted(s.id for s in gb.students)
        # scoped to the course: its own assignments, in the course's order, nothing another course left there
        names = [a.name for a in gb.assignments if getattr(a, "course_id", this_course) in (this_course, None)]
        for name in sorted(names, key=lambda n: (list(ASSIGNMENTS).index(n) if n in ASSIGNMENTS else 99, n)):
            assignment = gb.find_assignment(name)
            handed = {}
            for submission in gb.assignment_submissions(name):
                handed[submission.student.id] = float(submission.score or 0)
            for student in students:
                rows.append({"student_id": student, "assignment": name,
                             "score": handed.get(student), "max_score": float(assignment.max_score)})
    return pd.DataFrame(rows, columns=["student_id", "assignment", "score", "max_score"])


def export_grades(out, *, root=None, wide: bool = False) -> pd.DataFrame:
    """Write the course's grades as CSV for an LMS: long (student_id, assignment, score, max_score — one
    row each) or `wide` (one row per student, a column per assignment, a first row "Points Possible",
    the layout Canvas's and Moodle's gradebook import maps). Returns what was written."""
    frame = grades_for_lms(root=root)
    if wide:
        table = frame.pivot(index="student_id", columns="assignment", values="score")
        table = table[list(dict.fromkeys(frame["assignment"]))]
        points = frame.drop_duplicates("assignment").set_index("assignment")["max_score"]
        table = pd.concat([pd.DataFrame([points.reindex(table.columns).values], columns=table.columns,
                                        index=["Points Possible"]), table])
        table.index.name = "student_id"
        frame = table.reset_index()
    frame.to_csv(out, index=False, float_format="%g")
    return frame


def outcomes(crm: CRM, start_id: int = 0) -> dict:
    """What a student's company looks like: a few numbers every assignment can be compared on."""
    db = crm.as_user(ADMIN_USERNAME).tables
    since = db.scalar("SELECT on_date FROM audit WHERE id = ?", [start_id]) if start_id else None
    since = since or dt.date(1900, 1, 1)
    value = db.scalar("SELECT coalesce(sum(won_amount), 0) FROM opportunities WHERE state = 'succeeded' "
                      "AND closed_on >= ?", [since])
    return {
        "actions": db.scalar("SELECT count(*) FROM audit WHERE id > ? AND kind <> 'course'", [start_id]),
        "days_run": (crm.today() - since).days if start_id else 0,
        "won_amount": float(value or 0),
        "opportunities_closed": db.scalar("SELECT count(*) FROM opportunities WHERE closed_on >= ?", [since]),
        "leads_converted": db.scalar("SELECT count(*) FROM leads WHERE converted_on >= ?", [since]),
        "churn_answered": db.scalar("SELECT count(DISTINCT record_id) FROM audit WHERE id > ? AND kind = 'churn' "
                                    "AND action IN ('suspend', 'confirm')", [start_id]),
        "tickets_archived": db.scalar("SELECT count(*) FROM tickets WHERE archived_on >= ?", [since]),
        "satisfaction": db.scalar("SELECT avg(satisfaction) FROM tickets WHERE feedback_on >= ?", [since]),
    }


def regrade_class(assignment: str, *, root=None) -> pd.DataFrame:
    """Every autograded workspace scored strictly outside the notebooks: student, criterion, score,
    points, needs_answer, flagged, feedback — plus the integrity findings and CRM outcomes per student."""

    frames = []
    for student, path in workspaces(assignment, root=root).items():
        frame = regrade(path, student=student)
        frame.insert(0, "student", student)
        frame["findings"] = "; ".join(frame.attrs.get("findings", []))
        frames.append(frame)
    columns = ["student", "criterion", "score", "points", "needs_answer", "flagged", "identity", "feedback",
               "findings"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


_NUMBERS = re.compile(r"\d[\d,.:-]*")


def test_outputs(assignment: str, *, root=None) -> dict[tuple[str, str], str]:
    """(student, criterion) → what the test cell printed in the autograded notebook: the feedback the
    student got, answer criteria included (the regrade cannot see a notebook's answers)."""
    import nbformat  # lazily: only the instructor's feedback reading needs it

    found = {}
    for path in sorted((course_root(root) / "autograded").glob(f"*/{assignment}/*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 — an unreadable notebook only costs the dashboard a reason
            continue
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            if gid.startswith("test-"):
                text = "".join(o.get("text", "") for o in cell.get("outputs", [])
                               if o.get("output_type") == "stream" and o.get("name") == "stdout")
                found[(path.parent.parent.name, gid.removeprefix("test-"))] = text
    return found


def reason(feedback: str) -> str:
    """The one reason a piece of feedback gives: its first line, numbers blanked out (so "Opportunity 17
    has 1 plan step" and "Opportunity 4 has 2 plan steps" are one mistake). The last line is the score."""

    # the identity headline is said on every criterion: it is the instructor's column, not a mistake
    lines = [line.strip() for line in str(feedback or "").splitlines()
             if line.strip() and not line.strip().startswith(IDENTITY)]
    return _NUMBERS.sub("…", lines[0]) if len(lines) > 1 else ""


def common_mistakes(regraded: pd.DataFrame, scores: pd.DataFrame | None = None,
                    printed: dict | None = None) -> pd.DataFrame:
    """Per criterion: how many students lost points and the most common reason — one reason per
    student (the first line of their feedback on it), never one per feedback line.

    Who lost points comes from the gradebook (`scores`, nbgrader's own score) where it has the
    student, else from the regrade. The reason comes from the autograded notebook's test cell
    (`printed`, what the student was shown) where there is one, else from the regrade — except for a
    criterion graded on a notebook answer, which the regrade cannot see: there only the notebook counts.
    """
    printed = printed or {}
    given = {}
    if scores is not None and len(scores):
        tests = scores[scores["cell"].str.startswith("test-")]
        given = {(r.student, r.criterion): (float(r.score or 0), float(r.points)) for r in tests.itertuples()}
    students = sorted(set(regraded["student"]) | {s for s, _ in given})
    regrade = {(r.student, r.criterion): r for r in regraded.itertuples()}
    # notebook order: the regrade's rows are in rubric order
    names = list(dict.fromkeys(list(regraded["criterion"]) + sorted({c for _, c in given})))
    rows = []
    for criterion in names:
        lost, reasons = 0, Counter()
        points = None
        for student in students:
            mine = regrade.get((student, criterion))
            answer = bool(mine.needs_answer) if mine is not None else False
            if (student, criterion) in given:
                score, points = given[(student, criterion)]
            elif mine is not None and not answer:
                score, points = float(mine.score), float(mine.points)
            else:  # an answer criterion with no grade: nothing to count
                continue
            if score >= points - 1e-9:
                continue
            lost += 1
            if (student, criterion) in printed:
                text = printed[(student, criterion)]
            elif mine is not None and (not answer or mine.flagged):
                text = mine.feedback
            else:
                text = ""
            reasons[reason(text) or "—"] += 1
        top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:1]
        rows.append({"criterion": criterion, "points": points, "lost": lost, "of": len(students),
                     "reason": top[0][0] if top else "", "with_reason": top[0][1] if top else 0})
    return pd.DataFrame(rows, columns=["criterion", "points", "lost", "of", "reason", "with_reason"])


@dataclass
class Dashboard:
    """The class at a glance (instructor notebook and `crm-lab course dashboard`)."""

    assignment: str
    grades: pd.DataFrame      # student × criterion: nbgrader's score (auto, or manual where given)
    criteria: pd.DataFrame    # criterion: points, mean score, share of students with full marks
    mistakes: pd.DataFrame    # criterion: students who lost points, the most common reason and how many gave it
    outcomes: pd.DataFrame    # student: CRM outcomes, score, regrade total, flagged, mismatch with the gradebook

    def score_table(self) -> str:
        """Every student's score per criterion and total, with the points possible in the last row."""
        table = self.grades.copy()
        table.loc["(points)"] = list(self.criteria.set_index("criterion")["points"].reindex(
            [c for c in table.columns if c != "total"])) + [float(self.criteria["points"].sum())]
        table.columns.name = None
        return table.to_string(float_format=lambda v: f"{v:g}")

    def summary(self) -> str:
        """A plain-text version for the terminal."""
        parts = [f"{self.assignment}: {len(self.grades)} student(s)"]
        if len(self.grades):
            parts += ["", self.grades.to_string(), "", self.criteria.to_string(index=False)]
        if len(self.mistakes):
            parts += ["", self.mistakes.to_string(index=False)]
        if len(self.outcomes):
            parts += ["", self.outcomes.to_string()]
        return "\n".join(parts)


def dashboard(assignment: str, *, root=None) -> Dashboard:
    """Grades per criterion, common mistakes and class-wide CRM outcomes for one assignment."""
    known_assignment(assignment)
    if not (course_root(root) / "nbgrader_config.py").exists():
        raise WorkspaceError("course_admin.no_config", folder=str(course_root(root)))
    scores = gradebook_scores(assignment, root=root)
    grades = (scores.pivot_table(index="student", columns="criterion", values="score", aggfunc="sum")
              if len(scores) else pd.DataFrame())
    if len(grades):
        order = [c for c in rubric(assignment) if c in grades.columns]
        grades = grades[order + [c for c in grades.columns if c not in order]]
        grades["total"] = grades.sum(axis=1)
    criteria = (scores.groupby("criterion", sort=False)
                .agg(points=("points", "first"), mean=("score", "mean"),
                     full=("score", lambda s: float((s >= scores.loc[s.index, "points"]).mean())))
                .reset_index() if len(scores) else pd.DataFrame(columns=["criterion", "points", "mean", "full"]))
    regraded = regrade_class(assignment, root=root)
    rows = []
    for student, path in workspaces(assignment, root=root).items():
        try:
            with CRM.open(path, read_only=True) as crm:
                start = crm.as_user(ADMIN_USERNAME).tables.scalar("SELECT min(id) FROM audit WHERE kind = 'course' AND action = 'start'") or 0
                row = {"student": student, **outcomes(crm, start)}
        except CRMError:  # not a workspace any more: the regrade below says why
            row = {"student": student}
        rows.append({**row, **_cross_check(student, regraded, scores)})
    outcome = pd.DataFrame(rows).set_index("student") if rows else pd.DataFrame()
    mistakes = common_mistakes(regraded, scores, test_outputs(assignment, root=root))
    return Dashboard(assignment, grades, criteria, mistakes, outcome)


def _cross_check(student: str, regraded: pd.DataFrame, scores: pd.DataFrame) -> dict:
    """One student's regrade against nbgrader's gradebook. The regrade scores the workspace's state
    criteria; answer criteria are taken from the gradebook (only the notebook has the answers), so
    `regrade_total` is comparable with the gradebook's `score`. `mismatch` is true only when a state
    criterion's regraded score differs from autograde's (a manual score given later is no mismatch),
    and `disagrees` names those criteria."""
    mine = regraded[regraded["student"] == student]
    state = mine[~mine["needs_answer"]]
    nb = scores[(scores["student"] == student) & scores["cell"].str.startswith("test-")] if len(scores) else scores
    auto = {r.criterion: r.auto for r in nb.itertuples()} if len(nb) else {}
    answers = set(mine.loc[mine["needs_answer"], "criterion"])
    row = {"score": float(nb["score"].fillna(0).sum()) if len(nb) else float("nan"),
           "regrade_total": float(state["score"].sum())
           + sum(float(r.score or 0) for r in nb.itertuples() if r.criterion in answers),
           "flagged": bool(mine["flagged"].any()),
           # made for another student id: graded as it stands, the instructor confirms whose work it is
           "identity": next((o for o in mine["identity"] if o), ""),
           "findings": mine["findings"].iloc[0] if len(mine) else ""}
    differ = [r.criterion for r in state.itertuples()
              if r.criterion in auto and auto[r.criterion] is not None and abs(float(auto[r.criterion]) - r.score) > 0.01]
    row["mismatch"] = bool(differ)
    row["disagrees"] = ", ".join(differ)
    return row


# -- the team assignment (T4): graded from each team's shared workspace, not through nbgrader -------------------
TEAMS_FOLDER = "teams"   # <course root>/teams/<team>.duckdb: where `crm-lab team new` puts a class's teams


@dataclass
class TeamDashboard:
    """Every team at a glance: its grade per criterion, and each member's grade and contribution."""

    grades: pd.DataFrame      # team: workspace, score, points, flagged, a column per criterion, problem
    members: pd.DataFrame     # (team, username): name, role, score, points, own part, actions per category, share

    def summary(self) -> str:
        """A plain-text version for the terminal."""
        parts = [f"{team.ASSIGNMENT}: {len(self.grades)} team(s)"]
        if len(self.grades):
            parts += ["", self.grades.to_string(), "", self.members.to_string(index=False)]
        return "\n".join(parts)


def team_dashboard(paths=None, *, root=None, language: str | None = None) -> TeamDashboard:
    """Each team's grade and every member's contribution (read from the audit trail), for the team
    workspaces `paths` — by default every `<course root>/teams/*.duckdb`. Read-only; a workspace that
    cannot be graded (not a team's, held by a running server) is listed with the reason."""
    if paths is None:
        paths = sorted((course_root(root) / TEAMS_FOLDER).glob("*.duckdb"))
    grades, members = [], []
    for path in map(pathlib.Path, paths):
        try:
            with CRM.open(path, read_only=True, language=language) as crm:
                graded = team.grade(crm, language=language)
        except CRMError as error:
            grades.append({"team": path.stem, "workspace": str(path), "problem": str(error)})
            continue
        name = graded.team or path.stem
        grades.append({"team": name, "workspace": str(path), "score": graded.score, "points": graded.points,
                       "flagged": graded.flagged,
                       **{r.criterion: r.score for r in graded.criteria.itertuples()}, "problem": ""})
        counts = graded.contributions.drop(columns=["name", "role"]).set_index("username")
        for row in graded.members.itertuples():
            members.append({"team": name, "username": row.username, "name": row.name, "role": row.role,
                            "score": row.score, "points": row.points, "own": row.own,
                            **{c: int(counts.at[row.username, c]) for c in (*team.SHOWN_ORDER, "total")},
                            "share": float(counts.at[row.username, "share"])})
    board = pd.DataFrame(grades)
    return TeamDashboard(board.set_index("team") if len(board) else board, pd.DataFrame(members))
