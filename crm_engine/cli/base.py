"""The `crm-lab` command group and what every command shares: one-line refusals (`friendly`), the
bounds a scenario accepts, and the callbacks that check arguments before any work starts."""
from __future__ import annotations

import functools
import os
import sys

import click

from ..crm import CRM
from ..errors import CRMError

# Bounds a scenario itself accepts (scenario/parts.py, CustomerBase), checked before any work starts.
CUSTOMERS = click.IntRange(1, 5_000_000)
ORDERS = click.IntRange(0, 100_000_000)
SEED = click.IntRange(0, 2**32 - 1)


def one_line(text: str) -> str:
    """A message on one line (DuckDB's details span several)."""
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def friendly(command):
    """Show a refusal as one clear line (exit 1) instead of a traceback: a CRMError in the
    workspace's language, an operating-system error with its file. Anything else is a bug in
    CRM Lab: still one line, naming it as such (`CRM_LAB_DEBUG=1` shows the traceback)."""
    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Abort, click.exceptions.Exit):
            raise
        except CRMError as error:
            if error.key == "error.locked":   # advice that works here, not CRM.open(…, wait=30)
                error.key = "cli.locked"
            raise click.ClickException(one_line(error)) from None
        except BrokenPipeError:  # `crm-lab info … | head`: the reader has all it wanted; say nothing more
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):  # no file descriptor behind stdout (a test runner)
                pass
            sys.exit(1)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(one_line(f"{where}{error.strerror or error}")) from None
        except Exception as error:
            if os.environ.get("CRM_LAB_DEBUG"):
                raise
            raise click.ClickException(one_line(
                f"unexpected {type(error).__name__}: {error} (a bug in CRM Lab; CRM_LAB_DEBUG=1 shows where)")) from None
    return run


def parse_mapping(ctx, param, values) -> dict[str, str]:
    """`--map COLUMN=FIELD`, repeatable, as {column: field}."""
    columns: dict[str, str] = {}
    for item in values:
        column, equals, field = (part.strip() for part in item.partition("="))
        if not (equals and column and field):
            raise click.BadParameter(f"{item!r} is not COLUMN=FIELD (e.g. 公司名称=name)")
        if column in columns:
            raise click.BadParameter(f"column {column!r} is mapped twice")
        fields = [f.strip() for f in field.split(",")]   # one column may feed several fields
        if any(f in sum(([v] if isinstance(v, str) else v for v in columns.values()), []) for f in fields):
            raise click.BadParameter(f"two columns are mapped to {field!r}")
        columns[column] = fields[0] if len(fields) == 1 else fields
    return columns


def new_file(ctx, param, value):
    """A file to write: its folder must exist (checked before the work it would record)."""
    if value is not None and not os.path.isdir(os.path.dirname(os.path.abspath(value))):
        raise click.BadParameter(f"the folder of {value!r} does not exist")
    return value


@click.group()
@click.version_option(package_name="crm-lab")
@click.option("--wait", type=click.FloatRange(0, 3600), default=None, metavar="SECONDS",
              help="How long to wait for a workspace another process holds (default $CRM_LAB_WAIT, else 5).")
def main(wait):
    """CRM Lab: a CRM engine and courseware for teaching customer relationship management."""
    if wait is not None:
        # Every open in this command reads it (turns.waiting_time): one setting for all of them.
        os.environ[CRM.WAIT_VARIABLE] = f"{wait:g}"


def not_empty(ctx, param, value):
    """An argument that names something may not be empty (an empty path is no file name)."""
    if value is not None and not str(value).strip():
        raise click.BadParameter("may not be empty")
    return value


def clear_leftovers(path) -> None:
    """Say what a killed earlier build of `path` left behind and is removed now (builds are atomic:
    crm_engine/atomic.py); one still running elsewhere stops the command with its file and PID."""
    for leftover in CRM.clear_leftovers(path):
        click.echo(f"Removed an unfinished earlier build: {leftover}")
