"""The notifications in the app header: counts for the logged-in user (and only what they may
see), refreshed on login and when the clock moves, each opening its module."""

from crm_engine.ui import app as app_module
from crm_engine.ui.notifications import ITEMS, Notifications
from tests.ui.care_helpers import listed_ids


def counts(crm, username):
    return Notifications(crm.as_user(username)).counts


def test_nothing_waiting_in_a_quiet_company(crm):
    for username in ("admin", "dong.li", "zhang.wei", "li.ming", "sun.li", "ma.lan", "cai.wu"):
        assert counts(crm, username) == {name: 0 for name in ITEMS}


def test_overdue_contacts_follow_the_one_week_rule(crm):
    crm.as_user("zhang.wei").customers.add("Given Ltd", owner="li.ming")
    crm.clock.advance(7)
    assert counts(crm, "li.ming")["overdue"] == 0              # a week is allowed
    crm.clock.advance(1)
    assert counts(crm, "li.ming")["overdue"] == 1
    assert counts(crm, "zhang.wei")["overdue"] == 1            # the supervisor may reassign it
    assert counts(crm, "wang.fang")["overdue"] == 0
    assert counts(crm, "chen.hua")["overdue"] == 0
    given = int(crm.customers.list(search="Given").iloc[0]["id"])
    crm.as_user("li.ming").customers.log_interaction(given, "First call")
    assert counts(crm, "li.ming")["overdue"] == 0


def test_new_churn_warnings_are_the_unanswered_ones_in_scope(crm):
    crm.clock.advance(214)
    crm.churn.scan()
    assert counts(crm, "li.ming")["churn"] == 2
    assert counts(crm, "wang.fang")["churn"] == 1
    assert counts(crm, "zhang.wei")["churn"] == 4
    assert counts(crm, "dong.li")["churn"] == 5
    first = int(crm.churn.list(owner="li.ming").iloc[0]["id"])
    crm.as_user("li.ming").churn.suspend(first, measures="Called the buyer")
    assert counts(crm, "li.ming")["churn"] == 1                # answered: no longer new


def test_tickets_waiting_for_me(crm):
    rep = crm.as_user("li.ming")
    rep.service.add(1, service_type="complaint", subject="Jams", request="Printer jams")
    rep.service.add(2, service_type="consultation", subject="Prices", request="Price list?")
    assert counts(crm, "zhang.wei")["tickets"] == 2            # new, to assign
    assert counts(crm, "li.ming")["tickets"] == 0
    crm.as_user("zhang.wei").service.assign(1, "li.ming")
    assert counts(crm, "zhang.wei")["tickets"] == 1
    assert counts(crm, "li.ming")["tickets"] == 1              # assigned to him, to handle
    assert counts(crm, "chen.hua")["tickets"] == 0             # West sees no East tickets
    rep.service.handle(1, "Replaced the roller")
    assert counts(crm, "li.ming")["tickets"] == 0


def test_unread_notices_and_messages(crm):
    crm.as_user("zhang.wei").notices.post("Team meeting", "Friday 16:00", team=2)
    crm.as_user("wang.fang").messages.send("Lunch?", users=["li.ming"])
    mine = counts(crm, "li.ming")
    assert (mine["notices"], mine["messages"]) == (1, 1)
    assert counts(crm, "liu.yang")["notices"] == 0
    assert counts(crm, "zhao.lei")["messages"] == 0
    crm.as_user("li.ming").notices.mark_all_read()
    assert counts(crm, "li.ming")["notices"] == 0


def test_header_refreshes_on_login_and_on_advance(crm):
    crm.as_user("zhang.wei").customers.add("Given Ltd", owner="li.ming")
    crm.as_user("wang.fang").messages.send("Lunch?", users=["li.ming"])
    shell = app_module.App(crm)
    assert shell.notifications in shell.children
    assert shell.notifications.counts["messages"] == 0         # the administrator has none
    shell.user.value = "li.ming"
    assert shell.notifications.counts["messages"] == 1
    assert "Unread messages: 1" == shell.notifications.buttons["messages"].description
    assert shell.notifications.buttons["messages"].button_style == "warning"
    assert shell.notifications.counts["overdue"] == 0
    shell.user.value = "admin"
    shell.days.value = 8
    shell.advance.click()
    shell.user.value = "li.ming"
    assert shell.notifications.counts["overdue"] == 1
    shell.language.value = "zh_CN"
    assert shell.notifications.buttons["messages"].description == "未读消息：1"


def test_advance_recounts_for_the_same_user(crm):
    crm.customers.add("Given Ltd", owner="dong.li")   # given to the director by the administrator
    shell = app_module.App(crm.as_user("dong.li"))
    assert shell.notifications.counts["overdue"] == 0
    shell.days.value = 8
    shell.advance.click()
    assert shell.notifications.counts["overdue"] == 1


def test_each_notification_opens_its_module(crm):
    rep = crm.as_user("li.ming")
    rep.service.add(1, service_type="complaint", subject="Jams", request="Printer jams")
    crm.as_user("zhang.wei").service.assign(1, "li.ming")
    crm.as_user("wang.fang").notices.post("Cover", "Tuesday", user="li.ming")
    shell = app_module.App(rep)
    shell.notifications.buttons["tickets"].click()
    assert shell.menu.value == "service" and shell.view.mine_filter.value and listed_ids(shell.view) == [1]
    shell.notifications.buttons["notices"].click()
    assert shell.menu.value == "office" and shell.view.tab.value == 3
    assert shell.view.rc.find(meta_ref="notices-row-1").widgets
    shell.notifications.buttons["churn"].click()
    assert shell.menu.value == "churn" and shell.view.state_filter.value == "warning"
    shell.notifications.buttons["overdue"].click()
    assert shell.menu.value == "opportunities"
    shell.notifications.buttons["messages"].click()
    assert shell.menu.value == "office" and shell.view.tab.value == 4


def test_a_supervisor_is_sent_to_the_new_tickets(crm):
    crm.as_user("li.ming").service.add(1, service_type="complaint", subject="Jams", request="Printer jams")
    shell = app_module.App(crm.as_user("zhang.wei"))
    shell.notifications.buttons["tickets"].click()
    assert shell.view.state_filter.value == "new" and listed_ids(shell.view) == [1]
