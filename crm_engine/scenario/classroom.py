"""A workspace per student: one variant of the scenario for each id on a class list.

    from crm_engine.scenario import builtin, create_class
    create_class(builtin("fmcg_wholesaler"), "class_2026a.csv", "workspaces/")
    # workspaces/20260101.duckdb, workspaces/20260102.duckdb, …

Each student's variant is seeded from (scenario seed, student id), so the same class list
always gives the same workspaces, and no two students share customers or numbers. The
class list is a CSV (UTF-8 or GBK) with a column `student`, `student_id`, `id` or `学号`
(otherwise the first column holds the ids).
"""
from __future__ import annotations

import os
import re

import pandas as pd

from ..crm import ADMIN_USERNAME
from ..errors import InvalidInput
from .model import Scenario
from .rand import variant_seed

ID_COLUMNS = ("student", "student_id", "id", "学号")
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


def read_roster(path) -> list[str]:
    """The student ids of a class-list CSV, in file order."""
    path = os.fspath(path)
    try:
        try:
            frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, encoding="gbk")
    except (OSError, UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError):
        # not a CSV at all (a spreadsheet, a database file): no student ids to be found in it
        raise InvalidInput("scenario.roster", field="scenario", path=path) from None
    column = next((c for c in frame.columns if str(c).strip().lower() in ID_COLUMNS), None)
    if column is None and len(frame.columns):
        column = frame.columns[0]
    if column is None:
        raise InvalidInput("scenario.roster", field="scenario", path=path)
    return check_ids(frame[column].dropna().astype(str).str.strip().tolist(), path)


def check_ids(ids: list[str], path: str = "-") -> list[str]:
    ids = [i for i in ids if i]
    if not ids:
        raise InvalidInput("scenario.roster", field="scenario", path=path)
    seen = set()
    for student in ids:
        if not SAFE.match(student):
            raise InvalidInput("scenario.bad_student", field="scenario", student=student)
        if student in seen:
            raise InvalidInput("scenario.roster_duplicate", field="scenario", student=student)
        seen.add(student)
    return ids


def create_class(scenario: Scenario, roster, folder, *, seed: int | None = None, language: str | None = None,
                 overwrite: bool = False, progress=None) -> pd.DataFrame:
    """Create `<folder>/<student>.duckdb` for every student of `roster` (a CSV path or a list of ids).

    An existing workspace is kept (status `exists`) unless `overwrite=True`. `progress(done, total)`
    is called after each student. Returns one row per student: student, path, seed, status,
    customers, orders.
    """
    ids = check_ids([str(s).strip() for s in roster]) if isinstance(roster, (list, tuple)) else read_roster(roster)
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    base_seed = scenario.seed if seed is None else int(seed)
    rows = []
    for done, student in enumerate(ids, start=1):
        path = os.path.join(folder, f"{student}.duckdb")
        row = {"student": student, "path": path, "seed": variant_seed(base_seed, student)}
        if os.path.exists(path) and not overwrite:
            row.update(status="exists", customers=None, orders=None)
        else:  # built in one step: a stopped run leaves each workspace whole, old or new
            crm = scenario.create(path, student=student, seed=seed, language=language, replace=overwrite)
            try:
                counts = crm.as_user(ADMIN_USERNAME).tables.one(
                    "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders)")
            finally:
                crm.close()
            row.update(status="created", customers=counts[0], orders=counts[1])
        rows.append(row)
        if progress is not None:
            progress(done, len(ids))
    return pd.DataFrame(rows)
