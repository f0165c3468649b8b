"""CRM theory in JupyterLab (T1): the self-check quiz and the theory browser.

    from crm_engine.ui.theory import TheoryBrowser, QuizWidget
    TheoryBrowser(language="zh_CN")          # chapter list → chapter text + its quiz
    QuizWidget("05_classification")          # one chapter's quiz on its own

Texts, questions and answer checking come from `crm_engine.theory`; this module
only lays them out. A chapter is shown as Markdown in an `Output` widget, so
JupyterLab renders its tables and headings.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from .. import i18n, theory, validate

GLOSSARY = theory.GLOSSARY_ID


def _t(key: str, language: str, **params) -> str:
    return i18n.t(key, language, **params)


def _markdown_output(text: str, title: str) -> tuple[dict, ...]:
    """Output-widget content that JupyterLab renders as Markdown (no kernel needed to set it)."""
    return ({"output_type": "display_data", "metadata": {},
             "data": {"text/markdown": text, "text/plain": title}},)


class QuestionBox(widgets.VBox):
    """One question: its prompt, an answer input, a Check button and the feedback.

    `input` is a RadioButtons (single choice; `.value` is the option key), a Text
    (numeric) or a VBox of the Checkboxes in `choices` (multiple choice, by key).
    """

    def __init__(self, question: theory.Question, number: int, language: str, on_check=None):
        self.question, self.number, self.language = question, number, language
        self.result: theory.Check | None = None
        self._on_check = on_check
        self.prompt = widgets.HTML()
        self.choices: dict[str, widgets.Checkbox] = {}
        if question.kind == "single":
            self.input = widgets.RadioButtons(options=self._options(), value=None,
                                              layout=widgets.Layout(width="auto"))
        elif question.kind == "multiple":
            self.choices = {o.key: widgets.Checkbox(value=False, indent=False, layout=widgets.Layout(width="auto"))
                            for o in question.options}
            self.input = widgets.VBox(list(self.choices.values()))
        else:
            self.input = widgets.Text(layout=widgets.Layout(width="16em"))
        self.check_button = widgets.Button(icon="check")
        self.feedback = widgets.HTML()
        self.check_button.on_click(self._check)
        super().__init__([self.prompt, self.input, self.check_button, self.feedback],
                         layout=widgets.Layout(margin="0 0 1em 0"))
        self._render()

    def answer(self):
        """What the student has entered: an option key, a list of keys, or the typed text."""
        if self.question.kind == "multiple":
            return [key for key, box in self.choices.items() if box.value]
        return self.input.value

    def set_language(self, language: str) -> None:
        """Show the question in another language, keeping the answer and the verdict."""
        self.language = validate.language(language)
        self._render()

    # -- events ---------------------------------------------------------------------------
    def _check(self, _button=None) -> None:
        self.result = theory.check_answer(self.question, self.answer())
        self._render_feedback()
        if self._on_check is not None:
            self._on_check(self)

    # -- drawing ------------------------------------------------------------------------
    def _options(self) -> list[tuple[str, str]]:
        return [(f"{o.key.upper()}. {o.text(self.language)}", o.key) for o in self.question.options]

    def _render(self) -> None:
        q, language = self.question, self.language
        kind = _t("theory.kind_note", language, kind=_t(f"theory.kind.{q.kind}", language))   # （多选）
        self.prompt.value = f"<b>{self.number}.</b> {html.escape(q.text(language))} <i>{html.escape(kind)}</i>"
        if q.kind == "single":
            chosen = self.input.value
            self.input.options = self._options()
            self.input.value = chosen
        elif q.kind == "multiple":
            for option in q.options:
                self.choices[option.key].description = f"{option.key.upper()}. {option.text(language)}"
        else:
            unit = q.unit(language)
            self.input.placeholder = _t("theory.your_number_in", language, unit=unit) if unit else \
                _t("theory.your_number", language)
        self.check_button.description = _t("theory.check", language)
        self._render_feedback()

    def _render_feedback(self) -> None:
        language, result = self.language, self.result
        if result is None:
            self.feedback.value = ""
        elif not result.valid:
            key = "theory.not_a_number" if self.question.kind == "numeric" else "theory.no_choice"
            self.feedback.value = f'<span style="color:#b26b00">{html.escape(_t(key, language))}</span>'
        else:
            verdict = _t("theory.correct" if result.correct else "theory.wrong", language)
            answer = _t("theory.answer_is", language, answer=self.question.answer_text(language))
            color, mark = ("#1a7f37", "✔") if result.correct else ("#c62828", "✘")
            self.feedback.value = (f'<div style="color:{color}"><b>{mark} {html.escape(verdict)}</b> '
                                   f"{html.escape(answer)}</div>"
                                   f"<div>{html.escape(self.question.explanation(language))}</div>")


class QuizWidget(widgets.VBox):
    """A chapter's self-check quiz: every question with its own Check button and
    immediate feedback, and a running score."""

    def __init__(self, chapter_id, language: str | None = None):
        self.chapter = theory.chapter(chapter_id)
        self.language = validate.language(language or i18n.default_language())
        self.title = widgets.HTML()
        self.boxes = [QuestionBox(q, number, self.language, on_check=self._on_check)
                      for number, q in enumerate(theory.quiz(self.chapter.id), start=1)]
        self.score = widgets.HTML()
        super().__init__([self.title, *self.boxes, self.score])
        self._render()

    @property
    def correct(self) -> int:
        """How many questions are answered correctly (at their last check)."""
        return sum(1 for box in self.boxes if box.result is not None and box.result.correct)

    def set_language(self, language: str) -> None:
        self.language = validate.language(language)
        for box in self.boxes:
            box.set_language(self.language)
        self._render()

    def _on_check(self, _box: QuestionBox) -> None:
        self._render()

    def _render(self) -> None:
        self.title.value = f"<h3>{html.escape(_t('theory.quiz', self.language))}</h3>"
        self.score.value = "<b>" + html.escape(_t("theory.score", self.language, correct=self.correct,
                                                   total=len(self.boxes))) + "</b>"


class TheoryBrowser(widgets.VBox):
    """The CRM theory: a chapter list beside the chosen chapter and its quiz, in English
    or Chinese. Pass a `crm` to start in its session's language.

    `chapter_list.value` is the chapter id shown (or `"glossary"`); `language_toggle.value`
    the language; `quiz` the current chapter's `QuizWidget` (None on the glossary).
    """

    def __init__(self, crm=None, *, language: str | None = None, chapter: str | None = None):
        language = language or (crm.language if crm is not None else i18n.default_language())
        self.language = validate.language(language)
        self.quiz: QuizWidget | None = None
        self._relabelling = False
        self.title = widgets.HTML()
        self.language_toggle = widgets.ToggleButtons(
            options=[(name, code) for code, name in i18n.LANGUAGE_NAMES.items()], value=self.language)
        self.chapter_list = widgets.Select(rows=18, layout=widgets.Layout(width="19em", flex="0 0 auto"))
        self.previous_button = widgets.Button()
        self.next_button = widgets.Button()
        self.content = widgets.Output(layout=widgets.Layout(width="100%"))
        self.quiz_area = widgets.VBox()
        self.message = widgets.HTML()
        body = widgets.VBox([widgets.HBox([self.previous_button, self.next_button]), self.content, self.quiz_area],
                            layout=widgets.Layout(flex="1 1 auto", min_width="0", padding="0 0 0 1em"))
        super().__init__([widgets.HBox([self.title, self.language_toggle]), self.message,
                          widgets.HBox([self.chapter_list, body])])
        try:
            chapters = theory.chapters()
        except (theory.TheoryNotFound, theory.TheoryDataError) as error:
            self.message.value = ('<span style="color:#c62828">'
                                  + html.escape(_t("theory.missing", self.language, detail=str(error))) + "</span>")
            self._ids: list[str] = []
            self._render_labels()
            return
        self._ids = [c.id for c in chapters] + [GLOSSARY]
        self._render_labels()
        self.chapter_list.observe(self._on_chapter, names="value")
        self.language_toggle.observe(self._on_language, names="value")
        self.previous_button.on_click(lambda _b: self._step(-1))
        self.next_button.on_click(lambda _b: self._step(1))
        self.show(chapter or self._ids[0])

    def show(self, chapter_id) -> None:
        """Show a chapter (by id or number) with its quiz, or the glossary (`"glossary"`)."""
        chapter_id = GLOSSARY if chapter_id == GLOSSARY else theory.chapter(chapter_id).id
        if self.chapter_list.value != chapter_id:
            self.chapter_list.value = chapter_id  # the observer draws it
        else:
            self._render_chapter(chapter_id)

    def set_language(self, language: str) -> None:
        """Switch the language of the list, the chapter and the quiz (answers are kept)."""
        self.language = validate.language(language)
        if self.language_toggle.value != self.language:
            self.language_toggle.value = self.language  # observed: comes back here once
            return
        self._render_labels()
        if not self._ids:
            return
        current = self.chapter_list.value
        if current == GLOSSARY:
            self.content.outputs = _markdown_output(theory.glossary_markdown(self.language, labels=False),
                                                    _t("theory.glossary", self.language))
        else:
            found = theory.chapter(current)
            self.content.outputs = _markdown_output(theory.chapter_markdown(found.id, self.language),
                                                    found.title(self.language))
            if self.quiz is not None:
                self.quiz.set_language(self.language)

    # -- events ---------------------------------------------------------------------------
    def _on_chapter(self, change) -> None:
        if not self._relabelling and change["new"] is not None:
            self._render_chapter(change["new"])

    def _on_language(self, change) -> None:
        self.set_language(change["new"])

    def _step(self, offset: int) -> None:
        position = self._ids.index(self.chapter_list.value) + offset
        if 0 <= position < len(self._ids):
            self.chapter_list.value = self._ids[position]

    # -- drawing ------------------------------------------------------------------------
    def _render_chapter(self, chapter_id: str) -> None:
        language = self.language
        if chapter_id == GLOSSARY:
            text, title, self.quiz = theory.glossary_markdown(language, labels=False), _t("theory.glossary", language), None
        else:
            found = theory.chapter(chapter_id)
            text, title = theory.chapter_markdown(found.id, language), found.title(language)
            self.quiz = QuizWidget(found.id, language)
        self.content.outputs = _markdown_output(text, title)
        self.quiz_area.children = [] if self.quiz is None else [self.quiz]
        position = self._ids.index(chapter_id)
        self.previous_button.disabled = position == 0
        self.next_button.disabled = position == len(self._ids) - 1

    def _render_labels(self) -> None:
        language = self.language
        self.title.value = f"<h2 style='margin:0 1em 0 0'>{html.escape(_t('module.theory', language))}</h2>"
        self.previous_button.description = _t("theory.previous", language)
        self.next_button.description = _t("theory.next", language)
        if not self._ids:
            self.chapter_list.options = []
            return
        labels = {c.id: f"{c.number}. {c.title(language)}" for c in theory.chapters()}
        labels[GLOSSARY] = _t("theory.glossary", language)
        current = self.chapter_list.value
        # New options reset the selection; put it back without redrawing the chapter (and its quiz).
        self._relabelling = True
        try:
            self.chapter_list.options = [(labels[i], i) for i in self._ids]
            if current is not None:
                self.chapter_list.value = current
        finally:
            self._relabelling = False
