"""Bulk imports of a whole company (issue 19): the org chart from a roster, opportunities with their
history, value maps and codes, every refusal leaving the workspace unchanged."""
import pandas as pd
import pytest

from crm_engine import InvalidInput, NotAllowed
from tests.engine.helpers import snapshot

ROSTER = pd.DataFrame({
    "sales_agent": ["Anna Snelling", "Cecily Lampkin", "Versie Hillebrand", "Zoé Ürban", "", "Anna Snelling"],
    "manager": ["Dustin Brinkmann", "Dustin Brinkmann", "Cara Losch", "Melvin Marxen", "X", "Cara Losch"],
    "regional_office": ["Central", "Central", "East", "West", "West", "East"],
    "hobby": list("abcdef"),
})
PIPELINE = pd.DataFrame({
    "sales_agent": ["Anna Snelling", "Anna Snelling", "Versie Hillebrand", "Versie Hillebrand", "Nobody", "Anna Snelling"],
    "product": ["NB-14", "GTXPro", "GTX Pro", "", "NB-14", "Teapot"],
    "account": ["Acme", "Acme", "Betasoft", "Star Tech", "Acme", "Acme"],
    "deal_stage": ["Won", "Lost", "Engaging", "Prospecting", "Won", "Won"],
    "engage_date": ["20-10-16", "21-10-16", "22-10-16", "", "01-11-16", "01-11-16"],
    "close_date": ["2016-11-01", "2016-11-05", "", "", "2016-12-01", "2016-12-01"],
    "close_value": ["1054", "0", "", "", "5", "5"],
})
MAP = {"sales_agent": "owner", "deal_stage": "stage", "engage_date": ["created", "assigned"], "close_date": "closed",
       "close_value": "amount"}
DATES = {"created": "%d-%m-%y", "assigned": "%d-%m-%y"}


@pytest.fixture
def company(crm):
    crm.imports.users(ROSTER)
    crm.products.add("GTXP", "GTX Pro", price=4821, category="hardware")
    return crm


def test_a_roster_becomes_teams_under_offices_supervisors_and_account_managers(crm):
    report = crm.imports.users(ROSTER)
    assert (report.total, report.imported) == (6, 4)
    assert report.rejected["line"].tolist() == [6, 7]
    assert "empty" in report.rejected.loc[0, "reason"] and "duplicate" in report.rejected.loc[1, "reason"]
    assert report.ignored == ("hobby",)
    teams = crm.admin.teams().set_index("name")
    assert teams.loc["Central", "parent_id"] == 1
    assert teams.loc["Dustin Brinkmann's team", "parent_id"] == teams.loc["Central", "id"]
    users = crm.admin.users().set_index("username")
    assert users.loc["dustin.brinkmann", "role"] == "supervisor"
    assert users.loc["zoe.urban", "role"] == "account_manager"      # derived: folded to ASCII
    assert users.loc["anna.snelling", "team_id"] == teams.loc["Dustin Brinkmann's team", "id"]
    assert set(report.created["username"].dropna()) >= {"anna.snelling", "cara.losch"}
    assert (crm.audit.list(kind="user")["action"] == "create").sum() >= 7


def test_usernames_repeat_with_a_number_and_teams_are_reused(crm):
    crm.imports.users(ROSTER.iloc[:2])
    again = pd.DataFrame({"sales_agent": ["Anna  Snelling!"], "manager": ["Dustin Brinkmann"],
                          "regional_office": ["Central"]})
    report = crm.imports.users(again)
    assert report.imported == 1
    users = crm.admin.users().set_index("username")
    assert users.loc["anna.snelling.2", "name"] == "Anna  Snelling!"
    assert (crm.admin.teams()["name"] == "Central").sum() == 1


def test_only_admin_or_director_imports_the_org_chart_and_nothing_changes(crm):
    before = snapshot(crm)
    with pytest.raises(NotAllowed):
        crm.as_user("zhang.wei").imports.users(ROSTER)
    with pytest.raises(InvalidInput, match="sales_agent"):
        crm.imports.users(pd.DataFrame({"agent": ["A"]}))
    assert snapshot(crm) == before
    assert crm.as_user("dong.li").imports.teams(ROSTER).imported == 6


def test_opportunities_are_imported_with_their_history(company):
    crm = company
    report = crm.imports.opportunities(PIPELINE, mapping=MAP, values={"product": {"GTXPro": "GTX Pro"}},
                                       date_format=DATES)
    assert report.imported == 4
    reasons = report.rejected.set_index("line")["reason"]
    assert "Nobody" in reasons[6]
    assert "Teapot" in reasons[7] and "GTXP (GTX Pro)" in reasons[7]     # the valid products named
    deals = crm.opportunities.list().set_index("id")
    won = deals[deals["state"] == "succeeded"].iloc[0]
    assert won.closed_on.date().isoformat() == "2016-11-01" and float(won.won_amount) == 1054
    history = crm.opportunities.history(int(won.name))
    assert history["action"].tolist() == ["create", "assign", "succeed"]
    assert history["on_date"].dt.date.astype(str).tolist() == ["2016-10-20", "2016-10-20", "2016-11-01"]
    assert history["user_name"].tolist()[1] == "Dustin Brinkmann"       # the agent's supervisor assigned it
    steps = crm.sql(f"SELECT count(*) AS n FROM plan_steps WHERE opportunity_id = {int(won.name)} "
                    "AND result IS NOT NULL")["n"][0]
    assert steps == 1                                                  # the close rule's recorded step
    customer = crm.customers.get(int(won.customer_id))
    assert customer.name == "Acme" and customer.created_on.isoformat() == "2016-11-01"
    order = crm.sql(f"SELECT order_date, amount FROM orders WHERE customer_id = {customer.id}")
    assert order["amount"].tolist() == [1054] and str(order["order_date"][0].date()) == "2016-11-01"
    lost = deals[deals["state"] == "failed"].iloc[0]
    assert lost.lost_reason == "other" and lost.customer_id == won.customer_id
    assert any("other" in note for note in report.notes)
    gtx = crm.sql("SELECT p.code FROM opportunity_lines l JOIN products p ON p.id = l.product_id "
                  "JOIN opportunities o ON o.id = l.opportunity_id WHERE o.customer_name = 'Betasoft'")
    assert gtx["code"].tolist() == ["GTXP"]                             # spelled 'GTX Pro' in the file
    star = deals[deals["customer_name"] == "Star Tech"].iloc[0]
    assert star.state == "assigned" and star.stage == "initial_contact" and star.customer_id == 1
    audit = crm.audit.list(kind="opportunity")
    assert str(audit[audit["action"] == "succeed"]["on_date"].iloc[0])[:10] == "2016-11-01"


def test_a_refused_opportunity_import_changes_nothing(company):
    crm = company
    before = snapshot(crm)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").imports.opportunities(PIPELINE, mapping=MAP, date_format=DATES)
    with pytest.raises(InvalidInput):      # ambiguous dd-mm-yy / yy-mm-dd, no format given
        crm.imports.opportunities(PIPELINE, mapping=MAP)
    with pytest.raises(InvalidInput):
        crm.imports.opportunities(PIPELINE, mapping=MAP, date_format=DATES, values={"colour": {"a": "b"}})
    assert snapshot(crm) == before


def test_a_supervisor_imports_only_their_team(company):
    crm = company
    report = crm.as_user("zhang.wei").imports.opportunities(PIPELINE, mapping=MAP, date_format=DATES,
                                                             values={"product": {"GTXPro": "GTX Pro"}})
    assert report.imported == 0
    assert "outside your team" in report.rejected["reason"].iloc[0]


def test_unknown_codes_list_the_valid_ones_or_become_codes(crm):
    rows = pd.DataFrame({"name": ["Mercy Clinic"], "industry": ["medical"], "owner": ["li.ming"]})
    report = crm.imports.customers(rows)
    assert "healthcare (Healthcare)" in report.rejected["reason"][0]
    zh = crm.as_user("li.ming")
    zh.set_language("zh_CN")
    assert "可用的代码" in zh.imports.customers(rows.drop(columns="owner")).rejected["reason"][0]
    mapped = crm.imports.customers(rows, values={"industry": {"medical": "healthcare"}})
    assert mapped.imported == 1
    added = crm.imports.customers(rows.assign(name="Mercy Two", industry="Medical devices"), add_codes=True)
    assert added.imported == 1 and "medical_devices" in " ".join(added.notes)
    assert crm.dictionary.label("industry", "medical_devices") == "Medical devices"
    before = snapshot(crm)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").imports.customers(rows.assign(name="Mercy Three"), add_codes=True)
    assert snapshot(crm) == before


def test_interactions_are_imported_dated_and_checked(crm):
    rows = pd.DataFrame({"customer": ["Star Tech", "Star Tech", "Nowhere Ltd", "Chengdu Foods", "Star Tech"],
                         "date": ["2026-01-05", "2026-02-01", "2026-01-05", "2026-01-07", "2027-01-01"],
                         "subject": ["Visit", "Call", "x", "Call", "Future"],
                         "channel": ["visit", "carrier pigeon", "phone", "phone", "phone"]})
    rep = crm.as_user("li.ming")
    before = snapshot(crm)
    report = rep.imports.interactions(rows)
    assert report.imported == 1
    reasons = report.rejected.set_index("line")["reason"]
    assert "carrier pigeon" in reasons[3] and "visit (Visit)" in reasons[3]   # valid channels named
    assert "Nowhere Ltd" in reasons[4] and "Chengdu Foods" in reasons[5]      # not a customer you may see
    assert "2027-01-01" in reasons[6]
    star = int(rep.customers.list(search="Star Tech")["id"][0])
    logged = rep.customers.interactions(star)
    assert logged["subject"].tolist() == ["Visit"] and str(logged["on_date"][0].date()) == "2026-01-05"
    assert crm.audit.list(kind="interaction")["on_date"].astype(str).str[:10].tolist()[-1] == "2026-01-05"
    with pytest.raises(InvalidInput):
        rep.imports.interactions(rows.drop(columns="subject"))
    rep.imports.interactions(rows.iloc[[1]], add_codes=False)
    assert len(snapshot(crm)["interactions"]) == len(before["interactions"]) + 1


def test_tickets_are_imported_with_the_state_their_history_leaves(crm):
    rows = pd.DataFrame({
        "customer": ["Star Tech", "Star Tech", "Star Tech", "Harbour Logistics", "Star Tech", "Star Tech"],
        "service_type": ["complaint", "Consultation", "complaint", "complaint", "repairs", "complaint"],
        "subject": ["Late", "How to", "Broken", "Noisy", "x", "y"],
        "created": ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10"],
        "handler": ["sun.li", "", "li.ming", "wang.fang", "", "sun.li"],
        "handled": ["2026-01-06", "", "2026-01-08", "", "", "2026-01-02"],
        "satisfaction": ["4", "", "2", "", "", ""]})
    boss = crm.as_user("zhang.wei")
    before = snapshot(crm)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").imports.tickets(rows)
    assert snapshot(crm) == before
    report = boss.imports.tickets(rows)
    assert report.imported == 4
    reasons = report.rejected.set_index("line")["reason"]
    assert "repairs" in reasons[6] and "complaint (Complaint)" in reasons[6]
    assert "order" in reasons[7]                                      # handled before it was created
    tickets = crm.sql("SELECT subject, state, attempts, satisfaction, archived_on FROM tickets "
                      "ORDER BY id").set_index("subject")
    assert tickets.loc["Late", "state"] == "archived" and str(tickets.loc["Late", "archived_on"])[:10] == "2026-01-06"
    assert tickets.loc["How to", "state"] == "new"
    assert tickets.loc["Broken", "state"] == "assigned" and tickets.loc["Broken", "satisfaction"] == 2   # sent back
    assert tickets.loc["Noisy", "state"] == "assigned"
    late = int(crm.sql("SELECT id FROM tickets WHERE subject = 'Late'")["id"][0])
    history = crm.service.history(late) if hasattr(crm.service, "history") else crm.sql(
        f"SELECT action FROM state_history WHERE kind = 'ticket' AND record_id = {late} ORDER BY rowid")
    assert history["action"].tolist() == ["create", "assign", "handle", "archive"]


def test_an_aborted_opportunity_import_leaves_nothing_and_reasons_come_in_chinese(company):
    from crm_engine import ImportAborted
    crm = company
    before = snapshot(crm)
    with pytest.raises(ImportAborted):
        crm.imports.opportunities(PIPELINE, mapping=MAP, date_format=DATES, progress=lambda done, total: False)
    assert snapshot(crm) == before
    crm.set_language("zh_CN")
    report = crm.imports.opportunities(PIPELINE.assign(deal_stage="Dreaming"), mapping=MAP, date_format=DATES)
    assert report.imported == 0
    assert report.rejected["reason"].str.contains("未知的阶段“Dreaming”").sum() == 5   # (one row has no owner)
    roster = crm.imports.users(pd.DataFrame({"sales_agent": ["Wu Fei"], "manager": ["Lin Tao"]}))
    assert "组织树" in " ".join(roster.notes) and "Lin Tao团队" in crm.admin.teams()["name"].tolist()


def test_the_stage_map_is_overridable_and_lost_reasons_can_become_codes(company):
    crm = company
    rows = PIPELINE.iloc[[1, 2]].assign(deal_stage=["Lost", "Dreaming"], lost_reason=["Too pricey", ""])
    refused = crm.imports.opportunities(rows, mapping=MAP, date_format=DATES, values={"product": {"GTXPro": "GTX Pro"}})
    reasons = refused.rejected["reason"].tolist()
    assert "price (Price)" in reasons[0] and "Dreaming" in reasons[1]
    report = crm.imports.opportunities(rows, mapping=MAP, date_format=DATES, add_codes=True,
                                       values={"product": {"GTXPro": "GTX Pro"}, "stage": {"Dreaming": "proposal"}})
    assert report.imported == 2 and "too_pricey (Too pricey)" in " ".join(report.notes)
    deals = crm.opportunities.list().set_index("customer_name")
    assert deals.loc["Acme", "lost_reason"] == "too_pricey"
    assert deals.loc["Betasoft", "stage"] == "proposal" and deals.loc["Betasoft", "probability"] == 60
