"""The courseware around the engine, found in a checkout or in the installed package, and copied out.

    from crm_engine import courseware
    courseware.find("theory")                           # the folder with the theory texts
    courseware.copy_out("~/crm-lab")                    # a student's copy: notebooks and theory
    courseware.copy_out("course", instructor=True)      # everything an instructor runs the course from

The courseware is the theory texts (both languages), the notebooks (with notebooks/instructor), the
assignment sources (`source/`), the assignment briefs and rubrics (`assignments/`), `nbgrader_config.py`
and the example `jupyterhub_config.py`. Its authors edit it in the repository's top-level folders; a
built wheel carries a copy of the same files inside the package (`crm_engine/courseware_files/`, put
there by setup.py at build time), so an installed CRM Lab is the whole course, not only the engine.
A checkout is preferred when there is one, so a developer's edits show at once.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .errors import Conflict, NotFound

# Keep in step with COURSEWARE in setup.py (tests/test_wheel.py checks the wheel holds each of them).
ITEMS = ("theory", "notebooks", "source", "assignments", "nbgrader_config.py", "jupyterhub_config.py")
# A student gets the notebooks and the theory; the assignment sources hold the solutions and
# notebooks/instructor the class generation, so both stay with the instructor.
STUDENT_ITEMS = ("theory", "notebooks")
INSTRUCTOR_ONLY = {"notebooks": {"instructor"}}
CHECKOUT = Path(__file__).resolve().parent.parent
PACKAGED = Path(__file__).resolve().parent / "courseware_files"
# Generated files that are never courseware (a developer's checkout may hold them).
IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc", "*.duckdb", "*.duckdb.wal",
                                "*.duckdb.tmp", "*.crm", "*.crm.wal", "gradebook.db", "release", "submitted",
                                "autograded", "feedback")


def _is_root(folder: Path) -> bool:
    return (folder / "theory" / "chapters.toml").is_file() and (folder / "notebooks").is_dir()


def root() -> Path:
    """The folder holding the courseware: the repository checkout, else the copy inside the package."""
    if (CHECKOUT / "pyproject.toml").is_file() and _is_root(CHECKOUT):
        return CHECKOUT
    if _is_root(PACKAGED):
        return PACKAGED
    raise NotFound("courseware.missing", checkout=str(CHECKOUT), packaged=str(PACKAGED))


def find(item: str) -> Path:
    """One part of the courseware by its name in ITEMS, e.g. `find("theory")`."""
    if item not in ITEMS:
        raise NotFound("courseware.unknown_item", item=item, choices=", ".join(ITEMS))
    path = root() / item
    if not path.exists():
        raise NotFound("courseware.missing_item", item=item, path=str(path))
    return path


def copy_out(destination, *, instructor: bool = False) -> list[Path]:
    """Copy the courseware into `destination` (created if needed); returns what was copied.

    A student's copy holds `notebooks/` (without notebooks/instructor) and `theory/`, laid out as in
    the repository so the notebooks' links (`../theory/…`, `../workspace/…`) work. `instructor=True`
    copies every item. Nothing is overwritten: when any of the targets exists already, nothing is copied.
    """
    target = Path(destination).expanduser()
    items = ITEMS if instructor else STUDENT_ITEMS
    sources = [find(item) for item in items]
    existing = [str(target / item) for item in items if (target / item).exists()]
    if existing:
        raise Conflict("courseware.exists", paths=", ".join(existing))
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for item, source in zip(items, sources):
        if source.is_dir():
            skip = set() if instructor else INSTRUCTOR_ONLY.get(item, set())
            shutil.copytree(source, target / item, ignore=_ignoring(source, skip))
        else:
            shutil.copy2(source, target / item)
        copied.append(target / item)
    return copied


def _ignoring(top: Path, skip: set[str]):
    """copytree's ignore: generated files anywhere, and the `skip` folders directly under `top`."""
    def ignore(folder, names):
        ignored = set(IGNORE(folder, names))
        return ignored | (skip & set(names)) if Path(folder) == top else ignored
    return ignore
