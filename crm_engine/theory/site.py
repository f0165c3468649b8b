"""The theory as an offline HTML site (`crm-lab theory-site`): each language's chapters with their quiz and
the glossary staged as Sphinx sources, built with Sphinx and MyST-Parser (the `theory` extra), made to work
from the file system."""
from __future__ import annotations

import importlib
import io
import json
import re
import shutil
import tempfile
import warnings as warnings_module
from pathlib import Path

from .. import i18n
from .contents import (
    GLOSSARY_ID,
    LANGUAGES,
    SiteBuildError,
    chapter_source,
    chapters,
    glossary_markdown,
    quiz_markdown,
    theory_dir,
)


# -- the offline site ---------------------------------------------------------------------
def _stage(folder: Path, staging: Path, language: str) -> None:
    """Write one language's Sphinx sources: chapters with their quiz, the glossary, the index."""
    other = next(lang for lang in LANGUAGES if lang != language)
    switch = '<p class="language-switch"><a href="../{lang}/{page}.html">{name}</a></p>'
    target = staging / language
    target.mkdir(parents=True)
    for c in chapters():
        text = chapter_source(c.id, language).rstrip()
        title, _, body = text.partition("\n")
        page = [title, "", switch.format(lang=other, page=c.id, name=i18n.LANGUAGE_NAMES[other]),
                body.rstrip(), "", quiz_markdown(c.id, language)]
        (target / f"{c.id}.md").write_text("\n".join(page), "utf-8")
    (target / f"{GLOSSARY_ID}.md").write_text(glossary_markdown(language), "utf-8")
    intro = (folder / language / "index.md").read_text("utf-8").rstrip()
    title, _, body = intro.partition("\n")
    toc = ["```{toctree}", ":maxdepth: 1", ":numbered: 1", "", *(c.id for c in chapters()), "```", "",
           "```{toctree}", ":maxdepth: 1", "", GLOSSARY_ID, "```", ""]
    page = [title, "", switch.format(lang=other, page="index", name=i18n.LANGUAGE_NAMES[other]), body, "", *toc]
    (target / "index.md").write_text("\n".join(page), "utf-8")


def _require_sphinx() -> None:
    """Sphinx and MyST-Parser come with the `theory` extra, not with CRM Lab itself: say so, in words."""
    missing = []
    for name in ("sphinx", "myst_parser"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SiteBuildError(i18n.t("theory.sphinx_missing", missing=", ".join(missing)))


def _chinese_terms() -> list[str]:
    """The short Chinese labels of the catalogue: its terms, such as 销售机会."""
    pattern = re.compile(r"^[\u4e00-\u9fff]{2,8}$")
    return sorted({entry["zh_CN"] for entry in i18n.catalog().values()
                   if pattern.match(entry.get("zh_CN") or "")})


def _sphinx(source: Path, confdir: Path, output: Path, doctrees: Path, language: str) -> None:
    from sphinx.application import Sphinx  # lazily: Sphinx is the optional `theory` extra, heavy to import
    from sphinx.util.docutils import docutils_namespace, patch_docutils  # lazily: as above

    status, warnings = io.StringIO(), io.StringIO()
    overrides = {"language": language, "project": i18n.t("module.theory", language)}
    if language == "zh_CN":
        # jieba splits Chinese for the search index; it learns the CRM's own terms (销售机会,
        # 流失预警 …) from the catalogue, so searching for one finds it as a single word.
        words = doctrees.parent / "zh_terms.txt"
        words.write_text("".join(f"{term} 1000\n" for term in _chinese_terms()), "utf-8")
        overrides["html_search_options.dict"] = str(words)
    # As sphinx-build does: keep docutils' global registries clean between builds in one process.
    with patch_docutils(str(confdir)), docutils_namespace(), warnings_module.catch_warnings():
        # myst-parser's own use of soon-deprecated Sphinx APIs is not a problem of the texts.
        warnings_module.filterwarnings("ignore", category=PendingDeprecationWarning, module="myst_parser")
        warnings_module.filterwarnings("ignore", category=DeprecationWarning, module="myst_parser")
        app = Sphinx(str(source), str(confdir), str(output), str(doctrees), "html", confoverrides=overrides,
                     status=status, warning=warnings, freshenv=True, warningiserror=True)
        app.build(force_all=True)
    reported = re.sub(r"\x1b\[[0-9;]*m", "", warnings.getvalue()).strip()
    if reported or app.statuscode:
        raise SiteBuildError(f"The theory site ({language}) did not build cleanly:\n{reported}")


def _offline_snippets(site: Path) -> None:
    """Search result snippets from file://: Sphinx's search page fetches each result page for
    its snippet, which a browser refuses for file:// URLs. The pages' main text goes into
    _static/crm_pages.js, and search.html answers those fetches from it when they fail."""
    pages = {}
    for page in sorted(site.glob("*.html")):
        found = re.search(r'<div class="body" role="main">(.*?)<div class="sphinxsidebar"', page.read_text("utf-8"), re.S)
        if found:
            pages[page.name] = f'<div role="main">{found[1]}</div>'
    script = ("// Generated by crm_engine.theory: each page's main text, for search snippets offline.\n"
              f"window.CRM_PAGES = {json.dumps(pages, ensure_ascii=False)};\n"
              "(function () {\n  var real = window.fetch;\n  window.fetch = function (url) {\n"
              "    var name = String(url).split('/').pop().split('#')[0];\n"
              "    return real.apply(this, arguments).catch(function (error) {\n"
              "      if (name in window.CRM_PAGES) return new Response(window.CRM_PAGES[name]);\n"
              "      throw error;\n    });\n  };\n})();\n")
    (site / "_static" / "crm_pages.js").write_text(script, "utf-8")
    search = site / "search.html"
    text = search.read_text("utf-8")
    search.write_text(text.replace("</head>", '<script src="_static/crm_pages.js"></script>\n</head>', 1), "utf-8")


def build_site(output_dir) -> Path:
    """Build the theory as a static HTML site that works offline; returns its `index.html`.

    `output_dir` gets `index.html` (choose a language), `en/` and `zh_CN/` (one
    page per chapter with its quiz, and the glossary). Raises `SiteBuildError`
    on any Sphinx warning, so a broken link or a missing label fails the build.
    """
    folder = theory_dir()
    _require_sphinx()
    output = Path(output_dir).resolve()
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crm-theory-") as temp:
        staging = Path(temp)
        for language in LANGUAGES:
            _stage(folder, staging / "src", language)
            previous = output / language
            if (previous / ".buildinfo").is_file():  # only ever remove an earlier build of ours
                shutil.rmtree(previous)
            _sphinx(staging / "src" / language, folder, previous, staging / "doctrees" / language, language)
            _offline_snippets(previous)
    links = "\n".join(f'<li><a href="{lang}/index.html" lang="{lang.replace("_", "-")}">'
                      f'{i18n.t("module.theory", lang)} · {i18n.LANGUAGE_NAMES[lang]}</a></li>' for lang in LANGUAGES)
    index = output / "index.html"
    title = f"{i18n.t('module.theory', 'en')} · {i18n.t('module.theory', 'zh_CN')}"
    index.write_text(
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head>\n"
        '<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.6">\n'
        f"<h1>{title}</h1>\n<ul>\n{links}\n</ul></body></html>\n", "utf-8")
    return index
