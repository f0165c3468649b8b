"""Classification on the kit (C5): grading refused beside its button for a rep and done by finance,
the stored grades paged by the engine, segments previewed, saved, opened and deleted — in English
and Chinese (issue #20)."""
import pytest

from crm_engine.ui.classification import ClassificationModule
from crm_engine.ui.customers import CustomersModule
from tests.engine.sales_helpers import is_chinese, tables
from tests.ui.kit_helpers import click, has, message, press, text_of

TABLES = ("customers", "customer_grades", "segments", "audit")


@pytest.fixture
def ordered(crm):
    crm.as_user("li.ming").orders.add(1, [{"product": "SRV-2U", "quantity": 2}])
    crm.as_user("wang.fang").orders.add(3, [{"product": "NB-14", "quantity": 1}])
    return crm


def tab(module, index: int) -> None:
    module.rc.find(meta_ref="classification-tabs").widget.v_model = index


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_grading_is_refused_beside_the_button_and_done_by_finance(ordered, language):
    ordered.set_language(language)
    rep = ClassificationModule(ordered.as_user("li.ming"))
    assert ordered.t("ui.page", page=1, pages=1, total=0) in text_of(rep)   # nothing graded yet
    before = tables(ordered, TABLES)
    click(rep.rc, "grade-run")
    kind, text = message(rep.rc, "grade-message")
    assert kind == "error" and tables(ordered, TABLES) == before
    assert (is_chinese(text) if language == "zh_CN" else "may not grade" in text)
    click(rep.rc, "grade-preview")                                   # a preview is anyone's, of their own
    kind, text = message(rep.rc, "grade-message")
    assert kind == "success" and tables(ordered, TABLES) == before
    ranking = text_of(rep.rc.find(meta_ref="grade-ranking").widget)
    assert "Star Tech" in ranking and "Harbour Logistics" not in ranking

    finance = ClassificationModule(ordered.as_user("cai.wu"))
    fill(finance, "since", "2026-06-01")                             # after today: an empty period
    click(finance.rc, "grade-run")
    assert message(finance.rc, "grade-message")[0] == "error"
    assert finance.rc.find(meta_ref="field-since").widget.error_messages
    assert tables(ordered, TABLES) == before
    fill(finance, "since", "")
    click(finance.rc, "grade-run")
    kind, text = message(finance.rc, "grade-message")
    assert kind == "success" and text == ordered.t("ui.class.graded", count=5, since="2025-03-03",
                                                   until="2026-03-02", A=1, B=1, C=3)
    assert ordered.customers.get(1).credit == 5                      # credit follows the grade
    assert ordered.t("ui.page", page=1, pages=1, total=2) in text_of(rep)   # the rep's open view followed
    assert "Harbour Logistics" not in text_of(rep)                   # … with only the rep's customers
    press(finance.rc, "grades-abc-B")
    stored = text_of(finance)
    assert "Harbour Logistics" in stored and ordered.t("ui.page", page=1, pages=1, total=1) in stored


def test_stored_grades_are_paged_by_the_engine(ordered, monkeypatch):
    director = ordered.as_user("dong.li")
    for n in range(12):
        customer = director.customers.add(f"Ranked {n:02d}", owner="li.ming")
        director.orders.add(customer.id, [{"product": "NB-14", "quantity": 1, "unit_price": 100 + 10 * n}])
    director.classification.grade()
    asked, verb = [], director.classification.grades
    monkeypatch.setattr(director.classification, "grades", lambda **kw: asked.append(kw) or verb(**kw))
    view = ClassificationModule(director)
    assert asked[-1]["limit"] == 10 and asked[-1]["offset"] == 0
    click(view.rc, "grades-next")
    assert asked[-1]["offset"] == 10
    view.rc.find(meta_ref="grades-search").widget.v_model = "Ranked 1"
    assert asked[-1]["search"] == "Ranked 1" and asked[-1]["offset"] == 0
    assert all("limit" in call for call in asked)


def test_segments_preview_save_open_and_delete(ordered):
    ordered.as_user("li.ming").classification.tag(2, "VIP")
    rep = ordered.as_user("li.ming")
    view = ClassificationModule(rep)
    tab(view, 2)
    fill(view, "silent_days_min", "soon")
    before = tables(ordered, TABLES)
    click(view.rc, "segment-preview")
    assert message(view.rc, "segment-message")[0] == "error"
    assert view.rc.find(meta_ref="field-silent_days_min").widget.error_messages
    fill(view, "silent_days_min", "")
    fill(view, "tag", "VIP, key")
    click(view.rc, "segment-preview")
    assert message(view.rc, "segment-message") == ("success", ordered.t("ui.class.matching", count=1))
    assert "Bright Future Trading" in text_of(view.rc.find(meta_ref="segment-members").widget)
    click(view.rc, "segment-save")                                   # no name: refused, nothing saved
    kind, text = message(view.rc, "segment-message")
    assert kind == "error" and view.rc.find(meta_ref="field-name").widget.error_messages == [text]
    assert tables(ordered, TABLES) == before
    fill(view, "name", "VIPs")
    click(view.rc, "segment-save")
    assert message(view.rc, "segment-message") == ("success", ordered.t("ui.class.segment_saved", name="VIPs"))
    other = ClassificationModule(ordered.as_user("wang.fang"))
    tab(other, 1)
    assert not has(other.rc, "segments-row-1")                       # a rep sees their own segments
    tab(view, 1)
    assert "Tag: VIP, key" in text_of(view)                          # filters in words, not JSON
    press(view.rc, "segments-row-1")
    assert "VIPs" in text_of(view.rc.find(meta_ref="segment-record-title").widget)
    assert "Bright Future Trading" in text_of(view.rc.find(meta_ref="segment-record").widget)
    click(view.rc, "segment-record-actions-delete")
    assert message(view.rc, "segments-message") == ("success", ordered.t("ui.class.segment_deleted"))
    assert rep.classification.segments().empty and rep.customers.count() == 2


def test_a_ranked_customer_opens_in_the_customer_module(ordered):
    ordered.as_user("cai.wu").classification.grade()
    module = CustomersModule(ordered.as_user("dong.li"))
    module.rc.find(meta_ref="customers-tabs").widget.v_model = 3     # classification (director: 4 tabs)
    press(module.rc, "grades-row-1")
    assert "Star Tech" in text_of(module.rc.find(meta_ref="record-title").widget)
