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

Why `setup_notebook()`: it chooses one renderer for the whole course, `plotly_mimetype`. A
figure is saved as its JSON only (`application/vnd.plotly.v1+json`, tens of KB); JupyterLab and
Notebook 7 draw it offline with the jupyterlab-plotly extension, which loads plotly.js once per
page. Exported HTML (nbconvert, nbgrader feedback, JupyterLab's *Export as HTML*) gets an HTML
`<div>` per figure and plotly.js once, added at export time by `chart_export.PlotlyToHTML`
(configured in nbgrader_config.py and by `crmlab.sh start`). Embedding plotly.js in the notebook
instead (`renderer=DEFAULT_EMBEDDED`, plotly's `notebook` renderer minus MathJax from a CDN) made
every saved notebook ≥ 4.8 MB: 40_reports went from 5.2 MB to ~0.3 MB. The first chart built in a
kernel calls it if nobody chose a renderer (`PLOTLY_RENDERER` or `plotly.io.renderers.default`).
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import unicodedata

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io.base_renderers import NotebookRenderer

from .. import i18n, validate
from ..errors import InvalidInput

RENDERER = "crm_notebook"
DEFAULT = "plotly_mimetype"
DEFAULT_EMBEDDED = f"plotly_mimetype+{RENDERER}"   # self-contained notebooks, plotly.js inside (≥ 4.8 MB)
TEMPLATE = "plotly_white"
# Display columns of a category label on an axis (a CJK character takes two). Longer names are cut
# with "…" on the axis and stay whole on hover: rotated 80-character names left a plot ~100 px tall.
LABEL_WIDTH = 24
# Month ticks ("2026-03" periods): d3 formats. plotly.js names months only in English, so Chinese
# charts spell the month with numbers instead of "Mar 2026".
MONTH_TICKS = {"en": "%b %Y", "zh_CN": "%Y年%-m月"}
_MONTH = re.compile(r"^\d{4}-\d{2}$")
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
    """Choose the course's renderer: figures show in JupyterLab, and in exported HTML / nbgrader
    feedback (via `chart_export`), offline, and a saved notebook holds no plotly.js.

    Call it once near the top of a notebook. `renderer=DEFAULT_EMBEDDED` embeds plotly.js in the
    notebook instead (once, in this cell's output; ~4.8 MB), for an HTML export by an nbconvert
    that is not configured with `chart_export`. Outside a Jupyter kernel (a script, a test) it
    does nothing. `lazy=True` (the assignments' set-up cells): with the embedding renderer,
    plotly.js is embedded by the first figure shown rather than by this cell.
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


def display_width(text: str) -> int:
    """Columns `text` takes on screen: two for a wide (CJK) character, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def shorten(text: str, width: int = LABEL_WIDTH) -> str:
    """`text` cut to `width` display columns, ending in "…" when it was cut."""
    if display_width(text) <= width:
        return text
    kept, used = [], 1                      # one column for the "…"
    for ch in text:
        used += display_width(ch)
        if used > width:
            break
        kept.append(ch)
    return "".join(kept).rstrip() + "…"


def _category_axis(fig: go.Figure, axis: str = "x") -> None:
    """Cut long category names on `axis` (tick text only: the data and the hover keep them whole)
    and let the axis take the margin it needs, which the cut names keep small."""
    names = list(dict.fromkeys(str(v) for trace in fig.data if getattr(trace, axis, None) is not None
                               for v in getattr(trace, axis)))
    update = {"automargin": True}
    if any(display_width(n) > LABEL_WIDTH for n in names):
        update.update(tickmode="array", tickvals=names, ticktext=[shorten(n) for n in names])
    fig.update_xaxes(**update) if axis == "x" else fig.update_yaxes(**update)


def _pie_names(fig: go.Figure) -> None:
    """Cut long slice names in a pie's legend (it took half a narrow plot), whole on hover. A pie
    adds up slices of one name, so cut names are kept distinct."""
    for trace in fig.data:
        names = [str(n) for n in (trace.labels if trace.type == "pie" and trace.labels is not None else [])]
        if not any(display_width(n) > LABEL_WIDTH for n in names):
            continue
        short, seen = [], set()
        for name in names:
            cut, n = shorten(name), 2
            while cut in seen:
                cut, n = f"{shorten(name, LABEL_WIDTH - 3)} {n}", n + 1
            seen.add(cut), short.append(cut)
        trace.update(labels=short, customdata=[[n] for n in names],
                     hovertemplate=(trace.hovertemplate or "%{label}<br>%{value}").replace("%{label}", "%{customdata[0]}"))


def _period_axis(fig: go.Figure, periods, language: str) -> None:
    """Months ("2026-03") on a date axis with ticks in the chart's language; quarters, years and
    "all" as categories (plotly would read "2026" as a number and "2026-Q1" not at all)."""
    if len(periods) and all(_MONTH.match(str(p)) for p in periods):
        # With a few months plotly puts ticks between them (two "2023年5月"): one tick a month then.
        fig.update_xaxes(type="date", tickformat=MONTH_TICKS[language], hoverformat=MONTH_TICKS[language],
                         dtick="M1" if len(set(periods)) <= 12 else None)
    else:
        fig.update_xaxes(type="category")


def _rate_axis(fig: go.Figure, rates) -> None:
    """A rate axis starts at 0. With nothing but zeros plotly would centre it on 0 (−100 %…100 %)."""
    rates = pd.Series(rates, dtype="float64").fillna(0)
    if rates.eq(0).all():
        fig.update_yaxes(range=[0, 1])
    else:
        # Under 10 % whole percents repeat on the ticks (1 %, 1 %, 0 % …): one decimal then.
        fig.update_yaxes(rangemode="tozero", tickformat=".1%" if rates.max() < 0.1 else ".0%")


def _finish(fig: go.Figure, *, percent_axis: str | None = None) -> go.Figure:
    fig.update_layout(legend_title_text="")
    _pie_names(fig)
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
        return _finish(_unchecked([pie], layout))
    names = head["customer_name"].tolist()
    bar = {"type": "bar", "x": names, "y": head["net_amount"].astype(float).tolist(), "name": labels["net_amount"],
           "customdata": head[["share", "orders"]].astype(float).values.tolist(),
           "hovertemplate": (f"{labels['customer_name']}=%{{x}}<br>{labels['net_amount']}=%{{y:,.2f}}<br>"
                             f"{labels['share']}=%{{customdata[0]:.1%}}<br>{labels['orders']}=%{{customdata[1]}}"
                             "<extra></extra>")}
    # The Pareto line the notebook teaches: how much of the whole the first n customers bring.
    cumulative = i18n.t("chart.cumulative_share", language)
    line = {"type": "scatter", "mode": "lines+markers", "x": names, "yaxis": "y2", "name": cumulative,
            "y": head["cumulative_share"].astype(float).tolist(),
            "hovertemplate": f"{labels['customer_name']}=%{{x}}<br>{cumulative}=%{{y:.1%}}<extra></extra>"}
    layout.update(xaxis={"title": {"text": labels["customer_name"]}},
                  yaxis={"title": {"text": labels["net_amount"]}, "rangemode": "tozero"},
                  yaxis2={"title": {"text": cumulative}, "overlaying": "y", "side": "right", "tickformat": ".0%",
                          "range": [0, 1.05], "tickvals": [0, 0.25, 0.5, 0.75, 1], "showgrid": False},
                  legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"})
    fig = _unchecked([bar, line], layout)
    _category_axis(fig)
    return _finish(fig)


@functools.cache
def _template_json() -> str:
    return json.dumps(pio.templates[TEMPLATE].to_plotly_json())


def _unchecked(traces: list[dict], layout: dict) -> go.Figure:
    """A figure in the house template from plain dicts, without plotly's validation:
    validating the template alone costs ~8 ms of a dashboard click. The dicts are ours, not a
    caller's; tests/ui/test_charts.py validates what they make."""
    return go.Figure({"data": traces, "layout": {"template": json.loads(_template_json()), **layout}},
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
    fig = _express(px.bar, frame, x="label", y="customers", title=title, labels=labels,
                   hover_data={"share": ":.1%"})
    _category_axis(fig)
    return _finish(fig)


def service_analysis(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R3: tickets per period, stacked by type (or handler, region); satisfaction on hover."""
    language, fig = _start(frame, "service_analysis", language)
    if fig is not None:
        return fig
    labels = _labels(language, period="period", tickets="tickets", label="group", satisfaction="satisfaction",
                     days_to_archive="days_to_archive")
    fig = _express(px.bar, frame, x="period", y="tickets", color="label", title=_title(frame, "service_analysis", language),
                 labels=labels, hover_data={"satisfaction": ":.2f", "days_to_archive": ":.1f"})
    _period_axis(fig, frame["period"].unique(), language)
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
    fig = _express(px.bar, frame, x="label", y="churned", title=title, labels=labels)
    _category_axis(fig)
    return _finish(fig)


def churn_rate(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R4: churn rate per period (bars), the customers at the start of each on hover."""
    language, fig = _start(frame, "churn_rate", language)
    if fig is not None:
        return fig
    labels = _labels(language, period="period", churn_rate="churn_rate", churned="churned",
                     customers_at_start="customers")
    fig = _express(px.bar, frame, x="period", y="churn_rate", title=_title(frame, "churn_rate", language), labels=labels,
                 hover_data={"churned": True, "customers_at_start": True})
    _period_axis(fig, frame["period"], language)
    fig = _finish(fig, percent_axis="y")
    _rate_axis(fig, frame["churn_rate"])
    return fig


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
    _period_axis(fig, frame[by], language) if by == "month" else _category_axis(fig)
    fig = _finish(fig, percent_axis="y")
    _rate_axis(fig, frame["win_rate"])
    return fig


def pipeline(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: pipeline value — the open amount per stage (one bar colour per group when cut `by`)."""
    language, fig = _start(frame, "pipeline", language)
    if fig is not None:
        return fig
    by = frame.attrs.get("by")
    group = by if by in frame.columns else None
    labels = {**_labels(language, label="stage", amount="pipeline_amount", weighted_amount="weighted_amount"),
              **({group: i18n.t("chart.group", language)} if group else {})}
    fig = _express(px.bar, frame, x="label", y="amount", color=group, title=_title(frame, "pipeline", language),
                   labels=labels, hover_data={"count": True, "weighted_amount": True})
    _category_axis(fig)
    return _finish(fig)


def campaign_roi(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: return on investment per campaign (campaigns with no cost yet have none)."""
    language, fig = _start(frame, "campaign_roi", language)
    if fig is not None:
        return fig
    labels = _labels(language, name="campaign", roi="roi")
    fig = _express(px.bar, frame.dropna(subset=["roi"]), x="name", y="roi", title=_title(frame, "campaign_roi", language),
                 labels=labels, hover_data={"cost": True, "actual_revenue": True})
    _category_axis(fig)
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
    _category_axis(fig)
    fig.update_yaxes(rangemode="tozero")
    return _finish(fig, percent_axis="y")


def leaderboard(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the leaderboard — actual per rep or team in rank order, attainment on hover."""
    language, fig = _start(frame, "leaderboard", language)
    if fig is not None:
        return fig
    labels = _labels(language, name="rep", actual="actual", target="target", attainment="attainment")
    fig = _express(px.bar, frame, x="name", y="actual", title=_title(frame, "leaderboard", language), labels=labels,
                 hover_data={"rank": True, "target": True, "attainment": ":.1%"})
    _category_axis(fig)
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
    fig = _express(px.bar, frame, x="label", y="customers", title=title, labels=labels,
                   hover_data={"recency_days": ":.0f", "frequency": ":.1f", "monetary": ":,.0f"})
    _category_axis(fig)
    return _finish(fig)


def rfm(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the customers of an RFM report counted by segment (bars)."""
    language, fig = _start(frame, "rfm", language)
    if fig is not None:
        return fig
    counts = frame.groupby(["segment", "segment_label"], sort=False).size().reset_index(name="customers")
    labels = _labels(language, segment_label="segment", customers="customers")
    fig = _express(px.bar, counts, x="segment_label", y="customers", title=_title(frame, "rfm", language),
                   labels=labels)
    _category_axis(fig)
    return _finish(fig)


def cohorts(frame: pd.DataFrame, *, language: str | None = None) -> go.Figure:
    """R5: the cohort retention matrix as a heat map (rows: cohorts, columns: months since)."""
    language, fig = _start(frame, "cohorts", language)
    if fig is not None:
        return fig
    matrix = frame.pivot(index="cohort", columns="months_since", values="retention")
    note = None
    as_of = frame.attrs.get("as_of")
    if as_of is not None and (as_of + dt.timedelta(days=1)).month == as_of.month:
        # The month `as_of` falls in has only begun: its retention would read as a drop to (near) 0 %.
        for cohort in matrix.index:
            year, month = map(int, cohort.split("-"))
            months = (as_of.year - year) * 12 + as_of.month - month
            if months in matrix.columns:
                matrix.loc[cohort, months] = float("nan")
        note = i18n.t("chart.incomplete_month", language, month=f"{as_of:%Y-%m}")
    fig = _express(px.imshow, matrix, color_continuous_scale="Blues", zmin=0, zmax=1, aspect="auto",
                    title=_title(frame, "cohorts", language, note),
                    labels={"x": i18n.t("chart.months_since", language), "y": i18n.t("chart.cohort", language),
                            "color": i18n.t("chart.retention", language)})
    fig.update_coloraxes(colorbar_tickformat=".0%")
    fig.update_yaxes(type="category")          # cohorts are labels, not dates to spread over a time axis
    fig.update_xaxes(type="category")
    fig.update_layout(plot_bgcolor="#e8e8e8")  # a blank cell (no value yet) is grey, not the white of 0 %
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
