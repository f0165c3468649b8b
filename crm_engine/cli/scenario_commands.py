"""`crm-lab scenario …`: list the built-in teaching scenarios, make a student's workspace or a class's,
move a workspace's clock."""
from __future__ import annotations

import os

import click

from ..crm import CRM
from .. import scenario as teaching  # looked up when called (tests swap in a broken catalogue)
from .base import CUSTOMERS, SEED, clear_leftovers, friendly, main


# -- teaching scenarios (crm_engine/scenario) ------------------------------------------------------
@main.group()
def scenario():
    """Teaching scenarios: list the built-ins, make a student's workspace or a whole class's, move the clock."""


def _scenario(name_or_file: str, language: str | None, customers: int | None):
    """A built-in scenario by name, or a scenario TOML file; optionally resized."""
    found = teaching.Scenario.from_toml(name_or_file) if name_or_file.endswith(".toml") \
        else teaching.builtin(name_or_file)
    if language:
        found = found.replace(language=language)
    return found if customers is None else found.scaled(customers)


def _bar(label: str):
    """A click progress bar and the `progress(done, total)` callback that drives it."""
    bar = click.progressbar(length=1, label=label, show_pos=True)

    def progress(done, total):
        bar.length = total
        bar.update(done - bar.pos)
    return bar, progress


@scenario.command("list")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default="en", show_default=True)
@friendly
def scenario_list(language):
    """The built-in scenarios."""
    for row in teaching.catalogue(language).itertuples():
        click.echo(f"{row.name:24} {row.title}  [{row.languages}; {row.customers} customers]")


@scenario.command("show")
@click.argument("name")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@friendly
def scenario_show(name, language):
    """The story of a scenario (a built-in NAME or a FILE.toml), as students read it."""
    found = _scenario(name, None, None)
    language = language or found.language
    click.echo(found.text(found.title, language))
    click.echo()
    click.echo((found.text(found.narrative, language) or "").strip())


@scenario.command("create")
@click.argument("name")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--student", default=None, help="The student whose variant to make.")
@click.option("--seed", type=SEED, default=None, help="Override the scenario's seed.")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@click.option("--customers", type=CUSTOMERS, default=None, help="Resize the customer base (orders scale along).")
@friendly
def scenario_create(name, path, student, seed, language, customers):
    """Make the workspace PATH from a scenario (a built-in NAME or a FILE.toml)."""
    found = _scenario(name, language, customers)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    clear_leftovers(path)
    bar, progress = _bar("Generating")
    with bar:
        crm = found.create(path, student=student, seed=seed, progress=progress)
    with crm:
        click.echo(f"Created {path}: {crm.customers.count()} customers, today is {crm.today()}"
                   + (f", variant of {student}" if student else "") + ".")


@scenario.command("class")
@click.argument("name")
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--seed", type=SEED, default=None, help="Override the scenario's seed.")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@click.option("--customers", type=CUSTOMERS, default=None, help="Resize the customer base (orders scale along).")
@click.option("--overwrite", is_flag=True, help="Replace workspaces that already exist.")
@friendly
def scenario_class(name, roster, folder, seed, language, customers, overwrite):
    """One workspace per student id of the class list ROSTER (CSV) in FOLDER: FOLDER/<student>.duckdb."""
    found = _scenario(name, language, customers)
    bar, progress = _bar("Students")
    with bar:
        made = teaching.create_class(found, roster, folder, seed=seed, overwrite=overwrite, progress=progress)
    created = int((made["status"] == "created").sum())
    click.echo(f"{created} workspaces created, {len(made) - created} kept, in {folder}")


@scenario.command("advance")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("days", type=click.IntRange(1, 366))
@friendly
def scenario_advance(path, days):
    """Move a scenario workspace's clock forward by DAYS: orders, requests, calls, leads, answers."""
    bar, progress = _bar("Days")
    with CRM.open(path) as crm, bar:
        report = crm.simulation.advance(days, progress=progress)
    click.echo(str(report))
