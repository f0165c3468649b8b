"""Views stay in step: an action in one cell (any handle of the workspace) redraws the others,
header counts included (issue #20)."""
from crm_engine.ui import app as app_module
from tests.engine.sales_helpers import opportunity_in
from tests.ui.kit_helpers import text_of


def test_header_counts_follow_actions_made_in_another_cell(crm):
    shell = app_module.App(crm.as_user("li.ming"))
    assert shell.notifications.counts["notices"] == 0
    crm.as_user("wang.fang").notices.post("Cover", "Tuesday", user="li.ming")     # another cell
    assert shell.notifications.counts["notices"] == 1
    crm.as_user("li.ming").notices.mark_all_read()                                # yet another
    assert shell.notifications.counts["notices"] == 0
    shell.close()
    crm.as_user("wang.fang").notices.post("Again", "Wednesday", user="li.ming")
    assert shell.notifications.counts["notices"] == 0                              # closed: no longer follows


def test_the_apps_opportunity_view_follows_another_cell_and_a_replaced_view_is_closed(crm):
    opp = opportunity_in(crm, "unassigned")
    shell = app_module.App(crm.as_user("li.ming"), module="opportunities")
    first = shell.view
    row = first.rc.find(meta_ref=f"opportunities-row-{opp}").widget
    assert "Unassigned" in text_of(row)
    crm.as_user("zhang.wei").opportunities.assign(opp, "li.ming")
    assert "Assigned" in text_of(first.rc.find(meta_ref=f"opportunities-row-{opp}").widget)
    shell.language.value = "zh_CN"                                                # rebuilds the module
    assert shell.view is not first and first.rc._closing
    assert "已指派" in text_of(shell.view) or crm.t("state.opportunity.assigned") in text_of(shell.view)
