"""Every report against an independent pandas computation on generated data (R1–R5),
and the scope rule: a rep's report is the director's report filtered to the rep's customers."""
import numpy as np
import pandas as pd
import pytest

from tests.engine.reports_helpers import TODAY, build, frames

YEAR = 2025


@pytest.fixture(scope="module")
def company():
    crm = build(3000, 60_000, 6000, seed=11)
    yield crm, frames(crm)
    crm.close()


@pytest.fixture(scope="module")
def director(company):
    return company[0].as_user("dong.li")


def same(engine: pd.DataFrame, expected: pd.DataFrame, columns=None) -> None:
    columns = columns or list(expected.columns)
    left = _plain(engine[columns].reset_index(drop=True))
    right = _plain(expected[columns].reset_index(drop=True))
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-9)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float64 with NaN, text as object: nullable pandas dtypes compare like numpy ones."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].astype("float64")
        elif pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object)
    return out


def live_orders(f):
    return f["orders"][f["orders"]["status"] != "cancelled"]


# -- R1 contribution -------------------------------------------------------------------------
def expected_contribution(f, year=None):
    o, k, r = live_orders(f), f["contracts"], f["returns"]
    k = k[k["status"].isin(["signed", "fulfilled"])]
    if year:
        o, k, r = (o[o["order_date"].dt.year == year], k[k["signed_on"].dt.year == year],
                   r[r["returned_on"].dt.year == year])
    per = f["customers"].set_index("id")[["name", "owner_id", "region", "level"]].join(
        o.groupby("customer_id").agg(orders=("id", "size"), order_amount=("amount", "sum"))).join(
        k.groupby("customer_id")["amount"].sum().rename("contract_amount")).join(
        r.groupby("customer_id")["amount"].sum().rename("returned"))
    per = per[per[["order_amount", "contract_amount", "returned"]].notna().any(axis=1)].fillna(
        {"orders": 0, "order_amount": 0, "contract_amount": 0, "returned": 0})
    per["net_amount"] = (per["order_amount"] + per["contract_amount"] - per["returned"]).round(2)
    per = per.rename_axis("customer_id").reset_index().rename(columns={"name": "customer_name"})
    per = per.sort_values(["net_amount", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    per["rank"] = np.arange(1, len(per) + 1)
    per["share"] = per["net_amount"] / per["net_amount"].sum()
    per["cumulative_share"] = per["net_amount"].cumsum() / per["net_amount"].sum()
    return per


@pytest.mark.parametrize("year", [None, YEAR])
def test_contribution_matches_pandas(director, company, year):
    expected = expected_contribution(company[1], year)
    engine = director.reports.contribution(year=year)
    assert len(engine) == len(expected) > 100
    same(engine, expected, ["rank", "customer_id", "customer_name", "orders", "order_amount", "contract_amount",
                            "returned", "net_amount", "share", "cumulative_share"])
    assert engine.attrs["report"] == "contribution" and engine.attrs["empty_message"] is None


def test_contribution_top_keeps_shares_of_everyone(director, company):
    expected = expected_contribution(company[1], YEAR)
    engine = director.reports.contribution(year=YEAR, top=20)
    assert len(engine) == 20
    same(engine, expected.head(20), ["customer_id", "net_amount", "share", "cumulative_share"])


def test_contribution_filters(director, company):
    f = company[1]
    expected = expected_contribution(f, YEAR)
    east = expected[expected["region"] == "east"].copy()
    east["share"] = east["net_amount"] / east["net_amount"].sum()
    engine = director.reports.contribution(year=YEAR, region="east")
    same(engine, east.reset_index(drop=True), ["customer_id", "net_amount", "share"])
    since = director.reports.contribution(since=f"{YEAR}-01-01", until=f"{YEAR}-12-31")
    same(since, expected, ["customer_id", "net_amount"])


def test_contribution_agrees_with_the_returns_area(director):
    """One definition of net contribution in the CRM: the cash area's and R1 agree."""
    mine = director.reports.contribution(year=YEAR).set_index("customer_id")["net_amount"].sort_index()
    theirs = director.returns.net_contribution(year=YEAR).set_index("customer_id")["net"].astype(float).sort_index()
    pd.testing.assert_series_equal(mine, theirs, check_names=False)


# -- R2 composition ------------------------------------------------------------------------------
@pytest.mark.parametrize("by,kind", [("level", "customer_level"), ("region", "region"), ("customer_type", "customer_type"),
                                     ("industry", "industry"), ("credit", None), ("satisfaction", None),
                                     ("owner", None)])
def test_composition_matches_pandas(director, company, by, kind):
    f = company[1]
    column = "owner_id" if by == "owner" else by
    counts = f["customers"][column].astype("string").str.replace(r"\.0$", "", regex=True).value_counts(dropna=False)
    engine = director.reports.composition(by)
    got = dict(zip(engine["code"].astype(object).where(engine["code"].notna(), None), engine["customers"]))
    expected = {None if pd.isna(k) else str(k): int(v) for k, v in counts.items()}
    if kind:  # every active dictionary entry is listed, even with no customers
        d = f["dictionary"]
        for code in d[(d["kind"] == kind) & d["active"]]["code"]:
            expected.setdefault(code, 0)
    elif by != "owner":
        for code in "12345":
            expected.setdefault(code, 0)
    assert got == expected
    assert engine["share"].sum() == pytest.approx(1.0)
    assert engine["percent"].tolist() == pytest.approx((100 * engine["customers"] / engine["customers"].sum()).round(2).tolist())


def test_composition_labels_follow_the_language(company):
    crm = company[0].as_user("dong.li")
    crm.set_language("zh_CN")
    frame = crm.reports.composition("level")
    assert frame.loc[frame["code"] == "key_account", "label"].item() == "大客户"
    assert frame.attrs["title"] == "客户构成分析"
    crm.set_language("en")  # the handles of a workspace share its language (issue #20): the module's again


def test_composition_status_filter(director, company):
    f = company[1]
    frame = director.reports.composition("level", status="lost")
    assert frame["customers"].sum() == (f["customers"]["status"] == "lost").sum() > 0


# -- R3 service ----------------------------------------------------------------------------------
def test_service_analysis_matches_pandas(director, company):
    t = company[1]["tickets"].copy()
    t["period"] = t["created_on"].dt.strftime("%Y-%m")
    t["archived_flag"] = t["state"] == "archived"
    t["days"] = (t["archived_on"] - t["created_on"]).dt.days.where(t["archived_flag"])
    g = t.groupby(["period", "service_type"])
    expected = pd.DataFrame({"tickets": g.size(), "archived": g["archived_flag"].sum(),
                             "satisfaction": g["satisfaction"].mean(), "days_to_archive": g["days"].mean()}).reset_index()
    expected["open"] = expected["tickets"] - expected["archived"]
    engine = director.reports.service_analysis("month").sort_values(["period", "service_type"])
    same(engine, expected, ["period", "service_type", "tickets", "archived", "open", "satisfaction", "days_to_archive"])


def test_service_analysis_by_year_and_handler(director, company):
    t = company[1]["tickets"]
    frame = director.reports.service_analysis("year", by="handler", since=f"{YEAR}-01-01", until=f"{YEAR}-12-31")
    chosen = t[t["created_on"].dt.year == YEAR]
    assert frame["tickets"].sum() == len(chosen)
    assert set(frame["period"]) == {str(YEAR)}
    handled = chosen["assigned_to"].dropna().astype(int).value_counts()
    got = frame.dropna(subset=["handler"]).set_index("handler")["tickets"]
    assert {int(k): v for k, v in got.items()} == handled.to_dict()
    assert frame.loc[frame["handler"].isna(), "label"].tolist() == ["Not set"]


# -- R4 churn ------------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["reason", "region", "customer_type"])
def test_churn_analysis_matches_pandas(director, company, by):
    f = company[1]
    churned = f["churn"][f["churn"]["state"] == "churned"].merge(
        f["customers"].drop(columns=["state"], errors="ignore"), left_on="customer_id", right_on="id")
    expected = churned[by].value_counts()
    engine = director.reports.churn_analysis(by)
    assert engine.set_index(by)["churned"].to_dict() == expected.to_dict()
    assert engine["churned"].is_monotonic_decreasing
    assert engine["share"].sum() == pytest.approx(1.0)


def test_churn_rate_matches_pandas(director, company):
    f = company[1]
    c, w = f["customers"], f["churn"]
    churned = w[w["state"] == "churned"]
    first = churned.groupby("customer_id")["closed_on"].min()
    month = lambda s: s.dt.to_period("M")
    start = min(month(c["created_on"]).min(), month(churned["closed_on"]).min())
    periods = pd.period_range(start, pd.Period(TODAY, "M"), freq="M")
    rows = []
    for p in periods:
        begin = p.start_time
        base = (c["created_on"] < begin).sum() - (first < begin).sum()
        rows.append({"period": str(p), "customers_at_start": base,
                     "new_customers": (month(c["created_on"]) == p).sum(),
                     "churned": (month(churned["closed_on"]) == p).sum(),
                     "churn_rate": (month(churned["closed_on"]) == p).sum() / base if base else np.nan})
    same(director.reports.churn_rate("month"), pd.DataFrame(rows))


def test_churn_rate_window_keeps_the_base(director):
    full = director.reports.churn_rate("quarter")
    part = director.reports.churn_rate("quarter", since="2025-01-01", until="2025-12-31")
    assert part["period"].tolist() == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    same(part, full[full["period"].isin(part["period"])].reset_index(drop=True))


# -- R5 sales ------------------------------------------------------------------------------------
def test_funnel_matches_pandas(director, company):
    f = company[1]
    d = f["dictionary"]
    stages = d[d["kind"] == "opportunity_stage"].sort_values("sort_order")
    o = f["opportunities"]
    o = o[o["state"] != "unassigned"]
    order = o["stage"].map(dict(zip(stages["code"], stages["sort_order"]))).fillna(0)
    reached = [int(((o["state"] == "succeeded") | (order >= n)).sum()) for n in stages["sort_order"]]
    opened = [int(((o["state"] == "assigned") & (o["stage"] == code)).sum()) for code in stages["code"]]
    engine = director.reports.funnel()
    assert engine["reached"].tolist() == reached + [int((o["state"] == "succeeded").sum())]
    assert engine["open"].tolist()[:-1] == opened


def test_win_rate_matches_pandas(director, company):
    f = company[1]
    o = f["opportunities"].merge(f["users"][["id", "name"]], left_on="owner_id", right_on="id")
    closed = o[o["state"].isin(["succeeded", "failed"])]
    g = closed.groupby("name")["state"]
    expected = pd.DataFrame({"won": g.apply(lambda s: (s == "succeeded").sum()), "closed": g.size()})
    engine = director.reports.win_rate("owner").set_index("owner").sort_index()
    assert engine["won"].to_dict() == expected["won"].to_dict()
    assert engine["win_rate"].tolist() == pytest.approx((expected["won"] / expected["closed"]).round(4).tolist())


def test_campaign_roi_matches_pandas(director, company):
    f = company[1]
    o = f["opportunities"]
    revenue = o[o["state"] == "succeeded"].groupby("campaign_id")["won_amount"].sum()
    c = f["campaigns"].set_index("id")
    roi = ((revenue.reindex(c.index).fillna(0) - c["cost"]) / c["cost"].replace(0, np.nan)).round(4)
    engine = director.reports.campaign_roi().set_index("id")
    assert engine["roi"].sort_index().tolist() == pytest.approx(roi.sort_index().tolist(), nan_ok=True)
    assert engine["roi"].dropna().is_monotonic_decreasing


def test_attainment_and_leaderboard_match_pandas(director, company):
    f = company[1]
    o = live_orders(f)
    feb = o[(o["order_date"] >= "2026-02-01") & (o["order_date"] <= "2026-02-28")]
    actual = feb.groupby("owner_id")["amount"].sum()
    engine = director.reports.attainment("2026-02")
    assert len(engine) == 9
    for row in engine.itertuples():
        assert row.actual == pytest.approx(actual.get(row.user_id, 0.0))
        assert row.attainment == pytest.approx(round(row.actual / row.amount, 4))
    board = director.reports.leaderboard("2026-02", metric="order_amount")
    assert board["attainment"].is_monotonic_decreasing
    assert dict(zip(board["user_id"], board["actual"])) == pytest.approx(
        {u: actual.get(u, 0.0) for u in board["user_id"]})


# -- R5 RFM and cohorts ------------------------------------------------------------------------------
def expected_rfm(f):
    o = live_orders(f)
    o = o[o["order_date"] <= pd.Timestamp(TODAY)]
    per = o.groupby("customer_id").agg(last_order=("order_date", "max"), frequency=("id", "size"),
                                        monetary=("amount", "sum"))
    per["monetary"] = per["monetary"].round(2)
    n = len(per)
    score = lambda s: (1 + np.floor(5 * (s.rank(method="min") - 1) / n)).astype(int)
    per["r_score"], per["f_score"], per["m_score"] = score(per["last_order"]), score(per["frequency"]), score(per["monetary"])
    per["recency_days"] = (pd.Timestamp(TODAY) - per["last_order"]).dt.days
    # The 8-class model: each measure better than the company-wide average is "high".
    r = per["recency_days"] < per["recency_days"].mean()
    fr = per["frequency"] > per["frequency"].mean()
    m = per["monetary"] > per["monetary"].mean()
    per["segment"] = (np.where(m, "important_", "general_")
                      + np.select([r & fr, r, fr], ["value", "development", "retention"], "winback"))
    return per.reset_index().sort_values("customer_id").reset_index(drop=True)


def test_rfm_matches_pandas(director, company):
    expected = expected_rfm(company[1])
    engine = director.reports.rfm().sort_values("customer_id").reset_index(drop=True)
    same(engine, expected, ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                            "segment"])
    assert set(engine["segment"]) >= {"important_value", "general_winback", "important_retention"}
    assert (engine["rfm"] == engine["r_score"].astype(str) + engine["f_score"].astype(str)
            + engine["m_score"].astype(str)).all()


def test_rfm_segments_match_pandas(director, company):
    expected = expected_rfm(company[1])["segment"].value_counts()
    engine = director.reports.rfm_segments()
    assert engine["segment"].tolist()[:3] == ["important_value", "important_development", "important_retention"]
    assert engine.set_index("segment")["customers"].to_dict() == {s: expected.get(s, 0) for s in engine["segment"]}
    assert director.reports.rfm(segment="important_winback")["segment"].eq("important_winback").all()


def test_cohorts_match_pandas(director, company):
    o = live_orders(company[1])
    act = o.assign(month=o["order_date"].dt.to_period("M"))[["customer_id", "month"]].drop_duplicates()
    first = act.groupby("customer_id")["month"].min().rename("cohort")
    act = act.join(first, on="customer_id")
    act["months_since"] = (act["month"] - act["cohort"]).apply(lambda d: d.n)
    active = act.groupby(["cohort", "months_since"]).size()
    sizes = first.value_counts()
    last = pd.Period(TODAY, "M")
    rows = [{"cohort": str(c), "months_since": m, "customers": sizes[c], "active": active.get((c, m), 0)}
            for c in sorted(sizes.index) for m in range((last - c).n + 1)]
    expected = pd.DataFrame(rows)
    expected["retention"] = expected["active"] / expected["customers"]
    same(director.reports.cohorts(), expected)


# -- scope: a rep's report is the director's report filtered to the rep's customers ------------------
SCOPED = {
    "contribution": dict(year=YEAR), "composition": dict(by="region"), "service_analysis": dict(period="quarter"),
    "churn_analysis": dict(by="reason"), "churn_rate": dict(period="quarter"), "rfm": {}, "rfm_segments": {},
    "cohorts": dict(since="2024-01-01"), "funnel": {},
}


@pytest.mark.parametrize("report", sorted(SCOPED))
def test_a_reps_report_is_the_directors_filtered_to_the_rep(company, director, report):
    crm = company[0]
    rep = crm.as_user("rep0")
    mine = getattr(rep.reports, report)(**SCOPED[report])
    theirs = getattr(director.reports, report)(**SCOPED[report], owner="rep0")
    assert not mine.empty
    pd.testing.assert_frame_equal(mine, theirs)
    everything = getattr(director.reports, report)(**SCOPED[report])
    if report == "contribution":
        assert set(mine["owner_id"]) == {rep.user.id} and len(mine) < len(everything)


@pytest.mark.parametrize("report", ["contribution", "composition", "service_analysis", "churn_analysis", "rfm",
                                    "cohorts"])
def test_a_supervisors_report_is_the_directors_for_the_team(company, director, report):
    supervisor = company[0].as_user("zhang.wei")   # East sales and Shanghai below it
    params = {k: v for k, v in SCOPED[report].items()}
    east = supervisor.user.team_id
    pd.testing.assert_frame_equal(getattr(supervisor.reports, report)(**params),
                                  getattr(director.reports, report)(**params, team=east))


def test_rep_win_rate_is_their_row_of_the_directors(company, director):
    rep = company[0].as_user("rep0")
    mine = rep.reports.win_rate("owner")
    theirs = director.reports.win_rate("owner")
    same(mine, theirs[theirs["owner"] == "Rep 0"], ["owner", "won", "lost", "win_rate"])


@pytest.mark.parametrize("who, owner", [("dong.li", None), ("zhang.wei", None), ("zhang.wei", "rep0"), ("rep3", None)])
def test_the_pipeline_board_sums_every_open_opportunity_and_shows_the_largest(company, who, owner):
    crm = company[0].as_user(who)
    summary, cards = crm.opportunities.board(owner=owner, cards=5)
    open_ = pd.concat([crm.opportunities.list(state=state, owner=owner) for state in ("unassigned", "assigned")])
    open_["board_column"] = open_["stage"].where(open_["state"] == "assigned", "unassigned")
    stages = crm.dictionary.list("opportunity_stage")["code"].tolist()
    assert summary["board_column"].tolist() == ["unassigned", *stages]
    for row in summary.itertuples():
        mine = open_[open_["board_column"] == row.board_column]
        assert row.count == len(mine)
        assert row.amount == pytest.approx(mine["expected_amount"].astype(float).sum())
        assert row.weighted == pytest.approx((mine["expected_amount"].astype(float) * mine["probability"] / 100).sum())
        largest = mine.sort_values(["expected_amount", "id"], ascending=False).head(5)["id"].tolist()
        assert cards.loc[cards["board_column"] == row.board_column, "id"].tolist() == largest
    assert summary["count"].sum() > 0
    assert set(cards["owner_id"]) <= set(open_["owner_id"])   # in scope: what list() shows, nothing more
