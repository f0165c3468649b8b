"""Sales targets, attainment and the leaderboard (O8).

A target is an amount for one rep or one team, for one month (`"2026-03"`) or
quarter (`"2026-Q1"`), on one metric:

- `won_amount`: the won amount of opportunities closed as succeeded in the period;
- `won_count`: how many opportunities were won in the period;
- `order_amount`: the amount of orders (not cancelled) dated in the period.

Business counts for the rep who holds the opportunity or order (its `owner_id`); a
team's figure is the sum over the team and all teams below it.

Rules (docs/sales.md): supervisors set targets for the reps and teams inside their
write scope, directors and the administrator for anyone; one target per rep or team,
period and metric (setting it again replaces the amount). Targets are read by the
whole sales force (sharing policy of kind `target`) so the leaderboard can show
everyone; a target's attainment is part of the target and follows its policy.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import access, validate
from ..errors import InvalidInput, NotAllowed, NotFound
from .lead import OWNER_ROLES
from ..session import Area, Session, action, load_user, query

KIND = "target"
METRICS = ("won_amount", "won_count", "order_amount")
SETTERS = ("supervisor", "director")


@dataclass(frozen=True)
class Target:
    """A sales target for one rep (`user_id`) or one team (`team_id`)."""

    id: int
    user_id: int | None
    team_id: int | None
    period: str
    period_start: dt.date
    period_end: dt.date
    metric: str
    amount: Decimal
    set_by: int
    set_on: dt.date


COLUMNS = [f.name for f in dataclasses.fields(Target)]
SELECT = ", ".join(f"t.{c}" for c in COLUMNS)


def period_bounds(period) -> tuple[str, dt.date, dt.date]:
    """`"2026-03"` → the month, `"2026-Q1"` → the quarter: (label, first day, last day)."""
    text = str(period).strip().upper() if period is not None else ""
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", text)
    if month and 1 <= int(month[2]) <= 12:
        year, first = int(month[1]), int(month[2])
        last = first
    elif quarter:
        year, first = int(quarter[1]), 3 * int(quarter[2]) - 2
        last = first + 2
    else:
        raise InvalidInput("target.bad_period", field="target_period", value=period)
    start = dt.date(year, first, 1)
    end = (dt.date(year + 1, 1, 1) if last == 12 else dt.date(year, last + 1, 1)) - dt.timedelta(days=1)
    return text, start, end


def team_readable(s: Session, alias: str, mode: str = "read") -> str:
    """SQL condition on a team id column: team targets this user may read / write.

    `all` → every team; `team` → the user's team and the teams below it; `own` → the
    user's own team only; `none` → no team."""
    scope = access.policy(s.db, KIND, s.user.role, mode)
    if scope == "all":
        return "TRUE"
    if scope == "none":
        return "FALSE"
    teams = access.team_subtree(s.db, s.user.team_id) if scope == "team" else [s.user.team_id]
    return f"({alias} IN ({','.join(str(int(t)) for t in teams)}))"


def _team_allowed(s: Session, team_id: int, mode: str) -> bool:
    """`team_readable` for one team, in Python."""
    scope = access.policy(s.db, KIND, s.user.role, mode)
    if scope in ("all", "none"):
        return scope == "all"
    return team_id in (access.team_subtree(s.db, s.user.team_id) if scope == "team" else [s.user.team_id])


def visible(s: Session, alias: str = "t", mode: str = "read") -> str:
    user_part = s.scope(KIND, f"{alias}.user_id", mode)
    return f"(({alias}.user_id IS NOT NULL AND {user_part}) OR ({alias}.team_id IS NOT NULL AND " \
           f"{team_readable(s, f'{alias}.team_id', mode)}))"


# Actual figures per user for a period; teams sum them over their subtree.
ACTUALS = """
    WITH RECURSIVE tree(ancestor, team) AS (
        SELECT id, id FROM teams UNION ALL SELECT tree.ancestor, t.id FROM teams t JOIN tree ON t.parent_id = tree.team),
    won AS (SELECT owner_id AS user_id, sum(won_amount) AS won_amount, count(*) AS won_count
            FROM opportunities WHERE state = 'succeeded' AND closed_on BETWEEN $start AND $end GROUP BY ALL),
    ordered AS (SELECT owner_id AS user_id, sum(amount) AS order_amount FROM orders
                WHERE order_date BETWEEN $start AND $end AND status <> 'cancelled' GROUP BY ALL),
    per_user AS (
        SELECT u.id AS user_id, u.team_id, coalesce(w.won_amount, 0)::DOUBLE AS won_amount,
               coalesce(w.won_count, 0)::DOUBLE AS won_count, coalesce(o.order_amount, 0)::DOUBLE AS order_amount
        FROM users u LEFT JOIN won w ON w.user_id = u.id LEFT JOIN ordered o ON o.user_id = u.id),
    per_team AS (
        SELECT tree.ancestor AS team_id, sum(p.won_amount) AS won_amount, sum(p.won_count) AS won_count,
               sum(p.order_amount) AS order_amount
        FROM tree JOIN per_user p ON p.team_id = tree.team GROUP BY ALL)"""


class Targets(Area):
    """`crm.targets`: set targets, read attainment, rank the sales force (O8)."""

    METRICS = METRICS

    @action
    def set(self, period: str, amount, *, user=None, team: int | None = None, metric: str = "won_amount") -> Target:
        """Set (or replace) the target of one rep (`user`) or one team (`team`) for a month
        `"2026-03"` or a quarter `"2026-Q1"`.

            crm.as_user("zhang.wei").targets.set("2026-Q2", 900_000, user="li.ming")
        """
        s = self._s
        s.require_role(*SETTERS, action="set_targets")
        label, start, end = period_bounds(period)
        metric = validate.one_of(metric, "target_metric", METRICS)
        amount = validate.amount(amount, "target_amount")
        if (user is None) == (team is None):
            raise InvalidInput("target.user_or_team", field="target_user")
        user_id = team_id = None
        if user is not None:
            holder = load_user(s.db, user)
            if holder.role not in OWNER_ROLES:
                raise InvalidInput("target.user_role", field="target_user", user=holder.name,
                                   role=access.role_term(holder.role))
            if not s.can_write(KIND, holder.id):
                raise NotAllowed("customer.owner_scope", user=holder.name)
            user_id = holder.id
        else:
            team_id = validate.record_id(team, "team")
            name = s.db.scalar("SELECT name FROM teams WHERE id = ?", [team_id])
            if name is None:
                raise NotFound("team.not_found", id=team_id)
            if not _team_allowed(s, team_id, "write"):
                raise NotAllowed("target.team_scope", team=name)
        existing = s.db.one(
            "SELECT id, amount FROM targets WHERE user_id IS NOT DISTINCT FROM ? AND team_id IS NOT DISTINCT FROM ? "
            "AND period = ? AND metric = ?", [user_id, team_id, label, metric])
        if existing:
            s.db.execute("UPDATE targets SET amount = ?, set_by = ?, set_on = ? WHERE id = ?",
                          [amount, s.user.id, s.today(), existing[0]])
            s.audit("update", KIND, existing[0], before={"amount": existing[1]}, after={"amount": amount})
            return self._fetch(existing[0])
        target_id = s.db.next_id("targets")
        record = {"id": target_id, "user_id": user_id, "team_id": team_id, "period": label, "period_start": start,
                  "period_end": end, "metric": metric, "amount": amount, "set_by": s.user.id, "set_on": s.today()}
        s.db.execute(f"INSERT INTO targets VALUES ({', '.join('?' * len(record))})", list(record.values()))
        s.audit("create", KIND, target_id, after=record)
        return self._fetch(target_id)

    def _fetch(self, target_id, mode: str = "read") -> Target:
        s = self._s
        target_id = validate.record_id(target_id, "target")
        row = s.db.one(f"SELECT {SELECT}, {visible(s, 't', mode)} FROM targets t WHERE t.id = ?", [target_id])
        if row is None or not row[-1]:
            if row is not None and mode == "write" and s.db.scalar(
                    f"SELECT {visible(s)} FROM targets t WHERE t.id = ?", [target_id]):
                raise NotAllowed("target.not_yours", id=target_id)
            raise NotFound("target.not_found", id=target_id)
        return Target(*row[:-1])

    @query
    def get(self, target_id: int) -> Target:
        return self._fetch(target_id)

    @action
    def remove(self, target_id: int) -> None:
        """Delete a target you may set."""
        s = self._s
        s.require_role(*SETTERS, action="set_targets")
        target = self._fetch(target_id, "write")
        s.db.execute("DELETE FROM targets WHERE id = ?", [target.id])
        s.audit("delete", KIND, target.id, before=dataclasses.asdict(target))

    @query
    def list(self, *, period: str | None = None, metric: str | None = None) -> pd.DataFrame:
        """The targets you may see, with `actual` and `attainment` (actual / target).

        Each period's actual figures are measured up to its last day, so a running
        month shows attainment so far."""
        s = self._s
        where, params = [visible(s)], []
        if period is not None:
            where.append("t.period = ?"), params.append(period_bounds(period)[0])
        if metric is not None:
            where.append("t.metric = ?"), params.append(validate.one_of(metric, "target_metric", METRICS))
        return s.db.df(f"""
            WITH RECURSIVE tree(ancestor, team) AS (
                SELECT id, id FROM teams UNION ALL
                SELECT tree.ancestor, t.id FROM teams t JOIN tree ON t.parent_id = tree.team),
            tg AS (SELECT {SELECT} FROM targets t WHERE {' AND '.join(where)}),
            members AS (  -- whose business counts for each target: the rep, or everyone in the team's subtree
                SELECT tg.id AS target_id, u.id AS user_id FROM tg JOIN users u ON u.id = tg.user_id
                UNION ALL
                SELECT tg.id, u.id FROM tg JOIN tree ON tree.ancestor = tg.team_id JOIN users u ON u.team_id = tree.team),
            won AS (
                SELECT m.target_id, sum(o.won_amount) AS won_amount, count(*) AS won_count
                FROM members m JOIN tg ON tg.id = m.target_id JOIN opportunities o ON o.owner_id = m.user_id
                WHERE o.state = 'succeeded' AND o.closed_on BETWEEN tg.period_start AND tg.period_end GROUP BY ALL),
            ordered AS (
                SELECT m.target_id, sum(r.amount) AS order_amount
                FROM members m JOIN tg ON tg.id = m.target_id JOIN orders r ON r.owner_id = m.user_id
                WHERE r.status <> 'cancelled' AND r.order_date BETWEEN tg.period_start AND tg.period_end GROUP BY ALL)
            SELECT tg.* REPLACE (tg.amount::DOUBLE AS amount), coalesce(u.name, tm.name) AS subject,
                   CASE WHEN tg.user_id IS NULL THEN 'team' ELSE 'user' END AS subject_kind,
                   coalesce(CASE tg.metric WHEN 'won_amount' THEN w.won_amount WHEN 'won_count' THEN w.won_count
                                           ELSE r.order_amount END, 0)::DOUBLE AS actual,
                   round(actual / nullif(tg.amount, 0), 4)::DOUBLE AS attainment
            FROM tg LEFT JOIN users u ON u.id = tg.user_id LEFT JOIN teams tm ON tm.id = tg.team_id
            LEFT JOIN won w ON w.target_id = tg.id LEFT JOIN ordered r ON r.target_id = tg.id
            ORDER BY tg.period_start, tg.metric, subject_kind DESC, tg.id""", params)

    @query
    def leaderboard(self, period: str, *, metric: str = "won_amount", by: str = "user") -> pd.DataFrame:
        """Rank the reps (`by="user"`: every active account manager) or teams (`by="team"`)
        you may see for a period: target, actual, attainment; ranked by attainment, then
        by actual (those without a target rank after those with one)."""
        s = self._s
        label, start, end = period_bounds(period)
        metric = validate.one_of(metric, "target_metric", METRICS)
        by = validate.one_of(by, "sales_by", ("user", "team"))
        sql = ACTUALS.replace("$start", "?::DATE").replace("$end", "?::DATE")
        if by == "user":
            body = f"""
                SELECT u.id AS user_id, u.name, tm.name AS team, tg.amount::DOUBLE AS target, p.{metric} AS actual
                FROM users u JOIN per_user p ON p.user_id = u.id JOIN teams tm ON tm.id = u.team_id
                LEFT JOIN targets tg ON tg.user_id = u.id AND tg.period = ? AND tg.metric = ?
                WHERE u.active AND u.role = 'account_manager' AND {s.scope(KIND, 'u.id')}"""
        else:
            body = f"""
                SELECT tm.id AS team_id, tm.name, tg.amount::DOUBLE AS target, coalesce(p.{metric}, 0) AS actual
                FROM teams tm LEFT JOIN per_team p ON p.team_id = tm.id
                LEFT JOIN targets tg ON tg.team_id = tm.id AND tg.period = ? AND tg.metric = ?
                WHERE {team_readable(s, 'tm.id')}"""
        return s.db.df(f"""{sql}, board AS ({body})
            SELECT rank() OVER (ORDER BY attainment DESC NULLS LAST, actual DESC) AS rank, *
            FROM (SELECT *, round(actual / nullif(target, 0), 4) AS attainment FROM board)
            ORDER BY rank, name""", [start, end, start, end, label, metric])
