"""`crm.contracts.actions(id)`, `crm.expenses.actions(id)` and `crm.tasks.actions(id)`: what each user may do to a contract,
an expense claim or a task now, and why not — the verbs' own checks (issue #20). Every (user, state,
action) answer is compared with what the verb itself answers, and asking changes nothing."""
import pytest

from crm_engine.errors import CRMError
from tests.engine.action_helpers import attempt

ACTORS = ("admin", "dong.li", "zhang.wei", "chen.hua", "li.ming", "wang.fang", "sun.li", "ma.lan", "cai.wu")
CASH_TABLES = ("contracts", "contract_lines", "instalments", "shipments", "shipment_lines", "payments", "expenses",
               "state_history", "audit")


def tables(crm) -> dict:
    db = crm._s.db
    return {t: sorted(map(repr, db.rows(f"SELECT * FROM {t}"))) for t in CASH_TABLES}


def contract_in(crm, state: str) -> int:
    """A contract of li.ming's in `state` ("shipped" = signed and shipped in full, "paid" = signed and paid on)."""
    rep = crm.as_user("li.ming")
    customer = int(rep.customers.list()["id"][0])
    contract = rep.contracts.add(customer, {"NB-14": 2}, title="Two notebooks")
    if state == "draft":
        return contract.id
    rep.contracts.sign(contract.id)
    if state == "shipped":
        rep.shipments.add(contract_id=contract.id)
    elif state == "paid":
        crm.payments.receive(contract.id, 100)
    elif state == "fulfilled":
        rep.shipments.add(contract_id=contract.id)
        rep.contracts.fulfil(contract.id)
    elif state == "cancelled":
        rep.contracts.cancel(contract.id, "Customer withdrew")
    return contract.id


def contract_verbs(user, contract_id, amount):
    return {"update": lambda: user.contracts.update(contract_id, title="Renamed"),
            "sign": lambda: user.contracts.sign(contract_id),
            "fulfil": lambda: user.contracts.fulfil(contract_id),
            "cancel": lambda: user.contracts.cancel(contract_id, "No longer needed"),
            "schedule": lambda: user.payments.schedule(contract_id, [(user.today(), amount)])}


@pytest.mark.parametrize("state", ["draft", "signed", "shipped", "paid", "fulfilled", "cancelled"])
def test_every_contract_reason_is_what_the_verb_answers(crm, state):
    contract_id = contract_in(crm, state)
    amount = crm.contracts.get(contract_id).amount
    before = tables(crm)
    checked = 0
    for who in ACTORS:
        user = crm.as_user(who)
        try:
            allowed = user.contracts.actions(contract_id)
        except CRMError:                                # out of this user's sight: no actions at all
            continue
        assert set(allowed) == {"update", "sign", "fulfil", "cancel", "schedule"}
        for name, verb in contract_verbs(user, contract_id, amount).items():
            answer = attempt(crm, verb)
            assert allowed[name] == answer, (who, state, name, allowed[name], answer)
            checked += 1
    assert checked >= 10 and tables(crm) == before


def test_a_signed_contract_not_yet_shipped_cannot_be_fulfilled_and_says_why(crm):
    contract_id = contract_in(crm, "signed")
    allowed = crm.as_user("li.ming").contracts.actions(contract_id)
    assert allowed["sign"] is not None and allowed["cancel"] is None and allowed["schedule"] is None
    assert "NB-14" in allowed["fulfil"]
    crm.set_language("zh_CN")
    reason = crm.as_user("li.ming").contracts.actions(contract_id)["fulfil"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)


@pytest.mark.parametrize("state", ["claimed", "approved", "rejected"])
def test_every_expense_reason_is_what_the_verb_answers(crm, state):
    claim = crm.as_user("li.ming").expenses.claim(120, expense_type="travel", description="Taxi")
    if state != "claimed":
        boss = crm.as_user("zhang.wei").expenses
        boss.approve(claim.id) if state == "approved" else boss.reject(claim.id, "No receipt")
    before = tables(crm)
    checked = 0
    for who in ACTORS:
        user = crm.as_user(who)
        try:
            allowed = user.expenses.actions(claim.id)
        except CRMError:
            continue
        assert set(allowed) == {"approve", "reject"}
        for name, verb in {"approve": lambda: user.expenses.approve(claim.id),
                           "reject": lambda: user.expenses.reject(claim.id, "Too dear")}.items():
            assert allowed[name] == attempt(crm, verb), (who, state, name)
            checked += 1
    assert checked >= 4 and tables(crm) == before
    if state == "claimed":
        assert crm.as_user("zhang.wei").expenses.actions(claim.id) == {"approve": None, "reject": None}
        assert crm.as_user("li.ming").expenses.actions(claim.id)["approve"] is not None


@pytest.mark.parametrize("state", ["open", "done", "cancelled"])
def test_every_task_reason_is_what_the_verb_answers(crm, state):
    rep = crm.as_user("li.ming")
    task = crm.as_user("zhang.wei").tasks.add("Call the buyer", assignee="li.ming")
    if state == "done":
        rep.tasks.complete(task.id)
    elif state == "cancelled":
        rep.tasks.cancel(task.id)
    before = {t: sorted(map(repr, crm._s.db.rows(f"SELECT * FROM {t}"))) for t in ("tasks", "state_history")}
    checked = 0
    for who in ACTORS:
        user = crm.as_user(who)
        try:
            allowed = user.tasks.actions(task.id)
        except CRMError:
            continue
        verbs = {"complete": lambda: user.tasks.complete(task.id), "cancel": lambda: user.tasks.cancel(task.id),
                 "reopen": lambda: user.tasks.reopen(task.id),
                 "reschedule": lambda: user.tasks.reschedule(task.id, user.today())}
        assert set(allowed) == set(verbs)
        for name, verb in verbs.items():
            assert allowed[name] == attempt(crm, verb), (who, state, name)
            checked += 1
    assert checked >= 8
    assert before == {t: sorted(map(repr, crm._s.db.rows(f"SELECT * FROM {t}"))) for t in ("tasks", "state_history")}
