"""The churn scan's catch-up (`scan(since=…)`): for random order histories, thresholds and
windows, one scan over the days since the last scan leaves exactly the warnings and the state
history that a scan on every one of those days leaves — raised and cleared on the same days."""
import datetime as dt

import pandas as pd
import pytest
from hypothesis import example, given, settings, strategies as st

from crm_engine import InvalidInput
from tests.conftest import fresh_company
from tests.engine.helpers import refused_unchanged

START = dt.date(2026, 3, 2)  # the company's today
FIRST_NEW = 6                # fresh_company() has customers 1–5 without orders

histories = st.lists(st.tuples(
    st.integers(-500, 0),                               # the card's creation, in days from START
    st.lists(st.integers(-500, 0), max_size=3),         # orders before the window
    st.lists(st.integers(1, 45), max_size=4),           # orders inside it
    st.booleans()), min_size=1, max_size=6)             # every other order cancelled


def company(history, months):
    crm = fresh_company()
    crm.admin.set_setting("churn_threshold_months", months)
    rep = crm.as_user("li.ming")
    for k, (created, *_rest) in enumerate(history):
        customer = rep.customers.add(f"Customer {k}")
        with crm._s.db.transaction():  # set-up only: cards made long ago
            crm._s.db.execute("UPDATE customers SET created_on = ? WHERE id = ?",
                              [START + dt.timedelta(days=created), customer.id])
    _import(crm, history, lambda day: day <= 0)
    crm.churn.scan()  # the last scan before the window
    return crm


def _import(crm, history, when):
    rows = [(f"O{k}-{n}-{day}", str(FIRST_NEW + k), (START + dt.timedelta(days=day)).isoformat(),
             cancelled and n % 2 == 0)
            for k, (_created, before, inside, cancelled) in enumerate(history)
            for n, day in enumerate(before + inside) if when(day)]
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=["order_no", "customer", "order_date", "cancelled"])
    crm.imports.orders(frame.drop(columns="cancelled").assign(product="NB-14", quantity="1"))
    cancelled = frame.loc[frame["cancelled"], "order_no"].tolist()
    with crm._s.db.transaction():  # set-up only: another area owns order statuses
        crm._s.db.execute("UPDATE orders SET status = 'cancelled' WHERE order_no IN (SELECT unnest(?))", [cancelled])


def churn_tables(crm):
    db = crm._s.db
    return (db.rows("SELECT * FROM churn_warnings ORDER BY id"),
            db.rows("SELECT * FROM state_history WHERE kind = 'churn' ORDER BY ALL"),
            db.rows("SELECT id, status FROM customers ORDER BY id"))


@settings(max_examples=15, deadline=None)
@example(history=[(-400, [-10], [35, 40], False)], months=1, window=45, answer=False)  # raised, cleared, raised
@example(history=[(-400, [-200], [20], False), (-30, [], [], False)], months=1, window=30, answer=True)  # suspended
@given(history=histories, months=st.integers(1, 3), window=st.integers(1, 45), answer=st.booleans())
def test_a_catch_up_scan_equals_a_scan_on_every_day(history, months, window, answer):
    every_day, caught_up = company(history, months), company(history, months)
    for crm in (every_day, caught_up):  # a warning the owner answered before the clock moved
        warnings = crm.churn.list(state="open")
        if answer and len(warnings):
            crm.churn.suspend(int(warnings["id"].iloc[0]), "Called the buyer")
    raised = cleared = 0
    for day in range(1, window + 1):
        every_day.clock.set(START + dt.timedelta(days=day))
        _import(every_day, history, lambda d, day=day: d == day)
        result = every_day.churn.scan()
        raised, cleared = raised + result.raised, cleared + result.cleared
    caught_up.clock.set(START + dt.timedelta(days=window))
    _import(caught_up, history, lambda d: 0 < d <= window)
    result = caught_up.churn.scan(since=START + dt.timedelta(days=1))
    assert churn_tables(caught_up) == churn_tables(every_day)
    assert (result.raised, result.cleared, result.open) == (raised, cleared, len(every_day.churn.list(state="open")))


def test_warnings_are_dated_on_the_day_each_customer_crossed_the_line():
    history = [(-400, [-200], [30], False), (-400, [-170], [], False)]
    crm = company(history, months=6)
    crm.clock.set(START + dt.timedelta(days=60))
    _import(crm, history, lambda day: day > 0)
    result = crm.churn.scan(since=START + dt.timedelta(days=1))
    warnings = crm.churn.list(customer_id=FIRST_NEW).sort_values("id")
    # The first was due from the window's first day (already warned at the last scan) and its
    # order on day 30 cleared it; the second crossed the line on its own day.
    assert list(warnings["state"]) == ["cleared"]
    assert warnings["closed_on"].iloc[0].date() == START + dt.timedelta(days=30)
    second = crm.churn.list(customer_id=FIRST_NEW + 1)  # last order 2025-09-13: due once the cut-off passes it
    assert second["raised_on"].iloc[0].date() == dt.date(2026, 3, 14)
    assert (result.raised, result.cleared) == (1, 1)
    assert crm.audit.list(kind="churn", action="scan").iloc[-1]["after"].count('"since": "2026-03-03"') == 1


def test_a_catch_up_starts_after_the_last_scan_and_not_after_today():
    crm = company([(-400, [-200], [], False)], months=6)
    crm.clock.set(START + dt.timedelta(days=10))
    crm.churn.scan(since=START + dt.timedelta(days=5))   # days 5–10; the last scan was on day 0
    for since, key in ((START + dt.timedelta(days=7), "churn.since_scanned"),
                       (START + dt.timedelta(days=11), "churn.since_future"),
                       ("the fifth", "error.date_format")):
        refused = refused_unchanged(crm, lambda since=since: crm.churn.scan(since=since), InvalidInput)
        assert refused.key == key
    assert crm.churn.scan(since=START + dt.timedelta(days=10)).raised == 0  # today: a plain scan


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_refusal_names_the_first_day_allowed(language):
    crm = company([(-400, [-200], [], False)], months=6)
    crm.clock.set(START + dt.timedelta(days=10))
    with pytest.raises(InvalidInput) as refused:
        crm.churn.scan(since=START)  # the last scan was that day
    message = refused.value.message(language)
    assert "2026-03-03" in message and "{" not in message
