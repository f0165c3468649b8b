"""Sales targets (O8): who sets them, attainment from won business and orders, the leaderboard."""
import pytest

from crm_engine import CRMError, InvalidInput, NotAllowed, NotFound
from crm_engine.sales.targets import period_bounds
from tests.engine.helpers import snapshot
from tests.engine.sales_helpers import company, is_chinese, opportunity_in


@pytest.fixture(scope="module")
def shop():
    """One company for the refusals (each leaves it exactly as it was)."""
    crm = company()
    yield crm
    crm.close()


def win(crm, holder: str, amount) -> int:
    opp_id = opportunity_in(crm, "assigned", holder=holder)
    crm.as_user(holder).opportunities.succeed(opp_id, amount=amount)
    return opp_id


def test_periods():
    assert [d.isoformat() for d in period_bounds("2026-03")[1:]] == ["2026-03-01", "2026-03-31"]
    assert [d.isoformat() for d in period_bounds("2024-02")[1:]] == ["2024-02-01", "2024-02-29"]
    assert [d.isoformat() for d in period_bounds("2026-02")[1:]] == ["2026-02-01", "2026-02-28"]
    assert [d.isoformat() for d in period_bounds("2026-q4")[1:]] == ["2026-10-01", "2026-12-31"]
    assert period_bounds(" 2026-Q1 ")[0] == "2026-Q1"
    for bad in ("2026-13", "2026-Q5", "March", "2026/03", None, 202603):
        with pytest.raises(InvalidInput) as caught:
            period_bounds(bad)
        assert caught.value.field == "target_period"


def test_attainment_from_won_business_and_orders(crm):
    supervisor = crm.as_user("zhang.wei")
    win(crm, "li.ming", 120_000)
    win(crm, "li.ming", 30_000)
    win(crm, "zhao.lei", 50_000)
    win(crm, "liu.yang", 70_000)  # West: not part of East's figures
    star = crm.customers.list(search="Star Tech")["id"].iloc[0]
    crm.as_user("li.ming").orders.add(star, [{"product": "NB-14", "quantity": 2}])  # 9,998.00
    supervisor.targets.set("2026-03", 100_000, user="li.ming")
    supervisor.targets.set("2026-03", 4, user="li.ming", metric="won_count")
    supervisor.targets.set("2026-03", 20_000, user="li.ming", metric="order_amount")
    supervisor.targets.set("2026-Q1", 400_000, team=2)  # East sales, with Shanghai below it
    supervisor.targets.set("2026-04", 100_000, user="wang.fang")
    table = crm.targets.list().set_index(["subject", "period", "metric"])
    assert table.loc[("Li Ming", "2026-03", "won_amount"), ["amount", "actual", "attainment"]].tolist() == [
        100_000, 150_000, 1.5]
    assert table.loc[("Li Ming", "2026-03", "won_count"), "actual"] == 2
    assert table.loc[("Li Ming", "2026-03", "order_amount"), "attainment"] == round(9_998 / 20_000, 4)
    east = table.loc[("East sales", "2026-Q1", "won_amount")]
    assert (east["subject_kind"], east["actual"], east["attainment"]) == ("team", 200_000, 0.5)
    assert table.loc[("Wang Fang", "2026-04", "won_amount"), "actual"] == 0  # April has not happened yet
    assert crm.targets.list(period="2026-Q1", metric="won_amount")["subject"].tolist() == ["East sales"]


def test_the_leaderboard_ranks_by_attainment_then_by_business(crm):
    supervisor, west = crm.as_user("zhang.wei"), crm.as_user("chen.hua")
    win(crm, "li.ming", 60_000)
    win(crm, "wang.fang", 90_000)
    win(crm, "liu.yang", 40_000)
    supervisor.targets.set("2026-03", 50_000, user="li.ming")    # 120 %
    supervisor.targets.set("2026-03", 100_000, user="wang.fang")  # 90 %
    west.targets.set("2026-03", 20_000, user="liu.yang")          # 200 %
    board = crm.as_user("li.ming").targets.leaderboard("2026-03")  # reps read the whole board
    assert board[["rank", "name", "attainment"]].values.tolist()[:3] == [
        [1, "Liu Yang", 2.0], [2, "Li Ming", 1.2], [3, "Wang Fang", 0.9]]
    assert board.iloc[3][["rank", "name", "actual"]].tolist() == [4, "Zhao Lei", 0]  # no target: ranked last
    supervisor.targets.set("2026-03", 300_000, team=2)
    teams = crm.targets.leaderboard("2026-03", by="team").set_index("name")
    assert teams.loc["East sales", ["actual", "attainment"]].tolist() == [150_000, 0.5]
    assert teams.loc["Head office", "actual"] == 190_000  # the root team sums the whole company
    assert crm.as_user("sun.li").targets.leaderboard("2026-03").empty  # service staff do not read targets
    crm.admin.set_policy("target", "account_manager", read="own", write="none")
    assert crm.as_user("li.ming").targets.leaderboard("2026-03")["name"].tolist() == ["Li Ming"]
    with pytest.raises(InvalidInput):
        crm.targets.leaderboard("2026-03", by="region")


def test_setting_again_replaces_and_removing_deletes(crm):
    supervisor = crm.as_user("zhang.wei")
    first = supervisor.targets.set("2026-03", 100_000, user="li.ming")
    again = supervisor.targets.set("2026-03", 120_000, user="li.ming")
    assert again.id == first.id and again.amount == 120_000 and len(crm.targets.list()) == 1
    assert crm.audit.list(kind="target")["action"].tolist() == ["create", "update"]
    west = crm.as_user("chen.hua").targets.set("2026-03", 10, user="liu.yang", metric="won_count")
    before = snapshot(crm)
    with pytest.raises(NotAllowed, match="outside the part of the organisation"):
        supervisor.targets.remove(west.id)
    with pytest.raises(NotAllowed, match="may not set sales targets"):
        crm.as_user("li.ming").targets.remove(first.id)
    with pytest.raises(NotFound):
        supervisor.targets.remove(999)
    assert snapshot(crm) == before
    supervisor.targets.remove(first.id)
    assert crm.targets.list()["id"].tolist() == [west.id]


@pytest.mark.parametrize("who, kwargs, error, field", [
    ("li.ming", {"user": "li.ming"}, NotAllowed, None),
    ("ma.lan", {"user": "li.ming"}, NotAllowed, None),
    ("zhang.wei", {"user": "liu.yang"}, NotAllowed, None),
    ("zhang.wei", {"team": 4}, NotAllowed, None),
    ("zhang.wei", {"team": 1}, NotAllowed, None),
    ("zhang.wei", {"team": 99}, NotFound, None),
    ("zhang.wei", {"user": "sun.li"}, InvalidInput, "target_user"),
    ("zhang.wei", {"user": "li.ming", "team": 2}, InvalidInput, "target_user"),
    ("zhang.wei", {}, InvalidInput, "target_user"),
    ("zhang.wei", {"user": "li.ming", "amount": -5}, InvalidInput, "target_amount"),
    ("zhang.wei", {"user": "li.ming", "metric": "smiles"}, InvalidInput, "target_metric"),
    ("zhang.wei", {"user": "li.ming", "period": "2026-13"}, InvalidInput, "target_period"),
])
def test_bad_targets_are_refused_and_change_nothing(shop, who, kwargs, error, field):
    arguments = {"period": "2026-03", "amount": 1_000, **kwargs}
    before = snapshot(shop)
    with pytest.raises(error) as caught:
        shop.as_user(who).targets.set(arguments.pop("period"), arguments.pop("amount"), **arguments)
    assert caught.value.field == field and is_chinese(caught.value.message("zh_CN"))
    assert snapshot(shop) == before


def test_supervisors_set_targets_inside_their_part_of_the_org(crm):
    supervisor = crm.as_user("zhang.wei")
    assert supervisor.targets.set("2026-03", 1, team=3).team_id == 3  # Shanghai sits under East sales
    assert supervisor.targets.set("2026-03", 1, user="zhao.lei").user_id == crm.as_user("zhao.lei").user.id
    assert crm.as_user("dong.li").targets.set("2026-03", 1, team=1).team_id == 1
    assert len(crm.as_user("cai.wu").targets.list()) == 3  # finance reads targets
    with pytest.raises(CRMError):
        crm.as_user("sun.li").targets.get(1)
