"""One customer as a record page — the customer 360 (C1, C2, C5), built on the kit.

Header: the customer's name, level and owner. A customer has no state machine, so there is no
path bar; the actions (edit the card, add a contact, log an interaction, tag, reassign) still
come with the engine's reasons (`crm.customers.actions`): one not allowed now is disabled with
the reason on hover. Sections: details, contacts, interactions, orders, related records
(opportunities, tickets, contracts, churn warnings), tags, history (the audit trail).
"""
from __future__ import annotations

import json

import solara

from ..errors import CRMError, InvalidInput
from ..i18n import catalog
from . import kit

CONTACT_COLUMNS = [kit.Column("name", "field.name"), kit.Column("title", "field.title", priority=2),
                   kit.Column("mobile", "field.mobile"), kit.Column("phone", "field.phone", priority=2),
                   kit.Column("email", "field.email", priority=3)]
INTERACTION_COLUMNS = [kit.Column("on_date", "field.on_date", kind="date"),
                       kit.Column("channel", "field.channel", kind="code", of="interaction_channel"),
                       kit.Column("subject", "field.subject", width=60),
                       kit.Column("detail", "field.detail", priority=3, width=80),
                       kit.Column("user_id", "ui.sales.by_user", kind="user", priority=2)]
ORDER_COLUMNS = [kit.Column("order_no", "field.order_no"), kit.Column("order_date", "field.order_date", kind="date"),
                 kit.Column("amount", "ui.col.amount", kind="money"),
                 kit.Column("status", "field.status", priority=2)]
OPPORTUNITY_COLUMNS = [kit.Column("id", "field.id"), kit.Column("summary", "field.opportunity_summary", width=40),
                       kit.Column("state", "field.status", kind="state", of="opportunity"),
                       kit.Column("expected_amount", "field.expected_amount", kind="money", priority=2)]
TICKET_COLUMNS = [kit.Column("id", "field.id"), kit.Column("created_on", "ui.col.created_on", kind="date"),
                  kit.Column("service_type", "field.service_type", kind="code", of="service_type", priority=2),
                  kit.Column("subject", "field.subject", width=40),
                  kit.Column("state", "field.status", kind="state", of="ticket")]
CONTRACT_COLUMNS = [kit.Column("contract_no", "field.contract_no"), kit.Column("title", "ui.labels.col.title", width=40),
                    kit.Column("status", "field.status", kind="state", of="contract"),
                    kit.Column("amount", "ui.col.amount", kind="money", priority=2),
                    kit.Column("outstanding", "ui.col.outstanding", kind="money", priority=3)]
CHURN_COLUMNS = [kit.Column("raised_on", "ui.col.raised_on", kind="date"),
                 kit.Column("state", "field.status", kind="state", of="churn"),
                 kit.Column("days_silent", "ui.col.days_silent", priority=2),
                 kit.Column("reason", "field.churn_reason", kind="code", of="churn_reason", priority=2),
                 kit.Column("closed_on", "ui.col.closed_on", kind="date", priority=3)]
HISTORY_COLUMNS = [kit.Column("on_date", "field.on_date", kind="date"), kit.Column("action", "ui.sales.action"),
                   kit.Column("username", "ui.sales.by_user"),
                   kit.Column("changes", "ui.cust.changes", priority=2, width=160)]
RELATED = 20  # rows of each related list shown on the page (the area's own screen has them all)
CODES = {"level": "customer_level", "region": "region", "industry": "industry", "customer_type": "customer_type",
         "ownership": "ownership", "company_size": "company_size"}
TEXTS = ("phone", "email", "address", "legal_rep")
OWNER_ROLES = ("account_manager", "supervisor", "director")


def managers(crm, roles=("account_manager",)) -> tuple:
    """(name, username) of the active users with one of `roles`: whom a customer can go to."""
    users = crm.admin.users()
    return tuple((r.name, r.username) for r in users[users["role"].isin(roles)].itertuples())


def _maybe(read):
    """A related list this user may not read is left out (None), not an error on the whole page."""
    try:
        return read()
    except CRMError:
        return None


def read(crm, customer_id: int) -> dict:
    """Everything the page shows, in one go (one click = one burst of reads)."""
    view = crm.customers.view(customer_id)
    history = _maybe(lambda: crm.audit.list(kind="customer", record_id=customer_id))
    if history is not None:
        people = crm.admin.users(active=None)
        names = dict(zip(people["username"], people["name"]))
        history = history.assign(username=history["username"].map(lambda u: names.get(u, u)), action=history["action"].map(lambda a: word(crm, f"ui.cust.audit.{a}", a)),
                                 changes=[changes(crm, r.action, r.before, r.after) for r in history.itertuples()])
    orders = view.orders.assign(status=view.orders["status"].map(lambda s: crm.t(f"ui.cust.order.{s}")))
    return {"view": view, "actions": crm.customers.actions(customer_id), "orders": orders,
            "tags": _maybe(lambda: crm.classification.tags(customer_id)) or [],
            "opportunities": _maybe(lambda: crm.opportunities.list(customer_id=customer_id, limit=RELATED)),
            "tickets": _maybe(lambda: crm.service.list(customer_id=customer_id, limit=RELATED)),
            "contracts": _maybe(lambda: crm.contracts.list(customer_id=customer_id, limit=RELATED)),
            "churn": _maybe(lambda: crm.churn.list(customer_id=customer_id, limit=RELATED)),
            "history": history}


def word(crm, key: str, fallback: str) -> str:
    """A catalogue word, or the code itself when the catalogue has none (shown, never hidden)."""
    return crm.t(key) if key in catalog() else fallback


def changes(crm, action: str, before, after) -> str:
    """An audit row's change as people read it: "Level: Ordinary → Key account; Phone: → 021-…"."""
    if action == "create":   # the whole new card: its details tab shows it
        return ""
    old, new = (json.loads(v) if isinstance(v, str) else v if isinstance(v, dict) else {} for v in (before, after))
    labels, parts = kit.Labels.of(crm), []
    for name in dict.fromkeys([*new, *old]):
        key = "field." + {"owner_id": "owner", "tags": "tag"}.get(name, name)
        if key not in catalog():   # bookkeeping (updated_on …), not a field people set
            continue
        shown = []
        for value in (old.get(name), new.get(name)):
            if name in CODES:
                value = labels.code(CODES[name], value)
            elif name == "owner_id":
                value = labels.user(value)
            elif isinstance(value, list):
                value = ", ".join(map(str, value))
            shown.append(kit.blank(value))
        both = name in old and name in new
        parts.append(f"{crm.t(key)}: {' → '.join(shown) if both else shown[1] or shown[0]}")
    return "; ".join(parts)


def rating(value) -> str:
    return "" if kit.is_blank(value) else str(int(value))


def details(crm, data) -> list:
    c, view = data["view"].customer, data["view"]
    labels = kit.Labels.of(crm)
    return [("field.name", c.name), ("field.level", labels.code("customer_level", c.level)),
            ("field.owner", view.owner), ("field.region", labels.code("region", c.region)),
            ("field.industry", labels.code("industry", c.industry)),
            ("field.customer_type", labels.code("customer_type", c.customer_type)),
            ("field.phone", c.phone), ("field.email", c.email), ("field.address", c.address),
            ("field.legal_rep", c.legal_rep), ("field.credit", rating(c.credit)),
            ("field.credit_limit", kit.money(c.credit_limit)), ("field.satisfaction", rating(c.satisfaction)),
            ("field.status", crm.t(f"ui.cust.status.{c.status}")),
            ("ui.cust.total_ordered", kit.money(view.total_ordered)),
            ("ui.col.last_order_date", kit.date(view.last_order_date)),
            ("ui.col.created_on", kit.date(c.created_on))]


def card_actions(crm, data) -> list:
    """edit, contact, interaction, tag, untag, reassign — each one verb, each with its confirmation."""
    t, area = crm.t, crm.customers
    c, why = data["view"].customer, data["actions"]
    cid = c.id
    names = dict((u, n) for n, u in managers(crm, OWNER_ROLES))

    def update(v):
        changes = {name: kit.text_or_none(v.get(name)) for name in (*TEXTS, *CODES, "credit", "satisfaction")}
        area.update(cid, name=v.get("name") or "", **changes)
        return t("ui.cust.card_saved", name=v.get("name"))

    def add_contact(v):
        area.add_contact(cid, v.get("name") or "", title=kit.text_or_none(v.get("title")),
                         mobile=kit.text_or_none(v.get("mobile")), phone=kit.text_or_none(v.get("phone")),
                         email=kit.text_or_none(v.get("email")))
        return t("ui.contact_added", name=v.get("name"))

    def log(v):
        area.log_interaction(cid, v.get("subject") or "", channel=v.get("channel") or "",
                             detail=kit.text_or_none(v.get("detail")), on_date=kit.text_or_none(v.get("on_date")))
        return t("ui.cust.logged", subject=v.get("subject").strip(), name=c.name)

    def tag(v):
        crm.classification.tag(cid, v.get("tag") or "")
        return t("ui.c360.tagged", tag=(v.get("tag") or "").strip())

    def untag(v):
        if v.get("tag") is None:
            raise InvalidInput("error.required", field="tag")
        crm.classification.untag(cid, v["tag"])
        return t("ui.c360.untagged", tag=v["tag"])

    def reassign(v):
        if v.get("to_user") is None:  # nothing chosen yet: say so at the field
            raise InvalidInput("error.required", field="to_user")
        area.reassign(cid, v["to_user"])
        return t("ui.cust.reassigned", name=c.name, user=names.get(v["to_user"], v["to_user"]))

    def hand_over(v):
        """All of this customer's owner's customers (a departing rep's), to another account manager."""
        if v.get("to_user") is None:
            raise InvalidInput("error.required", field="to_user")
        leaving = c.owner_id
        moved = area.handover(leaving, v["to_user"])
        return t("ui.cust.handed_over", count=moved, from_user=data["view"].owner, to_user=names.get(v["to_user"]))

    choices = {kind: tuple(crm.dictionary.choices(kind)) for kind in CODES.values()}
    edit_fields = (kit.Field("name"), *(kit.Field(f) for f in TEXTS),
                   *(kit.Field(name, "select", options=choices[kind]) for name, kind in CODES.items()),
                   kit.Field("credit", placeholder="1–5"), kit.Field("satisfaction", placeholder="1–5"))
    current = {"name": c.name, **{f: getattr(c, f) or "" for f in TEXTS}, **{f: getattr(c, f) for f in CODES},
               "credit": rating(c.credit), "satisfaction": rating(c.satisfaction)}
    tags = tuple((tag_, tag_) for tag_ in data["tags"])
    return [
        kit.Action("log_interaction", t("ui.log_interaction"), log, reason=why["log_interaction"],
                   fields=(kit.Field("subject"), kit.Field("channel", "select",
                                                           options=tuple(crm.dictionary.choices("interaction_channel"))),
                           kit.Field("detail", "textarea"),
                           kit.Field("on_date", "date", placeholder=t("ui.sales.default_today"))),
                   initial={"channel": "phone"}),
        kit.Action("add_contact", t("ui.add_contact"), add_contact, reason=why["add_contact"], color="secondary",
                   fields=(kit.Field("name", label_key="field.contact_name"), kit.Field("title"),
                           kit.Field("mobile"), kit.Field("phone"), kit.Field("email"))),
        kit.Action("update", t("ui.cust.edit"), update, reason=why["update"], color="secondary",
                   fields=edit_fields, initial=current),
        kit.Action("tag", t("ui.c360.add_tag"), tag, reason=why["tag"], color="secondary",
                   fields=(kit.Field("tag", placeholder=t("ui.class.tags_hint")),)),
        kit.Action("untag", t("ui.c360.remove_tag"), untag, color="warning",
                   reason=why["tag"] or (None if tags else t("ui.c360.no_tags")),
                   fields=(kit.Field("tag", "select", options=tags),),
                   initial={"tag": tags[0][1] if tags else None}),
        kit.Action("reassign", t("ui.cust.reassign"), reassign, reason=why["reassign"], color="warning",
                   fields=(kit.Field("to_user", "select", options=managers(crm, OWNER_ROLES)),)),
        kit.Action("handover", t("ui.cust.handover_owner", owner=data["view"].owner or "—"), hand_over,
                   reason=why["handover"], color="warning",
                   fields=(kit.Field("to_user", "select", options=managers(crm)),)),
    ]


@solara.component
def TagChips(crm, tags):
    if not tags:
        return solara.Text(crm.t("ui.c360.no_tags"), style={"font-style": "italic"})
    from solara.alias import rv
    with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "4px"}) as box:
        for tag in tags:
            rv.Chip(children=[tag], size="small", label=True, color="blue", variant="tonal").meta(ref=f"tag-{tag}")
    return box


@solara.component
def Related(crm, data):
    """Opportunities, tickets, contracts and churn warnings of the customer (those the user may see)."""
    parts = [("ui.opportunities.tab_list", data["opportunities"], OPPORTUNITY_COLUMNS, "related-opportunities"),
             ("ui.c360.tickets", data["tickets"], TICKET_COLUMNS, "related-tickets"),
             ("ui.cust.contracts", data["contracts"], CONTRACT_COLUMNS, "related-contracts"),
             ("ui.c360.churn", data["churn"], CHURN_COLUMNS, "related-churn")]
    with solara.Column(gap="6px") as box:
        for key, frame, columns, ref in parts:
            if frame is None:   # not a kind of record this user may read
                continue
            solara.Text(kit.cap(crm.t(key)), style={"font-weight": "600"})
            kit.StaticTable(crm, frame, columns, ref)
    return box


@solara.component
def CustomerRecord(crm, customer_id: int, on_close=None):
    """The record page of one customer; it redraws after any change in the workspace."""
    data, problem = kit.use_record(crm, read, customer_id)
    if data is None:
        return kit.RecordRefused(crm, problem, on_close)
    view, labels = data["view"], kit.Labels.of(crm)
    c = view.customer
    summary = crm.t("ui.order_summary", count=len(view.orders), total=kit.money(view.total_ordered),
                    last=kit.date(view.last_order_date) or "—")
    tabs = [
        (crm.t("ui.kit.details"), lambda: kit.Facts(crm, details(crm, data))),
        (crm.t("ui.contacts"), lambda: kit.StaticTable(crm, view.contacts, CONTACT_COLUMNS, "contacts")),
        (crm.t("ui.interactions"), lambda: kit.StaticTable(crm, view.interactions, INTERACTION_COLUMNS,
                                                           "interactions")),
        (crm.t("ui.orders"), lambda: solara.Column(gap="4px", children=[
            solara.Text(summary), kit.StaticTable(crm, data["orders"], ORDER_COLUMNS, "orders")])),
        (crm.t("ui.kit.related"), lambda: Related(crm, data)),
        (crm.t("ui.c360.tags"), lambda: TagChips(crm, data["tags"])),
        (crm.t("ui.sales.history"), lambda: kit.StaticTable(crm, data["history"], HISTORY_COLUMNS, "history")),
    ]
    subtitle = " · ".join(x for x in (labels.code("customer_level", c.level),
                                      crm.t("ui.cust.owned_by", owner=view.owner) if view.owner else "") if x)
    return kit.RecordPage(crm, f"{kit.cap(crm.t('field.customer'))} {c.id} · {c.name}", subtitle=subtitle,
                          actions=card_actions(crm, data), tabs=tabs, on_close=on_close)
