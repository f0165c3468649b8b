"""Customer-care views driven as a student would (`.value = …`, `.click()`): churn warnings,
service tickets and the call centre (the customer's record page, classification and the dictionary
editor: test_customer_screens.py, test_classification_screens.py, test_admin_screens.py).

For every form: the happy path, the engine's validation errors shown inline, and scope —
a rep never sees another rep's records in any list.
"""
import datetime as dt

import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui.base import PAGE_SIZE
from crm_engine.ui.care import CallCenterModule, ChurnModule, ServiceModule
from tests.ui.helpers import assert_paged_by_the_engine, spy


def open_row(listing, record_id):
    listing.pick.value = record_id
    listing.open_button.click()


@pytest.fixture
def silent(crm):
    """Seven months on: every customer (none has ordered) is due a churn warning."""
    crm.clock.advance(214)
    return crm


# -- churn ---------------------------------------------------------------------------------
def test_scan_lists_only_my_warnings(silent):
    view = ChurnModule(silent.as_user("li.ming"))
    assert view.list.ids == []
    view.scan.click()
    assert "2 new warnings" in view.status.value
    assert sorted(view.list.rows["customer_name"]) == ["Bright Future Trading", "Star Tech"]
    other = ChurnModule(silent.as_user("wang.fang"))
    assert list(other.list.rows["customer_name"]) == ["Harbour Logistics"]
    supervisor = ChurnModule(silent.as_user("zhang.wei"))
    assert len(supervisor.list.rows) == 4          # East sales and Shanghai, not West
    assert "Chengdu Foods" not in supervisor.list.table.value


def test_confirm_is_offered_only_after_a_suspension_and_enforced_anyway(silent):
    rep = silent.as_user("li.ming")
    rep.churn.scan()
    view = ChurnModule(rep)
    open_row(view.list, view.list.ids[0])
    assert view.confirm_form.layout.display == "none" and view.suspend_form.layout.display is None
    view.confirm_form.reason.value = "price"
    view.confirm_form.confirm.click()               # the hidden button, clicked anyway
    assert "has not been suspended yet" in view.confirm_form.error_text
    assert rep.churn.get(view.warning_id).state == "warning"


def test_suspend_then_confirm(silent):
    rep = silent.as_user("li.ming")
    rep.churn.scan()
    view = ChurnModule(rep)
    warning_id = view.list.ids[0]
    open_row(view.list, warning_id)
    view.suspend_form.suspend.click()
    assert view.suspend_form.error_text == "Measures taken is required."
    assert view.suspend_form.invalid_field == "measures"
    assert "Measures taken is required." in view.suspend_form.hints["measures"].value
    view.suspend_form.measures.value = "Visited the buyer; offered a loyalty discount"
    view.suspend_form.suspend.click()
    assert "1 measures recorded" in view.suspend_form.status.value
    assert "offered a loyalty discount" in view.measures.value
    assert view.confirm_form.layout.display is None
    view.confirm_form.confirm.click()
    assert view.confirm_form.error_text == "Churn reason is required."
    view.confirm_form.reason.value = "competitor"
    view.confirm_form.note.value = "Moved to a cheaper supplier"
    view.confirm_form.confirm.click()
    assert "confirmed (Went to a competitor)" in view.confirm_form.status.value
    assert rep.customers.get(rep.churn.get(warning_id).customer_id).status == "lost"
    assert view.suspend_form.layout.display == "none" and view.confirm_form.layout.display == "none"
    view.state.value = "churned"
    assert view.list.ids == [warning_id]


def test_another_reps_warning_cannot_be_opened_or_answered(silent):
    silent.churn.scan()
    harbour = int(silent.churn.list(owner="wang.fang").iloc[0]["id"])
    view = ChurnModule(silent.as_user("li.ming"))
    view.open_warning(harbour)
    assert "does not exist" in view.error_text or "not one you may see" in view.error_text
    view.suspend_form.warning_id = harbour          # forcing the form past the list
    view.suspend_form.measures.value = "Called them"
    view.suspend_form.suspend.click()
    assert view.suspend_form.error_text
    assert silent.churn.get(harbour).suspensions == 0


def test_churn_list_searches_sorts_and_pages(silent):
    rep = silent.as_user("li.ming")
    for i in range(PAGE_SIZE + 2):
        rep.customers.add(f"Quiet {i:02d}")
    silent.clock.advance(200)
    rep.churn.scan()
    view = ChurnModule(rep)
    assert len(view.list.ids) == PAGE_SIZE and view.list.previous.disabled
    assert f"({PAGE_SIZE + 4} in all)" in view.list.page_label.value
    view.list.next.click()
    assert len(view.list.ids) == 4 and view.list.next.disabled
    view.list.search.value = "quiet 03"
    assert list(view.list.rows["customer_name"]) == ["Quiet 03"] and view.list.page == 0
    view.list.search.value = ""
    view.list.sort.value = ("customer_name", False)
    assert view.list.rows.iloc[0]["customer_name"] == "Bright Future Trading"


def test_churn_module_in_chinese(silent):
    rep = silent.as_user("li.ming")
    rep.set_language("zh_CN")
    view = ChurnModule(rep)
    view.scan.click()
    assert "扫描完成" in view.status.value
    open_row(view.list, view.list.ids[0])
    view.suspend_form.suspend.click()
    assert "不能为空" in view.suspend_form.error_text


# -- service -------------------------------------------------------------------------------
def new_ticket(view, customer_id, subject="Printer jams", service_type="complaint", request="It jams daily"):
    form = view.new_ticket
    form.customer.value = customer_id
    form.service_type.value = service_type
    form.subject.value = subject
    form.request.value = request
    form.create.click()
    return form


def test_ticket_form_creates_and_validates(crm):
    rep = crm.as_user("li.ming")
    rep.customers.add_contact(1, "Chen Jing", mobile="13800000000")
    view = ServiceModule(rep)
    form = view.new_ticket
    form.customer.value = 1
    assert [name for name, _ in form.contact.options] == ["—", "Chen Jing"]
    form.create.click()
    assert form.error_text == "Service type is required." and form.invalid_field == "service_type"
    form.service_type.value = "complaint"
    form.subject.value = "   "
    form.create.click()
    assert form.invalid_field == "subject"
    form.subject.value = "Printer jams"
    form.create.click()
    assert form.invalid_field == "request"
    form.request.value = "Jams on every second page"
    form.contact.value = form.contact.options[1][1]
    form.create.click()
    assert "created" in form.status.value and not form.error_text
    assert view.list.ids == [1]
    ticket = rep.service.get(1)
    assert (ticket.state, ticket.contact_id, ticket.subject) == ("new", form.contact.options[1][1], "Printer jams")


def test_rep_cannot_open_a_ticket_for_someone_elses_customer(crm):
    form = ServiceModule(crm.as_user("li.ming")).new_ticket
    assert 3 not in [v for _, v in form.customer.choice.options]   # Harbour Logistics is Wang Fang's
    form.customer.value = 3
    assert form.customer.value != 3
    form.customer.choice.options = [("Harbour Logistics", 3)]      # forced past the picker
    form.service_type.value, form.subject.value, form.request.value = "consultation", "Prices", "Price list?"
    form.create.click()
    assert "not one you may see" in form.error_text or "does not exist" in form.error_text
    assert crm.service.list().empty


def test_ticket_lifecycle_assign_handle_feedback(crm):
    rep = crm.as_user("li.ming")
    new_ticket(ServiceModule(rep), 1)
    # a rep may not assign, even by clicking the hidden form
    mine = ServiceModule(rep)
    open_row(mine.list, 1)
    assert mine.assign_form.layout.display == "none"
    mine.assign_form.handler.value = "li.ming"
    mine.assign_form.assign.click()
    assert "may not" in mine.assign_form.error_text
    supervisor = ServiceModule(crm.as_user("zhang.wei"))
    open_row(supervisor.list, 1)
    assert supervisor.assign_form.layout.display is None
    supervisor.assign_form.assign.click()
    assert supervisor.assign_form.error_text          # no handler picked
    supervisor.assign_form.handler.value = "li.ming"
    supervisor.assign_form.assign.click()
    assert "assigned to Li Ming" in supervisor.assign_form.status.value
    # the handler sees it waiting, records the handling
    handler = ServiceModule(rep)
    handler.mine.value = True
    assert handler.list.ids == [1]
    open_row(handler.list, 1)
    assert handler.handle_form.layout.display is None
    handler.handle_form.handle.click()
    assert handler.handle_form.invalid_field == "handling"
    handler.handle_form.handling.value = "Replaced the fuser unit"
    handler.handle_form.handle.click()
    assert "handled" in handler.handle_form.status.value
    assert handler.feedback_form.layout.display is None and handler.handle_form.layout.display == "none"
    # unhappy customer: back to the handler; happy: archived
    handler.feedback_form.result.value = "Still jams"
    handler.feedback_form.record.click()
    assert handler.feedback_form.invalid_field == "satisfaction"
    handler.feedback_form.satisfaction.value = 2
    handler.feedback_form.record.click()
    assert "goes back to its handler" in handler.feedback_form.status.value
    assert rep.service.get(1).state == "assigned"
    handler.handle_form.handling.value = "Replaced the drum as well"
    handler.handle_form.handle.click()
    handler.feedback_form.satisfaction.value = 5
    handler.feedback_form.result.value = "Works now"
    handler.feedback_form.record.click()
    assert "archived" in handler.feedback_form.status.value
    assert "Replaced the drum as well" in handler.steps.value


def test_opening_another_ticket_leaves_nothing_typed_for_the_last(crm):
    rep = crm.as_user("li.ming")
    for customer in (1, 2):
        new_ticket(ServiceModule(rep), customer)
        crm.as_user("zhang.wei").service.assign(customer, "li.ming")
        rep.service.handle(customer, "Replaced the fuser unit")
    view = ServiceModule(rep)
    open_row(view.list, 1)
    view.feedback_form.satisfaction.value, view.feedback_form.result.value = 2, "Still jams"
    open_row(view.list, 2)
    assert view.feedback_form.satisfaction.value is None and view.feedback_form.result.value == ""
    view.feedback_form.record.click()                  # nothing carried over: ticket 2 is not answered by accident
    assert view.feedback_form.invalid_field == "satisfaction" and rep.service.get(2).state == "handled"


def test_only_the_handler_may_handle(crm):
    rep = crm.as_user("li.ming")
    new_ticket(ServiceModule(rep), 1)
    crm.as_user("zhang.wei").service.assign(1, "sun.li")
    view = ServiceModule(rep)
    open_row(view.list, 1)
    assert view.handle_form.layout.display == "none"
    view.handle_form.handling.value = "I did it"
    view.handle_form.handle.click()
    assert "Sun Li" in view.handle_form.error_text
    assert rep.service.get(1).state == "assigned"


def test_in_a_teaching_scenario_feedback_asks_the_simulated_customer(tmp_path):
    from crm_engine.scenario import builtin
    crm = builtin("hardware_distributor").scaled(60).create(tmp_path / "s.duckdb", student="ui")
    sun = crm.as_user("sun.li")
    ticket = sun.service.add(int(crm.customers.list()["id"].iloc[0]), service_type="complaint",
                             subject="Late delivery", request="Our order arrived a week late.").id
    crm.as_user("dong.li").service.assign(ticket, "sun.li")
    view = ServiceModule(sun)
    open_row(view.list, ticket)
    form = view.feedback_form
    assert form.answer_button.layout.display is None
    form.answer_button.click()                       # the hidden form, clicked before handling: refused
    assert "crm-error" in form.status.value and form.result.value == "" and form.satisfaction.value is None
    view.handle_form.handling.value = "Apologised, checked with the carrier and arranged priority shipping."
    view.handle_form.handle.click()
    form.answer_button.click()
    answer = sun.simulation.outcome_of_ticket(ticket)
    assert (form.satisfaction.value, form.result.value) == (answer.satisfaction, answer.text)
    assert "crm-ok" in form.status.value and "(satisfaction " in form.status.value
    assert sun.service.get(ticket).state == "handled"      # asking records nothing: recording is the student's click
    form.record.click()
    assert sun.service.get(ticket).state == ("archived" if answer.satisfaction >= 3 else "assigned")
    assert sun.service.steps(ticket)["satisfaction"].iloc[-1] == answer.satisfaction
    crm.close()


def test_without_a_scenario_there_is_no_customer_to_ask_for_feedback(crm):
    assert ServiceModule(crm.as_user("sun.li")).feedback_form.answer_button.layout.display == "none"


def test_ticket_lists_are_scoped_and_filtered(crm):
    new_ticket(ServiceModule(crm.as_user("li.ming")), 1, subject="Star printer")
    new_ticket(ServiceModule(crm.as_user("wang.fang")), 3, subject="Harbour toner", service_type="consultation")
    assert list(ServiceModule(crm.as_user("li.ming")).list.rows["subject"]) == ["Star printer"]
    assert list(ServiceModule(crm.as_user("wang.fang")).list.rows["subject"]) == ["Harbour toner"]
    staff = ServiceModule(crm.as_user("sun.li"))
    assert sorted(staff.list.rows["subject"]) == ["Harbour toner", "Star printer"]
    staff.service_type.value = "consultation"
    assert list(staff.list.rows["subject"]) == ["Harbour toner"]
    staff.service_type.value = None
    staff.list.search.value = "printer"
    assert list(staff.list.rows["subject"]) == ["Star printer"]
    staff.state.value = "archived"
    assert staff.list.ids == []


def test_archive_search_finds_similar_archived_tickets_in_scope(crm):
    rep = crm.as_user("li.ming")
    new_ticket(ServiceModule(rep), 1, subject="Printer paper jam")
    crm.as_user("zhang.wei").service.assign(1, "li.ming")
    rep.service.handle(1, "Cleaned the rollers")
    rep.service.feedback(1, satisfaction=4, result="Fine")
    search = ServiceModule(rep).archive
    search.go.click()
    assert search.invalid_field == "search_text"
    search.text.value = "paper jam"
    search.go.click()
    assert list(search.rows["id"]) == [1] and "Cleaned the rollers" in search.results.value
    other = ServiceModule(crm.as_user("wang.fang")).archive
    other.text.value = "paper jam"
    other.go.click()
    assert other.rows.empty


# -- call centre ---------------------------------------------------------------------------
@pytest.fixture
def known_caller(crm):
    crm.as_user("li.ming").customers.add_contact(1, "Chen Jing", mobile="138 0000 0000")
    return crm


def log(view, caller, phone, summary, at=""):
    form = view.log_form
    form.caller.value, form.phone.value, form.summary.value, form.at.value = caller, phone, summary, at
    form.log_call.click()
    return form


def test_log_a_call_links_the_one_matching_customer(known_caller):
    view = CallCenterModule(known_caller.as_user("sun.li"))
    form = log(view, "Chen Jing", "+86 138 0000 0000", "Printer jams", at="09:42")
    assert "linked to Star Tech" in form.status.value
    assert view.call_id == 1 and "Star Tech" in view.matches.value
    assert view.to_ticket.customer.value == 1 and view.convert.layout.display is None


def test_call_form_validation(known_caller):
    view = CallCenterModule(known_caller.as_user("sun.li"))
    form = log(view, "", "138", "x")
    assert form.invalid_field == "caller"
    form = log(view, "Mr Qian", "call me", "x")
    assert form.invalid_field == "phone" and "is not a phone number" in form.error_text
    form = log(view, "Mr Qian", "021-6666 0000", "Price?", at="25:99")
    assert form.invalid_field == "called_at"
    assert known_caller.call_center.list().empty


def test_call_becomes_a_ticket_and_only_once(known_caller):
    agent = known_caller.as_user("sun.li")
    view = CallCenterModule(agent)
    log(view, "Chen Jing", "13800000000", "Printer jams again")
    view.to_ticket.go.click()
    assert view.to_ticket.invalid_field == "service_type"
    view.to_ticket.service_type.value = "repair"
    view.to_ticket.go.click()
    assert "became ticket 1" in view.to_ticket.status.value
    assert agent.service.get(1).request == "Printer jams again"
    assert view.convert.layout.display == "none"      # converted: nothing more to offer
    view.to_lead.call_id = 1
    view.to_lead.go.click()                           # forced: the engine refuses a second outcome
    assert "already" in view.to_lead.error_text


def test_unknown_caller_needs_a_customer_for_a_ticket_but_can_become_a_lead(known_caller):
    agent = known_caller.as_user("sun.li")
    view = CallCenterModule(agent)
    form = log(view, "Ms Zhou", "0755-1234 5678", "Wants a quote for 50 notebooks")
    assert "no single customer" in form.status.value
    view.to_ticket.service_type.value = "consultation"
    view.to_ticket.go.click()
    assert view.to_ticket.error_text
    view.to_lead.company.value = "Shenzhen Schools"
    view.to_lead.go.click()
    assert "became lead" in view.to_lead.status.value
    lead = known_caller.leads.get(agent.call_center.get(1).record_id)   # the pool, read by the admin
    assert (lead.company, lead.source) == ("Shenzhen Schools", "call_center")


def test_call_becomes_an_interaction(known_caller):
    rep = known_caller.as_user("li.ming")
    view = CallCenterModule(rep)
    log(view, "Chen Jing", "13800000000", "Asked about the new price list")
    view.to_interaction.go.click()
    assert "recorded as interaction" in view.to_interaction.status.value
    assert "Chen Jing" in rep.customers.interactions(1)["subject"].iloc[-1]


def test_call_list_is_scoped_to_the_taker(known_caller):
    log(CallCenterModule(known_caller.as_user("li.ming")), "Chen Jing", "13800000000", "Mine")
    log(CallCenterModule(known_caller.as_user("wang.fang")), "Somebody", "021-7777 0000", "Hers")
    assert list(CallCenterModule(known_caller.as_user("li.ming")).list.rows["summary"]) == ["Mine"]
    assert list(CallCenterModule(known_caller.as_user("wang.fang")).list.rows["summary"]) == ["Hers"]
    staff = CallCenterModule(known_caller.as_user("sun.li"))
    assert sorted(staff.list.rows["summary"]) == ["Hers", "Mine"]
    staff.outcome.value = "ticket"
    assert staff.list.ids == []


def test_care_modules_are_in_the_menu(crm):
    shell = app_module.App(crm.as_user("sun.li"))
    for name in ("churn", "service", "call_center"):
        shell.menu.value = name
        assert type(shell.view).__name__ == {"churn": "ChurnModule", "service": "ServiceModule",
                                             "call_center": "CallCenterModule"}[name]


# -- churn rule setting ----------------------------------------------------------------------
def test_churn_threshold_is_the_administrators_setting(silent):
    view = ChurnModule(silent)
    assert view.threshold.layout.display is None
    view.threshold.months.value = "0"
    view.threshold.save.click()
    assert view.threshold.invalid_field == "churn_threshold_months"
    view.threshold.months.value = "12"
    view.threshold.save.click()
    assert "12 months" in view.threshold.status.value and "2025-10-02" in view.rule.value   # today 2026-10-02
    rep = ChurnModule(silent.as_user("li.ming"))
    assert rep.threshold.layout.display == "none"
    rep.threshold.months.value = "1"
    rep.threshold.save.click()                                 # hidden, clicked anyway
    assert "may not" in rep.threshold.error_text
    assert silent.admin.settings()["churn_threshold_months"] == 12


# -- paging: one page at a time, from the engine ---------------------------------------------------
def test_ticket_list_asks_the_engine_for_one_page_at_a_time(crm, monkeypatch):
    staff = crm.as_user("sun.li")
    for n in range(PAGE_SIZE + 5):
        staff.service.add(1 + n % 5, service_type="complaint", subject=f"{'Printer' if n % 3 else 'Screen'} {n:02d}",
                          request="Broken")
        if n % 2:
            crm.clock.advance(1)
    verb = staff.service.list
    asked, counted = spy(monkeypatch, staff.service, "list"), spy(monkeypatch, staff.service, "count")
    view = ServiceModule(staff)
    assert_paged_by_the_engine(view.list, asked, counted, lambda **kw: verb(**kw)["id"].tolist(), term="screen",
                               sort=("customer_name", False))
    view.state.value = "new"                                        # a filter goes to the verb and its count
    assert asked[-1]["state"] == counted[-1]["state"] == "new" and asked[-1]["limit"] == PAGE_SIZE


def test_churn_and_call_lists_ask_the_engine_for_one_page_at_a_time(silent, monkeypatch):
    rep = silent.as_user("li.ming")
    for i in range(PAGE_SIZE + 2):
        rep.customers.add(f"Quiet {i:02d}")
        silent.clock.advance(3)
    silent.clock.advance(200)
    rep.churn.scan()
    verb = rep.churn.list
    asked, counted = spy(monkeypatch, rep.churn, "list"), spy(monkeypatch, rep.churn, "count")
    view = ChurnModule(rep)
    assert asked[-1]["state"] == counted[-1]["state"] == "open"
    assert_paged_by_the_engine(view.list, asked, counted, lambda **kw: verb(state="open", **kw)["id"].tolist(),
                               term="quiet 1", sort=("customer_name", False))
    staff = silent.as_user("sun.li")
    for n in range(PAGE_SIZE + 1):
        staff.call_center.log(f"Caller {n:02d}", f"010-6666 {1000 + n}", "Asked for a quote" if n % 2 else "Jam",
                              at=f"2026-03-02 {8 + n % 10:02d}:00")
    calls = staff.call_center.list
    asked, counted = spy(monkeypatch, staff.call_center, "list"), spy(monkeypatch, staff.call_center, "count")
    view = CallCenterModule(staff)
    assert_paged_by_the_engine(view.list, asked, counted, lambda **kw: calls(**kw)["id"].tolist(), term="quote",
                               sort=("caller", False))
