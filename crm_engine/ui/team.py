"""The team's work (T4): who did what, read from the audit trail, and — for the instructor — the grade.

    show(crm, "team")

The instructor (the administrator) and directors see the team assignment's grade as it stands now
(`course.team.grade`: the company's criteria, each member's grade and feedback) and every member's
contribution; anyone else sees their own contribution only. On a served workspace (`crm-lab serve`) this
is the instructor's live view of a team at work. Grading reads the whole audit trail (a few hundred
milliseconds late in a term), so it runs when the view opens and at "Refresh", not after every click
of every member.
"""
from __future__ import annotations

import html

import solara

from ..course import team
from ..errors import CRMError
from . import kit

INSTRUCTORS = ("admin", "director")
CRITERIA_COLUMNS = [kit.Column("title", "team.column.criterion"), kit.Column("marks", "team.column.score"),
                    kit.Column("feedback", "team.column.feedback", width=60)]
MEMBER_COLUMNS = [kit.Column("who", "field.name"), kit.Column("role", "field.role"),
                  kit.Column("marks", "team.column.score"), kit.Column("feedback", "team.column.feedback", width=60)]


def contribution_columns():
    return [kit.Column("name", "field.name"), kit.Column("role", "field.role", priority=2),
            *[kit.Column(c, f"ui.team.col.{c}", priority=2) for c in team.SHOWN_ORDER],
            kit.Column("total", "ui.team.col.total"), kit.Column("share", "ui.team.col.share", kind="percent"),
            kit.Column("last", "ui.team.col.last", kind="date", priority=3)]


def contribution_rows(crm, frame):
    """The contributions as the list shows them: roles by name, shares in per cent."""
    return frame.assign(role=frame["role"].map(lambda code: crm.t(f"role.{code}")), share=frame["share"] * 100)


def read(crm, language: str):
    """(grade or None, contributions shown, refusal text or None) for the acting user."""
    try:
        if crm.user.role in INSTRUCTORS and team.start_record(crm) is not None:
            graded = team.grade(crm, language=language)
            return graded, graded.contributions, None
        frame = team.contributions(crm)
        if crm.user.role in INSTRUCTORS:   # not a team assignment's workspace: who did what, no grade
            return None, frame, None
        return None, frame[frame["username"] == crm.user.username], None
    except CRMError as error:
        return None, None, error.message(language)


@solara.component
def TeamScreen(crm):
    _version, language = kit.use_workspace(crm)
    refreshed, set_refreshed = solara.use_state(0)
    graded, contributions, refusal = solara.use_memo(lambda: read(crm, language),
                                                     dependencies=[refreshed, language])
    role = lambda code: crm.t(f"role.{code}")  # noqa: E731 - local shorthand
    with solara.Column(gap="8px") as box:
        with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
            solara.Button(crm.t("ui.team.refresh"), icon_name="mdi-refresh", text=True,
                          on_click=lambda: set_refreshed(refreshed + 1)).meta(ref="team-refresh")
            if crm.user.role not in INSTRUCTORS:
                solara.Text(crm.t("ui.team.own_only"))
            elif graded is None and refusal is None:
                solara.Text(crm.t("ui.team.no_grade"))
        if refusal:
            kit.Feedback(kit.Message("error", refusal), ref="team-message")
        if graded is not None:
            solara.Text(crm.t("team.headline", team=graded.team, score=f"{graded.score:g}",
                              points=f"{graded.points:g}"), style={"font-weight": "600"}).meta(ref="team-headline")
            criteria = graded.criteria.assign(
                title=[crm.t(f"team.criterion.{c}") for c in graded.criteria["criterion"]],
                marks=[f"{s:g} / {p:g}" for s, p in zip(graded.criteria["score"], graded.criteria["points"])])
            kit.StaticTable(crm, criteria, CRITERIA_COLUMNS, "team-criteria")
            members = graded.members.assign(
                who=[f"{n} ({u})" for n, u in zip(graded.members["name"], graded.members["username"])],
                role=graded.members["role"].map(role),
                marks=[f"{s:g} / {p:g}" for s, p in zip(graded.members["score"], graded.members["points"])])
            solara.Text(crm.t("team.members_heading"), style={"font-weight": "600"})
            kit.StaticTable(crm, members, MEMBER_COLUMNS, "team-members")
        if contributions is not None:
            solara.Text(crm.t("team.contributions_heading"), style={"font-weight": "600"})
            kit.StaticTable(crm, contribution_rows(crm, contributions), contribution_columns(), "team-contributions")
    return box


class TeamModule(kit.KitView):
    """`show(crm, "team")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        super().__init__(TeamScreen(crm), fallback=lambda: fallback_html(crm))


def fallback_html(crm) -> str:
    graded, contributions, refusal = read(crm, crm.language)
    if refusal:
        return f"<p>{html.escape(refusal)}</p>"
    if graded is not None:
        return f"<pre>{html.escape(graded.text())}</pre>"
    return kit.table_html(crm, contribution_rows(crm, contributions), contribution_columns())
