"""Helpers for the nbgrader tests: a temporary course with its exchange, students who fetch, work and
submit, and the instructor's steps — real nbgrader, real kernels."""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import pathlib
import shutil

import duckdb
import nbformat
from nbclient import NotebookClient

REPO = pathlib.Path(__file__).parents[2]
SOURCE = REPO / "source"
COURSE_ID = "crm-lab"


def notebook_of(assignment: str) -> pathlib.Path:
    (path,) = sorted((SOURCE / assignment).glob("*.ipynb"))
    return path


def grade_id(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def is_solution(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def owners(nb) -> dict[str, str]:
    """test cell id → the solution cell before it (the task a test checks)."""
    owner, found = None, {}
    for cell in nb.cells:
        if is_solution(cell) and cell.cell_type == "code":
            owner = grade_id(cell)
        elif grade_id(cell).startswith("test-"):
            found[grade_id(cell)] = owner
    return found


@contextlib.contextmanager
def environ(**values):
    """Environment variables set for the block (kernels started inside inherit them)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def execute(nb, folder: pathlib.Path, student: str | None = None, **env) -> nbformat.NotebookNode:
    """Run a notebook top to bottom in `folder` in a fresh kernel (Restart & Run All), as `student`."""
    with environ(CRM_LAB_STUDENT=student, **env):
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def errors(nb) -> list[str]:
    return [f"{grade_id(c)}: {o.get('ename')}: {o.get('evalue', '')[:300]}" for c in nb.cells
            if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]


def fill(release_nb, source_nb, keep=None, replace: dict | None = None):
    """The release notebook with the source's solutions in the solution cells whose id is in `keep`
    (all when None) — what a student who wrote them would hand in."""
    nb = nbformat.from_dict(json.loads(json.dumps(release_nb)))
    answers = {grade_id(c): c.source for c in source_nb.cells if is_solution(c)}
    for cell in nb.cells:
        gid = grade_id(cell)
        if is_solution(cell) and gid in answers and (keep is None or gid in keep):
            cell.source = (replace or {}).get(gid, answers[gid])
    return nb


def sha256(path) -> str:
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def table_snapshot(path) -> dict:
    """Every table's rows, hashed: equal snapshots mean the same CRM state."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT count(*), coalesce(bit_xor(hash(x)), 0) FROM {t} x").fetchone()
                for t in tables}
    finally:
        con.close()


# -- students and the exchange (nbgrader's own exchange classes, in process) ----------------------------------
def _exchange(kind: str, exchange: pathlib.Path, assignment: str, home: pathlib.Path, student: str | None = None):
    from traitlets.config import Config
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import default

    cfg = Config()
    cfg.Exchange.root = str(exchange)
    cfg.Exchange.assignment_dir = str(home)
    cfg.Exchange.cache = str(home / ".nbgrader_cache")   # each student's own, as with one Unix user each
    cfg.CourseDirectory.course_id = COURSE_ID
    cfg.CourseDirectory.assignment_id = assignment
    if student:
        cfg.CourseDirectory.student_id = student
    coursedir = CourseDirectory(config=cfg)
    cls = {"fetch": default.ExchangeFetchAssignment, "submit": default.ExchangeSubmit,
           "fetch_feedback": default.ExchangeFetchFeedback}[kind]
    with contextlib.chdir(home):
        cls(coursedir=coursedir, authenticator=Authenticator(config=cfg), config=cfg).start()


def fetch(exchange, assignment, home):
    _exchange("fetch", exchange, assignment, home)
    return home / assignment


def submit(exchange, assignment, home, student):
    _exchange("submit", exchange, assignment, home, student)


def fetch_feedback(exchange, assignment, home, student):
    _exchange("fetch_feedback", exchange, assignment, home, student)
    return home / assignment / "feedback"


# -- gaming: editing the workspace behind the engine's back -----------------------------------------------------
def _forge(con, user_id, action, kind, record_id, before=None, after=None, on=None):
    """An audit row as a verb would write it — the kind of forgery the visible checks cannot see."""
    con.execute("INSERT INTO audit VALUES ((SELECT max(id) + 1 FROM audit), coalesce(?::DATE, "
                "(SELECT value::DATE FROM settings WHERE key = 'today')), current_localtimestamp(), ?, ?, ?, ?, ?, ?, NULL)",
                [on, user_id, action, kind, record_id, json.dumps(before) if before is not None else None,
                 json.dumps(after) if after is not None else None])


def game(assignment: str, path: pathlib.Path, targets: dict) -> None:
    """Make a workspace look done by writing to its tables directly (DuckDB, not the engine)."""
    con = duckdb.connect(str(path))
    try:
        user = lambda name: con.execute("SELECT id FROM users WHERE username = ?", [name]).fetchone()[0]  # noqa: E731
        today = dt.date.fromisoformat(con.execute("SELECT value FROM settings WHERE key = 'today'").fetchone()[0])
        if assignment == "a1_opportunity":
            opp, me = targets["opportunity"], user("li.ming")
            con.execute("UPDATE opportunities SET state = 'succeeded', owner_id = ?, assigned_on = ?, closed_on = ? "
                        "WHERE id = ?", [me, today, today, opp])
            _forge(con, user("zhang.wei"), "assign", "opportunity", opp, {"state": "unassigned"},
                   {"owner_id": me, "state": "assigned"})
            for k in range(3):
                step = con.execute("SELECT coalesce(max(id), 0) + 1 FROM plan_steps").fetchone()[0]
                con.execute("INSERT INTO plan_steps VALUES (?, ?, ?, 'Phone call with the buyer about their needs', "
                            "'They liked it and asked for a quotation', ?, ?, ?)", [step, opp, today, today, me, me])
                _forge(con, me, "add_step", "opportunity", opp, None, {"step_id": step})
                _forge(con, me, "record_result", "opportunity", opp, None, {"step_id": step})
            _forge(con, me, "succeed", "opportunity", opp, {"state": "assigned"}, {"state": "succeeded"})
        elif assignment == "a2_leads":
            me = user("li.ming")
            for lead in targets["pool"][:3]:
                con.execute("UPDATE leads SET state = 'pending', owner_id = ? WHERE id = ?", [me, lead])
                _forge(con, me, "claim", "lead", lead, {"state": "unassigned"}, {"owner_id": me, "state": "pending"})
        elif assignment == "a3_churn":
            for warning in targets["warnings"]:
                con.execute("UPDATE churn_warnings SET state = 'suspended' WHERE id = ?", [warning])
                con.execute("INSERT INTO churn_measures VALUES ((SELECT coalesce(max(id), 0) + 1 FROM churn_measures), ?, ?, ?, "
                            "'Visited them and offered a large discount on the next order')",
                            [warning, today, user("zhang.wei")])
        elif assignment == "a4_service":
            con.execute(f"UPDATE tickets SET state = 'archived', satisfaction = 5 WHERE id IN "
                        f"({', '.join(map(str, targets['tickets']))})")
        elif assignment == "a5_analysis":
            con.execute("UPDATE orders SET amount = amount * 2 WHERE id = (SELECT min(id) FROM orders)")
        elif assignment == "a6_capstone":
            start = today
            con.execute("UPDATE settings SET value = ? WHERE key = 'today'", [str(start + dt.timedelta(days=28))])
            _forge(con, user("dong.li"), "advance", "scenario", None, str(start),
                   {"today": str(start + dt.timedelta(days=28))})
            con.execute("UPDATE tickets SET state = 'archived' WHERE state <> 'archived'")
        else:
            raise AssertionError(f"no gaming written for {assignment}")
    finally:
        con.close()


def make_course(base: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """A course root (the repo's nbgrader_config.py and source/, pointed at a temporary exchange)."""
    root, exchange = base / "course", base / "exchange"
    root.mkdir()
    exchange.mkdir()
    exchange.chmod(0o777)  # nbgrader's exchange must be world-writable
    shutil.copytree(SOURCE, root / "source", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.duckdb*",
                                                                          "*.crm*"))
    config = (REPO / "nbgrader_config.py").read_text("utf-8")
    config += f"\nc.Exchange.root = {str(exchange)!r}\nc.CourseDirectory.root = {str(root)!r}\n"
    (root / "nbgrader_config.py").write_text(config, "utf-8")
    return root, exchange
