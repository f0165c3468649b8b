"""The churn-warning screen on the kit (issue #20): list → record page with the engine's path →
suspend / confirm with the engine's reasons, each confirmed beside its buttons (confirming too) →
every open view redrawn; the scan and the administrator's threshold; English and Chinese."""
import pytest

from crm_engine.ui import show
from crm_engine.ui.churn import ChurnModule
from tests.engine.helpers import snapshot
from tests.ui.care_helpers import current_path, fill, hover, listed_ids, no_raw_text
from tests.ui.kit_helpers import click, has, message, press, text_of


@pytest.fixture
def silent(crm):
    """Seven months on: every customer (none has ordered) is due a churn warning."""
    crm.clock.advance(214)
    return crm


def listed(module, warning_id: int) -> bool:
    return warning_id in listed_ids(module)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_scan_open_suspend_confirm_with_messages_beside_the_buttons(silent, language):
    crm = silent
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    crm.set_language(language)
    other_cell = ChurnModule(boss)                                 # open all along, in another cell
    view = ChurnModule(rep)
    assert view.rc.find(class_="crm-empty").widgets                # nothing scanned yet: an empty list
    click(view.rc, "scan-scan")                                    # no form: it runs, and says what it did
    kind, text = message(view.rc, "scan-message")
    assert kind == "success" and text == crm.t("ui.care.scanned", raised=2, cleared=0, reactivated=0, open=2)
    warning = int(rep.churn.list()["id"].iloc[0])
    assert listed(view, warning) and listed(other_cell, warning)   # the other view redrew by itself

    press(view.rc, f"warnings-row-{warning}")                      # a row click opens the record
    assert crm.t("ui.care.warning_title", id=warning) in text_of(view.rc.find(meta_ref="record-title").widget)
    assert current_path(view) == "warning"
    no_raw_text(view)
    confirm = view.rc.find(meta_ref="record-actions-confirm_churn").widget
    reason = rep.churn.actions(warning)["confirm"]
    assert confirm.disabled and reason and reason in hover(view)   # not yet: the engine's reason on hover

    click(view.rc, "record-actions-suspend")
    before = snapshot(crm)
    click(view.rc, "record-actions-confirm")                       # no measures: refused beside the button
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and crm.t("field.measures") in text and snapshot(crm) == before
    assert view.rc.find(meta_ref="field-measures").widget.error_messages == [text]
    fill(view, "measures", "Visited the buyer; offered a loyalty discount")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == (
        "success", crm.t("ui.care.suspended", customer="Star Tech", count=1))
    assert current_path(view) == "suspended"
    view.rc.find(meta_ref="record-tabs").widget.v_model = 1
    assert "offered a loyalty discount" in text_of(view.rc.find(meta_ref="measures").widget)

    assert not view.rc.find(meta_ref="record-actions-confirm_churn").widget.disabled   # now allowed
    click(view.rc, "record-actions-confirm_churn")
    before = snapshot(crm)
    click(view.rc, "record-actions-confirm")                       # no reason chosen: refused
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and crm.t("field.churn_reason") in text and snapshot(crm) == before
    fill(view, "churn_reason", "competitor")
    click(view.rc, "record-actions-confirm")
    kind, text = message(view.rc, "record-actions-message")        # confirming confirms (it did not before)
    reason_label = dict((code, label) for label, code in crm.dictionary.choices("churn_reason"))["competitor"]
    assert (kind, text) == ("success", crm.t("ui.care.confirmed", customer="Star Tech", reason=reason_label))
    assert current_path(view) == "churned" and rep.customers.get(1).status == "lost"
    assert view.rc.find(meta_ref="record-actions-suspend").widget.disabled
    no_raw_text(view)

    click(view.rc, "record-close")                                 # back: no longer an open warning
    assert not listed(view, warning) and not listed(other_cell, warning)
    other_cell.rc.find(meta_ref="filter-state").widget.v_model = "churned"
    assert listed(other_cell, warning)


def test_a_rep_sees_only_their_warnings_and_cannot_answer_another(silent):
    silent.churn.scan()
    harbour = int(silent.churn.list(owner="wang.fang").iloc[0]["id"])
    mine = [int(i) for i in silent.churn.list(owner="li.ming")["id"]]
    view = ChurnModule(silent.as_user("li.ming"))
    assert all(listed(view, w) for w in mine) and not listed(view, harbour)
    boss = ChurnModule(silent.as_user("chen.hua"))                 # another team's supervisor
    assert not listed(boss, harbour) and not listed(boss, mine[0])


def test_the_threshold_is_the_administrators_with_its_messages_beside(silent):
    assert not has(ChurnModule(silent.as_user("li.ming")).rc, "scan-threshold")
    view = ChurnModule(silent)                                     # the administrator
    click(view.rc, "scan-threshold")
    fill(view, "churn_threshold_months", "ninety")
    before = snapshot(silent)
    click(view.rc, "scan-confirm")
    kind, text = message(view.rc, "scan-message")
    assert kind == "error" and snapshot(silent) == before
    fill(view, "churn_threshold_months", "3")
    click(view.rc, "scan-confirm")
    assert message(view.rc, "scan-message") == ("success", silent.t("ui.care.threshold_saved", months="3"))
    assert silent.churn.due_date().isoformat() in text_of(view.rc.find(meta_ref="churn-rule").widget)


def test_the_notification_opens_the_unanswered_ones_and_show_keeps_its_name(silent):
    rep = silent.as_user("li.ming")
    rep.churn.scan()
    answered, waiting = [int(i) for i in rep.churn.list()["id"]]
    rep.churn.suspend(answered, "Called")
    view = show(rep, "churn")
    assert isinstance(view, ChurnModule) and listed(view, answered)
    view.show_waiting("churn")
    assert listed(view, waiting) and not listed(view, answered)
    assert "Star Tech" in view._repr_mimebundle_()["text/plain"]   # readable where widgets are not


def test_the_lists_ask_the_engine_for_one_page_at_a_time(silent, monkeypatch):
    from crm_engine.ui.kit.listview import PAGE_SIZE
    from tests.ui.helpers import spy
    rep = silent.as_user("li.ming")
    for i in range(PAGE_SIZE + 2):
        rep.customers.add(f"Quiet {i:02d}")
    silent.clock.advance(200)
    rep.churn.scan()
    asked, counted = spy(monkeypatch, rep.churn, "list"), spy(monkeypatch, rep.churn, "count")
    view = ChurnModule(rep)
    assert asked[-1]["state"] == counted[-1]["state"] == "open"
    assert (asked[-1]["limit"], asked[-1]["offset"]) == (PAGE_SIZE, 0) and len(listed_ids(view)) == PAGE_SIZE
    click(view.rc, "warnings-next")
    assert (asked[-1]["limit"], asked[-1]["offset"]) == (PAGE_SIZE, PAGE_SIZE)
    assert len(listed_ids(view)) == rep.churn.count(state="open") - PAGE_SIZE
    view.rc.find(meta_ref="warnings-search").widget.v_model = "quiet 03"
    assert asked[-1]["search"] == counted[-1]["search"] == "quiet 03" and len(listed_ids(view)) == 1
