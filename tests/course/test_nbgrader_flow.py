"""The whole course through real nbgrader and real kernels, for every assignment:

generate_assignment → release_assignment → students fetch → four students work and submit → collect →
autograde → generate_feedback → release_feedback → a student fetches the feedback.

The four students: `ana` hands in the instructor's reference solution (the source notebook's code, acting
on her CRM through the engine's verbs as the forms do), `ben` hands in the blank release without running
it, `cai` does the first half of the tasks, `dan` runs the blank notebook and then edits his workspace's
tables directly to look done. One release and one grading run per session (about 3.5 s per notebook to
autograde here), shared by every test in this module.
"""
from __future__ import annotations

import math
import re

import nbformat
import pytest

from crm_engine.course import instructor as course_admin
from crm_engine.course.workspaces import ASSIGNMENTS, Course
from crm_engine.course.grading import FLAG, Grader, regrade
from crm_engine.course.rubrics import rubric

from .nbgrader_helpers import (
    REPO,
    errors,
    execute,
    fetch,
    fetch_feedback,
    fill,
    game,
    grade_id,
    make_course,
    notebook_of,
    owners,
    sha256,
    submit,
)

pytestmark = pytest.mark.slow

NAMES = list(ASSIGNMENTS)
STUDENTS = {"ana": "full", "ben": "blank", "cai": "partial", "dan": "gamed"}
# The first half of each assignment's tasks (the capstone's partial run is two weeks of four, below).
PARTIAL = {"a1_opportunity": {"assign", "plan"}, "a2_leads": {"claim", "follow_up"},
           "a3_churn": {"at_risk", "contact"}, "a4_service": {"ticket", "assign"},
           "a5_analysis": {"contribution", "composition"}, "a6_capstone": {"routine", "weeks"}}
HALF_MONTH = {"weeks": "for number in range(3):   # the start, then two weeks\n"
                       "    print(course.once(f\"week-{number}\", week, number))"}
SUPPORT = "price_list.csv"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Release every assignment, let the four students work and submit, grade the class."""
    base = tmp_path_factory.mktemp("course")
    root, exchange = make_course(base)
    # An instructor ran assignment 1 inside source/ (a workspace is left there) and ships a data file.
    source_a1 = root / "source" / "a1_opportunity"
    Course.open("a1_opportunity", folder=source_a1, student="teacher").close()
    (source_a1 / SUPPORT).write_text("code,price\nNB-14,4999\n", "utf-8")
    state = {"root": root, "exchange": exchange, "homes": {}, "before": {}, "targets": {}, "executed": {}}
    with course_admin_env(base):
        for name in NAMES:
            course_admin.release(name, root=root)
        for student, kind in STUDENTS.items():
            home = base / "home" / student
            home.mkdir(parents=True)
            state["homes"][student] = home
            for name in NAMES:
                folder = fetch(exchange, name, home)
                state["executed"][(student, name)] = work(kind, name, folder, student, state)
                submit(exchange, name, home, student)
        for name in NAMES:
            course_admin.grade(name, root=root, check_owner=False, release_feedback=True)
        state["feedback"] = fetch_feedback(exchange, "a1_opportunity", state["homes"]["ana"], "ana")
    return state


class course_admin_env:
    """Isolated Jupyter folders for everything the tests start (no user config leaks in)."""

    def __init__(self, base):
        from .nbgrader_helpers import environ
        self._env = environ(JUPYTER_CONFIG_DIR=str(base / "jupyter"), JUPYTER_DATA_DIR=str(base / "jupyter-data"),
                            CRM_LAB_STUDENT=None, NBGRADER_EXECUTION=None)

    def __enter__(self):
        return self._env.__enter__()

    def __exit__(self, *exc):
        return self._env.__exit__(*exc)


def work(kind: str, name: str, folder, student: str, state: dict):
    """What each student does before submitting; returns the executed notebook (None if never run)."""
    (path,) = sorted(folder.glob("*.ipynb"))
    release = nbformat.read(path, as_version=4)
    source = nbformat.read(notebook_of(name), as_version=4)
    if kind == "blank":
        return None
    if kind == "full":
        nb = fill(release, source)
    elif kind == "partial":
        nb = fill(release, source, keep=PARTIAL[name], replace=HALF_MONTH if name == "a6_capstone" else None)
    else:  # gamed: runs the untouched notebook (it makes the workspace), then edits the tables
        nb = release
    execute(nb, folder, student)
    nbformat.write(nb, path)
    workspace = next(folder.glob(f"{name}-*.crm"))
    opened = Course.open(name, folder=folder, student=student)
    state["targets"][(student, name)] = opened.targets
    if kind == "gamed":
        opened.close()
        game(name, workspace, state["targets"][(student, name)])
        opened = Course.open(name, folder=folder, student=student)
        state["visible_gamed"] = state.get("visible_gamed", {})
        state["visible_gamed"][name] = float(Grader(opened).report()["score"].sum())
    opened.close()
    if kind == "full" and name == "a1_opportunity":
        (folder / SUPPORT).write_text("code,price\nNB-14,1\n", "utf-8")  # the student's own edit of a supplied file
    state["before"][(student, name)] = sha256(workspace)
    return nb


def scores(state, name) -> dict:
    """student → {criterion: auto score} of the test cells, from nbgrader's gradebook."""
    frame = course_admin.gradebook_scores(name, root=state["root"])
    frame = frame[frame["cell"].str.startswith("test-")]
    return {s: dict(zip(g["criterion"], g["auto"])) for s, g in frame.groupby("student")}


def board(state, name):
    """The class dashboard of an assignment (computed once per session)."""
    boards = state.setdefault("boards", {})
    if name not in boards:
        boards[name] = course_admin.dashboard(name, root=state["root"])
    return boards[name]


def points(name) -> dict:
    return {c.name: c.points for c in rubric(name).values()}


# -- the notebooks and the release ------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_each_test_cell_is_worth_what_the_rubric_says(name):
    nb = nbformat.read(notebook_of(name), as_version=4)
    cells = {grade_id(c).removeprefix("test-"): c.metadata.nbgrader["points"] for c in nb.cells
             if grade_id(c).startswith("test-")}
    assert cells == points(name)
    ids = [c.get("id") for c in nb.cells]
    assert len(ids) == len(set(ids)) and all(ids)


@pytest.mark.parametrize("name", NAMES)
def test_the_release_contains_no_solution_and_no_hidden_test(course, name):
    (released,) = (course["root"] / "release" / name).glob("*.ipynb")
    text = released.read_text("utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "strict=True", "=== BEGIN"):
        assert marker not in text
    source = nbformat.read(notebook_of(name), as_version=4)
    release = nbformat.read(released, as_version=4)
    shipped = "\n".join(c.source for c in release.cells)
    for cell in source.cells:
        if cell.cell_type == "code" and "BEGIN SOLUTION" in cell.source:
            inside = cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
            code = [line.strip() for line in inside.splitlines() if line.strip() and not line.strip().startswith("#")]
            assert [line for line in code if line in shipped and len(line) > 12] == []
    assert not list((course["root"] / "release" / name).glob("*.duckdb*"))


def test_an_instructor_workspace_in_source_is_never_released_nor_collected(course):
    root = course["root"]
    assert list((root / "source" / "a1_opportunity").glob("*.duckdb"))        # it is there …
    assert not list(root.glob("release/**/*.duckdb*"))                        # … never released
    assert not list(course["exchange"].glob("**/*.duckdb*"))                  # … never in the exchange
    assert (root / "release" / "a1_opportunity" / SUPPORT).exists()           # supporting files are


# -- the grades -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_the_reference_solution_scores_full_marks(course, name):
    assert errors(course["executed"][("ana", name)]) == []
    assert scores(course, name)["ana"] == points(name)


@pytest.mark.parametrize("name", NAMES)
def test_the_blank_release_scores_zero(course, name):
    got = scores(course, name)["ben"]
    assert set(got) == set(points(name))
    assert sum(got.values()) == 0


@pytest.mark.parametrize("name", NAMES)
def test_half_the_tasks_score_what_the_rubric_gives_them(course, name):
    got, full = scores(course, name)["cai"], points(name)
    assert errors(course["executed"][("cai", name)]) == []
    if name == "a6_capstone":  # two of four weeks: the month half run, every outcome counted half at most
        assert got["month"] == pytest.approx(0.5)
        assert all(got[c] <= full[c] / 2 + 1e-9 for c in full)
        assert 0 < sum(got.values()) < sum(full.values())
        return
    owner = owners(nbformat.read(notebook_of(name), as_version=4))
    expected = {c: (p if owner[f"test-{c}"] in PARTIAL[name] else 0.0) for c, p in full.items()}
    assert got == expected


@pytest.mark.parametrize("name", NAMES)
def test_a_workspace_edited_behind_the_engines_back_is_flagged_and_scores_zero(course, name):
    assert sum(scores(course, name)["dan"].values()) == 0
    (autograded,) = (course["root"] / "autograded" / "dan" / name).glob("*.ipynb")
    assert FLAG in autograded.read_text("utf-8")
    outcomes = board(course, name).outcomes
    assert bool(outcomes.loc["dan", "flagged"]) and not outcomes["flagged"].drop("dan").any()


def test_the_hidden_tests_are_what_catch_gaming(course):
    """The visible grader (what a student sees on Validate) is fooled by forged audit rows; autograde is not."""
    assert course["visible_gamed"]["a1_opportunity"] > 0
    assert sum(scores(course, "a1_opportunity")["dan"].values()) == 0


# -- the files nbgrader moves ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_autograde_grades_the_workspace_exactly_as_submitted(course, name):
    """(d) grading opens the workspace read-only: the autograded copy is byte for byte what was submitted."""
    root = course["root"]
    for student in ("ana", "cai", "dan"):
        submitted = next((root / "submitted" / student / name).glob("*.crm"))
        autograded = next((root / "autograded" / student / name).glob("*.crm"))
        assert sha256(submitted) == sha256(autograded) == course["before"][(student, name)]


def test_supporting_files_are_overwritten_but_never_the_students_workspace(course):
    """(e) autograde copies source/'s supporting files over the student's; the .crm is not among them."""
    graded = course["root"] / "autograded" / "ana" / "a1_opportunity"
    assert (graded / SUPPORT).read_text("utf-8") == "code,price\nNB-14,4999\n"
    assert sha256(next(graded.glob("*.crm"))) == course["before"][("ana", "a1_opportunity")]


def test_a_blank_submission_without_a_workspace_is_graded_on_the_untouched_company(course):
    graded = course["root"] / "autograded" / "ben" / "a1_opportunity"
    assert [p.name for p in graded.glob("*.crm")] == ["a1_opportunity-ben.crm"]
    assert not list((course["root"] / "submitted" / "ben" / "a1_opportunity").glob("*.crm"))


def test_feedback_reaches_the_student_without_their_workspace(course):
    root = course["root"]
    for name in NAMES:
        for student in STUDENTS:
            folder = root / "feedback" / student / name
            assert list(folder.glob("*.html")) and not list(folder.glob("*.crm"))
    (fetched,) = course["feedback"].rglob("*.html")      # ana's own feedback, and only hers
    assert "Development plan (3 concrete steps): 3 of 3 points." in fetched.read_text("utf-8")


def test_a_chart_the_student_made_is_in_the_autograded_notebook_and_the_feedback(course):
    """a5's solution calls px.bar directly: the autograded notebook keeps the figure as plotly JSON (drawn by
    JupyterLab's plotly extension, no plotly.js saved in it); the feedback HTML draws it with plotly.js once
    (nbgrader_config.py's HTMLExporter setting, crm_engine/ui/chart_export.py), offline."""
    root = course["root"]
    (feedback,) = (root / "feedback" / "ana" / "a5_analysis").glob("*.html")
    html = feedback.read_text("utf-8")
    assert 'class="plotly-graph-div"' in html and html.count("* plotly.js v") == 1
    (graded,) = (root / "autograded" / "ana" / "a5_analysis").glob("*.ipynb")
    outputs = [o for c in nbformat.read(graded, as_version=4).cells if grade_id(c) == "chart" for o in c.outputs]
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)
    assert "plotly.js v" not in graded.read_text("utf-8")


# -- the instructor's view ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_the_dashboard_agrees_with_autograde(course, name):
    found = board(course, name)
    assert sorted(found.grades.index) == sorted(STUDENTS)
    assert found.grades.loc["ana", "total"] >= sum(points(name).values())
    assert not found.outcomes["mismatch"].any()     # the regrade outside the notebooks finds the same scores
    assert len(found.mistakes) > 0                  # ben, cai and dan lost points somewhere
    assert found.outcomes.loc["ben", "actions"] == 0
    if name != "a5_analysis":                       # the analysis only reads the CRM
        assert found.outcomes.loc["ana", "actions"] > 0


def test_the_instructor_dashboard_notebook_runs_on_the_class(course, tmp_path):
    nb = nbformat.read(REPO / "notebooks" / "instructor" / "course_dashboard.ipynb", as_version=4)
    execute(nb, tmp_path, None, CRM_LAB_COURSE_ROOT=str(course["root"]), CRM_LAB_ASSIGNMENT="a1_opportunity")
    assert errors(nb) == []
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "4 graded submission(s)" in printed and "- dan:" in printed
    charts = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(charts) == 3


def test_the_regrade_reads_a_workspace_without_any_notebook(course):
    path = next((course["root"] / "autograded" / "ana" / "a3_churn").glob("*.crm"))
    frame = regrade(path, student="ana")
    state = frame[~frame["needs_answer"]]
    assert state["score"].sum() == sum(p for c, p in points("a3_churn").items() if c != "at_risk")
    assert re.search(r"churn warnings were suspended", "\n".join(frame["feedback"]))


def test_every_test_cell_outputs_a_number_nbgrader_can_read(course):
    """A test cell's score is its last output; stderr or a missing number would be misread as 0 or full."""
    for name in NAMES:
        (graded,) = (course["root"] / "autograded" / "ana" / name).glob("*.ipynb")
        nb = nbformat.read(graded, as_version=4)
        for cell in nb.cells:
            if grade_id(cell).startswith("test-"):
                kinds = [o.output_type for o in cell.outputs]
                assert "execute_result" in kinds and "error" not in kinds
                assert not any(o.output_type == "stream" and o.name == "stderr" for o in cell.outputs)
                value = next(o for o in cell.outputs if o.output_type == "execute_result")["data"]["text/plain"]
                assert math.isfinite(float(value))


def test_the_course_commands_work_on_the_class_and_are_documented(course, tmp_path):
    from click.testing import CliRunner

    from crm_engine.cli import course as group

    runner = CliRunner()
    shown = runner.invoke(group, ["dashboard", "a1_opportunity", "--root", str(course["root"])])
    assert shown.exit_code == 0, shown.output
    assert "a1_opportunity: 4 student(s)" in shown.output and "dan" in shown.output
    listed = runner.invoke(group, ["list"])
    assert "a6_capstone" in listed.output and "test-pipeline: 3" in listed.output
    made = runner.invoke(group, ["workspace", "a2_leads", "s555", "--folder", str(tmp_path)])
    assert made.exit_code == 0 and (tmp_path / "a2_leads-s555.crm").exists()
    missing = runner.invoke(group, ["dashboard", "a1_opportunity", "--root", str(tmp_path)])
    assert missing.exit_code != 0 and "is not a course root" in missing.output
    docs = (REPO / "docs" / "course.md").read_text("utf-8")
    assert all(f"crm-lab course {name}" in docs for name in group.commands)


# -- a class on a JupyterHub (what can be checked offline) ------------------------------------------------------
def test_the_jupyterhub_example_names_the_course_service_groups_and_roles(tmp_path, monkeypatch):
    """The hub config loads (traitlets, as JupyterHub loads it) and wires the course as nbgrader needs."""
    from traitlets.config.loader import PyFileConfigLoader

    (tmp_path / "students.txt").write_text("s001\ns002  # a comment\n\n", "utf-8")
    monkeypatch.setenv("CRM_LAB_ROSTER", str(tmp_path / "students.txt"))
    monkeypatch.setenv("CRM_LAB_INSTRUCTORS", "teacher,ta")
    config = PyFileConfigLoader("jupyterhub_config.py", path=str(REPO)).load_config()
    assert set(config.Authenticator.allowed_users) == {"s001", "s002", "teacher", "ta"}
    assert set(config.Authenticator.admin_users) == {"teacher", "ta"}
    course_id = "crm-lab"
    service = next(s for s in config.JupyterHub.services if s["name"] == course_id)
    assert service["user"] == f"grader-{course_id}"
    assert config.JupyterHub.load_groups[f"formgrade-{course_id}"]["users"] == ["teacher", "ta"]
    roles = {r["name"]: r for r in config.JupyterHub.load_roles}
    assert f"access:services!service={course_id}" in roles[f"formgrade-{course_id}"]["scopes"]
    assert roles["server"]["scopes"] == ["inherit"]
    nbgrader = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    assert nbgrader.CourseDirectory.course_id == course_id
    assert config.Spawner.environment["PATH"].startswith(str(config.Spawner.cmd[0]).rsplit("/", 1)[0])
