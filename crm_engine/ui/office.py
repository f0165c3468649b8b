"""My office (F1–F5) on the kit: the work schedule (tasks by day, week or month → task page with
its path open → done | cancelled and the actions with the engine's reasons), files
(`office_files.py`), address books (`office_book.py`), the notice board and the message centre (`office_board.py`).

    from crm_engine.ui import show
    show(crm, "office")                   # OfficeModule(crm): a widget for a cell or the app

Every action calls one verb of the facade; private things stay private in the engine. Reading a
notice or a message is an engine action, so the app header's unread counts follow at once.
"""
from __future__ import annotations

import html

import solara
from solara.alias import rv

from ..errors import CRMError
from . import kit
from .cash_contract import machine_of
from .office_board import MessagesTab, NoticesTab

ASSIGNING_ROLES = ("supervisor", "director", "admin")
TASK_COLUMNS = [kit.Column("on_date", "field.task_date", kind="date", sort="on_date"),
                kit.Column("at_time", "field.task_time", priority=2),
                kit.Column("title", "field.task_title", width=40),             # the task, not a job title
                kit.Column("priority", "field.task_priority", kind="code", of="task_priority", priority=3),
                kit.Column("status", "field.status", kind="state", of="task", sort="status"),
                kit.Column("customer_name", "field.customer_name", priority=3, width=24),
                kit.Column("owner_name", "ui.col.owner_name", sort="owner_name", priority=2)]


@solara.component
def TaskList(crm, on_open=None):
    """Tasks of a day, a week or a month around a date — yours, or your team's."""
    kit.use_workspace(crm)
    period, set_period = solara.use_state("week")
    day, set_day = solara.use_state("")
    team, set_team = solara.use_state(False)
    problem = None
    try:
        since, until = crm.tasks.span(period, kit.text_or_none(day))
    except CRMError as error:                 # a date that is not one: said beside the box
        since, until, problem = None, None, kit.failure(crm, error)
    with solara.Column(gap="4px") as box:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "center"}):
            rv.Select(items=[{"title": crm.t(f"ui.office.{p}"), "value": p} for p in crm.tasks.PERIODS],
                      v_model=period, on_v_model=lambda p: set_period(p or "week"), label=crm.t("ui.uicash.period"),
                      density="compact", hide_details=True, style_="max-width:10em").meta(ref="task-period")
            rv.TextField(v_model=day, on_v_model=lambda d: set_day(d or ""), label=crm.t("field.date"),
                         placeholder=crm.today().isoformat(), density="compact", hide_details=True,
                         style_="max-width:12em").meta(ref="task-date")
            if crm.user.role in ASSIGNING_ROLES:
                solara.Checkbox(label=crm.t("ui.office.team_tasks"), value=team, on_value=set_team
                                ).meta(ref="task-team")
        kit.Feedback(problem, ref="task-date-message")
        if since is not None:
            rv.Html(tag="div", style_="font-size:12px;color:#555",
                    children=[f"{kit.date(since)} – {kit.date(until)}"]).meta(ref="task-span")
            kit.RecordList(crm, crm.tasks.list, crm.tasks.count, TASK_COLUMNS, on_open=on_open,
                           filters={"team": team, "since": since, "until": until}, sort="on_date", ref="tasks")
    return box


@solara.component
def TaskRecord(crm, task_id: int, on_close=None):
    """One task: its path, complete / cancel / reopen / move with the engine's reasons, its details."""
    version, language = kit.use_workspace(crm)

    def load():
        try:
            with crm.holding():
                return (crm.tasks.get(task_id), crm.tasks.actions(task_id)), None
        except CRMError as error:
            return None, kit.failure(crm, error)

    data, problem = solara.use_memo(load, dependencies=[version, language, task_id, crm.user.id])
    if data is None:
        return kit.Feedback(problem, ref="record-message")
    task, why = data
    t, labels = crm.t, kit.Labels.of(crm)

    def complete(v):
        crm.tasks.complete(task.id, result=kit.text_or_none(v.get("task_result")))
        return t("ui.office.completed", title=task.title)

    def cancel(v):
        crm.tasks.cancel(task.id, reason=kit.text_or_none(v.get("task_cancel_reason")))
        return t("ui.office.cancelled", title=task.title)

    def reopen(_v):
        crm.tasks.reopen(task.id)
        return t("ui.office.reopened", title=task.title)

    def reschedule(v):
        crm.tasks.reschedule(task.id, v.get("task_date"), at_time=kit.text_or_none(v.get("task_time")))
        return t("ui.office.rescheduled", title=task.title)

    facts = [("field.task_title", task.title), ("field.task_date", kit.date(task.on_date)),
             ("field.task_time", task.at_time), ("field.task_priority", labels.code("task_priority", task.priority)),
             ("field.status", labels.state("task", task.status)), ("ui.col.owner_name", labels.user(task.owner_id)),
             ("ui.uicash.assigned_by", labels.user(task.assigned_by)), ("field.detail", task.detail),
             ("field.task_result", task.result), ("ui.uicash.completed_on", kit.date(task.completed_on))]
    actions = [kit.Action("complete", t("ui.office.complete"), complete, reason=why["complete"], color="success",
                          fields=(kit.Field("task_result"),)),
               kit.Action("reschedule", t("ui.office.reschedule"), reschedule, reason=why["reschedule"],
                          color="secondary", fields=(kit.Field("task_date", "date"),
                                                     kit.Field("task_time", placeholder="HH:MM")),
                          initial={"task_date": task.on_date.isoformat(), "task_time": task.at_time or ""}),
               kit.Action("reopen", t("ui.office.reopen"), reopen, reason=why["reopen"], color="secondary"),
               kit.Action("cancel", t("ui.office.cancel_task"), cancel, reason=why["cancel"], color="error",
                          fields=(kit.Field("task_cancel_reason"),))]
    return kit.RecordPage(crm, f"{kit.cap(t('kind.task'))} · {task.title}", subtitle=kit.date(task.on_date),
                          path=kit.PathBar(crm, machine_of(crm, "task"), task.status), actions=actions,
                          tabs=[(t("ui.kit.details"), lambda: kit.Facts(crm, facts))], on_close=on_close)


@solara.component
def NewTask(crm):
    """Put a task on a day — your own, or (supervisors) a team member's."""
    version, language = kit.use_workspace(crm)
    users = solara.use_memo(lambda: tuple((r.name, r.username) for r in crm.admin.users().itertuples()),
                            dependencies=[version, language])
    fields = [kit.Field("task_title"), kit.Field("task_date", "date"), kit.Field("task_time", placeholder="HH:MM"),
              kit.Field("task_priority", "select", options=tuple(crm.dictionary.choices("task_priority"))),
              kit.Field("detail", "textarea")]
    if crm.user.role in ASSIGNING_ROLES:
        fields.insert(4, kit.Field("task_assignee", "select", options=users))

    def add(v):
        task = crm.tasks.add(v.get("task_title") or "", on_date=kit.text_or_none(v.get("task_date")),
                             at_time=kit.text_or_none(v.get("task_time")), assignee=v.get("task_assignee"),
                             priority=v.get("task_priority") or "normal", detail=kit.text_or_none(v.get("detail")))
        return crm.t("ui.office.task_added", title=task.title, date=kit.date(task.on_date))

    return kit.ActionBar(crm, [kit.Action("add", crm.t("ui.office.new_task"), add, fields=tuple(fields),
                                          initial={"task_priority": "normal"})], ref="new-task")


@solara.component
def ScheduleTab(crm):
    open_id, set_open_id = solara.use_state(None)
    kit.use_workspace(crm)
    with solara.Column(gap="6px") as box:
        if open_id is not None:
            TaskRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            NewTask(crm)
            TaskList(crm, on_open=set_open_id)
    return box


@solara.component
def OfficeScreen(crm, tab: solara.Reactive, unread_notices: solara.Reactive, unread_messages: solara.Reactive):
    """The module: schedule, files, address books, notice board, message centre."""
    kit.use_workspace(crm)
    from .office_book import AddressBookTab
    from .office_files import FilesTab
    sections = [(crm.t("ui.office.schedule"), lambda: ScheduleTab(crm)),
                (crm.t("ui.office.files"), lambda: FilesTab(crm)),
                (crm.t("ui.office.address_books"), lambda: AddressBookTab(crm)),
                (crm.t("ui.office.notice_board"), lambda: NoticesTab(crm, unread_only=unread_notices)),
                (crm.t("ui.office.message_centre"), lambda: MessagesTab(crm, unread_only=unread_messages))]
    return kit.Tabs(sections, index=tab.value, on_index=tab.set, ref="office-tabs")


def summary_html(crm) -> str:
    """What the module shows, as plain HTML (nbconvert / nbgrader output has no widgets)."""
    since, until = crm.tasks.span("week")
    tasks = crm.tasks.list(since=since, until=until, limit=kit.listview.PAGE_SIZE)
    return (f"<h4>{html.escape(crm.t('ui.office.schedule'))}</h4>{kit.table_html(crm, tasks, TASK_COLUMNS)}"
            f"<p>{html.escape(crm.t('ui.notify.notices', count=crm.notices.unread_count()))} · "
            f"{html.escape(crm.t('ui.notify.messages', count=crm.messages.unread_count()))}</p>")


class OfficeModule(kit.KitView):
    """`show(crm, "office")`: the screen as one widget, with a readable text fallback."""

    TABS = {"notices": 3, "messages": 4}

    def __init__(self, crm):
        self.crm = crm
        self.tab = solara.reactive(0)
        self.unread = {"notices": solara.reactive(False), "messages": solara.reactive(False)}
        super().__init__(OfficeScreen(crm, self.tab, self.unread["notices"], self.unread["messages"]),
                         fallback=lambda: summary_html(crm))

    def show_waiting(self, what: str) -> None:
        """Opened from "unread notices" / "unread messages": that tab, unread only."""
        if what in self.TABS:
            self.unread[what].set(True)
            self.tab.set(self.TABS[what])
