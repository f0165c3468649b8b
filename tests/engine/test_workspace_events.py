"""The facade's change signal (views stay in step) and the language every handle shares (issue #20)."""
import pytest

from crm_engine import CRM
from crm_engine.errors import CRMError
from tests.engine.sales_helpers import company, opportunity_in


def test_a_committed_action_is_announced_to_every_handle_of_the_workspace():
    crm = company()
    seen = []
    stop = crm.on_change(seen.append)
    supervisor = crm.as_user("zhang.wei")
    opp = opportunity_in(crm, "unassigned")
    before = crm.version
    supervisor.opportunities.assign(opp, "li.ming")
    assert crm.version == before + 1 == supervisor.version     # one counter per workspace, shared by handles
    assert seen[-1] == "opportunities.assign"
    stop()
    supervisor.as_user("li.ming").opportunities.add_step(opp, crm.today(), "Visit")
    assert seen[-1] == "opportunities.assign"                    # unsubscribed: no more calls


def test_a_refused_action_and_a_query_announce_nothing():
    crm = company()
    seen = []
    crm.on_change(seen.append)
    opp = opportunity_in(crm, "unassigned")
    seen.clear()
    version = crm.version
    with pytest.raises(CRMError):
        crm.as_user("li.ming").opportunities.assign(opp, "li.ming")   # a rep may not assign
    crm.opportunities.list()
    assert seen == [] and crm.version == version


def test_an_action_inside_another_is_announced_once():
    crm = company()
    seen = []
    crm.on_change(seen.append)
    opp = opportunity_in(crm, "assigned")                             # assign, add_step, record_result …
    assert seen.count("opportunities.succeed") == 0
    crm.as_user("li.ming").opportunities.succeed(opp)                 # creates a customer inside: one event
    assert seen[-1] == "opportunities.succeed" and seen.count("opportunities.succeed") == 1


def test_language_and_clock_changes_are_announced():
    crm = company()
    seen = []
    crm.on_change(seen.append)
    crm.set_language("zh_CN")
    crm.clock.advance(1)
    assert "language" in seen and seen[-1] == "clock.advance"


def test_set_language_reaches_handles_made_before_it():
    crm = company()
    director = crm.as_user("dong.li")
    rep = director.as_user("li.ming")
    crm.set_language("zh_CN")
    assert director.language == rep.language == "zh_CN"
    with pytest.raises(CRMError) as refused:
        rep.opportunities.get(999_999)
    assert "不存在" in str(refused.value)
    rep.set_language("en")                                            # any handle switches them all
    assert crm.language == director.language == "en"


def test_two_opens_of_one_file_share_the_change_signal(tmp_path):
    path = tmp_path / "w.duckdb"
    first = CRM.create(path, today="2026-03-02")
    second = CRM.open(path)
    seen = []
    second.on_change(seen.append)
    first.admin.add_user("li.ming", "Li Ming", role="account_manager", team=1)
    assert seen == ["admin.add_user"] and second.version == first.version
    first.close()


def test_a_committed_transaction_is_announced_once_and_a_rolled_back_one_not_at_all():
    # The scenario's clock (crm.simulation.advance) runs its day inside `crm.transaction()`: unannounced,
    # every other person's open views kept yesterday's date (issue #23, found in the browser test).
    crm = company()
    rep = crm.as_user("li.ming")
    seen = []
    crm.on_change(seen.append)
    with rep.transaction():
        rep.opportunities.add("Lakeside Hotel", "Notebooks", expected_amount=1000, probability=10)
        rep.opportunities.add("Harbour Inn", "Servers", expected_amount=2000, probability=10)
    assert seen == ["transaction"]
    seen.clear()
    with pytest.raises(CRMError):
        with rep.transaction():
            rep.opportunities.add("Hilltop Cafe", "Tablets", expected_amount=500, probability=10)
            rep.clock.advance(1)                                       # refused: nothing commits
    assert seen == []
