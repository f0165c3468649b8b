"""The team's work as a screen (crm_engine/ui/team.py): the instructor sees the grade and everyone's
contribution; a member sees only their own; in English and Chinese."""
from __future__ import annotations

import shutil

import pytest

from crm_engine import CRM
from crm_engine.course.team_workspace import create, parse_members
from crm_engine.ui import show
from tests.course.test_team import MEMBERS, _work
from tests.engine.sales_helpers import is_chinese
from tests.ui.kit_helpers import click, text_of


@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    path = tmp_path_factory.mktemp("team-screen") / "t1.duckdb"
    create(path, parse_members(MEMBERS), team="t1", seed=7).close()
    with CRM.open(path) as crm:
        _work(crm)
    return path


@pytest.fixture
def crm(worked, tmp_path):
    path = tmp_path / "t1.duckdb"
    shutil.copy(worked, path)
    with CRM.open(path) as crm:
        yield crm


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_instructor_sees_the_grade_and_every_members_contribution(crm, language):
    crm.set_language(language)
    view = show(crm, "team")
    headline = text_of(view.rc.find(meta_ref="team-headline").widget)
    assert headline.startswith(crm.t("team.headline", team="t1", score="", points="")[:4])
    members = text_of(view.rc.find(meta_ref="team-members").widget)
    contributions = text_of(view.rc.find(meta_ref="team-contributions").widget)
    for name in ("Alice Wang", "bob", "carol", "dan", "erin"):
        assert name in members and name in contributions
    if language == "zh_CN":
        assert is_chinese(headline) and crm.t("role.account_manager") in contributions


def test_a_member_sees_only_their_own_contribution(crm):
    view = show(crm.as_user("bob"), "team")
    contributions = text_of(view.rc.find(meta_ref="team-contributions").widget)
    assert "bob" in contributions and "carol" not in contributions and "Alice" not in contributions
    assert not view.rc.find(meta_ref="team-headline").widgets      # no grade for a member


def test_refresh_reads_the_work_done_since(crm):
    view = show(crm, "team")
    before = text_of(view.rc.find(meta_ref="team-contributions").widget)
    carol = crm.as_user("carol")
    customer = int(carol.customers.list().iloc[0]["id"])
    carol.customers.log_interaction(customer, "Asked about the spring price list")
    click(view.rc, "team-refresh")
    assert text_of(view.rc.find(meta_ref="team-contributions").widget) != before


def test_in_any_other_workspace_the_instructor_sees_who_did_what_without_a_grade(tmp_path):
    from crm_engine.scenario import demo
    crm = demo.create(tmp_path / "demo.crm")
    crm.as_user("zhang.wei").opportunities.list()
    view = show(crm, "team")
    assert not view.rc.find(meta_ref="team-headline").widgets
    assert "Li Ming" in text_of(view.rc.find(meta_ref="team-contributions").widget)
    assert crm.t("ui.team.no_grade") in text_of(view)
