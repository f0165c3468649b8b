"""The demo company (`crm-lab demo`, what `./crmlab.sh start` builds): every module and every report shows
something on first open, as every role, and the same seed builds the same company.

The report and list verbs are found on the facade, not listed here, so a new one is covered the day it lands.
"""
import functools
import hashlib
import inspect
import sys

import pytest

from crm_engine import CRM
from crm_engine.scenario import demo
from crm_engine.session import Area

from .scenario_helpers import invariants, tables


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    with demo.create(tmp_path_factory.mktemp("demo") / "demo.duckdb") as crm:
        yield crm


def report_verbs(crm):
    """Every report of `crm.reports` (the free SQL verb is not a report, nor is a class's own method such as
    `Area.area_name`)."""
    return [name for name, verb in inspect.getmembers(crm.reports, inspect.ismethod)
            if not name.startswith("_") and name != "sql" and not isinstance(verb.__self__, type)]


def call(verb, today):
    """Call a verb with its defaults; a required `period` is the current month of the CRM's clock."""
    required = [p for p in inspect.signature(verb).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert all(p.name == "period" for p in required), (verb.__qualname__, required)
    return verb(*[f"{today:%Y-%m}" for _ in required])


def list_verbs(crm):
    """(area, verb) for every list of every area: a verb named `list`, or one with a `<verb>_count` twin
    (`pool` / `pool_count`, `overdue` / `overdue_count` …); only those that need no argument."""
    found = []
    for area_name, attribute in vars(CRM).items():
        if area_name.startswith("_") or not isinstance(attribute, functools.cached_property):
            continue
        area = getattr(crm, area_name)
        # logins: how people log in to a served workspace (T4) — the demo serves no one, and only the
        # administrator may read it
        if not isinstance(area, Area) or area_name in ("reports", "logins"):
            continue
        for name, verb in inspect.getmembers(area, inspect.ismethod):
            if name.startswith("_") or isinstance(verb.__self__, type) or not (name == "list" or hasattr(area, f"{name}_count")):
                continue
            required = [p for p in inspect.signature(verb).parameters.values()
                        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD]
            if not required:
                found.append((area_name, name))
    return found


def test_the_facade_has_the_reports_and_lists_this_test_walks(company):
    reports = report_verbs(company)
    assert {"funnel", "campaign_roi", "attainment", "leaderboard", "churn_analysis", "service_analysis"} <= set(reports)
    lists = list_verbs(company)
    assert {("leads", "pool"), ("opportunities", "list"), ("service", "list"), ("contracts", "list"),
            ("payments", "overdue"), ("messages", "inbox"), ("address_book", "list")} <= set(lists)


def test_every_report_has_rows_for_the_director(company):
    director = company.as_user("dong.li")
    empty = [name for name in report_verbs(director) if call(getattr(director.reports, name), company.today()).empty]
    assert empty == []


def test_every_list_of_every_area_has_rows_for_the_director(company):
    director = company.as_user("dong.li")
    empty = [f"{area}.{verb}" for area, verb in list_verbs(director)
             if _rows(getattr(getattr(director, area), verb)()) == 0]
    assert empty == []


def _rows(result) -> int:
    """Rows of a list verb's answer (a frame, or the board's (cards, columns) pair)."""
    if isinstance(result, tuple):
        return min(len(part) for part in result)
    return len(result)


def _expected(crm, area: str, verb: str) -> bool:
    """Whether `verb` of `area` should have rows for the acting user: yes, unless the sharing policy gives
    their role no view of that kind of record (a service desk sees no opportunities), or it lists what
    the user may decide and their role decides nothing (expense claims wait for managers)."""
    module = sys.modules[type(getattr(crm, area)).__module__]
    kind = getattr(module, "KIND", None)
    policy = crm.admin.policy()
    mine = policy[(policy["kind"] == kind) & (policy["role"] == crm.user.role)]
    if verb == "pending":  # others' claims wait for whoever may write them
        return not mine.empty and mine["write_scope"].item() in ("team", "all")
    return mine.empty or mine["read_scope"].item() != "none"


@pytest.mark.parametrize("role", ["supervisor", "account_manager", "service_staff", "marketing", "finance"])
def test_every_role_sees_rows_in_every_list_its_scope_covers(company, role):
    user = company.admin.users(role=role).sort_values("id")["username"].iloc[0]
    crm = company.as_user(user)
    empty = [f"{area}.{verb}" for area, verb in list_verbs(crm)
             if _expected(crm, area, verb) and _rows(getattr(getattr(crm, area), verb)()) == 0]
    assert empty == [], user


@pytest.mark.parametrize("user", ["zhang.wei", "li.ming"])
def test_the_sales_roles_see_every_report_with_rows(company, user):
    crm = company.as_user(user)
    empty = [name for name in report_verbs(crm) if call(getattr(crm.reports, name), company.today()).empty]
    assert empty == []


@pytest.mark.parametrize("area, table, machine", [("opportunities", "opportunities", "OPPORTUNITY"),
                                                   ("leads", "leads", "LEAD"), ("service", "tickets", "TICKET"),
                                                   ("churn", "churn_warnings", "CHURN")],
                         ids=["opportunity", "lead", "ticket", "churn"])
def test_every_state_of_the_four_state_machines_is_in_the_demo(company, area, table, machine):
    states = getattr(sys.modules[type(getattr(company, area)).__module__], machine).states   # the area's own table
    present = set(company.sql(f"SELECT DISTINCT state FROM {table}")["state"])
    assert set(states) - present == set()


def test_records_carry_what_their_state_promises(company):
    def n(sql):
        return company.sql(f"SELECT count(*) AS n FROM {sql}")["n"].item()
    assert n("plan_steps p JOIN opportunities o ON o.id = p.opportunity_id "
             "WHERE o.state = 'assigned' AND p.result IS NOT NULL") > 0             # plans with results
    assert n("(SELECT DISTINCT l.opportunity_id FROM opportunity_lines l JOIN opportunities o "
             "ON o.id = l.opportunity_id WHERE o.state = 'succeeded')") > 0         # wins with products
    assert n("opportunities WHERE state = 'failed' AND lost_reason IS NULL") == 0    # failures say why
    assert n("churn_warnings WHERE state = 'churned' AND reason IS NULL") == 0
    assert n("churn_measures") > 0
    assert n("tickets WHERE state = 'archived' AND satisfaction IS NULL") == 0
    assert n("campaigns WHERE cost > 0") == n("campaigns")                          # ROI has costs to work on


def test_the_demo_keeps_the_engine_s_invariants(company):
    assert invariants(company) == {}


@pytest.mark.slow
def test_the_same_seed_builds_the_same_demo(tmp_path):
    def fingerprint(name):
        with demo.create(tmp_path / name, customers=120, orders=1500) as crm:
            return hashlib.sha256(repr(sorted(tables(crm).items())).encode()).hexdigest()
    assert fingerprint("a.duckdb") == fingerprint("b.duckdb")


@pytest.mark.slow
def test_the_chinese_demo_does_its_work_in_chinese(tmp_path):
    with demo.create(tmp_path / "zh.duckdb", language="zh_CN", customers=60, orders=600) as crm:
        director = crm.as_user("dong.li")
        assert crm.admin.settings()["company"] == "星辰电脑分销有限公司"
        board = director.notices.board()
        assert len(board) and all(any("\u4e00" <= ch <= "\u9fff" for ch in title) for title in board["title"])
        assert "上门拜访" in " ".join(crm.sql("SELECT measures FROM churn_measures")["measures"])
        assert [name for name in report_verbs(director)
                if call(getattr(director.reports, name), crm.today()).empty] == []
