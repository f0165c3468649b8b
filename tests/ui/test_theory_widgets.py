"""The theory browser and the quiz widget, driven without a browser: set `.value`, `.click()`."""
from __future__ import annotations

import ipywidgets as widgets
import pytest

from crm_engine import CRM, i18n, theory
from crm_engine.ui.theory import QuestionBox, QuizWidget, TheoryBrowser


def markdown(browser: TheoryBrowser) -> str:
    (output,) = browser.content.outputs
    return output["data"]["text/markdown"]


def answer(box: QuestionBox, value) -> None:
    """Enter an answer the way a student would: pick options, tick boxes or type."""
    if box.question.kind == "multiple":
        for key, checkbox in box.choices.items():
            checkbox.value = key in value
    else:
        box.input.value = value


def right_answer(q: theory.Question):
    return q.answer if q.kind != "numeric" else theory.format_number(q.answer)


def wrong_answer(q: theory.Question):
    if q.kind == "single":
        return next(o.key for o in q.options if o.key != q.answer)
    if q.kind == "multiple":
        return [o.key for o in q.options]             # every option: one too many
    return str(q.answer + q.tolerance + 1)


def test_quiz_gives_immediate_feedback_per_question_and_keeps_score():
    quiz = QuizWidget("05_classification", "en")
    assert isinstance(quiz, widgets.VBox) and len(quiz.boxes) == len(theory.quiz("05_classification"))
    assert "0 of 6 answered correctly" in quiz.score.value
    first, second = quiz.boxes[0], quiz.boxes[1]
    answer(first, right_answer(first.question))
    first.check_button.click()
    assert "✔ Correct." in first.feedback.value
    assert first.question.explanation("en")[:30] in first.feedback.value
    answer(second, wrong_answer(second.question))
    second.check_button.click()
    assert "✘ Not quite." in second.feedback.value
    assert second.question.answer_text("en") in second.feedback.value.replace("&quot;", '"')
    assert quiz.correct == 1 and "1 of 6 answered correctly" in quiz.score.value
    answer(second, right_answer(second.question))
    second.check_button.click()
    assert quiz.correct == 2


@pytest.mark.parametrize("chapter", [c.id for c in theory.chapters()])
def test_every_quiz_accepts_right_answers_and_rejects_wrong_ones_in_the_widget(chapter):
    quiz = QuizWidget(chapter, "zh_CN")
    for box in quiz.boxes:
        answer(box, wrong_answer(box.question))
        box.check_button.click()
        assert box.result == theory.Check(False) and "回答有误" in box.feedback.value
        answer(box, right_answer(box.question))
        box.check_button.click()
        assert box.result == theory.Check(True) and "回答正确" in box.feedback.value
    assert quiz.correct == len(quiz.boxes)
    assert f"已答对 {len(quiz.boxes)} 题，共 {len(quiz.boxes)} 题" in quiz.score.value


def test_a_missing_answer_or_unreadable_number_asks_again_without_a_verdict():
    quiz = QuizWidget("01_what_is_crm", "en")
    single = next(b for b in quiz.boxes if b.question.kind == "single")
    single.check_button.click()
    assert single.result == theory.Check(False, valid=False) and "Choose an answer first" in single.feedback.value
    numeric = next(b for b in quiz.boxes if b.question.kind == "numeric")
    numeric.input.value = "about three thousand"
    numeric.check_button.click()
    assert "Enter one number" in numeric.feedback.value and quiz.correct == 0
    numeric.input.value = "¥3,000"
    numeric.check_button.click()
    assert numeric.result.correct


def test_numeric_input_shows_the_unit_and_multiple_choice_shows_every_option():
    quiz = QuizWidget("07_credit", "zh_CN")
    numeric = next(b for b in quiz.boxes if b.question.id == "credit.limit")
    assert isinstance(numeric.input, widgets.Text) and numeric.input.placeholder == "你的答案（元）"
    multiple = next(b for b in quiz.boxes if b.question.kind == "multiple")
    assert [c.description[:2] for c in multiple.choices.values()] == ["A.", "B.", "C.", "D.", "E."]
    assert "（多选）" in multiple.prompt.value


def test_switching_the_quiz_language_keeps_answers_and_verdicts():
    quiz = QuizWidget("13_churn", "en")
    box = next(b for b in quiz.boxes if b.question.kind == "single")
    answer(box, box.question.answer)
    box.check_button.click()
    quiz.set_language("zh_CN")
    assert box.input.value == box.question.answer
    assert "回答正确" in box.feedback.value and box.question.text("zh_CN") in box.prompt.value
    assert box.check_button.description == "核对答案" and "自测题" in quiz.title.value


def test_browser_lists_every_chapter_and_the_glossary_and_shows_the_first():
    browser = TheoryBrowser(language="en")
    assert isinstance(browser, widgets.VBox)
    ids = [value for _, value in browser.chapter_list.options]
    assert ids == [c.id for c in theory.chapters()] + ["glossary"]
    assert browser.chapter_list.label == "1. What CRM is"
    assert markdown(browser).startswith("# Chapter 1. What CRM is")
    assert browser.quiz is not None and browser.quiz.chapter.id == "01_what_is_crm"
    assert browser.quiz_area.children == (browser.quiz,)
    assert browser.previous_button.disabled and not browser.next_button.disabled


def test_choosing_a_chapter_shows_its_text_and_quiz():
    browser = TheoryBrowser(language="zh_CN")
    browser.chapter_list.value = "12_segmentation_rfm"
    assert markdown(browser).startswith("# 第 12 章 客户细分、标签与 RFM 分析")
    assert browser.quiz.chapter.id == "12_segmentation_rfm" and browser.quiz.language == "zh_CN"
    browser.next_button.click()
    assert browser.chapter_list.value == "13_churn" and browser.quiz.chapter.id == "13_churn"
    browser.previous_button.click()
    browser.previous_button.click()
    assert browser.chapter_list.value == "11_campaigns_and_targets"


def test_the_glossary_page_has_the_ui_terms_and_no_quiz():
    browser = TheoryBrowser(language="zh_CN", chapter="glossary")
    text = markdown(browser)
    assert text.startswith("# 术语表") and "(glossary" not in text
    assert f"| {i18n.t('role.supervisor', 'zh_CN')} | {i18n.t('role.supervisor', 'en')} |" in text
    assert browser.quiz is None and browser.quiz_area.children == ()
    assert browser.next_button.disabled and not browser.previous_button.disabled


def test_switching_language_redraws_list_chapter_and_quiz_but_keeps_the_answers():
    browser = TheoryBrowser(language="en", chapter="09_leads_and_pools")
    quiz = browser.quiz
    box = quiz.boxes[0]
    answer(box, box.question.answer)
    box.check_button.click()
    browser.language_toggle.value = "zh_CN"
    assert browser.quiz is quiz and box.input.value == box.question.answer and "回答正确" in box.feedback.value
    assert browser.chapter_list.value == "09_leads_and_pools"
    assert browser.chapter_list.label == "9. 销售线索、线索生命周期与线索池"
    assert markdown(browser).startswith("# 第 9 章")
    assert browser.next_button.description == "下一章 ▶" and "CRM 理论" in browser.title.value
    browser.set_language("en")
    assert browser.language_toggle.value == "en" and markdown(browser).startswith("# Chapter 9.")


def test_browser_starts_in_the_language_of_the_crm_session():
    crm = CRM.memory(today="2026-03-02", language="zh_CN")
    try:
        browser = TheoryBrowser(crm, chapter=3)
        assert browser.language == "zh_CN" and browser.language_toggle.value == "zh_CN"
        assert browser.chapter_list.value == "03_crm_systems"
    finally:
        crm.close()


def test_browser_explains_missing_theory_texts_instead_of_failing(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_LAB_THEORY", str(tmp_path))
    browser = TheoryBrowser(language="en")
    assert "The theory texts could not be loaded" in browser.message.value
    assert "CRM_LAB_THEORY" in browser.message.value
    assert browser.chapter_list.options == () and browser.quiz is None
