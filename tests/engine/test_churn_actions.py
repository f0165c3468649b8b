"""`crm.churn.actions(id)`: what each user may answer to a churn warning now, and why not — the
verbs' own checks (issue #20). Every (user, state, action) reason is compared with the verb's answer."""
import pytest

from crm_engine.errors import CRMError
from tests.engine.helpers import snapshot
from tests.engine.test_churn import _warning_in
from tests.engine.action_helpers import attempt

ACTORS = ("admin", "dong.li", "zhang.wei", "chen.hua", "li.ming", "wang.fang", "sun.li", "ma.lan", "cai.wu")
STATES = ("warning", "suspended", "churned", "cleared")


@pytest.mark.parametrize("state", STATES)
def test_every_reason_is_what_the_verb_answers(crm, state):
    _rep, warning = _warning_in(crm, state)
    before, checked = snapshot(crm), 0
    for who in ACTORS:
        user = crm.as_user(who)
        try:
            allowed = user.churn.actions(warning)
        except CRMError:                               # out of this user's sight: no actions at all
            continue
        assert set(allowed) == set(user.churn.ACTIONS)
        verbs = {"suspend": lambda: user.churn.suspend(warning, "Visited the buyer"),
                 "confirm": lambda: user.churn.confirm(warning, "price")}
        for name, verb in verbs.items():
            answer = attempt(crm, verb)
            assert allowed[name] == answer, (who, state, name, allowed[name], answer)
            checked += 1
    assert checked >= 6 and snapshot(crm) == before    # asking (and the undone attempts) changed nothing


def test_confirm_waits_for_a_suspension_in_the_session_language(crm):
    rep, warning = _warning_in(crm, "warning")
    allowed = rep.churn.actions(warning)
    assert allowed["suspend"] is None and "Star Tech" in allowed["confirm"]
    crm.set_language("zh_CN")
    reason = rep.churn.actions(warning)["confirm"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    rep.churn.suspend(warning, "Called")
    assert rep.churn.actions(warning) == {"suspend": None, "confirm": None}
