"""The scenario clock makes things happen: the same world however the days are grouped, the
scenario's events on their days, customers lapsing and warned on the right day, a workspace that
keeps simulating after it is reopened."""
import datetime as dt

import pytest

from crm_engine import CRM, NotAllowed, NotFound
from crm_engine.customers.churn import cutoff
from crm_engine.scenario import builtin

from .scenario_helpers import count, invariants, tables

DAY0 = dt.date(2026, 3, 2)


def make(path, customers=150, name="hardware_distributor"):
    return builtin(name).scaled(customers).create(path, student="clock")


def world(crm) -> dict:
    """The tables, without the audit trail (it records how the clock was moved, by design)."""
    return {name: rows for name, rows in tables(crm).items() if name != "audit"}


def test_advancing_at_once_or_day_by_day_gives_the_same_world(tmp_path):
    crms = [make(tmp_path / f"{k}.duckdb") for k in range(3)]
    for crm in crms:                              # students act before the clock moves, the same way
        warning = int(crm.churn.list(state="open")["id"].iloc[0])
        owner = crm.as_user(int(crm.churn.get(warning).owner_id))
        owner.churn.suspend(warning, "Visited the owner, asked why; offered a 5% discount")
    crms[0].simulation.advance(14)
    for _ in range(14):
        crms[1].simulation.advance(1)
    crms[2].simulation.advance(5)
    crms[2].simulation.advance_to(DAY0 + dt.timedelta(days=14))
    first = world(crms[0])
    assert count(crms[0], "SELECT count(*) FROM orders WHERE order_date > ?", [DAY0]) > 0
    assert world(crms[1]) == first
    assert world(crms[2]) == first


def test_the_scenario_s_events_happen_on_their_days(tmp_path):
    crm = make(tmp_path / "e.duckdb")
    li = crm.as_user("li.ming")
    assert "March priorities" in set(li.notices.board()["title"])            # day 0, when it was generated
    show = crm.campaigns.list().set_index("name").loc["Spring IT trade show"]
    assert show["state"] == "planned"
    crm.simulation.advance(5)
    hospital = crm.opportunities.list(search="Hangzhou People's Hospital")
    assert len(hospital) == 1 and hospital["created_on"].iloc[0].date() == DAY0 + dt.timedelta(days=5)
    assert hospital["state"].iloc[0] == "unassigned"
    crm.simulation.advance(9)                                                 # day 14
    show = crm.campaigns.list().set_index("name").loc["Spring IT trade show"]
    assert show["state"] == "completed" and float(show["cost"]) == pytest.approx(80_000, rel=0.01)
    from_show = crm.sql("SELECT l.created_on, count(*) AS n FROM leads l JOIN campaigns c ON c.id = l.campaign_id "
                        "WHERE c.name = 'Spring IT trade show' GROUP BY 1")
    assert set(from_show["created_on"].dt.date) <= {DAY0 + dt.timedelta(days=d) for d in range(8, 13)}
    assert from_show["n"].sum() >= 15                                         # about 6 a day for 5 days
    complaints = crm.sql("SELECT count(*) AS n FROM tickets t JOIN customers c ON c.id = t.customer_id "
                         "WHERE t.created_on = ? AND t.service_type = 'complaint' AND c.region = 'east'",
                         [DAY0 + dt.timedelta(days=12)])
    assert complaints["n"].item() >= 4
    crm.simulation.advance(6)                                                 # day 20: a competitor in the south
    lapsed = crm.sql("SELECT count(*) AS n FROM scenario_traits t JOIN customers c ON c.id = t.record_id "
                     "WHERE t.kind = 'customer' AND t.lapse_on = ? AND c.region = 'south'",
                     [DAY0 + dt.timedelta(days=20)])
    assert lapsed["n"].item() >= 1
    log = crm.simulation.log()
    assert {"orders", "tickets", "calls", "leads", "event:opportunity", "event:complaints"} <= set(log["what"])
    assert invariants(crm) == {}


def test_customers_drift_away_and_are_warned_on_the_day_they_cross_the_line(tmp_path):
    crm = make(tmp_path / "d.duckdb", customers=300)
    before = set(crm.churn.list()["id"])
    report = crm.simulation.advance(60)
    assert report.warnings_raised > 0 and report.lapsed >= 0
    new = crm.churn.list()
    new = new[~new["id"].isin(before)]
    drifting = set(crm.sql("SELECT record_id FROM scenario_traits WHERE pattern = 'drifting'")["record_id"])
    assert len(set(new["customer_id"]) & drifting) >= 1                     # the drifting ones are caught
    for row in new.itertuples():                                              # each on its first day due
        raised, reference = row.raised_on.date(), row.reference_date.date()
        assert reference < cutoff(raised, 6) and reference >= cutoff(raised - dt.timedelta(days=1), 6)
    assert not (set(crm.churn.list(state="open")["customer_id"]) - set(new["customer_id"]) -
                set(crm.sql("SELECT customer_id FROM churn_warnings WHERE id IN (SELECT unnest(?))",
                            [list(before)])["customer_id"]))


def test_scan_at_the_end_only_dates_every_new_warning_on_the_last_day(tmp_path):
    crm = make(tmp_path / "s.duckdb", customers=300)
    before = set(crm.churn.list()["id"])
    crm.simulation.advance(40, scan="end")
    raised = crm.churn.list()
    raised = raised[~raised["id"].isin(before)]
    assert len(raised) and set(raised["raised_on"].dt.date) == {DAY0 + dt.timedelta(days=40)}


def test_a_won_deal_s_customer_starts_ordering(tmp_path):
    crm = make(tmp_path / "w.duckdb", customers=80)
    boss = crm.as_user("zhang.wei")
    won = None
    for k in range(12):
        opp = boss.opportunities.add(f"Won Prospect {k}", "30 × Office desktop", expected_amount=120_000,
                                     probability=10)
        boss.opportunities.assign(opp.id, to="li.ming")
        li = crm.as_user("li.ming")
        step = li.opportunities.add_step(opp.id, crm.today(), "Negotiate terms")
        if li.simulation.outcome_of_step(opp.id, step, record=True).decision == "won":
            won = li.opportunities.succeed(opp.id)
            break
    assert won is not None
    crm.simulation.advance(90)
    trait = crm.simulation.traits("customer").set_index("record_id").loc[won.customer_id]
    assert trait["pattern"] == "won" and trait["rate"] > 0
    assert len(crm.orders.list(customer_id=won.customer_id)) >= 1


def test_a_reopened_workspace_keeps_simulating_and_rights_hold(tmp_path):
    path = tmp_path / "r.duckdb"
    make(path, customers=60).close()
    with CRM.open(path, keep_open=False) as crm:
        assert crm.simulation.info().student == "clock"
        with pytest.raises(NotAllowed):
            crm.as_user("li.ming").simulation.advance(1)
        report = crm.as_user("dong.li").simulation.advance(3)
        assert report.end == DAY0 + dt.timedelta(days=3) and crm.today() == report.end
        assert "orders" in str(report) and "订单" in str(report.__class__(**{**report.__dict__, "language": "zh_CN"}))
    with CRM.memory(today="2026-03-02") as plain:
        with pytest.raises(NotFound) as missing:
            plain.simulation.advance(1)
        assert "crm.clock.advance" in missing.value.message("zh_CN")


def test_advancing_the_scenario_returns_idle_leads_to_the_pool(tmp_path):
    """O6 without anyone clicking: the scenario's advance moves the clock, and every move sweeps
    the leads idle for more than `lead_pool_days` back to the pool, each on the day it crossed."""
    crm = make(tmp_path / "pool.duckdb")
    li = crm.as_user("li.ming")
    pool = crm.leads.pool()
    claimed = [int(i) for i in pool["id"].iloc[:2]]
    for lead_id in claimed:
        li.leads.claim(lead_id)
    crm.admin.set_setting("lead_pool_days", 3)
    crm.simulation.advance(6)
    for lead_id in claimed:
        lead = crm.leads.get(lead_id)
        assert lead.in_pool and lead.last_activity_on == DAY0 + dt.timedelta(days=4)
    idle = count(crm, "SELECT count(*) FROM leads WHERE owner_id IS NOT NULL AND state IN ('pending', 'following') "
                      "AND last_activity_on < ?::DATE - 3", [crm.today()])
    assert idle == 0
    assert len(crm.audit.list(kind="lead", action="recycle")) >= 1
