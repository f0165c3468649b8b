"""Shared fixtures: a small, seeded company that every engine test can act in.

Org tree (team ids in brackets):
    Head office [1]: admin, director `dong.li`, service `sun.li`, marketing `ma.lan`, finance `cai.wu`
      East sales [2]: supervisor `zhang.wei`; account managers `li.ming`, `wang.fang`
        Shanghai [3]: account manager `zhao.lei`
      West sales [4]: supervisor `chen.hua`; account manager `liu.yang`
"""
from __future__ import annotations

import functools
import os
import socket
import tempfile

import pytest
from hypothesis import HealthCheck, settings

from crm_engine import CRM
from crm_engine.db import Database
from crm_engine.session import Session, load_user

settings.register_profile("ci", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile("ci")

TODAY = "2026-03-02"


def free_port() -> int:
    """A free TCP port on loopback (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def need(missing: str | None) -> None:
    """A test that drives an outside program (Chromium, a JupyterHub proxy) and finds it `missing`
    (a message saying why, or None): skip outside CI, saying why; fail in CI (`CI` set)."""
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


def build_company(crm: CRM) -> CRM:
    east = crm.admin.add_team("East sales")
    shanghai = crm.admin.add_team("Shanghai", parent=east)
    west = crm.admin.add_team("West sales")
    people = [
        ("dong.li", "Dong Li", "director", 1), ("sun.li", "Sun Li", "service_staff", 1),
        ("ma.lan", "Ma Lan", "marketing", 1), ("cai.wu", "Cai Wu", "finance", 1),
        ("zhang.wei", "Zhang Wei", "supervisor", east), ("li.ming", "Li Ming", "account_manager", east),
        ("wang.fang", "Wang Fang", "account_manager", east), ("zhao.lei", "Zhao Lei", "account_manager", shanghai),
        ("chen.hua", "Chen Hua", "supervisor", west), ("liu.yang", "Liu Yang", "account_manager", west),
    ]
    for username, name, role, team in people:
        crm.admin.add_user(username, name, role=role, team=team)
    crm.products.add("NB-14", "Notebook 14\"", price=4999, category="hardware", stock=100)
    crm.products.add("SRV-2U", "Rack server 2U", price=38000, category="hardware", stock=10)
    crm.products.add("SUP-1Y", "Support contract, 1 year", price=6000, category="service", stock=0)
    for username, names in {"li.ming": ["Star Tech", "Bright Future Trading"], "wang.fang": ["Harbour Logistics"],
                            "zhao.lei": ["Pudong Instruments"], "liu.yang": ["Chengdu Foods"]}.items():
        rep = crm.as_user(username)
        for name in names:
            rep.customers.add(name, phone="021-5555 0100", region="east" if username != "liu.yang" else "southwest")
    return crm


_FOLDER = tempfile.TemporaryDirectory(prefix="crm-company-")


@functools.lru_cache(maxsize=1)
def _template() -> str:
    """The company, built once per run through the facade, in a workspace file."""
    path = os.path.join(_FOLDER.name, "company.duckdb")
    with CRM.create(path, today=TODAY) as crm:
        build_company(crm)
    return path


def fresh_company() -> CRM:
    """A new in-memory workspace holding the company above, acting as the administrator.

    Copied from the one built per run: building it through the facade costs ~0.25 s,
    copying a third of that, and it is the same company.
    """
    db = Database(None)
    db.con.execute(f"ATTACH '{_template()}' AS template (READ_ONLY)")
    db.con.execute("COPY FROM DATABASE template TO memory")
    db.con.execute("DETACH template")
    return CRM(Session(db, load_user(db, "admin"), "en"))


@pytest.fixture
def crm() -> CRM:
    """An in-memory workspace with the company above, acting as the administrator."""
    workspace = fresh_company()
    yield workspace
    workspace.close()


@pytest.fixture
def workspace_file(tmp_path):
    """A workspace file with the same company, closed, ready to open."""
    path = tmp_path / "company.duckdb"
    with CRM.create(path, today=TODAY) as crm:
        build_company(crm)
    return path


@pytest.fixture(scope="session")
def browser():
    """One Debian Chromium for the whole session, for the browser tests and the hub test alike: Playwright's
    sync API runs one instance per thread (a second `sync_playwright()` refuses to start inside the first's
    event loop)."""
    from tests.browser.conftest import CHROMIUM, FLAGS, _require_chromium
    _require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()
