"""The workspace settings an administrator may change (A5), each with the check its value must pass.

`crm.admin.set_setting(key, value)` refuses a key nobody registered and stores only what the
key's check returns. The areas register their own settings, with the rules they read them by,
in their package's `__init__.py` (`crm.py` imports every area, so a CRM knows them all):

    settings.register("lead_pool_days", lambda v: validate.integer(v, "lead_pool_days", minimum=1, maximum=366))
"""
from __future__ import annotations

from typing import Any, Callable

from . import validate
from .i18n import LANGUAGES

_checks: dict[str, Callable[[Any], Any]] = {
    "language": lambda v: validate.one_of(v, "language", LANGUAGES),
    "company": lambda v: validate.text(v, "company", max_length=200),
}


def register(key: str, check: Callable[[Any], Any]) -> None:
    """Let an administrator change setting `key`; `check(value)` returns the value to store or raises
    InvalidInput. Registering a key again (a re-imported area) replaces its check."""
    _checks[key] = check


def check(key: str) -> Callable[[Any], Any] | None:
    """The check of setting `key`, or None when no area registered it."""
    return _checks.get(key)


def keys() -> list[str]:
    """Every registered setting, sorted."""
    return sorted(_checks)
