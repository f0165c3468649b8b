"""State machines as explicit transition tables.

    OPPORTUNITY = StateMachine("opportunity", {
        ("unassigned", "assign"): "assigned",
        ("assigned", "assign"): "assigned",      # reassigning keeps history
        ("assigned", "succeed"): "succeeded",
        ("assigned", "fail"): "failed",
    })
    new_state = OPPORTUNITY.move(session, opp_id, current_state, "assign", note="to Li Ming")

`move` refuses a pair that is not in the table with a translated
`TransitionNotAllowed` naming the record, its state and the action, and writes
one `state_history` row for an allowed move (the caller updates its own table in
the same transaction). `move_many` does the same for a set of records in one SQL
statement (a sweep, a scan); `starts` names the actions that bring a record into
being in a state (its history row has no `from_state`). `history` reads one
record's moves with the names of who made them. Labels: `kind.<kind>`,
`state.<kind>.<state>` and `action.<kind>.<action>` in the i18n catalogues.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pandas as pd

from .errors import CRMError, TransitionNotAllowed
from .i18n import Term, translate

if TYPE_CHECKING:
    from .session import Session


MACHINES: dict[str, "StateMachine"] = {}  # kind → its table, filled as the areas define them


def machine(kind: str) -> "StateMachine":
    """The state machine of a kind of record (`"opportunity"`, `"lead"`, `"ticket"`, `"churn"` …): how the
    screens draw a path bar without importing an area. The areas are loaded with the facade (`crm.py`)."""
    return MACHINES[kind]


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class StateMachine:
    def __init__(self, kind: str, transitions: dict[tuple[str, str], str], starts: dict[str, str] | None = None):
        self.kind = kind
        self.transitions = dict(transitions)
        self.starts = dict(starts or {})
        self.states = tuple(dict.fromkeys([s for s, _ in transitions] + list(transitions.values())))
        self.actions = tuple(dict.fromkeys(a for _, a in transitions))
        MACHINES[kind] = self

    def allowed(self, state: str) -> list[str]:
        """The actions possible from `state`, in table order."""
        return [a for (s, a) in self.transitions if s == state]

    def check(self, record_id, state: str | None, action: str) -> str:
        """The state after `action`, or TransitionNotAllowed (`state` None: a start, see `starts`)."""
        target = self.starts.get(action) if state is None else self.transitions.get((state, action))
        if target is None:
            raise TransitionNotAllowed(
                "error.transition_detail", kind=Term(f"kind.{self.kind}"), id=record_id,
                state=Term(f"state.{self.kind}.{state}"), action=Term(f"action.{self.kind}.{action}"),
            )
        return target

    def move(self, s: Session, record_id, state: str, action: str, note: str | None = None) -> str:
        """Check the move and record it in the history; returns the new state."""
        target = self.check(record_id, state, action)
        s.history(self.kind, record_id, action, state, target, note)
        return target

    def move_many(self, s: Session, action: str, moves: str, params=None) -> int:
        """Check and record `action` for a set of records, in one SQL statement; returns how many.

        `moves` is SQL selecting one row per record: `record_id`, `from_state` (NULL for a
        start), `on_date` and `note`. Each row passes `check`'s rule (else TransitionNotAllowed
        for the first one refused, by record id, and nothing is written); the history rows
        are the ones `move` would write — as the acting user, in record id order. The caller
        updates its own table in the same transaction.
        """
        params = [] if params is None else params
        froms = [state for (state, name) in self.transitions if name == action]
        allowed = "FALSE" if not froms else f"m.from_state IN ({', '.join(map(_literal, froms))})"
        start = "m.from_state IS NULL" if action in self.starts else "FALSE"
        refused = s.db.one(f"SELECT m.record_id, m.from_state FROM ({moves}) m "
                           f"WHERE NOT coalesce({allowed} OR {start}, FALSE) ORDER BY m.record_id LIMIT 1", params)
        if refused is not None:
            self.check(*refused, action)
        targets = [f"WHEN {_literal(state)} THEN {_literal(self.transitions[(state, action)])}" for state in froms]
        target = f"CASE m.from_state {' '.join(targets)} END" if targets else "NULL"
        if action in self.starts:
            target = f"coalesce({target}, {_literal(self.starts[action])})"
        before = s.db.scalar("SELECT count(*) FROM state_history")
        s.db.execute(f"INSERT INTO state_history SELECT {_literal(self.kind)}, m.record_id, {_literal(action)}, "
                     f"m.from_state, {target}, {int(s.user.id)}, m.on_date, m.note FROM ({moves}) m "
                     "ORDER BY m.record_id", params)
        return s.db.scalar("SELECT count(*) FROM state_history") - before

    def history(self, s: Session, record_id: int) -> pd.DataFrame:
        """One record's state moves, oldest first, with the name of who made each (the caller
        checked that the record may be read)."""
        return s.db.df(
            "SELECT h.on_date, h.action, h.from_state, h.to_state, u.name AS user_name, h.note "
            "FROM state_history h LEFT JOIN users u ON u.id = h.user_id "
            "WHERE h.kind = ? AND h.record_id = ? ORDER BY h.rowid", [self.kind, record_id])

    def label(self, state: str, language: str | None = None) -> str:
        return translate(f"state.{self.kind}.{state}", language)


def reasons(s: Session, checks: dict[str, Callable[[], object]]) -> dict[str, str | None]:
    """What the acting user may do to one record now, and why not: each action → None when its
    check passes, else the refusal's message in the session's language.

    `checks` are the very checks the verbs run before they look at their input (state table,
    role, data scope, preconditions), so a screen's disabled button and the verb always agree:

        return reasons(s, {"assign": lambda: check_assign(s, opp),
                           "fail": lambda: (MACHINE.check(opp.id, opp.state, "fail"), authorise(s, opp, "fail"))})
    """
    found = {}
    for name, check in checks.items():
        try:
            check()
        except CRMError as error:
            found[name] = error.message(s.language)
        else:
            found[name] = None
    return found
