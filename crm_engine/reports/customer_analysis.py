"""R1 customer contribution and R2 customer composition.

Contribution (客户贡献分析) of a customer over a period is what it brought in, net of
what it sent back — the same definition as `crm.returns.net_contribution`, so the two
always agree:

    net_amount = orders (not cancelled, by order date)
               + contracts (signed or fulfilled, by signing date)
               − sales returns (by return date)

Customers with no orders, contracts or returns in the period are left out. `share` is a
customer's part of the net total of every customer the report covers (before `top` cuts
the list), `cumulative_share` the running total down the ranking (the Pareto curve).
Contribution is a figure of the customer card and follows the customer policy (as
`crm.returns.net_contribution` does): it shows sums, never the contracts or returns behind
them, which keep their own policy.

Composition (客户构成分析) counts customer cards by one attribute. Every active dictionary
entry appears (with 0 when no customer has it, so bars line up from report to report);
cards without a value form one row whose `code` is missing and whose label says "not set".
"""
from __future__ import annotations

import pandas as pd

from .. import validate
from ..i18n import translate
from ..session import Session, query
from .shared import between, customer_filters, date_range, finish, label_column, no_rows, restricts, top_n

# by → (customer column, dictionary kind, or how the categories are made)
COMPOSITION_BY = {
    "level": ("c.level", "customer_level"),
    "region": ("c.region", "region"),
    "customer_type": ("c.customer_type", "customer_type"),
    "industry": ("c.industry", "industry"),
    "ownership": ("c.ownership", "ownership"),
    "company_size": ("c.company_size", "company_size"),
    "credit": ("c.credit", "rating"),
    "satisfaction": ("c.satisfaction", "rating"),
    "owner": ("c.owner_id", "owner"),
}


def _categories(s: Session, source: str) -> tuple[str, list]:
    """SQL (code, label, sort_order, listed) for the categories of one attribute. `listed`
    categories appear even with no customers; others only when someone has them."""
    if source == "rating":
        return "SELECT i::VARCHAR AS code, i::VARCHAR AS label, i AS sort_order, true AS listed FROM range(1, 6) r(i)", []
    if source == "owner":
        # Only the users who own some of the customers: a bar per idle colleague says nothing.
        return "SELECT id::VARCHAR AS code, name AS label, id AS sort_order, false AS listed FROM users", []
    return (f"SELECT code, {label_column(s)} AS label, sort_order, active AS listed FROM dictionary WHERE kind = ?",
            [source])


class CustomerReports:
    """R1 and R2 of `crm.reports`."""

    _s: Session

    @query
    def contribution(self, *, year: int | None = None, since=None, until=None, top: int | None = None,
                     region: str | None = None, level: str | None = None, customer_type: str | None = None,
                     industry: str | None = None, owner=None, team: int | None = None) -> pd.DataFrame:
        """Customer contribution (R1): net amount per customer you may see, largest first.

        One row per customer with business in the period (`year`, or `since`/`until`):
        rank, customer_id, customer_name, owner_id, owner_name, region, level, orders,
        order_amount, contract_amount, returned, net_amount, share, cumulative_share.
        `top=20` keeps the first twenty (shares stay relative to everyone covered).

            crm.reports.contribution(year=2025, top=10)
        """
        s = self._s
        since, until = date_range(year, since, until)
        where, params = customer_filters(s, "customer", region=region, level=level, customer_type=customer_type,
                                         industry=industry, owner=owner, team=team)
        # Who may be counted: a semi-join on the cards, only when the scope or a filter keeps fewer
        # than all of them (a director's unfiltered report reads the money tables alone).
        ours = (f" AND customer_id IN (SELECT c.id FROM customers c WHERE {' AND '.join(where)})"
                if restricts(where) else "")
        parts, values = [], []
        for sql, column in (("SELECT customer_id, amount AS o, NULL AS k, NULL AS r FROM orders "
                             "WHERE status <> 'cancelled'", "order_date"),
                            ("SELECT customer_id, NULL, amount, NULL FROM contracts "
                             "WHERE status IN ('signed', 'fulfilled')", "signed_on"),
                            ("SELECT customer_id, NULL, NULL, amount FROM sales_returns WHERE TRUE", "returned_on")):
            cond = []
            between(column, since, until, cond, values)
            parts.append(sql + "".join(f" AND {c}" for c in cond) + ours)
            values.extend(params if ours else [])
        # One pass over the three tables grouped by customer; the total for the shares comes from
        # every customer covered, the ranking is a top-N sort, and only the rows kept are joined to
        # their cards (at 2M orders, ranking every customer first tripled the time).
        frame = s.db.df(f"""
            WITH money AS ({' UNION ALL '.join(parts)}),
                 per AS (SELECT customer_id, count(o) AS orders, coalesce(sum(o), 0) AS order_amount,
                                coalesce(sum(k), 0) AS contract_amount, coalesce(sum(r), 0) AS returned,
                                coalesce(sum(o), 0) + coalesce(sum(k), 0) - coalesce(sum(r), 0) AS net_amount
                         FROM money GROUP BY customer_id),
                 total AS (SELECT nullif(sum(net_amount), 0) AS t FROM per),
                 head AS (SELECT * FROM per ORDER BY net_amount DESC, customer_id{top_n(top)})
            SELECT row_number() OVER w AS rank, p.customer_id, c.name AS customer_name, c.owner_id,
                   u.name AS owner_name, c.region, c.level, p.orders, p.order_amount::DOUBLE AS order_amount,
                   p.contract_amount::DOUBLE AS contract_amount, p.returned::DOUBLE AS returned,
                   p.net_amount::DOUBLE AS net_amount, (p.net_amount / total.t)::DOUBLE AS share,
                   (sum(p.net_amount) OVER (w ROWS UNBOUNDED PRECEDING) / total.t)::DOUBLE AS cumulative_share
            FROM head p JOIN customers c ON c.id = p.customer_id CROSS JOIN total
                 LEFT JOIN users u ON u.id = c.owner_id
            WINDOW w AS (ORDER BY p.net_amount DESC, p.customer_id)
            ORDER BY rank""", values)
        return finish(s, frame, "contribution")

    @query
    def composition(self, by: str = "level", *, status: str | None = None, region: str | None = None,
                    level: str | None = None, customer_type: str | None = None, industry: str | None = None,
                    owner=None, team: int | None = None) -> pd.DataFrame:
        """Customer composition (R2): how the customers you may see divide by one attribute.

        `by`: level, region, customer_type, industry, ownership, company_size, credit,
        satisfaction or owner. Columns: code, label (in your language), customers, share
        (0–1) and percent (0–100). `status="active"` leaves out lost customers.

            crm.reports.composition("region")
        """
        s = self._s
        column, source = COMPOSITION_BY[validate.one_of(by, "report_by", tuple(COMPOSITION_BY))]
        where, params = customer_filters(s, "customer", region=region, level=level, customer_type=customer_type,
                                         industry=industry, owner=owner, team=team)
        if status is not None:
            where.append("c.status = ?"), params.append(validate.one_of(status, "status", ("active", "lost")))
        categories, category_params = _categories(s, source)
        frame = s.db.df(f"""
            WITH counted AS (SELECT {column}::VARCHAR AS code, count(*) AS customers FROM customers c
                             WHERE {' AND '.join(where)} GROUP BY 1),
                 cats AS ({categories}),
                 rows AS (
                    SELECT coalesce(k.code, n.code) AS code, coalesce(k.label, n.code, ?) AS label,
                           coalesce(n.customers, 0) AS customers, k.sort_order, n.code IS NULL AND k.code IS NULL AS unset
                    FROM cats k FULL JOIN counted n ON n.code = k.code
                    WHERE n.customers IS NOT NULL OR k.listed)
            SELECT code, label, customers,
                   (customers / nullif(sum(customers) OVER (), 0))::DOUBLE AS share,
                   round(100 * customers / nullif(sum(customers) OVER (), 0), 2)::DOUBLE AS percent
            FROM rows ORDER BY unset, sort_order NULLS LAST, code""",
            [*params, *category_params, translate("report.not_set", s.language)])
        if frame["customers"].sum() == 0:
            frame = no_rows(frame)
        frame.attrs["by"] = by
        return finish(s, frame, "composition")
