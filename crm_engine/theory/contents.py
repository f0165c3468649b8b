"""The theory's texts as data: where they are, the chapters (Markdown, both languages), their self-check
quizzes with answer checking, and the glossary drawn from the UI's own catalogue. The package's docstring
(`crm_engine.theory`) says how the texts are laid out."""
from __future__ import annotations

import html
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import courseware, i18n, validate
from ..errors import CRMError

LANGUAGES = i18n.LANGUAGES
KINDS = ("single", "multiple", "numeric")
GLOSSARY_ID = "glossary"
GLOSSARY_GROUPS = ("module", "role", "kind", "state")

# A MyST label line, `(label)=`, put before each heading so both languages share the anchors.
LABEL_LINE = re.compile(r"^\((?P<label>[A-Za-z][\w-]*)\)=\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]]+)\]\((?P<target>[^)\s]+)\)")
_NUMBER = re.compile(r"^[^\d+\-.]*?(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)[^\d]*$")


class TheoryNotFound(FileNotFoundError):
    """The theory texts (the repository's `theory/` folder) are not where they should be."""


class TheoryDataError(ValueError):
    """A chapter or quiz file breaks the format; the message names the file and the entry."""


class SiteBuildError(RuntimeError):
    """Sphinx reported warnings or errors while building the theory site."""


# -- where the texts are ------------------------------------------------------------------
def theory_dir() -> Path:
    """The folder with the theory texts: `$CRM_LAB_THEORY`, else the courseware's `theory/`."""
    configured = os.environ.get("CRM_LAB_THEORY")
    if configured:
        folder = Path(configured)
    else:
        try:
            folder = courseware.find("theory")
        except CRMError as error:
            raise TheoryNotFound(str(error)) from None
    if not (folder / "chapters.toml").is_file():
        raise TheoryNotFound(i18n.t("theory.not_found", path=str(folder / "chapters.toml")))
    return folder


# -- chapters ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Chapter:
    """One chapter: its id (the file name), number, titles and the CRM modules it practises."""

    id: str
    number: int
    titles: Mapping[str, str]
    modules: tuple[str, ...]

    @property
    def slug(self) -> str:
        """The id without its number: the prefix of the chapter's anchors and question ids."""
        return self.id.split("_", 1)[1]

    def title(self, language: str) -> str:
        return self.titles[validate.language(language)]

    def path(self, language: str) -> Path:
        return theory_dir() / validate.language(language) / f"{self.id}.md"


def _stamp(*paths: Path) -> tuple:
    """When the files last changed: part of the cache keys, so an edited text shows without a restart."""
    return tuple(path.stat().st_mtime_ns if path.exists() else None for path in paths)


def _toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise TheoryDataError(f"{path.name} is not valid TOML: {error}") from None


@lru_cache(maxsize=64)
def _chapters(folder: Path, stamp: tuple) -> tuple[Chapter, ...]:
    index = _toml(folder / "chapters.toml")
    found = []
    for number, entry in enumerate(index.get("chapter", []), start=1):
        chapter_id = entry["id"]
        if not re.fullmatch(rf"{number:02d}_[a-z][a-z_]*", chapter_id):
            raise TheoryDataError(f"chapters.toml: chapter {number} has id {chapter_id!r}; "
                                  f"ids are '{number:02d}_<name>' in order")
        titles = {}
        for language in LANGUAGES:
            path = folder / language / f"{chapter_id}.md"
            if not path.is_file():
                raise TheoryDataError(f"chapter {chapter_id} has no {language} text ({path})")
            first = path.read_text("utf-8").lstrip().splitlines()[0]
            if not first.startswith("# "):
                raise TheoryDataError(f"{path}: the first line must be the chapter title ('# …')")
            titles[language] = first[2:].strip()
        found.append(Chapter(chapter_id, number, titles, tuple(entry.get("modules", ()))))
    return tuple(found)


def chapters() -> list[Chapter]:
    """All chapters in reading order."""
    folder = theory_dir()
    return list(_chapters(folder, _stamp(folder / "chapters.toml", *sorted(folder.glob("*/*.md")))))


def chapter(chapter_id: str | int) -> Chapter:
    """One chapter by id (`'05_classification'`), name (`'classification'`) or number (`5`)."""
    for found in chapters():
        if chapter_id in (found.id, found.number, found.slug):
            return found
    raise KeyError(f"There is no theory chapter {chapter_id!r}; "
                   f"chapters are {', '.join(c.id for c in chapters())}")


def chapter_source(chapter_id: str, language: str) -> str:
    """The chapter's Markdown as written (MyST labels included)."""
    return chapter(chapter_id).path(language).read_text("utf-8")


def headings(text: str) -> list[tuple[int, str | None, str]]:
    """(level, label or None, heading text) of every heading, skipping fenced code."""
    found, label, fenced = [], None, False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            continue
        if match := LABEL_LINE.match(line):
            label = match["label"]
            continue
        if match := _HEADING.match(line):
            found.append((len(match["hashes"]), label, match["text"]))
        if line.strip():
            label = None
    return found


def chapter_markdown(chapter_id: str, language: str) -> str:
    """The chapter as plain Markdown for a notebook: numbered title, labels removed, links
    to other chapters turned into "*text* (chapter N)", links within the chapter into text."""
    language = validate.language(language)
    by_file = {f"{c.id}.md": c for c in chapters()}

    def link(match: re.Match) -> str:
        target = match["target"]
        if target.startswith(("http://", "https://", "mailto:")):
            return match[0]
        other = by_file.get(target.split("#", 1)[0])
        if other is None:
            return match["text"]
        return f"*{match['text']}*{i18n.t('theory.chapter_ref', language, number=other.number)}"

    this = chapter(chapter_id)
    lines = [line for line in chapter_source(this.id, language).splitlines() if not LABEL_LINE.match(line)]
    lines[0] = "# " + i18n.t("theory.chapter_heading", language, number=this.number, title=this.title(language))
    return _LINK.sub(link, "\n".join(lines)).strip() + "\n"


# -- quizzes ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    key: str
    texts: Mapping[str, str]

    def text(self, language: str) -> str:
        return self.texts[validate.language(language)]


@dataclass(frozen=True)
class Question:
    """One self-check question; `answer` is an option key, a tuple of keys, or a number."""

    id: str
    chapter: str
    kind: str
    texts: Mapping[str, str]
    options: tuple[Option, ...]
    answer: str | tuple[str, ...] | float
    tolerance: float
    units: Mapping[str, str]
    explanations: Mapping[str, str]

    def text(self, language: str) -> str:
        return self.texts[validate.language(language)]

    def unit(self, language: str) -> str:
        return self.units.get(validate.language(language), "")

    def explanation(self, language: str) -> str:
        return self.explanations[validate.language(language)]

    def option(self, key: str) -> Option:
        return next(o for o in self.options if o.key == key)

    def answer_text(self, language: str) -> str:
        """The correct answer as a student reads it: 'B. …', 'A. …; C. …' or '67 (± 1) %'."""
        if self.kind == "numeric":
            value = format_number(self.answer) + (f" (± {format_number(self.tolerance)})" if self.tolerance else "")
            unit = self.unit(language)
            return f"{value} {unit}".strip()
        keys = (self.answer,) if self.kind == "single" else self.answer
        separator = i18n.t("theory.answer_separator", language)
        return separator.join(f"{k.upper()}. {self.option(k).text(language)}" for k in keys)


@dataclass(frozen=True)
class Check:
    """The verdict on one answer. `valid` is False when the answer could not be read at all
    (no option chosen, or no number in the text); then `correct` is False too."""

    correct: bool
    valid: bool = True


def _both(entry: Mapping, what: str, where: str) -> dict[str, str]:
    texts = {language: entry.get(language) for language in LANGUAGES}
    missing = [language for language, text in texts.items() if not isinstance(text, str) or not text.strip()]
    if missing:
        raise TheoryDataError(f"{where}: {what} has no {', '.join(missing)} text")
    return {language: text.strip() for language, text in texts.items()}


def _question(entry: Mapping, chapter_: Chapter, where: str) -> Question:
    qid, kind = entry.get("id", ""), entry.get("kind")
    where = f"{where}, question {qid or '?'}"
    if not re.fullmatch(rf"{re.escape(chapter_.slug)}\.[a-z0-9][a-z0-9-]*", qid):
        raise TheoryDataError(f"{where}: ids look like '{chapter_.slug}.<name>'")
    if kind not in KINDS:
        raise TheoryDataError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    options = tuple(Option(key, _both(texts, f"option {key}", where))
                    for key, texts in entry.get("options", {}).items())
    keys = [o.key for o in options]
    answer = entry.get("answer")
    tolerance = entry.get("tolerance", 0)
    if kind == "numeric":
        if options or isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
            raise TheoryDataError(f"{where}: a numeric question has a number as answer and no options")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or tolerance < 0:
            raise TheoryDataError(f"{where}: tolerance must be a number ≥ 0")
        answer = float(answer)
    else:
        if len(options) < 2 or any(not re.fullmatch(r"[a-z]", k) for k in keys):
            raise TheoryDataError(f"{where}: a choice question needs options a, b, c …")
        chosen = [answer] if kind == "single" else answer
        if (kind == "single" and not isinstance(answer, str)) or not isinstance(chosen, list) or not chosen \
                or any(k not in keys for k in chosen) or len(set(chosen)) != len(chosen):
            raise TheoryDataError(f"{where}: the answer must name {'one option' if kind == 'single' else 'options'} "
                                  f"among {', '.join(keys)}")
        answer = answer if kind == "single" else tuple(sorted(chosen))
    units = _both(entry["unit"], "unit", where) if "unit" in entry else {}
    return Question(qid, chapter_.id, kind, _both(entry, "the question", where), options, answer,
                    float(tolerance), units, _both(entry.get("explanation", {}), "the explanation", where))


@lru_cache(maxsize=256)
def _quiz(folder: Path, chapter_id: str, stamp: tuple) -> tuple[Question, ...]:
    path = folder / "quizzes" / f"{chapter_id}.toml"
    if not path.is_file():
        raise TheoryDataError(f"chapter {chapter_id} has no quiz ({path})")
    found = tuple(_question(entry, chapter(chapter_id), path.name)
                  for entry in _toml(path).get("question", []))
    if len({q.id for q in found}) != len(found):
        raise TheoryDataError(f"{path.name}: two questions share an id")
    return found


def quiz(chapter_id: str) -> list[Question]:
    """The self-check questions that close a chapter, in order."""
    folder, found = theory_dir(), chapter(chapter_id)
    return list(_quiz(folder, found.id, _stamp(folder / "quizzes" / f"{found.id}.toml")))


def questions() -> list[Question]:
    """Every question of every chapter (for assignments that reuse them)."""
    return [q for c in chapters() for q in quiz(c.id)]


def question(question_id: str) -> Question:
    """One question by its id, e.g. `'rfm.recency-days'`."""
    slug = question_id.split(".", 1)[0]
    for c in chapters():
        if c.slug == slug:
            for q in quiz(c.id):
                if q.id == question_id:
                    return q
    raise KeyError(f"There is no theory question {question_id!r}")


def parse_number(text) -> float | None:
    """The one number in a student's answer, or None: '62.5', '62.5%', '¥1,200', '１２００ 元'."""
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float)):
        return float(text) if math.isfinite(text) else None
    cleaned = unicodedata.normalize("NFKC", str(text)).replace(",", "").replace("_", "")
    cleaned = re.sub(r"\s+", "", cleaned).replace("−", "-")
    match = _NUMBER.match(cleaned)
    return float(match["number"]) if match else None


def format_number(value: float) -> str:
    """A number as the texts write it: thousands separated, no trailing zeros (144,000; 62.5)."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.10g}"


def _keys(answer) -> list[str] | None:
    if answer is None:
        return None
    if isinstance(answer, str):
        answer = re.split(r"[\s,;，、；]+", answer.strip()) if re.search(r"[\s,;，、；]", answer.strip()) \
            else list(answer.strip())
    if not isinstance(answer, Iterable):
        return None
    keys = [str(k).strip().lower() for k in answer if str(k).strip()]
    return keys or None


def check_answer(question_: Question | str, answer) -> Check:
    """Whether `answer` is right: an option key ('b'), keys (['a', 'c'] or 'a, c'), or a number
    (a float, or text such as '62.5 %'; right within the question's tolerance)."""
    q = question(question_) if isinstance(question_, str) else question_
    if q.kind == "numeric":
        value = parse_number(answer)
        if value is None:
            return Check(False, valid=False)
        return Check(abs(value - q.answer) <= q.tolerance + 1e-9 * max(1.0, abs(q.answer)))
    keys = _keys(answer)
    if not keys:
        return Check(False, valid=False)
    if q.kind == "single":
        return Check(len(keys) == 1 and keys[0] == q.answer)
    return Check(tuple(sorted(set(keys))) == q.answer)


def score(answers: Mapping[str, object]) -> int:
    """How many of the answers (question id → answer) are right."""
    return sum(check_answer(qid, answer).correct for qid, answer in answers.items())


def _quiz_form(q: Question, language: str, t) -> str:
    """A form to answer `q` on the site, checked by theory/_static/crm_quiz.js with the
    notebook's feedback texts (the <details> block below stays for reading without JS)."""
    attr = lambda value: html.escape(str(value), quote=True)  # noqa: E731
    data = {"kind": q.kind, "correct": t("theory.correct"), "wrong": t("theory.wrong"),
            "no-choice": t("theory.no_choice"), "not-a-number": t("theory.not_a_number"),
            "answer-is": t("theory.answer_is", answer=q.answer_text(language)), "explanation": q.explanation(language),
            "answer": q.answer if q.kind == "numeric" else ",".join(sorted([q.answer] if q.kind == "single" else q.answer)),
            "tolerance": q.tolerance if q.kind == "numeric" else 0}
    if q.kind == "numeric":
        inputs = f'<input type="text" name="answer" aria-label="{attr(t("theory.your_number"))}">'
    else:
        kind = "radio" if q.kind == "single" else "checkbox"
        inputs = " ".join(f'<label><input type="{kind}" name="answer" value="{o.key}"> {o.key.upper()}</label>'
                          for o in q.options)
    fields = " ".join(f'data-{k}="{attr(v)}"' for k, v in data.items())
    return (f'<form class="crm-quiz" id="quiz-{attr(q.id)}" {fields}>{inputs} '
            f'<button type="submit">{attr(t("theory.check"))}</button>'
            f'<div class="crm-quiz-feedback" aria-live="polite"></div></form>')


def quiz_markdown(chapter_id: str, language: str) -> str:
    """The chapter's quiz for the static site: each answer folded away in a <details> block."""
    c, t = chapter(chapter_id), (lambda key, **p: i18n.t(key, language, **p))
    out = [f"({c.slug}-quiz)=", f"## {t('theory.quiz')}", "", t("theory.quiz_intro"), ""]
    for number, q in enumerate(quiz(chapter_id), start=1):
        out += [f"**{number}.** {q.text(language)} *{t('theory.kind_note', kind=t(f'theory.kind.{q.kind}'))}*", ""]
        out += [f"- {o.key.upper()}. {o.text(language)}" for o in q.options]
        out += ["", _quiz_form(q, language, t)]
        out += ["", f"<details><summary>{t('theory.show_answer')}</summary>", "",
                f"**{t('theory.answer_is', answer=q.answer_text(language))}**", "", q.explanation(language), "",
                "</details>", ""]
    return "\n".join(out)


# -- the glossary, from the UI's own catalogue ----------------------------------------------
@dataclass(frozen=True)
class GlossaryEntry:
    key: str
    group: str
    identifier: str
    terms: Mapping[str, str]


def glossary() -> list[GlossaryEntry]:
    """The terms of the CRM's user interface (`module.*`, `role.*`, `kind.*`, `state.<kind>.*`)
    from the i18n catalogue, in catalogue order within each group."""
    entries = []
    for key, texts in i18n.catalog().items():
        group, _, identifier = key.partition(".")
        if group in GLOSSARY_GROUPS and identifier:
            terms = {language: texts.get(language) or texts["en"] for language in LANGUAGES}
            entries.append(GlossaryEntry(key, group, identifier, terms))
    return sorted(entries, key=lambda e: GLOSSARY_GROUPS.index(e.group))


def glossary_markdown(language: str, *, labels: bool = True) -> str:
    """The glossary page: one table per group, states grouped by kind of record.
    `labels=False` leaves out the MyST anchors (for a notebook)."""
    language = validate.language(language)
    t = lambda key, **p: i18n.t(key, language, **p)  # noqa: E731
    cell = lambda text: text.replace("|", "\\|")  # noqa: E731
    first, second = language, next(lang for lang in LANGUAGES if lang != language)
    header = [f"| {i18n.LANGUAGE_NAMES[first]} | {i18n.LANGUAGE_NAMES[second]} | "
              f"{t('theory.glossary_identifier')} |", "|---|---|---|"]
    out = [f"({GLOSSARY_ID})=", f"# {t('theory.glossary')}", "", t("theory.glossary_intro"), ""]
    entries = glossary()
    sections: list[tuple[str, str, list[GlossaryEntry]]] = []
    for group in ("module", "role", "kind"):
        sections.append((f"glossary-{group}", t(f"theory.group.{group}"), [e for e in entries if e.group == group]))
    states = [e for e in entries if e.group == "state"]
    for kind in dict.fromkeys(e.identifier.partition(".")[0] for e in states):
        kind_name = t(f"kind.{kind}") if f"kind.{kind}" in i18n.catalog() else kind
        sections.append((f"glossary-state-{kind.replace('_', '-')}", t("theory.group.state", kind=kind_name),
                         [e for e in states if e.identifier.partition(".")[0] == kind]))
    for label, title, rows in sections:
        if rows:
            out += [f"({label})=", f"## {title}", "", *header]
            out += [f"| {cell(e.terms[first])} | {cell(e.terms[second])} | `{e.key}` |" for e in rows]
            out.append("")
    return "\n".join(line for line in out if labels or not LABEL_LINE.match(line))
