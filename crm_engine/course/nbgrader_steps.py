"""Running nbgrader for the course: where the course root is, the environment nbgrader runs in, one step.

Shared by the instructor's tools (`course.instructor`) and the parallel autograde (`course.batch`).
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from ..errors import InvalidInput, WorkspaceError
from .workspaces import ASSIGNMENTS


def course_root(root=None) -> pathlib.Path:
    """The course root: `root`, else `$CRM_LAB_COURSE_ROOT`, else the working directory."""
    return pathlib.Path(root or os.environ.get("CRM_LAB_COURSE_ROOT") or os.getcwd()).expanduser().resolve()


def environment() -> dict:
    """The environment nbgrader runs in: this Python's bin folder first on PATH (nbgrader calls `alembic`)."""
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def nbgrader(step: str, *args: str, root=None, check: bool = True) -> subprocess.CompletedProcess:
    """Run one nbgrader step (`generate_assignment`, `autograde`, …) in the course root."""
    folder = course_root(root)
    if not (folder / "nbgrader_config.py").exists():
        raise WorkspaceError("course_admin.no_config", folder=str(folder))
    result = subprocess.run([sys.executable, "-m", "nbgrader", step, *args], cwd=folder, env=environment(),
                            capture_output=True, text=True)
    if check and (result.returncode != 0 or "[ERROR]" in result.stderr or "| ERROR]" in result.stderr):
        tail = "\n".join(line for line in result.stderr.splitlines() if "ERROR" in line or "CRITICAL" in line)
        raise WorkspaceError("course_admin.step_failed", step=step, detail=tail[-2000:] or result.stderr[-2000:])
    return result


def known_assignment(assignment: str) -> str:
    """`assignment` if it is one of the course's assignments, else `InvalidInput` naming them."""
    if assignment not in ASSIGNMENTS:
        raise InvalidInput("course.unknown_assignment", field="assignment", name=assignment,
                           choices=", ".join(ASSIGNMENTS))
    return assignment
