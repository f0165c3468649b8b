"""`crm.service.actions(id)`: which step each user may take on a ticket now, and why not — the
verbs' own checks (issue #20). Every (user, state, action) reason is compared with the verb's answer."""
import pytest

from crm_engine.errors import CRMError
from tests.engine.helpers import snapshot
from tests.engine.action_helpers import attempt
from tests.engine.test_churn_actions import ACTORS
from tests.engine.test_service import ticket_in

STATES = ("new", "assigned", "handled", "archived")


@pytest.mark.parametrize("state", STATES)
def test_every_reason_is_what_the_verb_answers(crm, state):
    ticket = ticket_in(crm, state)
    before, checked = snapshot(crm), 0
    for who in ACTORS:
        user = crm.as_user(who)
        try:
            allowed = user.service.actions(ticket)
        except CRMError:
            continue
        assert set(allowed) == set(user.service.ACTIONS)
        verbs = {"assign": lambda: user.service.assign(ticket, "sun.li"),
                 "handle": lambda: user.service.handle(ticket, "Cleaned the rollers"),
                 "feedback": lambda: user.service.feedback(ticket, satisfaction=4, result="Works")}
        for name, verb in verbs.items():
            answer = attempt(crm, verb)
            assert allowed[name] == answer, (who, state, name, allowed[name], answer)
            checked += 1
    assert checked >= 9 and snapshot(crm) == before


def test_only_the_handler_may_handle_and_reasons_follow_the_language(crm):
    ticket = ticket_in(crm, "assigned")
    assert crm.as_user("sun.li").service.actions(ticket)["handle"] is None
    reason = crm.as_user("li.ming").service.actions(ticket)["handle"]
    assert reason is not None and "Sun Li" in reason
    assert crm.as_user("li.ming").service.actions(ticket)["assign"] is not None
    crm.set_language("zh_CN")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in crm.as_user("li.ming").service.actions(ticket)["handle"])
