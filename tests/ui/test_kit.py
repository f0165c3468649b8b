"""The UI toolkit's parts, rendered and clicked without a browser (issue #20)."""
import datetime as dt
import math

import pandas as pd
import pytest
import solara

from crm_engine.errors import InvalidInput, NotAllowed
from crm_engine.ui import kit
from tests.engine.sales_helpers import opportunity_in
from tests.ui.kit_helpers import click, has, message, press, text_of

COLUMNS = [kit.Column("id", "field.id", sort="id"),
           kit.Column("customer_name", "field.customer_name", sort="customer_name"),
           kit.Column("state", "field.status", kind="state", of="opportunity", sort="state"),
           kit.Column("source", "field.lead_source", kind="code", of="lead_source", priority=3),
           kit.Column("expected_amount", "field.expected_amount", kind="money", sort="expected_amount"),
           kit.Column("assigned_on", "ui.opportunities.assigned_on", kind="date", priority=2),
           kit.Column("owner_id", "field.owner", kind="user", priority=2)]


# -- words and figures ----------------------------------------------------------------------
def test_blanks_are_blank_and_figures_formatted():
    for nothing in (None, float("nan"), pd.NA, pd.NaT, "  "):
        assert kit.blank(nothing) == "" and kit.money(nothing) == "" and kit.date(nothing) == ""
    assert kit.money(250000) == "250,000.00" and kit.percent(0.5575) == "55.8 %"
    assert kit.percent(30, digits=0, fraction=False) == "30 %"
    assert kit.date(dt.date(2026, 3, 2)) == kit.date(pd.Timestamp("2026-03-02 10:00")) == "2026-03-02"
    assert "-" not in kit.date("2026-03-02", unbreakable=True)   # never broken across lines


def test_labels_translate_codes_states_roles_and_users(crm):
    labels = kit.Labels(crm)
    assert labels.state("opportunity", "assigned") == "Assigned"
    assert labels.role("supervisor") == crm.t("role.supervisor")
    assert labels.user(crm.as_user("li.ming").user.id) == "Li Ming"
    assert labels.code("lead_source", "referral") not in ("", "referral")
    crm.set_language("zh_CN")
    labels = kit.Labels(crm)
    assert labels.state("opportunity", "succeeded") == crm.t("state.opportunity.succeeded") != "succeeded"
    assert labels.code("lead_source", None) == "" and labels.user(None) == ""


# -- the list ----------------------------------------------------------------------------------
def test_list_pages_sorts_searches_and_opens_a_row(crm):
    for n in range(12):
        opportunity_in(crm, "unassigned" if n % 2 else "assigned")
    opened, asked = [], []

    def listing(**kw):
        asked.append(kw)
        return crm.opportunities.list(**kw)

    box, rc = solara.render(kit.RecordList(crm, listing, crm.opportunities.count, COLUMNS, on_open=opened.append,
                                           page_size=5, sort="id"), handle_error=False)
    total = crm.opportunities.count()
    assert asked[-1] == {"sort": "id", "descending": False, "limit": 5, "offset": 0}
    assert f"({total} in all)" in text_of(rc.find(meta_ref="list-page").widget)
    first = int(crm.opportunities.list(sort="id", limit=1)["id"][0])
    press(rc, f"list-row-{first}")
    assert opened == [first]
    click(rc, "list-next")
    assert asked[-1]["offset"] == 5
    press(rc, "list-sort-expected_amount")                          # a header click sorts, from page 1
    assert asked[-1]["sort"] == "expected_amount" and asked[-1]["offset"] == 0 and not asked[-1]["descending"]
    press(rc, "list-sort-expected_amount")
    assert asked[-1]["descending"]
    rc.find(meta_ref="list-search").widget.v_model = "Prospect"
    assert asked[-1]["search"] == "Prospect"
    shown = text_of(box)
    for raw in ("None", "<NA>", "nan", "NaT", "unassigned", "owner_id"):
        assert raw not in shown.split()
    assert "Unassigned" in shown or "Assigned" in shown
    assert rc.find(meta_ref="list").widget.class_ == "crm-kit-table"


def test_list_shows_the_engines_refusal_not_a_traceback(crm):
    def refused(**_kw):
        raise NotAllowed("error.role", user="X", role="Y", action="Z")

    box, rc = solara.render(kit.RecordList(crm, refused, refused, COLUMNS), handle_error=False)
    kind, text = message(rc, "list-message")
    assert kind == "error" and "X" in text


# -- the record page ---------------------------------------------------------------------------
def test_path_bar_follows_the_state_machine():
    from crm_engine.sales.opportunities import OPPORTUNITY
    assert kit.path_states(OPPORTUNITY, "assigned") == [["unassigned"], ["assigned"], ["succeeded", "failed"]]


def test_path_bar_marks_the_current_state(crm):
    from crm_engine.sales.opportunities import OPPORTUNITY
    box, rc = solara.render(kit.PathBar(crm, OPPORTUNITY, "failed"), handle_error=False)
    steps = rc.find(meta_ref="path").widget.children[1:]
    assert [s.attributes["data-state"] for s in steps] == ["unassigned", "assigned", "failed"]
    assert "crm-path-current" in steps[2].class_ and "crm-path-done" in steps[0].class_


def test_action_bar_messages_beside_the_buttons_and_marks_the_field(crm):
    done = []

    def run(values):
        if not values.get("step_action"):
            raise InvalidInput("error.required", field="step_action")
        done.append(values)
        return "Step added."

    actions = [kit.Action("add_step", "Add step", run, fields=(kit.Field("step_action"),)),
               kit.Action("succeed", "Close won", lambda v: "won", reason="No step has a result yet.")]
    box, rc = solara.render(kit.ActionBar(crm, actions), handle_error=False)
    assert rc.find(meta_ref="actions-succeed").widget.disabled
    click(rc, "actions-add_step")
    click(rc, "actions-confirm")                                     # nothing typed: refused
    kind, text = message(rc, "actions-message")
    assert kind == "error" and crm.t("field.step_action") in text and done == []
    assert rc.find(meta_ref="field-step_action").widget.error_messages == [text]
    rc.find(meta_ref="field-step_action").widget.v_model = "Visit the buyer"
    click(rc, "actions-confirm")
    assert message(rc, "actions-message") == ("success", "Step added.")
    assert done == [{"step_action": "Visit the buyer"}] and not has(rc, "actions-confirm")


def test_disabled_action_carries_its_reason_on_hover(crm):
    actions = [kit.Action("succeed", "Close won", lambda v: "won", reason="No step has a result yet.")]
    box, rc = solara.render(kit.ActionBar(crm, actions), handle_error=False)
    bar = rc.find(meta_ref="actions-succeed").widget
    holders = [w for w in rc.find(class_="crm-action").widgets]
    assert bar.disabled and holders[0].attributes["title"] == "No step has a result yet."


# -- the board ---------------------------------------------------------------------------------
def test_board_moves_a_card_and_says_so_beside_it(crm):
    moves = []

    def move(card_id, key):
        if key == "b":
            raise NotAllowed("error.role", user="Li", role="rep", action="move")
        moves.append((card_id, key))
        return f"Moved {card_id}."

    columns = [kit.BoardColumn("a", "A", 1, 100.0, 10.0, cards=(kit.Card(7, "Seven", ("x",), 100.0, 10),)),
               kit.BoardColumn("b", "B", 0, 0.0, 0.0), kit.BoardColumn("c", "C", 0, 0.0, 0.0)]
    box, rc = solara.render(kit.Board(crm, columns, on_move=move), handle_error=False)
    assert "100.00" in text_of(rc.find(meta_ref="board-sums-a").widget)
    rc.find(meta_ref="board-move-7").widget.v_model = "b"
    kind, text = message(rc, "board-message-7")
    assert kind == "error" and moves == []
    rc.find(meta_ref="board-move-7").widget.v_model = "c"
    assert message(rc, "board-message-7") == ("success", "Moved 7.") and moves == [(7, "c")]


# -- views stay in step --------------------------------------------------------------------------
def test_an_action_through_another_handle_redraws_an_open_list(crm):
    opp = opportunity_in(crm, "unassigned")
    rep = crm.as_user("li.ming")
    box, rc = solara.render(kit.RecordList(rep, rep.opportunities.list, rep.opportunities.count, COLUMNS,
                                           filters={"state": "unassigned"}), handle_error=False)
    assert has(rc, f"list-row-{opp}")
    crm.as_user("zhang.wei").opportunities.assign(opp, "li.ming")    # another handle, another "cell"
    assert not has(rc, f"list-row-{opp}")


def test_a_language_switch_redraws_open_views(crm):
    opportunity_in(crm, "unassigned")
    box, rc = solara.render(kit.RecordList(crm, crm.opportunities.list, crm.opportunities.count, COLUMNS),
                            handle_error=False)
    assert "Unassigned" in text_of(box)
    crm.as_user("li.ming").set_language("zh_CN")
    assert crm.t("state.opportunity.unassigned") in text_of(box) and "Unassigned" not in text_of(box)


# -- text fallback ---------------------------------------------------------------------------------
def test_mounted_view_carries_a_readable_fallback(crm):
    opp = opportunity_in(crm, "unassigned")
    view = kit.mount(kit.RecordList(crm, crm.opportunities.list, crm.opportunities.count, COLUMNS),
                     fallback=lambda: kit.table_html(crm, crm.opportunities.list(limit=5), COLUMNS))
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Unassigned" in bundle["text/html"] and "None" not in bundle["text/plain"]
    assert str(opp) in bundle["text/plain"]


def test_changes_made_by_a_running_cell_redraw_once_when_it_ends(crm, monkeypatch):
    from crm_engine.ui.kit import store
    cells = store._Cells()
    monkeypatch.setattr(store, "_CELLS", cells)
    monkeypatch.setattr(store, "_COUNTERS", store.weakref.WeakKeyDictionary())
    counter = store.workspace_counter(crm)
    moves = []
    counter.subscribe(moves.append)
    cells._starts()                                            # a cell runs a loop of actions
    for n in range(3):
        crm.as_user("li.ming").opportunities.add(f"Loop {n}", "x", expected_amount=1, probability=1)
    assert moves == []
    cells._ends()                                              # one redraw, with the last count
    assert moves == [crm.version]
    crm.as_user("li.ming").opportunities.add("Click", "x", expected_amount=1, probability=1)
    assert moves == [crm.version - 1, crm.version]             # outside a cell (a click): at once
