"""`crm-lab course …`: the assignments, a student's workspace, and nbgrader's steps for the instructor."""
from __future__ import annotations

import os

import click

from ..course import instructor as course_admin
from ..course.rubrics import rubric
from ..course.workspaces import ASSIGNMENTS, Course
from ..errors import CRMError
from ..scenario import builtin
from .base import friendly, main, not_empty


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
@click.argument("student", callback=not_empty)
@click.option("--folder", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where the workspace file goes (a student's assignment folder).")
@click.option("--language", type=click.Choice(["en", "zh_CN"]), default=None)
@friendly
def course_workspace(assignment, student, folder, language):
    """Create (or reopen) STUDENT's workspace for ASSIGNMENT — the same file their set-up cell makes."""
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
    for line in _course_step(lambda: course_admin.init(root, exchange=exchange)):
        click.echo(line)


@course.command("release")
@click.argument("assignment")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="Course root (default: here).")
@friendly
def course_release(assignment, root):
    """nbgrader generate_assignment + release_assignment: students can fetch it."""
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
    frame = _course_step(lambda: course_admin.export_grades(out, root=root, wide=wide))
    click.echo(f"Wrote {len(frame)} row(s) to {out}.")


@course.command("dashboard")
@click.argument("assignment")
@click.option("--root", type=click.Path(file_okay=False), default=None, help="Course root (default: here).")
@friendly
def course_dashboard(assignment, root):
    """Grades per criterion, common mistakes and the class's CRM outcomes (charts: the instructor notebook)."""
    click.echo(_course_step(lambda: course_admin.dashboard(assignment, root=root)).summary())
