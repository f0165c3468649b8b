"""The customer call centre (S6): log inbound calls, match the caller, turn calls into
tickets, leads and interaction records."""
import datetime as dt

import pytest

from crm_engine import Conflict, InvalidInput, NotAllowed, NotFound
from crm_engine.care.call_center import phone_key
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)

STAR, BRIGHT, HARBOUR, PUDONG, CHENGDU = 1, 2, 3, 4, 5


@pytest.fixture
def phones(crm):
    """Distinct numbers: Star Tech's own line, a Bright Future contact's mobile, Harbour's line."""
    crm.as_user("li.ming").customers.update(STAR, phone="010-6666 1234")
    crm.as_user("li.ming").customers.add_contact(BRIGHT, "Qian Bo", mobile="+86 138 0013 8000")
    crm.as_user("wang.fang").customers.update(HARBOUR, phone="0532-8888 7777")
    return crm


def test_the_phone_rule():
    assert phone_key("021-5555 0100") == phone_key("+86 21 5555 0100") == phone_key("(021) 55550100") == "2155550100"
    assert phone_key("+86 138 0013 8000") == phone_key("13800138000") == "13800138000"
    assert phone_key("8613800138000") == "13800138000"
    assert phone_key("86123") == "86123"  # too short to carry a country code


def test_a_call_is_matched_by_number_in_any_spelling(phones):
    staff = phones.as_user("sun.li")
    for number in ("010 6666 1234", "+86 10 6666 1234", "010-66661234", "86 (10) 6666-1234"):
        assert staff.call_center.log("Mr Zhou", number, "Asks for a quote").customer_id == STAR
    assert staff.call_center.log("Someone", "138-0013-8000", "Wants a visit").customer_id == BRIGHT  # contact mobile


def test_the_callers_name_matches_or_narrows(phones):
    staff = phones.as_user("sun.li")
    shared = staff.call_center.log("Somebody", "021-5555 0100", "Shared switchboard")
    assert shared.customer_id is None and len(staff.call_center.matches(shared.id)) == 3  # Bright, Pudong, Chengdu
    phones.as_user("zhao.lei").customers.add_contact(PUDONG, "Ms Gao")
    narrowed = staff.call_center.log("ms gao", "021-5555 0100", "Order status")
    assert narrowed.customer_id == PUDONG
    assert staff.call_center.matches(narrowed.id)["matched_by"].tolist() == ["phone+name"]
    by_name = staff.call_center.log("Harbour Logistics Co., Ltd.", "0755-1234 5678", "New number")
    assert by_name.customer_id == HARBOUR
    assert staff.call_center.matches(by_name.id)["matched_by"].tolist() == ["name"]


def test_matching_only_looks_at_customers_the_agent_may_see(phones):
    rep = phones.as_user("li.ming")
    call = rep.call_center.log("Harbour buyer", "0532-8888 7777", "Wrong delivery")
    assert call.customer_id is None and rep.call_center.matches(call.id).empty
    before = snapshot(phones)
    with pytest.raises(NotFound, match="0532-8888 7777"):
        rep.call_center.to_ticket(call.id, service_type="complaint")
    assert snapshot(phones) == before


def test_a_call_becomes_a_ticket(phones):
    staff = phones.as_user("sun.li")
    call = staff.call_center.log("Mr Zhou", "010-6666 1234", "Printer jams every morning\nModel LX-20", at="09:42")
    assert call.called_at == dt.datetime(2026, 3, 2, 9, 42) and call.taken_by == staff.user.id
    ticket_id = staff.call_center.to_ticket(call.id, service_type="repair")
    ticket = staff.service.get(ticket_id)
    assert (ticket.customer_id, ticket.state, ticket.call_id) == (STAR, "new", call.id)
    assert ticket.subject == "Printer jams every morning" and ticket.request == call.summary
    done = staff.call_center.get(call.id)
    assert (done.outcome, done.record_id) == ("ticket", ticket_id)
    assert phones.audit.list(kind="call", record_id=call.id)["action"].tolist() == ["create", "convert"]


def test_a_call_becomes_an_interaction(phones):
    staff = phones.as_user("sun.li")
    call = staff.call_center.log("Qian Bo", "13800138000", "Confirmed the delivery date")
    interaction_id = staff.call_center.to_interaction(call.id)
    record = phones.customers.interactions(BRIGHT).set_index("id").loc[interaction_id]
    assert (record["channel"], record["subject"], record["detail"]) == (
        "phone", "Call from Qian Bo", "Confirmed the delivery date")
    phones.set_language("zh_CN")
    call = phones.call_center.log("钱波", "13800138000", "询问发票")
    second = phones.call_center.to_interaction(call.id)
    assert phones.customers.interactions(BRIGHT).set_index("id").loc[second, "subject"] == "钱波 来电"


def test_an_ambiguous_call_needs_a_customer_to_be_named(phones):
    staff = phones.as_user("sun.li")
    call = staff.call_center.log("Somebody", "021-5555 0100", "Shared switchboard")
    before = snapshot(phones)
    with pytest.raises(Conflict, match="3 customers") as caught:
        staff.call_center.to_interaction(call.id)
    assert "3" in caught.value.message("zh_CN")
    assert snapshot(phones) == before
    assert staff.call_center.to_ticket(call.id, service_type="consultation", customer_id=CHENGDU) > 0
    assert staff.call_center.get(call.id).customer_id == CHENGDU


def test_unknown_numbers_cannot_become_tickets_or_interactions(phones):
    staff = phones.as_user("sun.li")
    call = staff.call_center.log("Ms Hu", "0571-2222 3333", "Wants a quote")
    assert call.customer_id is None
    before = snapshot(phones)
    for convert in (lambda: staff.call_center.to_ticket(call.id, service_type="consultation"),
                    lambda: staff.call_center.to_interaction(call.id)):
        with pytest.raises(NotFound) as caught:
            convert()
        assert "0571-2222 3333" in caught.value.message("en") and "0571-2222 3333" in caught.value.message("zh_CN")
    assert snapshot(phones) == before


def test_a_call_becomes_a_lead_in_the_public_pool(phones):
    staff = phones.as_user("sun.li")
    call = staff.call_center.log("Ms Hu", "0571-2222 3333", "Wants a quote for 20 notebooks")
    lead_id = staff.call_center.to_lead(call.id, company="Hangzhou Hu Trading", email="hu@example.cn")
    lead = phones.leads.get(lead_id)
    assert (lead.name, lead.company, lead.phone, lead.source) == (
        "Ms Hu", "Hangzhou Hu Trading", "0571-2222 3333", "call_center")
    assert lead.state == "unassigned" and lead.owner_id is None
    assert staff.call_center.list(outcome="lead")["record_id"].tolist() == [lead_id]


def test_a_call_becomes_one_thing_only(phones):
    staff = phones.as_user("sun.li")
    call = staff.call_center.log("Mr Zhou", "010-6666 1234", "Asks for a quote")
    staff.call_center.to_interaction(call.id)
    before = snapshot(phones)
    for convert in (lambda: staff.call_center.to_ticket(call.id, service_type="consultation"),
                    lambda: staff.call_center.to_interaction(call.id),
                    lambda: staff.call_center.to_lead(call.id)):
        with pytest.raises(Conflict, match="interaction record"):
            convert()
    assert snapshot(phones) == before


def test_bad_calls_change_nothing(phones, subtests):
    staff = phones.as_user("sun.li")
    before = snapshot(phones)
    for args, at, field in ((("", "010-6666 1234", "x"), None, "caller"),
                            (("Mr Zhou", "call me", "x"), None, "phone"),
                            (("Mr Zhou", "", "x"), None, "phone"),
                            (("Mr Zhou", "010-6666 1234", "  "), None, "call_summary"),
                            (("Mr Zhou", "010-6666 1234", "x"), "25:00", "called_at"),
                            (("Mr Zhou", "010-6666 1234", "x"), "yesterday", "called_at"),
                            (("Mr Zhou", "010-6666 1234", "x"), "2026-03-03 09:00", "called_at"),
                            (("Mr Zhou", "010-6666 1234", "x"), 930, "called_at")):
        with subtests.test(field=field, at=at):
            with pytest.raises(InvalidInput) as caught:
                staff.call_center.log(*args, at=at)
            assert caught.value.field == field
            assert caught.value.message("zh_CN") != caught.value.message("en")
            assert snapshot(phones) == before


def test_call_scopes(phones):
    rep, staff = phones.as_user("li.ming"), phones.as_user("sun.li")
    mine = rep.call_center.log("Mr Zhou", "010-6666 1234", "Quote", at="2026-03-01 16:05")
    theirs = staff.call_center.log("Ms Hu", "0571-2222 3333", "Quote")
    assert rep.call_center.list()["id"].tolist() == [mine.id]
    assert set(staff.call_center.list()["id"]) == {mine.id, theirs.id}
    assert staff.call_center.list(on_date="2026-03-01")["id"].tolist() == [mine.id]
    assert len(staff.call_center.list(open_only=True)) == 2
    with pytest.raises(NotFound):
        phones.as_user("wang.fang").call_center.get(mine.id)
    phones.admin.set_policy("call", "account_manager", read="all", write="own")
    assert rep.call_center.get(theirs.id).caller == "Ms Hu"
    before = snapshot(phones)
    with pytest.raises(NotAllowed, match="Sun Li"):  # may read the service desk's calls, not convert them
        rep.call_center.to_lead(theirs.id)
    assert snapshot(phones) == before
    with pytest.raises(InvalidInput):
        staff.call_center.list(outcome="email")


def test_call_pages_are_slices_and_stay_in_scope(phones):
    rep, staff = phones.as_user("li.ming"), phones.as_user("sun.li")
    for at in ("2026-03-01 16:05", "2026-03-01 16:05", "2026-03-02 09:00"):   # the same minute: the id orders
        rep.call_center.log("Mr Zhou", "010-6666 1234", "Quote", at=at)
        staff.call_center.log("Ms Hu", "0571-2222 3333", "Quote", at=at)
    assert len(assert_pages(staff.call_center.list, size=4)) == 6
    assert_pages(staff.call_center.list, on_date="2026-03-01", size=3)
    mine = every_page(rep.call_center.list, size=2)
    assert len(mine) == 3 and set(mine["taken_by_name"]) == {"Li Ming"}
    assert_bad_pages_refused(phones, staff.call_center.list, open_only=True)


def test_calls_are_searched_sorted_and_counted_in_the_engine(phones):
    rep, staff = phones.as_user("li.ming"), phones.as_user("sun.li")
    rep.call_center.log("Mr Zhou", "010-6666 1234", "Quote for printers", at="2026-03-01 16:05")   # Star Tech's line
    staff.call_center.log("Ms Hu", "0571-2222 3333", "Printer jam", at="2026-03-01 16:05")
    staff.call_center.log("Mr Wu", "0532-8888 7777", "Delivery late", at="2026-03-02 09:00")     # Harbour's line
    rep.call_center.log("Ms Qian", "021-1234 5678", "Call back 100%", at="2026-03-02 10:30")
    columns, sorts = ("caller", "phone", "summary", "customer_name"), ("called_at", "caller")
    found = assert_search_sort_count(phones, phones.call_center.list, phones.call_center.count, term="printer",
                                     columns=columns, sorts=sorts)
    assert set(found["caller"]) == {"Mr Zhou", "Ms Hu"}
    assert phones.call_center.list(search="harbour")["caller"].tolist() == ["Mr Wu"]   # the customer it came from
    assert phones.call_center.list(search="0%")["caller"].tolist() == ["Ms Qian"]
    assert_search_sort_count(phones, phones.call_center.list, phones.call_center.count, term="mr",
                             columns=columns, sorts=sorts, open_only=True)
    mine = assert_search_stays_in_scope(rep.call_center.list, staff.call_center.list, term="m")
    assert set(mine["caller"]) == {"Mr Zhou", "Ms Qian"}
    phones.as_user("zhang.wei").customers.reassign(STAR, to="wang.fang")  # his call now names her customer
    assert rep.call_center.list(search="zhou")["customer_name"].isna().all()
    assert rep.call_center.count(search="star tech") == 0 < phones.call_center.count(search="star tech")
