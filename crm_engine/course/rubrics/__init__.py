"""The assignments' criteria: what each checks in the workspace, how many points, what it says.

A check reads `grading.Facts` (the workspace as the administrator, the targets picked for this
variant, the audit trail since the student got it) and returns a `Mark`: the share of the
criterion earned and feedback a student can act on. `strict` adds what must not be gamed —
the notebooks' hidden tests run strict. Points here are the points of the notebook cells
(tests/course/test_nbgrader_flow.py holds them equal); the rubrics for people are
assignments/<name>/rubric.md.
"""
from __future__ import annotations

from ...errors import InvalidInput
from .care_criteria import (
    a3_at_risk,
    a3_confirm,
    a3_contact,
    a3_suspend,
    a4_assign,
    a4_feedback,
    a4_handle,
    a4_ticket,
)
from .criterion import Criterion
from .outcomes import (
    a5_chart,
    a5_composition,
    a5_contribution,
    a5_rfm,
    a6_churn,
    a6_leads,
    a6_month,
    a6_pipeline,
    a6_service,
)
from .sales_criteria import (
    a1_assign,
    a1_close,
    a1_first_contact,
    a1_plan,
    a1_results,
    a2_claim,
    a2_convert,
    a2_follow_up,
    a2_roi,
)

__all__ = ["Criterion", "RUBRICS", "rubric"]

RUBRICS: dict[str, dict[str, Criterion]] = {name: {c.name: c for c in items} for name, items in {
    "a1_opportunity": [Criterion("assign", 1, a1_assign), Criterion("plan", 3, a1_plan),
                       Criterion("first_contact", 1, a1_first_contact), Criterion("results", 3, a1_results),
                       Criterion("close", 2, a1_close)],
    "a2_leads": [Criterion("claim", 2, a2_claim), Criterion("follow_up", 2, a2_follow_up),
                 Criterion("convert", 3, a2_convert), Criterion("roi", 3, a2_roi, ("roi",))],
    "a3_churn": [Criterion("at_risk", 2, a3_at_risk, ("at_risk",)), Criterion("contact", 2, a3_contact),
                 Criterion("suspend", 3, a3_suspend), Criterion("confirm", 3, a3_confirm)],
    "a4_service": [Criterion("ticket", 2, a4_ticket), Criterion("assign", 2, a4_assign),
                   Criterion("handle", 3, a4_handle), Criterion("feedback", 3, a4_feedback)],
    "a5_analysis": [Criterion("contribution", 3, a5_contribution, ("top10",)),
                    Criterion("composition", 2, a5_composition, ("by_level",)),
                    Criterion("rfm", 3, a5_rfm, ("rfm", "important_value")), Criterion("chart", 1, a5_chart, ("fig",))],
    "a6_capstone": [Criterion("month", 1, a6_month), Criterion("pipeline", 3, a6_pipeline),
                    Criterion("leads", 2, a6_leads), Criterion("churn", 3, a6_churn),
                    Criterion("service", 3, a6_service)],
}.items()}


def rubric(assignment: str) -> dict[str, Criterion]:
    """The criteria of an assignment, in notebook order."""
    if assignment not in RUBRICS:
        raise InvalidInput("course.unknown_assignment", field="assignment", name=assignment,
                           choices=", ".join(RUBRICS))
    return RUBRICS[assignment]
