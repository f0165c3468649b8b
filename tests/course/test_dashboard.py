"""The class dashboard counts students, not feedback lines — a class of known outcomes, in process.

Four students of assignment 3 (the churn), their workspaces made and worked through the engine's verbs
and laid out as nbgrader's autograde leaves them (`autograded/<student>/a3_churn/…crm`), with a
gradebook written through nbgrader's own API holding the scores autograde gave:

    ana   everything, and the `at_risk` answer right            10 / 10
    ben   nothing (a blank submission)                          0
    cai   the `at_risk` answer and the contacts, nothing else   4
    dan   the contacts, then a warning's state set with duckdb  0, flagged

(The same class through the real nbgrader CLI: tests/course/test_nbgrader_flow.py.)
"""
from __future__ import annotations

import pathlib
import shutil

import duckdb
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from crm_engine.course import instructor as course_admin
from crm_engine.course.workspaces import Course
from crm_engine.course.grading import FLAG, Grader
from crm_engine.course.rubrics import rubric

pytestmark = pytest.mark.slow   # four workspaces made and worked: about ten seconds

REPO = pathlib.Path(__file__).parents[2]
A = "a3_churn"
NOTEBOOK = "03_customer_360_and_churn"
GRADED = {  # what autograde gave each student (the gradebook), criterion by criterion
    "ana": {"at_risk": 2, "contact": 2, "suspend": 3, "confirm": 3},
    "ben": {"at_risk": 0, "contact": 0, "suspend": 0, "confirm": 0},
    "cai": {"at_risk": 2, "contact": 2, "suspend": 0, "confirm": 0},
    "dan": {"at_risk": 0, "contact": 0, "suspend": 0, "confirm": 0},
}


def contact(course: Course):
    crm = course.crm
    course.once("contact", lambda: [crm.customers.log_interaction(c, "Call with the buyer about their silence",
                                                                  channel="phone", detail="Asked why orders stopped")
                                    for c in course.targets["customers"]])


def everything(course: Course):
    """The reference solution of assignment 3, through the engine's verbs."""
    crm, ids = course.crm, course.targets["warnings"]
    contact(course)
    course.once("suspend", lambda: [crm.churn.suspend(w, f"Visited customer of warning {w}, asked why they stopped "
                                                         f"ordering and offered a loyalty discount") for w in ids])
    first = course.once("ask", lambda: [crm.simulation.outcome_of_suspension(w, record=True) for w in ids])
    away = [r.warning_id for r in first if r.response != "won_back"]
    course.once("again", lambda: [crm.churn.suspend(w, f"Second visit about warning {w} with our service manager "
                                                       f"and a special price") for w in away])
    second = course.once("ask-again", lambda: [crm.simulation.outcome_of_suspension(w, record=True) for w in away])
    lost = [r.warning_id for r in second if r.response != "won_back"]
    course.once("confirm", lambda: [crm.churn.confirm(w, "competitor", note="No answer to two rounds of measures")
                                    for w in lost])


def autograded_notebook(folder: pathlib.Path, outputs: dict[str, str]):
    """An autograded notebook as nbgrader leaves it: test cells with what they printed."""
    nb = new_notebook()
    for criterion, text in outputs.items():
        cell = new_code_cell(f'grade("{criterion}")')
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"test-{criterion}", "points": 2,
                                     "schema_version": 3, "solution": False, "locked": True}
        cell.outputs = [new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")


def write_gradebook(root: pathlib.Path, graded: dict):
    from nbgrader.api import Gradebook

    from .nbgrader_helpers import environ

    with environ(PATH=course_admin.environment()["PATH"]), \
            Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="crm-lab") as gb:
        gb.update_or_create_assignment(A)
        gb.update_or_create_notebook(NOTEBOOK, A)
        for criterion in rubric(A).values():
            gb.update_or_create_grade_cell(f"test-{criterion.name}", NOTEBOOK, A, max_score=criterion.points,
                                           cell_type="code")
        for student, marks in graded.items():
            gb.update_or_create_student(student)
            gb.add_submission(A, student)
            for criterion, score in marks.items():
                gb.find_grade(f"test-{criterion}", NOTEBOOK, A, student).auto_score = score
        gb.db.commit()


def set_score(root, student, criterion, *, auto=None, manual=None):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        grade = gb.find_grade(f"test-{criterion}", NOTEBOOK, A, student)
        if auto is not None:
            grade.auto_score = auto
        if manual is not None:
            grade.manual_score = manual
        gb.db.commit()


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The class's autograded workspaces (made once; each test copies the course root)."""
    root = tmp_path_factory.mktemp("class") / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    for student in GRADED:
        folder = root / "autograded" / student / A
        folder.mkdir(parents=True)
        course = Course.open(A, folder=folder, student=student)
        if student == "ana":
            everything(course)
        elif student in ("cai", "dan"):
            contact(course)
        if student == "ben":  # what the blank notebook's test cell printed for the missing answer
            autograded_notebook(folder, {"at_risk": str(Grader(course, strict=True).result("at_risk"))})
        path = course.path
        course.close()
        if student == "dan":
            con = duckdb.connect(path)
            con.execute("UPDATE churn_warnings SET state = 'suspended' WHERE id = (SELECT min(id) FROM churn_warnings "
                        "WHERE state = 'warning')")
            con.close()
    write_gradebook(root, GRADED)
    return root


@pytest.fixture
def root(made, tmp_path):
    copy = tmp_path / "course"
    shutil.copytree(made, copy)
    return copy


def test_every_number_of_the_common_mistakes(root, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    board = course_admin.dashboard(A, root=root)
    mistakes = board.mistakes.set_index("criterion")
    assert list(mistakes.index) == list(rubric(A))
    # one per student who lost points on the criterion, whatever the number of feedback lines
    assert mistakes["lost"].to_dict() == {"at_risk": 2, "contact": 2, "suspend": 3, "confirm": 3}
    assert mistakes["of"].to_dict() == {c: 4 for c in rubric(A)}
    # the answer criterion counts the gradebook (ana and cai answered right, though the regrade cannot see it);
    # ben's reason is what his notebook showed him, dan's the flag: a tie of one each, the first text wins
    assert mistakes.loc["at_risk", "with_reason"] == 1
    assert mistakes.loc["at_risk", "reason"].startswith(FLAG)
    # ben and cai both left every warning alone: one reason, two students (not one per warning)
    assert mistakes.loc["suspend", "reason"] == "… of … churn warnings were suspended with concrete measures."
    assert mistakes.loc["suspend", "with_reason"] == 2
    assert mistakes.loc["confirm", "with_reason"] == 2
    # contact: ben never called (one reason), dan was flagged (another): a tie, broken by the text
    assert mistakes.loc["contact", "with_reason"] == 1
    assert mistakes.loc["contact", "reason"].startswith(FLAG)


def test_the_regrade_agrees_with_the_gradebook_and_mismatch_is_false(root, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    outcomes = course_admin.dashboard(A, root=root).outcomes
    assert outcomes["score"].to_dict() == {"ana": 10, "ben": 0, "cai": 4, "dan": 0}
    # the answer criterion comes from the gradebook: ana's regrade total is 10, not 8
    assert outcomes["regrade_total"].to_dict() == {"ana": 10, "ben": 0, "cai": 4, "dan": 0}
    assert outcomes["flagged"].to_dict() == {"ana": False, "ben": False, "cai": False, "dan": True}
    assert not outcomes["mismatch"].any()
    assert "churn warning" in outcomes.loc["dan", "findings"]


def test_mismatch_is_true_only_where_autograde_and_the_regrade_really_disagree(root, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    set_score(root, "cai", "contact", auto=1.0)        # autograde gave cai less than her workspace earns
    set_score(root, "ana", "suspend", manual=1.0)      # the instructor's own manual score: no disagreement
    set_score(root, "ben", "at_risk", auto=1.0)        # an answer: the regrade cannot see it, never a mismatch
    outcomes = course_admin.dashboard(A, root=root).outcomes
    assert outcomes["mismatch"].to_dict() == {"ana": False, "ben": False, "cai": True, "dan": False}
    assert outcomes.loc["cai", "disagrees"] == "contact"
    assert outcomes.loc["ana", "score"] == 8          # the manual score is what counts
