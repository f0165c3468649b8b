"""System settings (A1–A4) on the kit: users and teams, the sharing policy, backups, the data
dictionary and the product catalogue.

    from crm_engine.ui import show
    show(crm, "admin")          # AdminModule(crm): a widget for a cell or the app

Every change is one facade verb (`crm.admin`, `crm.dictionary`, `crm.products`); who may do it
is the engine's — anyone may open the screen, and a refusal shows beside the button.
"""
from __future__ import annotations

import html

import solara
from solara.alias import rv

from .. import access
from ..errors import InvalidInput
from ..i18n import catalog
from . import kit

USER_COLUMNS = [kit.Column("username", "field.username"), kit.Column("name", "field.name"),
                kit.Column("role", "field.role"), kit.Column("team", "field.team", priority=2),
                kit.Column("email", "field.email", priority=3)]
LOGIN_COLUMNS = [kit.Column("username", "field.username"), kit.Column("name", "field.name"),
                 kit.Column("role", "field.role", priority=2), kit.Column("has_password", "ui.logins.has_password"),
                 kit.Column("password_set_on", "ui.logins.password_set_on", kind="date", priority=3),
                 kit.Column("hub_name", "field.hub_name", priority=2)]
ENTRY_COLUMNS = [kit.Column("code", "field.code"), kit.Column("name_en", "field.name_en"),
                 kit.Column("name_zh", "field.name_zh"), kit.Column("sort_order", "field.sort_order", priority=2),
                 kit.Column("value", "field.value", priority=3), kit.Column("active", "ui.col.active")]
PRODUCT_COLUMNS = [kit.Column("code", "field.code"), kit.Column("name", "field.name", width=40),
                   kit.Column("category", "field.category", kind="code", of="product_category", priority=2),
                   kit.Column("unit", "field.unit", priority=3), kit.Column("price", "field.price", kind="money"),
                   kit.Column("stock", "field.stock"), kit.Column("active", "ui.col.active", priority=2)]
# Dictionary kinds whose name is not `field.<kind>`.
KIND_LABELS = {"customer_level": "field.level", "interaction_channel": "field.channel",
               "product_category": "field.category"}


def word(crm, keys, fallback: str) -> str:
    """The first of `keys` the catalogue has, in the session's language; else `fallback` as it is."""
    found = next((k for k in keys if k in catalog()), None)
    return kit.cap(crm.t(found)) if found else fallback


def tick(crm, value) -> str:
    return crm.t("ui.cust.yes") if bool(value) else crm.t("ui.cust.no")


def number(value) -> str:
    """A dictionary value (a float column with blanks) without a trailing ".0"."""
    if kit.is_blank(value):
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


@solara.component
def Users(crm):
    """The users with their role and team; add one (the administrator)."""
    version, language = kit.use_workspace(crm)
    users, teams = solara.use_memo(lambda: (crm.admin.users(), crm.admin.teams()), dependencies=[version, language])
    team_names = dict(zip(teams["id"].astype(int), teams["name"]))
    shown = users.assign(role=users["role"].map(lambda r: crm.t(f"role.{r}")),
                         team=users["team_id"].map(lambda t: team_names.get(int(t), "")))

    def add(v):
        user = crm.admin.add_user(v.get("username") or "", v.get("name") or "", role=v.get("role"),
                                  team=v.get("team") or 1)
        return crm.t("ui.user_added", name=user.name)

    action = kit.Action("add_user", crm.t("ui.add_user"), add,
                        fields=(kit.Field("username"), kit.Field("name"),
                                kit.Field("role", "select", options=tuple((crm.t(f"role.{r}"), r) for r in access.ROLES)),
                                kit.Field("team", "select", options=tuple(zip(teams["name"], teams["id"].astype(int))))),
                        initial={"role": "account_manager", "team": 1})
    with solara.Column(gap="6px") as box:
        kit.ActionBar(crm, [action], ref="users-actions")
        kit.StaticTable(crm, shown, USER_COLUMNS, "users")
    return box


@solara.component
def Logins(crm):
    """How each person logs in to the served workspace (`crm-lab serve`): set or clear a password,
    link a JupyterHub user. The administrator's alone (the engine refuses anyone else)."""
    version, language = kit.use_workspace(crm)
    logins = solara.use_memo(lambda: crm.logins.list(), dependencies=[version, language])
    people = tuple((f"{r.name} ({r.username})", r.username) for r in logins.itertuples() if r.active)
    shown = logins[logins["active"]].assign(
        role=logins["role"].map(lambda r: crm.t(f"role.{r}")),
        has_password=logins["has_password"].map(lambda yes: tick(crm, yes)))

    def set_password(v):
        crm.logins.set_password(v.get("username") or "", v.get("password") or "")
        return crm.t("ui.logins.password_set", user=v.get("username"))

    def clear_password(v):
        crm.logins.clear_password(v.get("username") or "")
        return crm.t("ui.logins.password_cleared", user=v.get("username"))

    def link(v):
        crm.logins.link_hub(v.get("hub_name") or "", v.get("username") or "")
        return crm.t("ui.logins.linked", hub=v.get("hub_name"), user=v.get("username"))

    who = kit.Field("username", "select", options=people)
    actions = [kit.Action("set_password", crm.t("ui.logins.set_password"), set_password,
                          fields=(who, kit.Field("password", "password"))),
               kit.Action("clear_password", crm.t("ui.logins.clear_password"), clear_password, color="warning",
                          fields=(who,)),
               kit.Action("link_hub", crm.t("ui.logins.link_hub"), link, color="secondary",
                          fields=(kit.Field("hub_name"), who))]
    with solara.Column(gap="6px") as box:
        kit.ActionBar(crm, actions, ref="logins-actions")
        kit.StaticTable(crm, shown, LOGIN_COLUMNS, "logins")
    return box


@solara.component
def Policy(crm):
    """Who reads and writes which records (read / write scope per role); presets in one step."""
    version, language = kit.use_workspace(crm)
    policy = solara.use_memo(lambda: crm.admin.policy(), dependencies=[version, language])
    roles = list(dict.fromkeys(policy["role"]))
    def scope(code):   # "None" on its own reads like a blank that leaked through: say "no access"
        return crm.t("ui.cust.scope_none") if code == "none" else crm.t(f"scope.{code}")

    cells = policy.assign(scope=policy["read_scope"].map(scope) + " / " + policy["write_scope"].map(scope))
    table = cells.pivot(index="kind", columns="role", values="scope").reset_index()
    table["kind"] = table["kind"].map(lambda k: word(crm, (f"kind.{k}", f"field.{k}", f"ui.cust.kind.{k}"), k))
    columns = [kit.Column("kind", "field.kind"), *(kit.Column(r, f"role.{r}", priority=1 if n < 4 else 2)
                                                   for n, r in enumerate(roles))]

    def apply(v):
        if v.get("preset") is None:
            raise InvalidInput("error.required", field="preset")
        crm.admin.apply_preset(v["preset"])
        return crm.t("ui.cust.preset_applied", preset=crm.t(f"ui.preset_{v['preset']}"))

    action = kit.Action("apply_preset", crm.t("ui.apply_preset"), apply,
                        fields=(kit.Field("preset", "select", options=tuple(
                            (crm.t(f"ui.preset_{p}"), p) for p in access.PRESETS)),))
    with solara.Column(gap="6px") as box:
        kit.ActionBar(crm, [action], ref="policy-actions")
        kit.StaticTable(crm, table, columns, "policy")
    return box


@solara.component
def Backup(crm):
    def backup(v):
        return crm.t("ui.backup_written", path=crm.admin.backup(v.get("path") or ""))

    return kit.ActionBar(crm, [kit.Action("backup", crm.t("ui.backup"), backup, fields=(kit.Field("path"),),
                                          initial={"path": "backup.duckdb"})], ref="backup-actions")


@solara.component
def Dictionary(crm):
    """Pick a dictionary kind (customer levels, regions, service types …); add, change or
    deactivate an entry (records that use it keep it)."""
    version, language = kit.use_workspace(crm)
    kinds = solara.use_memo(lambda: crm.dictionary.kinds(), dependencies=[version])
    kind, set_kind = solara.use_state(kinds[0] if kinds else None)
    entries = solara.use_memo(lambda: crm.dictionary.list(kind, include_inactive=True),
                              dependencies=[version, language, kind])
    shown = entries.assign(active=entries["active"].map(lambda a: tick(crm, a)), value=entries["value"].map(number))
    codes = tuple((f"{r.code} · {r.label}", r.code) for r in entries.itertuples())
    kind_name = word(crm, (KIND_LABELS.get(kind, f"field.{kind}"),), kind)

    def add(v):
        crm.dictionary.add(kind, v.get("code") or "", v.get("name_en") or "", v.get("name_zh") or "",
                           value=kit.text_or_none(v.get("value")))
        return crm.t("ui.dict.added", code=(v.get("code") or "").strip(), kind=kind_name)

    def chosen(v) -> str:
        if v.get("code") is None:
            raise InvalidInput("error.required", field="code")
        return v["code"]

    def update(v):
        crm.dictionary.update(kind, chosen(v), name_en=kit.text_or_none(v.get("name_en")),
                              name_zh=kit.text_or_none(v.get("name_zh")),
                              sort_order=kit.text_or_none(v.get("sort_order")), value=kit.text_or_none(v.get("value")))
        return crm.t("ui.saved")

    def deactivate(v):
        crm.dictionary.deactivate(kind, chosen(v))
        return crm.t("ui.dict.deactivated", code=v["code"])

    actions = [
        kit.Action("add_entry", crm.t("ui.dict.add"), add, fields=(
            kit.Field("code"), kit.Field("name_en"), kit.Field("name_zh"), kit.Field("value"))),
        kit.Action("update_entry", crm.t("ui.dict.edit"), update, color="secondary", fields=(
            kit.Field("code", "select", options=codes), kit.Field("name_en"), kit.Field("name_zh"),
            kit.Field("sort_order"), kit.Field("value"))),
        kit.Action("deactivate_entry", crm.t("ui.dict.deactivate"), deactivate, color="warning",
                   fields=(kit.Field("code", "select", options=codes),)),
    ]
    items = [{"title": word(crm, (KIND_LABELS.get(k, f"field.{k}"),), k), "value": k} for k in kinds]
    with solara.Column(gap="6px") as box:
        rv.Select(items=items, v_model=kind, on_v_model=set_kind, label=crm.t("field.kind"), density="compact",
                  hide_details=True, style_="max-width:20em").meta(ref="dictionary-kind")
        kit.ActionBar(crm, actions, ref="dictionary-actions").key(f"dictionary-{kind}")
        kit.StaticTable(crm, shown, ENTRY_COLUMNS, "dictionary")
    return box


@solara.component
def Products(crm):
    """The product catalogue with stock; add a product, change one, receive goods."""
    version, language = kit.use_workspace(crm)
    products = solara.use_memo(lambda: crm.products.list(active=None), dependencies=[version, language])
    shown = products.assign(active=products["active"].map(lambda a: tick(crm, a)))
    choices = tuple((f"{r.code} · {r.name}", int(r.id)) for r in products.itertuples())
    categories = tuple(crm.dictionary.choices("product_category"))
    yes_no = ((crm.t("ui.cust.yes"), True), (crm.t("ui.cust.no"), False))

    def product(v) -> int:
        if v.get("product") is None:
            raise InvalidInput("error.required", field="product")
        return v["product"]

    def add(v):
        new_id = crm.products.add(v.get("code") or "", v.get("name") or "", price=v.get("price") or "",
                                  category=v.get("category"), unit=v.get("unit") or "pcs", stock=v.get("stock") or 0)
        return crm.t("ui.product.added", code=(v.get("code") or "").strip(), id=new_id)

    def update(v):
        crm.products.update(product(v), name=kit.text_or_none(v.get("name")), price=kit.text_or_none(v.get("price")),
                            category=v.get("category"), unit=kit.text_or_none(v.get("unit")), active=v.get("active"))
        return crm.t("ui.saved")

    def receive(v):
        stock = crm.products.receive(product(v), v.get("quantity") or "", note=kit.text_or_none(v.get("notes")))
        return crm.t("ui.product.received", stock=stock)

    actions = [
        kit.Action("add_product", crm.t("ui.product.add"), add, initial={"unit": "pcs", "stock": "0"}, fields=(
            kit.Field("code"), kit.Field("name"), kit.Field("price"),
            kit.Field("category", "select", options=categories), kit.Field("unit"), kit.Field("stock"))),
        kit.Action("update_product", crm.t("ui.cust.product_change"), update, color="secondary", fields=(
            kit.Field("product", "select", options=choices), kit.Field("name"), kit.Field("price"),
            kit.Field("category", "select", options=categories), kit.Field("unit"),
            kit.Field("active", "select", options=yes_no, label_key="ui.col.active"))),
        kit.Action("receive", crm.t("ui.product.receive"), receive, color="secondary", fields=(
            kit.Field("product", "select", options=choices), kit.Field("quantity"), kit.Field("notes"))),
    ]
    with solara.Column(gap="6px") as box:
        kit.ActionBar(crm, actions, ref="products-actions")
        kit.StaticTable(crm, shown, PRODUCT_COLUMNS, "products")
    return box


@solara.component
def AdminScreen(crm):
    kit.use_workspace(crm)
    logins = [(crm.t("ui.logins.title"), lambda: Logins(crm))] if crm.user.role == "admin" else []
    return kit.Tabs([(crm.t("ui.users"), lambda: Users(crm)),
                     (crm.t("ui.cust.policy_tab"), lambda: Policy(crm)),
                     (crm.t("ui.dict.title"), lambda: Dictionary(crm)),
                     (crm.t("ui.product.title"), lambda: Products(crm)),
                     (crm.t("ui.backup"), lambda: Backup(crm)), *logins], ref="admin-tabs")


def summary_html(crm) -> str:
    users = crm.admin.users()
    shown = users.assign(role=users["role"].map(lambda r: crm.t(f"role.{r}")), team="")
    return (f"<h4>{html.escape(crm.t('ui.users'))}</h4>{kit.table_html(crm, shown, USER_COLUMNS)}"
            f"<h4>{html.escape(crm.t('ui.product.title'))}</h4>"
            f"{kit.table_html(crm, crm.products.list(active=None).assign(active=''), PRODUCT_COLUMNS)}")


class AdminModule(kit.KitView):
    """`show(crm, "admin")`: the screen as one widget, with a readable text fallback."""

    def __init__(self, crm):
        self.crm = crm
        super().__init__(AdminScreen(crm), fallback=lambda: summary_html(crm))

