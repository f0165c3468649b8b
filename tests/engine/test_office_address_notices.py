"""Address books (F3) and the notice board (F4): privacy, audiences, read / unread."""
import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)

EVERYONE = ["admin", "dong.li", "sun.li", "ma.lan", "cai.wu", "zhang.wei", "li.ming", "wang.fang", "zhao.lei",
            "chen.hua", "liu.yang"]


@pytest.fixture
def rep(crm):
    return crm.as_user("li.ming")


# -- address books ------------------------------------------------------------------------
def test_public_and_private_entries(crm, rep):
    public = rep.address_book.add("Gao Jie", company="Jiangsu Freight", mobile="139 0000 1111",
                                  email="gao@jsfreight.cn")
    private = rep.address_book.add("My plumber", phone="021-5555 0199", private=True, notes="cheap")
    assert rep.address_book.list()["name"].tolist() == ["My plumber", "Gao Jie"]
    assert rep.address_book.list(book="private")["id"].tolist() == [private.id]
    assert rep.address_book.list(search="freight")["id"].tolist() == [public.id]
    for other in EVERYONE:
        if other == "li.ming":
            continue
        viewer = crm.as_user(other)
        assert viewer.address_book.list()["id"].tolist() == [public.id]
        assert viewer.address_book.list(search="plumber").empty
        with pytest.raises(NotFound):
            viewer.address_book.get(private.id)
    # the private entry's content never reaches the audit trail the administrator reads
    trail = crm.audit.list(kind="address_book").to_string()
    assert "plumber" not in trail and "5555 0199" not in trail and "Gao Jie" in trail


def test_who_changes_entries(crm, rep):
    public = rep.address_book.add("Gao Jie", mobile="139 0000 1111")
    private = rep.address_book.add("Doctor", private=True)
    assert rep.address_book.update(public.id, title="Logistics manager").title == "Logistics manager"
    before = snapshot(crm)
    with pytest.raises(NotAllowed):
        crm.as_user("wang.fang").address_book.update(public.id, phone="010-1234 5678")
    with pytest.raises(NotAllowed):
        crm.as_user("wang.fang").address_book.delete(public.id)
    with pytest.raises(NotFound):  # not even the administrator reaches a private entry
        crm.address_book.delete(private.id)
    with pytest.raises(InvalidInput):
        rep.address_book.update(private.id, private=False)
    assert snapshot(crm) == before
    crm.address_book.update(public.id, notes="checked by admin")  # the administrator keeps the public book tidy
    rep.address_book.delete(private.id)
    assert rep.address_book.list(book="private").empty


@pytest.mark.parametrize("kwargs, field", [
    ({"name": ""}, "name"), ({"email": "nope"}, "email"), ({"phone": "call me"}, "phone"),
    ({"private": "yes"}, "private_entry"), ({"colour": "red"}, "colour"),
])
def test_bad_entries_change_nothing(crm, rep, kwargs, field):
    args = {"name": "Gao Jie", **kwargs}
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.address_book.add(args.pop("name"), **args)
    assert caught.value.field == field
    assert snapshot(crm) == before


# -- the notice board ------------------------------------------------------------------------
def test_announcement_to_everyone_read_and_unread(crm):
    director = crm.as_user("dong.li")
    notice = director.notices.post("Q2 kick-off", "Monday 9:00, room 301")
    for name in EVERYONE:
        viewer = crm.as_user(name)
        expected = 0 if name == "dong.li" else 1
        assert viewer.notices.unread_count() == expected and len(viewer.notices.board()) == expected
    rep = crm.as_user("li.ming")
    assert rep.notices.read(notice.id).title == "Q2 kick-off"
    assert rep.notices.unread_count() == 0 and rep.notices.board()["read"].tolist() == [True]
    assert crm.as_user("wang.fang").notices.unread_count() == 1  # read / unread is per user
    rep.notices.mark_unread(notice.id)
    assert rep.notices.board(unread_only=True)["id"].tolist() == [notice.id]
    sent = director.notices.sent()
    assert sent[["delivered", "read"]].values.tolist() == [[10, 0]]


def test_team_notices_reach_the_team_and_its_sub_teams(crm):
    supervisor = crm.as_user("zhang.wei")
    supervisor.notices.post("Team meeting", "Friday 16:00", team=2)
    receivers = [n for n in EVERYONE if crm.as_user(n).notices.unread_count()]
    assert receivers == ["li.ming", "wang.fang", "zhao.lei"]
    with pytest.raises(NotAllowed):  # West sales is not Zhang Wei's team
        supervisor.notices.post("Hello West", "…", team=4)
    with pytest.raises(NotAllowed):  # reps do not post to teams or to everyone
        crm.as_user("li.ming").notices.post("Party", "…", team=2)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").notices.post("Party", "…")
    crm.as_user("dong.li").notices.post("West target", "…", team=4)
    assert crm.as_user("liu.yang").notices.board()["title"].tolist() == ["West target"]


def test_private_notices_are_seen_by_author_and_recipient_only(crm):
    rep = crm.as_user("li.ming")
    notice = rep.notices.post("Cover for me", "I am at Star Tech on Tuesday", user="wang.fang")
    assert crm.as_user("wang.fang").notices.board()["title"].tolist() == ["Cover for me"]
    assert rep.notices.get(notice.id).body == "I am at Star Tech on Tuesday"
    for name in EVERYONE:
        if name in ("li.ming", "wang.fang"):
            continue
        with pytest.raises(NotFound):
            crm.as_user(name).notices.get(notice.id)
        assert crm.as_user(name).notices.board().empty
    trail = crm.audit.list(kind="notice").to_string()
    assert "Star Tech" not in trail and "Cover for me" not in trail
    with pytest.raises(NotFound):    # the administrator does not even see it
        crm.notices.withdraw(notice.id)
    with pytest.raises(NotAllowed):  # the recipient reads it but only its author withdraws it
        crm.as_user("wang.fang").notices.withdraw(notice.id)
    rep.notices.withdraw(notice.id)
    assert crm.as_user("wang.fang").notices.unread_count() == 0


def test_expired_notices_leave_the_board(crm):
    crm.as_user("dong.li").notices.post("Flash sale", "Until Friday", expires_on="2026-03-06")
    rep = crm.as_user("li.ming")
    assert rep.notices.unread_count() == 1
    crm.clock.set("2026-03-06")
    assert rep.notices.unread_count() == 0 and rep.notices.board().empty
    assert rep.notices.mark_all_read() == 0


@pytest.mark.parametrize("kwargs, error, field", [
    ({"title": ""}, InvalidInput, "notice_title"), ({"body": " "}, InvalidInput, "notice_body"),
    ({"user": "nobody"}, NotFound, None), ({"team": 99}, NotFound, None),
    ({"team": 2, "user": "li.ming"}, InvalidInput, "team"), ({"expires_on": "2026-03-02"}, InvalidInput, "notice_expires"),
])
def test_bad_notices_change_nothing(crm, kwargs, error, field):
    args = {"title": "Hello", "body": "World", **kwargs}
    before = snapshot(crm)
    with pytest.raises(error) as caught:
        crm.as_user("dong.li").notices.post(args.pop("title"), args.pop("body"), **args)
    assert caught.value.field == field
    assert snapshot(crm) == before


def test_mark_all_read(crm):
    director = crm.as_user("dong.li")
    for title in ("One", "Two", "Three"):
        director.notices.post(title, "…")
    rep = crm.as_user("li.ming")
    assert rep.notices.mark_all_read() == 3
    assert rep.notices.unread_count() == 0 and crm.as_user("wang.fang").notices.unread_count() == 3
    assert director.notices.sent()["read"].tolist() == [1, 1, 1]


def test_address_book_and_notice_pages_are_slices(crm, rep):
    for n in range(3):
        rep.address_book.add(f"Entry {n}", phone="021-5555 0100")
        rep.address_book.add(f"Mine {n}", private=True)
        crm.as_user("wang.fang").address_book.add(f"Hers {n}", private=True)
    assert len(assert_pages(rep.address_book.list, size=4)) == 6       # hers stay hers
    assert set(every_page(rep.address_book.list, size=2, book="private")["name"]) == {"Mine 0", "Mine 1", "Mine 2"}
    director = crm.as_user("dong.li")
    for n in range(3):
        director.notices.post(f"Notice {n}", "Same day: the id orders them")
    assert assert_pages(rep.notices.board, size=2)["title"].tolist() == ["Notice 2", "Notice 1", "Notice 0"]
    assert_pages(director.notices.sent, size=2)
    for verb in (rep.address_book.list, rep.notices.board, director.notices.sent):
        assert_bad_pages_refused(crm, verb)


def test_address_book_and_notices_are_searched_sorted_and_counted_in_the_engine(crm, rep):
    for name, company, private in (("Zhou Min", "Star Tech", False), ("An Li", None, False),
                                   ("Qian Bo", "Bright Future", True), ("Bai Xue", "Star Tech", True)):
        rep.address_book.add(name, company=company, private=private)
    crm.as_user("wang.fang").address_book.add("Star Ling", private=True)
    found = assert_search_sort_count(crm, rep.address_book.list, rep.address_book.count, term="star",
                                     columns=("name", "company", "phone", "mobile", "email"), sorts=("name", "company"))
    assert found["name"].tolist() == ["Bai Xue", "Zhou Min"]                   # yours first; never hers
    assert rep.address_book.count(book="private", search="star") == 1
    assert_search_stays_in_scope(rep.address_book.list, crm.as_user("wang.fang").address_book.list, term="star")
    director = crm.as_user("dong.li")
    for title, body in (("Office closed", "Friday"), ("New price list", "From Monday"), ("Fire drill", "Monday 10:00"),
                        ("Parking", "Use the 100% electric bays")):
        director.notices.post(title, body)
        crm.clock.advance(1)
    crm.as_user("zhang.wei").notices.post("East sales meeting", "Monday", team=2)
    columns = ("title", "body", "author_name")
    found = assert_search_sort_count(crm, rep.notices.board, rep.notices.board_count, term="monday", columns=columns,
                                     sorts=("posted_on", "title"))
    assert found["title"].tolist() == ["East sales meeting", "Fire drill", "New price list"]
    assert rep.notices.board(search="0%")["title"].tolist() == ["Parking"]
    rep.notices.read(int(found["id"][0]))
    assert_search_sort_count(crm, rep.notices.board, rep.notices.board_count, term="day", columns=columns,
                             sorts=("posted_on", "title"), unread_only=True)
    mine = assert_search_stays_in_scope(crm.as_user("liu.yang").notices.board, rep.notices.board, term="monday")
    assert mine["title"].tolist() == ["Fire drill", "New price list"]          # West sales: not East's meeting
