"""Team assignments (T4): one company run by a team, graded from the shared workspace.

    from crm_engine.course import team
    team.contributions(crm)          # per member: planned, assigned, closed, answered … from the audit trail
    grade = team.grade(crm)          # the team's grade, each member's grade, feedback (en / zh_CN)
    print(grade.text())

Who did what is read from the audit trail (操作日志) only, through the facade (`crm.audit.list`): every
verb a member runs is audited under that member, a refused one leaves no row and is not counted. An
*action* is one transaction: the rows one verb wrote share the acting user and the transaction's
wall-clock time (DuckDB's `current_localtimestamp`), so winning an opportunity (a `succeed` row and the
customer's first interaction record) counts once, as *closed*. Which category an action falls in is the
table `CONTRIBUTION` (data, not branches); what each role is expected to contribute is `ROLE_WORK`.

The grade: the company facts the team must reach (`COMPANY`, read by the course's `Facts` since the
team's start record, behind the course's integrity gate) plus one part per member (did they work in their
role's categories?). Every member's grade is the company part plus their own part; the team's grade is
the company part plus the members' mean. Deterministic: the same workspace grades the same twice.
The team's workspace is made by `course.team_workspace.create`.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import pandas as pd

from ..crm import ADMIN_USERNAME, CRM
from ..errors import CRMError, WorkspaceError
from ..i18n import translate
from .facts import Facts, Mark
from .grading import FLAG, integrity
from .rubrics.criterion import Criterion, fraction

ASSIGNMENT = "t1_team"
# The contribution categories, in the order they win when one action wrote rows of several (a won
# opportunity also writes an interaction record: the action is *closed*, not *followed up*).
CATEGORIES = ("closed", "assigned", "answered", "planned", "followed_up", "steered", "other")
# (kind, action) of an audit row -> its category; ("*", action) matches any kind; anything else: "other".
CONTRIBUTION: dict[tuple[str, str], str] = {
    # planned: opportunities drawn up and developed — plan steps, their results, stages, quotations
    ("opportunity", "create"): "planned", ("opportunity", "add_step"): "planned",
    ("opportunity", "record_result"): "planned", ("opportunity", "set_stage"): "planned",
    ("opportunity", "set_lines"): "planned", ("opportunity", "update"): "planned",
    ("opportunity", "remove_step"): "planned", ("campaign", "create"): "planned",
    # assigned: a supervisor gives opportunities, leads, tickets and customers to someone
    ("opportunity", "assign"): "assigned", ("lead", "assign"): "assigned", ("ticket", "assign"): "assigned",
    ("customer", "reassign"): "assigned", ("customer", "handover"): "assigned",
    # closed: development succeeded (won) or failed (lost); a contract signed
    ("opportunity", "succeed"): "closed", ("opportunity", "fail"): "closed", ("contract", "sign"): "closed",
    # answered: service tickets and calls, churn warnings answered with measures or confirmed
    ("ticket", "create"): "answered", ("ticket", "handle"): "answered", ("ticket", "feedback"): "answered",
    ("call", "create"): "answered", ("call", "convert"): "answered",
    ("churn", "suspend"): "answered", ("churn", "confirm"): "answered",
    # followed up: leads taken on and followed up to an end, contacts with customers
    ("lead", "claim"): "followed_up", ("lead", "follow_up"): "followed_up", ("lead", "convert"): "followed_up",
    ("lead", "mark_invalid"): "followed_up", ("lead", "void"): "followed_up", ("lead", "revive"): "followed_up",
    ("interaction", "create"): "followed_up",
    # steered: the director's work — targets, the ABC classification, the clock, reports exported
    ("target", "create"): "steered", ("target", "update"): "steered", ("target", "delete"): "steered",
    ("customer", "grade"): "steered", ("churn", "scan"): "steered", ("scenario", "advance"): "steered",
    ("clock", "advance"): "steered", ("*", "export"): "steered",
}
# The audit row of the simulated world moving on (`crm.simulation.advance`): its whole transaction is one
# action of whoever moved the clock.
WORLD = (("scenario", "advance"),)
# Courseware bookkeeping (the team's start record, notebook steps): no one's contribution.
NOT_WORK = ("course",)
# role -> (the categories its work is in, in how many of them a member must have worked for full marks)
ROLE_WORK: dict[str, tuple[tuple[str, ...], int]] = {
    "director": (("steered", "assigned", "closed"), 1),
    "supervisor": (("assigned",), 1),
    "account_manager": (("planned", "closed", "followed_up", "answered"), 2),
    "service_staff": (("answered",), 1),
    "marketing": (("planned", "followed_up"), 1),
    "finance": (("closed", "other"), 1),
}
# the count columns of the contributions table, in the order the glossary tells them
SHOWN_ORDER = ("planned", "assigned", "closed", "answered", "followed_up", "steered", "other")


def category(kind: str, action: str) -> str:
    """The contribution category of one audit row (`CONTRIBUTION`; "other" when it names none)."""
    return CONTRIBUTION.get((kind, action)) or CONTRIBUTION.get(("*", action)) or "other"


# -- who the team is ---------------------------------------------------------------------------------------
def start_record(crm: CRM) -> dict | None:
    """The team's start record (written when the team's workspace was made), or None."""
    frame = crm.as_user(ADMIN_USERNAME).audit.list(kind="course", action="start", limit=1)
    if not len(frame):
        return None
    after = json.loads(frame["after"].iloc[0] or "{}")
    return {**after, "id": int(frame["id"].iloc[0]), "on_date": frame["on_date"].iloc[0]} \
        if after.get("assignment") == ASSIGNMENT else None


def members(crm: CRM) -> dict[str, str]:
    """username -> role of the team: from its start record, else every user but the administrator."""
    start = start_record(crm)
    if start and start.get("members"):
        return dict(start["members"])
    users = crm.as_user(ADMIN_USERNAME).admin.users(active=None)
    return {u: r for u, r in zip(users["username"], users["role"]) if u != ADMIN_USERNAME}


# -- contributions -----------------------------------------------------------------------------------------
def contributions(crm: CRM, since=None) -> pd.DataFrame:
    """Per member: username, name, role, the number of actions per category (planned, assigned,
    closed, answered, followed_up, steered, other), total, share of the team's actions, and the
    scenario dates of their first and last action — read from the audit trail only.

    Only actions after the team's start record count (what the scenario's generator wrote in the people's
    names before the team got the workspace is not theirs; in a workspace made otherwise, every action);
    `since` (a date) counts only those on or after it. `frame.attrs["others"]` counts the actions of
    users outside the team (the instructor, the administrator): shown, never credited.
    """
    admin = crm.as_user(ADMIN_USERNAME)
    team = members(crm)
    start = start_record(crm)
    rows = admin.audit.list(since=since)
    if start:
        rows = rows[rows["id"] > start["id"]]
    rows = rows[~rows["kind"].isin(NOT_WORK)]
    actions = _actions(rows)
    users = admin.admin.users(active=None).set_index("username")
    out = []
    for username, role in team.items():
        mine = actions[actions["username"] == username]
        counts = {c: int((mine["category"] == c).sum()) for c in SHOWN_ORDER}
        out.append({"username": username, "name": str(users["name"].get(username, username)), "role": role,
                    **counts, "total": len(mine),
                    "first": _date(mine["on_date"].min()) if len(mine) else None,
                    "last": _date(mine["on_date"].max()) if len(mine) else None})
    frame = pd.DataFrame(out, columns=["username", "name", "role", *SHOWN_ORDER, "total", "first", "last"])
    everyone = int(frame["total"].sum())
    frame.insert(len(frame.columns) - 2, "share", [round(t / everyone, 4) if everyone else 0.0
                                                   for t in frame["total"]])
    frame.attrs["others"] = int((~actions["username"].isin(list(team))).sum())
    return frame


def _actions(rows: pd.DataFrame) -> pd.DataFrame:
    """(username, category, on_date) per action, in order. One action is one transaction: its rows share
    the wall-clock time, and its category is the first in CATEGORIES of its rows'. A transaction that moved
    the simulated world (`WORLD`) is one action of whoever moved it: rows the world wrote under someone's
    name in it (a scenario event's opportunity entered as the supervisor) are not that person's work."""
    pairs = list(zip(rows["kind"], rows["action"]))
    rows = rows.assign(rank=[CATEGORIES.index(category(k, a)) for k, a in pairs], world=[p in WORLD for p in pairs])
    moved = rows.groupby("at_time")["world"].transform("any").astype(bool)
    rows = rows[~moved | rows["world"]].sort_values("id")
    actions = (rows.groupby(["at_time", "username"], sort=True)
               .agg(rank=("rank", "min"), on_date=("on_date", "first")).reset_index())
    return pd.DataFrame({"username": actions["username"], "on_date": actions["on_date"],
                         "category": [CATEGORIES[r] for r in actions["rank"]]})


def _date(value) -> dt.date | None:
    if value is None or pd.isna(value):
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# -- the company facts the team must reach ------------------------------------------------------------------
def _won(f: Facts, strict: bool) -> Mark:
    """Opportunities won since the start, against the team's target (a count)."""
    target = int(f.targets.get("won", 3))
    ids = sorted({r["record_id"] for r in f.audit("opportunity", "succeed")})
    won = [(i, v) for i, v in f.db.rows("SELECT id, coalesce(won_amount, 0) FROM opportunities "
                                        "WHERE state = 'succeeded' ORDER BY id") if i in ids]
    value = sum(float(v) for _, v in won)
    lines = [f.t("team.fb.won", n=len(won), value=f"{value:,.0f}", target=target)]
    if len(won) < target:
        lines.append(f.t("team.fb.won_missing", n=target - len(won)))
    return Mark(fraction(len(won), target), lines)


def _service(f: Facts, strict: bool) -> Mark:
    """Tickets waiting for an answer at the start or created since, answered (handled) within the service
    level (`service_days` after the start, or after the ticket was created)."""
    days = int(f.targets.get("service_days", 7))
    start = f.db.scalar("SELECT on_date FROM audit WHERE id = ?", [f.start_id])  # the team's start record
    states = f.baseline.get("states", {}).get("ticket", {})
    rows = f.db.rows("SELECT id, state, created_on, handled_on FROM tickets ORDER BY id")
    due = [(t, s, c, h) for t, s, c, h in rows if states.get(str(t), "new") in ("new", "assigned")]
    late = [t for t, s, c, h in due if h is None or (h - max(c, start)).days > days]
    lines = [f.t("team.fb.service", n=len(due) - len(late), total=len(due), days=days)]
    if late:
        lines.append(f.t("team.fb.service_late", ids=", ".join(map(str, late[:10])),
                         more=f.t("team.fb.more", n=len(late) - 10) if len(late) > 10 else ""))
    return Mark(fraction(len(due) - len(late), len(due)) if due else 1.0, lines)


def _plans(f: Facts, strict: bool) -> Mark:
    """Plan steps drawn up since the start, and none overdue (planned before today, no step result yet)."""
    added = f.audit("opportunity", "add_step")
    if not added:
        return Mark(0.0, [f.t("team.fb.no_plans")])
    due = f.db.rows("""SELECT p.id, p.opportunity_id, p.result IS NULL FROM plan_steps p
                       JOIN opportunities o ON o.id = p.opportunity_id
                       WHERE o.state = 'assigned' AND p.planned_date < ? ORDER BY p.id""", [f.today])
    overdue = [(s, o) for s, o, open_ in due if open_]
    lines = [f.t("team.fb.plans", n=len(added), overdue=len(overdue))]
    if overdue:
        lines.append(f.t("team.fb.overdue", steps=", ".join(f"{s} ({o})" for s, o in overdue[:10])))
    return Mark(1 - len(overdue) / len(due) if due else 1.0, lines)


COMPANY: dict[str, Criterion] = {c.name: c for c in (
    Criterion("won", 3, _won), Criterion("service", 3, _service), Criterion("plans", 2, _plans))}
MEMBER_POINTS = 2.0   # each member's own part; the team's "members" criterion is worth the same


def member_mark(row: dict, language: str) -> Mark:
    """A member's own part: work in `needed` of their role's categories (`ROLE_WORK`)."""
    categories, needed = ROLE_WORK.get(row["role"], (("other",), 1))
    who = _who(row["name"], row["username"])
    if not row["total"]:
        return Mark(0.0, [translate("team.fb.member_idle", language, who=who,
                                    role=translate(f"role.{row['role']}", language))])
    done = [c for c in categories if row.get(c, 0) > 0]
    lines = [translate("team.fb.member", language, who=who, total=row["total"], share=f"{row['share']:.0%}",
                       done=_listed([translate(f"team.category.{c}", language) for c in done], language) or "—")]
    if len(done) < needed:
        missing = [translate(f"team.category.{c}", language) for c in categories if c not in done]
        lines.append(translate("team.fb.member_missing", language, who=who, needed=needed,
                               missing=_listed(missing, language)))
    return Mark(fraction(len(done), needed), lines)


# -- the grade ---------------------------------------------------------------------------------------------
@dataclass
class TeamGrade:
    """The team's grade: company criteria, each member's grade, their contributions, the feedback."""

    team: str
    language: str
    criteria: pd.DataFrame          # criterion, score, points, feedback (company facts + "members")
    members: pd.DataFrame           # username, name, role, score, points, feedback
    contributions: pd.DataFrame
    flagged: bool = False
    findings: list = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(float(self.criteria["score"].sum()), 2)

    @property
    def points(self) -> float:
        return float(self.criteria["points"].sum())

    def to_dict(self) -> dict:
        """JSON-able: team, score, points, flagged, findings, criteria, members, contributions."""
        contrib = self.contributions.astype(object).where(self.contributions.notna(), None)
        for column in ("first", "last"):
            contrib[column] = [v.isoformat() if v is not None else None for v in contrib[column]]
        return {"assignment": ASSIGNMENT, "team": self.team, "language": self.language, "score": self.score,
                "points": self.points, "flagged": self.flagged, "findings": list(self.findings),
                "criteria": self.criteria.to_dict("records"), "members": self.members.to_dict("records"),
                "contributions": contrib.to_dict("records"),
                "others": int(self.contributions.attrs.get("others", 0))}

    def text(self) -> str:
        """The grade, the contribution table and the feedback, for a terminal."""
        t = lambda key, **p: translate(key, self.language, **p)  # noqa: E731 - local shorthand
        lines = [t("team.headline", team=self.team, score=f"{self.score:g}", points=f"{self.points:g}")]
        for row in self.criteria.itertuples():
            lines.append("  " + t("team.score_line", title=t(f"team.criterion.{row.criterion}"),
                                  score=f"{row.score:g}", points=f"{row.points:g}"))
            lines += [f"    {x}" for x in str(row.feedback).splitlines()]
        lines += ["", t("team.members_heading")]
        for row in self.members.itertuples():
            who = t("team.who", who=_who(row.name, row.username), role=t(f"role.{row.role}"))
            lines.append("  " + t("team.score_line", title=who, score=f"{row.score:g}", points=f"{row.points:g}"))
            lines += [f"    {x}" for x in str(row.feedback).splitlines()]
        table = self.contributions.copy()
        table["role"] = [t(f"role.{r}") for r in table["role"]]
        table["share"] = [f"{v:.0%}" for v in table["share"]]
        for column in ("first", "last"):
            table[column] = [v.isoformat() if v is not None else "—" for v in table[column]]
        table = table.rename(columns={c: t(f"team.category.{c}" if c in SHOWN_ORDER else f"team.column.{c}")
                                      for c in table.columns})
        lines += ["", t("team.contributions_heading"), table.to_string(index=False)]
        if self.contributions.attrs.get("others"):
            lines.append(t("team.others", n=self.contributions.attrs["others"]))
        return "\n".join(lines)


def _listed(items: list[str], language: str) -> str:
    return ("、" if language == "zh_CN" else ", ").join(items)


def _who(name: str, username: str) -> str:
    """How feedback names a member: "Alice Wang (alice)", or just "alice" when that is the name too."""
    return username if name == username else f"{name} ({username})"


def grade(crm: CRM, *, language: str | None = None) -> TeamGrade:
    """Grade the team's workspace: deterministic, read-only. Refused (`WorkspaceError`) for a workspace
    that was not made for the team assignment."""
    start = start_record(crm)
    if start is None:
        raise WorkspaceError("team.not_team_workspace", workspace=crm.path or "memory")
    language = language or crm.language
    f = Facts.of(crm.as_user(ADMIN_USERNAME), language)
    findings = integrity(f)
    flagged = bool(findings)
    rows = []
    for name, item in COMPANY.items():
        try:
            mark = item.check(f, True)
        except CRMError as error:
            mark = Mark(0.0, [f.t("grading.error", error=error.message(language))])
        rows.append(_scored(f, name, mark, item.points, flagged, findings))
    contrib = contributions(crm)
    people = []
    company = sum(r["score"] for r in rows)
    for row in contrib.to_dict("records"):
        mark = member_mark(row, language)
        own = 0.0 if flagged else round(min(max(mark.share, 0.0), 1.0) * MEMBER_POINTS, 2)
        people.append({"username": row["username"], "name": row["name"], "role": row["role"],
                       "score": round(company + own, 2), "points": sum(c.points for c in COMPANY.values())
                       + MEMBER_POINTS, "own": own, "feedback": "\n".join(mark.lines)})
    shares = [p["own"] / MEMBER_POINTS for p in people]
    idle = [_who(p["name"], p["username"]) for p in people if not p["own"]]
    lines = [f.t("team.fb.members", n=len(people) - len(idle), total=len(people))]
    if idle:
        lines.append(f.t("team.fb.idle", who=_listed(idle, language)))
    members_mark = Mark(sum(shares) / len(shares) if shares else 0.0, lines)
    rows.append(_scored(f, "members", members_mark, MEMBER_POINTS, flagged, findings))
    return TeamGrade(str(start.get("team") or ""), language, pd.DataFrame(rows),
                     pd.DataFrame(people, columns=["username", "name", "role", "score", "points", "own", "feedback"]),
                     contrib, flagged, findings)


def _scored(f: Facts, name: str, mark: Mark, points: float, flagged: bool, findings: list) -> dict:
    share = min(max(float(mark.share), 0.0), 1.0)
    lines = list(mark.lines)
    if flagged:  # the course's integrity gate: edited behind the engine's back, nothing counts
        share = 0.0
        lines = [f.t("grading.flagged", flag=FLAG)] + [f"  - {x}" for x in findings[:5]]
    return {"criterion": name, "score": round(share * points, 2), "points": float(points),
            "feedback": "\n".join(lines)}
