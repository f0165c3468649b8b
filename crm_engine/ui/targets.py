"""Sales targets, attainment and the leaderboard (O8) on the kit — a tab of the marketing module
(`show(crm, "opportunities")`), or on its own:

    from crm_engine.ui.targets import TargetsView
    TargetsView(crm)                    # a widget for a cell

One period (a month "2026-03" or a quarter "2026-Q1") and one metric at a time: every target you
may see with its actual figure and attainment, the leaderboard of reps or teams, and setting or
removing a target (supervisors and directors; anyone else is told why not, beside the button).
The figures are the engine's (`crm.targets.list`, `crm.targets.leaderboard`); the screen formats them.
"""
from __future__ import annotations

import html

import pandas as pd
import solara

from ..errors import CRMError, InvalidInput
from . import kit

TARGET_COLUMNS = [kit.Column("id", "field.id"),
                  kit.Column("subject", "ui.targets.subject"),
                  kit.Column("kind", "ui.uisales.rep_or_team", priority=3),
                  kit.Column("metric", "field.target_metric", priority=2),
                  kit.Column("amount", "field.target_amount"),
                  kit.Column("actual", "ui.targets.actual"),
                  kit.Column("attainment", "ui.targets.attainment", kind="percent")]
BOARD_COLUMNS = [kit.Column("rank", "ui.targets.rank"),
                 kit.Column("name", "field.name"),
                 kit.Column("team", "field.team", priority=2),
                 kit.Column("target", "field.target_amount"),
                 kit.Column("actual", "ui.targets.actual"),
                 kit.Column("attainment", "ui.targets.attainment", kind="percent")]


def metrics(crm) -> tuple:
    return tuple((crm.t(f"target.metric.{m}"), m) for m in crm.targets.METRICS)


def figure(metric: str, value) -> str:
    """A target's amount or actual: a count for `won_count`, money otherwise; "" when blank."""
    if kit.is_blank(value):
        return ""
    return f"{float(value):,.0f}" if metric == "won_count" else kit.money(value)


def shown_targets(crm, frame: pd.DataFrame) -> pd.DataFrame:
    """The engine's targets as the table shows them (attainment as a percentage)."""
    if frame.empty:
        return frame
    kinds = {"user": crm.t("ui.targets.for_rep"), "team": crm.t("ui.targets.for_team")}
    return frame.assign(kind=frame["subject_kind"].map(kinds),
                        metric=[crm.t(f"target.metric.{m}") for m in frame["metric"]],
                        amount=[figure(m, v) for m, v in zip(frame["metric"], frame["amount"])],
                        actual=[figure(m, v) for m, v in zip(frame["metric"], frame["actual"])],
                        attainment=frame["attainment"] * 100)


def shown_board(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame.assign(target=[figure(metric, v) for v in frame["target"]],
                        actual=[figure(metric, v) for v in frame["actual"]],
                        attainment=frame["attainment"] * 100, rank=frame["rank"].astype(int).astype(str),
                        **({} if "team" in frame else {"team": ""}))


def target_actions(crm, period: str, metric: str, frame: pd.DataFrame) -> list:
    """Set (or replace) a rep's or a team's target; remove one — each one verb."""
    t = crm.t
    users = crm.admin.users()
    reps = tuple((r.name, r.username) for r in users[users["role"].isin(["account_manager", "supervisor"])]
                 .itertuples())
    teams = tuple((r.name, int(r.id)) for r in crm.admin.teams().itertuples())
    listed = tuple((f"{r.id} · {r.subject} · {t('target.metric.' + r.metric)}", int(r.id))
                   for r in frame.itertuples()) if not frame.empty else ()

    def set_target(v):
        done = crm.targets.set(v.get("target_period") or "", v.get("target_amount") or "",
                               user=v.get("target_user"), team=v.get("team"), metric=v.get("target_metric"))
        return t("ui.targets.saved", period=done.period, amount=figure(done.metric, done.amount))

    def remove(v):
        if v.get("target") is None:
            raise InvalidInput("error.required", field="target")
        crm.targets.remove(v["target"])
        return t("ui.targets.removed", id=v["target"])

    return [kit.Action("set", t("ui.targets.set"), set_target,
                       fields=(kit.Field("target_user", "select", options=reps),
                               kit.Field("team", "select", options=teams), kit.Field("target_period"),
                               kit.Field("target_metric", "select", options=metrics(crm)),
                               kit.Field("target_amount")),
                       initial={"target_period": period, "target_metric": metric}),
            kit.Action("remove", t("ui.targets.remove"), remove, color="warning",
                       reason=None if listed else t("ui.nothing_to_show"),
                       fields=(kit.Field("target", "select", options=listed),),
                       initial={"target": listed[0][1] if listed else None})]


@solara.component
def TargetsScreen(crm):
    """Period, metric and ranking chosen above; targets with attainment, actions, leaderboard."""
    version, language = kit.use_workspace(crm)
    period, set_period = solara.use_state(crm.today().strftime("%Y-%m"))
    metric, set_metric = solara.use_state("won_amount")
    by, set_by = solara.use_state("user")

    def load():
        try:
            with crm.holding():
                return crm.targets.list(period=period, metric=metric), \
                    crm.targets.leaderboard(period, metric=metric, by=by), None
        except CRMError as error:
            return None, None, kit.failure(crm, error)

    targets, board, problem = solara.use_memo(load, dependencies=[version, language, period, metric, by])
    from solara.alias import rv
    t = crm.t
    with solara.Column(gap="6px") as box:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "center"}):
            rv.TextField(v_model=period, on_v_model=lambda v: set_period((v or "").strip()),
                         label=t("field.target_period"), placeholder="2026-03 / 2026-Q1", density="compact",
                         hide_details=True, style_="min-width:9em;max-width:12em").meta(ref="targets-period")
            rv.Select(items=[{"title": label, "value": m} for label, m in metrics(crm)], v_model=metric,
                      on_v_model=set_metric, label=t("field.target_metric"), density="compact", hide_details=True,
                      style_="min-width:10em;max-width:16em").meta(ref="targets-metric")
            rv.Select(items=[{"title": t("ui.targets.by_rep"), "value": "user"},
                             {"title": t("ui.targets.by_team"), "value": "team"}], v_model=by, on_v_model=set_by,
                      label=t("ui.uisales.rank"), density="compact", hide_details=True,
                      style_="min-width:8em;max-width:12em").meta(ref="targets-by")
        kit.Feedback(problem, ref="targets-message")
        if targets is not None:
            rv.Html(tag="h4", style_="margin:6px 0 0", children=[t("ui.targets.list_heading")])
            kit.StaticTable(crm, shown_targets(crm, targets), TARGET_COLUMNS, "targets")
            kit.ActionBar(crm, target_actions(crm, period, metric, targets), ref="targets-actions")
            rv.Html(tag="h4", style_="margin:6px 0 0", children=[t("ui.targets.leaderboard_heading")])
            kit.StaticTable(crm, shown_board(board, metric), BOARD_COLUMNS, "leaderboard")
    return box


def summary_html(crm) -> str:
    """The month's targets and leaderboard as plain HTML (nbconvert / nbgrader output has no widgets)."""
    period = crm.today().strftime("%Y-%m")
    return (f"<h4>{html.escape(crm.t('ui.targets.list_heading'))}</h4>"
            f"{kit.table_html(crm, shown_targets(crm, crm.targets.list(period=period, metric='won_amount')), TARGET_COLUMNS)}"
            f"<h4>{html.escape(crm.t('ui.targets.leaderboard_heading'))}</h4>"
            f"{kit.table_html(crm, shown_board(crm.targets.leaderboard(period), 'won_amount'), BOARD_COLUMNS)}")


class TargetsView(kit.KitView):
    """The targets screen as one widget, with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        super().__init__(TargetsScreen(crm), fallback=lambda: summary_html(crm))
