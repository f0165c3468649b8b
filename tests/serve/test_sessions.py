"""Login sessions and the login throttle (crm_engine/serve/sessions.py), with a hand-moved clock."""
from __future__ import annotations

from crm_engine.serve.sessions import Sessions, Throttle


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_session_names_its_user_until_it_idles_out():
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=3600, now=clock)
    token = sessions.open("li.ming")
    assert sessions.user(token) == "li.ming"
    clock.now += 59
    assert sessions.user(token) == "li.ming"     # used: the idle time starts again
    clock.now += 59
    assert sessions.user(token) == "li.ming"
    clock.now += 61
    assert sessions.user(token) is None
    assert sessions.user(token) is None          # and it stays ended


def test_a_session_ends_after_its_lifetime_however_busy():
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=300, now=clock)
    token = sessions.open("li.ming")
    for _ in range(5):
        clock.now += 50
        assert sessions.user(token) == "li.ming"
    clock.now += 51
    assert sessions.user(token) is None


def test_tokens_are_new_every_login_and_unguessable():
    sessions = Sessions()
    tokens = {sessions.open("li.ming") for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) >= 43 for t in tokens)   # 32 random bytes, url-safe
    assert sessions.user("") is None and sessions.user(None) is None and sessions.user("guess") is None


def test_logout_and_closing_a_users_sessions():
    sessions = Sessions()
    a, b, c = sessions.open("li.ming"), sessions.open("li.ming"), sessions.open("wang.fang")
    sessions.close(a)
    assert sessions.user(a) is None and sessions.user(b) == "li.ming"
    sessions.close_user("li.ming")
    assert sessions.user(b) is None and sessions.user(c) == "wang.fang"


def test_ended_sessions_are_pruned_as_new_ones_open():
    clock = Clock()
    sessions = Sessions(idle=10, lifetime=100, now=clock)
    for _ in range(20):
        sessions.open("li.ming")
    clock.now += 11
    sessions.open("wang.fang")
    assert sessions.count() == 1


def test_the_throttle_locks_a_key_after_too_many_failures_in_the_window():
    clock = Clock()
    throttle = Throttle(attempts=3, window=60, lockout=120, now=clock)
    key = ("name", "li.ming")
    throttle.failed(key), throttle.failed(key)
    assert throttle.wait(key) == 0
    throttle.failed(key)
    assert throttle.wait(key) == 120
    clock.now += 100
    assert 19 < throttle.wait(key) <= 20
    clock.now += 21
    assert throttle.wait(key) == 0
    assert throttle.wait(("name", "wang.fang")) == 0    # other keys never were


def test_failures_outside_the_window_do_not_add_up():
    clock = Clock()
    throttle = Throttle(attempts=3, window=60, lockout=120, now=clock)
    for _ in range(10):
        throttle.failed("k")
        clock.now += 31          # never three within a minute
        assert throttle.wait("k") == 0


def test_a_success_clears_the_count():
    throttle = Throttle(attempts=3, window=60, lockout=120, now=Clock())
    throttle.failed("k"), throttle.failed("k")
    throttle.succeeded("k")
    throttle.failed("k"), throttle.failed("k")
    assert throttle.wait("k") == 0


def test_revalidate_ends_the_sessions_whose_stamp_changed():
    sessions = Sessions()
    kept, changed, gone = sessions.open("li.ming", "a"), sessions.open("wang.fang", "b"), sessions.open("zhao.lei", "c")
    also_kept = sessions.open("li.ming", "a")
    now = {"li.ming": "a", "wang.fang": "B", "zhao.lei": None}
    assert sessions.revalidate(now.get) == {"wang.fang", "zhao.lei"}
    assert sessions.user(kept) == sessions.user(also_kept) == "li.ming"
    assert sessions.user(changed) is None and sessions.user(gone) is None
