"""Invariants of orders to cash and my office over random sequences of actions (Hypothesis stateful).

Whatever students do, in whatever order, with whatever numbers:
shipped ≤ ordered; returned ≤ shipped; stock ≥ 0 and conserved; regular payments ≤ the
contract amount (the rest is recorded as overpayment) and none on drafts or cancelled
contracts; a private address-book entry or private notice is never visible to anyone
else; each user's unread count matches the notices delivered to them and not yet read.
"""
from decimal import Decimal

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from crm_engine import CRMError, NotFound
from tests.conftest import fresh_company

USERS = ["admin", "dong.li", "zhang.wei", "li.ming", "wang.fang", "liu.yang", "cai.wu"]
REPS = ["li.ming", "wang.fang", "liu.yang"]
SUPERVISOR = {"li.ming": "zhang.wei", "wang.fang": "zhang.wei", "liu.yang": "chen.hua"}
TEAM_OF = {"admin": 1, "dong.li": 1, "cai.wu": 1, "sun.li": 1, "ma.lan": 1, "zhang.wei": 2, "li.ming": 2,
           "wang.fang": 2, "zhao.lei": 3, "chen.hua": 4, "liu.yang": 4}
SUBTEAMS = {1: {1, 2, 3, 4}, 2: {2, 3}, 3: {3}, 4: {4}}
QUANTITY = st.one_of(st.integers(1, 6), st.integers(1, 6), st.sampled_from([-1, 0]))   # mostly plausible
SHARES = st.sampled_from([0.25, 1 / 3, 0.5, 1.0, 1.25])       # of the contract amount
AMOUNTS = st.one_of(st.integers(-1000, 120_000),
                    st.decimals("-10", "200000", places=2, allow_nan=False, allow_infinity=False))


class Company(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.crm = fresh_company()
        self.db = self.crm._s.db
        self.as_ = {name: self.crm.as_user(name) for name in TEAM_OF}

    def teardown(self):
        self.crm.close()


class OrdersToCash(Company):
    # Rules take only `data` and draw the rest, so they sort by name, and Hypothesis (which favours
    # the first rule) favours `deliver`: the runs ship, return and pay the same contracts and
    # orders several times over. The wrong numbers and wrong people come in at the edges.

    def __init__(self):
        super().__init__()
        self.customer = {rep: int(self.as_[rep].customers.list()["id"][0]) for rep in REPS}
        # Scarce stock, so that shipments run into it.
        self.crm.products.add("TAB-8", "Tablet 8\"", price=1999, category="hardware", stock=12)
        self.initial_stock = dict(self.db.rows("SELECT id, stock FROM products"))
        self.sources = []      # ("contract" | "order", rep, id)
        self.shipments = []    # (who shipped, shipment id)

    def contracts(self):
        return [s for s in self.sources if s[0] == "contract"]

    @precondition(lambda self: self.sources)
    @rule(data=st.data())
    def deliver(self, data):
        kind, rep, source_id = data.draw(st.sampled_from(self.sources), label="source")
        who = data.draw(st.sampled_from([rep, rep, rep, SUPERVISOR[rep], SUPERVISOR[rep],
                                         "wang.fang" if rep != "wang.fang" else "liu.yang"]), label="who")
        lines = None
        if data.draw(st.booleans(), label="everything") is False:
            servers = data.draw(st.sampled_from([0, 0, 0, 1, -1]), label="servers")
            lines = {"TAB-8": data.draw(QUANTITY, label="tablets"), **({"SRV-2U": servers} if servers else {})}
        try:
            shipment = self.as_[who].shipments.add(**{f"{kind}_id": source_id}, lines=lines)
        except CRMError:
            return
        self.shipments.append((who, shipment.id))

    @precondition(lambda self: self.contracts())
    @rule(data=st.data())
    def receive_payment(self, data):
        _kind, rep, contract_id = data.draw(st.sampled_from(self.contracts()), label="contract")
        amount = data.draw(st.one_of(SHARES, AMOUNTS), label="amount")
        if isinstance(amount, float):  # a share of the contract amount: a quarter, all of it, a bit more …
            amount = (self.db.scalar("SELECT amount FROM contracts WHERE id = ?", [contract_id]) *
                      Decimal(str(amount))).quantize(Decimal("0.01"))
        who = data.draw(st.sampled_from([rep, "cai.wu"]), label="who")
        try:
            self.as_[who].payments.receive(contract_id, amount, overpayment=data.draw(st.booleans(), label="over"))
        except CRMError:
            pass

    @precondition(lambda self: self.shipments)
    @rule(data=st.data())
    def return_goods(self, data):
        who, shipment_id = data.draw(st.sampled_from(self.shipments), label="shipment")
        lines = None if data.draw(st.sampled_from([False, False, True]), label="everything") else \
            {"TAB-8": data.draw(QUANTITY, label="tablets")}
        try:
            self.as_[who].returns.add(shipment_id, lines, reason="quality")
        except CRMError:
            pass

    @rule(data=st.data())
    def sell(self, data):
        rep = data.draw(st.sampled_from(REPS), label="rep")
        kind = data.draw(st.sampled_from(["contract", "contract", "contract", "draft", "order", "order"]), label="kind")
        tablets = data.draw(st.integers(1, 15), label="tablets")
        me = self.as_[rep]
        if kind == "order":
            order = me.orders.add(self.customer[rep], [{"product": "TAB-8", "quantity": tablets}])
            self.sources.append(("order", rep, order.id))
            return
        servers = data.draw(st.integers(0, 2), label="servers")
        contract = me.contracts.add(self.customer[rep], {"TAB-8": tablets, **({"SRV-2U": servers} if servers else {})})
        if kind == "contract":
            me.contracts.sign(contract.id)
        self.sources.append(("contract", rep, contract.id))

    @precondition(lambda self: self.contracts())
    @rule(data=st.data())
    def sign_fulfil_or_cancel(self, data):
        _kind, rep, contract_id = data.draw(st.sampled_from(self.contracts()), label="contract")
        verb = data.draw(st.sampled_from(["sign", "fulfil", "fulfil", "cancel"]), label="verb")
        area = self.as_[rep].contracts
        try:
            area.cancel(contract_id, "changed plans") if verb == "cancel" else getattr(area, verb)(contract_id)
        except CRMError:
            pass

    @rule(data=st.data())
    def time_passes(self, data):
        self.crm.clock.advance(data.draw(st.integers(1, 40), label="days"))

    @invariant()
    def the_books_balance(self):
        # One query per step (these run after every step): each column counts violations of one rule.
        stock = " UNION ALL ".join(f"SELECT {int(p)} AS id, {int(q)} AS q" for p, q in self.initial_stock.items())
        shipped_over_ordered, returned_over_shipped, stock_wrong, overpaid_unmarked, paid_when_not_allowed, \
            bad_payment_rows = self.db.one(f"""
            WITH ordered AS (SELECT 'k' AS src, contract_id AS id, product_id, sum(quantity) AS q FROM contract_lines
                             GROUP BY ALL UNION ALL
                             SELECT 'o', order_id, product_id, sum(quantity) FROM order_lines GROUP BY ALL),
                 shipped AS (SELECT CASE WHEN h.contract_id IS NULL THEN 'o' ELSE 'k' END AS src,
                                    coalesce(h.contract_id, h.order_id) AS id, l.product_id, sum(l.quantity) AS q
                             FROM shipment_lines l JOIN shipments h ON h.id = l.shipment_id GROUP BY ALL),
                 per_shipment AS (SELECT shipment_id, product_id, sum(quantity) AS q FROM shipment_lines GROUP BY ALL),
                 returned AS (SELECT r.shipment_id, l.product_id, sum(l.quantity) AS q FROM return_lines l
                              JOIN sales_returns r ON r.id = l.return_id GROUP BY ALL),
                 moved AS (SELECT product_id, sum(q) AS q FROM (
                              SELECT product_id, -quantity AS q FROM shipment_lines UNION ALL
                              SELECT product_id, quantity FROM return_lines) GROUP BY ALL),
                 paid AS (SELECT k.id, k.status, k.amount, coalesce(sum(p.amount - p.overpaid), 0) AS regular,
                                 count(p.id) AS n
                          FROM contracts k LEFT JOIN payments p ON p.contract_id = k.id GROUP BY ALL)
            SELECT
              (SELECT count(*) FROM shipped s LEFT JOIN ordered o USING (src, id, product_id)
               WHERE o.q IS NULL OR s.q > o.q OR s.q <= 0),
              (SELECT count(*) FROM returned r LEFT JOIN per_shipment s USING (shipment_id, product_id)
               WHERE s.q IS NULL OR r.q > s.q OR r.q <= 0),
              (SELECT count(*) FROM products p JOIN ({stock}) i ON i.id = p.id LEFT JOIN moved m ON m.product_id = p.id
               WHERE p.stock < 0 OR p.stock <> i.q + coalesce(m.q, 0)),
              (SELECT count(*) FROM paid WHERE regular > amount),
              (SELECT count(*) FROM paid WHERE n > 0 AND status IN ('draft', 'cancelled')),
              (SELECT count(*) FROM payments WHERE amount <= 0 OR overpaid < 0 OR overpaid > amount)""")
        assert shipped_over_ordered == 0, "shipped more than ordered"
        assert returned_over_shipped == 0, "returned more than shipped"
        assert stock_wrong == 0, "stock negative or not conserved"
        assert overpaid_unmarked == 0, "regular payments above the contract amount"
        assert paid_when_not_allowed == 0, "payments on a draft or cancelled contract"
        assert bad_payment_rows == 0, "a payment row with a non-positive amount or a wrong overpaid part"


class MyOffice(Company):
    # As above: `data`-only rules, so the favoured first one is `post_notice`.
    def __init__(self):
        super().__init__()
        self.delivered = {name: set() for name in TEAM_OF}   # the notice ids each user should have
        self.read = {name: set() for name in TEAM_OF}
        self.entries = []                                      # (owner, entry id, private)

    @rule(data=st.data())
    def write_address_entry(self, data):
        owner = data.draw(st.sampled_from(USERS), label="owner")
        private = data.draw(st.booleans(), label="private")
        entry = self.as_[owner].address_book.add(f"Entry of {owner}", private=private, phone="021-5555 0000")
        self.entries.append((owner, entry.id, private))
        # Only this rule changes what anyone sees in the address books: check every view here.
        for name in USERS:
            seen = set(self.as_[name].address_book.list()["id"].tolist())
            assert seen == {i for o, i, p in self.entries if not p or o == name}
            if private and name != owner:
                try:
                    self.as_[name].address_book.get(entry.id)
                    raise AssertionError(f"{name} read {owner}'s private entry")
                except NotFound:
                    pass

    @rule(data=st.data())
    def post_notice(self, data):
        author = data.draw(st.sampled_from(USERS + ["sun.li"]), label="author")
        audience = data.draw(st.sampled_from(["all", "team", "private"]), label="audience")
        team = data.draw(st.sampled_from([1, 2, 3, 4]), label="team")
        recipient = data.draw(st.sampled_from(list(TEAM_OF)), label="recipient")
        kwargs = {"team": {"team": team}, "private": {"user": recipient}, "all": {}}[audience]
        try:
            notice = self.as_[author].notices.post("Notice", f"from {author}", **kwargs)
        except CRMError:
            return
        if audience == "private":
            expected = {recipient}
        else:
            teams = SUBTEAMS[team] if audience == "team" else SUBTEAMS[1]
            expected = {name for name, t in TEAM_OF.items() if t in teams} - {author}
        for name in expected:
            self.delivered[name].add(notice.id)
        # The stored deliveries are checked for everyone after every step; the views of a few here.
        some = data.draw(st.sets(st.sampled_from(sorted(expected)), max_size=3), label="check") if expected else set()
        self._check_boards(some | {author})
        if audience == "private":
            for name in USERS:
                if name not in (author, recipient):
                    try:
                        self.as_[name].notices.get(notice.id)
                        raise AssertionError(f"{name} read a private notice to {recipient}")
                    except NotFound:
                        pass

    @precondition(lambda self: any(self.delivered.values()))
    @rule(data=st.data())
    def read_one(self, data):
        reader = data.draw(st.sampled_from([n for n, ids in self.delivered.items() if ids]), label="reader")
        notice_id = data.draw(st.sampled_from(sorted(self.delivered[reader])))
        self.as_[reader].notices.read(notice_id)
        self.read[reader].add(notice_id)
        self._check_boards({reader})

    @rule(data=st.data())
    def read_all(self, data):
        reader = data.draw(st.sampled_from(list(TEAM_OF)), label="reader")
        assert self.as_[reader].notices.mark_all_read() == len(self.delivered[reader] - self.read[reader])
        self.read[reader] |= self.delivered[reader]
        self._check_boards({reader})

    def _check_boards(self, names):
        """What these users see on the board: exactly what was delivered to them, read as they read it."""
        for name in names:
            viewer = self.as_[name]
            board = viewer.notices.board()
            assert set(board["id"].tolist()) == self.delivered[name]
            assert set(board.loc[board["read"], "id"].tolist()) == self.read[name]
            assert viewer.notices.unread_count() == len(self.delivered[name] - self.read[name])

    @invariant()
    def deliveries_and_read_marks_match_the_model(self):
        # The views are checked in the rules that change them; the stored state is checked after every step.
        rows = self.db.rows("SELECT u.username, d.notice_id, d.read_on IS NOT NULL FROM notice_deliveries d "
                            "JOIN users u ON u.id = d.user_id")
        assert {(n, i) for n, i, _r in rows} == {(n, i) for n, ids in self.delivered.items() for i in ids}
        assert {(n, i) for n, i, r in rows if r} == {(n, i) for n, ids in self.read.items() for i in ids}

    @invariant()
    def address_rows_match_the_model(self):
        assert set(self.db.rows("SELECT id, private FROM address_book")) == {(i, p) for _o, i, p in self.entries}


OrdersToCash.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
MyOffice.TestCase.settings = settings(max_examples=20, stateful_step_count=20, deadline=None)
TestOrdersToCash = OrdersToCash.TestCase
TestMyOffice = MyOffice.TestCase
