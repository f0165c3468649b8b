"""The org chart from a sales roster: `crm.imports.users(...)` and `crm.imports.teams(...)`.

A roster has one row per sales agent: `sales_agent, manager, regional_office` (rename with a
mapping; `username`, `manager_username`, `email`, `phone` are optional). It becomes:
- an office team under the root team for each regional office (an existing team of that name
  under the root is reused);
- a team for each manager under their office (or under the root), named "<manager>'s team" in the
  workspace's language (reused when it exists);
- the manager as a *supervisor* of that team (an existing supervisor of that name is reused);
- the agent as an *account manager* in the manager's team (the office's team, or the root, when
  the row names no manager).
`teams` creates the teams only (the file needs the `manager` column).

Usernames are given (`username`, `manager_username`) or derived, deterministically: the name
folded to lowercase ASCII, its words joined by dots ("Dustin Brinkmann" → `dustin.brinkmann`),
`user.<line>` when nothing in it is ASCII, and `.2`, `.3` … after a name already taken (by an
existing user or an earlier person in the file, in the file's order). The report's `created`
table lists every team and user made, with the usernames.

Only the administrator and a director import the org chart.
"""
from __future__ import annotations

import json
import re
import unicodedata

import pandas as pd

from ..errors import InvalidInput
from ..i18n import translate
from .imports import EMAIL, FIELDS, LONGEST, PHONE, chunks, first_failure, text_checks

FIELDS["users"] = (("sales_agent",), ("manager", "regional_office", "username", "manager_username", "email", "phone"))
FIELDS["teams"] = (("manager",), ("regional_office",))
LONGEST["users"] = {"sales_agent": 100, "manager": 100, "regional_office": 100, "username": 60,
                    "manager_username": 60, "email": 200, "phone": 40}
LONGEST["teams"] = {"manager": 100, "regional_office": 100}
USERNAME = r"[A-Za-z0-9._-]+"    # what admin.add_user takes


def derive_username(name: str, line: int) -> str:
    """The username a person's name gives (see the module's docstring)."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return ".".join(re.findall(r"[a-z0-9]+", ascii_text))[:50] or f"user.{line}"


class RosterLoads:
    """The `users` and `teams` loads of `crm.imports` (mixed into company.Imports)."""

    def _load_users(self, total: int, fmt, progress) -> int:
        return self._roster("users", total, progress)

    def _load_teams(self, total: int, fmt, progress) -> int:
        return self._roster("teams", total, progress)

    def _roster(self, kind: str, total: int, progress) -> int:
        s = self._s
        db = s.db
        users = kind == "users"
        checks = [*text_checks(kind)]
        if users:
            checks = [("i.sales_agent = ''", "import.empty_name", "''"), *checks,
                      (f"i.username <> '' AND NOT regexp_full_match(i.username, '{USERNAME}')", "import.bad_username",
                       "i.username"),
                      (f"i.manager_username <> '' AND NOT regexp_full_match(i.manager_username, '{USERNAME}')",
                       "import.bad_username", "i.manager_username"),
                      (f"i.email <> '' AND NOT regexp_full_match(i.email, '{EMAIL}')", "import.bad_email", "i.email"),
                      (f"i.phone <> '' AND NOT regexp_full_match(i.phone, '{PHONE}')", "import.bad_phone", "i.phone"),
                      ("lower(i.sales_agent) IN (SELECT lower(manager) FROM incoming)", "import.agent_is_manager",
                       "i.sales_agent"),
                      ("count(*) OVER (PARTITION BY lower(i.sales_agent) ORDER BY i.line) > 1",
                       "import.duplicate_in_file", "i.sales_agent"),
                      ("EXISTS (SELECT 1 FROM users u WHERE lower(u.name) = lower(i.sales_agent) "
                       "OR u.username = nullif(i.username, ''))", "import.user_exists", "i.sales_agent")]
        else:
            checks = [("i.manager = ''", "import.empty_name", "''"), *checks]
        # A manager already in the workspace must be a supervisor to lead a team.
        checks.append(("i.manager <> '' AND EXISTS (SELECT 1 FROM users u WHERE lower(u.name) = lower(i.manager) "
                       "AND u.role <> 'supervisor')", "import.manager_role", "i.manager"))
        db.execute(f"CREATE OR REPLACE TEMP TABLE import_checked AS SELECT i.*, {first_failure(checks)} "
                   "FROM incoming i")
        good = db.df("SELECT * FROM import_checked WHERE reason IS NULL ORDER BY line")
        teams, people = self._plan_roster(good, users)
        for _ in chunks(len(good), progress):
            pass   # the roster is small: one step, then the inserts below
        self._write_roster(teams, people)
        self._created = pd.concat([teams.assign(kind="team")[["kind", "name", "id"]],
                                   people.assign(kind="user")[["kind", "name", "id", "username", "role"]]],
                                  ignore_index=True) if len(teams) or len(people) else None
        self._notes.append(translate("import.roster_created", s.language, teams=len(teams),
                                     supervisors=int((people["role"] == "supervisor").sum()) if len(people) else 0,
                                     managers=int((people["role"] == "account_manager").sum()) if len(people) else 0))
        return len(good)

    def _plan_roster(self, good: pd.DataFrame, users: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The teams and users to create: (id, name, parent_id) and (id, username, name, role, team_id,
        email, phone), ids following the tables' next ids in the file's order."""
        s = self._s
        db = s.db
        existing_teams = {(parent, name): tid for tid, name, parent in db.rows("SELECT id, name, parent_id FROM teams")}
        supervisors = {name.lower(): (uid, team) for uid, name, team in
                       db.rows("SELECT id, name, team_id FROM users WHERE role = 'supervisor'")}
        taken = {u for (u,) in db.rows("SELECT username FROM users")}
        next_team, next_user = db.next_id("teams"), db.next_id("users")
        new_teams, new_people, manager_team = [], [], {}

        def team(name: str, parent: int) -> int:
            nonlocal next_team
            key = (parent, name)
            if key not in existing_teams:
                existing_teams[key] = next_team
                new_teams.append({"id": next_team, "name": name, "parent_id": parent})
                next_team += 1
            return existing_teams[key]

        def person(name: str, username: str, line: int, role: str, team_id: int, email=None, phone=None) -> int:
            nonlocal next_user
            base = username or derive_username(name, line)
            chosen, n = base, 1
            if username and username in taken:
                raise InvalidInput("import.username_twice", field="username", value=username)
            while chosen in taken:
                n += 1
                chosen = f"{base}.{n}"
            taken.add(chosen)
            new_people.append({"id": next_user, "username": chosen, "name": name, "role": role, "team_id": team_id,
                               "email": email or None, "phone": phone or None, "derived": not username})
            next_user += 1
            return next_user - 1

        for row in good.itertuples(index=False):
            office = team(row.regional_office, 1) if row.regional_office else 1
            home = office
            if row.manager:
                key = row.manager.lower()
                if key in manager_team:
                    home = manager_team[key]
                else:
                    if key in supervisors:           # an existing supervisor keeps leading their team
                        home = supervisors[key][1]
                    else:
                        home = team(translate("import.manager_team", s.language, name=row.manager)[:100], office)
                        if users:
                            person(row.manager, getattr(row, "manager_username", ""), row.line, "supervisor", home)
                    manager_team[key] = home
            if users:
                person(row.sales_agent, row.username, row.line, "account_manager", home, row.email, row.phone)
        teams = pd.DataFrame(new_teams, columns=["id", "name", "parent_id"])
        people = pd.DataFrame(new_people, columns=["id", "username", "name", "role", "team_id", "email", "phone",
                                                   "derived"])
        return teams, people

    def _write_roster(self, teams: pd.DataFrame, people: pd.DataFrame) -> None:
        """Insert the teams and users set-based, with one audit row each (as add_team / add_user)."""
        s = self._s
        db = s.db
        today = s.today()
        audit = []
        for row in teams.itertuples(index=False):
            audit.append(("team", row.id, {"name": row.name, "parent_id": row.parent_id}))
        for row in people.itertuples(index=False):
            audit.append(("user", row.id, {"username": row.username, "role": row.role, "team_id": row.team_id}))
        if len(teams):
            with db.registered("roster_teams", teams):
                db.execute("INSERT INTO teams SELECT id, name, parent_id FROM roster_teams ORDER BY id")
        if len(people):
            with db.registered("roster_people", people):
                db.execute("INSERT INTO users SELECT id, username, name, role, team_id, email, phone, true, ? "
                           "FROM roster_people ORDER BY id", [today])
        if audit:
            base = db.next_id("audit")
            rows = pd.DataFrame({"id": range(base, base + len(audit)), "kind": [a[0] for a in audit],
                                 "record_id": [int(a[1]) for a in audit],
                                 "after": [json.dumps(a[2], ensure_ascii=False, sort_keys=True, default=int)
                                           for a in audit]})
            with db.registered("roster_audit", rows):
                db.execute("INSERT INTO audit SELECT id, ?, current_localtimestamp(), ?, 'create', kind, record_id, "
                           "NULL, after, 'import' FROM roster_audit ORDER BY id", [today, s.user.id])
        db.forget()   # the org tree is cached (access scopes)
