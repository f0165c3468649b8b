"""Customer management views: the paged customer list, the card form, the customer 360, hand-over.

Lists only ever fetch one page (`limit`/`offset` in SQL), so they stay quick at
100k customers; every filter and permission is the engine's.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from . import base
from .base import View
from .sales import RecordList

PAGE = 15
LIST_COLUMNS = ["id", "name", "level", "region", "credit", "satisfaction", "owner_name"]


class CustomerList(RecordList):
    """Search, filter, sort and page through the customers you may see; pick one to open."""

    COLUMNS = {c: f"field.{c}" for c in LIST_COLUMNS}
    SORTS = {c: (c, False) for c in ("name", "id", "level", "region", "credit")}
    PAGE = PAGE
    PICK, PICK_STYLE, PICK_WIDTH = "ui.open_customer", {"description_width": "9em"}, "32em"

    def __init__(self, crm, on_open=None):
        self.search = widgets.Text(placeholder=crm.t("ui.search"), continuous_update=False,
                                   layout=widgets.Layout(width="18em"))
        self.level = base.choice_field(crm, "level", "customer_level")
        self.region = base.choice_field(crm, "region", "region")
        super().__init__(crm, {"search": self.search, "level": self.level, "region": self.region}, on_open=on_open)

    @staticmethod
    def sort_label(crm, key: str) -> str:
        return crm.t(f"field.{key}")

    def _on_sort(self, change):  # a new order starts again at its first page
        self._on_filter(change)

    def fetch(self, **page):
        return self.crm.customers.list(**self.values(), **page)

    def count(self) -> int:
        return self.crm.customers.count(**self.values())

    def render(self, rows) -> str:
        if rows.empty:
            return base.table(rows, self.crm)
        label = self.crm.dictionary.label
        shown = rows.assign(level=rows["level"].map(lambda c: label("customer_level", c)),
                            region=rows["region"].map(  # no region: NaN in a pandas 3 string column
                                lambda c: label("region", c) if isinstance(c, str) else None))
        return base.table(shown, self.crm, LIST_COLUMNS)

    def option(self, row) -> str:
        return f"{row.id} · {row.name}"


class CustomerForm(View):
    """Add a customer card, or edit one (`customer_id`)."""

    FIELDS = ("phone", "email", "address", "legal_rep")
    CODES = {"level": "customer_level", "region": "region", "industry": "industry",
             "customer_type": "customer_type", "ownership": "ownership", "company_size": "company_size"}

    def __init__(self, crm, customer_id: int | None = None, on_saved=None):
        self.customer_id, self._on_saved = customer_id, on_saved
        self.name = base.text_field(crm, "name")
        self.texts = {f: base.text_field(crm, f) for f in self.FIELDS}
        self.codes = {f: base.choice_field(crm, f, kind) for f, kind in self.CODES.items()}
        self.codes["level"].value = "ordinary"
        self.credit = base.rating_field(crm, "credit")
        self.satisfaction = base.rating_field(crm, "satisfaction")
        self.owner = base.user_field(crm, "owner", roles=("account_manager", "supervisor", "director"), allow_empty=True)
        self.save = base.button(crm, "ui.save", "primary")
        self.save.on_click(self._on_save)
        grid = [self.name, *self.texts.values(), *self.codes.values(), self.credit, self.satisfaction]
        if customer_id is None and crm.user.role != "account_manager":
            grid.append(self.owner)
        super().__init__(crm, [widgets.HTML(f"<b>{html.escape(crm.t('ui.customer_card'))}</b>"),
                               widgets.GridBox(grid, layout=widgets.Layout(grid_template_columns="repeat(2, 30em)")),
                               self.save])
        if customer_id is not None:
            self._load()

    def _load(self):
        card = self._attempt(self.crm.customers.get, self.customer_id)
        if card is None:
            return
        self.name.value = card.name
        for name, widget in self.texts.items():
            widget.value = getattr(card, name) or ""
        for name, widget in self.codes.items():
            value = getattr(card, name)
            if value in [v for _, v in widget.options]:
                widget.value = value
        self.credit.value, self.satisfaction.value = card.credit, card.satisfaction

    def values(self) -> dict:
        fields = {name: w.value for name, w in self.texts.items()}
        fields.update({name: w.value for name, w in self.codes.items()})
        fields.update(credit=self.credit.value, satisfaction=self.satisfaction.value)
        return fields

    def _on_save(self, _button):
        if self.customer_id is None:
            owner = self.owner.value if self.crm.user.role != "account_manager" else None
            card = self._attempt(self.crm.customers.add, self.name.value, owner=owner, **self.values())
            if card is not None:
                self.show_ok(self.t("ui.customer_added", name=card.name, id=card.id))
        else:
            card = self._attempt(self.crm.customers.update, self.customer_id, name=self.name.value, **self.values())
            if card is not None:
                self.show_ok(self.t("ui.saved"))
        if card is not None and self._on_saved is not None:
            self._on_saved(card.id)


class Customer360View(View):
    """One customer: card, contacts, interactions and orders, with forms to add a contact and log a contact;
    its service tickets, churn state and tags (with a form to tag it)."""

    def __init__(self, crm, customer_id: int):
        self.customer_id = customer_id
        self.card = widgets.HTML()
        self.contacts = widgets.HTML()
        self.interactions = widgets.HTML()
        self.orders = widgets.HTML()
        self.tickets = widgets.HTML()
        self.churn = widgets.HTML()
        self.tags = widgets.HTML()
        self.tag_text = base.text_field(crm, "tag")
        self.add_tag = base.button(crm, "ui.c360.add_tag")
        self.tag_pick = widgets.Dropdown(description=crm.t("field.tag"), style={"description_width": "9em"})
        self.remove_tag = base.button(crm, "ui.c360.remove_tag")
        self.add_tag.on_click(self._on_tag)
        self.remove_tag.on_click(self._on_untag)
        self.contact_name = base.text_field(crm, "name")
        self.contact_title = base.text_field(crm, "title")
        self.contact_mobile = base.text_field(crm, "mobile")
        self.add_contact = base.button(crm, "ui.add_contact")
        self.subject = base.text_field(crm, "subject")
        self.channel = base.choice_field(crm, "channel", "interaction_channel", required=True)
        self.log_button = base.button(crm, "ui.log_interaction")
        self.add_contact.on_click(self._on_add_contact)
        self.log_button.on_click(self._on_log)
        tagging = widgets.VBox([self.tags, widgets.HBox([self.tag_text, self.add_tag]),
                                widgets.HBox([self.tag_pick, self.remove_tag])])
        tabs = widgets.Tab([self.contacts, self.interactions, self.orders, self.tickets, self.churn, tagging])
        for index, key in enumerate(("ui.contacts", "ui.interactions", "ui.orders", "ui.c360.tickets",
                                     "ui.c360.churn", "ui.c360.tags")):
            tabs.set_title(index, crm.t(key))
        forms = widgets.Accordion([
            widgets.VBox([self.contact_name, self.contact_title, self.contact_mobile, self.add_contact]),
            widgets.VBox([self.subject, self.channel, self.log_button])])
        forms.set_title(0, crm.t("ui.add_contact"))
        forms.set_title(1, crm.t("ui.log_interaction"))
        super().__init__(crm, [self.card, tabs, forms])
        self.refresh()

    def refresh(self) -> None:
        view = self._attempt(self.crm.customers.view, self.customer_id)
        if view is None:
            return
        c, label = view.customer, self.crm.dictionary.label
        facts = [("name", c.name), ("owner", view.owner), ("level", label("customer_level", c.level)),
                 ("region", c.region and label("region", c.region)), ("phone", c.phone), ("credit", c.credit),
                 ("satisfaction", c.satisfaction), ("status", c.status)]
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(self.t('field.' + k))}</th>"
                       f"<td>{html.escape('' if v is None else str(v))}</td></tr>" for k, v in facts)
        summary = self.t("ui.order_summary", count=len(view.orders), total=f"{view.total_ordered:,.2f}",
                         last=view.last_order_date or "—")
        self.card.value = f"<table class='crm-card'>{rows}</table><p>{html.escape(summary)}</p>"
        self.contacts.value = base.table(view.contacts, self.crm, ["name", "title", "phone", "mobile", "email"])
        self.interactions.value = base.table(view.interactions, self.crm, ["on_date", "channel", "subject"])
        self.orders.value = base.table(view.orders, self.crm, ["order_no", "order_date", "amount", "status"])
        self._refresh_care()

    def _refresh_care(self) -> None:
        """Tickets, churn warnings and tags of this customer, as far as the user may see them."""
        crm, label = self.crm, self.crm.dictionary.label
        tickets = self._attempt(crm.service.list, customer_id=self.customer_id)
        if tickets is not None:
            self.tickets.value = base.page_table(
                tickets, crm, ["id", "created_on", "service_type", "subject", "state", "handler_name", "satisfaction"],
                {"service_type": lambda c: label("service_type", c), "state": crm.service.label,
                 "created_on": base.day})
        warnings = self._attempt(crm.churn.list, customer_id=self.customer_id)
        if warnings is not None:
            open_now = warnings[warnings["state"].isin(("warning", "suspended"))]
            state = (crm.t("ui.c360.churn_open", state=crm.churn.label(open_now.iloc[0]["state"]),
                           days=int(open_now.iloc[0]["days_silent"])) if not open_now.empty
                     else crm.t("ui.c360.churn_none"))
            self.churn.value = f"<p><b>{html.escape(state)}</b></p>" + base.page_table(
                warnings, crm, ["id", "raised_on", "state", "suspensions", "reason", "closed_on"],
                {"state": crm.churn.label, "reason": lambda c: label("churn_reason", c),
                 "raised_on": base.day, "closed_on": base.day})
        tags = self._attempt(crm.classification.tags, self.customer_id)
        if tags is not None:
            self.tags.value = (" ".join(f"<span class='crm-tag' style='background:#e3f2fd;padding:2px 6px;"
                                        f"border-radius:8px;margin-right:4px'>{html.escape(t)}</span>" for t in tags)
                               or f"<i>{html.escape(crm.t('ui.c360.no_tags'))}</i>")
            base.set_options(self.tag_pick, [(t, t) for t in tags])

    def _on_tag(self, _button):
        tags = self._attempt(self.crm.classification.tag, self.customer_id, self.tag_text.value)
        if tags is not None:
            self.show_ok(self.t("ui.c360.tagged", tag=self.tag_text.value.strip()))
            self.tag_text.value = ""
            self._refresh_keeping_status()

    def _on_untag(self, _button):
        tag = self.tag_pick.value
        if self._attempt(self.crm.classification.untag, self.customer_id, tag) is not None:
            self.show_ok(self.t("ui.c360.untagged", tag=tag))
            self._refresh_keeping_status()

    def _on_add_contact(self, _button):
        if self._attempt(self.crm.customers.add_contact, self.customer_id, self.contact_name.value,
                         title=self.contact_title.value or None, mobile=self.contact_mobile.value or None,
                         success=self.t("ui.contact_added", name=self.contact_name.value)) is not None:
            self.contact_name.value = self.contact_title.value = self.contact_mobile.value = ""
            self._refresh_keeping_status()

    def _on_log(self, _button):
        if self._attempt(self.crm.customers.log_interaction, self.customer_id, self.subject.value,
                         channel=self.channel.value, success=self.t("ui.interaction_logged")) is not None:
            self.subject.value = ""
            self._refresh_keeping_status()

    def _refresh_keeping_status(self):
        status = self.status.value
        self.refresh()
        self.status.value = status


class HandoverForm(View):
    """Hand all of a departing rep's customers to another manager (supervisors and directors)."""

    def __init__(self, crm):
        self.from_user = base.user_field(crm, "owner", roles=("account_manager", "supervisor"))
        self.to_user = base.user_field(crm, "to_user", roles=("account_manager", "supervisor"))
        self.hand_over = base.button(crm, "ui.handover", "warning")
        self.hand_over.on_click(self._on_handover)
        super().__init__(crm, [widgets.HTML(f"<b>{html.escape(crm.t('action.handover'))}</b>"),
                               self.from_user, self.to_user, self.hand_over])

    def _on_handover(self, _button):
        moved = self._attempt(self.crm.customers.handover, self.from_user.value, self.to_user.value)
        if moved is not None:
            self.show_ok(self.t("ui.handed_over", count=moved))


class CustomersModule(View):
    """The customer-management module: list → 360, a new-customer form, hand-over for supervisors."""

    def __init__(self, crm):
        self.detail = widgets.VBox()
        self.list = CustomerList(crm, on_open=self.open_customer)
        parts = [self.list, self.detail]
        tabs = widgets.Tab([widgets.VBox(parts), CustomerForm(crm, on_saved=lambda _id: self.list.refresh())])
        tabs.set_title(0, crm.t("ui.customer_list"))
        tabs.set_title(1, crm.t("ui.new_customer"))
        if crm.user.role in ("supervisor", "director", "admin"):
            tabs.children = [*tabs.children, HandoverForm(crm)]
            tabs.set_title(2, crm.t("action.handover"))
        # C5: grades, credit per grade, segments — built when first shown (its queries are not free).
        self._classification = widgets.VBox()
        tabs.children = [*tabs.children, self._classification]
        tabs.set_title(len(tabs.children) - 1, crm.t("ui.class.title"))
        tabs.observe(lambda change: change["new"] == len(tabs.children) - 1 and self.classification,
                     names="selected_index")
        self.tabs = tabs
        super().__init__(crm, [tabs])

    @property
    def classification(self):
        """The classification tab's view (ABC grades, segments), built on first use."""
        if not self._classification.children:
            from .classification import ClassificationView
            self._classification.children = [ClassificationView(self.crm)]
        return self._classification.children[0]

    def open_customer(self, customer_id: int) -> Customer360View:
        view = Customer360View(self.crm, customer_id)
        self.detail.children = [view]
        return view
