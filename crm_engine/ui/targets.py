"""Sales targets, attainment and the leaderboard (O8) — a tab of the marketing-management module."""
from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from ..sales.targets import METRICS
from . import base, sales
from .sales import FormView, blank, money, percent

SETTERS = ("supervisor", "director", "admin")
TARGET_COLUMNS = {"id": "field.id", "period": "field.target_period", "subject": "ui.targets.subject",
                  "metric": "field.target_metric", "amount": "field.target_amount", "actual": "ui.targets.actual",
                  "attainment": "ui.targets.attainment"}
BOARD_COLUMNS = {"rank": "ui.targets.rank", "name": "field.name", "target": "field.target_amount",
                 "actual": "ui.targets.actual", "attainment": "ui.targets.attainment"}


def _metrics(crm) -> list[tuple[str, str]]:
    return [(crm.t(f"target.metric.{m}"), m) for m in METRICS]


def _period(crm) -> str:
    return crm.today().strftime("%Y-%m")


class TargetForm(FormView):
    """Set (or replace) a rep's or a team's target for a month or quarter, remove one, and read
    every target you may see with its attainment."""

    def __init__(self, crm):
        self.period = sales.text(crm, "target_period", _period(crm), placeholder="2026-03 / 2026-Q1", width="22em")
        self.metric = widgets.Dropdown(options=_metrics(crm), description=crm.t("field.target_metric"),
                                       style=sales.WIDE)
        self.subject = widgets.ToggleButtons(options=[(crm.t("ui.targets.for_rep"), "user"),
                                                      (crm.t("ui.targets.for_team"), "team")], value="user")
        self.user = sales.users(crm, "target_user", roles=("account_manager", "supervisor"))
        teams = crm.admin.teams()
        self.team = widgets.Dropdown(options=[(r.name, int(r.id)) for r in teams.itertuples()],
                                     description=crm.t("field.team"), style=sales.WIDE)
        self.amount = sales.text(crm, "target_amount", width="22em")
        self.set_button = base.button(crm, "ui.targets.set", "primary")
        self.table = widgets.HTML()
        self.show_period = sales.text(crm, "target_period", _period(crm), width="22em")
        self.pick = widgets.Dropdown(description=crm.t("field.target"), style=sales.WIDE,
                                     layout=widgets.Layout(width="36em"))
        self.remove_button = base.button(crm, "ui.targets.remove", "warning")
        self.fields = {"target_period": self.period, "target_metric": self.metric, "target_user": self.user,
                       "team": self.team, "target_amount": self.amount}
        setter = crm.user.role in SETTERS
        form = widgets.VBox([sales.heading(crm, "ui.targets.set_heading"), self.subject,
                             widgets.HBox([self.user, self.team]), widgets.HBox([self.period, self.metric]),
                             widgets.HBox([self.amount, self.set_button])],
                            layout=widgets.Layout(display=None if setter else "none"))
        super().__init__(crm, [form, sales.heading(crm, "ui.targets.list_heading"), self.show_period, self.table,
                               widgets.HBox([self.pick, self.remove_button],
                                            layout=widgets.Layout(display=None if setter else "none"))])
        self.subject.observe(lambda _: self._subject(), names="value")
        self.show_period.observe(lambda _: self.refresh(), names="value")
        self.set_button.on_click(self._on_set)
        self.remove_button.on_click(self._on_remove)
        self._subject()
        self.refresh()

    def _subject(self):
        self.user.layout.display = None if self.subject.value == "user" else "none"
        self.team.layout.display = None if self.subject.value == "team" else "none"

    def refresh(self) -> None:
        frame = self._attempt(self.crm.targets.list, period=blank(self.show_period.value))
        if frame is None:
            return
        self.frame = frame
        shown = frame.assign(metric=frame["metric"].map(lambda m: self.t(f"target.metric.{m}")),
                             amount=frame["amount"].map(money), actual=frame["actual"].map(money),
                             attainment=frame["attainment"].map(percent))
        self.table.value = sales.grid(self.crm, shown, TARGET_COLUMNS)
        sales.set_options(self.pick, [(f"{r.id} · {r.period} · {r.subject} · {self.t('target.metric.' + r.metric)}",
                                       int(r.id)) for r in frame.itertuples()])

    def _on_set(self, _button):
        who = {"user": self.user.value} if self.subject.value == "user" else {"team": self.team.value}
        target = self._attempt(self.crm.targets.set, self.period.value, self.amount.value, metric=self.metric.value,
                               **who)
        if target is not None:
            self.show_ok(self.t("ui.targets.saved", period=target.period, amount=money(target.amount)))
            self.refresh_keeping_status()

    def _on_remove(self, _button):
        if self.pick.value is None:
            return
        target_id = self.pick.value
        self._attempt(self.crm.targets.remove, target_id)
        if not self.failed:
            self.show_ok(self.t("ui.targets.removed", id=target_id))
            self.refresh_keeping_status()


class LeaderboardView(FormView):
    """The leaderboard of one period: reps (or teams) ranked by attainment, then by actual."""

    def __init__(self, crm):
        self.period = sales.text(crm, "target_period", _period(crm), width="22em")
        self.metric = widgets.Dropdown(options=_metrics(crm), description=crm.t("field.target_metric"),
                                       style=sales.WIDE)
        self.by = widgets.ToggleButtons(options=[(crm.t("ui.targets.by_rep"), "user"),
                                                 (crm.t("ui.targets.by_team"), "team")], value="user")
        self.table = widgets.HTML()
        self.fields = {"target_period": self.period, "target_metric": self.metric}
        super().__init__(crm, [sales.heading(crm, "ui.targets.leaderboard_heading"),
                               widgets.HBox([self.period, self.metric]), self.by, self.table])
        for control in (self.period, self.metric, self.by):
            control.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def refresh(self) -> None:
        frame = self._attempt(self.crm.targets.leaderboard, self.period.value, metric=self.metric.value,
                              by=self.by.value)
        if frame is None:
            self.table.value = ""
            return
        self.clear_status()
        self.frame = frame
        count = self.metric.value == "won_count"
        shown = frame.assign(target=frame["target"].map(money), attainment=frame["attainment"].map(percent),
                             actual=frame["actual"].map(lambda v: f"{v:.0f}" if count and pd.notna(v) else money(v)))
        self.table.value = sales.grid(self.crm, shown, BOARD_COLUMNS)


class TargetsView(widgets.VBox):
    """Targets with attainment, and the leaderboard, one below the other."""

    def __init__(self, crm):
        self.targets = TargetForm(crm)
        self.leaderboard = LeaderboardView(crm)
        super().__init__([self.targets, self.leaderboard])

    def refresh(self) -> None:
        self.targets.refresh()
        self.leaderboard.refresh()
