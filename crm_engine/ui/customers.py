"""Customer management (C1, C2, C5) on the kit: the customer list (a row opens the customer's
record page, `customer_record.py`), a new customer card, the hand-over of a departing rep's
customers, and the classification screens (`classification.py`).

    from crm_engine.ui import show
    show(crm, "customers")          # CustomersModule(crm): a widget for a cell or the app

Lists read one page at a time (the engine's `limit`/`offset`), so they stay quick at 100k
customers; every filter and permission is the engine's. All views read the workspace's reactive
state, so an action in any cell redraws them all.
"""
from __future__ import annotations

import html

import solara

from ..errors import InvalidInput
from . import kit
from .classification import ClassificationScreen
from .kit import Chips
from .customer_record import CODES, OWNER_ROLES, CustomerRecord, managers, rating

SUPERIORS = ("supervisor", "director", "admin")
LIST_COLUMNS = [kit.Column("id", "field.id", sort="id"),
                kit.Column("name", "field.name", sort="name", width=40),
                kit.Column("level", "field.level", kind="code", of="customer_level", sort="level"),
                kit.Column("region", "field.region", kind="code", of="region", sort="region", priority=2),
                kit.Column("credit", "field.credit", sort="credit", priority=2),
                kit.Column("satisfaction", "field.satisfaction", sort="satisfaction", priority=3),
                kit.Column("owner_name", "field.owner", sort="owner_name", priority=2)]


def _listed(crm, **asked):
    """The engine's page, ratings as whole numbers ("4", not "4.0" from a column with blanks)."""
    frame = crm.customers.list(**asked)
    if len(frame):
        frame = frame.assign(credit=frame["credit"].map(rating), satisfaction=frame["satisfaction"].map(rating))
    return frame


@solara.component
def CustomerList(crm, on_open=None):
    """Search, sort, page the customers you may see; chips filter by level and region; a row opens it."""
    level, set_level = solara.use_state(None)
    region, set_region = solara.use_state(None)
    kit.use_workspace(crm)
    with solara.Column(gap="4px") as box:
        Chips(crm, "customer_level", level, set_level, "customers-level")
        Chips(crm, "region", region, set_region, "customers-region")
        kit.RecordList(crm, lambda **kw: _listed(crm, **kw), crm.customers.count, LIST_COLUMNS, on_open=on_open,
                       filters={"level": level, "region": region}, sort="name", ref="customers")
    return box


@solara.component
def NewCustomer(crm, on_added=None):
    """Add a customer card (C1); its owner is you, or — for superiors — a manager you choose."""
    kit.use_workspace(crm)
    t = crm.t
    fields = [kit.Field("name"), kit.Field("phone"), kit.Field("email"), kit.Field("address"),
              *(kit.Field(name, "select", options=tuple(crm.dictionary.choices(kind))) for name, kind in CODES.items()),
              kit.Field("credit", placeholder="1–5"), kit.Field("satisfaction", placeholder="1–5")]
    chooses_owner = crm.user.role != "account_manager"
    if chooses_owner:
        fields.append(kit.Field("owner", "select", options=managers(crm, OWNER_ROLES)))

    def add(v):
        card = {k: kit.text_or_none(v.get(k)) for k in ("phone", "email", "address", *CODES, "credit",
                                                         "satisfaction")}
        card["level"] = card["level"] or "ordinary"
        made = crm.customers.add(v.get("name") or "", owner=v.get("owner") if chooses_owner else None, **card)
        if on_added is not None:
            on_added(made.id)
        return t("ui.customer_added", name=made.name, id=made.id)

    action = kit.Action("add", t("ui.new_customer"), add, fields=tuple(fields), initial={"level": "ordinary"})
    return kit.ActionBar(crm, [action], ref="new")


@solara.component
def Handover(crm):
    """Hand all of a departing rep's customers (and their open work) to another account manager."""
    kit.use_workspace(crm)
    people = managers(crm, OWNER_ROLES)
    names = dict((u, n) for n, u in people)

    def hand_over(v):
        for name in ("owner", "to_user"):
            if v.get(name) is None:
                raise InvalidInput("error.required", field=name)
        moved = crm.customers.handover(v["owner"], v["to_user"])
        return crm.t("ui.cust.handed_over", count=moved, from_user=names.get(v["owner"]),
                     to_user=names.get(v["to_user"]))

    action = kit.Action("handover", crm.t("ui.handover"), hand_over, color="warning",
                        fields=(kit.Field("owner", "select", options=people, label_key="ui.cust.leaving"),
                                kit.Field("to_user", "select", options=managers(crm))))
    with solara.Column(gap="4px") as box:
        solara.Text(crm.t("ui.cust.handover_help"))
        kit.ActionBar(crm, [action], ref="handover")
    return box


@solara.component
def CustomersScreen(crm, record: int | None = None, on_record=None):
    """The module: tabs list (→ record), new customer, hand-over (superiors), classification. `record`:
    the one open first (a deep link); `on_record(id | None)` hears each record opened or closed."""
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(record)
    kit.use_record_heard(open_id, on_record)
    tab, set_tab = solara.use_state(0)

    def open_record(record_id):
        set_open_id(record_id)
        set_tab(0)

    def list_and_record():
        # The list stays built (hidden) while a record is open: going back keeps its page and search.
        with solara.Column(gap="4px") as box:
            if open_id is not None:
                CustomerRecord(crm, open_id, on_close=lambda: set_open_id(None))
            with solara.Div(style={"display": "none" if open_id is not None else "block"}):
                CustomerList(crm, on_open=open_record)
        return box

    def classification():
        return ClassificationScreen(crm, on_open=open_record)

    sections = [(crm.t("ui.customer_list"), list_and_record),
                (crm.t("ui.new_customer"), lambda: NewCustomer(crm))]   # stays, with its confirmation
    if crm.user.role in SUPERIORS:
        sections.append((crm.t("ui.cust.handover_tab"), lambda: Handover(crm)))
    sections.append((crm.t("ui.class.title"), classification))
    return kit.Tabs(sections, index=tab, on_index=set_tab, ref="customers-tabs")


def summary_html(crm) -> str:
    """What the module shows, as plain HTML (nbconvert / nbgrader output has no widgets)."""
    listed = _listed(crm, sort="name", limit=kit.listview.PAGE_SIZE)
    total = crm.customers.count()
    return (f"<h4>{html.escape(crm.t('ui.customer_list'))}</h4>"
            f"<p>{html.escape(crm.t('ui.page', page=1, pages=max(1, -(-total // kit.listview.PAGE_SIZE)), total=total))}</p>"
            f"{kit.table_html(crm, listed, LIST_COLUMNS)}")


class CustomersModule(kit.KitView):
    """`show(crm, "customers")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm, record: int | None = None, on_record=None):
        self.crm = crm
        super().__init__(CustomersScreen(crm, record, on_record), fallback=lambda: summary_html(crm))
