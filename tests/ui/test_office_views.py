"""The office screens (issue #20): the schedule on the kit (tasks by day / week / month → task page
with its path and the engine's reasons, refused beside the button and changing nothing, accepted
with a confirmation, every open view redrawn), the notice board and the message centre (a row
opens and reads it; the app header's unread counts follow at once), in English and Chinese; the
files (list → file page → share, rename, save a copy, delete with the engine's reasons; upload
from a path) and the address books, with their privacy."""
import datetime as dt

import pytest

from crm_engine.ui import app as app_module
from crm_engine.ui import kit
from crm_engine.ui.office import OfficeModule
from tests.ui.kit_helpers import click, has, message, press, text_of

RAW = ("None", "<NA>", "nan", "NaT", "open", "done", "title", "label", "created_on", "start_date", "end_date")


def tables(crm) -> dict:
    db = crm._s.db
    return {t: sorted(map(repr, db.rows(f"SELECT * FROM {t}")))
            for t in ("tasks", "notices", "notice_deliveries", "messages", "message_recipients", "state_history")}


def fill(module, name: str, value) -> None:
    module.rc.find(meta_ref=f"field-{name}").widget.v_model = value


def current_path(module) -> str:
    steps = module.rc.find(meta_ref="path").widget.children[1:]
    return next(s.attributes["data-state"] for s in steps if "crm-path-current" in s.class_)


def no_raw_text(module) -> None:
    words = set(text_of(module).replace("·", " ").split())
    assert not set(RAW) & words, set(RAW) & words


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_schedule_list_task_record_refused_and_accepted_actions(crm, language):
    boss, rep = crm.as_user("zhang.wei"), crm.as_user("li.ming")
    task = boss.tasks.add("Call the buyer", assignee="li.ming", at_time="10:00")
    crm.set_language(language)
    watcher = OfficeModule(boss)                             # the supervisor's team view, open all along
    watcher.rc.find(meta_ref="task-team").widget.v_model = True
    open_word = kit.Labels(crm).state("task", "open")
    assert open_word in text_of(watcher.rc.find(meta_ref=f"tasks-row-{task.id}").widget)

    view = OfficeModule(rep)
    assert crm.t("field.task_title") in text_of(view.rc.find(meta_ref="tasks-sort-title").widget)
    assert crm.t("field.title") not in text_of(view.rc.find(meta_ref="tasks-sort-title").widget)  # not "Job title"
    press(view.rc, f"tasks-row-{task.id}")
    assert "Call the buyer" in text_of(view.rc.find(meta_ref="record-title").widget)
    assert current_path(view) == "open"
    no_raw_text(view)
    reason = rep.tasks.actions(task.id)["reopen"]
    assert view.rc.find(meta_ref="record-actions-reopen").widget.disabled and reason
    assert reason in [w.attributes.get("title") for w in view.rc.find(class_="crm-action").widgets]

    click(view.rc, "record-actions-reschedule")
    fill(view, "task_time", "25:99")
    before = tables(crm)
    click(view.rc, "record-actions-confirm")                  # a time that is not one: refused, field marked
    kind, text = message(view.rc, "record-actions-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-task_time").widget.error_messages == [text]
    click(view.rc, "record-actions-complete")
    fill(view, "task_result", "Wants a quotation")
    click(view.rc, "record-actions-confirm")
    assert message(view.rc, "record-actions-message") == ("success", crm.t("ui.office.completed", title=task.title))
    assert current_path(view) == "done" and rep.tasks.get(task.id).result == "Wants a quotation"
    assert kit.Labels(crm).state("task", "done") in text_of(watcher.rc.find(meta_ref=f"tasks-row-{task.id}").widget)
    boss.tasks.reopen(task.id)                                # another handle: the open page follows
    assert current_path(view) == "open"


def test_schedule_periods_and_new_task(crm):
    rep = crm.as_user("li.ming")
    far = rep.tasks.add("Next month", on_date=(crm.today() + dt.timedelta(days=20)).isoformat())
    view = OfficeModule(rep)
    assert not has(view.rc, f"tasks-row-{far.id}")            # not this week
    view.rc.find(meta_ref="task-period").widget.v_model = "month"
    assert has(view.rc, f"tasks-row-{far.id}")
    view.rc.find(meta_ref="task-date").widget.v_model = "someday"
    assert message(view.rc, "task-date-message")[0] == "error"
    view.rc.find(meta_ref="task-date").widget.v_model = ""
    assert not has(view.rc, "task-team")                      # a rep has no team view
    click(view.rc, "new-task-add")
    before = tables(crm)
    click(view.rc, "new-task-confirm")
    kind, text = message(view.rc, "new-task-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-task_title").widget.error_messages == [text]
    fill(view, "task_title", "Visit Star Tech")
    click(view.rc, "new-task-confirm")
    added = rep.tasks.list(search="Visit").iloc[0]
    assert message(view.rc, "new-task-message")[0] == "success" and added["title"] == "Visit Star Tech"
    assert "Visit Star Tech" in text_of(view.rc.find(meta_ref="tasks").widget)   # the list, redrawn


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_reading_a_notice_and_a_message_updates_the_header_at_once(crm, language):
    crm.as_user("zhang.wei").notices.post("Team meeting", "Friday 16:00", team=2)
    crm.as_user("wang.fang").messages.send("Lunch?", users=["li.ming"])
    crm.set_language(language)
    shell = app_module.App(crm.as_user("li.ming"), module="office")
    assert shell.notifications.counts["notices"] == 1 and shell.notifications.counts["messages"] == 1
    office = shell.view
    office.tab.set(3)
    notice = int(crm.as_user("li.ming").notices.board().iloc[0]["id"])
    assert "●" in text_of(office.rc.find(meta_ref=f"notices-row-{notice}").widget)
    assert crm.t("field.notice_title") in text_of(office.rc.find(meta_ref="notices-sort-title").widget)
    press(office.rc, f"notices-row-{notice}")                 # opening it reads it
    assert "Friday 16:00" in text_of(office.rc.find(meta_ref="notice-facts").widget)
    assert shell.notifications.counts["notices"] == 0          # the header, at once
    assert shell.notifications.buttons["notices"].description == crm.t("ui.notify.notices", count=0)
    click(office.rc, "notice-actions-mark_unread")
    assert message(office.rc, "notice-actions-message") == ("success", crm.t("ui.office.marked_unread"))
    assert shell.notifications.counts["notices"] == 1
    no_raw_text(office)
    office.tab.set(4)
    msg = int(crm.as_user("li.ming").messages.inbox().iloc[0]["id"])
    press(office.rc, f"inbox-row-{msg}")
    assert "Lunch?" in text_of(office.rc.find(meta_ref="message-facts").widget)
    assert shell.notifications.counts["messages"] == 0
    assert shell.notifications.buttons["messages"].description == crm.t("ui.notify.messages", count=0)
    shell.close()


def test_post_private_notice_needs_a_recipient_and_announcements_the_role(crm):
    rep = crm.as_user("li.ming")
    view = OfficeModule(rep)
    view.tab.set(3)
    click(view.rc, "post-notice-post")
    fill(view, "notice_title", "Cover me")
    fill(view, "notice_body", "Tuesday")
    before = tables(crm)
    click(view.rc, "post-notice-confirm")                     # private, nobody chosen: refused, nothing posted
    kind, text = message(view.rc, "post-notice-message")
    assert kind == "error" and tables(crm) == before
    assert view.rc.find(meta_ref="field-notice_recipient").widget.error_messages == [text]
    fill(view, "audience", "all")
    click(view.rc, "post-notice-confirm")                     # announcements need the role
    assert message(view.rc, "post-notice-message")[0] == "error" and tables(crm) == before
    fill(view, "audience", "user")
    fill(view, "notice_recipient", "wang.fang")
    click(view.rc, "post-notice-confirm")
    assert message(view.rc, "post-notice-message") == ("success", crm.t("ui.office.posted", title="Cover me"))
    assert "Cover me" in text_of(view.rc.find(meta_ref="sent-notices").widget)
    assert crm.as_user("wang.fang").notices.unread_count() == 1
    assert crm.as_user("chen.hua").notices.unread_count() == 0


def test_send_a_message_and_keep_it_private(crm):
    rep = crm.as_user("li.ming")
    view = OfficeModule(rep)
    view.tab.set(4)
    click(view.rc, "send-message-send")
    before = tables(crm)
    click(view.rc, "send-message-confirm")
    assert message(view.rc, "send-message-message")[0] == "error" and tables(crm) == before
    fill(view, "colleague", "wang.fang")
    fill(view, "message_body", "Lunch at noon?")
    click(view.rc, "send-message-confirm")
    assert message(view.rc, "send-message-message") == ("success", crm.t("ui.office.sent", count=1))
    assert "Lunch at noon?" in text_of(view.rc.find(meta_ref="sent-messages").widget)
    assert len(crm.as_user("wang.fang").messages.inbox()) == 1
    assert len(crm.as_user("chen.hua").messages.inbox()) == 0


def test_a_notification_opens_the_office_on_its_tab_unread_only(crm):
    crm.as_user("wang.fang").notices.post("Cover", "Tuesday", user="li.ming")
    shell = app_module.App(crm.as_user("li.ming"))
    shell.notifications.buttons["notices"].click()
    assert shell.menu.value == "office" and shell.view.tab.value == 3
    assert shell.view.rc.find(meta_ref="notices-unread-only").widget.v_model is True
    assert has(shell.view.rc, "notices-row-1")
    shell.notifications.buttons["messages"].click()
    assert shell.view.tab.value == 4
    shell.close()


# -- files ----------------------------------------------------------------------------------
def files(module) -> str:
    return text_of(module.rc.find(meta_ref="files").widget) if has(module.rc, "files") else ""


def file_tables(crm) -> dict:
    db = crm._s.db
    return {t: sorted(map(repr, db.rows(f"SELECT * FROM {t}"))) for t in ("files", "audit")}


def files_view(crm, language="en"):
    crm.set_language(language)
    view = OfficeModule(crm)
    view.tab.set(1)
    return view


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_upload_share_rename_save_delete(crm, tmp_path, language):
    rep = crm.as_user("li.ming")
    source = tmp_path / "minutes.txt"
    source.write_bytes(b"Met Star Tech")
    view = files_view(rep, language)
    click(view.rc, "upload-upload")
    before = file_tables(crm)
    click(view.rc, "upload-confirm")                          # nothing given: refused beside the box
    kind, text = message(view.rc, "upload-message")
    assert kind == "error" and file_tables(crm) == before
    assert view.rc.find(meta_ref="field-file").widget.error_messages == [text]
    fill(view, "file", str(source))
    fill(view, "file_name", "../minutes.txt")
    click(view.rc, "upload-confirm")
    kind, text = message(view.rc, "upload-message")
    assert kind == "error" and file_tables(crm) == before
    assert view.rc.find(meta_ref="field-file_name").widget.error_messages == [text]
    fill(view, "file_name", "")
    click(view.rc, "upload-confirm")
    assert message(view.rc, "upload-message") == ("success", crm.t("ui.office.uploaded", name="minutes.txt",
                                                                   size="13 B"))
    assert "minutes.txt" in files(view) and "13 B" in files(view)       # the list, redrawn
    other = files_view(crm.as_user("wang.fang"), language)
    assert "minutes.txt" not in files(other)                  # not shared yet
    file_id = int(rep.files.list().iloc[0]["id"])
    press(view.rc, f"files-row-{file_id}")
    assert "minutes.txt" in text_of(view.rc.find(meta_ref="file-title").widget)
    no_raw_text(view)
    click(view.rc, "file-actions-share")
    assert message(view.rc, "file-actions-message") == ("success", crm.t("ui.office.shared", name="minutes.txt"))
    assert "minutes.txt" in files(other)                      # the colleague's open view follows
    assert text_of(view.rc.find(meta_ref="file-actions-share").widget) == crm.t("ui.office.unshare")
    click(view.rc, "file-actions-rename")
    fill(view, "file_name", "CON.txt")
    before = file_tables(crm)
    click(view.rc, "file-actions-confirm")
    kind, text = message(view.rc, "file-actions-message")
    assert kind == "error" and file_tables(crm) == before
    assert view.rc.find(meta_ref="field-file_name").widget.error_messages == [text]
    fill(view, "file_name", "star-minutes.txt")
    click(view.rc, "file-actions-confirm")
    assert message(view.rc, "file-actions-message") == ("success", crm.t("ui.office.renamed",
                                                                         name="star-minutes.txt"))
    assert rep.files.get(file_id).name == "star-minutes.txt"
    assert "star-minutes.txt" in text_of(view.rc.find(meta_ref="file-facts").widget)
    click(view.rc, "file-actions-save")
    fill(view, "target_folder", str(tmp_path))
    click(view.rc, "file-actions-confirm")
    assert message(view.rc, "file-actions-message")[0] == "success"
    assert (tmp_path / "star-minutes.txt").read_bytes() == b"Met Star Tech"
    click(view.rc, "file-actions-save")
    fill(view, "target_folder", str(tmp_path))
    click(view.rc, "file-actions-confirm")                    # never over an existing file
    assert message(view.rc, "file-actions-message")[0] == "error"
    click(view.rc, "file-actions-delete")
    assert message(view.rc, "files-message") == ("success", crm.t("ui.office.deleted", name="star-minutes.txt"))
    assert not has(view.rc, "file") and len(rep.files.list()) == 0
    assert "star-minutes.txt" not in files(view) and "star-minutes.txt" not in files(other)


def test_others_cannot_change_a_shared_file_and_filters(crm, tmp_path):
    source = tmp_path / "price-list.csv"
    source.write_text("code,price\nNB-14,4999\n")
    rep = crm.as_user("li.ming")
    info = rep.files.upload(source, shared=True)
    other = crm.as_user("wang.fang")
    view = files_view(other)
    assert "price-list.csv" in files(view)
    press(view.rc, f"files-row-{info.id}")
    reason = other.files.actions(info.id)["delete"]
    assert reason and view.rc.find(meta_ref="file-actions-delete").widget.disabled
    assert reason in [w.attributes.get("title") for w in view.rc.find(class_="crm-action").widgets]
    assert view.rc.find(meta_ref="file-actions-share").widget.disabled
    assert not view.rc.find(meta_ref="file-actions-save").widget.disabled   # a shared file may be saved
    rep.files.rename(info.id, "prices.csv")                   # another handle: the open page follows
    assert "prices.csv" in text_of(view.rc.find(meta_ref="file-title").widget)
    rep.files.unshare(info.id)                                # now private: the page says so
    assert message(view.rc, "file-message")[0] == "error"
    click(view.rc, "file-close")
    assert "prices.csv" not in files(view)
    rep.files.share(info.id)
    view.rc.find(meta_ref="files-mine").widget.v_model = True
    assert "prices.csv" not in files(view)
    mine = files_view(rep)
    mine.rc.find(meta_ref="files-shared").widget.v_model = False
    assert "prices.csv" not in files(mine)
    mine.rc.find(meta_ref="files-shared").widget.v_model = True
    assert "prices.csv" in files(mine)


# -- address books -------------------------------------------------------------------------
def entries(module) -> str:
    return text_of(module.rc.find(meta_ref="entries").widget) if has(module.rc, "entries") else ""


def test_address_book_entries_public_and_private(crm):
    view = OfficeModule(crm.as_user("li.ming"))
    view.tab.set(2)
    click(view.rc, "new-entry-add")
    before = tables(crm)
    click(view.rc, "new-entry-confirm")
    kind, text = message(view.rc, "new-entry-message")
    assert kind == "error" and view.rc.find(meta_ref="field-name").widget.error_messages == [text]
    fill(view, "name", "Gao Jie")
    fill(view, "email", "gao at freight")
    click(view.rc, "new-entry-confirm")
    kind, text = message(view.rc, "new-entry-message")
    assert kind == "error" and view.rc.find(meta_ref="field-email").widget.error_messages == [text]
    assert tables(crm) == before and len(crm.address_book.list()) == 0
    fill(view, "email", "gao@freight.example")
    click(view.rc, "new-entry-confirm")                       # private by default
    assert message(view.rc, "new-entry-message") == ("success", crm.t("ui.office.entry_saved", name="Gao Jie"))
    click(view.rc, "new-entry-add")                           # the form closed on success: a fresh one
    fill(view, "book", "public")
    fill(view, "name", "Jiangsu Freight desk")
    click(view.rc, "new-entry-confirm")
    assert "Gao Jie" in entries(view) and "Jiangsu Freight desk" in entries(view)
    assert crm.t("field.title") in text_of(view.rc.find(meta_ref="entries-sort-title").widget)  # a person's job title
    view.rc.find(meta_ref="filter-book").widget.v_model = "private"
    assert "Gao Jie" in entries(view) and "Jiangsu Freight desk" not in entries(view)
    other = OfficeModule(crm.as_user("wang.fang"))              # a colleague: the public entry only
    other.tab.set(2)
    assert "Gao Jie" not in entries(other) and "Jiangsu Freight desk" in entries(other)
    public = int(crm.address_book.list(search="Jiangsu")["id"].iloc[0])
    press(other.rc, f"entries-row-{public}")
    click(other.rc, "entry-actions-update")
    fill(other, "phone", "021-5555 9999")
    before = tables(crm)
    click(other.rc, "entry-actions-confirm")                  # not theirs: refused beside the button
    assert message(other.rc, "entry-actions-message")[0] == "error"
    assert crm.address_book.get(public).phone is None


def test_edit_and_delete_own_entry(crm):
    rep = crm.as_user("li.ming")
    entry = rep.address_book.add("Gao Jie", company="Jiangsu Freight")
    view = OfficeModule(rep)
    view.tab.set(2)
    press(view.rc, f"entries-row-{entry.id}")
    click(view.rc, "entry-actions-update")
    assert view.rc.find(meta_ref="field-name").widget.v_model == "Gao Jie"
    fill(view, "title", "Dispatcher")
    click(view.rc, "entry-actions-confirm")
    assert message(view.rc, "entry-actions-message") == ("success", crm.t("ui.office.entry_saved", name="Gao Jie"))
    assert rep.address_book.get(entry.id).title == "Dispatcher"
    assert "Dispatcher" in text_of(view.rc.find(meta_ref="entry-facts").widget)
    click(view.rc, "entry-actions-delete")
    assert len(rep.address_book.list()) == 0 and "Gao Jie" not in entries(view)
