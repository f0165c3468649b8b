"""The shared fixture company (tests/conftest.py), copied instead of rebuilt.

Building the company through the facade takes ~0.25 s; copying a finished one
into a fresh in-memory workspace takes a third of that. The orders-to-cash and
office tests import `crm` from here, which shadows the conftest fixture of the
same name with the very same company (built once, by `build_company`, per run).
"""
from __future__ import annotations

import functools
import os
import tempfile

import pytest

from crm_engine import CRM
from crm_engine.db import Database
from crm_engine.session import Session, load_user
from tests.conftest import TODAY, build_company

_FOLDER = tempfile.TemporaryDirectory(prefix="crm-company-")


@functools.lru_cache(maxsize=1)
def _template() -> str:
    path = os.path.join(_FOLDER.name, "company.duckdb")
    with CRM.create(path, today=TODAY) as crm:
        build_company(crm)
    return path


def fresh_company() -> CRM:
    """A new in-memory workspace holding the fixture company, acting as the administrator."""
    db = Database(None)
    db.con.execute(f"ATTACH '{_template()}' AS template (READ_ONLY)")
    db.con.execute("COPY FROM DATABASE template TO memory")
    db.con.execute("DETACH template")
    return CRM(Session(db, load_user(db, "admin"), "en"))


@pytest.fixture
def crm() -> CRM:
    """The conftest company (same users, teams, products, customers), as the administrator."""
    workspace = fresh_company()
    yield workspace
    workspace.close()
