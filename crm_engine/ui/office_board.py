"""My office on the kit (F4, F5): the notice board and the message centre, with read / unread.

Opening a notice or a message marks it read (the engine's `read` action), so every open view —
the app header's "Unread notices / Unread messages" counts included — redraws at once. A notice
can be marked unread again; all can be marked read. Posting, withdrawing and sending are one
verb each; the engine checks the audience, the role and the recipients.
"""
from __future__ import annotations

import solara
from solara.alias import rv

from ..errors import InvalidInput
from . import kit

UNREAD = "●"
BOARD_COLUMNS = [kit.Column("unread", "ui.uicash.read_mark"),
                 kit.Column("posted_on", "ui.col.posted_on", kind="date", sort="posted_on"),
                 kit.Column("title", "field.notice_title", sort="title", width=40),   # the notice's title
                 kit.Column("author_name", "ui.uicash.posted_by", priority=2),
                 kit.Column("audience", "ui.uicash.audience", priority=3),
                 kit.Column("expires_on", "field.notice_expires", kind="date", priority=3)]
SENT_NOTICES = [kit.Column("posted_on", "ui.col.posted_on", kind="date"),
                kit.Column("title", "field.notice_title", width=40),
                kit.Column("audience", "ui.uicash.audience"),
                kit.Column("recipient_name", "field.notice_recipient", priority=2),
                kit.Column("delivered", "ui.uicash.recipient_count", priority=2),
                kit.Column("read", "ui.uicash.read")]
INBOX_COLUMNS = [kit.Column("unread", "ui.uicash.read_mark"),
                 kit.Column("sent_on", "ui.col.sent_on", kind="date", sort="sent_on"),
                 kit.Column("sender_name", "ui.col.sender_name", sort="sender_name"),
                 kit.Column("channel", "field.channel", priority=3),
                 kit.Column("subject", "field.message_subject", width=30),
                 kit.Column("preview", "field.message_body", priority=2, width=40)]
SENT_MESSAGES = [kit.Column("sent_on", "ui.col.sent_on", kind="date"), kit.Column("channel", "field.channel"),
                 kit.Column("subject", "field.message_subject", width=30),
                 kit.Column("preview", "field.message_body", priority=2, width=40),
                 kit.Column("recipients", "ui.uicash.recipient_count"),
                 kit.Column("failed", "ui.uicash.failed_count", priority=2)]


def shown_notices(crm, frame):
    """The board as read: "●" for unread, the audience in words."""
    if not len(frame):
        return frame
    return frame.assign(unread=frame["read"].map(lambda r: "" if r else UNREAD),
                        audience=frame["audience"].map(lambda a: crm.t(f"notice.audience.{a}")))


def shown_messages(crm, frame):
    if not len(frame):
        return frame
    extra = {"preview": frame["body"].str.slice(0, 60), "channel": frame["channel"].map(lambda c: crm.t(f"message.channel.{c}"))}
    if "read" in frame.columns:
        extra["unread"] = frame["read"].map(lambda r: "" if r else UNREAD)
    return frame.assign(**extra)


def opener(crm, read, set_open_id, set_message):
    """Open a record by reading it (the engine marks it read); a refusal shows above the list."""
    def open_record(record_id):
        outcome = kit.attempt(crm, lambda: read(record_id), ok="")
        set_message(None if outcome.ok else outcome)
        if outcome.ok:
            set_open_id(record_id)
    return open_record


@solara.component
def NoticeRecord(crm, notice_id: int, on_close=None):
    notice, problem = kit.use_record(crm, lambda crm, record_id: crm.notices.get(record_id), notice_id)
    if notice is None:
        return kit.Feedback(problem, ref="notice-message")

    def mark_unread(_v):
        crm.notices.mark_unread(notice.id)
        return crm.t("ui.office.marked_unread")

    facts = [("field.notice_title", notice.title), ("ui.col.posted_on", kit.date(notice.posted_on)),
             ("ui.uicash.posted_by", kit.Labels.of(crm).user(notice.author_id)),
             ("ui.uicash.audience", crm.t(f"notice.audience.{notice.audience}")),
             ("field.notice_expires", kit.date(notice.expires_on)), ("field.notice_body", notice.body)]
    return kit.RecordPage(crm, notice.title, subtitle=kit.date(notice.posted_on), on_close=on_close, ref="notice",
                          actions=[kit.Action("mark_unread", crm.t("ui.office.mark_unread"), mark_unread,
                                              color="secondary")],
                          tabs=[(crm.t("ui.kit.details"), lambda: kit.Facts(crm, facts, ref="notice-facts"))])


@solara.component
def PostNotice(crm):
    """An announcement to everyone or a team, or a private notice to one colleague."""
    version, language = kit.use_workspace(crm)
    teams, users = solara.use_memo(lambda: (
        tuple((r.name, int(r.id)) for r in crm.admin.teams().itertuples()),
        tuple((r.name, r.username) for r in crm.admin.users().itertuples())), dependencies=[version, language])
    audiences = tuple((crm.t(f"ui.office.to_{a}"), a) for a in ("all", "team", "user"))
    fields = (kit.Field("notice_title"), kit.Field("notice_body", "textarea"),
              kit.Field("audience", "select", options=audiences, label_key="ui.uicash.audience"),
              kit.Field("team", "select", options=teams), kit.Field("notice_recipient", "select", options=users),
              kit.Field("notice_expires", "date"))

    def post(v):
        audience = v.get("audience") or "user"
        if audience == "user" and v.get("notice_recipient") is None:
            # The engine reads "no team, no user" as "to everyone": a private notice without a
            # recipient must not turn into an announcement.
            raise InvalidInput("error.required", field="notice_recipient")
        notice = crm.notices.post(v.get("notice_title") or "", v.get("notice_body") or "",
                                  team=v.get("team") if audience == "team" else None,
                                  user=v.get("notice_recipient") if audience == "user" else None,
                                  expires_on=kit.text_or_none(v.get("notice_expires")))
        return crm.t("ui.office.posted", title=notice.title)

    return kit.ActionBar(crm, [kit.Action("post", crm.t("ui.office.post_notice"), post, fields=fields,
                                          initial={"audience": "user"})], ref="post-notice")


@solara.component
def NoticesTab(crm, unread_only: solara.Reactive):
    """The board (● unread; a row opens the notice and marks it read), post, what you posted."""
    open_id, set_open_id = solara.use_state(None)
    problem, set_problem = solara.use_state(None)
    version, language = kit.use_workspace(crm)
    sent = solara.use_memo(lambda: shown_notices(crm, crm.notices.sent()), dependencies=[version, language])

    def mark_all(_v):
        return crm.t("ui.office.all_read", count=crm.notices.mark_all_read())

    def withdraw(v):
        crm.notices.withdraw(v.get("notice"))
        return crm.t("ui.office.withdrawn")

    with solara.Column(gap="6px") as box:
        kit.Feedback(problem, ref="notices-open-message")
        if open_id is not None:
            NoticeRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            solara.Checkbox(label=crm.t("ui.office.unread_only"), value=unread_only.value,
                            on_value=unread_only.set).meta(ref="notices-unread-only")
            kit.RecordList(crm, lambda **kw: shown_notices(crm, crm.notices.board(**kw)), crm.notices.board_count,
                           BOARD_COLUMNS, on_open=opener(crm, crm.notices.read, set_open_id, set_problem),
                           filters={"unread_only": unread_only.value}, sort="posted_on", descending=True,
                           ref="notices")
            kit.ActionBar(crm, [kit.Action("mark_all", crm.t("ui.office.mark_all_read"), mark_all,
                                           color="secondary")], ref="notices-actions")
            PostNotice(crm)
            rv.Html(tag="h4", style_="margin:6px 0 0", children=[crm.t("ui.office.sent_notices")])
            kit.StaticTable(crm, sent, SENT_NOTICES, "sent-notices")
            if len(sent):
                kit.ActionBar(crm, [kit.Action("withdraw", crm.t("ui.office.withdraw"), withdraw, color="error",
                                               fields=(kit.Field("notice", "select", options=tuple(
                                                   (f"{r.id} · {r.title}", int(r.id)) for r in sent.itertuples())),))],
                              ref="withdraw")
    return box


@solara.component
def MessageRecord(crm, message_id: int, on_close=None):
    message, problem = kit.use_record(crm, lambda crm, record_id: crm.messages.get(record_id), message_id)
    if message is None:
        return kit.Feedback(problem, ref="message-message")
    facts = [("ui.col.sender_name", kit.Labels.of(crm).user(message.sender_id)),
             ("ui.col.sent_on", kit.date(message.sent_on)), ("field.channel", crm.t(f"message.channel.{message.channel}")),
             ("field.message_subject", message.subject), ("field.message_body", message.body)]
    return kit.RecordPage(crm, message.subject or kit.Labels.of(crm).user(message.sender_id),
                          subtitle=kit.date(message.sent_on), on_close=on_close, ref="message",
                          tabs=[(crm.t("ui.kit.details"), lambda: kit.Facts(crm, facts, ref="message-facts"))])


@solara.component
def SendMessage(crm):
    """To a colleague and/or a customer (through its primary contact), as SMS or e-mail."""
    version, language = kit.use_workspace(crm)
    users, customers = solara.use_memo(lambda: (
        tuple((r.name, r.username) for r in crm.admin.users().itertuples() if r.id != crm.user.id),
        tuple((f"{r.id} · {r.name}", int(r.id)) for r in crm.customers.list(sort="name", limit=200).itertuples())),
        dependencies=[version, language, crm.user.id])
    channels = tuple((crm.t(f"message.channel.{c}"), c) for c in ("sms", "email"))
    fields = (kit.Field("channel", "select", options=channels),
              kit.Field("colleague", "select", options=users, label_key="ui.uicash.colleague"),
              kit.Field("customer", "select", options=customers), kit.Field("message_subject"),
              kit.Field("message_body", "textarea"))

    def send(v):
        message = crm.messages.send(v.get("message_body") or "", channel=v.get("channel") or "sms",
                                    users=[v["colleague"]] if v.get("colleague") else [],
                                    customers=[v["customer"]] if v.get("customer") else [],
                                    subject=kit.text_or_none(v.get("message_subject")))
        return crm.t("ui.office.sent", count=len(crm.messages.recipients(message.id)))

    return kit.ActionBar(crm, [kit.Action("send", crm.t("ui.office.new_message"), send, fields=fields,
                                          initial={"channel": "sms"})], ref="send-message")


@solara.component
def MessagesTab(crm, unread_only: solara.Reactive):
    """The inbox (● unread; a row opens the message and marks it read), send, what you sent."""
    open_id, set_open_id = solara.use_state(None)
    problem, set_problem = solara.use_state(None)
    version, language = kit.use_workspace(crm)
    sent = solara.use_memo(lambda: shown_messages(crm, crm.messages.sent()), dependencies=[version, language])
    with solara.Column(gap="6px") as box:
        kit.Feedback(problem, ref="messages-open-message")
        if open_id is not None:
            MessageRecord(crm, open_id, on_close=lambda: set_open_id(None))
        with solara.Div(style={"display": "none" if open_id is not None else "block"}):
            solara.Checkbox(label=crm.t("ui.office.unread_only"), value=unread_only.value,
                            on_value=unread_only.set).meta(ref="messages-unread-only")
            kit.RecordList(crm, lambda **kw: shown_messages(crm, crm.messages.inbox(**kw)), crm.messages.inbox_count,
                           INBOX_COLUMNS, on_open=opener(crm, crm.messages.read, set_open_id, set_problem),
                           filters={"unread_only": unread_only.value}, sort="sent_on", descending=True, ref="inbox")
            SendMessage(crm)
            rv.Html(tag="h4", style_="margin:6px 0 0", children=[crm.t("ui.office.sent_messages")])
            kit.StaticTable(crm, sent, SENT_MESSAGES, "sent-messages")
    return box
