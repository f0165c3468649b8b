"""Customer management (C1, C2, C5): the information card, contacts, interactions,
the customer 360 and the hand-over of a departing rep's customers.

A customer belongs to one owning manager; who else reads or writes it follows
the sharing policy for kind `customer`. Contacts, interactions and orders are
part of the customer's record and follow the same scope.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from .. import validate
from ..dictionary import require_code
from ..errors import Conflict, InvalidInput, NotAllowed, NotFound
from ..names import normalise
from ..session import Area, Session, User, action, load_user, query
from ..statemachine import reasons
from . import registry

KIND = "customer"
OWNER_ROLES = ("account_manager", "supervisor", "director")


@dataclass(frozen=True)
class Customer:
    """The customer information card (C1)."""

    id: int
    name: str
    phone: str | None
    email: str | None
    address: str | None
    owner_id: int | None
    legal_rep: str | None
    founded: dt.date | None
    ownership: str | None
    industry: str | None
    company_size: str | None
    assets: Decimal | None
    customer_type: str | None
    characteristics: str | None
    business_situation: str | None
    transaction_status: str | None
    level: str
    credit: int | None
    satisfaction: int | None
    credit_limit: Decimal | None
    region: str | None
    route: str | None
    status: str
    created_on: dt.date
    created_by: int
    updated_on: dt.date | None


COLUMNS = [f.name for f in dataclasses.fields(Customer)]
SELECT = ", ".join(f"c.{c}" for c in COLUMNS)
# Fields a form may set, with the check each value must pass (owner is handled apart).
TEXT_FIELDS = {"phone": validate.phone, "email": validate.email}
FREE_TEXT = {"address": 300, "legal_rep": 100, "characteristics": 2000, "business_situation": 2000,
             "transaction_status": 2000, "route": 100}
CODES = {"ownership": "ownership", "industry": "industry", "company_size": "company_size",
         "customer_type": "customer_type", "level": "customer_level", "region": "region"}
SORTABLE = ("id", "name", "level", "region", "credit", "satisfaction", "created_on", "owner_name")

@dataclass(frozen=True)
class Customer360:
    """Everything about one customer on one screen (C2)."""

    customer: Customer
    owner: str | None
    contacts: pd.DataFrame
    interactions: pd.DataFrame
    orders: pd.DataFrame

    @property
    def total_ordered(self) -> float:
        return float(self.orders["amount"].sum()) if len(self.orders) else 0.0

    @property
    def last_order_date(self) -> dt.date | None:
        return self.orders["order_date"].max().date() if len(self.orders) else None


# The 360's three lists in one statement: three lookups on tables stored by customer (see
# scenario/history.py), stacked with UNION ALL into shared columns and fetched as numpy arrays,
# then cut apart by `part` and put in order in numpy (a few dozen rows: an ORDER BY in the
# statement cost DuckDB a sort operator, ~0.7 ms). Measured in bench/bench_foundation.py: three
# statements cost three round trips, and pandas building frames from Python tuples cost as much again.
VIEW_PARTS = (  # (list, its columns ← the stacked columns they travel in)
    ("contacts", {"id": "id", "name": "t1", "title": "t2", "phone": "t3", "mobile": "t4", "email": "t5",
                  "is_primary": "flag"}),
    ("interactions", {"id": "id", "on_date": "day", "channel": "t1", "subject": "t2", "detail": "t3",
                      "user_id": "num"}),
    ("orders", {"id": "id", "order_no": "t1", "order_date": "day", "amount": "amount", "status": "t2"}),
)
# (false and 0 fill the flag and the number where a part has none: a NULL would turn the
# whole column into floats or objects, see Database.numpy)
VIEW_SQL = """
    SELECT 0 AS part, id, name AS t1, title AS t2, phone AS t3, mobile AS t4, email AS t5, is_primary AS flag,
           NULL::DATE AS day, NULL::DOUBLE AS amount, 0::BIGINT AS num FROM contacts WHERE customer_id = $1
    UNION ALL SELECT 1, id, channel, subject, detail, NULL, NULL, false, on_date, NULL, user_id
              FROM interactions WHERE customer_id = $1
    UNION ALL SELECT 2, id, order_no, status, NULL, NULL, NULL, false, order_date, amount::DOUBLE, 0
              FROM orders WHERE customer_id = $1"""


def _lists(arrays: dict) -> list[pd.DataFrame]:
    """The stacked rows of VIEW_SQL (numpy arrays) as the three lists: contacts primary first,
    then by id; interactions and orders newest first."""
    part, ids = arrays["part"], np.asarray(arrays["id"], dtype=np.int64)
    lists = []
    for k, (_list, columns) in enumerate(VIEW_PARTS):
        rows = np.flatnonzero(part == k)
        if k == 0:
            rows = rows[np.lexsort((ids[rows], ~arrays["flag"][rows]))]
        else:
            newest = -arrays["day"][rows].astype("datetime64[D]").astype(np.int64)
            rows = rows[np.lexsort((-ids[rows], newest))]
        lists.append(pd.DataFrame({name: arrays[column][rows] for name, column in columns.items()}))
    return lists


def visible(s: Session, alias: str = "c", mode: str = "read") -> str:
    """SQL condition: customers (alias `alias`) this session may read / write."""
    return s.scope(KIND, f"{alias}.owner_id", mode)


def fetch(s: Session, customer_id, *, write: bool = False) -> Customer:
    """The customer if the session may read it (and write it, with `write=True`)."""
    customer = Customer(*s.readable_row(KIND, f"SELECT {SELECT} FROM customers c WHERE c.id = ?", customer_id,
                                        field="customer", owner=COLUMNS.index("owner_id"), missing="customer.not_found"))
    if write and not s.can_write(KIND, customer.owner_id):
        owner = load_user(s.db, customer.owner_id).name if customer.owner_id else "—"
        raise NotAllowed("customer.not_yours", id=customer.id, name=customer.name, owner=owner)
    return customer


def owner_for(s: Session, owner) -> User:
    """The owner a new or handed-over customer may get from this session."""
    user = s.user if owner is None else load_user(s.db, owner)
    if not user.active:
        raise InvalidInput("user.inactive", field="owner", user=user.name)
    if user.role not in OWNER_ROLES:
        raise InvalidInput("customer.owner_role", field="owner", user=user.name)
    if not s.can_write(KIND, user.id):
        raise NotAllowed("customer.owner_scope", user=user.name)
    return user


def check_fields(s: Session, fields: dict) -> dict:
    """Validate card fields given to add/update; unknown names are refused."""
    clean = {}
    for name, value in fields.items():
        if name == "name":
            clean["name"] = validate.text(value, "name", max_length=200)
            clean["name_norm"] = normalise(clean["name"])
            if not clean["name_norm"]:
                raise InvalidInput("customer.name_meaningless", field="name", value=value)
        elif name in TEXT_FIELDS:
            clean[name] = TEXT_FIELDS[name](value, name)
        elif name in FREE_TEXT:
            clean[name] = validate.text(value, name, required=False, max_length=FREE_TEXT[name])
        elif name in CODES:
            clean[name] = require_code(s, CODES[name], value, name, required=name == "level")
        elif name in ("credit", "satisfaction"):
            clean[name] = validate.rating(value, name)
        elif name in ("assets", "credit_limit"):
            clean[name] = validate.amount(value, name, required=False)
        elif name == "founded":
            clean[name] = validate.date(value, name, required=False)
            if clean[name] and clean[name] > s.today():
                raise InvalidInput("error.future_date", field=name, today=s.today().isoformat())
        else:
            raise InvalidInput("error.unknown_field", field=name)
    return clean


def find_duplicate(s: Session, name_norm: str, exclude: int | None = None):
    return s.db.one(
        "SELECT c.id, c.name, u.name FROM customers c LEFT JOIN users u ON u.id = c.owner_id "
        "WHERE c.name_norm = ? AND c.id IS DISTINCT FROM ? ORDER BY c.id LIMIT 1",
        [name_norm, exclude],
    )


def create(s: Session, *, name, owner=None, allow_duplicate: bool = False, **fields) -> Customer:
    """Insert a customer card (the shared core of `add`, lead conversion and won opportunities)."""
    clean = check_fields(s, {"name": name, "level": fields.pop("level", "ordinary"), **fields})
    duplicate = find_duplicate(s, clean["name_norm"])
    if duplicate and not allow_duplicate:
        raise Conflict("customer.duplicate", name=clean["name"], id=duplicate[0], existing=duplicate[1],
                       owner=duplicate[2] or "—")
    owner_user = owner_for(s, owner)
    customer_id = s.db.next_id("customers")
    record = {"id": customer_id, **clean, "owner_id": owner_user.id, "status": "active",
              "created_on": s.today(), "created_by": s.user.id}
    s.db.execute(
        f"INSERT INTO customers ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
        list(record.values()),
    )
    s.audit("create", KIND, customer_id, after={k: v for k, v in record.items() if k != "name_norm"})
    return fetch(s, customer_id)


def log_interaction(s: Session, customer_id: int, subject: str, *, channel: str = "phone", on_date=None,
                    contact_id: int | None = None, detail: str | None = None) -> int:
    """Insert an interaction record (shared by `Customers.log_interaction`, the call centre, messages)."""
    customer = fetch(s, customer_id)
    on_date = validate.date(on_date, "on_date", required=False) or s.today()
    if on_date > s.today():
        raise InvalidInput("error.future_date", field="on_date", today=s.today().isoformat())
    if contact_id is not None and not s.db.scalar(
            "SELECT count(*) FROM contacts WHERE id = ? AND customer_id = ?", [contact_id, customer.id]):
        raise NotFound("contact.not_found", id=contact_id, customer=customer.name)
    record = {
        "id": s.db.next_id("interactions"), "customer_id": customer.id, "contact_id": contact_id,
        "user_id": s.user.id, "on_date": on_date,
        "channel": require_code(s, "interaction_channel", channel, "channel", required=True),
        "subject": validate.text(subject, "subject", max_length=200),
        "detail": validate.text(detail, "detail", required=False),
    }
    s.db.execute(f"INSERT INTO interactions ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    s.audit("create", "interaction", record["id"], after=record)
    return record["id"]


def open_records(s: Session, user_id: int) -> dict[str, int]:
    """What `user_id` still holds that a hand-over would move: {table: count}, non-zero only."""
    counts = {}
    for move in registry.handover():
        if move.function is None:
            n = s.db.scalar(f"SELECT count(*) FROM {move.table} WHERE {move.column} = ? AND ({move.where})", [user_id])
            if n:
                counts[move.table] = n
    return counts


class Customers(Area):
    """`crm.customers`: the customer cards this user may see."""

    # -- the card ---------------------------------------------------------------
    @action
    def add(self, name: str, *, owner=None, allow_duplicate: bool = False, **fields) -> Customer:
        """Create a customer card; the owner defaults to you.

        Refused when a customer with the same normalised name exists
        ("Star Tech Co., Ltd." = "star tech"), unless `allow_duplicate=True`.
        Fields: phone, email, address, legal_rep, founded, ownership, industry,
        company_size, assets, customer_type, characteristics, business_situation,
        transaction_status, level, credit, satisfaction, credit_limit, region, route.
        """
        return create(self._s, name=name, owner=owner, allow_duplicate=allow_duplicate, **fields)

    @query
    def get(self, customer_id: int) -> Customer:
        """One customer card, if you may see it."""
        return fetch(self._s, customer_id)

    @action
    def update(self, customer_id: int, **fields) -> Customer:
        """Change card fields (only the owner and their superiors may)."""
        s = self._s
        customer = fetch(s, customer_id, write=True)
        clean = check_fields(s, fields)
        if "name_norm" in clean:
            duplicate = find_duplicate(s, clean["name_norm"], exclude=customer.id)
            if duplicate:
                raise Conflict("customer.duplicate", name=clean["name"], id=duplicate[0], existing=duplicate[1],
                               owner=duplicate[2] or "—")
        changes = {k: v for k, v in clean.items() if k == "name_norm" or getattr(customer, k) != v}
        if not changes:
            return customer
        changes["updated_on"] = s.today()
        sets = ", ".join(f"{column} = ?" for column in changes)
        s.db.execute(f"UPDATE customers SET {sets} WHERE id = ?", [*changes.values(), customer.id])
        shown = {k: v for k, v in changes.items() if k not in ("name_norm", "updated_on")}
        s.audit("update", KIND, customer.id, before={k: getattr(customer, k) for k in shown}, after=shown)
        return fetch(s, customer.id)

    @action
    def delete(self, customer_id: int) -> None:
        """Delete a customer nothing refers to yet (a mistaken entry); with business history
        (orders, tickets, contracts …) it must stay: confirm its churn instead."""
        s = self._s
        customer = fetch(s, customer_id, write=True)
        entries = registry.history()
        counts = s.db.rows(" UNION ALL ".join(
            f"SELECT {k}, count(*) FROM {h.table} WHERE customer_id = $1" for k, h in enumerate(entries)), [customer.id])
        used = [f"{entries[k].zh if s.language == 'zh_CN' else entries[k].table.replace('_', ' ')}: {n}"
                for k, n in sorted(counts) if n]
        if used:
            raise NotAllowed("customer.has_history", id=customer.id, name=customer.name, records=", ".join(used))
        for table in registry.card_parts():
            s.db.execute(f"DELETE FROM {table} WHERE customer_id = ?", [customer.id])
        s.db.execute("DELETE FROM customers WHERE id = ?", [customer.id])
        s.audit("delete", KIND, customer.id, before=dataclasses.asdict(customer))

    @query
    def list(self, *, search: str | None = None, owner=None, level: str | None = None,
             region: str | None = None, industry: str | None = None, customer_type: str | None = None,
             status: str | None = None, sort: str = "id", descending: bool = False,
             limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The customers you may see, filtered, sorted and paged, with the owner's name."""
        where, params = self._filters(search, owner, level, region, industry, customer_type, status)
        sort = validate.one_of(sort, "sort", SORTABLE)
        order = f"{sort} {'DESC' if descending else 'ASC'}, id"
        page = validate.page(limit, offset)
        return self._s.db.df(
            f"SELECT {SELECT}, u.name AS owner_name FROM customers c LEFT JOIN users u ON u.id = c.owner_id "
            f"WHERE {where} ORDER BY {order}{page}",
            params,
        )

    @query
    def count(self, **filters) -> int:
        """How many customers `list(**filters)` would return (for paging)."""
        where, params = self._filters(*(filters.get(k) for k in (
            "search", "owner", "level", "region", "industry", "customer_type", "status")))
        return self._s.db.scalar(
            f"SELECT count(*) FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE {where}", params)

    def _filters(self, search, owner, level, region, industry, customer_type, status):
        where, params = [visible(self._s)], []
        found, args = validate.matching(search, ("c.name", "c.phone", "c.address"))
        where += found
        params += args
        if owner is not None:
            where.append("c.owner_id = ?"), params.append(load_user(self._s.db, owner).id)
        for column, value in (("level", level), ("region", region), ("industry", industry),
                              ("customer_type", customer_type), ("status", status)):
            if value is not None:
                where.append(f"c.{column} = ?"), params.append(value)
        return " AND ".join(where), params

    # -- contacts and interactions (C2) --------------------------------------------
    @action
    def add_contact(self, customer_id: int, name: str, *, title=None, phone=None, mobile=None,
                    email=None, is_primary: bool = False, notes=None) -> int:
        """Add a contact person to a customer you may write; returns the contact id."""
        s = self._s
        customer = fetch(s, customer_id, write=True)
        record = {
            "id": s.db.next_id("contacts"), "customer_id": customer.id,
            "name": validate.text(name, "name", max_length=100),
            "title": validate.text(title, "title", required=False, max_length=100),
            "phone": validate.phone(phone), "mobile": validate.phone(mobile, "mobile"),
            "email": validate.email(email), "is_primary": bool(is_primary),
            "notes": validate.text(notes, "notes", required=False),
        }
        if record["is_primary"]:
            s.db.execute("UPDATE contacts SET is_primary = false WHERE customer_id = ? AND is_primary", [customer.id])
        s.db.execute(f"INSERT INTO contacts ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        s.audit("create", "contact", record["id"], after=record)
        return record["id"]

    @query
    def contacts(self, customer_id: int) -> pd.DataFrame:
        customer = fetch(self._s, customer_id)
        return self._s.db.df("SELECT * FROM contacts WHERE customer_id = ? ORDER BY is_primary DESC, id", [customer.id])

    @action
    def log_interaction(self, customer_id: int, subject: str, *, channel: str = "phone", on_date=None,
                        contact_id: int | None = None, detail: str | None = None) -> int:
        """Record a contact with the customer (a call, a visit …) on the scenario date; returns its id."""
        return log_interaction(self._s, customer_id, subject, channel=channel, on_date=on_date,
                               contact_id=contact_id, detail=detail)

    @query
    def interactions(self, customer_id: int) -> pd.DataFrame:
        customer = fetch(self._s, customer_id)
        return self._s.db.df(
            "SELECT i.*, u.name AS user_name FROM interactions i JOIN users u ON u.id = i.user_id "
            "WHERE i.customer_id = ? ORDER BY i.on_date DESC, i.id DESC", [customer.id])

    # -- the customer 360 (C2) ----------------------------------------------------
    @query
    def view(self, customer_id: int) -> Customer360:
        """The card, contacts, interactions and order history of one customer."""
        s = self._s
        # The card and its owner's name in two lookups: a join costs DuckDB a hash table (~1 ms).
        customer = Customer(*s.readable_row(KIND, f"SELECT {SELECT} FROM customers c WHERE c.id = ?", customer_id,
                                            field="customer", owner=COLUMNS.index("owner_id"),
                                            missing="customer.not_found"))
        owner = s.db.scalar("SELECT name FROM users WHERE id = ?", [customer.owner_id])
        return Customer360(customer, owner, *_lists(s.db.numpy(VIEW_SQL, [customer.id])))

    # -- ownership (C5) ----------------------------------------------------------------
    @action
    def reassign(self, customer_id: int, to) -> Customer:
        """Give one customer to another manager (a supervisor's act)."""
        s = self._s
        s.require_role("supervisor", "director", action="reassign")
        customer = fetch(s, customer_id, write=True)
        new_owner = owner_for(s, to)
        s.db.execute("UPDATE customers SET owner_id = ?, updated_on = ? WHERE id = ?", [new_owner.id, s.today(), customer.id])
        s.audit("reassign", KIND, customer.id, before={"owner_id": customer.owner_id}, after={"owner_id": new_owner.id})
        return fetch(s, customer.id)

    @action
    def handover(self, from_user, to_user) -> int:
        """Hand all of a departing rep's customers, with their history, to another manager.

        One action: every customer (and the open work areas register for the hand-over in
        customers/registry.py) moves, or nothing does. Returns the number of customers moved.
        """
        s = self._s
        s.require_role("supervisor", "director", action="handover")
        leaving = load_user(s.db, from_user)
        if not s.can_write(KIND, leaving.id):
            raise NotAllowed("customer.owner_scope", user=leaving.name)
        receiving = owner_for(s, to_user)
        if receiving.id == leaving.id:
            raise InvalidInput("handover.same_user", field="to_user")
        ids = [r[0] for r in s.db.rows("SELECT id FROM customers WHERE owner_id = ? ORDER BY id", [leaving.id])]
        if receiving.role != "account_manager":
            raise InvalidInput("handover.receiver_role", field="to_user", user=receiving.name)
        for move in registry.handover():
            if move.function is not None:
                move.function(s, leaving.id, receiving.id)
            else:
                s.db.execute(f"UPDATE {move.table} SET {move.column} = ? WHERE {move.column} = ? AND ({move.where})",
                             [receiving.id, leaving.id])
        s.audit("handover", KIND, None, before={"owner_id": leaving.id}, after={"owner_id": receiving.id, "customers": ids})
        return len(ids)

    # -- what may be done now (for screens, issue #20) -----------------------------------
    ACTIONS = ("update", "add_contact", "log_interaction", "tag", "reassign", "handover")

    @query
    def actions(self, customer_id: int) -> dict[str, str | None]:
        """Each action on the customer (`ACTIONS`) → None if you may do it now, else why not
        (translated). The checks are the verbs' own, before they look at their input: editing
        the card, adding a contact and tagging need write access (the owner and their
        superiors), logging an interaction needs only sight of the customer; `reassign` this
        customer and `handover` (all of its owner's customers) are a supervisor's or director's.

        >>> crm.as_user("wang.fang").customers.actions(1)["update"]
        'Customer 1 (Star Tech) belongs to Li Ming …'
        """
        s = self._s
        customer = fetch(s, customer_id)
        return reasons(s, {
            "update": lambda: fetch(s, customer.id, write=True),
            "add_contact": lambda: fetch(s, customer.id, write=True),
            "log_interaction": lambda: fetch(s, customer.id),
            "tag": lambda: fetch(s, customer.id, write=True),
            "reassign": lambda: (s.require_role("supervisor", "director", action="reassign"),
                                 fetch(s, customer.id, write=True)),
            "handover": lambda: check_handover_from(s, customer.owner_id),
        })


def check_handover_from(s: Session, owner_id: int | None) -> None:
    """May this session hand over all of `owner_id`'s customers (`Customers.handover`'s checks
    before it looks at the receiver)?"""
    s.require_role("supervisor", "director", action="handover")
    if owner_id is None or not s.can_write(KIND, owner_id):
        raise NotAllowed("customer.owner_scope", user=load_user(s.db, owner_id).name if owner_id else "—")
