"""The app shell, driven as a student would: set `.value`, `.click()` (the customer screens it
opens first: test_customer_screens.py)."""
import pytest

from crm_engine.ui import app as app_module
from tests.ui.kit_helpers import click, has, message, text_of


def customers_shown(view) -> set[int]:
    """The customers whose rows the kit's customer list shows."""
    return {i for i in range(1, 10) if has(view.rc, f"customers-row-{i}")}


@pytest.fixture
def app(crm):
    return app_module.App(crm)


def test_login_follows_the_users_scope(app):
    app.user.value = "li.ming"
    assert customers_shown(app.view) == {1, 2}
    assert "Star Tech" in text_of(app.view) and "Bright Future Trading" in text_of(app.view)
    app.user.value = "zhang.wei"
    assert customers_shown(app.view) == {1, 2, 3, 4}
    app.user.value = "liu.yang"
    assert customers_shown(app.view) == {5}


def test_language_switch_translates_menu_and_messages(app):
    app.language.value = "zh_CN"
    labels = [label for label, _ in app.menu.options]
    assert labels[0] == "CRM 理论" and {"客户管理", "系统设置"} <= set(labels)
    assert all(not label.startswith("module.") for label in labels)  # every entry translated
    app.view.rc.find(meta_ref="customers-tabs").widget.v_model = 1       # new customer
    click(app.view.rc, "new-add")
    click(app.view.rc, "new-confirm")
    assert message(app.view.rc, "new-message") == ("error", "名称不能为空。")


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
