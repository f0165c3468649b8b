"""The statistics and reports dashboard on the kit, driven by its inputs as the browser drives them:
every report draws a chart and a formatted table beside it, filters reach the engine, a bad filter
is said in the form beside the input, an empty workspace says so in the user's language, a role the
sharing policy gives nothing says so, and a rep's dashboard covers only what the rep may see."""
import pytest

from crm_engine import CRM
from crm_engine.reports import REPORTS
from crm_engine.ui import app as app_module
from crm_engine.ui.reports import CONTROLS, FIELDS, ReportsDashboard
from tests.conftest import TODAY
from tests.engine.reports_helpers import build
from tests.ui.kit_helpers import has, texts


@pytest.fixture(scope="module")
def company():
    crm = build(300, 6000, 400, seed=11)
    yield crm
    crm.close()


def plotted(view) -> dict:
    """The plotly JSON the view's Output holds — what JupyterLab draws."""
    (output,) = chart(view).outputs
    return output["data"]["application/vnd.plotly.v1+json"]


def chart(view):
    return view.rc.find(meta_ref="chart").widget


def table(view) -> str:
    found = view.rc.find(meta_ref="report-table")
    return found.widget.unsafe_innerHTML if found.widgets else ""


def empty(view) -> str:
    found = view.rc.find(meta_ref="report-empty")
    return " ".join(texts(found.widget)) if found.widgets else ""


def inputs(view) -> set:
    """The filters the view shows (by engine field name)."""
    return {field for field in FIELDS.values() if has(view.rc, f"field-{field}")}


@pytest.mark.parametrize("report", REPORTS)
def test_every_report_draws_its_chart_in_the_view(company, report):
    view = ReportsDashboard(company.as_user("dong.li"))
    view.set("report", report)
    assert view.error_text == "" and view.frame is not None and view.frame.attrs["report"] == report
    if report in ("attainment", "leaderboard"):
        view.set("target_period", "2026-02")
        if report == "leaderboard":
            view.set("metric", "order_amount")
    assert not view.frame.empty, report
    spec = plotted(view)
    assert spec["data"] and spec["layout"]["title"]["text"].startswith(company.t(f"report.{report}.title"))
    assert view.figure.layout.title.text == spec["layout"]["title"]["text"]
    assert "<th" in table(view) and empty(view) == ""
    assert inputs(view) == {FIELDS[name] for name in CONTROLS[report]}
    # nothing raw in the table: no None / nan / <NA>, no field names as headers
    cells = texts(view.rc.find(meta_ref="report-table").widget)
    assert not {"None", "nan", "<NA>", "NaN"} & set(cells)
    assert not any("_" in header for header in cells[:len(view.frame.columns)]), cells


def test_filters_reach_the_engine(company):
    boss = company.as_user("dong.li")
    view = ReportsDashboard(boss)
    view.set("region", "east")
    assert set(view.frame["region"]) == {"east"}
    view.set("region", None)
    view.set("year", 2025)
    expected = boss.reports.contribution(year=2025, top=10)
    assert view.frame["customer_id"].tolist() == expected["customer_id"].tolist()
    assert list(view.figure.data[0].x) == expected["customer_name"].tolist()
    view.set("kind", "pie")
    assert view.figure.data[0].type == "pie" and plotted(view)["data"][0]["type"] == "pie"
    view.set("report", "composition")
    assert view.rc.find(meta_ref="field-report_kind").widget.v_model == "pie"   # each report on its own default
    view.set("by", "region")
    assert view.frame.attrs["by"] == "region"
    assert view.frame["customers"].sum() == boss.customers.count()
    view.set("report", "service_analysis")
    view.set("period", "quarter")
    assert view.frame["period"].str.fullmatch(r"\d{4}-Q[1-4]").all()
    view.set("report", "attainment")
    view.set("target_period", "2026-02")
    assert set(view.frame["period"]) == {"2026-02"}


def test_a_bad_filter_is_said_in_the_form_and_marks_it(company):
    view = ReportsDashboard(company.as_user("dong.li"), report="churn_rate")
    view.set("since", "last spring")
    assert "must be a date written like 2026-03-01" in view.error_text and view.invalid_field == "since"
    assert chart(view).outputs == () and view.figure is None and table(view) == ""
    # said beside the input it is about: the input is marked and the alert is in the form
    assert view.rc.find(meta_ref="field-since").widget.error_messages == [view.error_text]
    assert view.error_text in texts(view.rc.find(meta_ref="report-message").widget)
    view.set("since", "2025-01-01")
    assert view.error_text == "" and view.invalid_field is None and view.frame["period"].iloc[0] == "2025-01"
    view.set("report", "leaderboard")
    view.set("target_period", "Feb")
    assert "is not a period" in view.error_text and view.invalid_field == "target_period"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_nothing_to_show_is_said_in_the_users_language(language):
    crm = CRM.memory(today=TODAY, language=language)
    view = ReportsDashboard(crm)
    for report in REPORTS:
        view.set("report", report)
        assert view.error_text == "", (report, view.error_text)
        message = crm.t(f"report.{report}.empty")
        assert message in empty(view) and table(view) == ""
        assert view.figure.layout.annotations[0].text == message
        assert plotted(view)["layout"]["annotations"][0]["text"] == message
    if language == "zh_CN":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in empty(view))


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_a_role_the_sharing_policy_gives_nothing_is_told_so(company, language):
    """Finance reads no service tickets: its service analysis says so, not an empty table."""
    finance = company.as_user(company.admin.users().query("role == 'finance'")["username"].iloc[0])
    finance.set_language(language)
    view = ReportsDashboard(finance, report="service_analysis")
    said = empty(view)
    assert finance.t("ui.reports.not_shared", role=finance.t("role.finance"),
                     records=finance.t("ui.reports.records.ticket")) == said
    assert table(view) == ""
    view.set("report", "contribution")           # customers it does see: a table, no such sentence
    assert empty(view) == "" and "<th" in table(view)


def test_a_reps_dashboard_covers_only_the_reps_customers(company):
    rep = company.as_user("rep0")
    view = ReportsDashboard(rep)
    view.set("top", 50)
    assert set(view.frame["owner_id"]) == {rep.user.id}
    view.set("report", "composition")
    assert view.frame["customers"].sum() == rep.customers.count() < company.customers.count()
    view.set("report", "rfm")
    assert set(view.frame["owner_id"]) == {rep.user.id}


def test_the_dashboard_speaks_chinese(company):
    boss = company.as_user("dong.li")
    boss.set_language("zh_CN")
    view = ReportsDashboard(boss)
    shown = texts(view)
    assert "报表" in shown and "柱状图" in shown
    assert view.figure.layout.title.text.startswith("客户贡献分析")
    assert "客户" in table(view)
    view.set("report", "composition")
    view.set("by", "region")
    # the table names regions as the chart does (华北), never the code (north)
    cells = texts(view.rc.find(meta_ref="report-table").widget)
    assert "north" not in cells and any(boss.dictionary.label("region", "north") == c for c in cells)


def test_the_reports_module_is_on_the_menu(company):
    shell = app_module.App(company.as_user("dong.li"))
    shell.menu.value = "reports"
    assert type(shell.view.dashboard).__name__ == "ReportsDashboard" and shell.view.dashboard.figure is not None
