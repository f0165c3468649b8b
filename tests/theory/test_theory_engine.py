"""The theory's worked examples describe the CRM the students use: replay them in the engine.

If a rule of the engine changes (ABC cut-offs, the churn boundary, a sharing preset, the
lead-pool or one-week rule), these tests point at the chapter that must change with it.
"""
from __future__ import annotations

import pytest

from crm_engine import CRM, NotAllowed, NotFound, TransitionNotAllowed

TODAY = "2026-03-02"


def rep_workspace(today: str = TODAY) -> tuple[CRM, CRM]:
    crm = CRM.memory(today=today)
    crm.admin.add_user("li.ming", "Li Ming", role="account_manager")
    crm.products.add("P", "Product", price=1000, category="hardware", stock=0)
    return crm, crm.as_user("li.ming")


def order(rep: CRM, customer_id: int, amount: float, on: str) -> None:
    rep.orders.add(customer_id, [{"product": "P", "quantity": 1, "unit_price": amount}], order_date=on)


def test_chapter_5_abc_example():
    """Ten customers, 1,000 thousand yuan: A = C1–C4 (C4 crosses 80 %), B = C5–C7, C = C8–C10."""
    crm, rep = rep_workspace()
    amounts = {"C1": 400, "C2": 250, "C3": 120, "C4": 60, "C5": 50, "C6": 40, "C7": 30, "C8": 20, "C9": 20, "C10": 10}
    for name, thousands in amounts.items():
        customer = rep.customers.add(name, phone="021-5555 0100")
        order(rep, customer.id, thousands * 1000, "2026-01-15")
    grades = dict(zip(crm.classification.abc().customer_name, crm.classification.abc().abc))
    assert grades == {"C1": "A", "C2": "A", "C3": "A", "C4": "A", "C5": "B", "C6": "B", "C7": "B",
                      "C8": "C", "C9": "C", "C10": "C"}
    crm.close()


def test_chapter_13_churn_example():
    """On 2 March 2026 with six months: A (15 Aug), B (1 Sep) and E (never ordered, card of
    1 Jul 2025) are warned; C (exactly 2 Sep) and D are not. Confirming needs a suspension first."""
    crm, rep = rep_workspace(today="2025-07-01")
    e = rep.customers.add("E", phone="021-5555 0100")
    crm.clock.set(TODAY)
    last_orders = {"A": "2025-08-15", "B": "2025-09-01", "C": "2025-09-02", "D": "2025-12-20"}
    ids = {"E": e.id}
    for name, on in last_orders.items():
        ids[name] = rep.customers.add(name, phone="021-5555 0100").id
        order(rep, ids[name], 5000, on)
    assert str(crm.churn.due_date()) == "2025-09-02"
    crm.churn.scan()
    warned = rep.churn.list(state="open")
    assert dict(zip(warned.customer_name, warned.days_silent)) == {"A": 199, "B": 182, "E": 244}
    warning_b = int(warned[warned.customer_name == "B"].id.iloc[0])
    with pytest.raises(TransitionNotAllowed):
        rep.churn.confirm(warning_b, reason="competitor")
    rep.churn.suspend(warning_b, measures="Called the buyer")
    rep.churn.suspend(warning_b, measures="Visited the buyer")
    assert rep.churn.confirm(warning_b, reason="competitor").state == "churned"
    crm.clock.set("2026-03-20")
    order(rep, ids["A"], 5000, "2026-03-20")                     # A orders again: its warning clears
    assert set(rep.churn.list(state="open").customer_name) == {"E"}
    crm.close()


@pytest.mark.parametrize("preset, expected", [
    ("private", {"zhao.lei": (True, True), "li.ming": (False, False), "zhang.wei": (True, True),
                 "chen.hua": (False, False), "dong.li": (True, True)}),
    ("open", {"zhao.lei": (True, True), "li.ming": (True, False), "zhang.wei": (True, True),
              "chen.hua": (True, False), "dong.li": (True, True)}),
])
def test_chapter_15_who_sees_pudong_instruments(crm, preset, expected):
    crm.admin.apply_preset(preset)
    pudong = int(crm.customers.list(search="Pudong").id.iloc[0])
    for user, (may_read, may_write) in expected.items():
        me = crm.as_user(user)
        assert ("Pudong Instruments" in set(me.customers.list().name)) is may_read, (preset, user)
        try:
            me.customers.update(pudong, characteristics=f"checked by {user}")
            wrote = True
        except (NotAllowed, NotFound):
            wrote = False
        assert wrote is may_write, (preset, user)


def test_chapter_9_a_neglected_lead_returns_after_more_than_30_days(crm):
    """Claimed 2 March: still owned on 1 April, back in the pool from 2 April. A follow-up on
    20 March restarts the count: owned on 19 April, back from 20 April."""
    pool = crm.as_user("ma.lan")
    quiet = pool.leads.add("Zhou Min", company="Lakeside Hotel", phone="0571-8888 1234")
    busy = pool.leads.add("Qian Li", company="Riverside Mall", phone="0571-8888 5678")
    wang, zhang = crm.as_user("wang.fang"), crm.as_user("zhang.wei")
    wang.leads.claim(quiet.id)
    wang.leads.claim(busy.id)
    crm.clock.set("2026-03-20")
    wang.leads.follow_up(busy.id, "Called; send a brochure")
    # Every move of the clock sweeps (docs/sales.md); a supervisor's own sweep then finds nothing left.
    crm.clock.set("2026-04-01")
    assert crm.leads.get(quiet.id).state == "pending" and zhang.leads.recycle() == 0
    crm.clock.set("2026-04-02")
    assert crm.leads.get(quiet.id).state == "unassigned" and zhang.leads.recycle() == 0
    crm.clock.set("2026-04-19")
    assert crm.leads.get(busy.id).state == "following"
    crm.clock.set("2026-04-20")
    assert crm.leads.get(busy.id).state == "unassigned"


def test_chapter_8_one_week_rule(crm):
    """Assigned on Monday 2 March: not overdue on 9 March, on the supervisor's list from 10 March."""
    li, zhang = crm.as_user("li.ming"), crm.as_user("zhang.wei")
    opp = li.opportunities.add("Lakeside Hotel", "30 notebooks for the new wing",
                               expected_amount=150_000, probability=30)
    zhang.opportunities.assign(opp.id, to="li.ming")
    crm.clock.set("2026-03-09")
    assert opp.id not in set(zhang.opportunities.overdue().query("kind == 'opportunity'").id)
    crm.clock.set("2026-03-10")
    assert opp.id in set(zhang.opportunities.overdue().query("kind == 'opportunity'").id)


def test_chapter_10_default_stage_probabilities(crm):
    stages = crm.dictionary.list("opportunity_stage")
    assert list(zip(stages.code, stages.value)) == [
        ("initial_contact", 10), ("intent_confirmed", 30), ("proposal", 60), ("negotiation", 80)]
