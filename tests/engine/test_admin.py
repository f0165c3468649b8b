"""System settings: users and teams (A1), dictionary and products (A3), clock, settings, audit (A4)."""
import pytest

from crm_engine import Conflict, InvalidInput, NotAllowed, NotFound
from tests.engine.helpers import every_page, snapshot


def test_users_and_the_org_tree(crm):
    teams = crm.admin.teams().set_index("name")
    assert teams.loc["Shanghai", "parent_id"] == teams.loc["East sales", "id"]
    assert teams.loc["East sales", "members"] == 3
    user = crm.admin.add_user("qian.bo", "Qian Bo", role="account_manager", team=4, email="qian@example.cn")
    assert (user.role, user.team_id) == ("account_manager", 4)
    assert crm.admin.update_user("qian.bo", role="supervisor").role == "supervisor"
    assert "qian.bo" in crm.as_user("li.ming").admin.users()["username"].tolist()  # the staff list is public


@pytest.mark.parametrize("args, kwargs, error", [
    (("li.ming", "Dup"), {"role": "finance"}, Conflict),
    (("bad name!", "X"), {"role": "finance"}, InvalidInput),
    (("x", ""), {"role": "finance"}, InvalidInput),
    (("x", "X"), {"role": "emperor"}, InvalidInput),
    (("x", "X"), {"role": "finance", "team": 99}, NotFound),
    (("x", "X"), {"role": "finance", "email": "nope"}, InvalidInput),
])
def test_bad_users_are_refused(crm, args, kwargs, error):
    before = snapshot(crm)
    with pytest.raises(error):
        crm.admin.add_user(*args, **kwargs)
    assert snapshot(crm) == before


def test_the_admin_account_stays_admin(crm):
    with pytest.raises(NotAllowed):
        crm.admin.update_user("admin", role="finance")
    with pytest.raises(NotAllowed):
        crm.admin.deactivate_user("admin")


def test_dictionary_is_bilingual_and_editable_by_the_admin(crm):
    crm.dictionary.add("region", "hk", "Hong Kong", "香港")
    assert crm.dictionary.label("region", "hk") == "Hong Kong"
    crm.set_language("zh_CN")
    assert crm.dictionary.label("region", "hk") == "香港"
    assert ("香港", "hk") in crm.dictionary.choices("region")
    rep = crm.as_user("li.ming")
    assert rep.customers.add("Kowloon Traders", region="hk").region == "hk"
    crm.dictionary.deactivate("region", "hk")
    with pytest.raises(InvalidInput, match="不是有效的地区"):  # as_user keeps the session's language
        rep.customers.add("Another HK Co", region="hk")
    assert rep.customers.list(search="Kowloon").iloc[0].region == "hk"  # existing records keep it
    with pytest.raises(InvalidInput):
        crm.dictionary.add("region", "mo", "Macau", " ")
    with pytest.raises(Conflict):
        crm.dictionary.add("region", "east", "East", "东")
    with pytest.raises(NotFound):
        crm.dictionary.list("planets")


def test_labels_read_within_one_click_follow_an_edit_made_in_it(crm):
    # One click shares a memo of the dictionary's labels (db.kept_open); an edit in the click
    # must not leave the redraw that follows it showing the old name.
    with crm.holding():
        assert crm.dictionary.label("region", "east") != "Far East"
        crm.dictionary.update("region", "east", name_en="Far East")
        assert crm.dictionary.label("region", "east") == "Far East"
        crm.dictionary.add("region", "hk", "Hong Kong", "香港")
        assert crm.dictionary.label("region", "hk") == "Hong Kong"
    assert crm.dictionary.label("region", "east") == "Far East"
    assert crm.dictionary.label("region", "nowhere") == "nowhere"   # an unknown code shows itself


def test_every_dictionary_entry_has_both_names(crm):
    for kind in crm.dictionary.kinds():
        entries = crm.dictionary.list(kind, include_inactive=True)
        assert entries["name_en"].str.strip().ne("").all() and entries["name_zh"].str.strip().ne("").all(), kind


def test_products(crm):
    product_id = crm.products.add("CAB-5", "Cable 5 m", price="19.90", category="consumables", unit="pcs", stock=500)
    crm.products.update(product_id, price=21)
    assert float(crm.products.get(product_id)["price"]) == 21
    with pytest.raises(Conflict):
        crm.products.add("CAB-5", "Again", price=1)
    with pytest.raises(InvalidInput):
        crm.products.add("NEG", "Negative", price=-1)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").products.add("X", "X", price=1)
    assert crm.products.receive(product_id, 120, note="Supplier delivery 0426") == 620
    assert crm.audit.list(kind="product", action="receive")["after"].iloc[-1] == '{"stock": 620}'
    for bad in (0, -5, "many"):
        with pytest.raises(InvalidInput):
            crm.products.receive(product_id, bad)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").products.receive(product_id, 1)


def test_the_clock_moves_forward_only_and_dates_follow_it(crm):
    assert crm.clock.advance(30).isoformat() == "2026-04-01"
    assert crm.as_user("li.ming").customers.add("April Co").created_on.isoformat() == "2026-04-01"
    with pytest.raises(InvalidInput, match="only moves forward"):
        crm.clock.set("2026-03-31")
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").clock.advance(1)
    with pytest.raises(InvalidInput):
        crm.clock.advance(0)
    assert crm.clock.set("2026-05-01") == crm.today()
    assert crm.audit.list(kind="clock")["after"].tolist() == ['"2026-04-01"', '"2026-05-01"']


def test_settings_and_language(crm):
    crm.admin.set_setting("language", "zh_CN")
    assert crm.admin.settings()["language"] == "zh_CN"
    with pytest.raises(InvalidInput):
        crm.admin.set_setting("language", "fr")
    with pytest.raises(InvalidInput, match="no setting"):
        crm.admin.set_setting("colour", "red")
    with pytest.raises(InvalidInput, match="Unknown language"):
        crm.set_language("klingon")


def test_audit_rows_are_private_to_their_author_unless_admin_or_director(crm):
    rep = crm.as_user("li.ming")
    rep.customers.add("Audit Me Ltd")
    mine = rep.audit.list()
    assert set(mine["username"]) == {"li.ming"}
    assert set(crm.as_user("dong.li").audit.list()["username"]) >= {"admin", "li.ming", "wang.fang"}
    assert len(crm.audit.list(since="2026-03-02", until="2026-03-02", kind="customer")) == 6


def test_audit_rows_page_and_a_reps_pages_hold_only_his_own(crm):
    rep = crm.as_user("li.ming")
    for n in range(3):
        rep.customers.add(f"Audited {n} Ltd")
    full = crm.audit.list()
    for offset in range(0, len(full), 4):
        assert crm.audit.list(limit=4, offset=offset)["id"].tolist() == full["id"].tolist()[offset:offset + 4]
    assert crm.audit.list(offset=3)["id"].tolist() == full["id"].tolist()[3:]
    assert set(every_page(rep.audit.list, size=2)["username"]) == {"li.ming"}
    for page in ({"limit": 0}, {"limit": -1}, {"offset": -1}, {"limit": True}, {"offset": "x"}):
        with pytest.raises(InvalidInput) as refused:              # a page of the trail has at least one row
            crm.audit.list(**page)
        assert refused.value.field in ("limit", "offset"), page
