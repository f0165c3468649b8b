"""Who is logged in to a served workspace, and how often a name may guess its password.

Both live in the server's memory only: a restart logs everyone out (they log in again), and nothing
here is ever written to the workspace. Both take a `now` function so tests move time by hand.

- `Sessions`: a random token (`secrets.token_urlsafe`, 256 bits) per login, held in an HttpOnly
  cookie. A session ends after `idle` seconds without a request, after `lifetime` seconds whatever
  happens, at logout, and when the administrator changes that user's password (`close_user`).
- `Bindings`: which person each open page (a Solara kernel) belongs to, fixed by the handshake that
  opened it (`app.Guard`).
- `Throttle`: failed logins counted per user name and per client address in a sliding window. Past
  the limit, that name (or address) is refused for `lockout` seconds *without checking the password*,
  so a guesser learns nothing while locked out. A success clears the name's count, not the address's
  (one student's success must not reset a guesser at the same address).
"""
from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass


@dataclass
class Login:
    username: str
    started: float
    seen: float
    stamp: str | None = None      # how the user logged in then (`crm.logins.stamp`): a change ends the session


class Sessions:
    def __init__(self, *, idle: float = 30 * 60, lifetime: float = 12 * 3600, now=time.monotonic):
        self.idle, self.lifetime, self.now = idle, lifetime, now
        self._logins: dict[str, Login] = {}
        self._lock = threading.Lock()

    def open(self, username: str, stamp: str | None = None) -> str:
        """A new session for `username`; returns its token (a new one every login: no fixation)."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self.now()
            self._prune(now)
            self._logins[token] = Login(username, now, now, stamp)
        return token

    def user(self, token: str | None) -> str | None:
        """The user of a live session (and mark it used), else None."""
        if not token:
            return None
        with self._lock:
            login = self._logins.get(token)
            if login is None:
                return None
            now = self.now()
            if now - login.seen > self.idle or now - login.started > self.lifetime:
                del self._logins[token]
                return None
            login.seen = now
            return login.username

    def close(self, token: str | None) -> None:
        with self._lock:
            self._logins.pop(token or "", None)

    def close_user(self, username: str) -> None:
        """End every session of `username` (a changed password, a deactivated user)."""
        with self._lock:
            for token in [t for t, login in self._logins.items() if login.username == username]:
                del self._logins[token]

    def revalidate(self, stamp_now) -> set[str]:
        """End every session whose user's stamp is no longer the one it began with (`stamp_now(username)`:
        None when the user can no longer log in); returns the users left with no session at all."""
        with self._lock:
            users = {login.username for login in self._logins.values()}
        current = {username: stamp_now(username) for username in users}   # outside the lock: reads the workspace
        with self._lock:
            for token, login in list(self._logins.items()):
                if login.username in current and (current[login.username] is None
                                                  or current[login.username] != login.stamp):
                    del self._logins[token]
            left = {login.username for login in self._logins.values()}
        return users - left

    def count(self) -> int:
        with self._lock:
            return len(self._logins)

    def _prune(self, now: float) -> None:
        stale = [t for t, login in self._logins.items()
                 if now - login.seen > self.idle or now - login.started > self.lifetime]
        for token in stale:
            del self._logins[token]


class Throttle:
    """At most `attempts` failures per key within `window` seconds; then `lockout` seconds of refusal."""

    def __init__(self, *, attempts: int = 5, window: float = 300, lockout: float = 300, now=time.monotonic):
        self.attempts, self.window, self.lockout, self.now = attempts, window, lockout, now
        self._failures: dict[object, deque] = {}
        self._locked: dict[object, float] = {}
        self._lock = threading.Lock()

    def wait(self, key) -> float:
        """Seconds until `key` may try again (0: now)."""
        with self._lock:
            until = self._locked.get(key)
            if until is None:
                return 0.0
            left = until - self.now()
            if left <= 0:
                del self._locked[key]
                return 0.0
            return left

    def failed(self, key) -> None:
        with self._lock:
            now = self.now()
            failures = self._failures.setdefault(key, deque())
            failures.append(now)
            while failures and now - failures[0] > self.window:
                failures.popleft()
            if len(failures) >= self.attempts:
                self._locked[key] = now + self.lockout
                failures.clear()

    def succeeded(self, key) -> None:
        with self._lock:
            self._failures.pop(key, None)


class Bindings:
    """Solara kernel id → CRM username, for the pages open now."""

    def __init__(self):
        self._users: dict[str, str] = {}
        self._lock = threading.Lock()

    def bind(self, kernel_id: str, username: str) -> bool:
        """Bind `kernel_id` to `username`; False when it already belongs to someone else."""
        with self._lock:
            owner = self._users.setdefault(kernel_id, username)
            return owner == username

    def user(self, kernel_id: str) -> str | None:
        with self._lock:
            return self._users.get(kernel_id)

    def drop(self, kernel_id: str) -> None:
        with self._lock:
            self._users.pop(kernel_id, None)

    def drop_user(self, username: str) -> list[str]:
        """Forget every page of `username`; returns their kernel ids (to close them)."""
        with self._lock:
            kernels = [k for k, u in self._users.items() if u == username]
            for kernel_id in kernels:
                del self._users[kernel_id]
        return kernels
