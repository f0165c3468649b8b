"""What every report shares: filters inside the user's scope, periods, labels, the result frame.

A report is one SQL statement whose WHERE clause always starts with the sharing
policy's condition for its kind of record (`s.scope(kind, "c.owner_id")`, the
customer's current owner, as every list does), then the filters the caller gave.
Only integers from the database are inlined into SQL; every value a caller
passes travels as a query parameter.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import access, validate
from ..dictionary import require_code
from ..errors import NotFound
from ..i18n import translate
from ..session import Session, load_user

# Customer-card columns a report may filter on, with their dictionary kind.
CODE_FILTERS = {"region": "region", "level": "customer_level", "customer_type": "customer_type",
                "industry": "industry"}
# Time buckets: SQL giving a sortable label for a date column.
PERIODS = {
    None: "'all'",
    "month": "strftime({col}, '%Y-%m')",
    "quarter": "(year({col})::VARCHAR || '-Q' || quarter({col})::VARCHAR)",
    "year": "year({col})::VARCHAR",
}


def label_column(s: Session) -> str:
    """The dictionary column holding names in the session's language."""
    return "name_zh" if s.language == "zh_CN" else "name_en"


def period_sql(period, column: str) -> str:
    """SQL for the bucket label of `column` (`"2026-03"`, `"2026-Q1"`, `"2026"` or `"all"`)."""
    period = validate.one_of(period, "report_period", tuple(PERIODS))
    return PERIODS[period].format(col=column)


def period_trunc(period, column: str) -> str:
    """SQL for the first day of `column`'s bucket. Grouping on this date and labelling the few
    groups afterwards (`period_sql`) is cheaper than formatting a label on every row."""
    period = validate.one_of(period, "report_period", tuple(PERIODS))
    return "DATE '1970-01-01'" if period is None else f"date_trunc('{period}', {column})::DATE"


def date_range(year=None, since=None, until=None) -> tuple[dt.date | None, dt.date | None]:
    """`year` and/or `since`/`until` as one inclusive range (either end may be open)."""
    since = validate.date(since, "since", required=False)
    until = validate.date(until, "until", required=False)
    year = validate.integer(year, "report_year", required=False, minimum=1900, maximum=2200)
    if year is not None:
        since = max(since, dt.date(year, 1, 1)) if since else dt.date(year, 1, 1)
        until = min(until, dt.date(year, 12, 31)) if until else dt.date(year, 12, 31)
    return since, until


def between(column: str, since, until, where: list, params: list) -> None:
    """Add `column` within [since, until] to a WHERE list (open ends skipped)."""
    if since is not None:
        where.append(f"{column} >= ?"), params.append(since)
    if until is not None:
        where.append(f"{column} <= ?"), params.append(until)


def customer_filters(s: Session, kind: str, alias: str = "c", *, region=None, level=None, customer_type=None,
                     industry=None, owner=None, team=None) -> tuple[list[str], list]:
    """The WHERE conditions of a report over customers (alias `alias`): the sharing policy
    of `kind` on the customer's owner first, then the optional filters."""
    where, params = [s.scope(kind, f"{alias}.owner_id")], []
    for name, value in (("region", region), ("level", level), ("customer_type", customer_type),
                        ("industry", industry)):
        if value is not None:
            where.append(f"{alias}.{name} = ?"), params.append(require_code(s, CODE_FILTERS[name], value, name,
                                                                            required=True))
    if owner is not None:
        where.append(f"{alias}.owner_id = ?"), params.append(load_user(s.db, owner).id)
    if team is not None:
        team_id = validate.record_id(team, "team")
        if s.db.scalar("SELECT count(*) FROM teams WHERE id = ?", [team_id]) == 0:
            raise NotFound("team.not_found", id=team_id)
        teams = ",".join(str(int(t)) for t in access.team_subtree(s.db, team_id))
        where.append(f"{alias}.owner_id IN (SELECT id FROM users WHERE team_id IN ({teams}))")
    return where, params


def restricts(where: list[str]) -> bool:
    """Whether a WHERE list from `customer_filters` keeps fewer than all customers. When it
    does not (a director, no filters), a report can skip joining the customers at all: on
    200k tickets that join is a third of the work."""
    return any(condition != "TRUE" for condition in where)


def top_n(top) -> str:
    """A LIMIT clause for `top` (None: every row)."""
    top = validate.integer(top, "report_top", required=False, minimum=1, maximum=1_000_000)
    return "" if top is None else f" LIMIT {top}"


def finish(s: Session, frame: pd.DataFrame, report: str, *, empty: bool | None = None) -> pd.DataFrame:
    """Label a report's frame for the chart layer (`frame.attrs`): which report, its title and
    language, and — when there is nothing to show — the translated message saying so.

    `empty` overrides the row count for reports whose rows exist even without data
    (a funnel lists every stage with zeros)."""
    empty = frame.empty if empty is None else empty
    frame.attrs.update({
        "report": report,
        "language": s.language,
        "title": translate(f"report.{report}.title", s.language),
        "empty_message": translate(f"report.{report}.empty", s.language) if empty else None,
    })
    return frame


def no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The same columns (and dtypes), no rows: what a report returns when there is nothing to show."""
    empty = frame.iloc[0:0].reset_index(drop=True)
    empty.attrs = dict(frame.attrs)
    return empty
