"""`crm-lab`: the command line for instructors and administrators.

    crm-lab demo workspace/demo.duckdb           # the demo company
    crm-lab new workspace/acme.duckdb --company "Acme Ltd." --today 2026-03-02   # an empty one
    crm-lab info workspace/demo.duckdb
    crm-lab import workspace/demo.duckdb customers list.csv --as li.ming --map 公司名称=name
    crm-lab export workspace/demo.duckdb customers mine.xlsx --as li.ming
    crm-lab backup workspace/demo.duckdb monday.duckdb
    crm-lab restore workspace/demo.duckdb monday.duckdb
    crm-lab theory-site build/theory-site
    crm-lab courseware ~/crm-lab                  # notebooks, theory and a demo workspace for a student
    crm-lab scenario list
    crm-lab scenario create fmcg_wholesaler workspaces/s001.duckdb --student s001
    crm-lab scenario class vocational_school class.csv workspaces/
    crm-lab scenario advance workspaces/s001.duckdb 7

Exit codes: 0 done; 1 refused (the engine's reason, in the workspace's language; an import that
imported nothing); 2 a malformed command line (click's usage errors: a bad option value, a missing file).
"""
from __future__ import annotations

import functools
import os
import sys
import time

import click

from . import CRM, CRMError
from .transfer import EXPORTABLE, FIELDS

# Bounds a scenario itself accepts (scenario/model.py), checked before any work starts.
CUSTOMERS = click.IntRange(1, 5_000_000)
ORDERS = click.IntRange(0, 100_000_000)
SEED = click.IntRange(0, 2**32 - 1)


def _one_line(text: str) -> str:
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
            raise click.ClickException(_one_line(error)) from None
        except BrokenPipeError:  # `crm-lab info … | head`: the reader has all it wanted; say nothing more
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):  # no file descriptor behind stdout (a test runner)
                pass
            sys.exit(1)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise click.ClickException(_one_line(f"{where}{error.strerror or error}")) from None
        except Exception as error:
            if os.environ.get("CRM_LAB_DEBUG"):
                raise
            raise click.ClickException(_one_line(
                f"unexpected {type(error).__name__}: {error} (a bug in CRM Lab; CRM_LAB_DEBUG=1 shows where)")) from None
    return run


def _mapping(ctx, param, values) -> dict[str, str]:
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


def _new_file(ctx, param, value):
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
        from .turns import ENV_WAIT

        # Every open in this command reads it (turns.waiting_time): one setting for all of them.
        os.environ[ENV_WAIT] = f"{wait:g}"


def _not_empty(ctx, param, value):
    """An argument that names something may not be empty (an empty path is no file name)."""
    if value is not None and not str(value).strip():
        raise click.BadParameter("may not be empty")
    return value


def _clear_leftovers(path) -> None:
    """Say what a killed earlier build of `path` left behind and is removed now (builds are atomic:
    crm_engine/atomic.py); one still running elsewhere stops the command with its file and PID."""
    from .atomic import clear_leftovers

    for leftover in clear_leftovers(path):
        click.echo(f"Removed an unfinished earlier build: {leftover}")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False), callback=_not_empty)
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default="en", show_default=True)
@click.option("--customers", type=CUSTOMERS, default=400, show_default=True, help="How many customers to generate.")
@click.option("--orders", type=ORDERS, default=8000, show_default=True, help="About how many orders of history.")
@click.option("--seed", type=SEED, default=2026, show_default=True)
@click.option("--if-missing", is_flag=True, help="Do nothing when the workspace already exists.")
@friendly
def demo(path, language, customers, orders, seed, if_missing):
    """Create the demo workspace: a computer distributor with a sales org, three years of orders and a few
    weeks of work in every module."""
    from .scenario import demo as demo_company

    if if_missing and os.path.exists(path):
        click.echo(f"Demo workspace already exists: {path}")
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    _clear_leftovers(path)
    started = time.perf_counter()
    with demo_company.create(path, language=language, customers=customers, orders=orders, seed=seed) as crm:
        total = crm.customers.count()   # the generated ones and those its people won in their first weeks
        click.echo(f"Created {path}: {total} customers ({customers} generated, {total - customers} won since), "
                   f"{len(crm.orders.list())} orders, today is {crm.today()} "
                   f"(built in {time.perf_counter() - started:.1f} s).")


def _not_there(ctx, param, value):
    """A workspace to make: nothing may be at `value` yet, and its folder must exist."""
    if value is not None and os.path.lexists(value):
        raise click.BadParameter(f"{value!r} already exists (open it, or choose another name)")
    return _new_file(ctx, param, value)


def _company(ctx, param, value):
    """A company name: one line of text, not blank, at most 200 characters."""
    if value is None:
        return None
    name = value.strip()
    if not name or len(name) > 200 or not name.isprintable():  # a line break or control character too
        raise click.BadParameter(f"{value!r} is not a company name (one line of 1–200 printable characters)")
    return name


@main.command()
@click.argument("path", type=click.Path(dir_okay=False), callback=_not_there)
@click.option("--company", callback=_company, help="The company's name (default: the file's name).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The scenario clock's first day, YYYY-MM-DD (default: today's date).")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default="en", show_default=True)
@friendly
def new(path, company, today, language):
    """Create an empty workspace: the administrator `admin`, a root team and the company's name —
    no customers, no people. Fill it with `crm-lab import` or the admin screens."""
    company = company or os.path.splitext(os.path.basename(path))[0]
    with CRM.create(path, today=today.date() if today else None, language=language, company=company) as crm:
        click.echo(f"Created {path}: {crm.admin.settings()['company']}, empty, today is {crm.today()}.")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@friendly
def info(path):
    """Summarise a workspace (read-only)."""
    with CRM.open(path, read_only=True) as crm:
        settings = crm.admin.settings()
        click.echo(f"{settings['company']} — scenario date {crm.today()}, language {settings['language']}")
        users = crm.admin.users()
        click.echo(f"{len(users)} users; {crm.customers.count()} customers; {len(crm.orders.list())} orders")
        for role, count in users["role"].value_counts().sort_index().items():
            click.echo(f"  {crm.t('role.' + role)}: {count}")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("kind", type=click.Choice(["customers", "contacts", "products", "orders", "users", "teams",
                                           "opportunities", "interactions", "tickets"]))
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "user", default="admin", show_default=True, help="Import as this user.")
@click.option("--map", "mapping", multiple=True, callback=_mapping,
              help="COLUMN=FIELD, e.g. 公司名称=name (repeatable).")
@click.option("--encoding", default=None, help="A CSV file's encoding (default: UTF-8, else detected; "
              "the one used is printed).")
@click.option("--date-format", default=None, help="Dates as strptime, e.g. %d.%m.%Y (default: detected per column).")
@click.option("--rejected", type=click.Path(dir_okay=False), callback=_new_file,
              help="Write rejected rows with reasons to this CSV.")
@click.option("--add-codes", is_flag=True, help="Unknown dictionary values become new codes (listed; admin only).")
@click.option("--value", "values", multiple=True, callback=lambda c, p, v: _value_maps(v),
              help="FIELD:FROM=TO, a value map, e.g. product:GTXPro=GTX Pro (repeatable).")
@friendly
def import_(path, kind, source, user, mapping, encoding, date_format, rejected, add_codes, values):
    """Import customers, contacts, products or orders from CSV / Excel.

    Exit 0 when at least one row was imported (rejected rows are counted and listed), 1 when none was."""
    targets = sum(([v] if isinstance(v, str) else list(v) for v in mapping.values()), [])
    unknown = sorted(set(targets) - set(sum(FIELDS[kind], ())))
    if unknown:
        raise click.BadParameter(f"{kind} have no field {', '.join(map(repr, unknown))}; fields: "
                                 f"{', '.join(sum(FIELDS[kind], ()))}", param_hint="'--map'")
    with CRM.open(path, user=user) as crm, click.progressbar(length=1, label=f"Importing {kind}") as bar:
        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)
        options = {"date_format": _date_formats(date_format)} if date_format else {}
        options.update({"add_codes": True} if add_codes else {}, **({"values": values} if values else {}))
        report = getattr(crm.imports, kind)(source, mapping=mapping, encoding=encoding, progress=progress, **options)
        nothing = None if report.imported else _nothing_imported(crm, report, source)
    click.echo(str(report))
    if report.created is not None and kind in ("users", "teams"):
        click.echo(report.created.fillna("").to_string(index=False))
    if len(report.rejected):
        click.echo(report.rejected[["line", "reason"]].head(20).to_string(index=False))
        if rejected:
            from .transfer import neutralised  # the file's own values: no formula may run from them
            neutralised(report.rejected).to_csv(rejected, index=False, encoding="utf-8-sig")
            click.echo(f"All rejected rows: {rejected}")
    if nothing:
        raise click.ClickException(nothing)


def _date_formats(text: str):
    """`--date-format`: one format, or FIELD=FORMAT;FIELD=FORMAT for a file whose date columns differ."""
    if "=" not in text:
        return text
    return dict((part.partition("=")[0].strip(), part.partition("=")[2].strip()) for part in text.split(";"))


def _value_maps(items) -> dict:
    """`--value FIELD:FROM=TO`, repeatable, as {field: {from: to}}."""
    maps: dict[str, dict[str, str]] = {}
    for item in items:
        field, colon, rest = item.partition(":")
        old, equals, new = rest.partition("=")
        if not (colon and equals and field.strip() and old.strip()):
            raise click.BadParameter(f"{item!r} is not FIELD:FROM=TO (e.g. product:GTXPro=GTX Pro)")
        maps.setdefault(field.strip(), {})[old.strip()] = new.strip()
    return maps


def _nothing_imported(crm, report, source) -> str:
    """Why an import imported nothing, on one line: its most common reasons, with counts."""
    if not report.total:
        return crm.t("import.no_rows", path=os.path.basename(source))
    counts = report.rejected["reason"].value_counts()
    reasons = [crm.t("import.reason_count", reason=reason, count=count) for reason, count in counts.head(3).items()]
    if len(counts) > 3:
        reasons.append("…")
    return _one_line(crm.t("import.nothing_imported", total=report.total, reasons=" | ".join(reasons)))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("kind", type=click.Choice(sorted(EXPORTABLE)), metavar="KIND")
@click.argument("target", type=click.Path(dir_okay=False), callback=_new_file)
@click.option("--as", "user", default="admin", show_default=True, help="Export what this user may see.")
@friendly
def export(path, kind, target, user):
    """Export a list (customers, orders, …) to .csv or .xlsx — only what the user may see."""
    with CRM.open(path, user=user) as crm:
        rows = crm.exports.write(kind, target)
    click.echo(f"Wrote {rows} rows to {target}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("target", type=click.Path(dir_okay=False), callback=_new_file)
@friendly
def backup(path, target):
    """Write a consistent snapshot of the workspace to a new file."""
    _clear_leftovers(target)
    with CRM.open(path) as crm:
        click.echo(f"Backup written to {crm.admin.backup(target)}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.confirmation_option(prompt="Replace the workspace's data with the backup's?")
@friendly
def restore(path, source):
    """Replace the workspace's data with a backup's (one transaction)."""
    if os.path.samefile(path, source):
        raise click.BadParameter(f"{source!r} is the workspace itself; restore from a backup of it",
                                 param_hint="'SOURCE'")
    with CRM.open(path) as crm:
        crm.admin.restore(source)
    click.echo(f"Restored {path} from {source}")


@main.command("theory-site")
@click.argument("target", type=click.Path(file_okay=False), default="build/theory-site")
@friendly
def theory_site(target):
    """Build the offline HTML site of the CRM theory (English and 中文) into TARGET."""
    from . import theory

    try:
        index = theory.build_site(target)
    except (theory.TheoryNotFound, theory.SiteBuildError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Theory site written: {index}")


@main.command("courseware")
@click.argument("target", type=click.Path(file_okay=False))
@click.option("--instructor", is_flag=True,
              help="Everything: also the assignment sources, notebooks/instructor, briefs, nbgrader and hub configs.")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default="en", show_default=True,
              help="Language of the messages and of the demo workspace.")
@click.option("--customers", default=400, show_default=True, help="Customers of the demo workspace.")
@friendly
def courseware_copy(target, instructor, language, customers):
    """Copy the course out of the installed CRM Lab into TARGET: notebooks, theory and a demo workspace."""
    from . import courseware, i18n
    from .errors import CRMError

    try:
        copied = courseware.copy_out(target, instructor=instructor)
    except CRMError as error:
        raise click.ClickException(error.message(language)) from None
    # The notebooks open ../workspace/demo.duckdb, so the copy gets one (an existing one is kept).
    workspace = os.path.join(target, "workspace", "demo.duckdb")
    click.get_current_context().invoke(demo, path=workspace, language=language, customers=customers,
                                       orders=20 * customers, if_missing=True)
    click.echo(i18n.t("courseware.copied", language, target=target, items=", ".join(p.name for p in copied)))
    click.echo(i18n.t("courseware.open", language,
                      notebook=os.path.join(target, "notebooks", "00_start_here.ipynb")))


# -- teaching scenarios (crm_engine/scenario) ------------------------------------------------------
@main.group()
def scenario():
    """Teaching scenarios: list the built-ins, make a student's workspace or a whole class's, move the clock."""


def _scenario(name_or_file: str, language: str | None, customers: int | None):
    """A built-in scenario by name, or a scenario TOML file; optionally resized."""
    from .scenario import Scenario, builtin

    found = Scenario.from_toml(name_or_file) if name_or_file.endswith(".toml") else builtin(name_or_file)
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
    from .scenario import catalogue

    for row in catalogue(language).itertuples():
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
    _clear_leftovers(path)
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
    from .scenario import create_class

    found = _scenario(name, language, customers)
    bar, progress = _bar("Students")
    with bar:
        made = create_class(found, roster, folder, seed=seed, overwrite=overwrite, progress=progress)
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


# -- the course (docs/course.md): nbgrader's steps, student workspaces, the class dashboard ----------------
@main.group()
def course():
    """Assignments graded with nbgrader from the state of each student's CRM (run in the course root)."""


def _course_step(action):
    """Run an instructor step; a CRMError (a failed nbgrader step included) becomes one clear line."""
    try:
        return action()
    except CRMError as error:
        raise click.ClickException(str(error)) from None


@course.command("list")
@friendly
def course_list():
    """The assignments, their scenario and their criteria with points."""
    from .course.workspaces import ASSIGNMENTS
    from .course.rubrics import rubric
    from .scenario import builtin

    for name, spec in ASSIGNMENTS.items():
        criteria = rubric(name)
        total = sum(c.points for c in criteria.values())
        # the user the student acts as, named as docs/course.md names them ("Li Ming (li.ming)")
        user = spec.user or builtin(spec.scenario).student_user or "admin"
        person = " ".join(part.capitalize() for part in user.split("."))
        click.echo(f"{name}: {spec.scenario} ({spec.customers} customers), as {person} ({user})"
                   f" — {total:g} auto-graded points")
        for criterion in criteria.values():
            click.echo(f"  test-{criterion.name}: {criterion.points:g}")


@course.command("workspace")
@click.argument("assignment")
@click.argument("student", callback=_not_empty)
@click.option("--folder", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where the workspace file goes (a student's assignment folder).")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@friendly
def course_workspace(assignment, student, folder, language):
    """Create (or reopen) STUDENT's workspace for ASSIGNMENT — the same file their set-up cell makes."""
    from .course.workspaces import Course

    os.makedirs(folder, exist_ok=True)
    opened = Course.open(assignment, folder=folder, student=student, language=language)
    click.echo(f"{'Created' if opened.created else 'Exists'}: {opened.path} (targets: {opened.targets})")
    opened.close()


@course.command("init")
@click.argument("root", type=click.Path(file_okay=False), default=".")
@click.option("--exchange", type=click.Path(file_okay=False), default=None,
              help="The exchange folder (default ROOT/exchange; on a hub, its shared folder).")
def course_init(root, exchange):
    """Set up a course root: nbgrader_config.py, source/, an exchange students can write to (Exchange.root)."""
    from .course import instructor as course_admin

    for line in _course_step(lambda: course_admin.init(root, exchange=exchange)):
        click.echo(line)


@course.command("release")
@click.argument("assignment")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="Course root (default: here).")
@friendly
def course_release(assignment, root):
    """nbgrader generate_assignment + release_assignment: students can fetch it."""
    from .course import instructor as course_admin

    folder = _course_step(lambda: course_admin.release(assignment, root=root))
    click.echo(f"Released {assignment} from {folder}")


@course.command("grade")
@click.argument("assignment")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="Course root (default: here).")
@click.option("--no-collect", is_flag=True, help="Grade what is already in submitted/.")
@click.option("--release-feedback", is_flag=True, help="Also release the feedback to the students.")
@click.option("--no-check-owner", is_flag=True,
              help="Collect submissions whatever Unix user owns them (a class submitting from one account).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Parallel autograde processes (default: one per core).")
@friendly
def course_grade(assignment, root, no_collect, release_feedback, no_check_owner, workers):
    """collect, autograde (in parallel) and generate_feedback for the whole class; prints every score."""
    from .course import instructor as course_admin

    def progress(done, total):
        width = 30
        bar = "#" * (width * done // max(total, 1))
        click.echo(f"\rautograde [{bar:<{width}}] {done}/{total}", nl=done >= total and total > 0, err=True)

    summary = _course_step(lambda: course_admin.grade(
        assignment, root=root, collect=not no_collect, release_feedback=release_feedback,
        check_owner=not no_check_owner, workers=workers, progress=progress))
    if summary is not None:
        click.echo(str(summary))
    board = _course_step(lambda: course_admin.dashboard(assignment, root=root))
    click.echo(f"Graded {assignment}: {len(board.grades)} submission(s).")
    if len(board.grades):
        click.echo(board.score_table())
    flagged = board.outcomes.index[board.outcomes["flagged"]].tolist() if len(board.outcomes) else []
    if flagged:
        click.echo(f"Flagged (workspace edited outside the CRM): {', '.join(flagged)}")
    others = board.outcomes["identity"] if len(board.outcomes) else {}
    others = [f"{student} (workspace made for {owner})" for student, owner in dict(others).items() if owner]
    if others:
        click.echo(f"Check identity (graded as they stand; confirm the work is theirs): {', '.join(others)}")


@course.command("export")
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--root", type=click.Path(file_okay=False), default=None, help="Course root (default: here).")
@click.option("--wide", is_flag=True, help="One row per student, a column per assignment (gradebook import).")
def course_export(out, root, wide):
    """Write the course's grades to OUT.csv for an LMS (Canvas, Moodle): student_id, assignment, score, max_score."""
    from .course import instructor as course_admin

    frame = _course_step(lambda: course_admin.export_grades(out, root=root, wide=wide))
    click.echo(f"Wrote {len(frame)} row(s) to {out}.")


@course.command("dashboard")
@click.argument("assignment")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="Course root (default: here).")
@friendly
def course_dashboard(assignment, root):
    """Grades per criterion, common mistakes and the class's CRM outcomes (charts: the instructor notebook)."""
    from .course import instructor as course_admin

    click.echo(_course_step(lambda: course_admin.dashboard(assignment, root=root)).summary())


if __name__ == "__main__":  # python -m crm_engine.cli (tests run the CLI this way)
    main()
