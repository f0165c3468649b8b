"""The app shell and the customer views, driven as a student would: set `.value`, `.click()`."""
import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui.customers import PAGE, Customer360View, CustomerForm, CustomerList, HandoverForm


@pytest.fixture
def app(crm):
    return app_module.App(crm)


def test_login_follows_the_users_scope(app):
    app.user.value = "li.ming"
    listed = {name for name, _ in app.view.list.pick.options}
    assert listed == {"1 · Star Tech", "2 · Bright Future Trading"}
    app.user.value = "zhang.wei"
    assert len(app.view.list.pick.options) == 4
    app.user.value = "liu.yang"
    assert [label for label, _ in app.view.list.pick.options] == ["5 · Chengdu Foods"]


def test_language_switch_translates_menu_and_messages(app):
    app.language.value = "zh_CN"
    labels = [label for label, _ in app.menu.options]
    assert labels[0] == "CRM 理论" and {"客户管理", "系统设置"} <= set(labels)
    assert all(not label.startswith("module.") for label in labels)  # every entry translated
    form = app.view.tabs.children[1]
    form.save.click()
    assert form.error_text == "名称不能为空。"


def test_clock_control_only_for_those_who_may_move_it(app):
    assert app.clock_box.layout.display is None
    app.days.value = 7
    app.advance.click()
    assert "2026-03-09" in app.title.value
    app.user.value = "li.ming"
    assert app.clock_box.layout.display == "none"


def test_every_module_opens_for_every_role(crm):
    for username in ("admin", "dong.li", "zhang.wei", "li.ming", "sun.li", "ma.lan", "cai.wu"):
        shell = app_module.App(crm.as_user(username))
        for name in app_module.MODULES:
            shell.menu.value = name
            assert shell.view is not None and "crm-error" not in shell.status.value


def test_show_embeds_one_module(crm):
    assert type(app_module.show(crm, "customers")).__name__ == "CustomersModule"
    with pytest.raises(ValueError, match="unknown module"):
        app_module.show(crm, "nope")


def test_customer_form_creates_and_reports_errors_inline(crm):
    rep = crm.as_user("li.ming")
    form = CustomerForm(rep)
    form.name.value = "Form Made Ltd"
    form.codes["region"].value = "east"
    form.credit.value = 4
    form.save.click()
    assert "Form Made Ltd" in form.status.value and not form.error_text
    made = rep.customers.list(search="Form Made").iloc[0]
    assert (made.region, made.credit, made.owner_name) == ("east", 4, "Li Ming")
    form.texts["phone"].value = "call me maybe"
    form.name.value = "Another Ltd"
    form.save.click()
    assert "is not a phone number" in form.error_text
    assert rep.customers.count(search="Another") == 0


def test_edit_form_loads_and_saves(crm):
    rep = crm.as_user("li.ming")
    form = CustomerForm(rep, customer_id=1)
    assert form.name.value == "Star Tech"
    form.codes["level"].value = "key_account"
    form.save.click()
    assert rep.customers.get(1).level == "key_account"
    other = CustomerForm(crm.as_user("wang.fang"), customer_id=1)
    assert "does not exist or is not one you may see" in other.error_text


def test_list_pages_and_filters(crm):
    for i in range(PAGE + 3):
        crm.as_user("li.ming").customers.add(f"Paged {i:02d}", region="north")
    listing = CustomerList(crm.as_user("li.ming"))
    assert len(listing.pick.options) == PAGE and listing.previous.disabled
    listing.next.click()
    assert len(listing.pick.options) == 5 and listing.next.disabled
    listing.region.value = "north"
    assert listing.page == 0 and "(18 in all)" in listing.page_label.value
    listing.search.value = "Paged 17"
    assert [n for n, _ in listing.pick.options] == [f"{listing.rows.iloc[0].id} · Paged 17"]


def test_360_view_adds_contacts_and_interactions(crm):
    view = Customer360View(crm.as_user("li.ming"), 1)
    view.contact_name.value = "Chen Jing"
    view.contact_mobile.value = "13800000000"
    view.add_contact.click()
    assert "Chen Jing" in view.contacts.value and "added" in view.status.value
    view.subject.value = "Visited the new office"
    view.channel.value = "visit"
    view.log_button.click()
    assert "Visited the new office" in view.interactions.value
    view.subject.value = " "
    view.log_button.click()
    assert view.error_text == "Subject is required."


def test_handover_form_is_checked_by_the_engine(crm):
    form = HandoverForm(crm.as_user("li.ming"))
    form.from_user.value, form.to_user.value = "li.ming", "wang.fang"
    form.hand_over.click()
    assert "may not hand over" in form.error_text
    form = HandoverForm(crm.as_user("zhang.wei"))
    form.from_user.value, form.to_user.value = "li.ming", "wang.fang"
    form.hand_over.click()
    assert "2 customers handed over" in form.status.value


def test_clock_in_a_teaching_scenario_brings_the_simulated_customers(tmp_path):
    from crm_engine.scenario import builtin
    crm = builtin("hardware_distributor").scaled(60).create(tmp_path / "s.duckdb", student="ui")
    orders = crm.sql("SELECT count(*) AS n FROM orders")["n"].iloc[0]
    shell = app_module.App(crm.as_user("dong.li"))
    shown = []
    shell.clock_progress.observe(lambda change: shown.append((change["new"], shell.clock_progress.max)), names="value")
    shell.days.value = 14
    shell.advance.click()
    assert shown[-1] == (14, 14) and len(shown) >= 14                # the bar counted the days as they passed
    assert shell.clock_progress.layout.display == "none"             # and is gone when the clock stops
    assert "crm-ok" in shell.status.value and "orders" in shell.status.value   # the clock's report
    assert crm.sql("SELECT count(*) AS n FROM orders")["n"].iloc[0] > orders      # customers ordered
    assert crm.simulation.present()
    crm.close()


def test_clock_without_a_scenario_only_moves_the_date(crm):
    assert not crm.simulation.present()
    shell = app_module.App(crm)
    shell.advance.click()
    assert "2026-03-03" in shell.status.value and "2026-03-03" in shell.title.value


def test_a_click_opens_a_keep_open_false_workspace_once(workspace_file, monkeypatch):
    """Notebooks open their workspace with keep_open=False (so Validate can get in): one click, one
    open of the file — not one per engine call — and the file is free again after the click."""
    import duckdb
    from crm_engine import CRM
    crm = CRM.open(workspace_file, keep_open=False)
    shell = app_module.App(crm)
    opened, connect = [], duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k))
    shell.advance.click()                                  # clock, header, notifications, the open module
    assert "crm-ok" in shell.status.value and len(opened) == 1
    shell.user.value = "li.ming"                           # a login rebuilds everything
    assert len(opened) == 2 and crm._s.db._con is None
    crm.close()


def test_the_customer_list_pages_in_the_engine(crm, monkeypatch):
    rep = crm.as_user("li.ming")
    for i in range(PAGE + 3):
        rep.customers.add(f"Paged {i:02d}", region="north")
    asked = []
    listed = rep.customers.list
    monkeypatch.setattr(rep.customers, "list", lambda **kw: asked.append(kw) or listed(**kw))
    listing = CustomerList(rep)
    listing.next.click()
    assert asked[-1] == {"search": None, "level": None, "region": None, "sort": "name", "descending": False,
                         "limit": PAGE, "offset": PAGE}
    assert listing.rows["id"].tolist() == listed(sort="name", limit=PAGE, offset=PAGE)["id"].tolist()
    assert listing.rows["owner_name"].unique().tolist() == ["Li Ming"] and listing.next.disabled
    listing.previous.click()
    assert asked[-1]["offset"] == 0 and len(listing.pick.options) == PAGE
    listing.next.click()
    listing.sort.value = "credit"                                   # a new order starts at its first page
    assert listing.page == 0 and asked[-1]["sort"] == "credit" and asked[-1]["offset"] == 0
