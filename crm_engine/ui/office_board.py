"""My office views (F4, F5): the notice board with read / unread, and the message centre.

Opening a notice or a message marks it read (the engine's `read` verb), so the
unread counts in the app header follow what a user has actually opened.
"""
from __future__ import annotations

import html

import ipywidgets as widgets

from ..errors import InvalidInput
from . import base
from .base import Form, PagedList, View

AUDIENCES = ("all", "team", "user")


def _read_mark(read) -> str:
    return "" if read else "●"


# -- notice board ------------------------------------------------------------------------
class PostForm(Form):
    """Post an announcement to everyone or a team, or a private notice to one colleague."""

    def __init__(self, crm, on_saved=None):
        self._on_saved = on_saved
        self.title = base.text_field(crm, "notice_title")
        self.body_text = base.text_area(crm, "notice_body")
        self.audience = widgets.ToggleButtons(options=[(crm.t(f"ui.office.to_{a}"), a) for a in AUDIENCES],
                                              value="user")
        teams = crm.admin.teams()
        self.team = widgets.Dropdown(options=[(r.name, int(r.id)) for r in teams.itertuples()],
                                     description=crm.t("field.team"), style=base.WIDE)
        self.user = base.user_field(crm, "notice_recipient", allow_empty=True)
        self.expires_on = base.date_field(crm, "notice_expires")
        self.post = base.button(crm, "ui.office.post", "primary")
        self.post.on_click(self._on_post)
        self.audience.observe(lambda _: self._show_audience(), names="value")
        super().__init__(crm, [self.row("notice_title", self.title), self.row("notice_body", self.body_text),
                               self.audience, self.row("team", self.team), self.row("notice_recipient", self.user),
                               self.row("notice_expires", self.expires_on), self.post])
        self._show_audience()

    def _show_audience(self):
        base.shown(self.team, self.audience.value == "team")
        base.shown(self.user, self.audience.value == "user")

    def _on_post(self, _button):
        audience = self.audience.value
        if audience == "user" and self.user.value is None:
            # The engine reads "no team, no user" as "to everyone": a private notice
            # without a recipient must not turn into an announcement.
            self.show_error(InvalidInput("error.required", field="notice_recipient"))
            self.failed = True
            return
        notice = self._attempt(self.crm.notices.post, self.title.value, self.body_text.value,
                               team=self.team.value if audience == "team" else None,
                               user=self.user.value if audience == "user" else None,
                               expires_on=self.expires_on.value)
        if notice is None:
            return
        self.show_ok(self.t("ui.office.posted", title=notice.title))
        self.title.value = self.body_text.value = ""
        if self._on_saved:
            self._on_saved(notice.id)


class NoticesView(View):
    """The notice board (unread first marked ●); open one to read it; what you posted."""

    def __init__(self, crm):
        self.unread_only = widgets.Checkbox(value=False, description=crm.t("ui.office.unread_only"))
        self.board = PagedList(
            self, crm, crm.notices.board, ["read", "posted_on", "title", "author_name", "audience", "expires_on"],
            count=crm.notices.board_count, search=True, sort=(("posted_on", True), ("title", False)),
            filters={"unread_only": self.unread_only},
            formats={"read": _read_mark, "posted_on": base.day, "expires_on": base.day,
                     "audience": lambda a: crm.t(f"notice.audience.{a}")},
            describe=lambda r: f"{_read_mark(r.read)} {base.day(r.posted_on)} · {r.title}", on_open=self.open_notice)
        self.notice = widgets.HTML()
        self.mark_unread = base.button(crm, "ui.office.mark_unread")
        self.mark_all = base.button(crm, "ui.office.mark_all_read")
        self.mark_unread.on_click(self._on_mark_unread)
        self.mark_all.on_click(self._on_mark_all)
        self.notice_id = None
        self.form = PostForm(crm, on_saved=lambda _id: self.refresh())
        self.sent = widgets.HTML()
        self.withdraw_pick = widgets.Dropdown(description=crm.t("field.notice"), style=base.WIDE)
        self.withdraw = base.button(crm, "ui.office.withdraw", "danger")
        self.withdraw.on_click(self._on_withdraw)
        self.tabs = widgets.Tab([
            widgets.VBox([self.board, self.notice, widgets.HBox([self.mark_unread, self.mark_all])]),
            self.form, widgets.VBox([self.sent, widgets.HBox([self.withdraw_pick, self.withdraw])])])
        for index, key in enumerate(("ui.office.notice_board", "ui.office.post_notice", "ui.office.sent_notices")):
            self.tabs.set_title(index, crm.t(key))
        super().__init__(crm, [self.tabs])
        base.shown(self.mark_unread, False)
        self.refresh()

    def refresh(self):
        self.board.refresh()
        sent = self._attempt(self.crm.notices.sent)
        if sent is not None:
            self.sent.value = base.page_table(sent, self.crm, ["posted_on", "title", "audience", "recipient_name",
                                                               "delivered", "read"],
                                              {"posted_on": base.day, "audience": lambda a: self.t(f"notice.audience.{a}")})
            base.set_options(self.withdraw_pick, [(f"{r.id} · {r.title}", int(r.id)) for r in sent.itertuples()])

    def open_notice(self, notice_id: int):
        notice = self._attempt(self.crm.notices.read, notice_id)
        if notice is None:
            return
        self.notice_id = notice.id
        self.notice.value = (f"<div class='crm-notice'><h4>{html.escape(notice.title)}</h4>"
                             f"<p style='white-space:pre-wrap'>{html.escape(notice.body)}</p></div>")
        base.shown(self.mark_unread, True)
        self.board.refresh()

    def _on_mark_unread(self, _button):
        self._attempt(self.crm.notices.mark_unread, self.notice_id)
        if not self.failed:
            self.show_ok(self.t("ui.office.marked_unread"))
            self.board.refresh()

    def _on_mark_all(self, _button):
        count = self._attempt(self.crm.notices.mark_all_read)
        if count is not None:
            self.show_ok(self.t("ui.office.all_read", count=count))
            self.board.refresh()

    def _on_withdraw(self, _button):
        self._attempt(self.crm.notices.withdraw, self.withdraw_pick.value)
        if not self.failed:
            self.show_ok(self.t("ui.office.withdrawn"))
            self.refresh()


# -- message centre ----------------------------------------------------------------------
class SendForm(Form):
    """Pick colleagues and/or customers (their contacts), write, send as SMS or e-mail."""

    def __init__(self, crm, on_sent=None):
        self._on_sent = on_sent
        self.contact_ids, self.customer_ids = [], []
        self.channel = widgets.ToggleButtons(options=[(crm.t(f"message.channel.{c}"), c) for c in ("sms", "email")],
                                             value="sms")
        users = crm.admin.users()
        users = users[users["id"] != crm.user.id]
        self.users = widgets.SelectMultiple(options=[(r.name, r.username) for r in users.itertuples()],
                                            description=crm.t("ui.office.colleagues"), style=base.WIDE, rows=5)
        self.customer = base.CustomerPicker(crm, allow_empty=True)
        self.contact = widgets.Dropdown(description=crm.t("field.message_contact"), style=base.WIDE)
        self.add_customer = base.button(crm, "ui.office.add_recipient")
        self.clear = base.button(crm, "ui.cash.clear_lines")
        self.recipients = widgets.HTML()
        self.subject = base.text_field(crm, "message_subject")
        self.body_text = base.text_area(crm, "message_body")
        self.send_button = base.button(crm, "ui.office.send", "primary")
        self.customer.choice.observe(lambda _: self._fill_contacts(), names="value")
        self.add_customer.on_click(self._on_add)
        self.clear.on_click(lambda _: self._reset())
        self.channel.observe(lambda _: base.shown(self.subject, self.channel.value == "email"), names="value")
        self.send_button.on_click(self._on_send)
        super().__init__(crm, [self.channel, self.row("message_recipients", self.users),
                               widgets.HBox([self.customer, self.contact]), widgets.HBox([self.add_customer, self.clear]),
                               self.recipients, self.row("message_subject", self.subject),
                               self.row("message_body", self.body_text), self.send_button])
        base.shown(self.subject, False)
        self._fill_contacts()

    def _fill_contacts(self):
        options = [(self.t("ui.office.primary_contact"), None)]
        if self.customer.value is not None:
            contacts = self._attempt(self.crm.customers.contacts, self.customer.value)
            if contacts is not None:
                options += [(r.name, int(r.id)) for r in contacts.itertuples()]
        base.set_options(self.contact, options)

    def _on_add(self, _button):
        """Add the picked contact, or the customer itself (reached through its primary contact)."""
        if self.customer.value is None:
            return
        if self.contact.value is not None:
            self.contact_ids = [*dict.fromkeys([*self.contact_ids, self.contact.value])]
            added = self.contact.label
        else:
            self.customer_ids = [*dict.fromkeys([*self.customer_ids, self.customer.value])]
            added = self.customer.choice.label
        self.recipients.value = (self.recipients.value + ("; " if self.recipients.value else "")
                                 + html.escape(added))

    def _reset(self):
        self.contact_ids, self.customer_ids, self.recipients.value = [], [], ""

    def _on_send(self, _button):
        message = self._attempt(self.crm.messages.send, self.body_text.value, users=list(self.users.value),
                                contacts=self.contact_ids, customers=self.customer_ids, channel=self.channel.value,
                                subject=self.subject.value or None)
        if message is None:
            return
        count = len(self.crm.messages.recipients(message.id))
        self.show_ok(self.t("ui.office.sent", count=count))
        self.body_text.value = self.subject.value = ""
        self.users.value = ()
        self._reset()
        if self._on_sent:
            self._on_sent(message.id)


class MessagesView(View):
    """Your inbox (open a message to read it), a message to send, and what you sent."""

    def __init__(self, crm):
        self.unread_only = widgets.Checkbox(value=False, description=crm.t("ui.office.unread_only"))
        self.inbox = PagedList(
            self, crm, self._inbox, ["read", "sent_on", "sender_name", "channel", "message_subject", "preview"],
            count=crm.messages.inbox_count, search=True, sort=(("sent_on", True), ("sender_name", False)),
            filters={"unread_only": self.unread_only},
            formats={"read": _read_mark, "sent_on": base.day, "channel": lambda c: crm.t(f"message.channel.{c}")},
            describe=lambda r: f"{_read_mark(r.read)} {base.day(r.sent_on)} · {r.sender_name}", on_open=self.open_message)
        self.message = widgets.HTML()
        self.form = SendForm(crm, on_sent=lambda _id: self.refresh())
        self.sent = widgets.HTML()
        self.tabs = widgets.Tab([widgets.VBox([self.inbox, self.message]), self.form, self.sent])
        for index, key in enumerate(("ui.office.inbox", "ui.office.new_message", "ui.office.sent_messages")):
            self.tabs.set_title(index, crm.t(key))
        super().__init__(crm, [self.tabs])
        self.refresh()

    def _inbox(self, unread_only: bool = False, **page):
        frame = self.crm.messages.inbox(unread_only=unread_only, **page)
        return frame.rename(columns={"subject": "message_subject"}).assign(
            preview=frame["body"].str.slice(0, 60))

    def refresh(self):
        self.inbox.refresh()
        sent = self._attempt(self.crm.messages.sent)
        if sent is not None:
            self.sent.value = base.page_table(
                sent.rename(columns={"subject": "message_subject"}).assign(preview=sent["body"].str.slice(0, 60)),
                self.crm, ["sent_on", "channel", "message_subject", "preview", "recipients", "failed"],
                {"sent_on": base.day, "channel": lambda c: self.t(f"message.channel.{c}")})

    def open_message(self, message_id: int):
        message = self._attempt(self.crm.messages.read, message_id)
        if message is None:
            return
        subject = f"<h4>{html.escape(message.subject)}</h4>" if message.subject else ""
        self.message.value = (f"<div class='crm-message'>{subject}"
                              f"<p style='white-space:pre-wrap'>{html.escape(message.body)}</p></div>")
        self.inbox.refresh()
