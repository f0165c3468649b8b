"""Every area says what becomes of its records when a customer is deleted or a rep hands over
(customers/registry.py), and registers its settings' checks (settings.py): a new table with a
`customer_id` or an `owner_id` column, or a new setting, cannot be forgotten."""
from __future__ import annotations

import pytest

from crm_engine import CRM, settings
from crm_engine.customers import registry
from crm_engine.errors import InvalidInput


def columns(crm: CRM, column: str) -> set[str]:
    return {t for (t,) in crm._s.db.rows(
        "SELECT table_name FROM information_schema.columns WHERE column_name = ? AND table_schema = 'main'",
        [column])}


def test_every_table_with_a_customer_column_is_history_or_part_of_the_card():
    crm = CRM.memory(today="2026-03-02")
    said = {h.table for h in registry.history()} | set(registry.card_parts())
    assert columns(crm, "customer_id") - said == set()
    assert said - columns(crm, "customer_id") == set(), "registered tables must exist with a customer_id"


def test_every_table_with_an_owner_column_moves_or_stays_at_handover():
    crm = CRM.memory(today="2026-03-02")
    moving = {m.table for m in registry.handover() if m.table}
    assert columns(crm, "owner_id") - moving - set(registry.staying()) == set()
    assert not moving & set(registry.staying())
    assert (moving | set(registry.staying())) - columns(crm, "owner_id") == set()


def test_the_handover_runs_its_steps_in_their_order_whatever_the_import_order():
    orders = [m.order for m in registry.handover()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert registry.handover()[0].table == "customers"


def test_registering_an_order_twice_is_refused():
    with pytest.raises(RuntimeError):
        registry.keeps_history("no_such_table", zh="无", order=registry.history()[0].order)
    assert "no_such_table" not in {h.table for h in registry.history()}


def test_every_stored_setting_has_a_check():
    crm = CRM.memory(today="2026-03-02")
    stored = set(crm.admin.settings()) - {"today"}  # the date moves with the clock, not by hand
    assert stored - set(settings.keys()) == set()
    with pytest.raises(InvalidInput):
        crm.admin.set_setting("no_such_setting", 1)
    crm.admin.set_setting("lead_pool_days", 10)
    assert crm.admin.settings()["lead_pool_days"] == 10
