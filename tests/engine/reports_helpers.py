"""A seeded company with a few years of everything the reports read, generated vectorised.

Customers, contacts, interactions and orders come from `crm_engine.scenario.synthetic`;
this module adds service tickets, churn warnings (some confirmed), campaigns, sales
opportunities in every state, targets, contracts and sales returns — written straight
into the tables with `INSERT … SELECT` from DataFrames, as the synthetic generator does,
so 100k customers and 200k tickets take seconds. Used by tests/engine/test_reports*.py
and bench/bench_reports.py.

Org tree (team ids): Head office [1] — director `dong.li`, service `sun.li`, marketing
`ma.lan`, finance `cai.wu`; East sales [2] (supervisor `zhang.wei`) with Shanghai [3]
(supervisor-less, reps only); West sales [4] (supervisor `chen.hua`). Reps `rep0`… are
spread over teams 2, 3 and 4.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crm_engine import CRM
from crm_engine.scenario import synthetic

TODAY = dt.date(2026, 3, 2)
SERVICE_TYPES = ["consultation", "suggestion", "complaint", "repair", "other"]
CHURN_REASONS = ["price", "competitor", "service", "quality", "closed", "no_need", "other"]
STAGES = ["initial_contact", "intent_confirmed", "proposal", "negotiation"]
SOURCES = ["call_center", "campaign", "website", "referral", "trade_show", "cold_call"]


def build(customers: int, orders: int, tickets: int, *, reps: int = 9, seed: int = 7, path=None) -> CRM:
    """A workspace (in memory, or a new file at `path`) with the company and its history."""
    crm = CRM.create(path, today=TODAY.isoformat()) if path else CRM.memory(today=TODAY.isoformat())
    # Inserting millions of rows takes seconds; DuckDB would draw progress bars over the output.
    crm._s.db.con.execute("SET enable_progress_bar = false")
    east = crm.admin.add_team("East sales")
    shanghai = crm.admin.add_team("Shanghai", parent=east)
    west = crm.admin.add_team("West sales")
    for username, name, role, team in [("dong.li", "Dong Li", "director", 1), ("sun.li", "Sun Li", "service_staff", 1),
                                       ("ma.lan", "Ma Lan", "marketing", 1), ("cai.wu", "Cai Wu", "finance", 1),
                                       ("zhang.wei", "Zhang Wei", "supervisor", east),
                                       ("chen.hua", "Chen Hua", "supervisor", west)]:
        crm.admin.add_user(username, name, role=role, team=team)
    teams = [east, shanghai, west]
    rep_ids = [crm.admin.add_user(f"rep{i}", f"Rep {i}", role="account_manager", team=teams[i % 3]).id
               for i in range(reps)]
    for i in range(8):
        crm.products.add(f"P{i:02d}", f"Product {i}", price=150 + 400 * i)
    products = crm.products.list()[["id", "price"]].astype({"price": float})
    db = crm._s.db
    with db.transaction():
        synthetic.generate(db, customers=customers, orders=orders, seed=seed, today=TODAY, owners=rep_ids,
                           products=products)
        activity(db, np.random.default_rng(seed + 1), tickets=tickets, reps=rep_ids,
                 staff=[crm.as_user("sun.li").user.id], marketing=crm.as_user("ma.lan").user.id)
    return crm


def _days(rng, n, lo: dt.date, hi: dt.date) -> np.ndarray:
    span = max((hi - lo).days, 1)
    return np.datetime64(lo) + rng.integers(0, span + 1, n).astype("timedelta64[D]")


def activity(db, rng: np.random.Generator, *, tickets: int, reps: list[int], staff: list[int], marketing: int) -> None:
    """Tickets, churn, campaigns, opportunities, targets, contracts and returns for the customers in `db`."""
    cards = db.df("SELECT id, owner_id, created_on FROM customers ORDER BY id")
    n_customers = len(cards)
    ids = cards["id"].to_numpy()
    created = cards["created_on"].to_numpy().astype("datetime64[D]")
    today = np.datetime64(TODAY)

    # -- service tickets: some customers call a lot -----------------------------------------
    weights = rng.pareto(2.0, n_customers) + 1
    who = rng.choice(n_customers, tickets, p=weights / weights.sum())
    age = (today - created[who]).astype(int)
    opened = created[who] + (rng.random(tickets) * np.maximum(age, 0)).astype(int).astype("timedelta64[D]")
    state = rng.choice(["new", "assigned", "handled", "archived"], tickets, p=[0.08, 0.1, 0.07, 0.75])
    took = rng.integers(0, 40, tickets).astype("timedelta64[D]")
    archived_on = np.where(state == "archived", np.minimum(opened + took, today), np.datetime64("NaT"))
    satisfaction = np.where(state == "archived", rng.integers(3, 6, tickets),
                            np.where((state == "assigned") & (rng.random(tickets) < 0.4), rng.integers(1, 3, tickets), -1))
    handlers = np.asarray(staff + reps)
    frame = pd.DataFrame({
        "id": np.arange(1, tickets + 1), "customer_id": ids[who],
        "service_type": rng.choice(SERVICE_TYPES, tickets, p=[0.4, 0.15, 0.2, 0.2, 0.05]),
        "state": state, "created_on": opened,
        "assigned_to": np.where(state == "new", -1, rng.choice(handlers, tickets)),
        "satisfaction": satisfaction, "archived_on": archived_on,
    })
    _insert(db, frame, """INSERT INTO tickets (id, customer_id, service_type, subject, request, state, created_on,
                              created_by, assigned_to, attempts, satisfaction, archived_on)
                          SELECT id, customer_id, service_type, 'Ticket ' || id, 'Request', state, created_on::DATE, 1,
                                 nullif(assigned_to, -1), CASE WHEN state = 'new' THEN 0 ELSE 1 END,
                                 nullif(satisfaction, -1), archived_on::DATE FROM frame""")

    # -- churn: about 8 % of customers warned, a third of those confirmed lost --------------
    warned = rng.choice(n_customers, max(1, n_customers * 8 // 100), replace=False)
    k = len(warned)
    w_state = rng.choice(["warning", "suspended", "churned"], k, p=[0.35, 0.3, 0.35])
    raised = _days(rng, k, TODAY - dt.timedelta(days=900), TODAY - dt.timedelta(days=10))
    raised = np.maximum(raised, created[warned] + np.timedelta64(1, "D"))
    raised = np.minimum(raised, today)
    closed = np.minimum(raised + rng.integers(5, 90, k).astype("timedelta64[D]"), today)
    frame = pd.DataFrame({"id": np.arange(1, k + 1), "customer_id": ids[warned], "state": w_state,
                          "raised_on": raised, "reference_date": raised - np.timedelta64(190, "D"),
                          "reason": np.where(w_state == "churned", rng.choice(CHURN_REASONS, k), None),
                          "closed_on": np.where(w_state == "churned", closed, np.datetime64("NaT"))})
    _insert(db, frame, """INSERT INTO churn_warnings (id, customer_id, state, raised_on, reference_date, reason,
                              closed_on, updated_on)
                          SELECT id, customer_id, state, raised_on::DATE, reference_date::DATE, reason,
                                 closed_on::DATE, coalesce(closed_on, raised_on)::DATE FROM frame""")
    db.execute("UPDATE customers SET status = 'lost' WHERE id IN (SELECT customer_id FROM churn_warnings "
               "WHERE state = 'churned')")

    # -- campaigns and opportunities ------------------------------------------------------------
    n_campaigns = 12
    camp = pd.DataFrame({"id": np.arange(1, n_campaigns + 1),
                         "campaign_type": rng.choice(["trade_show", "seminar", "online_ad", "email"], n_campaigns),
                         "state": rng.choice(["active", "completed"], n_campaigns),
                         "budget": rng.integers(10, 100, n_campaigns) * 1000.0,
                         "cost": np.where(np.arange(n_campaigns) == 0, 0.0, rng.integers(5, 120, n_campaigns) * 1000.0),
                         "start_date": _days(rng, n_campaigns, TODAY - dt.timedelta(days=700), TODAY)})
    _insert(db, camp, f"""INSERT INTO campaigns (id, name, campaign_type, state, owner_id, start_date, budget, cost,
                              expected_revenue, created_on, created_by)
                          SELECT id, 'Campaign ' || id, campaign_type, state, {int(marketing)}, start_date::DATE,
                                 budget, cost, budget * 5, start_date::DATE, {int(marketing)} FROM frame""")
    n_opps = max(20, n_customers // 5)
    o_state = rng.choice(["unassigned", "assigned", "succeeded", "failed"], n_opps, p=[0.1, 0.35, 0.3, 0.25])
    o_created = _days(rng, n_opps, TODAY - dt.timedelta(days=720), TODAY - dt.timedelta(days=1))
    o_closed = np.minimum(o_created + rng.integers(1, 120, n_opps).astype("timedelta64[D]"), today)
    expected = np.round(rng.lognormal(np.log(50_000), 0.8, n_opps), 2)
    opp = pd.DataFrame({
        "id": np.arange(1, n_opps + 1), "source": rng.choice(SOURCES, n_opps), "state": o_state,
        "stage": np.where(o_state == "assigned", rng.choice(STAGES, n_opps), None),
        "owner_id": rng.choice(np.asarray(reps), n_opps), "created_on": o_created,
        "expected_amount": expected, "probability": rng.integers(1, 10, n_opps) * 10,
        "campaign_id": np.where(rng.random(n_opps) < 0.4, rng.integers(1, n_campaigns + 1, n_opps), -1),
        "closed_on": np.where(np.isin(o_state, ["succeeded", "failed"]), o_closed, np.datetime64("NaT")),
        "won_amount": np.where(o_state == "succeeded", np.round(expected * rng.uniform(0.6, 1.2, n_opps), 2), np.nan),
        "lost_reason": np.where(o_state == "failed", "price", None),
    })
    _insert(db, opp, """INSERT INTO opportunities (id, source, customer_name, summary, expected_amount, probability,
                            state, stage, owner_id, assigned_on, campaign_id, closed_on, won_amount, lost_reason,
                            created_on, created_by)
                        SELECT id, source, 'Prospect ' || id, 'Deal ' || id, expected_amount, probability, state, stage,
                               owner_id, CASE WHEN state <> 'unassigned' THEN created_on::DATE END,
                               nullif(campaign_id, -1), closed_on::DATE, won_amount, lost_reason, created_on::DATE,
                               owner_id FROM frame""")

    # -- targets: every rep, the last six months --------------------------------------------------
    months = pd.period_range(end=pd.Period(TODAY, "M"), periods=6, freq="M")
    grid = pd.DataFrame([(r, m) for r in reps for m in months], columns=["user_id", "month"])
    grid["id"] = np.arange(1, len(grid) + 1)
    grid["period"] = grid["month"].astype(str)
    grid["start"] = grid["month"].dt.start_time
    grid["end"] = grid["month"].dt.end_time.dt.normalize()
    grid["amount"] = rng.integers(5, 40, len(grid)) * 10_000.0
    _insert(db, grid.drop(columns="month"), """
        INSERT INTO targets (id, user_id, period, period_start, period_end, metric, amount, set_by, set_on)
        SELECT id, user_id, period, start::DATE, "end"::DATE, 'order_amount', amount, 1, start::DATE FROM frame""")

    # -- contracts and sales returns ---------------------------------------------------------------
    n_contracts = max(10, n_customers // 10)
    buyer = rng.choice(n_customers, n_contracts)
    k_status = rng.choice(["draft", "signed", "fulfilled", "cancelled"], n_contracts, p=[0.1, 0.4, 0.4, 0.1])
    signed = np.maximum(_days(rng, n_contracts, TODAY - dt.timedelta(days=900), TODAY), created[buyer])
    contracts = pd.DataFrame({"id": np.arange(1, n_contracts + 1), "customer_id": ids[buyer],
                              "owner_id": cards["owner_id"].to_numpy()[buyer], "status": k_status,
                              "amount": np.round(rng.lognormal(np.log(80_000), 0.7, n_contracts), 2),
                              "signed_on": np.where(k_status == "draft", np.datetime64("NaT"), signed)})
    _insert(db, contracts, """INSERT INTO contracts (id, contract_no, customer_id, owner_id, title, amount,
                                  payment_terms, status, signed_on, created_on, created_by)
                              SELECT id, 'HT' || id, customer_id, owner_id, 'Contract ' || id, amount, 30, status,
                                     signed_on::DATE, coalesce(signed_on, DATE '2024-01-01')::DATE, 1 FROM frame""")
    n_returns = max(10, n_customers // 12)
    back = rng.choice(n_customers, n_returns)
    returned = np.maximum(_days(rng, n_returns, TODAY - dt.timedelta(days=900), TODAY), created[back])
    frame = pd.DataFrame({"id": np.arange(1, n_returns + 1), "customer_id": ids[back], "returned_on": returned,
                          "amount": np.round(rng.lognormal(np.log(1_500), 0.8, n_returns), 2)})
    _insert(db, frame, """INSERT INTO sales_returns (id, return_no, shipment_id, customer_id, returned_on, reason,
                              amount, created_by)
                          SELECT id, 'TH' || id, id, customer_id, returned_on::DATE, 'quality', amount, 1 FROM frame""")


def _insert(db, frame: pd.DataFrame, sql: str) -> None:
    with db.registered("frame", frame):
        db.execute(sql)


def frames(crm: CRM) -> dict[str, pd.DataFrame]:
    """The tables the reports read, as plain DataFrames (amounts as floats), for pandas cross-checks."""
    db = crm._s.db
    return {
        "customers": db.df("SELECT * REPLACE (assets::DOUBLE AS assets, credit_limit::DOUBLE AS credit_limit) "
                           "FROM customers"),
        "orders": db.df("SELECT * REPLACE (amount::DOUBLE AS amount) FROM orders"),
        "contracts": db.df("SELECT * REPLACE (amount::DOUBLE AS amount) FROM contracts"),
        "returns": db.df("SELECT * REPLACE (amount::DOUBLE AS amount) FROM sales_returns"),
        "tickets": db.df("SELECT * FROM tickets"),
        "churn": db.df("SELECT * FROM churn_warnings"),
        "opportunities": db.df("SELECT * REPLACE (expected_amount::DOUBLE AS expected_amount, "
                               "won_amount::DOUBLE AS won_amount) FROM opportunities"),
        "campaigns": db.df("SELECT * REPLACE (budget::DOUBLE AS budget, cost::DOUBLE AS cost, "
                           "expected_revenue::DOUBLE AS expected_revenue) FROM campaigns"),
        "users": db.df("SELECT * FROM users"),
        "dictionary": db.df("SELECT * FROM dictionary"),
    }
