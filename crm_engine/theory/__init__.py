"""CRM theory (T1): the chapters, their self-check quizzes and the glossary, as data.

    from crm_engine import theory
    [c.id for c in theory.chapters()]              # '01_what_is_crm', …
    theory.chapter_markdown("05_classification", "zh_CN")
    q = theory.question("classification.a-customers")
    theory.check_answer(q, "3").correct             # True or False
    theory.build_site("build/theory-site")          # the offline HTML site

The texts live in the repository's `theory/` folder (an installed wheel carries
a copy, see `crm_engine.courseware`): `chapters.toml` (the order of the chapters
and the CRM modules each one practises), `en/` and `zh_CN/` (one Markdown file per chapter and language),
`quizzes/<chapter>.toml` (the questions, both languages side by side) and
`conf.py` (the Sphinx settings of the site). Set `CRM_LAB_THEORY` to use
another folder.

Chapters are plain Markdown plus one MyST feature: a `(label)=` line before
each heading, so both languages share the same anchors. Links between chapters
are ordinary Markdown links (`[ABC grades](05_classification.md#classification-abc)`).
This module only reads and checks; nothing here imports ipywidgets or Sphinx
(`build_site` imports Sphinx when it runs).
"""
from __future__ import annotations

from .site import build_site
from .contents import (
    GLOSSARY_GROUPS,
    GLOSSARY_ID,
    KINDS,
    LABEL_LINE,
    LANGUAGES,
    Chapter,
    Check,
    GlossaryEntry,
    Option,
    Question,
    SiteBuildError,
    TheoryDataError,
    TheoryNotFound,
    chapter,
    chapter_markdown,
    chapter_source,
    chapters,
    check_answer,
    format_number,
    glossary,
    glossary_markdown,
    headings,
    parse_number,
    question,
    questions,
    quiz,
    quiz_markdown,
    score,
    theory_dir,
)

__all__ = [
    "GLOSSARY_GROUPS", "GLOSSARY_ID", "KINDS", "LABEL_LINE", "LANGUAGES", "Chapter", "Check", "GlossaryEntry",
    "Option", "Question", "SiteBuildError", "TheoryDataError", "TheoryNotFound", "build_site", "chapter",
    "chapter_markdown", "chapter_source", "chapters", "check_answer", "format_number", "glossary",
    "glossary_markdown", "headings", "parse_number", "question", "questions", "quiz", "quiz_markdown", "score",
    "theory_dir",
]
