"""The customer screens on the kit: list (chips, search, sort, pages from the engine) → a row
opens the customer's record page → refused actions disabled with the engine's reason or answered
beside the button (database unchanged) → accepted actions confirmed → every open view redrawn,
in English and in Chinese (issue #20)."""
import re

import pytest

from crm_engine.ui import kit, show
from crm_engine.ui.customers import CustomersModule
from tests.engine.sales_helpers import is_chinese, tables
from tests.ui.kit_helpers import click, has, message, press, text_of

TABLES = ("customers", "contacts", "interactions", "customer_tags", "audit", "leads", "opportunities")
RAW = ("None", "<NA>", "nan", "NaT", "owner_name", "owner_id", "key_account", "east", "phone", "updated_on")


def tab(module, index: int, ref: str = "customers-tabs") -> None:
    module.rc.find(meta_ref=ref).widget.v_model = index


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


def row_text(module, customer_id: int) -> str:
    return text_of(module.rc.find(meta_ref=f"customers-row-{customer_id}").widget)


def listed(module) -> list[int]:
    """The ids in the first column of the rows the customer list shows now (read from the rows'
    text: a row widget reused for another page keeps its first tag)."""
    tables_ = [w for w in module.rc.find(meta_ref="customers").widgets if getattr(w, "tag", "") == "table"]
    if not tables_:       # "Nothing to show yet."
        return []
    body = tables_[0].children[1]
    found = []
    for row in body.children:
        cells = getattr(row, "cells", None)          # a row drawn as one HTML widget
        text = re.sub(r"<[^>]+>", " ", cells) if isinstance(cells, str) else text_of(row)
        found.append(int(text.split()[0]))
    return sorted(found)


def no_raw_text(module) -> None:
    words = set(text_of(module).replace("·", " ").replace(":", " ").replace(";", " ").split())
    assert not set(RAW) & words, set(RAW) & words


def reason_shown(module, reason: str) -> bool:
    return reason in [w.attributes.get("title") for w in module.rc.find(class_="crm-action").widgets]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_list_record_refused_and_accepted_actions_redraw_every_view(crm, language):
    crm.admin.apply_preset("open")                    # reps read every card, write their own
    rep, colleague = crm.as_user("li.ming"), crm.as_user("wang.fang")
    crm.set_language(language)                        # handles made before follow
    other_cell = CustomersModule(crm.as_user("zhang.wei"))
    view = CustomersModule(colleague)
    assert listed(view) == [1, 2, 3, 4, 5]
    press(view.rc, "customers-row-1")                 # a row click opens the record
    assert "Star Tech" in text_of(view.rc.find(meta_ref="record-title").widget)
    assert not has(view.rc, "path")                   # a customer has no state machine: no path bar
    no_raw_text(view)

    # not hers: editing is disabled with the engine's own reason on hover; logging a call is allowed
    why = colleague.customers.actions(1)
    edit = view.rc.find(meta_ref="record-actions-update").widget
    assert edit.disabled and "Li Ming" in why["update"] and reason_shown(view, why["update"])
    assert view.rc.find(meta_ref="record-actions-reassign").widget.disabled
    handover = view.rc.find(meta_ref="record-actions-handover").widget      # a rep: disabled, with the reason
    assert handover.disabled and reason_shown(view, why["handover"])
    log = view.rc.find(meta_ref="record-actions-log_interaction").widget
    assert not log.disabled
    click(view.rc, "record-actions-log_interaction")
    before = tables(crm, TABLES)
    click(view.rc, "record-actions-confirm")          # no subject: refused beside the button, marked
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and crm.t("field.subject") in text and tables(crm, TABLES) == before
    assert view.rc.find(meta_ref="field-subject").widget.error_messages == [text]
    fill(view, "subject", "Asked about the spring price list")
    click(view.rc, "record-actions-confirm")
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "success" and "Asked about the spring price list" in text and "Star Tech" in text
    tab(view, 2, "record-tabs")
    assert "Asked about the spring price list" in text_of(view.rc.find(meta_ref="interactions").widget)
    assert (is_chinese(text_of(view)) if language == "zh_CN" else "Interaction records" in text_of(view))

    # the supervisor, in another cell, reassigns it: the open record and the list follow
    boss_view = other_cell
    press(boss_view.rc, "customers-row-1")
    assert not boss_view.rc.find(meta_ref="record-actions-reassign").widget.disabled
    click(boss_view.rc, "record-actions-reassign")
    click(boss_view.rc, "record-actions-confirm")
    assert message(boss_view.rc, "record-actions-message")[0] == "error"        # nobody chosen
    fill(boss_view, "to_user", "wang.fang")
    click(boss_view.rc, "record-actions-confirm")
    assert message(boss_view.rc, "record-actions-message") == (
        "success", crm.t("ui.cust.reassigned", name="Star Tech", user="Wang Fang"))
    assert crm.customers.get(1).owner_id == colleague.user.id
    assert not view.rc.find(meta_ref="record-actions-update").widget.disabled   # hers now, redrawn
    assert crm.t("ui.cust.owned_by", owner="Wang Fang") in text_of(view.rc.find(meta_ref="record").widget)
    click(boss_view.rc, "record-close")
    assert "Wang Fang" in row_text(boss_view, 1)
    no_raw_text(view)


def test_the_owner_edits_the_card_and_its_history_says_what_changed(crm):
    rep = crm.as_user("li.ming")
    view = CustomersModule(rep)
    press(view.rc, "customers-row-1")
    click(view.rc, "record-actions-update")
    assert view.rc.find(meta_ref="field-name").widget.v_model == "Star Tech"      # the card as it is
    fill(view, "phone", "call me maybe")
    before = tables(crm, TABLES)
    click(view.rc, "record-actions-confirm")
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and tables(crm, TABLES) == before
    assert view.rc.find(meta_ref="field-phone").widget.error_messages == [text]
    fill(view, "phone", "021-5555 0199")
    fill(view, "level", "key_account")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.cust.card_saved", name="Star Tech"))
    card = rep.customers.get(1)
    assert (card.level, card.phone) == ("key_account", "021-5555 0199")
    assert "Key account" in text_of(view.rc.find(meta_ref="facts").widget)
    tab(view, 6, "record-tabs")                                                   # history
    history = text_of(view.rc.find(meta_ref="history").widget)
    assert "Customer level: Ordinary customer → Key account" in history and "Li Ming" in history
    no_raw_text(view)


def test_contacts_and_tags_on_the_record(crm):
    rep = crm.as_user("li.ming")
    view = CustomersModule(rep)
    press(view.rc, "customers-row-2")
    assert view.rc.find(meta_ref="record-actions-untag").widget.disabled          # no tags yet: nothing to remove
    click(view.rc, "record-actions-add_contact")
    fill(view, "name", "Chen Jing")
    fill(view, "mobile", "13800000000")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.contact_added", name="Chen Jing"))
    tab(view, 1, "record-tabs")
    assert "Chen Jing" in text_of(view.rc.find(meta_ref="contacts").widget)
    click(view.rc, "record-actions-tag")
    before = tables(crm, TABLES)
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message")[0] == "error" and tables(crm, TABLES) == before
    fill(view, "tag", "VIP")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message")[0] == "success" and rep.classification.tags(2) == ["VIP"]
    tab(view, 5, "record-tabs")
    assert has(view.rc, "tag-VIP")
    click(view.rc, "record-actions-untag")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message")[0] == "success" and rep.classification.tags(2) == []


def test_a_customer_out_of_sight_says_so_and_a_ticket_shows_among_related_records(crm):
    crm.as_user("sun.li").service.add(1, service_type="complaint", subject="Screen flickers", request="Broken")
    view = CustomersModule(crm.as_user("li.ming"))
    press(view.rc, "customers-row-1")
    tab(view, 4, "record-tabs")
    assert "Screen flickers" in text_of(view.rc.find(meta_ref="related-tickets").widget)
    from crm_engine.ui.customer_record import CustomerRecord
    other = kit.mount(CustomerRecord(crm.as_user("liu.yang"), 1))
    kind, text = message(other.rc, "record-message")
    assert kind == "error" and "not one you may see" in text


def test_chips_search_sort_and_pages_come_from_the_engine(crm, monkeypatch):
    rep = crm.as_user("li.ming")
    for i in range(12):
        rep.customers.add(f"Paged {i:02d}", region="north", level="key_account" if i % 3 == 0 else "ordinary")
    asked, verb = [], rep.customers.list
    monkeypatch.setattr(rep.customers, "list", lambda **kw: asked.append(kw) or verb(**kw))
    view = CustomersModule(rep)
    assert asked[-1]["limit"] == kit.listview.PAGE_SIZE and asked[-1]["offset"] == 0 and asked[-1]["sort"] == "name"
    assert crm.t("ui.page", page=1, pages=2, total=14) in text_of(view)
    click(view.rc, "customers-next")
    assert asked[-1]["offset"] == kit.listview.PAGE_SIZE and len(listed(view)) == 4
    press(view.rc, "customers-region-north")                      # a chip filters (from the first page)
    assert asked[-1]["region"] == "north" and asked[-1]["offset"] == 0 and len(listed(view)) == 10
    press(view.rc, "customers-level-key_account")
    assert asked[-1]["level"] == "key_account" and listed(view) == sorted(
        verb(region="north", level="key_account")["id"].tolist())
    press(view.rc, "customers-sort-credit")
    assert (asked[-1]["sort"], asked[-1]["descending"]) == ("credit", False)
    press(view.rc, "customers-level-all")
    press(view.rc, "customers-region-all")
    view.rc.find(meta_ref="customers-search").widget.v_model = "Paged 07"
    assert asked[-1]["search"] == "Paged 07" and len(listed(view)) == 1
    assert all("limit" in call for call in asked)                   # never the whole list


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_new_customer_and_handover(crm, language):
    crm.set_language(language)
    rep = crm.as_user("li.ming")
    view = CustomersModule(rep)
    assert crm.t("ui.cust.handover_tab") not in text_of(view)    # a rep has no hand-over tab
    tab(view, 1)
    click(view.rc, "new-add")
    before = tables(crm, TABLES)
    click(view.rc, "new-confirm")
    kind, text = message(view.rc, "new-message")
    assert kind == "error" and tables(crm, TABLES) == before
    assert view.rc.find(meta_ref="field-name").widget.error_messages == [text]
    fill(view, "name", "Form Made Ltd")
    fill(view, "region", "east")
    fill(view, "credit", "4")
    click(view.rc, "new-confirm")
    made = rep.customers.list(search="Form Made").iloc[0]
    assert message(view.rc, "new-message") == ("success", crm.t("ui.customer_added", name="Form Made Ltd",
                                                                id=int(made.id)))
    assert (made.region, made.credit, made.owner_name) == ("east", 4, "Li Ming")
    tab(view, 0)
    assert int(made.id) in listed(view)                            # the list follows

    boss = CustomersModule(crm.as_user("zhang.wei"))
    tab(boss, 2)
    click(boss.rc, "handover-handover")
    before = tables(crm, TABLES)
    click(boss.rc, "handover-confirm")
    assert message(boss.rc, "handover-message")[0] == "error" and tables(crm, TABLES) == before
    fill(boss, "owner", "li.ming")
    fill(boss, "to_user", "wang.fang")
    click(boss.rc, "handover-confirm")
    assert message(boss.rc, "handover-message") == ("success", crm.t(
        "ui.cust.handed_over", count=3, from_user="Li Ming", to_user="Wang Fang"))
    tab(view, 0)
    assert listed(view) == []                                      # the rep's list, open all along


def test_a_departing_reps_customers_handed_over_from_one_of_their_records(crm):
    boss = CustomersModule(crm.as_user("zhang.wei"))
    press(boss.rc, "customers-row-2")
    click(boss.rc, "record-actions-handover")
    fill(boss, "to_user", "zhao.lei")
    click(boss.rc, "record-actions-confirm")
    assert message(boss.rc, "record-actions-message") == ("success", crm.t(
        "ui.cust.handed_over", count=2, from_user="Li Ming", to_user="Zhao Lei"))
    assert crm.t("ui.cust.owned_by", owner="Zhao Lei") in text_of(boss.rc.find(meta_ref="record").widget)
    assert crm.as_user("li.ming").customers.count() == 0


def test_show_and_the_text_fallback(crm):
    module = show(crm, "customers")
    assert type(module).__name__ == "CustomersModule"
    bundle = module._repr_mimebundle_()
    assert "Star Tech" in bundle["text/plain"] and "None" not in bundle["text/plain"]
