"""The statistics and reports dashboard, driven by its controls: every report draws a chart,
filters reach the engine, a bad filter is said in the form, an empty workspace says so in
the user's language, and a rep's dashboard covers only what the rep may see."""
import pytest

from crm_engine import CRM
from crm_engine.reports import REPORTS
from crm_engine.ui import app as app_module
from crm_engine.ui.reports import CONTROLS, ReportsDashboard
from tests.conftest import TODAY
from tests.engine.reports_helpers import build


@pytest.fixture(scope="module")
def company():
    crm = build(300, 6000, 400, seed=11)
    yield crm
    crm.close()


def plotted(view) -> dict:
    """The plotly JSON the view's Output holds — what JupyterLab draws."""
    (output,) = view.chart.outputs
    return output["data"]["application/vnd.plotly.v1+json"]


@pytest.mark.parametrize("report", REPORTS)
def test_every_report_draws_its_chart_in_the_view(company, report):
    view = ReportsDashboard(company.as_user("dong.li"))
    view.report.value = report
    assert view.error_text == "" and view.frame is not None and view.frame.attrs["report"] == report
    if report in ("attainment", "leaderboard"):
        view.controls["target_period"].value = "2026-02"
        if report == "leaderboard":
            view.controls["metric"].value = "order_amount"
    assert not view.frame.empty, report
    spec = plotted(view)
    assert spec["data"] and spec["layout"]["title"]["text"].startswith(company.t(f"report.{report}.title"))
    assert view.figure.layout.title.text == spec["layout"]["title"]["text"]
    assert "<table" in view.table.value and view.message.value == ""
    shown = {name for name, control in view.controls.items() if control.layout.display is None}
    assert shown == set(CONTROLS[report])


def test_filters_reach_the_engine(company):
    boss = company.as_user("dong.li")
    view = ReportsDashboard(boss)
    view.controls["region"].value = "east"
    assert set(view.frame["region"]) == {"east"}
    view.controls["region"].value = None
    view.controls["year"].value = 2025
    expected = boss.reports.contribution(year=2025, top=10)
    assert view.frame["customer_id"].tolist() == expected["customer_id"].tolist()
    assert list(view.figure.data[0].x) == expected["customer_name"].tolist()
    view.controls["kind"].value = "pie"
    assert view.figure.data[0].type == "pie" and plotted(view)["data"][0]["type"] == "pie"
    view.report.value = "composition"
    assert view.controls["kind"].value == "pie"                  # each report starts on its own default
    view.controls["by"].value = "region"
    assert view.frame.attrs["by"] == "region"
    assert view.frame["customers"].sum() == boss.customers.count()
    view.report.value = "service_analysis"
    view.controls["period"].value = "quarter"
    assert view.frame["period"].str.fullmatch(r"\d{4}-Q[1-4]").all()
    view.report.value = "attainment"
    view.controls["target_period"].value = "2026-02"
    assert set(view.frame["period"]) == {"2026-02"}


def test_a_bad_filter_is_said_in_the_form_and_marks_it(company):
    view = ReportsDashboard(company.as_user("dong.li"), report="churn_rate")
    view.controls["since"].value = "last spring"
    assert "must be a date written like 2026-03-01" in view.error_text and view.invalid_field == "since"
    assert view.chart.outputs == () and view.figure is None and view.table.value == ""
    view.controls["since"].value = "2025-01-01"
    assert view.error_text == "" and view.invalid_field is None and view.frame["period"].iloc[0] == "2025-01"
    view.report.value = "leaderboard"
    view.controls["target_period"].value = "Feb"
    assert "is not a period" in view.error_text and view.invalid_field == "target_period"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_nothing_to_show_is_said_in_the_users_language(language):
    crm = CRM.memory(today=TODAY, language=language)
    view = ReportsDashboard(crm)
    for report in REPORTS:
        view.report.value = report
        assert view.error_text == "", (report, view.error_text)
        message = crm.t(f"report.{report}.empty")
        assert message in view.message.value and view.table.value == ""
        assert view.figure.layout.annotations[0].text == message
        assert plotted(view)["layout"]["annotations"][0]["text"] == message
    if language == "zh_CN":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in view.report.label + view.message.value)


def test_a_reps_dashboard_covers_only_the_reps_customers(company):
    rep = company.as_user("rep0")
    view = ReportsDashboard(rep)
    view.controls["top"].value = 50
    assert set(view.frame["owner_id"]) == {rep.user.id}
    view.report.value = "composition"
    assert view.frame["customers"].sum() == rep.customers.count() < company.customers.count()
    view.report.value = "rfm"
    assert set(view.frame["owner_id"]) == {rep.user.id}


def test_the_dashboard_speaks_chinese(company):
    boss = company.as_user("dong.li")
    boss.set_language("zh_CN")
    view = ReportsDashboard(boss)
    assert view.report.label == "客户贡献分析" and view.controls["kind"].options[0][0] == "柱状图"
    assert view.figure.layout.title.text.startswith("客户贡献分析")
    assert "客户" in view.table.value


def test_the_reports_module_is_on_the_menu(company):
    shell = app_module.App(company.as_user("dong.li"))
    shell.menu.value = "reports"
    assert type(shell.view.dashboard).__name__ == "ReportsDashboard" and shell.view.dashboard.figure is not None
