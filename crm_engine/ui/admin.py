"""System settings views: users and teams, the sharing policy, backups, the data dictionary, products."""
from __future__ import annotations

import html

import ipywidgets as widgets

from .. import access
from . import base
from .base import Form, View


class AdminModule(View):
    """Users (add), the sharing policy (presets), backups — the administrator's screen."""

    def __init__(self, crm):
        self.users = widgets.HTML()
        self.username = base.text_field(crm, "username")
        self.name = base.text_field(crm, "name")
        self.role = widgets.Dropdown(options=[(crm.t(f"role.{r}"), r) for r in access.ROLES],
                                     value="account_manager", description=crm.t("field.role"),
                                     style={"description_width": "9em"})
        teams = crm.admin.teams()
        self.team = widgets.Dropdown(options=[(r.name, int(r.id)) for r in teams.itertuples()], value=1,
                                     description=crm.t("field.team"), style={"description_width": "9em"})
        self.add_user = base.button(crm, "ui.add_user", "primary")
        self.policy = widgets.HTML()
        self.preset = widgets.ToggleButtons(options=[(crm.t(f"ui.preset_{p}"), p) for p in access.PRESETS],
                                            value=None)
        self.apply = base.button(crm, "ui.apply_preset")
        self.backup_path = widgets.Text(value="backup.duckdb", description=crm.t("field.path"),
                                        style={"description_width": "9em"})
        self.backup = base.button(crm, "ui.backup")
        self.add_user.on_click(self._on_add_user)
        self.apply.on_click(self._on_preset)
        self.backup.on_click(self._on_backup)
        self.dictionary = DictionaryEditor(crm)
        self.products = ProductsEditor(crm)
        section = lambda key: widgets.HTML(f"<h4>{html.escape(crm.t(key))}</h4>")
        super().__init__(crm, [
            section("ui.users"), self.users,
            widgets.HBox([widgets.VBox([self.username, self.name]), widgets.VBox([self.role, self.team])]), self.add_user,
            section("ui.sharing_policy"), self.policy, widgets.HBox([self.preset, self.apply]),
            section("ui.backup"), widgets.HBox([self.backup_path, self.backup]),
            section("ui.dict.title"), self.dictionary,
            section("ui.product.title"), self.products,
        ])
        self.refresh()

    def refresh(self):
        users = self.crm.admin.users()
        self.users.value = base.table(users.assign(role=users["role"].map(lambda r: self.t(f"role.{r}"))),
                                      self.crm, ["username", "name", "role", "team_id"])
        policy = self.crm.admin.policy()
        pivot = policy.assign(scope=policy["read_scope"].map(lambda s: self.t(f"scope.{s}")) + " / " +
                              policy["write_scope"].map(lambda s: self.t(f"scope.{s}")),
                              role=policy["role"].map(lambda r: self.t(f"role.{r}")))
        self.policy.value = pivot.pivot(index="kind", columns="role", values="scope").to_html(border=0)

    def _on_add_user(self, _button):
        user = self._attempt(self.crm.admin.add_user, self.username.value, self.name.value,
                             role=self.role.value, team=self.team.value)
        if user is not None:
            self.refresh()
            self.show_ok(self.t("ui.user_added", name=user.name))

    def _on_preset(self, _button):
        if self.preset.value is None:
            return
        self._attempt(self.crm.admin.apply_preset, self.preset.value)
        if not self.failed:
            self.refresh()
            self.show_ok(self.t("ui.saved"))

    def _on_backup(self, _button):
        path = self._attempt(self.crm.admin.backup, self.backup_path.value)
        if path is not None:
            self.show_ok(self.t("ui.backup_written", path=path))


# -- the data dictionary (A3) ---------------------------------------------------------
class DictionaryAddForm(Form):
    """Add an entry to the dictionary kind on screen (both names: the CRM is bilingual)."""

    def __init__(self, crm, on_done=None):
        self.kind, self._on_done = None, on_done
        self.code = base.text_field(crm, "code")
        self.name_en = base.text_field(crm, "name_en")
        self.name_zh = base.text_field(crm, "name_zh")
        self.number = base.text_field(crm, "value")
        self.add = base.button(crm, "ui.dict.add", "primary")
        self.add.on_click(self._on_add)
        super().__init__(crm, [self.row("code", self.code), self.row("name_en", self.name_en),
                               self.row("name_zh", self.name_zh), self.row("value", self.number), self.add])

    def _on_add(self, _button):
        self._attempt(self.crm.dictionary.add, self.kind, self.code.value, self.name_en.value, self.name_zh.value,
                      value=self.number.value.strip() or None)
        if not self.failed:
            self.show_ok(self.t("ui.dict.added", code=self.code.value.strip(), kind=self.kind))
            self.code.value = self.name_en.value = self.name_zh.value = self.number.value = ""
            if self._on_done:
                self._on_done()


class DictionaryEditForm(Form):
    """Rename, reorder or deactivate one entry (records that use it keep it)."""

    def __init__(self, crm, on_done=None):
        self.kind, self._on_done = None, on_done
        self.entry = widgets.Dropdown(description=crm.t("field.code"), style={"description_width": "9em"})
        self.name_en = base.text_field(crm, "name_en")
        self.name_zh = base.text_field(crm, "name_zh")
        self.sort_order = base.text_field(crm, "sort_order")
        self.number = base.text_field(crm, "value")
        self.save = base.button(crm, "ui.save", "primary")
        self.deactivate = base.button(crm, "ui.dict.deactivate", "warning")
        self.entry.observe(lambda _: self._load(), names="value")
        self.save.on_click(self._on_save)
        self.deactivate.on_click(self._on_deactivate)
        super().__init__(crm, [self.entry, self.row("name_en", self.name_en), self.row("name_zh", self.name_zh),
                               self.row("sort_order", self.sort_order), self.row("value", self.number),
                               widgets.HBox([self.save, self.deactivate])])

    def show_kind(self, kind: str, entries) -> None:
        self.kind, self.entries = kind, entries.set_index("code")
        base.set_options(self.entry, [(f"{r.code} · {r.label}", r.code) for r in entries.itertuples()])
        self._load()

    def _load(self):
        if self.entry.value is None or self.entry.value not in self.entries.index:
            return
        row = self.entries.loc[self.entry.value]
        self.name_en.value, self.name_zh.value = row["name_en"], row["name_zh"]
        self.sort_order.value = str(row["sort_order"])
        self.number.value = "" if base.missing(row["value"]) else str(row["value"])

    def _on_save(self, _button):
        self._attempt(self.crm.dictionary.update, self.kind, self.entry.value, name_en=self.name_en.value,
                      name_zh=self.name_zh.value, sort_order=self.sort_order.value or None,
                      value=self.number.value.strip() or None)
        if not self.failed:
            self.show_ok(self.t("ui.saved"))
            if self._on_done:
                self._on_done()

    def _on_deactivate(self, _button):
        code = self.entry.value
        self._attempt(self.crm.dictionary.deactivate, self.kind, code)
        if not self.failed:
            self.show_ok(self.t("ui.dict.deactivated", code=code))
            if self._on_done:
                self._on_done()


class DictionaryEditor(View):
    """Pick a dictionary kind (customer levels, regions, service types, lost reasons …), see and edit it."""

    def __init__(self, crm):
        self.kind = widgets.Dropdown(options=crm.dictionary.kinds(), description=crm.t("field.kind"),
                                     style={"description_width": "9em"})
        self.entries = widgets.HTML()
        self.add_form = DictionaryAddForm(crm, on_done=self.refresh)
        self.edit_form = DictionaryEditForm(crm, on_done=self.refresh)
        forms = widgets.Accordion([self.add_form, self.edit_form])
        forms.set_title(0, crm.t("ui.dict.add"))
        forms.set_title(1, crm.t("ui.dict.edit"))
        super().__init__(crm, [self.kind, self.entries, forms])
        self.kind.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def refresh(self) -> None:
        entries = self._attempt(self.crm.dictionary.list, self.kind.value, include_inactive=True)
        if entries is None:
            return
        self.entries.value = base.page_table(entries, self.crm, ["code", "name_en", "name_zh", "sort_order", "value",
                                                                 "active"], {"active": lambda v: "✓" if v else "✗"})
        self.add_form.kind = self.kind.value
        self.edit_form.show_kind(self.kind.value, entries)


# -- products and stock (A3) ------------------------------------------------------------
class ProductAddForm(Form):
    """Add a product to the catalogue (administrator only, checked by the engine)."""

    def __init__(self, crm, on_done=None):
        self._on_done = on_done
        self.code = base.text_field(crm, "code")
        self.name = base.text_field(crm, "name")
        self.price = base.text_field(crm, "price")
        self.category = base.choice_field(crm, "category", "product_category")
        self.unit = base.text_field(crm, "unit", "pcs")
        self.stock = base.text_field(crm, "stock", "0")
        self.add = base.button(crm, "ui.product.add", "primary")
        self.add.on_click(self._on_add)
        super().__init__(crm, [self.row("code", self.code), self.row("name", self.name), self.row("price", self.price),
                               self.row("category", self.category), self.row("unit", self.unit),
                               self.row("stock", self.stock), self.add])

    def _on_add(self, _button):
        product_id = self._attempt(self.crm.products.add, self.code.value, self.name.value, price=self.price.value,
                                   category=self.category.value, unit=self.unit.value, stock=self.stock.value)
        if product_id is not None:
            self.show_ok(self.t("ui.product.added", code=self.code.value.strip(), id=product_id))
            self.code.value = self.name.value = self.price.value = ""
            if self._on_done:
                self._on_done()


class ProductEditForm(Form):
    """Change a product (name, price, category, unit, active) or receive goods into stock."""

    def __init__(self, crm, on_done=None):
        self._on_done = on_done
        self.product = widgets.Dropdown(description=crm.t("field.product"), style={"description_width": "9em"})
        self.name = base.text_field(crm, "name")
        self.price = base.text_field(crm, "price")
        self.category = base.choice_field(crm, "category", "product_category")
        self.unit = base.text_field(crm, "unit")
        self.active = widgets.Checkbox(value=True, description=crm.t("ui.product.active"))
        self.save = base.button(crm, "ui.save", "primary")
        self.quantity = base.text_field(crm, "quantity")
        self.note = base.text_field(crm, "notes")
        self.receive = base.button(crm, "ui.product.receive")
        self.product.observe(lambda _: self._load(), names="value")
        self.save.on_click(self._on_save)
        self.receive.on_click(self._on_receive)
        super().__init__(crm, [self.product, self.row("name", self.name), self.row("price", self.price),
                               self.row("category", self.category), self.row("unit", self.unit), self.active,
                               self.save, self.row("quantity", self.quantity), self.row("notes", self.note),
                               self.receive])

    def show_products(self, products) -> None:
        self.catalogue = products.set_index("id")
        base.set_options(self.product, [(f"{r.code} · {r.name}", int(r.id)) for r in products.itertuples()])
        self._load()

    def _load(self):
        if self.product.value is None:
            return
        row = self.catalogue.loc[self.product.value]
        self.name.value, self.price.value, self.unit.value = row["name"], f"{float(row['price']):.2f}", row["unit"]
        self.category.value = row["category"] if row["category"] in [v for _, v in self.category.options] else None
        self.active.value = bool(row["active"])

    def _on_save(self, _button):
        self._attempt(self.crm.products.update, self.product.value, name=self.name.value, price=self.price.value,
                      category=self.category.value, unit=self.unit.value, active=self.active.value)
        if not self.failed:
            self.show_ok(self.t("ui.saved"))
            if self._on_done:
                self._on_done()

    def _on_receive(self, _button):
        stock = self._attempt(self.crm.products.receive, self.product.value, self.quantity.value,
                              note=self.note.value or None)
        if stock is not None:
            self.show_ok(self.t("ui.product.received", stock=stock))
            self.quantity.value = self.note.value = ""
            if self._on_done:
                self._on_done()


class ProductsEditor(View):
    """The product catalogue with stock; add a product, change one, receive goods."""

    def __init__(self, crm):
        self.catalogue = widgets.HTML()
        self.add_form = ProductAddForm(crm, on_done=self.refresh)
        self.edit_form = ProductEditForm(crm, on_done=self.refresh)
        forms = widgets.Accordion([self.add_form, self.edit_form])
        forms.set_title(0, crm.t("ui.product.add"))
        forms.set_title(1, crm.t("ui.product.edit"))
        super().__init__(crm, [self.catalogue, forms])
        self.refresh()

    def refresh(self) -> None:
        products = self._attempt(self.crm.products.list, active=None)
        if products is None:
            return
        label = self.crm.dictionary.label
        self.catalogue.value = base.page_table(
            products, self.crm, ["code", "name", "category", "unit", "price", "stock", "active"],
            {"category": lambda c: label("product_category", c), "price": base.money,
             "active": lambda v: "✓" if v else "✗"})
        self.edit_form.show_products(products)
