"""The contact person a sale brings to a customer (shared by lead conversion and a won opportunity).

Converting a lead (leads.py) and winning an opportunity (opportunities.py) both make the person
they name a contact of the customer they create or link; this module sits below both so neither
imports the other for it.
"""
from __future__ import annotations

from ..session import Session


def add_contact(s: Session, customer_id: int, name: str, phone: str | None, email: str | None) -> int:
    """A contact person for a customer created or linked by a lead or an opportunity (audited as
    the contact's own creation); the first contact of a customer becomes its primary one."""
    first = not s.db.scalar("SELECT count(*) FROM contacts WHERE customer_id = ?", [customer_id])
    record = {"id": s.db.next_id("contacts"), "customer_id": customer_id, "name": name, "title": None,
              "phone": phone, "mobile": None, "email": email, "is_primary": first, "notes": None}
    s.db.execute(f"INSERT INTO contacts ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                 list(record.values()))
    s.audit("create", "contact", record["id"], after=record)
    return record["id"]
