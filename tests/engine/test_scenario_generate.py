"""Teaching scenarios, generation: deterministic, a variant per student with the same shape, and
every built-in passes the engine's invariants."""
import numpy as np
import pandas as pd
import pytest

from crm_engine import CRM, Conflict, InvalidInput, NotAllowed
from crm_engine.scenario import builtin, history

from .scenario_helpers import count, invariants, tables


def make(tmp_path, name="hardware_distributor", student="s001", customers=300, language=None, **options):
    scenario = builtin(name).scaled(customers)
    tmp_path.mkdir(parents=True, exist_ok=True)
    return scenario.create(tmp_path / f"{name}-{student}-{language}-{customers}.duckdb", student=student,
                           language=language, **options)


def test_the_same_scenario_seed_and_student_give_identical_tables(tmp_path):
    first, second = make(tmp_path / "a"), make(tmp_path / "b")
    assert tables(first) == tables(second)
    other = make(tmp_path / "c", student="s002")
    assert tables(other)["customers"] != tables(first)["customers"]


def test_variants_differ_but_keep_the_scenario_s_shape(tmp_path):
    scenario = builtin("hardware_distributor").scaled(1500)
    base = scenario.customers
    stats = []
    for student in ("s001", "s002", "s003"):
        with scenario.create(tmp_path / f"{student}.duckdb", student=student) as crm:
            levels = crm.sql("SELECT level, count(*) / 1500 AS share FROM customers GROUP BY 1")
            patterns = crm.sql("SELECT pattern, count(*) / 1500 AS share FROM scenario_traits "
                               "WHERE kind = 'customer' GROUP BY 1")
            stats.append({
                "names": set(crm.sql("SELECT name FROM customers")["name"]),
                "levels": dict(zip(levels["level"], levels["share"])),
                "lapsed": float(patterns.set_index("pattern")["share"].get("lapsed", 0)),
                "orders": count(crm, "SELECT count(*) FROM orders"),
                "median": float(crm.sql("SELECT median(amount) AS m FROM orders")["m"].item()),
                "december": count(crm, "SELECT count(*) FROM orders WHERE month(order_date) = 12"),
                "february": count(crm, "SELECT count(*) FROM orders WHERE month(order_date) = 2"),
                "customers": count(crm, "SELECT count(*) FROM customers"),
            })
    total = sum(base.levels.values())
    for s in stats:
        assert s["customers"] == 1500
        for level, share in base.levels.items():
            assert abs(s["levels"].get(level, 0) - share / total) < 0.04, (level, s["levels"])
        shares = sum(base.patterns.values())
        assert abs(s["lapsed"] - (1 - base.drifting) * base.patterns["lapsed"] / shares) < 0.04
        assert abs(s["orders"] - base.orders) / base.orders < 0.1          # about the scenario's order count
        assert s["december"] > s["february"] * 1.5                           # seasonality: peak and dip
    medians = [s["median"] for s in stats]
    assert max(medians) / min(medians) < 1.25                                # same order sizes
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        assert len(stats[a]["names"] & stats[b]["names"]) < 0.1 * 1500       # but other customers


def test_order_values_are_heavy_tailed_and_customers_follow_their_patterns(tmp_path):
    crm = make(tmp_path, customers=800)
    amounts = crm.sql("SELECT amount::DOUBLE AS a FROM orders")["a"].to_numpy()
    assert np.mean(amounts) > 1.4 * np.median(amounts)                       # a long right tail
    assert np.quantile(amounts, 0.99) > 5 * np.median(amounts)
    by_pattern = crm.sql("""
        SELECT t.pattern, avg((o.order_date >= DATE '2026-03-02' - 365)::INTEGER) AS recent_share
        FROM orders o JOIN scenario_traits t ON t.kind = 'customer' AND t.record_id = o.customer_id
        GROUP BY 1""").set_index("pattern")["recent_share"]
    assert by_pattern["growing"] > by_pattern["steady"] > by_pattern["declining"]


@pytest.mark.parametrize("name, language", [(n, l) for n in ("hardware_distributor", "vocational_school",
                                                              "fmcg_wholesaler") for l in ("en", "zh_CN")])
def test_every_builtin_generates_and_keeps_the_engine_s_invariants(tmp_path, name, language):
    crm = make(tmp_path, name=name, language=language, customers=250)
    assert invariants(crm) == {}
    assert crm.simulation.info().name == name
    lapsed = set(crm.sql("SELECT record_id FROM scenario_traits WHERE kind = 'customer' AND pattern = 'lapsed'")
                 ["record_id"])
    warned = set(crm.churn.list(state="open")["customer_id"])
    assert lapsed and warned == lapsed                                       # the scan warns exactly the lapsed
    assert crm.churn.scan().raised == 0                                      # and was run: nothing left to raise
    for kind, table in (("lead", "leads"), ("opportunity", "opportunities")):
        assert count(crm, f"SELECT count(*) FROM {table} x WHERE NOT EXISTS (SELECT 1 FROM scenario_traits t "
                          f"WHERE t.kind = '{kind}' AND t.record_id = x.id)") == 0
    rep = crm.as_user(crm.simulation.info().student_user)
    assert rep.customers.count() > 0 and len(rep.opportunities.list()) > 0
    assert len(crm.tasks.list(user=rep.user.username)) >= 1                  # the exercise's tasks are on its schedule
    assert len(crm.opportunities.funnel()) and len(crm.campaigns.list())
    assert crm.language == language and crm.t("kind.scenario")
    report = crm.simulation.advance(10)
    assert report.orders > 0 and invariants(crm) == {}


def test_generating_needs_an_empty_workspace_and_the_administrator(tmp_path):
    scenario = builtin("hardware_distributor").scaled(50)
    with CRM.create(tmp_path / "ws.duckdb", today="2026-03-02") as crm:
        crm.admin.add_user("bo", "Bo", role="account_manager")
        with pytest.raises(NotAllowed):
            scenario.build(crm.as_user("bo"))
        with pytest.raises(Conflict, match="already has users or customers"):
            scenario.build(crm)
    with CRM.create(tmp_path / "fr.duckdb", today="2026-03-02", language="zh_CN") as crm:
        with pytest.raises(InvalidInput, match="该情景支持的语言"):
            scenario.replace(languages=("en",)).build(crm)
    with pytest.raises(InvalidInput):                                         # a failed create leaves no file
        scenario.replace(languages=("en",)).create(tmp_path / "x.duckdb", language="zh_CN")
    assert not (tmp_path / "x.duckdb").exists()


def test_an_unknown_dictionary_code_is_refused_and_leaves_nothing(tmp_path):
    import dataclasses
    scenario = builtin("hardware_distributor").scaled(50)
    broken = scenario.replace(customers=dataclasses.replace(scenario.customers, regions={"atlantis": 1}))
    with pytest.raises(InvalidInput, match="region code atlantis"):
        broken.create(tmp_path / "b.duckdb")
    assert not (tmp_path / "b.duckdb").exists()


def test_progress_is_reported_while_generating(tmp_path):
    calls = []
    make(tmp_path, customers=100, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1][0] == calls[-1][1] and len(calls) >= 5
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))


def test_order_numbers_stay_distinct_past_eight_digits():
    """Generated order numbers are 'SO' and the id padded to 8 digits; a longer id is not cut
    short (cut to 8, order 100,000,000 would share order 10,000,000's number)."""
    with CRM.memory(today="2026-03-02") as crm:
        db = crm._s.db
        with db.transaction():
            db.execute("INSERT INTO orders VALUES (99999999, 1, 'SO99999999', DATE '2026-03-01', 1, 'confirmed', 1)")
            header = pd.DataFrame({"customer_id": [1, 1], "day": [0, 0], "owner_id": [1, 1], "cents": [100, 250]})
            lines = pd.DataFrame({"order_row": [0, 1], "product_id": [1, 1], "quantity": [1, 1],
                                  "unit": [100, 250], "cents": [100, 250]})
            assert history.insert_orders(db, header, lines, crm.today()) == 2
        assert [r[0] for r in db.rows("SELECT order_no FROM orders ORDER BY id")] == [
            "SO99999999", "SO100000000", "SO100000001"]
