"""Team assignments (T4, issue #23): a team's shared workspace, each member's contribution read from the
audit trail, the team's grade and each member's, the CLI, both languages.

The team (hardware_distributor, seed 7): alice the supervisor, bob and carol account managers, dan the
service desk, erin the director. In the worked workspace alice assigns, bob plans, records a result and
wins, dan answers a ticket, erin sets a target — and carol does nothing.
"""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from crm_engine import CRM
from crm_engine.cli import main
from crm_engine.course import team
from crm_engine.course.team_workspace import create, parse_members
from crm_engine.errors import InvalidInput, NotAllowed, WorkspaceError

MEMBERS = "supervisor=alice:Alice Wang,account_manager=bob,account_manager=carol,service_staff=dan,director=erin"


def _ids(crm, sql, params=()):
    return [r[0] for r in crm.tables.rows(sql, list(params))]


def _work(crm):
    """The team's week, each action by its member through the facade."""
    alice, bob, dan, erin = (crm.as_user(u) for u in ("alice", "bob", "dan", "erin"))
    opp = _ids(crm, "SELECT o.id FROM opportunities o JOIN users u ON u.id = o.owner_id WHERE o.state = 'unassigned' "
                    "AND u.username IN ('bob', 'carol') ORDER BY o.id")[0]
    alice.opportunities.assign(opp, "bob")
    step = bob.opportunities.add_step(opp, crm.today(), "Call the buyer about the server quotation")
    bob.opportunities.record_result(step, "The buyer wants a visit next week with a revised price list")
    bob.opportunities.succeed(opp)
    ticket = _ids(crm, "SELECT t.id FROM tickets t JOIN users u ON u.id = t.assigned_to WHERE t.state = 'assigned' "
                       "AND u.username = 'dan' ORDER BY t.id")[0]
    dan.service.handle(ticket, "Replaced the faulty power supply on site and tested the server")
    erin.targets.set("2026-Q2", 500_000, user="bob")
    return {"opportunity": opp, "ticket": ticket, "step": step}


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A blank team workspace and a worked copy of it."""
    folder = tmp_path_factory.mktemp("team")
    blank = folder / "blank.duckdb"
    create(blank, parse_members(MEMBERS), team="t1", seed=7).close()
    worked = folder / "worked.duckdb"
    shutil.copy(blank, worked)
    with CRM.open(worked) as crm:
        done = _work(crm)
    return {"blank": blank, "worked": worked, "done": done}


def test_members_take_the_places_of_the_scenarios_people(made):
    with CRM.open(made["blank"], read_only=True) as crm:
        users = crm.admin.users().set_index("username")
        assert users.loc["alice", "role"] == "supervisor" and users.loc["alice", "name"] == "Alice Wang"
        assert {"bob", "carol"} <= set(users.index[users["role"] == "account_manager"])
        assert "li.ming" not in users.index and "zhang.wei" not in users.index   # their places were taken
        assert team.members(crm) == {"alice": "supervisor", "bob": "account_manager", "carol": "account_manager",
                                     "dan": "service_staff", "erin": "director"}
        # the members own the people's records from the start
        assert crm.tables.scalar("SELECT count(*) FROM customers c JOIN users u ON u.id = c.owner_id "
                                 "WHERE u.username = 'bob'") > 0


def test_contributions_are_counted_per_member_from_the_audit_trail(made):
    with CRM.open(made["worked"], read_only=True) as crm:
        frame = team.contributions(crm).set_index("username")
    assert frame.loc["alice", "assigned"] == 1 and frame.loc["alice", "total"] == 1
    # add_step and record_result are planned; succeed (with the interaction record it writes) is one closing
    assert (frame.loc["bob", "planned"], frame.loc["bob", "closed"], frame.loc["bob", "total"]) == (2, 1, 3)
    assert frame.loc["bob", "followed_up"] == 0
    assert frame.loc["dan", "answered"] == 1
    assert frame.loc["erin", "steered"] == 1
    assert frame.loc["carol", "total"] == 0 and frame.loc["carol", "first"] is None
    assert frame["total"].sum() == 6 and frame.loc["bob", "share"] == pytest.approx(0.5)
    assert str(frame.loc["bob", "first"]) == str(frame.loc["bob", "last"]) == "2026-03-02"


def test_a_refused_action_is_not_counted(made, tmp_path):
    path = tmp_path / "refused.duckdb"
    shutil.copy(made["worked"], path)
    with CRM.open(path) as crm:
        before = team.contributions(crm)
        other = _ids(crm, "SELECT id FROM opportunities WHERE state = 'unassigned' ORDER BY id")[0]
        with pytest.raises(NotAllowed):   # an account manager may not assign
            crm.as_user("carol").opportunities.assign(other, "bob")
        after = team.contributions(crm)
    assert after.equals(before)
    assert after.set_index("username").loc["carol", "total"] == 0


def test_the_grade_names_the_member_who_did_nothing_and_gives_them_zero(made):
    with CRM.open(made["worked"], read_only=True) as crm:
        graded = team.grade(crm)
    people = graded.members.set_index("username")
    assert people.loc["carol", "own"] == 0
    assert people.loc["alice", "own"] == team.MEMBER_POINTS and people.loc["bob", "own"] == team.MEMBER_POINTS
    assert people.loc["carol", "score"] < people.loc["bob", "score"]
    assert "carol" in people.loc["carol", "feedback"] and "did nothing" in people.loc["carol", "feedback"]
    criteria = graded.criteria.set_index("criterion")
    assert "No contribution from: carol." in criteria.loc["members", "feedback"]
    assert criteria.loc["members", "score"] == pytest.approx(team.MEMBER_POINTS * 4 / 5)
    # the company facts: one won of three, the ticket dan answered, a plan step with a result
    assert criteria.loc["won", "score"] == pytest.approx(1.0)
    assert criteria.loc["plans", "score"] == pytest.approx(2.0)
    assert not graded.flagged
    assert graded.score == pytest.approx(float(criteria["score"].sum()))


def test_a_blank_team_scores_nothing_and_every_member_is_named(made):
    with CRM.open(made["blank"], read_only=True) as crm:
        graded = team.grade(crm)
    assert graded.score == 0
    feedback = graded.criteria.set_index("criterion").loc["members", "feedback"]
    for who in ("Alice Wang (alice)", "bob", "carol", "dan", "erin"):
        assert who in feedback


def test_grading_is_deterministic_and_never_changes_the_workspace(made):
    digest = made["worked"].read_bytes()
    with CRM.open(made["worked"], read_only=True) as crm:
        first = team.grade(crm).to_dict()
    with CRM.open(made["worked"], read_only=True) as crm:
        second = team.grade(crm).to_dict()
    assert first == second
    assert made["worked"].read_bytes() == digest


def test_the_grade_as_json_has_its_shape(made):
    with CRM.open(made["worked"], read_only=True) as crm:
        data = json.loads(json.dumps(team.grade(crm).to_dict()))
    assert set(data) >= {"assignment", "team", "score", "points", "flagged", "findings", "criteria", "members",
                         "contributions", "others"}
    assert data["assignment"] == team.ASSIGNMENT and data["team"] == "t1" and data["points"] == 10
    assert [c["criterion"] for c in data["criteria"]] == ["won", "service", "plans", "members"]
    assert {m["username"] for m in data["members"]} == {"alice", "bob", "carol", "dan", "erin"}
    row = next(c for c in data["contributions"] if c["username"] == "bob")
    assert set(team.SHOWN_ORDER) <= set(row) and row["first"] == "2026-03-02"


def test_edited_behind_the_engines_back_is_flagged(made, tmp_path):
    import duckdb

    path = tmp_path / "edited.duckdb"
    shutil.copy(made["worked"], path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE opportunities SET state = 'succeeded', won_amount = 1 WHERE state = 'assigned'")
    with CRM.open(path, read_only=True) as crm:
        graded = team.grade(crm)
    assert graded.flagged and graded.score == 0 and graded.findings


def test_a_workspace_not_made_for_the_team_is_refused():
    crm = CRM.memory(today="2026-03-02")
    crm.admin.add_user("bob", "Bob", role="account_manager")
    with pytest.raises(WorkspaceError) as refused:
        team.grade(crm)
    assert "crm-lab team new" in refused.value.message("en")
    # contributions still read any workspace: every user but the administrator is a member
    assert list(team.contributions(crm)["username"]) == ["bob"]


def test_members_on_the_command_line_are_checked_before_any_work():
    assert parse_members("supervisor=alice,account_manager=bob:Bob Chen") == {
        "alice": ("supervisor", "alice"), "bob": ("account_manager", "Bob Chen")}
    for bad, key in (("alice", "team.bad_member"), ("boss=alice", "team.bad_role"),
                     ("supervisor=alice,account_manager=alice", "team.twice"), ("", "team.no_members"),
                     ("supervisor=admin", "team.twice")):
        with pytest.raises(InvalidInput) as refused:
            parse_members(bad)
        assert refused.value.key == key


def test_cli_new_and_grade_in_both_languages(tmp_path):
    path = tmp_path / "t2.duckdb"
    runner = CliRunner()
    made = runner.invoke(main, ["team", "new", str(path), "--members", "supervisor=ann,account_manager=ben",
                                "--seed", "3"])
    assert made.exit_code == 0, made.output
    assert "ann" in made.output and path.exists()
    again = runner.invoke(main, ["team", "new", str(path), "--members", "supervisor=ann"])
    assert again.exit_code == 1 and "never overwritten" in again.output
    with CRM.open(path) as crm:
        opp = _ids(crm, "SELECT o.id FROM opportunities o JOIN users u ON u.id = o.owner_id "
                        "WHERE o.state = 'unassigned' AND u.username = 'ben' ORDER BY o.id")[0]
        crm.as_user("ann").opportunities.assign(opp, "ben")
    shown = runner.invoke(main, ["team", "grade", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "Team t2:" in shown.output and "ben (Account manager) did nothing in the CRM" in shown.output
    assert "assigned" in shown.output
    zh = runner.invoke(main, ["team", "grade", str(path), "--language", "zh_CN"])
    assert zh.exit_code == 0 and "团队 t2：" in zh.output and "ben（客户经理）没有在 CRM 中做任何事" in zh.output
    assert "指派" in zh.output
    data = json.loads(runner.invoke(main, ["team", "grade", str(path), "--json"]).output)
    ann = next(c for c in data["contributions"] if c["username"] == "ann")
    assert ann["assigned"] == 1 and ann["total"] == 1
    refused = runner.invoke(main, ["team", "new", str(tmp_path / "x.duckdb"), "--members", "boss=ann"])
    assert refused.exit_code == 1 and "boss=ann" in refused.output
    assert not (tmp_path / "x.duckdb").exists()


def test_every_audited_category_has_labels_in_both_languages():
    from crm_engine.i18n import translate

    for name in team.SHOWN_ORDER:
        assert translate(f"team.category.{name}", "en") != translate(f"team.category.{name}", "zh_CN")
    assert set(team.CONTRIBUTION.values()) <= set(team.CATEGORIES)
    assert all(set(cats) <= set(team.CATEGORIES) for cats, _ in team.ROLE_WORK.values())


def test_the_instructor_sees_every_teams_grade_and_each_members_contribution(made, tmp_path):
    from crm_engine.course import instructor

    teams = tmp_path / "teams"
    teams.mkdir()
    shutil.copy(made["worked"], teams / "t1.duckdb")
    shutil.copy(made["blank"], teams / "t0.duckdb")
    (teams / "stray.duckdb").write_bytes(b"not a workspace")
    board = instructor.team_dashboard(root=tmp_path)
    assert sorted(board.grades["workspace"]) == [str(teams / n) for n in ("stray.duckdb", "t0.duckdb", "t1.duckdb")]
    graded = board.grades.set_index("workspace")
    assert graded.loc[str(teams / "t0.duckdb"), "score"] == 0
    assert graded.loc[str(teams / "t1.duckdb"), "score"] > 0
    assert graded.loc[str(teams / "stray.duckdb"), "problem"]
    worked = board.members[board.members["score"] > 0].set_index("username")
    assert worked.loc["bob", "closed"] == 1 and worked.loc["carol", "own"] == 0
    said = CliRunner().invoke(main, ["team", "dashboard", "--root", str(tmp_path)])
    assert said.exit_code == 0, said.output
    assert "3 team(s)" in said.output and "carol" in said.output


def test_the_simulated_world_is_credited_to_whoever_moved_the_clock_not_to_the_people_it_acts_as(made, tmp_path):
    path = tmp_path / "week.duckdb"
    shutil.copy(made["worked"], path)
    with CRM.open(path) as crm:
        before = team.contributions(crm).set_index("username")
        crm.as_user("erin").simulation.advance(7)     # the director moves the clock: the world acts meanwhile
        crm.simulation.advance(7)                      # and the instructor (the administrator)
        # the week's scenario event enters an opportunity as the supervisor: the world's, not alice's work
        assert crm.tables.scalar("SELECT count(*) FROM audit a JOIN users u ON u.id = a.user_id WHERE "
                                 "u.username = 'alice' AND a.kind = 'opportunity' AND a.action = 'create'") >= 1
        after = team.contributions(crm)
        graded = team.grade(crm)
    mine = after.set_index("username")
    assert mine.loc["alice", "total"] == before.loc["alice", "total"] == 1
    assert mine.loc["erin", "steered"] == before.loc["erin", "steered"] + 1 == 2
    assert after.attrs["others"] == before.attrs.get("others", 0) + 1
    assert not graded.flagged, graded.findings


def test_since_counts_from_a_date(made):
    with CRM.open(made["worked"], read_only=True) as crm:
        today = crm.today()
        # the generator wrote rows in alice's and erin's names that day, before the start: never theirs
        assert crm.tables.scalar("SELECT count(*) FROM audit a JOIN users u ON u.id = a.user_id WHERE "
                                 "u.username IN ('alice', 'erin') AND a.kind <> 'course' AND a.id < (SELECT min(id) "
                                 "FROM audit WHERE kind = 'course' AND action = 'start')") > 0
        assert team.contributions(crm, since=today).equals(team.contributions(crm))
        later = team.contributions(crm, since=today.replace(day=today.day + 1))
    assert later["total"].sum() == 0 and later["share"].sum() == 0


def test_a_team_bigger_than_the_scenario_is_refused_and_nothing_is_made(tmp_path):
    path = tmp_path / "big.duckdb"
    with pytest.raises(InvalidInput) as refused:
        create(path, parse_members("supervisor=a,supervisor=b,supervisor=c"))
    assert refused.value.key == "team.too_many" and "supervisor" in refused.value.message("en")
    assert not path.exists()
