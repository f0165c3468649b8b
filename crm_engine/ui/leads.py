"""Leads and the public pool (O6): the lead list, the pool (claim, assign, sweep), a new-lead
form, and one lead with its follow-ups and every move of its lifecycle — follow up, release,
mark invalid, revive, void, convert (customer, contact, opportunity), edit.

Each button calls one verb of `crm.leads`; who may do it in which state is the engine's rule.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from ..sales.leads import LEAD
from . import base, sales
from .sales import FormView, LazyTabs, RecordList, blank

STATES = ("unassigned", "pending", "following", "invalid", "converted", "voided")
SUPERIORS = ("supervisor", "director", "admin")
HOLDERS = ("account_manager", "supervisor", "director")
LIST_COLUMNS = {"id": "field.id", "name": "field.name", "company": "field.company", "phone": "field.phone",
                "source": "field.lead_source", "state": "field.status", "owner_name": "field.owner",
                "last_activity_on": "ui.leads.last_activity"}
POOL_COLUMNS = {k: v for k, v in LIST_COLUMNS.items() if k not in ("state", "owner_name")}
FOLLOWUP_COLUMNS = {"on_date": "field.on_date", "channel": "field.channel", "detail": "field.detail",
                    "next_date": "field.next_follow_up", "user_name": "ui.sales.by_user"}
HISTORY_COLUMNS = {"on_date": "field.on_date", "action": "ui.sales.action", "from_state": "ui.sales.from_state",
                   "to_state": "ui.sales.to_state", "user_name": "ui.sales.by_user", "note": "field.notes"}


def _state(crm, state) -> str:
    return sales.cap(crm.t(f"state.lead.{state}")) if isinstance(state, str) else ""


def _can(state: str, verb: str) -> bool:
    """Whether the lead's state machine allows `verb` now (the engine checks again)."""
    return (state, verb) in LEAD.transitions


def _campaigns(crm) -> list[tuple[str, int | None]]:
    frame = crm.campaigns.list()
    usable = frame[frame["state"].isin(["planned", "active"])] if len(frame) else frame
    return [("—", None)] + [(r.name, int(r.id)) for r in usable.itertuples()]


class LeadList(RecordList):
    """The leads you may see (yours, your team's, the pool): search, filter, sort, page, open."""

    COLUMNS = LIST_COLUMNS
    SORTS = {"newest": ("created_on", True), "activity": ("last_activity_on", False), "name": ("name", False),
             "company": ("company", False)}

    def __init__(self, crm, on_open=None):
        compact = {"description_width": "initial"}
        filters = {
            "search": widgets.Text(placeholder=crm.t("ui.leads.search"), continuous_update=False,
                                   layout=widgets.Layout(width="16em")),
            "state": widgets.Dropdown(options=sales.state_options(crm, "lead", STATES),
                                      description=crm.t("field.status"), style=compact,
                                      layout=widgets.Layout(width="14em")),
            "source": base.choice_field(crm, "lead_source", "lead_source"),
            "campaign_id": widgets.Dropdown(options=_campaigns(crm), description=crm.t("field.campaign"),
                                            style=compact, layout=widgets.Layout(width="17em")),
        }
        filters["source"].style, filters["source"].layout.width = compact, "17em"
        self._sources = sales.codes(crm, "lead_source")
        super().__init__(crm, filters, on_open=on_open)

    def fetch(self, **page) -> pd.DataFrame:
        return self.crm.leads.list(**self.values(), **page)

    def count(self) -> int:
        return self.crm.leads.count(**self.values())

    def shown(self, page: pd.DataFrame) -> pd.DataFrame:
        return page.assign(state=page["state"].map(lambda s: _state(self.crm, s)),
                           source=page["source"].map(lambda c: self._sources.get(c, c)),
                           owner_name=page["owner_name"].map(lambda n: n if isinstance(n, str)
                                                             else self.t("ui.leads.in_pool")))

    def option(self, row) -> str:
        company = f" ({row.company})" if isinstance(row.company, str) else ""
        return f"{row.id} · {row.name}{company} — {_state(self.crm, row.state)}"


class PoolList(RecordList):
    """The public pool (公海): leads nobody owns, oldest first. Reps claim; supervisors assign;
    supervisors and directors sweep stale leads back into it."""

    COLUMNS = POOL_COLUMNS
    SORTS = {"waiting": ("last_activity_on", False), "newest": ("created_on", True), "company": ("company", False)}

    def __init__(self, crm, on_open=None, on_changed=None):
        self._on_changed = on_changed
        self._sources = sales.codes(crm, "lead_source")
        self.claim_button = base.button(crm, "ui.leads.claim", "primary")
        self.assignee = sales.users(crm, "assignee", roles=HOLDERS)
        self.assign_button = base.button(crm, "ui.leads.assign")
        self.sweep_button = base.button(crm, "ui.leads.sweep", "warning")
        boss = crm.user.role in SUPERIORS
        for widget in (self.assignee, self.assign_button, self.sweep_button):
            widget.layout.display = None if boss else "none"
        super().__init__(crm, {}, on_open=on_open, extra=[self.claim_button])
        self.children = (*self.children[:-1], widgets.HBox([self.assignee, self.assign_button, self.sweep_button]),
                         self.status)
        self.claim_button.on_click(self._on_claim)
        self.assign_button.on_click(self._on_assign)
        self.sweep_button.on_click(self._on_sweep)

    def fetch(self, **page) -> pd.DataFrame:
        return self.crm.leads.pool(**page)

    def count(self) -> int:
        return self.crm.leads.pool_count()

    def shown(self, page: pd.DataFrame) -> pd.DataFrame:
        return page.assign(source=page["source"].map(lambda c: self._sources.get(c, c)))

    def option(self, row) -> str:
        company = f" ({row.company})" if isinstance(row.company, str) else ""
        return f"{row.id} · {row.name}{company}"

    def _after(self, key: str, **params) -> None:
        self.refresh()
        if self._on_changed is not None:
            self._on_changed()
        self.show_ok(self.t(key, **params))

    def _on_claim(self, _button):
        if self.pick.value is not None and self._attempt(self.crm.leads.claim, self.pick.value) is not None:
            self._after("ui.leads.claimed", id=self.pick.value)

    def _on_assign(self, _button):
        lead_id = self.pick.value
        if lead_id is not None and self._attempt(self.crm.leads.assign, lead_id, self.assignee.value) is not None:
            self._after("ui.leads.assigned", id=lead_id, user=self.assignee.label.split(" (")[0])

    def _on_sweep(self, _button):
        moved = self._attempt(self.crm.leads.recycle)
        if moved is not None:
            self._after("ui.leads.swept", count=moved)


class LeadForm(FormView):
    """Record a lead: yours (pending) — or, ticked, into the public pool; a supervisor may give it
    to a rep straight away."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.inputs = {name: sales.text(crm, name) for name in ("name", "company", "phone", "email")}
        self.source = sales.choice(crm, "lead_source", "lead_source", value="other")
        self.campaign = widgets.Dropdown(options=_campaigns(crm), description=crm.t("field.campaign"),
                                         style=sales.WIDE)
        self.note = sales.text(crm, "notes")
        self.to_pool = widgets.Checkbox(description=crm.t("ui.leads.to_pool"), indent=False,
                                        value=crm.user.role not in HOLDERS)
        self.owner = sales.users(crm, "assignee", roles=HOLDERS, allow_empty=True)
        self.owner.layout.display = None if crm.user.role in SUPERIORS else "none"
        self.save = base.button(crm, "ui.leads.record", "primary")
        self.save.on_click(self._on_save)
        self.fields = {**self.inputs, "lead_source": self.source, "campaign": self.campaign, "notes": self.note,
                       "assignee": self.owner}
        super().__init__(crm, [sales.heading(crm, "ui.leads.new"),
                               widgets.GridBox([*self.fields.values(), self.to_pool],
                                               layout=widgets.Layout(grid_template_columns="repeat(2, 32em)")),
                               self.save])

    def _on_save(self, _button):
        values = {name: blank(w.value) for name, w in self.inputs.items()}
        lead = self._attempt(self.crm.leads.add, values.pop("name") or "", source=self.source.value,
                             campaign_id=self.campaign.value, note=blank(self.note.value), owner=self.owner.value,
                             to_pool=self.to_pool.value, **values)
        if lead is None:
            return
        where = self.t("ui.leads.in_pool") if lead.owner_id is None else _state(self.crm, lead.state)
        self.show_ok(self.t("ui.leads.added", id=lead.id, name=lead.name, where=where))
        for widget in (*self.inputs.values(), self.note):
            widget.value = ""
        if self._on_saved is not None:
            self._on_saved(lead.id)


class LeadDetail(FormView):
    """One lead: its card, follow-ups and history, and the forms for each move it allows now.
    The module reuses one detail for every lead opened (`show_record`)."""

    def __init__(self, crm, lead_id: int | None = None, on_changed=None):
        self.lead_id, self._on_changed = lead_id, on_changed
        self.lead = None
        self._labels = {kind: sales.codes(crm, kind) for kind in ("lead_source", "interaction_channel")}
        self._names = sales.user_names(crm)
        self.card, self.followups, self.history = widgets.HTML(), widgets.HTML(), widgets.HTML()
        # follow up
        self.detail = sales.text(crm, "detail")
        self.channel = sales.choice(crm, "channel", "interaction_channel", value="phone")
        self.on_date = sales.date_text(crm, "on_date")
        self.on_date.placeholder = crm.t("ui.sales.default_today")
        self.next_date = sales.date_text(crm, "next_follow_up")
        self.follow_button = base.button(crm, "ui.leads.follow_up", "primary")
        # pool moves
        self.claim_button = base.button(crm, "ui.leads.claim", "primary")
        self.assignee = sales.users(crm, "assignee", roles=HOLDERS)
        self.assign_button = base.button(crm, "ui.leads.assign")
        # closing moves share one reason
        self.reason = sales.text(crm, "close_reason")
        self.release_button = base.button(crm, "ui.leads.release")
        self.invalid_button = base.button(crm, "ui.leads.mark_invalid", "warning")
        self.void_button = base.button(crm, "ui.leads.void", "danger")
        self.revive_button = base.button(crm, "ui.leads.revive", "info")
        # conversion
        self.make_contact = widgets.Checkbox(value=True, description=crm.t("ui.leads.make_contact"), indent=False)
        self.make_opportunity = widgets.Checkbox(value=False, description=crm.t("ui.leads.make_opportunity"),
                                                 indent=False)
        self.summary = sales.text(crm, "opportunity_summary")
        self.expected_amount = sales.text(crm, "expected_amount", width="22em")
        self.probability = sales.text(crm, "probability", "10", width="22em")
        self.on_duplicate = widgets.Dropdown(
            options=[(crm.t("ui.leads.duplicate_setting"), None), (crm.t("ui.leads.duplicate_link"), "link"),
                     (crm.t("ui.leads.duplicate_refuse"), "refuse")],
            description=crm.t("field.on_duplicate"), style=sales.WIDE)
        self.convert_button = base.button(crm, "ui.leads.convert", "success")
        self.fields = {"detail": self.detail, "channel": self.channel, "on_date": self.on_date,
                       "next_follow_up": self.next_date, "assignee": self.assignee, "close_reason": self.reason,
                       "opportunity_summary": self.summary, "expected_amount": self.expected_amount,
                       "probability": self.probability, "on_duplicate": self.on_duplicate}
        self.follow_box = widgets.VBox([sales.heading(crm, "ui.leads.follow_heading"),
                                        widgets.HBox([self.detail, self.channel]),
                                        widgets.HBox([self.on_date, self.next_date]), self.follow_button])
        self.pool_box = widgets.VBox([sales.heading(crm, "ui.leads.owner_heading"),
                                      widgets.HBox([self.claim_button, self.assignee, self.assign_button])])
        self.close_box = widgets.VBox([sales.heading(crm, "ui.leads.close_heading"), self.reason,
                                       widgets.HBox([self.release_button, self.invalid_button, self.void_button,
                                                     self.revive_button])])
        self.convert_box = widgets.VBox([sales.heading(crm, "ui.leads.convert_heading"),
                                         widgets.HBox([self.make_contact, self.make_opportunity]),
                                         widgets.HBox([self.summary, self.expected_amount]),
                                         widgets.HBox([self.probability, self.on_duplicate]), self.convert_button])
        self.edit = LeadEdit(crm, None, on_saved=lambda _id: self._changed())
        tabs = widgets.Tab([self.followups, self.history], titles=[crm.t("ui.leads.followups"),
                                                                  crm.t("ui.sales.history")])
        super().__init__(crm, [self.card, tabs, self.follow_box, self.pool_box, self.close_box, self.convert_box,
                               self.edit])
        for widget, handler in (
                (self.follow_button, self._on_follow_up), (self.claim_button, self._on_claim),
                (self.assign_button, self._on_assign), (self.release_button, self._on_release),
                (self.invalid_button, lambda _: self._close(self.crm.leads.mark_invalid, "ui.leads.marked_invalid")),
                (self.void_button, lambda _: self._close(self.crm.leads.void, "ui.leads.voided")),
                (self.revive_button, self._on_revive), (self.convert_button, self._on_convert)):
            widget.on_click(handler)
        if lead_id is not None:
            self.show_record(lead_id)

    def show_record(self, lead_id: int) -> None:
        """Show another lead in this detail: fresh inputs, no old message."""
        self.lead_id = self.edit.lead_id = lead_id
        for widget in (self.detail, self.on_date, self.next_date, self.reason, self.summary, self.expected_amount):
            widget.value = ""
        self.clear_status()
        self.edit.clear_status()
        self.refresh()

    # -- rendering ---------------------------------------------------------------------------
    def refresh(self) -> None:
        crm = self.crm
        lead = self._attempt(crm.leads.get, self.lead_id)
        boxes = (self.follow_box, self.pool_box, self.close_box, self.convert_box, self.edit)
        if lead is None:
            self.card.value = self.followups.value = self.history.value = ""
            for box in boxes:
                box.layout.display = "none"
            return
        self.lead = lead
        self.edit.fill(lead)
        names = self._names if lead.owner_id in self._names or lead.owner_id is None else sales.user_names(crm)
        pairs = [("field.id", lead.id), ("field.name", lead.name), ("field.company", lead.company),
                 ("field.phone", lead.phone), ("field.email", lead.email),
                 ("field.lead_source", self._labels["lead_source"].get(lead.source, lead.source)),
                 ("field.status", _state(crm, lead.state)),
                 ("field.owner", names.get(lead.owner_id, "") if lead.owner_id else crm.t("ui.leads.in_pool")),
                 ("ui.leads.last_activity", lead.last_activity_on), ("field.notes", lead.note),
                 ("field.close_reason", lead.close_reason)]
        if lead.state == "converted":
            pairs += [("field.customer", lead.customer_id), ("field.opportunity", lead.opportunity_id)]
        self.card.value = f"<h4 style='margin:4px 0'>{html.escape(crm.t('kind.lead'))} {lead.id}</h4>" + \
            sales.facts(crm, pairs)
        channels = self._labels["interaction_channel"]
        followups = crm.leads.followups(lead.id)
        self.followups.value = sales.grid(crm, followups.assign(channel=followups["channel"].map(
            lambda c: channels.get(c, c))), FOLLOWUP_COLUMNS)
        history = crm.leads.history(lead.id)
        self.history.value = sales.grid(crm, history.assign(
            action=history["action"].map(lambda a: crm.t(f"action.lead.{a}")),
            from_state=history["from_state"].map(lambda s: _state(crm, s)),
            to_state=history["to_state"].map(lambda s: _state(crm, s))), HISTORY_COLUMNS)
        state, role, mine = lead.state, crm.user.role, crm.user.id == lead.owner_id
        keeper = mine or role in SUPERIORS or (lead.owner_id is None and role == "marketing")
        show = {self.follow_box: _can(state, "follow_up") and mine,
                self.pool_box: _can(state, "claim") or (_can(state, "assign") and role in SUPERIORS),
                self.close_box: keeper and any(_can(state, v) for v in ("release", "mark_invalid", "void", "revive")),
                self.convert_box: _can(state, "convert") and keeper,
                self.edit: _can(state, "update") and keeper}
        for box, visible in show.items():
            box.layout.display = None if visible else "none"
        for widget, verb in ((self.release_button, "release"), (self.invalid_button, "mark_invalid"),
                             (self.void_button, "void"), (self.revive_button, "revive"),
                             (self.claim_button, "claim")):
            widget.layout.display = None if _can(state, verb) else "none"
        for widget in (self.assignee, self.assign_button):
            widget.layout.display = None if role in SUPERIORS and _can(state, "assign") else "none"

    def _changed(self):
        self.refresh_keeping_status()
        if self._on_changed is not None:
            self._on_changed(self.lead_id)

    def _done(self, key: str, **params) -> None:
        """Show the lead (and the lists) as they now are, then confirm."""
        self._changed()
        self.show_ok(self.t(key, id=self.lead_id, **params))

    # -- events -------------------------------------------------------------------------------
    def _on_follow_up(self, _button):
        if self._attempt(self.crm.leads.follow_up, self.lead_id, self.detail.value, channel=self.channel.value,
                         on_date=blank(self.on_date.value), next_date=blank(self.next_date.value)) is not None:
            self.detail.value = self.on_date.value = self.next_date.value = ""
            self._done("ui.leads.followed_up")

    def _on_claim(self, _button):
        if self._attempt(self.crm.leads.claim, self.lead_id) is not None:
            self._done("ui.leads.claimed")

    def _on_assign(self, _button):
        if self._attempt(self.crm.leads.assign, self.lead_id, self.assignee.value) is not None:
            self._done("ui.leads.assigned", user=self.assignee.label.split(" (")[0])

    def _on_release(self, _button):
        if self._attempt(self.crm.leads.release, self.lead_id, blank(self.reason.value)) is not None:
            self.reason.value = ""
            self._done("ui.leads.released")

    def _close(self, verb, key: str):
        if self._attempt(verb, self.lead_id, self.reason.value) is not None:
            self.reason.value = ""
            self._done(key)

    def _on_revive(self, _button):
        if self._attempt(self.crm.leads.revive, self.lead_id) is not None:
            self._done("ui.leads.revived")

    def _on_convert(self, _button):
        opportunity = None
        if self.make_opportunity.value:
            opportunity = {"summary": blank(self.summary.value), "probability": blank(self.probability.value) or 10,
                           "expected_amount": blank(self.expected_amount.value) or 0}
        done = self._attempt(self.crm.leads.convert, self.lead_id, contact=self.make_contact.value,
                             opportunity=opportunity, on_duplicate=self.on_duplicate.value)
        if done is None:
            return
        how = self.t("ui.leads.customer_linked" if done.linked_existing else "ui.leads.customer_created",
                     customer=done.customer_id)
        extra = self.t("ui.leads.opportunity_created", opportunity=done.opportunity_id) \
            if done.opportunity_id is not None else ""
        self._done("ui.leads.converted", how=how, extra=extra)


class LeadEdit(FormView):
    """Correct an open lead's name, company, phone, e-mail and note."""

    NAMES = ("name", "company", "phone", "email")

    def __init__(self, crm, lead_id: int | None, on_saved=None):
        self.lead_id, self._on_saved = lead_id, on_saved
        self.inputs = {name: sales.text(crm, name) for name in self.NAMES}
        self.note = sales.text(crm, "notes")
        self.save = base.button(crm, "ui.save")
        self.save.on_click(self._on_save)
        self.fields = {**self.inputs, "notes": self.note}
        super().__init__(crm, [sales.heading(crm, "ui.leads.edit_heading"),
                               widgets.GridBox(list(self.fields.values()),
                                               layout=widgets.Layout(grid_template_columns="repeat(2, 32em)")),
                               self.save])
        if lead_id is not None:
            self.fill(self._attempt(crm.leads.get, lead_id))

    def fill(self, lead) -> None:
        """Put a lead's current values into the inputs."""
        if lead is not None:
            for name, widget in self.fields.items():
                widget.value = getattr(lead, "note" if name == "notes" else name) or ""

    def _on_save(self, _button):
        changes = {name: blank(w.value) for name, w in self.inputs.items()}
        changes["name"] = self.inputs["name"].value  # blank names are refused by the engine, not dropped
        if self._attempt(self.crm.leads.update, self.lead_id, note=blank(self.note.value), **changes) is not None:
            self.show_ok(self.t("ui.saved"))
            if self._on_saved is not None:
                self._on_saved(self.lead_id)


class LeadsModule(sales.View):
    """Leads and the lead pool: the list → one lead, the public pool, a new lead."""

    def __init__(self, crm):
        self.crm = crm
        self.detail = widgets.VBox()
        self.tabs = LazyTabs(crm, {"ui.leads.tab_list": self._list_page,
                                   "ui.leads.tab_pool": lambda: PoolList(crm, on_open=self.open_lead,
                                                                          on_changed=self._changed),
                                   "ui.leads.tab_new": lambda: LeadForm(crm, on_saved=lambda _id: self._changed())})
        super().__init__(crm, [self.tabs])
        sales.tag_user(self, crm)

    def _list_page(self):
        self.list = LeadList(self.crm, on_open=self.open_lead)
        return widgets.VBox([self.list, self.detail])

    def open_lead(self, lead_id: int) -> LeadDetail:
        """Show one lead below the list (one detail view, reused)."""
        if not self.detail.children:
            self.detail.children = [LeadDetail(self.crm, on_changed=lambda _id: self._changed())]
        view = self.detail.children[0]
        view.show_record(lead_id)
        self.tabs.selected_index = 0
        return view

    def _changed(self) -> None:
        self.list.refresh()
        if "ui.leads.tab_pool" in self.tabs.built:
            self.tabs.built["ui.leads.tab_pool"].refresh()
