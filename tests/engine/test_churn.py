"""Churn warnings (C3, C4): the scan on the scenario clock, suspend and confirm, the rules
around them, and the benchmark in its quick form."""
import datetime as dt
import importlib.util
import pathlib

import pandas as pd
import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.customers.churn import CHURN, cutoff
from tests.engine.helpers import (assert_bad_pages_refused, assert_pages, assert_search_sort_count,
                                  assert_search_stays_in_scope, every_page, refused_unchanged, snapshot)

STAR, BRIGHT, HARBOUR, PUDONG, CHENGDU = 1, 2, 3, 4, 5


def order(crm, customer_id, on, status=None):
    placed = crm.orders.add(customer_id, [{"product": "NB-14", "quantity": 1}], order_date=on)
    if status:  # set-up only: another area owns order statuses
        with crm._s.db.transaction():
            crm._s.db.execute("UPDATE orders SET status = ? WHERE id = ?", [status, placed.id])
    return placed


def open_customers(crm):
    return set(crm.churn.list(state="open")["customer_id"])


def warning_of(crm, customer_id):
    return int(crm.churn.list(customer_id=customer_id).iloc[0]["id"])


def test_cutoff_is_the_same_day_months_back_clamped_to_month_end():
    assert cutoff(dt.date(2026, 3, 2), 6) == dt.date(2025, 9, 2)
    assert cutoff(dt.date(2026, 8, 31), 6) == dt.date(2026, 2, 28)
    assert cutoff(dt.date(2024, 8, 31), 6) == dt.date(2024, 2, 29)
    assert cutoff(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_more_than_six_months_without_an_order_raises_a_warning(crm):
    order(crm, STAR, "2025-09-01")      # one day past the line: due
    order(crm, BRIGHT, "2025-09-02")    # exactly six months: not yet
    order(crm, HARBOUR, "2025-01-10")
    order(crm, HARBOUR, "2026-02-01")   # the latest order counts
    result = crm.churn.scan()
    assert (result.raised, result.cleared, result.open) == (1, 0, 1)
    assert result.cutoff == dt.date(2025, 9, 2) and result.months == 6
    listed = crm.churn.list()
    assert listed["customer_id"].tolist() == [STAR]
    row = listed.iloc[0]
    assert row["state"] == "warning" and row["last_order_date"].date() == dt.date(2025, 9, 1)
    assert row["days_silent"] == (dt.date(2026, 3, 2) - dt.date(2025, 9, 1)).days
    assert row["raised_on"].date() == dt.date(2026, 3, 2)


def test_customers_who_never_ordered_are_measured_from_their_creation(crm):
    crm.clock.set("2026-09-02")         # exactly six months after the cards were created
    assert crm.churn.scan().raised == 0
    crm.clock.set("2026-09-03")
    assert crm.churn.scan().raised == 5
    never = crm.churn.list().iloc[0]
    assert pd.isna(never["last_order_date"]) and never["reference_date"].date() == dt.date(2026, 3, 2)


def test_cancelled_orders_do_not_count(crm):
    order(crm, STAR, "2025-05-01")
    order(crm, STAR, "2026-02-01", status="cancelled")
    crm.clock.advance(1)
    crm.churn.scan()
    assert open_customers(crm) == {STAR}


def test_scanning_twice_raises_nothing_new(crm):
    crm.clock.set("2026-10-01")
    first = crm.churn.scan()
    warnings = crm._s.db.rows("SELECT * FROM churn_warnings ORDER BY id")
    history = crm._s.db.rows("SELECT * FROM state_history WHERE kind = 'churn'")
    second = crm.churn.scan()
    assert first.raised == 5 and (second.raised, second.cleared, second.open) == (0, 0, 5)
    assert crm._s.db.rows("SELECT * FROM churn_warnings ORDER BY id") == warnings
    assert crm._s.db.rows("SELECT * FROM state_history WHERE kind = 'churn'") == history
    assert len(crm.audit.list(kind="churn", action="scan")) == 2


def test_an_order_clears_the_open_warning_at_once(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    rep = crm.as_user("li.ming")
    warning = warning_of(crm, STAR)
    rep.churn.suspend(warning, "Called the buyer")
    rep.orders.add(STAR, [{"product": "NB-14", "quantity": 2}])
    cleared = crm.churn.get(warning)
    assert cleared.state == "cleared" and cleared.closed_on == dt.date(2026, 10, 1)
    assert crm.churn.history(warning)["action"].tolist() == ["raise", "suspend", "clear"]
    assert STAR not in open_customers(crm)
    assert crm.churn.scan().raised == 0  # and the scan agrees


def test_a_backdated_order_that_is_still_old_clears_nothing(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    crm.orders.add(STAR, [{"product": "NB-14", "quantity": 1}], order_date="2026-03-15")
    assert crm.churn.get(warning_of(crm, STAR)).state == "warning"


def test_imported_orders_are_caught_by_the_next_scan(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    lines = pd.DataFrame({"order_no": ["IMP-1"], "customer": [str(HARBOUR)], "order_date": ["2026-09-30"],
                          "product": ["NB-14"], "quantity": ["1"]})
    assert crm.imports.orders(lines).imported == 1
    assert HARBOUR in open_customers(crm)  # imports bypass the order hook …
    result = crm.churn.scan()              # … the scan clears it
    assert (result.raised, result.cleared) == (0, 1)
    assert HARBOUR not in open_customers(crm)


def test_a_deleted_customers_warning_goes_with_its_card(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    assert CHENGDU in open_customers(crm)
    crm.as_user("liu.yang").customers.delete(CHENGDU)  # no orders: a mistaken entry, deleted whole
    assert crm._s.db.scalar("SELECT count(*) FROM churn_warnings WHERE customer_id = ?", [CHENGDU]) == 0
    assert crm.churn.scan().raised == 0


def test_the_threshold_is_a_setting(crm):
    order(crm, STAR, "2025-12-01")
    crm.churn.scan()
    assert open_customers(crm) == set()
    crm.admin.set_setting("churn_threshold_months", 3)
    assert crm.churn.due_date() == dt.date(2025, 12, 2)
    crm.churn.scan()
    assert open_customers(crm) == {STAR}
    crm.admin.set_setting("churn_threshold_months", 6)  # the rule changed back: no longer due
    assert crm.churn.scan().cleared == 1


def test_bad_thresholds_are_refused(crm, subtests):
    before = snapshot(crm)
    for value in (0, 61, "six", 2.5, None, True):
        with subtests.test(value=value):
            with pytest.raises(InvalidInput) as caught:
                crm.admin.set_setting("churn_threshold_months", value)
            assert caught.value.field == "churn_threshold_months"
            assert caught.value.message("zh_CN") != caught.value.message("en")
            assert snapshot(crm) == before


def test_suspend_several_times_then_confirm_marks_the_customer_lost(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    rep = crm.as_user("li.ming")
    warning = warning_of(crm, STAR)
    assert rep.churn.suspend(warning, "Visited; offered a 5% loyalty discount").state == "suspended"
    crm.clock.advance(14)
    after = rep.churn.suspend(warning, "Sent samples of the new model")
    assert after.state == "suspended" and after.suspensions == 2
    assert rep.churn.measures(warning)["measures"].tolist() == [
        "Visited; offered a 5% loyalty discount", "Sent samples of the new model"]
    done = rep.churn.confirm(warning, "competitor", note="Signed with a rival in October")
    assert (done.state, done.reason, done.reason_note) == ("churned", "competitor", "Signed with a rival in October")
    assert rep.customers.get(STAR).status == "lost"
    assert crm.churn.history(warning)["to_state"].tolist() == ["warning", "suspended", "suspended", "churned"]
    assert crm.audit.list(kind="churn", record_id=warning)["action"].tolist() == ["suspend", "suspend", "confirm"]
    crm.churn.scan()
    assert STAR not in open_customers(crm)  # a lost customer is not warned again


def test_a_lost_customer_who_orders_again_is_won_back(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    rep = crm.as_user("li.ming")
    warning = warning_of(crm, STAR)
    rep.churn.suspend(warning, "Called")
    rep.churn.confirm(warning, "price")
    crm.clock.advance(30)
    rep.orders.add(STAR, [{"product": "NB-14", "quantity": 1}])
    assert rep.customers.get(STAR).status == "active"
    assert rep.churn.get(warning).state == "churned"  # the confirmed churn stays in the record (R4)


def test_the_owners_supervisor_may_answer_but_another_team_may_not(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    warning = warning_of(crm, PUDONG)  # Zhao Lei, Shanghai, under East sales
    assert crm.as_user("zhang.wei").churn.suspend(warning, "Supervisor called the CEO").state == "suspended"
    with pytest.raises(NotFound):
        crm.as_user("chen.hua").churn.suspend(warning, "Not my team")
    assert set(crm.as_user("chen.hua").churn.list()["customer_id"]) == {CHENGDU}


def test_scan_counts_only_what_the_caller_may_see(crm):
    crm.clock.set("2026-10-01")
    result = crm.as_user("li.ming").churn.scan()
    assert (result.raised, result.open) == (2, 2)
    assert len(crm.churn.list(state="open")) == 5  # but the rule ran for everyone
    assert crm.audit.list(kind="churn", action="scan").iloc[-1]["after"].count('"raised": 5') == 1


# -- every allowed and forbidden move ---------------------------------------------------
TABLE = {("warning", "suspend"): "suspended", ("suspended", "suspend"): "suspended",
         ("suspended", "confirm"): "churned", ("warning", "clear"): "cleared", ("suspended", "clear"): "cleared"}


def test_the_transition_table_is_the_documented_one():
    assert CHURN.transitions == TABLE
    for state in ("warning", "suspended", "churned", "cleared"):
        for verb in ("suspend", "confirm", "clear"):
            if (state, verb) in TABLE:
                assert CHURN.check(1, state, verb) == TABLE[state, verb]
            else:
                with pytest.raises(TransitionNotAllowed):
                    CHURN.check(1, state, verb)


def _warning_in(crm, state, customer_id=STAR, scan=True):
    if scan:
        crm.clock.set("2026-10-01")
        crm.churn.scan()
    rep = crm.as_user("li.ming")
    warning = warning_of(crm, customer_id)
    if state in ("suspended", "churned"):
        rep.churn.suspend(warning, "Called")
    if state == "churned":
        rep.churn.confirm(warning, "price")
    if state == "cleared":
        rep.orders.add(customer_id, [{"product": "NB-14", "quantity": 1}])
    assert rep.churn.get(warning).state == state
    return rep, warning


def test_each_verb_in_each_state_through_the_engine(crm, subtests):
    """One customer per pair: allowed pairs move as the table says, the others are refused
    with a translated message and change nothing."""
    rep = crm.as_user("li.ming")
    pairs = [(state, verb) for state in ("warning", "suspended", "churned", "cleared")
             for verb in ("suspend", "confirm")]
    customers = [rep.customers.add(f"Customer {n}").id for n in range(len(pairs))]
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    for (state, verb), customer_id in zip(pairs, customers):
        with subtests.test(state=state, verb=verb):
            rep, warning = _warning_in(crm, state, customer_id, scan=False)
            act = {"suspend": lambda: rep.churn.suspend(warning, "More measures"),
                   "confirm": lambda: rep.churn.confirm(warning, "price")}[verb]
            if (state, verb) in TABLE:
                assert act().state == TABLE[state, verb]
            else:
                refused_unchanged(crm, act)


# -- bad input: a clear message, nothing changed ----------------------------------------
def test_confirming_without_suspending_is_refused(crm):
    rep, warning = _warning_in(crm, "warning")
    before = snapshot(crm)
    with pytest.raises(TransitionNotAllowed, match="suspend") as caught:
        rep.churn.confirm(warning, "price")
    assert "暂缓" in caught.value.message("zh_CN")
    assert snapshot(crm) == before
    assert rep.customers.get(STAR).status == "active"


def test_suspending_without_measures_is_refused(crm, subtests):
    rep, warning = _warning_in(crm, "warning")
    before = snapshot(crm)
    for measures in ("", "   ", None, 42, "x" * 2001):
        with subtests.test(measures=str(measures)[:10]):
            with pytest.raises(InvalidInput) as caught:
                rep.churn.suspend(warning, measures)
            assert caught.value.field == "measures"
            assert caught.value.message("zh_CN") != caught.value.message("en")
            assert snapshot(crm) == before


def test_confirming_needs_a_reason_from_the_dictionary(crm, subtests):
    rep, warning = _warning_in(crm, "suspended")
    before = snapshot(crm)
    for reason in ("bored", "", None):
        with subtests.test(reason=reason):
            with pytest.raises(InvalidInput) as caught:
                rep.churn.confirm(warning, reason)
            assert caught.value.field == "churn_reason"
            assert snapshot(crm) == before


def test_someone_elses_customer(crm):
    rep, warning = _warning_in(crm, "suspended")
    other = crm.as_user("wang.fang")
    before = snapshot(crm)
    with pytest.raises(NotFound):        # private policy: not even visible
        other.churn.confirm(warning, "price")
    with pytest.raises(NotFound):
        other.churn.get(warning)
    crm.admin.apply_preset("open")
    before = snapshot(crm)
    with pytest.raises(NotAllowed, match="Li Ming") as caught:  # open policy: visible, not writable
        other.churn.suspend(warning, "Not mine")
    assert "Li Ming" in caught.value.message("zh_CN")
    assert snapshot(crm) == before
    for who in ("sun.li", "ma.lan", "cai.wu"):  # read-only roles
        with pytest.raises(NotAllowed):
            crm.as_user(who).churn.suspend(warning, "Not allowed")
    assert snapshot(crm) == before


def test_unknown_warning_ids(crm):
    with pytest.raises(NotFound):
        crm.churn.suspend(999, "x")
    for bad in (0, -1, "abc"):
        with pytest.raises(InvalidInput) as caught:
            crm.churn.suspend(bad, "x")
        assert caught.value.field == "churn_warning"


def test_list_filters_and_bad_state(crm):
    crm.clock.set("2026-10-01")
    crm.churn.scan()
    assert len(crm.churn.list(owner="li.ming")) == 2
    assert len(crm.churn.list(state="warning")) == 5 and crm.churn.list(state="churned").empty
    with pytest.raises(InvalidInput) as caught:
        crm.churn.list(state="angry")
    assert caught.value.field == "warning_state"
    assert crm.churn.label("suspended") == "suspended"
    crm.set_language("zh_CN")
    assert crm.churn.label("suspended") == "暂缓流失"


def test_the_benchmark_runs_quickly_and_agrees():
    path = pathlib.Path(__file__).parents[2] / "bench" / "bench_care.py"
    spec = importlib.util.spec_from_file_location("bench_care", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(["--quick", "--repeat", "1"])
    assert result["due"] > 0 and result["engine_s"] > 0 and result["vs_sql"] > 0


def test_warning_pages_are_slices_and_stay_in_scope(crm):
    crm.clock.set("2026-10-01")                                      # nobody ordered: every customer is silent
    crm.churn.scan()
    assert len(assert_pages(crm.churn.list, size=2)) == 5
    assert_pages(crm.churn.list, state="open", size=3)
    mine = every_page(crm.as_user("li.ming").churn.list, size=1)
    assert len(mine) == 2 and set(mine["owner_name"]) == {"Li Ming"}
    assert_bad_pages_refused(crm, crm.churn.list, state="open")


def test_warnings_are_searched_sorted_and_counted_in_the_engine(crm):
    rep = crm.as_user("li.ming")
    crm.clock.advance(30)
    rep.customers.add("100% Cotton")                                # silent a month less than the others
    crm.as_user("wang.fang").customers.add("Under_score Ltd")
    crm.clock.set("2026-11-01")
    crm.churn.scan()
    columns, sorts = ("customer_name", "owner_name"), ("days_silent", "customer_name", "raised_on")
    found = assert_search_sort_count(crm, crm.churn.list, crm.churn.count, term="li", columns=columns, sorts=sorts)
    assert set(found["customer_name"]) == {"Star Tech", "Bright Future Trading", "Chengdu Foods", "100% Cotton"}
    assert_search_sort_count(crm, crm.churn.list, crm.churn.count, term="co", columns=columns, sorts=sorts,
                             owner="li.ming")
    assert crm.churn.list(search="0%")["customer_name"].tolist() == ["100% Cotton"]     # % and _ are taken literally
    assert crm.churn.list(search="r_s")["customer_name"].tolist() == ["Under_score Ltd"]
    assert crm.churn.count(search="  ") == crm.churn.count() == 7
    mine = assert_search_stays_in_scope(rep.churn.list, crm.churn.list, term="o")
    assert mine["customer_name"].tolist() == ["100% Cotton"] and rep.churn.count(search="o") == 1
