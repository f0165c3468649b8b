"""Whether the workspace agrees with what the simulated members did (tests/serve/load_helpers.py): the
audit trail against their logs, the records they created, the engine's invariants; and their latencies.
"""
from __future__ import annotations

import statistics
from collections import Counter

import pandas as pd

from crm_engine import CRM
from tests.serve.load_helpers import MARKED, Action


def audit_since(crm: CRM, after: int):
    return crm.sql("SELECT a.id, a.at_time, u.username, a.action, a.kind, a.record_id FROM audit a "
                   "JOIN users u ON u.id = a.user_id WHERE a.id > ? ORDER BY a.id", [after]).itertuples(index=False)


def agreement(crm: CRM, after: int, log: list[Action]) -> dict:
    """How the audit trail since row `after` agrees with the members' log (see the module's docstring)."""
    groups: dict[tuple, list[tuple]] = {}
    for row in audit_since(crm, after):
        record = None if pd.isna(row.record_id) else int(row.record_id)
        groups.setdefault((row.username, row.at_time), []).append((row.username, row.action, row.kind, record))
    sent = [a for a in log if a.audited]
    acked = Counter(a.entry() for a in sent if a.status == 200)
    flying = [a for a in sent if a.status is None]
    remaining = Counter(acked)
    found, duplicated, unsent = [], [], []
    for rows in groups.values():
        entry = next((row for row in rows if remaining[row] > 0), None)
        if entry is not None:
            remaining[entry] -= 1
            continue
        match = next((a for a in flying if all(a is not f for f in found) and _flying_match(a, rows)), None)
        if match is not None:
            found.append(match)
        elif any(row in acked for row in rows):
            duplicated.append(rows)
        else:
            unsent.append(rows)
    return {"sent": len(log), "audited_sent": len(sent), "acknowledged": sum(acked.values()),
            "refused": sum(1 for a in sent if a.status not in (None, 200)), "in_flight": len(flying),
            "in_flight_done": len(found), "transactions": len(groups),
            "lost": sorted((k for k, n in remaining.items() if n > 0), key=repr),
            "duplicated": duplicated, "unsent": unsent, "flying_found": found}


def _flying_match(action: Action, rows: list[tuple]) -> bool:
    user, verb, kind, record = action.entry()
    return any(r[:3] == (user, verb, kind) and (record is None or r[3] == record) for r in rows)


def marked(crm: CRM, log: list[Action], found_in_flight: list[Action]) -> list[str]:
    """Records created by marked actions: each acknowledged one once (with its id), each in-flight one
    as often as its audit entry was found (0 or 1). The problems, or []."""
    problems = []
    for action in log:
        if (action.area, action.verb) not in MARKED or action.status not in (None, 200):
            continue
        table, column = MARKED[(action.area, action.verb)]
        ids = crm.sql(f"SELECT id FROM {table} WHERE contains({column}, ?)", [action.marker])["id"].tolist()
        if action.status == 200:
            expected = [action.result if isinstance(action.result, int) else action.result["id"]]
        else:
            expected = len([a for a in found_in_flight if a is action])
            ids = len(ids)
        if ids != expected:
            problems.append(f"{action.area}.{action.verb} {action.marker} by {action.user}: {ids} != {expected}")
    return problems


def latencies(log: list[Action]) -> dict[str, dict]:
    """p50 / p95 / max milliseconds, counts and refusals per call and over all answered calls."""
    by: dict[str, list[Action]] = {}
    for action in log:
        if action.seconds is not None:
            by.setdefault(f"{action.area}.{action.verb}", []).append(action)
            by.setdefault("all", []).append(action)
    return {name: stats(actions) for name, actions in sorted(by.items())}


def stats(actions: list[Action]) -> dict:
    ordered = sorted(a.seconds * 1000 for a in actions)
    return {"n": len(ordered), "refused": sum(a.status != 200 for a in actions), "p50": statistics.median(ordered),
            "p95": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], "max": ordered[-1]}


def audit_top(path) -> int:
    with CRM.open(path, read_only=True) as crm:
        return int(crm.sql("SELECT coalesce(max(id), 0) AS top FROM audit")["top"][0])


def engine_invariants(crm: CRM) -> dict:
    """The rules the engine's state-machine tests check after every step (tests/engine/test_care_stateful.py,
    test_sales_stateful.py) and those of a generated company (scenario_helpers.invariants): {rule: what
    broke}, empty when every one holds."""
    from types import SimpleNamespace

    from tests.engine import scenario_helpers
    from tests.engine.test_care_stateful import CareMachine
    from tests.engine.test_sales_stateful import SalesMachine
    broken = dict(scenario_helpers.invariants(crm))
    machine = SimpleNamespace(db=crm._s.db, crm=crm)
    for rule in (CareMachine.no_confirm_without_an_earlier_suspension,
                 CareMachine.at_most_one_open_warning_per_customer,
                 CareMachine.one_handler_per_ticket, CareMachine.archived_tickets_were_satisfied,
                 CareMachine.states_match_their_history,
                 SalesMachine.one_manager_per_assigned_and_one_customer_per_won_opportunity):
        try:
            rule(machine)
        except AssertionError as error:
            broken[rule.__name__] = str(error).splitlines()[0][:300]
    return broken
