"""Leads and the public pool (O6) on the kit: my leads and the pool as lists (a row opens the
lead), a new lead, and the lead's record page.

    from crm_engine.ui import show
    show(crm, "leads")                  # LeadsModule(crm): a widget for a cell or the app

The record page shows the lead's state as a path of the engine's state machine (unassigned, in
the pool → pending → following up → invalid → converted | voided) and every action — claim,
assign, log a follow-up, convert, mark invalid, revive, back to the pool, void, correct — those
not allowed now disabled with the engine's reason (`crm.leads.actions`): before the first
follow-up, Convert says why not. Each action calls one verb of `crm.leads`.
"""
from __future__ import annotations

import html

import solara

from ..errors import CRMError, InvalidInput
from ..statemachine import machine
from . import kit

SUPERIORS = ("supervisor", "director", "admin")
HOLDERS = ("account_manager", "supervisor", "director")
LIST_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("name", "field.name", sort="name", width=30),
                kit.Column("company", "field.company", sort="company", width=36),
                kit.Column("state", "field.status", kind="state", of="lead", sort="state"),
                kit.Column("source", "field.lead_source", kind="code", of="lead_source", sort="source", priority=3),
                kit.Column("owner_name", "field.owner", priority=2),
                kit.Column("last_activity_on", "ui.leads.last_activity", kind="date", sort="last_activity_on",
                           priority=2)]
POOL_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("name", "field.name", sort="name", width=30),
                kit.Column("company", "field.company", sort="company", width=36),
                kit.Column("source", "field.lead_source", kind="code", of="lead_source", sort="source", priority=2),
                kit.Column("last_activity_on", "ui.leads.last_activity", kind="date", sort="last_activity_on"),
                kit.Column("created_on", "ui.sales.created_on", kind="date", sort="created_on", priority=3)]
FOLLOWUP_COLUMNS = [kit.Column("on_date", "field.on_date", kind="date"),
                    kit.Column("channel", "field.channel", kind="code", of="interaction_channel"),
                    kit.Column("detail", "field.detail"),
                    kit.Column("next_date", "field.next_follow_up", kind="date", priority=2),
                    kit.Column("user_name", "ui.sales.by_user", priority=3)]
HISTORY_COLUMNS = [kit.Column("on_date", "field.on_date", kind="date"),
                   kit.Column("action", "ui.sales.action"),
                   kit.Column("from_state", "ui.sales.from_state", kind="state", of="lead", priority=2),
                   kit.Column("to_state", "ui.sales.to_state", kind="state", of="lead"),
                   kit.Column("user_name", "ui.sales.by_user", priority=3),
                   kit.Column("note", "field.notes", priority=3)]


def holders(crm) -> tuple:
    """(name, username) of the active users who may hold leads: whom a lead can be given to."""
    users = crm.admin.users()
    return tuple((r.name, r.username) for r in users[users["role"].isin(HOLDERS)].itertuples())


def campaigns(crm) -> tuple:
    """(name, id) of the campaigns a lead may carry (planned or active)."""
    frame = crm.campaigns.list()
    usable = frame[frame["state"].isin(["planned", "active"])] if len(frame) else frame
    return tuple((r.name, int(r.id)) for r in usable.itertuples())


def _listed(crm, **asked):
    """The engine's page, "in the public pool" as the holder of a pool lead (a voided or converted
    lead nobody holds shows no holder)."""
    frame = crm.leads.list(**asked)
    if len(frame):
        pooled = frame["owner_id"].isna() & (frame["state"] == "unassigned")
        frame = frame.assign(owner_name=frame["owner_name"].astype(object).where(~pooled, crm.t("ui.leads.in_pool")))
    return frame


@solara.component
def LeadList(crm, on_open=None):
    """The leads you may see (yours, your team's, the pool): filter by state, search, sort, page."""
    state, set_state = solara.use_state(None)
    kit.use_workspace(crm)
    from solara.alias import rv
    states = [{"title": crm.t("ui.sales.all"), "value": None}] + [
        {"title": kit.cap(crm.t(f"state.lead.{s}")), "value": s} for s in machine("lead").states]
    with solara.Column(gap="4px") as box:
        rv.Select(items=states, v_model=state, on_v_model=set_state, label=crm.t("field.status"), density="compact",
                  hide_details=True, style_="min-width:10em;max-width:18em").meta(ref="filter-state")
        kit.RecordList(crm, lambda **kw: _listed(crm, **kw), crm.leads.count, LIST_COLUMNS, on_open=on_open,
                       filters={"state": state}, sort="created_on", descending=True, ref="leads")
    return box


@solara.component
def PoolList(crm, on_open=None):
    """The public pool (公海), oldest progress first: a row opens the lead (Claim is there);
    supervisors and directors sweep stale leads back into it from here."""
    kit.use_workspace(crm)
    t = crm.t
    with solara.Column(gap="4px") as box:
        kit.RecordList(crm, crm.leads.pool, lambda **kw: crm.leads.pool_count(), POOL_COLUMNS, on_open=on_open,
                       sort="last_activity_on", searchable=False, ref="pool")
        if crm.user.role in SUPERIORS:
            kit.ActionBar(crm, [kit.Action("sweep", t("ui.leads.sweep"), color="warning",
                                           run=lambda _v: t("ui.leads.swept", count=crm.leads.recycle()))],
                          ref="pool-actions")
    return box


@solara.component
def NewLead(crm, on_added=None):
    """Record a lead: yours (pending), or into the public pool."""
    kit.use_workspace(crm)
    t = crm.t
    holder = crm.user.role in HOLDERS
    where = (kit.Field("to_pool", "select", label_key="ui.uisales.lead_goes_to",
                       options=((t("ui.uisales.lead_mine"), False), (t("ui.leads.in_pool"), True))),) if holder else ()
    fields = (kit.Field("name"), kit.Field("company"), kit.Field("phone"), kit.Field("email"),
              kit.Field("lead_source", "select", options=tuple(crm.dictionary.choices("lead_source"))),
              kit.Field("campaign", "select", options=campaigns(crm)), kit.Field("notes", "textarea"), *where)

    def add(v):
        lead = crm.leads.add(v.get("name") or "", company=kit.text_or_none(v.get("company")),
                             phone=kit.text_or_none(v.get("phone")), email=kit.text_or_none(v.get("email")),
                             source=v.get("lead_source") or "other", campaign_id=v.get("campaign"),
                             note=kit.text_or_none(v.get("notes")), to_pool=bool(v.get("to_pool")))
        if on_added is not None:
            on_added(lead.id)
        where = t("ui.leads.in_pool") if lead.owner_id is None else kit.Labels.of(crm).state("lead", lead.state)
        return t("ui.leads.added", id=lead.id, name=lead.name, where=where)

    return kit.ActionBar(crm, [kit.Action("add", t("ui.leads.record"), add, fields=fields,
                                          initial={"lead_source": "other", "to_pool": False})], ref="new")


def read(crm, lead_id: int) -> dict:
    """Everything the record page shows, in one go."""
    area = crm.leads
    history = area.history(lead_id)
    return {"lead": area.get(lead_id), "actions": area.actions(lead_id), "followups": area.followups(lead_id),
            "history": history.assign(action=history["action"].map(lambda a: crm.t(f"action.lead.{a}")))}


def details(crm, lead) -> list:
    labels = kit.Labels.of(crm)
    pairs = [("field.name", lead.name), ("field.company", lead.company), ("field.phone", lead.phone),
             ("field.email", lead.email), ("field.lead_source", labels.code("lead_source", lead.source)),
             ("field.status", labels.state("lead", lead.state)),
             ("field.owner", labels.user(lead.owner_id) if lead.owner_id is not None else
              (crm.t("ui.leads.in_pool") if lead.state == "unassigned" else "")),
             ("ui.leads.last_activity", kit.date(lead.last_activity_on)),
             ("ui.sales.created_on", kit.date(lead.created_on)), ("field.notes", lead.note),
             ("field.close_reason", lead.close_reason)]
    return pairs


def related(crm, lead) -> list:
    """Where it came from and what it became: campaign, customer, opportunity."""
    campaign = ""
    if lead.campaign_id is not None:
        try:
            campaign = f"{lead.campaign_id} · {crm.campaigns.get(lead.campaign_id).name}"
        except CRMError:  # a campaign out of this user's sight shows by its number only
            campaign = str(lead.campaign_id)
    return [("field.campaign", campaign), ("field.customer", lead.customer_id),
            ("field.opportunity", lead.opportunity_id), ("ui.uisales.converted_on", kit.date(lead.converted_on))]


def lead_actions(crm, lead, why) -> list:
    """Every action on the lead, in the engine's order; each one verb, each with its confirmation."""
    t, area, lid = crm.t, crm.leads, lead.id
    people = holders(crm)
    names = dict((u, n) for n, u in people)
    reason = kit.Field("close_reason", "textarea")

    def assign(v):
        if v.get("assignee") is None:  # nothing chosen yet: say so at the field
            raise InvalidInput("error.required", field="assignee")
        area.assign(lid, v["assignee"])
        return t("ui.leads.assigned", id=lid, user=names.get(v["assignee"], v["assignee"]))

    def follow_up(v):
        area.follow_up(lid, v.get("detail") or "", channel=v.get("channel") or "phone",
                       on_date=kit.text_or_none(v.get("on_date")), next_date=kit.text_or_none(v.get("next_follow_up")))
        return t("ui.leads.followed_up", id=lid)

    def convert(v):
        opportunity = None
        if kit.text_or_none(v.get("opportunity_summary")) or kit.text_or_none(v.get("expected_amount")):
            opportunity = {"summary": kit.text_or_none(v.get("opportunity_summary")),
                           "expected_amount": kit.text_or_none(v.get("expected_amount")) or 0,
                           "probability": kit.text_or_none(v.get("probability")) or 10}
        done = area.convert(lid, contact=v.get("make_contact", True) is not False, opportunity=opportunity)
        how = t("ui.leads.customer_linked" if done.linked_existing else "ui.leads.customer_created",
                customer=done.customer_id)
        extra = t("ui.leads.opportunity_created", opportunity=done.opportunity_id) \
            if done.opportunity_id is not None else ""
        return t("ui.leads.converted", id=lid, how=how, extra=extra)

    def update(v):
        area.update(lid, name=v.get("name") or "", company=kit.text_or_none(v.get("company")),
                    phone=kit.text_or_none(v.get("phone")), email=kit.text_or_none(v.get("email")),
                    note=kit.text_or_none(v.get("notes")))
        return t("ui.saved")

    yes_no = ((t("ui.uisales.yes"), True), (t("ui.uisales.no"), False))
    return [
        kit.Action("claim", t("ui.leads.claim"), lambda _v: area.claim(lid) and t("ui.leads.claimed", id=lid),
                   reason=why["claim"]),
        kit.Action("assign", t("ui.leads.assign"), assign, reason=why["assign"],
                   fields=(kit.Field("assignee", "select", options=people),)),
        kit.Action("follow_up", t("ui.leads.follow_up"), follow_up, reason=why["follow_up"],
                   fields=(kit.Field("detail", "textarea"),
                           kit.Field("channel", "select", options=tuple(crm.dictionary.choices("interaction_channel"))),
                           kit.Field("on_date", "date", placeholder=t("ui.sales.default_today")),
                           kit.Field("next_follow_up", "date")),
                   initial={"channel": "phone"}),
        kit.Action("convert", t("ui.leads.convert"), convert, reason=why["convert"], color="success",
                   fields=(kit.Field("make_contact", "select", options=yes_no, label_key="ui.leads.make_contact"),
                           kit.Field("opportunity_summary", "textarea"), kit.Field("expected_amount"),
                           kit.Field("probability")),
                   initial={"make_contact": True, "probability": "10"}),
        kit.Action("mark_invalid", t("ui.leads.mark_invalid"), lambda v: area.mark_invalid(
            lid, v.get("close_reason") or "") and t("ui.leads.marked_invalid", id=lid),
            reason=why["mark_invalid"], color="warning", fields=(reason,)),
        kit.Action("revive", t("ui.leads.revive"), lambda _v: area.revive(lid) and t("ui.leads.revived", id=lid),
                   reason=why["revive"], color="info"),
        kit.Action("release", t("ui.leads.release"), lambda v: area.release(
            lid, kit.text_or_none(v.get("close_reason"))) and t("ui.leads.released", id=lid),
            reason=why["release"], color="secondary", fields=(reason,)),
        kit.Action("void", t("ui.leads.void"), lambda v: area.void(lid, v.get("close_reason") or "")
                   and t("ui.leads.voided", id=lid), reason=why["void"], color="error", fields=(reason,)),
        kit.Action("update", t("ui.leads.edit_heading"), update, reason=why["update"], color="secondary",
                   fields=(kit.Field("name"), kit.Field("company"), kit.Field("phone"), kit.Field("email"),
                           kit.Field("notes", "textarea")),
                   initial={"name": lead.name, "company": lead.company or "", "phone": lead.phone or "",
                            "email": lead.email or "", "notes": lead.note or ""}),
    ]


@solara.component
def LeadRecord(crm, lead_id: int, on_close=None):
    """The record page of one lead; it redraws after any change in the workspace."""
    data, problem = kit.use_record(crm, read, lead_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    lead = data["lead"]
    tabs = [(crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, lead))),
            (crm.t("ui.leads.followups"), lambda: kit.StaticTable(crm, data["followups"], FOLLOWUP_COLUMNS,
                                                                 "followups")),
            (crm.t("ui.sales.history"), lambda: kit.StaticTable(crm, data["history"], HISTORY_COLUMNS, "history")),
            (crm.t("ui.kit.related"), lambda: kit.Facts(crm, related(crm, lead), ref="related"))]
    return kit.RecordPage(crm, f"{kit.cap(crm.t('kind.lead'))} {lead.id} · {lead.name}", subtitle=lead.company or "",
                          path=kit.PathBar(crm, machine("lead"), lead.state),
                          actions=lead_actions(crm, lead, data["actions"]), tabs=tabs, on_close=on_close)


@solara.component
def LeadsScreen(crm, record: int | None = None, on_record=None):
    """The module: tabs my leads (→ record), the public pool (→ record), a new lead. `record`: the one
    open first (a deep link); `on_record(id | None)` hears each record opened or closed."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(record)
    kit.use_record_heard(open_id, on_record)
    tab, set_tab = solara.use_state(0)

    def open_record(record_id):
        set_open_id(record_id)

    def with_record(build):
        # The list stays built (hidden) while a record is open: going back keeps its page and order.
        def section():
            with solara.Column(gap="4px") as box:
                if open_id is not None:
                    LeadRecord(crm, open_id, on_close=lambda: set_open_id(None))
                with solara.Div(style={"display": "none" if open_id is not None else "block"}):
                    build()
            return box
        return section

    def choose(index):
        set_open_id(None)
        set_tab(index)

    sections = [(crm.t("ui.leads.tab_list"), with_record(lambda: LeadList(crm, on_open=open_record))),
                (crm.t("ui.leads.tab_pool"), with_record(lambda: PoolList(crm, on_open=open_record))),
                (crm.t("ui.leads.tab_new"), lambda: NewLead(crm, on_added=lambda i: (set_tab(0), set_open_id(i))))]
    return kit.Tabs(sections, index=tab, on_index=choose, ref="leads-tabs")


def summary_html(crm) -> str:
    """What the module shows, as plain HTML (nbconvert / nbgrader output has no widgets)."""
    page = kit.listview.PAGE_SIZE
    return (f"<h4>{html.escape(crm.t('ui.leads.tab_list'))}</h4>"
            f"{kit.table_html(crm, _listed(crm, limit=page), LIST_COLUMNS)}"
            f"<h4>{html.escape(crm.t('ui.leads.tab_pool'))}</h4>"
            f"{kit.table_html(crm, crm.leads.pool(limit=page), POOL_COLUMNS)}")


class LeadsModule(kit.KitView):
    """`show(crm, "leads")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm, record: int | None = None, on_record=None):
        self.crm = crm
        super().__init__(LeadsScreen(crm, record, on_record), fallback=lambda: summary_html(crm))
        self.add_class("crm-as-" + "".join(ch if ch.isalnum() else "_" for ch in crm.user.username))
