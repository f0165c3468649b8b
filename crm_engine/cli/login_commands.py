"""`crm-lab passwd` and `crm-lab logins …`: how the people of a team log in to `crm-lab serve` (issue 23).

    crm-lab passwd team.duckdb li.ming               # asks twice, shows nothing
    printf '%s\n' "$PW" | crm-lab passwd team.duckdb li.ming --stdin
    crm-lab logins list team.duckdb
    crm-lab logins link team.duckdb jupyter-li li.ming
    crm-lab logins unlink team.duckdb jupyter-li
    crm-lab logins clear team.duckdb li.ming         # remove a password

All as the workspace's administrator (`crm.logins`); the engine's refusals are one line, exit 1."""
from __future__ import annotations

import sys

import click

from ..crm import CRM
from .base import friendly, main

WORKSPACE = click.Path(exists=True, dir_okay=False)


@main.command()
@click.argument("path", type=WORKSPACE)
@click.argument("username")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the password from one line of standard input (for scripts) instead of asking.")
@friendly
def passwd(path, username, from_stdin):
    """Set USERNAME's password for a standalone `crm-lab serve` (8–128 characters; only a digest is kept)."""
    if from_stdin:
        # One line, its line ending removed; the rest of the line is the password, spaces included.
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"New password for {username}", hide_input=True, show_default=False)
        again = click.prompt("Again", hide_input=True, show_default=False)
        if password != again:
            raise click.ClickException("The two passwords differ; nothing was changed.")
    _change(path, lambda crm: crm.logins.set_password(username, password), "cli.logins.password_set", user=username)


def _change(path, change, done: str, **params) -> None:
    """Open the workspace, make one change as its administrator, say so in its language."""
    with CRM.open(path) as crm:
        change(crm)
        click.echo(crm.t(done, **params))


@main.group()
def logins():
    """Who may log in to `crm-lab serve`: passwords (standalone) and JupyterHub links."""


@logins.command("list")
@click.argument("path", type=WORKSPACE)
@friendly
def list_(path):
    """Every user: role, active, whether a password is set (and when), the linked hub user."""
    with CRM.open(path, read_only=True) as crm:
        frame = crm.logins.list()
    frame["password_set_on"] = [day.strftime("%Y-%m-%d") if day == day and day is not None else ""
                                for day in frame["password_set_on"]]   # NaT != NaT: no password
    click.echo(frame.fillna("").to_string(index=False))


@logins.command()
@click.argument("path", type=WORKSPACE)
@click.argument("hub_name")
@click.argument("username")
@friendly
def link(path, hub_name, username):
    """Let the JupyterHub user HUB_NAME in as the CRM user USERNAME."""
    _change(path, lambda crm: crm.logins.link_hub(hub_name, username), "ui.logins.linked", hub=hub_name, user=username)


@logins.command()
@click.argument("path", type=WORKSPACE)
@click.argument("hub_name")
@friendly
def unlink(path, hub_name):
    """Remove the link of the JupyterHub user HUB_NAME."""
    _change(path, lambda crm: crm.logins.unlink_hub(hub_name), "cli.logins.unlinked", hub=hub_name)


@logins.command()
@click.argument("path", type=WORKSPACE)
@click.argument("username")
@friendly
def clear(path, username):
    """Remove USERNAME's password: they can no longer log in to a standalone server."""
    _change(path, lambda crm: crm.logins.clear_password(username), "ui.logins.password_cleared", user=username)
