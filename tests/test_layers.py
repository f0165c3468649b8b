"""The layers of crm_engine (issue 18, docs/engine.md): one-way arrows, no cycles, short modules, one name per
module. The arrows between layers are import-linter's contracts in pyproject.toml (`./crmlab.sh test` runs
`lint-imports` before pytest; the first test here runs it too, so a plain `pytest` run sees a broken contract)."""
import collections
import pathlib
import shutil
import subprocess
import sys

import grimp
import pytest

ROOT = pathlib.Path(__file__).parents[1]
ENGINE = ROOT / "crm_engine"
LONGEST = 520  # "no module over ~500 lines" (STYLE.md)


def test_the_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(pathlib.Path(sys.executable).parent))
    assert lint, "import-linter is a dev dependency (pyproject.toml)"
    run = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "broken" not in run.stdout.lower().replace("0 broken", "")


def cycles(graph) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}

    def visit(start):
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    graph = grimp.build_graph("crm_engine", exclude_type_checking_imports=True, cache_dir=None)
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"a", "b", "c", "d"}
        imports = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, m):
            return self.imports[m]

    assert cycles(Graph()) == [["a", "b", "c"]]


def test_no_module_is_too_long():
    long = {str(p.relative_to(ROOT)): n for p in ENGINE.rglob("*.py")
            if (n := len(p.read_text("utf-8").splitlines())) > LONGEST}
    assert long == {}


def test_one_name_per_module():
    """A module's name says what it holds, once: no two engine modules share a file name (the screens in
    ui/ are named after what they show, so `ui/leads.py` shows `sales/leads.py`: that pair is one idea)."""
    names = collections.defaultdict(list)
    for path in ENGINE.rglob("*.py"):
        rel = path.relative_to(ENGINE)
        if path.name == "__init__.py" or rel.parts[0] == "ui":
            continue
        names[path.name].append(str(rel))
    assert {n: p for n, p in names.items() if len(p) > 1} == {}


@pytest.mark.parametrize("old, new", [("crm_engine.grading", "crm_engine.course.grading"),
                                      ("crm_engine.course_admin", "crm_engine.course.instructor"),
                                      ("crm_engine.simulation", "crm_engine.scenario.simulation")])
def test_old_module_paths_still_import(old, new):
    """Notebooks released before the move import the old paths (crm_engine.moved)."""
    code = f"import importlib, warnings; warnings.simplefilter('ignore'); " \
           f"print(importlib.import_module('{old}') is importlib.import_module('{new}'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "True", out.stderr[-2000:]
