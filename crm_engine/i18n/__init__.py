"""Translations: every user-facing message and label in English and Simplified Chinese.

Catalogues are TOML files in this folder, one per area, each entry holding both
languages side by side so a missing translation is visible in review and caught
by the tests::

    ["customer.not_found"]
    en = "Customer {id} does not exist."
    zh_CN = "客户 {id} 不存在。"

They are loaded on first use, not at import time.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

LANGUAGES = ("en", "zh_CN")
LANGUAGE_NAMES = {"en": "English", "zh_CN": "简体中文"}

_catalog: dict[str, dict[str, str]] | None = None
_default_language = "en"


@dataclass(frozen=True)
class Term:
    """A parameter that is itself translated when the message is rendered."""

    key: str


# Where the labels of a list of codes live, tried in this order (see Choices).
_LABEL_PREFIXES = ("state.", "role.", "scope.", "rfm.", "module.", "kind.")
_BOOLEAN_LABELS = {"True": {"en": "yes", "zh_CN": "是"}, "False": {"en": "no", "zh_CN": "否"}}


@dataclass(frozen=True)
class Choices:
    """Codes to choose from, as a message parameter. English lists the codes ("price,
    competitor"); Chinese shows each code's label with the code a student types in
    brackets ("价格（price）、竞争对手（competitor）"), so no bare English is left in a
    Chinese sentence. `labels` is {code: {"en": …, "zh_CN": …}}, or None to look the codes up
    in the catalogue (state.<kind>.<code>, role.<code>, rfm.<code> …)."""

    codes: tuple
    labels: dict | None = None

    def render(self, language: str) -> str:
        codes = [str(c) for c in self.codes]
        if language == "en":
            return ", ".join(codes)
        labels = self.labels if self.labels is not None else _catalogue_labels(codes)
        shown = []
        for code in codes:
            entry = labels.get(code) or _BOOLEAN_LABELS.get(code)
            label = entry.get(language) if entry else None
            shown.append(f"{label}（{code}）" if label and label != code else code)
        return "、".join(shown)


def _catalogue_labels(codes: list[str]) -> dict:
    """{code: entry} from the first catalogue prefix that names every code, else {}."""
    if not codes:
        return {}
    entries = catalog()
    prefixes = sorted({key[:-len(codes[0])] for key in entries
                       if key.endswith("." + codes[0]) and key.startswith(_LABEL_PREFIXES)})
    for prefix in prefixes:
        if all(prefix + c in entries for c in codes):
            return {c: entries[prefix + c] for c in codes}
    return {}


def catalog() -> dict[str, dict[str, str]]:
    """All entries of all catalogue files, keyed by message key."""
    global _catalog
    if _catalog is None:
        merged: dict[str, dict[str, str]] = {}
        for path in sorted(resources.files(__package__).iterdir(), key=lambda p: p.name):
            if path.name.endswith(".toml"):
                for key, entry in tomllib.loads(path.read_text("utf-8")).items():
                    if key in merged:
                        raise RuntimeError(f"message key {key!r} is defined twice ({path.name})")
                    merged[key] = entry
        _catalog = merged
    return _catalog


def default_language() -> str:
    return _default_language


def translate(key: str, language: str | None = None, /, **params) -> str:
    """The text of `key` in `language`, with `{params}` filled in.

    An unknown key renders as the key itself, so a missing entry is visible
    rather than fatal (the test suite makes sure there are none).
    """
    language = language or _default_language
    entry = catalog().get(key)
    text = key if entry is None else entry.get(language) or entry["en"]
    if not params:
        return text
    rendered = {k: translate(v.key, language) if isinstance(v, Term) else v.render(language)
                if isinstance(v, Choices) else v for k, v in params.items()}
    try:
        return text.format(**rendered)
    except (KeyError, IndexError, ValueError):
        return text


t = translate
