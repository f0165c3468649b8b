"""The message centre (F5): SMS-style messages and e-mails to colleagues and customer contacts.

Rules:
- A message goes to one or many colleagues (it lands in their inbox, read /
  unread per recipient) and/or customer contacts (it is kept on the customer's
  record as an interaction with channel `sms` or `email`). Sending to a customer
  needs only that you may see the customer, as for logging a call.
- A contact must have a number for an SMS (mobile, else phone) and an address for
  an e-mail; a customer given without a contact is reached through its primary
  contact, else its own phone / e-mail. Unknown or inactive users, unknown
  contacts, customers you may not see: the whole message is refused.
- By default messages stay inside the workspace. When the administrator sets
  `smtp_host`, e-mails are also sent through that server (stdlib smtplib) to
  every recipient with an e-mail address; each recipient's delivery is recorded
  as `sent` or `failed` (with the error) and the message is kept either way.
  SMS are never sent out: there is no SMS gateway in a classroom.
- A message is seen by its sender and its colleague recipients only; message
  text stays out of the audit trail (the interaction on a customer's record is
  part of that record).
"""
from __future__ import annotations

import datetime as dt
import re
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import pandas as pd

from .. import validate
from ..customers.cards import fetch as fetch_customer, log_interaction
from ..errors import InvalidInput, NotFound
from ..i18n import Choices, translate
from ..session import Area, Session, action, load_user, query

KIND = "message"
CHANNELS = ("sms", "email")
MAX_BODY = {"sms": 500, "email": 20000}
SMTP_TIMEOUT = 10


@dataclass(frozen=True)
class Message:
    id: int
    sender_id: int
    channel: str
    subject: str | None
    body: str
    sent_on: dt.date


COLUMNS = "id, sender_id, channel, subject, body, sent_on"
INBOX_SQL = ("FROM message_recipients r JOIN messages m ON m.id = r.message_id "
             "JOIN users u ON u.id = m.sender_id")
# What `inbox(sort=…)` may sort by (name → SQL); ties are broken by the recipient row (its id).
SORTABLE = {"sent_on": "m.sent_on", "sender_name": "u.name"}


@dataclass
class _Recipient:
    user_id: int | None = None
    customer_id: int | None = None
    contact_id: int | None = None
    name: str = ""
    address: str | None = None
    delivery: str = "stored"
    error: str | None = None


HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.\-]{0,252}[A-Za-z0-9])?|\[?[0-9A-Fa-f:.]+\]?")


def check_smtp_host(value) -> str:
    """The setting `smtp_host`: a host name or address, or empty to keep e-mail inside the workspace."""
    host = validate.text(value, "smtp_host", required=False, max_length=255)
    if host is None:
        return ""
    if not HOST.fullmatch(host):
        raise InvalidInput("message.bad_host", field="smtp_host", value=host)
    return host


def check_flag(value, field: str) -> bool:
    """A yes/no setting."""
    if not isinstance(value, bool):
        raise InvalidInput("error.choice", field=field, value=value, choices=Choices(("True", "False")))
    return value


def _many(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [value]
    return list(value)


def fetch(s: Session, message_id) -> Message:
    """A message you sent or received; anyone else gets NotFound."""
    message_id = validate.record_id(message_id, "message")
    row = s.db.one(
        f"SELECT {COLUMNS} FROM messages m WHERE m.id = ? AND (m.sender_id = ? OR EXISTS "
        "(SELECT 1 FROM message_recipients r WHERE r.message_id = m.id AND r.user_id = ?))",
        [message_id, s.user.id, s.user.id])
    if row is None:
        raise NotFound("message.not_found", id=message_id)
    return Message(*row)


class Messages(Area):
    """`crm.messages`: send messages and e-mails; read your inbox."""

    @action
    def send(self, body: str, *, users=(), contacts=(), customers=(), channel: str = "sms",
             subject: str | None = None) -> Message:
        """Send an SMS-style message (`channel="sms"`) or an e-mail to colleagues and customer contacts.

            crm.messages.send("Meeting moved to 15:00", users=["li.ming", "wang.fang"])
            crm.messages.send("Your order has shipped.", contacts=[12], customers=[3], channel="email",
                              subject="Shipment SH20260302-4")

        Colleagues get it in their inbox; for customers it is kept on the customer's record.
        """
        s = self._s
        channel = validate.one_of(channel, "channel", CHANNELS)
        body = validate.text(body, "message_body", max_length=MAX_BODY[channel])
        subject = validate.text(subject, "message_subject", required=False, max_length=200)
        if channel == "email" and subject is None:
            subject = body.splitlines()[0][:80]
        recipients = self._colleagues(users) + self._contacts(contacts, channel) + self._customers(customers, channel)
        if not recipients:
            raise InvalidInput("message.no_recipients", field="message_recipients")
        message_id = s.db.next_id("messages")
        s.db.execute("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                     [message_id, s.user.id, channel, subject, body, s.today()])
        rows = []
        for r in recipients:
            interaction_id = None
            if r.customer_id is not None:
                title = subject or translate("message.sms_interaction", s.language, text=body[:60])
                interaction_id = log_interaction(s, r.customer_id, title[:200], channel=channel,
                                                 contact_id=r.contact_id, detail=body)
            rows.append([message_id, r, interaction_id])
        # Sent last, once every check has passed, so a refused message never leaves the building;
        # a failed delivery is recorded rather than raised, so the message is kept either way.
        if channel == "email" and s.setting("smtp_host", ""):
            self._deliver(subject, body, [r for _m, r, _i in rows if r.address])
        first = s.db.next_id("message_recipients")
        for i, (mid, r, interaction_id) in enumerate(rows):
            s.db.execute("INSERT INTO message_recipients VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                         [first + i, mid, r.user_id, r.customer_id, r.contact_id, r.address, interaction_id,
                          r.delivery, r.error])
        s.audit("create", KIND, message_id, after={
            "channel": channel, "users": sum(r.user_id is not None for r in recipients),
            "customers": sorted({r.customer_id for r in recipients if r.customer_id is not None})})
        return fetch(s, message_id)

    # -- recipients ------------------------------------------------------------------------
    def _colleagues(self, users) -> list[_Recipient]:
        s, found = self._s, {}
        for who in _many(users):
            if isinstance(who, bool) or not isinstance(who, (str, int)):
                raise InvalidInput("message.bad_user", field="message_recipients", value=who)
            try:
                user = load_user(s.db, who)
            except NotFound:
                raise NotFound("message.unknown_user", user=who) from None
            if not user.active:
                raise InvalidInput("user.inactive", field="message_recipients", user=user.name)
            found[user.id] = _Recipient(user_id=user.id, name=user.name, address=user.email, delivery="inbox")
        return list(found.values())

    def _contacts(self, contacts, channel: str) -> list[_Recipient]:
        s, found = self._s, {}
        for contact_id in _many(contacts):
            contact_id = validate.record_id(contact_id, "message_contact")
            row = s.db.one("SELECT id, customer_id, name, mobile, phone, email FROM contacts WHERE id = ?", [contact_id])
            try:
                if row is None:
                    raise NotFound
                fetch_customer(s, row[1])
            except NotFound:
                raise NotFound("message.unknown_contact", id=contact_id) from None
            found[row[0]] = self._external(row[1], row[0], row[2], row[3] or row[4], row[5], channel)
        return list(found.values())

    def _customers(self, customers, channel: str) -> list[_Recipient]:
        s, found = self._s, {}
        for customer_id in _many(customers):
            customer = fetch_customer(s, customer_id)
            contact = s.db.one("SELECT id, name, mobile, phone, email FROM contacts WHERE customer_id = ? "
                               "ORDER BY is_primary DESC, id LIMIT 1", [customer.id])
            if contact is not None:
                found[customer.id] = self._external(customer.id, contact[0], contact[1], contact[2] or contact[3],
                                                    contact[4], channel)
            else:
                found[customer.id] = self._external(customer.id, None, customer.name, customer.phone,
                                                    customer.email, channel)
        return list(found.values())

    @staticmethod
    def _external(customer_id, contact_id, name, number, email, channel) -> _Recipient:
        address = email if channel == "email" else number
        if not address:
            raise InvalidInput("message.no_email" if channel == "email" else "message.no_number",
                               field="message_recipients", name=name)
        return _Recipient(customer_id=customer_id, contact_id=contact_id, name=name, address=address)

    def _deliver(self, subject: str, body: str, recipients: list[_Recipient]) -> None:
        """Send the e-mail through the configured SMTP server; record each recipient's outcome."""
        s = self._s
        host, port = s.setting("smtp_host"), int(s.setting("smtp_port", 25))
        sender = s.setting("smtp_sender", "crm-lab@localhost")
        try:
            with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT) as server:
                if s.setting("smtp_starttls", False):
                    server.starttls()
                for r in recipients:
                    mail = EmailMessage()
                    mail["From"], mail["To"], mail["Subject"] = sender, r.address, subject
                    mail.set_content(body)
                    try:
                        server.send_message(mail)
                        r.delivery, r.error = "sent", None
                    except smtplib.SMTPException as error:
                        r.delivery, r.error = "failed", str(error)[:500]
        except (OSError, smtplib.SMTPException) as error:
            for r in recipients:
                if r.delivery not in ("sent", "failed"):
                    r.delivery, r.error = "failed", str(error)[:500] or type(error).__name__

    # -- reading -------------------------------------------------------------------------------
    @query
    def inbox(self, *, unread_only: bool = False, search: str | None = None, sort: str | None = None,
              descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Messages sent to you, newest first (or by `sort`: `sent_on` or `sender_name`), paged
        (`limit` rows from `offset`), with `read` True/False; `search` is text in the sender's
        name, the subject or the body."""
        where, params = self._inbox(unread_only, search)
        order = validate.order(sort, descending, SORTABLE, default="m.sent_on DESC, m.id DESC, r.id", tie="r.id")
        return self._s.db.df(
            "SELECT m.id, m.sent_on, u.name AS sender_name, m.channel, m.subject, m.body, "
            f"r.read_on IS NOT NULL AS read, r.read_on {INBOX_SQL} "
            f"WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def inbox_count(self, *, unread_only: bool = False, search: str | None = None) -> int:
        """How many messages `inbox()` with the same filters returns (for paging)."""
        where, params = self._inbox(unread_only, search)
        return self._s.db.scalar(f"SELECT count(*) {INBOX_SQL} WHERE {where}", params)

    def _inbox(self, unread_only: bool, search) -> tuple[str, list]:
        where = ["r.user_id = ?"] + (["r.read_on IS NULL"] if unread_only else [])
        found, args = validate.matching(search, ("u.name", "m.subject", "m.body"))
        return " AND ".join(where + found), [self._s.user.id, *args]

    @query
    def unread_count(self) -> int:
        """How many messages in your inbox you have not read."""
        return self._s.db.scalar("SELECT count(*) FROM message_recipients WHERE user_id = ? AND read_on IS NULL",
                                 [self._s.user.id])

    @query
    def get(self, message_id: int) -> Message:
        """A message you sent or received (does not mark it read)."""
        return fetch(self._s, message_id)

    @action
    def read(self, message_id: int) -> Message:
        """Open a message from your inbox: returns it and marks it read."""
        s = self._s
        message = fetch(s, message_id)
        s.db.execute("UPDATE message_recipients SET read_on = ? WHERE message_id = ? AND user_id = ? AND read_on IS NULL",
                     [s.today(), message.id, s.user.id])
        return message

    @query
    def recipients(self, message_id: int) -> pd.DataFrame:
        """Who a message you sent or received went to, and how each delivery went."""
        message = fetch(self._s, message_id)
        return self._s.db.df(
            "SELECT r.id, r.user_id, u.name AS user_name, r.customer_id, c.name AS customer_name, r.contact_id, "
            "k.name AS contact_name, r.address, r.delivery, r.error, r.read_on IS NOT NULL AS read, r.interaction_id "
            "FROM message_recipients r LEFT JOIN users u ON u.id = r.user_id "
            "LEFT JOIN customers c ON c.id = r.customer_id LEFT JOIN contacts k ON k.id = r.contact_id "
            "WHERE r.message_id = ? ORDER BY r.id", [message.id])

    @query
    def sent(self, *, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Messages you sent, newest first, paged (`limit` rows from `offset`), with their number of
        recipients and failed deliveries."""
        return self._s.db.df(
            "SELECT m.id, m.sent_on, m.channel, m.subject, m.body, count(r.id) AS recipients, "
            "count(r.id) FILTER (WHERE r.delivery = 'failed') AS failed "
            "FROM messages m LEFT JOIN message_recipients r ON r.message_id = m.id "
            f"WHERE m.sender_id = ? GROUP BY ALL ORDER BY m.sent_on DESC, m.id DESC{validate.page(limit, offset)}",
            [self._s.user.id])
