"""Roles (A1) and data scopes (A2).

A sharing policy row says, for one kind of record and one role, which records
that role may read and write: `none`, `own` (the user owns it), `team` (owned by
anyone in the user's team or its sub-teams) or `all`. Areas ask for a SQL
condition (`scope_sql`) and put it into *every* list, search, export and report
query, so the policy holds whatever screen or notebook cell asks.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .i18n import Term

if TYPE_CHECKING:
    from .db import Database

ROLES = ("admin", "director", "supervisor", "account_manager", "service_staff", "marketing", "finance")
SCOPES = ("none", "own", "team", "all")

# The two policies for customer cards that the seed systems differ on (MISSION A2), as
# presets an administrator or a scenario applies in one step. They set the kinds that are
# the card itself — `customer` (with its contacts, interactions and orders) and `churn`
# (its warnings) — while other kinds (tickets, tasks, contracts …) keep their own
# policies, set cell by cell.
# "private", the default: a rep sees their own customers, a supervisor the team's,
# a director everything; service, marketing and finance read all. "open": everyone
# reads every card; writing stays with the owner and their superiors.
PRESET_KINDS = ("customer", "churn")
PRESETS = {
    "private": {
        "admin": ("all", "all"), "director": ("all", "all"), "supervisor": ("team", "team"),
        "account_manager": ("own", "own"), "service_staff": ("all", "none"),
        "marketing": ("all", "none"), "finance": ("all", "none"),
    },
    "open": {
        "admin": ("all", "all"), "director": ("all", "all"), "supervisor": ("all", "team"),
        "account_manager": ("all", "own"), "service_staff": ("all", "none"),
        "marketing": ("all", "none"), "finance": ("all", "none"),
    },
}


@dataclass(frozen=True)
class User:
    """A user of the workspace (A1)."""

    id: int
    username: str
    name: str
    role: str
    team_id: int
    email: str | None = None
    phone: str | None = None
    active: bool = True


def role_term(role: str) -> Term:
    return Term(f"role.{role}")


def action_term(action: str) -> Term:
    return Term(f"action.{action}")


def team_subtree(db: Database, team_id: int) -> list[int]:
    """The team and all teams below it in the org tree."""
    return db.memo(("subtree", team_id), lambda: _subtree(db, team_id))


def _subtree(db: Database, team_id: int) -> list[int]:
    rows = db.rows(
        "WITH RECURSIVE sub(id) AS (SELECT ?::INTEGER UNION SELECT t.id FROM teams t JOIN sub ON t.parent_id = sub.id) "
        "SELECT id FROM sub ORDER BY id",
        [team_id],
    )
    return [r[0] for r in rows]


def policy(db: Database, kind: str, role: str, mode: str) -> str:
    scopes = db.memo(("policy", kind, role), lambda: db.one(
        "SELECT read_scope, write_scope FROM sharing_policy WHERE kind = ? AND role = ?", [kind, role]))
    scope = None if scopes is None else scopes[0 if mode == "read" else 1]
    if scope is None:
        # Kinds or roles the policy does not mention: only the administrator sees them.
        return "all" if role == "admin" else "none"
    return scope


def scope_sql(db: Database, user: User, kind: str, owner_column: str, mode: str = "read") -> str:
    """A SQL condition on `owner_column` that keeps only what `user` may see.

    Only integers from the database are inlined, never user text.
    """
    scope = policy(db, kind, user.role, mode)
    if scope == "all":
        return "TRUE"
    if scope == "none":
        return "FALSE"
    if scope == "own":
        return f"({owner_column} = {int(user.id)})"
    teams = ",".join(str(int(t)) for t in team_subtree(db, user.team_id))
    return f"({owner_column} IN (SELECT id FROM users WHERE team_id IN ({teams})))"


def allows(db: Database, user: User, kind: str, owner_id: int | None, mode: str) -> bool:
    scope = policy(db, kind, user.role, mode)
    if scope == "all":
        return True
    if scope == "none" or owner_id is None:
        return False
    if scope == "own":
        return owner_id == user.id
    owner_team = db.scalar("SELECT team_id FROM users WHERE id = ?", [owner_id])
    return owner_team in team_subtree(db, user.team_id)
