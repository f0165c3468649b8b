"""Charts of the reports: one plotly figure per report, translated, honest when empty,
and visible both in JupyterLab and in exported HTML (nbconvert / nbgrader feedback) offline."""
import pathlib
import shutil

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

ROOT = pathlib.Path(__file__).parents[2]
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
    frame = company.reports.cohorts(since="2025-06-01", months=4, as_of="2026-02-28")   # every month complete
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
    """Execute a small notebook headless (as nbgrader does): each figure is saved as its JSON only
    (JupyterLab's plotly extension draws it); exported with the course's nbconvert setting, the
    HTML has plotly.js once and every figure's data."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in NOTEBOOK]
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    figures = [o for cell in nb.cells for o in cell.outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 2
    assert "plotly.js v" not in nbformat.writes(nb)                  # nothing of plotly.js in the saved notebook
    html, _ = exporter_of_the_course().from_notebook_node(nb)
    (tmp_path / "feedback.html").write_text(html, encoding="utf-8")
    assert html.count("* plotly.js v") == 1                        # the library, embedded once
    assert html.count("Plotly.newPlot(") == 2                      # both figures
    assert "Partner" in html and "Ordinary customer" in html        # with their data
    assert "TeX-AMS-MML_SVG" not in html and 'src="https://cdn.plot.ly' not in html   # no plotly.js from a CDN
    assert "plotly.js v" not in nbformat.writes(nb)                  # exporting changed a copy only


def exporter_of_the_course() -> HTMLExporter:
    """The HTML exporter as nbgrader's feedback builds it: configured by the course's nbgrader_config.py."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    return HTMLExporter(config=config)


def test_the_course_and_the_lab_server_export_figures_with_plotly_once():
    from crm_engine.ui import chart_export
    assert exporter_of_the_course().preprocessors == [chart_export.NAME]
    assert f"--HTMLExporter.preprocessors={chart_export.NAME}" in (ROOT / "crmlab.sh").read_text("utf-8")
    assert f"--HTMLExporter.preprocessors={chart_export.NAME}" in (ROOT / "jupyterhub_config.py").read_text("utf-8")


def test_a_figure_saved_as_json_is_drawn_in_html_and_plotly_js_comes_once():
    from crm_engine.ui import chart_export
    from crm_engine.ui.reports import figure_output
    fig = charts.composition(CRM.memory(today=TODAY).reports.composition())
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fig", outputs=[
        nbformat.from_dict(figure_output(fig)), nbformat.from_dict(figure_output(fig))])])
    html, _ = chart_export.html_exporter().from_notebook_node(nb)
    assert html.count("* plotly.js v") == 1 and html.count("Plotly.newPlot(") == 2
    assert "text/html" not in nb.cells[0].outputs[0].data                # the notebook itself is unchanged
    old = nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", {"text/html": "<script>/** * plotly.js v3 */</script>"})])
    nb.cells.insert(0, old)                                            # saved with the old set-up: already has it
    html, _ = chart_export.html_exporter().from_notebook_node(nb)
    assert html.count("* plotly.js v") == 1


REPORTS_NOTEBOOK = ROOT / "notebooks" / "40_reports.ipynb"
# Why 1.5 MB: plotly.js alone is 4.8 MB (1.96 MB even gzipped and base64-encoded), so any copy of it in
# the notebook fails; what 40_reports holds without it (figure JSON, the dashboard's widget state,
# tables) is ~0.25 MB, which leaves room for more reports and charts.
SAVED_LIMIT = 1_500_000


@pytest.mark.slow
def test_the_reports_notebook_is_small_when_saved_and_its_html_export_has_the_charts(tmp_path):
    folder = tmp_path / "notebooks"
    shutil.copytree(REPORTS_NOTEBOOK.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.duckdb*"))
    nb = nbformat.read(folder / REPORTS_NOTEBOOK.name, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(nb, folder / REPORTS_NOTEBOOK.name)
    size = (folder / REPORTS_NOTEBOOK.name).stat().st_size
    print(f"40_reports.ipynb saved after Run All: {size / 1e6:.2f} MB")
    assert size < SAVED_LIMIT
    figures = sum("application/vnd.plotly.v1+json" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert figures >= 3
    html, _ = exporter_of_the_course().from_notebook_node(nb)
    assert html.count("* plotly.js v") == 1 and html.count("Plotly.newPlot(") == figures


# -- issue #20: honest periods, axes from zero, Chinese dates, the Pareto line, long names ------------
def test_the_current_incomplete_month_is_blank_in_the_cohort_map_and_the_title_says_so(company):
    frame = company.reports.cohorts(since="2025-10-01")          # today is 2026-03-02: March has two days
    assert str(frame.attrs["as_of"]) == TODAY
    fig = charts.cohorts(frame)
    matrix = pd.DataFrame(fig.data[0].z, index=list(fig.data[0].y), columns=list(fig.data[0].x))
    march = {"2025-10": 5, "2025-11": 4, "2025-12": 3, "2026-01": 2, "2026-02": 1, "2026-03": 0}
    assert len(matrix) >= 3
    for cohort in matrix.index:
        months = march[cohort]
        assert pd.isna(matrix.loc[cohort, months]), cohort            # not a 0 % retention
        assert months == 0 or matrix.loc[cohort, 0] == 1.0            # the complete months keep their values
    assert "2026-03" in fig.layout.title.text and "incomplete" in fig.layout.title.text
    zh = charts.cohorts(frame, language="zh_CN")
    assert "不完整" in zh.layout.title.text
    on_month_end = company.reports.cohorts(since="2025-10-01", as_of="2026-02-28")
    whole = on_month_end.pivot(index="cohort", columns="months_since", values="retention")
    z = pd.DataFrame(charts.cohorts(on_month_end).data[0].z)               # February is complete: nothing blanked
    assert z.fillna(-1).values.tolist() == whole.fillna(-1).values.tolist()


def test_an_all_zero_churn_rate_has_an_axis_from_zero(company):
    frame = company.reports.churn_rate(since="2023-05-01", until="2023-08-31")
    assert frame["churn_rate"].fillna(0).eq(0).all()
    fig = charts.churn_rate(frame)
    assert tuple(fig.layout.yaxis.range) == (0, 1)                     # not −100 % … 100 %
    busy = charts.churn_rate(company.reports.churn_rate())
    assert busy.layout.yaxis.rangemode == "tozero" and busy.layout.yaxis.range is None


def test_month_ticks_are_chinese_in_chinese_charts(company):
    frame = company.reports.churn_rate()
    zh = charts.churn_rate(frame, language="zh_CN")
    assert zh.layout.xaxis.type == "date" and "年" in zh.layout.xaxis.tickformat
    assert "年" in zh.layout.xaxis.hoverformat
    en = charts.churn_rate(frame, language="en")
    assert "年" not in (en.layout.xaxis.tickformat or "")
    quarters = charts.churn_rate(company.reports.churn_rate("quarter"), language="zh_CN")
    assert quarters.layout.xaxis.type == "category"                    # "2026-Q1" is not a date
    tickets = charts.service_analysis(company.reports.service_analysis(), language="zh_CN")
    assert "年" in tickets.layout.xaxis.tickformat


def test_the_contribution_bars_carry_the_cumulative_pareto_line(company):
    frame = company.reports.contribution(year=2025)
    fig = charts.contribution(frame, top=8)
    line = fig.data[1]
    assert line.type == "scatter" and line.yaxis == "y2"
    assert list(line.y) == pytest.approx(frame["cumulative_share"].head(8).tolist())
    assert fig.layout.yaxis2.overlaying == "y" and fig.layout.yaxis2.tickformat == ".0%"
    assert line.name == "Cumulative share"
    assert charts.contribution(frame, top=8, language="zh_CN").data[1].name == "累计占比"
    assert go.Figure(fig.to_dict()).to_dict() == fig.to_dict()        # still valid for plotly


def test_long_category_names_are_shortened_on_the_axis_and_whole_on_hover():
    crm = CRM.memory(today=TODAY)
    crm.admin.add_user("dong.li", "Dong Li", role="director")
    boss = crm.as_user("dong.li")
    long = "Shenzhen Great Wall International Precision Instruments Import and Export Co., Ltd."
    for name, level in [("Alpha", "partner"), ("Beta", "ordinary")]:
        boss.customers.add(name, level=level)
    frame = boss.reports.composition("level")
    frame.loc[0, "label"] = long                                         # a dictionary name can be this long
    fig = charts.composition(frame, kind="bar")
    axis = fig.layout.xaxis
    assert axis.tickmode == "array" and list(axis.tickvals) == frame["label"].tolist()
    assert all(charts.display_width(text) <= charts.LABEL_WIDTH for text in axis.ticktext)
    assert axis.ticktext[0].endswith("…") and long in list(fig.data[0].x)   # the hover keeps the full name
    assert charts.display_width("深圳长城国际精密仪器进出口贸易有限公司") == 38           # a CJK character is two columns


def test_long_slice_names_are_cut_in_the_pie_legend_kept_apart_and_whole_on_hover():
    crm = CRM.memory(today=TODAY)
    crm.admin.add_user("dong.li", "Dong Li", role="director")
    boss = crm.as_user("dong.li")
    for name, level in [("Alpha", "partner"), ("Beta", "ordinary"), ("Gamma", "key_account")]:
        boss.customers.add(name, level=level)
    frame = boss.reports.composition("level")
    frame = frame[frame["customers"] > 0].reset_index(drop=True)
    prefix = "Shenzhen Great Wall International Precision Instruments "
    frame.loc[0, "label"], frame.loc[1, "label"] = prefix + "North", prefix + "South"
    pie = charts.composition(frame).data[0]
    assert all(charts.display_width(n) <= charts.LABEL_WIDTH for n in pie.labels)
    assert len(set(pie.labels)) == len(pie.labels)                     # two slices, not one merged
    assert [c[0] for c in pie.customdata][:2] == [prefix + "North", prefix + "South"]
    assert "%{customdata[0]}" in pie.hovertemplate
