"""Address books (F3) on the kit: the public one the whole company shares and your private one.
A row opens the entry (edit, delete: the engine decides who may); a new entry goes to either book.
Another user's private entries never reach this screen: the engine does not return them.
"""
from __future__ import annotations

import solara
from solara.alias import rv

from ..errors import CRMError
from . import kit

TEXTS = ("company", "title", "phone", "mobile", "email", "address", "notes")
COLUMNS = [kit.Column("book", "ui.uicash.book", priority=2),
           kit.Column("name", "field.name", sort="name"),
           kit.Column("company", "field.company", sort="company", width=24),
           kit.Column("title", "field.title", priority=3, width=20),        # a person's job title, here
           kit.Column("phone", "field.phone", priority=2), kit.Column("mobile", "field.mobile", priority=3),
           kit.Column("email", "field.email", priority=2, width=28)]


def shown(crm, frame):
    if not len(frame):
        return frame
    return frame.assign(book=frame["private"].map(
        lambda p: crm.t("ui.office.private_book" if p else "ui.office.public_book")))


def entry_fields(crm) -> tuple:
    return (kit.Field("name"), *(kit.Field(f, "textarea" if f == "notes" else "text") for f in TEXTS))


@solara.component
def EntryRecord(crm, entry_id: int, on_close=None):
    version, language = kit.use_workspace(crm)

    def load():
        try:
            return crm.address_book.get(entry_id), None
        except CRMError as error:
            return None, kit.failure(crm, error)

    entry, problem = solara.use_memo(load, dependencies=[version, language, entry_id, crm.user.id])
    if entry is None:
        with solara.Column() as box:
            kit.Feedback(problem, ref="entry-message")
            if on_close is not None:
                solara.Button(crm.t("ui.kit.back_to_list"), text=True, on_click=on_close).meta(ref="entry-close")
        return box

    def update(v):
        done = crm.address_book.update(entry.id, name=v.get("name"),
                                       **{f: kit.text_or_none(v.get(f)) for f in TEXTS})
        return crm.t("ui.office.entry_saved", name=done.name)

    def delete(_v):
        crm.address_book.delete(entry.id)
        if on_close is not None:
            on_close()
        return crm.t("ui.office.deleted", name=entry.name)

    book = crm.t("ui.office.private_book" if entry.private else "ui.office.public_book")
    facts = [("ui.uicash.book", book), ("field.name", entry.name),
             *((f"field.{f}", getattr(entry, f)) for f in TEXTS)]
    return kit.RecordPage(
        crm, entry.name, subtitle=book, on_close=on_close, ref="entry",
        actions=[kit.Action("update", crm.t("ui.uicash.edit"), update, fields=entry_fields(crm), color="secondary",
                            initial={"name": entry.name, **{f: getattr(entry, f) or "" for f in TEXTS}}),
                 kit.Action("delete", crm.t("ui.uicash.delete"), delete, color="error")],
        tabs=[(crm.t("ui.kit.details"), lambda: kit.Facts(crm, facts, ref="entry-facts"))])


@solara.component
def AddressBookTab(crm):
    kit.use_workspace(crm)
    open_id, set_open_id = solara.use_state(None)
    book, set_book = solara.use_state(None)

    def add(v):
        entry = crm.address_book.add(v.get("name") or "", private=v.get("book") == "private",
                                     **{f: kit.text_or_none(v.get(f)) for f in TEXTS})
        return crm.t("ui.office.entry_saved", name=entry.name)

    books = ((crm.t("ui.office.public_book"), "public"), (crm.t("ui.office.private_book"), "private"))
    with solara.Column(gap="6px") as box:
        if open_id is not None:
            EntryRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            kit.ActionBar(crm, [kit.Action("add", crm.t("ui.office.new_entry"), add, initial={"book": "private"},
                                           fields=(kit.Field("book", "select", options=books,
                                                             label_key="ui.uicash.book"), *entry_fields(crm)))],
                          ref="new-entry")
            rv.Select(items=[{"title": crm.t("ui.care.all"), "value": None}] + [
                {"title": title, "value": value} for title, value in books], v_model=book, on_v_model=set_book,
                label=crm.t("ui.uicash.book"), density="compact", hide_details=True, style_="max-width:18em"
            ).meta(ref="filter-book")
            kit.RecordList(crm, lambda **kw: shown(crm, crm.address_book.list(**kw)), crm.address_book.count,
                           COLUMNS, on_open=set_open_id, filters={"book": book}, ref="entries")
    return box
