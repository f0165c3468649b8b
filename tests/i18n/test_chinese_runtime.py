"""What a Chinese-reading student sees at run time (issue 24): an error message, a feedback
line and a report label, rendered by the engine in Chinese — full-width punctuation, the
glossary's terms, no bare English codes."""
from __future__ import annotations

import re

import plotly.graph_objects as go
import pytest

from crm_engine.errors import CRMError
from crm_engine.course.grading import Facts
from crm_engine.i18n import translate
from crm_engine.course.rubrics.outcomes import a5_chart

from .test_chinese import BANNED, latin_words

STAR = 1                                   # a customer of the test company (tests/conftest.py)
HALF_NEXT_TO_CHINESE = re.compile(r"[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]")


def message(call) -> str:
    with pytest.raises(CRMError) as refused:
        call()
    return refused.value.message("zh_CN")


def chinese_ok(text: str) -> None:
    assert not HALF_NEXT_TO_CHINESE.search(text), text
    # Quoted values (“Star Tech”, what the user typed) are data, not the message's words.
    assert "您" not in text and not latin_words(re.sub(r"“[^”]*”", "", text)), text


def test_a_churn_error_in_chinese(crm):
    crm.set_language("zh_CN")
    crm.orders.add(STAR, [{"product": "NB-14", "quantity": 1}], order_date="2025-08-01")
    crm.churn.scan()
    warning = int(crm.churn.list(customer_id=STAR).iloc[0]["id"])
    text = message(lambda: crm.churn.confirm(warning, "price"))
    chinese_ok(text)
    assert "流失预警" in text and "暂缓流失" in text and "：" in text and "，" in text
    assert crm.churn.list(customer_id=STAR).iloc[0]["state"] == "warning"     # refused: nothing changed
    assert translate("state.churn.warning", "zh_CN") == "预警中"


def test_a_choice_error_shows_chinese_labels_with_the_codes(crm):
    crm.set_language("zh_CN")
    crm.orders.add(STAR, [{"product": "NB-14", "quantity": 1}], order_date="2025-08-01")
    crm.churn.scan()
    warning = int(crm.churn.list(customer_id=STAR).iloc[0]["id"])
    crm.churn.suspend(warning, "上门拜访，了解原因，给予 5% 折扣")
    text = message(lambda: crm.churn.confirm(warning, "no_such_reason"))
    chinese_ok(text)
    reasons = crm.dictionary.list("churn_reason")
    first = reasons.iloc[0]
    assert f"{first['label']}（{first['code']}）" in text and "、" in text and "：" in text
    english = message(lambda: crm.churn.confirm(warning, "no_such_reason"))
    assert first["code"] in english
    segment = message(lambda: crm.reports.rfm(segment="champions"))
    chinese_ok(segment)
    assert "重要价值客户（important_value）" in segment and "一般挽留客户（general_winback）" in segment


def test_a_feedback_line_in_chinese(crm):
    facts = Facts.of(crm, "zh_CN")
    mark = a5_chart(facts, False, fig=go.Figure(go.Bar(x=list("ABCDE"), y=[5, 4, 3, 2, 1])))
    assert mark.lines == ["一张包含 5 个数值的柱状图。"]
    pie = a5_chart(facts, False, fig=go.Figure(go.Pie(labels=list("ABC"), values=[1, 2, 3])))
    assert pie.lines == ["一张包含 3 个数值的饼图。"]
    english = a5_chart(Facts.of(crm, "en"), False, fig=go.Figure(go.Bar(y=[1, 2, 3])))
    assert english.lines == ["A bar chart with 3 values."]
    chinese_ok(translate("fb.a5.important_value", "zh_CN", n=3, right=2, total=4))


def test_a_report_label_in_chinese(crm):
    crm.set_language("zh_CN")
    for day in ("2026-02-20", "2026-02-25"):
        crm.orders.add(STAR, [{"product": "NB-14", "quantity": 3}], order_date=day)
    crm.orders.add(2, [{"product": "NB-14", "quantity": 1}], order_date="2025-06-01")
    labels = crm.reports.rfm_segments()["label"].tolist()
    assert labels[0] == "重要价值客户" and labels[-1] == "一般挽留客户"
    rows = crm.reports.rfm().set_index("customer_id")
    assert rows.loc[STAR, "segment_label"] == "重要价值客户" and rows.loc[2, "segment_label"] == "一般挽留客户"
    for label in labels:
        chinese_ok(label)


def test_dictionary_values_in_a_fresh_workspace(crm):
    """The dictionary the migrations seed (and 009_zh_terms corrects) reads as the glossary says."""
    names = crm._s.db.rows("SELECT kind, code, name_zh FROM dictionary")
    assert names
    for kind, code, name in names:
        assert not HALF_NEXT_TO_CHINESE.search(name), (kind, code, name)
        for pattern, use, _ in BANNED:
            assert not re.search(pattern, name), (kind, code, name, use)
    stages = dict(crm._s.db.rows("SELECT code, name_zh FROM dictionary WHERE kind = 'opportunity_stage'"))
    assert stages["negotiation"] == "商务谈判"


def test_assignment_5_asks_for_the_important_value_customers_of_the_rfm_report(crm):
    """a5's check names the same segment as the report and the chapter (重要价值客户)."""
    import datetime as dt

    from crm_engine.course.rubrics.outcomes import a5_rfm

    for customer, day, quantity in ((STAR, "2026-02-20", 5), (STAR, "2026-02-25", 5), (2, "2025-06-01", 1),
                                    (3, "2025-12-01", 1)):
        crm.orders.add(customer, [{"product": "NB-14", "quantity": quantity}], order_date=day)
    since = crm.today() - dt.timedelta(days=365)
    report = crm.reports.rfm(since=since)
    answer = report.loc[report["segment"] == "important_value", "customer_id"].tolist()
    assert STAR in answer
    facts = Facts.of(crm, "zh_CN")
    mark = a5_rfm(facts, False, rfm=report[["customer_id", "recency_days", "frequency", "monetary"]],
                  important_value=answer)
    assert mark.share == pytest.approx(1.0)
    assert any("重要价值客户" in line for line in mark.lines)
    for line in mark.lines:
        chinese_ok(line)
    wrong = a5_rfm(facts, False, rfm=report[["customer_id", "recency_days", "frequency", "monetary"]],
                   important_value=[2])
    assert wrong.share < 1.0
