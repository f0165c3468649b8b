"""Checks every public verb runs on its input before touching the workspace.

Each returns the clean value or raises `InvalidInput` naming the field, so a
form can show the message next to it. Text is stored verbatim (quotes, SQL
metacharacters and emoji included): the engine only ever passes it as a
query parameter.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from .errors import InvalidInput
from .i18n import LANGUAGES, Choices

MAX_TEXT = 2000
# Control characters no text field takes (a NUL, a bell …); tab and line breaks are text. Written so
# that Python's `re` and DuckDB's RE2 read it alike: imports check whole columns with the same class.
CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
# The earliest date any record takes: an earlier one is a typo or a misread year ("17" as year 17).
EARLIEST = dt.date(1900, 1, 1)


def text(value, field: str, *, required: bool = True, max_length: int = MAX_TEXT) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    if not isinstance(value, str):
        raise InvalidInput("error.not_text", field=field)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput("error.too_long", field=field, max=max_length)
    if re.search(CONTROL, value):
        raise InvalidInput("error.not_text", field=field)
    return value


def date(value, field: str, *, required: bool = True) -> dt.date | None:
    """A date from a `date`, a `datetime` or an ISO string `YYYY-MM-DD`, not before `EARLIEST`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    day = _date(value, field)
    if day < EARLIEST:
        raise InvalidInput("error.date_too_early", field=field, value=value, earliest=EARLIEST.isoformat())
    return day


def _date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InvalidInput("error.impossible_date", field=field, value=value) from None
    raise InvalidInput("error.date_format", field=field, value=value)


def amount(value, field: str, *, required: bool = True, minimum: float = 0.0) -> Decimal | None:
    """A money amount (or quantity) as a Decimal with cents; never negative by default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    if isinstance(value, bool):
        raise InvalidInput("error.not_number", field=field, value=value)
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput("error.not_number", field=field, value=value) from None
    if not number.is_finite():
        raise InvalidInput("error.not_number", field=field, value=value)
    if number < Decimal(str(minimum)):
        raise InvalidInput("error.too_small", field=field, minimum=minimum)
    if number >= Decimal("1e14"):
        raise InvalidInput("error.too_large", field=field)
    return number.quantize(Decimal("0.01"))


def integer(value, field: str, *, required: bool = True, minimum: int | None = None, maximum: int | None = None):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("error.required", field=field)
        return None
    if isinstance(value, bool):
        raise InvalidInput("error.not_integer", field=field, value=value)
    if isinstance(value, float) and (math.isnan(value) or not value.is_integer()):
        raise InvalidInput("error.not_integer", field=field, value=value)
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise InvalidInput("error.not_integer", field=field, value=value) from None
    if maximum is None and minimum is not None and number < minimum:  # "between 0 and None" says nothing
        raise InvalidInput("error.too_small", field=field, minimum=minimum)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise InvalidInput("error.range", field=field, minimum=minimum, maximum=maximum, value=value)
    return number


def page(limit, offset=0, *, minimum: int = 0, maximum: int | None = None) -> str:
    """The page clause of a list verb's SQL: `""` (every row), `" LIMIT n OFFSET m"`, or
    `" OFFSET m"` (everything after the first m rows).

    `limit` is None (no limit) or a whole number from `minimum` (to `maximum`); `offset` a whole
    number ≥ 0. Both are checked before they reach the SQL, which they enter as plain integers.
    Put it after a deterministic ORDER BY (ties broken by id), and after the scope's WHERE: a
    page never holds a record the user may not see.
    """
    offset = integer(offset, "offset", minimum=0)
    if limit is None:
        return f" OFFSET {offset}" if offset else ""
    limit = integer(limit, "limit", minimum=minimum, maximum=maximum)
    return f" LIMIT {limit} OFFSET {offset}"


def order(sort, descending, columns: dict[str, str | tuple[str, ...]], *, default: str, tie: str) -> str:
    """ORDER BY terms for a list the caller sorts: `sort` is one of `columns` (its name → the SQL
    expression, or a tuple of them: a date then the time within it), empty values last, ties
    broken by `tie` (the id) in the same direction, so pages are stable. `sort=None` keeps the
    list's `default` order."""
    if sort is None:
        return default
    terms = columns[one_of(sort, "sort", tuple(columns))]
    way = "DESC" if descending else "ASC"
    return ", ".join(f"{term} {way} NULLS LAST" for term in ((terms,) if isinstance(terms, str) else terms)) \
        + f", {tie} {way}"


def like(search) -> str | None:
    """The ILIKE pattern (`ESCAPE '\\'`) of "contains `search`", its `%`, `_` and `\\` taken
    literally; None when `search` is None or blank (no search)."""
    if search is None or not str(search).strip():
        return None
    return "%" + str(search).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(search, columns) -> tuple[list[str], list]:
    """A list's text search: `([condition], params)` where the condition holds when any of
    `columns` (SQL expressions) contains `search`, case-insensitively (`like`); `([], [])`
    for no search. Add both to the verb's WHERE after its scope:

        found, args = validate.matching(search, ("c.name", "u.name"))
        where += found; params += args
    """
    pattern = like(search)
    if pattern is None:
        return [], []
    return ["(" + " OR ".join(f"{c} ILIKE ? ESCAPE '\\'" for c in columns) + ")"], [pattern] * len(columns)


def period(column: str, since, until) -> tuple[list[str], list]:
    """A list's date filter: `([condition, …], params)` keeping `column` (SQL) within
    [since, until]; an end given as None is open, any other value must be a date. Add both to
    the verb's WHERE, as with `matching`."""
    where, params = [], []
    for value, field, test in ((since, "since", ">="), (until, "until", "<=")):
        if value is not None:
            where.append(f"{column} {test} ?"), params.append(date(value, field))
    return where, params


def rating(value, field: str, *, required: bool = False) -> int | None:
    """A 1–5 rating (credit, satisfaction)."""
    return integer(value, field, required=required, minimum=1, maximum=5)


def record_id(value, field: str = "id") -> int:
    return integer(value, field, minimum=1)


def one_of(value, field: str, choices, labels: dict | None = None) -> str:
    """`value` if it is one of `choices`; else an error listing them (in Chinese with their labels)."""
    if value not in choices:
        raise InvalidInput("error.choice", field=field, value=value, choices=Choices(tuple(choices), labels))
    return value


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Digits with spaces, dashes and brackets, an optional leading +: "010-5555 0101", "(010) 6666 1234".
PHONE_PATTERN = r"\+?[0-9(][0-9 ()\-]{3,24}"
PHONE = re.compile(f"^{PHONE_PATTERN}$")


def language(value) -> str:
    """One of the languages the CRM speaks (`i18n.LANGUAGES`): "en" or "zh_CN"."""
    if value not in LANGUAGES:
        raise InvalidInput("error.language", language=value, choices=", ".join(LANGUAGES))
    return value


def email(value, field: str = "email") -> str | None:
    value = text(value, field, required=False, max_length=200)
    if value is not None and not EMAIL.match(value):
        raise InvalidInput("error.email", field=field, value=value)
    return value


def phone(value, field: str = "phone") -> str | None:
    value = text(value, field, required=False, max_length=40)
    if value is not None and not PHONE.match(value):
        raise InvalidInput("error.phone", field=field, value=value)
    return value
