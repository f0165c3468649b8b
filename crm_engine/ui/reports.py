"""The statistics and reports dashboard (R1–R5) on the kit: pick a report, set its filters, read its
chart and, beside it, its first rows.

Each report is one verb of `crm.reports` (scoped to what the user may see); its chart comes from
`crm_engine.ui.charts`. The figure goes into an `Output` widget as plotly's own JSON
(`application/vnd.plotly.v1+json`), which JupyterLab draws with the plotly extension — no extra
widget package. The table names every code and header through `ui/labels.py` and formats its
figures with the kit. A report with nothing in it says why: the engine's "nothing to show", or —
when the sharing policy gives this role none of the report's records — that the role sees none.

    view = ReportsDashboard(crm, report="composition")   # a widget; view.figure / view.frame for code
"""
from __future__ import annotations

import html
import json
from dataclasses import dataclass

import ipywidgets as widgets
import pandas as pd
import plotly.io as pio
import solara
from solara.alias import rv

from ..errors import CRMError
from . import charts, kit, labels
from .kit.listview import CSS as TABLE_CSS

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
# Each control's engine field name: the name an `InvalidInput` points at and the input's label.
FIELDS = {"year": "report_year", "top": "report_top", "by": "report_by", "period": "report_period",
          "since": "since", "until": "until", "region": "region", "level": "level",
          "target_period": "target_period", "metric": "target_metric", "segment": "rfm_segment",
          "months": "cohort_months", "kind": "report_kind"}
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
CSS = """
.crm-report-body { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; width: 100%; }
.crm-report-chart { flex: 1 1 420px; min-width: 0; max-width: 100%; }
.crm-report-table { flex: 1 1 300px; min-width: 0; max-width: 100%; overflow-x: auto; }
.crm-report-table td, .crm-report-table th { white-space: nowrap; }
"""


def by_choices(crm, report: str) -> tuple:
    """The `by` cuts a report offers (read from the facade, not the area modules)."""
    reports = crm.reports
    return {"composition": reports.COMPOSITION_BY, "service_analysis": reports.SERVICE_BY,
            "churn_analysis": reports.CHURN_BY, "win_rate": SALES_CUTS, "pipeline": SALES_CUTS,
            "leaderboard": ("user", "team")}.get(report, ())


def defaults(crm, report: str) -> dict:
    """The filters a report starts with (each report on its own defaults)."""
    values = {"top": 10, "period": "month", "months": 12, "target_period": crm.today().strftime("%Y-%m"),
              "metric": None if report == "attainment" else crm.reports.METRICS[0],
              "kind": PIE_OR_BAR.get(report, "bar")}
    choices = by_choices(crm, report)
    if choices:
        values["by"] = choices[0]
    return values


def arguments(report: str, values: dict) -> dict:
    """The chosen report's keyword arguments from its filters."""
    args = {}
    for name in CONTROLS[report]:
        if name == "kind" or (name == "top" and report != "contribution"):
            continue
        value = values.get(name)
        value = kit.text_or_none(value) if isinstance(value, str) else value
        if name == "target_period":
            args["period"] = value
        elif value is not None or name == "by":
            args[name] = value
    return args


def chart_options(report: str, values: dict) -> dict:
    options = {}
    if report in PIE_OR_BAR:
        options["kind"] = values.get("kind") or PIE_OR_BAR[report]
    if report == "contribution":
        options["top"] = values.get("top") or 10
    return options


def fields(crm, report: str) -> list:
    """The kit inputs of the report's filters (the chart kind is a toggle of its own)."""
    t, today, every = crm.t, crm.today(), (crm.t("ui.sales.all"), None)
    options = {
        "year": (every, *((str(y), y) for y in range(today.year, today.year - 5, -1))),
        "top": (("10", 10), ("20", 20), ("50", 50)),
        "by": tuple((t(BY_LABELS.get(code, f"field.{code}")), code) for code in by_choices(crm, report)),
        "period": ((every,) if report == "service_analysis" else ()) +
                  tuple((t(f"ui.reports.{p}"), p) for p in ("month", "quarter", "year")),
        "region": (every, *crm.dictionary.choices("region")),
        "level": (every, *crm.dictionary.choices("customer_level")),
        "metric": ((every,) if report == "attainment" else ()) +
                  tuple((t(f"target.metric.{m}"), m) for m in crm.reports.METRICS),
        "segment": (every, *((t(f"rfm.{s}"), s) for s in crm.reports.SEGMENTS)),
        "months": (every, ("6", 6), ("12", 12), ("24", 24)),
    }
    dates = {"since", "until"}
    return [kit.Field(FIELDS[name], "select" if name in options else ("date" if name in dates else "text"),
                      options=tuple(options.get(name, ())), placeholder="YYYY-MM" if name == "target_period" else "")
            for name in CONTROLS[report] if name != "kind"]


def figure_output(fig) -> dict:
    """The display-data output JupyterLab renders as a plotly chart (no plotly.js needed in it)."""
    spec = json.loads(pio.to_json(fig, validate=False))
    spec["config"] = {"displaylogo": False, "responsive": True}
    title = spec["layout"].get("title", {}).get("text", "Figure")
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.plotly.v1+json": spec, "text/plain": f"<{title}>"}}


@dataclass(frozen=True)
class Result:
    """One drawing of the dashboard: the engine's frame, its chart, its table, what to say."""

    frame: pd.DataFrame | None = None
    figure: object = None
    table: str = ""                     # the inside of a kit table (head and body), "" when none
    empty: str = ""                     # why there is nothing to show
    message: kit.Message | None = None  # the engine's refusal of a filter


def not_shared(crm, report: str) -> str:
    """The sentence for a role the sharing policy gives none of the report's records ("" otherwise)."""
    kind = labels.REPORT_KINDS.get(report)
    try:
        policy = crm.admin.policy(kind) if kind else None
    except CRMError:  # a role that may not read the policy: the engine's own empty message says enough
        return ""
    if policy is None or policy.empty:
        return ""
    mine = policy[policy["role"] == crm.user.role]
    if mine.empty or mine["read_scope"].iloc[0] != "none":
        return ""
    return crm.t("ui.reports.not_shared", role=crm.t(f"role.{crm.user.role}"),
                 records=crm.t(f"ui.reports.records.{kind}"))


def table_html(crm, frame: pd.DataFrame) -> str:
    """The first rows: codes named and headers translated by `labels`, figures formatted by the kit."""
    columns = [c for c in frame.columns if c not in HIDDEN and not (c == "label" and "customer_name" in frame)]
    head = labels.values(crm, frame[columns].head(ROWS))    # codes named, the share shown once
    names = labels.headers(crm, head)
    numeric = [c for c in head.columns if c in PERCENT or pd.api.types.is_numeric_dtype(head[c])]

    def cell(column, value) -> str:
        if column in PERCENT:
            return kit.percent(value)
        if kit.is_blank(value):
            return ""
        if pd.api.types.is_float_dtype(head[column]):
            return kit.money(value)
        if pd.api.types.is_integer_dtype(head[column]):
            return f"{int(value):,}"
        if isinstance(value, (pd.Timestamp,)) or pd.api.types.is_datetime64_any_dtype(head[column]):
            return kit.date(value, unbreakable=True)
        return kit.blank(value)

    def td(column, value, tag="td") -> str:
        kind = " class='crm-num'" if column in numeric else ""
        return f"<{tag}{kind}>{html.escape(value)}</{tag}>"

    header = "".join(td(c, names[c], "th") for c in head.columns)
    body = "".join("<tr>" + "".join(td(c, cell(c, row[c])) for c in head.columns) + "</tr>"
                   for _, row in head.iterrows())
    return f"<thead><tr>{header}</tr></thead><tbody>{body}</tbody>"


def draw(crm, report: str, values: dict) -> Result:
    """Run the report with these filters and make everything the dashboard shows."""
    try:
        frame = getattr(crm.reports, report)(**arguments(report, values))
    except CRMError as error:
        return Result(message=kit.failure(crm, error))
    # Codes a report leaves as they are (a cut by lead source, a campaign's type) named as in the table.
    named = labels.values(crm, frame, drop=False, columns=[frame.attrs.get("by")])
    figure = charts.figure(named, language=crm.language, **chart_options(report, values))
    empty = frame.attrs.get("empty_message") or ""
    if empty:
        return Result(frame, figure, "", not_shared(crm, report) or empty)
    return Result(frame, figure, table_html(crm, frame))


class Sink:
    """Where the dashboard leaves what it drew, for code and tests (`view.figure`, `view.frame`)."""

    result = Result()


@solara.component
def Dashboard(crm, report: str = "contribution", sink: Sink | None = None):
    """The report chooser, the report's filters, its chart and its table beside it."""
    version, language = kit.use_workspace(crm)
    first = report if report in CONTROLS else "contribution"
    chosen, set_chosen = solara.use_state(first)
    values, set_values = solara.use_state(solara.use_memo(lambda: defaults(crm, first), []))

    def choose(name):
        if name in CONTROLS and name != chosen:
            set_values(defaults(crm, name))
            set_chosen(name)

    def set_fields(given: dict):
        set_values({**values, **{control: given[field] for control, field in FIELDS.items() if field in given}})

    key = tuple(sorted((k, repr(v)) for k, v in values.items()))
    result = solara.use_memo(lambda: draw(crm, chosen, values), [version, language, chosen, key])
    if sink is not None:
        sink.result = result
    t = crm.t
    with solara.Column(classes=["crm-reports", f"crm-as-{crm.user.username.replace('.', '_')}"],
                       style={"width": "100%", "gap": "6px"}) as root:
        solara.Style(TABLE_CSS + CSS)
        items = [{"title": t(f"report.{r}.title"), "value": r} for r in crm.reports.REPORTS]
        rv.Select(label=t("ui.reports.report"), items=items, v_model=chosen, on_v_model=choose, density="compact",
                  hide_details=True, class_="crm-field-report", style_="max-width:30em"
                  ).meta(ref="report")
        specs = fields(crm, chosen)
        given = {FIELDS[name]: values.get(name) for name in CONTROLS[chosen]}
        message = result.message
        # Keyed by the report: another report's inputs are new widgets (a reused one kept its old tag).
        kit.FormFields(crm, specs, given, set_fields, invalid=message.field if message else None,
                       error_text=message.text if message else None).key(f"filters-{chosen}")
        if "kind" in CONTROLS[chosen]:
            with rv.BtnToggle(v_model=values.get("kind"), on_v_model=lambda k: k and set_fields({"report_kind": k}),
                              mandatory=True, density="compact", class_="crm-field-report_kind").meta(ref="field-report_kind"):
                rv.Btn(children=[t("ui.reports.bar")], value="bar", size="small")
                rv.Btn(children=[t("ui.reports.pie")], value="pie", size="small")
        kit.Feedback(message, ref="report-message")
        with solara.Div(classes=["crm-report-body"]):
            outputs = () if result.figure is None else (figure_output(result.figure),)
            with solara.Div(classes=["crm-report-chart"]):
                widgets.Output.element(outputs=outputs, layout=widgets.Layout(min_height="440px", width="100%"),
                                       ).meta(ref="chart")
            with solara.Div(classes=["crm-report-table"]):
                if result.empty:
                    rv.Alert(type="info", variant="tonal", density="compact", class_="crm-empty",
                             children=[result.empty]).meta(ref="report-empty")
                elif result.table:
                    solara.HTML(tag="table", unsafe_innerHTML=result.table, classes=["crm-kit-table"]
                                ).meta(ref="report-table")
    return root


class ReportsDashboard(kit.KitView):
    """The dashboard as a widget: `figure`, `frame`, `error_text`, `invalid_field` say what it shows."""

    def __init__(self, crm, report: str = "contribution"):
        self.crm, self.sink = crm, Sink()
        super().__init__(Dashboard(crm, report, self.sink), fallback=self._fallback)

    @property
    def result(self) -> Result:
        return self.sink.result

    @property
    def figure(self):
        return self.result.figure

    @property
    def frame(self):
        return self.result.frame

    @property
    def error_text(self) -> str:
        message = self.result.message
        return message.text if message is not None else ""

    @property
    def invalid_field(self) -> str | None:
        message = self.result.message
        return message.field if message is not None else None

    def set(self, name: str, value) -> None:
        """Set the filter `name` (a key of `CONTROLS`, or "report") as the browser would."""
        ref = "report" if name == "report" else f"field-{FIELDS[name]}"
        self.rc.find(meta_ref=ref).widget.v_model = value

    def _fallback(self) -> str:
        frame = self.frame
        title = "" if frame is None else html.escape(frame.attrs.get("title", ""))
        inner = self.result.table or f"<tr><td><i>{html.escape(self.result.empty)}</i></td></tr>"
        return f"<h4>{title}</h4><table border='1' cellpadding='4'>{inner}</table>"


def ReportsModule(crm):
    """Statistics and reports (统计报表): the dashboard."""
    view = ReportsDashboard(crm)
    view.dashboard = view  # the app and notebooks reach the dashboard as `module.dashboard`
    return view
