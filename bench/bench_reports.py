"""Reports benchmark (issue #6). Prints numbers and ratios; checks only that the answers agree.

Every report of `crm.reports` three ways, in one process, on a generated company
(tests/engine/reports_helpers.py: customers, orders, tickets, churn, opportunities,
campaigns, targets, contracts, returns):

1. the engine: `crm.as_user("dong.li").reports.<report>(…)` — validation, scope, labels,
   the DataFrame;
2. the same result as hand-written DuckDB SQL on the same connection (`con.execute(sql).df()`);
3. pandas on DataFrames already in memory (the tables loaded once, not timed).

Goals: engine ≤ 1.2× the hand-written SQL, and faster than pandas. Best-of-N, engine and
SQL timed in turns so a busy moment on a shared machine hits both alike.

    .venv/bin/python bench/bench_reports.py            # 100k customers / 2M orders / 200k tickets
    .venv/bin/python bench/bench_reports.py --large    # also 1M / 20M / 2M (needs ~10 GB, minutes)
    .venv/bin/python bench/bench_reports.py --quick    # tiny, for the test suite
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # the repo root: tests/ holds the generator

from crm_engine.scenario import synthetic  # noqa: E402
from tests.engine.reports_helpers import TODAY, build  # noqa: E402

YEAR = 2025
D = f"DATE '{TODAY.isoformat()}'"
Q = "(1 + floor(5 * (rank() OVER (ORDER BY {}) - 1) / count(*) OVER ()))::INTEGER"

# -- the hand-written SQL: the same result an analyst with the whole file would type ------------------
SQL = {
    "contribution": f"""
        WITH o AS (SELECT customer_id, count(*) AS n, sum(amount) AS v FROM orders
                   WHERE status <> 'cancelled' AND order_date BETWEEN DATE '{YEAR}-01-01' AND DATE '{YEAR}-12-31'
                   GROUP BY customer_id),
             k AS (SELECT customer_id, sum(amount) AS v FROM contracts WHERE status IN ('signed', 'fulfilled')
                   AND signed_on BETWEEN DATE '{YEAR}-01-01' AND DATE '{YEAR}-12-31' GROUP BY customer_id),
             r AS (SELECT customer_id, sum(amount) AS v FROM sales_returns
                   WHERE returned_on BETWEEN DATE '{YEAR}-01-01' AND DATE '{YEAR}-12-31' GROUP BY customer_id),
             p AS (SELECT c.id, c.name, c.owner_id, c.region, c.level, coalesce(o.n, 0) AS orders,
                          coalesce(o.v, 0) AS ov, coalesce(k.v, 0) AS kv, coalesce(r.v, 0) AS rv, ov + kv - rv AS net
                   FROM customers c LEFT JOIN o ON o.customer_id = c.id LEFT JOIN k ON k.customer_id = c.id
                   LEFT JOIN r ON r.customer_id = c.id WHERE o.v IS NOT NULL OR k.v IS NOT NULL OR r.v IS NOT NULL)
        SELECT row_number() OVER w AS rank, p.id AS customer_id, p.name AS customer_name, p.owner_id,
               u.name AS owner_name, p.region, p.level, p.orders, ov::DOUBLE AS order_amount, kv::DOUBLE AS contract_amount,
               rv::DOUBLE AS returned, net::DOUBLE AS net_amount, (net / sum(net) OVER ())::DOUBLE AS share,
               (sum(net) OVER (w ROWS UNBOUNDED PRECEDING) / sum(net) OVER ())::DOUBLE AS cumulative_share
        FROM p LEFT JOIN users u ON u.id = p.owner_id WINDOW w AS (ORDER BY net DESC, p.id)
        ORDER BY rank LIMIT 20""",
    "composition": """
        SELECT d.code, d.name_en AS label, count(c.id) AS customers,
               (count(c.id) / sum(count(c.id)) OVER ())::DOUBLE AS share,
               round(100 * count(c.id) / sum(count(c.id)) OVER (), 2)::DOUBLE AS percent
        FROM dictionary d LEFT JOIN customers c ON c.level = d.code
        WHERE d.kind = 'customer_level' GROUP BY d.code, d.name_en, d.sort_order ORDER BY d.sort_order""",
    "service_analysis": """
        SELECT strftime(t.created_on, '%Y-%m') AS period, t.service_type, d.name_en AS label, count(*) AS tickets,
               count(*) FILTER (WHERE t.state = 'archived') AS archived,
               count(*) FILTER (WHERE t.state <> 'archived') AS open, avg(t.satisfaction) AS satisfaction,
               avg(t.archived_on - t.created_on) FILTER (WHERE t.state = 'archived') AS days_to_archive
        FROM tickets t JOIN dictionary d ON d.kind = 'service_type' AND d.code = t.service_type
        GROUP BY ALL ORDER BY period, any_value(d.sort_order)""",
    "churn_analysis": """
        SELECT w.reason, d.name_en AS label, count(*) AS churned, count(*) / sum(count(*)) OVER () AS share
        FROM churn_warnings w JOIN dictionary d ON d.kind = 'churn_reason' AND d.code = w.reason
        WHERE w.state = 'churned' GROUP BY ALL ORDER BY churned DESC, any_value(d.sort_order)""",
    "churn_rate": f"""
        WITH ch AS (SELECT customer_id, closed_on FROM churn_warnings WHERE state = 'churned'),
             firsts AS (SELECT date_trunc('month', min(closed_on)) AS p FROM ch GROUP BY customer_id),
             created AS (SELECT date_trunc('month', created_on) AS p, count(*) AS n FROM customers GROUP BY 1),
             lost AS (SELECT p, count(*) AS n FROM firsts GROUP BY 1),
             events AS (SELECT date_trunc('month', closed_on) AS p, count(*) AS n FROM ch GROUP BY 1),
             periods AS (SELECT unnest(generate_series((SELECT min(p) FROM created), date_trunc('month', {D}),
                                                       INTERVAL 1 MONTH)) AS p),
             g AS (SELECT periods.p, coalesce(created.n, 0) AS new_customers, coalesce(events.n, 0) AS churned,
                          coalesce(sum(coalesce(created.n, 0) - coalesce(lost.n, 0)) OVER (ORDER BY periods.p
                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS base
                   FROM periods LEFT JOIN created USING (p) LEFT JOIN lost USING (p) LEFT JOIN events USING (p))
        SELECT strftime(p, '%Y-%m') AS period, p::DATE AS period_start, base::BIGINT AS customers_at_start,
               new_customers, churned, churned / nullif(base, 0) AS churn_rate FROM g ORDER BY p""",
    "rfm": f"""
        WITH o AS (SELECT customer_id, max(order_date) AS last_order, count(*) AS frequency, sum(amount) AS monetary
                   FROM orders WHERE status <> 'cancelled' AND order_date <= {D} GROUP BY customer_id),
             s AS (SELECT *, {D} - last_order AS recency_days, {Q.format('last_order')} AS r_score,
                          {Q.format('frequency')} AS f_score, {Q.format('monetary')} AS m_score,
                          {D} - last_order < avg({D} - last_order) OVER () AS r_high,
                          frequency > avg(frequency) OVER () AS f_high, monetary > avg(monetary) OVER () AS m_high
                   FROM o)
        SELECT s.customer_id, c.name AS customer_name, c.owner_id, u.name AS owner_name, c.region, c.level,
               s.last_order, s.recency_days, s.frequency, s.monetary::DOUBLE AS monetary, r_score, f_score, m_score,
               r_score::VARCHAR || f_score::VARCHAR || m_score::VARCHAR AS rfm, {{segment}} AS segment
        FROM s JOIN customers c ON c.id = s.customer_id LEFT JOIN users u ON u.id = c.owner_id
        ORDER BY r_score + f_score + m_score DESC, monetary DESC, customer_id""",
    "cohorts": f"""
        WITH act AS (SELECT DISTINCT customer_id, date_trunc('month', order_date)::DATE AS m FROM orders
                     WHERE status <> 'cancelled' AND order_date <= {D}),
             f AS (SELECT customer_id, min(m) AS cohort FROM act GROUP BY customer_id),
             s AS (SELECT cohort, count(*) AS customers FROM f GROUP BY cohort),
             g AS (SELECT cohort, customers, unnest(range(0, date_diff('month', cohort, {D}) + 1)) AS months_since
                   FROM s),
             n AS (SELECT f.cohort, date_diff('month', f.cohort, act.m) AS months_since, count(*) AS active
                   FROM act JOIN f ON f.customer_id = act.customer_id GROUP BY ALL)
        SELECT strftime(g.cohort, '%Y-%m') AS cohort, g.months_since, g.customers, coalesce(n.active, 0) AS active,
               coalesce(n.active, 0) / g.customers AS retention
        FROM g LEFT JOIN n ON n.cohort = g.cohort AND n.months_since = g.months_since ORDER BY g.cohort, g.months_since""",
    "funnel": """
        WITH st AS (SELECT code, name_en AS label, sort_order, value FROM dictionary WHERE kind = 'opportunity_stage'),
             o AS (SELECT o.state, o.stage, o.expected_amount, o.probability, coalesce(st.sort_order, 0) AS k
                   FROM opportunities o LEFT JOIN st ON st.code = o.stage WHERE o.state <> 'unassigned'),
             per AS (SELECT st.code AS stage, st.label, st.sort_order, st.value AS probability,
                            count(*) FILTER (WHERE o.state = 'succeeded' OR o.k >= st.sort_order) AS reached,
                            count(*) FILTER (WHERE o.state = 'assigned' AND o.stage = st.code) AS open,
                            coalesce(sum(o.expected_amount) FILTER (WHERE o.state = 'assigned' AND o.stage = st.code), 0)
                                AS open_amount,
                            coalesce(sum(o.expected_amount * o.probability / 100)
                                FILTER (WHERE o.state = 'assigned' AND o.stage = st.code), 0) AS weighted_amount
                     FROM st, o GROUP BY ALL
                     UNION ALL
                     SELECT 'succeeded', 'Development succeeded', 1e9, 100, count(*) FILTER (WHERE state = 'succeeded'),
                            0, 0, 0 FROM o)
        SELECT stage, label, probability, reached,
               round(reached / nullif(lag(reached) OVER (ORDER BY sort_order), 0), 4) AS conversion,
               open, open_amount::DOUBLE AS open_amount, weighted_amount::DOUBLE AS weighted_amount
        FROM per ORDER BY sort_order""",
    "win_rate": """
        SELECT u.name AS owner, count(*) FILTER (WHERE o.state = 'succeeded') AS won,
               count(*) FILTER (WHERE o.state = 'failed') AS lost, count(*) AS closed,
               round(won / closed, 4) AS win_rate, coalesce(sum(o.won_amount), 0)::DOUBLE AS won_amount
        FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE o.state IN ('succeeded', 'failed')
        GROUP BY o.owner_id, u.name ORDER BY win_rate DESC, 1""",
    "campaign_roi": """
        SELECT c.*, u.name AS owner_name, coalesce(l.leads, 0) AS leads, coalesce(l.converted, 0) AS converted_leads,
               coalesce(o.n, 0) AS opportunities, coalesce(o.won, 0) AS won,
               coalesce(o.revenue, 0)::DOUBLE AS actual_revenue,
               round((actual_revenue - c.cost) / nullif(c.cost, 0), 4)::DOUBLE AS roi,
               round(c.cost / nullif(c.budget, 0), 4)::DOUBLE AS budget_used
        FROM campaigns c JOIN users u ON u.id = c.owner_id
        LEFT JOIN (SELECT campaign_id, count(*) AS leads, count(*) FILTER (WHERE state = 'converted') AS converted
                   FROM leads GROUP BY ALL) l ON l.campaign_id = c.id
        LEFT JOIN (SELECT campaign_id, count(*) AS n, count(*) FILTER (WHERE state = 'succeeded') AS won,
                          sum(won_amount) FILTER (WHERE state = 'succeeded') AS revenue
                   FROM opportunities WHERE campaign_id IS NOT NULL GROUP BY ALL) o ON o.campaign_id = c.id
        ORDER BY roi DESC NULLS LAST, c.id""",
    "attainment": """
        SELECT *, round(actual / amount, 4)::DOUBLE AS attainment FROM (
            SELECT t.*, u.name AS subject, 'user' AS subject_kind, coalesce(sum(o.amount), 0)::DOUBLE AS actual
            FROM targets t JOIN users u ON u.id = t.user_id
            LEFT JOIN orders o ON o.owner_id = t.user_id AND o.status <> 'cancelled'
                 AND o.order_date BETWEEN t.period_start AND t.period_end
            WHERE t.period = '2026-02' GROUP BY ALL) ORDER BY id""",
}
SQL["rfm"] = SQL["rfm"].replace("{segment}", """CASE WHEN r_high AND f_high AND m_high THEN 'important_value'
    WHEN r_high AND m_high THEN 'important_development' WHEN f_high AND m_high THEN 'important_retention'
    WHEN m_high THEN 'important_winback' WHEN r_high AND f_high THEN 'general_value'
    WHEN r_high THEN 'general_development' WHEN f_high THEN 'general_retention' ELSE 'general_winback' END""")
SQL["rfm_segments"] = f"""
    WITH r AS ({SQL['rfm']})
    SELECT g.segment, count(r.customer_id) AS customers, count(r.customer_id) / sum(count(r.customer_id)) OVER () AS share,
           avg(r.recency_days) AS recency_days, avg(r.frequency) AS frequency, avg(r.monetary) AS monetary,
           coalesce(sum(r.monetary), 0) AS monetary_total
    FROM (VALUES (0, 'important_value'), (1, 'important_development'), (2, 'important_retention'),
                 (3, 'important_winback'), (4, 'general_value'), (5, 'general_development'), (6, 'general_retention'),
                 (7, 'general_winback')) g(pos, segment)
    LEFT JOIN r ON r.segment = g.segment GROUP BY g.pos, g.segment ORDER BY g.pos"""
SQL["leaderboard"] = """
    SELECT rank() OVER (ORDER BY attainment DESC NULLS LAST, actual DESC) AS rank, * FROM (
        SELECT *, round(actual / nullif(target, 0), 4) AS attainment FROM (
            SELECT u.id AS user_id, u.name, tm.name AS team, t.amount::DOUBLE AS target,
                   coalesce(sum(o.amount), 0)::DOUBLE AS actual
            FROM users u JOIN teams tm ON tm.id = u.team_id
            LEFT JOIN targets t ON t.user_id = u.id AND t.period = '2026-02' AND t.metric = 'order_amount'
            LEFT JOIN orders o ON o.owner_id = u.id AND o.status <> 'cancelled'
                 AND o.order_date BETWEEN DATE '2026-02-01' AND DATE '2026-02-28'
            WHERE u.active AND u.role = 'account_manager' GROUP BY ALL))
    ORDER BY rank, name"""

ENGINE = {
    "contribution": lambda r: r.contribution(year=YEAR, top=20),
    "composition": lambda r: r.composition("level"),
    "service_analysis": lambda r: r.service_analysis("month"),
    "churn_analysis": lambda r: r.churn_analysis("reason"),
    "churn_rate": lambda r: r.churn_rate("month"),
    "rfm": lambda r: r.rfm(),
    "rfm_segments": lambda r: r.rfm_segments(),
    "cohorts": lambda r: r.cohorts(),
    "funnel": lambda r: r.funnel(),
    "win_rate": lambda r: r.win_rate("owner"),
    "campaign_roi": lambda r: r.campaign_roi(),
    "attainment": lambda r: r.attainment("2026-02"),
    "leaderboard": lambda r: r.leaderboard("2026-02", metric="order_amount"),
}


# -- the same with pandas on frames in memory --------------------------------------------------------
def load(crm) -> dict[str, pd.DataFrame]:
    db = crm._s.db
    return {
        "customers": db.df("SELECT id, name, owner_id, region, level, created_on FROM customers"),
        "orders": db.df("SELECT id, customer_id, order_date, amount::DOUBLE AS amount, status, owner_id FROM orders"),
        "contracts": db.df("SELECT customer_id, status, signed_on, amount::DOUBLE AS amount FROM contracts"),
        "returns": db.df("SELECT customer_id, returned_on, amount::DOUBLE AS amount FROM sales_returns"),
        "tickets": db.df("SELECT service_type, state, created_on, archived_on, satisfaction FROM tickets"),
        "churn": db.df("SELECT customer_id, state, reason, closed_on FROM churn_warnings"),
        "opportunities": db.df("SELECT state, stage, owner_id, campaign_id, won_amount::DOUBLE AS won_amount "
                               "FROM opportunities"),
        "campaigns": db.df("SELECT id, name, cost::DOUBLE AS cost FROM campaigns"),
        "targets": db.df("SELECT id, user_id, period, period_start, period_end, amount::DOUBLE AS amount FROM targets"),
        "users": db.df("SELECT id, name FROM users"),
        "dictionary": db.df("SELECT kind, code, name_en, sort_order FROM dictionary"),
    }


def p_contribution(f):
    lo, hi = pd.Timestamp(f"{YEAR}-01-01"), pd.Timestamp(f"{YEAR}-12-31")
    o = f["orders"]
    o = o[(o["status"] != "cancelled") & o["order_date"].between(lo, hi)].groupby("customer_id")["amount"].agg(
        ["size", "sum"])
    k = f["contracts"]
    k = k[k["status"].isin(["signed", "fulfilled"]) & k["signed_on"].between(lo, hi)].groupby("customer_id")["amount"].sum()
    r = f["returns"]
    r = r[r["returned_on"].between(lo, hi)].groupby("customer_id")["amount"].sum()
    both = pd.concat([o["size"].rename("orders"), o["sum"].rename("order_amount"), k.rename("contract_amount"),
                      r.rename("returned")], axis=1).fillna(0)
    both["net_amount"] = both["order_amount"] + both["contract_amount"] - both["returned"]
    out = both.rename_axis("customer_id").reset_index()
    total = out["net_amount"].sum()
    out = out.sort_values(["net_amount", "customer_id"], ascending=[False, True])
    out["share"] = out["net_amount"] / total
    out["cumulative_share"] = out["net_amount"].cumsum() / total
    out["rank"] = np.arange(1, len(out) + 1)
    out = out.head(20).merge(f["customers"][["id", "name", "owner_id", "region", "level"]], left_on="customer_id",
                             right_on="id")
    return out.merge(f["users"].rename(columns={"id": "owner_id", "name": "owner_name"}), on="owner_id", how="left")


def p_composition(f):
    d = f["dictionary"]
    d = d[d["kind"] == "customer_level"].sort_values("sort_order")
    counts = f["customers"]["level"].value_counts()
    return pd.DataFrame({"code": d["code"], "label": d["name_en"],
                         "customers": d["code"].map(counts).fillna(0).astype(int)})


def _labels(f, kind):
    d = f["dictionary"]
    return dict(zip(d.loc[d["kind"] == kind, "code"], d.loc[d["kind"] == kind, "name_en"]))


def p_service(f):
    t = f["tickets"].assign(period=lambda x: x["created_on"].dt.strftime("%Y-%m"),
                            archived=lambda x: x["state"] == "archived",
                            days=lambda x: (x["archived_on"] - x["created_on"]).dt.days)
    out = t.groupby(["period", "service_type"]).agg(tickets=("state", "size"), archived=("archived", "sum"),
                                                    satisfaction=("satisfaction", "mean"),
                                                    days_to_archive=("days", "mean")).reset_index()
    out["open"] = out["tickets"] - out["archived"]
    out["label"] = out["service_type"].map(_labels(f, "service_type"))
    return out


def p_churn(f):
    w = f["churn"]
    out = w[w["state"] == "churned"]["reason"].value_counts().rename("churned").reset_index()
    out["label"] = out["reason"].map(_labels(f, "churn_reason"))
    out["share"] = out["churned"] / out["churned"].sum()
    return out


def p_churn_rate(f):
    c, w = f["customers"], f["churn"]
    ch = w[w["state"] == "churned"]
    created = c["created_on"].dt.to_period("M").value_counts()
    lost = ch.groupby("customer_id")["closed_on"].min().dt.to_period("M").value_counts()
    events = ch["closed_on"].dt.to_period("M").value_counts()
    periods = pd.period_range(created.index.min(), pd.Period(TODAY, "M"), freq="M")
    g = pd.DataFrame({"created": created, "lost": lost, "churned": events}).reindex(periods).fillna(0)
    g["base"] = (g["created"] - g["lost"]).cumsum().shift(1, fill_value=0)
    g["churn_rate"] = g["churned"] / g["base"].replace(0, np.nan)
    return g


SEGMENT_NAMES = {f"{weight}_{kind}": f"{weight.capitalize()} {kind} customers"
                 for weight in ("important", "general") for kind in ("value", "development", "retention", "win-back")}
SEGMENT_NAMES = {code.replace("win-back", "winback"): name for code, name in SEGMENT_NAMES.items()}


def p_rfm(f):
    o = f["orders"]
    o = o[(o["status"] != "cancelled") & (o["order_date"] <= pd.Timestamp(TODAY))]
    per = o.groupby("customer_id").agg(last_order=("order_date", "max"), frequency=("id", "size"),
                                        monetary=("amount", "sum"))
    n = len(per)
    for column, score in (("last_order", "r_score"), ("frequency", "f_score"), ("monetary", "m_score")):
        per[score] = (1 + np.floor(5 * (per[column].rank(method="min") - 1) / n)).astype(int)
    per["recency_days"] = (pd.Timestamp(TODAY) - per["last_order"]).dt.days
    per["rfm"] = per["r_score"].astype(str) + per["f_score"].astype(str) + per["m_score"].astype(str)
    r = per["recency_days"] < per["recency_days"].mean()
    fr, m = per["frequency"] > per["frequency"].mean(), per["monetary"] > per["monetary"].mean()
    per["segment"] = (np.where(m, "important_", "general_")
                      + np.select([r & fr, r, fr], ["value", "development", "retention"], "winback"))
    per["segment_label"] = per["segment"].map(SEGMENT_NAMES)
    per = per.reset_index().merge(f["customers"][["id", "name", "owner_id", "region", "level"]], left_on="customer_id",
                                  right_on="id")
    per = per.merge(f["users"].rename(columns={"id": "owner_id", "name": "owner_name"}), on="owner_id", how="left")
    per["total"] = per["r_score"] + per["f_score"] + per["m_score"]
    return per.sort_values(["total", "monetary", "customer_id"], ascending=[False, False, True])


def p_rfm_segments(f):
    per = p_rfm(f)
    out = per.groupby("segment").agg(customers=("frequency", "size"), recency_days=("recency_days", "mean"),
                                     frequency=("frequency", "mean"), monetary=("monetary", "mean"),
                                     monetary_total=("monetary", "sum"))
    out = out.reindex(list(SEGMENT_NAMES)).fillna({"customers": 0, "monetary_total": 0}).reset_index()
    out["label"] = out["segment"].map(SEGMENT_NAMES)
    out["share"] = out["customers"] / out["customers"].sum()
    return out


def p_cohorts(f):
    o = f["orders"]
    o = o[(o["status"] != "cancelled") & (o["order_date"] <= pd.Timestamp(TODAY))]
    month = o["order_date"].values.astype("datetime64[M]").astype(np.int64)
    act = pd.DataFrame({"customer_id": o["customer_id"].to_numpy(), "m": month}).drop_duplicates()
    act["cohort"] = act.groupby("customer_id")["m"].transform("min")
    act["months_since"] = act["m"] - act["cohort"]
    active = act.groupby(["cohort", "months_since"]).size().rename("active")
    sizes = act.drop_duplicates("customer_id")["cohort"].value_counts().sort_index()
    last = np.datetime64(TODAY, "M").astype(np.int64)
    grid = pd.DataFrame({"cohort": np.repeat(sizes.index.to_numpy(), last - sizes.index.to_numpy() + 1)})
    grid["months_since"] = grid.groupby("cohort").cumcount()
    grid = grid.join(active, on=["cohort", "months_since"]).fillna({"active": 0})
    grid["customers"] = grid["cohort"].map(sizes)
    grid["retention"] = grid["active"] / grid["customers"]
    grid["cohort"] = grid["cohort"].to_numpy().astype("datetime64[M]").astype(str)
    return grid


def p_funnel(f):
    d = f["dictionary"]
    st = d[d["kind"] == "opportunity_stage"].sort_values("sort_order")
    o = f["opportunities"]
    o = o[o["state"] != "unassigned"]
    k = o["stage"].map(dict(zip(st["code"], st["sort_order"]))).fillna(0)
    return pd.DataFrame({"code": st["code"],
                         "reached": [((o["state"] == "succeeded") | (k >= n)).sum() for n in st["sort_order"]],
                         "open": [((o["state"] == "assigned") & (o["stage"] == c)).sum() for c in st["code"]]})


def p_win_rate(f):
    o = f["opportunities"]
    o = o[o["state"].isin(["succeeded", "failed"])].merge(f["users"], left_on="owner_id", right_on="id")
    g = o.assign(won=o["state"] == "succeeded").groupby("name")["won"].agg(["sum", "size"])
    return g.assign(win_rate=g["sum"] / g["size"]).sort_values("win_rate", ascending=False)


def p_campaign_roi(f):
    o = f["opportunities"]
    revenue = o[o["state"] == "succeeded"].groupby("campaign_id")["won_amount"].sum()
    c = f["campaigns"].assign(revenue=lambda x: x["id"].map(revenue).fillna(0))
    return c.assign(roi=(c["revenue"] - c["cost"]) / c["cost"].replace(0, np.nan)).sort_values("roi", ascending=False)


def p_attainment(f):
    t = f["targets"]
    t = t[t["period"] == "2026-02"]
    o = f["orders"]
    o = o[(o["status"] != "cancelled") & o["order_date"].between(t["period_start"].min(), t["period_end"].max())]
    actual = o.groupby("owner_id")["amount"].sum()
    return t.assign(actual=t["user_id"].map(actual).fillna(0)).assign(attainment=lambda x: x["actual"] / x["amount"])


PANDAS = {"contribution": p_contribution, "composition": p_composition, "service_analysis": p_service,
          "churn_analysis": p_churn, "churn_rate": p_churn_rate, "rfm": p_rfm, "rfm_segments": p_rfm_segments,
          "cohorts": p_cohorts, "funnel": p_funnel, "win_rate": p_win_rate, "campaign_roi": p_campaign_roi,
          "attainment": p_attainment,
          "leaderboard": lambda f: p_attainment(f).sort_values("attainment", ascending=False)}


# -- the answers must agree before the times mean anything ----------------------------------------------
def check(name: str, engine: pd.DataFrame, sql: pd.DataFrame, pandas: pd.DataFrame) -> None:
    keys = {"contribution": "net_amount", "composition": "customers", "service_analysis": "tickets",
            "churn_analysis": "churned", "churn_rate": "churned", "rfm": "m_score", "rfm_segments": "customers",
            "cohorts": "active", "funnel": "open", "win_rate": "won", "campaign_roi": "roi",
            "attainment": "actual", "leaderboard": "actual"}
    column = keys[name]
    pandas_column = {"win_rate": "sum", "campaign_roi": "roi"}.get(name, column)
    totals = [float(pd.to_numeric(frame[c], errors="coerce").fillna(0).sum())
              for frame, c in ((engine, column), (sql, column), (pandas, pandas_column))]
    assert np.allclose(totals, totals[0], rtol=1e-4), (name, totals)   # the engine rounds ratios to 4 places


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def run(customers: int, orders: int, tickets: int, repeat: int) -> dict[str, dict]:
    start = time.perf_counter()
    # The generator thins orders out in weak months (seasonality); ask for more to get about `orders`.
    crm = build(customers, round(orders * synthetic.SEASON.max() / synthetic.SEASON.mean()), tickets, seed=5)
    frames = load(crm)
    print(f"set-up: {customers:,} customers, {len(frames['orders']):,} orders, {tickets:,} tickets "
          f"in {time.perf_counter() - start:.1f} s")
    reports = crm.as_user("dong.li").reports
    con = crm._s.db.con
    results = {}
    print(f"{'report':<18}{'engine ms':>11}{'SQL ms':>9}{'pandas ms':>11}{'engine/SQL':>12}{'pandas/engine':>15}")
    for name in ENGINE:
        engine_fn = lambda: ENGINE[name](reports)
        sql_fn = lambda: con.execute(SQL[name]).df()
        pandas_fn = lambda: PANDAS[name](frames)
        check(name, engine_fn(), sql_fn(), pandas_fn())
        engine_t, sql_t = [], []
        for _ in range(repeat):   # in turns
            engine_t.append(best(engine_fn, 1))
            sql_t.append(best(sql_fn, 1))
        pandas_s = best(pandas_fn, max(1, repeat // 2))
        row = {"engine_ms": min(engine_t) * 1000, "sql_ms": min(sql_t) * 1000, "pandas_ms": pandas_s * 1000}
        row["vs_sql"] = row["engine_ms"] / row["sql_ms"]
        row["pandas_vs_engine"] = row["pandas_ms"] / row["engine_ms"]
        results[name] = row
        print(f"{name:<18}{row['engine_ms']:>11.1f}{row['sql_ms']:>9.1f}{row['pandas_ms']:>11.1f}"
              f"{row['vs_sql']:>11.2f}x{row['pandas_vs_engine']:>14.2f}x")
    crm.close()
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (for the test suite)")
    parser.add_argument("--large", action="store_true", help="also 1M customers / 20M orders / 2M tickets")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    if args.quick:
        return {"quick": run(2_000, 40_000, 4_000, 2)}
    results = {"100k": run(100_000, 2_000_000, 200_000, args.repeat)}
    if args.large:
        results["1M"] = run(1_000_000, 20_000_000, 2_000_000, max(2, args.repeat // 2))
    else:
        print("1M customers / 20M orders / 2M tickets: skipped (about six minutes and ~9 GB on a 2-core "
              "machine); run with --large")
    return results


if __name__ == "__main__":
    main()
