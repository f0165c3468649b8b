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
the same transaction). Labels: `kind.<kind>`, `state.<kind>.<state>` and
`action.<kind>.<action>` in the i18n catalogues.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from .errors import CRMError, TransitionNotAllowed
from .i18n import Term

if TYPE_CHECKING:
    from .session import Session


MACHINES: dict[str, "StateMachine"] = {}  # kind → its table, filled as the areas define them


def machine(kind: str) -> "StateMachine":
    """The state machine of a kind of record (`"opportunity"`, `"lead"`, `"ticket"`, `"churn"` …): how the
    screens draw a path bar without importing an area. The areas are loaded with the facade (`crm.py`)."""
    return MACHINES[kind]


class StateMachine:
    def __init__(self, kind: str, transitions: dict[tuple[str, str], str]):
        self.kind = kind
        self.transitions = dict(transitions)
        self.states = tuple(dict.fromkeys([s for s, _ in transitions] + list(transitions.values())))
        self.actions = tuple(dict.fromkeys(a for _, a in transitions))
        MACHINES[kind] = self

    def allowed(self, state: str) -> list[str]:
        """The actions possible from `state`, in table order."""
        return [a for (s, a) in self.transitions if s == state]

    def check(self, record_id, state: str, action: str) -> str:
        """The state after `action`, or TransitionNotAllowed."""
        target = self.transitions.get((state, action))
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

    def label(self, state: str, language: str | None = None) -> str:
        from .i18n import translate
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
