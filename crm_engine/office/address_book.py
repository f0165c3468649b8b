"""Address books (F3): a public one the whole company shares, and each user's private one.

Rules:
- A private entry is visible to its owner only — not to a supervisor, a director
  or the administrator, whatever the sharing policy says — and its content never
  enters the audit trail (which administrators read): audit rows name only its id.
- A public entry is readable by everyone; who may change or delete it follows the
  sharing policy for kind `address_book` (by default its creator and the administrator).
- Colleagues are listed by `crm.admin.users()`; the address books hold everyone
  else (suppliers, partners, customers' people outside the customer cards …).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import validate
from ..errors import InvalidInput, NotAllowed, NotFound
from ..i18n import Choices
from ..session import Area, Session, action, load_user, query

KIND = "address_book"
TEXT = {"company": 200, "title": 100, "address": 300, "notes": 2000}
# What `list(sort=…)` may sort by (name → SQL).
SORTABLE = {"name": "a.name", "company": "a.company"}


@dataclass(frozen=True)
class Entry:
    id: int
    owner_id: int
    private: bool
    name: str
    company: str | None
    title: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    address: str | None
    notes: str | None
    created_on: dt.date
    updated_on: dt.date | None


COLUMNS = ", ".join(f.name for f in dataclasses.fields(Entry))


def visible(s: Session, alias: str = "a") -> str:
    """SQL: the entries this user may read (never someone else's private ones)."""
    return f"(({alias}.private AND {alias}.owner_id = {int(s.user.id)}) OR NOT {alias}.private)"


def fetch(s: Session, entry_id, *, write: bool = False) -> Entry:
    entry_id = validate.record_id(entry_id, "address_entry")
    row = s.db.one(f"SELECT {COLUMNS} FROM address_book a WHERE a.id = ? AND {visible(s)}", [entry_id])
    if row is None:
        raise NotFound("address.not_found", id=entry_id)
    entry = Entry(*row)
    if write and entry.owner_id != s.user.id and (entry.private or not s.can_write(KIND, entry.owner_id)):
        raise NotAllowed("address.not_yours", name=entry.name, owner=load_user(s.db, entry.owner_id).name)
    return entry


def _clean(fields: dict) -> dict:
    clean = {}
    for name, value in fields.items():
        if name == "name":
            clean[name] = validate.text(value, "name", max_length=100)
        elif name in ("phone", "mobile"):
            clean[name] = validate.phone(value, name)
        elif name == "email":
            clean[name] = validate.email(value)
        elif name in TEXT:
            clean[name] = validate.text(value, name, required=False, max_length=TEXT[name])
        else:
            raise InvalidInput("error.unknown_field", field=name)
    return clean


def _trail(entry_private: bool, record: dict) -> dict | None:
    # Administrators read the audit trail: keep private content out of it.
    return None if entry_private else record


class AddressBook(Area):
    """`crm.address_book`: the public address book and your private one."""

    @action
    def add(self, name: str, *, private: bool = False, **fields) -> Entry:
        """Add an entry; `private=True` puts it in your private address book.

        Fields: company, title, phone, mobile, email, address, notes.

            crm.address_book.add("Gao Jie", company="Jiangsu Freight", mobile="139 0000 1111", private=True)
        """
        s = self._s
        if not isinstance(private, bool):
            raise InvalidInput("error.choice", field="private_entry", value=private, choices=Choices(("True", "False")))
        clean = _clean({"name": name, **fields})
        entry_id = s.db.next_id("address_book")
        record = {"id": entry_id, "owner_id": s.user.id, "private": private, **clean, "created_on": s.today()}
        s.db.execute(f"INSERT INTO address_book ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        s.audit("create", KIND, entry_id, after=_trail(private, record), note="private" if private else None)
        return fetch(s, entry_id)

    @query
    def get(self, entry_id: int) -> Entry:
        """One entry: a public one, or a private one of yours."""
        return fetch(self._s, entry_id)

    @action
    def update(self, entry_id: int, **fields) -> Entry:
        """Change an entry you may change (yours, or a public one within your write scope)."""
        s = self._s
        entry = fetch(s, entry_id, write=True)
        if "private" in fields:
            raise InvalidInput("address.private_fixed", field="private_entry")
        clean = _clean(fields)
        changes = {k: v for k, v in clean.items() if getattr(entry, k) != v}
        if not changes:
            return entry
        sets = ", ".join(f"{column} = ?" for column in changes)
        s.db.execute(f"UPDATE address_book SET {sets}, updated_on = ? WHERE id = ?", [*changes.values(), s.today(), entry.id])
        s.audit("update", KIND, entry.id, before=_trail(entry.private, {k: getattr(entry, k) for k in changes}),
                after=_trail(entry.private, changes))
        return fetch(s, entry.id)

    @action
    def delete(self, entry_id: int) -> None:
        """Delete an entry you may change."""
        s = self._s
        entry = fetch(s, entry_id, write=True)
        s.db.execute("DELETE FROM address_book WHERE id = ?", [entry.id])
        s.audit("delete", KIND, entry.id, before=_trail(entry.private, dataclasses.asdict(entry)))

    @query
    def list(self, *, book: str | None = None, search: str | None = None, sort: str | None = None,
             descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Entries you may read, yours first then by name (or by `sort`: `name` or `company`), paged
        (`limit` rows from `offset`): `book="public"`, `book="private"` (yours) or both; `search`
        matches name, company, phone, mobile and e-mail."""
        where, params = self._filters(book, search)
        order = validate.order(sort, descending, SORTABLE, default="a.private DESC, a.name, a.id", tie="a.id")
        return self._s.db.df(
            "SELECT a.id, a.private, a.name, a.company, a.title, a.phone, a.mobile, a.email, a.address, a.notes, "
            "a.owner_id, u.name AS owner_name FROM address_book a JOIN users u ON u.id = a.owner_id "
            f"WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def count(self, *, book: str | None = None, search: str | None = None) -> int:
        """How many entries `list()` with the same filters returns (for paging)."""
        where, params = self._filters(book, search)
        return self._s.db.scalar(f"SELECT count(*) FROM address_book a WHERE {where}", params)

    def _filters(self, book, search) -> tuple[str, list]:
        where = [visible(self._s)]
        if book is not None:
            where.append("a.private" if validate.one_of(book, "address_book", ("public", "private")) == "private"
                         else "NOT a.private")
        found, args = validate.matching(search, [f"a.{c}" for c in ("name", "company", "phone", "mobile", "email")])
        return " AND ".join(where + found), args
