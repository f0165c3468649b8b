"""Logins (T4, issue #23): how the people of a team get into the one server that runs their company.

    crm.logins.set_password("li.ming", "a long secret")   # standalone `crm-lab serve`
    crm.logins.verify("li.ming", "a long secret")         # -> "li.ming", else None
    crm.logins.link_hub("jupyter-li", "li.ming")          # on a JupyterHub: the hub's name -> a CRM user
    crm.logins.hub_user("jupyter-li")                     # -> "li.ming", else None

Only the administrator manages logins (the server's gate holds an administrator's handle). A password
is kept as a scrypt digest, `scrypt$<n>$<r>$<p>$<salt>$<hash>` (base64), its cost parameters inside so
they can be raised later without making the stored ones unreadable. The password and its digest never
leave this module: the audit trail names the user only, and `passwords` / `hub_users` are kept out of
crm.sql, crm.tables, exports and backups (`tables.SECRET_TABLES`).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import unicodedata

from ..errors import Conflict, CRMError, InvalidInput, NotAllowed, NotFound
from ..session import Area, User, action, load_user, query
from .. import validate

# scrypt's cost (RFC 7914): n=2**14, r=8, p=1 takes 16 MiB and some tens of milliseconds per try.
N, R, P = 2**14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
MIN_LENGTH, MAX_LENGTH = 8, 128
# Stored cost parameters may be raised, within what a server can afford to check.
MOST_N, MOST_R, MOST_P = 2**18, 16, 4   # at most 512 MiB for one check
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What an unknown, inactive or password-less user is checked against: the same work as a real
# check, so how long `verify` takes does not tell which user names exist. It never matches.
_DUMMY = "scrypt${}${}${}${}${}".format(N, R, P, base64.b64encode(b"crm-lab dummy!!!").decode(),
                                        base64.b64encode(bytes(HASH_BYTES)).decode())


def digest(password: str, *, n: int = N, r: int = R, p: int = P, salt: bytes | None = None) -> str:
    """The stored form of `password`: `scrypt$n$r$p$salt$hash` with a fresh random salt."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    hashed = _scrypt(password, salt, n, r, p)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(hashed)}"


def matches(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from (constant-time comparison)."""
    n, r, p, salt, expected = _parse(stored)
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem: OpenSSL's default (32 MiB) refuses r=8 with n above 2**14; allow the stored costs.
    # NFC: the same password typed on another keyboard or system may arrive as other code points.
    password = unicodedata.normalize("NFC", password)
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                          maxmem=129 * n * r * p + 2**20)


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    scheme, n, r, p, salt, hashed = stored.split("$")
    n, r, p = int(n), int(r), int(p)
    if scheme != "scrypt" or not (1 < n <= MOST_N and n & (n - 1) == 0 and 0 < r <= MOST_R and 0 < p <= MOST_P):
        raise ValueError("not a digest this CRM Lab reads")
    return n, r, p, base64.b64decode(salt), base64.b64decode(hashed)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


class Logins(Area):
    """`crm.logins`: passwords (standalone server) and hub links (on a JupyterHub), administrator only."""

    def set_password(self, username: str, password: str) -> None:
        """Set (or replace) `username`'s password: 8–128 characters, no control characters, not the
        username itself. Only its digest is stored; the audit trail names the user, nothing more."""
        s = self._s
        try:
            s.require_role("admin", action="manage_logins")
            username = _username(username)
            if not isinstance(password, str) or _CONTROL.search(password):
                raise InvalidInput("login.password_text", field="password")
            if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
                raise InvalidInput("login.password_length", field="password", min=MIN_LENGTH, max=MAX_LENGTH,
                                   length=len(password))
            if password.strip().casefold() == username.casefold():
                raise InvalidInput("login.password_is_username", field="password")
        except CRMError as error:
            error.language = error.language or s.language
            raise
        # The KDF's tens of milliseconds run before the transaction: the server's other users do not wait.
        self._set_password(username, digest(password))

    @action
    def _set_password(self, username: str, stored: str) -> None:
        self._s.require_role("admin", action="manage_logins")
        user = self._active(username)
        db = self._s.db
        db.execute("DELETE FROM passwords WHERE user_id = ?", [user.id])
        db.execute("INSERT INTO passwords VALUES (?, ?, ?)", [user.id, stored, self._s.today()])
        self._s.audit("set_password", "login", user.id, note=user.username)

    @action
    def clear_password(self, username: str) -> None:
        """Remove `username`'s password: they can no longer log in to a standalone server."""
        self._s.require_role("admin", action="manage_logins")
        user = load_user(self._s.db, _username(username))
        if not self._s.db.scalar("SELECT count(*) FROM passwords WHERE user_id = ?", [user.id]):
            raise NotFound("login.no_password", user=user.username)
        self._s.db.execute("DELETE FROM passwords WHERE user_id = ?", [user.id])
        self._s.audit("clear_password", "login", user.id, note=user.username)

    @action
    def link_hub(self, hub_name: str, username: str) -> None:
        """Let the JupyterHub user `hub_name` in as the CRM user `username` (one hub name per user)."""
        self._s.require_role("admin", action="manage_logins")
        hub_name = validate.text(hub_name, "hub_name", max_length=255)
        user = self._active(username)
        db = self._s.db
        taken = db.one("SELECT u.username FROM hub_users h JOIN users u ON u.id = h.user_id WHERE h.hub_name = ?",
                       [hub_name])
        if taken:
            raise Conflict("login.hub_taken", hub_name=hub_name, user=taken[0])
        linked = db.scalar("SELECT hub_name FROM hub_users WHERE user_id = ?", [user.id])
        if linked is not None:
            raise Conflict("login.user_linked", user=user.username, hub_name=linked)
        db.execute("INSERT INTO hub_users VALUES (?, ?)", [hub_name, user.id])
        self._s.audit("link_hub", "login", user.id, note=user.username)   # who, never how they log in

    @action
    def unlink_hub(self, hub_name: str) -> None:
        """Remove the link of the JupyterHub user `hub_name`: they can no longer get in."""
        self._s.require_role("admin", action="manage_logins")
        hub_name = validate.text(hub_name, "hub_name", max_length=255)
        user_id = self._s.db.scalar("SELECT user_id FROM hub_users WHERE hub_name = ?", [hub_name])
        if user_id is None:
            raise NotFound("login.hub_not_linked", hub_name=hub_name)
        self._s.db.execute("DELETE FROM hub_users WHERE hub_name = ?", [hub_name])
        self._s.audit("unlink_hub", "login", user_id, note=load_user(self._s.db, user_id).username)

    @query
    def list(self):
        """Every user with how they log in, as a DataFrame: username, name, role, active,
        has_password, password_set_on, hub_name (never a digest)."""
        self._s.require_role("admin", action="manage_logins")
        if self._missing():
            return self._s.db.df("SELECT username, name, role, active, false AS has_password, "
                                 "NULL::DATE AS password_set_on, NULL::VARCHAR AS hub_name FROM users ORDER BY id")
        return self._s.db.df(
            "SELECT u.username, u.name, u.role, u.active, p.user_id IS NOT NULL AS has_password, "
            "p.set_on AS password_set_on, h.hub_name FROM users u "
            "LEFT JOIN passwords p ON p.user_id = u.id LEFT JOIN hub_users h ON h.user_id = u.id ORDER BY u.id")

    def verify(self, username, password) -> str | None:
        """The username if `username` is an active user whose password is `password`, else None.

        The check costs the same for a name that does not exist, an inactive user and one without a
        password (a dummy digest is checked instead), so timing does not reveal which names exist."""
        given = password if isinstance(password, str) and len(password) <= MAX_LENGTH else None
        row = self._stored(username if isinstance(username, str) and given is not None else None)
        # The KDF runs after the read, with the workspace free: the server's other users do not wait.
        try:
            ok = matches(given or "", row[1] if row else _DUMMY)
        except (ValueError, TypeError):   # a digest this version cannot read: no way in
            ok = False
        return row[0] if row and ok else None

    @query
    def _stored(self, username: str | None) -> tuple | None:
        """(username, digest) of an active user with a password, else None."""
        self._s.require_role("admin", action="manage_logins")
        if username is None or self._missing():
            return None
        return self._s.db.one("SELECT u.username, p.digest FROM users u JOIN passwords p ON p.user_id = u.id "
                              "WHERE u.username = ? AND u.active", [username.strip()])

    @query
    def stamp(self, username) -> str | None:
        """A short fingerprint of how `username` logs in now (None: they cannot log in at all). A server
        keeps it with each session and ends the sessions whose user's stamp changed — a new or cleared
        password, a user who left — without ever holding the digest itself."""
        row = self._stored(username if isinstance(username, str) else None)
        return hashlib.sha256(row[1].encode()).hexdigest()[:16] if row else None

    @query
    def hub_user(self, hub_name) -> str | None:
        """The active CRM user the JupyterHub user `hub_name` is linked to, else None."""
        self._s.require_role("admin", action="manage_logins")
        if not isinstance(hub_name, str) or self._missing():
            return None
        row = self._s.db.one("SELECT u.username FROM hub_users h JOIN users u ON u.id = h.user_id "
                             "WHERE h.hub_name = ? AND u.active", [hub_name.strip()])
        return row[0] if row else None

    def _missing(self) -> bool:
        """Whether this workspace has no logins tables: one made before them, opened read-only
        (migrations.SKIPPABLE), which then has no logins at all."""
        return self._s.db.read_only and not self._s.db.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = 'passwords'")

    def _active(self, username) -> User:
        user = load_user(self._s.db, _username(username))
        if not user.active:
            raise NotAllowed("login.inactive", user=user.username)
        return user


def _username(username) -> str:
    return validate.text(username, "username", max_length=60)


def keep_for_same_users(s, usernames: dict[int, str]) -> int:
    """After a restore replaced `users`: drop the passwords and hub links of every user id that is no
    longer the same person (`usernames`: id -> username before), so no login passes to someone else.
    Returns how many logins were dropped."""
    stale = [user_id for user_id, name in usernames.items()
             if s.db.scalar("SELECT username FROM users WHERE id = ?", [user_id]) != name]
    dropped = 0
    for user_id in stale:
        for table in ("passwords", "hub_users"):
            dropped += s.db.scalar(f"SELECT count(*) FROM {table} WHERE user_id = ?", [user_id])
            s.db.execute(f"DELETE FROM {table} WHERE user_id = ?", [user_id])
    return dropped
