"""The opportunity screens on the kit: list → record → refused / accepted action → every open
view redrawn (list, board), in English and in Chinese (issue #20)."""
import pytest

from crm_engine.ui import kit, show
from crm_engine.ui.opportunities import OpportunitiesModule
from tests.engine.sales_helpers import opportunity_in, tables
from tests.ui.kit_helpers import click, has, message, press, text_of

def word(crm, state: str) -> str:
    return kit.Labels(crm).state("opportunity", state)


RAW = ("None", "<NA>", "nan", "NaT", "owner_name", "unassigned", "assigned")


def tab(module, index: int) -> None:
    module.rc.find(meta_ref="opportunities-tabs").widget.v_model = index


def state_of(module, opp: int) -> str:
    return text_of(module.rc.find(meta_ref=f"opportunities-row-{opp}").widget)


def current_path(module) -> str:
    steps = module.rc.find(meta_ref="path").widget.children[1:]
    return next(s.attributes["data-state"] for s in steps if "crm-path-current" in s.class_)


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


def no_raw_text(module) -> None:
    words = text_of(module).replace("·", " ").split()
    assert not set(RAW) & set(words), set(RAW) & set(words)


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_list_record_refused_and_accepted_actions_redraw_every_view(crm, language):
    opp = opportunity_in(crm, "unassigned")
    boss, rep = crm.as_user("zhang.wei"), crm.as_user("li.ming")
    crm.set_language(language)                                  # made before: the handles follow
    rep_view = OpportunitiesModule(rep)                         # "another cell", open all along
    tab(rep_view, 2)
    unassigned_before = text_of(rep_view.rc.find(meta_ref="board-sums-unassigned").widget)
    tab(rep_view, 0)
    assert word(crm, "unassigned") in state_of(rep_view, opp)

    view = OpportunitiesModule(boss)
    press(view.rc, f"opportunities-row-{opp}")                  # a row click opens the record
    assert str(opp) in text_of(view.rc.find(meta_ref="record-title").widget)
    assert current_path(view) == "unassigned"
    no_raw_text(view)
    click(view.rc, "record-actions-assign")
    before = tables(crm)
    click(view.rc, "record-actions-confirm")                    # nobody chosen: refused beside the button
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and crm.t("field.assignee") in text and tables(crm) == before
    assert view.rc.find(meta_ref="field-assignee").widget.error_messages == [text]
    fill(view, "assignee", "li.ming")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == (
        "success", crm.t("ui.opportunities.assigned", id=opp, user="Li Ming"))
    assert current_path(view) == "assigned"

    # the rep's view, in its own cell, follows without a refresh: list and board counts
    assert word(crm, "assigned") in state_of(rep_view, opp)
    tab(rep_view, 2)
    assert text_of(rep_view.rc.find(meta_ref="board-sums-unassigned").widget) != unassigned_before
    tab(rep_view, 0)

    # the rep: closing is disabled with the engine's reason; a step with no text is refused
    press(rep_view.rc, f"opportunities-row-{opp}")
    succeed = rep_view.rc.find(meta_ref="record-actions-succeed").widget
    reason = rep.opportunities.actions(opp)["succeed"]
    assert succeed.disabled and reason
    assert reason in [w.attributes.get("title") for w in rep_view.rc.find(class_="crm-action").widgets]
    click(rep_view.rc, "record-actions-add_step")
    before = tables(crm)
    click(rep_view.rc, "record-actions-confirm")
    kind, text = message(rep_view.rc, "record-actions-message")
    assert kind == "error" and tables(crm) == before
    assert rep_view.rc.find(meta_ref="field-step_action").widget.error_messages == [text]
    fill(rep_view, "step_action", "Visit the buyer")
    click(rep_view.rc, "record-actions-confirm")
    assert message(rep_view.rc, "record-actions-message")[0] == "success"
    click(rep_view.rc, "record-actions-record_result")
    fill(rep_view, "step_result", "Wants a quotation")
    click(rep_view.rc, "record-actions-confirm")
    assert message(rep_view.rc, "record-actions-message")[0] == "success"
    assert not rep_view.rc.find(meta_ref="record-actions-succeed").widget.disabled   # now allowed
    click(rep_view.rc, "record-actions-succeed")
    click(rep_view.rc, "record-actions-confirm")
    kind, text = message(rep_view.rc, "record-actions-message")
    assert kind == "success" and str(opp) in text
    assert current_path(rep_view) == "succeeded"
    no_raw_text(rep_view)

    # the supervisor's view went back to its list: it shows the closed state
    click(view.rc, "record-close")
    assert word(crm, "succeeded") in state_of(view, opp)


def test_the_board_moves_a_card_and_refuses_an_unassigned_one(crm):
    assigned, waiting = opportunity_in(crm, "assigned"), opportunity_in(crm, "unassigned")
    rep = crm.as_user("li.ming")
    view = OpportunitiesModule(rep)
    tab(view, 2)
    stages = [code for _label, code in crm.dictionary.choices("opportunity_stage")]
    before = tables(crm)
    view.rc.find(meta_ref=f"board-move-{waiting}").widget.v_model = stages[1]
    kind, text = message(view.rc, f"board-message-{waiting}")
    assert kind == "error" and tables(crm) == before              # assign it first: nothing moved
    view.rc.find(meta_ref=f"board-move-{assigned}").widget.v_model = stages[1]
    assert message(view.rc, f"board-message-{assigned}")[0] == "success"
    assert rep.opportunities.get(assigned).stage == stages[1]
    assert has(view.rc, f"board-card-{assigned}")
    sums = text_of(view.rc.find(meta_ref=f"board-sums-{stages[1]}").widget)
    assert sums.startswith("1 ")


def test_a_card_on_the_board_opens_its_record(crm):
    opp = opportunity_in(crm, "assigned")
    view = OpportunitiesModule(crm.as_user("li.ming"))
    tab(view, 2)
    press(view.rc, f"board-open-{opp}")
    assert has(view.rc, "record-title") and current_path(view) == "assigned"


def test_set_language_reaches_an_open_view_made_through_an_earlier_handle(crm):
    opp = opportunity_in(crm, "unassigned")
    rep = crm.as_user("li.ming")
    view = OpportunitiesModule(rep)
    assert "Unassigned" in state_of(view, opp)
    crm.set_language("zh_CN")
    assert rep.language == "zh_CN"
    assert word(crm, "unassigned") in state_of(view, opp) and "Unassigned" not in text_of(view)


@pytest.mark.parametrize("who", ["admin", "dong.li", "zhang.wei", "li.ming", "sun.li", "ma.lan", "cai.wu"])
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_role_opens_every_tab_without_raw_text(crm, who, language):
    opp = opportunity_in(crm, "assigned", open_step=True)
    opportunity_in(crm, "unassigned")
    crm.set_language(language)
    view = show(crm.as_user(who), "opportunities")
    assert isinstance(view, OpportunitiesModule)
    tabs = len(view.rc.find(meta_ref="opportunities-tabs").widget.children)
    for index in range(tabs):
        tab(view, index)
        no_raw_text(view)
    tab(view, 0)
    if has(view.rc, f"opportunities-row-{opp}"):
        press(view.rc, f"opportunities-row-{opp}")
        for index in range(5):
            view.rc.find(meta_ref="record-tabs").widget.v_model = index
            no_raw_text(view)


def test_a_rep_sees_only_their_own_rows_and_no_owner_on_an_unassigned_one(crm):
    mine = opportunity_in(crm, "unassigned")
    theirs = opportunity_in(crm, "assigned", holder="liu.yang")
    view = OpportunitiesModule(crm.as_user("li.ming"))
    assert has(view.rc, f"opportunities-row-{mine}") and not has(view.rc, f"opportunities-row-{theirs}")
    assert "Li Ming" not in state_of(view, mine)                 # held, not owned, until assigned


def test_record_a_new_opportunity_and_its_refusal_marks_the_field(crm):
    rep = crm.as_user("li.ming")
    view = OpportunitiesModule(rep)
    tab(view, 1)
    click(view.rc, "new-add")
    fill(view, "customer_name", "Lakeside Hotel")
    fill(view, "opportunity_summary", "50 notebooks")
    fill(view, "expected_amount", "lots")
    before = tables(crm)
    click(view.rc, "new-confirm")
    kind, text = message(view.rc, "new-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-expected_amount").widget.error_messages == [text]
    fill(view, "expected_amount", "250000")
    click(view.rc, "new-confirm")
    # the new record opens at once, on the list tab
    assert "Lakeside Hotel" in text_of(view.rc.find(meta_ref="record-title").widget)
    assert len(rep.opportunities.list(search="Lakeside")) == 1


def test_products_tab_adds_and_removes_a_line(crm):
    opp = opportunity_in(crm, "assigned")
    rep = crm.as_user("li.ming")
    view = OpportunitiesModule(rep)
    press(view.rc, f"opportunities-row-{opp}")
    view.rc.find(meta_ref="record-tabs").widget.v_model = 2
    click(view.rc, "lines-actions-add_line")
    fill(view, "quantity", "3")
    click(view.rc, "lines-actions-confirm")
    assert message(view.rc, "lines-actions-message")[0] == "success"
    assert list(rep.opportunities.lines(opp)["quantity"]) == [3]
    assert "NB-14" in text_of(view.rc.find(meta_ref="lines").widget)
    click(view.rc, "lines-actions-remove_line")
    click(view.rc, "lines-actions-confirm")
    assert rep.opportunities.lines(opp).empty


def test_the_module_reads_as_text_in_nbconvert(crm):
    opp = opportunity_in(crm, "assigned")
    bundle = OpportunitiesModule(crm.as_user("li.ming"))._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert f"<td>{opp}</td>" in bundle["text/html"] and "Assigned" in bundle["text/plain"]
    assert "None" not in bundle["text/plain"]


def test_in_a_teaching_scenario_the_record_asks_the_simulated_customer(tmp_path):
    import datetime as dt

    from crm_engine.scenario import builtin
    crm = builtin("hardware_distributor").scaled(60).create(tmp_path / "s.duckdb", student="ui")
    boss = crm.as_user("zhang.wei")
    opp = boss.opportunities.add("Lakeside Hotel", "50 notebooks", expected_amount=250_000, probability=10)
    boss.opportunities.assign(opp.id, to="li.ming")
    li = crm.as_user("li.ming")
    later = li.opportunities.add_step(opp.id, crm.today() + dt.timedelta(days=3), "Visit the hotel")
    now = li.opportunities.add_step(opp.id, crm.today(), "Phone call with the manager")
    view = OpportunitiesModule(li)
    view.rc.find(meta_ref="opportunities-search").widget.v_model = "Lakeside"
    press(view.rc, f"opportunities-row-{opp.id}")
    click(view.rc, "record-actions-ask_customer")
    fill(view, "step", later)
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message")[0] == "error"           # not due yet: no answer
    fill(view, "step", now)
    click(view.rc, "record-actions-confirm")
    answer = li.simulation.outcome_of_step(opp.id, now).text
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "success" and answer in text
    assert li.opportunities.step(now).result is None          # asking records nothing: recording is the student's act
    crm.close()


def test_without_a_scenario_there_is_no_simulated_customer_to_ask(crm):
    opp = opportunity_in(crm, "assigned", open_step=True)
    view = OpportunitiesModule(crm.as_user("li.ming"))
    press(view.rc, f"opportunities-row-{opp}")
    assert has(view.rc, "record-actions-record_result") and not has(view.rc, "record-actions-ask_customer")
