"""Classification and grading (C5): ABC by contribution, credit per grade, tags, segments."""
import datetime as dt

import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound
from tests.engine.helpers import assert_search_sort_count, assert_search_stays_in_scope, snapshot

STAR, BRIGHT, HARBOUR, PUDONG, CHENGDU = 1, 2, 3, 4, 5


def revenue(crm, amounts, on="2026-02-01"):
    """One order per customer for the given amounts (product NB-14 at a chosen unit price)."""
    for customer_id, amount in amounts.items():
        crm.orders.add(customer_id, [{"product": "NB-14", "quantity": 1, "unit_price": amount}], order_date=on)


@pytest.fixture
def graded(crm):
    # 1000 in all: 500, 300, 100, 60, 40
    revenue(crm, {STAR: 500, BRIGHT: 300, HARBOUR: 100, PUDONG: 60, CHENGDU: 40})
    return crm


def test_abc_by_cumulative_share_with_the_documented_boundary(graded):
    frame = graded.classification.abc().set_index("customer_id")
    # above-ranked share: 0 → A, .5 → A, .8 → B (not below .8), .9 → B, .96 → C
    assert frame["abc"].to_dict() == {STAR: "A", BRIGHT: "A", HARBOUR: "B", PUDONG: "B", CHENGDU: "C"}
    assert frame["rank"].to_dict() == {STAR: 1, BRIGHT: 2, HARBOUR: 3, PUDONG: 4, CHENGDU: 5}
    assert frame.loc[HARBOUR, "share"] == pytest.approx(0.1)
    assert frame.loc[HARBOUR, "cumulative_share"] == pytest.approx(0.9)
    assert float(frame.loc[STAR, "revenue"]) == 500


def test_cutoffs_are_a_setting(graded):
    graded.admin.set_setting("abc_cutoffs", [0.5, 0.9])
    abc = graded.classification.abc().set_index("customer_id")["abc"].to_dict()
    assert abc == {STAR: "A", BRIGHT: "B", HARBOUR: "B", PUDONG: "C", CHENGDU: "C"}


def test_a_single_dominant_customer_is_A_and_no_revenue_is_C(crm):
    revenue(crm, {STAR: 9000, BRIGHT: 1000})
    abc = crm.classification.abc().set_index("customer_id")["abc"].to_dict()
    assert abc == {STAR: "A", BRIGHT: "B", HARBOUR: "C", PUDONG: "C", CHENGDU: "C"}


def test_nobody_bought_anything_means_everyone_is_C(crm):
    frame = crm.classification.abc()
    assert set(frame["abc"]) == {"C"} and (frame["share"] == 0).all()


def test_the_period_and_cancelled_orders(crm):
    revenue(crm, {STAR: 100, BRIGHT: 50}, on="2026-02-01")
    revenue(crm, {HARBOUR: 10_000}, on="2025-02-01")  # outside the default 12 months
    revenue(crm, {PUDONG: 20_000}, on="2026-01-05")
    with crm._s.db.transaction():  # set-up: another area owns order statuses
        crm._s.db.execute("UPDATE orders SET status = 'cancelled' WHERE customer_id = ?", [PUDONG])
    frame = crm.classification.abc().set_index("customer_id")
    assert float(frame.loc[HARBOUR, "revenue"]) == 0 and float(frame.loc[PUDONG, "revenue"]) == 0
    assert frame.loc[STAR, "abc"] == "A"
    older = crm.classification.abc(since="2025-01-01", until="2025-12-31").set_index("customer_id")
    assert older["abc"].to_dict()[HARBOUR] == "A" and float(older.loc[STAR, "revenue"]) == 0


def test_grade_stores_grades_and_applies_the_credit_policy(graded):
    director = graded.as_user("dong.li")
    result = director.classification.grade()
    assert result.counts == {"A": 2, "B": 2, "C": 1} and result.graded == 5 and result.credit_applied
    assert (result.period_start, result.period_end) == (dt.date(2025, 3, 3), dt.date(2026, 3, 2))
    star, chengdu = graded.customers.get(STAR), graded.customers.get(CHENGDU)
    assert (star.credit, float(star.credit_limit)) == (5, 1_000_000)
    assert (chengdu.credit, float(chengdu.credit_limit)) == (3, 50_000)
    stored = graded.classification.grades()
    assert stored["abc"].tolist() == ["A", "A", "B", "B", "C"]
    assert graded.audit.list(kind="customer", action="grade")["username"].tolist() == ["dong.li"]


def test_grade_without_credit_and_with_a_new_policy(graded):
    graded.as_user("li.ming").customers.update(STAR, credit=2, credit_limit=1000)
    graded.classification.grade(apply_credit=False)
    assert graded.customers.get(STAR).credit == 2
    policy = {"A": {"credit": 4, "credit_limit": 750000}, "B": {"credit": 3, "credit_limit": 100000},
              "C": {"credit": 1, "credit_limit": 0}}
    graded.admin.set_setting("credit_policy", policy)
    assert graded.classification.credit_policy()["credit"].tolist() == [4, 3, 1]
    graded.as_user("cai.wu").classification.grade()
    assert graded.customers.get(STAR).credit == 4 and graded.customers.get(CHENGDU).credit == 1


def test_only_directors_finance_and_the_administrator_grade(graded):
    before = snapshot(graded)
    for who in ("li.ming", "zhang.wei", "sun.li", "ma.lan"):
        with pytest.raises(NotAllowed) as caught:
            graded.as_user(who).classification.grade()
        assert caught.value.message("zh_CN") != caught.value.message("en")
    assert snapshot(graded) == before


def test_a_rep_sees_company_wide_grades_of_their_own_customers(graded):
    graded.classification.grade()
    rep = graded.as_user("wang.fang")
    preview = rep.classification.abc()
    assert preview["customer_id"].tolist() == [HARBOUR] and preview["rank"].tolist() == [3]
    assert rep.classification.grades()["abc"].tolist() == ["B"]
    assert rep.classification.grades(abc="A").empty


def test_bad_grading_settings_are_refused(crm, subtests):
    before = snapshot(crm)
    for key, value in (
            ("abc_cutoffs", [0.95, 0.8]), ("abc_cutoffs", [0, 0.5]), ("abc_cutoffs", [0.5]), ("abc_cutoffs", "0.8"),
            ("abc_cutoffs", [0.5, 1.2]), ("abc_cutoffs", [True, 0.9]), ("abc_cutoffs", ["a", "b"]),
            ("abc_cutoffs", [float("nan"), 0.9]), ("abc_period_months", 0), ("abc_period_months", "year"),
            ("credit_policy", {"A": {"credit": 5, "credit_limit": 1}}),
            ("credit_policy", {g: {"credit": 6, "credit_limit": 1} for g in "ABC"}),
            ("credit_policy", {g: {"credit": 3, "credit_limit": -1} for g in "ABC"}),
            ("credit_policy", {g: {"credit": 3} for g in "ABC"})):
        with subtests.test(key=key, value=str(value)[:30]):
            with pytest.raises(InvalidInput) as caught:
                crm.admin.set_setting(key, value)
            assert caught.value.message("zh_CN") != caught.value.message("en")
            assert snapshot(crm) == before


def test_a_period_that_ends_before_it_starts(crm):
    with pytest.raises(InvalidInput) as caught:
        crm.classification.abc(since="2026-02-01", until="2026-01-01")
    assert caught.value.field == "since"


# -- tags -------------------------------------------------------------------------------
def test_tags_on_own_customers(crm):
    rep = crm.as_user("li.ming")
    assert rep.classification.tag(STAR, "VIP", "price-sensitive", "VIP") == ["VIP", "price-sensitive"]
    assert rep.classification.tag(STAR, "VIP") == ["VIP", "price-sensitive"]  # already there
    rep.classification.tag(BRIGHT, "VIP")
    crm.as_user("wang.fang").classification.tag(HARBOUR, "VIP")
    assert rep.classification.tags().set_index("tag")["customers"].to_dict() == {"VIP": 2, "price-sensitive": 1}
    assert rep.classification.untag(STAR, "VIP") == ["price-sensitive"]
    assert rep.classification.tags(STAR) == ["price-sensitive"]


def test_bad_tags_change_nothing(crm):
    rep = crm.as_user("li.ming")
    rep.classification.tag(STAR, "VIP")
    before = snapshot(crm)
    with pytest.raises(InvalidInput):
        rep.classification.tag(STAR)
    with pytest.raises(InvalidInput):
        rep.classification.tag(STAR, "  ")
    with pytest.raises(InvalidInput):
        rep.classification.tag(STAR, "x" * 41)
    with pytest.raises(NotFound):
        rep.classification.untag(STAR, "gold")
    with pytest.raises(NotFound):
        crm.as_user("wang.fang").classification.tag(STAR, "mine now")
    with pytest.raises(NotAllowed):
        crm.as_user("sun.li").classification.tag(STAR, "service")  # may read the card, not write it
    assert snapshot(crm) == before


# -- segments ---------------------------------------------------------------------------
def test_a_segment_is_a_saved_filter_evaluated_when_asked(graded):
    graded.classification.grade()
    rep = graded.as_user("li.ming")
    rep.classification.tag(BRIGHT, "VIP")
    segment = rep.classification.add_segment("My A customers", abc="A")
    assert set(rep.classification.members(segment.id)["id"]) == {STAR, BRIGHT}
    vip = rep.classification.add_segment("VIP", tags=["VIP", "gold"], level=["ordinary"])
    assert rep.classification.members(vip.id)["id"].tolist() == [BRIGHT]
    assert rep.classification.members(vip.id)["tags"].tolist() == ["VIP"]
    rep.customers.update(BRIGHT, credit=2)
    assert rep.classification.select(credit_max=2)["id"].tolist() == [BRIGHT]
    assert rep.classification.segments()["name"].tolist() == ["My A customers", "VIP"]


def test_silent_days_filter_follows_the_clock(crm):
    crm.orders.add(STAR, [{"product": "NB-14", "quantity": 1}], order_date="2026-01-01")
    quiet = crm.classification.add_segment("Quiet for 90 days", silent_days_min=90)
    assert crm.classification.members(quiet.id).empty
    crm.clock.set("2026-04-01")
    assert crm.classification.members(quiet.id)["id"].tolist() == [STAR]  # 90 days since its order
    crm.clock.set("2026-06-01")
    assert len(crm.classification.members(quiet.id)) == 5  # the others: 91 days since creation


def test_segment_members_are_scoped_to_the_reader(crm):
    marketing = crm.as_user("ma.lan")
    east = marketing.classification.add_segment("East China", region="east")
    assert len(marketing.classification.members(east.id)) == 4
    with pytest.raises(NotFound):  # reps read only their own segments by default
        crm.as_user("li.ming").classification.members(east.id)
    crm.admin.set_policy("segment", "account_manager", read="all", write="own")
    assert set(crm.as_user("li.ming").classification.members(east.id)["id"]) == {STAR, BRIGHT}
    assert set(crm.as_user("zhang.wei").classification.select(region="east")["id"]) == {STAR, BRIGHT, HARBOUR, PUDONG}
    before = snapshot(crm)
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").classification.delete_segment(east.id)
    assert snapshot(crm) == before
    marketing.classification.delete_segment(east.id)
    with pytest.raises(NotFound):
        marketing.classification.segment(east.id)


def test_bad_segment_filters_change_nothing(crm, subtests):
    before = snapshot(crm)
    for filters, field in (
            ({"colour": "red"}, "filters"), ({"level": "vip"}, "level"), ({"region": []}, "region"),
            ({"abc": "D"}, "abc"), ({"credit_min": 0}, "credit_min"), ({"silent_days_min": "long"}, "silent_days_min"),
            ({"status": "sleeping"}, "status"), ({"tags": [""]}, "tag")):
        with subtests.test(**{k: str(v) for k, v in filters.items()}):
            with pytest.raises(InvalidInput) as caught:
                crm.classification.add_segment("Bad", **filters)
            assert caught.value.field == field
            assert caught.value.message("zh_CN") != caught.value.message("en")
            assert snapshot(crm) == before


def test_a_segment_needs_a_name_and_a_known_owner(crm):
    with pytest.raises(InvalidInput):
        crm.classification.add_segment("", region="east")
    with pytest.raises(NotFound):
        crm.classification.add_segment("Ghost's", owner="nobody")


# -- the lists the UI pages: searched, sorted and counted in the engine -----------------------
def test_grades_and_segments_are_searched_sorted_and_counted_in_the_engine(graded):
    graded.classification.grade()
    found = assert_search_sort_count(graded, graded.classification.grades, graded.classification.grades_count,
                                     term="t", columns=("customer_name",), sorts=("rank", "customer_name"),
                                     id_column="customer_id")
    assert set(found["customer_id"]) == {STAR, BRIGHT, HARBOUR, PUDONG}
    a_grades = graded.classification.grades(abc="A", search="star", sort="customer_name", limit=5)
    assert a_grades["customer_id"].tolist() == [STAR] and graded.classification.grades_count(abc="A", search="r") == 2
    rep = graded.as_user("li.ming")
    mine = assert_search_stays_in_scope(rep.classification.grades, graded.classification.grades, term="t",
                                        id_column="customer_id")
    assert set(mine["customer_id"]) == {STAR, BRIGHT}
    for username, name in (("li.ming", "Key accounts"), ("li.ming", "Quiet ones"), ("li.ming", "100% key"),
                           ("wang.fang", "Harbour key"), ("admin", "Everyone")):
        graded.as_user(username).classification.add_segment(name, abc="A")
    found = assert_search_sort_count(graded, graded.classification.segments, graded.classification.segments_count,
                                     term="KEY", columns=("name",), sorts=("id", "name"))
    assert len(found) == 3 and graded.classification.segments(search="0%")["name"].tolist() == ["100% key"]
    mine = assert_search_stays_in_scope(rep.classification.segments, graded.classification.segments, term="key")
    assert mine["name"].tolist() == ["Key accounts", "100% key"]
