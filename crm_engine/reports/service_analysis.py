"""R3 customer service analysis and R4 customer churn analysis.

Service (客户服务分析): tickets counted by the month / quarter / year they were created
and by type (or handler, or the customer's region). `satisfaction` averages the latest
feedback of the tickets that have one (S4: an archived ticket's is ≥ 3; a ticket sent
back keeps its low score until the next feedback); `days_to_archive` averages the days
from creation to archive over the archived tickets. Scope: kind `ticket`, on the
customer's current owner (as `crm.service.list`).

Churn (客户流失分析): confirmed churn — warnings in state *churned* (C4) — by the reason
recorded or by an attribute of the customer, dated by the day churn was confirmed. The
churn rate of a period is `churned / customers_at_start`, where customers_at_start
counts the cards created before the period began, less those whose churn was confirmed
before it (a customer won back later is not counted again: an approximation that keeps
the rate a simple ratio of counts). Scope: kind `churn`, on the customer's owner.
"""
from __future__ import annotations

import pandas as pd

from .. import validate
from ..dictionary import require_code
from ..i18n import translate
from ..session import Session, query
from .shared import between, customer_filters, finish, label_column, period_sql, period_trunc, restricts

# by → (SQL for the code, SQL joined for its label: a dictionary kind or the users table)
SERVICE_BY = {"service_type": ("t.service_type", "service_type"), "handler": ("t.assigned_to", "users"),
              "region": ("c.region", "region")}
CHURN_BY = {"reason": ("w.reason", "churn_reason"), "customer_type": ("c.customer_type", "customer_type"),
            "region": ("c.region", "region"), "level": ("c.level", "customer_level"),
            "industry": ("c.industry", "industry"), "owner": ("c.owner_id", "users")}
STEPS = {"month": "INTERVAL 1 MONTH", "quarter": "INTERVAL 3 MONTH", "year": "INTERVAL 1 YEAR"}


def _labelled(s: Session, code: str, source: str) -> tuple[str, str, str]:
    """(join, label SQL, sort SQL) naming the category `code` in the session's language."""
    if source == "users":
        return f"LEFT JOIN users lu ON lu.id = {code}", "lu.name", f"{code}"
    return (f"LEFT JOIN dictionary ld ON ld.kind = '{source}' AND ld.code = {code}",
            f"coalesce(ld.{label_column(s)}, {code}::VARCHAR)", "ld.sort_order")


class CareReports:
    """R3 and R4 of `crm.reports`."""

    _s: Session

    @query
    def service_analysis(self, period: str | None = "month", *, by: str = "service_type", since=None, until=None,
                         service_type: str | None = None, region: str | None = None, level: str | None = None,
                         customer_type: str | None = None, industry: str | None = None, owner=None,
                         team: int | None = None) -> pd.DataFrame:
        """Service analysis (R3) of the tickets you may see, created between `since` and `until`.

        `period`: month, quarter, year or None (all time in one row per category); `by`:
        service_type, handler or region. Columns: period, <by>, label, tickets, archived,
        open, satisfaction (average of the latest feedback), days_to_archive.

            crm.reports.service_analysis("quarter", since="2025-01-01")
        """
        s = self._s
        code, source = SERVICE_BY[validate.one_of(by, "report_by", tuple(SERVICE_BY))]
        bucket, label_of = period_trunc(period, "t.created_on"), period_sql(period, "a.p")
        where, params = customer_filters(s, "ticket", region=region, level=level, customer_type=customer_type,
                                         industry=industry, owner=owner, team=team)
        customers = "LEFT JOIN customers c ON c.id = t.customer_id" if restricts(where) or by == "region" else ""
        between("t.created_on", validate.date(since, "since", required=False),
                validate.date(until, "until", required=False), where, params)
        if service_type is not None:
            where.append("t.service_type = ?")
            params.append(require_code(s, "service_type", service_type, "service_type", required=True))
        join, label, sort = _labelled(s, "a.k", source)
        # Aggregate first, name the few groups after: labels are not computed per ticket.
        frame = s.db.df(f"""
            WITH a AS (
                SELECT {bucket} AS p, {code} AS k, count(*) AS tickets,
                       count(*) FILTER (WHERE t.state = 'archived') AS archived,
                       count(*) FILTER (WHERE t.state <> 'archived') AS open,
                       avg(t.satisfaction)::DOUBLE AS satisfaction,
                       (avg(date_diff('day', t.created_on, t.archived_on)) FILTER (WHERE t.state = 'archived'))::DOUBLE
                           AS days_to_archive
                FROM tickets t {customers} WHERE {' AND '.join(where)} GROUP BY 1, 2)
            SELECT {label_of} AS period, a.k::VARCHAR AS {by}, coalesce({label}, ?) AS label, a.tickets, a.archived,
                   a.open, a.satisfaction, a.days_to_archive
            FROM a {join} ORDER BY a.p, {sort} NULLS LAST, 2""",
            [*params, translate("report.not_set", s.language)])
        frame.attrs["by"] = by
        return finish(s, frame, "service_analysis")

    @query
    def churn_analysis(self, by: str = "reason", *, since=None, until=None, region: str | None = None,
                       level: str | None = None, customer_type: str | None = None, industry: str | None = None,
                       owner=None, team: int | None = None) -> pd.DataFrame:
        """Churn analysis (R4): confirmed churn of the customers you may see, confirmed between
        `since` and `until`, by reason, customer_type, region, level, industry or owner.

        Columns: <by>, label, churned, share. The churned customers themselves are in
        `crm.churn.list(state="churned")`."""
        s = self._s
        code, source = CHURN_BY[validate.one_of(by, "report_by", tuple(CHURN_BY))]
        where, params = customer_filters(s, "churn", region=region, level=level, customer_type=customer_type,
                                         industry=industry, owner=owner, team=team)
        customers = "LEFT JOIN customers c ON c.id = w.customer_id" if restricts(where) or by != "reason" else ""
        where.append("w.state = 'churned'")
        between("w.closed_on", validate.date(since, "since", required=False),
                validate.date(until, "until", required=False), where, params)
        join, label, sort = _labelled(s, "a.k", source)
        frame = s.db.df(f"""
            WITH a AS (SELECT {code} AS k, count(*) AS churned FROM churn_warnings w {customers}
                       WHERE {' AND '.join(where)} GROUP BY 1)
            SELECT a.k::VARCHAR AS {by}, coalesce({label}, ?) AS label, a.churned,
                   (a.churned / sum(a.churned) OVER ())::DOUBLE AS share
            FROM a {join} ORDER BY a.churned DESC, {sort} NULLS LAST, 1""",
            [*params, translate("report.not_set", s.language)])
        frame.attrs["by"] = by
        return finish(s, frame, "churn_analysis")

    @query
    def churn_rate(self, period: str = "month", *, since=None, until=None, region: str | None = None,
                   level: str | None = None, customer_type: str | None = None, industry: str | None = None,
                   owner=None, team: int | None = None) -> pd.DataFrame:
        """Churn rate over time (R4) for the customers you may see: one row per month, quarter
        or year from `since` (default: the first customer) to `until` (default: today).

        Columns: period, period_start, customers_at_start, new_customers, churned, churn_rate
        (churned / customers_at_start; the rule is in this module's docstring)."""
        s = self._s
        period = validate.one_of(period, "report_period", tuple(STEPS))
        since = validate.date(since, "since", required=False)
        until = validate.date(until, "until", required=False) or s.today()
        where, params = customer_filters(s, "churn", region=region, level=level, customer_type=customer_type,
                                         industry=industry, owner=owner, team=team)
        trunc = f"date_trunc('{period}', {{}})::DATE"
        mine = "AND w.customer_id IN (SELECT id FROM cust)" if restricts(where) else ""
        frame = s.db.df(f"""
            WITH cust AS (SELECT c.id, c.created_on FROM customers c WHERE {' AND '.join(where)}),
                 ch AS (SELECT w.customer_id, w.closed_on FROM churn_warnings w
                        WHERE w.state = 'churned' {mine}),
                 firsts AS (SELECT min(closed_on) AS first_churn FROM ch GROUP BY customer_id),
                 created AS (SELECT {trunc.format('created_on')} AS p, count(*) AS n FROM cust GROUP BY 1),
                 lost AS (SELECT {trunc.format('first_churn')} AS p, count(*) AS n FROM firsts GROUP BY 1),
                 events AS (SELECT {trunc.format('closed_on')} AS p, count(*) AS n FROM ch GROUP BY 1),
                 span AS (SELECT least((SELECT min(p) FROM created), (SELECT min(p) FROM events)) AS first,
                                 {trunc.format('?::DATE')} AS last),
                 periods AS (SELECT unnest(generate_series(first, last, {STEPS[period]}))::DATE AS p FROM span
                             WHERE first IS NOT NULL),
                 grid AS (
                    SELECT periods.p, coalesce(created.n, 0) AS new_customers, coalesce(events.n, 0) AS churned,
                           coalesce(sum(coalesce(created.n, 0) - coalesce(lost.n, 0)) OVER (
                               ORDER BY periods.p ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                               AS customers_at_start
                    FROM periods LEFT JOIN created ON created.p = periods.p LEFT JOIN lost ON lost.p = periods.p
                         LEFT JOIN events ON events.p = periods.p)
            SELECT {period_sql(period, 'p')} AS period, p AS period_start, customers_at_start::BIGINT AS customers_at_start,
                   new_customers, churned, (churned / nullif(customers_at_start, 0))::DOUBLE AS churn_rate
            FROM grid WHERE p >= coalesce({trunc.format('?::DATE')}, p) ORDER BY p""",
            [*params, until, since])
        return finish(s, frame, "churn_rate")
