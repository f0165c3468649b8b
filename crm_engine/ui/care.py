"""Customer care (C3, C4, S1–S6): the screens live in `churn.py`, `service.py` and `call_center.py`
(issue #20, on the kit); this module keeps the names older notebooks import.

    from crm_engine.ui import show
    show(crm, "churn"); show(crm, "service"); show(crm, "call_center")
"""
from .call_center import CallCenterModule
from .churn import ChurnModule
from .service import ServiceModule

__all__ = ["CallCenterModule", "ChurnModule", "ServiceModule"]
