"""Dump a generated scenario's `state_history` and `audit` after a month of simulated days,
to compare the engine before and after a change that must not change data (issue #18).

    PYTHONPATH=$PWD python tools/history_dump.py /tmp/before.txt      # on the old code
    PYTHONPATH=$PWD python tools/history_dump.py /tmp/after.txt       # on the new code
    PYTHONPATH=$PWD python tools/history_dump.py --compare /tmp/before.txt /tmp/after.txt

The scenario is built, then: `simulation.advance(30)` (its daily churn scans and the idle-lead
sweep of every clock move), a director's `leads.recycle()` and `churn.scan()` after 40 more days
on the plain clock, scans at\nthresholds of 2 and 12 months around 20 more days (raising and clearing warnings), and a few opportunity and lead verbs. Rows come out in the order they were
written (`state_history` by rowid, `audit` by id), the audit's wall time left out. The last line
is the SHA-256 of everything above it.

`--compare` says whether two dumps hold the same rows in the same order, allowing one thing: within
a run of consecutive `state_history` rows of the same kind, action and date (one set-based
statement's rows) the order may differ — main's churn scan wrote its clearing of open warnings
with no ORDER BY, so two runs of main itself differ there; `StateMachine.move_many` writes
them in record id order.
"""
from __future__ import annotations

import ast
import hashlib
import itertools
import sys
import tempfile
from pathlib import Path

from crm_engine.scenario import builtin


def scenario_rows(path: Path, customers: int = 300) -> list[str]:
    crm = builtin("hardware_distributor").scaled(customers).create(path, student="history")
    crm.simulation.advance(30)
    director = crm.as_user(crm._s.db.scalar("SELECT username FROM users WHERE role = 'director' AND active "
                                            "ORDER BY id LIMIT 1"))
    crm.clock.advance(40)
    director.leads.recycle()
    director.churn.scan()
    # A shorter threshold raises many warnings; a catch-up scan over the next days clears the ones
    # whose customers order meanwhile; a longer threshold clears the rest.
    crm.admin.set_setting("churn_threshold_months", 2)
    director.churn.scan()
    crm.simulation.advance(20, scan="end")
    director.churn.scan()
    crm.admin.set_setting("churn_threshold_months", 12)
    director.churn.scan()
    _sales_verbs(crm)
    db = crm._s.db
    out = [f"state_history {row!r}" for row in db.rows("SELECT * FROM state_history ORDER BY rowid")]
    columns = [c for (c,) in db.rows("SELECT column_name FROM duckdb_columns() WHERE table_name = 'audit' "
                                       "AND database_name = current_database() ORDER BY column_index")]
    keep = ", ".join(f'"{c}"' for c in columns if c != "at_time")
    out += [f"audit {row!r}" for row in db.rows(f"SELECT {keep} FROM audit ORDER BY id")]
    crm.close()
    return out


def _sales_verbs(crm) -> None:
    """A few moves through the sales verbs (assign, plan, close, lead work) on top of the scenario."""
    db = crm._s.db
    supervisor = db.scalar("SELECT username FROM users WHERE role = 'supervisor' AND active ORDER BY id LIMIT 1")
    sup = crm.as_user(supervisor)
    waiting = sup.opportunities.list(state="unassigned", sort="id", limit=3)
    rep = db.scalar("SELECT u.username FROM users u WHERE u.role = 'account_manager' AND u.active AND "
                    "u.team_id = (SELECT team_id FROM users WHERE username = ?) ORDER BY u.id LIMIT 1", [supervisor])
    for opp_id in waiting["id"]:
        try:
            sup.opportunities.assign(int(opp_id), rep)
        except Exception as error:  # noqa: BLE001 — a refusal is part of the record too
            print("refused:", type(error).__name__, error, file=sys.stderr)
    me = crm.as_user(rep)
    for opp_id in me.opportunities.list(state="assigned", owner=rep, sort="id", limit=2)["id"]:
        step = me.opportunities.add_step(int(opp_id), crm.today(), "Call the buyer")
        me.opportunities.record_result(step, "Interested")
        me.opportunities.fail(int(opp_id), "price")
    for lead_id in me.leads.pool(sort="id", limit=2)["id"]:
        me.leads.claim(int(lead_id))
        me.leads.follow_up(int(lead_id), "Called, asked for a quote")
        me.leads.convert(int(lead_id), opportunity=True)


def _runs(lines: list[str]) -> list[str]:
    """The dump with each run of one statement's state_history rows sorted (see `--compare`)."""
    def key(line: str):
        if not line.startswith("state_history "):
            return line
        row = ast.literal_eval(line.removeprefix("state_history ").replace("datetime.date", ""))
        return ("state_history", row[0], row[2], row[6])
    out = []
    for _, run in itertools.groupby(lines, key):
        out += sorted(run)
    return out


def compare(before: Path, after: Path) -> bool:
    old = before.read_text(encoding="utf-8").splitlines()[:-1]
    new = after.read_text(encoding="utf-8").splitlines()[:-1]
    exact = old == new
    same_rows = sorted(old) == sorted(new)
    same_order = _runs(old) == _runs(new)
    moved = sum(a != b for a, b in zip(old, new))
    print(f"{len(old)} / {len(new)} rows; identical: {exact}; same rows: {same_rows}; "
          f"same order but within one statement's rows: {same_order} ({moved} lines in another place)")
    return same_rows and same_order


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[1] == "--compare":
        sys.exit(0 if compare(Path(argv[2]), Path(argv[3])) else 1)
    with tempfile.TemporaryDirectory() as folder:
        rows = scenario_rows(Path(folder) / "history.duckdb")
    text = "\n".join(rows) + "\n"
    text += f"sha256 {hashlib.sha256(text.encode()).hexdigest()}\n"
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8")
    print(text.splitlines()[-1], f"({len(rows)} rows)")


if __name__ == "__main__":
    main(sys.argv)
