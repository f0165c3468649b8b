"""Dates in an imported column: one format for the whole column, given or detected, never guessed per row.

`01-03-17` reads as 1 March 2017 (day-month-year), 17 March 2001 (year-month-day) or 3 January
2017 (month-day-year): a column is read in the one format every value fits; when several fit with
different results the import is refused, naming them and the `date_format` option. DuckDB's
`strptime` alone would take `17` for the year 17 under `%Y`: each format's value must also match
its shape (`%Y` four digits, `%y` two).
"""
from __future__ import annotations

import re

from ..errors import InvalidInput

ISO = "%Y-%m-%d"
# The formats a column is tried in, the most common first: this order breaks a tie between formats
# that read every value alike (2025-01-02 under %Y-%m-%d and %Y-%d-%m is not a tie: they differ).
FORMATS = (ISO, "%Y/%m/%d", "%Y.%m.%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%m/%d/%Y", "%m-%d-%Y",
           "%d.%m.%y", "%d-%m-%y", "%d/%m/%y", "%m/%d/%y", "%y-%m-%d", "%y/%m/%d", "%Y年%m月%d日")
_SHAPES = {"Y": "[0-9]{4}", "y": "[0-9]{2}", "m": "[0-9]{1,2}", "d": "[0-9]{1,2}", "b": "[A-Za-z]{3}",
           "B": "[A-Za-z]+", "%": "%"}
# A spreadsheet date with a time of day (cell_text writes midnight as a plain date)
WITH_TIME = r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
_MIDNIGHT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]00:00(:00(\.0+)?)?"


def shape(fmt: str) -> str:
    """The RE2 pattern a value in strptime format `fmt` must match; an unknown directive is refused."""
    out, rest = [], fmt
    while rest:
        if rest[0] == "%":
            directive = rest[1:2]
            if directive not in _SHAPES:
                raise InvalidInput("import.bad_date_format", field="date_format", value=fmt)
            out.append(_SHAPES[directive])
            rest = rest[2:]
        else:
            out.append(re.escape(rest[0]))
            rest = rest[1:]
    if not any(d in fmt for d in ("%Y", "%y")) or "%m" not in fmt and "%b" not in fmt and "%B" not in fmt \
            or "%d" not in fmt:
        raise InvalidInput("import.bad_date_format", field="date_format", value=fmt)
    return "".join(out)


def date_text(column: str) -> str:
    """SQL: the value of `column` with a midnight time (a spreadsheet's date) cut off."""
    return f"CASE WHEN regexp_full_match({column}, '{_MIDNIGHT}') THEN left({column}, 10) ELSE {column} END"


def parsed(column: str, fmt: str) -> str:
    """SQL: the DATE `column` holds in format `fmt`, NULL when it does not fit."""
    value, literal = date_text(column), fmt.replace("'", "''")
    return (f"CASE WHEN regexp_full_match({value}, '{shape(fmt)}') "
            f"THEN TRY_STRPTIME({value}, '{literal}')::DATE END")


def column_format(db, table: str, column: str, given: str | None) -> str:
    """The format to read `column` of `table` in: `given` (checked), else the one that reads the
    most of its values; refused when several read as many with different dates."""
    if given is not None:
        if not isinstance(given, str) or not given.strip():
            raise InvalidInput("import.bad_date_format", field="date_format", value=given)
        shape(given)
        return given
    values = f"(SELECT DISTINCT {column} AS v FROM {table} WHERE {column} <> '')"
    counts = db.one("SELECT " + ", ".join(f"count({parsed('v', f)})" for f in FORMATS) + f" FROM {values}")
    best = max(counts)
    if best == 0:
        return ISO       # nothing reads: every row is rejected, its reason naming the ISO form
    fitting = [f for f, n in zip(FORMATS, counts) if n == best]
    # Formats that read the same values as the same dates are one reading (the first is named).
    same = db.one("SELECT " + ", ".join(f"bool_and({parsed('v', fitting[0])} IS NOT DISTINCT FROM {parsed('v', f)})"
                                        for f in fitting) + f" FROM {values}")
    rivals = [f for f, alike in zip(fitting, same) if not alike]
    if rivals:
        raise InvalidInput("import.ambiguous_dates", field="date_format", column=column,
                           candidates=", ".join([fitting[0], *rivals]))
    return fitting[0]
