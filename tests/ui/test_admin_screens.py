"""System settings on the kit (A1–A4): users, the sharing policy, the data dictionary, products and
backups — each change confirmed or refused beside its button, a refusal changing nothing, in
English and Chinese (issue #20)."""
import pytest

from crm_engine.ui import show
from crm_engine.ui.admin import AdminModule
from tests.engine.sales_helpers import is_chinese, tables
from tests.ui.kit_helpers import click, message, text_of

TABLES = ("users", "dictionary", "products", "stock_moves", "policies", "audit")


def tab(module, index: int) -> None:
    module.rc.find(meta_ref="admin-tabs").widget.v_model = index


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


@pytest.fixture
def snapshot(crm):
    names = [t for t in TABLES if crm._s.db.scalar(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [t])]
    return lambda: tables(crm, names)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_dictionary_entries_added_changed_and_deactivated(crm, snapshot, language):
    crm.set_language(language)
    view = AdminModule(crm)
    tab(view, 2)
    view.rc.find(meta_ref="dictionary-kind").widget.v_model = "region"
    click(view.rc, "dictionary-actions-add_entry")
    fill(view, "code", "hk")
    fill(view, "name_en", "Hong Kong")
    before = snapshot()
    click(view.rc, "dictionary-actions-confirm")
    kind, text = message(view.rc, "dictionary-actions-message")
    assert kind == "error" and view.rc.find(meta_ref="field-name_zh").widget.error_messages == [text]
    assert snapshot() == before and (is_chinese(text) if language == "zh_CN" else "required" in text)
    fill(view, "name_zh", "香港")
    click(view.rc, "dictionary-actions-confirm")
    assert message(view.rc, "dictionary-actions-message") == (
        "success", crm.t("ui.dict.added", code="hk", kind=crm.t("field.region")))
    assert "Hong Kong" in text_of(view.rc.find(meta_ref="dictionary").widget)
    click(view.rc, "dictionary-actions-update_entry")
    fill(view, "code", "hk")
    fill(view, "sort_order", "first")
    click(view.rc, "dictionary-actions-confirm")
    assert view.rc.find(meta_ref="field-sort_order").widget.error_messages
    fill(view, "sort_order", "0")
    fill(view, "name_en", "Hong Kong SAR")
    click(view.rc, "dictionary-actions-confirm")
    assert message(view.rc, "dictionary-actions-message") == ("success", crm.t("ui.saved"))
    assert crm.dictionary.label("region", "hk") in ("Hong Kong SAR", "香港")
    click(view.rc, "dictionary-actions-deactivate_entry")
    fill(view, "code", "hk")
    click(view.rc, "dictionary-actions-confirm")
    assert message(view.rc, "dictionary-actions-message")[0] == "success"
    assert "hk" not in [code for _, code in crm.dictionary.choices("region")]


def test_only_the_administrator_edits_the_dictionary_and_products(crm, snapshot):
    view = AdminModule(crm.as_user("dong.li"))
    tab(view, 2)
    view.rc.find(meta_ref="dictionary-kind").widget.v_model = "region"
    click(view.rc, "dictionary-actions-add_entry")
    for name, value in {"code": "mars", "name_en": "Mars", "name_zh": "火星"}.items():
        fill(view, name, value)
    before = snapshot()
    click(view.rc, "dictionary-actions-confirm")
    kind, text = message(view.rc, "dictionary-actions-message")
    assert kind == "error" and "may not" in text and snapshot() == before
    tab(view, 3)
    click(view.rc, "products-actions-add_product")
    for name, value in {"code": "X", "name": "X", "price": "1"}.items():
        fill(view, name, value)
    click(view.rc, "products-actions-confirm")
    assert message(view.rc, "products-actions-message")[0] == "error" and snapshot() == before


def test_products_added_changed_and_received(crm, snapshot):
    view = AdminModule(crm)
    tab(view, 3)
    click(view.rc, "products-actions-add_product")
    for name, value in {"code": "MON-27", "name": "Monitor 27\"", "price": "-1"}.items():
        fill(view, name, value)
    before = snapshot()
    click(view.rc, "products-actions-confirm")
    assert message(view.rc, "products-actions-message")[0] == "error" and snapshot() == before
    assert view.rc.find(meta_ref="field-price").widget.error_messages
    fill(view, "price", "1299")
    fill(view, "stock", "10")
    click(view.rc, "products-actions-confirm")
    assert message(view.rc, "products-actions-message") == ("success", crm.t("ui.product.added", code="MON-27", id=4))
    assert "MON-27" in text_of(view.rc.find(meta_ref="products").widget)
    click(view.rc, "products-actions-update_product")
    fill(view, "product", 4)
    fill(view, "price", "1199")
    click(view.rc, "products-actions-confirm")
    assert message(view.rc, "products-actions-message")[0] == "success"
    assert float(crm.products.get(4)["price"]) == 1199
    click(view.rc, "products-actions-receive")
    fill(view, "product", 4)
    fill(view, "quantity", "0")
    click(view.rc, "products-actions-confirm")
    assert view.rc.find(meta_ref="field-quantity").widget.error_messages
    fill(view, "quantity", "5")
    click(view.rc, "products-actions-confirm")
    assert message(view.rc, "products-actions-message") == ("success", crm.t("ui.product.received", stock=15))


def test_users_policy_and_backup(crm, tmp_path):
    view = show(crm, "admin")
    assert type(view).__name__ == "AdminModule"
    click(view.rc, "users-actions-add_user")
    fill(view, "username", "he.jun")
    click(view.rc, "users-actions-confirm")
    assert message(view.rc, "users-actions-message")[0] == "error"
    fill(view, "name", "He Jun")
    fill(view, "team", 4)
    click(view.rc, "users-actions-confirm")
    assert message(view.rc, "users-actions-message") == ("success", crm.t("ui.user_added", name="He Jun"))
    assert "West sales" in text_of(view.rc.find(meta_ref="users").widget)
    tab(view, 1)
    click(view.rc, "policy-actions-apply_preset")
    fill(view, "preset", "open")
    click(view.rc, "policy-actions-confirm")
    assert message(view.rc, "policy-actions-message")[0] == "success"
    assert crm.as_user("li.ming").customers.count() == 5
    shown = text_of(view)
    assert "address_book" not in shown, shown[shown.find("address_book") - 300:]
    assert "None" not in shown.split()
    tab(view, 4)
    click(view.rc, "backup-actions-backup")
    fill(view, "path", str(tmp_path / "copy.duckdb"))
    click(view.rc, "backup-actions-confirm")
    kind, text = message(view.rc, "backup-actions-message")
    assert kind == "success" and (tmp_path / "copy.duckdb").exists()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_administrator_sets_passwords_and_hub_links_on_the_logins_tab(crm, language):
    crm.set_language(language)
    view = AdminModule(crm)
    tab(view, 5)
    click(view.rc, "logins-actions-set_password")
    password_box = view.rc.find(meta_ref="field-password").widget
    assert password_box.type == "password"                     # typed blind, like any password field
    fill(view, "username", "li.ming")
    fill(view, "password", "short")
    before = crm.logins.list()
    click(view.rc, "logins-actions-confirm")
    kind, text = message(view.rc, "logins-actions-message")
    assert kind == "error" and (is_chinese(text) if language == "zh_CN" else "8" in text)
    assert crm.logins.list().equals(before) and crm.logins.verify("li.ming", "short") is None
    fill(view, "password", "a long enough password")
    click(view.rc, "logins-actions-confirm")
    assert message(view.rc, "logins-actions-message") == ("success", crm.t("ui.logins.password_set", user="li.ming"))
    assert crm.logins.verify("li.ming", "a long enough password") == "li.ming"
    assert "a long enough password" not in text_of(view.rc.find(meta_ref="logins").widget)
    click(view.rc, "logins-actions-link_hub")
    fill(view, "hub_name", "s101")
    fill(view, "username", "wang.fang")
    click(view.rc, "logins-actions-confirm")
    assert crm.logins.hub_user("s101") == "wang.fang"
    assert "s101" in text_of(view.rc.find(meta_ref="logins").widget)


def test_only_the_administrator_has_the_logins_tab(crm):
    assert crm.t("ui.logins.title") in text_of(AdminModule(crm).rc.find(meta_ref="admin-tabs").widget)
    director = AdminModule(crm.as_user("dong.li"))
    labels = text_of(director.rc.find(meta_ref="admin-tabs").widget)
    assert crm.t("ui.logins.title") not in labels
