"""A record page: name, state as a path, the allowed actions, sections in tabs.

    RecordPage(crm, title="Opportunity 7 · Lakeside Hotel", subtitle="50 notebooks",
               path=PathBar(crm, OPPORTUNITY, opp.state),
               actions=[Action("assign", crm.t("ui.opportunities.assign"), run=assign,
                               fields=[Field("assignee", "select", options=managers)],
                               reason=reasons["assign"])],
               tabs=[(crm.t("ui.kit.details"), lambda: Facts(crm, pairs)), (crm.t("ui.sales.history"), history)])

`Action.run(values) -> str` calls one facade verb and returns the confirmation; a `CRMError`
it raises is shown beside the buttons and marks the field it names. `reason` (from the
engine's `actions(…)` query, None when allowed) disables the button and is its hover text.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field as dc_field
from typing import Callable

import solara
from solara.alias import rv

from ...errors import CRMError
from . import fmt
from .form import FormFields
from .messages import Feedback, Message, attempt, failure
from .store import use_workspace

PATH_CSS = """
.crm-path { display: flex; flex-wrap: wrap; gap: 2px; margin: 6px 0; }
.crm-path-step { padding: 4px 14px 4px 18px; background: #e8eaf0; color: #333; font-size: 13px;
  clip-path: polygon(0 0, calc(100% - 10px) 0, 100% 50%, calc(100% - 10px) 100%, 0 100%, 10px 50%); }
.crm-path-step:first-child { clip-path: polygon(0 0, calc(100% - 10px) 0, 100% 50%, calc(100% - 10px) 100%, 0 100%);
  padding-left: 12px; }
.crm-path-done { background: #c8e6c9; }
.crm-path-current { background: #1565c0; color: #fff; font-weight: 600; }
.crm-path-current.crm-path-bad { background: #c62828; }
.crm-path-current.crm-path-good { background: #2e7d32; }
.crm-actions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.crm-action-card .v-btn, .crm-tabs .v-tab, .crm-record .v-btn, .crm-kit-list .v-btn {
  text-transform: none; letter-spacing: normal; }
"""
GOOD_ENDS = ("succeeded", "converted", "done", "fulfilled", "resolved", "paid", "closed")


def path_states(machine, state: str) -> list[list[str]]:
    """The path of `machine` through `state`: its states in table order, the ends (states with no
    way out) together as the last step, e.g. [[unassigned], [assigned], [succeeded, failed]]."""
    ends = [s for s in machine.states if all(target == s for (src, _), target in machine.transitions.items()
                                             if src == s)]
    steps = [[s] for s in machine.states if s not in ends]
    return steps + ([ends] if ends else [])


@solara.component
def PathBar(crm, machine, state: str, ref: str = "path"):
    """The state machine's states as a path, the current one highlighted, those before it done."""
    steps = path_states(machine, state)
    reached = next((i for i, step in enumerate(steps) if state in step), -1)
    children = []
    for index, step in enumerate(steps):
        shown = [state] if state in step else step
        classes = ["crm-path-step"]
        if index < reached:
            classes.append("crm-path-done")
        elif index == reached:
            classes.append("crm-path-current")
            classes.append("crm-path-good" if state in GOOD_ENDS else "crm-path-bad" if len(step) > 1 else "")
        text = " | ".join(fmt.cap(crm.t(f"state.{machine.kind}.{s}")) for s in shown)
        children.append(rv.Html(tag="div", class_=" ".join(c for c in classes if c), children=[text],
                                attributes={"data-state": "|".join(shown)}))
    return rv.Html(tag="div", class_="crm-path", children=[solara.Style(PATH_CSS), *children]).meta(ref=ref)


@dataclass(frozen=True)
class Action:
    """A button on a record: `run(values) -> confirmation`; `fields` open a small form first."""

    name: str
    label: str
    run: Callable[[dict], str]
    fields: tuple = ()
    reason: str | None = None
    color: str = "primary"
    initial: dict = dc_field(default_factory=dict)


@solara.component
def ActionBar(crm, actions, ref: str = "actions"):
    """The actions as buttons (disabled with the reason on hover when not allowed now); an action
    with fields opens its form under the buttons; the outcome shows right there."""
    opened, set_opened = solara.use_state(None)
    values, set_values = solara.use_state({})
    message, set_message = solara.use_state(None)
    by_name = {a.name: a for a in actions}

    def press(action: Action):
        set_message(None)
        if action.fields:
            set_opened(action.name)
            set_values(dict(action.initial))
        else:
            run(action, {})

    def run(action: Action, given: dict):
        outcome: Message = attempt(crm, lambda: action.run(given), ok=lambda text: text)
        set_message(outcome)
        if outcome.ok:
            set_opened(None)
            set_values({})

    buttons = []
    for action in actions:
        button = solara.Button(action.label, color=action.color if not action.reason else None,
                               disabled=action.reason is not None, on_click=lambda a=action: press(a),
                               classes=[f"crm-action-{action.name}"]).meta(ref=f"{ref}-{action.name}")
        buttons.append(rv.Html(tag="span", attributes={"title": action.reason or action.label},
                               class_="crm-action", children=[button]))
    current = by_name.get(opened)
    with solara.Column(gap="4px", classes=["crm-action-card"]) as box:
        solara.Style(PATH_CSS)
        rv.Html(tag="div", class_="crm-actions", children=buttons)
        if current is not None:
            with rv.Sheet(class_="crm-action-form", border=True, rounded=True, style_="padding:8px"):
                # Keyed by action: another action's form gets its own inputs (a reused input kept the
                # first form's `ref`, so tests could not find the second form's fields).
                FormFields(crm, current.fields, values, set_values,
                           invalid=message.field if message and not message.ok else None,
                           error_text=message.text if message and not message.ok else None
                           ).key(f"form-{current.name}")
                with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "6px",
                                       "align-items": "center"}):
                    solara.Button(crm.t("ui.kit.confirm", action=current.label), color=current.color,
                                  on_click=lambda: run(current, values)).meta(ref=f"{ref}-confirm")
                    solara.Button(crm.t("ui.kit.cancel"), text=True,
                                  on_click=lambda: (set_opened(None), set_message(None))).meta(ref=f"{ref}-cancel")
                    Feedback(message, ref=f"{ref}-message")
        else:
            Feedback(message, ref=f"{ref}-message")
    return box


@solara.component
def Facts(crm, pairs, ref: str = "facts"):
    """A two-column table of (label key, shown text) pairs; blank values stay blank. One widget
    (escaped HTML inside): nothing in it is clicked, so it need not be a tree of widgets."""
    rows = "".join(
        "<tr><th style='text-align:left;padding:3px 12px 3px 0;font-weight:600;vertical-align:top'>"
        f"{html.escape(crm.t(key))}</th><td style='padding:3px 0;overflow-wrap:anywhere'>"
        f"{html.escape(fmt.blank(value))}</td></tr>" for key, value in pairs)
    return solara.HTML(tag="table", unsafe_innerHTML=rows, classes=["crm-facts"],
                       style="font-size:13px").meta(ref=ref)


@solara.component
def Tabs(sections, ref: str = "tabs", index: int | None = None, on_index=None):
    """Sections as tabs; only the selected one is built (`sections`: (title, build) pairs).
    Give `index` / `on_index` to choose the tab from outside (e.g. open a record from a board)."""
    own, set_own = solara.use_state(0)
    if index is None:
        index, on_index = own, set_own
    set_index = on_index
    index = min(index, len(sections) - 1)
    with solara.Column(gap="4px") as box:
        solara.Style(PATH_CSS)
        with rv.Tabs(v_model=index, on_v_model=lambda i: set_index(int(i) if i is not None else 0),
                     density="compact", show_arrows=True, class_="crm-tabs").meta(ref=ref):
            for number, (title, _build) in enumerate(sections):
                rv.Tab(value=number, children=[title]).meta(ref=f"{ref}-{number}")
        with solara.Div(style={"padding": "4px 0"}):
            sections[index][1]()
    return box


@solara.component
def RecordPage(crm, title: str, subtitle: str = "", path=None, actions=(), tabs=(), on_close=None,
               ref: str = "record"):
    """Header (name, subtitle, close), the path, the action bar and the sections."""
    with rv.Card(class_="crm-record", style_="padding:10px;width:100%").meta(ref=ref) as card:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "align-items": "baseline", "gap": "8px"}):
            rv.Html(tag="h3", style_="margin:0", children=[title]).meta(ref=f"{ref}-title")
            if subtitle:
                rv.Html(tag="span", style_="color:#555", children=[subtitle])
            if on_close is not None:
                solara.Button(icon_name="mdi-close", text=True, on_click=on_close).meta(ref=f"{ref}-close")
        if path is not None:
            rv.Html(tag="div", children=[path])
        if actions:
            ActionBar(crm, list(actions), ref=f"{ref}-actions")
        if tabs:
            Tabs(list(tabs), ref=f"{ref}-tabs")
    return card


def use_record(crm, read, record_id):
    """In a record page: (data, None) from `read(crm, record_id)` — one open of the workspace, read again
    after any change, by anyone — or (None, the kit's message) when the engine refuses (not found, not
    the person's to see). Show the refusal with `RecordRefused`."""
    version, language = use_workspace(crm)

    def load():
        try:
            with crm.holding():
                return read(crm, record_id), None
        except CRMError as error:
            return None, failure(crm, error)

    return solara.use_memo(load, dependencies=[version, language, record_id, crm.user.id])


@solara.component
def RecordRefused(crm, problem, on_close=None):
    """What a record page shows in place of a record the engine refused: the reason, and the way back."""
    with solara.Column() as box:
        Feedback(problem, ref="record-message")
        if on_close is not None:
            solara.Button(crm.t("ui.kit.back_to_list"), text=True, on_click=on_close).meta(ref="record-close")
    return box


def use_record_heard(open_id, on_record=None) -> None:
    """In a module's screen: tell `on_record(open_id)` whenever the open record changes (None: back to the
    list), so whoever holds the screen — a served page's address — can follow it."""
    def tell():
        if on_record is not None:
            on_record(open_id)
    solara.use_effect(tell, [open_id])
