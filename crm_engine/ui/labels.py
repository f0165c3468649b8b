"""Report and list frames as people read them: codes as names, column names as headers, in the
session's language.

    from crm_engine.ui import labels
    frame = crm.reports.composition("region")
    shown = labels.localize(crm, frame)          # 华北 … under 地区; one share column, no `code`/`percent`
    labels.header(crm, "title", kind="contract") # "Title" / "标题" — "Job title" only for people

`values(crm, frame, kind)` swaps codes for names (dictionary entries, states, RFM segments, target
metrics) and drops columns that only repeat another one; `headers(crm, columns, kind)` names the
columns; `localize` does both. `kind` is the record kind of a list ("contract", "task", "notice" …);
a report frame says its own (`frame.attrs["report"]`). Pure functions over (crm, frame): the
frame is not changed, and a code without a name stays as it is.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import catalog

# The record kind of each report's rows: it decides which state names and headers apply.
REPORT_KINDS = {"contribution": "customer", "composition": "customer", "rfm": "customer", "rfm_segments": "customer",
                "cohorts": "customer", "churn_analysis": "churn", "churn_rate": "churn",
                "service_analysis": "ticket", "funnel": "opportunity", "win_rate": "opportunity",
                "pipeline": "opportunity", "campaign_roi": "campaign", "attainment": "target",
                "leaderboard": "target"}
# Columns holding a data-dictionary code, and the dictionary kind naming it.
DICTIONARY = {"region": "region", "level": "customer_level", "customer_type": "customer_type",
              "industry": "industry", "ownership": "ownership", "company_size": "company_size",
              "campaign_type": "campaign_type", "service_type": "service_type", "expense_type": "expense_type",
              "channel": "interaction_channel", "method": "payment_method", "category": "product_category",
              "priority": "task_priority", "lost_reason": "lost_reason", "source": "lead_source",
              "stage": "opportunity_stage"}
# A column whose dictionary depends on the record kind.
DICTIONARY_BY_KIND = {("churn", "reason"): "churn_reason", ("sales_return", "reason"): "return_reason",
                      ("file", "source"): None}
# Catalogue prefixes naming the codes of other columns ("{kind}" is the record kind).
CATALOGUE = {"state": "state.{kind}.", "status": "state.{kind}.", "segment": "rfm.", "metric": "target.metric.",
             "role": "role.", "subject_kind": "ui.labels.subject_kind."}
# Headers that depend on the kind of record: a contract's or task's title is not a person's job title.
CONTEXT = {
    "title": {"contact": "field.title", "address_book": "field.title", "user": "field.title",
              "task": "field.task_title", "notice": "field.notice_title", None: "ui.labels.col.title"},
    "owner_name": {"customer": "ui.reports.col.owner_name", "churn": "ui.reports.col.owner_name",
                   "opportunity": "ui.reports.col.owner_name", "lead": "ui.reports.col.owner_name",
                   "contract": "ui.reports.col.owner_name", None: "ui.col.owner_name"},
    "source": {"file": "field.source", None: "field.lead_source"},
    "result": {"plan_step": "field.result", None: "ui.col.result"},
    "amount": {"target": "ui.reports.col.amount", None: "ui.col.amount"},
    "reason": {"churn": "field.churn_reason", "sales_return": "field.return_reason", None: "ui.col.reason"},
    "stage": {None: "chart.stage"},
    "segment": {None: "chart.segment"},
    "segment_label": {None: "chart.segment"},
    "priority": {None: "field.task_priority"},
    "handler": {None: "ui.col.handler_name"},
}
# Where a header is looked up when no context applies, in order; reports first read their own names.
LIST_KEYS = ("ui.labels.col.{c}", "ui.col.{c}", "field.{c}", "ui.reports.col.{c}", "chart.{c}")
REPORT_KEYS = ("ui.labels.col.{c}", "ui.reports.col.{c}", "chart.{c}", "ui.col.{c}", "field.{c}")
# A frame with both shows the share once, as a fraction the view formats as a percentage.
REPEATS = {"percent": "share", "segment": "segment_label"}


def kind_of(frame: pd.DataFrame, kind: str | None = None) -> str | None:
    """The record kind of `frame`'s rows: the one given, else the report's."""
    return kind or REPORT_KINDS.get(frame.attrs.get("report"))


def labelled_code(frame: pd.DataFrame) -> str | None:
    """The code column a report's `label` column names (composition's `code`, a funnel's `stage`,
    service analysis's `handler` …): the one whose values and the labels match one to one."""
    if "label" not in frame.columns or frame.empty:
        return None
    # `code`, `stage` and `segment` are always what a label names (a pipeline cut by team labels its
    # stages, not its teams); otherwise the column the report was cut by.
    for column in ("code", "stage", "segment", frame.attrs.get("by")):
        if column in frame.columns and column != "label":
            pairs = frame[[column, "label"]].astype(str).drop_duplicates()
            if pairs[column].is_unique and pairs["label"].is_unique:
                return column
    return None


def values(crm, frame: pd.DataFrame, kind: str | None = None, *, drop: bool = True,
           columns=None) -> pd.DataFrame:
    """A copy of `frame` with codes named in `crm`'s language and repeated columns dropped
    (`drop=False` keeps every column: what a chart of the report needs). `columns` names the
    codes of those columns only (a chart of 70k customers shows one of them: ~1 ms, not ~40)."""
    kind = kind_of(frame, kind)
    code = labelled_code(frame) if drop else None
    repeated = [c for c, kept in REPEATS.items() if drop and c in frame.columns and kept in frame.columns]
    out = frame.drop(columns=[*repeated, *([code] if code else [])])
    known = catalog()
    for column in out.columns if columns is None else [c for c in columns if c in out.columns]:
        names = _names(crm, column, kind, known, out[column])
        if names and (out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype)):
            # Vectorised (a contribution or RFM frame has a row per customer): a code without a name stays.
            named = out[column].map(names)
            out[column] = named.where(named.notna(), out[column])
    out.attrs = dict(frame.attrs)
    if code:
        out.attrs["label_of"] = code
    return out


def _names(crm, column: str, kind: str | None, known: dict, codes: pd.Series) -> dict[str, str]:
    """{code: name} for a column of codes, empty when the column holds no codes."""
    dictionary = DICTIONARY_BY_KIND.get((kind, column), DICTIONARY.get(column))
    if dictionary:
        # `dictionary.label` reads the whole (small) dictionary once per click, not once per code.
        return {code: crm.dictionary.label(dictionary, code) for code in codes.dropna().unique()
                if isinstance(code, str)}
    prefix = CATALOGUE.get(column)
    if prefix is None or ("{kind}" in prefix and not kind):
        return {}
    prefix = prefix.format(kind=kind)
    return {key[len(prefix):]: crm.t(key) for key in known if key.startswith(prefix)}


def header(crm, column: str, kind: str | None = None, *, report: bool = False) -> str:
    """The translated header of `column` in a list of `kind` records (or in a report)."""
    known = catalog()
    context = CONTEXT.get(column)
    if context:
        key = context.get(kind, context[None])
        if key in known:
            return crm.t(key)
    for pattern in REPORT_KEYS if report else LIST_KEYS:
        key = pattern.format(c=column)
        if key in known:
            return crm.t(key)
    return column


def headers(crm, frame: pd.DataFrame, kind: str | None = None) -> dict[str, str]:
    """{column: header} for a frame from `values()` (its `label` column takes the header of the code
    it names: "Region" for a composition by region)."""
    kind, report = kind_of(frame, kind), frame.attrs.get("report") is not None
    names = {c: header(crm, c, kind, report=report) for c in frame.columns}
    if "label" in frame.columns:
        code = frame.attrs.get("label_of")
        by = frame.attrs.get("by") if code == "code" else code
        names["label"] = header(crm, by, kind, report=report) if by else crm.t("chart.group")
    return names


def localize(crm, frame: pd.DataFrame, kind: str | None = None) -> pd.DataFrame:
    """`frame` as a reader sees it: codes named, repeated columns dropped, headers translated."""
    shown = values(crm, frame, kind)
    return shown.rename(columns=headers(crm, shown, kind))
