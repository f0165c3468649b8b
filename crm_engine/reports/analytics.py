"""R5 customer analytics: RFM scores and segments, monthly cohort retention.

RFM (recency, frequency, monetary), measured on orders that are not cancelled, dated
on or before `as_of` (default: today on the scenario clock) and, with `since`, on or
after it:

* recency_days = days from the customer's last order to `as_of`; frequency = number of
  orders; monetary = their total amount.
* Each of R, F and M is scored 1–5 by quintile: customers are ranked on the measure
  (for R: the most recent last order ranks highest), and a customer whose rank is
  `k` among `n` scores `1 + floor(5 · (k − 1) / n)`, where `k` is the lowest rank of
  its ties. So the bottom fifth scores 1 and the top fifth 5, and customers with equal
  values always share a score (many one-order customers all get F = 1).
* Scores are company-wide, like ABC grades: every customer with an order is ranked
  against every other, whoever asks and whatever filter is applied, so a customer's
  score is the same on the rep's screen and the director's. What a user is *shown*
  is limited to the customers they may see.

Segments — the 8-class model of Chinese CRM textbooks: each of R, F and M is *high*
when the customer does better than the average of every customer with an order in the
period (company-wide, like the scores): R high = fewer days since the last order than the
average recency_days, F high = more orders than the average frequency, M high = more
spent than the average monetary. Equal to the average counts as low.

| segment | R | F | M | what to do |
|---|---|---|---|---|
| important_value 重要价值客户 | high | high | high | the best: reward, ask for referrals |
| important_development 重要发展客户 | high | low | high | big, recent, seldom: win more orders |
| important_retention 重要保持客户 | low | high | high | big, frequent, silent lately: call now |
| important_winback 重要挽留客户 | low | low | high | big spenders slipping away: win back |
| general_value 一般价值客户 | high | high | low | active but small: sell them more |
| general_development 一般发展客户 | high | low | low | recent, new or occasional: develop |
| general_retention 一般保持客户 | low | high | low | used to buy often, little: keep in touch cheaply |
| general_winback 一般挽留客户 | low | low | low | few, small, long ago: low-cost reminders or let go |

The 1–5 scores order the list (best first) and show the same ranking in finer steps; the
segment uses only the comparison with the averages.

Cohorts: a customer's cohort is the month of its first order (not cancelled, up to
`as_of`); `months_since` 0, 1, 2 … counts calendar months from it; `active` is how
many of the cohort ordered in that month and `retention` = active / cohort size.
Every (cohort, month) up to `as_of` has a row, with 0 where nobody ordered.
"""
from __future__ import annotations

import pandas as pd

from .. import validate
from ..i18n import translate
from ..session import Session, query
from .shared import between, customer_filters, finish, no_rows, restricts

SEGMENTS = ("important_value", "important_development", "important_retention", "important_winback",
            "general_value", "general_development", "general_retention", "general_winback")
# R high = more recent than average (fewer days), F and M high = above average.
SEGMENT_SQL = """CASE
    WHEN r_high AND f_high AND m_high THEN 'important_value'
    WHEN r_high AND m_high THEN 'important_development'
    WHEN f_high AND m_high THEN 'important_retention'
    WHEN m_high THEN 'important_winback'
    WHEN r_high AND f_high THEN 'general_value'
    WHEN r_high THEN 'general_development'
    WHEN f_high THEN 'general_retention'
    ELSE 'general_winback' END"""


def _quintile(order: str) -> str:
    # rank() gives ties their lowest rank, so equal values share a score.
    return f"(1 + floor(5 * (rank() OVER (ORDER BY {order}) - 1) / count(*) OVER ()))::INTEGER"


def _rfm_sql(s: Session, as_of, since, filters: dict) -> tuple[str, list]:
    as_of = validate.date(as_of, "report_as_of", required=False) or s.today()
    since = validate.date(since, "since", required=False)
    cond, values = ["status <> 'cancelled'"], []
    between("order_date", since, as_of, cond, values)
    where, params = customer_filters(s, "customer", **filters)
    sql = f"""
        WITH o AS (SELECT customer_id, max(order_date) AS last_order, count(*) AS frequency, sum(amount) AS monetary
                   FROM orders WHERE {' AND '.join(cond)} GROUP BY customer_id),
             days AS (SELECT *, date_diff('day', last_order, ?::DATE) AS recency_days FROM o),
             -- Scores and averages over every customer with an order, before any filter or scope.
             scored AS (SELECT *, {_quintile('last_order')} AS r_score, {_quintile('frequency')} AS f_score,
                               {_quintile('monetary')} AS m_score,
                               recency_days < avg(recency_days) OVER () AS r_high,
                               frequency > avg(frequency) OVER () AS f_high,
                               monetary > avg(monetary) OVER () AS m_high
                        FROM days),
             rfm AS (
                SELECT x.customer_id, c.name AS customer_name, c.owner_id, u.name AS owner_name, c.region, c.level,
                       x.last_order, x.recency_days, x.frequency, x.monetary::DOUBLE AS monetary,
                       x.r_score, x.f_score, x.m_score,
                       x.r_score::VARCHAR || x.f_score::VARCHAR || x.m_score::VARCHAR AS rfm,
                       {SEGMENT_SQL} AS segment
                FROM scored x JOIN customers c ON c.id = x.customer_id LEFT JOIN users u ON u.id = c.owner_id
                WHERE {' AND '.join(where)})"""
    return sql, [*values, as_of, *params]


def _segment_labels(s: Session) -> dict[str, str]:
    return {code: translate(f"rfm.{code}", s.language) for code in SEGMENTS}


class AnalyticsReports:
    """RFM and cohorts of `crm.reports`."""

    _s: Session

    @query
    def rfm(self, *, as_of=None, since=None, segment: str | None = None, region: str | None = None,
            level: str | None = None, customer_type: str | None = None, industry: str | None = None,
            owner=None, team: int | None = None) -> pd.DataFrame:
        """RFM scores (R5) of the customers you may see that have ordered, best first.

        Columns: customer_id, customer_name, owner_id, owner_name, region, level, last_order,
        recency_days, frequency, monetary, r_score, f_score, m_score (1–5), rfm ("545"),
        segment and segment_label (the 8-class model: each of R, F, M above or below
        the average). The rules are in this module's docstring
        (docs: `crm_engine/reports/analytics.py`).

            crm.reports.rfm(segment="important_retention")
        """
        s = self._s
        sql, params = _rfm_sql(s, as_of, since, dict(region=region, level=level, customer_type=customer_type,
                                                     industry=industry, owner=owner, team=team))
        where = ""
        if segment is not None:
            where = "WHERE segment = ?"
            params.append(validate.one_of(segment, "rfm_segment", SEGMENTS))
        frame = s.db.df(f"{sql} SELECT * FROM rfm {where} "
                        "ORDER BY r_score + f_score + m_score DESC, monetary DESC, customer_id", params)
        frame["segment_label"] = frame["segment"].map(_segment_labels(s)).astype(frame["segment"].dtype)
        return finish(s, frame, "rfm")

    @query
    def rfm_segments(self, *, as_of=None, since=None, region: str | None = None, level: str | None = None,
                     customer_type: str | None = None, industry: str | None = None, owner=None,
                     team: int | None = None) -> pd.DataFrame:
        """How many of your customers fall in each RFM segment, in the order of the rules.

        Columns: segment, label, customers, share, recency_days, frequency and monetary
        (averages), monetary_total. Every segment has a row (0 when empty)."""
        s = self._s
        sql, params = _rfm_sql(s, as_of, since, dict(region=region, level=level, customer_type=customer_type,
                                                     industry=industry, owner=owner, team=team))
        labels = _segment_labels(s)
        names = "(VALUES " + ", ".join(f"({i}, '{code}')" for i, code in enumerate(SEGMENTS)) + ") AS g(pos, segment)"
        frame = s.db.df(f"""{sql}
            SELECT g.segment, count(r.customer_id) AS customers,
                   (count(r.customer_id) / nullif(sum(count(r.customer_id)) OVER (), 0))::DOUBLE AS share,
                   avg(r.recency_days)::DOUBLE AS recency_days, avg(r.frequency)::DOUBLE AS frequency,
                   avg(r.monetary)::DOUBLE AS monetary, coalesce(sum(r.monetary), 0)::DOUBLE AS monetary_total
            FROM {names} LEFT JOIN rfm r ON r.segment = g.segment
            GROUP BY g.pos, g.segment ORDER BY g.pos""", params)
        frame.insert(1, "label", frame["segment"].map(labels).astype(frame["segment"].dtype))
        if frame["customers"].sum() == 0:
            frame = no_rows(frame)
        return finish(s, frame, "rfm_segments")

    @query
    def cohorts(self, *, as_of=None, since=None, until=None, months: int | None = None, region: str | None = None,
                level: str | None = None, customer_type: str | None = None, industry: str | None = None,
                owner=None, team: int | None = None) -> pd.DataFrame:
        """Monthly cohort retention (R5) of the customers you may see, in long (tidy) form.

        Columns: cohort ("2025-04", the month of the first order), months_since (0, 1, …),
        customers (cohort size), active, retention (active / customers). `since`/`until`
        pick the cohorts by their first month; `months` caps months_since.

            crm.reports.cohorts(since="2025-01-01").pivot(index="cohort", columns="months_since",
                                                          values="retention")
        """
        s = self._s
        as_of = validate.date(as_of, "report_as_of", required=False) or s.today()
        months = validate.integer(months, "cohort_months", required=False, minimum=0, maximum=1200)
        since = validate.date(since, "since", required=False)
        until = validate.date(until, "until", required=False)
        where, params = customer_filters(s, "customer", region=region, level=level, customer_type=customer_type,
                                         industry=industry, owner=owner, team=team)
        mine = f"AND o.customer_id IN (SELECT c.id FROM customers c WHERE {' AND '.join(where)})" \
            if restricts(where) else ""
        pick, pick_params = [], []
        # A cohort is picked by its month: any day of it inside [since, until] counts.
        between("cohort", since and since.replace(day=1), until, pick, pick_params)
        frame = s.db.df(f"""
            WITH act AS (SELECT DISTINCT o.customer_id, date_trunc('month', o.order_date)::DATE AS month
                         FROM orders o
                         WHERE o.status <> 'cancelled' AND o.order_date <= ?::DATE {mine}),
                 first AS (SELECT customer_id, min(month) AS cohort FROM act GROUP BY customer_id),
                 sizes AS (SELECT cohort, count(*) AS customers FROM first
                           WHERE {' AND '.join(pick) or 'TRUE'} GROUP BY cohort),
                 grid AS (SELECT cohort, customers,
                                 unnest(range(0, date_diff('month', cohort, ?::DATE) + 1)) AS months_since
                          FROM sizes),
                 counts AS (SELECT f.cohort, date_diff('month', f.cohort, a.month) AS months_since, count(*) AS active
                            FROM act a JOIN first f ON f.customer_id = a.customer_id GROUP BY ALL)
            SELECT strftime(g.cohort, '%Y-%m') AS cohort, g.months_since, g.customers,
                   coalesce(n.active, 0) AS active, (coalesce(n.active, 0) / g.customers)::DOUBLE AS retention
            FROM grid g LEFT JOIN counts n ON n.cohort = g.cohort AND n.months_since = g.months_since
            WHERE ?::BIGINT IS NULL OR g.months_since <= ?::BIGINT
            ORDER BY g.cohort, g.months_since""", [as_of, *params, *pick_params, as_of, months, months])
        frame.attrs["as_of"] = as_of      # the chart blanks the month as_of falls in unless it is complete
        return finish(s, frame, "cohorts")
