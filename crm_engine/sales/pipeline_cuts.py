"""The cuts of the sales reports (R5, O10): every way a sales manager asks to split the pipeline.

`opportunity_groups(s, by, …)` is SQL giving one row per (opportunity, group) of the
opportunities the session may see; `win_rate`, `funnel` and `pipeline` (pipeline.py) count
and sum over it, so each report is cut the same way. The groups:

- `owner` (the holder), `source`, `campaign`;
- `team`: the holder's team **and every team above it** — a team's figure includes its
  sub-teams', so an opportunity counts once in each of its holder's team and their parents;
- `product`, `category`: an opportunity counts **once per product (category) it contains**;
  its amount there, open or won, is the sum of those lines' amounts (even where the expected
  or won amount was set by hand). One without lines counts under `-` with its own amounts;
- `region`: the region of the customer the opportunity is for (named when recorded, or the
  one it became when won); `-` when there is none yet;
- `month`, `quarter`, `year`: of the date the report is about (closing for win rates,
  creation for the funnel and the open pipeline).
"""
from __future__ import annotations

from .. import validate

# The same bucket labels as the reports' periods (reports/shared.py); the areas sit below reports.
PERIODS = {"month": "strftime({col}, '%Y-%m')",
           "quarter": "(year({col})::VARCHAR || '-Q' || quarter({col})::VARCHAR)",
           "year": "year({col})::VARCHAR"}

CUTS = (None, "owner", "team", "product", "category", "region", "source", "campaign", "month", "quarter", "year")
ANCESTORS = ("(WITH RECURSIVE up(team_id, ancestor) AS (SELECT id, id FROM teams UNION ALL "
             "SELECT up.team_id, t.parent_id FROM up JOIN teams t ON t.id = up.ancestor "
             "WHERE t.parent_id IS NOT NULL) SELECT * FROM up)")


def _lines(column: str) -> str:
    """An opportunity's lines summed per product (or category): opportunity_id, grp, amount."""
    return (f"(SELECT l.opportunity_id, {column} AS grp, sum(l.amount) AS amount FROM opportunity_lines l "
            f"JOIN products p ON p.id = l.product_id GROUP BY ALL)")


def opportunity_groups(s, by, where: str, *, date_column: str = "o.closed_on") -> str:
    """SELECT of (id, state, stage, probability, expected_amount, won_amount, grp_key, grp) — one row
    per opportunity and group it falls in, the amounts being its share in that group. `where` is
    the condition on `opportunities o` (the sharing policy first)."""
    validate.one_of(by, "sales_by", CUTS)
    label = "name_zh" if s.language == "zh_CN" else "name_en"
    expected, won, joins = "o.expected_amount", "o.won_amount", ""
    if by is None:
        key = name = "'all'"
    elif by == "owner":
        key, name, joins = "o.owner_id::VARCHAR", "u.name", "JOIN users u ON u.id = o.owner_id"
    elif by == "team":
        key, name = "t.id::VARCHAR", "t.name"
        joins = f"JOIN users u ON u.id = o.owner_id JOIN {ANCESTORS} up ON up.team_id = u.team_id " \
                "JOIN teams t ON t.id = up.ancestor"
    elif by in ("product", "category"):
        key = name = "coalesce(l.grp, '-')"
        grouped = _lines("p.code" if by == "product" else "coalesce(p.category, '-')")
        joins = f"LEFT JOIN {grouped} l ON l.opportunity_id = o.id"
        expected = "coalesce(l.amount, o.expected_amount)"
        won = "CASE WHEN o.won_amount IS NULL THEN NULL ELSE coalesce(l.amount, o.won_amount) END"
    elif by == "region":
        key = "coalesce(c.region, '-')"
        name = f"coalesce(d.{label}, c.region, '-')"
        joins = "LEFT JOIN customers c ON c.id = o.customer_id " \
                "LEFT JOIN dictionary d ON d.kind = 'region' AND d.code = c.region"
    elif by == "source":
        key = name = "o.source"
    elif by == "campaign":
        key, name = "coalesce(o.campaign_id::VARCHAR, '-')", "coalesce(cp.name, '-')"
        joins = "LEFT JOIN campaigns cp ON cp.id = o.campaign_id"
    else:
        key = name = PERIODS[by].format(col=date_column)
    return (f"SELECT o.id, o.state, o.stage, o.probability, {expected} AS expected_amount, {won} AS won_amount, "
            f"{key} AS grp_key, {name} AS grp FROM opportunities o {joins} WHERE {where}")
