"""Campaigns (O7): the list with budget, cost, expected and actual revenue and ROI; a form to plan
one; and one campaign with its moves (launch, complete, cancel), costs and corrections.

Actual revenue and ROI are the engine's figures (won business of the campaign's opportunities);
the view only formats them.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from ..sales.campaigns import CAMPAIGN
from . import base, sales
from .sales import FormView, LazyTabs, RecordList, blank, money, percent

STATES = ("planned", "active", "completed", "cancelled")
RUNNERS = ("marketing", "director", "admin")
LIST_COLUMNS = {"id": "field.id", "name": "field.name", "campaign_type": "field.campaign_type",
                "state": "field.status", "budget": "field.campaign_budget", "cost": "ui.campaigns.cost",
                "expected_revenue": "field.expected_revenue", "actual_revenue": "ui.campaigns.actual_revenue",
                "roi": "ui.campaigns.roi", "leads": "ui.campaigns.leads", "won": "ui.campaigns.won"}


def _state(crm, state) -> str:
    return sales.cap(crm.t(f"state.campaign.{state}")) if isinstance(state, str) else ""


class CampaignList(RecordList):
    """Every campaign you may see, with its figures; filter by state and type, sort, page, open."""

    COLUMNS = LIST_COLUMNS
    SORTS = {"newest": ("id", True), "roi": ("roi", True), "revenue": ("actual_revenue", True),
             "cost": ("cost", True), "name": ("name", False)}

    def __init__(self, crm, on_open=None):
        compact = {"description_width": "initial"}
        filters = {"state": widgets.Dropdown(options=sales.state_options(crm, "campaign", STATES),
                                             description=crm.t("field.status"), style=compact,
                                             layout=widgets.Layout(width="14em")),
                   "campaign_type": base.choice_field(crm, "campaign_type", "campaign_type")}
        filters["campaign_type"].style, filters["campaign_type"].layout.width = compact, "20em"
        self._types = sales.codes(crm, "campaign_type")
        super().__init__(crm, filters, on_open=on_open)

    def fetch(self, **page) -> pd.DataFrame:
        return self.crm.campaigns.list(**self.values(), **page)

    def count(self) -> int:
        return self.crm.campaigns.count(**self.values())

    def shown(self, page: pd.DataFrame) -> pd.DataFrame:
        return page.assign(state=page["state"].map(lambda s: _state(self.crm, s)),
                           campaign_type=page["campaign_type"].map(lambda c: self._types.get(c, c)),
                           roi=page["roi"].map(percent),
                           **{c: page[c].map(money) for c in ("budget", "cost", "expected_revenue", "actual_revenue")})

    def option(self, row) -> str:
        return f"{row.id} · {row.name} ({_state(self.crm, row.state)})"


def _inputs(crm) -> dict[str, widgets.Widget]:
    """The campaign fields, named as the engine names them in its errors."""
    return {"name": sales.text(crm, "name"), "campaign_type": sales.choice(crm, "campaign_type", "campaign_type"),
            "campaign_budget": sales.text(crm, "campaign_budget", "0", width="22em"),
            "expected_revenue": sales.text(crm, "expected_revenue", "0", width="22em"),
            "campaign_start": sales.date_text(crm, "campaign_start"),
            "campaign_end": sales.date_text(crm, "campaign_end"),
            "campaign_description": sales.text(crm, "campaign_description")}


def _values(fields: dict) -> dict:
    """The form's values as the engine's keyword arguments (blank dates and description: none)."""
    return {"name": fields["name"].value, "campaign_type": fields["campaign_type"].value,
            "budget": fields["campaign_budget"].value, "expected_revenue": fields["expected_revenue"].value,
            "start_date": blank(fields["campaign_start"].value), "end_date": blank(fields["campaign_end"].value),
            "description": blank(fields["campaign_description"].value)}


class CampaignForm(FormView):
    """Plan a campaign (marketing staff and directors run them)."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.fields = _inputs(crm)
        self.save = base.button(crm, "ui.campaigns.plan", "primary")
        self.save.on_click(self._on_save)
        super().__init__(crm, [sales.heading(crm, "ui.campaigns.new"),
                               widgets.GridBox(list(self.fields.values()),
                                               layout=widgets.Layout(grid_template_columns="repeat(2, 32em)")),
                               self.save])

    def _on_save(self, _button):
        values = _values(self.fields)
        campaign = self._attempt(self.crm.campaigns.add, values.pop("name"), **values)
        if campaign is None:
            return
        self.show_ok(self.t("ui.campaigns.added", id=campaign.id, name=campaign.name))
        for name in ("name", "campaign_start", "campaign_end", "campaign_description"):
            self.fields[name].value = ""
        if self._on_saved is not None:
            self._on_saved(campaign.id)


class CampaignDetail(FormView):
    """One campaign: its figures and ROI, launch / complete / cancel, add a cost, correct it.
    The module reuses one detail for every campaign opened (`show_record`)."""

    def __init__(self, crm, campaign_id: int | None = None, on_changed=None):
        self.campaign_id, self._on_changed = campaign_id, on_changed
        self._types = sales.codes(crm, "campaign_type")
        self.card = widgets.HTML()
        self.launch_button = base.button(crm, "ui.campaigns.launch", "primary")
        self.complete_button = base.button(crm, "ui.campaigns.complete", "success")
        self.reason = sales.text(crm, "close_reason")
        self.cancel_button = base.button(crm, "ui.campaigns.cancel", "danger")
        self.cost = sales.text(crm, "campaign_cost", width="22em")
        self.cost_note = sales.text(crm, "notes")
        self.cost_button = base.button(crm, "ui.campaigns.add_cost")
        self.edit_fields = _inputs(crm)
        self.save = base.button(crm, "ui.save")
        self.fields = {**self.edit_fields, "close_reason": self.reason, "campaign_cost": self.cost,
                       "notes": self.cost_note}
        self.move_box = widgets.VBox([sales.heading(crm, "ui.campaigns.moves_heading"),
                                      widgets.HBox([self.launch_button, self.complete_button]),
                                      widgets.HBox([self.reason, self.cancel_button])])
        self.cost_box = widgets.VBox([sales.heading(crm, "ui.campaigns.cost_heading"),
                                      widgets.HBox([self.cost, self.cost_note, self.cost_button])])
        self.edit_box = widgets.VBox([sales.heading(crm, "ui.campaigns.edit_heading"),
                                      widgets.GridBox(list(self.edit_fields.values()),
                                                      layout=widgets.Layout(grid_template_columns="repeat(2, 32em)")),
                                      self.save])
        super().__init__(crm, [self.card, self.move_box, self.cost_box, self.edit_box])
        self.launch_button.on_click(lambda _: self._move(self.crm.campaigns.launch, "ui.campaigns.launched"))
        self.complete_button.on_click(lambda _: self._move(self.crm.campaigns.complete, "ui.campaigns.completed"))
        self.cancel_button.on_click(self._on_cancel)
        self.cost_button.on_click(self._on_cost)
        self.save.on_click(self._on_save)
        if campaign_id is not None:
            self.show_record(campaign_id)

    def show_record(self, campaign_id: int) -> None:
        """Show another campaign in this detail: fresh inputs, no old message."""
        self.campaign_id = campaign_id
        self.reason.value = self.cost.value = self.cost_note.value = ""
        self.clear_status()
        self.refresh()

    def refresh(self) -> None:
        crm = self.crm
        frame = self._attempt(crm.campaigns.roi, self.campaign_id)
        if frame is None or frame.empty:
            self.card.value = ""
            for box in (self.move_box, self.cost_box, self.edit_box):
                box.layout.display = "none"
            return
        c = frame.iloc[0]
        self.figures = c
        pairs = [("field.id", int(c.id)), ("field.name", c["name"]),
                 ("field.campaign_type", self._types.get(c.campaign_type, c.campaign_type)),
                 ("field.status", _state(crm, c.state)), ("field.owner", c.owner_name),
                 ("field.campaign_start", c.start_date), ("field.campaign_end", c.end_date),
                 ("field.campaign_budget", money(c.budget)), ("ui.campaigns.cost", money(c.cost)),
                 ("ui.campaigns.budget_used", percent(c.budget_used)),
                 ("field.expected_revenue", money(c.expected_revenue)),
                 ("ui.campaigns.actual_revenue", money(c.actual_revenue)), ("ui.campaigns.roi", percent(c.roi)),
                 ("ui.campaigns.leads", int(c.leads)), ("ui.campaigns.converted", int(c.converted_leads)),
                 ("ui.campaigns.opportunities", int(c.opportunities)), ("ui.campaigns.won", int(c.won)),
                 ("field.campaign_description", c.description)]
        self.card.value = f"<h4 style='margin:4px 0'>{html.escape(crm.t('kind.campaign'))} {int(c.id)}</h4>" + \
            sales.facts(crm, pairs)
        fields = self.edit_fields
        fields["name"].value = c["name"]
        fields["campaign_type"].value = c.campaign_type
        fields["campaign_budget"].value, fields["expected_revenue"].value = str(c.budget), str(c.expected_revenue)
        for name, column in (("campaign_start", "start_date"), ("campaign_end", "end_date")):
            fields[name].value = "" if pd.isna(c[column]) else pd.Timestamp(c[column]).date().isoformat()
        fields["campaign_description"].value = c.description if isinstance(c.description, str) else ""
        runner, state = crm.user.role in RUNNERS, c.state
        allowed = lambda verb: (state, verb) in CAMPAIGN.transitions  # noqa: E731 - the engine checks again
        self.move_box.layout.display = None if runner and any(allowed(v) for v in ("launch", "complete", "cancel")) \
            else "none"
        for widget, verb in ((self.launch_button, "launch"), (self.complete_button, "complete"),
                             (self.cancel_button, "cancel"), (self.reason, "cancel")):
            widget.layout.display = None if allowed(verb) else "none"
        self.cost_box.layout.display = None if runner and allowed("add_cost") else "none"
        self.edit_box.layout.display = None if runner and allowed("update") else "none"

    def _done(self, key: str, **params) -> None:
        """Show the campaign (and the list) as they now are, then confirm."""
        self.refresh_keeping_status()
        if self._on_changed is not None:
            self._on_changed(self.campaign_id)
        self.show_ok(self.t(key, id=self.campaign_id, **params))

    def _move(self, verb, key: str):
        if self._attempt(verb, self.campaign_id) is not None:
            self._done(key)

    def _on_cancel(self, _button):
        if self._attempt(self.crm.campaigns.cancel, self.campaign_id, self.reason.value) is not None:
            self.reason.value = ""
            self._done("ui.campaigns.cancelled")

    def _on_cost(self, _button):
        campaign = self._attempt(self.crm.campaigns.add_cost, self.campaign_id, self.cost.value,
                                 note=blank(self.cost_note.value))
        if campaign is not None:
            self.cost.value = self.cost_note.value = ""
            self._done("ui.campaigns.cost_added", cost=money(campaign.cost))

    def _on_save(self, _button):
        if self._attempt(self.crm.campaigns.update, self.campaign_id, **_values(self.edit_fields)) is not None:
            self._done("ui.saved")


class CampaignsModule(sales.View):
    """Campaigns: the list with ROI → one campaign, and a form to plan a new one."""

    def __init__(self, crm):
        self.crm = crm
        self.detail = widgets.VBox()
        self.tabs = LazyTabs(crm, {
            "ui.campaigns.tab_list": self._list_page,
            "ui.campaigns.tab_new": lambda: CampaignForm(crm, on_saved=lambda _id: self._changed())})
        super().__init__(crm, [self.tabs])
        sales.tag_user(self, crm)

    def _list_page(self):
        self.list = CampaignList(self.crm, on_open=self.open_campaign)
        return widgets.VBox([self.list, self.detail])

    def open_campaign(self, campaign_id: int) -> CampaignDetail:
        """Show one campaign below the list (one detail view, reused)."""
        if not self.detail.children:
            self.detail.children = [CampaignDetail(self.crm, on_changed=lambda _id: self._changed())]
        view = self.detail.children[0]
        view.show_record(campaign_id)
        return view

    def _changed(self) -> None:
        self.list.refresh()
