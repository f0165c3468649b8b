"""Random sequences of care actions (Hypothesis stateful testing).

Actors and actions are drawn at random — the clock moves, orders arrive (some later
cancelled), scans run, owners and strangers suspend and confirm, supervisors assign,
handlers and non-handlers handle, feedback comes with any satisfaction — and after every
step the rules must still hold:

* no warning is confirmed without an earlier suspension;
* after a scan, the open warnings are exactly the due customers, recomputed with pandas;
* a customer has at most one open warning; an order that ends a customer's silence
  leaves it no open warning;
* a ticket has at most one handler, and only the assignee ever handled it;
* an archived ticket has satisfaction >= 3;
* every record's state is the last state in its history;
* each action's outcome (success or which refusal) is the one the rules predict.
"""
import datetime as dt
import shutil
import uuid

import pandas as pd
import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from crm_engine import CRM, InvalidInput, NotAllowed, NotFound, TransitionNotAllowed
from tests.conftest import TODAY, build_company

OWNERS = {1: "li.ming", 2: "li.ming", 3: "wang.fang", 4: "zhao.lei", 5: "liu.yang"}
REPS = ("li.ming", "wang.fang", "zhao.lei", "liu.yang")
HANDLERS = ("sun.li", "li.ming", "zhao.lei")


class CareMachine(RuleBasedStateMachine):
    template = None  # a workspace file with the shared company, set by the test
    folder = None

    def __init__(self):
        super().__init__()
        self.path = self.folder / f"{uuid.uuid4().hex}.duckdb"
        shutil.copy(self.template, self.path)
        self.crm = CRM.open(self.path)
        self.db = self.crm._s.db

    def teardown(self):
        self.crm.close()
        self.path.unlink(missing_ok=True)

    def as_(self, who):
        return self.crm.as_user(who)

    # -- helpers: the truth, read straight from the tables --------------------------
    def due_by_pandas(self) -> set[int]:
        """The churn rule recomputed independently: pandas over the raw tables."""
        customers = self.db.df("SELECT id, status, created_on FROM customers")
        orders = self.db.df("SELECT customer_id, order_date, status FROM orders")
        months = int(self.crm.admin.settings()["churn_threshold_months"])
        last = orders[orders["status"] != "cancelled"].groupby("customer_id", as_index=False)["order_date"].max()
        both = customers.merge(last, left_on="id", right_on="customer_id", how="left")
        reference = both["order_date"].fillna(both["created_on"])
        limit = pd.Timestamp(self.crm.today()) - pd.DateOffset(months=months)
        return set(both.loc[(both["status"] != "lost") & (reference < limit), "id"].tolist())

    def open_warned(self) -> set[int]:
        return {r[0] for r in self.db.rows(
            "SELECT customer_id FROM churn_warnings WHERE state IN ('warning', 'suspended')")}

    def pick(self, table, index):
        ids = [r[0] for r in self.db.rows(f"SELECT id FROM {table} ORDER BY id")]
        return ids[index % len(ids)] if ids else None

    def expect(self, outcome, act):
        """Run `act`; `outcome` is None for success or the exception type expected."""
        if outcome is None:
            return act()
        with pytest.raises(outcome):
            act()

    # -- the clock and orders ------------------------------------------------------
    @rule(days=st.integers(1, 120))
    def advance(self, days):
        self.crm.clock.advance(days)

    @rule(customer=st.sampled_from(sorted(OWNERS)), extra=st.sampled_from([-1, 0, 1]))
    def to_the_boundary(self, customer, extra):
        """Move the clock to (about) the day a customer's silence reaches the threshold,
        where an off-by-one in the rule would show."""
        row = self.db.one("""SELECT coalesce(max(o.order_date), any_value(c.created_on)) FROM customers c
                             LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
                             WHERE c.id = ?""", [customer])
        months = int(self.crm.admin.settings()["churn_threshold_months"])
        target = (pd.Timestamp(row[0]) + pd.DateOffset(months=months)).date() + dt.timedelta(days=extra)
        if target > self.crm.today():
            self.crm.clock.set(target)

    @rule(customer=st.sampled_from(sorted(OWNERS)), back=st.integers(0, 400), cancel=st.booleans())
    def order(self, customer, back, cancel):
        on = self.crm.today() - dt.timedelta(days=back)
        placed = self.as_(OWNERS[customer]).orders.add(customer, [{"product": "NB-14", "quantity": 1}], order_date=on)
        if customer not in self.due_by_pandas():
            assert customer not in self.open_warned(), "an order that ends the silence clears the warning"
        if cancel:  # set-up: order statuses belong to another area
            with self.db.transaction():
                self.db.execute("UPDATE orders SET status = 'cancelled' WHERE id = ?", [placed.id])

    # -- churn --------------------------------------------------------------------
    @rule()
    def scan(self):
        self.crm.churn.scan()
        assert self.open_warned() == self.due_by_pandas()

    @rule(index=st.integers(0, 50), measures=st.sampled_from(["Called the buyer", "", "  ", "Visited"]),
          stranger=st.booleans())
    def suspend(self, index, measures, stranger):
        warning = self.pick("churn_warnings", index)
        if warning is None:
            return
        customer, state = self.db.one("SELECT customer_id, state FROM churn_warnings WHERE id = ?", [warning])
        owner = OWNERS[customer]
        actor = next(r for r in REPS if r != owner) if stranger else owner
        measures_before = self.db.scalar("SELECT count(*) FROM churn_measures")
        if stranger:
            outcome = NotFound
        elif not measures.strip():
            outcome = InvalidInput
        elif state not in ("warning", "suspended"):
            outcome = TransitionNotAllowed
        else:
            outcome = None
        self.expect(outcome, lambda: self.as_(actor).churn.suspend(warning, measures))
        after_state = self.db.scalar("SELECT state FROM churn_warnings WHERE id = ?", [warning])
        if outcome is None:
            assert after_state == "suspended"
            assert self.db.scalar("SELECT count(*) FROM churn_measures") == measures_before + 1
        else:
            assert after_state == state
            assert self.db.scalar("SELECT count(*) FROM churn_measures") == measures_before

    @rule(index=st.integers(0, 50), reason=st.sampled_from(["price", "competitor", "bogus"]))
    def confirm(self, index, reason):
        warning = self.pick("churn_warnings", index)
        if warning is None:
            return
        customer, state = self.db.one("SELECT customer_id, state FROM churn_warnings WHERE id = ?", [warning])
        if reason == "bogus":
            outcome = InvalidInput
        elif state == "suspended":
            outcome = None
        else:
            outcome = TransitionNotAllowed  # including "warning": suspend first
        self.expect(outcome, lambda: self.as_(OWNERS[customer]).churn.confirm(warning, reason))
        if outcome is None:
            assert self.db.scalar("SELECT status FROM customers WHERE id = ?", [customer]) == "lost"
        else:
            assert self.db.scalar("SELECT state FROM churn_warnings WHERE id = ?", [warning]) == state

    # -- service tickets ------------------------------------------------------------
    @rule(customer=st.sampled_from(sorted(OWNERS)),
          service_type=st.sampled_from(["consultation", "complaint", "repair"]))
    def open_ticket(self, customer, service_type):
        ticket = self.as_("sun.li").service.add(customer, service_type=service_type, subject="Help",
                                                request="Something is wrong")
        assert ticket.state == "new"

    def can_read_ticket(self, who, customer):
        return who == "sun.li" or OWNERS[customer] == who

    @rule(index=st.integers(0, 50), handler=st.sampled_from(HANDLERS))
    def assign(self, index, handler):
        ticket = self.pick("tickets", index)
        if ticket is None:
            return
        customer, state = self.db.one("SELECT customer_id, state FROM tickets WHERE id = ?", [ticket])
        if state != "new":
            outcome = TransitionNotAllowed
        elif not self.can_read_ticket(handler, customer):
            outcome = InvalidInput
        else:
            outcome = None
        self.expect(outcome, lambda: self.as_("dong.li").service.assign(ticket, handler))

    @rule(index=st.integers(0, 50), who=st.sampled_from(HANDLERS + ("wang.fang",)))
    def handle(self, index, who):
        ticket = self.pick("tickets", index)
        if ticket is None:
            return
        customer, state, assignee = self.db.one(
            "SELECT t.customer_id, t.state, u.username FROM tickets t LEFT JOIN users u ON u.id = t.assigned_to "
            "WHERE t.id = ?", [ticket])
        if not self.can_read_ticket(who, customer):
            outcome = NotFound
        elif state != "assigned":
            outcome = TransitionNotAllowed
        elif who != assignee:
            outcome = NotAllowed
        else:
            outcome = None
        self.expect(outcome, lambda: self.as_(who).service.handle(ticket, "Fixed it"))

    @rule(index=st.integers(0, 50), satisfaction=st.integers(-1, 7))
    def feedback(self, index, satisfaction):
        ticket = self.pick("tickets", index)
        if ticket is None:
            return
        state = self.db.scalar("SELECT state FROM tickets WHERE id = ?", [ticket])
        if not 1 <= satisfaction <= 5:
            outcome = InvalidInput
        elif state != "handled":
            outcome = TransitionNotAllowed
        else:
            outcome = None
        done = self.expect(outcome, lambda: self.as_("sun.li").service.feedback(
            ticket, satisfaction=satisfaction, result="Customer called back"))
        if outcome is None:
            assert done.state == ("archived" if satisfaction >= 3 else "assigned")

    # -- invariants ----------------------------------------------------------------------
    @invariant()
    def no_confirm_without_an_earlier_suspension(self):
        assert self.db.rows("""
            SELECT w.id FROM churn_warnings w WHERE w.state = 'churned' AND NOT EXISTS (
                SELECT 1 FROM state_history s WHERE s.kind = 'churn' AND s.record_id = w.id AND s.action = 'suspend'
                AND s.rowid < (SELECT min(c.rowid) FROM state_history c
                               WHERE c.kind = 'churn' AND c.record_id = w.id AND c.action = 'confirm'))""") == []

    @invariant()
    def at_most_one_open_warning_per_customer(self):
        assert self.db.rows("SELECT customer_id FROM churn_warnings WHERE state IN ('warning', 'suspended') "
                            "GROUP BY customer_id HAVING count(*) > 1") == []

    @invariant()
    def one_handler_per_ticket(self):
        assert self.db.rows("""
            SELECT t.id FROM tickets t JOIN state_history h ON h.kind = 'ticket' AND h.record_id = t.id
            GROUP BY t.id, t.assigned_to
            HAVING count(*) FILTER (WHERE h.action = 'assign') > 1
                OR count(DISTINCT h.user_id) FILTER (WHERE h.action = 'handle') > 1
                OR bool_or(h.action = 'handle' AND h.user_id <> t.assigned_to)""") == []

    @invariant()
    def archived_tickets_were_satisfied(self):
        assert self.db.rows("SELECT id FROM tickets WHERE state = 'archived' AND NOT coalesce(satisfaction >= 3, false)") \
            == []

    @invariant()
    def states_match_their_history(self):
        for kind, table in (("churn", "churn_warnings"), ("ticket", "tickets")):
            assert self.db.rows(f"""
                SELECT r.id FROM {table} r
                JOIN (SELECT record_id, arg_max(to_state, rowid) AS last FROM state_history
                      WHERE kind = '{kind}' GROUP BY record_id) h ON h.record_id = r.id
                WHERE h.last <> r.state""") == []
            assert self.db.scalar(f"SELECT count(*) FROM {table} WHERE id NOT IN "
                                  f"(SELECT record_id FROM state_history WHERE kind = '{kind}')") == 0


def test_care_rules_hold_over_random_action_sequences(tmp_path_factory):
    folder = tmp_path_factory.mktemp("care")
    template = folder / "template.duckdb"
    with CRM.create(template, today=TODAY) as crm:
        build_company(crm)
    CareMachine.template, CareMachine.folder = template, folder
    run_state_machine_as_test(CareMachine, settings=settings(max_examples=30, stateful_step_count=25,
                                                             deadline=None))
