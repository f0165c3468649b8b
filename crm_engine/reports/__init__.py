"""Statistics and reports (R1–R5): each report is one DuckDB query, returned as a tidy DataFrame.

    crm.reports.contribution(year=2025, top=10)       # R1 customer contribution
    crm.reports.composition("region")                 # R2 customer composition
    crm.reports.service_analysis("quarter")           # R3 service analysis
    crm.reports.churn_analysis("reason")              # R4 churn analysis
    crm.reports.churn_rate("month")                   #    churn rate over time
    crm.reports.funnel(); crm.reports.win_rate("owner")          # R5 sales
    crm.reports.campaign_roi(); crm.reports.attainment("2026-Q1"); crm.reports.leaderboard("2026-03")
    crm.reports.rfm(); crm.reports.rfm_segments(); crm.reports.cohorts()
    crm.sql("SELECT region, count(*) FROM customers GROUP BY ALL")   # analysts (see reports/sql.py)

Every report covers only what the acting user may see (the sharing policy, as in
every list), takes the filters that make sense for it (period, region, level,
customer type, industry, owner, team …), names its columns with the glossary's
English identifiers and adds a `label` column in the session's language where a
chart needs one. `frame.attrs` tells the chart layer (`crm_engine.ui.charts`) which
report it is, its translated title, and — when there is nothing to show — a
translated message; such a report has its columns and no rows.
"""
from __future__ import annotations

import pandas as pd

from ..session import Area, query
from . import sql as _sql
from .analytics import SEGMENTS, AnalyticsReports
from .service_analysis import CareReports
from .customer_analysis import CustomerReports
from .sales_analysis import SalesReports
from .customer_analysis import COMPOSITION_BY
from .service_analysis import CHURN_BY, SERVICE_BY
from ..sales.targets import METRICS

REPORTS = ("contribution", "composition", "service_analysis", "churn_analysis", "churn_rate", "funnel", "win_rate",
           "pipeline", "campaign_roi", "attainment", "leaderboard", "rfm", "rfm_segments", "cohorts")

__all__ = ["Reports", "REPORTS", "SEGMENTS"]


class Reports(CustomerReports, CareReports, SalesReports, AnalyticsReports, Area):
    """`crm.reports`: the statistics and reports of the CRM (统计报表)."""

    # What the screens offer as choices, read from the facade (ui code imports no area module).
    REPORTS, SEGMENTS, METRICS = REPORTS, SEGMENTS, METRICS
    COMPOSITION_BY, SERVICE_BY, CHURN_BY = tuple(COMPOSITION_BY), tuple(SERVICE_BY), tuple(CHURN_BY)

    @query
    def sql(self, query: str, params=None, *, seconds: float = _sql.SECONDS,
            max_rows: int = _sql.MAX_ROWS, max_megabytes: int = _sql.MAX_MEGABYTES) -> pd.DataFrame:
        """Run one read-only SELECT and return its rows (`crm.sql` is the same verb).

        Allowed only on tables whose every row you may read (see docs/data-model.md);
        it can never write or reach a file. Past `seconds` (default 10) or `max_rows`
        (default 100,000) or `max_megabytes` (default 256) it stops with `InvalidInput`; errors in the SQL come back as
        `InvalidInput` with DuckDB's explanation.

            crm.sql("SELECT level, count(*) AS n FROM customers GROUP BY level ORDER BY n DESC")
        """
        return _sql.run(self._s, query, params, seconds=seconds, max_rows=max_rows,
                        max_megabytes=max_megabytes)
