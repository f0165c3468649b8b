"""Issue 21's class of five, end to end through the real nbgrader CLI and `crm-lab course …` (assignment 1):

    ana  the reference solution                                       10, no headline
    ben  the blank release, never run                                  0
    cai  the first two tasks (assign, plan)                            what the rubric gives them
    dan  runs the blank notebook, then edits his tables with duckdb    0, FLAGGED
    eve  the reference solution, run on a shared account (`root`):     10, CHECK IDENTITY — not FLAGGED
         her workspace is a1_opportunity-root.crm

Grades, headlines, the dashboard's numbers and the LMS export are asserted. One release and one grading
run per session (autograde is about 3.5 s per notebook here).
"""
from __future__ import annotations

import csv

import nbformat
import pytest
from click.testing import CliRunner

from crm_engine.course import instructor as course_admin
from crm_engine.course.grading import FLAG, IDENTITY
from crm_engine.course.rubrics import rubric

from .nbgrader_helpers import fetch, notebook_of, owners, submit
from .test_nbgrader_flow import PARTIAL, course_admin_env, scores, work

pytestmark = pytest.mark.slow

A = "a1_opportunity"
KINDS = {"ana": "full", "ben": "blank", "cai": "partial", "dan": "gamed", "eve": "full"}
SHARED_ACCOUNT = {"eve"}   # run without a student id: the kernel's user (root here) names the workspace


def points() -> dict:
    return {c.name: c.points for c in rubric(A).values()}


def expected() -> dict:
    """Each student's grade per criterion, from what they did."""
    owner = owners(nbformat.read(notebook_of(A), as_version=4))
    full = points()
    partial = {c: (p if owner[f"test-{c}"] in PARTIAL[A] else 0.0) for c, p in full.items()}
    return {"ana": full, "ben": dict.fromkeys(full, 0.0), "cai": partial, "dan": dict.fromkeys(full, 0.0),
            "eve": full}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    import getpass

    base = tmp_path_factory.mktemp("five")
    root = base / "course"
    state = {"root": root, "homes": {}, "before": {}, "targets": {}, "executed": {}}
    with course_admin_env(base):
        # as docs/course.md's laptop class: init, release, students work, grade, dashboard, export
        state["init"] = CliRunner().invoke(_course_group(), ["init", str(root)]).output
        exchange = root / "exchange"
        released = CliRunner().invoke(_course_group(), ["release", A, "--root", str(root)])
        assert released.exit_code == 0, released.output
        for student, kind in KINDS.items():
            home = base / "home" / student
            home.mkdir(parents=True)
            folder = fetch(exchange, A, home)
            state["executed"][student] = work(kind, A, folder, None if student in SHARED_ACCOUNT else student, state)
            submit(exchange, A, home, student)
        result = CliRunner().invoke(_course_group(), ["grade", A, "--root", str(root), "--no-check-owner",
                                                            "--workers", "2"])
        state["grade_output"] = result.output
        state["grade_code"] = result.exit_code
        state["board"] = course_admin.dashboard(A, root=root)
        state["export"] = CliRunner().invoke(_course_group(), ["export", str(base / "grades.csv"), "--root",
                                                              str(root)])
        state["csv"] = base / "grades.csv"
        state["account"] = getpass.getuser()
    return state


def _course_group():
    from crm_engine.cli import course
    return course


def autograded_text(state, student) -> str:
    (path,) = (state["root"] / "autograded" / student / A).glob("*.ipynb")
    return path.read_text("utf-8")


def test_the_grades(graded):
    assert graded["grade_code"] == 0, graded["grade_output"]
    assert scores(graded, A) == expected()


def test_the_headlines(graded):
    assert FLAG not in autograded_text(graded, "ana") and IDENTITY not in autograded_text(graded, "ana")
    assert FLAG in autograded_text(graded, "dan") and IDENTITY not in autograded_text(graded, "dan")
    eve = autograded_text(graded, "eve")
    assert IDENTITY in eve and FLAG not in eve
    assert f"this workspace belongs to {graded['account']}, not to eve" in eve
    workspaces = [p.name for p in (graded["root"] / "autograded" / "eve" / A).glob("*.crm")]
    assert workspaces == [f"{A}-{graded['account']}.crm"]


def test_the_dashboards_numbers(graded):
    board, want = graded["board"], expected()
    outcomes = board.outcomes
    assert outcomes["flagged"].to_dict() == {"ana": False, "ben": False, "cai": False, "dan": True, "eve": False}
    assert outcomes["identity"].to_dict() == {"ana": "", "ben": "", "cai": "", "dan": "",
                                             "eve": graded["account"]}
    assert not outcomes["mismatch"].any()
    assert outcomes["score"].to_dict() == {s: sum(g.values()) for s, g in want.items()}
    assert outcomes["regrade_total"].to_dict() == outcomes["score"].to_dict()
    mistakes = board.mistakes.set_index("criterion")
    lost = {c: sum(1 for g in want.values() if g[c] < p) for c, p in points().items()}
    assert mistakes["lost"].to_dict() == lost
    assert set(mistakes["of"]) == {5}
    # results: ben and cai recorded none (one reason, two students); dan's is the flag
    assert mistakes.loc["results", "with_reason"] == 2
    assert not mistakes.loc["results", "reason"].startswith(FLAG)


def test_course_grade_prints_the_headlines(graded):
    out = graded["grade_output"]
    assert f"Autograded 5 of 5 submission(s) of {A} with 2 worker(s) in" in out     # in parallel, all of them
    assert "5/5" in out                                                            # the progress bar's end
    assert f"Graded {A}: 5 submission(s)." in out
    assert "Flagged (workspace edited outside the CRM): dan" in out
    assert f"eve (workspace made for {graded['account']})" in out


def test_course_init_made_the_exchange_the_class_used(graded):
    assert f"c.Exchange.root = {str(graded['root'] / 'exchange')!r}" in graded["init"]
    assert list((graded["root"] / "exchange" / "crm-lab" / "inbound").iterdir())


def test_course_grade_prints_every_students_score(graded):
    table = [line.split() for line in graded["grade_output"].splitlines()]
    totals = {row[0]: float(row[-1]) for row in table if row and row[0] in KINDS}
    assert totals == {s: sum(g.values()) for s, g in expected().items()}
    assert any(row[:1] == ["(points)"] and float(row[-1]) == sum(points().values()) for row in table)


def test_the_lms_export(graded):
    assert graded["export"].exit_code == 0, graded["export"].output
    rows = list(csv.DictReader(graded["csv"].open(encoding="utf-8")))
    assert [list(r) for r in rows[:1]] == [["student_id", "assignment", "score", "max_score"]]
    assert {r["student_id"]: float(r["score"]) for r in rows} == {s: sum(g.values()) for s, g in expected().items()}
    assert {(r["assignment"], r["max_score"]) for r in rows} == {(A, "10")}
