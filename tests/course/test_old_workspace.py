"""A workspace handed out before the engine's modules moved (issue 18) still opens, replays and
regrades the same: its recorded steps name record classes by their old module paths
(`crm_engine.scenario.simulation:StepOutcome`), which `course.decode` finds through the alias table.

The fixture was made by main at 890d7fc (tests/fixtures/README.md says how)."""
import gzip
import json
import pathlib
import shutil

import pandas as pd

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
NAME = "a1_opportunity-fixture.student.crm"


def unpacked(tmp_path) -> pathlib.Path:
    path = tmp_path / NAME
    with gzip.open(FIXTURES / f"{NAME}.gz") as packed, open(path, "wb") as out:
        shutil.copyfileobj(packed, out)
    return path


def test_old_workspace_regrades_the_same(tmp_path):
    from crm_engine.course.grading import regrade

    frame = regrade(unpacked(tmp_path), student="fixture.student")
    before = pd.read_json(FIXTURES / "a1_opportunity-fixture.regrade.json", orient="records")
    columns = ["criterion", "score", "points", "flagged", "feedback"]
    pd.testing.assert_frame_equal(frame[columns].reset_index(drop=True), before[columns], check_dtype=False)
    assert frame["score"].sum() > 0


def test_old_workspace_replays_its_recorded_records(tmp_path):
    from crm_engine.course.workspaces import Course

    path = unpacked(tmp_path)
    course = Course.open("a1_opportunity", folder=tmp_path, student="fixture.student")
    try:
        assert course.done("results")
        answers = course.once("results", lambda: None)   # recorded: returned, not run
        assert answers and all(hasattr(a, "decision") and hasattr(a, "response") for a in answers)
        assert type(answers[0]).__name__ == "StepOutcome"
        assert course.steps()["key"].tolist() == ["assign", "plan", "clock", "results", "close"]
    finally:
        course.close()
    assert path.exists()
