"""Customers who say how satisfied they are with a handled service ticket (S4):
`crm.simulation.outcome_of_ticket`, the model in scenario/reaction.py, the answers in responses.py.

docs/scenario-model.md ("Service tickets") documents the effect sizes these tests hold: for an
average customer, a ticket handled within 2 days with a sentence saying what was done satisfies
(≥ 3) about 86 % of the time; after 10 days with "ok", about 28 %.
"""
import numpy as np
import pytest

from crm_engine import CRM, NotAllowed, NotFound, TransitionNotAllowed
from crm_engine.scenario import builtin, reaction as r
from tests.engine.helpers import snapshot

DOCUMENTED = {"good": 0.86, "poor": 0.28, "slow": 0.66, "ok": 0.54, "complaint_good": 0.84,
              "complaint_no_apology": 0.74}
# The built-in hardware distributor's mix of ticket types and churn reasons.
TYPES, TYPE_SHARES = ["consultation", "complaint", "repair", "suggestion", "other"], [.35, .2, .3, .1, .05]
REASONS, REASON_SHARES = ["price", "competitor", "service", "quality", "no_need", "closed"], [.3, .3, .2, .1, .07, .03]
GOOD = "Apologised for the delay, checked with the carrier and arranged priority shipping for the next order."
PLAIN = "Checked with the carrier and arranged priority shipping for the next order."


# -- the functional core ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def customers():
    """Average customers with a ticket: (type, churn risk, churn reason, draw)."""
    rng = np.random.default_rng(20260302)
    return [(TYPES[rng.choice(5, p=TYPE_SHARES)], float(np.clip(rng.normal(.4, .25), 0, 1)),
             REASONS[rng.choice(6, p=REASON_SHARES)], rng.random()) for _ in range(20_000)]


def _satisfied(customers, days, text, *, attempt=1, only=None) -> float:
    """The share satisfied (≥ 3) when every ticket is handled after `days` with `text`."""
    scores = [r.ticket_satisfaction(r.ticket_factors(kind, days, text, attempt, risk, reason), u)
              for kind, risk, reason, u in customers if only is None or kind == only]
    return float(np.mean(np.array(scores) >= 3))


def test_quick_substantive_handling_satisfies_by_the_documented_margin(customers):
    good, poor = _satisfied(customers, 1, GOOD), _satisfied(customers, 10, "ok")
    assert abs(good - DOCUMENTED["good"]) < 0.03 and abs(poor - DOCUMENTED["poor"]) < 0.03
    assert good - poor >= 0.5
    # each practice matters on its own
    slow, terse = _satisfied(customers, 10, GOOD), _satisfied(customers, 1, "ok")
    assert abs(slow - DOCUMENTED["slow"]) < 0.03 and abs(terse - DOCUMENTED["ok"]) < 0.03
    assert slow < good - 0.15 and terse < good - 0.25
    assert _satisfied(customers, 20, GOOD) < slow - 0.1                    # the longer, the worse
    # complaints are harder to please, and an apology or a remedy helps
    complaint = _satisfied(customers, 1, GOOD, only="complaint")
    plain = _satisfied(customers, 1, PLAIN, only="complaint")
    assert abs(complaint - DOCUMENTED["complaint_good"]) < 0.03
    assert abs(plain - DOCUMENTED["complaint_no_apology"]) < 0.03
    assert complaint < _satisfied(customers, 1, GOOD, only="consultation")
    # a second round starts a little lower
    assert _satisfied(customers, 1, GOOD, attempt=2) < good - 0.03


@pytest.mark.parametrize("text, quality", [
    ("ok", "perfunctory"), ("Done.", "perfunctory"), ("Problem solved, thanks", "perfunctory"),
    ("已处理", "perfunctory"), ("好的，已解决", "perfunctory"), ("Fixed the printer", "perfunctory"),
    ("Reissued the invoice.", "brief"), ("已重开发票", "brief"),
    ("Exchanged the item within two days.", "substantive"), (GOOD, "substantive"),
    ("向客户道歉，核查物流，承诺下次优先发货。", "substantive"),
])
def test_a_handling_text_is_read_for_what_it_says(text, quality):
    assert r.handling_quality(text) == quality


def test_better_handling_never_gives_a_lower_score_for_the_same_customer():
    for u in np.linspace(0.001, 0.999, 200):
        for kind in TYPES:
            scores = [r.ticket_satisfaction(r.ticket_factors(kind, days, text, 1, 0.4, "price"), u)
                      for days, text in ((20, "ok"), (10, "ok"), (10, GOOD), (1, GOOD))]
            assert scores == sorted(scores) and 1 <= scores[0] and scores[-1] <= 5
    assert r.ticket_hints(r.ticket_factors("complaint", 12, "ok")) == ["slow", "vague", "no_apology"]
    assert r.ticket_hints(r.ticket_factors("complaint", 1, GOOD)) == []


# -- through the engine ------------------------------------------------------------------------------
def _workspace(tmp_path, name="t", student="tickets") -> CRM:
    return builtin("hardware_distributor").scaled(60).create(tmp_path / f"{name}.duckdb", student=student)


def _open(crm, customer_id, service_type="complaint") -> int:
    """A new ticket the director assigns to Sun Li (service staff)."""
    ticket = crm.as_user("sun.li").service.add(customer_id, service_type=service_type, subject="Late delivery",
                                               request="Our last order arrived a week late.")
    crm.as_user("dong.li").service.assign(ticket.id, "sun.li")
    return ticket.id


def _customers(crm, n=None) -> list[int]:
    return [int(i) for i in crm.customers.list()["id"]][:n]


def test_in_a_workspace_quick_full_answers_satisfy_far_more_often(tmp_path):
    crm = _workspace(tmp_path)
    sun, ids = crm.as_user("sun.li"), _customers(crm, 40)
    poor = [_open(crm, c, "complaint" if k % 3 == 0 else "consultation") for k, c in enumerate(ids[:20])]
    crm.simulation.advance(10)
    good = [_open(crm, c, "complaint" if k % 3 == 0 else "consultation") for k, c in enumerate(ids[20:])]
    for ticket in poor:
        sun.service.handle(ticket, "ok")
    for ticket in good:
        sun.service.handle(ticket, GOOD)
    satisfied = {name: np.mean([sun.simulation.outcome_of_ticket(t).satisfaction >= 3 for t in tickets])
                 for name, tickets in (("good", good), ("poor", poor))}
    assert satisfied["good"] - satisfied["poor"] >= 0.35, satisfied
    crm.close()


def _play(tmp_path, name, *, one_go: bool, reverse: bool, later: int = 0) -> list:
    """The same actions on the same variant, the clock moved and the tickets asked about differently."""
    crm = _workspace(tmp_path, name)
    sun = crm.as_user("sun.li")
    tickets = [_open(crm, c, kind) for c, kind in zip(_customers(crm, 4), ["complaint", "consultation", "repair",
                                                                         "suggestion"])]
    if one_go:
        crm.simulation.advance(3)
    else:
        for _ in range(3):
            crm.simulation.advance(1)
    for ticket, text in zip(tickets, ["ok", GOOD, "Replaced the faulty fan", "已转财务，开通月度对账单"]):
        sun.service.handle(ticket, text)
    if later:
        crm.simulation.advance(later)
    answers = {t: sun.simulation.outcome_of_ticket(t) for t in (reversed(tickets) if reverse else tickets)}
    assert all(sun.simulation.outcome_of_ticket(t) == answers[t] for t in tickets)         # kept, not redrawn
    stored = crm.sql("SELECT record_id, basis, response, probability, detail FROM scenario_outcomes "
                     "WHERE kind = 'ticket' ORDER BY record_id")
    crm.close()
    return [answers[t] for t in tickets], stored.values.tolist()


def test_the_answer_is_drawn_once_kept_and_the_same_however_the_clock_moved_or_the_order_asked(tmp_path):
    first, stored = _play(tmp_path, "a", one_go=True, reverse=False)
    second, again = _play(tmp_path, "b", one_go=False, reverse=True, later=9)
    assert first == second and stored == again
    assert len(stored) == 4 and [row[1] for row in stored] == [1, 1, 1, 1]     # one answer per ticket and round
    for answer in first:
        assert 1 <= answer.satisfaction <= 5 and answer.text and not answer.recorded
        assert "“" in answer.text                                                  # someone at the customer says it


def test_recording_archives_or_sends_back_through_the_engine_and_a_second_round_is_a_new_answer(tmp_path):
    crm = _workspace(tmp_path)
    sun = crm.as_user("sun.li")
    tickets = [_open(crm, c, "consultation" if k % 2 else "complaint") for k, c in enumerate(_customers(crm, 10))]
    crm.simulation.advance(12)
    for ticket in tickets:
        sun.service.handle(ticket, "ok")
    kept = unhappy = None
    for ticket in tickets:
        answer = sun.simulation.outcome_of_ticket(ticket, record=True)
        assert answer.recorded
        state = crm.service.get(ticket).state
        assert state == ("archived" if answer.satisfaction >= 3 else "assigned")
        last = crm.service.steps(ticket).iloc[-1]
        assert (last["step"], last["satisfaction"], last["text"], last["user_name"]) == (
            "feedback", answer.satisfaction, answer.text, "Sun Li")
        assert crm.service.history(ticket)["action"].iloc[-1] == ("archive" if state == "archived" else "send_back")
        kept = kept or (ticket if state == "archived" else None)
        unhappy = unhappy or (ticket if state == "assigned" else None)
    assert kept and unhappy, "expected both a satisfied and an unsatisfied customer among ten slow 'ok's"
    with pytest.raises(TransitionNotAllowed):                                   # archived: nothing left to judge
        sun.simulation.outcome_of_ticket(kept)
    with pytest.raises(TransitionNotAllowed):                                   # sent back: handle it again first
        sun.simulation.outcome_of_ticket(unhappy)
    crm.simulation.advance(1)
    sun.service.handle(unhappy, GOOD)
    again = sun.simulation.outcome_of_ticket(unhappy)
    rounds = crm.sql("SELECT basis, factors FROM scenario_outcomes WHERE kind = 'ticket' AND record_id = ? "
                     "ORDER BY basis", [unhappy])
    assert rounds["basis"].tolist() == [1, 2]
    assert '"second_round"' in rounds["factors"].iloc[1] and '"days": 1' in rounds["factors"].iloc[1]
    assert '"prompt"' in rounds["factors"].iloc[1]                             # counted from the send-back
    assert sun.simulation.outcome_of_ticket(unhappy) == again
    crm.close()


def test_only_a_handled_ticket_you_may_read_and_a_refusal_changes_nothing(tmp_path):
    crm = _workspace(tmp_path)
    sun = crm.as_user("sun.li")
    ticket = _open(crm, _customers(crm, 1)[0])
    before = snapshot(crm)
    with pytest.raises(TransitionNotAllowed) as early:                          # assigned, not yet handled
        sun.simulation.outcome_of_ticket(ticket, record=True)
    assert "服务处理之后" in early.value.message("zh_CN") and "assigned" in early.value.message("en")
    assert snapshot(crm) == before
    sun.service.handle(ticket, GOOD)
    before = snapshot(crm)
    with pytest.raises(NotFound):                                               # finance may not read tickets
        crm.as_user("cai.wu").simulation.outcome_of_ticket(ticket)
    with pytest.raises(NotAllowed):                                             # marketing reads, may not record
        crm.as_user("ma.lan").simulation.outcome_of_ticket(ticket, record=True)
    with pytest.raises(NotFound):
        sun.simulation.outcome_of_ticket(10_000)
    assert snapshot(crm) == before
    heard = crm.as_user("ma.lan").simulation.outcome_of_ticket(ticket)           # but may ask
    assert crm.service.get(ticket).state == "handled"                            # asking records nothing
    zh = crm.as_user("sun.li")
    zh.set_language("zh_CN")
    said = zh.simulation.outcome_of_ticket(ticket)
    assert said.satisfaction == heard.satisfaction and "“" in said.text and said.text != heard.text
    crm.close()


def test_without_a_scenario_there_is_no_customer_to_ask(crm):
    ticket = crm.as_user("sun.li").service.add(1, service_type="complaint", subject="Jam", request="Printer jams").id
    crm.as_user("dong.li").service.assign(ticket, "sun.li")
    crm.as_user("sun.li").service.handle(ticket, "Cleaned the rollers")
    with pytest.raises(NotFound) as missing:
        crm.simulation.outcome_of_ticket(ticket)
    assert "teaching scenario" in missing.value.message("en")
