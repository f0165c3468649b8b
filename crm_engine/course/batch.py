"""Autograde a whole class on one machine: nbgrader in parallel worker processes, with progress and a summary.

    from crm_engine.course import batch as course_batch
    summary = course_batch.autograde("a1_opportunity", root=…, workers=4, progress=print_progress)
    print(summary)        # "Autograded 300 of 300 submission(s) of a1_opportunity with 4 workers in …"

One `nbgrader autograde` runs one notebook at a time (a kernel start and a run, ≈ 3.5 s here), so a class
of 300 takes about 20 minutes in one process. Each worker here is one `nbgrader autograde` over its own
subset of the students (`CourseDirectory.student_id_exclude` leaves the others out), so the CLI start is
paid once per worker, not once per student. The workers share the gradebook (SQLite): a worker that
fails — a locked database, a crashed kernel — is retried for its students one by one, in order, after
the others finish, and the summary names any student still not graded.
"""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from typing import Callable

from ..errors import WorkspaceError
from .nbgrader_steps import course_root, environment, known_assignment, nbgrader


@dataclasses.dataclass
class Summary:
    """What a class's autograde did."""

    assignment: str
    students: int
    graded: list[str]
    failed: list[str]
    workers: int
    seconds: float

    def __str__(self) -> str:
        each = self.seconds / max(len(self.graded), 1)
        text = (f"Autograded {len(self.graded)} of {self.students} submission(s) of {self.assignment} with "
                f"{self.workers} worker(s) in {self.seconds:.1f} s ({each:.2f} s per submission).")
        if self.failed:
            text += f" Not graded (see nbgrader's log): {', '.join(self.failed)}."
        return text


def submitted(assignment: str, *, root=None) -> list[str]:
    """The students with a submission of the assignment in `submitted/` (collect puts them there)."""
    folder = course_root(root) / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{assignment}") if p.is_dir())


def split(students: list[str], workers: int) -> list[list[str]]:
    """Students dealt round-robin into `workers` subsets (the same class always splits the same way)."""
    return [part for part in (students[k::workers] for k in range(max(workers, 1))) if part]


def _graded_since(root, assignment: str, students: list[str], since: float) -> list[str]:
    done = []
    for student in students:
        folder = root / "autograded" / student / assignment
        if any(p.stat().st_mtime >= since for p in folder.glob("*.ipynb")):
            done.append(student)
    return done


def autograde(assignment: str, *, root=None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Summary:
    """`nbgrader autograde` of every submitted student, split over `workers` processes (default: the
    machine's cores); `progress(done, total)` is called as submissions finish."""
    known_assignment(assignment)
    folder = course_root(root)
    if not (folder / "nbgrader_config.py").exists():
        raise WorkspaceError("course_admin.no_config", folder=str(folder))
    students = submitted(assignment, root=root)
    workers = max(1, min(workers or os.cpu_count() or 1, len(students) or 1))
    started = time.time()
    running = []
    for part in split(students, workers):
        others = [s for s in students if s not in part]
        args = [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force"]
        if others:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(others)}")
        running.append((part, subprocess.Popen(args, cwd=folder, env=environment(), stdout=subprocess.DEVNULL,
                                               stderr=subprocess.PIPE, text=True)))
    reported = -1
    while any(p.poll() is None for _, p in running):
        done = len(_graded_since(folder, assignment, students, started))
        if progress and done != reported:
            progress(done, len(students))
            reported = done
        time.sleep(0.5)
    for _, process in running:
        process.communicate()
    graded = _graded_since(folder, assignment, students, started)
    for student in [s for s in students if s not in graded]:  # once more, alone (a lock, a crash)
        nbgrader("autograde", assignment, "--force", f"--student={student}", root=root, check=False)
    graded = _graded_since(folder, assignment, students, started)
    if progress:
        progress(len(graded), len(students))
    return Summary(assignment, len(students), graded, [s for s in students if s not in graded], workers,
                   time.time() - started)
