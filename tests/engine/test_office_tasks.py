"""Work schedule (F1): tasks by day, week and month on the scenario clock, assigned by supervisors."""
import datetime as dt

import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.office.tasks import TASK
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, snapshot)


@pytest.fixture
def rep(crm):
    return crm.as_user("li.ming")


def test_my_schedule_by_day_week_and_month(crm, rep):
    # The scenario clock says Monday 2026-03-02.
    rep.tasks.add("Call Star Tech", at_time="10:00")
    rep.tasks.add("Prepare quote", at_time="08:30")
    rep.tasks.add("Team lunch")                                    # all day
    rep.tasks.add("Visit Pudong", on_date="2026-03-08")            # Sunday: same week
    rep.tasks.add("Quarterly review", on_date="2026-03-31")        # same month, later week
    rep.tasks.add("April planning", on_date="2026-04-01")
    assert rep.tasks.day()["title"].tolist() == ["Team lunch", "Prepare quote", "Call Star Tech"]
    assert rep.tasks.week()["title"].tolist() == ["Team lunch", "Prepare quote", "Call Star Tech", "Visit Pudong"]
    assert len(rep.tasks.month()) == 5
    assert rep.tasks.month("2026-04-15")["title"].tolist() == ["April planning"]
    # a week may straddle two months
    assert rep.tasks.week("2026-03-31")["title"].tolist() == ["Quarterly review", "April planning"]
    assert crm.as_user("wang.fang").tasks.day().empty  # everyone has their own schedule


def test_complete_cancel_reopen_and_overdue(crm, rep):
    call = rep.tasks.add("Call Star Tech")
    visit = rep.tasks.add("Visit Harbour", on_date="2026-03-03")
    crm.clock.set("2026-03-05")
    assert rep.tasks.overdue()["title"].tolist() == ["Call Star Tech", "Visit Harbour"]
    done = rep.tasks.complete(call.id, result="They will order in April")
    assert (done.status, done.completed_on) == ("done", dt.date(2026, 3, 5))
    assert rep.tasks.cancel(visit.id, reason="Customer away").status == "cancelled"
    assert rep.tasks.overdue().empty
    assert rep.tasks.reopen(call.id).status == "open"
    moved = rep.tasks.reschedule(call.id, "2026-03-09", at_time="14:00")
    assert (moved.on_date, moved.at_time) == (dt.date(2026, 3, 9), "14:00")
    with pytest.raises(NotAllowed):
        rep.tasks.reschedule(visit.id, "2026-03-09")


@pytest.mark.parametrize("state, verb", [(s, v) for s in TASK.states for v in TASK.actions])
def test_every_move_from_every_state(crm, rep, state, verb):
    task = rep.tasks.add("Something")
    if state in ("done", "cancelled"):
        (rep.tasks.complete if state == "done" else rep.tasks.cancel)(task.id)
    act = getattr(rep.tasks, verb)
    if (state, verb) in TASK.transitions:
        assert act(task.id).status == TASK.transitions[(state, verb)]
    else:
        before = snapshot(crm)
        with pytest.raises(TransitionNotAllowed):
            act(task.id)
        assert snapshot(crm) == before


def test_a_supervisor_assigns_to_the_team_and_sees_its_schedule(crm, rep):
    supervisor = crm.as_user("zhang.wei")
    star = int(rep.customers.list()["id"][0])
    task = supervisor.tasks.add("Visit Star Tech", assignee="li.ming", customer_id=star, priority="high",
                                on_date="2026-03-04")
    assert (task.owner_id, task.assigned_by) == (rep.user.id, supervisor.user.id)
    assert supervisor.tasks.add("For Zhao", assignee="zhao.lei").owner_id == crm.as_user("zhao.lei").user.id
    assert rep.tasks.week()["title"].tolist() == ["Visit Star Tech"]
    assert supervisor.tasks.week(user="li.ming")["assigned_by"].tolist() == ["Zhang Wei"]
    assert len(supervisor.tasks.week(team=True)) == 2
    assert supervisor.tasks.day().empty  # their own day is free
    assert rep.tasks.complete(task.id).status == "done"
    assert supervisor.tasks.reopen(task.id).status == "open"  # the supervisor may act on it too
    before = snapshot(crm)
    with pytest.raises(NotAllowed):                         # another team
        supervisor.tasks.add("Help West", assignee="liu.yang")
    with pytest.raises(NotAllowed):                         # reps do not assign
        rep.tasks.add("Do my work", assignee="wang.fang")
    with pytest.raises(NotAllowed):                         # nor read others' schedules
        rep.tasks.week(user="wang.fang")
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").tasks.complete(task.id)
    with pytest.raises(NotFound):
        supervisor.tasks.add("Ghost", assignee="nobody")
    assert snapshot(crm) == before
    assert crm.as_user("chen.hua").tasks.list(team=True).empty


@pytest.mark.parametrize("kwargs, field", [
    ({"title": ""}, "task_title"), ({"on_date": "03/05/2026"}, "task_date"), ({"at_time": "25:00"}, "task_time"),
    ({"at_time": "9am"}, "task_time"), ({"priority": "someday"}, "task_priority"), ({"customer_id": -1}, "customer"),
])
def test_bad_tasks_are_refused_and_change_nothing(crm, rep, kwargs, field):
    args = {"title": "Call", **kwargs}
    before = snapshot(crm)
    with pytest.raises(InvalidInput) as caught:
        rep.tasks.add(args.pop("title"), **args)
    assert caught.value.field == field
    assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(crm) == before


def test_tasks_on_a_customer_move_at_handover(crm, rep):
    star = int(rep.customers.list()["id"][0])
    on_customer = rep.tasks.add("Follow up", customer_id=star)
    personal = rep.tasks.add("Dentist")
    crm.as_user("zhang.wei").customers.handover("li.ming", "wang.fang")
    assert crm.tasks.get(on_customer.id).owner_id == crm.as_user("wang.fang").user.id
    assert crm.tasks.get(personal.id).owner_id == rep.user.id


# -- paging ------------------------------------------------------------------------------------------
def test_task_pages_are_slices_of_the_schedule_and_stay_in_scope(crm, rep):
    for on_date, at_time in (("2026-03-02", "10:00"), ("2026-03-02", None), ("2026-03-02", "10:00"),
                             ("2026-03-03", "09:00"), ("2026-03-04", None), ("2026-03-06", "16:00")):
        rep.tasks.add("Call a customer", on_date=on_date, at_time=at_time)
    supervisor = crm.as_user("zhang.wei")
    for assignee in ("wang.fang", "zhao.lei"):
        supervisor.tasks.add("Visit", assignee=assignee, on_date="2026-03-03")
    crm.as_user("liu.yang").tasks.add("Far west", on_date="2026-03-03")
    mine = assert_pages(rep.tasks.list, size=4)
    assert len(mine) == 6 and set(mine["owner_name"]) == {"Li Ming"}
    team = assert_pages(supervisor.tasks.list, team=True, size=3)
    assert set(team["owner_name"]) == {"Li Ming", "Wang Fang", "Zhao Lei"}  # East sales and Shanghai, not West
    assert every_page(supervisor.tasks.list, team=True, size=2).equals(team)
    crm.clock.set("2026-03-05")
    overdue = assert_pages(rep.tasks.overdue, size=2)
    assert len(overdue) == 5 and overdue["overdue"].all()
    assert len(every_page(supervisor.tasks.overdue, team=True, size=2)) == 7
    assert_bad_pages_refused(crm, rep.tasks.list)
    assert_bad_pages_refused(crm, supervisor.tasks.overdue, team=True)


def test_tasks_are_searched_sorted_and_counted_in_the_engine(crm, rep):
    for title, on_date, at_time, customer in (
            ("Call Star Tech", "2026-03-02", "10:00", 1), ("Write report", "2026-03-02", None, None),
            ("Visit Bright", "2026-03-03", "09:00", 2), ("Plan", "2026-03-04", None, None),
            ("Call back", "2026-03-02", "08:30", None)):
        rep.tasks.add(title, on_date=on_date, at_time=at_time, customer_id=customer)
    supervisor = crm.as_user("zhang.wei")
    supervisor.tasks.add("Call the bank", assignee="wang.fang", on_date="2026-03-03", at_time="11:00")
    supervisor.tasks.add("Visit", assignee="zhao.lei", on_date="2026-03-02")
    crm.as_user("liu.yang").tasks.add("Call far west", on_date="2026-03-03")
    rep.tasks.complete(rep.tasks.list(search="plan")["id"][0], result="Done")

    def listed(**kw):       # `timed`: by date, the tasks without a time come first
        return supervisor.tasks.list(**kw).assign(timed=lambda f: f["at_time"].notna())

    sorts = {"on_date": ["on_date", "timed", "at_time"], "status": ["status"], "owner_name": ["owner_name"]}
    found = assert_search_sort_count(crm, listed, supervisor.tasks.count, term="call", team=True,
                                     columns=("title", "customer_name", "owner_name"), sorts=sorts)
    assert found["title"].tolist() == ["Call back", "Call Star Tech", "Call the bank"]   # not the far west
    assert supervisor.tasks.list(team=True, search="star")["title"].tolist() == ["Call Star Tech"]
    assert_search_sort_count(crm, listed, supervisor.tasks.count, term="a", team=True, since="2026-03-02",
                             until="2026-03-03", columns=("title", "customer_name", "owner_name"), sorts=sorts)
    mine = assert_search_stays_in_scope(rep.tasks.list, supervisor.tasks.list, term="call", team=True)
    assert set(mine["owner_name"]) == {"Li Ming"}


def test_the_span_of_a_day_a_week_and_a_month(crm, rep):
    assert rep.tasks.span("day", "2026-03-04") == (dt.date(2026, 3, 4),) * 2
    assert rep.tasks.span("week", "2026-03-04") == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert rep.tasks.span("month", "2024-02-10") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert rep.tasks.span() == rep.tasks.span("week", "2026-03-02")
    with pytest.raises(InvalidInput) as refused:
        rep.tasks.span("year")
    assert refused.value.field == "period"
