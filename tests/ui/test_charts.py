"""Charts of the reports: one plotly figure per report, translated, honest when empty,
and visible both in JupyterLab and in exported HTML (nbconvert / nbgrader feedback) offline."""
import nbformat
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from crm_engine import CRM, InvalidInput
from crm_engine.reports import REPORTS
from crm_engine.ui import charts

from tests.conftest import TODAY
from tests.engine.reports_helpers import build

CALLS = {"contribution": {"year": 2025}, "composition": {"by": "region"}, "service_analysis": {},
         "churn_analysis": {}, "churn_rate": {}, "funnel": {}, "win_rate": {}, "pipeline": {"by": "team"}, "campaign_roi": {},
         "attainment": {"period": "2026-02"}, "leaderboard": {"period": "2026-02", "metric": "order_amount"},
         "rfm": {}, "rfm_segments": {}, "cohorts": {"since": "2025-01-01"}}


@pytest.fixture(scope="module")
def company():
    crm = build(600, 12_000, 1200, seed=3)
    yield crm
    crm.close()


def test_every_report_has_a_chart():
    assert set(charts.CHARTS) == set(REPORTS) == set(CALLS)


@pytest.mark.parametrize("report", sorted(CALLS))
@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_each_report_draws_with_translated_title_and_axes(company, report, language):
    crm = company.as_user("dong.li")
    crm.set_language(language)
    frame = getattr(crm.reports, report)(**CALLS[report])
    assert not frame.empty, report
    fig = charts.figure(frame)
    assert isinstance(fig, go.Figure) and len(fig.data) >= 1
    title = fig.layout.title.text
    assert title.startswith(crm.t(f"report.{report}.title"))
    if language == "zh_CN":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title)
    if report not in ("composition", "churn_analysis"):      # pies have no axes
        axis = fig.layout.xaxis.title.text or ""
        assert axis and (language == "en" or any("\u4e00" <= ch <= "\u9fff" for ch in axis)), (report, axis)
    fig.to_json()   # serialisable: what the notebook output will hold


def test_bar_and_pie_for_contribution_and_composition(company):
    crm = company.as_user("dong.li")
    crm.set_language("en")  # one language per workspace: an earlier test may have switched it (issue #20)
    frame = crm.reports.contribution(year=2025)
    bar = charts.contribution(frame, top=5)
    assert bar.data[0].type == "bar" and list(bar.data[0].x) == frame["customer_name"].head(5).tolist()
    pie = charts.contribution(frame, kind="pie", top=5)
    assert pie.data[0].type == "pie" and pie.data[0].labels[-1] == "All others"
    assert sum(pie.data[0].values) == pytest.approx(frame["net_amount"].sum())
    top_only = crm.reports.contribution(year=2025, top=5)        # "all others" from the shares, not the rows
    assert sum(charts.contribution(top_only, kind="pie").data[0].values) == pytest.approx(frame["net_amount"].sum())
    for fig in (bar, pie):   # built without plotly's checks (charts._unchecked): they must pass them
        assert go.Figure(fig.to_dict()).to_dict() == fig.to_dict()
        assert fig.layout.template.layout.paper_bgcolor == "white"
    composition = crm.reports.composition("level")
    assert charts.composition(composition).data[0].type == "pie"
    assert list(charts.composition(composition, kind="bar").data[0].y) == composition["customers"].tolist()


def test_cohort_heat_map_holds_the_matrix(company):
    frame = company.reports.cohorts(since="2025-06-01", months=4)
    fig = charts.cohorts(frame)
    matrix = frame.pivot(index="cohort", columns="months_since", values="retention")
    assert list(fig.data[0].y) == matrix.index.tolist()
    assert pd.DataFrame(fig.data[0].z).fillna(-1).values.tolist() == matrix.fillna(-1).values.tolist()


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_an_empty_report_is_a_figure_that_says_so(language):
    crm = CRM.memory(today=TODAY)
    crm.set_language(language)
    for report in REPORTS:
        params = {k: v for k, v in CALLS[report].items() if k in ("period",)}
        frame = getattr(crm.reports, report)(**params)
        assert frame.empty
        fig = charts.figure(frame)
        assert fig.layout.annotations[0].text == frame.attrs["empty_message"], report
        assert fig.layout.title.text == crm.t(f"report.{report}.title")


def test_language_can_be_chosen_for_the_chart(company):
    frame = company.reports.composition("level")
    assert charts.composition(frame, language="zh_CN").layout.title.text.startswith("客户构成分析")
    empty = CRM.memory(today=TODAY).reports.rfm()
    assert charts.rfm(empty, language="zh_CN").layout.annotations[0].text.startswith("暂无数据")


def test_a_frame_that_is_not_a_report_is_refused():
    with pytest.raises(InvalidInput, match="not a report"):
        charts.figure(pd.DataFrame({"x": [1]}))


def test_the_offline_renderer_embeds_no_scripts_from_the_internet():
    fig = charts.composition(CRM.memory(today=TODAY).reports.composition())
    html = pio.renderers[charts.RENDERER].to_mimebundle(fig.to_dict())["text/html"]
    assert "Plotly.newPlot" in html
    assert "https://" not in html          # no plotly.js or MathJax from a CDN
    assert len(html) < 50_000              # plotly.js itself is embedded once, by setup_notebook()


def test_charts_set_up_the_notebook_only_inside_a_kernel(monkeypatch):
    calls = []
    monkeypatch.setattr(charts, "_configured", False)
    monkeypatch.setattr(charts, "setup_notebook", lambda: calls.append("setup"))
    monkeypatch.delenv("PLOTLY_RENDERER", raising=False)
    import IPython
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    charts._ensure_setup()
    assert calls == []                                              # plain Python: nothing displayed
    monkeypatch.setattr(IPython, "get_ipython", lambda: type("Shell", (), {"kernel": object()})())
    charts._ensure_setup()
    assert calls == ["setup"]                                       # a Jupyter kernel: set up once
    monkeypatch.setenv("PLOTLY_RENDERER", "png")
    charts._ensure_setup()
    assert calls == ["setup"]                                       # someone chose a renderer: leave it


def test_setup_outside_a_kernel_prints_nothing(capsys):
    before = pio.renderers.default
    charts.setup_notebook()
    assert capsys.readouterr().out == ""                             # no 5 MB of plotly.js on a terminal
    assert pio.renderers.default == before


NOTEBOOK = [
    "from crm_engine import CRM\nfrom crm_engine.ui import charts\ncharts.setup_notebook()",
    "crm = CRM.memory(today='2026-03-02')\ncrm.admin.add_user('dong.li', 'Dong Li', role='director')\n"
    "boss = crm.as_user('dong.li')\n"
    "for name, level in [('Alpha', 'ordinary'), ('Beta', 'partner'), ('Gamma', 'partner')]:\n"
    "    boss.customers.add(name + ' Trading', level=level)\n"
    "charts.composition(crm.reports.composition('level'))",
    "charts.composition(crm.reports.composition('level'), kind='bar')",
]


@pytest.mark.slow
def test_figures_show_in_jupyterlab_and_in_exported_html_offline(tmp_path):
    """Execute a small notebook headless (as nbgrader does), export it with nbconvert, and find
    plotly.js embedded once and every figure's data in the HTML."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK]
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    figures = [o for cell in nb.cells for o in cell.outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 2
    assert all("text/html" in o["data"] for o in figures)          # JupyterLab draws the JSON, nbconvert the HTML
    html, _ = HTMLExporter().from_notebook_node(nb)
    (tmp_path / "feedback.html").write_text(html, encoding="utf-8")
    assert html.count("* plotly.js v") == 1                        # the library, embedded once
    assert html.count("Plotly.newPlot(") == 2                      # both figures
    assert "Partner" in html and "Ordinary customer" in html        # with their data
    assert "TeX-AMS-MML_SVG" not in html                           # no MathJax from plotly's CDN
