"""`crm.customers.actions(id)`: what each user may do to a customer now and why not — the
verbs' own checks (issue #20). Every (user, customer, action) answer is compared with what the
verb itself says, and asking changes nothing."""
import pytest

from crm_engine.errors import NotFound
from tests.engine.sales_helpers import is_chinese, tables
from tests.engine.action_helpers import attempt

ACTORS = ("admin", "dong.li", "zhang.wei", "chen.hua", "li.ming", "wang.fang", "zhao.lei", "sun.li", "ma.lan",
          "cai.wu")
CUSTOMER_TABLES = ("customers", "contacts", "interactions", "customer_tags", "audit", "leads", "opportunities")


def verbs(user, customer_id):
    area = user.customers
    owner = user.as_user("admin").customers.get(customer_id).owner_id
    leaving = user.as_user("admin").admin.users(active=None).set_index("id").loc[owner, "username"]
    # a receiver in the owner's own team, so a refusal is never about whom it goes to (that is input)
    other = {"li.ming": "wang.fang", "wang.fang": "li.ming", "zhao.lei": "li.ming", "liu.yang": "he.jun"}[leaving]
    return {
        "update": lambda: area.update(customer_id, satisfaction=3),
        "add_contact": lambda: area.add_contact(customer_id, "Chen Jing"),
        "log_interaction": lambda: area.log_interaction(customer_id, "Called about prices"),
        "tag": lambda: user.classification.tag(customer_id, "VIP"),
        "reassign": lambda: area.reassign(customer_id, other),
        "handover": lambda: area.handover(leaving, other),
    }


@pytest.mark.parametrize("customer_id", [1, 3, 4, 5])
def test_every_reason_is_what_the_verb_answers(crm, customer_id):
    crm.admin.add_user("he.jun", "He Jun", role="account_manager", team=4)   # a second rep in West sales
    before = tables(crm, CUSTOMER_TABLES)
    checked = 0
    for who in ACTORS:
        user = crm.as_user(who)
        try:
            why = user.customers.actions(customer_id)
        except NotFound:           # out of this user's sight: the verbs refuse the same way
            assert attempt(crm, lambda: user.customers.get(customer_id)) is not None
            continue
        assert set(why) == set(user.customers.ACTIONS)
        for name, verb in verbs(user, customer_id).items():
            answer = attempt(crm, verb)
            assert why[name] == answer, (who, customer_id, name, why[name], answer)
            checked += 1
    assert checked > 30 and tables(crm, CUSTOMER_TABLES) == before


def test_a_rep_may_log_but_not_edit_a_colleagues_visible_customer(crm):
    crm.admin.apply_preset("open")      # reps read every card, write their own
    why = crm.as_user("wang.fang").customers.actions(1)
    assert why["log_interaction"] is None and why["reassign"] is not None
    assert "Li Ming" in why["update"] and why["update"] == why["add_contact"] == why["tag"]
    owner = crm.as_user("li.ming").customers.actions(1)
    assert owner["update"] is None and owner["tag"] is None and "may not" in owner["handover"]


def test_reasons_follow_the_language(crm):
    crm.set_language("zh_CN")
    why = crm.as_user("li.ming").customers.actions(1)
    assert is_chinese(why["reassign"]) and why["update"] is None
