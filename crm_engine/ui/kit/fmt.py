"""Words and figures as a CRM shows them: never `None`, `<NA>` or `nan`, never a raw code.

    money(250000)            -> "250,000.00"
    date("2026-03-02")       -> "2026-03-02"   (shown with no line break inside it)
    percent(0.5575)          -> "55.8 %"
    blank(None), blank(float("nan")) -> ""
    labels = Labels(crm)     # one per render: dictionary codes, states, roles, user names, fields
    labels.code("lead_source", "referral"), labels.state("opportunity", "assigned"),
    labels.role("supervisor"), labels.user(3), labels.field("expected_amount")
"""
from __future__ import annotations

import datetime as dt
import math
import weakref

import pandas as pd

# A non-breaking hyphen keeps "2026-03-02" on one line in any table cell (the issue saw "2026-03-/02").
NB_HYPHEN = "\u2011"


def is_blank(value) -> bool:
    """None, NaN, NaT, pandas' NA and blank text all count as "no value"."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists, arrays: not a missing scalar
        return False


def blank(value) -> str:
    """The value as text, or "" when it has none."""
    return "" if is_blank(value) else str(value)


def money(value) -> str:
    """Two decimals with thousands separators; "" when blank."""
    if is_blank(value):
        return ""
    number = float(value)
    return "" if math.isnan(number) else f"{number:,.2f}"


def date(value, *, unbreakable: bool = False) -> str:
    """ISO date (2026-03-02) from a date, datetime, Timestamp or text; "" when blank.
    `unbreakable` swaps the hyphens for non-breaking ones (for HTML/Vuetify cells)."""
    if is_blank(value):
        return ""
    if isinstance(value, str):
        text = value[:10]
    elif isinstance(value, (pd.Timestamp, dt.datetime)):
        text = value.date().isoformat()
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)[:10]
    return text.replace("-", NB_HYPHEN) if unbreakable else text


def percent(value, *, digits: int = 1, fraction: bool = True) -> str:
    """55.8 % from 0.5575 (or from 55.75 with `fraction=False`); "" when blank."""
    if is_blank(value):
        return ""
    number = float(value) * (100 if fraction else 1)
    return f"{number:.{digits}f} %"


def cap(text: str) -> str:
    """Sentence case for a label shown on its own ("assigned" → "Assigned"); Chinese is unchanged."""
    return text[:1].upper() + text[1:]


_SHARED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


class Labels:
    """Codes → words in the session's language, each catalogue read once per `Labels`.

    Build one per render (`Labels(crm)`): it follows the language and the users of that moment.
    A code the dictionary does not know is shown as it is (never hidden)."""

    def __init__(self, crm):
        self.crm = crm
        self._codes: dict[str, dict[str, str]] = {}
        self._users: dict[int, str] | None = None

    @classmethod
    def of(cls, crm) -> "Labels":
        """The shared `Labels` of this workspace state (change count, language): redraws that
        changed nothing read no catalogue again (a `keep_open=False` file is not reopened for it)."""
        key = (crm.version, crm.language)
        cached = _SHARED.get(crm.changes)
        if cached is None or cached[0] != key:
            cached = _SHARED[crm.changes] = (key, cls(crm))
        return cached[1]

    def t(self, key: str, **params) -> str:
        return self.crm.t(key, **params)

    def code(self, kind: str, code) -> str:
        """The label of a dictionary code (`lead_source`, `opportunity_stage`, `region` …)."""
        if is_blank(code):
            return ""
        if kind not in self._codes:
            self._codes[kind] = {c: label for label, c in self.crm.dictionary.choices(kind)}
        return self._codes[kind].get(code, str(code))

    def state(self, kind: str, state) -> str:
        """`state.<kind>.<state>`, capitalised."""
        return "" if is_blank(state) else cap(self.t(f"state.{kind}.{state}"))

    def role(self, role) -> str:
        return "" if is_blank(role) else self.t(f"role.{role}")

    def field(self, name: str) -> str:
        return self.t(f"field.{name}")

    def user(self, user_id) -> str:
        """A user's name from their id (departed users included); "" when blank."""
        if is_blank(user_id):
            return ""
        if self._users is None:
            users = self.crm.admin.users(active=None)
            self._users = dict(zip(users["id"].astype(int), users["name"]))
        return self._users.get(int(user_id), str(user_id))
