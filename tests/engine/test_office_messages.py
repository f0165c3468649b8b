"""The message centre (F5): inboxes, customer records, refusals, and real e-mail to a local SMTP sink."""
import email
import socket
import socketserver
import threading

import pytest

from crm_engine import InvalidInput, NotFound
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


class SMTPSink(socketserver.ThreadingTCPServer):
    """A tiny SMTP server on 127.0.0.1 that keeps what it receives; refuses recipients containing 'reject'."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received = []  # (recipients, message)


class _SMTPHandler(socketserver.StreamRequestHandler):
    def reply(self, text: str):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink ESMTP")
        recipients, data, in_data = [], [], False
        for line in self.rfile:
            if in_data:
                if line == b".\r\n":
                    self.server.received.append((recipients, email.message_from_bytes(b"".join(data))))
                    recipients, data, in_data = [], [], False
                    self.reply("250 OK")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.reply("250 sink")
            elif verb == b"RCPT":
                if b"reject" in line:
                    self.reply("550 No such mailbox")
                else:
                    recipients.append(line.split(b":", 1)[1].strip(b" <>\r\n").decode())
                    self.reply("250 OK")
            elif verb == b"DATA":
                in_data = True
                self.reply("354 End with .")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:  # MAIL, RSET, NOOP
                self.reply("250 OK")


@pytest.fixture
def sink():
    server = SMTPSink()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def star(rep):
    """Star Tech with two contacts: Qian (primary, mobile and e-mail) and Zhou (desk phone only)."""
    customer = int(rep.customers.list()["id"][0])
    rep.customers.add_contact(customer, "Qian Bo", mobile="139 1111 2222", email="qian@startech.cn", is_primary=True)
    rep.customers.add_contact(customer, "Zhou Yi", phone="021-5555 0102")
    return customer


def contact_id(rep, customer, name):
    contacts = rep.customers.contacts(customer)
    return int(contacts.loc[contacts["name"] == name, "id"].iloc[0])


def test_a_message_to_colleagues_lands_in_their_inboxes(crm, rep):
    message = rep.messages.send("Meeting moved to 15:00", users=["wang.fang", "zhang.wei", "wang.fang"])
    assert message.channel == "sms" and message.sender_id == rep.user.id
    wang = crm.as_user("wang.fang")
    assert wang.messages.unread_count() == 1
    assert wang.messages.inbox()["body"].tolist() == ["Meeting moved to 15:00"]
    assert wang.messages.read(message.id).body == "Meeting moved to 15:00"
    assert wang.messages.unread_count() == 0 and crm.as_user("zhang.wei").messages.unread_count() == 1
    recipients = rep.messages.recipients(message.id)
    assert recipients["user_name"].tolist() == ["Wang Fang", "Zhang Wei"]  # the duplicate went once
    assert recipients["delivery"].tolist() == ["inbox", "inbox"] and recipients["read"].tolist() == [True, False]
    assert rep.messages.sent()["recipients"].tolist() == [2]
    with pytest.raises(NotFound):  # nobody else reads it, not even the administrator
        crm.messages.get(message.id)
    assert "15:00" not in crm.audit.list(kind="message").to_string()


def test_a_message_to_customers_is_kept_on_their_record(crm, rep, star):
    zhou = contact_id(rep, star, "Zhou Yi")
    message = rep.messages.send("Your notebooks ship on Friday.", contacts=[zhou], customers=[star])
    interactions = rep.customers.interactions(star)
    assert interactions["channel"].tolist() == ["sms", "sms"]
    assert set(interactions["detail"]) == {"Your notebooks ship on Friday."}
    assert interactions["subject"].iloc[0] == "SMS: Your notebooks ship on Friday."
    recipients = rep.messages.recipients(message.id)
    # a customer without a named contact is reached through its primary contact
    assert recipients["contact_name"].tolist() == ["Zhou Yi", "Qian Bo"]
    assert recipients["address"].tolist() == ["021-5555 0102", "139 1111 2222"]
    assert recipients["delivery"].tolist() == ["stored", "stored"]
    # e-mail stays inside the workspace unless an SMTP server is set
    rep.messages.send("Quote attached", customers=[star], channel="email", subject="Quote")
    assert rep.customers.interactions(star)["channel"].iloc[0] == "email"
    assert rep.customers.interactions(star)["subject"].iloc[0] == "Quote"


def test_a_customer_without_contacts_is_reached_at_its_own_number(crm, rep):
    bright = int(rep.customers.list()["id"][1])
    message = rep.messages.send("Happy new year!", customers=bright)
    assert rep.messages.recipients(message.id)["address"].tolist() == ["021-5555 0100"]
    with pytest.raises(InvalidInput) as caught:  # and it has no e-mail address
        rep.messages.send("Hello", customers=bright, channel="email")
    assert "Bright Future Trading" in str(caught.value)


def test_refused_messages_change_nothing(crm, rep, star):
    zhou = contact_id(rep, star, "Zhou Yi")
    harbour = int(crm.as_user("wang.fang").customers.list()["id"][0])
    crm.admin.deactivate_user("sun.li")
    before = snapshot(crm)
    cases = [
        (dict(body="Hi", users=["li.ming", "ghost"], contacts=[zhou]), NotFound, None, "ghost"),
        (dict(body="Hi", users=[999]), NotFound, None, "999"),
        (dict(body="Hi", users=["sun.li"]), InvalidInput, "message_recipients", "Sun Li"),
        (dict(body="Hi", users=[1.5]), InvalidInput, "message_recipients", "1.5"),
        (dict(body="Hi", contacts=[4242]), NotFound, None, "4242"),
        (dict(body="Hi", customers=[harbour]), NotFound, None, str(harbour)),
        (dict(body="Hi", contacts=[zhou], channel="email"), InvalidInput, "message_recipients", "Zhou Yi"),
        (dict(body="Hi"), InvalidInput, "message_recipients", ""),
        (dict(body="", users=["wang.fang"]), InvalidInput, "message_body", ""),
        (dict(body="x" * 501, users=["wang.fang"]), InvalidInput, "message_body", "500"),
        (dict(body="Hi", users=["wang.fang"], channel="fax"), InvalidInput, "channel", "fax"),
    ]
    for kwargs, error, field, named in cases:
        with pytest.raises(error) as caught:
            rep.messages.send(kwargs.pop("body"), **kwargs)
        assert caught.value.field == field
        assert named in str(caught.value)
        assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before


def test_email_through_a_local_smtp_server(crm, rep, star, sink):
    crm.admin.update_user("wang.fang", email="wang.fang@demo.cn")
    crm.admin.set_setting("smtp_host", "127.0.0.1")
    crm.admin.set_setting("smtp_port", sink.server_address[1])
    crm.admin.set_setting("smtp_sender", "crm@demo.cn")
    message = rep.messages.send("The quote is ready.\nRegards", users=["wang.fang", "zhang.wei"], customers=[star],
                                channel="email")
    assert message.subject == "The quote is ready."
    recipients = rep.messages.recipients(message.id).set_index("address", drop=False)
    assert recipients["delivery"].tolist() == ["sent", "inbox", "sent"]  # Zhang Wei has no address: inbox only
    assert sorted(r[0] for r, _m in sink.received) == ["qian@startech.cn", "wang.fang@demo.cn"]
    mail = sink.received[0][1]
    assert mail["From"] == "crm@demo.cn" and mail["Subject"] == "The quote is ready."
    assert "Regards" in mail.get_payload()
    assert crm.as_user("wang.fang").messages.unread_count() == 1  # and in the inbox as well


def test_failed_deliveries_are_recorded_and_the_message_kept(crm, rep, star, sink):
    crm.admin.set_setting("smtp_host", "127.0.0.1")
    crm.admin.set_setting("smtp_port", sink.server_address[1])
    rep.customers.add_contact(star, "Reject Me", email="reject@startech.cn")
    rejected = contact_id(rep, star, "Reject Me")
    message = rep.messages.send("Hello", contacts=[rejected, contact_id(rep, star, "Qian Bo")], channel="email")
    recipients = rep.messages.recipients(message.id)
    assert recipients["delivery"].tolist() == ["failed", "sent"]
    assert "550" in recipients["error"].iloc[0]
    assert rep.messages.sent()["failed"].tolist() == [1]
    # a server that is not there: every e-mail fails, the message is kept
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    crm.admin.set_setting("smtp_port", closed_port)
    message = rep.messages.send("Hello again", customers=[star], channel="email")
    assert rep.messages.recipients(message.id)["delivery"].tolist() == ["failed"]
    assert len(rep.customers.interactions(star)) == 3


def test_smtp_settings_are_checked(crm):
    before = snapshot(crm)
    for key, value in (("smtp_host", "not a host"), ("smtp_host", "../etc"), ("smtp_port", 70000),
                       ("smtp_sender", "nobody"), ("smtp_starttls", "yes")):
        with pytest.raises(InvalidInput):
            crm.admin.set_setting(key, value)
    assert snapshot(crm) == before
    crm.admin.set_setting("smtp_host", "")
    assert crm.admin.settings()["smtp_host"] == ""


def test_inbox_and_sent_pages_are_slices(crm, rep):
    for n in range(3):
        rep.messages.send(f"Note {n}", users=["wang.fang"])
        crm.as_user("zhang.wei").messages.send(f"Memo {n}", users=["wang.fang", "li.ming"])
    wang = crm.as_user("wang.fang")
    assert len(assert_pages(wang.messages.inbox, size=4)) == 6
    assert every_page(rep.messages.inbox, size=2)["body"].tolist() == ["Memo 2", "Memo 1", "Memo 0"]
    assert_pages(rep.messages.sent, size=2)
    for verb in (wang.messages.inbox, rep.messages.sent):
        assert_bad_pages_refused(crm, verb)


def test_the_inbox_is_searched_sorted_and_counted_in_the_engine(crm, rep):
    wang, boss = crm.as_user("wang.fang"), crm.as_user("zhang.wei")
    for sender, body in ((rep, "Lunch at noon?"), (boss, "Team meeting at ten"), (rep, "Star Tech called"),
                         (boss, "Targets 100% met")):
        sender.messages.send(body, users=["wang.fang"])
        crm.clock.advance(1)
    boss.messages.send("Meeting moved", users=["li.ming"])
    columns = ("sender_name", "subject", "body")
    found = assert_search_sort_count(crm, wang.messages.inbox, wang.messages.inbox_count, term="ZHANG",
                                     columns=columns, sorts=("sent_on", "sender_name"))
    assert found["body"].tolist() == ["Targets 100% met", "Team meeting at ten"]
    assert wang.messages.inbox(search="0%")["body"].tolist() == ["Targets 100% met"]
    wang.messages.read(int(found["id"][0]))
    assert_search_sort_count(crm, wang.messages.inbox, wang.messages.inbox_count, term="te", columns=columns,
                             sorts=("sent_on", "sender_name"), unread_only=True)
    mine = assert_search_stays_in_scope(rep.messages.inbox, wang.messages.inbox, term="meeting")
    assert mine["body"].tolist() == ["Meeting moved"] and rep.messages.inbox_count(search="meeting") == 1
