"""Report and list tables as people read them (issue #20): every code named and every header
translated in the session's language, the share shown once, `title` headed for what it is."""
import pandas as pd
import pytest

from crm_engine.ui import labels

from tests.engine.reports_helpers import build
from tests.ui.test_charts import CALLS

CODES = {"north", "strategic_partner", "signed", "trade_show", "important_value", "active", "completed",
         "ordinary", "key_account", "order_amount", "user"}
# Ids and bookkeeping columns the views hide; everything else must have a translated header.
IDS = {"id", "set_by", "created_by", "rank", "rfm", "r_score", "f_score", "m_score"}


@pytest.fixture(scope="module")
def company():
    crm = build(300, 4000, 400, seed=5)
    yield crm
    crm.close()


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("report", sorted(CALLS))
def test_every_report_table_names_its_codes_and_headers_in_chinese(company, report):
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    frame = getattr(crm.reports, report)(**CALLS[report])
    shown = labels.localize(crm, frame)
    cells = {str(v) for column in shown.columns for v in shown[column].tolist()}
    assert not cells & CODES, (report, cells & CODES)
    raw = [c for c in shown.columns if c in frame.columns and c not in IDS and not c.endswith("_id")]
    assert raw == [], (report, raw)                       # every header translated
    untranslated = [h for h in shown.columns if not _cjk(h) and h not in ("R", "F", "M", "RFM", "ID")
                    and h not in frame.columns]
    assert untranslated == [], (report, untranslated)


def test_composition_shows_the_group_under_its_name_and_the_share_once(company):
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    frame = crm.reports.composition("region")
    shown = labels.localize(crm, frame)
    assert list(shown.columns) == ["地区", "客户数", "占比"]
    assert "华北" in shown["地区"].tolist() and "north" not in shown["地区"].tolist()
    assert list(frame.columns) == ["code", "label", "customers", "share", "percent"]     # the report is untouched
    crm.set_language("en")
    assert labels.localize(crm, crm.reports.composition("level")).columns[0] == "Customer level"


def test_contribution_names_region_level_and_the_account_manager(company):
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    shown = labels.localize(crm, crm.reports.contribution(year=2025))
    assert set(shown["地区"]) <= set(crm.dictionary.list("region")["label"])
    assert set(shown["客户级别"]) <= set(crm.dictionary.list("customer_level")["label"])
    assert "客户经理" in shown.columns


def test_campaigns_name_type_and_state_and_date_headers(company):
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    frame = crm.reports.campaign_roi()
    shown = labels.localize(crm, frame)
    assert "trade_show" in frame["campaign_type"].tolist()
    assert "展会" in " ".join(shown["活动类型"].tolist()) or set(shown["活动类型"]).isdisjoint(frame["campaign_type"])
    assert set(shown["状态"]) <= {crm.t(f"state.campaign.{s}") for s in frame["state"]}
    assert {"开始日期", "结束日期", "创建日期", "负责人"} <= set(shown.columns)


def test_rfm_shows_the_segment_once_by_name(company):
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    shown = labels.localize(crm, crm.reports.rfm())
    assert "重要价值客户" in shown["RFM 细分"].tolist()
    assert list(shown.columns).count("RFM 细分") == 1


@pytest.mark.parametrize("language, contract, task, person", [("en", "Title", "Task", "Job title"),
                                                              ("zh_CN", "标题", "任务内容", "职务")])
def test_a_title_is_headed_for_what_it_is(company, language, contract, task, person):
    crm = company.as_user("dong.li")
    crm.set_language(language)
    assert labels.header(crm, "title", "contract") == contract
    assert labels.header(crm, "title", "task") == task
    assert labels.header(crm, "title", "address_book") == person
    assert labels.header(crm, "title") == contract                  # unknown kind: not a person's job title


def test_a_contract_list_names_its_state_and_headers(company):
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    frame = pd.DataFrame({"contract_no": ["C-1"], "title": ["Supply 2026"], "status": ["signed"],
                          "start_date": ["2026-01-01"], "owner_name": ["Rep 1"]})
    shown = labels.localize(crm, frame, "contract")
    assert list(shown.columns) == ["合同编号", "标题", "状态", "开始日期", "客户经理"]
    assert shown.iloc[0, 2] == crm.t("state.contract.signed") and shown.iloc[0, 2] != "signed"
    assert frame.iloc[0, 2] == "signed"                               # a copy: the caller's frame is untouched


def test_an_unknown_code_stays_as_it_is(company):
    crm = company.as_user("dong.li")
    frame = pd.DataFrame({"region": ["north", "atlantis", None]})
    assert labels.values(crm, frame)["region"].tolist()[:2] == [crm.dictionary.label("region", "north"), "atlantis"]


def test_the_dashboard_table_says_what_its_chart_says(company):
    from crm_engine.ui.reports import ReportsDashboard
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    view = ReportsDashboard(crm, "composition")
    view.set("by", "region")
    table = view.result.table                                          # the kit table's head and body
    assert "华北" in table and ">north<" not in table
    assert table.count("%") == len(view.frame)                         # one share column, as a percentage
    view.set("report", "campaign_roi")
    assert "trade_show" not in view.result.table and "开始日期" in view.result.table


def test_the_dashboard_chart_names_the_codes_of_a_cut_too(company):
    from crm_engine.ui.reports import ReportsDashboard
    crm = company.as_user("dong.li")
    crm.set_language("zh_CN")
    view = ReportsDashboard(crm, "win_rate")
    view.set("by", "source")
    assert "trade_show" in view.frame["source"].tolist()                 # the report keeps its codes
    shown = [str(x) for trace in view.figure.data for x in trace.x]
    assert "trade_show" not in shown and crm.dictionary.label("lead_source", "trade_show") in shown
    view.set("report", "rfm")
    assert len(view.figure.data[0].x) >= 2                                # a chart that groups by code still draws
