"""Data scopes (A2): for random org trees, users and records, what each user sees is
exactly what their scope allows — in every listing, search, count, export and read."""
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from crm_engine import CRM, NotFound
from crm_engine.access import ROLES

MANAGERS = ("account_manager", "supervisor", "director")


@st.composite
def companies(draw):
    team_count = draw(st.integers(1, 6))
    parents = [draw(st.integers(1, t)) for t in range(1, team_count)]  # team t+1 hangs under an earlier team
    users = draw(st.lists(st.tuples(st.sampled_from(ROLES[1:]), st.integers(1, team_count)), min_size=1, max_size=8))
    customers = draw(st.lists(st.integers(0, 100), max_size=15))  # owner picked among the managers
    preset = draw(st.sampled_from(["private", "open"]))
    return parents, users, customers, preset


def expected_visible(teams_parent, user, user_team, owners_team, preset, role):
    """Independent recomputation of the sharing policy for kind `customer`."""
    scope = {"private": {"admin": "all", "director": "all", "supervisor": "team", "account_manager": "own",
                         "service_staff": "all", "marketing": "all", "finance": "all"},
             "open": {r: "all" for r in ROLES}}[preset][role]
    def subtree(team):
        out, frontier = {team}, [team]
        while frontier:
            t = frontier.pop()
            for child, parent in teams_parent.items():
                if parent == t and child not in out:
                    out.add(child), frontier.append(child)
        return out
    if scope == "all":
        return set(owners_team)
    if scope == "own":
        return {c for c, (owner, _) in owners_team.items() if owner == user}
    teams = subtree(user_team)
    return {c for c, (_, team) in owners_team.items() if team in teams}


@settings(max_examples=40, deadline=None)
@given(companies())
def test_every_listing_shows_exactly_the_scope(tmp_path_factory, company):
    parents, users, customer_owners, preset = company
    crm = CRM.memory(today="2026-03-02")
    teams_parent = {1: None}
    for index, parent in enumerate(parents, start=2):
        assert crm.admin.add_team(f"Team {index}", parent=parent) == index
        teams_parent[index] = parent
    created = []
    for n, (role, team) in enumerate(users):
        created.append(crm.admin.add_user(f"user{n}", f"User {n}", role=role, team=team))
    crm.products.add("P", "Product", price=10)
    owners = [u for u in created if u.role in MANAGERS]
    owners_team = {}
    if owners:
        for k, pick in enumerate(customer_owners):
            owner = owners[pick % len(owners)]
            customer = crm.customers.add(f"Customer {k}", owner=owner.id)
            crm.orders.add(customer.id, [{"product": "P", "quantity": 1}])
            owners_team[customer.id] = (owner.id, owner.team_id)
    crm.admin.apply_preset(preset)
    out = tmp_path_factory.mktemp("exports")
    for user in created:
        session = crm.as_user(user.id)
        expected = expected_visible(teams_parent, user.id, user.team_id, owners_team, preset, user.role)
        assert set(session.customers.list()["id"]) == expected
        assert session.customers.count() == len(expected)
        assert set(session.customers.list(search="Customer")["id"]) == expected
        assert set(session.orders.list()["customer_id"]) == expected
        path = out / f"{user.username}.csv"
        session.exports.write("customers", path)
        assert set(pd.read_csv(path)["id"]) == expected if expected else pd.read_csv(path).empty
        for customer_id in owners_team:
            if customer_id in expected:
                assert session.customers.get(customer_id).id == customer_id
            else:
                with pytest.raises(NotFound):
                    session.customers.get(customer_id)
    crm.close()


def test_policy_changes_take_effect_and_are_audited(crm):
    crm.admin.set_policy("customer", "account_manager", read="team", write="own")
    assert crm.as_user("li.ming").customers.count() == 4  # east + Shanghai
    assert crm.audit.list(kind="sharing_policy")["after"].iloc[-1] == '["team", "own"]'
    with pytest.raises(Exception, match="wider than the read scope"):
        crm.admin.set_policy("customer", "account_manager", read="own", write="all")


def test_only_the_admin_changes_the_org_and_policy(crm):
    director = crm.as_user("dong.li")
    for call in (lambda: director.admin.add_user("x", "X", role="finance"),
                 lambda: director.admin.set_policy("customer", "finance", read="none", write="none"),
                 lambda: director.admin.add_team("New"),
                 lambda: director.dictionary.add("region", "hk", "Hong Kong", "香港")):
        with pytest.raises(Exception, match="may not"):
            call()
