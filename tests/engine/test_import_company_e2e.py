"""End to end (issue 19): a generated CRM export — ~100 accounts, 35 agents under 6 managers in 3
offices, 7 products (one spelled two ways), ~9,000 opportunities with dd-mm-yy and ISO dates —
imported with the command line, then every sales figure checked against pandas on the raw files."""
import pandas as pd
import pytest
from click.testing import CliRunner

from crm_engine import CRM
from crm_engine.cli import main
from crm_engine.scenario import sample_export as company_export

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    tables = company_export.build()
    company_export.owner_usernames(tables)
    paths = company_export.write(folder, tables)
    workspace = str(folder / "company.duckdb")
    made = CliRunner().invoke(main, ["new", workspace, "--company", "Sales Lab Inc.", "--today", company_export.TODAY])
    assert made.exit_code == 0, made.output
    outputs = {}
    for name in ("sales_teams", "products", "accounts", "sales_pipeline"):
        kind, *options = company_export.COMMANDS[name]
        result = CliRunner().invoke(main, ["import", workspace, kind, paths[name], *options])
        assert result.exit_code == 0, result.output
        outputs[name] = result.output
    return workspace, tables, outputs


def _rate(frame, by):
    closed = frame[frame["deal_stage"].isin(["Won", "Lost"])]
    won = closed["deal_stage"].eq("Won").groupby(closed[by]).sum()
    total = closed.groupby(by).size()
    return (won / total).round(4)


def test_every_row_lands_and_every_column_is_accounted_for(imported):
    workspace, tables, outputs = imported
    assert "opportunities: 9000 of 9000 rows imported" in outputs["sales_pipeline"]
    assert "ignored columns: opportunity_id" in outputs["sales_pipeline"]
    assert "ignored columns: revenue, employees, subsidiary_of" in outputs["accounts"]
    assert "new codes added" in outputs["accounts"] and "united_states (United States)" in outputs["accounts"]
    assert "org tree: 9 teams, 6 supervisors and 35 account managers" in outputs["sales_teams"]
    assert "account_manager" in outputs["sales_teams"]                 # the created table, usernames included
    info = CliRunner().invoke(main, ["info", workspace])
    assert info.output.startswith("Sales Lab Inc.") and "100 customers" in info.output
    with CRM.open(workspace, read_only=True) as crm:
        assert crm.customers.count() == 100
        assert crm.opportunities.count() == 9000
        users = crm.admin.users()
        assert (users["role"] == "supervisor").sum() == 6 and (users["role"] == "account_manager").sum() == 35


def test_win_rates_match_pandas_per_agent_product_manager_and_office(imported):
    workspace, tables, _ = imported
    raw = tables["sales_pipeline"].merge(tables["sales_teams"], on="sales_agent")
    raw["product"] = raw["product"].replace({"GTXPro": "GTX Pro"})
    with CRM.open(workspace, read_only=True) as crm:
        by_agent = crm.reports.win_rate(by="owner").set_index("owner")["win_rate"]
        pd.testing.assert_series_equal(by_agent.sort_index(), _rate(raw, "sales_agent").sort_index(),
                                       check_names=False, check_dtype=False)
        by_product = crm.reports.win_rate(by="product").set_index("product")["win_rate"]
        pd.testing.assert_series_equal(by_product.sort_index(), _rate(raw, "product").sort_index(),
                                       check_names=False, check_dtype=False)
        by_team = crm.reports.win_rate(by="team").set_index("team")["win_rate"]
        managers = _rate(raw, "manager")
        for manager, rate in managers.items():
            assert by_team[f"{manager}'s team"] == rate
        for office, rate in _rate(raw, "regional_office").items():
            assert by_team[office] == rate


def test_won_revenue_per_account_and_the_funnel_match_pandas(imported):
    workspace, tables, _ = imported
    raw = tables["sales_pipeline"]
    won = raw[raw["deal_stage"] == "Won"]
    expected = won["close_value"].astype(int).groupby(won["account"]).sum().sort_index()
    with CRM.open(workspace, read_only=True) as crm:
        got = crm.sql("SELECT customer_name, sum(won_amount) AS won FROM opportunities WHERE state = 'succeeded' "
                      "GROUP BY ALL ORDER BY 1").set_index("customer_name")["won"]
        pd.testing.assert_series_equal(got.astype(int), expected, check_names=False, check_dtype=False)
        # The orders the wins made add up to the same revenue per customer.
        orders = crm.sql("SELECT c.name, sum(o.amount) AS amount FROM orders o JOIN customers c ON c.id = o.customer_id "
                         "GROUP BY ALL ORDER BY 1").set_index("name")["amount"]
        assert orders.astype(int).to_dict() == expected.to_dict()
        funnel = crm.reports.funnel().set_index("stage")
    counts = raw["deal_stage"].value_counts()
    assert funnel.loc["initial_contact", "reached"] == len(raw)
    assert funnel.loc["intent_confirmed", "reached"] == counts["Engaging"] + counts["Won"]
    assert funnel.loc["negotiation", "reached"] == counts["Won"]
    assert funnel.loc["succeeded", "reached"] == counts["Won"]
    assert funnel.loc["initial_contact", "open"] == counts["Prospecting"]
    assert funnel.loc["intent_confirmed", "open"] == counts["Engaging"]


def test_the_history_is_dated_as_it_happened(imported):
    workspace, tables, _ = imported
    raw = tables["sales_pipeline"]
    with CRM.open(workspace, read_only=True) as crm:
        closes = crm.sql("SELECT on_date, count(*) AS n FROM state_history WHERE kind = 'opportunity' AND "
                         "action IN ('succeed', 'fail') GROUP BY ALL ORDER BY 1").set_index("on_date")["n"]
        steps = crm.sql("SELECT count(*) AS n FROM plan_steps WHERE result IS NOT NULL")["n"][0]
        audit = crm.sql("SELECT count(*) AS n FROM audit WHERE kind = 'opportunity' AND action = 'create' "
                        "AND note = 'import'")["n"][0]
    closed = raw[raw["close_date"] != ""]
    expected = closed.groupby(pd.to_datetime(closed["close_date"])).size()
    assert closes.to_dict() == {k: v for k, v in expected.items()}
    assert steps == len(closed) and audit == len(raw)
