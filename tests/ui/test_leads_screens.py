"""The lead screens on the kit: my leads and the pool → the lead's record page → refused and
accepted actions beside the buttons → every open view redrawn, in English and Chinese (issue #20)."""
import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui import kit
from crm_engine.ui.leads import LeadsModule
from tests.engine.sales_helpers import lead_in, tables
from tests.ui.kit_helpers import click, has, message, press, text_of

RAW = ("None", "<NA>", "nan", "NaT", "owner_name", "unassigned", "pending", "following", "lead_source")


def word(crm, state: str) -> str:
    return kit.Labels(crm).state("lead", state)


def tab(module, index: int) -> None:
    module.rc.find(meta_ref="leads-tabs").widget.v_model = index


def row_text(module, ref: str) -> str:
    return text_of(module.rc.find(meta_ref=ref).widget)


def current_path(module) -> str:
    steps = module.rc.find(meta_ref="path").widget.children[1:]
    return next(s.attributes["data-state"] for s in steps if "crm-path-current" in s.class_)


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


def hover(module, action: str) -> str:
    """The hover text of an action's button (the engine's reason when disabled)."""
    button = module.rc.find(meta_ref=f"record-actions-{action}").widget
    (span,) = [w for w in module.rc.find(class_="crm-action").widgets if button in w.children]
    return span.attributes["title"]


def no_raw_text(module) -> None:
    words = set(text_of(module).replace("·", " ").split())
    assert not set(RAW) & words, set(RAW) & words


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_pool_row_opens_the_lead_claim_follow_up_and_convert_redraw_every_view(crm, language):
    lead = lead_in(crm, "unassigned")
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    crm.set_language(language)
    other = LeadsModule(boss)                                   # another cell, open all along
    assert has(other.rc, f"leads-row-{lead}") and crm.t("ui.leads.in_pool") in row_text(other, f"leads-row-{lead}")

    view = LeadsModule(rep)
    tab(view, 1)
    press(view.rc, f"pool-row-{lead}")                          # a row click opens the record
    assert str(lead) in text_of(view.rc.find(meta_ref="record-title").widget)
    assert current_path(view) == "unassigned"
    convert = view.rc.find(meta_ref="record-actions-convert").widget
    assert convert.disabled and hover(view, "convert") == rep.leads.actions(lead)["convert"]
    no_raw_text(view)

    click(view.rc, "record-actions-claim")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.leads.claimed", id=lead))
    assert current_path(view) == "pending"
    assert word(crm, "pending") in row_text(other, f"leads-row-{lead}")          # the other cell followed

    # before a follow-up, Convert is disabled with the engine's reason (the notebook's "hover to see why")
    reason = rep.leads.actions(lead)["convert"]
    assert view.rc.find(meta_ref="record-actions-convert").widget.disabled and hover(view, "convert") == reason
    assert crm.t("state.lead.pending") in reason

    click(view.rc, "record-actions-follow_up")
    before = tables(crm)
    click(view.rc, "record-actions-confirm")                    # no text: refused beside the button
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-detail").widget.error_messages == [text]
    fill(view, "detail", "Wants a quotation for 40 notebooks")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.leads.followed_up", id=lead))
    assert current_path(view) == "following" and word(crm, "following") in row_text(other, f"leads-row-{lead}")

    assert not view.rc.find(meta_ref="record-actions-convert").widget.disabled       # now allowed
    click(view.rc, "record-actions-convert")
    fill(view, "opportunity_summary", "40 notebooks")
    fill(view, "expected_amount", "200000")
    click(view.rc, "record-actions-confirm")
    kind, text = message(view.rc, "record-actions-message")
    converted = rep.leads.get(lead)
    assert kind == "success" and converted.state == "converted" and converted.opportunity_id is not None
    assert str(converted.customer_id) in text and str(converted.opportunity_id) in text
    assert current_path(view) == "converted"
    assert all(view.rc.find(meta_ref=f"record-actions-{a}").widget.disabled for a in ("claim", "convert", "void"))
    no_raw_text(view)
    click(view.rc, "record-close")                              # back to the pool: the lead left it
    assert not has(view.rc, f"pool-row-{lead}")
    assert word(crm, "converted") in row_text(other, f"leads-row-{lead}")


def test_a_supervisor_assigns_and_sweeps_a_rep_may_not(crm):
    lead = lead_in(crm, "unassigned")
    boss = crm.as_user("zhang.wei")
    view = LeadsModule(boss)
    press(view.rc, f"leads-row-{lead}")
    click(view.rc, "record-actions-assign")
    before = tables(crm)
    click(view.rc, "record-actions-confirm")                    # nobody chosen: said at the field
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and crm.t("field.assignee") in text and tables(crm) == before
    fill(view, "assignee", "li.ming")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == ("success",
                                                           crm.t("ui.leads.assigned", id=lead, user="Li Ming"))
    assert crm.leads.get(lead).owner_id == crm.as_user("li.ming").user.id
    tab(view, 1)
    click(view.rc, "pool-actions-sweep")
    assert message(view.rc, "pool-actions-message") == ("success", crm.t("ui.leads.swept", count=0))

    rep = LeadsModule(crm.as_user("li.ming"))
    tab(rep, 1)
    assert not has(rep.rc, "pool-actions-sweep")                # reps do not sweep
    tab(rep, 0)
    press(rep.rc, f"leads-row-{lead}")
    assign = rep.rc.find(meta_ref="record-actions-assign").widget
    assert assign.disabled and hover(rep, "assign") == crm.as_user("li.ming").leads.actions(lead)["assign"]


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_new_lead_refused_then_recorded_and_opened(crm, language):
    crm.set_language(language)
    rep = crm.as_user("li.ming")
    view = LeadsModule(rep)
    tab(view, 2)
    click(view.rc, "new-add")
    before = tables(crm)
    click(view.rc, "new-confirm")                               # no name: refused at the field
    kind, text = message(view.rc, "new-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-name").widget.error_messages == [text]
    fill(view, "name", "Zhou Min")
    fill(view, "company", "Lakeside Hotel")
    click(view.rc, "new-confirm")
    (lead,) = rep.leads.list(search="Lakeside Hotel")["id"].tolist()
    assert rep.leads.get(lead).state == "pending"
    # the new lead's record page opens in the Leads tab
    assert str(lead) in text_of(view.rc.find(meta_ref="record-title").widget) and current_path(view) == "pending"


def test_a_rep_sees_only_his_leads_and_the_pool(crm):
    for holder in ("li.ming", "wang.fang", "liu.yang"):
        lead_in(crm, "pending", owner=holder)
    pooled = lead_in(crm, "unassigned")
    me = crm.as_user("li.ming")
    view = LeadsModule(me)
    visible = set(me.leads.list()["id"])
    assert pooled in visible and len(visible) == 2
    for lead in visible:
        assert has(view.rc, f"leads-row-{lead}")
    for other in set(crm.leads.list()["id"]) - visible:
        assert not has(view.rc, f"leads-row-{other}")


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_role_opens_leads_and_campaigns_without_raw_text(crm, language):
    lead_in(crm, "following")
    lead_in(crm, "unassigned")
    crm.as_user("ma.lan").campaigns.add("Expo", campaign_type="trade_show")
    for username in ("admin", "dong.li", "zhang.wei", "li.ming", "sun.li", "ma.lan", "cai.wu"):
        user = crm.as_user(username)
        user.set_language(language)
        for name in ("leads", "campaigns"):
            module = app_module.show(user, name)
            for index in range(3 if name == "leads" else 2):
                module.rc.find(meta_ref=f"{name}-tabs").widget.v_model = index
                text = text_of(module)
                assert not [w for w in text.split() if w.startswith(("ui.", "field.", "state.", "action."))], text
                if language == "zh_CN":
                    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
            module.close()


def test_the_app_menu_opens_the_lead_and_campaign_screens(crm):
    shell = app_module.App(crm.as_user("zhang.wei"))
    names = [name for _, name in shell.menu.options]
    assert {"opportunities", "leads", "campaigns", "reports"} <= set(names)
    shell.menu.value = "leads"
    assert type(shell.view).__name__ == "LeadsModule"
    shell.user.value = "li.ming"                                   # switching user rebuilds it in his scope
    assert type(shell.view).__name__ == "LeadsModule" and shell.view.crm.user.username == "li.ming"


def test_only_a_lead_in_the_pool_is_shown_as_in_the_pool(crm):
    pooled, junk = lead_in(crm, "unassigned"), lead_in(crm, "unassigned")
    boss = crm.as_user("zhang.wei")
    boss.leads.void(junk, "Test entry")                        # nobody holds it, and it is not in the pool
    view = LeadsModule(boss)
    assert crm.t("ui.leads.in_pool") in row_text(view, f"leads-row-{pooled}")
    assert crm.t("ui.leads.in_pool") not in row_text(view, f"leads-row-{junk}")
    assert word(crm, "voided") in row_text(view, f"leads-row-{junk}")
