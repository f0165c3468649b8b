"""The call-centre screen on the kit (issue #20): log a call (its confirmation or the engine's
refusal beside the button, the field marked), the call's page, then a ticket, a lead or an
interaction record — each confirmed beside its buttons, a second outcome refused; scope; both languages."""
import pytest

from crm_engine.ui import show
from crm_engine.ui.call_center import CallCenterModule
from tests.engine.helpers import snapshot
from tests.ui.care_helpers import fill, listed_ids, no_raw_text
from tests.ui.kit_helpers import click, message, text_of


@pytest.fixture
def known_caller(crm):
    crm.as_user("li.ming").customers.add_contact(1, "Chen Jing", mobile="138 0000 0000")
    return crm


def log(view, caller, phone, summary, at=""):
    click(view.rc, "log-log")
    for name, value in (("caller", caller), ("phone", phone), ("call_summary", summary), ("called_at", at)):
        fill(view, name, value)
    click(view.rc, "log-confirm")
    return message(view.rc, "log-message")


def convert(view, action, **values):
    click(view.rc, f"record-actions-{action}")
    for name, value in values.items():
        fill(view, name, value)
    click(view.rc, "record-actions-confirm")
    return message(view.rc, "record-actions-message")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_log_a_call_then_turn_it_into_a_ticket_once(known_caller, language):
    crm = known_caller
    agent = crm.as_user("sun.li")
    crm.set_language(language)
    view = CallCenterModule(agent)
    before = snapshot(crm)
    kind, text = log(view, "", "138", "x")                        # refused beside the button, field marked
    assert kind == "error" and snapshot(crm) == before
    assert view.rc.find(meta_ref="field-caller").widget.error_messages == [text]
    kind, text = log(view, "Mr Qian", "021-6666 0000", "Price?", at="25:99")
    assert kind == "error" and view.rc.find(meta_ref="field-called_at").widget.error_messages == [text]
    assert crm.call_center.list().empty

    assert log(view, "Chen Jing", "+86 138 0000 0000", "Printer jams again", at="09:42") == (
        "success", crm.t("ui.care.call_linked", id=1, customer="Star Tech"))
    assert crm.t("ui.care.call_title", id=1) in text_of(view.rc.find(meta_ref="record-title").widget)
    no_raw_text(view)
    kind, text = convert(view, "to_ticket")                       # the linked customer is offered; no type yet
    assert kind == "error" and crm.t("field.service_type") in text
    assert view.rc.find(meta_ref="field-customer").widget.v_model == 1
    assert convert(view, "to_ticket", service_type="repair") == (
        "success", crm.t("ui.care.call_ticket", id=1, call=1))
    assert agent.service.get(1).request == "Printer jams again"
    assert crm.t("call.outcome.ticket") in text_of(view.rc.find(meta_ref="facts").widget)
    before = snapshot(crm)
    kind, text = convert(view, "to_lead")                         # a second outcome: the engine refuses
    assert kind == "error" and snapshot(crm) == before
    click(view.rc, "record-close")
    assert listed_ids(view) == []                                 # no open calls left
    view.rc.find(meta_ref="filter-open").widget.v_model = False
    assert listed_ids(view) == [1]
    assert crm.t("call.outcome.ticket") in text_of(view)


def test_an_unknown_caller_needs_a_customer_for_a_ticket_but_can_become_a_lead(known_caller):
    agent = known_caller.as_user("sun.li")
    view = CallCenterModule(agent)
    assert log(view, "Ms Zhou", "0755-1234 5678", "Wants a quote for 50 notebooks") == (
        "success", known_caller.t("ui.care.call_unlinked", id=1))
    kind, _text = convert(view, "to_ticket", service_type="consultation")
    assert kind == "error" and agent.service.list().empty
    kind, text = convert(view, "to_lead", company="Shenzhen Schools")
    lead_id = agent.call_center.get(1).record_id
    assert (kind, text) == ("success", known_caller.t("ui.care.call_lead", id=lead_id, call=1))
    lead = known_caller.leads.get(lead_id)
    assert (lead.company, lead.source) == ("Shenzhen Schools", "call_center")


def test_a_call_becomes_an_interaction(known_caller):
    rep = known_caller.as_user("li.ming")
    view = CallCenterModule(rep)
    log(view, "Chen Jing", "13800000000", "Asked about the new price list")
    kind, text = convert(view, "to_interaction")
    record = rep.call_center.get(1).record_id
    assert (kind, text) == ("success", known_caller.t("ui.care.call_interaction", id=record, call=1))
    assert "Chen Jing" in rep.customers.interactions(1)["subject"].iloc[-1]


def test_the_call_list_is_scoped_to_the_taker_and_redraws(known_caller):
    li, wang = known_caller.as_user("li.ming"), known_caller.as_user("wang.fang")
    li_view, staff = CallCenterModule(li), show(known_caller.as_user("sun.li"), "call_center")
    assert isinstance(staff, CallCenterModule)
    log(li_view, "Chen Jing", "13800000000", "Mine")
    wang.call_center.log("Somebody", "021-7777 0000", "Hers")      # through another handle
    click(li_view.rc, "record-close")
    assert listed_ids(li_view) == [1]
    assert listed_ids(CallCenterModule(wang)) == [2]
    assert sorted(listed_ids(staff)) == [1, 2]                    # open all along: it followed
    assert "Hers" in staff._repr_mimebundle_()["text/plain"]


def test_a_new_call_opens_with_no_form_or_message_left_from_the_last(known_caller):
    view = CallCenterModule(known_caller.as_user("sun.li"))
    log(view, "Chen Jing", "13800000000", "First")
    click(view.rc, "record-actions-to_ticket")
    fill(view, "subject", "Half typed")
    log(view, "Ms Zhou", "0755-1234 5678", "Second")
    assert known_caller.t("ui.care.call_title", id=2) in text_of(view.rc.find(meta_ref="record-title").widget)
    assert not view.rc.find(meta_ref="field-subject").widgets          # call 1's form did not follow
    assert not view.rc.find(class_="crm-action-form").widgets
