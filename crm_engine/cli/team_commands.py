"""`crm-lab team …`: the team assignment (T4) — make a team's shared workspace, grade it from its audit trail."""
from __future__ import annotations

import json
import os

import click

from ..course import instructor as course_admin
from ..course import team as team_grading
from ..course.team_workspace import create, parse_members
from ..crm import CRM
from .base import SEED, clear_leftovers, friendly, main, not_empty


@main.group()
def team():
    """Team assignments: one company run by a team, each member graded from the audit trail."""


@team.command("new")
@click.argument("workspace", type=click.Path(dir_okay=False), callback=not_empty)
@click.option("--members", required=True, metavar="ROLE=USER[:NAME],…",
              help="The team: e.g. supervisor=alice,account_manager=bob,account_manager=carol,"
                   "service_staff=dan,director=erin.")
@click.option("--team", "name", default=None, help="The team's name (default: the workspace's file name).")
@click.option("--seed", type=SEED, default=None, help="Override the scenario's seed.")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@friendly
def team_new(workspace, members, name, seed, language):
    """Make the team's shared WORKSPACE: the scenario's company, with each member in the place of one of
    its people of the same role (they start with that person's customers and opportunities)."""
    if os.path.exists(workspace):
        raise click.ClickException(f"{workspace} exists: a team's workspace is never overwritten.")
    cast = parse_members(members)   # refused before any work starts
    os.makedirs(os.path.dirname(os.path.abspath(workspace)), exist_ok=True)
    clear_leftovers(workspace)
    name = name or os.path.splitext(os.path.basename(workspace))[0]
    with create(workspace, cast, team=name, seed=seed, language=language) as crm:
        click.echo(crm.t("team.created", workspace=workspace, team=name, n=len(cast), today=crm.today().isoformat()))
        for username, (role, _) in cast.items():
            click.echo(f"  {username} ({crm.t(f'role.{role}')})")


@team.command("grade")
@click.argument("workspace", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="The grade as JSON (criteria, members, contributions).")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None,
              help="The feedback's language (default: the workspace's).")
@friendly
def team_grade(workspace, as_json, language):
    """The team's grade, each member's grade and contribution (read from the audit trail), and the feedback.
    Read-only: grading never changes the workspace."""
    with CRM.open(workspace, read_only=True, language=language) as crm:
        graded = team_grading.grade(crm, language=language)
    if as_json:
        click.echo(json.dumps(graded.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(graded.text())


@team.command("dashboard")
@click.argument("workspaces", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="Course root whose teams/*.duckdb to grade when no WORKSPACES are given (default: here).")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@friendly
def team_dashboard(workspaces, root, language):
    """The instructor's view of every team: its grade per criterion, each member's grade and contribution."""
    board = course_admin.team_dashboard(list(workspaces) or None, root=root, language=language)
    click.echo(board.summary())
