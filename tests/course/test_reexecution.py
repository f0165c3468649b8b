"""Work survives re-execution — the crux of forms and autograding — with real kernels:

(a) what a student did through a form is in the graded state;
(b) an action in a code cell is not done twice when the notebook runs again;
(c) *Restart & Run All* (and nbgrader's *Validate*, while the student's kernel is still open) leaves the CRM as it was;
(d) under autograde the state graded is the state submitted — the workspace is never written;
(e) the workspace's name never collides with what nbgrader copies, releases or ignores.
"""
from __future__ import annotations

import fnmatch
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbformat.v4 import new_code_cell
from traitlets.config.loader import PyFileConfigLoader

from crm_engine.course import instructor as course_admin
from crm_engine.course.workspaces import Course

from .nbgrader_helpers import (
    REPO,
    environ,
    errors,
    execute,
    fill,
    grade_id,
    make_course,
    notebook_of,
    sha256,
    table_snapshot,
)

pytestmark = pytest.mark.slow
A = "a1_opportunity"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """Assignment 1 as nbgrader releases it (generate_assignment on a temporary course)."""
    base = tmp_path_factory.mktemp("release")
    root, _exchange = make_course(base)
    with environ(JUPYTER_CONFIG_DIR=str(base / "jupyter"), CRM_LAB_STUDENT=None, NBGRADER_EXECUTION=None):
        course_admin.nbgrader("generate_assignment", A, "--force", root=root)
    (path,) = (root / "release" / A).glob("*.ipynb")
    return nbformat.read(path, as_version=4)


def outputs(nb) -> dict:
    """test cell → the score it output."""
    found = {}
    for cell in nb.cells:
        if grade_id(cell).startswith("test-"):
            found[grade_id(cell)] = next((o["data"]["text/plain"] for o in cell.get("outputs", [])
                                          if o.get("output_type") == "execute_result"), None)
    return found


def insert_after(nb, cell_id: str, source: str, new_id: str):
    index = next(i for i, c in enumerate(nb.cells) if c.get("id") == cell_id)
    cell = new_code_cell(source)
    cell["id"] = new_id
    nb.cells.insert(index + 1, cell)


CLICK_ASSIGN = """
from crm_engine.ui import kit
from crm_engine.ui.opportunity_record import OpportunityRecord
page = kit.mount(OpportunityRecord(course.as_user("zhang.wei"), opp))
page.rc.find(meta_ref="record-actions-assign").widget.click()
page.rc.find(meta_ref="field-assignee").widget.v_model = "li.ming"
page.rc.find(meta_ref="record-actions-confirm").widget.click()
assert page.rc.find(meta_ref="record-actions-message").widget.type == "success"
"""
CLICK_PLAN = """
import datetime as dt
page = kit.mount(OpportunityRecord(crm, opp))
for day, action in ((0, "Phone call with the buyer: needs and budget"),
                    (2, "Visit the customer on site and demo the products"),
                    (4, "Send the buyer a written proposal and quotation")):
    page.rc.find(meta_ref="record-actions-add_step").widget.click()
    page.rc.find(meta_ref="field-step_date").widget.v_model = str(crm.today() + dt.timedelta(days=day))
    page.rc.find(meta_ref="field-step_action").widget.v_model = action
    page.rc.find(meta_ref="record-actions-confirm").widget.click()
    assert page.rc.find(meta_ref="record-actions-message").widget.type == "success"
"""


def test_a_form_action_is_in_the_graded_state(release, tmp_path):
    """(a) The student clicks (real widgets, in their kernel); the notebook they hand in has no code for it —
    and re-executed under nbgrader, where no widget exists, the work is graded."""
    nb = nbformat.from_dict(nbformat.reads(nbformat.writes(release), as_version=4))
    insert_after(nb, "assign-form", CLICK_ASSIGN, "click-assign")
    insert_after(nb, "plan-form", CLICK_PLAN, "click-plan")
    execute(nb, tmp_path, "s101")
    assert errors(nb) == []
    handed_in = nbformat.from_dict({**nb, "cells": [c for c in nb.cells if not c["id"].startswith("click-")]})
    regraded = execute(handed_in, tmp_path, "s101", NBGRADER_EXECUTION="validate")
    assert outputs(regraded) == {"test-assign": "1.0", "test-plan": "3.0", "test-first_contact": "1.0",
                                 "test-results": "0.0", "test-close": "0.0"}
    assert errors(regraded) == []


@pytest.fixture(scope="module")
def worked(release, tmp_path_factory):
    """A student who did the whole assignment in code, and ran the notebook once."""
    folder = tmp_path_factory.mktemp("student")
    nb = execute(fill(release, nbformat.read(notebook_of(A), as_version=4)), folder, "s102")
    nbformat.write(nb, folder / "01.ipynb")
    workspace = next(folder.glob("*.crm"))
    return {"folder": folder, "nb": nb, "workspace": workspace, "snapshot": table_snapshot(workspace)}


def test_a_rerun_does_not_act_twice_and_leaves_the_crm_as_it_was(worked):
    """(b) and (c): Restart & Run All — every cell runs again, forms are built again, nothing is done twice."""
    first = worked["nb"]
    assert errors(first) == [] and set(outputs(first).values()) != {"0.0"}
    again = execute(nbformat.read(worked["folder"] / "01.ipynb", as_version=4), worked["folder"], "s102")
    assert errors(again) == []
    assert table_snapshot(worked["workspace"]) == worked["snapshot"]
    assert outputs(again) == outputs(first)


def test_validate_runs_while_the_students_kernel_holds_the_notebook_open(worked):
    """(c) nbgrader's Validate re-executes the notebook beside a live kernel that has the workspace open."""
    folder = worked["folder"]
    with environ(CRM_LAB_STUDENT="s102"):
        manager, client = start_new_kernel(kernel_name="python3", cwd=str(folder))
    try:
        reply = client.execute_interactive('from crm_engine.course.workspaces import Course\n'
                                           'course = Course.open("a1_opportunity")', timeout=120)
        assert reply["content"]["status"] == "ok"
        result = subprocess.run([sys.executable, "-m", "nbgrader", "validate", "01.ipynb"], cwd=folder,
                                env=course_admin.environment(), capture_output=True, text=True, timeout=600)
        assert "Success! Your notebook passes all the tests." in result.stdout, result.stdout + result.stderr
        reply = client.execute_interactive('course.once("after-validate", lambda: course.crm.customers.add('
                                           '"Validated Trading Co", region="east").id)', timeout=120)
        assert reply["content"]["status"] == "ok"      # the kernel still acts on its workspace afterwards
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_autograde_replays_and_never_writes_the_workspace(worked, tmp_path):
    """(d) nbgrader's layout, NBGRADER_EXECUTION=autograde: recorded steps return what they returned, a step
    that was never run is refused, and the file is byte for byte what was submitted."""
    folder = tmp_path / "autograded" / "s102" / A
    shutil.copytree(worked["folder"], folder)
    workspace = next(folder.glob("*.crm"))
    before = sha256(workspace)
    nb = nbformat.read(folder / "01.ipynb", as_version=4)
    nb.cells.append(new_code_cell('course.once("forgot", lambda: crm.customers.add("Late Trading Co"))'))
    graded = execute(nb, folder, None, NBGRADER_EXECUTION="autograde")
    assert sha256(workspace) == before
    assert outputs(graded) == outputs(worked["nb"])
    (late,) = errors(graded)
    assert "was not done before you submitted" in late


def test_workspace_names_never_collide_with_what_nbgrader_copies(tmp_path):
    """(e) An instructor's run in source/ makes a .duckdb nbgrader ignores; a student's .crm matches no ignore
    glob (it travels with the submission) except when feedback is generated."""
    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    ignore = list(config.CourseDirectory.ignore)
    feedback_ignore = list(config.GenerateFeedbackApp.CourseDirectory.ignore)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    source = tmp_path / "source" / A
    source.mkdir(parents=True)
    instructor = Course.open(A, folder=source, student="teacher")
    student = Course.open(A, folder=tmp_path / "home" / A, student="s103")
    names = {pathlib.Path(c.path).name: c for c in (instructor, student)}
    for c in names.values():
        c.close()
    assert set(names) == {f"{A}-teacher.duckdb", f"{A}-s103.crm"}
    assert any(fnmatch.fnmatch(f"{A}-teacher.duckdb", glob) for glob in ignore)
    assert not any(fnmatch.fnmatch(f"{A}-s103.crm", glob) for glob in ignore)
    assert any(fnmatch.fnmatch(f"{A}-s103.crm", glob) for glob in feedback_ignore)
    assert not list(source.glob("*.crm"))
