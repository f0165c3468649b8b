"""`crm-lab` commands on one workspace file: demo, new, info, import, export, backup, restore — and the
courseware's copy-out and the theory site."""
from __future__ import annotations

import os
import time

import click

from .. import courseware, i18n, theory
from ..crm import CRM
from ..errors import CRMError
from ..scenario import demo as demo_company
from .base import CUSTOMERS, ORDERS, SEED, clear_leftovers, friendly, main, new_file, not_empty, one_line, parse_mapping


@main.command()
@click.argument("path", type=click.Path(dir_okay=False), callback=not_empty)
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default="en", show_default=True)
@click.option("--customers", type=CUSTOMERS, default=400, show_default=True, help="How many customers to generate.")
@click.option("--orders", type=ORDERS, default=8000, show_default=True, help="About how many orders of history.")
@click.option("--seed", type=SEED, default=2026, show_default=True)
@click.option("--if-missing", is_flag=True, help="Do nothing when the workspace already exists.")
@friendly
def demo(path, language, customers, orders, seed, if_missing):
    """Create the demo workspace: a computer distributor with a sales org, three years of orders and a few
    weeks of work in every module."""
    if if_missing and os.path.exists(path):
        click.echo(f"Demo workspace already exists: {path}")
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    clear_leftovers(path)
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
    return new_file(ctx, param, value)


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
@click.option("--map", "mapping", multiple=True, callback=parse_mapping,
              help="COLUMN=FIELD, e.g. 公司名称=name (repeatable).")
@click.option("--encoding", default=None, help="A CSV file's encoding (default: UTF-8, else detected; "
              "the one used is printed).")
@click.option("--date-format", default=None, help="Dates as strptime, e.g. %d.%m.%Y (default: detected per column).")
@click.option("--rejected", type=click.Path(dir_okay=False), callback=new_file,
              help="Write rejected rows with reasons to this CSV.")
@click.option("--add-codes", is_flag=True, help="Unknown dictionary values become new codes (listed; admin only).")
@click.option("--value", "values", multiple=True, callback=lambda c, p, v: _value_maps(v),
              help="FIELD:FROM=TO, a value map, e.g. product:GTXPro=GTX Pro (repeatable).")
@friendly
def import_(path, kind, source, user, mapping, encoding, date_format, rejected, add_codes, values):
    """Import customers, contacts, products or orders from CSV / Excel.

    Exit 0 when at least one row was imported (rejected rows are counted and listed), 1 when none was."""
    targets = sum(([v] if isinstance(v, str) else list(v) for v in mapping.values()), [])
    unknown = sorted(set(targets) - set(sum(CRM.IMPORT_FIELDS[kind], ())))
    if unknown:
        raise click.BadParameter(f"{kind} have no field {', '.join(map(repr, unknown))}; fields: "
                                 f"{', '.join(sum(CRM.IMPORT_FIELDS[kind], ()))}", param_hint="'--map'")
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
            # the file's own values: no formula may run from them
            CRM.spreadsheet_safe(report.rejected).to_csv(rejected, index=False, encoding="utf-8-sig")
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
    return one_line(crm.t("import.nothing_imported", total=report.total, reasons=" | ".join(reasons)))


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("kind", type=click.Choice(sorted(CRM.EXPORT_KINDS)), metavar="KIND")
@click.argument("target", type=click.Path(dir_okay=False), callback=new_file)
@click.option("--as", "user", default="admin", show_default=True, help="Export what this user may see.")
@friendly
def export(path, kind, target, user):
    """Export a list (customers, orders, …) to .csv or .xlsx — only what the user may see."""
    with CRM.open(path, user=user) as crm:
        rows = crm.exports.write(kind, target)
    click.echo(f"Wrote {rows} rows to {target}")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.argument("target", type=click.Path(dir_okay=False), callback=new_file)
@friendly
def backup(path, target):
    """Write a consistent snapshot of the workspace to a new file."""
    clear_leftovers(target)
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
