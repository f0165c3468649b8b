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


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        from ..errors import InvalidInput

        raise InvalidInput("error.language", language=language, choices=", ".join(LANGUAGES))
    return language


def set_default_language(language: str) -> None:
    """The language used where no workspace or session has chosen one."""
    global _default_language
    _default_language = check_language(language)


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
    rendered = {k: translate(v.key, language) if isinstance(v, Term) else v for k, v in params.items()}
    try:
        return text.format(**rendered)
    except (KeyError, IndexError, ValueError):
        return text


t = translate
