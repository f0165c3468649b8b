"""My-office views driven as a student would: schedule, files, address books, notice board,
message centre. For every form: the happy path, the engine's validation errors shown
inline, and privacy — nobody sees another user's private records in any list.
"""
import datetime as dt


from crm_engine.ui.office import AddressBookView, FilesView, OfficeModule, ScheduleView
from crm_engine.ui.office_board import MessagesView, NoticesView
from crm_engine.ui.base import PAGE_SIZE
from tests.ui.helpers import assert_paged_by_the_engine, spy


def open_row(listing, record_id):
    listing.pick.value = record_id
    listing.open_button.click()


def chosen(name, content: bytes):
    """What a FileUpload widget holds after the student picked a file in the browser."""
    return ({"name": name, "type": "text/plain", "size": len(content), "content": memoryview(content),
             "last_modified": dt.datetime(2026, 3, 1)},)


# -- schedule ------------------------------------------------------------------------------
def test_task_form(crm):
    view = ScheduleView(crm.as_user("li.ming"))
    form = view.form
    assert form.assignee.layout.display == "none"            # reps schedule their own
    form.add.click()
    assert form.invalid_field == "task_title"
    form.title.value, form.at_time.value = "Call Star Tech", "25:00"
    form.add.click()
    assert form.invalid_field == "task_time" and "25:00" in form.error_text
    form.at_time.value = "10:00"
    form.customer.value = 1
    form.on_date.value = dt.date(2026, 3, 4)
    form.add.click()
    assert "scheduled on 2026-03-04" in form.status.value
    assert view.list.ids == [1]                                # same week as today (2026-03-02)
    view.period.value = "day"
    assert view.list.ids == []
    view.date.value = dt.date(2026, 3, 4)
    assert view.list.ids == [1]


def test_only_supervisors_assign_tasks_to_others(crm):
    rep = ScheduleView(crm.as_user("li.ming")).form
    rep.title.value, rep.assignee.value = "Do my work", "wang.fang"   # the hidden field, set anyway
    rep.add.click()
    assert "may not" in rep.error_text and crm.tasks.list(team=True).empty
    boss = ScheduleView(crm.as_user("zhang.wei")).form
    assert boss.assignee.layout.display is None
    boss.title.value, boss.assignee.value = "Visit Harbour Logistics", "liu.yang"   # West, not his team
    boss.add.click()
    assert boss.error_text
    boss.assignee.value = "wang.fang"
    boss.add.click()
    assert "scheduled" in boss.status.value
    assert ScheduleView(crm.as_user("wang.fang")).list.ids == [1]


def test_task_actions_follow_its_state(crm):
    rep = crm.as_user("li.ming")
    rep.tasks.add("Send the quote")
    view = ScheduleView(rep)
    open_row(view.list, 1)
    actions = view.actions
    assert actions.when_open.layout.display is None and actions.reopen.layout.display == "none"
    actions.new_date.value, actions.new_time.value = dt.date(2026, 3, 3), "9:5"
    actions.reschedule.click()
    assert actions.invalid_field == "task_time"
    actions.new_time.value = "09:05"
    actions.reschedule.click()
    assert "moved" in actions.status.value and rep.tasks.get(1).on_date == dt.date(2026, 3, 3)
    actions.result.value = "Quote sent"
    actions.complete.click()
    assert "done" in actions.status.value
    assert actions.when_open.layout.display == "none" and actions.reopen.layout.display is None
    actions.cancel.click()                                     # hidden now; the engine refuses
    assert actions.error_text and rep.tasks.get(1).status == "done"
    actions.reopen.click()
    assert rep.tasks.get(1).status == "open"


def test_schedules_are_private_to_their_scope(crm):
    crm.as_user("li.ming").tasks.add("Li's task")
    crm.as_user("wang.fang").tasks.add("Wang's task")
    rep = ScheduleView(crm.as_user("li.ming"))
    rep.team.value = True
    assert list(rep.list.rows["title"]) == ["Li's task"]
    boss = ScheduleView(crm.as_user("zhang.wei"))
    assert boss.list.ids == []
    boss.team.value = True
    assert sorted(boss.list.rows["title"]) == ["Li's task", "Wang's task"]
    assert ScheduleView(crm.as_user("chen.hua")).list.ids == []


# -- files ---------------------------------------------------------------------------------
def test_upload_share_rename_save_delete(crm, tmp_path):
    rep = crm.as_user("li.ming")
    view = FilesView(rep)
    form = view.form
    form.upload.click()
    assert form.invalid_field == "file"
    form.chooser.value = chosen("minutes.txt", b"Met Star Tech")
    form.name.value = "../minutes.txt"
    form.upload.click()
    assert form.invalid_field == "file_name"
    form.name.value = ""
    form.upload.click()
    assert "minutes.txt (13 B) stored" in form.status.value
    form.chooser.value = chosen("minutes.txt", b"again")
    form.upload.click()
    assert "minutes.txt" in form.error_text                   # names are unique among your files
    assert view.list.ids == [1]
    other = FilesView(crm.as_user("wang.fang"))
    assert other.list.ids == []                                # not shared yet
    open_row(view.list, 1)
    actions = view.actions
    actions.share.click()
    assert "shared with everyone" in actions.status.value
    assert FilesView(crm.as_user("wang.fang")).list.ids == [1]
    actions.new_name.value = "CON.txt"
    actions.rename.click()
    assert actions.invalid_field == "file_name"
    actions.new_name.value = "star-minutes.txt"
    actions.rename.click()
    assert rep.files.get(1).name == "star-minutes.txt"
    actions.folder.value = str(tmp_path)
    actions.save.click()
    assert (tmp_path / "star-minutes.txt").read_bytes() == b"Met Star Tech"
    actions.save.click()
    assert actions.error_text                                  # never over an existing file
    actions.delete.click()
    assert "deleted" in actions.status.value and view.list.ids == []


def test_upload_from_a_path_and_others_cannot_change_a_shared_file(crm, tmp_path):
    source = tmp_path / "price-list.csv"
    source.write_text("code,price\nNB-14,4999\n")
    view = FilesView(crm.as_user("li.ming"))
    view.form.path.value = str(source)
    view.form.shared.value = True
    view.form.upload.click()
    assert "price-list.csv" in view.form.status.value
    other = FilesView(crm.as_user("wang.fang"))
    open_row(other.list, 1)
    other.actions.delete.click()
    assert other.actions.error_text and crm.files.get(1).name == "price-list.csv"
    other.mine.value = True
    assert other.list.ids == []


# -- address books -------------------------------------------------------------------------
def test_address_book_entries(crm):
    view = AddressBookView(crm.as_user("li.ming"))
    form = view.form
    form.save.click()
    assert form.invalid_field == "name"
    form.name.value = "Gao Jie"
    form.texts["email"].value = "gao at freight"
    form.save.click()
    assert form.invalid_field == "email"
    form.texts["email"].value = "gao@freight.example"
    form.texts["mobile"].value = "139 0000 1111"
    form.private.value = True
    form.save.click()
    assert "Gao Jie saved" in form.status.value and view.list.ids == [1]
    form.new.click()
    form.name.value, form.texts["company"].value = "Jiangsu Freight desk", "Jiangsu Freight"
    form.save.click()
    assert sorted(view.list.ids) == [1, 2]
    view.book.value = "private"
    assert view.list.ids == [1]
    view.book.value = None
    view.find.value = "freight"
    assert sorted(view.list.ids) == [1, 2]
    # a colleague sees the public entry only, and may not change it
    other = AddressBookView(crm.as_user("wang.fang"))
    assert other.list.ids == [2]
    open_row(other.list, 2)
    other.form.texts["phone"].value = "021-5555 9999"
    other.form.save.click()
    assert other.form.error_text
    other.form.load(1)
    assert other.form.error_text and other.form.name.value != "Gao Jie"


def test_edit_and_delete_own_entry(crm):
    rep = crm.as_user("li.ming")
    rep.address_book.add("Gao Jie", company="Jiangsu Freight")
    view = AddressBookView(rep)
    open_row(view.list, 1)
    assert view.form.name.value == "Gao Jie" and view.form.private.disabled
    view.form.texts["title"].value = "Dispatcher"
    view.form.save.click()
    assert rep.address_book.get(1).title == "Dispatcher"
    view.form.delete.click()
    assert "deleted" in view.form.status.value and view.list.ids == []


# -- notice board --------------------------------------------------------------------------
def test_private_notice_needs_a_recipient_and_is_read_by_them_only(crm):
    view = NoticesView(crm.as_user("li.ming"))
    form = view.form
    assert form.audience.value == "user"
    form.title.value, form.body_text.value = "Cover for me", "I am at Star Tech on Tuesday"
    form.post.click()
    assert form.invalid_field == "notice_recipient"
    assert crm.as_user("li.ming").notices.sent().empty        # never turned into an announcement
    form.user.value = "wang.fang"
    form.post.click()
    assert "posted" in form.status.value
    board = NoticesView(crm.as_user("wang.fang"))
    assert board.board.ids == [1] and "●" in board.board.table.value
    open_row(board.board, 1)
    assert "Star Tech on Tuesday" in board.notice.value
    assert crm.as_user("wang.fang").notices.unread_count() == 0 and "●" not in board.board.table.value
    board.mark_unread.click()
    assert crm.as_user("wang.fang").notices.unread_count() == 1
    board.unread_only.value = True
    assert board.board.ids == [1]
    board.mark_all.click()
    assert "1 notices marked read" in board.status.value and board.board.ids == []
    assert NoticesView(crm.as_user("zhao.lei")).board.ids == []
    assert NoticesView(crm.as_user("zhang.wei")).board.ids == []   # not even the supervisor


def test_announcements_need_the_role(crm):
    rep = NoticesView(crm.as_user("li.ming")).form
    rep.title.value, rep.body_text.value, rep.audience.value = "Party", "Friday", "all"
    rep.post.click()
    assert "may not" in rep.error_text
    boss = NoticesView(crm.as_user("zhang.wei"))
    boss.form.title.value, boss.form.body_text.value = "Team meeting", "Friday 16:00"
    boss.form.audience.value = "team"
    boss.form.team.value = 4                                   # West sales: not his
    boss.form.post.click()
    assert boss.form.error_text
    boss.form.team.value = 2
    boss.form.expires_on.value = dt.date(2026, 3, 1)
    boss.form.post.click()
    assert boss.form.invalid_field == "notice_expires"
    boss.form.expires_on.value = None
    boss.form.post.click()
    assert "posted" in boss.form.status.value
    assert NoticesView(crm.as_user("zhao.lei")).board.ids == [1]   # Shanghai is under East
    assert NoticesView(crm.as_user("liu.yang")).board.ids == []
    boss.withdraw_pick.value = 1
    boss.withdraw.click()
    assert "withdrawn" in boss.status.value
    assert NoticesView(crm.as_user("zhao.lei")).board.ids == []


# -- message centre ------------------------------------------------------------------------
def test_send_read_and_keep_private(crm):
    view = MessagesView(crm.as_user("li.ming"))
    form = view.form
    form.body_text.value = "Meeting moved to 15:00"
    form.send_button.click()
    assert form.invalid_field == "message_recipients"
    form.users.value = ("wang.fang", "zhao.lei")
    form.body_text.value = ""
    form.send_button.click()
    assert form.invalid_field == "message_body"
    form.body_text.value = "Meeting moved to 15:00"
    form.send_button.click()
    assert "sent to 2 recipients" in form.status.value
    assert "Meeting moved" in view.sent.value
    inbox = MessagesView(crm.as_user("wang.fang"))
    assert inbox.inbox.ids == [1] and "●" in inbox.inbox.table.value
    open_row(inbox.inbox, 1)
    assert "Meeting moved to 15:00" in inbox.message.value
    assert crm.as_user("wang.fang").messages.unread_count() == 0
    assert crm.as_user("zhao.lei").messages.unread_count() == 1
    assert MessagesView(crm.as_user("zhang.wei")).inbox.ids == []


def test_message_to_a_customer_is_kept_on_its_record(crm):
    rep = crm.as_user("li.ming")
    rep.customers.add_contact(1, "Chen Jing", mobile="13800000000", email="chen@star.example")
    form = MessagesView(rep).form
    form.channel.value = "email"
    assert form.subject.layout.display is None
    form.customer.value = 1
    form.contact.value = form.contact.options[1][1]
    form.add_customer.click()
    assert "Chen Jing" in form.recipients.value
    form.subject.value, form.body_text.value = "Your order", "It has shipped."
    form.send_button.click()
    assert "sent to 1 recipients" in form.status.value
    assert "Your order" in set(rep.customers.interactions(1)["subject"])


def test_office_module_opens_on_unread(crm):
    crm.as_user("zhang.wei").messages.send("Hello", users=["li.ming"])
    office = OfficeModule(crm.as_user("li.ming"))
    office.show_waiting("messages")
    assert office.tabs.selected_index == 4 and office.messages.unread_only.value
    assert office.messages.inbox.ids == [1]


# -- paging: one page at a time, from the engine ---------------------------------------------------
def test_schedule_asks_the_engine_for_one_page_of_the_period(crm, monkeypatch):
    rep = crm.as_user("li.ming")
    for n in range(PAGE_SIZE + 4):
        rep.tasks.add(f"{'Call' if n % 3 else 'Visit'} {n:02d}", on_date=dt.date(2026, 3, 2 + n % 7),
                      at_time=None if n % 4 == 0 else f"{9 + n % 8:02d}:00")
    rep.tasks.add("Next month", on_date="2026-04-02")
    tasks = rep.tasks
    listed, counted_verb = tasks.list, tasks.count
    asked, counted = spy(monkeypatch, tasks, "list"), spy(monkeypatch, tasks, "count")
    view = ScheduleView(rep)
    week = tasks.span("week")
    assert (asked[-1]["since"], asked[-1]["until"]) == (counted[-1]["since"], counted[-1]["until"]) == week
    assert_paged_by_the_engine(view.list, asked, counted,
                               lambda **kw: listed(since=week[0], until=week[1], **kw)["id"].tolist(),
                               term="visit", sort=("status", False))
    view.period.value = "month"
    assert view.list.total == counted_verb(since="2026-03-01", until="2026-03-31") == PAGE_SIZE + 4
    assert asked[-1]["until"] == dt.date(2026, 3, 31) and asked[-1]["limit"] == PAGE_SIZE


def test_inbox_and_address_book_ask_the_engine_for_one_page(crm, monkeypatch):
    wang = crm.as_user("wang.fang")
    for n in range(PAGE_SIZE + 2):
        sender = crm.as_user("li.ming" if n % 2 else "zhang.wei")
        sender.messages.send(f"{'Lunch' if n % 3 else 'Meeting'} {n:02d}", users=["wang.fang"])
        crm.clock.advance(n % 2 + 1)
    inbox = wang.messages.inbox
    asked, counted = spy(monkeypatch, wang.messages, "inbox"), spy(monkeypatch, wang.messages, "inbox_count")
    view = MessagesView(wang)
    assert_paged_by_the_engine(view.inbox, asked, counted, lambda **kw: inbox(**kw)["id"].tolist(), term="meeting",
                               sort=("sender_name", False))
    for n in range(PAGE_SIZE + 1):
        wang.address_book.add(f"Entry {n:02d}", company="Star Tech" if n % 2 else None)
    entries = wang.address_book.list
    asked, counted = spy(monkeypatch, wang.address_book, "list"), spy(monkeypatch, wang.address_book, "count")
    book = AddressBookView(wang)
    ids = entries(sort="name")["id"].tolist()
    assert asked[-1] == {"sort": "name", "descending": False, "limit": PAGE_SIZE, "offset": 0} and counted[-1] == {}
    assert book.list.ids == ids[:PAGE_SIZE] and book.list.total == len(ids)
    book.list.next.click()
    assert asked[-1]["offset"] == PAGE_SIZE and book.list.ids == ids[PAGE_SIZE:]
    book.find.value = "star"                                        # the address book's own search filter
    assert asked[-1]["search"] == counted[-1]["search"] == "star" and asked[-1]["offset"] == 0
    assert book.list.ids == entries(search="star", sort="name")["id"].tolist()
