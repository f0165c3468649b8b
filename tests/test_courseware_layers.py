"""The courseware above the facade (issue 18): the CRM never imports it, it reaches the CRM only through the
facade and the public surface docs/engine.md lists ("What the courseware may use"), and its import arrows
form no cycle."""
import ast
import pathlib

import grimp
import pytest

from crm_engine import CRM, NotAllowed
from crm_engine.scenario.simulation import Simulation

ENGINE = pathlib.Path(__file__).parents[1] / "crm_engine"
COURSEWARE = ("crm_engine.scenario", "crm_engine.course", "crm_engine.cli", "crm_engine.theory", "crm_engine.ui",
              "crm_engine.serve")
# What the courseware may import below the facade: the facade and the public core names.
PUBLIC = {"crm_engine", "crm_engine.crm", "crm_engine.errors", "crm_engine.i18n", "crm_engine.validate",
          "crm_engine.access", "crm_engine.names", "crm_engine.clock", "crm_engine.moved", "crm_engine.courseware"}
MINE = [ENGINE / "crm.py", *(ENGINE / p for p in ("scenario", "course", "cli", "theory")), ENGINE / "ui" / "cells.py"]
# Heavy optional dependencies the courseware may load inside a function (each with its reason on the line).
LAZY = {"nbgrader", "traitlets", "nbformat", "sphinx", "IPython"}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("crm_engine", exclude_type_checking_imports=True, cache_dir=None)


def _files():
    for place in MINE:
        yield from ([place] if place.is_file() else sorted(place.rglob("*.py")))


def test_the_facade_imports_no_courseware(graph):
    below = graph.find_modules_directly_imported_by("crm_engine.crm")
    assert sorted(m for m in below if m.startswith(COURSEWARE)) == []
    for courseware in ("crm_engine.scenario", "crm_engine.course", "crm_engine.cli", "crm_engine.theory"):
        assert not graph.chain_exists(importer="crm_engine.crm", imported=courseware, as_packages=True), courseware


def test_the_courseware_imports_no_area_module_and_no_session(graph):
    reached = sorted(f"{m} -> {b}" for m in graph.modules
                     if m.startswith(COURSEWARE[:4]) for b in graph.find_modules_directly_imported_by(m)
                     if not b.startswith(COURSEWARE) and b not in PUBLIC)
    assert reached == []


def test_no_import_cycles_in_the_courseware(graph):
    modules = sorted(m for m in graph.modules if m.startswith(COURSEWARE[:4]))
    cycles = sorted(f"{a} <-> {b}" for a in modules for b in graph.find_modules_directly_imported_by(a)
                    if b.startswith(COURSEWARE[:4]) and graph.find_shortest_chain(importer=b, imported=a))
    assert cycles == []


def test_nothing_outside_the_facade_reaches_its_session():
    """`crm._s` is the facade's own: the courseware uses the documented surface instead."""
    found = []
    for path in _files():
        if path.name == "crm.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "_s":
                found.append(f"{path.relative_to(ENGINE)}:{node.lineno}")
    assert found == []


def test_no_function_level_imports_but_heavy_optional_ones_with_a_reason():
    found = []
    for path in _files():
        lines = path.read_text("utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        names = [a.name for a in inner.names] if isinstance(inner, ast.Import) else [inner.module or ""]
                        heavy = all(n.split(".")[0] in LAZY for n in names) and getattr(inner, "level", 0) == 0
                        if not (heavy and "#" in lines[inner.lineno - 1]):
                            found.append(f"{path.relative_to(ENGINE)}:{inner.lineno}")
    assert found == []


def test_no_private_name_is_imported_across_modules():
    found = []
    for path in _files():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("crm_engine")):
                found += [f"{path.relative_to(ENGINE)}: {a.name}" for a in node.names
                          if a.name.startswith("_") and not a.name.startswith("__")]
    assert found == []


def test_the_simulation_hangs_on_every_facade_through_the_extension_point():
    crm = CRM.memory(today="2026-03-02")
    assert isinstance(crm.simulation, Simulation)
    assert crm.simulation is crm.simulation                     # built once per facade
    assert crm.as_user("admin").simulation is not crm.simulation  # each facade (each user) its own
    with pytest.raises(ValueError):
        CRM.extend("customers", lambda crm: None)               # a name the facade has is not free
    with pytest.raises(AttributeError):
        crm.no_such_area  # noqa: B018


def test_an_extension_is_built_from_the_facade_it_hangs_on():
    CRM.extend("probe_for_test", lambda crm: ("probe", crm.user.username))
    try:
        crm = CRM.memory(today="2026-03-02")
        assert crm.probe_for_test == ("probe", "admin")
    finally:
        CRM._extensions.pop("probe_for_test")


def test_a_transaction_commits_all_of_its_verbs_or_none():
    admin = CRM.memory(today="2026-03-02")
    admin.admin.add_user("li.ming", "Li Ming", role="account_manager", team=1)
    crm = admin.as_user("li.ming")
    before = crm.customers.count()
    with pytest.raises(RuntimeError):
        with crm.transaction():
            crm.customers.add(name="Star Tech", phone="010-5555 0101")
            crm.audit_event("probe", "course", note="inside")
            raise RuntimeError("stop")
    assert crm.customers.count() == before
    assert admin.tables.scalar("SELECT count(*) FROM audit WHERE action = 'probe'") == 0
    with crm.transaction():
        crm.customers.add(name="Star Tech", phone="010-5555 0101")
        crm.audit_event("probe", "course", note="inside")
    assert crm.customers.count() == before + 1
    assert admin.tables.one("SELECT note, user_id FROM audit WHERE action = 'probe'") == ("inside", crm.user.id)


def test_unscoped_tables_are_for_the_administrator_and_the_director():
    """`crm.tables` reads without data scopes: a rep's handle is refused (their view goes through the verbs)."""
    admin = CRM.memory(today="2026-03-02")
    admin.admin.add_user("li.ming", "Li Ming", role="account_manager", team=1)
    with pytest.raises(NotAllowed):
        admin.as_user("li.ming").tables
    assert admin.tables.scalar("SELECT count(*) FROM users") == 2


def test_bulk_writes_are_for_the_administrator_and_the_director():
    crm = CRM.memory(today="2026-03-02")
    crm.admin.add_user("li.ming", "Li Ming", role="account_manager", team=1)
    crm.admin.add_user("dong.li", "Dong Li", role="director", team=1)
    assert crm.loader() is crm.as_user("dong.li").loader()
    with pytest.raises(NotAllowed):
        crm.as_user("li.ming").loader()


def test_a_read_only_workspace_refuses_a_transaction(tmp_path):
    CRM.create(tmp_path / "w.duckdb", today="2026-03-02").close()
    with CRM.open(tmp_path / "w.duckdb", read_only=True) as crm:
        with pytest.raises(NotAllowed):
            with crm.transaction():
                pass
