"""Full-width punctuation in the project's Chinese text: the rule, a checker and a normaliser.

Chinese text uses full-width marks (，：；（）！？) and keeps half-width ones only in code,
identifiers, numbers, URLs and format placeholders (docs: /work/shared/GLOSSARY.md, STYLE).
This module is both

* the rule the tests apply (tests/i18n/test_chinese.py imports `halfwidth_marks` and
  `chinese_units`), and
* a maintenance tool: ``python tools/zh_punctuation.py`` rewrites every Chinese text of the
  project in place (``--check`` only lists what it would change). It is idempotent, so run
  it again after merging new catalogue entries, then read ``git diff``.

The rule: a half-width ``, : ; ( ) ! ?`` is wrong when the nearest character before or
after it on the same line (spaces skipped) is Chinese — a CJK ideograph, a full-width mark
or a Chinese quotation mark — and it is not inside a protected span: an inline code span or
fenced code block, a URL or Markdown link target, a format placeholder ``{name}``, or a
function call written in the text (``crm.today()``). A ``)`` that closes a ``(`` turned
full-width turns full-width too, and the other way round, so pairs stay matched.
Spaces around a mark that turns full-width are dropped (full-width marks carry their own).
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

HALF = ",:;()!?"
FULL = dict(zip(HALF, "，：；（）！？"))
# What counts as Chinese next to a mark: ideographs, CJK and full-width punctuation, the
# Chinese (curly) quotation marks and the ellipsis/dash used in Chinese prose.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef\u201c\u201d\u2018\u2019\u2026\u2014]")
IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

_PROTECTED = re.compile(
    r"```.*?```"                            # fenced code (Markdown)
    r"|`[^`\n]*`"                           # inline code
    r"|\]\([^)\s]*\)"                       # Markdown link target
    r"|https?://[^\s)）\"'<>]+"              # URL
    r"|\{\{.*?\}\}"                         # escaped braces in a format string (a JSON example)
    r"|\{[^{}\n]*\}"                        # format placeholder {name}, {n:,}
    # a call written in the text, crm.today(), tag(id, "价格敏感") — but not "SQL（表结构见…）"
    r"|\b[A-Za-z_][\w.]*\((?:[^()\n\u3400-\u9fff\uff00-\uffef\"]|\"[^\"\n]*\"|\([^()\n]*\))*\)"
    r"|\(\)"                                # empty brackets are a call: {function}()
    r"|&\w+;|!\["                             # an HTML entity, a Markdown image
    r"|\b\d+(?:[,:]\d+)+\b",                # numbers 1,000 and times 3:00
    re.S)


def _protected(text: str) -> list[bool]:
    mask = [False] * len(text)
    for m in _PROTECTED.finditer(text):
        for i in range(m.start(), m.end()):
            mask[i] = True
    return mask


def _neighbour(text: str, i: int, step: int) -> str:
    j = i + step
    while 0 <= j < len(text) and text[j] in " \t*":   # spaces and Markdown emphasis
        j += step
    return text[j] if 0 <= j < len(text) else ""


_SEGMENT_BREAK = re.compile(r"\||\s/\s|\s·\s")
_ARITHMETIC = re.compile(r"\s[−+×÷/*=]\s")


def _chinese_lines(text: str, mask: list[bool]) -> list[bool]:
    """Per character: is it in Chinese prose? A line is cut into segments at table bars and
    at " / " and " · " (bilingual lines: "Assign it / 指派"); a segment is Chinese when its
    ideographs outweigh its Latin letters, so an English line with a Chinese gloss
    ("A service ticket (服务单).") keeps its English punctuation."""
    out = [False] * (len(text) + 1)
    start = 0
    for line in text.split("\n"):
        cuts = [0] + [m.start() for m in _SEGMENT_BREAK.finditer(line) if not mask[start + m.start()]] + [len(line)]
        for a, b in zip(cuts, cuts[1:]):
            plain = "".join(c for c, m in zip(line[a:b], mask[start + a:start + b]) if not m)
            ideographs = len(IDEOGRAPH.findall(plain))
            latin = len(re.findall(r"[A-Za-z]", plain))
            if ideographs > 0 and ideographs * 3 >= latin:
                out[start + a:start + b] = [True] * (b - a)
        start += len(line) + 1
    return out


def wrong_positions(text: str) -> set[int]:
    """Positions of the half-width marks in `text` that must be full-width."""
    mask = _protected(text)
    chinese = _chinese_lines(text, mask)

    def near_chinese(i: int) -> bool:
        before, after = _neighbour(text, i, -1), _neighbour(text, i, 1)
        if _CJK.match(before) or _CJK.match(after):
            return True
        # Between placeholders in a Chinese line: "{product}:{kind}" is prose too.
        return (before == "}" and mask[i - 1 - (text[i - 1] == " ")]) or (after == "{" and i + 1 < len(text)
                                                                        and mask[i + 1])

    def in_chinese_prose(i: int) -> bool:
        # In a Chinese segment a ; : ? ! is prose wherever it stands ("描述了 CRM?", "25%;10 起"),
        # and so is a comma with no space after it ("Recency,R"); "Co., Ltd." and "[0.8, 0.95]" keep theirs.
        after = text[i + 1] if i + 1 < len(text) else ""
        return text[i] in ";:?!" or (text[i] == "," and after not in " \n" and after != "")

    wrong = {i for i, ch in enumerate(text)
             if ch in HALF and not mask[i] and chinese[i] and (near_chinese(i) or in_chinese_prose(i))}
    # Keep brackets paired: match ( and ) outside protected spans on a stack.
    stack: list[int] = []
    pairs = []
    for i, ch in enumerate(text):
        if mask[i]:
            continue
        if ch in "(（":
            stack.append(i)
        elif ch in ")）" and stack:
            pairs.append((stack.pop(), i))
    # In Chinese prose every bracket pair is full-width — 830（83%）— except around arithmetic:
    # (125 − 70) / 70.
    for a, b in pairs:
        if chinese[a] and chinese[b] and not _ARITHMETIC.search(text[a + 1:b]) and "\n" not in text[a:b]:
            wrong.update(i for i in (a, b) if text[i] in HALF)
    for a, b in pairs:     # arithmetic on numbers keeps its brackets: (125 − 70) / 70
        if _ARITHMETIC.search(text[a + 1:b]) and not IDEOGRAPH.search(text[a + 1:b]):
            wrong -= {a, b}
    changed = True
    while changed:
        changed = False
        for a, b in pairs:
            a_full = a in wrong or text[a] == "（"
            b_full = b in wrong or text[b] == "）"
            if a_full != b_full:
                wrong.add(b if a_full else a)
                changed = True
    return {i for i in wrong if text[i] in HALF}


def halfwidth_marks(text: str) -> list[str]:
    """Each wrong half-width mark in `text`, shown with a little of its context."""
    return [text[max(0, i - 8):i + 9].replace("\n", " ") for i in sorted(wrong_positions(text))]


def fix(text: str) -> str:
    """`text` with the wrong half-width marks made full-width (idempotent)."""
    while (new := _fix_once(text)) != text:      # a new （ can put a , next to Chinese: "），"
        text = new
    return text


def _fix_once(text: str) -> str:
    wrong = wrong_positions(text)
    if not wrong:
        return text
    out, i = [], 0
    drop: set[int] = set()
    for w in wrong:
        # Spaces (not newlines) next to the new full-width mark go — but not the ones before
        # a placeholder or code span that the prose spaces off.
        j = w - 1
        while j >= 0 and text[j] == " ":
            drop.add(j)
            j -= 1
        j = w + 1
        while j < len(text) and text[j] == " ":
            drop.add(j)
            j += 1
    for i, ch in enumerate(text):
        if i in drop and i not in wrong:
            continue
        out.append(FULL[ch] if i in wrong else ch)
    return "".join(out)


# -- which texts are Chinese ------------------------------------------------------------------

def _string_literals(line: str):
    yield from re.finditer(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', line)


def _fix_chinese_strings(source: str, comments: str | None, triple: bool = True) -> str:
    """Fix the Chinese string literals (and Chinese comments) of a TOML, Python or SQL file.

    Triple-quoted strings are fixed line by line when the line has Chinese in it — unless
    `triple` is false: in Python they are docstrings, written in English."""
    out = []
    in_triple = None
    for line in source.splitlines(keepends=True):
        if in_triple:
            end = line.find(in_triple)
            body, rest = (line, "") if end < 0 else (line[:end], line[end:])
            if triple and IDEOGRAPH.search(body):
                body = fix(body)
            if end >= 0:
                in_triple = None
                rest = _fix_line(rest, comments)
            out.append(body + rest)
            continue
        m = re.search(r'("""|\'\'\')', line)
        if m and line.count(m.group(1)) == 1:
            head, body = line[:m.end()], line[m.end():]
            in_triple = m.group(1)
            out.append(_fix_line(head, comments) + (fix(body) if triple and IDEOGRAPH.search(body) else body))
            continue
        out.append(_fix_line(line, comments))
    return "".join(out)


def _fix_line(line: str, comments: str | None) -> str:
    if not IDEOGRAPH.search(line):
        return line
    parts, last = [], 0
    for m in _string_literals(line):
        parts.append(line[last:m.start()])
        literal = m.group(0)
        parts.append(fix(literal) if IDEOGRAPH.search(literal) else literal)
        last = m.end()
    rest = line[last:]
    if comments and comments in rest:
        k = rest.index(comments)
        rest = rest[:k] + fix(rest[k:])
    parts.append(rest)
    return "".join(parts)


def _fix_markdown(text: str) -> str:
    return fix(text)


def _fix_notebook(text: str) -> str:
    nb = json.loads(text)
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        new = fix(src) if cell["cell_type"] == "markdown" else _fix_chinese_strings(src, "#")
        if new != src:
            cell["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def chinese_files(root: Path = ROOT) -> list[Path]:
    """Every project file that holds Chinese text a student or instructor reads."""
    # Not crm_engine/schema: a landed migration is never edited (docs/engine.md); the dictionary
    # values it seeds are checked in a fresh workspace (tests/i18n/test_chinese_runtime.py).
    pats = ["crm_engine/i18n/*.toml", "crm_engine/scenario/builtin/*.toml",
            "crm_engine/**/*.py", "theory/zh_CN/*.md", "theory/quizzes/*.toml", "theory/*.toml",
            "assignments/**/*.md", "source/**/*.ipynb", "notebooks/**/*.ipynb"]
    files = sorted({p for pat in pats for p in root.glob(pat)
                    if ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts})
    return [p for p in files if IDEOGRAPH.search(p.read_text("utf-8"))]


def fixed(path: Path) -> str:
    """The text of `path` with its Chinese punctuation normalised."""
    text = path.read_text("utf-8")
    if path.suffix == ".md":
        return _fix_markdown(text)
    if path.suffix == ".ipynb":
        new = _fix_notebook(text)
        # Leave a notebook byte-identical unless a cell changed (json round trip may differ).
        return new if json.loads(new) != json.loads(text) else text
    comment = {".toml": "#", ".py": "#", ".sql": "--"}[path.suffix]
    return _fix_chinese_strings(text, comment, triple=path.suffix != ".py")


def _strings(value, where: str):
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{where}.{k}" if where else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{where}[{i}]")


def chinese_units(root: Path = ROOT):
    """(location, text) for every piece of Chinese text: a catalogue key's zh_CN value, a
    TOML value under a zh_CN key, a line of a Chinese Markdown file or notebook cell outside
    fenced code, a Chinese string literal of a code file."""
    import tomllib
    for path in chinese_files(root):
        rel = path.relative_to(root)
        text = path.read_text("utf-8")
        if path.suffix == ".toml":
            for where, value in _strings(tomllib.loads(text), ""):
                if (where.endswith("zh_CN") or ".zh_CN." in where or where.startswith("zh_CN")) \
                        and IDEOGRAPH.search(value):
                    yield f"{rel} [{where}]", value
        elif path.suffix == ".md":
            yield from _prose_lines(str(rel), text)
        elif path.suffix == ".ipynb":
            for n, cell in enumerate(json.loads(text)["cells"]):
                src = "".join(cell["source"])
                if cell["cell_type"] == "markdown":
                    yield from _prose_lines(f"{rel} cell {n}", src)
                else:
                    for k, line in enumerate(src.splitlines(), 1):
                        for m in _string_literals(line):
                            if IDEOGRAPH.search(m.group(0)):
                                yield f"{rel} cell {n} line {k}", m.group(0)[1:-1]
        else:
            for k, line in enumerate(text.splitlines(), 1):
                for m in _string_literals(line):
                    if IDEOGRAPH.search(m.group(0)):
                        yield f"{rel}:{k}", m.group(0)[1:-1]


def _prose_lines(where: str, text: str):
    fenced = False
    for k, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and IDEOGRAPH.search(line):
            yield f"{where}:{k}", line


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for path in chinese_files():
        new = fixed(path)
        if new != path.read_text("utf-8"):
            changed.append(path.relative_to(ROOT))
            if not check:
                path.write_text(new, "utf-8")
    for p in changed:
        print(("would change " if check else "changed ") + str(p))
    return 1 if check and changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
