"""Normalised company names, for the duplicate check (查重).

"Beijing Star Tech Co., Ltd." and "beijing star tech" are the same customer;
so are "上海明达科技有限公司" and "上海明达科技". The rule: Unicode NFKC
(full-width → half-width), lower case, drop a legal-form suffix, then keep only
letters and digits. Imports map the same function over their names
(transfer/imports.py, transfer/deals.py), so single adds and bulk imports agree.
"""
from __future__ import annotations

import re
import unicodedata

SUFFIXES = (
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司",
    "co., ltd.", "co., ltd", "co.,ltd.", "co.,ltd", "co. ltd", "company limited", "limited",
    "ltd.", "ltd", "inc.", "inc", "llc", "corporation", "corp.", "corp", "company", "co.", "gmbh",
)
_SUFFIX = re.compile(r"[\s,.]*(?:" + "|".join(re.escape(s) for s in SUFFIXES) + r")\s*$")
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(name: str) -> str:
    full = unicodedata.normalize("NFKC", name).casefold().strip()
    value = full
    for _ in range(2):  # "Foo Group Co., Ltd." → drop at most two suffixes
        value = _SUFFIX.sub("", value)
    # A name that is nothing but legal words ("Company Limited") keeps them.
    return _NOT_WORD.sub("", value) or _NOT_WORD.sub("", full)
