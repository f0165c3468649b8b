"""Service tickets (S1–S5): create, assign, handle, feedback, archive, search."""
import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.care.service import TICKET, tokens
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, refused_unchanged, snapshot)

STAR, BRIGHT, HARBOUR, PUDONG, CHENGDU = 1, 2, 3, 4, 5


def open_ticket(crm, customer_id=STAR, *, subject="Printer jams", request="The printer jams every morning",
                service_type="complaint", by="sun.li"):
    return crm.as_user(by).service.add(customer_id, service_type=service_type, subject=subject, request=request).id


def ticket_in(crm, state, customer_id=STAR, *, handling="Cleaned the rollers", result="Works", **texts):
    """A ticket brought to `state` along the normal path (the director assigns, Sun Li handles)."""
    ticket = open_ticket(crm, customer_id, **texts)
    if state in ("assigned", "handled", "archived"):
        crm.as_user("dong.li").service.assign(ticket, "sun.li")
    if state in ("handled", "archived"):
        crm.as_user("sun.li").service.handle(ticket, handling)
    if state == "archived":
        crm.as_user("sun.li").service.feedback(ticket, satisfaction=4, result=result)
    assert crm.service.get(ticket).state == state
    return ticket


def test_the_whole_life_of_a_ticket_with_a_second_try(crm):
    rep = crm.as_user("li.ming")
    ticket = rep.service.add(STAR, service_type="repair", subject="Server fan noise", request="Fan is loud")
    assert (ticket.state, ticket.customer_name, ticket.created_by) == ("new", "Star Tech", rep.user.id)
    supervisor, staff = crm.as_user("zhang.wei"), crm.as_user("sun.li")
    assigned = supervisor.service.assign(ticket.id, "sun.li")
    assert (assigned.state, assigned.assigned_to) == ("assigned", staff.user.id)
    handled = staff.service.handle(ticket.id, "Replaced the fan")
    assert (handled.state, handled.attempts, handled.handling) == ("handled", 1, "Replaced the fan")
    back = rep.service.feedback(ticket.id, satisfaction=2, result="Still loud at night")
    assert (back.state, back.satisfaction, back.result) == ("assigned", 2, "Still loud at night")  # feedback kept
    assert back.assigned_to == staff.user.id and back.archived_on is None
    staff.service.handle(ticket.id, "Installed a quieter fan and dampers")
    done = crm.as_user("sun.li").service.feedback(ticket.id, satisfaction=5, result="Quiet now")
    assert (done.state, done.satisfaction, done.attempts) == ("archived", 5, 2)
    assert done.archived_on is not None
    steps = crm.service.steps(ticket.id)
    assert steps[["attempt", "step"]].values.tolist() == [[1, "handling"], [1, "feedback"], [2, "handling"],
                                                          [2, "feedback"]]
    assert steps["satisfaction"].tolist()[1] == 2
    assert crm.service.history(ticket.id)["action"].tolist() == [
        "create", "assign", "handle", "send_back", "handle", "archive"]
    assert crm.audit.list(kind="ticket", record_id=ticket.id)["action"].tolist() == [
        "create", "assign", "handle", "feedback", "handle", "feedback"]


def test_satisfaction_three_or_more_archives(crm, subtests):
    for satisfaction, state in ((1, "assigned"), (2, "assigned"), (3, "archived"), (4, "archived"),
                                (5, "archived"), ("3", "archived")):
        with subtests.test(satisfaction=satisfaction):
            ticket = ticket_in(crm, "handled")
            assert crm.service.feedback(ticket, satisfaction=satisfaction, result="Called back").state == state


# -- every allowed and forbidden move ---------------------------------------------------
TABLE = {("new", "assign"): "assigned", ("assigned", "handle"): "handled",
         ("handled", "archive"): "archived", ("handled", "send_back"): "assigned"}
STATES = ("new", "assigned", "handled", "archived")


def test_the_transition_table_is_the_documented_one():
    assert TICKET.transitions == TABLE and TICKET.states == STATES
    for state in STATES:
        for verb in TICKET.actions:
            if (state, verb) in TABLE:
                assert TICKET.check(1, state, verb) == TABLE[state, verb]
            else:
                with pytest.raises(TransitionNotAllowed):
                    TICKET.check(1, state, verb)


def test_each_verb_in_each_state_through_the_engine(crm, subtests):
    """A fresh ticket per pair: allowed pairs move as the table says, the others are refused
    with a translated message and change nothing."""
    for state in STATES:
        for verb in ("assign", "handle", "archive", "send_back"):
            with subtests.test(state=state, verb=verb):
                ticket = ticket_in(crm, state)
                act = {"assign": lambda: crm.as_user("dong.li").service.assign(ticket, "sun.li"),
                       "handle": lambda: crm.as_user("sun.li").service.handle(ticket, "Again"),
                       "archive": lambda: crm.service.feedback(ticket, satisfaction=4, result="Fine"),
                       "send_back": lambda: crm.service.feedback(ticket, satisfaction=1, result="Bad")}[verb]
                if (state, verb) in TABLE:
                    assert act().state == TABLE[state, verb]
                else:
                    refused_unchanged(crm, act)


# -- roles and scopes -------------------------------------------------------------------
def test_only_a_supervisor_or_director_assigns(crm):
    ticket = ticket_in(crm, "new")
    before = snapshot(crm)
    for who in ("li.ming", "sun.li", "ma.lan", "cai.wu"):
        with pytest.raises(NotAllowed) as caught:
            crm.as_user(who).service.assign(ticket, "sun.li")
        assert caught.value.message("zh_CN") != caught.value.message("en")
    with pytest.raises(NotFound):  # the West supervisor does not see East's customers' tickets
        crm.as_user("chen.hua").service.assign(ticket, "sun.li")
    assert snapshot(crm) == before


def test_assigning_a_ticket_that_is_not_new_names_its_handler(crm):
    ticket = ticket_in(crm, "assigned")
    before = snapshot(crm)
    with pytest.raises(TransitionNotAllowed, match="Sun Li") as caught:
        crm.as_user("zhang.wei").service.assign(ticket, "li.ming")
    assert "Sun Li" in caught.value.message("zh_CN")
    assert snapshot(crm) == before


def test_the_handler_must_be_able_to_handle_it(crm, subtests):
    ticket = ticket_in(crm, "new")
    before = snapshot(crm)
    for handler, error in (("ma.lan", InvalidInput), ("cai.wu", InvalidInput), ("dong.li", InvalidInput),
                           ("wang.fang", InvalidInput),  # an account manager who may not see Li Ming's customer
                           ("nobody", NotFound)):
        with subtests.test(handler=handler):
            with pytest.raises(error) as caught:
                crm.as_user("zhang.wei").service.assign(ticket, handler)
            if error is InvalidInput:
                assert caught.value.field == "handler"
            assert snapshot(crm) == before


def test_an_account_manager_may_handle_own_customers_tickets(crm):
    ticket = ticket_in(crm, "new")
    crm.as_user("zhang.wei").service.assign(ticket, "li.ming")
    assert crm.as_user("li.ming").service.handle(ticket, "Visited and fixed").state == "handled"
    assert crm.as_user("li.ming").service.list(mine=True)["id"].tolist() == [ticket]


def test_only_the_assignee_handles(crm):
    ticket = ticket_in(crm, "new")
    crm.as_user("zhang.wei").service.assign(ticket, "li.ming")
    before = snapshot(crm)
    for who in ("sun.li", "zhang.wei", "admin", "dong.li"):
        with pytest.raises(NotAllowed, match="Li Ming") as caught:
            crm.as_user(who).service.handle(ticket, "I did it")
        assert "Li Ming" in caught.value.message("zh_CN")
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").service.handle(ticket, "Not even visible")
    assert snapshot(crm) == before


def test_feedback_needs_a_satisfaction_from_1_to_5_and_a_result(crm, subtests):
    ticket = ticket_in(crm, "handled")
    before = snapshot(crm)
    for satisfaction in (0, 6, -1, "text", "", None, 2.5, True):
        with subtests.test(satisfaction=satisfaction):
            with pytest.raises(InvalidInput) as caught:
                crm.service.feedback(ticket, satisfaction=satisfaction, result="Called back")
            assert caught.value.field == "satisfaction"
            assert caught.value.message("zh_CN") != caught.value.message("en")
            assert snapshot(crm) == before
    for result in ("", "   ", None, 5):
        with subtests.test(result=result):
            with pytest.raises(InvalidInput) as caught:
                crm.service.feedback(ticket, satisfaction=4, result=result)
            assert caught.value.field == "feedback_result"
            assert snapshot(crm) == before


def test_who_may_give_feedback(crm):
    ticket = ticket_in(crm, "handled")
    before = snapshot(crm)
    for who, error in (("ma.lan", NotAllowed), ("cai.wu", NotFound), ("wang.fang", NotFound)):
        with pytest.raises(error):
            crm.as_user(who).service.feedback(ticket, satisfaction=4, result="OK")
    assert snapshot(crm) == before
    assert crm.as_user("li.ming").service.feedback(ticket, satisfaction=4, result="OK").state == "archived"


def test_bad_tickets_change_nothing(crm, subtests):
    before = snapshot(crm)
    for fields, field in (({"service_type": "praise"}, "service_type"), ({"service_type": None}, "service_type"),
                          ({"subject": ""}, "subject"), ({"request": "  "}, "request"),
                          ({"subject": "x" * 201}, "subject"), ({"contact_id": 999}, None),
                          ({"contact_id": "abc"}, "ticket_contact")):
        with subtests.test(**{k: str(v)[:20] for k, v in fields.items()}):
            values = {"service_type": "complaint", "subject": "Late", "request": "Two weeks late", **fields}
            with pytest.raises((InvalidInput, NotFound)) as caught:
                crm.as_user("sun.li").service.add(STAR, **values)
            assert caught.value.field == field
            assert snapshot(crm) == before


def test_ticket_scopes(crm):
    ticket_in(crm, "new", STAR)
    ticket_in(crm, "new", HARBOUR)
    ticket_in(crm, "new", CHENGDU)
    with pytest.raises(NotFound):  # a rep cannot open tickets for a customer they cannot see
        crm.as_user("li.ming").service.add(HARBOUR, service_type="other", subject="x", request="y")
    with pytest.raises(NotAllowed):  # marketing reads tickets but does not open them
        crm.as_user("ma.lan").service.add(HARBOUR, service_type="other", subject="x", request="y")
    assert set(crm.as_user("li.ming").service.list()["customer_id"]) == {STAR}
    assert set(crm.as_user("zhang.wei").service.list()["customer_id"]) == {STAR, HARBOUR}
    assert len(crm.as_user("sun.li").service.list()) == 3 and len(crm.as_user("ma.lan").service.list()) == 3
    assert crm.as_user("cai.wu").service.list().empty
    assert len(crm.service.list(state="new", service_type="complaint")) == 3
    with pytest.raises(InvalidInput):
        crm.service.list(state="lost")


def test_exports_of_care_lists_are_scoped(crm, tmp_path):
    ticket_in(crm, "new", STAR)
    ticket_in(crm, "new", HARBOUR)
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    rep = crm.as_user("li.ming")
    assert rep.exports.write("tickets", tmp_path / "tickets.csv") == 1
    assert rep.exports.write("churn_warnings", tmp_path / "churn.csv") == 2
    assert crm.exports.write("churn_warnings", tmp_path / "all.csv") == 5
    assert crm.audit.list(action="export")["kind"].tolist() == ["tickets", "churn_warnings", "churn_warnings"]


# -- searching the archive (S5) ----------------------------------------------------------------
@pytest.fixture
def archive(crm):
    ticket_in(crm, "archived", STAR, subject="Printer jams", request="Paper jam in tray 2",
              handling="Replaced the pickup roller", result="No more jams")
    ticket_in(crm, "archived", HARBOUR, subject="Invoice wrong", request="VAT rate on invoice is 6% not 13%",
              handling="Reissued the invoice", result="Accepted")
    ticket_in(crm, "archived", CHENGDU, subject="打印机卡纸", request="仓库打印机每天早上卡纸",
              handling="更换了搓纸轮", result="客户满意")
    ticket_in(crm, "assigned", STAR, subject="Printer jams again", request="Printer jam")  # not archived
    return crm


def test_search_ranks_archived_tickets(archive):
    found = archive.service.search("printer roller")
    assert found["subject"].tolist() == ["Printer jams"]
    assert found.iloc[0]["matched"] == 2 and found.iloc[0]["score"] == 3 + 2  # subject, handling
    assert archive.service.search("invoice jam")["subject"].tolist() == ["Invoice wrong", "Printer jams"]
    assert archive.service.search("13%")["subject"].tolist() == ["Invoice wrong"]
    assert archive.service.search("zebra").empty
    assert archive.service.search("printer", service_type="consultation").empty


def test_search_finds_chinese_text_without_spaces(archive):
    assert tokens("打印机卡纸") == ["打印机卡纸", "打印", "印机", "机卡", "卡纸"]
    assert archive.service.search("打印机卡纸")["customer_id"].tolist() == [CHENGDU]
    assert archive.service.search("搓纸轮坏了")["customer_id"].tolist() == [CHENGDU]


def test_search_respects_scope_and_literal_wildcards(archive):
    assert archive.as_user("li.ming").service.search("invoice printer")["customer_id"].tolist() == [STAR]
    assert archive.as_user("cai.wu").service.search("printer").empty
    assert archive.service.search("tray 2")["subject"].tolist() == ["Printer jams"]
    assert archive.service.search("tray_2").empty  # "_" is a literal underscore, not a LIKE wildcard
    for nothing in ("  ", "?!", "%"):
        with pytest.raises(InvalidInput) as caught:
            archive.service.search(nothing)
        assert caught.value.field == "search_text"


# -- paging ------------------------------------------------------------------------------------------
def test_ticket_pages_are_slices_of_the_whole_list_and_stay_in_scope(crm):
    for customer in (STAR, BRIGHT, HARBOUR, CHENGDU, STAR, STAR):    # all on the same day: the id orders them
        ticket_in(crm, "new", customer)
    ticket_in(crm, "assigned", BRIGHT)
    everyone = assert_pages(crm.service.list)
    assert everyone["id"].tolist() == sorted(everyone["id"], reverse=True)
    assert_pages(crm.service.list, state="new", service_type="complaint", size=4)
    rep = crm.as_user("li.ming")                                       # Star Tech and Bright Future are his
    pages = every_page(rep.service.list, size=2)
    assert len(pages) == 5 and set(pages["customer_id"]) == {STAR, BRIGHT}
    assert_pages(rep.service.list, size=2)
    assert every_page(crm.as_user("sun.li").service.list, size=3, mine=True)["id"].tolist() == \
        crm.as_user("sun.li").service.list(mine=True)["id"].tolist()
    assert_bad_pages_refused(crm, rep.service.list)


def test_search_results_page_too(archive):
    best = archive.service.search("invoice jam printer")
    assert len(best) == 2
    for offset in range(3):
        paged = archive.service.search("invoice jam printer", limit=1, offset=offset)
        assert paged["id"].tolist() == best["id"].tolist()[offset:offset + 1]
    for page in ({"limit": 0}, {"limit": 501}, {"limit": None}, {"offset": -1}, {"offset": True}, {"limit": "x"}):
        with pytest.raises(InvalidInput) as refused:
            archive.service.search("printer", **page)
        assert refused.value.field in ("limit", "offset"), page


def test_tickets_are_searched_sorted_and_counted_in_the_engine(crm):
    for customer, subject, state in ((STAR, "Printer jams", "new"), (BRIGHT, "Toner low", "assigned"),
                                     (HARBOUR, "Printer offline", "new"), (CHENGDU, "Invoice 100%", "new"),
                                     (STAR, "Server fan", "assigned")):
        ticket_in(crm, state, customer, subject=subject)
        crm.clock.advance(1)
    columns = ("subject", "customer_name", "handler_name")
    sorts = ("created_on", "id", "customer_name", "state")
    found = assert_search_sort_count(crm, crm.service.list, crm.service.count, term="PRINTER", columns=columns,
                                     sorts=sorts)
    assert set(found["subject"]) == {"Printer jams", "Printer offline"}
    assert set(crm.service.list(search="sun li")["subject"]) == {"Toner low", "Server fan"}  # the handler
    assert_search_sort_count(crm, crm.service.list, crm.service.count, term="star", columns=columns, sorts=sorts,
                             state="new")
    assert crm.service.list(search="0%")["subject"].tolist() == ["Invoice 100%"]
    mine = assert_search_stays_in_scope(crm.as_user("li.ming").service.list, crm.service.list, term="printer")
    assert mine["subject"].tolist() == ["Printer jams"]
