"""The offline theory site in a real browser (issue 24): search finds words in both
languages, and a quiz is answered on the page with the notebook's feedback."""
from __future__ import annotations

import pytest

from crm_engine import theory

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    output = tmp_path_factory.mktemp("site")
    theory.build_site(output)
    return output


@pytest.mark.parametrize("language, query", [("zh_CN", "销售机会"), ("zh_CN", "流失预警"), ("en", "churn")])
def test_search_finds_pages_in_both_languages(site, page, language, query):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((site / language / "search.html").as_uri() + f"?q={query}")
    page.wait_for_selector("#search-results ul li", timeout=30_000)
    assert page.locator("#search-results ul li").count() >= 1
    page.wait_for_selector("#search-results ul li p.context", timeout=30_000)   # snippets, from file://
    assert query in page.locator("#search-results ul li p.context").first.inner_text()
    assert not errors                                      # e.g. "ChineseStemmer is not defined"


def test_a_quiz_is_answered_on_the_page_with_the_notebooks_feedback(site, page):
    page.goto((site / "zh_CN" / "12_segmentation_rfm.html").as_uri())
    numeric = page.locator("form#quiz-segmentation_rfm\\.recency-days")
    feedback = numeric.locator(".crm-quiz-feedback")
    numeric.locator("button").click()
    assert feedback.inner_text() == "请填写一个数值，例如 62.5（前后可以带 %、¥ 等单位）。"
    numeric.locator("input[type=text]").fill("31 天")
    numeric.locator("button").click()
    assert "回答有误。" in feedback.inner_text() and "答案：30 天" in feedback.inner_text()
    numeric.locator("input[type=text]").fill("30")
    numeric.locator("button").click()
    assert "回答正确。" in feedback.inner_text() and "共 30 天" in feedback.inner_text()
    single = page.locator("form#quiz-segmentation_rfm\\.important-retention")
    single.locator("input[value=c]").check()
    single.locator("button").click()
    assert "回答正确。" in single.locator(".crm-quiz-feedback").inner_text()
