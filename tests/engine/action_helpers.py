"""Shared by the `actions(id)` tests: ask a verb, then roll it back, to compare its answer with the reason
the record page shows."""
from crm_engine.errors import CRMError


class Undo(Exception):
    """Raised to roll back an attempt made only to see whether the verb accepts it."""


def attempt(crm, verb) -> str | None:
    """None if `verb()` goes through (then rolled back), else its refusal's message."""
    answer = None
    try:
        with crm._s.db.transaction():
            try:
                verb()
            except CRMError as error:
                answer = str(error)
            raise Undo
    except Undo:
        pass
    return answer
