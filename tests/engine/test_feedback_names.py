"""Every rubric criterion's feedback names the record or the step that is missing (issue 21).

Each criterion is checked strictly (as autograde checks it) on a workspace where it loses points —
a blank one, or one with a task half done — and its feedback must name what the student has to act
on: the opportunity, the plan step without a result, the leads, the churn warnings, the tickets, the
customers or levels an answer got wrong. One workspace per assignment, made once (slow: six scenarios).
"""
from __future__ import annotations

import datetime as dt
import pathlib
import shutil

import pandas as pd
import pytest

from crm_engine.course.workspaces import Course
from crm_engine.course.grading import Grader
from crm_engine.course.rubrics import RUBRICS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    folder = tmp_path_factory.mktemp("blank")
    paths = {}
    for name in RUBRICS:
        opened = Course.open(name, folder=folder, student="s001")
        paths[name] = pathlib.Path(opened.path)
        opened.close()
    return paths


def planned(course: Course) -> list[str]:
    """a1: assigned and three steps planned, no result recorded: the results must name the three steps."""
    opp = course.targets["opportunity"]
    course.once("assign", lambda: course.as_user("zhang.wei").opportunities.assign(opp, "li.ming"))
    today = course.crm.today()
    actions = ["Phone call with the buyer: needs and budget", "Visit the customer on site and demo the products",
               "Send a written proposal and quotation"]
    ids = course.once("plan", lambda: [course.crm.opportunities.add_step(opp, today + dt.timedelta(days=2 * k), a)
                                      for k, a in enumerate(actions)])
    return [f"Step {i} ('{a}'" for i, a in zip(ids, actions)]


def claimed(course: Course) -> list[str]:
    """a2: three leads claimed from the pool, nothing more: follow-up and conversion must name them."""
    leads = course.targets["pool"][:3]
    course.once("claim", lambda: [course.crm.leads.claim(lead).id for lead in leads])
    return [", ".join(map(str, leads))]


def first_pool_lead(course: Course) -> list[str]:
    return [str(course.targets.get("pool", [None])[0] or
                course.crm._s.db.scalar("SELECT min(id) FROM leads WHERE state = 'unassigned'"))]


def level_codes(course: Course) -> list[str]:
    codes = course.crm.reports.composition("level")["code"]
    return [", ".join(str(c) for c in codes)]


def not_top(course: Course) -> list[str]:
    return ["In your `top10` but not among the ten largest customers"]


def unassigned_east(course: Course) -> list[str]:
    return ["Unassigned opportunities in the East team"] + [
        str(i) for (i,) in course.crm._s.db.rows("SELECT id FROM opportunities WHERE state = 'unassigned' LIMIT 1")]


def open_warnings(course: Course) -> list[str]:
    return ["Churn warnings answered late or not at all: "]


opp = lambda c: [f"Opportunity {c.targets['opportunity']}"]  # noqa: E731
warnings = lambda c: [f"Churn warning {w}" for w in c.targets["warnings"]]  # noqa: E731

# (assignment, criterion): (what the student did, the notebook's answers, what the feedback must name)
CASES = {
    ("a1_opportunity", "assign"): (None, {}, opp),
    ("a1_opportunity", "plan"): (None, {}, opp),
    ("a1_opportunity", "first_contact"): (None, {}, opp),
    ("a1_opportunity", "results"): (planned, {}, None),
    ("a1_opportunity", "close"): (None, {}, opp),
    ("a2_leads", "claim"): (None, {}, first_pool_lead),
    ("a2_leads", "follow_up"): (claimed, {}, None),
    ("a2_leads", "convert"): (claimed, {}, None),
    ("a2_leads", "roi"): (None, {"roi": 0.5}, lambda c: [f"Campaign {c.targets['campaign']}"]),
    ("a3_churn", "at_risk"): (None, {"at_risk": []}, lambda c: [", ".join(map(str, sorted(c.targets["customers"])))]),
    ("a3_churn", "contact"): (None, {}, lambda c: [", ".join(map(str, c.targets["customers"]))]),
    ("a3_churn", "suspend"): (None, {}, warnings),
    ("a3_churn", "confirm"): (None, {}, lambda c: [f"Churn warning {w} (customer" for w in c.targets["warnings"]]
                              + ["has no measures yet"]),
    ("a4_service", "ticket"): (None, {}, lambda c: [c.targets["caller_name"]]),
    ("a4_service", "assign"): (None, {}, lambda c: [c.targets["caller_name"]]),
    ("a4_service", "handle"): (None, {}, lambda c: [", ".join(map(str, c.targets["tickets"]))]),
    ("a4_service", "feedback"): (None, {}, lambda c: [f"Ticket {t} is" for t in c.targets["tickets"]]),
    ("a5_analysis", "contribution"): (None, {"top10": list(range(1000, 1010))}, not_top),
    ("a5_analysis", "composition"): (None, {"by_level": {}}, level_codes),
    ("a5_analysis", "rfm"): (None, {"rfm": pd.DataFrame(columns=["customer_id", "recency_days", "frequency",
                                                                 "monetary"]), "important_value": [1]},
                             lambda c: ["with a wrong or missing row in `rfm`, first: "]),
    ("a5_analysis", "chart"): (None, {"fig": None}, lambda c: ["`fig`"]),
    ("a6_capstone", "month"): (None, {}, lambda c: [str(c.targets["end"])]),
    ("a6_capstone", "pipeline"): (None, {}, unassigned_east),
    ("a6_capstone", "leads"): (None, {}, first_pool_lead),
    ("a6_capstone", "churn"): (None, {}, open_warnings),
    ("a6_capstone", "service"): (None, {}, lambda c: ["Service tickets not archived yet"]),
}


def test_every_criterion_has_a_case():
    assert set(CASES) == {(a, c) for a, criteria in RUBRICS.items() for c in criteria}


@pytest.mark.parametrize("assignment, criterion", sorted(CASES))
def test_the_feedback_names_what_is_missing(blank, tmp_path, monkeypatch, assignment, criterion):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    work, answers, named = CASES[(assignment, criterion)]
    shutil.copy(blank[assignment], tmp_path / blank[assignment].name)
    course = Course.open(assignment, folder=tmp_path, student="s001")
    try:
        expected = work(course) if work else []
        expected += named(course) if named else []
        result = Grader(course, strict=True).result(criterion, **answers)
    finally:
        course.close()
    assert result.score < result.points
    feedback = str(result)
    missing = [text for text in expected if text not in feedback]
    assert missing == [], feedback


def test_the_wording_fixed_in_issue_21(blank, tmp_path, monkeypatch):
    """No "1 of your plan steps have"; no "held by Li Ming, not by you" shown to Li Ming."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    import duckdb

    shutil.copy(blank["a1_opportunity"], tmp_path / blank["a1_opportunity"].name)
    course = Course.open("a1_opportunity", folder=tmp_path, student="s001")
    target, path = course.targets["opportunity"], course.path
    course.close()
    con = duckdb.connect(path)   # Li Ming holds it, with no assignment on record
    con.execute("UPDATE opportunities SET state = 'assigned', owner_id = (SELECT id FROM users WHERE username = "
                "'li.ming') WHERE id = ?", [target])
    con.close()
    course = Course.open("a1_opportunity", folder=tmp_path, student="s001")
    said = str(Grader(course).result("assign"))
    zh = Grader(course).facts
    course.close()
    assert "not by you" not in said and f"Opportunity {target} is yours, but no assignment" in said
    assert zh.t("fb.a1.results", n=1).startswith("Plan steps of yours with a recorded result: 1;")
