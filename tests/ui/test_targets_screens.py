"""The targets screen on the kit: targets with attainment, the leaderboard, setting and removing a
target beside the buttons, every open view redrawn, in English and Chinese (issue #20)."""
import pytest

from crm_engine.ui import kit
from crm_engine.ui.opportunities import OpportunitiesModule
from crm_engine.ui.targets import TargetsView
from tests.engine.sales_helpers import opportunity_in, tables
from tests.ui.kit_helpers import click, has, message, text_of
from tests.ui.test_leads_screens import fill, no_raw_text


def table(view, ref: str) -> str:
    return text_of(view.rc.find(meta_ref=ref).widget)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_set_a_target_refused_then_saved_attainment_and_leaderboard_follow(crm, language):
    opportunity_in(crm, "succeeded")                              # Li Ming won 100,000 today
    crm.set_language(language)
    period = crm.today().strftime("%Y-%m")
    boss, rep = crm.as_user("zhang.wei"), crm.as_user("li.ming")
    rep_view = TargetsView(rep)                                   # another cell, open all along
    assert table(rep_view, "targets") == crm.t("ui.nothing_to_show")

    view = TargetsView(boss)
    click(view.rc, "targets-actions-set")
    fill(view, "target_user", "li.ming")
    before = tables(crm)
    click(view.rc, "targets-actions-confirm")                      # no amount: refused at the field
    kind, text = message(view.rc, "targets-actions-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-target_amount").widget.error_messages == [text]
    fill(view, "target_amount", "200000")
    click(view.rc, "targets-actions-confirm")
    assert message(view.rc, "targets-actions-message") == (
        "success", crm.t("ui.targets.saved", period=period, amount=kit.money(200_000)))
    (target,) = crm.targets.list(period=period)["id"].tolist()
    assert "50 %" in table(view, "targets") and "Li Ming" in table(view, "targets")  # 100,000 of 200,000
    assert "50 %" in table(rep_view, "targets")                    # the rep's cell followed
    board = table(rep_view, "leaderboard")
    assert "1 Li Ming" in board, board                             # ranked first on attainment
    no_raw_text(view)

    click(rep_view.rc, "targets-actions-set")                      # a rep may not: said beside the button
    fill(rep_view, "target_user", "li.ming")
    fill(rep_view, "target_amount", "1")
    before = tables(crm)
    click(rep_view.rc, "targets-actions-confirm")
    kind, text = message(rep_view.rc, "targets-actions-message")
    assert kind == "error" and tables(crm) == before and crm.t("action.set_targets") in text

    click(view.rc, "targets-actions-remove")
    click(view.rc, "targets-actions-confirm")
    assert message(view.rc, "targets-actions-message") == ("success", crm.t("ui.targets.removed", id=target))
    assert table(rep_view, "targets") == crm.t("ui.nothing_to_show")
    assert view.rc.find(meta_ref="targets-actions-remove").widget.disabled  # nothing left to remove


def test_a_bad_period_is_said_beside_the_filters_and_teams_rank_too(crm):
    boss = crm.as_user("zhang.wei")
    view = TargetsView(boss)
    view.rc.find(meta_ref="targets-period").widget.v_model = "March"
    kind, text = message(view.rc, "targets-message")
    assert kind == "error" and "March" in text and not has(view.rc, "leaderboard")
    view.rc.find(meta_ref="targets-period").widget.v_model = crm.today().strftime("%Y") + "-Q1"
    assert not has(view.rc, "targets-message") and has(view.rc, "leaderboard")
    view.rc.find(meta_ref="targets-by").widget.v_model = "team"
    assert "East sales" in table(view, "leaderboard")


def test_the_opportunity_module_shows_targets_as_its_last_tab(crm):
    boss = crm.as_user("zhang.wei")
    boss.targets.set(crm.today().strftime("%Y-%m"), 1000, user="li.ming")
    module = OpportunitiesModule(boss)
    tabs = module.rc.find(meta_ref="opportunities-tabs").widget
    tabs.v_model = len(tabs.children) - 1
    assert "Li Ming" in table(module, "targets") and has(module.rc, "leaderboard")
