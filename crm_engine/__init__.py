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

moved.install()  # notebooks released before the layers move import the old module paths
