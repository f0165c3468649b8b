"""Exports (A6): any list the user may see, to CSV or Excel, audited — and never a live formula.

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is what a spreadsheet
reads as a formula (CSV injection: a customer named `=HYPERLINK(…)` becomes a link in whoever opens
the export). Such text gets a leading `'`, as OWASP recommends; numbers stay numbers (a negative
amount is a number, not text). Excel text cells are written as text cells, never formulas.
"""
from __future__ import annotations

import datetime as dt
import inspect
import numbers
import os
from decimal import Decimal

import numpy as np
import pandas as pd

from .. import validate
from ..errors import InvalidInput, NotAllowed
from ..session import Area, action

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What can be exported: name → (area attribute on the facade, its list verb).
EXPORTABLE = {
    "customers": ("customers", "list"),
    "orders": ("orders", "list"),
    "products": ("products", "list"),
    "users": ("admin", "users"),
    "audit": ("audit", "list"),
    "churn_warnings": ("churn", "list"),
    "customer_grades": ("classification", "grades"),
    "tickets": ("service", "list"),
    "calls": ("call_center", "list"),
    "leads": ("leads", "list"),
    "opportunities": ("opportunities", "list"),
    "campaigns": ("campaigns", "list"),
    "targets": ("targets", "list"),
    "contracts": ("contracts", "list"),
    "shipments": ("shipments", "list"),
    "sales_returns": ("returns", "list"),
    "payments": ("payments", "list"),
    "receivables": ("payments", "receivables"),
    "expenses": ("expenses", "list"),
    "tasks": ("tasks", "list"),
    "address_book": ("address_book", "list"),
    # statistics and reports (R1–R5): scoped like the screens, e.g. exports.write("report_contribution", "top.xlsx", year=2025)
    "report_contribution": ("reports", "contribution"),
    "report_composition": ("reports", "composition"),
    "report_service_analysis": ("reports", "service_analysis"),
    "report_churn_analysis": ("reports", "churn_analysis"),
    "report_churn_rate": ("reports", "churn_rate"),
    "report_funnel": ("reports", "funnel"),
    "report_win_rate": ("reports", "win_rate"),
    "report_rfm": ("reports", "rfm"),
    "report_rfm_segments": ("reports", "rfm_segments"),
    "report_cohorts": ("reports", "cohorts"),
}


def inert(value):
    """`value` as a spreadsheet will not run it: text that starts like a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells start no formula (`inert`); numbers, dates and empty
    cells are left as they are."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_datetime64_any_dtype(out[column])):
            out[column] = out[column].map(inert, na_action="ignore")
    out.columns = [inert(str(c)) for c in out.columns]
    return out


class Exports(Area):
    """`crm.exports.write("customers", "mine.xlsx", region="east")`."""

    def __init__(self, session, facade=None):
        super().__init__(session)
        self._facade = facade

    @action
    def write(self, kind: str, path, **filters) -> int:
        """Write the list `kind` — exactly what you may see — to CSV or Excel; returns the row count.
        Text that a spreadsheet would run as a formula is written with a leading `'`."""
        s = self._s
        validate.one_of(kind, "kind", tuple(EXPORTABLE))
        path = _path(path)
        if not path.lower().endswith((".csv", ".xlsx")):
            raise InvalidInput("export.format", field="path", path=path)
        area, verb = EXPORTABLE[kind]
        lister = getattr(getattr(self._facade, area), verb)
        _check_filters(kind, lister, filters)
        folder = os.path.dirname(path)
        if folder and not os.path.isdir(folder):
            raise InvalidInput("export.folder", field="path", path=path, folder=folder)
        frame = neutralised(lister(**filters))
        if os.path.exists(path):
            raise InvalidInput("export.exists", field="path", path=path)
        try:
            if path.lower().endswith(".csv"):
                frame.to_csv(path, index=False, encoding="utf-8-sig")  # the BOM lets Excel read Chinese
            else:
                write_excel(frame, path)
            s.audit("export", kind, None, after={"rows": len(frame), "filters": filters}, note=os.path.basename(path))
        except OSError as error:
            raise NotAllowed("export.io", path=path, detail=error.strerror or str(error)) from None
        except BaseException:
            if os.path.exists(path):
                os.remove(path)
            raise
        return len(frame)


def _path(path) -> str:
    """The file name as text, or InvalidInput: `None`, a number, or a name the file system cannot
    hold (half of a broken character) would otherwise fail deep inside Python."""
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidInput("export.path", field="path")
    path = os.fspath(path)
    if not isinstance(path, str):
        raise InvalidInput("export.path", field="path")   # a bytes path-like
    try:
        os.fsencode(path)
    except UnicodeEncodeError:
        raise InvalidInput("export.path", field="path") from None
    if not path.strip() or "\x00" in path:
        raise InvalidInput("export.path", field="path")
    return path


# Filter values a list verb takes: single values (no list takes several at once); numpy's
# scalars too (a value picked out of a DataFrame).
FILTER_TYPES = (str, numbers.Number, dt.date, np.generic, type(None))


def _check_filters(kind: str, lister, filters: dict) -> None:
    """InvalidInput for a filter the list does not have, or a value no filter takes (a list …)."""
    parameters = inspect.signature(lister).parameters
    names = [n for n, p in parameters.items() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for name, value in filters.items():
        if name not in names:
            raise InvalidInput("export.filter", field="filters", kind=kind, name=name, allowed=", ".join(names))
        if not isinstance(value, FILTER_TYPES) and not hasattr(value, "__fspath__"):
            raise InvalidInput("export.filter_value", field="filters", name=name, type=type(value).__name__)


def write_excel(frame: pd.DataFrame, path: str) -> None:
    """`frame` as one sheet, every text cell a text cell: openpyxl would otherwise store text
    starting with `=` as a formula and `#N/A` as an error."""
    import openpyxl  # only an Excel export needs it
    from openpyxl.cell import WriteOnlyCell  # with openpyxl, for an Excel export only

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()

    def cell(value):
        if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
            return None
        if hasattr(value, "to_pydatetime"):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)   # Excel has no time zones
        elif not isinstance(value, (str, int, float, Decimal, dt.date, dt.time)):
            value = inert(str(value))             # a list, a dict …: its text
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"
        return written

    sheet.append([cell(str(c)) for c in frame.columns])
    columns = [frame[c].astype(object).tolist() for c in frame.columns]
    for row in zip(*columns):
        sheet.append([cell(v) for v in row])
    book.save(path)
