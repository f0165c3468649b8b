"""The team assignment's shared workspace (T4): a seeded scenario whose people are the team's members.

    from crm_engine.course.team_workspace import create, parse_members
    crm = create("team-1.duckdb", parse_members("supervisor=alice,account_manager=bob,service_staff=dan"),
                 team="team-1", seed=7)

Each member takes the place of one of the scenario's people of their role (the supervisor Zhang Wei's,
the account managers Li Ming's, Wang Fang's …), under their own username and name: they own that
person's customers, opportunities and tickets from the start, and everything they do is audited under
them. The scenario's other people stay (the company is bigger than the team). The team's start record
(kind `course`, action `start`) holds the members, the targets and the baseline the course's integrity
gate compares with — the same record a student's workspace has, so `Facts` reads it.
"""
from __future__ import annotations

import dataclasses
import re

from ..crm import ADMIN_USERNAME, CRM
from ..errors import InvalidInput
from ..scenario import builtin
from .team import ASSIGNMENT, ROLE_WORK
from .workspaces import baseline

SCENARIO = "hardware_distributor"
CUSTOMERS = 120
TARGETS = {"won": 3, "service_days": 7}   # the company facts the team must reach (course/team.py)
USERNAME = re.compile(r"^[A-Za-z0-9._-]{1,60}$")


def parse_members(text: str) -> dict[str, tuple[str, str]]:
    """`"supervisor=alice,account_manager=bob:Bob Chen"` -> {username: (role, name)}; the name defaults
    to the username. Refused (`InvalidInput`) when a part is not ROLE=USERNAME[:NAME], a role is not one
    a team member can have, or a username is given twice."""
    found: dict[str, tuple[str, str]] = {}
    for part in [p.strip() for p in str(text or "").split(",") if p.strip()]:
        role, equals, who = (x.strip() for x in part.partition("="))
        username, _, name = (x.strip() for x in who.partition(":"))
        if not equals or not USERNAME.match(username):
            raise InvalidInput("team.bad_member", field="members", value=part)
        if role not in ROLE_WORK:
            raise InvalidInput("team.bad_role", field="members", value=part, choices=", ".join(ROLE_WORK))
        if username in found or username == ADMIN_USERNAME:
            raise InvalidInput("team.twice", field="members", username=username)
        found[username] = (role, name or username)
    if not found:
        raise InvalidInput("team.no_members", field="members")
    return found


def cast(scenario, members: dict[str, tuple[str, str]]):
    """The scenario with each member in the place of one of its people of the same role (the student
    user's team first); refused when the scenario has fewer people of a role than the team has."""
    people = list(scenario.company.people)
    home = next((p.team for p in people if p.username == scenario.student_user), None)
    order = sorted(range(len(people)), key=lambda i: (people[i].username != scenario.student_user,
                                                       people[i].team != home, i))
    taken: dict[str, str] = {}   # scenario username -> member username
    used: set[int] = set()
    for username, (role, name) in members.items():
        slot = next((i for i in order if people[i].role == role and i not in used), None)
        if slot is None:
            available = sum(p.role == role for p in scenario.company.people)
            raise InvalidInput("team.too_many", field="members", role=role, n=available)
        taken[people[slot].username] = username
        used.add(slot)
        people[slot] = dataclasses.replace(people[slot], username=username, name=name)
    tasks = tuple(dataclasses.replace(t, assignee=taken.get(t.assignee, t.assignee)) for t in scenario.tasks)
    return dataclasses.replace(scenario, company=dataclasses.replace(scenario.company, people=tuple(people)),
                               tasks=tasks, student_user=taken.get(scenario.student_user, scenario.student_user))


def create(path, members: dict[str, tuple[str, str]], *, team: str = "team", seed: int | None = None,
           scenario: str = SCENARIO, customers: int | None = CUSTOMERS, language: str | None = None) -> CRM:
    """The team's shared workspace at `path` (built atomically: a failure leaves nothing there), with
    the team's start record; returns the CRM (as the administrator, the instructor's handle)."""
    found = cast(builtin(scenario), members)
    if customers and customers != found.customers.size:
        found = found.scaled(customers)

    def start(crm: CRM) -> None:
        admin = crm.as_user(ADMIN_USERNAME)
        with crm.transaction():
            crm.audit_event("start", "course", None, note=ASSIGNMENT, after={
                "assignment": ASSIGNMENT, "team": team, "scenario": scenario,
                "members": {u: role for u, (role, _) in members.items()}, "targets": dict(TARGETS),
                "baseline": baseline(admin.tables)})

    return found.create(path, student=team, seed=seed, language=language, then=start)
