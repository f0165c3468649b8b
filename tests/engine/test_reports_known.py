"""Reports on hand-made data with answers worked out by hand (RFM, cohorts, contribution),
reports with nothing to show, and the filters' checks."""
import pandas as pd
import pytest

from crm_engine import CRM, InvalidInput, NotFound
from crm_engine.reports import REPORTS

from tests.conftest import TODAY, fresh_company

# Five customers of Li Ming (clock: 2026-03-02); product P at 100 a piece.
# customer: [(order date, quantity)]
ORDERS = {
    "C1": [("2025-12-10", 10), ("2026-01-05", 10), ("2026-01-20", 10), ("2026-02-10", 10), ("2026-03-01", 10)],
    "C2": [("2025-12-05", 10), ("2026-01-10", 10), ("2026-01-15", 10), ("2026-02-01", 10)],
    "C3": [("2025-12-01", 90)],
    "C4": [("2025-06-01", 1)],
    "C5": [("2023-12-01", 20), ("2024-01-01", 20), ("2024-02-01", 20), ("2024-03-01", 20)],
}


@pytest.fixture
def shop(crm):
    rep = crm.as_user("li.ming")
    crm.products.add("P", "Product", price=100, stock=0)
    ids = {}
    for name, orders in ORDERS.items():
        ids[name] = rep.customers.add(f"{name} Trading", region="north").id
        for day, quantity in orders:
            rep.orders.add(ids[name], [{"product": "P", "quantity": quantity}], order_date=day)
    # A cancelled order counts nowhere: C4 would otherwise be recent, frequent and in the 2026-02 cohort row.
    cancelled = rep.orders.add(ids["C4"], [{"product": "P", "quantity": 50}], order_date="2026-02-01")
    with crm._s.db.transaction():
        crm._s.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", [cancelled.id])
    rep.customers.add("C6 No Orders Yet")
    return crm, ids


def test_rfm_known_answers(shop):
    crm, ids = shop
    frame = crm.reports.rfm().set_index("customer_name")
    # n = 5, so a score is the rank (ties share the lowest): R by last order, F by count, M by amount.
    # Segments compare with the averages: recency 1126 / 5 = 225.2 days, frequency 15 / 5 = 3 orders,
    # monetary 26,100 / 5 = 5,220 — R high below 225.2 days, F high above 3, M high above 5,220.
    expected = {
        #            recency  F  M       R  F  M  segment
        "C1 Trading": (1, 5, 5000.0, 5, 5, 3, "general_value"),           # recent, frequent, below-average amount
        "C2 Trading": (29, 4, 4000.0, 4, 3, 2, "general_value"),
        "C3 Trading": (91, 1, 9000.0, 3, 1, 5, "important_development"),  # recent, one big order
        "C4 Trading": (274, 1, 100.0, 2, 1, 1, "general_winback"),
        "C5 Trading": (731, 4, 8000.0, 1, 3, 4, "important_retention"),   # frequent and big, silent for two years
    }
    got = {name: (r.recency_days, r.frequency, r.monetary, r.r_score, r.f_score, r.m_score, r.segment)
           for name, r in frame.iterrows()}
    assert got == expected
    assert frame.loc["C1 Trading", "rfm"] == "553"
    assert frame.loc["C5 Trading", "segment_label"] == "Important retention customers"
    segments = crm.reports.rfm_segments().set_index("segment")
    assert segments["customers"].to_dict() == {"important_value": 0, "important_development": 1,
                                               "important_retention": 1, "important_winback": 0,
                                               "general_value": 2, "general_development": 0,
                                               "general_retention": 0, "general_winback": 1}
    assert segments.loc["important_retention", "monetary_total"] == 8000.0


def test_rfm_segment_labels_in_chinese(shop):
    crm, _ = shop
    crm.set_language("zh_CN")
    frame = crm.reports.rfm().set_index("customer_name")
    assert frame.loc["C5 Trading", "segment_label"] == "重要保持客户"
    assert crm.reports.rfm_segments()["label"].tolist() == [
        "重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户", "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"]


def test_rfm_as_of_an_earlier_day(shop):
    crm, _ = shop
    frame = crm.reports.rfm(as_of="2024-12-31").set_index("customer_name")
    # Only C5 had ordered by then: alone, it is top of everything.
    assert frame.index.tolist() == ["C5 Trading"]
    assert frame.loc["C5 Trading", ["recency_days", "r_score", "f_score", "m_score"]].tolist() == [305, 1, 1, 1]


def test_cohorts_known_answers(shop):
    crm, _ = shop
    frame = crm.reports.cohorts(since="2025-01-01")
    got = {(r.cohort, r.months_since): (r.customers, r.active) for r in frame.itertuples()}
    expected = {("2025-06", m): (1, 1 if m == 0 else 0) for m in range(10)}        # C4, June 2025 → March 2026
    expected.update({("2025-12", 0): (3, 3), ("2025-12", 1): (3, 2), ("2025-12", 2): (3, 2), ("2025-12", 3): (3, 1)})
    assert got == expected
    assert frame.loc[(frame["cohort"] == "2025-12") & (frame["months_since"] == 1), "retention"].item() == pytest.approx(2 / 3)
    every = crm.reports.cohorts(months=3)
    assert every[every["cohort"] == "2023-12"]["active"].tolist() == [1, 1, 1, 1]     # C5: Dec → Mar, then gone
    assert every["months_since"].max() == 3


def test_contribution_known_answers(shop):
    crm, ids = shop
    frame = crm.reports.contribution(year=2026)
    # 2026: C1 ordered on Jan 5, Jan 20, Feb 10, Mar 1 (4 × 1000); C2 on Jan 10, Jan 15, Feb 1 (3 × 1000).
    assert frame["customer_name"].tolist() == ["C1 Trading", "C2 Trading"]
    assert frame["net_amount"].tolist() == [4000.0, 3000.0]
    assert frame["share"].tolist() == pytest.approx([4 / 7, 3 / 7])
    assert frame["cumulative_share"].tolist() == pytest.approx([4 / 7, 1.0])
    everything = crm.reports.contribution()
    assert everything.set_index("customer_name")["orders"].to_dict() == {
        "C3 Trading": 1, "C5 Trading": 4, "C1 Trading": 5, "C2 Trading": 4, "C4 Trading": 1}
    assert everything["rank"].tolist() == [1, 2, 3, 4, 5]


def test_contribution_subtracts_returns_and_adds_contracts(shop):
    crm, ids = shop
    db = crm._s.db
    with db.transaction():
        db.execute("INSERT INTO sales_returns (id, return_no, shipment_id, customer_id, returned_on, reason, amount, "
                   "created_by) VALUES (1, 'R1', 1, ?, DATE '2026-02-15', 'quality', 1500, 1)", [ids["C1"]])
        db.execute("INSERT INTO contracts (id, contract_no, customer_id, owner_id, title, amount, payment_terms, status, "
                   "signed_on, created_on, created_by) VALUES (1, 'K1', ?, 1, 'Deal', 700, 30, 'signed', "
                   "DATE '2026-01-03', DATE '2026-01-03', 1), (2, 'K2', ?, 1, 'Draft', 9999, 30, 'draft', NULL, "
                   "DATE '2026-01-03', 1)", [ids["C2"], ids["C2"]])
    frame = crm.reports.contribution(year=2026).set_index("customer_name")
    assert frame.loc["C1 Trading", ["order_amount", "returned", "net_amount"]].tolist() == [4000.0, 1500.0, 2500.0]
    assert frame.loc["C2 Trading", ["contract_amount", "net_amount"]].tolist() == [700.0, 3700.0]


def test_every_report_says_when_there_is_nothing_to_show(crm):
    """The shared company: five customers without orders, no tickets, churn, opportunities or targets."""
    crm.set_language("zh_CN")
    calls = {"contribution": {}, "service_analysis": {}, "churn_analysis": {}, "funnel": {}, "win_rate": {},
             "pipeline": {}, "campaign_roi": {}, "attainment": {}, "leaderboard": {"period": "2026-03"}, "rfm": {},
             "rfm_segments": {}, "cohorts": {}}
    for report, params in calls.items():
        frame = getattr(crm.reports, report)(**params)
        assert frame.empty and len(frame.columns) >= 4, report
        assert frame.attrs["report"] == report
        assert frame.attrs["empty_message"].startswith("暂无数据"), report
    assert crm.reports.composition().attrs["empty_message"] is None       # five customers: something to show
    fresh = CRM.memory(today=TODAY)
    for report in ("composition", "churn_rate"):
        frame = getattr(fresh.reports, report)()
        assert frame.empty and frame.attrs["empty_message"].startswith("Nothing to show"), report
    assert set(calls) | {"composition", "churn_rate"} == set(REPORTS)


def test_empty_reports_keep_their_columns(crm):
    assert list(crm.reports.contribution().columns) == [
        "rank", "customer_id", "customer_name", "owner_id", "owner_name", "region", "level", "orders", "order_amount",
        "contract_amount", "returned", "net_amount", "share", "cumulative_share"]
    assert list(crm.reports.cohorts().columns) == ["cohort", "months_since", "customers", "active", "retention"]
    assert list(crm.reports.rfm_segments().columns) == ["segment", "label", "customers", "share", "recency_days",
                                                        "frequency", "monetary", "monetary_total"]


@pytest.fixture(scope="module")
def company():
    """The shared company, built once for the read-only checks below."""
    crm = fresh_company()
    yield crm
    crm.close()


@pytest.mark.parametrize("call,error", [
    (lambda r: r.composition("colour"), InvalidInput),
    (lambda r: r.contribution(region="atlantis"), InvalidInput),
    (lambda r: r.contribution(top=0), InvalidInput),
    (lambda r: r.contribution(year="last year"), InvalidInput),
    (lambda r: r.contribution(since="03/01/2026"), InvalidInput),
    (lambda r: r.contribution(team=99), NotFound),
    (lambda r: r.composition(owner="nobody"), NotFound),
    (lambda r: r.service_analysis("week"), InvalidInput),
    (lambda r: r.service_analysis(by="colour"), InvalidInput),
    (lambda r: r.service_analysis(service_type="gossip"), InvalidInput),
    (lambda r: r.churn_analysis("weather"), InvalidInput),
    (lambda r: r.churn_rate(None), InvalidInput),
    (lambda r: r.rfm(segment="vip"), InvalidInput),
    (lambda r: r.cohorts(months=-1), InvalidInput),
    (lambda r: r.composition(status="sleeping"), InvalidInput),
])
def test_bad_filters_are_refused_with_the_projects_errors(company, call, error):
    with pytest.raises(error) as raised:
        call(company.reports)
    assert "Traceback" not in str(raised.value) and str(raised.value)


def test_report_errors_come_in_the_sessions_language(crm):
    crm.set_language("zh_CN")
    with pytest.raises(InvalidInput, match="分组方式"):
        crm.reports.composition("colour")


def test_reports_work_on_a_read_only_workspace(workspace_file):
    with CRM.open(workspace_file, read_only=True) as crm:
        assert crm.reports.composition("region")["customers"].sum() == 5
        assert crm.reports.rfm().empty


def test_reports_respect_a_changed_sharing_policy(crm):
    """Whatever the policy, it holds in every report (A2): with the "open" preset a rep reads every card."""
    rep = crm.as_user("li.ming")
    assert rep.reports.composition("region")["customers"].sum() == 2
    crm.admin.apply_preset("open")
    assert rep.reports.composition("region")["customers"].sum() == 5
    assert pd.Series(rep.reports.composition("owner")["label"]).tolist() == ["Li Ming", "Wang Fang", "Zhao Lei",
                                                                            "Liu Yang"]


def test_reports_export_like_any_list_scoped_and_audited(shop, tmp_path):
    crm, ids = shop
    rep = crm.as_user("wang.fang")                  # owns none of the shop's customers
    assert rep.exports.write("report_contribution", tmp_path / "mine.csv", year=2026) == 0
    rows = crm.exports.write("report_contribution", tmp_path / "all.xlsx", year=2026, top=1)
    assert rows == 1
    frame = pd.read_excel(tmp_path / "all.xlsx")
    assert frame["customer_name"].tolist() == ["C1 Trading"]
    audit = crm.audit.list(kind="report_contribution", action="export")
    assert len(audit) == 2 and audit["note"].tolist() == ["mine.csv", "all.xlsx"]
    assert crm.exports.write("report_rfm", tmp_path / "rfm.csv") == 5
