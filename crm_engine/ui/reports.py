"""The statistics and reports dashboard (R1–R5): pick a report, set its filters, read its chart
and its first rows.

Each report is one verb of `crm.reports` (scoped to what the user may see); its chart comes
from `crm_engine.ui.charts`. The figure is put into an `Output` widget as plotly's own JSON
(`application/vnd.plotly.v1+json`), which JupyterLab draws with the plotly extension — no
extra widget package — and `self.figure` holds the `go.Figure` for code and tests. A report
with nothing in it shows the engine's translated message, on the chart and above the table.
"""
from __future__ import annotations

import html
import json

import ipywidgets as widgets
import pandas as pd
import plotly.io as pio

from ..reports import REPORTS, SEGMENTS
from ..reports.service_analysis import CHURN_BY, SERVICE_BY
from ..reports.customer_analysis import COMPOSITION_BY
from ..sales.targets import METRICS
from . import base, charts, labels, sales
from .sales import FormView, blank

# The cuts of the sales reports (sales/pipeline_cuts.py), the rep first.
SALES_CUTS = ("owner", "team", "product", "category", "region", "source", "campaign", "month", "quarter", "year")
# Which filters each report takes; "target_period" is passed as `period`.
CONTROLS = {
    "contribution": ("year", "top", "region", "level", "kind"),
    "composition": ("by", "region", "level", "kind"),
    "service_analysis": ("period", "by", "since", "until", "region", "level"),
    "churn_analysis": ("by", "since", "until", "region", "level", "kind"),
    "churn_rate": ("period", "since", "until", "region", "level"),
    "funnel": ("since", "until"),
    "win_rate": ("by", "since", "until"),
    "pipeline": ("by",),
    "campaign_roi": (),
    "attainment": ("target_period", "metric"),
    "leaderboard": ("target_period", "metric", "by"),
    "rfm": ("segment", "region", "level"),
    "rfm_segments": ("region", "level", "kind"),
    "cohorts": ("since", "until", "months", "region", "level"),
}
BY = {"composition": tuple(COMPOSITION_BY), "service_analysis": tuple(SERVICE_BY), "churn_analysis": tuple(CHURN_BY),
      "win_rate": SALES_CUTS, "pipeline": SALES_CUTS, "leaderboard": ("user", "team")}
# Labels of the `by` choices that are not simply `field.<code>`.
BY_LABELS = {"reason": "field.churn_reason", "source": "field.lead_source", "campaign": "field.campaign",
             "month": "ui.reports.month", "user": "ui.targets.by_rep", "team": "ui.targets.by_team",
             "category": "report.cut.category", "quarter": "report.cut.quarter", "year": "report.cut.year"}
PIE_OR_BAR = {"contribution": "bar", "composition": "pie", "churn_analysis": "pie", "rfm_segments": "bar"}
PERCENT = {"share", "cumulative_share", "conversion", "win_rate", "roi", "budget_used", "attainment", "retention",
           "churn_rate"}
HIDDEN = {"owner_id", "customer_id", "campaign_id", "user_id", "team_id", "created_by", "set_by", "period_start",
          "period_end", "description", "label_en", "code"}
ROWS = 15


def figure_output(fig) -> dict:
    """The display-data output JupyterLab renders as a plotly chart (no plotly.js needed in it)."""
    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = {"displaylogo": False, "responsive": True}
    title = spec["layout"].get("title", {}).get("text", "Figure")
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": spec, "text/plain": f"<{title}>"}}


class ReportsDashboard(FormView):
    """One report at a time: its filters, its chart (`self.figure`) and its first rows (`self.frame`)."""

    def __init__(self, crm, report: str = "contribution"):
        t, compact = crm.t, {"description_width": "initial"}
        today = crm.today()
        self.report = widgets.Dropdown(options=[(t(f"report.{r}.title"), r) for r in REPORTS],
                                       value=report if report in REPORTS else REPORTS[0],
                                       description=t("ui.reports.report"), style=compact,
                                       layout=widgets.Layout(width="26em"))
        narrow = lambda: widgets.Layout(width="15em")  # noqa: E731 - one Layout each: hiding one must not hide all
        self.controls = {
            "year": widgets.Dropdown(options=[(t("ui.sales.all"), None)] +
                                     [(str(y), y) for y in range(today.year, today.year - 5, -1)],
                                     description=t("field.report_year"), style=compact, layout=narrow()),
            "top": widgets.Dropdown(options=[("10", 10), ("20", 20), ("50", 50)], value=10,
                                    description=t("field.report_top"), style=compact,
                                    layout=widgets.Layout(width="22em")),
            "by": widgets.Dropdown(description=t("field.report_by"), style=compact,
                                   layout=widgets.Layout(width="20em")),
            "period": widgets.Dropdown(options=[(t(f"ui.reports.{p}"), p) for p in ("month", "quarter", "year")],
                                       description=t("field.report_period"), style=compact, layout=narrow()),
            "since": widgets.Text(description=t("field.since"), placeholder="YYYY-MM-DD", style=compact,
                                  continuous_update=False, layout=narrow()),
            "until": widgets.Text(description=t("field.until"), placeholder="YYYY-MM-DD", style=compact,
                                  continuous_update=False, layout=narrow()),
            "region": base.choice_field(crm, "region", "region"),
            "level": base.choice_field(crm, "level", "customer_level"),
            "target_period": widgets.Text(value=today.strftime("%Y-%m"), description=t("field.target_period"),
                                          style=compact, continuous_update=False, layout=narrow()),
            "metric": widgets.Dropdown(options=[(t(f"target.metric.{m}"), m) for m in METRICS],
                                       description=t("field.target_metric"), style=compact,
                                       layout=widgets.Layout(width="20em")),
            "segment": widgets.Dropdown(options=[(t("ui.sales.all"), None)] + [(t(f"rfm.{s}"), s) for s in SEGMENTS],
                                        description=t("field.rfm_segment"), style=compact,
                                        layout=widgets.Layout(width="20em")),
            "months": widgets.Dropdown(options=[(t("ui.sales.all"), None), ("6", 6), ("12", 12), ("24", 24)],
                                       value=12, description=t("field.cohort_months"), style=compact, layout=narrow()),
            "kind": widgets.ToggleButtons(options=[(t("ui.reports.bar"), "bar"), (t("ui.reports.pie"), "pie")],
                                          style={"button_width": "5em"}),
        }
        for name in ("region", "level"):
            self.controls[name].style, self.controls[name].layout.width = compact, "17em"
        self.fields = {"report_year": self.controls["year"], "report_by": self.controls["by"],
                       "report_period": self.controls["period"], "since": self.controls["since"],
                       "until": self.controls["until"], "region": self.controls["region"],
                       "level": self.controls["level"], "target_period": self.controls["target_period"],
                       "target_metric": self.controls["metric"], "rfm_segment": self.controls["segment"],
                       "cohort_months": self.controls["months"]}
        self.chart = widgets.Output(layout=widgets.Layout(min_height="440px"))
        self.message = widgets.HTML()
        self.table = widgets.HTML()
        self.figure = None
        self.frame = None
        self._arranging = False
        super().__init__(crm, [self.report, widgets.HBox(list(self.controls.values()),
                                                         layout=widgets.Layout(flex_flow="row wrap")),
                               self.chart, self.message, self.table])
        self.report.observe(lambda _: self._arrange(), names="value")
        for control in self.controls.values():
            control.observe(lambda _: self._arranging or self.refresh(), names="value")
        self._arrange()

    # -- events -----------------------------------------------------------------------------
    def _arrange(self) -> None:
        """Show the filters of the chosen report (with its `by` choices), then draw it."""
        report = self.report.value
        self._arranging = True
        for name, control in self.controls.items():
            control.layout.display = None if name in CONTROLS[report] else "none"
        if report in BY:
            self.controls["by"].options = [(self.t(BY_LABELS.get(code, f"field.{code}")), code) for code in BY[report]]
            self.controls["by"].value = BY[report][0]
        if report in PIE_OR_BAR:
            self.controls["kind"].value = PIE_OR_BAR[report]
        self.controls["period"].options = ([(self.t("ui.sales.all"), None)] if report == "service_analysis" else []) + \
            [(self.t(f"ui.reports.{p}"), p) for p in ("month", "quarter", "year")]
        self.controls["period"].value = "month"
        # Attainment lists every target (any metric) unless one is chosen; a leaderboard ranks on one.
        metrics = [(self.t(f"target.metric.{m}"), m) for m in METRICS]
        self.controls["metric"].options = ([(self.t("ui.sales.all"), None)] if report == "attainment" else []) + metrics
        self.controls["metric"].value = None if report == "attainment" else METRICS[0]
        self._arranging = False
        self.refresh()

    # -- rendering ------------------------------------------------------------------------------
    def arguments(self) -> dict:
        """The chosen report's keyword arguments from its visible filters."""
        report, args = self.report.value, {}
        for name in CONTROLS[report]:
            if name == "kind" or (name == "top" and report != "contribution"):
                continue
            value = self.controls[name].value
            value = blank(value) if isinstance(value, str) else value
            if name == "target_period":
                args["period"] = value
            elif value is not None or name == "by":
                args[name] = value
        return args

    def chart_options(self) -> dict:
        report, options = self.report.value, {}
        if report in PIE_OR_BAR:
            options["kind"] = self.controls["kind"].value
        if report == "contribution":
            options["top"] = self.controls["top"].value
        return options

    def refresh(self) -> None:
        report = self.report.value
        frame = self._attempt(getattr(self.crm.reports, report), **self.arguments())
        if frame is None:
            self.figure, self.frame = None, None
            self.chart.outputs = ()
            self.message.value = self.table.value = ""
            return
        self.clear_status()
        self.frame = frame
        # Codes a report leaves as they are (a cut by lead source, a campaign's type) named as in the table.
        named = labels.values(self.crm, frame, drop=False, columns=[frame.attrs.get("by")])
        self.figure = charts.figure(named, language=self.crm.language, **self.chart_options())
        self.chart.outputs = (figure_output(self.figure),)
        empty = frame.attrs.get("empty_message")
        self.message.value = f"<div class='crm-empty'><i>{html.escape(empty)}</i></div>" if empty else ""
        self.table.value = "" if empty else self._table(frame)

    def _table(self, frame: pd.DataFrame) -> str:
        columns = [c for c in frame.columns if c not in HIDDEN and not (c == "label" and "customer_name" in frame)]
        head = labels.values(self.crm, frame[columns].head(ROWS))    # codes named, the share shown once
        for column in head.columns:
            if column in PERCENT:
                head[column] = head[column].map(sales.percent)
        return head.rename(columns=labels.headers(self.crm, head)).to_html(
            index=False, escape=True, na_rep="", border=0, classes="crm-table", float_format=lambda v: f"{v:,.2f}")


class ReportsModule(sales.View):
    """Statistics and reports (统计报表): the dashboard."""

    def __init__(self, crm):
        self.dashboard = ReportsDashboard(crm)
        super().__init__(crm, [self.dashboard])
        sales.tag_user(self, crm)
