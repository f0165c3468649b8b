"""CRM Lab's CRM engine: a customer-relationship-management system on DuckDB.

    from crm_engine import CRM
    crm = CRM.memory(today="2026-03-02")

The engine never imports ipywidgets, IPython or plotly; the notebook UI and
charts sit on top of it.
"""
from . import moved
from .crm import CRM
from .errors import (
    Conflict,
    CRMError,
    ImportAborted,
    InvalidInput,
    NotAllowed,
    NotFound,
    TransitionNotAllowed,
    WorkspaceError,
    WorkspaceLocked,
)

__all__ = [
    "CRM", "CRMError", "Conflict", "ImportAborted", "InvalidInput", "NotAllowed", "NotFound",
    "TransitionNotAllowed", "WorkspaceError", "WorkspaceLocked",
]
__version__ = "0.1.0"

# The courseware's scenario hangs `crm.simulation` on the facade (CRM.extend); imported here so that
# `crm.simulation` works wherever the engine is used (notebooks, assignments, the CLI).
from . import scenario  # noqa: E402 - after CRM, which it extends

moved.install()  # notebooks released before the layers move import the old module paths
