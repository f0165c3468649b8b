"""Customers that react: the reaction model (pure) and the simulated customers' answers in a workspace.

docs/scenario-model.md documents the effect sizes these tests hold: for an average prospect,
good practice closes about 59 % of deals and poor practice about 1 %; fitting, prompt, followed-up
churn measures win back about 77 % of drifting customers and late generic ones about 4 %.
"""
import datetime as dt

import numpy as np
import pytest

from crm_engine import InvalidInput, NotAllowed, NotFound
from crm_engine.scenario import builtin, reaction as r

D0 = dt.date(2026, 3, 2)
CHANNELS = ["phone", "visit", "email", "wechat"]
DOCUMENTED = {"good": 0.59, "poor": 0.01, "winback_good": 0.77, "winback_poor": 0.045}


# -- the functional core ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, kind, channel", [
    ("Phone call with Ms Zhou: needs analysis", "contact", "phone"),
    ("WeChat message to the buyer", "contact", "wechat"),
    ("Visit the CTO, demo the 2U server", "visit", "visit"),
    ("Send proposal and quotation by e-mail", "proposal", "email"),
    ("Negotiate price and delivery terms", "negotiation", None),
    ("电话沟通周敏：需求分析", "contact", "phone"),
    ("拜访客户，演示产品", "visit", "visit"),
    ("发送方案和报价", "proposal", None),
    ("商务谈判：价格与交货条款", "negotiation", None),
    ("Think about it", "contact", None),
])
def test_a_step_s_action_text_is_read_for_its_kind_and_channel(text, kind, channel):
    found = r.classify(text)
    assert (found.kind, found.channel) == (kind, channel)
    assert found.rank == r.RANKS[kind]


def _play(prospect, us, uc, *, line=True, timely=True, sequence=True, follow_up=True):
    """One deal worked a given way; True if the customer signs."""
    steps, day, i = [], 2 if timely else 12, 0
    texts = {1: "Phone call with Wang", 2: "Visit and demo", 3: "Send proposal and quotation", 4: "Negotiate terms"}
    for rank in ([1, 2, 3, 4] if sequence else [3, 4]):
        while True:
            step = r.StepFact(D0 + dt.timedelta(days=day), r.classify(texts[rank]))
            rep_line = prospect.line if line else "other"
            if rank == 4:
                return uc < r.probability(r.close_factors(prospect, rep_line, D0, steps, step))
            answer = r.respond(r.probability(r.step_factors(prospect, rep_line, D0, steps, step)), us[i])
            steps.append(r.StepFact(step.on, step.kind, answer))
            i += 1
            if follow_up and answer != "positive" and i < 8:
                day += 3      # silence: try again within the week
                continue
            day += 5 if follow_up else 25
            break


@pytest.fixture(scope="module")
def prospects():
    rng = np.random.default_rng(20260302)
    return [(r.Prospect(rng.beta(2, 2), rng.beta(2, 2), rng.beta(2, 2), CHANNELS[rng.integers(4)], "computers"),
             rng.random(10), rng.random()) for _ in range(2500)]


def test_good_practice_beats_poor_practice_by_the_documented_margin(prospects):
    good = np.mean([_play(p, us, uc) for p, us, uc in prospects])
    poor = np.mean([_play(p, us, uc, line=False, timely=False, sequence=False, follow_up=False)
                    for p, us, uc in prospects])
    assert abs(good - DOCUMENTED["good"]) < 0.04 and abs(poor - DOCUMENTED["poor"]) < 0.03
    assert good - poor >= 0.5
    # every single practice matters on its own
    for lapse in ("line", "timely", "sequence", "follow_up"):
        without = np.mean([_play(p, us, uc, **{lapse: False}) for p, us, uc in prospects])
        assert without < good - 0.08, lapse


def test_the_same_actions_on_the_same_draws_give_the_same_answers_and_better_never_hurts(prospects):
    for p, us, uc in prospects[:300]:
        assert _play(p, us, uc) == _play(p, us, uc)
        steps = [r.StepFact(D0 + dt.timedelta(days=2), r.classify("call"), "positive")]
        late = [r.StepFact(D0 + dt.timedelta(days=20), r.classify("call"), "positive")]
        closing = lambda s: r.StepFact(s[-1].on + dt.timedelta(days=5), r.classify("negotiate"))  # noqa: E731
        assert r.probability(r.close_factors(p, p.line, D0, steps, closing(steps))) > \
            r.probability(r.close_factors(p, p.line, D0, late, closing(late)))


def test_churn_measures_that_fit_the_reason_win_back_by_the_documented_margin():
    rng = np.random.default_rng(4)
    reasons, weights = ["price", "competitor", "service", "quality", "no_need", "closed"], [.3, .3, .2, .1, .07, .03]
    fit = {"price": "offer a 5% discount", "competitor": "visit the owner and offer a better price",
           "service": "apologise and improve the service", "quality": "replace the faulty goods",
           "no_need": "recommend our new product range", "closed": "visit"}
    say = {"phone": "call", "visit": "visit", "email": "e-mail", "wechat": "WeChat message"}
    good, poor = [], []
    for _ in range(4000):
        d = r.Drifter(reasons[rng.choice(6, p=weights)], CHANNELS[rng.integers(4)],
                      float(np.clip(rng.normal(.75, .1), 0, 1)), rng.choice(["ordinary", "key_account"], p=[.85, .15]))
        u = rng.random()
        kind = [(D0 + dt.timedelta(days=3), f"{say[d.channel]}: ask why they stopped ordering; {fit[d.reason]}"),
                (D0 + dt.timedelta(days=10), f"{say[d.channel]} again to follow up")]
        good.append(u < r.winback_probability(d, r.winback_factors(d, D0, kind)))
        poor.append(u < r.winback_probability(d, r.winback_factors(d, D0, [(D0 + dt.timedelta(days=40),
                                                                            "Sent the catalogue")])))
    assert abs(np.mean(good) - DOCUMENTED["winback_good"]) < 0.04
    assert abs(np.mean(poor) - DOCUMENTED["winback_poor"]) < 0.03
    closed = r.Drifter("closed", "visit", 0.5, "key_account")
    assert r.winback_probability(closed, r.winback_factors(closed, D0, [(D0, "visit, discount, apologise")])) < 0.05
    assert r.levers("上门拜访，了解原因，给予 5% 折扣") == {"visit", "listen", "price"}


# -- through the engine ------------------------------------------------------------------------------
def _deals(tmp_path, name: str, good: bool, count: int = 16) -> float:
    """Create `count` opportunities in a fresh variant, work them well or badly, return the win rate."""
    crm = builtin("hardware_distributor").scaled(60).create(tmp_path / f"{name}.duckdb", student="deals")
    boss, today = crm.as_user("zhang.wei"), crm.today()
    products = ["Notebook 14\"", "Rack server 2U", "Laser printer", "Office desktop"]
    reps = {"Notebook 14\"": "li.ming", "Office desktop": "li.ming", "Rack server 2U": "wang.fang",
            "Laser printer": "zhao.lei"}
    deals = []
    for k in range(count):
        product = products[k % len(products)]
        opp = boss.opportunities.add(f"Prospect {k} Ltd.", f"40 × {product} for the new office",
                                     expected_amount=100_000, probability=10)
        rep = reps[product] if good else next(u for p, u in reps.items() if u != reps[product])
        boss.opportunities.assign(opp.id, to=rep)
        deals.append((opp.id, crm.as_user(rep)))
    plan = ([(1, "Phone call with the buyer: needs analysis"), (4, "Phone call again after no answer"),
             (8, "Visit the buyer and demo"), (12, "Send proposal and quotation"), (16, "Negotiate terms")] if good
            else [(11, "Send proposal and quotation"), (36, "Negotiate terms")])
    won = 0
    for day, action in plan:
        crm.simulation.advance_to(today + dt.timedelta(days=day))
        for opp_id, rep in deals:
            if "again" in action and crm.simulation.responses(opportunity_id=opp_id)["response"].iloc[-1] == "positive":
                continue          # only follow up where the customer went silent
            step = rep.opportunities.add_step(opp_id, crm.today(), action)
            answer = rep.simulation.outcome_of_step(opp_id, step, record=True)
            assert answer.recorded and rep.opportunities.step(step).result
            won += answer.decision == "won" and "Negotiate" in action
    crm.close()
    return won / count


def test_in_a_workspace_good_practice_wins_far_more_deals(tmp_path):
    good, poor = _deals(tmp_path, "good", True), _deals(tmp_path, "poor", False)
    assert good - poor >= 0.3, (good, poor)


@pytest.fixture
def world(tmp_path):
    crm = builtin("hardware_distributor").scaled(150).create(tmp_path / "w.duckdb", student="s9")
    yield crm
    crm.close()


def test_an_answer_is_drawn_once_kept_and_only_for_a_step_that_is_due(world):
    crm = world
    boss = crm.as_user("zhang.wei")
    opp = boss.opportunities.add("Lakeside Hotel", "50 × Notebook 14\" for the new wing",
                                 expected_amount=250_000, probability=10)
    boss.opportunities.assign(opp.id, to="li.ming")
    li = crm.as_user("li.ming")
    later = li.opportunities.add_step(opp.id, crm.today() + dt.timedelta(days=3), "Visit the hotel")
    with pytest.raises(NotAllowed) as early:
        li.simulation.outcome_of_step(opp.id, later)
    assert "要到那一天客户才会有回应" in early.value.message("zh_CN")
    now = li.opportunities.add_step(opp.id, crm.today(), "Phone call with the manager")
    first = li.simulation.outcome_of_step(opp.id, now)
    assert first.response in ("positive", "silence", "negative") and first.text and not first.recorded
    assert li.simulation.outcome_of_step(opp.id, now) == first                  # kept, not redrawn
    with pytest.raises(NotAllowed):                                              # recording is the manager's act
        boss.simulation.outcome_of_step(opp.id, now, record=True)
    other = boss.opportunities.add("Other", "x", expected_amount=1, probability=10)
    with pytest.raises(NotFound):
        li.simulation.outcome_of_step(other.id, now)
    assert li.simulation.outcome_of_step(opp.id, now, record=True).recorded
    assert li.opportunities.step(now).result == crm.simulation.responses(opportunity_id=opp.id)["detail"].iloc[0]
    with pytest.raises(NotFound):                                                # a step of another plan
        li.simulation.outcome_of_step(opp.id, later + 1000)


def test_a_plan_back_dated_to_look_prompt_is_judged_by_when_it_was_written(world):
    crm = world
    boss, li = crm.as_user("zhang.wei"), crm.as_user("li.ming")
    opp = boss.opportunities.add("Back Dated Ltd.", "10 × Office desktop", expected_amount=30_000, probability=10)
    boss.opportunities.assign(opp.id, to="li.ming")
    crm.simulation.advance(12)
    step = li.opportunities.add_step(opp.id, crm.today() - dt.timedelta(days=11), "Phone call with the buyer")
    li.simulation.outcome_of_step(opp.id, step)
    factors = crm.sql("SELECT factors FROM scenario_outcomes WHERE kind = 'step' AND record_id = ?", [step])
    assert "late_first_contact" in factors["factors"].iloc[0]


def test_instructors_see_probabilities_and_traits_students_do_not(world):
    crm = world
    opp_id = int(crm.opportunities.list(state="assigned")["id"].iloc[0])
    p = crm.simulation.win_probability(opp_id)
    assert 0 < p < 1
    assert len(crm.simulation.traits("customer")) == 150
    for who in ("dong.li", "li.ming"):
        with pytest.raises(NotAllowed):
            crm.as_user(who).simulation.traits()
        with pytest.raises(NotAllowed):
            crm.as_user(who).simulation.win_probability(opp_id)
        with pytest.raises(NotAllowed):
            crm.as_user(who).sql("SELECT * FROM scenario_traits")
    assert "你的身份：Li Ming（li.ming），客户经理。" in crm.simulation.briefing("zh_CN")


def test_fitting_churn_measures_bring_the_customer_back_with_an_order(world):
    crm = world
    warnings = crm.churn.list(state="open")
    traits = crm.simulation.traits("customer").set_index("record_id")
    say = {"phone": "call", "visit": "visit", "email": "e-mail", "wechat": "WeChat", "meeting": "visit"}
    fit = {"price": "offer a discount", "competitor": "visit and offer a better price",
           "service": "apologise and improve service", "quality": "replace the goods", "no_need": "recommend new products",
           "closed": "visit"}
    back = None
    for row in warnings.itertuples():
        trait = traits.loc[row.customer_id]
        owner = crm.as_user(int(row.owner_id))
        owner.churn.suspend(row.id, f"{say[trait.channel]}: asked why they stopped; {fit[trait.churn_reason]}")
        answer = owner.simulation.outcome_of_suspension(row.id, record=True)
        assert answer.text and answer.recorded
        if answer.response == "won_back":
            back = answer
            break
    assert back is not None, "no fitting measure won anyone back"
    assert crm.simulation.winback_probability(back.warning_id) > 0.3
    crm.simulation.advance_to(back.comes_back_on)
    orders = crm.orders.list(customer_id=back.customer_id)
    assert orders["order_date"].max().date() == back.comes_back_on          # the order shows the customer is back
    assert crm.churn.get(back.warning_id).state == "cleared"                 # and the scan cleared the warning
    with pytest.raises(InvalidInput):
        crm.simulation.outcome_of_suspension(int(crm.churn.list(state="warning")["id"].iloc[0]))
