"""Churn warnings (C3, C4) on the kit: scan, the warning list (a row opens its record page),
suspend and confirm with the engine's reasons, the administrator's threshold.

    from crm_engine.ui import show
    show(crm, "churn")                  # ChurnModule(crm): a widget for a cell or the app

The record page draws the warning's path from the engine's state machine (warning → suspended →
churned | cleared) and asks the engine what may be done now (`crm.churn.actions`): confirming is
disabled, with the engine's reason, until the customer's owner has recorded at least one
suspension. Every action confirms or shows the engine's refusal beside its buttons.
"""
from __future__ import annotations

import html

import solara
from solara.alias import rv

from ..errors import InvalidInput
from ..statemachine import machine
from . import kit

LIST_COLUMNS = [kit.Column("id", "field.id", sort=None),
                kit.Column("customer_name", "field.customer_name", sort="customer_name", width=40),
                kit.Column("owner_name", "field.owner", priority=2),
                kit.Column("state", "field.warning_state", kind="state", of="churn"),
                kit.Column("last_order_date", "ui.col.last_order_date", kind="date", priority=3),
                kit.Column("days_silent", "ui.col.days_silent", sort="days_silent"),
                kit.Column("suspensions", "ui.col.suspensions", priority=3),
                kit.Column("raised_on", "ui.col.raised_on", kind="date", sort="raised_on", priority=2)]
MEASURE_COLUMNS = [kit.Column("on_date", "field.on_date", kind="date"),
                   kit.Column("user_name", "ui.col.user_name", priority=2),
                   kit.Column("measures", "field.measures")]



def path_machine(crm):
    """The engine's state machine of a churn. The facade loads an area on first use, and with it
    its machine: ask the area first, so a fresh kernel never misses it."""
    crm.churn  # noqa: B018 — loads the area (and registers its machine)
    return machine("churn")

def history_columns(kind: str) -> list:
    """The columns of a record's state history (churn warnings, tickets)."""
    return [kit.Column("on_date", "field.on_date", kind="date"),
            kit.Column("action", "ui.sales.action"),
            kit.Column("from_state", "ui.sales.from_state", kind="state", of=kind, priority=2),
            kit.Column("to_state", "ui.sales.to_state", kind="state", of=kind),
            kit.Column("user_name", "ui.sales.by_user"),
            kit.Column("note", "field.notes", priority=3)]


def translated_history(crm, kind: str, frame):
    """The state history with its actions named in the session's language."""
    return frame.assign(action=frame["action"].map(lambda a: crm.t(f"action.{kind}.{a}")))


def holders(crm) -> tuple:
    """(name, username) of the active account managers and supervisors: whom a warning can belong to."""
    users = crm.admin.users()
    return tuple((r.name, r.username) for r in users[users["role"].isin(["account_manager", "supervisor"])].itertuples())


def read(crm, warning_id: int) -> dict:
    """Everything the record page shows, in one go."""
    area = crm.churn
    return {"warning": area.get(warning_id), "actions": area.actions(warning_id),
            "measures": area.measures(warning_id),
            "history": translated_history(crm, "churn", area.history(warning_id))}


def details(crm, warning) -> list:
    labels = kit.Labels.of(crm)
    return [("field.customer_name", warning.customer_name), ("field.owner", labels.user(warning.owner_id)),
            ("field.warning_state", labels.state("churn", warning.state)),
            ("ui.col.raised_on", kit.date(warning.raised_on)),
            ("ui.col.last_order_date", kit.date(warning.last_order_date)),
            ("ui.col.reference_date", kit.date(warning.reference_date)),
            ("ui.col.suspensions", str(warning.suspensions)),
            ("field.churn_reason", labels.code("churn_reason", warning.reason)),
            ("field.churn_note", warning.reason_note), ("ui.col.closed_on", kit.date(warning.closed_on))]


def answers(crm, warning, why: dict) -> list:
    """Suspend (measures, may be repeated) and confirm (a reason) — each one verb, each confirmed."""
    t, labels, wid = crm.t, kit.Labels.of(crm), warning.id

    def suspend(v):
        done = crm.churn.suspend(wid, measures=v.get("measures") or "")
        return t("ui.care.suspended", customer=done.customer_name, count=done.suspensions)

    def confirm(v):
        done = crm.churn.confirm(wid, v.get("churn_reason"), note=kit.text_or_none(v.get("churn_note")))
        return t("ui.care.confirmed", customer=done.customer_name, reason=labels.code("churn_reason", done.reason))

    return [kit.Action("suspend", t("ui.care.suspend"), suspend, reason=why["suspend"], color="warning",
                       fields=(kit.Field("measures", "textarea"),)),
            kit.Action("confirm_churn", t("ui.care.confirm"), confirm, reason=why["confirm"], color="error",
                       fields=(kit.Field("churn_reason", "select", options=tuple(crm.dictionary.choices("churn_reason"))),
                               kit.Field("churn_note", "textarea")))]


@solara.component
def WarningRecord(crm, warning_id: int, on_close=None):
    """One churn warning: path, suspend / confirm with the engine's reasons, details, measures, history."""
    data, problem = kit.use_record(crm, read, warning_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    warning = data["warning"]
    tabs = [(crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, warning))),
            (crm.t("field.measures"), lambda: kit.StaticTable(crm, data["measures"], MEASURE_COLUMNS, "measures")),
            (crm.t("ui.sales.history"),
             lambda: kit.StaticTable(crm, data["history"], history_columns("churn"), "history"))]
    return kit.RecordPage(crm, f"{crm.t('ui.care.warning_title', id=warning.id)} · {warning.customer_name}",
                          subtitle=crm.t("ui.care.rule_since", date=kit.date(warning.reference_date)),
                          path=kit.PathBar(crm, path_machine(crm), warning.state),
                          actions=answers(crm, warning, data["actions"]), tabs=tabs, on_close=on_close)


@solara.component
def WarningList(crm, state: solara.Reactive, on_open=None):
    """Filter by state (and holder, for superiors); search, sort, page; a row click opens it."""
    kit.use_workspace(crm)
    owner, set_owner = solara.use_state(None)
    states = [{"title": crm.t("ui.care.open_warnings"), "value": "open"}] + [
        {"title": kit.cap(crm.t(f"state.churn.{s}")), "value": s} for s in path_machine(crm).states] + [
        {"title": crm.t("ui.care.all"), "value": None}]
    with solara.Column(gap="4px") as box:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px"}):
            rv.Select(items=states, v_model=state.value, on_v_model=state.set, label=crm.t("field.warning_state"),
                      density="compact", hide_details=True, style_="min-width:10em;max-width:18em"
                      ).meta(ref="filter-state")
            if crm.user.role != "account_manager":
                people = [{"title": crm.t("ui.care.all"), "value": None}] + [
                    {"title": n, "value": u} for n, u in holders(crm)]
                rv.Select(items=people, v_model=owner, on_v_model=set_owner, label=crm.t("field.owner"),
                          density="compact", hide_details=True, style_="min-width:10em;max-width:16em"
                          ).meta(ref="filter-owner")
        kit.RecordList(crm, crm.churn.list, crm.churn.count, LIST_COLUMNS, on_open=on_open,
                       filters={"state": state.value, "owner": owner}, ref="warnings")
    return box


@solara.component
def ScanBar(crm):
    """The rule in force, the scan, and (administrator) the threshold — messages beside the buttons."""
    version, language = kit.use_workspace(crm)
    t = crm.t
    due = solara.use_memo(lambda: crm.churn.due_date(), dependencies=[version, language])

    def scan(_v):
        done = crm.churn.scan()
        return t("ui.care.scanned", raised=done.raised, cleared=done.cleared, reactivated=done.reactivated,
                 open=done.open)

    def threshold(v):
        months = kit.text_or_none(v.get("churn_threshold_months"))
        if months is None:
            raise InvalidInput("error.required", field="churn_threshold_months")
        crm.admin.set_setting("churn_threshold_months", months.strip())
        return t("ui.care.threshold_saved", months=months.strip())

    actions = [kit.Action("scan", t("ui.care.scan"), scan)]
    if crm.user.role == "admin":   # the engine lets only the administrator change a setting
        months = crm.admin.settings().get("churn_threshold_months", 6)
        actions.append(kit.Action("threshold", t("field.churn_threshold_months"), threshold, color="secondary",
                                  fields=(kit.Field("churn_threshold_months"),),
                                  initial={"churn_threshold_months": str(months)}))
    with solara.Column(gap="2px") as box:
        rv.Html(tag="div", style_="font-size:13px;color:#444",
                children=[t("ui.care.rule", cutoff=kit.date(due))]).meta(ref="churn-rule")
        kit.ActionBar(crm, actions, ref="scan")
    return box


@solara.component
def ChurnScreen(crm, state: solara.Reactive):
    """Scan bar on top; the list, or the warning a row opened."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    with solara.Column(gap="6px") as box:
        ScanBar(crm)
        if open_id is not None:
            # Keyed by the record: another record starts with no half-typed form or old message.
            WarningRecord(crm, open_id, on_close=lambda: set_open_id(None)).key(f"record-{open_id}")
        # The list stays built (hidden) while a record is open: it keeps its page, order and search.
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            WarningList(crm, state, on_open=set_open_id)
    return box


def summary_html(crm) -> str:
    """The open warnings as plain HTML (nbconvert / nbgrader output has no widgets)."""
    listed = crm.churn.list(state="open", limit=kit.listview.PAGE_SIZE)
    return (f"<h4>{html.escape(crm.t('module.churn'))}</h4>"
            f"<p>{html.escape(crm.t('ui.care.rule', cutoff=kit.date(crm.churn.due_date())))}</p>"
            f"{kit.table_html(crm, listed, LIST_COLUMNS)}")


class ChurnModule(kit.KitView):
    """`show(crm, "churn")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        self.state_filter = solara.reactive("open")
        super().__init__(ChurnScreen(crm, self.state_filter), fallback=lambda: summary_html(crm))

    def show_waiting(self, _what: str) -> None:
        """Opened from the "new churn warnings" notification: show the unanswered ones."""
        self.state_filter.set("warning")
