"""Record deep links (issue #23): the app opens a module at one record (`/<module>/<id>` on a served
workspace); a record the person may not see shows the engine's own refusal in its place — never its
data — and the app still names that record (the address stays); the app hears each record the
person opens and closes (the address follows)."""
import pytest

from crm_engine.errors import CRMError
from crm_engine.ui import app as app_module
from tests.engine.sales_helpers import lead_in, opportunity_in
from tests.ui.kit_helpers import click, has, message, press, text_of


def customer_of(crm, owner: str, name: str) -> int:
    found = crm.customers.list(search=name)
    return int(found[found["owner_name"] == crm.admin.users().set_index("username").loc[owner, "name"]].iloc[0].id)


def ticket_of(crm, owner: str, customer: str) -> int:
    rep = crm.as_user(owner)
    return rep.service.add(customer_of(crm, owner, customer), service_type="complaint", subject=f"Late {customer}",
                           request="The delivery is a week late").id


# module → (a record li.ming may see, one of wang.fang's he may not, a text only that record shows)
RECORDS = {
    "opportunities": lambda crm: (opportunity_in(crm, "assigned"), opportunity_in(crm, "assigned", holder="wang.fang")),
    "leads": lambda crm: (lead_in(crm, "following"), lead_in(crm, "following", owner="wang.fang")),
    "customers": lambda crm: (customer_of(crm, "li.ming", "Star Tech"), customer_of(crm, "wang.fang", "Harbour")),
    "service": lambda crm: (ticket_of(crm, "li.ming", "Star Tech"), ticket_of(crm, "wang.fang", "Harbour")),
}
AREA = {"opportunities": "opportunities", "leads": "leads", "customers": "customers", "service": "service"}


def title_of(crm, module: str, record: int) -> str:
    """What the record's own page header says (its name), read as the administrator."""
    got = getattr(crm, AREA[module]).get(record)
    return {"opportunities": lambda: got.customer_name, "leads": lambda: got.name,
            "customers": lambda: got.name, "service": lambda: got.subject}[module]()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
@pytest.mark.parametrize("module", list(RECORDS))
def test_a_deep_link_opens_the_record_and_one_out_of_sight_shows_the_engines_refusal(crm, module, language):
    mine, theirs = RECORDS[module](crm)
    rep = crm.as_user("li.ming")
    rep.set_language(language)

    shell = app_module.App(rep, module=module, record=mine)
    assert shell.menu.value == module and shell.record == mine
    assert str(mine) in text_of(shell.view.rc.find(meta_ref="record-title").widget)
    assert title_of(crm, module, mine) in text_of(shell.view)
    shell.close()

    with pytest.raises(CRMError) as refused:                 # the engine's own word on it
        getattr(rep, AREA[module]).get(theirs)
    shell = app_module.App(rep, module=module, record=theirs)
    assert message(shell.view.rc, "record-message") == ("error", refused.value.message(language))
    assert not has(shell.view.rc, "record-title")
    assert title_of(crm, module, theirs) not in text_of(shell.view)   # none of its data
    assert shell.record == theirs                                      # the address stays
    shell.close()


def test_the_app_hears_records_opened_and_closed_and_open_record_switches_module(crm):
    opp = opportunity_in(crm, "assigned")
    lead = lead_in(crm, "following")
    shell = app_module.App(crm.as_user("li.ming"), module="opportunities")
    heard = []
    shell.observe(lambda change: heard.append(change["new"]), names="record")
    assert shell.record is None
    press(shell.view.rc, f"opportunities-row-{opp}")             # a row click: the app hears it
    assert shell.record == opp and heard == [opp]
    click(shell.view.rc, "record-close")                        # back to the list
    assert shell.record is None and heard == [opp, None]

    shell.open_record("leads", lead)                            # another module, at a record
    assert shell.menu.value == "leads" and shell.record == lead
    assert str(lead) in text_of(shell.view.rc.find(meta_ref="record-title").widget)
    shell.open_record("leads", opp + 10_000)                    # one that does not exist: refused, in place
    kind, text = message(shell.view.rc, "record-message")
    assert kind == "error" and str(opp + 10_000) in text and shell.record == opp + 10_000
    shell.menu.value = "customers"                              # a module without a record: no record
    assert shell.record is None
    shell.close()


def test_show_opens_one_module_at_a_record(crm):
    opp = opportunity_in(crm, "assigned")
    view = app_module.show(crm.as_user("zhang.wei"), "opportunities", record=opp)
    assert str(opp) in text_of(view.rc.find(meta_ref="record-title").widget)
    view.close()
