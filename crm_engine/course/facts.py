"""What the rubrics' checks read and return: `Facts` (a workspace as the checks see it) and `Mark`
(the share of a criterion earned, and why), with `concrete` (is a free text a real sentence?).

Below both the grader (`course.grading`) and the criteria (`course.rubrics`), so neither imports the other
to reach them.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from ..crm import ADMIN_USERNAME, CRM
from ..i18n import translate


@dataclass
class Mark:
    """What a check returns: the share of the criterion earned (0–1) and why."""

    share: float
    lines: list[str] = field(default_factory=list)


# -- what the checks read ---------------------------------------------------------------------------
class Facts:
    """A workspace as the checks see it: read as the administrator, with the assignment's
    targets and baseline, the audit trail since the start, and messages in its language."""

    def __init__(self, crm: CRM, start: dict, start_id: int, language: str):
        self.crm, self.start, self.start_id, self.language = crm, start, start_id, language
        self.db = crm.as_user(ADMIN_USERNAME).tables
        self.targets = start.get("targets", {})
        self.baseline = start.get("baseline", {})
        self._audit, self._seen = None, None
        self.me = crm.user.id

    @classmethod
    def of(cls, crm: CRM, language: str | None = None) -> "Facts":
        admin = crm.as_user(ADMIN_USERNAME)
        row = admin.tables.one("SELECT id, after FROM audit WHERE kind = 'course' AND action = 'start' "
                             "ORDER BY id LIMIT 1")
        start, start_id = (json.loads(row[1]), row[0]) if row else ({}, 0)
        facts = cls(admin, start, start_id, language or crm.language)
        facts.me = crm.user.id  # the user the assignment puts the student in ("you" in the feedback)
        return facts

    def t(self, key: str, **params) -> str:
        return translate(key, self.language, **params)

    @property
    def today(self) -> dt.date:
        return self.crm.today()

    def user_id(self, username: str) -> int | None:
        return self.db.scalar("SELECT id FROM users WHERE username = ?", [username])

    def user_name(self, user_id) -> str:
        return self.db.scalar("SELECT name FROM users WHERE id = ?", [user_id]) or "—"

    def audit(self, kind: str | None = None, action=None, record_id=None) -> list[dict]:
        """Audit rows written since the workspace was handed out, oldest first, `before`/`after` parsed."""
        latest = self.db.scalar("SELECT max(id) FROM audit")
        if self._audit is None or self._seen != latest:  # the student may have acted since
            self._seen = latest
            rows = self.db.rows("SELECT a.id, a.on_date, a.user_id, u.username, a.action, a.kind, a.record_id, "
                                "a.before, a.after, a.note FROM audit a LEFT JOIN users u ON u.id = a.user_id "
                                "WHERE a.id > ? ORDER BY a.id", [self.start_id])
            names = ("id", "on_date", "user_id", "username", "action", "kind", "record_id", "before", "after", "note")
            self._audit = [dict(zip(names, r)) for r in rows]
            for row in self._audit:
                for key in ("before", "after"):
                    row[key] = _loads(row[key])
        actions = (action,) if isinstance(action, str) else action
        return [r for r in self._audit if (kind is None or r["kind"] == kind)
                and (actions is None or r["action"] in actions)
                and (record_id is None or r["record_id"] == record_id)]

    def worked(self) -> bool:
        """Did the student do anything in the workspace (beyond opening it)?"""
        return any(r["kind"] != "course" for r in self.audit())


def _loads(text):
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def concrete(text, minimum: int = 12) -> bool:
    """Is a piece of free text a real sentence rather than filler ("ok", "call")? At least
    `minimum` characters, and three words — or, in Chinese, `minimum // 2` characters."""
    text = (text or "").strip()
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return len(text) >= max(minimum // 2, 4)
    return len(text) >= minimum and len(text.split()) >= 3
