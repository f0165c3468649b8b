"""CRM theory (T1): chapters in both languages, quizzes as data, the glossary, the offline site."""
from __future__ import annotations

import math
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from crm_engine import CRM, i18n, theory

LANGUAGES = ("en", "zh_CN")
CODE_SPAN = re.compile(r"`([^`]+)`")
ENGINE_CALL = re.compile(r"\bcrm\.([a-z_]+)(?:\.([a-z_]+))?")
NOTEBOOK = re.compile(r"notebooks/[\w.-]+\.ipynb")
LANDING_NOTEBOOK = "notebooks/00_start_here.ipynb"  # the lead's landing notebook (issue brief)
CJK = re.compile(r"[\u4e00-\u9fff]")


def sections(text: str) -> dict[str, str]:
    """Label → the text under that heading, up to the next labelled heading."""
    found, label, lines = {}, None, []
    for line in text.splitlines():
        if match := theory.LABEL_LINE.match(line):
            if label:
                found[label] = "\n".join(lines)
            label, lines = match["label"], []
        else:
            lines.append(line)
    if label:
        found[label] = "\n".join(lines)
    return found


# -- chapters ---------------------------------------------------------------------------------
def test_at_least_twelve_chapters_each_in_english_and_chinese():
    chapters = theory.chapters()
    assert len(chapters) >= 12
    assert [c.number for c in chapters] == list(range(1, len(chapters) + 1))
    for c in chapters:
        assert c.path("en").is_file() and c.path("zh_CN").is_file()
        assert c.title("en") and not CJK.search(c.title("en"))
        assert CJK.search(c.title("zh_CN")), c.id
        # The Chinese text is written in Chinese, not left in English.
        zh = theory.chapter_source(c.id, "zh_CN")
        assert len(CJK.findall(zh)) > 800, c.id


def test_both_languages_have_the_same_headings_and_anchors():
    for c in theory.chapters():
        structure = {lang: [(level, label) for level, label, _ in theory.headings(theory.chapter_source(c.id, lang))]
                     for lang in LANGUAGES}
        assert structure["en"] == structure["zh_CN"], c.id
        assert structure["en"][0] == (1, None), f"{c.id}: starts with its title"
        unlabelled = [h for h in structure["en"][1:] if h[1] is None]
        assert unlabelled == [], f"{c.id}: every section has a (label)= anchor"


def test_anchors_are_unique_across_the_theory():
    labels = [label for c in theory.chapters()
              for _, label, _ in theory.headings(theory.chapter_source(c.id, "en")) if label]
    labels += [f"{c.slug}-quiz" for c in theory.chapters()]
    labels += re.findall(r"^\((\S+)\)=$", theory.glossary_markdown("en"), re.M)
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)


def test_every_chapter_has_goals_a_worked_example_a_try_it_section_and_a_summary():
    for c in theory.chapters():
        labels = [label for _, label, _ in theory.headings(theory.chapter_source(c.id, "en")) if label]
        for part in ("goals", "example", "try-it", "summary"):
            assert any(label.endswith(f"-{part}") for label in labels), f"{c.id} has no {part} section"
        assert labels[-2].endswith("-try-it") and labels[-1].endswith("-summary"), c.id


def test_links_between_chapters_point_to_existing_anchors():
    anchors = {f"{c.id}.md": {label for _, label, _ in theory.headings(theory.chapter_source(c.id, "en")) if label}
               for c in theory.chapters()}
    links = 0
    for c in theory.chapters():
        for lang in LANGUAGES:
            for target in re.findall(r"\]\(([^)\s]+)\)", theory.chapter_source(c.id, lang)):
                if target.startswith(("http://", "https://")):
                    continue
                page, _, anchor = target.partition("#")
                page = page or f"{c.id}.md"
                assert page in anchors, f"{c.id} ({lang}) links to a missing chapter {target}"
                assert not anchor or anchor in anchors[page], f"{c.id} ({lang}) links to a missing anchor {target}"
                links += 1
    assert links >= 10


def test_try_it_sections_name_the_modules_with_the_ui_terms():
    catalogue = i18n.catalog()
    for c in theory.chapters():
        assert c.modules, c.id
        for lang in LANGUAGES:
            parts = sections(theory.chapter_source(c.id, lang))
            try_it = " ".join(parts[next(label for label in parts if label.endswith("-try-it"))].split())
            for module in c.modules:
                assert f"module.{module}" in catalogue, f"{c.id}: unknown module {module}"
                assert i18n.t(f"module.{module}", lang) in try_it, f"{c.id} ({lang}) does not name {module}"
            assert ENGINE_CALL.search(try_it), f"{c.id} ({lang}): name an engine call to practise with"


def test_every_engine_call_named_in_the_theory_exists():
    crm = CRM.memory(today="2026-03-02")
    try:
        for c in theory.chapters():
            named = {}
            for lang in LANGUAGES:
                spans = CODE_SPAN.findall(theory.chapter_source(c.id, lang))
                named[lang] = {m for span in spans for m in ENGINE_CALL.findall(span)}
                for area, verb in named[lang]:
                    assert hasattr(crm, area), f"{c.id} ({lang}) names crm.{area}, which does not exist"
                    if verb:
                        assert hasattr(getattr(crm, area), verb), f"{c.id} ({lang}) names crm.{area}.{verb}"
            assert named["en"] == named["zh_CN"], f"{c.id}: both languages point to the same calls"
    finally:
        crm.close()


def test_notebooks_named_in_the_theory_exist():
    root = theory.theory_dir().parent
    texts = [theory.chapter_source(c.id, lang) for c in theory.chapters() for lang in LANGUAGES]
    texts += [(theory.theory_dir() / lang / "index.md").read_text("utf-8") for lang in LANGUAGES]
    for name in {n for text in texts for n in NOTEBOOK.findall(text)}:
        assert name == LANDING_NOTEBOOK or (root / name).is_file(), name


def test_notebook_markdown_numbers_the_title_and_turns_links_into_references():
    text = theory.chapter_markdown("05_classification", "zh_CN")
    assert text.startswith("# 第 5 章 客户分类\n")
    assert "(classification-" not in text and ".md" not in text
    assert "（见*客户信用分析*（第 7 章））" in text
    english = theory.chapter_markdown(5, "en")
    assert english.startswith("# Chapter 5. Customer classification\n")
    assert "(see *Credit analysis* (chapter 7))" in english


def test_missing_theory_folder_says_where_it_should_be(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_LAB_THEORY", str(tmp_path / "nowhere"))
    with pytest.raises(theory.TheoryNotFound, match="CRM_LAB_THEORY") as error:
        theory.chapters()
    assert "chapters.toml" in str(error.value)


def test_unknown_chapter_and_question_are_named():
    with pytest.raises(KeyError, match="no theory chapter '99_nothing'"):
        theory.chapter("99_nothing")
    with pytest.raises(KeyError, match="no theory question"):
        theory.question("classification.nothing")


# -- quizzes ------------------------------------------------------------------------------------
def test_every_chapter_ends_with_a_quiz_of_five_or_more_questions_of_all_kinds():
    kinds = set()
    for c in theory.chapters():
        questions = theory.quiz(c.id)
        assert len(questions) >= 5, c.id
        assert len({q.kind for q in questions}) >= 2, f"{c.id}: mix the kinds of question"
        kinds |= {q.kind for q in questions}
    assert kinds == set(theory.KINDS)


def test_question_ids_are_unique_and_found_by_id():
    ids = [q.id for q in theory.questions()]
    assert len(ids) == len(set(ids))
    for q in theory.questions():
        assert theory.question(q.id) == q
        assert q.id.startswith(theory.chapter(q.chapter).slug + ".")
        for lang in LANGUAGES:
            assert q.text(lang) and q.explanation(lang)
            assert all(o.text(lang) for o in q.options)
        assert CJK.search(q.text("zh_CN")), q.id


def wrong_numbers(q: theory.Question) -> list[float]:
    step = q.tolerance + max(1.0, abs(q.answer) * 0.01)
    return [q.answer + step, q.answer - step, -q.answer if q.answer else 1.0, q.answer * 10 + 1]


@pytest.mark.parametrize("q", theory.questions(), ids=lambda q: q.id)
def test_each_question_accepts_its_answer_and_rejects_wrong_ones(q):
    if q.kind == "single":
        assert theory.check_answer(q, q.answer).correct
        assert theory.check_answer(q, q.answer.upper()).correct
        for other in (o.key for o in q.options if o.key != q.answer):
            assert not theory.check_answer(q, other).correct
        assert not theory.check_answer(q, [o.key for o in q.options]).correct
    elif q.kind == "multiple":
        keys = [o.key for o in q.options]
        assert theory.check_answer(q, list(reversed(q.answer))).correct
        assert theory.check_answer(q, ", ".join(k.upper() for k in q.answer)).correct
        assert len(q.answer) < len(keys), f"{q.id}: at least one option must be wrong"
        for missing in q.answer:
            assert not theory.check_answer(q, [k for k in q.answer if k != missing] or ["zz"]).correct
        for extra in (k for k in keys if k not in q.answer):
            assert not theory.check_answer(q, [*q.answer, extra]).correct
    else:
        assert theory.check_answer(q, q.answer).correct
        assert theory.check_answer(q, str(q.answer)).correct
        assert theory.check_answer(q, f"{theory.format_number(q.answer)} {q.unit('zh_CN')}").correct
        assert theory.check_answer(q, q.answer + q.tolerance).correct
        assert theory.check_answer(q, q.answer - q.tolerance).correct
        for wrong in wrong_numbers(q):
            assert not theory.check_answer(q, wrong).correct, wrong
        assert theory.check_answer(q, "no idea") == theory.Check(False, valid=False)
    assert theory.check_answer(q, None) == theory.Check(False, valid=False)


def test_numbers_are_read_the_way_students_type_them():
    cases = {"62.5": 62.5, "62.5%": 62.5, " 62.5 % ": 62.5, "¥1,200": 1200, "１２００ 元": 1200, "-20": -20,
             "−20 %": -20, "3天": 3, "1e3": 1000, ".5": 0.5, "12,000.50": 12000.5, "约 30 天": 30}
    for text, value in cases.items():
        assert theory.parse_number(text) == pytest.approx(value), text
    for text in ("", "abc", "1.2.3", "12 and 13", "3-4", None, True, math.nan):
        assert theory.parse_number(text) is None, text


def test_score_counts_the_right_answers():
    questions = theory.quiz("13_churn")
    right = {q.id: (q.answer if q.kind != "numeric" else str(q.answer)) for q in questions}
    assert theory.score(right) == len(questions)
    wrong = dict(right, **{questions[0].id: "z"})
    assert theory.score(wrong) == len(questions) - 1


def test_answer_text_shows_keys_values_and_units():
    assert theory.question("credit.limit").answer_text("zh_CN") == "128,000 元"
    assert theory.question("customer_lifecycle.change-rate").answer_text("en") == "-20 (± 0.5) %"
    assert theory.question("churn.who-is-flagged").answer_text("en").startswith("A. Last order on 14 October 2025; D.")


def write_quiz(folder: Path, body: str) -> None:
    (folder / "quizzes" / "01_what_is_crm.toml").write_text(body, "utf-8")


@pytest.fixture
def one_chapter(tmp_path, monkeypatch) -> Path:
    """A copy of the theory with only its first chapter, used through CRM_LAB_THEORY."""
    source = theory.theory_dir()
    folder = tmp_path / "theory"
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
    index = (folder / "chapters.toml").read_text("utf-8")
    (folder / "chapters.toml").write_text(index[:index.index('[[chapter]]\nid = "02')], "utf-8")
    monkeypatch.setenv("CRM_LAB_THEORY", str(folder))
    return folder


GOOD = '''[[question]]
id = "what_is_crm.sample"
kind = "single"
en = "Q?"
zh_CN = "问?"
answer = "a"
[question.options.a]
en = "Yes"
zh_CN = "是"
[question.options.b]
en = "No"
zh_CN = "否"
[question.explanation]
en = "Because."
zh_CN = "因为。"
'''


@pytest.mark.parametrize("broken, message", [
    (GOOD.replace('zh_CN = "问?"\n', ""), "has no zh_CN text"),
    (GOOD.replace('answer = "a"', 'answer = "c"'), "answer must name one option"),
    (GOOD.replace('kind = "single"', 'kind = "essay"'), "kind must be one of"),
    (GOOD.replace('id = "what_is_crm.sample"', 'id = "rfm.sample"'), "ids look like 'what_is_crm.<name>'"),
    (GOOD + GOOD, "two questions share an id"),
    (GOOD.replace('kind = "single"', 'kind = "numeric"'), "numeric question has a number"),
    (GOOD.replace('kind = "single"', 'kind = "multiple"'), "answer must name options"),
    (GOOD.replace('en = "Yes"', 'en = "Yes'), "01_what_is_crm.toml is not valid TOML"),
])
def test_broken_quiz_data_is_refused_with_the_file_and_question(one_chapter, broken, message):
    write_quiz(one_chapter, broken)
    with pytest.raises(theory.TheoryDataError, match=re.escape(message)):
        theory.quiz("01_what_is_crm")


def test_a_chapter_missing_in_one_language_is_refused(one_chapter):
    (one_chapter / "zh_CN" / "01_what_is_crm.md").unlink()
    with pytest.raises(theory.TheoryDataError, match="has no zh_CN text"):
        theory.chapters()


# -- glossary -----------------------------------------------------------------------------------
def test_glossary_lists_every_ui_term_of_the_catalogue_in_both_languages():
    terms = [(k, e) for k, e in i18n.catalog().items() if k.split(".")[0] in theory.GLOSSARY_GROUPS]
    assert any(k.startswith("module.") for k, _ in terms) and any(k.startswith("role.") for k, _ in terms)
    assert len(theory.glossary()) == len(terms)
    for lang in LANGUAGES:
        page = theory.glossary_markdown(lang)
        for key, entry in terms:
            row = next(line for line in page.splitlines() if f"`{key}`" in line)
            assert entry["en"].replace("|", "\\|") in row and entry["zh_CN"].replace("|", "\\|") in row, key


def test_glossary_is_generated_from_the_catalogue_at_build_time(monkeypatch):
    extra = {"kind.widget": {"en": "Widget", "zh_CN": "小部件"},
             "state.widget.open": {"en": "Open", "zh_CN": "未结"},
             "state.gadget.shut": {"en": "Shut", "zh_CN": "关闭"}}
    monkeypatch.setattr(i18n, "_catalog", {**i18n.catalog(), **extra})
    page = theory.glossary_markdown("zh_CN")
    assert "| 小部件 | Widget | `kind.widget` |" in page
    assert "## 状态：小部件" in page and "| 未结 | Open | `state.widget.open` |" in page
    assert "## 状态：gadget" in page                       # a kind without its own name still shows
    assert "(glossary-state-widget)=" in page
    assert "(glossary-state-widget)=" not in theory.glossary_markdown("zh_CN", labels=False)


# -- the offline site --------------------------------------------------------------------------
class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.resources, self.lang = set(), [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.ids.add(attrs["name"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        for attr in ("src", "href") if tag in ("script", "link", "img", "iframe") else ():
            if attrs.get(attr):
                self.resources.append(attrs[attr])


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    output = tmp_path_factory.mktemp("site")
    started = time.perf_counter()
    index = theory.build_site(output)
    return output, index, time.perf_counter() - started


def test_site_builds_with_every_chapter_in_both_languages(site):
    output, index, _ = site
    assert index == output / "index.html" and index.is_file()   # (build time: bench, not a timed assertion)
    for lang, html_lang in (("en", "en"), ("zh_CN", "zh-CN")):
        for page in [c.id for c in theory.chapters()] + ["index", "glossary"]:
            assert (output / lang / f"{page}.html").is_file(), (lang, page)
        for c in theory.chapters():
            html = (output / lang / f"{c.id}.html").read_text("utf-8")
            assert c.title(lang).replace("&", "&amp;") in html
            assert f'id="{c.slug.replace("_", "-")}-quiz"' in html and html.count("<details>") == len(theory.quiz(c.id))
            assert parse(output / lang / f"{c.id}.html").lang == html_lang
    glossary = (output / "zh_CN" / "glossary.html").read_text("utf-8")
    assert i18n.t("module.churn", "zh_CN") in glossary and "客户经理" in glossary


def test_site_links_all_resolve_and_nothing_is_loaded_from_the_internet(site):
    output, _, _ = site
    pages = {path: parse(path) for path in output.rglob("*.html")}
    checked = 0
    for path, page in pages.items():
        for resource in page.resources:
            assert not urlsplit(resource).scheme and not resource.startswith("//"), f"{path.name} loads {resource}"
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.is_file(), f"{path.relative_to(output)} links to missing {link}"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in pages[target].ids, f"{path.relative_to(output)}: {link}"
            checked += 1
    assert checked > 500
    switch = pages[output / "en" / "05_classification.html"].links
    assert "../zh_CN/05_classification.html" in switch and "07_credit.html#credit-rating" in switch


def test_a_broken_link_fails_the_site_build(one_chapter, tmp_path):
    page = one_chapter / "en" / "01_what_is_crm.md"
    page.write_text(page.read_text("utf-8") + "\nSee [nowhere](01_what_is_crm.md#no-such-anchor).\n", "utf-8")
    with pytest.raises(theory.SiteBuildError, match="no-such-anchor"):
        theory.build_site(tmp_path / "out")


def test_rebuilding_replaces_an_earlier_build_but_nothing_else(one_chapter, tmp_path):
    output = tmp_path / "out"
    theory.build_site(output)
    (output / "en" / "stale.html").write_text("old", "utf-8")
    (output / "notes.txt").write_text("mine", "utf-8")
    theory.build_site(output)
    assert not (output / "en" / "stale.html").exists()
    assert (output / "notes.txt").read_text("utf-8") == "mine"


def test_the_chinese_site_can_be_searched_in_chinese(site):
    """Issue 24: Sphinx splits Chinese into words only with jieba, and its zh search named a
    stemmer that does not exist ("ChineseStemmer is not defined")."""
    import json

    output, _, _ = site
    for lang, words in (("zh_CN", ("流失", "客户经理", "销售机会")), ("en", ("churn", "opportun"))):
        text = (output / lang / "searchindex.js").read_text("utf-8")
        terms = json.loads(text[text.index("(") + 1:text.rindex(")")])["terms"]
        assert all(word in terms for word in words), (lang, [w for w in words if w not in terms])
    data = (output / "zh_CN" / "_static" / "language_data.js").read_text("utf-8")
    stemmer = re.search(r"window\.Stemmer = (\w+);", data).group(1)
    assert re.search(rf"\b(?:var|let|const)\s+{stemmer}\s*=", data), stemmer     # the stemmer it names exists
