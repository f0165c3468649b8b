"""Who holds a lead or an opportunity, and since when (shared by leads.py and opportunities.py).

A lead's or an opportunity's holder is its `owner_id`; the `assignments` table keeps the
history — one row per holding, from the day it began to the day it ended — so reassigning
never loses who worked the record before.
"""
from __future__ import annotations

from ..session import Session


def hand_to(s: Session, kind: str, record_id: int, user_id: int | None, how: str) -> None:
    """Close the current holder's row in `assignments` and open one for `user_id` (None: nobody)."""
    today = s.today()
    s.db.execute("UPDATE assignments SET ended_on = ? WHERE kind = ? AND record_id = ? AND ended_on IS NULL",
                 [today, kind, record_id])
    if user_id is not None:
        s.db.execute("INSERT INTO assignments VALUES (?, ?, ?, ?, ?, NULL, ?)",
                     [kind, record_id, user_id, s.user.id, today, how])


def user_name(s: Session, user_id: int | None) -> str:
    """A user's name for a message ("—" for nobody)."""
    if user_id is None:
        return "—"
    return s.db.scalar("SELECT name FROM users WHERE id = ?", [user_id]) or str(user_id)


def handover(s: Session, from_user_id: int, to_user_id: int) -> None:
    """At a rep's hand-over (registered in sales/__init__.py): their open holdings end today and the
    receiver's begin today, so the history shows who worked each record when."""
    today = s.today()
    s.db.execute("INSERT INTO assignments SELECT kind, record_id, ?, ?, ?, NULL, 'handover' FROM assignments "
                 "WHERE user_id = ? AND ended_on IS NULL AND kind IN ('lead', 'opportunity')",
                 [to_user_id, s.user.id, today, from_user_id])
    s.db.execute("UPDATE assignments SET ended_on = ? WHERE user_id = ? AND ended_on IS NULL "
                 "AND kind IN ('lead', 'opportunity')", [today, from_user_id])
