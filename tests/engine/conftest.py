"""Fixtures the orders-to-cash and office tests share (the company is tests/conftest.py's)."""
import pytest


@pytest.fixture
def rep(crm):
    """Li Ming, account manager in East sales."""
    return crm.as_user("li.ming")


@pytest.fixture
def star(rep):
    """Star Tech, Li Ming's first customer."""
    return int(rep.customers.list()["id"][0])
