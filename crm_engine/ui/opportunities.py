"""Marketing-management views (O1–O5, O9): the opportunity list, a new-opportunity form, one
opportunity with its development plan, the pipeline board and the one-week-rule list.

Every button calls one verb of `crm.opportunities` (or `crm.leads` / `crm.customers` for
reassigning overdue work); who may do it, and in which state, is the engine's decision.
Sections a user could never use are hidden to keep the screen short — not to protect
anything: clicking them anyway gets the engine's refusal.
"""
from __future__ import annotations

import html

import ipywidgets as widgets
import pandas as pd

from . import base, sales
from .opportunity_lines import LineEditor, lines_grid
from .sales import FormView, LazyTabs, RecordList, blank, money

STATES = ("unassigned", "assigned", "succeeded", "failed")
SUPERIORS = ("supervisor", "director", "admin")
HOLDERS = ("account_manager", "supervisor", "director")
LIST_COLUMNS = {"id": "field.id", "customer_name": "field.customer_name", "summary": "field.opportunity_summary",
                "state": "field.status", "stage": "field.opportunity_stage", "expected_amount": "field.expected_amount",
                "probability": "field.probability", "owner_name": "field.owner", "created_on": "ui.sales.created_on"}
PLAN_COLUMNS = {"step_no": "ui.opportunities.step_no", "planned_date": "field.step_date", "action": "field.step_action",
                "result": "field.step_result", "result_date": "ui.opportunities.result_date", "status": "field.status"}
HISTORY_COLUMNS = {"on_date": "field.on_date", "action": "ui.sales.action", "from_state": "ui.sales.from_state",
                   "to_state": "ui.sales.to_state", "user_name": "ui.sales.by_user", "note": "field.notes"}
CARDS_PER_COLUMN = 20


def _state(crm, state) -> str:
    return sales.cap(crm.t(f"state.opportunity.{state}")) if isinstance(state, str) else ""


def _kind(crm, kind: str) -> str:
    """The word for a kind of record on the overdue list (customers have no `kind.` label)."""
    return crm.t("field.customer" if kind == "customer" else f"kind.{kind}")


class OpportunityList(RecordList):
    """The opportunities you may see: search customer or summary, filter by state, stage,
    source and holder, sort, page; open one."""

    COLUMNS = LIST_COLUMNS
    SORTS = {"newest": ("created_on", True), "amount": ("expected_amount", True),
             "probability": ("probability", True), "customer": ("customer_name", False)}

    def __init__(self, crm, on_open=None):
        compact = {"description_width": "initial"}
        filters = {
            "search": widgets.Text(placeholder=crm.t("ui.opportunities.search"), continuous_update=False,
                                   layout=widgets.Layout(width="16em")),
            "state": widgets.Dropdown(options=sales.state_options(crm, "opportunity", STATES),
                                      description=crm.t("field.status"), style=compact,
                                      layout=widgets.Layout(width="14em")),
            "stage": base.choice_field(crm, "opportunity_stage", "opportunity_stage"),
            "source": base.choice_field(crm, "lead_source", "lead_source"),
        }
        if crm.user.role != "account_manager":
            filters["owner"] = base.user_field(crm, "owner", roles=HOLDERS, allow_empty=True)
        for name, width in (("stage", "17em"), ("source", "17em"), ("owner", "26em")):
            if name in filters:
                filters[name].style, filters[name].layout.width = compact, width
        self._stages = sales.codes(crm, "opportunity_stage")
        self._sources = sales.codes(crm, "lead_source")
        super().__init__(crm, filters, on_open=on_open)

    def fetch(self, **page) -> pd.DataFrame:
        return self.crm.opportunities.list(**self.values(), **page)

    def count(self) -> int:
        return self.crm.opportunities.count(**self.values())

    def shown(self, page: pd.DataFrame) -> pd.DataFrame:
        return page.assign(state=page["state"].map(lambda s: _state(self.crm, s)),
                           stage=page["stage"].map(lambda c: self._stages.get(c, c) if isinstance(c, str) else ""),
                           expected_amount=page["expected_amount"].map(money),
                           summary=page["summary"].map(lambda s: s if len(s) <= 60 else s[:57] + "…"))

    def option(self, row) -> str:
        return f"{row.id} · {row.customer_name} — {row.summary[:40]} ({_state(self.crm, row.state)})"


class OpportunityForm(FormView):
    """Record a sales opportunity (O1); it waits, unassigned, for a supervisor to assign it."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.customer_name = sales.text(crm, "customer_name")
        self.summary = widgets.Textarea(description=crm.t("field.opportunity_summary"), style=sales.WIDE,
                                        layout=widgets.Layout(width="30em", height="4em"))
        self.expected_amount = sales.text(crm, "expected_amount", placeholder="250000")
        self.probability = widgets.IntText(value=10, description=crm.t("field.probability"), style=sales.WIDE)
        self.source = sales.choice(crm, "lead_source", "lead_source", value="other")
        self.contact_name = sales.text(crm, "contact_name")
        self.contact_phone = sales.text(crm, "contact_phone")
        campaigns = crm.campaigns.list()
        usable = campaigns[campaigns["state"].isin(["planned", "active"])] if len(campaigns) else campaigns
        self.campaign = widgets.Dropdown(options=[("—", None)] + [(r.name, int(r.id)) for r in usable.itertuples()],
                                         description=crm.t("field.campaign"), style=sales.WIDE)
        # A new deal with a customer you already have: find it and link it (the opportunity then
        # shows in that customer's 360, and winning it adds to that customer instead of a new one).
        # Searched on Enter or leaving the box, not per keystroke (each search reads every customer you may see).
        self.customer_search = widgets.Text(placeholder=crm.t("ui.opportunities.find_customer"),
                                            continuous_update=False, layout=widgets.Layout(width="30em"))
        self.customer = widgets.Dropdown(description=crm.t("ui.opportunities.existing_customer"),
                                         style=sales.WIDE, layout=widgets.Layout(width="30em"))
        self.customer_search.observe(lambda _: self._find_customers(), names="value")
        self.customer.observe(self._on_customer, names="value")
        self.save = base.button(crm, "ui.opportunities.record", "primary")
        self.save.on_click(self._on_save)
        self.fields = {"customer": self.customer, "customer_search": self.customer_search,
                       "customer_name": self.customer_name, "opportunity_summary": self.summary,
                       "expected_amount": self.expected_amount, "probability": self.probability,
                       "lead_source": self.source, "contact_name": self.contact_name,
                       "contact_phone": self.contact_phone, "campaign": self.campaign}
        # O10 the products; with some, the expected amount may stay empty (it is their total).
        self.line_editor = LineEditor(crm)
        super().__init__(crm, [sales.heading(crm, "ui.opportunities.new"),
                               widgets.GridBox(list(self.fields.values()),
                                               layout=widgets.Layout(grid_template_columns="repeat(2, 32em)")),
                               sales.heading(crm, "ui.opportunities.products_heading"), self.line_editor, self.save])
        self.fields.update(dict.fromkeys(("opportunity_lines", "product", "quantity", "discount", "unit_price"),
                                         self.line_editor))
        self._find_customers()

    MATCHES = 20  # customers offered for a search: the list stays short however many there are

    def _find_customers(self) -> None:
        found = self._attempt(self.crm.customers.list, search=blank(self.customer_search.value), sort="name",
                              limit=self.MATCHES)
        options = [(self.t("ui.opportunities.new_prospect"), None)]
        if found is not None:
            options += [(f"{r.id} · {r.name}", int(r.id)) for r in found.itertuples()]
        current = self.customer.value
        self.customer.options = options
        self.customer.value = current if current in {v for _, v in options} else None

    def _on_customer(self, change) -> None:
        """Picking a customer names the opportunity after it (the name stays editable)."""
        if change["new"] is not None:
            label = dict((v, k) for k, v in self.customer.options)[change["new"]]
            self.customer_name.value = label.split(" · ", 1)[1]

    def _on_save(self, _button):
        opp = self._attempt(self.crm.opportunities.add, self.customer_name.value, self.summary.value,
                            expected_amount=blank(self.expected_amount.value), probability=self.probability.value,
                            source=self.source.value, contact_name=blank(self.contact_name.value),
                            contact_phone=blank(self.contact_phone.value), campaign_id=self.campaign.value,
                            customer_id=self.customer.value, lines=self.line_editor.lines or None)
        if opp is None:
            return
        self.line_editor.set_lines([])
        self.show_ok(self.t("ui.opportunities.added", id=opp.id, name=opp.customer_name))
        for widget in (self.customer_name, self.summary, self.expected_amount, self.contact_name, self.contact_phone,
                       self.customer_search):
            widget.value = ""
        self.customer.value = None
        if self._on_saved is not None:
            self._on_saved(opp.id)


class OpportunityDetail(FormView):
    """One opportunity: its card, development plan (steps and results) and history, with the
    forms to assign it, move its stage, plan steps, record results and close it.

    The module keeps one detail and points it at the next opportunity opened (`show_record`):
    building ~70 widgets and reading the dictionary again on every click would cost more than
    the engine's three queries."""

    def __init__(self, crm, opportunity_id: int | None = None, on_changed=None):
        self.opportunity_id, self._on_changed = opportunity_id, on_changed
        self.opportunity = None
        self._labels = {kind: sales.codes(crm, kind) for kind in ("opportunity_stage", "lost_reason", "lead_source")}
        self._names = sales.user_names(crm)
        self.card, self.plan, self.history = widgets.HTML(), widgets.HTML(), widgets.HTML()
        self.products = widgets.HTML()  # O10 the lines, in their own tab
        self.line_editor = LineEditor(crm)
        self.lines_button = base.button(crm, "ui.opportunities.save_lines", "primary")
        # O2 assign / reassign
        self.assignee = sales.users(crm, "assignee")
        self.assign_button = base.button(crm, "ui.opportunities.assign", "primary")
        # stage and probability
        self.stage = sales.choice(crm, "opportunity_stage", "opportunity_stage")
        self.probability = sales.text(crm, "probability", placeholder=crm.t("ui.opportunities.stage_default"),
                                      width="22em")
        self.stage_button = base.button(crm, "ui.opportunities.set_stage")
        # O3 plan, O4 results
        self.step_date = sales.date_text(crm, "step_date", crm.today())
        self.step_action = sales.text(crm, "step_action")
        self.add_step_button = base.button(crm, "ui.opportunities.add_step", "primary")
        self.step = widgets.Dropdown(description=crm.t("field.step"), style=sales.WIDE,
                                     layout=widgets.Layout(width="40em"))
        self.step_result = sales.text(crm, "step_result")
        self.result_date = sales.date_text(crm, "on_date")
        self.result_date.placeholder = crm.t("ui.sales.default_today")
        self.record_button = base.button(crm, "ui.opportunities.record_result", "primary")
        self.remove_step_button = base.button(crm, "ui.opportunities.remove_step", "warning")
        # In a teaching scenario the prospect is simulated: ask what it answered to a due step.
        self.answer_button = base.button(crm, "ui.opportunities.ask_customer", "info")
        self.answer_button.layout.display = None if crm.simulation.present() else "none"
        # O5 close
        self.won_amount = sales.text(crm, "won_amount", width="22em")
        self.close_note = sales.text(crm, "notes")
        self.succeed_button = base.button(crm, "ui.opportunities.succeed", "success")
        self.lost_reason = sales.choice(crm, "lost_reason", "lost_reason")
        self.fail_button = base.button(crm, "ui.opportunities.fail", "danger")
        self.fields = {"assignee": self.assignee, "opportunity_stage": self.stage, "probability": self.probability,
                       "step_date": self.step_date, "step_action": self.step_action, "step": self.step,
                       "step_result": self.step_result, "on_date": self.result_date, "won_amount": self.won_amount,
                       "notes": self.close_note, "lost_reason": self.lost_reason}
        self.assign_box = widgets.VBox([sales.heading(crm, "ui.opportunities.assign_heading"),
                                        widgets.HBox([self.assignee, self.assign_button])])
        self.stage_box = widgets.VBox([sales.heading(crm, "ui.opportunities.stage_heading"),
                                       widgets.HBox([self.stage, self.probability, self.stage_button])])
        self.plan_box = widgets.VBox([
            sales.heading(crm, "ui.opportunities.plan_heading"),
            widgets.HBox([self.step_date, self.step_action, self.add_step_button]),
            self.step, widgets.HBox([self.step_result, self.result_date]),
            widgets.HBox([self.answer_button, self.record_button, self.remove_step_button])])
        self.close_box = widgets.VBox([
            sales.heading(crm, "ui.opportunities.close_heading"),
            widgets.HBox([self.won_amount, self.close_note, self.succeed_button]),
            widgets.HBox([self.lost_reason, self.fail_button])])
        self.lines_box = widgets.VBox([sales.heading(crm, "ui.opportunities.products_heading"), self.line_editor,
                                       self.lines_button])
        self.fields.update(dict.fromkeys(("opportunity_lines", "product", "quantity", "discount", "unit_price"),
                                         self.line_editor))
        self.edit = OpportunityEdit(crm, None, on_saved=self._changed)
        tabs = widgets.Tab([self.plan, self.products, self.history],
                           titles=[crm.t("ui.opportunities.plan_heading"), crm.t("ui.opportunities.products_heading"),
                                   crm.t("ui.sales.history")])
        super().__init__(crm, [self.card, tabs, self.assign_box, self.stage_box, self.plan_box, self.lines_box,
                               self.close_box, self.edit])
        for widget, handler in ((self.assign_button, self._on_assign), (self.stage_button, self._on_stage),
                                (self.add_step_button, self._on_add_step), (self.record_button, self._on_record),
                                (self.remove_step_button, self._on_remove_step), (self.answer_button, self._on_answer),
                                (self.succeed_button, self._on_succeed), (self.fail_button, self._on_fail),
                                (self.lines_button, self._on_lines)):
            widget.on_click(handler)
        if opportunity_id is not None:
            self.show_record(opportunity_id)

    def show_record(self, opportunity_id: int) -> None:
        """Show another opportunity in this detail: fresh inputs, no old message."""
        self.opportunity_id = self.edit.opportunity_id = opportunity_id
        for widget in (self.probability, self.step_action, self.step_result, self.result_date, self.won_amount,
                       self.close_note):
            widget.value = ""
        self.step_date.value = self.crm.today().isoformat()
        self.clear_status()
        self.edit.clear_status()
        self.refresh()

    # -- rendering -----------------------------------------------------------------------
    def refresh(self) -> None:
        crm = self.crm
        opp = self._attempt(crm.opportunities.get, self.opportunity_id)
        if opp is None:
            self.card.value = self.plan.value = self.history.value = ""
            for box in (self.assign_box, self.stage_box, self.plan_box, self.lines_box, self.close_box, self.edit):
                box.layout.display = "none"
            return
        self.opportunity = opp
        stages, reasons = self._labels["opportunity_stage"], self._labels["lost_reason"]
        owner = self._names.get(opp.owner_id) or sales.user_names(crm).get(opp.owner_id, opp.owner_id)
        pairs = [("field.id", opp.id), ("field.customer_name", opp.customer_name),
                 ("field.opportunity_summary", opp.summary), ("field.status", _state(crm, opp.state)),
                 ("field.opportunity_stage", stages.get(opp.stage, opp.stage)),
                 ("field.probability", f"{opp.probability} %"), ("field.expected_amount", money(opp.expected_amount)),
                 ("field.owner", owner), ("ui.opportunities.assigned_on", opp.assigned_on),
                 ("field.contact_name", opp.contact_name), ("field.contact_phone", opp.contact_phone),
                 ("field.lead_source", self._labels["lead_source"].get(opp.source, opp.source))]
        if opp.closed:
            pairs += [("ui.opportunities.closed_on", opp.closed_on), ("field.won_amount", money(opp.won_amount)),
                      ("field.lost_reason", reasons.get(opp.lost_reason, opp.lost_reason)),
                      ("field.notes", opp.close_note), ("field.customer", opp.customer_id)]
        self.card.value = f"<h4 style='margin:4px 0'>{html.escape(crm.t('kind.opportunity'))} {opp.id}</h4>" + \
            sales.facts(crm, pairs)
        plan = crm.opportunities.plan(opp.id)
        self.plan.value = sales.grid(crm, plan.assign(status=plan["status"].map(
            lambda s: crm.t(f"ui.opportunities.step_{s}"))), PLAN_COLUMNS)
        self.products.value = lines_grid(crm, crm.opportunities.lines(opp.id))
        self.line_editor.set_lines([{"product": line.product_code, "quantity": line.quantity,
                                     "unit_price": str(line.unit_price), "discount": str(line.discount)}
                                    for line in opp.lines])
        history = crm.opportunities.history(opp.id)
        self.history.value = sales.grid(crm, history.assign(
            action=history["action"].map(lambda a: crm.t(f"action.opportunity.{a}")),
            from_state=history["from_state"].map(lambda s: _state(crm, s)),
            to_state=history["to_state"].map(lambda s: _state(crm, s))), HISTORY_COLUMNS)
        open_steps = plan[plan["result"].isna()]
        sales.set_options(self.step, [(f"{r.step_no}. {pd.Timestamp(r.planned_date).date()} — {r.action}", int(r.id))
                                      for r in open_steps.itertuples()])
        if opp.stage in stages:
            self.stage.value = opp.stage
        self.won_amount.placeholder = money(opp.expected_amount)
        self.edit.fill(opp)
        role, is_holder = crm.user.role, crm.user.id == opp.owner_id
        show = {self.assign_box: not opp.closed and role in SUPERIORS,
                self.stage_box: opp.state == "assigned" and (is_holder or role in SUPERIORS),
                self.plan_box: opp.state == "assigned" and is_holder,
                self.close_box: opp.state == "assigned" and (is_holder or role in SUPERIORS),
                self.lines_box: not opp.closed and (is_holder or role in SUPERIORS),
                self.edit: not opp.closed and (is_holder or role in SUPERIORS)}
        for box, visible in show.items():
            box.layout.display = None if visible else "none"

    def _changed(self, *_):
        self.refresh_keeping_status()
        if self._on_changed is not None:
            self._on_changed(self.opportunity_id)

    def _done(self, key: str, **params) -> None:
        """A verb went through: show the opportunity (and the lists) as they now are, then say so —
        the confirmation comes last, so whoever sees it sees the new state."""
        self._changed()
        self.show_ok(self.t(key, id=self.opportunity_id, **params))

    # -- events ------------------------------------------------------------------------------
    def _on_lines(self, _button):
        if self._attempt(self.crm.opportunities.set_lines, self.opportunity_id, self.line_editor.lines):
            self._done("ui.opportunities.lines_saved")

    def _on_assign(self, _button):
        opp = self._attempt(self.crm.opportunities.assign, self.opportunity_id, self.assignee.value)
        if opp is not None:
            self._done("ui.opportunities.assigned", user=self.assignee.label.split(" (")[0])

    def _on_stage(self, _button):
        opp = self._attempt(self.crm.opportunities.set_stage, self.opportunity_id, self.stage.value,
                            probability=blank(self.probability.value))
        if opp is not None:
            self.probability.value = ""
            self._done("ui.opportunities.stage_set", stage=self.stage.label, probability=opp.probability)

    def _on_add_step(self, _button):
        step = self._attempt(self.crm.opportunities.add_step, self.opportunity_id, self.step_date.value,
                             self.step_action.value)
        if step is not None:
            self.step_action.value = ""
            self._done("ui.opportunities.step_added", date=self.step_date.value)

    def _on_record(self, _button):
        if self.step.value is None:
            return self.show_error(_no_step())
        step = self._attempt(self.crm.opportunities.record_result, self.step.value, self.step_result.value,
                             on_date=blank(self.result_date.value))
        if step is not None:
            self.step_result.value = self.result_date.value = ""
            self._done("ui.opportunities.result_recorded", action=step.action)

    def _on_answer(self, _button):
        """The simulated customer's answer goes into the result box; recording it stays the student's act."""
        if self.step.value is None:
            return self.show_error(_no_step())
        outcome = self._attempt(self.crm.simulation.outcome_of_step, self.opportunity_id, self.step.value)
        if outcome is not None:
            self.step_result.value = outcome.text
            self.show_ok(self.t("ui.opportunities.customer_answered", text=outcome.text))

    def _on_remove_step(self, _button):
        if self.step.value is None:
            return self.show_error(_no_step())
        self._attempt(self.crm.opportunities.remove_step, self.step.value)
        if not self.failed:
            self._done("ui.opportunities.step_removed")

    def _on_succeed(self, _button):
        opp = self._attempt(self.crm.opportunities.succeed, self.opportunity_id,
                            amount=blank(self.won_amount.value), note=blank(self.close_note.value))
        if opp is not None:
            self._done("ui.opportunities.succeeded", customer=opp.customer_id, name=opp.customer_name)

    def _on_fail(self, _button):
        opp = self._attempt(self.crm.opportunities.fail, self.opportunity_id, self.lost_reason.value,
                            note=blank(self.close_note.value))
        if opp is not None:
            self._done("ui.opportunities.failed", reason=self.lost_reason.label)


def _no_step():
    from ..errors import InvalidInput
    return InvalidInput("error.required", field="step")


class OpportunityEdit(FormView):
    """Correct an open opportunity's customer name, summary, amount, probability and contact."""

    NAMES = ("customer_name", "expected_amount", "probability", "contact_name", "contact_phone")

    def __init__(self, crm, opportunity_id: int | None, on_saved=None):
        self.opportunity_id, self._on_saved = opportunity_id, on_saved
        self.inputs = {name: sales.text(crm, name) for name in self.NAMES}
        self.summary = sales.text(crm, "opportunity_summary")
        self.save = base.button(crm, "ui.save")
        self.save.on_click(self._on_save)
        self.fields = {**self.inputs, "opportunity_summary": self.summary}
        super().__init__(crm, [sales.heading(crm, "ui.opportunities.edit_heading"),
                               widgets.GridBox(list(self.fields.values()),
                                               layout=widgets.Layout(grid_template_columns="repeat(2, 32em)")),
                               self.save])
        if opportunity_id is not None:
            self.fill(self._attempt(self.crm.opportunities.get, opportunity_id))

    def fill(self, opp) -> None:
        """Put an opportunity's current values into the inputs."""
        if opp is None:
            return
        for name, widget in self.inputs.items():
            value = getattr(opp, name)
            widget.value = "" if value is None else str(value)
        self.summary.value = opp.summary

    def _on_save(self, _button):
        changes = {name: blank(w.value) for name, w in self.inputs.items()}
        opp = self._attempt(self.crm.opportunities.update, self.opportunity_id, summary=self.summary.value,
                            **changes)
        if opp is not None:
            self.show_ok(self.t("ui.saved"))
            if self._on_saved is not None:
                self._on_saved(opp.id)


class PipelineBoard(FormView):
    """The pipeline as a board: one column per stage (unassigned first), one card per open
    opportunity you may see, with each column's count, amount and probability-weighted amount."""

    def __init__(self, crm):
        self.owner = base.user_field(crm, "owner", roles=HOLDERS, allow_empty=True)
        self.board = widgets.HTML()
        self.owner.observe(lambda _: self.refresh(), names="value")
        controls = [self.owner] if crm.user.role != "account_manager" else []
        super().__init__(crm, [*controls, self.board])
        self.refresh()

    def columns(self) -> list[dict]:
        """The board's data: per column its title, cards (first 20), count and sums."""
        summary, cards = self.crm.opportunities.board(owner=self.owner.value, cards=CARDS_PER_COLUMN)
        by_column = dict(tuple(cards.groupby("board_column", sort=False)))
        return [{"title": sales.cap(row.title), "count": int(row.count), "amount": float(row.amount),
                 "weighted": float(row.weighted), "cards": by_column.get(row.board_column, cards.iloc[0:0])}
                for row in summary.itertuples()]

    def refresh(self) -> None:
        columns = self._attempt(self.columns)
        if columns is None:
            return
        self.data = columns
        self.board.value = "<div class='crm-board' style='display:flex;gap:8px;align-items:flex-start'>" + \
            "".join(self._render(c) for c in columns) + "</div>"

    def _render(self, column: dict) -> str:
        t, esc = self.t, html.escape
        cards = "".join(
            f"<div class='crm-card' style='background:#fff;border:1px solid #ccd;border-radius:4px;padding:4px;"
            f"margin:4px 0'><b>{r.id} · {esc(r.customer_name)}</b><br><span>{esc(r.summary[:60])}</span><br>"
            f"<small>{money(r.expected_amount)} · {r.probability} % · {esc(r.owner_name)}</small></div>"
            for r in column["cards"].itertuples())
        more = column["count"] - len(column["cards"])
        if more > 0:
            cards += f"<i>{esc(t('ui.opportunities.more_cards', n=more))}</i>"
        head = esc(t("ui.opportunities.column_totals", count=column["count"], amount=money(column["amount"]),
                     weighted=money(column["weighted"])))
        return (f"<div class='crm-board-column' style='flex:1;min-width:11em;background:#f3f5f9;border-radius:6px;"
                f"padding:6px'><b>{esc(column['title'])}</b><br><small>{head}</small>{cards}</div>")


class OverdueList(FormView):
    """The one-week rule (O9): opportunities, leads and newly given customers nobody contacted
    within `contact_within_days`; a supervisor reassigns them from here."""

    COLUMNS = {"kind": "field.kind", "id": "field.id", "name": "field.name", "owner_name": "field.owner",
               "given_on": "ui.opportunities.given_on", "days_waiting": "ui.opportunities.days_waiting"}

    def __init__(self, crm):
        self.table = widgets.HTML()
        self.pick = widgets.Dropdown(description=crm.t("ui.sales.record"), style=sales.WIDE,
                                     layout=widgets.Layout(width="36em"))
        self.assignee = sales.users(crm, "assignee")
        self.reassign = base.button(crm, "ui.opportunities.reassign", "warning")
        self.reassign.on_click(self._on_reassign)
        self.fields = {"assignee": self.assignee}
        super().__init__(crm, [sales.heading(crm, "ui.opportunities.overdue_heading"), self.table,
                               widgets.HBox([self.pick, self.assignee, self.reassign])])
        self.refresh()

    def refresh(self) -> None:
        frame = self._attempt(self.crm.opportunities.overdue)
        if frame is None:
            return
        self.frame = frame
        page = frame.head(sales.PAGE * 4)
        self.table.value = sales.grid(self.crm, page.assign(kind=page["kind"].map(lambda k: _kind(self.crm, k))),
                                      self.COLUMNS)
        sales.set_options(self.pick, [(f"{_kind(self.crm, r.kind)} {r.id} · {r.name}", (r.kind, int(r.id)))
                                      for r in page.itertuples()])

    def _on_reassign(self, _button):
        if self.pick.value is None:
            return
        kind, record_id = self.pick.value
        verb = {"opportunity": self.crm.opportunities.assign, "lead": self.crm.leads.assign,
                "customer": self.crm.customers.reassign}[kind]
        if self._attempt(verb, record_id, self.assignee.value) is not None:
            self.show_ok(self.t("ui.opportunities.reassigned", kind=_kind(self.crm, kind), id=record_id,
                                user=self.assignee.label.split(" (")[0]))
            self.refresh_keeping_status()


class OpportunitiesModule(sales.View):
    """Marketing management: list → one opportunity, a new one, the pipeline board, the
    one-week rule, targets and the leaderboard."""

    def __init__(self, crm):
        from .targets import TargetsView

        self.detail = widgets.VBox()
        pages = {"ui.opportunities.tab_list": self._list_page, "ui.opportunities.tab_new":
                 lambda: OpportunityForm(crm, on_saved=lambda _id: self._changed()),
                 "ui.opportunities.tab_board": lambda: PipelineBoard(crm)}
        if crm.user.role in SUPERIORS:
            pages["ui.opportunities.tab_overdue"] = lambda: OverdueList(crm)
        pages["ui.opportunities.tab_targets"] = lambda: TargetsView(crm)
        self.crm = crm
        self.tabs = LazyTabs(crm, pages)
        super().__init__(crm, [self.tabs])
        sales.tag_user(self, crm)

    def _list_page(self):
        self.list = OpportunityList(self.crm, on_open=self.open_opportunity)
        return widgets.VBox([self.list, self.detail])

    def open_opportunity(self, opportunity_id: int) -> OpportunityDetail:
        """Show one opportunity below the list (one detail view, reused)."""
        if not self.detail.children:
            self.detail.children = [OpportunityDetail(self.crm, on_changed=lambda _id: self._changed())]
        view = self.detail.children[0]
        view.show_record(opportunity_id)
        return view

    def _changed(self) -> None:
        self.list.refresh()
        for key in ("ui.opportunities.tab_board", "ui.opportunities.tab_overdue"):
            if key in self.tabs.built:
                self.tabs.built[key].refresh()
