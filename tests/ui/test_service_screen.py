"""The service-ticket screen on the kit (issue #20): new ticket → list → record page with the
engine's path → assign / handle / feedback with the engine's reasons, each confirmed or refused
beside its buttons → every open view redrawn; filters, scope, the archive search; both languages."""
import pytest

from crm_engine.ui import show
from crm_engine.ui.service import ServiceModule
from tests.engine.helpers import snapshot
from tests.ui.care_helpers import current_path, fill, hover, listed_ids, no_raw_text
from tests.ui.kit_helpers import click, message, press, text_of


def tab(module, index: int) -> None:
    module.rc.find(meta_ref="service-tabs").widget.v_model = index


def create(module, customer, subject="Printer jams", service_type="complaint", request="It jams daily"):
    tab(module, 1)
    for name, value in (("customer", customer), ("service_type", service_type), ("subject", subject),
                        ("request", request)):
        fill(module, name, value)
    click(module.rc, "new-create")
    kind, text = message(module.rc, "new-message")
    assert kind == "success", text
    tab(module, 0)
    return text


def step(module, action, **values):
    click(module.rc, f"record-actions-{action}")
    for name, value in values.items():
        fill(module, name, value)
    click(module.rc, "record-actions-confirm")
    return message(module.rc, "record-actions-message")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_ticket_from_new_to_archived_with_messages_beside_the_buttons(crm, language):
    rep, boss, staff = crm.as_user("li.ming"), crm.as_user("zhang.wei"), crm.as_user("sun.li")
    crm.set_language(language)
    boss_view, rep_view, staff_view = ServiceModule(boss), ServiceModule(rep), ServiceModule(staff)

    tab(rep_view, 1)
    before = snapshot(crm)
    click(rep_view.rc, "new-create")                              # no customer chosen: refused, field marked
    kind, text = message(rep_view.rc, "new-message")
    assert kind == "error" and snapshot(crm) == before
    assert rep_view.rc.find(meta_ref="field-customer").widget.error_messages == [text]
    tab(rep_view, 0)
    assert create(rep_view, 1) == crm.t("ui.care.ticket_created", id=1, customer="Star Tech")
    assert listed_ids(rep_view) == [1] and listed_ids(boss_view) == [1]   # the supervisor's view followed

    press(boss_view.rc, "tickets-row-1")                           # a row click opens the record
    assert crm.t("ui.care.ticket_title", id=1) in text_of(boss_view.rc.find(meta_ref="record-title").widget)
    assert current_path(boss_view) == "new"
    no_raw_text(boss_view)
    before = snapshot(crm)
    kind, text = step(boss_view, "assign")                         # nobody chosen: refused beside the button
    assert kind == "error" and crm.t("field.handler") in text and snapshot(crm) == before
    assert step(boss_view, "assign", handler="sun.li") == ("success", crm.t("ui.care.assigned", id=1,
                                                                            handler="Sun Li"))
    assert current_path(boss_view) == "assigned"

    press(rep_view.rc, "tickets-row-1")                            # the rep: not the handler
    assert rep_view.rc.find(meta_ref="record-actions-handle").widget.disabled
    assert rep.service.actions(1)["handle"] in hover(rep_view)
    assert rep_view.rc.find(meta_ref="record-actions-assign").widget.disabled

    press(staff_view.rc, "tickets-row-1")
    before = snapshot(crm)
    kind, text = step(staff_view, "handle")
    assert kind == "error" and snapshot(crm) == before
    assert staff_view.rc.find(meta_ref="field-handling").widget.error_messages == [text]
    assert step(staff_view, "handle", handling="Replaced the fuser unit") == (
        "success", crm.t("ui.care.handled", id=1))
    assert current_path(staff_view) == "handled" and current_path(rep_view) == "handled"

    kind, text = step(rep_view, "feedback", feedback_result="Still jams")   # no satisfaction: refused
    assert kind == "error" and crm.t("field.satisfaction") in text
    assert step(rep_view, "feedback", satisfaction=2, feedback_result="Still jams") == ("success", crm.t("ui.care.sent_back", id=1))
    assert current_path(rep_view) == "assigned"                   # not satisfied: back to the handler
    step(staff_view, "handle", handling="Replaced the drum as well")
    assert step(staff_view, "feedback", satisfaction=5, feedback_result="Works now") == (
        "success", crm.t("ui.care.archived", id=1))
    assert current_path(staff_view) == "archived" and rep.service.get(1).state == "archived"
    staff_view.rc.find(meta_ref="record-tabs").widget.v_model = 1
    assert "Replaced the drum as well" in text_of(staff_view.rc.find(meta_ref="steps").widget)
    no_raw_text(staff_view)


def test_lists_are_scoped_and_filtered(crm):
    li, wang, sun = crm.as_user("li.ming"), crm.as_user("wang.fang"), crm.as_user("sun.li")
    star = li.service.add(1, service_type="complaint", subject="Star printer", request="Jams").id
    harbour = wang.service.add(3, service_type="consultation", subject="Harbour toner", request="Which?").id
    assert listed_ids(ServiceModule(li)) == [star] and listed_ids(ServiceModule(wang)) == [harbour]
    staff = ServiceModule(sun)
    assert sorted(listed_ids(staff)) == [star, harbour]
    staff.rc.find(meta_ref="filter-service_type").widget.v_model = "consultation"
    assert listed_ids(staff) == [harbour]
    staff.rc.find(meta_ref="filter-service_type").widget.v_model = None
    staff.rc.find(meta_ref="tickets-search").widget.v_model = "printer"
    assert listed_ids(staff) == [star]
    staff.rc.find(meta_ref="filter-state").widget.v_model = "archived"
    assert listed_ids(staff) == []
    crm.as_user("zhang.wei").service.assign(star, "sun.li")
    staff.rc.find(meta_ref="tickets-search").widget.v_model = ""
    staff.rc.find(meta_ref="filter-state").widget.v_model = None
    staff.rc.find(meta_ref="filter-mine").widget.v_model = True
    assert listed_ids(staff) == [star]


def test_a_rep_cannot_create_a_ticket_for_someone_elses_customer(crm):
    view = ServiceModule(crm.as_user("li.ming"))
    tab(view, 1)
    options = [item["value"] for item in view.rc.find(meta_ref="field-customer").widget.items]
    assert 1 in options and 3 not in options                      # Harbour Logistics is Wang Fang's
    for name, value in (("customer", 3), ("service_type", "consultation"), ("subject", "Prices"),
                        ("request", "Price list?")):
        fill(view, name, value)                                   # forced past the choices
    click(view.rc, "new-create")
    assert message(view.rc, "new-message")[0] == "error" and crm.service.list().empty


def test_a_new_ticket_names_one_of_its_customers_contacts(crm):
    rep = crm.as_user("li.ming")
    contact = rep.customers.add_contact(1, "Chen Jing", mobile="13800000000")
    view = ServiceModule(rep)
    tab(view, 1)
    assert view.rc.find(meta_ref="field-ticket_contact").widget.items == []   # no customer yet
    fill(view, "customer", 1)
    items = view.rc.find(meta_ref="field-ticket_contact").widget.items
    assert [item["title"] for item in items] == ["Chen Jing"]
    for name, value in (("ticket_contact", items[0]["value"]), ("service_type", "complaint"),
                        ("subject", "Printer jams"), ("request", "Jams on every second page")):
        fill(view, name, value)
    fill(view, "customer", 2)                                     # another customer: the contact is cleared
    assert view.rc.find(meta_ref="field-ticket_contact").widget.v_model is None
    fill(view, "customer", 1)
    fill(view, "ticket_contact", items[0]["value"])
    click(view.rc, "new-create")
    assert message(view.rc, "new-message")[0] == "success"
    assert rep.service.get(1).contact_id == items[0]["value"] == getattr(contact, "id", contact)


def test_archive_search_finds_similar_archived_tickets_in_scope(crm):
    rep = crm.as_user("li.ming")
    ticket = rep.service.add(1, service_type="complaint", subject="Printer paper jam", request="Jams").id
    crm.as_user("zhang.wei").service.assign(ticket, "li.ming")
    rep.service.handle(ticket, "Cleaned the rollers")
    rep.service.feedback(ticket, satisfaction=4, result="Fine")
    view = ServiceModule(rep)
    tab(view, 2)
    click(view.rc, "archive-search")
    kind, text = message(view.rc, "archive-message")               # nothing to search for: refused, field marked
    assert kind == "error" and view.rc.find(meta_ref="field-search_text").widget.error_messages == [text]
    fill(view, "search_text", "paper jam")
    click(view.rc, "archive-search")
    assert message(view.rc, "archive-message") == ("success", crm.t("ui.care.found", count=1))
    assert "Cleaned the rollers" in text_of(view.rc.find(meta_ref="archive").widget)
    other = ServiceModule(crm.as_user("wang.fang"))
    tab(other, 2)
    fill(other, "search_text", "paper jam")
    click(other.rc, "archive-search")
    assert message(other.rc, "archive-message") == ("success", crm.t("ui.care.found", count=0))


def test_waiting_for_me_opens_mine_to_handle_or_new_ones_to_assign(crm):
    rep = crm.as_user("li.ming")
    first = rep.service.add(1, service_type="complaint", subject="One", request="Jams").id
    second = rep.service.add(2, service_type="complaint", subject="Two", request="Jams").id
    crm.as_user("zhang.wei").service.assign(first, "sun.li")
    staff = show(crm.as_user("sun.li"), "service")
    assert isinstance(staff, ServiceModule)
    staff.show_waiting("tickets")
    assert listed_ids(staff) == [first]
    boss = show(crm.as_user("zhang.wei"), "service")
    boss.show_waiting("tickets")
    assert listed_ids(boss) == [second]
    assert "Two" in boss._repr_mimebundle_()["text/plain"]


@pytest.mark.slow
def test_in_a_teaching_scenario_the_simulated_customer_answers(tmp_path):
    from crm_engine.scenario import builtin
    crm = builtin("hardware_distributor").scaled(60).create(tmp_path / "s.duckdb", student="ui")
    sun = crm.as_user("sun.li")
    ticket = sun.service.add(int(crm.customers.list()["id"].iloc[0]), service_type="complaint",
                             subject="Late delivery", request="Our order arrived a week late.").id
    crm.as_user("dong.li").service.assign(ticket, "sun.li")
    view = ServiceModule(sun)
    view.rc.find(meta_ref="filter-mine").widget.v_model = True
    press(view.rc, f"tickets-row-{ticket}")
    assert view.rc.find(meta_ref="record-actions-ask_customer").widget.disabled   # not handled yet
    step(view, "handle", handling="Apologised and arranged priority shipping.")
    click(view.rc, "record-actions-ask_customer")
    answer = sun.simulation.outcome_of_ticket(ticket)
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "success" and answer.text in text
    assert sun.service.get(ticket).state == "handled"             # asking records nothing
    crm.close()
