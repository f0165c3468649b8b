"""The engine speaks both languages: every field an error can name (in any module) has a label;
orders to cash and my office:
every state and action a label, every dictionary entry the areas use exists."""
import ast
import pathlib

import pytest

from crm_engine import i18n
from crm_engine.cash.contracts import CONTRACT
from crm_engine.cash.expenses import EXPENSE
from crm_engine.office.tasks import TASK

ENGINE = pathlib.Path(__file__).parents[2] / "crm_engine"
# Every engine module (the views only pass the engine's errors on).
MODULES = sorted(str(p.relative_to(ENGINE)) for p in ENGINE.rglob("*.py") if "ui" not in p.relative_to(ENGINE).parts)
# The action of the first state_history row each kind writes (from no state to the first one).
FIRST_MOVE = {"contract": "create", "expense": "claim", "task": "create"}
VALIDATORS = {"text", "date", "amount", "integer", "rating", "record_id", "one_of", "email", "phone"}


def field_names(path: pathlib.Path) -> set[str]:
    """Field names passed to validate.*(value, "field"), require_code(s, kind, code, "field") or field="…"."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        position = 1 if name in VALIDATORS else 3 if name == "require_code" else None
        if position is not None and len(node.args) > position and isinstance(node.args[position], ast.Constant):
            found.add(node.args[position].value)
        for keyword in node.keywords:
            if keyword.arg == "field" and isinstance(keyword.value, ast.Constant):
                found.add(keyword.value.value)
    return {f for f in found if isinstance(f, str)}


def test_every_field_named_in_an_error_has_a_label():
    catalogue = i18n.catalog()
    names = {module: field_names(ENGINE / module) for module in MODULES}
    assert len(names["cash/contracts.py"]) > 5, "the scan found no fields: it is broken"
    assert {m: sorted(n for n in found if f"field.{n}" not in catalogue) for m, found in names.items()
            if any(f"field.{n}" not in catalogue for n in found)} == {}


@pytest.mark.parametrize("machine", [CONTRACT, EXPENSE, TASK], ids=lambda m: m.kind)
def test_every_state_and_action_has_a_label(machine):
    catalogue = i18n.catalog()
    keys = [f"kind.{machine.kind}"] + [f"state.{machine.kind}.{s}" for s in machine.states] + \
        [f"action.{machine.kind}.{a}" for a in (*machine.actions, FIRST_MOVE[machine.kind])]
    assert [k for k in keys if k not in catalogue] == []


def test_the_settings_these_areas_add_have_labels_and_defaults(crm):
    settings = crm.admin.settings()
    for key, default in {"payment_terms_days": 30, "file_max_bytes": 10 * 1024 * 1024, "smtp_host": "",
                         "smtp_port": 25, "smtp_sender": "crm-lab@localhost", "smtp_starttls": False}.items():
        assert settings[key] == default
        assert f"field.{key}" in i18n.catalog()


def test_dictionary_entries_exist_in_both_languages(crm):
    for kind in ("payment_method", "expense_type", "return_reason", "task_priority"):
        entries = crm.dictionary.list(kind)
        assert len(entries) >= 4 and entries["name_zh"].str.len().min() > 0
    assert "sms" in crm.dictionary.list("interaction_channel")["code"].tolist()
    crm.set_language("zh_CN")
    assert crm.dictionary.label("payment_method", "bank_acceptance") == "银行承兑汇票"
