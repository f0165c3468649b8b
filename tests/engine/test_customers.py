"""Customer cards (C1), contacts and interactions (C2), the 360, reassign and hand-over (C5)."""
import pytest

from crm_engine import Conflict, InvalidInput, NotAllowed, NotFound
from tests.engine.helpers import assert_bad_pages_refused, assert_pages, every_page, snapshot


def test_add_and_read_back_every_field(crm):
    rep = crm.as_user("li.ming")
    customer = rep.customers.add(
        "Nanjing Precision Castings", phone="+86 25 8888 0000", email="sales@njpc.cn", address="88 Zhongshan Rd",
        legal_rep="Qian Bo", founded="2009-05-20", ownership="private", industry="manufacturing",
        company_size="medium", assets="12,500,000", customer_type="enterprise", characteristics="Buys in Q4",
        business_situation="Growing exports", transaction_status="Regular monthly orders", level="key_account",
        credit=4, satisfaction=5, credit_limit=200000, region="east", route="Nanjing-2")
    again = rep.customers.get(customer.id)
    assert again == customer
    assert again.owner_id == crm.as_user("li.ming").user.id
    assert str(again.assets) == "12500000.00" and again.founded.isoformat() == "2009-05-20"
    assert again.created_on.isoformat() == "2026-03-02"  # the scenario clock, not the wall clock


@pytest.mark.parametrize("fields, field", [
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "Co", "credit": 6}, "credit"),
    ({"name": "Co", "satisfaction": 0}, "satisfaction"), ({"name": "Co", "satisfaction": "good"}, "satisfaction"),
    ({"name": "Co", "founded": "20/05/2009"}, "founded"), ({"name": "Co", "founded": "2009-02-30"}, "founded"),
    ({"name": "Co", "founded": "2027-01-01"}, "founded"), ({"name": "Co", "assets": -5}, "assets"),
    ({"name": "Co", "credit_limit": "lots"}, "credit_limit"), ({"name": "Co", "region": "mars"}, "region"),
    ({"name": "Co", "level": "vip"}, "level"), ({"name": "Co", "phone": "call me"}, "phone"),
    ({"name": "Co", "email": "not-an-address"}, "email"), ({"name": "Co", "colour": "red"}, "colour"),
    ({"name": "---"}, "name"),
])
def test_bad_input_is_refused_and_changes_nothing(crm, fields, field):
    rep = crm.as_user("li.ming")
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.customers.add(**fields)
    assert caught.value.field == field
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before


def test_text_is_stored_verbatim(crm):
    rep = crm.as_user("li.ming")
    tricky = "Robert'); DROP TABLE customers;-- 🚀 \"Quotes\" 100% _under_"
    customer = rep.customers.add(tricky, address="路 %s ?; -- 😀")
    assert rep.customers.get(customer.id).name == tricky
    assert rep.customers.get(customer.id).address == "路 %s ?; -- 😀"
    assert rep.customers.list(search="100%")["name"].tolist() == [tricky]
    assert rep.customers.list(search="_under_")["name"].tolist() == [tricky]
    assert len(rep.customers.list(search="%")) == 1  # a literal %, not a wildcard


def test_a_name_made_only_of_legal_words_is_still_a_name():
    from crm_engine.names import normalise
    assert normalise("COMPANYLIMITED") == "companylimited"
    assert normalise("Company Limited") == "companylimited"
    assert normalise("Star Tech Company Limited") == normalise("star tech")


def test_duplicate_names_are_caught_after_normalising(crm):
    rep = crm.as_user("wang.fang")
    with pytest.raises(Conflict, match="Star Tech") as caught:
        rep.customers.add("STAR TECH Co., Ltd.")
    assert "Li Ming" in str(caught.value)
    crm.as_user("li.ming").customers.add("上海明达科技有限公司")
    with pytest.raises(Conflict):
        rep.customers.add("上海明达科技")
    assert rep.customers.add("Star Tech", allow_duplicate=True).name == "Star Tech"


def test_a_rep_cannot_see_or_edit_another_reps_customer(crm):
    star = crm.customers.list(search="Star Tech").iloc[0]
    other = crm.as_user("wang.fang")
    for call in (lambda: other.customers.get(star.id), lambda: other.customers.update(star.id, phone="123456"),
                 lambda: other.customers.view(star.id), lambda: other.customers.add_contact(star.id, "Spy")):
        with pytest.raises(NotFound):
            call()


def test_open_policy_lets_reps_read_but_not_write(crm):
    crm.admin.apply_preset("open")
    star = crm.customers.list(search="Star Tech").iloc[0]
    other = crm.as_user("wang.fang")
    assert other.customers.get(star.id).name == "Star Tech"
    with pytest.raises(NotAllowed, match="belongs to Li Ming") as caught:
        other.customers.update(star.id, phone="123456")
    assert "归属于 Li Ming" in caught.value.message("zh_CN")


def test_supervisor_edits_the_team_director_everything(crm):
    star = crm.customers.list(search="Star Tech").iloc[0]
    chengdu = crm.customers.list(search="Chengdu").iloc[0]
    east = crm.as_user("zhang.wei")
    assert east.customers.update(star.id, level="key_account").level == "key_account"
    assert len(east.customers.list()) == 4  # east team incl. the Shanghai sub-team
    with pytest.raises(NotFound):
        east.customers.update(chengdu.id, level="partner")
    assert crm.as_user("dong.li").customers.update(chengdu.id, level="partner").level == "partner"


def test_update_audits_before_and_after(crm):
    rep = crm.as_user("li.ming")
    star = rep.customers.list(search="Star Tech").iloc[0]
    rep.customers.update(star.id, credit=2, satisfaction=3)
    row = crm.audit.list(kind="customer", record_id=int(star.id), action="update").iloc[-1]
    assert '"credit": null' in row.before and '"credit": 2' in row.after
    assert row.username == "li.ming"


def test_contacts_interactions_orders_make_the_360(crm):
    rep = crm.as_user("li.ming")
    star = int(rep.customers.list(search="Star Tech").iloc[0].id)
    first = rep.customers.add_contact(star, "Chen Jing", title="CTO", mobile="13800000000", is_primary=True)
    second = rep.customers.add_contact(star, "Hu Bin", is_primary=True)
    rep.customers.log_interaction(star, "Demo of the new notebooks", channel="visit", contact_id=first)
    rep.orders.add(star, [{"product": "NB-14", "quantity": 10}, {"product": "SUP-1Y", "quantity": 1, "unit_price": 5500}])
    view = rep.customers.view(star)
    assert view.customer.name == "Star Tech" and view.owner == "Li Ming"
    assert view.contacts["name"].tolist() == ["Hu Bin", "Chen Jing"]  # one primary contact, listed first
    assert view.interactions["subject"].tolist() == ["Demo of the new notebooks"]
    assert view.total_ordered == 10 * 4999 + 5500
    assert view.last_order_date.isoformat() == "2026-03-02"
    lines = rep.orders.lines(int(view.orders.iloc[0].id))
    assert lines["amount"].sum() == 10 * 4999 + 5500
    with pytest.raises(NotFound, match="not a contact"):
        rep.customers.log_interaction(star, "x", contact_id=second + 100)
    with pytest.raises(InvalidInput, match="after today"):
        rep.customers.log_interaction(star, "x", on_date="2026-03-03")


def test_the_360_lists_newest_first_and_the_primary_contact_first(crm):
    rep = crm.as_user("li.ming")
    star = int(rep.customers.list(search="Star Tech").iloc[0].id)
    for name, primary in (("Ann", False), ("Bo", False), ("Cai", True), ("Dong", False)):
        rep.customers.add_contact(star, name, is_primary=primary)
    for subject, day in (("b", "2026-01-05"), ("a", "2026-02-01"), ("c", "2026-01-05"), ("d", "2025-12-30")):
        rep.customers.log_interaction(star, subject, on_date=day)
    for day in ("2026-01-05", "2026-02-20", "2026-01-05", "2025-11-11"):
        rep.orders.add(star, [{"product": "NB-14", "quantity": 1}], order_date=day)
    view = rep.customers.view(star)
    assert view.contacts["name"].tolist() == ["Cai", "Ann", "Bo", "Dong"]
    assert view.interactions["subject"].tolist() == ["a", "c", "b", "d"]   # same day: the later record first
    orders = view.orders
    assert orders["order_date"].dt.strftime("%m-%d").tolist() == ["02-20", "01-05", "01-05", "11-11"]
    assert orders["id"].iloc[1] > orders["id"].iloc[2]


def test_orders_refuse_bad_lines(crm):
    rep = crm.as_user("li.ming")
    star = int(rep.customers.list(search="Star Tech").iloc[0].id)
    before = snapshot(crm)
    for lines, error in [([], InvalidInput), ([{"product": "NB-14", "quantity": -1}], InvalidInput),
                         ([{"product": "NB-14", "quantity": "ten"}], InvalidInput),
                         ([{"product": "NB-14", "quantity": 1, "unit_price": -3}], InvalidInput),
                         ([{"product": "XX", "quantity": 1}], NotFound), (["NB-14"], InvalidInput)]:
        with pytest.raises(error):
            rep.orders.add(star, lines)
    assert snapshot(crm) == before


def test_delete_only_without_orders(crm):
    rep = crm.as_user("li.ming")
    fresh = rep.customers.add("Short Lived Co")
    rep.customers.delete(fresh.id)
    with pytest.raises(NotFound):
        rep.customers.get(fresh.id)
    star = int(rep.customers.list(search="Star Tech").iloc[0].id)
    rep.orders.add(star, [{"product": "NB-14", "quantity": 1}])
    with pytest.raises(NotAllowed, match=r"has business records \(orders: 1\)"):
        rep.customers.delete(star)


def test_handover_moves_every_customer_in_one_action(crm):
    supervisor = crm.as_user("zhang.wei")
    leaving = crm.as_user("li.ming")
    star = int(leaving.customers.list(search="Star Tech").iloc[0].id)
    leaving.customers.log_interaction(star, "Last call before leaving")
    moved = supervisor.customers.handover("li.ming", "wang.fang")
    assert moved == 2
    assert leaving.customers.count() == 0
    receiving = crm.as_user("wang.fang")
    assert receiving.customers.count() == 3
    assert receiving.customers.view(star).interactions["subject"].tolist() == ["Last call before leaving"]
    crm.admin.deactivate_user("li.ming")


@pytest.mark.parametrize("who, from_user, to_user, error", [
    ("li.ming", "li.ming", "wang.fang", NotAllowed),        # a rep cannot hand over
    ("chen.hua", "li.ming", "liu.yang", NotAllowed),        # west supervisor, east rep
    ("zhang.wei", "li.ming", "liu.yang", NotAllowed),       # receiver outside the team
    ("zhang.wei", "li.ming", "sun.li", InvalidInput),       # service staff cannot own customers
    ("zhang.wei", "li.ming", "li.ming", InvalidInput),
])
def test_handover_refusals_change_nothing(crm, who, from_user, to_user, error):
    before = snapshot(crm)
    with pytest.raises(error):
        crm.as_user(who).customers.handover(from_user, to_user)
    assert snapshot(crm) == before


def test_a_user_who_still_owns_customers_cannot_be_deactivated(crm):
    with pytest.raises(NotAllowed, match="hand them over first"):
        crm.admin.deactivate_user("li.ming")


def test_reassign_is_a_supervisor_act(crm):
    star = int(crm.customers.list(search="Star Tech").iloc[0].id)
    with pytest.raises(NotAllowed, match="may not reassign"):
        crm.as_user("li.ming").customers.reassign(star, "wang.fang")
    assert crm.as_user("zhang.wei").customers.reassign(star, "zhao.lei").owner_id == crm.as_user("zhao.lei").user.id


def test_list_filters_sort_and_pages(crm):
    director = crm.as_user("dong.li")
    names = director.customers.list(sort="name")["name"].tolist()
    assert names == sorted(names)
    page = director.customers.list(sort="name", limit=2, offset=2)
    assert page["name"].tolist() == names[2:4]
    assert director.customers.count(region="southwest") == 1
    assert director.customers.list(owner="li.ming")["owner_name"].unique().tolist() == ["Li Ming"]
    with pytest.raises(InvalidInput):
        director.customers.list(sort="name; DROP TABLE users")


from hypothesis import given, settings, strategies as st  # noqa: E402

CONTROL = "".join(chr(c) for c in (*range(9), 11, 12, *range(14, 32), 127))   # validate.CONTROL: never text
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROL), min_size=1, max_size=60) \
    .filter(lambda t: t.strip() and any(ch.isalnum() for ch in t))


@settings(max_examples=25, deadline=None)
@given(name=TEXT, address=TEXT, notes=TEXT)
def test_any_text_round_trips_verbatim(name, address, notes):
    """Quotes, SQL metacharacters, emoji, any script: stored and read back exactly (trimmed)."""
    from crm_engine import CRM
    from tests.conftest import build_company
    crm = build_company(CRM.memory(today="2026-03-02"))
    rep = crm.as_user("li.ming")
    customer = rep.customers.add(name, address=address, characteristics=notes, allow_duplicate=True)
    contact = rep.customers.add_contact(customer.id, name, notes=notes)
    again = rep.customers.get(customer.id)
    assert (again.name, again.address, again.characteristics) == (name.strip(), address.strip(), notes.strip())
    assert rep.customers.contacts(customer.id).set_index("id").loc[contact, "notes"] == notes.strip()
    crm.close()


def test_handover_goes_to_an_account_manager_and_keeps_assignment_history(crm):
    supervisor = crm.as_user("zhang.wei")
    with pytest.raises(InvalidInput, match="go to an account manager"):
        supervisor.customers.handover("li.ming", "zhang.wei")
    lead = crm.as_user("li.ming").leads.add("Lead before leaving", company="Someday Ltd")
    crm.clock.advance(5)
    supervisor.customers.handover("li.ming", "wang.fang")
    history = crm._s.db.df("SELECT u.username, a.assigned_on, a.ended_on, a.how FROM assignments a "
                           "JOIN users u ON u.id = a.user_id WHERE kind = 'lead' AND record_id = ? ORDER BY a.assigned_on, u.username",
                           [lead.id])
    assert history[["username", "how"]].values.tolist() == [["li.ming", "create"], ["wang.fang", "handover"]]
    assert str(history.ended_on.iloc[0].date()) == "2026-03-07" and str(history.assigned_on.iloc[1].date()) == "2026-03-07"


def test_deactivation_waits_for_every_open_record(crm):
    crm.as_user("zhang.wei").customers.handover("li.ming", "wang.fang")
    crm.as_user("li.ming").leads.add("Still mine", company="Pending Co")
    with pytest.raises(NotAllowed, match=r"leads: 1"):
        crm.admin.deactivate_user("li.ming")


def test_unknown_fields_and_numpy_ids():
    import numpy as np
    from crm_engine import CRM
    crm = CRM.memory(today="2026-03-02")
    with pytest.raises(InvalidInput, match="There is no field 'colour'"):
        crm.customers.add("X", colour="red")
    assert crm.as_user(np.int64(1)).user.username == "admin"


def test_the_clock_read_inside_an_action_follows_a_move_in_the_same_action(crm):
    db = crm._s.db
    with db.transaction():
        assert crm.today().isoformat() == "2026-03-02"
        crm.clock.advance(3)
        assert crm.today().isoformat() == "2026-03-05"


def test_customer_pages_are_slices_and_a_manager_pages_over_his_own(crm):
    rep = crm.as_user("li.ming")
    for n in range(4):
        rep.customers.add(f"Paged {n}", region="north")
        crm.as_user("wang.fang").customers.add(f"Other {n}", region="north")
    assert_pages(crm.customers.list, size=3)
    assert_pages(crm.customers.list, sort="region", descending=True, size=4)
    mine = every_page(rep.customers.list, size=2, region="north", sort="name")
    assert mine["name"].tolist() == [f"Paged {n}" for n in range(4)] and set(mine["owner_name"]) == {"Li Ming"}
    assert rep.customers.count(region="north") == 4
    assert_bad_pages_refused(crm, rep.customers.list, region="north")
