"""Course workspaces, steps that run once, grading from state and the integrity check — in process.

(The same with real kernels and real nbgrader: tests/course/test_reexecution.py and
tests/course/test_nbgrader_flow.py.)
"""
from __future__ import annotations

import ast
import datetime as dt
import io
import pathlib
import re
import shutil
import warnings
from contextlib import redirect_stderr
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from crm_engine import CRMError, InvalidInput, NotAllowed, i18n
from crm_engine.course import workspaces as course_module
from crm_engine.course.workspaces import Course, decode, encode, instructor_folder, student_id
from crm_engine.course.grading import (
    FLAG,
    IDENTITY,
    Facts,
    Grader,
    Mark,
    concrete,
    integrity,
    owner_of,
    regrade,
)
from crm_engine.sales.opportunities import Opportunity
from crm_engine.course.rubrics import RUBRICS, Criterion

ENGINE = pathlib.Path(__file__).parents[2] / "crm_engine"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """One untouched A1 and one A3 workspace, made once; tests work on copies."""
    folder = tmp_path_factory.mktemp("pristine")
    paths = {}
    for name in ("a1_opportunity", "a3_churn"):
        opened = Course.open(name, folder=folder, student="s001")
        paths[name] = pathlib.Path(opened.path)
        opened.close()
    return paths


@pytest.fixture
def workspace(pristine, tmp_path, monkeypatch):
    """A fresh copy of a pristine workspace, opened as the student would (`workspace("a3_churn")`)."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("CRM_LAB_STUDENT", raising=False)
    opened = []

    def make(name="a1_opportunity", folder=None):
        folder = folder or tmp_path
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(pristine[name], folder / pristine[name].name)
        course = Course.open(name, folder=folder, student="s001")
        opened.append(course)
        return course
    yield make
    for course in opened:
        course.close()


def develop(course: Course, steps: int = 4, *, close: bool = True):
    """Assignment 1 done through the engine's verbs (what the forms call)."""
    opp = course.targets["opportunity"]
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    crm, today = course.crm, course.crm.today()
    actions = ["Phone call with the buyer: needs and budget", "Visit the customer on site and demo the products",
               "Send a written proposal and quotation", "Negotiate the contract terms with the buyer"][:steps]
    ids = course.once("plan", lambda: [crm.opportunities.add_step(opp, today + dt.timedelta(days=2 * k), a)
                                      for k, a in enumerate(actions)])
    if not close:
        return opp, ids
    course.once("clock", lambda: course.as_user("dong.li").simulation.advance(2 * steps))
    answers = course.once("results", lambda: [crm.simulation.outcome_of_step(opp, s, record=True) for s in ids])
    last = answers[-1]
    if last.decision == "won":
        course.once("close", lambda: crm.opportunities.succeed(opp))
    else:
        course.once("close", lambda: crm.opportunities.fail(opp, last.lost_reason or "competitor"))
    return opp, ids


# -- who the student is, where the workspace goes --------------------------------------------------------------
def test_the_student_is_the_env_variable_else_the_user_and_jovyan_means_the_hub_user(monkeypatch, tmp_path):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("CRM_LAB_STUDENT", "s042")
    assert student_id(tmp_path) == "s042"
    monkeypatch.delenv("CRM_LAB_STUDENT")
    monkeypatch.setattr(course_module.getpass, "getuser", lambda: "li")
    assert student_id(tmp_path) == "li"
    monkeypatch.setattr(course_module.getpass, "getuser", lambda: "jovyan")
    monkeypatch.setenv("JUPYTERHUB_USER", "wang")
    assert student_id(tmp_path) == "wang"


def test_under_autograde_the_student_is_the_submission_folder(monkeypatch, tmp_path):
    folder = tmp_path / "autograded" / "s777" / "a1_opportunity"
    folder.mkdir(parents=True)
    monkeypatch.setenv("CRM_LAB_STUDENT", "someone-else")
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert student_id(folder) == "s777"


def test_only_the_courses_own_source_and_release_folders_are_instructor_folders(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    for step, expected in (("source", True), ("release", True), ("submitted", False)):
        folder = tmp_path / step / "a1_opportunity"
        folder.mkdir(parents=True)
        assert instructor_folder(folder) is expected
    assert not instructor_folder(tmp_path / "elsewhere")


def test_a_workspace_is_created_once_then_reopened_never_overwritten(workspace):
    course = workspace()
    develop(course, close=False)
    again = Course.open("a1_opportunity", folder=pathlib.Path(course.path).parent, student="s001")
    assert not again.created and again.targets == course.targets
    assert len(again.crm.opportunities.plan(course.targets["opportunity"])) == 4
    assert "open again" in str(again)
    again.close()


def test_each_student_gets_their_own_variant(tmp_path):
    first = Course.open("a1_opportunity", folder=tmp_path / "a", student="s001")
    second = Course.open("a1_opportunity", folder=tmp_path / "b", student="s002")
    names = [c.as_user("admin").customers.list()["name"].head(5).tolist() for c in (first, second)]
    assert names[0] != names[1]
    assert pathlib.Path(first.path).name == "a1_opportunity-s001.crm"
    first.close(), second.close()


# -- steps that run once ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, 3, 2.5, "text", [1, 2], (1, "a"), {"a": [dt.date(2026, 3, 2)]},
                                   Decimal("12.50"), dt.datetime(2026, 3, 2, 9, 30)])
def test_step_results_come_back_equal(value):
    assert decode(encode(value)) == value


def test_engine_records_and_frames_come_back_equal():
    record = Opportunity(1, "web", "Star", None, None, "x", Decimal("10.00"), 20, "assigned", "contact", 2,
                         dt.date(2026, 3, 2), 3, None, None, None, None, None, None, None, dt.date(2026, 3, 1), 2)
    assert decode(encode(record)) == record
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", "b"]})
    pd.testing.assert_frame_equal(decode(encode(frame)), frame, check_dtype=False)
    with pytest.raises(InvalidInput):
        encode(object())


def test_once_acts_the_first_time_and_only_remembers_afterwards(workspace):
    course = workspace()
    opp = course.targets["opportunity"]
    add = lambda: course.crm.opportunities.add_step(opp, course.crm.today(), "Phone call with the buyer today")  # noqa
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    first = course.once("call", add)
    again = course.once("call", add)
    assert first == again and len(course.crm.opportunities.plan(opp)) == 1
    assert course.done("call") and list(course.steps()["key"]) == ["assign", "call"]


def test_a_step_that_fails_leaves_no_trace_and_can_be_run_again(workspace):
    course = workspace()
    opp = course.targets["opportunity"]
    before = course.as_user("admin").audit.list()

    def half_done():
        course.as_user("zhang.wei").opportunities.assign(opp, "li.ming")
        raise NotAllowed("course.step_not_done", key="x")     # the cell's code fails after one action
    with pytest.raises(CRMError):
        course.once("assign", half_done)
    assert len(course.as_user("admin").audit.list()) == len(before)
    assert course.as_user("zhang.wei").opportunities.get(opp).state == "unassigned" and not course.done("assign")
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    assert course.done("assign")


def test_a_result_that_cannot_be_remembered_is_refused_before_anything_is_done(workspace):
    course = workspace()
    opp = course.targets["opportunity"]
    with pytest.raises(InvalidInput, match="return the record's id"):
        course.once("odd", lambda: (course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"), object()))
    assert course.as_user("zhang.wei").opportunities.get(opp).state == "unassigned"


def test_an_edited_step_says_it_was_not_done_again(workspace, capsys):
    course = workspace()
    course.once("note", lambda: 1)
    assert course.once("note", lambda: 2) == 1
    assert "was already done" in capsys.readouterr().out


def test_grading_mode_replays_steps_and_refuses_anything_new(workspace, monkeypatch):
    course = workspace()
    develop(course, close=False)
    folder = pathlib.Path(course.path).parent
    course.close()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    grading = Course.open("a1_opportunity", folder=folder, student="s001")
    assert grading.replaying and grading.once("plan", lambda: 1/0)      # recorded: the lambda is not called
    with pytest.raises(NotAllowed, match="not done before you submitted"):
        grading.once("new-step", lambda: 1)
    with pytest.raises(NotAllowed):
        grading.crm.customers.add("Anything Co")
    assert grading.form(lambda crm: "a widget") is None
    grading.close()


# -- grading from state --------------------------------------------------------------------------------------------
def test_feedback_names_the_record_and_what_is_missing(workspace, capsys):
    course = workspace()
    opp = course.targets["opportunity"]
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    course.once("one", lambda: course.crm.opportunities.add_step(opp, course.crm.today(), "Phone call with the buyer"))
    score = Grader(course)("plan")
    out = capsys.readouterr().out
    assert type(score) is float and score == 1.0
    assert f"Opportunity {opp} has 1 real plan step(s) of yours; at least 3 are expected." in out
    assert "1 of 3 points" in out


def test_a_vague_step_does_not_count_and_says_why(workspace):
    course = workspace()
    opp = course.targets["opportunity"]
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    course.once("vague", lambda: course.crm.opportunities.add_step(opp, course.crm.today(), "call"))
    result = Grader(course).result("plan")
    assert result.score == 0 and "too vague" in str(result)


def test_the_reference_work_scores_full_marks_visible_and_strict(workspace):
    course = workspace()
    develop(course)
    for strict in (False, True):
        report = Grader(course, strict=strict).report()
        assert report["score"].sum() == report["points"].sum() == 10
    assert integrity(Facts.of(course.crm), "s001") == []


def test_a_back_dated_plan_only_fools_the_visible_grader(workspace):
    course = workspace()
    opp = course.targets["opportunity"]
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    course.once("clock", lambda: course.as_user("dong.li").clock.advance(10))
    start = course.crm.today() - dt.timedelta(days=10)
    course.once("plan", lambda: [course.crm.opportunities.add_step(opp, start + dt.timedelta(days=d), a) for d, a in
                                 ((0, "Phone call with the buyer about needs"), (1, "Visit the buyer and demo it"),
                                  (2, "Send the buyer a written quotation"))])
    assert Grader(course).result("plan").score == 3
    strict = Grader(course, strict=True).result("plan")
    assert strict.score == 0 and "back-dated" in str(strict)


def test_confirming_churn_before_hearing_the_customer_scores_lower_than_after(pristine, workspace, tmp_path):
    """(d) the order of what was done — from the audit trail — is graded, not only the end state."""
    def run(folder, ask_first):
        course = workspace("a3_churn", folder)
        crm, warning = course.crm, course.targets["warnings"][0]
        course.once("suspend", lambda: crm.churn.suspend(warning, "Visited the buyer and offered a 5% discount"))
        if ask_first:
            answer = course.once("ask", lambda: crm.simulation.outcome_of_suspension(warning, record=True))
            if answer.response == "won_back":
                return None
        course.once("confirm", lambda: crm.churn.confirm(warning, "competitor"))
        if not ask_first:
            course.once("ask", lambda: crm.simulation.outcome_of_suspension(warning, record=True))
        return Grader(course).result("confirm")
    after, before = run(tmp_path / "after", True), run(tmp_path / "before", False)
    if after is None:
        pytest.skip("this variant's customer came back at once")
    assert before.score < after.score
    assert "without first recording how the customer took your measures" in str(before)


def test_scores_never_leak_stderr_and_stay_within_the_points(workspace, monkeypatch):
    course = workspace()
    noisy = Criterion("noisy", 2, lambda f, strict: (warnings.warn("pandas says something"), Mark(7.0, ["x"]))[1])
    grader = Grader(course)
    grader.rubric = {**grader.rubric, "noisy": noisy}
    err = io.StringIO()
    with redirect_stderr(err):
        result = grader.result("noisy")
    assert err.getvalue() == "" and result.score == 2


def test_concrete_text():
    assert concrete("Phone call with the buyer about needs")
    assert not concrete("call") and not concrete("ok ok ok")
    assert concrete("电话联系采购经理了解需求") and not concrete("电话")


# -- the integrity check ----------------------------------------------------------------------------------------------
def tamper(course: Course, *statements):
    path = course.path
    course.close()
    con = duckdb.connect(path)
    for sql in statements:
        con.execute(sql)
    con.close()
    return Course.open(course.assignment, folder=pathlib.Path(path).parent, student="s001")


def test_a_state_set_directly_is_flagged_and_every_criterion_scores_zero(workspace):
    course = workspace()
    develop(course, close=False)
    opp = course.targets["opportunity"]
    course = tamper(course, f"UPDATE opportunities SET state = 'succeeded' WHERE id = {opp}")
    findings = Grader(course, strict=True).findings
    assert any("is 'succeeded', but its state history ends at 'assigned'" in f for f in findings)
    report = Grader(course, strict=True).report()
    assert report["score"].sum() == 0 and report["flagged"].all()
    assert FLAG in report["feedback"].iloc[0]
    course.close()


def test_the_student_sees_the_first_findings_and_how_many_more_the_instructor_sees_all(workspace):
    course = workspace()
    develop(course, close=False)
    fakes = [f"INSERT INTO plan_steps VALUES ({9000 + k}, {course.targets['opportunity']}, DATE '2026-03-02', "
             f"'Phone call number {k} with the buyer', NULL, NULL, 4, NULL)" for k in range(8)]
    course = tamper(course, *fakes)
    grader = Grader(course, strict=True)
    assert len(grader.findings) == 8                 # all of them reach the instructor
    lines = grader.result("plan").lines
    course.close()
    shown = [line for line in lines if line.startswith("  - ")]
    assert shown[:-1] == [f"  - row {9000 + k} of plan_steps was not written by the CRM (no audit row names it)"
                          for k in range(5)]
    assert shown[-1] == "  - and 3 more (your instructor sees them all)"


@pytest.mark.parametrize("statement, finding", [
    ("INSERT INTO plan_steps VALUES (9999, {opp}, DATE '2026-03-02', 'Phone call with the buyer', NULL, NULL, 4, NULL)",
     "row 9999 of plan_steps was not written by the CRM"),
    ("UPDATE orders SET amount = amount + 1 WHERE id = 1", "the orders history was changed"),
    ("DELETE FROM audit WHERE id = (SELECT max(id) - 1 FROM audit)", "the audit trail has gaps"),
    ("UPDATE plan_steps SET result = 'great' WHERE opportunity_id = {opp}", "has a result that was not recorded"),
])
def test_edits_behind_the_engines_back_are_found(workspace, statement, finding):
    course = workspace()
    develop(course, close=False)
    course = tamper(course, statement.format(opp=course.targets["opportunity"]))
    assert any(finding in f for f in integrity(Facts.of(course.crm), "s001"))
    course.close()


def test_a_classmates_workspace_is_named_but_is_no_integrity_finding(workspace):
    course = workspace()
    assert integrity(Facts.of(course.crm), "s002") == []
    assert owner_of(Facts.of(course.crm), "s002") == "s001" and owner_of(Facts.of(course.crm), "s001") == ""


def test_honest_work_in_a_workspace_made_for_another_id_is_graded_and_named_not_flagged(workspace, tmp_path,
                                                                                       monkeypatch):
    """Full work done as `root` (a shared lab account), submitted by s5: graded as it stands, with its own
    headline for the instructor to confirm — never the tampering headline, never a zero."""
    course = workspace()
    develop(course)
    path = pathlib.Path(course.path)
    course.close()
    folder = tmp_path / "autograded" / "s5" / "a1_opportunity"
    folder.mkdir(parents=True)
    shutil.move(path, folder / path.name)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    graded = Course.open("a1_opportunity", folder=folder)
    report = Grader(graded, strict=True).report()
    graded.close()
    assert report["score"].sum() == 10 and not report["flagged"].any()
    assert set(report["identity"]) == {"s001"}
    first = report["feedback"].iloc[0].splitlines()[0]
    assert first.startswith(IDENTITY) and "belongs to s001, not to s5" in first and FLAG not in report["feedback"].iloc[0]
    monkeypatch.delenv("NBGRADER_EXECUTION")
    frame = regrade(folder / path.name, student="s5")
    assert frame["score"].sum() == 10 and frame.attrs["identity"] == "s001" and frame.attrs["findings"] == []


def test_tampering_in_another_ids_workspace_keeps_the_flag_and_the_zero(workspace):
    course = workspace()
    develop(course, close=False)
    course = tamper(course, f"UPDATE opportunities SET state = 'succeeded' WHERE id = {course.targets['opportunity']}")
    path = course.path
    course.close()
    frame = regrade(path, student="s002")
    assert frame["score"].sum() == 0 and frame["flagged"].all() and frame.attrs["identity"] == "s001"
    lines = frame["feedback"].iloc[0].splitlines()
    assert lines[0].startswith(FLAG) and lines[1].startswith(IDENTITY)


@pytest.mark.parametrize("account", ["root", "jovyan", ""])
def test_the_set_up_cell_warns_when_it_does_not_know_the_student_and_validate_fails(account, tmp_path, monkeypatch,
                                                                                   pristine):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("CRM_LAB_STUDENT", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setattr(course_module.getpass, "getuser", lambda: account or "jovyan")
    if not account:
        monkeypatch.setenv("CRM_LAB_STUDENT", " ")
    shutil.copy(pristine["a1_opportunity"], tmp_path / f"a1_opportunity-{account or 'jovyan'}.crm")
    student = account or "jovyan"
    assert course_module.unknown_student(student_id(tmp_path))
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(CRMError) as refused:
        Course.open("a1_opportunity", folder=tmp_path)
    assert "does not know who you are" in refused.value.message("en")
    assert "不知道你是谁" in refused.value.message("zh_CN")


def test_the_set_up_cell_says_who_the_student_is_and_warns_on_a_shared_account(pristine, tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    shutil.copy(pristine["a1_opportunity"], tmp_path / "a1_opportunity-root.crm")
    shutil.copy(pristine["a1_opportunity"], tmp_path / "a1_opportunity-s001.crm")
    honest = Course.open("a1_opportunity", folder=tmp_path, student="s001")
    assert "s001" in str(honest) and "WARNING" not in str(honest)
    honest.close()
    shared = Course.open("a1_opportunity", folder=tmp_path, student="root")
    said = str(shared)
    shared.close()
    # the pristine copy was made for s001: the set-up cell says so first
    assert said.startswith("WARNING: workspace a1_opportunity-root.crm belongs to s001, not to you (root)")
    made = Course.open("a1_opportunity", folder=tmp_path / "fresh", student="root")
    said = str(made)
    made.close()
    assert said.startswith("WARNING: this notebook does not know who you are. It runs as 'root'")


def test_validate_from_the_servers_account_finds_the_one_workspace_named_for_a_student(pristine, tmp_path,
                                                                                       monkeypatch):
    """`%env CRM_LAB_STUDENT=s001` in the notebook reaches the kernel, not the server that runs Validate."""
    monkeypatch.delenv("CRM_LAB_STUDENT", raising=False)
    monkeypatch.setattr(course_module.getpass, "getuser", lambda: "root")
    shutil.copy(pristine["a1_opportunity"], tmp_path / "a1_opportunity-s001.crm")
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    opened = Course.open("a1_opportunity", folder=tmp_path)
    assert opened.student == "s001" and "WARNING" not in str(opened)
    opened.close()


def test_validate_fails_on_a_workspace_made_for_someone_else(pristine, tmp_path, monkeypatch):
    shutil.copy(pristine["a1_opportunity"], tmp_path / "a1_opportunity-s009.crm")
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(CRMError) as refused:
        Course.open("a1_opportunity", folder=tmp_path, student="s009")
    assert "belongs to s001, not to you (s009)" in refused.value.message("en")


def test_the_regrade_outside_the_notebook_agrees(workspace):
    course = workspace()
    develop(course)
    path = course.path
    course.close()
    frame = regrade(path, student="s001")
    assert frame["score"].sum() == 10 and not frame["flagged"].any()


# -- the rubric and its messages -------------------------------------------------------------------------------------
def test_every_criterion_has_a_title_and_positive_points():
    for name, criteria in RUBRICS.items():
        for criterion in criteria.values():
            assert criterion.points > 0
            assert f"rubric.{name}.{criterion.name}" in i18n.catalog()


def test_every_feedback_key_exists_in_both_languages():
    catalogue = i18n.catalog()
    keys = set()
    for path in [*(ENGINE / "course").glob("*.py"), *(ENGINE / "course" / "rubrics").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"(fb|grading|integrity|course|course_admin)\.[a-z0-9_.]*[a-z0-9_]", node.value):
                keys.add(node.value)
    assert keys and sorted(k for k in keys if k not in catalogue) == []
    assert all(catalogue[k]["en"] and catalogue[k]["zh_CN"] for k in keys)


def test_a_chinese_workspace_gets_chinese_feedback(tmp_path, monkeypatch):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("CRM_LAB_LANGUAGE", "zh_CN")
    course = Course.open("a1_opportunity", folder=tmp_path, student="s009")
    try:
        assert course.crm.language == "zh_CN" and "工作区" in str(course)
        result = Grader(course).result("assign")
        assert result.score == 0 and "仍未指派" in str(result) and "满分 1 分" in str(result)
    finally:
        course.close()


def test_the_regrade_of_a_file_that_is_no_workspace_flags_it(tmp_path):
    path = tmp_path / "a1_opportunity-s001.crm"
    path.write_bytes(b"not a database")
    frame = regrade(path, student="s001")
    assert frame["score"].sum() == 0 and frame["flagged"].all() and len(frame) == 5
    assert frame.attrs["findings"] == [f"{path} is not a CRM Lab workspace."]
