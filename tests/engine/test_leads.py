"""Leads and the public pool (O6): lifecycle, claims and the cap, the sweep back to the pool,
follow-ups, conversion with the duplicate check, and every (state, action, role)."""
import datetime as dt
import inspect

import pandas as pd
import pytest

from crm_engine import Conflict, CRMError, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.sales import leads
from tests.engine.helpers import assert_bad_pages_refused, assert_pages, every_page, snapshot
from tests.engine.sales_helpers import ACTOR, ROLES, company, is_chinese, lead_in, tables


@pytest.fixture(scope="module")
def shop():
    """One company for the whole state/action/role matrix (each case makes its own lead)."""
    crm = company()
    yield crm
    crm.close()


# -- the contract the call centre relies on ------------------------------------------------
def test_create_keeps_the_signature_the_call_centre_uses():
    params = inspect.signature(leads.create).parameters
    assert list(params) == ["s", "name", "company", "phone", "email", "source", "campaign_id", "owner", "note"]
    assert params["source"].default == "call_center" and params["owner"].default is None
    assert all(params[p].kind is inspect.Parameter.KEYWORD_ONLY for p in list(params)[1:])


def test_create_inside_another_action_puts_an_unowned_lead_in_the_pool(crm):
    staff = crm.as_user("sun.li")
    with staff._s.db.transaction():
        lead_id = leads.create(staff._s, name="Caller Wu", company="Riverside Clinic", phone="0571-1234 5678",
                               note="Asked for a price list")
    lead = crm.leads.get(lead_id)
    assert (lead.state, lead.owner_id, lead.source, lead.created_by) == ("unassigned", None, "call_center",
                                                                        staff.user.id)
    assert crm.audit.list(kind="lead", record_id=lead_id)["action"].tolist() == ["create"]
    assert lead_id in crm.as_user("li.ming").leads.pool()["id"].tolist()


def test_a_lead_a_rep_creates_is_theirs_unless_sent_to_the_pool(crm):
    rep = crm.as_user("li.ming")
    mine = rep.leads.add("Zhou Min", company="Lakeside Hotel", source="trade_show")
    assert (mine.state, mine.owner_id, mine.assigned_on) == ("pending", rep.user.id, crm.today())
    pooled = rep.leads.add("Qian Li", company="Hilltop School", to_pool=True)
    assert (pooled.state, pooled.owner_id) == ("unassigned", None)
    from_marketing = crm.as_user("ma.lan").leads.add("Sun Bo", company="Bay Foods")
    assert from_marketing.in_pool
    with pytest.raises(NotAllowed, match="may not create leads"):
        crm.as_user("cai.wu").leads.add("Nobody")
    with pytest.raises(InvalidInput):
        rep.leads.add("Both", owner="li.ming", to_pool=True)


def test_giving_a_new_lead_to_someone_else_is_a_supervisors_act(crm):
    with pytest.raises(NotAllowed, match="may not assign leads"):
        crm.as_user("li.ming").leads.add("X", owner="wang.fang")
    lead = crm.as_user("zhang.wei").leads.add("X", owner="wang.fang")
    assert lead.owner_id == crm.as_user("wang.fang").user.id
    with pytest.raises(NotAllowed, match="outside the part of the organisation"):
        crm.as_user("zhang.wei").leads.add("Y", owner="liu.yang")


# -- who sees what --------------------------------------------------------------------------
def test_everyone_who_reads_leads_sees_the_pool_and_only_their_own_beyond_it(crm):
    pool_id = lead_in(crm, "unassigned")
    mine, theirs, west = lead_in(crm, "pending"), lead_in(crm, "pending", owner="wang.fang"), \
        lead_in(crm, "pending", owner="liu.yang")
    assert set(crm.as_user("li.ming").leads.list()["id"]) == {pool_id, mine}
    assert set(crm.as_user("zhang.wei").leads.list()["id"]) == {pool_id, mine, theirs}
    assert set(crm.as_user("ma.lan").leads.list()["id"]) == {pool_id, mine, theirs, west}
    assert crm.as_user("sun.li").leads.list().empty and crm.as_user("sun.li").leads.pool().empty
    with pytest.raises(NotFound):
        crm.as_user("li.ming").leads.get(theirs)
    with pytest.raises(NotFound):
        crm.as_user("cai.wu").leads.get(pool_id)
    assert crm.as_user("li.ming").leads.pool()["id"].tolist() == [pool_id]


def test_search_treats_wildcards_literally(crm):
    rep = crm.as_user("li.ming")
    rep.leads.add("Ma 100%", company="Percent_Co")
    rep.leads.add("Ma 1000", company="PercentXCo")
    assert rep.leads.list(search="100%")["name"].tolist() == ["Ma 100%"]
    assert rep.leads.list(search="t_C")["company"].tolist() == ["Percent_Co"]


# -- the pool: claims, the cap, the sweep -----------------------------------------------------
def test_claiming_takes_a_lead_from_the_pool():
    crm = company(cap=2)
    rep = crm.as_user("li.ming")
    first, second, third = (lead_in(crm, "unassigned") for _ in range(3))
    assert rep.leads.claim(first).state == "pending"
    rep.leads.claim(second)
    before = snapshot(crm)
    with pytest.raises(NotAllowed, match="already holds 2 open leads and the cap is 2") as caught:
        rep.leads.claim(third)
    assert is_chinese(caught.value.message("zh_CN"))
    assert snapshot(crm) == before
    rep.leads.mark_invalid(first, "Wrong number")  # invalid leads no longer count against the cap
    assert rep.leads.claim(third).owner_id == rep.user.id
    with pytest.raises(NotAllowed, match="may not claim leads"):
        crm.as_user("admin").leads.claim(lead_in(crm, "unassigned"))
    crm.close()


def test_stale_leads_return_to_the_pool_in_one_sweep(crm):
    rep, supervisor = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    idle, busy, west = lead_in(crm, "pending"), lead_in(crm, "pending"), lead_in(crm, "pending", owner="liu.yang")
    crm.admin.set_setting("lead_pool_days", 365)  # the clock's own sweep finds nothing: the supervisor's does
    crm.clock.advance(20)
    rep.leads.follow_up(busy, "Sent the brochure")
    crm.clock.advance(11)  # idle: 31 days without progress; busy: 11 days
    crm.admin.set_setting("lead_pool_days", 30)
    assert supervisor.leads.recycle() == 1  # the West lead is not the East supervisor's to sweep
    assert crm.leads.get(idle).in_pool and crm.leads.get(busy).owner_id == rep.user.id
    assert crm.leads.get(west).owner_id is not None
    history = crm.leads.history(idle)
    assert history[["action", "from_state", "to_state"]].values.tolist()[-1] == ["recycle", "pending", "unassigned"]
    audit = crm.audit.list(kind="lead", action="recycle")
    assert len(audit) == 1 and f"[{idle}]" in audit["after"].iloc[0]
    assert crm.leads.recycle() == 1  # the director's sweep takes the West lead
    assert crm.leads.recycle() == 0
    for role in ("account_manager", "marketing", "service_staff", "finance"):
        with pytest.raises(NotAllowed):
            crm.as_user(ACTOR[role]).leads.recycle()


def test_the_pool_days_setting_is_honoured_and_checked(crm):
    lead = lead_in(crm, "pending")
    crm.admin.set_setting("lead_pool_days", 5)
    crm.clock.advance(5)
    assert not crm.leads.get(lead).in_pool and crm.leads.recycle() == 0  # exactly 5 days is not "more than 5"
    crm.clock.advance(1)  # the clock's sweep returns it (docs/sales.md: swept rules)
    assert crm.leads.get(lead).in_pool and crm.leads.recycle() == 0
    for key, value in (("lead_pool_days", 0), ("lead_claim_cap", "many"), ("lead_duplicates", "merge"),
                       ("contact_within_days", -1)):
        with pytest.raises(InvalidInput):
            crm.admin.set_setting(key, value)


# -- working a lead ---------------------------------------------------------------------------
def test_follow_ups_move_pending_to_following_and_only_the_owner_logs_them(crm):
    rep = crm.as_user("li.ming")
    lead = lead_in(crm, "pending")
    crm.clock.advance(2)
    rep.leads.follow_up(lead, "Visited the office", channel="visit", next_date="2026-03-10")
    assert crm.leads.get(lead).state == "following" and crm.leads.get(lead).last_activity_on == crm.today()
    rep.leads.follow_up(lead, "Phoned back", on_date="2026-03-03")
    assert rep.leads.followups(lead)["detail"].tolist() == ["Visited the office", "Phoned back"]
    assert [r for r in crm.leads.history(lead)["action"]] == ["create", "follow_up"]  # one move, not two
    with pytest.raises(NotAllowed, match="Only Li Ming"):
        crm.as_user("zhang.wei").leads.follow_up(lead, "Checked in")
    before = snapshot(crm)
    for kwargs, field in (({"on_date": "2026-03-09"}, "on_date"), ({"on_date": "2026-03-01"}, "on_date"),
                          ({"next_date": "2026-03-01"}, "next_follow_up"), ({"channel": "telepathy"}, "channel")):
        with pytest.raises(InvalidInput) as caught:
            rep.leads.follow_up(lead, "x", **kwargs)
        assert caught.value.field == field
    with pytest.raises(InvalidInput):
        rep.leads.follow_up(lead, "   ")
    assert snapshot(crm) == before


def test_invalid_leads_may_be_revived_and_voided_ones_are_final(crm):
    rep = crm.as_user("li.ming")
    lead = lead_in(crm, "invalid")
    assert crm.leads.get(lead).close_reason == "Number does not exist"
    revived = rep.leads.revive(lead)
    assert (revived.state, revived.owner_id, revived.close_reason) == ("pending", rep.user.id, None)
    rep.leads.void(lead, "Duplicate entry")
    with pytest.raises(TransitionNotAllowed, match="it is voided") as caught:
        rep.leads.revive(lead)
    assert "已作废" in caught.value.message("zh_CN")


def test_reassigning_keeps_the_ownership_history(crm):
    supervisor = crm.as_user("zhang.wei")
    lead = lead_in(crm, "unassigned")
    supervisor.leads.assign(lead, "li.ming")
    supervisor.leads.assign(lead, "wang.fang")
    with pytest.raises(InvalidInput, match="already Wang Fang's"):
        supervisor.leads.assign(lead, "wang.fang")
    with pytest.raises(InvalidInput, match="cannot hold leads"):
        supervisor.leads.assign(lead, "sun.li")
    with pytest.raises(NotAllowed, match="outside the part of the organisation"):
        supervisor.leads.assign(lead, "liu.yang")
    rows = crm._s.db.rows("SELECT user_id, ended_on IS NULL FROM assignments WHERE kind = 'lead' AND record_id = ? "
                          "ORDER BY rowid", [lead])
    ids = {u: crm.as_user(u).user.id for u in ("li.ming", "wang.fang")}
    assert rows == [(ids["li.ming"], False), (ids["wang.fang"], True)]


def test_update_corrects_an_open_lead(crm):
    rep = crm.as_user("li.ming")
    lead = lead_in(crm, "pending")
    updated = rep.leads.update(lead, company="Lakeside Hotel Group", email="buy@lakeside.cn")
    assert (updated.company, updated.email) == ("Lakeside Hotel Group", "buy@lakeside.cn")
    assert crm._s.db.scalar("SELECT company_norm FROM leads WHERE id = ?", [lead]) == "lakesidehotelgroup"
    with pytest.raises(InvalidInput) as caught:
        rep.leads.update(lead, colour="red")
    assert caught.value.field == "colour"


# -- conversion ---------------------------------------------------------------------------------
def test_converting_creates_the_customer_contact_and_opportunity_in_one_go(crm):
    rep = crm.as_user("li.ming")
    campaign = crm.as_user("ma.lan").campaigns.add("Spring expo", campaign_type="trade_show")
    lead = rep.leads.add("Zhou Min", company="Lakeside Hotel", phone="0571-8888 1234", email="zm@lakeside.cn",
                         source="trade_show", campaign_id=campaign.id)
    rep.leads.follow_up(lead.id, "Wants 50 notebooks")
    result = rep.leads.convert(lead.id, opportunity={"summary": "50 notebooks", "expected_amount": 250_000,
                                                     "probability": 30})
    customer = rep.customers.get(result.customer_id)
    assert (customer.name, customer.owner_id, customer.phone, result.linked_existing) == (
        "Lakeside Hotel", rep.user.id, "0571-8888 1234", False)
    contacts = rep.customers.contacts(customer.id)
    assert contacts[["name", "is_primary", "email"]].values.tolist() == [["Zhou Min", True, "zm@lakeside.cn"]]
    opp = rep.opportunities.get(result.opportunity_id)
    assert (opp.state, opp.customer_id, opp.lead_id, opp.campaign_id, opp.owner_id, opp.source) == (
        "unassigned", customer.id, lead.id, campaign.id, rep.user.id, "trade_show")
    converted = rep.leads.get(lead.id)
    assert (converted.state, converted.customer_id, converted.contact_id, converted.opportunity_id) == (
        "converted", customer.id, result.contact_id, opp.id)
    assert crm._s.db.scalar("SELECT count(*) FROM assignments WHERE kind = 'lead' AND record_id = ? "
                            "AND ended_on IS NULL", [lead.id]) == 0  # a converted lead is no longer held
    audit = crm.audit.list(since=crm.today())
    assert audit[["action", "kind"]].values.tolist()[-4:] == [
        ["create", "customer"], ["create", "contact"], ["create", "opportunity"], ["convert", "lead"]]


def test_converting_a_lead_of_an_existing_company_links_it_and_never_duplicates(crm):
    rep, other = crm.as_user("li.ming"), crm.as_user("wang.fang")
    star = rep.customers.list(search="Star Tech")["id"].iloc[0]
    customers_before = len(crm.customers.list())
    lead = rep.leads.add("Gao Yan", company="STAR TECH Co., Ltd.")
    rep.leads.follow_up(lead.id, "Needs more servers")
    result = rep.leads.convert(lead.id)
    assert (result.customer_id, result.linked_existing) == (star, True)
    assert "Gao Yan" in rep.customers.contacts(star)["name"].tolist()
    # Someone else's customer: linked, but its card is not theirs to add a contact to.
    lead = other.leads.add("Hu Jun", company="star tech")
    other.leads.follow_up(lead.id, "Asked about support")
    result = other.leads.convert(lead.id, opportunity=True)
    assert (result.customer_id, result.contact_id) == (star, None)
    assert other.opportunities.get(result.opportunity_id).customer_id == star  # found by the stateful test
    assert len(crm.customers.list()) == customers_before


def test_the_duplicate_rule_can_refuse_instead_of_linking(crm):
    rep = crm.as_user("li.ming")
    crm.admin.set_setting("lead_duplicates", "refuse")
    lead = rep.leads.add("Gao Yan", company="Star Tech Ltd")
    rep.leads.follow_up(lead.id, "Called")
    before = snapshot(crm)
    with pytest.raises(Conflict, match="customer_id=") as caught:
        rep.leads.convert(lead.id)
    assert is_chinese(caught.value.message("zh_CN"))
    assert snapshot(crm) == before
    star = rep.customers.list(search="Star Tech")["id"].iloc[0]
    assert rep.leads.convert(lead.id, customer_id=star).customer_id == star  # an explicit link is fine
    lead = rep.leads.add("Wu Lin", company="Star Tech")
    rep.leads.follow_up(lead.id, "Called")
    assert rep.leads.convert(lead.id, on_duplicate="link").linked_existing


def test_conversion_needs_a_follow_up_and_a_lead_without_company_becomes_a_person(crm):
    rep = crm.as_user("li.ming")
    lead = rep.leads.add("Xu Ping", phone="139 0000 1111")
    with pytest.raises(TransitionNotAllowed, match=f"Cannot convert lead {lead.id}: it is pending"):
        rep.leads.convert(lead.id)
    rep.leads.follow_up(lead.id, "Buys for himself")
    result = rep.leads.convert(lead.id, opportunity=True)
    assert rep.customers.get(result.customer_id).name == "Xu Ping" and result.contact_id is None
    assert rep.opportunities.get(result.opportunity_id).probability == 10


@pytest.mark.parametrize("kwargs, error, field", [
    ({"opportunity": "yes"}, InvalidInput, "opportunity"),
    ({"opportunity": {"expected_amount": -1}}, InvalidInput, "expected_amount"),
    ({"opportunity": {"probability": 101}}, InvalidInput, "probability"),
    ({"opportunity": {"colour": "red"}}, InvalidInput, "colour"),
    ({"on_duplicate": "merge"}, InvalidInput, "on_duplicate"),
    ({"customer_id": 999}, NotFound, None),
])
def test_a_bad_conversion_changes_nothing(shop, kwargs, error, field):
    rep = shop.as_user("li.ming")
    lead = lead_in(shop, "following")
    before = snapshot(shop)
    with pytest.raises(error) as caught:
        rep.leads.convert(lead, **kwargs)
    assert caught.value.field == field
    assert snapshot(shop) == before


@pytest.mark.parametrize("kwargs, field", [
    ({"name": ""}, "name"), ({"name": "A", "phone": "call me"}, "phone"), ({"name": "A", "email": "nope"}, "email"),
    ({"name": "A", "source": "rumour"}, "lead_source"), ({"name": "A", "campaign_id": 99}, None),
    ({"name": "A", "company": "x" * 201}, "company"), ({"name": "A", "owner": "sun.li"}, "assignee"),
])
def test_bad_leads_are_refused_and_change_nothing(shop, kwargs, field):
    before = snapshot(shop)
    with pytest.raises(CRMError) as caught:
        shop.as_user("zhang.wei").leads.add(**kwargs)
    assert caught.value.field == field
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(shop) == before


def test_a_cancelled_campaign_takes_no_leads(crm):
    marketing = crm.as_user("ma.lan")
    campaign = marketing.campaigns.add("Cancelled fair", campaign_type="trade_show")
    marketing.campaigns.cancel(campaign.id, "Venue closed")
    with pytest.raises(InvalidInput, match="was cancelled") as caught:
        marketing.leads.add("Late visitor", campaign_id=campaign.id)
    assert caught.value.field == "campaign"


# -- hand-over and export -------------------------------------------------------------------------
def test_handover_moves_open_leads_with_the_customers(crm):
    open_lead, converted = lead_in(crm, "following", owner="wang.fang"), lead_in(crm, "converted", owner="wang.fang")
    crm.as_user("zhang.wei").customers.handover("wang.fang", "li.ming")
    li = crm.as_user("li.ming").user.id
    assert crm.leads.get(open_lead).owner_id == li
    assert crm.leads.get(converted).owner_id == crm.as_user("wang.fang").user.id  # history stays where it was


def test_export_writes_only_what_you_may_see(crm, tmp_path):
    mine, theirs = lead_in(crm, "pending"), lead_in(crm, "pending", owner="wang.fang")
    path = tmp_path / "leads.csv"
    assert crm.as_user("li.ming").exports.write("leads", path) == 1
    assert pd.read_csv(path)["id"].tolist() == [mine]
    assert theirs not in pd.read_csv(path)["id"].tolist()


# -- every (state, action, role) ------------------------------------------------------------------
# The spec, written out from MISSION.md O6 and docs/sales.md, independently of leads.LEAD.
MOVES = {
    "claim": {"unassigned": "pending"},
    "assign": {"unassigned": "pending", "pending": "pending", "following": "following"},
    "follow_up": {"pending": "following", "following": "following"},
    "release": {"pending": "unassigned", "following": "unassigned"},
    "recycle": {"pending": "unassigned", "following": "unassigned"},  # the sweep: tested above
    "mark_invalid": {"pending": "invalid", "following": "invalid"},
    "revive": {"invalid": "pending"},
    "convert": {"following": "converted"},
    "void": {s: "voided" for s in ("unassigned", "pending", "following", "invalid")},
    "update": {s: s for s in ("unassigned", "pending", "following", "invalid")},
}
OWNER_AND_SUPERIORS = {"admin", "director", "supervisor", "account_manager"}
ON_OWNED = {"claim": set(), "assign": {"admin", "director", "supervisor"}, "follow_up": {"account_manager"},
            **{v: OWNER_AND_SUPERIORS for v in ("release", "mark_invalid", "revive", "convert", "void", "update")}}
ON_POOL = {"claim": {"account_manager", "supervisor"}, "assign": {"admin", "director", "supervisor"},
           "void": {"admin", "director", "supervisor", "marketing"},
           "update": {"admin", "director", "supervisor", "marketing"}}
SEES = {"admin", "director", "supervisor", "account_manager", "marketing"}
CALLS = {
    "claim": lambda a, i: a.leads.claim(i),
    "assign": lambda a, i: a.leads.assign(i, "wang.fang"),
    "follow_up": lambda a, i: a.leads.follow_up(i, "Visited"),
    "release": lambda a, i: a.leads.release(i),
    "mark_invalid": lambda a, i: a.leads.mark_invalid(i, "Unreachable"),
    "revive": lambda a, i: a.leads.revive(i),
    "convert": lambda a, i: a.leads.convert(i),
    "void": lambda a, i: a.leads.void(i, "Junk"),
    "update": lambda a, i: a.leads.update(i, note="Prefers e-mail"),
}
STATES = ("unassigned", "pending", "following", "invalid", "converted", "voided")


def test_the_spec_and_the_table_agree():
    table = {(state, verb): target for verb, moves in MOVES.items() for state, target in moves.items()}
    assert table == leads.LEAD.transitions


@pytest.mark.parametrize("verb", list(CALLS))
@pytest.mark.parametrize("state", STATES)
def test_every_state_action_and_role(shop, state, verb):
    """For one (state, action): every role that may not is refused with the right error and
    changes nothing; every role that may succeeds (each on its own lead) and lands in the
    state the spec says."""
    rules = ON_POOL if state == "unassigned" else ON_OWNED
    allowed = [r for r in ROLES if r in SEES and state in MOVES[verb] and r in rules.get(verb, ())]
    lead_id = lead_in(shop, state)
    for role in (r for r in ROLES if r not in allowed):
        before = tables(shop)
        with pytest.raises(CRMError) as caught:
            CALLS[verb](shop.as_user(ACTOR[role]), lead_id)
        error = caught.value
        if role not in SEES:
            assert isinstance(error, NotFound), role
        elif state not in MOVES[verb]:
            assert isinstance(error, TransitionNotAllowed), role
            assert str(lead_id) in str(error) and shop.t(f"state.lead.{state}") in str(error)
            assert str(lead_id) in error.message("zh_CN") and is_chinese(error.message("zh_CN"))
        else:
            assert type(error) is NotAllowed and is_chinese(error.message("zh_CN")), role
        assert tables(shop) == before, role
    for role in allowed:
        lead_id = lead_in(shop, state)
        CALLS[verb](shop.as_user(ACTOR[role]), lead_id)
        assert shop.leads.get(lead_id).state == MOVES[verb][state], role


# -- paging ------------------------------------------------------------------------------------------
def test_pool_and_list_pages_are_slices_of_the_whole_list(crm):
    for _ in range(5):
        lead_in(crm, "unassigned")
    crm.as_user("ma.lan").leads.add("No company", source="website")      # sorts last by company, both ways
    for owner in ("li.ming", "wang.fang"):
        lead_in(crm, "pending", owner=owner)
    rep = crm.as_user("li.ming")
    pool = assert_pages(rep.leads.pool)
    assert rep.leads.pool_count() == len(pool) == 6 and pool["owner_id"].isna().all()
    for descending in (False, True):
        by_company = assert_pages(rep.leads.pool, sort="company", descending=descending, size=4)
        assert by_company["name"].iloc[-1] == "No company"
    mine = assert_pages(rep.leads.list, size=3)
    assert rep.leads.count() == len(mine) == 7                          # the pool and his own, not Wang Fang's
    assert_pages(rep.leads.list, sort="name", size=3)
    assert rep.leads.count(state="pending") == len(rep.leads.list(state="pending")) == 1
    assert crm.as_user("sun.li").leads.pool_count() == 0 and crm.as_user("sun.li").leads.pool(limit=5).empty
    assert_bad_pages_refused(crm, rep.leads.pool)
    assert_bad_pages_refused(crm, rep.leads.list, state="pending")


def test_a_managers_lead_pages_never_hold_another_managers_leads(crm):
    for owner in ("li.ming", "wang.fang", "liu.yang"):
        for _ in range(3):
            lead_in(crm, "following", owner=owner)
    rep = crm.as_user("li.ming")
    pages = every_page(rep.leads.list, size=2, sort="created_on")
    assert len(pages) == rep.leads.count() == 3 and set(pages["owner_name"]) == {"Li Ming"}


# -- the clock runs the pool sweep (O6): idle leads return without anyone clicking ----------------
def test_advancing_the_clock_returns_idle_leads_to_the_pool_as_its_mover(crm):
    idle, busy = lead_in(crm, "pending"), lead_in(crm, "pending", owner="liu.yang")
    crm.clock.advance(20)
    crm.as_user("liu.yang").leads.follow_up(busy, "Called back")
    before = len(crm.audit.list(kind="lead", action="recycle"))
    crm.as_user("dong.li").clock.advance(11)  # a director moves it: the whole company is swept
    assert crm.leads.get(idle).in_pool and not crm.leads.get(busy).in_pool
    audit = crm.audit.list(kind="lead", action="recycle")
    assert len(audit) == before + 1 and f"[{idle}]" in audit["after"].iloc[0]
    assert audit["user_name"].iloc[0] == "Dong Li" if "user_name" in audit else True
    assert crm.leads.history(idle)["action"].tolist()[-1] == "recycle"
    crm.clock.set(crm.today() + dt.timedelta(days=40))  # set moves the clock too
    assert crm.leads.get(busy).in_pool


def test_a_refused_clock_move_sweeps_nothing(crm):
    lead = lead_in(crm, "pending")
    start = crm.today()
    crm.admin.set_setting("lead_pool_days", 90)
    crm.clock.advance(31)
    crm.admin.set_setting("lead_pool_days", 10)
    with pytest.raises(NotAllowed):
        crm.as_user("zhang.wei").clock.advance(1)  # only the administrator or a director moves the clock
    assert not crm.leads.get(lead).in_pool
    crm.clock.advance(1)
    # back on the day it crossed the line (11 days after its last progress), as a daily sweep would have
    assert crm.leads.get(lead).in_pool and crm.leads.get(lead).last_activity_on == start + dt.timedelta(days=11)
    assert pd.Timestamp(crm.leads.history(lead)["on_date"].iloc[-1]).date() == start + dt.timedelta(days=11)

