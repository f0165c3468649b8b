"""The notice board (F4): announcements to everyone or to a team, private notices, read / unread.

Rules:
- Posting delivers: one delivery row per recipient, made when the notice is
  posted (a user who joins later does not receive old notices). Read / unread is
  per delivery, so each user's unread count is exactly their undelivered-to-read
  notices on the board.
- To everyone: sales supervisors, directors and the administrator; to a team (the
  team and its sub-teams): directors and the administrator for any team, a
  supervisor for their own team or one below it. A private notice goes from
  anyone to one active colleague.
- A private notice is seen by its author and its recipient only — never by a
  supervisor, director or the administrator — and its text stays out of the audit trail.
- A notice may expire (`expires_on`): from that day on the scenario clock it
  leaves the board and the unread count. Its author (or the administrator, for
  announcements) may withdraw it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import access, validate
from ..errors import InvalidInput, NotAllowed, NotFound
from ..session import Area, Session, action, load_user, query

KIND = "notice"
BOARD_SQL = ("FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id "
             "JOIN users a ON a.id = n.author_id")
# What `board(sort=…)` may sort by (name → SQL).
SORTABLE = {"posted_on": "n.posted_on", "title": "n.title"}


@dataclass(frozen=True)
class Notice:
    id: int
    author_id: int
    audience: str            # all | team | private
    team_id: int | None
    recipient_id: int | None
    title: str
    body: str
    posted_on: dt.date
    expires_on: dt.date | None


COLUMNS = "id, author_id, audience, team_id, recipient_id, title, body, posted_on, expires_on"


def current(alias: str = "n") -> str:
    """SQL: the notice has not expired on the scenario clock (`?` = today)."""
    return f"({alias}.expires_on IS NULL OR {alias}.expires_on > ?)"


def fetch(s: Session, notice_id) -> Notice:
    """A notice you posted or that was delivered to you (an announcement: also the administrator)."""
    notice_id = validate.record_id(notice_id, "notice")
    row = s.db.one(
        f"SELECT {COLUMNS} FROM notices n WHERE n.id = ? AND (n.author_id = ? OR "
        "EXISTS (SELECT 1 FROM notice_deliveries d WHERE d.notice_id = n.id AND d.user_id = ?) OR "
        "(n.audience <> 'private' AND ? = 'admin'))", [notice_id, s.user.id, s.user.id, s.user.role])
    if row is None:
        raise NotFound("notice.not_found", id=notice_id)
    return Notice(*row)


class Notices(Area):
    """`crm.notices`: post and read the notice board."""

    @action
    def post(self, title: str, body: str, *, team: int | None = None, user=None, expires_on=None) -> Notice:
        """Post an announcement to everyone, to a `team` (and its sub-teams), or a private notice to one `user`.

            director.notices.post("Q2 kick-off", "Monday 9:00, room 301")
            supervisor.notices.post("Team meeting", "Friday 16:00", team=2)
            rep.notices.post("Cover for me", "I am at Star Tech on Tuesday", user="wang.fang")
        """
        s = self._s
        title = validate.text(title, "notice_title", max_length=200)
        body = validate.text(body, "notice_body", max_length=5000)
        expires_on = validate.date(expires_on, "notice_expires", required=False)
        if expires_on is not None and expires_on <= s.today():
            raise InvalidInput("notice.expires_past", field="notice_expires", today=s.today().isoformat())
        if team is not None and user is not None:
            raise InvalidInput("notice.team_or_user", field="team")
        notice_id = s.db.next_id("notices")
        if user is not None:
            recipient = load_user(s.db, user)
            if not recipient.active:
                raise InvalidInput("user.inactive", field="notice_recipient", user=recipient.name)
            audience, team_id, recipient_id = "private", None, recipient.id
            recipients = f"SELECT {int(recipient.id)} AS id"
        elif team is not None:
            team_id = validate.record_id(team, "team")
            if not s.db.scalar("SELECT count(*) FROM teams WHERE id = ?", [team_id]):
                raise NotFound("team.not_found", id=team_id)
            s.require_role("supervisor", "director", action="post_team_notice")
            if s.user.role == "supervisor" and team_id not in access.team_subtree(s.db, s.user.team_id):
                raise NotAllowed("notice.not_your_team", team=s.db.scalar("SELECT name FROM teams WHERE id = ?", [team_id]))
            audience, recipient_id = "team", None
            teams = ",".join(str(int(t)) for t in access.team_subtree(s.db, team_id))
            recipients = f"SELECT id FROM users WHERE active AND team_id IN ({teams}) AND id <> {int(s.user.id)}"
        else:
            s.require_role("supervisor", "director", action="post_announcement")
            audience, team_id, recipient_id = "all", None, None
            recipients = f"SELECT id FROM users WHERE active AND id <> {int(s.user.id)}"
        s.db.execute("INSERT INTO notices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     [notice_id, s.user.id, audience, team_id, recipient_id, title, body, s.today(), expires_on])
        s.db.execute(f"INSERT INTO notice_deliveries SELECT ?, id, NULL FROM ({recipients})", [notice_id])
        delivered = s.db.scalar("SELECT count(*) FROM notice_deliveries WHERE notice_id = ?", [notice_id])
        shown = {"audience": audience, "team_id": team_id, "delivered": delivered}
        if audience != "private":
            shown.update(title=title, body=body)
        s.audit("create", KIND, notice_id, after=shown)
        return fetch(s, notice_id)

    @query
    def board(self, *, unread_only: bool = False, search: str | None = None, sort: str | None = None,
              descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The notices delivered to you that have not expired, newest first (or by `sort`:
        `posted_on` or `title`), paged (`limit` rows from `offset`), with `read` True/False;
        `search` is text in the title, the body or the author's name."""
        where, params = self._board(unread_only, search)
        order = validate.order(sort, descending, SORTABLE, default="n.posted_on DESC, n.id DESC", tie="n.id")
        return self._s.db.df(
            "SELECT n.id, n.posted_on, n.title, n.body, n.audience, a.name AS author_name, n.expires_on, "
            f"d.read_on IS NOT NULL AS read, d.read_on {BOARD_SQL} "
            f"WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def board_count(self, *, unread_only: bool = False, search: str | None = None) -> int:
        """How many notices `board()` with the same filters returns (for paging)."""
        where, params = self._board(unread_only, search)
        return self._s.db.scalar(f"SELECT count(*) {BOARD_SQL} WHERE {where}", params)

    def _board(self, unread_only: bool, search) -> tuple[str, list]:
        s = self._s
        where = ["d.user_id = ?", current()] + (["d.read_on IS NULL"] if unread_only else [])
        found, args = validate.matching(search, ("n.title", "n.body", "a.name"))
        return " AND ".join(where + found), [s.user.id, s.today(), *args]

    @query
    def unread_count(self) -> int:
        """How many notices on your board you have not read."""
        s = self._s
        return s.db.scalar(
            "SELECT count(*) FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id "
            f"WHERE d.user_id = ? AND d.read_on IS NULL AND {current()}", [s.user.id, s.today()])

    @query
    def get(self, notice_id: int) -> Notice:
        """One notice you posted or received (does not mark it read; `read` does)."""
        return fetch(self._s, notice_id)

    @action
    def read(self, notice_id: int) -> Notice:
        """Open a notice delivered to you: returns it and marks it read."""
        s = self._s
        notice = fetch(s, notice_id)
        s.db.execute("UPDATE notice_deliveries SET read_on = ? WHERE notice_id = ? AND user_id = ? AND read_on IS NULL",
                     [s.today(), notice.id, s.user.id])
        return notice

    @action
    def mark_unread(self, notice_id: int) -> None:
        """Put a notice you have read back to unread."""
        s = self._s
        notice = fetch(s, notice_id)
        s.db.execute("UPDATE notice_deliveries SET read_on = NULL WHERE notice_id = ? AND user_id = ?",
                     [notice.id, s.user.id])

    @action
    def mark_all_read(self) -> int:
        """Mark every notice on your board read; returns how many were unread."""
        s = self._s
        count = self.unread_count()
        s.db.execute(
            "UPDATE notice_deliveries SET read_on = ? WHERE user_id = ? AND read_on IS NULL AND notice_id IN "
            f"(SELECT n.id FROM notices n WHERE {current()})", [s.today(), s.user.id, s.today()])
        return count

    @query
    def sent(self, *, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The notices you posted, newest first, paged (`limit` rows from `offset`), with how many
        received and how many read each."""
        s = self._s
        return s.db.df(
            "SELECT n.id, n.posted_on, n.title, n.audience, n.team_id, r.name AS recipient_name, n.expires_on, "
            "count(d.user_id) AS delivered, count(d.read_on) AS read "
            "FROM notices n LEFT JOIN notice_deliveries d ON d.notice_id = n.id LEFT JOIN users r ON r.id = n.recipient_id "
            f"WHERE n.author_id = ? GROUP BY ALL ORDER BY n.posted_on DESC, n.id DESC{validate.page(limit, offset)}",
            [s.user.id])

    @action
    def withdraw(self, notice_id: int) -> None:
        """Take a notice off the board (its author, or the administrator for announcements)."""
        s = self._s
        notice = fetch(s, notice_id)
        if notice.author_id != s.user.id and (notice.audience == "private" or s.user.role != "admin"):
            raise NotAllowed("notice.not_author", id=notice.id)
        s.db.execute("DELETE FROM notice_deliveries WHERE notice_id = ?", [notice.id])
        s.db.execute("DELETE FROM notices WHERE id = ?", [notice.id])
        s.audit("delete", KIND, notice.id, before={"audience": notice.audience})
