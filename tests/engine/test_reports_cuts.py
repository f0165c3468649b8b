"""Win rate, funnel and pipeline value cut every way a sales manager asks (R5, O10), each compared
with an independent pandas computation over the raw tables.

How a multi-product opportunity counts (docs/sales.md): once per product (category) it contains,
with the amounts of those lines; one without lines counts under "-" with its own amounts. A
team's figure includes its sub-teams'."""
import random
from decimal import Decimal

import pandas as pd
import pytest

from crm_engine import InvalidInput

REPS = ("li.ming", "wang.fang", "zhao.lei", "liu.yang")
PRODUCTS = ("NB-14", "SRV-2U", "SUP-1Y")
STAGES = ("initial_contact", "intent_confirmed", "proposal", "negotiation")
CUTS = ("owner", "team", "product", "category", "region", "source", "campaign", "month", "quarter", "year")


@pytest.fixture(scope="module")
def sales():
    """~40 opportunities over three months: open, won and lost, with 0–3 products each."""
    from tests.conftest import fresh_company

    crm = fresh_company()
    rng = random.Random(19)
    boss = crm.as_user("dong.li")
    campaign = crm.as_user("ma.lan").campaigns.add("Spring fair", campaign_type="trade_show", budget=1000).id
    customers = crm.customers.list()["id"].tolist()
    for n in range(42):
        rep = crm.as_user(rng.choice(REPS))
        lines = [{"product": p, "quantity": rng.randint(1, 4), "discount": rng.choice([0, 0.05, 0.2])}
                 for p in rng.sample(PRODUCTS, rng.randint(0, 3))]
        mine = [c for c in customers if crm.customers.get(c).owner_id == rep.user.id]
        opp = rep.opportunities.add(f"Prospect {n}", "Deal", probability=20, source=rng.choice(["referral", "other"]),
                                    expected_amount=None if lines else 1000 * (n + 1), lines=lines or None,
                                    campaign_id=campaign if n % 3 == 0 else None,
                                    customer_id=rng.choice(mine) if mine and n % 2 else None)
        if n % 7 == 6:
            continue                                              # left unassigned
        boss.opportunities.assign(opp.id, rep.user.username)
        rep.opportunities.set_stage(opp.id, rng.choice(STAGES))
        step = rep.opportunities.add_step(opp.id, crm.today(), "Visit")
        rep.opportunities.record_result(step, "Done")
        fate = rng.random()
        if fate < 0.35:
            rep.opportunities.succeed(opp.id)
        elif fate < 0.65:
            rep.opportunities.fail(opp.id, "price")
        crm.clock.advance(2)
    yield crm
    crm.close()


def raw(crm):
    """The raw tables, read past every verb."""
    db = crm._s.db
    opps = db.df("SELECT * FROM opportunities")
    lines = db.df("SELECT l.opportunity_id, p.code, coalesce(p.category, '-') AS category, l.amount "
                  "FROM opportunity_lines l JOIN products p ON p.id = l.product_id")
    users = db.df("SELECT id, name, team_id FROM users")
    teams = db.df("SELECT id, name, parent_id FROM teams")
    customers = db.df("SELECT id, region FROM customers")
    campaigns = db.df("SELECT id, name FROM campaigns")
    return opps, lines, users, teams, customers, campaigns


def exploded(crm, by, date_column, opps=None) -> pd.DataFrame:
    """One row per (opportunity, group) with the group's share of the amounts — pandas only."""
    all_opps, lines, users, teams, customers, campaigns = raw(crm)
    opps = (all_opps if opps is None else opps).copy()
    opps["expected"] = opps["expected_amount"].astype(float)
    opps["won"] = opps["won_amount"].astype(float)
    if by in ("product", "category"):
        column = "code" if by == "product" else "category"
        per = lines.groupby(["opportunity_id", column], as_index=False)["amount"].sum()
        per["amount"] = per["amount"].astype(float)
        out = opps.merge(per, how="left", left_on="id", right_on="opportunity_id")
        has = out["amount"].notna()
        out["grp"] = out[column].where(has, "-")
        out["expected"] = out["amount"].where(has, out["expected"])
        out["won"] = out["won"].where(out["won"].isna(), out["amount"].where(has, out["won"]))
        return out
    if by == "team":
        parent = dict(zip(teams["id"], teams["parent_id"]))
        name = dict(zip(teams["id"], teams["name"]))
        team_of = dict(zip(users["id"], users["team_id"]))
        rows = []
        for record in opps.to_dict("records"):
            team = team_of[record["owner_id"]]
            while team is not None and not pd.isna(team):
                rows.append({**record, "grp": name[team]})
                team = parent[team]
        return pd.DataFrame(rows)
    if by == "owner":
        opps["grp"] = opps["owner_id"].map(dict(zip(users["id"], users["name"])))
    elif by == "region":
        opps["grp"] = opps["customer_id"].map(dict(zip(customers["id"], customers["region"]))).fillna("-")
        names = dict(crm._s.db.rows("SELECT code, name_en FROM dictionary WHERE kind = 'region'"))
        opps["grp"] = opps["grp"].map(lambda code: names.get(code, code))
    elif by == "source":
        opps["grp"] = opps["source"]
    elif by == "campaign":
        opps["grp"] = opps["campaign_id"].map(dict(zip(campaigns["id"], campaigns["name"]))).fillna("-")
    else:
        day = pd.to_datetime(opps[date_column])
        year, quarter = day.dt.year.astype("Int64").astype(str), day.dt.quarter.astype("Int64").astype(str)
        opps["grp"] = {"month": day.dt.strftime("%Y-%m"), "year": year, "quarter": year + "-Q" + quarter}[by]
    return opps


@pytest.mark.parametrize("by", CUTS)
def test_win_rate_by_every_cut_matches_pandas(sales, by):
    crm = sales
    got = crm.reports.win_rate(by).set_index(by)
    frame = exploded(crm, by, "closed_on")
    closed = frame[frame["state"].isin(["succeeded", "failed"])]
    expected = closed.groupby("grp").agg(won=("state", lambda s: int((s == "succeeded").sum())),
                                         lost=("state", lambda s: int((s == "failed").sum())),
                                         closed=("state", "size"), won_amount=("won", "sum"))
    expected["win_rate"] = (expected["won"] / expected["closed"]).round(4)
    assert sorted(got.index) == sorted(expected.index)
    for group, row in expected.iterrows():
        assert got.loc[group, ["won", "lost", "closed"]].tolist() == row[["won", "lost", "closed"]].tolist(), group
        assert got.loc[group, "win_rate"] == pytest.approx(row["win_rate"])
        assert got.loc[group, "won_amount"] == pytest.approx(row["won_amount"]), group
    assert got.attrs["by"] == by


@pytest.mark.parametrize("by", CUTS)
def test_pipeline_value_by_every_cut_matches_pandas(sales, by):
    crm = sales
    got = crm.reports.pipeline(by)
    frame = exploded(crm, by, "created_on")
    open_ = frame[frame["state"].isin(["unassigned", "assigned"])].copy()
    open_["column"] = open_["stage"].where(open_["state"] == "assigned", "unassigned")
    open_["weighted"] = open_["expected"] * open_["probability"] / 100
    expected = open_.groupby(["grp", "column"]).agg(count=("id", "nunique"), amount=("expected", "sum"),
                                                    weighted_amount=("weighted", "sum"))
    got = got.set_index([by, "stage"])
    assert sorted(got.index) == sorted(expected.index)
    for key, row in expected.iterrows():
        assert got.loc[key, "count"] == row["count"], key
        assert got.loc[key, ["amount", "weighted_amount"]].tolist() == pytest.approx(
            row[["amount", "weighted_amount"]].tolist()), key


@pytest.mark.parametrize("by", ("team", "product", "category", "region", "quarter"))
def test_funnel_by_a_cut_matches_pandas(sales, by):
    crm = sales
    got = crm.reports.funnel(by=by).set_index([by, "stage"])
    frame = exploded(crm, by, "created_on")
    frame = frame[frame["state"] != "unassigned"]
    order = {s: i + 1 for i, s in enumerate(STAGES)}
    frame = frame.assign(stage_order=frame["stage"].map(order).fillna(0))
    for group, rows in frame.groupby("grp"):
        for stage, number in order.items():
            reached = int(((rows["state"] == "succeeded") | (rows["stage_order"] >= number)).sum())
            here = rows[(rows["state"] == "assigned") & (rows["stage"] == stage)]
            assert got.loc[(group, stage), ["reached", "open"]].tolist() == [reached, len(here)], (group, stage)
            assert got.loc[(group, stage), "open_amount"] == pytest.approx(here["expected"].sum())
        assert got.loc[(group, "succeeded"), "reached"] == int((rows["state"] == "succeeded").sum())
    assert sorted({g for g, _ in got.index}) == sorted(frame["grp"].unique())


def test_a_multi_product_opportunity_counts_once_per_product_with_its_line_amounts(crm):
    rep, boss = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp = rep.opportunities.add("Lakeside", "Mixed", probability=20, lines=[
        {"product": "NB-14", "quantity": 2, "unit_price": 100}, {"product": "SRV-2U", "quantity": 1, "unit_price": 50},
        {"product": "NB-14", "quantity": 1, "unit_price": 10}])
    boss.opportunities.assign(opp.id, "li.ming")
    rep.opportunities.record_result(rep.opportunities.add_step(opp.id, crm.today(), "Visit"), "Done")
    rep.opportunities.succeed(opp.id)
    by_product = crm.reports.win_rate("product").set_index("product")
    assert by_product[["won", "closed", "won_amount"]].to_dict("index") == {
        "NB-14": {"won": 1, "closed": 1, "won_amount": 210.0}, "SRV-2U": {"won": 1, "closed": 1, "won_amount": 50.0}}
    by_category = crm.reports.win_rate("category").set_index("category")
    assert by_category[["won", "won_amount"]].to_dict("index") == {"hardware": {"won": 1, "won_amount": 260.0}}


def test_the_cuts_stay_inside_the_scope(sales):
    """A supervisor of East sales sees East and Shanghai figures only; the rollup to Head office
    holds what they see, nothing more."""
    crm = sales
    east = crm.as_user("zhang.wei").reports.win_rate("team").set_index("team")
    assert set(east.index) <= {"Head office", "East sales", "Shanghai"}
    opps, _, users, *_ = raw(crm)
    theirs = opps[opps["owner_id"].isin(users[users["team_id"].isin([2, 3])]["id"]) &
                  opps["state"].isin(["succeeded", "failed"])]
    assert east.loc["East sales", "closed"] == len(theirs) == east.loc["Head office", "closed"]
    rep = crm.as_user("li.ming").reports.pipeline("owner")
    assert set(rep["owner"]) <= {"Li Ming"}


def test_a_cut_that_does_not_exist_is_refused_in_both_languages(sales):
    for report in ("win_rate", "pipeline"):
        with pytest.raises(InvalidInput) as error:
            getattr(sales.reports, report)("colour")
        assert error.value.message("zh_CN") != error.value.message("en")
    with pytest.raises(InvalidInput):
        sales.reports.funnel(by="colour")


def test_cut_labels_are_translated():
    from crm_engine.i18n import translate
    from crm_engine.sales.pipeline_cuts import CUTS as ENGINE_CUTS

    for cut in ENGINE_CUTS:
        key = f"report.cut.{cut or 'scope'}"
        assert translate(key, "en") != translate(key, "zh_CN") != key


def test_attainment_by_owner_and_by_team_with_its_sub_teams(sales):
    crm = sales
    boss = crm.as_user("dong.li")
    quarter = "2026-Q1"
    boss.targets.set(quarter, 10_000, user="zhao.lei")
    boss.targets.set(quarter, 50_000, team=2)                   # East sales: Shanghai's Zhao Lei counts too
    opps, _, users, *_ = raw(crm)
    won = opps[(opps["state"] == "succeeded") & (pd.to_datetime(opps["closed_on"]) <= "2026-03-31")]
    team_members = users[users["team_id"].isin([2, 3])]["id"]
    teams = crm.reports.attainment(quarter, by="team")
    assert teams["subject"].tolist() == ["East sales"]
    assert teams["actual"].iloc[0] == pytest.approx(float(won[won["owner_id"].isin(team_members)]["won_amount"].sum()))
    owners = crm.reports.attainment(quarter, by="owner")
    zhao = users[users["name"] == "Zhao Lei"]["id"].iloc[0]
    assert owners["subject"].tolist() == ["Zhao Lei"]
    assert owners["actual"].iloc[0] == pytest.approx(float(won[won["owner_id"] == zhao]["won_amount"].sum()))
    with pytest.raises(InvalidInput):
        crm.reports.attainment(quarter, by="product")
