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

from crm_engine import course_admin
from crm_engine.grading import FLAG, IDENTITY
from crm_engine.rubrics import rubric

from .nbgrader_helpers import fetch, make_course, notebook_of, owners, submit
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
    root, exchange = make_course(base)
    state = {"root": root, "homes": {}, "before": {}, "targets": {}, "executed": {}}
    with course_admin_env(base):
        course_admin.release(A, root=root)
        for student, kind in KINDS.items():
            home = base / "home" / student
            home.mkdir(parents=True)
            folder = fetch(exchange, A, home)
            state["executed"][student] = work(kind, A, folder, None if student in SHARED_ACCOUNT else student, state)
            submit(exchange, A, home, student)
        result = CliRunner().invoke(_course_group(), ["grade", A, "--root", str(root), "--no-check-owner"])
        state["grade_output"] = result.output
        state["grade_code"] = result.exit_code
        state["board"] = course_admin.dashboard(A, root=root)
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
    assert f"Graded {A}: 5 submission(s)." in out
    assert "Flagged (workspace edited outside the CRM): dan" in out
    assert f"eve (workspace made for {graded['account']})" in out
