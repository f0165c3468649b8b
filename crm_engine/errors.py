"""One exception hierarchy for everything the engine refuses.

Every error carries a message key and parameters and renders in the language of
the session that raised it, so a form can show it as it is. Nothing else should
escape the engine: DuckDB's own exceptions are mapped in `db.py`.
"""
from __future__ import annotations

from .i18n import Term, catalog, translate


class CRMError(Exception):
    """Base of all CRM Lab errors; `str(error)` is a message a student understands."""

    default_key = "error.generic"

    def __init__(self, key: str | None = None, /, **params):
        self.key = key or self.default_key
        self.params = params
        self.language: str | None = None
        super().__init__(self.key)

    @property
    def field(self) -> str | None:
        """The input field the error is about, when there is one (forms show it there)."""
        return self.params.get("field")

    def message(self, language: str | None = None) -> str:
        params = dict(self.params)
        if isinstance(params.get("field"), str) and f"field.{params['field']}" in catalog():
            params["field"] = Term(f"field.{params['field']}")
        return translate(self.key, language or self.language, **params)

    def __str__(self) -> str:
        return self.message()


class NotFound(CRMError):
    """The record asked for does not exist (or is outside what you may see)."""

    default_key = "error.not_found"


class InvalidInput(CRMError, ValueError):
    """A value is missing, malformed or out of range; nothing was changed."""

    default_key = "error.invalid_input"


class Conflict(CRMError):
    """The action would duplicate or contradict an existing record."""

    default_key = "error.conflict"


class NotAllowed(CRMError, PermissionError):
    """Your role or data scope does not allow this action."""

    default_key = "error.not_allowed"


class TransitionNotAllowed(NotAllowed):
    """The record's current state does not allow this action."""

    default_key = "error.transition"


class WorkspaceError(CRMError):
    """The workspace file cannot be used: missing, not a CRM workspace, or too new."""

    default_key = "error.workspace"


class WorkspaceLocked(WorkspaceError):
    """Another process (or another mode in this one) holds the workspace file."""

    default_key = "error.locked"


class ImportAborted(CRMError):
    """An import stopped before the end; nothing of it was saved."""

    default_key = "import.aborted"

