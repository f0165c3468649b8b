"""Plotly charts of the reports (R1–R5): one figure per report, titles and axes translated.

    from crm_engine.ui import charts
    charts.setup_notebook()                                   # once, in the first cell
    charts.contribution(crm.reports.contribution(year=2025))  # bar of the top customers
    charts.contribution(frame, kind="pie")                    # their share, with "all others"
    charts.figure(crm.reports.cohorts())                      # any report: picks its chart

Each function takes the DataFrame a `crm.reports` verb returned and gives a
`plotly.graph_objects.Figure` (built with plotly express). The report's `attrs`
carry its language and title; a report with nothing to show becomes an empty
figure that says so, in the same language. `language=` overrides.

Why `setup_notebook()`: plotly's default renderer in a Jupyter kernel writes only
the `application/vnd.plotly.v1+json` output, which JupyterLab draws but nbconvert —
and so nbgrader's feedback HTML — cannot (the figure silently disappears). Setting
the renderer to `plotly_mimetype+crm_notebook` writes both: the JSON output for
JupyterLab, and an HTML `<div>` drawn by a plotly.js that is embedded **once per
notebook** (~4.8 MB of script in the output of the cell that calls this), so the
exported HTML shows every figure with no internet. `crm_notebook` is plotly's own
`notebook` renderer minus its MathJax `<script>` from a CDN, which a classroom
offline would wait for. The first chart built in a kernel calls it if nobody chose
a renderer (`PLOTLY_RENDERER` or `plotly.io.renderers.default`).
"""
from __future__ import annotations

import functools
import json
import os

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.base_renderers import NotebookRenderer

from .. import i18n, validate
from ..errors import InvalidInput

RENDERER = "crm_notebook"
DEFAULT = f"plotly_mimetype+{RENDERER}"
TEMPLATE = "plotly_white"
_initial_default = pio.renderers.default
_configured = False


class OfflineNotebookRenderer(NotebookRenderer):
    """plotly's `notebook` renderer without MathJax from a CDN; embeds plotly.js once when activated."""

    _embedded = False

    def __init__(self):
        super().__init__(connected=False)

    def activate(self):
        # setup_notebook() embeds plotly.js itself; plotly would embed it again before the
        # first figure if this did not remember that it already happened in this kernel.
        if not OfflineNotebookRenderer._embedded:
            super().activate()
            OfflineNotebookRenderer._embedded = True

    def to_mimebundle(self, fig_dict):
        html = pio.to_html(fig_dict, config=self.config, include_plotlyjs=False, include_mathjax=False,
                           full_html=False, default_width="100%", default_height=525, validate=False)
        return {"text/html": html}


pio.renderers[RENDERER] = OfflineNotebookRenderer()


def setup_notebook(renderer: str = DEFAULT, *, lazy: bool = False) -> None:
    """Make figures show in JupyterLab *and* in exported HTML / nbgrader feedback, offline.

    Call it once near the top of a notebook (re-running the cell embeds plotly.js again,
    which is what a fresh "Run all" needs). Pass `renderer="plotly_mimetype"` to keep
    notebooks small when no HTML export is wanted. Outside a Jupyter kernel (a script,
    a test) it does nothing: there is no notebook to embed plotly.js in.

    `lazy=True` (the assignments' set-up cells) only chooses the renderer: plotly.js is embedded
    by the first figure the notebook shows — any figure, `px.bar(...)` included — and a notebook
    without charts stays small.
    """
    global _configured
    if not _in_kernel():
        return
    pio.renderers.default = renderer
    if RENDERER in renderer.split("+"):
        OfflineNotebookRenderer._embedded = False
        if not lazy:  # lazily, plotly activates it (embeds plotly.js) before the first figure it shows
            pio.renderers[RENDERER].activate()
    _configured = True


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _ensure_setup() -> None:
    """Set up the notebook on the first chart, unless someone already chose a renderer."""
    if _configured or os.environ.get("PLOTLY_RENDERER") or pio.renderers.default != _initial_default:
        return
    if _in_kernel():
        setup_notebook()


# -- helpers ------------------------------------------------------------------------------
def _language(frame: pd.DataFrame, language: str | None) -> str:
    return validate.language(language or frame.attrs.get("language") or i18n.default_language())


def _title(frame: pd.DataFrame, report: str, language: str, extra: str | None = None) -> str:
    title = i18n.t(f"report.{report}.title", language)
    return i18n.t("ui.with_note", language, text=title, note=extra) if extra else title


def _labels(language: str, **columns: str) -> dict[str, str]:
    """plotly express `labels=`: column → translated `chart.<key>`."""
    return {column: i18n.t(f"chart.{key}", language) for column, key in columns.items()}


def _empty(frame: pd.DataFrame, report: str, language: str) -> go.Figure | None:
    """The figure of a report with nothing to show: its title and the message, no axes."""
    if not frame.empty:
        return None
    message = frame.attrs.get("empty_message") if frame.attrs.get("language") == language else None
    message = message or i18n.t(f"report.{report}.empty", language)
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15})
    fig.update_layout(title=_title(frame, report, language), template=TEMPLATE,
                      xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def _express(chart, *args, **kwargs) -> go.Figure:
    """A plotly express chart in the house template. Given to express rather than set afterwards:
    applying a template costs ~9 ms, a fifth of a dashboard click, and express always applies one."""
    return chart(*args, template=TEMPLATE, **kwargs)


def _finish(fig: go.Figure, *, percent_axis: str | None = None) -> go.Figure:
    fig.update_layout(legend_title_text="")
    if percent_axis == "y":
        fig.update_yaxes(tickformat=".0%")
    elif percent_axis == "x":
        fig.update_xaxes(tickformat=".0%")
    return fig


def _start(frame: pd.DataFrame, report: str, language: str | None) -> tuple[str, go.Figure | None]:
    _ensure_setup()
    language = _language(frame, language)
    return language, _empty(frame, report, language)


# -- one chart per report -------------------------------------------------------------------
def contribution(frame: pd.DataFrame, *, kind: str = "bar", top: int = 10, language: str | None = None) -> go.Figure:
    """R1: the `top` customers by net contribution — a bar chart, or a pie of their share
    with one slice for all other customers.

    Built from graph objects, not express: this is the chart a dashboard redraws on every
    filter click at 100k customers, and express's own ~12 ms of bookkeeping was a quarter of
    that click's budget (issue #9, ≤ 50 ms)."""
    language, fig = _start(frame, "contribution", language)
    if fig is not None:
        return fig
    head = frame.sort_values("rank").head(top)
    title = _title(frame, "contribution", language, i18n.t("chart.top", language, n=len(head)))
    labels = _labels(language, customer_name="customer", net_amount="net_amount", share="share", orders="orders")
    layout = {"title": {"text": title}}
    if kind == "pie":
        names, values = head["customer_name"].tolist(), head["net_amount"].astype(float).tolist()
        # With `top`, the frame holds only the first rows; the shares say what the whole was.
        first = frame.sort_values("rank").iloc[0]
        share = first["share"]
        total = first["net_amount"] / share if pd.notna(share) and share else float(frame["net_amount"].sum())
        rest = total - sum(values)
        if rest > 0.005:
            names.append(i18n.t("chart.others", language)), values.append(rest)
        kept = [(n, v) for n, v in zip(names, values) if v > 0]   # a slice cannot be negative (returns above sales)
        pie = {"type": "pie", "labels": [n for n, _ in kept], "values": [v for _, v in kept],
               "hovertemplate": f"%{{label}}<br>{labels['net_amount']}=%{{value:,.2f}}<extra></extra>"}
        return _finish(_unchecked(pie, layout))
    bar = {"type": "bar", "x": head["customer_name"].tolist(), "y": head["net_amount"].astype(float).tolist(),
           "customdata": head[["share", "orders"]].astype(float).values.tolist(),
           "hovertemplate": (f"{labels['customer_name']}=%{{x}}<br>{labels['net_amount']}=%{{y:,.2f}}<br>"
                             f"{labels['share']}=%{{customdata[0]:.1%}}<br>{labels['orders']}=%{{customdata[1]}}"
                             "<extra></extra>")}
    layout.update(xaxis={"title": {"text": labels["customer_name"]}},
                  yaxis={"title": {"text": labels["net_amount"]}})
    return _finish(_unchecked(bar, layout))


@functools.cache
def _template_json() -> str:
    return json.dumps(pio.templates[TEMPLATE].to_plotly_json())


def _unchecked(trace: dict, layout: dict) -> go.Figure:
    """A one-trace figure in the house template from plain dicts, without plotly's validation:
    validating the template alone costs ~8 ms of a dashboard click. The dicts are ours, not a
    caller's; tests/ui/test_charts.py validates what they make."""
    return go.Figure({"data": [trace], "layout": {"template": json.loads(_template_json()), **layout}},
                     _validate=False)


def composition(frame: pd.DataFrame, *, kind: str = "pie", language: str | None = None) -> go.Figure:
    """R2: customers by one attribute — a pie of the shares, or bars of the counts."""
    language, fig = _start(frame, "composition", language)
    if fig is not None:
        return fig
    by = frame.attrs.get("by")
    extra = i18n.t(f"field.{by}", language) if by else None
    title = _title(frame, "composition", language, extra)
    labels = _labels(language, label="group", customers="customers", share="share")
    if kind == "pie":
        return _finish(_express(px.pie, frame[frame["customers"] > 0], names="label", values="customers", title=title,
                              labels=labels))
    return _finish(_express(px.bar, frame, x="label", y="customers", title=title, labels=labels,
                          hover_data={"percent": True}))


def service_analysis(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R3: tickets per period, stacked by type (or handler, region); satisfaction on hover."""
    language, fig = _start(frame, "service_analysis", language)
    if fig is not None:
        return fig
    labels = _labels(language, period="period", tickets="tickets", label="group", satisfaction="satisfaction",
                     days_to_archive="days_to_archive")
    fig = _express(px.bar, frame, x="period", y="tickets", color="label", title=_title(frame, "service_analysis", language),
                 labels=labels, hover_data={"satisfaction": ":.2f", "days_to_archive": ":.1f"})
    return _finish(fig)


def churn_analysis(frame: pd.DataFrame, *, kind: str = "pie", language: str | None = None) -> go.Figure:
    """R4: confirmed churn by reason (or customer type, region …) — a pie, or bars."""
    language, fig = _start(frame, "churn_analysis", language)
    if fig is not None:
        return fig
    labels = _labels(language, label="group", churned="churned", share="share")
    title = _title(frame, "churn_analysis", language)
    if kind == "pie":
        return _finish(_express(px.pie, frame, names="label", values="churned", title=title, labels=labels))
    return _finish(_express(px.bar, frame, x="label", y="churned", title=title, labels=labels))


def churn_rate(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R4: churn rate per period (bars), the customers at the start of each on hover."""
    language, fig = _start(frame, "churn_rate", language)
    if fig is not None:
        return fig
    labels = _labels(language, period="period", churn_rate="churn_rate", churned="churned",
                     customers_at_start="customers")
    fig = _express(px.bar, frame, x="period", y="churn_rate", title=_title(frame, "churn_rate", language), labels=labels,
                 hover_data={"churned": True, "customers_at_start": True})
    return _finish(fig, percent_axis="y")


def funnel(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the sales funnel — opportunities reaching each stage."""
    language, fig = _start(frame, "funnel", language)
    if fig is not None:
        return fig
    labels = _labels(language, label="stage", reached="reached")
    return _finish(_express(px.funnel, frame, x="reached", y="label", title=_title(frame, "funnel", language), labels=labels))


def win_rate(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: win rate per rep (or source, campaign, month)."""
    language, fig = _start(frame, "win_rate", language)
    if fig is not None:
        return fig
    by = frame.attrs.get("by") or frame.columns[0]
    labels = {by: i18n.t("chart.group", language), **_labels(language, win_rate="win_rate")}
    fig = _express(px.bar, frame, x=by, y="win_rate", title=_title(frame, "win_rate", language), labels=labels,
                 hover_data={"won": True, "lost": True})
    return _finish(fig, percent_axis="y")


def pipeline(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: pipeline value — the open amount per stage (one bar colour per group when cut `by`)."""
    language, fig = _start(frame, "pipeline", language)
    if fig is not None:
        return fig
    by = frame.attrs.get("by")
    group = by if by in frame.columns else None
    labels = {**_labels(language, label="stage", amount="pipeline_amount", weighted_amount="weighted_amount"),
              **({group: i18n.t("chart.group", language)} if group else {})}
    return _finish(_express(px.bar, frame, x="label", y="amount", color=group, title=_title(frame, "pipeline", language),
                            labels=labels, hover_data={"count": True, "weighted_amount": True}))


def campaign_roi(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: return on investment per campaign (campaigns with no cost yet have none)."""
    language, fig = _start(frame, "campaign_roi", language)
    if fig is not None:
        return fig
    labels = _labels(language, name="campaign", roi="roi")
    fig = _express(px.bar, frame.dropna(subset=["roi"]), x="name", y="roi", title=_title(frame, "campaign_roi", language),
                 labels=labels, hover_data={"cost": True, "actual_revenue": True})
    return _finish(fig, percent_axis="y")


def attainment(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: attainment of each target (actual / target), with the 100 % line."""
    language, fig = _start(frame, "attainment", language)
    if fig is not None:
        return fig
    labels = _labels(language, subject="rep", attainment="attainment", period="period")
    fig = _express(px.bar, frame, x="subject", y="attainment", color="period", barmode="group", labels=labels,
                 title=_title(frame, "attainment", language), hover_data={"amount": True, "actual": True})
    fig.add_hline(y=1.0, line_dash="dash")
    return _finish(fig, percent_axis="y")


def leaderboard(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the leaderboard — actual per rep or team in rank order, attainment on hover."""
    language, fig = _start(frame, "leaderboard", language)
    if fig is not None:
        return fig
    labels = _labels(language, name="rep", actual="actual", target="target", attainment="attainment")
    fig = _express(px.bar, frame, x="name", y="actual", title=_title(frame, "leaderboard", language), labels=labels,
                 hover_data={"rank": True, "target": True, "attainment": ":.1%"})
    return _finish(fig)


def rfm_segments(frame: pd.DataFrame, *, kind: str = "bar", language: str | None = None) -> go.Figure:
    """R5: customers per RFM segment — bars, or a pie."""
    language, fig = _start(frame, "rfm_segments", language)
    if fig is not None:
        return fig
    labels = _labels(language, label="segment", customers="customers")
    title = _title(frame, "rfm_segments", language)
    if kind == "pie":
        return _finish(_express(px.pie, frame[frame["customers"] > 0], names="label", values="customers", title=title,
                              labels=labels))
    return _finish(_express(px.bar, frame, x="label", y="customers", title=title, labels=labels,
                          hover_data={"recency_days": ":.0f", "frequency": ":.1f", "monetary": ":,.0f"}))


def rfm(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the customers of an RFM report counted by segment (bars)."""
    language, fig = _start(frame, "rfm", language)
    if fig is not None:
        return fig
    counts = frame.groupby(["segment", "segment_label"], sort=False).size().reset_index(name="customers")
    labels = _labels(language, segment_label="segment", customers="customers")
    return _finish(_express(px.bar, counts, x="segment_label", y="customers", title=_title(frame, "rfm", language),
                          labels=labels))


def cohorts(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the cohort retention matrix as a heat map (rows: cohorts, columns: months since)."""
    language, fig = _start(frame, "cohorts", language)
    if fig is not None:
        return fig
    matrix = frame.pivot(index="cohort", columns="months_since", values="retention")
    fig = _express(px.imshow, matrix, color_continuous_scale="Blues", zmin=0, zmax=1, aspect="auto",
                    title=_title(frame, "cohorts", language),
                    labels={"x": i18n.t("chart.months_since", language), "y": i18n.t("chart.cohort", language),
                            "color": i18n.t("chart.retention", language)})
    fig.update_coloraxes(colorbar_tickformat=".0%")
    return _finish(fig)


CHARTS = {"contribution": contribution, "composition": composition, "service_analysis": service_analysis,
          "churn_analysis": churn_analysis, "churn_rate": churn_rate, "funnel": funnel, "win_rate": win_rate,
          "pipeline": pipeline,
          "campaign_roi": campaign_roi, "attainment": attainment, "leaderboard": leaderboard,
          "rfm_segments": rfm_segments, "rfm": rfm, "cohorts": cohorts}


def figure(frame: pd.DataFrame, **options) -> go.Figure:
    """The chart of any report frame, chosen by `frame.attrs["report"]`."""
    report = frame.attrs.get("report")
    if report not in CHARTS:
        raise InvalidInput("chart.not_a_report", report=str(report), choices=", ".join(CHARTS))
    return CHARTS[report](frame, **options)
