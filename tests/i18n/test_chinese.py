"""The project's Chinese reads as a Chinese instructor would write it (issue 24).

Over every Chinese text — message catalogue, theory and quizzes, notebooks, assignments,
built-in scenarios, dictionary values, the engine's generated texts: full-width punctuation
next to Chinese (the rule: tools/zh_punctuation.py), one name per idea (the glossary's
"One name per idea" table), 你 not 您, and no English words in a Chinese message other
than code names and abbreviations.
"""
from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import zh_punctuation as zh  # noqa: E402

UNITS = list(zh.chinese_units())


# -- the punctuation rule itself ----------------------------------------------------------------

@pytest.mark.parametrize("text, wrong", [
    ("尚未暂缓:确认流失之前,至少", [":", ","]),
    ("客户经理 (或其主管) 可以处理", ["(", ")"]),
    ("且 0 < A < B ≤ 1(例如 [0.8, 0.95]),而不是", ["(", ")", ","]),   # ) pairs with the (
    ("请确认!", ["!"]),
    ("是否继续?", ["?"]),
    ("预警 {id}(“{customer}”)尚未暂缓", ["(", ")"]),
    ("**客户群**(细分市场)是", ["(", ")"]),
])
def test_rule_finds_half_width_marks_next_to_chinese(text, wrong):
    assert [text[i] for i in sorted(zh.wrong_positions(text))] == wrong
    assert not zh.halfwidth_marks(zh.fix(text))


@pytest.mark.parametrize("text", [
    "共 1,000 元,",                                # the number keeps its comma (the last one is wrong)
    "用 `crm.reports.rfm(segment=\"at_risk\")` 查看",
    "用 crm.today() 减去最近订单日期",
    "见 https://example.com/a,b 页面",
    "见[客户流失管理](13_churn.md#churn-warning)。",
    "时间为 3:00 到 5:30",
    "格式 {value:,} 元",
    "例如 {{\"A\": {{\"credit\": 5}}}}。",
    "ABC (A, B, C) are grades",                    # no Chinese next to any mark
])
def test_rule_leaves_code_numbers_urls_and_placeholders(text):
    fixed = zh.fix(text)
    for keep in ("1,000", "rfm(segment=", "today()", "a,b", "(13_churn.md", "3:00", "{value:,}",
                 "\"credit\": 5", "(A, B, C)"):
        if keep in text:
            assert keep in fixed
    if "1,000" in text:
        assert fixed == "共 1,000 元，"


def test_fix_is_idempotent_and_drops_spaces_around_full_width_marks():
    once = zh.fix("客户经理 (account manager) 负责 , 然后")
    assert once == "客户经理（account manager）负责，然后"
    assert zh.fix(once) == once


# -- the project's texts ------------------------------------------------------------------------

def _wrong_lines(path: Path) -> list[str]:
    old = path.read_text("utf-8").splitlines()
    new = zh.fixed(path).splitlines()
    out = []
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            out += [f"{path.relative_to(ROOT)}:{k + 1}: {', '.join(zh.halfwidth_marks(old[k])) or old[k].strip()}"
                    for k in range(i1, i2)]
    return out


def test_chinese_text_uses_full_width_punctuation():
    wrong = [line for path in zh.chinese_files() for line in _wrong_lines(path)]
    assert not wrong, (f"{len(wrong)} lines with half-width punctuation next to Chinese "
                       "(fix with `python tools/zh_punctuation.py`):\n" + "\n".join(wrong[:60]))


def test_every_kind_of_chinese_text_is_checked():
    where = {loc.split(" ")[0].split(":")[0] for loc, _ in UNITS}
    for expected in ("crm_engine/i18n/care.toml", "theory/zh_CN/12_segmentation_rfm.md",
                     "theory/quizzes/12_segmentation_rfm.toml", "notebooks/40_reports.ipynb",
                     "assignments/a5_analysis/README.md", "source/a5_analysis/05_customer_analysis.ipynb",
                     "crm_engine/scenario/builtin/fmcg_wholesaler.toml",
                     "crm_engine/scenario/phrases.py"):
        assert expected in where


# One name per idea: the glossary's "not" column, each as a pattern in the context where it is
# wrong, with the places the glossary allows it (a synonym explained once in theory).
BANNED = [
    (r"业务员|销售人员|客户负责人", "客户经理", ()),
    (r"商机", "销售机会", ()),
    (r"警告", "流失预警 / 预警中", ()),
    (r"回收|释放|自动退回|无进展[^。；\n]{0,8}退回公海", "退回公海 (by a rep) / 收回公海 (by the system)", ()),
    (r"审计日志", "操作日志", ("theory/zh_CN/15_data_security.md",)),
    (r"谈判审核", "商务谈判", ()),
    (r"客户等级[^。；\n]{0,12}(?:普通客户|大客户|重点开发客户|战略合作伙伴)", "客户级别", ()),
    (r"C\s*类[^。；\n]{0,6}普通客户|普通客户[^。；\n]{0,4}C\s*类", "C 类一般客户", ()),
    (r"经营状况|交易状况", "业务状况 / 交易现状", ()),
    (r"冠军客户|核心价值客户|不能流失的客户|需关注客户|沉睡客户|潜力客户", "the 8 RFM segments", ()),
    (r"已发生成本|实际花费|登记费用|登记成本|活动费用|(?:活动|市场活动)[^。；\n]{0,8}(?<!管理)费用(?!管理)",
     "活动成本", ()),
    (r"步骤结果", "执行效果", ()),
    (r"客户结构分析", "客户构成分析", ()),
    (r"制定[^。；\n]{0,8}计划", "制订", ()),
    (r"您", "你", ()),
    (r"服务请求：?\s?\{\w+\}\s?[个张]", "服务单 {n} 张 (tickets are counted with 张)", ()),
    (r"仅未转化|沉默起始日|经销售机会|来电 ?\{calls\} ?个|场景时钟", "the issue's wording items", ()),
]


@pytest.mark.parametrize("pattern, use, allowed", BANNED, ids=[b[1] for b in BANNED])
def test_one_name_per_idea(pattern, use, allowed):
    found = [f"{loc}: …{m.group(0)}…" for loc, text in UNITS
             if not loc.startswith(allowed or ("\0",))
             for m in re.finditer(pattern, text)]
    assert not found, f"use {use}:\n" + "\n".join(found[:40])


def test_the_data_security_chapter_names_the_audit_log_synonym_once():
    text = (ROOT / "theory/zh_CN/15_data_security.md").read_text("utf-8")
    assert text.count("审计日志") <= 1 and "操作日志" in text


def test_chinese_catalogue_values_have_no_ascii_space_at_either_end():
    """Chinese sentences are joined without spaces ("……。销售机会 7 等待指派。")."""
    found = [loc for loc, text in UNITS if loc.startswith("crm_engine/i18n/") and text != text.strip(" ")]
    assert not found, found


# Code names and abbreviations a Chinese message may contain.
ALLOWED_LATIN = {"CRM", "RFM", "ABC", "ROI", "SQL", "CSV", "Excel", "DuckDB", "Python", "pandas", "Jupyter",
                 "JupyterHub", "JupyterLab", "nbgrader", "ID", "KPI", "OK", "R", "F", "M", "A", "B", "C", "TOML",
                 "JSON", "HTML", "PDF", "URL", "VIP", "Plotly", "ipywidgets", "DataFrame", "CLI", "PIN", "SMS",
                 "UTC", "Markdown", "AI", "IT", "ERP", "SCM", "ISO", "CPU", "PC", "APP", "App", "Web", "Wi", "Fi",
                 "E", "mail", "QQ", "SaaS", "FMCG", "crm", "lab", "Lab", "S", "GB", "MB", "KB", "N", "x", "y",
                 "PID", "UTF-8", "GBK", "plotly", "Windows", "SMTP", "STARTTLS", "YYYY-MM-DD", "Q"}
# Code spans, placeholders, calls, dotted or snake_case identifiers, requirement ids (O9, R5), and a
# code in brackets right after its Chinese label: 销售总监（director）.
_CODE = re.compile(r"（[A-Za-z_][\w.]*）|\b[A-Z]\d+\b|`[^`]*`|\{[^{}]*\}|\{\{.*?\}\}|\b[A-Za-z_][\w.]*\([^()]*\)|\b\w+(?:[._]\w+)+\b|https?://\S+")


def latin_words(text: str) -> list[str]:
    """English words in Chinese text outside code, placeholders and the allow-list."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z0-9'-]*", _CODE.sub(" ", text)) if w not in ALLOWED_LATIN]


def test_latin_word_rule():
    assert latin_words("一张包含 5 个数值的 bar 图。") == ["bar"]
    assert latin_words("请从以下选项中选择：price, competitor") == ["price", "competitor"]
    assert latin_words("用 `crm.today()` 查看 RFM 与 ABC，客户 {id} 的 CSV 文件") == []
    assert latin_words("请用销售总监（director）或财务（finance）；见 O9") == []


def test_no_english_inside_chinese_messages():
    """Catalogue values a student reads in Chinese carry no English words (codes in code spans)."""
    found = [f"{loc}: {words}" for loc, text in UNITS
             if loc.startswith("crm_engine/i18n/") and ".toml" in loc and (words := latin_words(text))]
    assert not found, "\n".join(found[:60])


def test_rule_leaves_english_lines_with_a_chinese_gloss():
    assert zh.fix("A service ticket (服务单), then a churn warning (流失预警).") == \
        "A service ticket (服务单), then a churn warning (流失预警)."
    assert zh.fix("不能发出 {quantity} 件 {product}:{kind} {no} 的数量") == "不能发出 {quantity} 件 {product}：{kind} {no} 的数量"
    assert zh.fix("请用 pandas 或 SQL(`crm.sql`,表结构见 docs/data-model.md)回答") == \
        "请用 pandas 或 SQL（`crm.sql`，表结构见 docs/data-model.md）回答"
    assert zh.fix('用 tag(id, "价格敏感") 贴标签') == '用 tag(id, "价格敏感") 贴标签'


def test_rule_brackets_in_chinese_prose_and_bilingual_lines():
    assert zh.fix("**4 个 A 类客户**贡献 830(83%),**3 个 B 类客户**") == "**4 个 A 类客户**贡献 830（83%），**3 个 B 类客户**"
    assert zh.fix("客户 A：(125 − 70) / 70 = 78.6%。") == "客户 A：(125 − 70) / 70 = 78.6%。"
    assert zh.fix("| concentration (top ten); levels / 量化集中度;等级与收入对照 |") == \
        "| concentration (top ten); levels / 量化集中度；等级与收入对照 |"
    assert zh.fix("不允许使用表函数 {function}()(它可能读取文件)") == "不允许使用表函数 {function}()（它可能读取文件）"


def test_rule_marks_in_chinese_prose_after_latin_or_numbers():
    assert zh.fix("下列哪种说法最准确地描述了 CRM?") == "下列哪种说法最准确地描述了 CRM？"
    assert zh.fix("投诉比重为 25%;10 起投诉") == "投诉比重为 25%；10 起投诉"
    assert zh.fix("**最近一次购买（Recency,R）**——距最近") == "**最近一次购买（Recency，R）**——距最近"
    assert zh.fix("来自“SHANGHAI MINGDA TECH CO., LTD.”的线索") == "来自“SHANGHAI MINGDA TECH CO., LTD.”的线索"
    assert zh.fix("例如 [0.8, 0.95]，而不是") == "例如 [0.8, 0.95]，而不是"
