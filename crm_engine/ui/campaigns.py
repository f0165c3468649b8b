"""Campaigns (O7) on the kit: the list with budget, cost, actual revenue and ROI (a row opens
the campaign), a new campaign, and the campaign's record page.

    from crm_engine.ui import show
    show(crm, "campaigns")              # CampaignsModule(crm): a widget for a cell or the app

The record page shows the campaign's state as a path of the engine's state machine (planned →
active → completed | cancelled), its figures, the leads it brought (a row opens the lead) and the
business won through it; the actions — launch, complete, cancel, record a cost, correct — are
disabled with the engine's reason when not allowed now (`crm.campaigns.actions`). Actual revenue
and ROI are the engine's figures (won business of its opportunities); the screen only formats them.
"""
from __future__ import annotations

import html

import solara

from ..statemachine import machine
from . import kit
from .leads import LeadRecord

LIST_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("name", "field.name", sort="name", width=36),
                kit.Column("campaign_type", "field.campaign_type", kind="code", of="campaign_type", priority=3),
                kit.Column("state", "field.status", kind="state", of="campaign", sort="state"),
                kit.Column("budget", "field.campaign_budget", kind="money", sort="budget", priority=3),
                kit.Column("cost", "ui.campaigns.cost", kind="money", sort="cost", priority=2),
                kit.Column("actual_revenue", "ui.campaigns.actual_revenue", kind="money", sort="actual_revenue"),
                kit.Column("roi", "ui.campaigns.roi", kind="percent", sort="roi"),
                kit.Column("leads", "ui.campaigns.leads", sort="leads", priority=3),
                kit.Column("won", "ui.campaigns.won", sort="won", priority=2)]
LEAD_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("name", "field.name", sort="name", width=30),
                kit.Column("company", "field.company", sort="company", width=36, priority=2),
                kit.Column("state", "field.status", kind="state", of="lead", sort="state"),
                kit.Column("owner_name", "field.owner", priority=3)]
WON_COLUMNS = [kit.Column("id", "field.id"),
               kit.Column("customer_name", "field.customer_name", width=40),
               kit.Column("won_amount", "field.won_amount", kind="money"),
               kit.Column("closed_on", "ui.opportunities.closed_on", kind="date", priority=2),
               kit.Column("owner_name", "field.owner", priority=3)]


def _listed(crm, **asked):
    """The engine's page, ROI shown as a percentage (the engine gives a fraction: 0.5 = 50 %)."""
    frame = crm.campaigns.list(**asked)
    return frame.assign(roi=frame["roi"] * 100) if len(frame) else frame


def types(crm) -> tuple:
    return tuple(crm.dictionary.choices("campaign_type"))


@solara.component
def CampaignList(crm, on_open=None):
    """Every campaign you may see with its figures: filter by state and type, sort, page."""
    state, set_state = solara.use_state(None)
    kind, set_kind = solara.use_state(None)
    kit.use_workspace(crm)
    from solara.alias import rv
    every = {"title": crm.t("ui.sales.all"), "value": None}
    states = [every] + [{"title": kit.cap(crm.t(f"state.campaign.{s}")), "value": s}
                        for s in machine("campaign").states]
    kinds = [every] + [{"title": label, "value": code} for label, code in types(crm)]
    with solara.Column(gap="4px") as box:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px"}):
            rv.Select(items=states, v_model=state, on_v_model=set_state, label=crm.t("field.status"),
                      density="compact", hide_details=True, style_="min-width:10em;max-width:16em"
                      ).meta(ref="filter-state")
            rv.Select(items=kinds, v_model=kind, on_v_model=set_kind, label=crm.t("field.campaign_type"),
                      density="compact", hide_details=True, style_="min-width:10em;max-width:18em"
                      ).meta(ref="filter-type")
        kit.RecordList(crm, lambda **kw: _listed(crm, **kw), crm.campaigns.count, LIST_COLUMNS, on_open=on_open,
                       filters={"state": state, "campaign_type": kind}, sort="id", descending=True,
                       searchable=False, ref="campaigns")
    return box


def campaign_fields(crm) -> tuple:
    """The campaign's inputs, named as the engine names them in its errors."""
    return (kit.Field("name"), kit.Field("campaign_type", "select", options=types(crm)),
            kit.Field("campaign_budget"), kit.Field("expected_revenue"), kit.Field("campaign_start", "date"),
            kit.Field("campaign_end", "date"), kit.Field("campaign_description", "textarea"))


def campaign_values(v) -> dict:
    """The form's values as the engine's keyword arguments (blank: none, or 0 for money)."""
    return {"campaign_type": v.get("campaign_type"), "budget": kit.text_or_none(v.get("campaign_budget")) or 0,
            "expected_revenue": kit.text_or_none(v.get("expected_revenue")) or 0,
            "start_date": kit.text_or_none(v.get("campaign_start")),
            "end_date": kit.text_or_none(v.get("campaign_end")),
            "description": kit.text_or_none(v.get("campaign_description"))}


@solara.component
def NewCampaign(crm, on_added=None):
    """Plan a campaign (marketing staff and directors run them; anyone else is told why not)."""
    kit.use_workspace(crm)
    t = crm.t

    def add(v):
        campaign = crm.campaigns.add(v.get("name") or "", **campaign_values(v))
        if on_added is not None:
            on_added(campaign.id)
        return t("ui.campaigns.added", id=campaign.id, name=campaign.name)

    choices = types(crm)
    return kit.ActionBar(crm, [kit.Action("add", t("ui.campaigns.plan"), add, fields=campaign_fields(crm),
                                          initial={"campaign_type": choices[0][1] if choices else None})],
                         ref="new")


def read(crm, campaign_id: int) -> dict:
    """Everything the record page shows, in one go."""
    figures = crm.campaigns.roi(campaign_id)
    won = crm.opportunities.list(campaign_id=campaign_id, state="succeeded", sort="created_on", descending=True)
    return {"campaign": crm.campaigns.get(campaign_id), "figures": figures.iloc[0],
            "actions": crm.campaigns.actions(campaign_id), "won": won}


def details(crm, campaign, f) -> list:
    labels = kit.Labels.of(crm)
    return [("field.campaign_type", labels.code("campaign_type", campaign.campaign_type)),
            ("field.status", labels.state("campaign", campaign.state)), ("ui.uisales.run_by", f["owner_name"]),
            ("field.campaign_start", kit.date(campaign.start_date)), ("field.campaign_end", kit.date(campaign.end_date)),
            ("field.campaign_budget", kit.money(campaign.budget)), ("ui.campaigns.cost", kit.money(campaign.cost)),
            ("ui.campaigns.budget_used", kit.percent(f["budget_used"])),
            ("field.expected_revenue", kit.money(campaign.expected_revenue)),
            ("ui.campaigns.actual_revenue", kit.money(f["actual_revenue"])), ("ui.campaigns.roi", kit.percent(f["roi"])),
            ("ui.campaigns.leads", str(int(f["leads"]))), ("ui.campaigns.converted", str(int(f["converted_leads"]))),
            ("ui.campaigns.opportunities", str(int(f["opportunities"]))), ("ui.campaigns.won", str(int(f["won"]))),
            ("field.campaign_description", campaign.description)]


def campaign_actions(crm, campaign, why) -> list:
    """launch, complete, cancel, record a cost, correct — each one verb, each with its confirmation."""
    t, area, cid = crm.t, crm.campaigns, campaign.id

    def add_cost(v):
        done = area.add_cost(cid, v.get("campaign_cost") or "", note=kit.text_or_none(v.get("notes")))
        return t("ui.campaigns.cost_added", id=cid, cost=kit.money(done.cost))

    def update(v):
        area.update(cid, name=v.get("name") or "", **campaign_values(v))
        return t("ui.saved")

    return [
        kit.Action("launch", t("ui.campaigns.launch"), lambda _v: area.launch(cid) and
                   t("ui.campaigns.launched", id=cid), reason=why["launch"]),
        kit.Action("complete", t("ui.campaigns.complete"), lambda _v: area.complete(cid) and
                   t("ui.campaigns.completed", id=cid), reason=why["complete"], color="success"),
        kit.Action("add_cost", t("ui.campaigns.add_cost"), add_cost, reason=why["add_cost"], color="secondary",
                   fields=(kit.Field("campaign_cost"), kit.Field("notes"))),
        kit.Action("cancel", t("ui.campaigns.cancel"), lambda v: area.cancel(cid, v.get("close_reason") or "")
                   and t("ui.campaigns.cancelled", id=cid), reason=why["cancel"], color="error",
                   fields=(kit.Field("close_reason", "textarea"),)),
        kit.Action("update", t("ui.campaigns.edit_heading"), update, reason=why["update"], color="secondary",
                   fields=campaign_fields(crm),
                   initial={"name": campaign.name, "campaign_type": campaign.campaign_type,
                            "campaign_budget": str(campaign.budget), "expected_revenue": str(campaign.expected_revenue),
                            "campaign_start": kit.date(campaign.start_date), "campaign_end": kit.date(campaign.end_date),
                            "campaign_description": campaign.description or ""}),
    ]


@solara.component
def CampaignLeads(crm, campaign_id: int):
    """The campaign's leads you may see; a row opens the lead here, its close comes back."""
    open_id, set_open_id = solara.use_state(None)
    if open_id is not None:
        return LeadRecord(crm, open_id, on_close=lambda: set_open_id(None))
    return kit.RecordList(crm, crm.leads.list, crm.leads.count, LEAD_COLUMNS, on_open=set_open_id,
                          filters={"campaign_id": campaign_id}, sort="id", ref="campaign-leads")


@solara.component
def CampaignRecord(crm, campaign_id: int, on_close=None):
    """The record page of one campaign; it redraws after any change in the workspace."""
    data, problem = kit.use_record(crm, read, campaign_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    campaign, figures = data["campaign"], data["figures"]
    tabs = [(crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, campaign, figures))),
            (crm.t("ui.uisales.campaign_leads"), lambda: CampaignLeads(crm, campaign.id)),
            (crm.t("ui.uisales.won_business"), lambda: kit.StaticTable(crm, data["won"], WON_COLUMNS, "won"))]
    subtitle = crm.t("ui.uisales.campaign_subtitle", cost=kit.money(campaign.cost),
                     revenue=kit.money(figures["actual_revenue"]), roi=kit.percent(figures["roi"]) or "—")
    return kit.RecordPage(crm, f"{kit.cap(crm.t('kind.campaign'))} {campaign.id} · {campaign.name}",
                          subtitle=subtitle, path=kit.PathBar(crm, machine("campaign"), campaign.state),
                          actions=campaign_actions(crm, campaign, data["actions"]), tabs=tabs, on_close=on_close)


@solara.component
def CampaignsScreen(crm):
    """The module: tabs campaigns (→ record), a new campaign."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    tab, set_tab = solara.use_state(0)

    def campaigns_and_record():
        # The list stays built (hidden) while a record is open: going back keeps its page and order.
        with solara.Column(gap="4px") as box:
            if open_id is not None:
                CampaignRecord(crm, open_id, on_close=lambda: set_open_id(None))
            with solara.Div(style={"display": "none" if open_id is not None else "block"}):
                CampaignList(crm, on_open=set_open_id)
        return box

    def added(campaign_id):
        set_tab(0)
        set_open_id(campaign_id)

    sections = [(crm.t("ui.campaigns.tab_list"), campaigns_and_record),
                (crm.t("ui.campaigns.tab_new"), lambda: NewCampaign(crm, on_added=added))]
    return kit.Tabs(sections, index=tab, on_index=set_tab, ref="campaigns-tabs")


def summary_html(crm) -> str:
    """What the module shows, as plain HTML (nbconvert / nbgrader output has no widgets)."""
    return (f"<h4>{html.escape(crm.t('ui.campaigns.tab_list'))}</h4>"
            f"{kit.table_html(crm, _listed(crm, limit=kit.listview.PAGE_SIZE), LIST_COLUMNS)}")


class CampaignsModule(kit.KitView):
    """`show(crm, "campaigns")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        super().__init__(CampaignsScreen(crm), fallback=lambda: summary_html(crm))
        self.add_class("crm-as-" + "".join(ch if ch.isalnum() else "_" for ch in crm.user.username))
