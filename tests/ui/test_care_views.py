"""The customer 360's care tabs, the data dictionary editor and classification, driven as a
student would (`.value = …`, `.click()`); the care modules are in the menu. (The churn, service
and call-centre screens are on the kit: tests/ui/test_churn_screen.py, test_service_screen.py,
test_call_center_screen.py.)

For every form: the happy path, the engine's validation errors shown inline, and scope —
a rep never sees another rep's records in any list.
"""
import datetime as dt

import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui.admin import AdminModule
from crm_engine.ui.base import PAGE_SIZE
from crm_engine.ui.classification import ClassificationView
from crm_engine.ui.customers import Customer360View
from tests.ui.helpers import assert_paged_by_the_engine, spy


def open_row(listing, record_id):
    listing.pick.value = record_id
    listing.open_button.click()


@pytest.fixture
def silent(crm):
    """Seven months on: every customer (none has ordered) is due a churn warning."""
    crm.clock.advance(214)
    return crm


# -- customer 360: tickets, churn, tags ------------------------------------------------------
def test_360_shows_tickets_churn_and_tags(silent):
    rep = silent.as_user("li.ming")
    rep.service.add(1, service_type="complaint", subject="Screen flickers", request="It flickers")
    rep.churn.scan()
    view = Customer360View(rep, 1)
    assert "Screen flickers" in view.tickets.value
    assert "Churn warning open" in view.churn.value
    assert "No tags yet" in view.tags.value
    view.add_tag.click()
    assert view.error_text == "Tag is required."
    view.tag_text.value = "VIP"
    view.add_tag.click()
    assert "VIP" in view.tags.value and rep.classification.tags(1) == ["VIP"]
    view.tag_pick.value = "VIP"
    view.remove_tag.click()
    assert rep.classification.tags(1) == [] and "removed" in view.status.value


def test_360_of_someone_elses_customer_cannot_be_tagged(crm):
    view = Customer360View(crm.as_user("li.ming"), 3)
    assert view.error_text                       # not one Li Ming may see
    view.tag_text.value = "Mine now"
    view.add_tag.click()
    assert view.error_text and crm.classification.tags(3) == []


# -- system settings: the data dictionary ------------------------------------------------------
def test_dictionary_editor_adds_changes_and_deactivates(crm):
    editor = AdminModule(crm).dictionary
    editor.kind.value = "region"
    form = editor.add_form
    form.code.value, form.name_en.value = "hk", "Hong Kong"
    form.add.click()
    assert form.invalid_field == "name_zh"
    form.name_zh.value = "香港"
    form.add.click()
    assert "Entry hk added" in form.status.value and "Hong Kong" in editor.entries.value
    form.code.value, form.name_en.value, form.name_zh.value = "hk", "Again", "再次"
    form.add.click()
    assert form.error_text                       # a duplicate code
    edit = editor.edit_form
    edit.entry.value = "hk"
    assert edit.name_zh.value == "香港"
    edit.sort_order.value = "first"
    edit.save.click()
    assert edit.invalid_field == "sort_order"
    edit.sort_order.value, edit.name_en.value = "0", "Hong Kong SAR"
    edit.save.click()
    assert crm.dictionary.label("region", "hk") == "Hong Kong SAR"
    edit.entry.value = "hk"
    edit.deactivate.click()
    assert "hk" not in [code for _, code in crm.dictionary.choices("region")]


def test_only_the_administrator_edits_the_dictionary(crm):
    form = AdminModule(crm.as_user("dong.li")).dictionary.add_form
    form.code.value, form.name_en.value, form.name_zh.value = "mars", "Mars", "火星"
    form.add.click()
    assert "may not" in form.error_text
    assert "mars" not in [code for _, code in crm.dictionary.choices("region")]


def test_care_modules_are_in_the_menu(crm):
    shell = app_module.App(crm.as_user("sun.li"))
    for name in ("churn", "service", "call_center"):
        shell.menu.value = name
        assert type(shell.view).__name__ == {"churn": "ChurnModule", "service": "ServiceModule",
                                             "call_center": "CallCenterModule"}[name]


# -- classification (ABC, credit, segments) --------------------------------------------------
@pytest.fixture
def ordered(crm):
    crm.as_user("li.ming").orders.add(1, [{"product": "SRV-2U", "quantity": 2}])
    crm.as_user("wang.fang").orders.add(3, [{"product": "NB-14", "quantity": 1}])
    return crm


def test_grading_is_for_finance_and_directors(ordered):
    rep = ClassificationView(ordered.as_user("li.ming"))
    rep.grade_form.grade.click()
    assert "may not grade" in rep.grade_form.error_text
    rep.grade_form.preview.click()
    assert list(rep.grade_form.rows["customer_name"]) == ["Star Tech", "Bright Future Trading"]   # own only
    finance = ClassificationView(ordered.as_user("cai.wu"))
    finance.grade_form.since.value = dt.date(2026, 6, 1)      # after today: an empty period
    finance.grade_form.grade.click()
    assert finance.grade_form.invalid_field == "since"
    finance.grade_form.since.value = None
    finance.grade_form.grade.click()
    assert "5 customers graded" in finance.grade_form.status.value and "A 1, B 1, C 3" in finance.grade_form.status.value
    assert finance.grades.ids[:2] == [1, 3]
    assert ordered.customers.get(1).credit == 5                 # credit follows the grade
    assert ClassificationView(ordered.as_user("li.ming")).grades.ids == [1, 2]


def test_segments_preview_save_open_delete(ordered):
    ordered.as_user("li.ming").classification.tag(2, "VIP")
    view = ClassificationView(ordered.as_user("li.ming"))
    form = view.segment_form
    form.numbers["silent_days_min"].value = "soon"
    form.preview.click()
    assert form.invalid_field == "silent_days_min"
    form.numbers["silent_days_min"].value = ""
    form.tags.value = "VIP, key"
    form.preview.click()
    assert list(form.rows["name"]) == ["Bright Future Trading"]
    form.save.click()
    assert form.invalid_field == "name"
    form.name.value = "VIPs"
    form.save.click()
    assert "VIPs" in form.status.value and "saved" in form.status.value and view.segments.ids == [1]
    assert ClassificationView(ordered.as_user("wang.fang")).segments.ids == []   # a rep's own segments
    open_row(view.segments, 1)
    assert "Bright Future Trading" in view.members.value
    view.delete.click()
    assert view.segments.ids == [] and "untouched" in view.status.value


def test_classification_tab_is_built_when_first_shown(crm):
    from crm_engine.ui.customers import CustomersModule
    module = CustomersModule(crm.as_user("cai.wu"))
    tab = module.tabs.children[-1]
    assert tab.children == ()
    module.tabs.selected_index = len(module.tabs.children) - 1
    assert isinstance(tab.children[0], ClassificationView)


# -- paging: one page at a time, from the engine ---------------------------------------------------
def test_grades_ask_the_engine_for_one_page_at_a_time(crm, monkeypatch):
    rep = crm.as_user("li.ming")
    for n in range(PAGE_SIZE + 2):
        customer = rep.customers.add(f"{'Graded' if n % 2 else 'Ranked'} {n:02d}")
        rep.orders.add(customer.id, [{"product": "NB-14", "quantity": 1, "unit_price": 100 + 10 * n}])
    director = crm.as_user("dong.li")
    director.classification.grade()
    grades = director.classification.grades
    asked = spy(monkeypatch, director.classification, "grades")
    counted = spy(monkeypatch, director.classification, "grades_count")
    view = ClassificationView(director)
    assert_paged_by_the_engine(view.grades, asked, counted, lambda **kw: grades(**kw)["customer_id"].tolist(),
                               term="ranked", sort=("customer_name", False))
    view.abc.value = "A"
    assert asked[-1]["abc"] == counted[-1]["abc"] == "A" and view.grades.total == len(grades(abc="A"))
