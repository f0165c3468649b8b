"""`crm-lab serve`: one workspace served to a team, each person logged in as their own CRM user (T4)."""
from __future__ import annotations

import click

from ..serve.server import run
from .base import friendly, main


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on (0.0.0.0: every network the machine is on).")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--hub", is_flag=True, help="Run as a JupyterHub service: the hub's logins, under its service prefix.")
@friendly
def serve(path, host, port, hub):
    """Serve the workspace at PATH to a team: the CRM screens in the browser, live for everyone.

    This process is the workspace's only writer while it runs. Set each user's password first
    (`crm-lab passwd PATH USERNAME`), or run it as a hub service (`--hub`, docs/team.md).
    """
    run(path, host=host, port=port, hub=hub, say=click.echo)
