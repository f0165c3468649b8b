"""Random sequences of sales actions by random users, with the invariants checked after every step.

Rules act as a random user half of the time and as the natural one (the holder, their
supervisor) otherwise; two "develop" rules push one record along its natural path so runs
reach deep states. Every rule asserts that the engine accepted exactly what the rules allow.
Invariants: states and holders equal the model's; an assigned opportunity has exactly one
manager (an account manager, with one open assignment row); a succeeded opportunity has
exactly one linked customer; what a user lists is exactly their scope (one user per step,
in turn, to keep the run short); the audit trail has one entry per successful action.

The model keeps, independently of the engine, each opportunity's and lead's state, holder and
last progress, and the audit rows the successful actions must have written. What counts as
the audit "entry" of an action: the one row of kind `opportunity` or `lead` naming the record
it acted on (the pool sweep: one row naming no record). A conversion that creates an
opportunity writes that opportunity's own `create` row first. Rows of other kinds (the
customer, contact and interaction a conversion or a win creates, the clock) are not counted
here. A refused action must write none and change no state.
"""
import datetime as dt

from decimal import Decimal

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from crm_engine import CRM, CRMError
from tests.conftest import TODAY, build_company

USERS = ("admin", "dong.li", "sun.li", "ma.lan", "cai.wu", "zhang.wei", "li.ming", "wang.fang", "zhao.lei",
         "chen.hua", "liu.yang")
COMPANIES = ("Star Tech", "Acme Trading", "Lakeside Hotel", None)  # repeats exercise the duplicate check
SUPERIORS = ("admin", "director", "supervisor")
REPS = ("li.ming", "wang.fang", "zhao.lei", "liu.yang")
SUPERVISOR_OF = {1: "dong.li", 2: "zhang.wei", 3: "zhang.wei", 4: "chen.hua"}  # team → who assigns there
# Half the time the actor is the user a real company would send (the holder, their supervisor),
# half the time anyone at all: so actions succeed often enough to reach deep states, and
# refusals are exercised all along.
NATURAL = "natural"
ACTORS = st.one_of(st.just(NATURAL), st.sampled_from(USERS))
CAP, POOL_DAYS = 3, 30
PRICES = {"NB-14": Decimal("4999"), "SRV-2U": Decimal("38000"), "SUP-1Y": Decimal("6000")}
LINE = st.tuples(st.sampled_from([*PRICES, "XX-1"]), st.integers(-1, 4), st.sampled_from(["0", "0.1", "0.25", "1", "-0.5"]))
LEAD_MOVES = {("unassigned", "claim"): "pending", ("pending", "follow_up"): "following",
              ("following", "follow_up"): "following", ("pending", "release"): "unassigned",
              ("following", "release"): "unassigned", ("pending", "mark_invalid"): "invalid",
              ("following", "mark_invalid"): "invalid", ("invalid", "revive"): "pending",
              ("following", "convert"): "converted", **{(s, "void"): "voided" for s in
                                                         ("unassigned", "pending", "following", "invalid")}}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The fixture company built once; each example works on a copy of the file."""
    path = tmp_path_factory.mktemp("stateful") / "template.duckdb"
    with CRM.create(path, today=TODAY) as crm:
        build_company(crm)
        crm.admin.set_setting("lead_claim_cap", CAP)
        crm.admin.set_setting("lead_pool_days", POOL_DAYS)
    return path


class SalesMachine(RuleBasedStateMachine):
    template = None

    def __init__(self):
        super().__init__()
        # An in-memory workspace restored from the template: much faster than building the
        # company (or writing a file) for every example.
        self.crm = CRM.memory(today=TODAY)
        self.crm.admin.restore(self.template)
        rows = self.crm._s.db.rows("SELECT username, id, role, team_id FROM users")
        self.users = {name: {"id": i, "role": role, "team": team} for name, i, role, team in rows}
        self.by_id = {u["id"]: u for u in self.users.values()}
        parents = dict(self.crm._s.db.rows("SELECT id, parent_id FROM teams"))
        self.subtree = {t: self._below(t, parents) for t in parents}
        self.today = dt.date.fromisoformat(TODAY)
        self.opps, self.steps, self.leads, self.expected = {}, {}, {}, []

    @staticmethod
    def _below(team, parents):
        out, frontier = {team}, [team]
        while frontier:
            current = frontier.pop()
            for child, parent in parents.items():
                if parent == current and child not in out:
                    out.add(child), frontier.append(child)
        return out

    def teardown(self):
        self.crm.close()

    # -- helpers ---------------------------------------------------------------------------
    def act(self, who, call):
        """(True, result) or (False, error); only the project's errors may come out."""
        try:
            return True, call(self.crm.as_user(who))
        except CRMError as error:
            assert error.message("en") and error.message("zh_CN")
            return False, error

    def role(self, who):
        return self.users[who]["role"]

    def covers(self, who, owner_id, mode="write"):
        """The default sharing policy for leads and opportunities, recomputed."""
        role, me = self.role(who), self.users[who]
        if role in ("admin", "director") or (role == "marketing" and mode == "read"):
            return True
        if role == "supervisor":
            return owner_id is not None and self.by_id[owner_id]["team"] in self.subtree[me["team"]]
        return role == "account_manager" and owner_id == me["id"]

    def actor(self, who, natural):
        return natural if who == NATURAL else who

    def username(self, user_id):
        return next(name for name, u in self.users.items() if u["id"] == user_id)

    def pick(self, records, index):
        return sorted(records)[index % len(records)] if records else None

    @initialize()
    def something_to_work_on(self):
        """Every run starts with material: two opportunities and two leads (one in the pool)."""
        self.record_opportunity("li.ming", 20, "li.ming")
        self.record_opportunity("liu.yang", 50, "liu.yang")
        self.create_lead("li.ming", False, "Acme Trading", "li.ming")
        self.create_lead("ma.lan", True, None, "li.ming")

    # -- opportunities ---------------------------------------------------------------------------
    @rule(who=ACTORS, probability=st.integers(-5, 105), rep=st.sampled_from(REPS))
    def record_opportunity(self, who, probability, rep):
        who = self.actor(who, rep)
        ok, opp = self.act(who, lambda c: c.opportunities.add(
            "Prospect Co", "Laptops", expected_amount=10_000, probability=probability))
        assert ok == (self.role(who) in ("director", "supervisor", "account_manager") and 0 <= probability <= 100)
        if ok:
            self.opps[opp.id] = {"state": "unassigned", "owner": self.users[who]["id"], "created": self.today,
                                 "lines": [], "amount": Decimal("10000")}
            self.expected.append(("create", "opportunity", opp.id))

    @precondition(lambda self: self.opps)
    @rule(who=ACTORS, index=st.integers(0, 99), to=st.one_of(st.sampled_from(REPS), st.sampled_from(USERS)))
    def assign_opportunity(self, who, index, to):
        opp_id = self.pick(self.opps, index)
        opp = self.opps[opp_id]
        who = self.actor(who, SUPERVISOR_OF[self.by_id[opp["owner"]]["team"]])
        ok, _ = self.act(who, lambda c: c.opportunities.assign(opp_id, to))
        manager = self.users[to]["id"]
        assert ok == (opp["state"] in ("unassigned", "assigned") and self.role(who) in SUPERIORS
                      and self.covers(who, opp["owner"]) and self.role(to) == "account_manager"
                      and self.covers(who, manager) and not (opp["state"] == "assigned" and manager == opp["owner"]))
        if ok:
            opp.update(state="assigned", owner=self.users[to]["id"], assigned=self.today)
            self.expected.append(("assign", "opportunity", opp_id))

    @precondition(lambda self: self.opps)
    @rule(who=ACTORS, index=st.integers(0, 99), offset=st.integers(-3, 4))
    def add_step(self, who, index, offset):
        opp_id = self.pick(self.opps, index)
        opp, planned = self.opps[opp_id], self.today + dt.timedelta(days=offset)
        who = self.actor(who, self.username(opp["owner"]))
        ok, step_id = self.act(who, lambda c: c.opportunities.add_step(opp_id, planned, "Call the buyer"))
        assert ok == (opp["state"] == "assigned" and self.users[who]["id"] == opp["owner"]
                      and planned >= opp["created"])
        if ok:
            self.steps[step_id] = {"opp": opp_id, "planned": planned, "done": False}
            self.expected.append(("add_step", "opportunity", opp_id))

    @precondition(lambda self: self.steps)
    @rule(who=ACTORS, index=st.integers(0, 99))
    def record_result(self, who, index):
        step_id = self.pick(self.steps, index)
        step = self.steps[step_id]
        opp = self.opps[step["opp"]]
        who = self.actor(who, self.username(opp["owner"]))
        ok, _ = self.act(who, lambda c: c.opportunities.record_result(step_id, "Buyer answered"))
        assert ok == (opp["state"] == "assigned" and self.users[who]["id"] == opp["owner"]
                      and not step["done"] and step["planned"] <= self.today)
        if ok:
            step["done"] = True
            self.expected.append(("record_result", "opportunity", step["opp"]))

    @precondition(lambda self: self.opps)
    @rule(who=ACTORS, index=st.integers(0, 99), won=st.booleans())
    def close_opportunity(self, who, index, won):
        opp_id = self.pick(self.opps, index)
        opp = self.opps[opp_id]
        who = self.actor(who, self.username(opp["owner"]))
        ok, _ = self.act(who, lambda c: c.opportunities.succeed(opp_id) if won else
                         c.opportunities.fail(opp_id, "no_budget"))
        done = any(s["done"] for s in self.steps.values() if s["opp"] == opp_id)
        may = self.users[who]["id"] == opp["owner"] or (self.role(who) in SUPERIORS and self.covers(who, opp["owner"]))
        assert ok == (opp["state"] == "assigned" and done and may)
        if ok:
            opp["state"] = "succeeded" if won else "failed"
            self.expected.append(("succeed" if won else "fail", "opportunity", opp_id))

    @rule(who=ACTORS, index=st.integers(0, 99), lines=st.lists(LINE, max_size=3))
    def set_products(self, who, index, lines):
        """O10: the products of an open opportunity; the expected amount is their total."""
        opp_id = self.pick(self.opps, index)
        opp = self.opps[opp_id]
        who = self.actor(who, self.username(opp["owner"]))
        given = [{"product": p, "quantity": q, "discount": d} for p, q, d in lines]
        ok, _ = self.act(who, lambda c: c.opportunities.set_lines(opp_id, given))
        valid = all(p in PRICES and q >= 1 and Decimal(0) <= Decimal(d) < 1 for p, q, d in lines)
        may = self.users[who]["id"] == opp["owner"] or (self.role(who) in SUPERIORS and self.covers(who, opp["owner"]))
        assert ok == (opp["state"] in ("unassigned", "assigned") and valid and may)
        if ok:
            opp["lines"] = [(p, q, Decimal(d)) for p, q, d in lines]
            if lines:
                opp["amount"] = sum(q * (PRICES[p] * (1 - Decimal(d))).quantize(Decimal("0.01")) for p, q, d in lines)
            self.expected.append(("set_lines", "opportunity", opp_id))

    # -- leads ---------------------------------------------------------------------------------------
    @rule(who=ACTORS, to_pool=st.booleans(), company=st.sampled_from(COMPANIES), rep=st.sampled_from(REPS))
    def create_lead(self, who, to_pool, company, rep):
        who = self.actor(who, rep)
        ok, lead = self.act(who, lambda c: c.leads.add("Zhou Min", company=company, to_pool=to_pool))
        assert ok == (self.role(who) != "finance")
        if ok:
            owned = not to_pool and self.role(who) in ("account_manager", "supervisor", "director")
            self.leads[lead.id] = {"state": "pending" if owned else "unassigned",
                                   "owner": self.users[who]["id"] if owned else None, "active": self.today}
            self.expected.append(("create", "lead", lead.id))

    @precondition(lambda self: self.leads)
    @rule(who=ACTORS, index=st.integers(0, 99), rep=st.sampled_from(REPS),
          verb=st.sampled_from(["claim", "follow_up", "follow_up", "release", "mark_invalid", "revive", "void"]))
    def work_lead(self, who, index, rep, verb):
        lead_id = self.pick(self.leads, index)
        lead = self.leads[lead_id]
        who = self.actor(who, rep if lead["owner"] is None else self.username(lead["owner"]))
        me = self.users[who]["id"]
        calls = {"claim": lambda c: c.leads.claim(lead_id), "follow_up": lambda c: c.leads.follow_up(lead_id, "Rang"),
                 "release": lambda c: c.leads.release(lead_id), "revive": lambda c: c.leads.revive(lead_id),
                 "mark_invalid": lambda c: c.leads.mark_invalid(lead_id, "No answer"),
                 "void": lambda c: c.leads.void(lead_id, "Junk")}
        ok, _ = self.act(who, calls[verb])
        if (lead["state"], verb) not in LEAD_MOVES:
            assert not ok
        elif verb == "claim":
            held = sum(1 for x in self.leads.values() if x["owner"] == me and x["state"] in ("pending", "following"))
            assert ok == (self.role(who) in ("account_manager", "supervisor") and held < CAP)
        elif verb == "follow_up":
            assert ok == (lead["owner"] == me)
        elif lead["owner"] is None:
            assert ok == (self.role(who) in ("admin", "director", "supervisor", "marketing"))
        else:
            assert ok == (lead["owner"] == me or (self.role(who) in SUPERIORS and self.covers(who, lead["owner"])))
        if ok:
            lead["state"] = LEAD_MOVES[(lead["state"], verb)]
            if verb == "claim":
                lead["owner"] = me
            if verb == "release":
                lead["owner"] = None
            if verb in ("claim", "follow_up", "release", "revive"):
                lead["active"] = self.today
            self.expected.append((verb, "lead", lead_id))

    @precondition(lambda self: self.leads)
    @rule(who=ACTORS, index=st.integers(0, 99), with_opportunity=st.booleans())
    def convert_lead(self, who, index, with_opportunity):
        lead_id = self.pick(self.leads, index)
        lead = self.leads[lead_id]
        who = self.actor(who, "li.ming" if lead["owner"] is None else self.username(lead["owner"]))
        ok, result = self.act(who, lambda c: c.leads.convert(lead_id, opportunity=with_opportunity or None))
        assert ok == (lead["state"] == "following" and lead["owner"] is not None and (
            lead["owner"] == self.users[who]["id"] or (self.role(who) in SUPERIORS and self.covers(who, lead["owner"]))))
        if ok:
            lead.update(state="converted", active=self.today)
            if with_opportunity:
                amount = self.crm._s.db.scalar("SELECT expected_amount FROM opportunities WHERE id = ?",
                                               [result.opportunity_id])  # what the conversion estimates
                self.opps[result.opportunity_id] = {"state": "unassigned", "owner": lead["owner"],
                                                    "created": self.today, "lines": [], "amount": amount}
                self.expected.append(("create", "opportunity", result.opportunity_id))
            self.expected.append(("convert", "lead", lead_id))

    # -- the natural next step, so that random runs get deep (the rules above refuse a lot) -------------
    @precondition(lambda self: any(x["state"] in ("unassigned", "assigned") for x in self.opps.values()))
    @rule(index=st.integers(0, 99), to=st.sampled_from(REPS), won=st.booleans())
    def develop_an_opportunity(self, index, to, won):
        open_ones = [i for i, x in sorted(self.opps.items()) if x["state"] in ("unassigned", "assigned")]
        opp_id = open_ones[index % len(open_ones)]
        opp, index = self.opps[opp_id], sorted(self.opps).index(opp_id)
        for _ in range(4):  # assign, plan a step, record its result, close: each checked against the model
            steps = [(i, s) for i, s in sorted(self.steps.items()) if s["opp"] == opp_id]
            if opp["state"] == "unassigned":
                self.assign_opportunity(NATURAL, index, to)
            elif opp["state"] == "assigned":
                due = [i for i, s in steps if not s["done"] and s["planned"] <= self.today]
                if due:
                    self.record_result(NATURAL, sorted(self.steps).index(due[0]))
                elif not any(s["done"] for _, s in steps):
                    self.add_step(NATURAL, index, 0)
                else:
                    self.close_opportunity(NATURAL, index, won)

    @precondition(lambda self: any(x["state"] in ("unassigned", "pending", "following") for x in self.leads.values()))
    @rule(index=st.integers(0, 99), rep=st.sampled_from(REPS), with_opportunity=st.booleans())
    def develop_a_lead(self, index, rep, with_opportunity):
        open_ones = [i for i, x in sorted(self.leads.items()) if x["state"] in ("unassigned", "pending", "following")]
        lead_id = open_ones[index % len(open_ones)]
        lead, index = self.leads[lead_id], sorted(self.leads).index(lead_id)
        for _ in range(3):  # claim, follow up, convert
            if lead["state"] == "unassigned":
                self.work_lead(NATURAL, index, rep, "claim")
            elif lead["state"] == "pending":
                self.work_lead(NATURAL, index, rep, "follow_up")
            elif lead["state"] == "following":
                self.convert_lead(NATURAL, index, with_opportunity)

    @precondition(lambda self: any(x["owner"] for x in self.leads.values()))
    @rule(who=st.sampled_from(USERS))
    def sweep_the_pool(self, who):
        stale = {i for i, x in self.leads.items() if x["state"] in ("pending", "following")
                 and x["active"] < self.today - dt.timedelta(days=POOL_DAYS) and self.covers(who, x["owner"])}
        ok, moved = self.act(who, lambda c: c.leads.recycle())
        assert ok == (self.role(who) in SUPERIORS)
        if ok:
            assert moved == len(stale)
            for lead_id in stale:
                self.leads[lead_id].update(state="unassigned", owner=None, active=self.today)
            if moved:
                self.expected.append(("recycle", "lead", None))

    @rule(days=st.sampled_from([1, 3, 8, 31]))
    def time_passes(self, days):
        """The clock sweeps idle leads back to the pool (as the administrator moving it: everyone's),
        each on the day it crossed the line."""
        self.crm.clock.advance(days)
        self.today += dt.timedelta(days=days)
        stale = {i for i, x in self.leads.items() if x["state"] in ("pending", "following") and x["owner"]
                 and x["active"] < self.today - dt.timedelta(days=POOL_DAYS)}
        for lead_id in stale:
            lead = self.leads[lead_id]
            lead.update(state="unassigned", owner=None, active=lead["active"] + dt.timedelta(days=POOL_DAYS + 1))
        if stale:
            self.expected.append(("recycle", "lead", None))

    # -- invariants -------------------------------------------------------------------------------------
    @invariant()
    def records_and_audit_trail_match_the_model(self):
        """States and holders are what the model says, and the audit trail has exactly one
        entry per successful action (refused ones wrote nothing)."""
        db = self.crm._s.db
        assert {i: (s, o) for i, s, o in db.rows("SELECT id, state, owner_id FROM opportunities")} == \
            {i: (x["state"], x["owner"]) for i, x in self.opps.items()}
        assert {i: (s, o) for i, s, o in db.rows("SELECT id, state, owner_id FROM leads")} == \
            {i: (x["state"], x["owner"]) for i, x in self.leads.items()}
        rows = db.rows("SELECT action, kind, record_id FROM audit WHERE kind IN ('lead', 'opportunity') ORDER BY id")
        assert rows == self.expected

    @invariant()
    def products_and_amounts_match_the_model_and_wins_carry_them_into_an_order(self):
        db = self.crm._s.db
        lines = {}
        for opp_id, code, quantity, discount in db.rows(
                "SELECT l.opportunity_id, p.code, l.quantity, l.discount FROM opportunity_lines l "
                "JOIN products p ON p.id = l.product_id ORDER BY l.id"):
            lines.setdefault(opp_id, []).append((code, quantity, discount))
        assert lines == {i: x["lines"] for i, x in self.opps.items() if x["lines"]}
        assert dict(db.rows("SELECT id, expected_amount FROM opportunities")) == {
            i: x["amount"] for i, x in self.opps.items()}
        # Two wins may land on one customer (the duplicate check links the second to the first's
        # customer), so orders are compared per customer: the only orders in this company are the
        # won products, and a customer's orders hold at least its won opportunities' products.
        customer_of = dict(db.rows("SELECT id, customer_id FROM opportunities WHERE state = 'succeeded'"))
        expected: dict = {}
        for i, x in self.opps.items():
            if x["state"] == "succeeded" and x["lines"]:
                expected[customer_of[i]] = expected.get(customer_of[i], 0) + x["amount"]
        ordered = dict(db.rows("SELECT r.customer_id, sum(ol.amount) FROM orders r "
                               "JOIN order_lines ol ON ol.order_id = r.id GROUP BY r.customer_id"))
        assert set(ordered) == set(expected)
        for customer_id, amount in ordered.items():
            assert amount >= expected[customer_id]

    @invariant()
    def one_manager_per_assigned_and_one_customer_per_won_opportunity(self):
        rows = self.crm._s.db.rows("""
            SELECT o.id, o.state, u.role, o.customer_id,
                   (SELECT count(*) FROM customers c WHERE c.id = o.customer_id) AS customers,
                   count(a.user_id) FILTER (WHERE a.ended_on IS NULL) AS holders,
                   count(a.user_id) FILTER (WHERE a.ended_on IS NULL AND a.user_id = o.owner_id) AS holder_is_owner
            FROM opportunities o JOIN users u ON u.id = o.owner_id
            LEFT JOIN assignments a ON a.kind = 'opportunity' AND a.record_id = o.id GROUP BY ALL""")
        for opp_id, state, role, customer_id, customers, holders, holder_is_owner in rows:
            if state == "assigned":
                assert (role, holders, holder_is_owner) == ("account_manager", 1, 1), opp_id
            else:
                assert holders == 0, opp_id
            if state == "succeeded":
                assert customer_id is not None and customers == 1, opp_id

    @invariant()
    def nothing_is_visible_outside_scope(self):
        """What one user (a different one after each step) lists is exactly their scope."""
        self.turn = getattr(self, "turn", -1) + 1
        who = ("li.ming", "zhang.wei", "ma.lan", "zhao.lei", "chen.hua", "sun.li")[self.turn % 6]
        session = self.crm.as_user(who)
        assert set(session.opportunities.list()["id"]) == {
            i for i, x in self.opps.items() if self.covers(who, x["owner"], "read")}, who
        readers = self.role(who) != "service_staff"
        assert set(session.leads.list()["id"]) == {
            i for i, x in self.leads.items()
            if (x["owner"] is None and readers) or (x["owner"] is not None and self.covers(who, x["owner"], "read"))}, who


TestSales = SalesMachine.TestCase
TestSales.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)


@pytest.fixture(autouse=True)
def _give_the_machine_its_template(template):
    SalesMachine.template = template
