"""The CRM's lower layers import one way (issue #18): the core below every area, and the areas in
the order docs/engine.md draws them — customers → sales → care | cash | office | system → reports →
transfer — with no import cycle among their modules. Computed with grimp (import-linter's engine),
function-level imports included."""
from __future__ import annotations

import grimp
import pytest

CORE = {"access", "atomic", "audit", "clock", "db", "dictionary", "duckdb_errors", "errors", "i18n", "migrations",
        "names", "session", "settings", "statemachine", "turns", "validate"}
# Each area may import the core and the areas of lower rank, never one of its own rank or above.
RANK = {"customers": 1, "sales": 2, "care": 3, "cash": 3, "office": 3, "system": 3, "reports": 4, "transfer": 5}
ABOVE = {"crm", "scenario", "course", "ui", "cli", "theory", "courseware"}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("crm_engine", cache_dir=None)


def part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else ""


def cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter[0]; counter[0] += 1; stack.append(root); on.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]; counter[0] += 1; stack.append(child); on.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop(); on.discard(member); component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_touches_the_core_or_these_areas(graph):
    mine = CORE | set(RANK) - {"sales"}  # sales' own modules are another change's
    assert [c for c in cycles(graph) if any(part(m) in mine for m in c)] == []


def test_the_core_imports_no_area_and_the_areas_only_downward(graph):
    wrong = []
    for module in sorted(graph.modules):
        here = part(module)
        for target in graph.find_modules_directly_imported_by(module):
            there = part(target)
            if here in CORE and there in RANK:
                wrong.append(f"{module} → {target}")
            elif here in RANK and (there in ABOVE or (there in RANK and there != here
                                                       and RANK[there] >= RANK[here])):
                wrong.append(f"{module} → {target}")
    assert wrong == []
