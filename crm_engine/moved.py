"""Old module paths → where the modules live now (issue 18 moved them into layers).

Two kinds of things still name the old paths, and both keep working through this table:
- **workspaces already handed out**: `course.once` records an engine record's class as
  `"crm_engine.<module>:<Class>"` (`course.workspaces.encode`), and `decode` rebuilds it;
- **notebooks already released** import `crm_engine.grading`, `crm_engine.course_admin` …: the
  finder below resolves an old name to the new module, the same module object, and says so once.

This module imports nothing of the engine: the table is text, the target is imported only when an
old name is asked for.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "crm_engine.admin": "crm_engine.system.admin",
    "crm_engine.call_center": "crm_engine.care.call_center",
    "crm_engine.campaigns": "crm_engine.sales.campaigns",
    "crm_engine.churn": "crm_engine.customers.churn",
    "crm_engine.classification": "crm_engine.customers.classification",
    "crm_engine.contracts": "crm_engine.cash.contracts",
    "crm_engine.course": "crm_engine.course.workspaces",
    "crm_engine.course_admin": "crm_engine.course.instructor",
    "crm_engine.course_batch": "crm_engine.course.batch",
    "crm_engine.customers": "crm_engine.customers.cards",
    "crm_engine.expenses": "crm_engine.cash.expenses",
    "crm_engine.grading": "crm_engine.course.grading",
    "crm_engine.holders": "crm_engine.sales.holders",
    "crm_engine.leads": "crm_engine.sales.leads",
    "crm_engine.opportunities": "crm_engine.sales.opportunities",
    "crm_engine.opportunity_lines": "crm_engine.sales.opportunity_lines",
    "crm_engine.orders": "crm_engine.customers.orders",
    "crm_engine.payments": "crm_engine.cash.payments",
    "crm_engine.pipeline": "crm_engine.sales.pipeline",
    "crm_engine.pipeline_cuts": "crm_engine.sales.pipeline_cuts",
    "crm_engine.plans": "crm_engine.sales.plans",
    "crm_engine.reports.care": "crm_engine.reports.service_analysis",
    "crm_engine.reports.common": "crm_engine.reports.shared",
    "crm_engine.reports.customers": "crm_engine.reports.customer_analysis",
    "crm_engine.reports.sales": "crm_engine.reports.sales_analysis",
    "crm_engine.returns": "crm_engine.cash.returns",
    "crm_engine.rubrics": "crm_engine.course.rubrics",
    "crm_engine.rubrics.care": "crm_engine.course.rubrics.care_criteria",
    "crm_engine.rubrics.common": "crm_engine.course.rubrics.criterion",
    "crm_engine.rubrics.outcomes": "crm_engine.course.rubrics.outcomes",
    "crm_engine.rubrics.sales": "crm_engine.course.rubrics.sales_criteria",
    "crm_engine.scenario.base": "crm_engine.scenario.customer_base",
    "crm_engine.scenario.care": "crm_engine.scenario.service_history",
    "crm_engine.scenario.clock": "crm_engine.scenario.days",
    "crm_engine.service": "crm_engine.care.service",
    "crm_engine.shipments": "crm_engine.cash.shipments",
    "crm_engine.simulation": "crm_engine.scenario.simulation",
    "crm_engine.targets": "crm_engine.sales.targets",
}


def current(module: str) -> str:
    """Where `module` (an old or a current dotted path) lives now."""
    return MOVED.get(module, module)


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):  # already executed under its own name
        pass


class OldNames(importlib.abc.MetaPathFinder):
    """Consulted after the normal finders: only a name that no longer exists reaches it."""

    def find_spec(self, fullname, path=None, target=None):
        new = MOVED.get(fullname)
        if new is None:
            return None
        warnings.warn(f"{fullname} moved to {new}; the old name still works", DeprecationWarning, stacklevel=2)
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    if not any(isinstance(finder, OldNames) for finder in sys.meta_path):
        sys.meta_path.append(OldNames())
