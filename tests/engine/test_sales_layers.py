"""The sales area's imports point one way (issue 18): no cycle among its modules, the add-ins import
the record module under their host and never the host, and no import hides inside a function."""
import ast
from pathlib import Path

import grimp
import pytest

import crm_engine

ROOT = Path(crm_engine.__file__).parent
# Add-in → the host that composes it: an add-in may import the record module, never the host.
ADD_INS = {"plans": "opportunities", "pipeline": "opportunities", "opportunity_lines": "opportunities",
           "lead_pool": "leads"}
# Modules below the areas' verbs that must not import any verbs module of sales.
LOW = ("holders", "campaigns", "targets", "contacts", "opportunity", "lead", "pipeline_cuts")
ABOVE = ("crm_engine.crm", "crm_engine.ui", "crm_engine.course", "crm_engine.scenario", "crm_engine.theory",
         "crm_engine.cli", "crm_engine.reports", "crm_engine.transfer")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("crm_engine", cache_dir=None)


def sales_imports(graph) -> dict[str, set[str]]:
    modules = [m for m in graph.modules if m.startswith("crm_engine.sales.")]
    return {m.rsplit(".", 1)[1]: {d.rsplit(".", 1)[1] for d in graph.find_modules_directly_imported_by(m)
                                  if d.startswith("crm_engine.sales.")} for m in modules}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle, found by depth-first search (each reported once, from its smallest module)."""
    found = []

    def walk(path: list[str]) -> None:
        for nxt in sorted(edges.get(path[-1], ())):
            if nxt == path[0]:
                found.append(path + [nxt])
            elif nxt not in path and nxt > path[0]:
                walk(path + [nxt])

    for start in sorted(edges):
        walk([start])
    return found


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_sales(graph):
    assert cycles(sales_imports(graph)) == []


def test_add_ins_never_import_their_host_and_low_modules_import_no_verbs(graph):
    edges = sales_imports(graph)
    assert {addin: host for addin, host in ADD_INS.items() if host in edges[addin]} == {}
    verbs = {"leads", "opportunities", *ADD_INS}
    assert {low: edges[low] & verbs for low in LOW if edges[low] & verbs} == {}


def test_sales_imports_nothing_above_it(graph):
    up = {(m, d) for m in graph.modules if m.startswith("crm_engine.sales")
          for d in graph.find_modules_directly_imported_by(m) if d.startswith(ABOVE)}
    assert up == set()


def test_no_function_level_imports_in_sales_and_churn():
    """Allowed only for an optional heavy dependency, with its reason on the line (a comment)."""
    files = sorted((ROOT / "sales").glob("*.py")) + [ROOT / "customers" / "churn.py", ROOT / "statemachine.py"]
    hidden = []
    for path in files:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and "#" not in lines[inner.lineno - 1]:
                        hidden.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert hidden == []


def test_sales_modules_stay_under_500_lines():
    sizes = {path.name: len(path.read_text(encoding="utf-8").splitlines()) for path in (ROOT / "sales").glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 500} == {}


@pytest.mark.parametrize("old", ["crm_engine.opportunities", "crm_engine.sales.opportunities"])
def test_records_workspaces_recorded_before_the_move_still_open(crm, old):
    """course.encode stored "module:Class" of the records a step returned; the records moved to
    sales/opportunity.py and sales/lead.py, and the old paths still rebuild them."""
    from crm_engine.course.workspaces import decode, encode  # the courseware, only to read its records

    rep = crm.as_user("li.ming")
    opp = rep.opportunities.add("Lakeside Hotel", "Notebooks", probability=30,
                                lines=[{"product": crm._s.db.scalar("SELECT code FROM products LIMIT 1"),
                                        "quantity": 2}])
    lead = rep.leads.add("Zhou Min", company="Lakeside Hotel")
    for record, path in ((opp, f"{old}:Opportunity"), (lead, f"{old.replace('opportunities', 'leads')}:Lead")):
        stored = encode(record)
        assert stored["$record"].startswith(("crm_engine.sales.opportunity:", "crm_engine.sales.lead:"))
        stored["$record"] = path
        line = stored["fields"].get("lines", {"$tuple": []})["$tuple"]
        for item in line:
            item["$record"] = "crm_engine.opportunity_lines:OpportunityLine"
        rebuilt = decode(stored)
        assert rebuilt == record and type(rebuilt) is type(record)
        assert getattr(rebuilt, "lines", ()) == getattr(record, "lines", ())  # lines do not take part in ==
    assert len(opp.lines) == 1
