"""A scenario from real data (issue 19): an imported company becomes a teaching scenario whose clock
continues it — traits estimated from the history (checked against pandas on the raw export), orders
and service requests at the historical rates, the seed varying only the future."""
import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from crm_engine import CRM, Conflict, InvalidInput, NotAllowed
from crm_engine.cli import main
from crm_engine.scenario import estimate
from crm_engine.scenario import sample_export as company_export
from tests.engine.helpers import snapshot


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    tables = company_export.build(rows=1500, accounts=30, agents=8)
    company_export.owner_usernames(tables)
    paths = company_export.write(folder, tables)
    workspace = str(folder / "company.duckdb")
    made = CliRunner().invoke(main, ["new", workspace, "--company", "Sales Lab Inc.", "--today", company_export.TODAY])
    assert made.exit_code == 0, made.output
    for name in ("sales_teams", "products", "accounts", "sales_pipeline"):
        kind, *options = company_export.COMMANDS[name]
        result = CliRunner().invoke(main, ["import", workspace, kind, paths[name], *options])
        assert result.exit_code == 0, result.output
    tickets = company_export.tickets(tables)
    with CRM.open(workspace) as crm:
        assert crm.imports.tickets(tickets).imported == len(tickets)
    return workspace, tables, tickets


@pytest.fixture
def copy(export, tmp_path):
    def make(name="w"):
        path = str(tmp_path / f"{name}.duckdb")
        shutil.copyfile(export[0], path)
        return CRM.open(path)
    return make


def _history(tables, tickets):
    """Per account, by pandas on the raw files: won deals (the orders), the window, its length in
    days, each account's orders and whether it stopped ordering (silent for more than 3 gaps)."""
    raw = tables["sales_pipeline"]
    won = raw[raw["deal_stage"] == "Won"].assign(day=lambda f: pd.to_datetime(f["close_date"]))
    closes = pd.to_datetime(raw.loc[raw["close_date"] != "", "close_date"])
    dates = pd.concat([closes, pd.to_datetime(tickets["created"])])
    first, last = dates.min(), dates.max()
    days = (last - first).days + 1
    accounts = tables["accounts"]["account"]
    n = won.groupby("account").size().reindex(accounts, fill_value=0)
    silent = (last - won.groupby("account")["day"].max()).dt.days.reindex(accounts)
    stopped = (n == 0) | (silent > estimate.QUIET * days / n.clip(lower=1))
    return won, first, last, days, n, stopped


def _named(crm, frame):
    return frame.merge(crm.sql("SELECT id AS record_id, name FROM customers"), on="record_id").set_index("name")


def test_traits_are_the_historical_rates_and_silences(copy, export):
    _, tables, tickets = export
    won, first, last, days, n, stopped = _history(tables, tickets)
    with copy() as crm:
        adopted = crm.simulation.adopt(seed=5)
        assert (adopted.first, adopted.last) == (first.date(), last.date())
        assert adopted.start == max(last.date() + dt.timedelta(days=1), dt.date.fromisoformat(company_export.TODAY))
        assert crm.today() == adopted.start and crm.simulation.present()
        assert "stopped ordering" in str(adopted) and f"{adopted.lapsed} stopped" in str(adopted)
        audit = crm.audit.list(kind="scenario")
        assert audit["action"].tolist()[-1:] == ["adopt"]
        traits = _named(crm, crm.simulation.traits("customer")).reindex(n.index)
    np.testing.assert_allclose(traits["rate"], n / days)
    assert (traits["pattern"] == "lapsed").tolist() == stopped.tolist()
    assert 0 < stopped.sum() < len(stopped)                                    # the export has both kinds
    assert traits.loc[stopped, "lapse_on"].notna().all() and traits.loc[~stopped, "lapse_on"].isna().all()
    assert (traits.loc[stopped, "churn_risk"] >= traits.loc[~stopped, "churn_risk"].max()).all()


def test_advancing_continues_the_company_at_its_historical_rates(copy, export):
    _, tables, tickets = export
    _won, _first, _last, days, n, stopped = _history(tables, tickets)
    with copy() as crm:
        adopted = crm.simulation.adopt(seed=11)
        before = crm.sql("SELECT count(*) AS n FROM orders")["n"][0]
        report = crm.simulation.advance(360)
        future = _named(crm, crm.sql(f"SELECT customer_id AS record_id, count(*) AS n FROM orders "
                                     f"WHERE order_date > DATE '{adopted.start}' GROUP BY ALL"))["n"]
        assert crm.sql("SELECT count(*) AS n FROM orders")["n"][0] - before == report.orders == future.sum()
        amounts = crm.sql(f"SELECT avg(amount) AS a FROM orders WHERE order_date > DATE '{adopted.start}'")["a"][0]
    # Orders as large as they were (the values calibrated to the engine's whole-unit order draw).
    history = _won["close_value"].astype(float).mean()
    assert abs(np.log(float(amounts) / history)) < 0.4   # uncalibrated: 0.78, (amounts, history)
    future = future.reindex(n.index, fill_value=0)
    # Each customer still ordering, at about its historical rate (Poisson: generous, seeded).
    expected = n[~stopped] / days * 360
    z = (future[~stopped] - expected) / np.sqrt(expected)
    assert z.abs().max() < 4.5, z.sort_values()
    assert abs(report.orders - expected.sum()) < 4 * np.sqrt(expected.sum()) + 5
    assert (future[stopped] == 0).all()                                        # who stopped stays quiet
    # Service requests at the history's rate per day.
    expected_tickets = len(tickets) / days * 360
    assert abs(report.tickets - expected_tickets) < 4 * np.sqrt(expected_tickets) + 5


def test_the_seed_varies_the_future_not_the_past(copy):
    futures = []
    for name, seed in (("a", 1), ("b", 2), ("c", 1)):
        with copy(name) as crm:
            past = crm.sql("SELECT * FROM orders ORDER BY id")
            crm.simulation.adopt(seed=seed)
            crm.simulation.advance(30)
            orders = crm.sql("SELECT customer_id, order_date, amount FROM orders ORDER BY id")
            pd.testing.assert_frame_equal(crm.sql("SELECT * FROM orders ORDER BY id").iloc[:len(past)], past)
            futures.append(orders.iloc[len(past):].reset_index(drop=True))
    assert not futures[0].equals(futures[1])
    pd.testing.assert_frame_equal(futures[0], futures[2])


def test_per_student_copies_share_the_past(export, tmp_path):
    made = estimate.for_students(export[0], tmp_path / "class", ["s01", "s02"], seed=4)
    seeds = []
    for path in made:
        with CRM.open(path) as crm:
            seeds.append(crm.simulation.seed())
            assert crm.simulation.info().student in ("s01", "s02")
    assert seeds[0]["base_seed"] == seeds[1]["base_seed"] == 4 and seeds[0]["seed"] != seeds[1]["seed"]


def test_refusals_change_nothing_and_speak_both_languages(copy, export):
    with copy() as crm:
        rep = crm.as_user(crm.sql("SELECT username FROM users WHERE role = 'account_manager' LIMIT 1")["username"][0])
        before = snapshot(crm)
        with pytest.raises(NotAllowed):
            rep.simulation.adopt()
        assert snapshot(crm) == before
        crm.simulation.adopt()
        with pytest.raises(Conflict, match="already holds a teaching scenario"):
            crm.simulation.adopt()
    with CRM.memory(today="2026-01-01", language="zh_CN") as empty:
        before = snapshot(empty)
        with pytest.raises(InvalidInput, match="至少需要 20 笔") as error:
            empty.simulation.adopt()
        assert "订单" in str(error.value) and snapshot(empty) == before


def _orders(crm, days):
    """25 orders of Star Tech, spread over `days` days before the workspace's today."""
    today = crm.today()
    on = [today - dt.timedelta(days=int(d)) for d in np.linspace(days, 1, 25)]
    crm.imports.orders(pd.DataFrame({"order_no": [f"H-{k}" for k in range(25)], "customer": ["Star Tech"] * 25,
                                     "order_date": [d.isoformat() for d in on], "product": ["NB-14"] * 25,
                                     "quantity": ["1"] * 25}))


def test_a_short_history_is_refused_and_a_director_adopts_a_long_one(crm):
    _orders(crm, 20)
    before = snapshot(crm)
    with pytest.raises(InvalidInput, match="at least 60 days"):
        crm.simulation.adopt()
    assert snapshot(crm) == before
    older = pd.DataFrame({"order_no": ["H-old"], "customer": ["Star Tech"], "product": ["NB-14"],
                                 "order_date": [(crm.today() - dt.timedelta(days=200)).isoformat()], "quantity": ["1"]})
    crm.imports.orders(older)
    adopted = crm.as_user("dong.li").simulation.adopt(seed=3)
    assert adopted.start == crm.today() and adopted.orders == 26       # the clock was already past the history
    star = crm.simulation.traits("customer").set_index("record_id").loc[1]
    assert star["rate"] == pytest.approx(26 / 200) and star["pattern"] == "steady"
