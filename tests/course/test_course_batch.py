"""The class split over autograde workers (the parallel run itself: tests/course/test_class_of_five.py)."""
from __future__ import annotations

from crm_engine.course.batch import Summary, split, submitted


def test_every_student_lands_in_exactly_one_worker_the_same_way_every_time():
    students = [f"s{k:03d}" for k in range(301)]
    parts = split(students, 4)
    assert len(parts) == 4 and sorted(sum(parts, [])) == students
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert split(students, 4) == parts
    assert split(["a", "b"], 8) == [["a"], ["b"]]      # never an idle worker


def test_the_submitted_students_come_from_nbgraders_layout(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text("")
    for student in ("s2", "s1"):
        (tmp_path / "submitted" / student / "a1_opportunity").mkdir(parents=True)
    (tmp_path / "submitted" / "s3" / "a2_leads").mkdir(parents=True)
    assert submitted("a1_opportunity", root=tmp_path) == ["s1", "s2"]


def test_the_summary_says_how_many_how_fast_and_who_is_missing():
    said = str(Summary("a1_opportunity", 3, ["s1", "s2"], ["s3"], 2, 10.0))
    assert said == ("Autograded 2 of 3 submission(s) of a1_opportunity with 2 worker(s) in 10.0 s (5.00 s per "
                    "submission). Not graded (see nbgrader's log): s3.")
