"""`crm-lab course export OUT.csv`: the course's grades as an LMS imports them, scoped to the course."""
from __future__ import annotations

import csv
import shutil

from click.testing import CliRunner

from crm_engine.course import instructor as course_admin
from crm_engine.cli import course as group

from .nbgrader_helpers import environ
from .test_dashboard import A, GRADED, REPO, set_score, write_gradebook


def make(tmp_path):
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    write_gradebook(root, GRADED)
    from nbgrader.api import Gradebook
    with environ(PATH=course_admin.environment()["PATH"]), \
            Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="another-course") as gb:
        gb.update_or_create_assignment("their_homework")      # another course's, in the same file
        gb.update_or_create_student("zoe")                    # enrolled, never submitted anything here
    return root


def test_the_long_csv_has_one_row_per_student_and_assignment(tmp_path):
    root = make(tmp_path)
    set_score(root, "cai", "suspend", manual=1.5)             # a manual grade counts
    out = tmp_path / "grades.csv"
    said = CliRunner().invoke(group, ["export", str(out), "--root", str(root)])
    assert said.exit_code == 0, said.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["student_id", "assignment", "score", "max_score"]
    assert {r["assignment"] for r in rows} == {A}             # not the other course's assignment
    assert {r["student_id"]: (r["score"], r["max_score"]) for r in rows} == {
        "ana": ("10", "10"), "ben": ("0", "10"), "cai": ("5.5", "10"), "dan": ("0", "10"), "zoe": ("", "10")}
    assert said.output.strip() == f"Wrote 5 row(s) to {out}."


def test_the_wide_csv_is_a_gradebook_import(tmp_path):
    root = make(tmp_path)
    out = tmp_path / "wide.csv"
    assert CliRunner().invoke(group, ["export", str(out), "--root", str(root), "--wide"]).exit_code == 0
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["student_id", A]
    assert rows[1] == ["Points Possible", "10"]
    assert rows[2:] == [["ana", "10"], ["ben", "0"], ["cai", "4"], ["dan", "0"], ["zoe", ""]]


def test_no_gradebook_is_a_clear_error(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    said = CliRunner().invoke(group, ["export", str(tmp_path / "x.csv"), "--root", str(tmp_path)])
    assert said.exit_code != 0 and "has no gradebook yet" in said.output and not (tmp_path / "x.csv").exists()
