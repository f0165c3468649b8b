"""Marketing management (O1–O10) on the kit: the opportunity list (a row opens its record page),
a new opportunity, the pipeline board, the one-week rule, targets.

    from crm_engine.ui import show
    show(crm, "opportunities")          # OpportunitiesModule(crm): a widget for a cell or the app

Every action calls one verb of `crm.opportunities` (or leads / customers for a reassignment);
who may do what, and why not, is the engine's (`crm.opportunities.actions`). All views read the
workspace's reactive state, so an action in any cell redraws them all.
"""
from __future__ import annotations

import html

import solara
from solara.alias import rv

from ..errors import CRMError
from ..statemachine import machine
from . import kit
from .opportunity_record import OpportunityRecord, managers, options
from .targets import TargetsScreen

CARDS_PER_COLUMN = 10   # the largest per stage; the column says how many more (its sums count them all)
LIST_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("customer_name", "field.customer_name", sort="customer_name", width=40),
                kit.Column("summary", "field.opportunity_summary", priority=3, width=50),
                kit.Column("state", "field.status", kind="state", of="opportunity", sort="state"),
                kit.Column("stage", "field.opportunity_stage", kind="code", of="opportunity_stage", sort="stage",
                           priority=2),
                kit.Column("expected_amount", "field.expected_amount", kind="money", sort="expected_amount"),
                kit.Column("probability", "field.probability", kind="percent", sort="probability", priority=3),
                kit.Column("owner_name", "field.owner", sort="owner_name", priority=2),
                kit.Column("created_on", "ui.sales.created_on", kind="date", sort="created_on", priority=3)]
OVERDUE_COLUMNS = [kit.Column("kind", "field.kind"), kit.Column("id", "field.id"), kit.Column("name", "field.name"),
                   kit.Column("owner_name", "field.owner", priority=2),
                   kit.Column("given_on", "ui.opportunities.given_on", kind="date", priority=3),
                   kit.Column("days_waiting", "ui.opportunities.days_waiting")]


def _listed(crm, **asked):
    """The engine's page, with the holder shown only once someone was assigned (the issue saw an
    unassigned opportunity "owned" by whoever typed it in) and stages only while assigned."""
    frame = crm.opportunities.list(**asked)
    if len(frame):
        frame = frame.copy()
        frame["owner_name"] = frame["owner_name"].where(frame["state"] != "unassigned", "")
        frame["stage"] = frame["stage"].where(frame["state"] == "assigned", None)
    return frame


@solara.component
def OpportunityList(crm, on_open=None):
    """Filter by state (and holder, for superiors); search, sort, page; a row click opens it."""
    state, set_state = solara.use_state(None)
    owner, set_owner = solara.use_state(None)
    version, _language = kit.use_workspace(crm)
    holders = solara.use_memo(lambda: managers(crm), dependencies=[version])
    lister = solara.use_memo(lambda: (lambda **asked: _listed(crm, **asked)), dependencies=[crm])
    states = [{"title": crm.t("ui.sales.all"), "value": None}] + [
        {"title": kit.cap(crm.t(f"state.opportunity.{s}")), "value": s} for s in machine("opportunity").states]
    with solara.Column(gap="4px") as box:
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px"}):
            rv.Select(items=states, v_model=state, on_v_model=set_state, label=crm.t("field.status"),
                      density="compact", hide_details=True, style_="min-width:10em;max-width:16em"
                      ).meta(ref="filter-state")
            if crm.user.role != "account_manager":
                rv.Select(items=[{"title": crm.t("ui.sales.all"), "value": None}] + [
                              {"title": n, "value": u} for n, u in holders],
                          v_model=owner, on_v_model=set_owner, label=crm.t("field.owner"),
                          density="compact", hide_details=True, style_="min-width:10em;max-width:16em"
                          ).meta(ref="filter-owner")
        kit.RecordList(crm, lister, crm.opportunities.count, LIST_COLUMNS,
                       on_open=on_open, filters={"state": state, "owner": owner}, sort="created_on", descending=True,
                       ref="opportunities")
    return box


@solara.component
def NewOpportunity(crm, on_added=None):
    """Record a sales opportunity (O1); it waits, unassigned, for a supervisor."""
    version, language = kit.use_workspace(crm)
    t = crm.t

    def choices():
        with crm.holding():
            campaigns = crm.campaigns.list()
            usable = campaigns[campaigns["state"].isin(["planned", "active"])] if len(campaigns) else campaigns
            return usable, crm.customers.list(sort="name", limit=50), options(crm, "lead_source")

    usable, customers, sources = solara.use_memo(choices, dependencies=[version, language])
    fields = (kit.Field("customer_name"), kit.Field("opportunity_summary", "textarea"),
              kit.Field("expected_amount", placeholder="250000"), kit.Field("probability"),
              kit.Field("lead_source", "select", options=sources),
              kit.Field("contact_name"), kit.Field("contact_phone"),
              kit.Field("campaign", "select", options=tuple((r.name, int(r.id)) for r in usable.itertuples())),
              kit.Field("customer", "select", options=tuple((f"{r.id} · {r.name}", int(r.id))
                                                            for r in customers.itertuples()),
                        label_key="ui.opportunities.existing_customer"))

    def add(v):
        opp = crm.opportunities.add(
            v.get("customer_name") or "", v.get("opportunity_summary") or "",
            expected_amount=kit.text_or_none(v.get("expected_amount")), probability=kit.text_or_none(v.get("probability")),
            source=v.get("lead_source") or "other", contact_name=kit.text_or_none(v.get("contact_name")),
            contact_phone=kit.text_or_none(v.get("contact_phone")), campaign_id=v.get("campaign"),
            customer_id=v.get("customer"))
        if on_added is not None:
            on_added(opp.id)
        return t("ui.opportunities.added", id=opp.id, name=opp.customer_name)

    action = kit.Action("add", t("ui.opportunities.record"), add, fields=fields,
                        initial={"lead_source": "other", "probability": "10"})
    return kit.ActionBar(crm, [action], ref="new")


@solara.component
def PipelineBoard(crm, on_open=None):
    """One column per stage (unassigned first) with count, amount and weighted amount; a card
    moves to another stage with `set_stage` (an unassigned one is refused: assign it first)."""
    version, language = kit.use_workspace(crm)
    owner, set_owner = solara.use_state(None)

    def load():
        try:
            with crm.holding():
                return crm.opportunities.board(owner=owner, cards=CARDS_PER_COLUMN), None
        except CRMError as error:
            return None, kit.failure(crm, error)

    read, problem = solara.use_memo(load, dependencies=[version, language, owner])
    holders = solara.use_memo(lambda: managers(crm), dependencies=[version])
    if read is None:
        return kit.Feedback(problem, ref="board-message")
    columns = board_columns(crm, *read)
    labels = kit.Labels.of(crm)

    def move(card_id, key):
        done = crm.opportunities.set_stage(card_id, key)
        return crm.t("ui.opportunities.stage_set", id=card_id, stage=labels.code("opportunity_stage", done.stage),
                     probability=done.probability)

    with solara.Column(gap="4px") as box:
        if crm.user.role != "account_manager":
            rv.Select(items=[{"title": crm.t("ui.sales.all"), "value": None}] + [
                          {"title": n, "value": u} for n, u in holders],
                      v_model=owner, on_v_model=set_owner, label=crm.t("field.owner"),
                      density="compact", hide_details=True, style_="max-width:16em").meta(ref="board-owner")
        kit.Board(crm, columns, on_move=move, on_open=on_open)
    return box


def board_columns(crm, summary, cards) -> list:
    """The engine's board frames as kit columns."""
    by_column = {key: frame for key, frame in cards.groupby("board_column", sort=False)}
    columns = []
    for row in summary.itertuples():
        shown = by_column.get(row.board_column, cards.iloc[0:0])
        columns.append(kit.BoardColumn(
            key=row.board_column, title=kit.cap(row.title), count=int(row.count), amount=float(row.amount),
            weighted=float(row.weighted), accepts=row.board_column != "unassigned",
            more=int(row.count) - len(shown),
            cards=tuple(kit.Card(int(r.id), r.customer_name, (r.summary[:60], r.owner_name if r.state == "assigned"
                                                              else ""), float(r.expected_amount), int(r.probability))
                        for r in shown.itertuples())))
    return columns


@solara.component
def OverdueList(crm):
    """The one-week rule (O9): given and not contacted in time; a supervisor reassigns from here."""
    version, language = kit.use_workspace(crm)
    frame = solara.use_memo(lambda: crm.opportunities.overdue(), dependencies=[version, language])

    def kind(k):
        return crm.t("field.customer" if k == "customer" else f"kind.{k}")

    shown = frame.assign(kind=frame["kind"].map(kind)) if len(frame) else frame
    records = tuple((f"{kind(r.kind)} {r.id} · {r.name}", f"{r.kind}:{int(r.id)}") for r in frame.itertuples())
    names = dict((u, n) for n, u in managers(crm))

    def reassign(v):
        picked, to = v.get("record"), v.get("assignee")
        if picked is None:
            from ..errors import InvalidInput
            raise InvalidInput("error.required", field="record")
        what, record_id = picked.split(":")
        verb = {"opportunity": crm.opportunities.assign, "lead": crm.leads.assign,
                "customer": crm.customers.reassign}[what]
        verb(int(record_id), to)
        return crm.t("ui.opportunities.reassigned", kind=kind(what), id=record_id, user=names.get(to, to))

    with solara.Column(gap="4px") as box:
        solara.Text(crm.t("ui.opportunities.overdue_heading"), style={"font-weight": "600"})
        kit.StaticTable(crm, shown.head(48), OVERDUE_COLUMNS, "overdue")
        kit.ActionBar(crm, [kit.Action("reassign", crm.t("ui.opportunities.reassign"), reassign, color="warning",
                                       fields=(kit.Field("record", "select", options=records,
                                                         label_key="ui.sales.record"),
                                               kit.Field("assignee", "select", options=managers(crm))))],
                      ref="overdue-actions")
    return box


@solara.component
def TargetsTab(crm):
    """Targets, attainment and the leaderboard (crm_engine/ui/targets.py)."""
    return TargetsScreen(crm)


@solara.component
def OpportunitiesScreen(crm, record: int | None = None, on_record=None):
    """The module: tabs list (→ record), new, board, one-week rule (superiors), targets. `record`: the
    one open first (a deep link); `on_record(id | None)` hears each record opened or closed."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(record)
    kit.use_record_heard(open_id, on_record)
    tab, set_tab = solara.use_state(0)

    def opener():
        def open_record(record_id):
            set_open_id(record_id)
            set_tab(0)
        return open_record

    # The same function on every render: the (hidden) list and the board need not redraw for it.
    open_record = solara.use_memo(opener, dependencies=[])
    close_record = solara.use_memo(lambda: (lambda: set_open_id(None)), dependencies=[])

    def list_and_record():
        # The list stays built (hidden) while a record is open: going back costs nothing, and
        # it keeps its page, order and search.
        # Keyed: without keys reacton pairs children by position, so the record appearing first
        # shifted the list to another slot and rebuilt all its widgets (and re-read its page) on
        # every open and every back (bench/bench_ui.py: ~3x the time of the click).
        with solara.Column(gap="4px") as box:
            if open_id is not None:
                OpportunityRecord(crm, open_id, on_close=close_record).key("record")
            with solara.Div(style={"display": "none" if open_id is not None else "block"}).key("list"):
                OpportunityList(crm, on_open=open_record).key("list-view")
        return box

    sections = [(crm.t("ui.opportunities.tab_list"), list_and_record),
                (crm.t("ui.opportunities.tab_new"), lambda: NewOpportunity(crm, on_added=open_record)),
                (crm.t("ui.opportunities.tab_board"), lambda: PipelineBoard(crm, on_open=open_record))]
    if crm.user.role in (*crm.opportunities.SUPERIORS, "admin"):  # the engine's list (admin always passes)
        sections.append((crm.t("ui.opportunities.tab_overdue"), lambda: OverdueList(crm)))
    sections.append((crm.t("ui.opportunities.tab_targets"), lambda: TargetsTab(crm)))
    return kit.Tabs(sections, index=tab, on_index=set_tab, ref="opportunities-tabs")


def summary_html(crm) -> str:
    """What the module shows, as plain HTML (nbconvert / nbgrader output has no widgets)."""
    listed = _listed(crm, limit=kit.listview.PAGE_SIZE)
    summary, _cards = crm.opportunities.board(cards=1)
    sums = "".join(
        f"<li>{html.escape(kit.cap(r.title))}: "
        f"{html.escape(crm.t('ui.kit.column_sums', count=int(r.count), amount=kit.money(r.amount), weighted=kit.money(r.weighted)))}</li>"  # noqa: E501
        for r in summary.itertuples())
    return (f"<h4>{html.escape(crm.t('ui.opportunities.tab_list'))}</h4>"
            f"{kit.table_html(crm, listed, LIST_COLUMNS)}"
            f"<h4>{html.escape(crm.t('ui.opportunities.tab_board'))}</h4><ul>{sums}</ul>")


class OpportunitiesModule(kit.KitView):
    """`show(crm, "opportunities")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm, record: int | None = None, on_record=None):
        self.crm = crm
        super().__init__(OpportunitiesScreen(crm, record, on_record), fallback=lambda: summary_html(crm))
        self.add_class("crm-as-" + "".join(ch if ch.isalnum() else "_" for ch in crm.user.username))
