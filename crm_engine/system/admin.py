"""System settings (A1, A2, A5): teams, users, the sharing policy, settings, backups."""
from __future__ import annotations

import json
import os
from contextlib import contextmanager

from .. import access, settings as registered_settings, validate
from ..atomic import building
from ..customers.cards import open_records
from ..db import create_file
from ..migrations import latest_version
from ..errors import Conflict, CRMError, InvalidInput, NotAllowed, NotFound, WorkspaceError, WorkspaceLocked
from ..session import USER_COLUMNS, Area, User, action, load_user, query
from ..tables import SECRET_TABLES
from .logins import keep_for_same_users

class Admin(Area):
    """Only the administrator changes the org, the policy and the settings."""

    # -- teams (the org tree) -------------------------------------------------
    @action
    def add_team(self, name: str, parent: int = 1) -> int:
        """Add a team under `parent` (the root team is 1); returns its id."""
        self._s.require_role("admin", action="manage_org")
        name = validate.text(name, "name", max_length=100)
        parent = self._team(parent)
        team_id = self._s.db.next_id("teams")
        self._s.db.execute("INSERT INTO teams VALUES (?, ?, ?)", [team_id, name, parent])
        self._s.db.forget()
        self._s.audit("create", "team", team_id, after={"name": name, "parent_id": parent})
        return team_id

    @query
    def teams(self):
        """The org tree as a DataFrame (id, name, parent_id, members)."""
        return self._s.db.df(
            "SELECT t.id, t.name, t.parent_id, count(u.id) AS members FROM teams t "
            "LEFT JOIN users u ON u.team_id = t.id AND u.active GROUP BY ALL ORDER BY t.id"
        )

    def _team(self, team) -> int:
        team = validate.record_id(team, "team")
        if self._s.db.scalar("SELECT count(*) FROM teams WHERE id = ?", [team]) == 0:
            raise NotFound("team.not_found", id=team)
        return team

    # -- users ----------------------------------------------------------------
    @action
    def add_user(self, username: str, name: str, *, role: str, team: int = 1,
                 email: str | None = None, phone: str | None = None) -> User:
        """Add a user with one of the roles in `access.ROLES`."""
        self._s.require_role("admin", action="manage_org")
        username = validate.text(username, "username", max_length=60)
        if not all(c.isalnum() or c in "._-" for c in username):
            raise InvalidInput("user.bad_username", field="username", value=username)
        name = validate.text(name, "name", max_length=100)
        role = validate.one_of(role, "role", access.ROLES)
        team = self._team(team)
        email, phone = validate.email(email), validate.phone(phone)
        db = self._s.db
        if db.scalar("SELECT count(*) FROM users WHERE username = ?", [username]):
            raise Conflict("user.exists", username=username)
        user_id = db.next_id("users")
        db.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?, ?, true, ?)",
                   [user_id, username, name, role, team, email, phone, self._s.today()])
        self._s.audit("create", "user", user_id, after={"username": username, "role": role, "team_id": team})
        return load_user(db, user_id)

    @action
    def update_user(self, who, *, name=None, role=None, team=None, email=None, phone=None) -> User:
        """Change a user's name, role, team or contact details."""
        self._s.require_role("admin", action="manage_org")
        user = load_user(self._s.db, who)
        changes = {}
        if name is not None:
            changes["name"] = validate.text(name, "name", max_length=100)
        if role is not None:
            changes["role"] = validate.one_of(role, "role", access.ROLES)
            if user.id == 1 and changes["role"] != "admin":
                raise NotAllowed("user.keep_admin")
        if team is not None:
            changes["team_id"] = self._team(team)
        if email is not None:
            changes["email"] = validate.email(email)
        if phone is not None:
            changes["phone"] = validate.phone(phone)
        if changes:
            sets = ", ".join(f"{column} = ?" for column in changes)
            self._s.db.execute(f"UPDATE users SET {sets} WHERE id = ?", [*changes.values(), user.id])
            before = {k: getattr(user, k) for k in changes}
            self._s.audit("update", "user", user.id, before=before, after=changes)
        return load_user(self._s.db, user.id)

    @action
    def deactivate_user(self, who) -> None:
        """A departing user can no longer be given records; hand their customers over first."""
        self._s.require_role("admin", action="manage_org")
        user = load_user(self._s.db, who)
        if user.id == 1:
            raise NotAllowed("user.keep_admin")
        still = open_records(self._s, user.id)
        if still:
            raise NotAllowed("user.still_owns", user=user.name, count=sum(still.values()),
                             records=", ".join(f"{table}: {n}" for table, n in still.items()))
        self._s.db.execute("UPDATE users SET active = false WHERE id = ?", [user.id])
        self._s.audit("deactivate", "user", user.id)

    @query
    def users(self, *, role: str | None = None, team: int | None = None, active: bool | None = True):
        """Users as a DataFrame (everyone may see the staff list: it is the address book)."""
        where, params = ["TRUE"], []
        if role is not None:
            where.append("role = ?"), params.append(validate.one_of(role, "role", access.ROLES))
        if team is not None:
            where.append("team_id = ?"), params.append(team)
        if active is not None:
            where.append("active = ?"), params.append(active)
        return self._s.db.df(f"SELECT {USER_COLUMNS} FROM users WHERE {' AND '.join(where)} ORDER BY id", params)

    # -- sharing policy (A2) ----------------------------------------------------
    @query
    def policy(self, kind: str | None = None):
        """The sharing policy: read and write scope per kind of record and role."""
        if kind is None:
            return self._s.db.df("SELECT * FROM sharing_policy ORDER BY kind, role")
        return self._s.db.df("SELECT * FROM sharing_policy WHERE kind = ? ORDER BY role", [kind])

    @action
    def set_policy(self, kind: str, role: str, *, read: str, write: str) -> None:
        """Set what `role` may read and write of `kind` (scopes: none, own, team, all)."""
        self._s.require_role("admin", action="manage_policy")
        kinds = [r[0] for r in self._s.db.rows("SELECT DISTINCT kind FROM sharing_policy")]
        kind = validate.one_of(kind, "kind", kinds)
        role = validate.one_of(role, "role", access.ROLES)
        read = validate.one_of(read, "read_scope", access.SCOPES)
        write = validate.one_of(write, "write_scope", access.SCOPES)
        if access.SCOPES.index(write) > access.SCOPES.index(read):
            raise InvalidInput("policy.write_wider", field="write_scope")
        before = self._s.db.one("SELECT read_scope, write_scope FROM sharing_policy WHERE kind = ? AND role = ?", [kind, role])
        self._s.db.execute("INSERT OR REPLACE INTO sharing_policy VALUES (?, ?, ?, ?)", [kind, role, read, write])
        self._s.db.forget()
        self._s.audit("update", "sharing_policy", None, before=before and list(before), after=[read, write], note=f"{kind}/{role}")

    @action
    def apply_preset(self, preset: str) -> None:
        """Apply a documented preset for customer cards: `private` (the default) or `open` (see access.PRESETS)."""
        self._s.require_role("admin", action="manage_policy")
        scopes = access.PRESETS[validate.one_of(preset, "preset", tuple(access.PRESETS))]
        for kind in access.PRESET_KINDS:
            for role, (read, write) in scopes.items():
                self._s.db.execute("INSERT OR REPLACE INTO sharing_policy VALUES (?, ?, ?, ?)", [kind, role, read, write])
        self._s.db.forget()
        self._s.audit("preset", "sharing_policy", None, after=preset, note=", ".join(access.PRESET_KINDS))

    # -- settings ----------------------------------------------------------------
    @query
    def settings(self) -> dict:
        """All workspace settings as a dict."""
        rows = self._s.db.rows("SELECT key, value FROM settings ORDER BY key")
        return {k: (v if k == "today" else json.loads(v)) for k, v in rows}

    @action
    def set_setting(self, key: str, value) -> None:
        """Change a workspace setting (`language`, `company`, and those the areas add)."""
        self._s.require_role("admin", action="manage_settings")
        check = registered_settings.check(key)
        if check is None:
            raise InvalidInput("setting.unknown", field="key", value=key, choices=", ".join(registered_settings.keys()))
        value = check(value)
        before = self._s.setting(key)
        self._s.db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, json.dumps(value, ensure_ascii=False)])
        self._s.audit("update", "setting", None, before=before, after=value, note=key)

    # -- backups (A5) ------------------------------------------------------------
    def backup(self, path) -> str:
        """Write a consistent snapshot of the whole workspace to a new file `path`.

        The copy is one transaction of its own (DuckDB lets a transaction write to
        one database only), followed by its audit row in the workspace.
        """
        s = self._s
        try:
            s.require_role("admin", "director", action="backup")
            if s.db.read_only:
                raise NotAllowed("workspace.read_only")
            path = os.path.abspath(os.fspath(path))
            if os.path.exists(path):
                raise Conflict("backup.exists", path=path)
            if s.db.path and os.path.abspath(s.db.path) == path:
                raise InvalidInput("backup.same_file", field="path")
            source = _ident(s.db.scalar("SELECT current_database()"))
            # Written under a temporary name and renamed when complete: a killed backup leaves no
            # file that looks like a backup, and nothing in the way of the next try. The file is laid
            # out for the customers it holds, in DuckDB 1.4's storage version (db.create_options), not
            # as ATTACH would make it — so backing up a workspace made before this layout also
            # converts it: the copy is small and readable by DuckDB 1.x.
            with building(path) as temporary:
                create_file(temporary, s.db.scalar("SELECT count(*) FROM customers"))
                with self._attached(temporary, read_only=False), s.db.transaction():
                    # Every table's rows but the logins' (tables.SECRET_TABLES): a backup is data that
                    # may be restored elsewhere; password digests and hub links stay with the workspace.
                    s.db.execute(f"COPY FROM DATABASE {source} TO crm_backup (SCHEMA)")
                    for table in _tables(s.db, "current_database()"):
                        s.db.execute(f"INSERT INTO crm_backup.main.{_ident(table)} "
                                     f"SELECT * FROM {source}.main.{_ident(table)}")
        except CRMError as error:
            error.language = error.language or s.language
            raise
        self._audit_backup(path)
        return path

    @action
    def _audit_backup(self, path: str) -> None:
        self._s.audit("backup", "workspace", None, note=os.path.basename(path))

    def restore(self, path) -> None:
        """Replace every table's contents with those of the backup at `path`.

        One transaction: if anything fails the workspace stays as it was.
        """
        s = self._s
        try:
            s.require_role("admin", action="restore")
            path = os.path.abspath(os.fspath(path))
            if not os.path.exists(path):
                raise WorkspaceError("workspace.missing", workspace=path)
            try:
                attached = self._attached(path, read_only=True)
                attached.__enter__()
            except WorkspaceLocked as error:  # a backup open in another process is still a workspace: name it
                raise WorkspaceLocked(error.key, **{**error.params, "workspace": os.path.basename(path)}) from None
            except WorkspaceError:
                raise WorkspaceError("workspace.not_crm", workspace=path) from None
        except CRMError as error:
            error.language = error.language or s.language
            raise
        try:
            self._restore_from_attached(path)
        finally:
            attached.__exit__(None, None, None)

    @action
    def _restore_from_attached(self, path: str) -> None:
        db = self._s.db
        has_meta = db.scalar("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'crm_backup' "
                             "AND schema_name = 'main' AND table_name = 'crm_meta'")
        meta = dict(db.rows("SELECT key, value FROM crm_backup.main.crm_meta")) if has_meta else {}
        if meta.get("app") != "crm-lab":
            raise WorkspaceError("workspace.not_crm", workspace=path)
        if int(meta["schema_version"]) != latest_version():
            raise WorkspaceError("backup.version", version=meta["schema_version"], supported=latest_version())
        # The logins are the workspace's, not the backup's (a backup holds none): they stay, except
        # those of a user id that is someone else after the restore (reported in the audit row).
        usernames = dict(db.rows("SELECT id, username FROM users"))
        for table in _tables(db, "current_database()"):
            if table == "crm_meta":
                continue
            db.execute(f"DELETE FROM main.{_ident(table)}")
            db.execute(f"INSERT INTO main.{_ident(table)} SELECT * FROM crm_backup.main.{_ident(table)}")
        db.forget()
        dropped = keep_for_same_users(self._s, usernames)
        self._s.audit("restore", "workspace", None, after={"logins_dropped": dropped} if dropped else None,
                      note=os.path.basename(path))

    @contextmanager
    def _attached(self, path: str, *, read_only: bool):
        """The file at `path` attached as `crm_backup` (outside any transaction)."""
        db = self._s.db
        with db.reading() as con:
            db._run(con, f"ATTACH {_quote(path)} AS crm_backup{' (READ_ONLY)' if read_only else ''}")
            try:
                yield
            finally:
                db._run(con, "DETACH crm_backup")


def _tables(db, database: str) -> list[str]:
    """The tables of `database` (an SQL expression) that backups and restores copy: all but the logins."""
    return [r[0] for r in db.rows(
        f"SELECT table_name FROM duckdb_tables() WHERE database_name = {database} AND schema_name = 'main' "
        "ORDER BY table_name") if r[0] not in SECRET_TABLES]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
