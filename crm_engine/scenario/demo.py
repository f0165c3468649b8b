"""The demo workspace: Star Computer Distribution, a computer-hardware distributor with a sales org, three
years of history and a few weeks of everyday work in every module.

Built by `crm-lab demo` (and so by `./crmlab.sh start`) for the landing notebook and the module notebooks.
It is the built-in scenario `hardware_distributor` (the same company: customers, orders, leads, opportunities
with plans, tickets, calls, campaigns, churn warnings — set-based, seeded), followed by `first_weeks`: what its
people did in the days before "today", done through the engine's own verbs as the person whose work it is
(so every rule, history row and audit entry is the engine's). After it every list and every report has rows
on first open, as every role, for whatever the sharing policy lets that role see (tests/engine/
test_demo_company.py). Deterministic: the same seed, size and language give the same company.
"""
from __future__ import annotations

import dataclasses
import datetime as dt

from ..crm import ADMIN_USERNAME, CRM
from . import builtin

SCENARIO = "hardware_distributor"
TODAY = "2026-03-02"
# The company starts using the CRM this many days before TODAY: contracts signed then are overdue by TODAY
# (the engine dates every record on its clock, so time has to pass), and the scenario's own clock fills the
# days between with orders, requests, calls and leads.
LEAD_IN = 14
SALES = {"zhang.wei": ("li.ming", "wang.fang", "zhao.lei"), "chen.hua": ("liu.yang",)}   # supervisor: reps

# The words of the demo's everyday work, in both of the workspace's languages.
TEXT = {
    "step": ("Call the buyer to confirm quantities and the delivery date", "致电采购负责人，确认数量和交货日期"),
    "result": ("Confirmed; the order follows this week", "已确认，本周下单"),
    "won": ("Contract agreed after the on-site demo", "现场演示后谈妥合同"),
    "measure": ("Visited the customer with a 5 % loyalty discount offer", "上门拜访，提供 5% 的老客户折扣"),
    "measure2": ("Called the purchasing manager; no plans to buy this year", "致电采购经理，对方今年没有采购计划"),
    "churn_note": ("Moved to a competitor's framework contract", "已改签竞争对手的框架合同"),
    "subject": ("Notebook battery does not charge", "笔记本电池无法充电"),
    "request": ("Three of the notebooks delivered in January no longer charge.", "一月份交付的笔记本中有三台无法充电。"),
    "subject2": ("Question about the support contract", "咨询维保服务内容"),
    "request2": ("Does the one-year support cover on-site repairs?", "一年期维保服务是否包含上门维修？"),
    "handling": ("Replaced the batteries on site", "已上门更换电池"),
    "handling2": ("Explained the support terms by phone", "已电话说明维保条款"),
    "feedback_good": ("Customer satisfied with the quick repair", "客户对快速维修表示满意"),
    "feedback_bad": ("Still unclear about on-site visits; call again", "客户仍不清楚上门服务范围，需再次联系"),
    "contract": ("Office refresh", "办公设备更新"),
    "contract2": ("Printer and toner", "打印机和硒鼓"),
    "contract3": ("Printers for the branch office", "分公司打印设备"),
    "cost": ("Stand deposit", "展位定金"),
    "travel": ("Train to visit the customer", "乘火车拜访客户"),
    "dinner": ("Dinner with the customer's IT team", "与客户 IT 团队聚餐"),
    "taxi": ("Taxi to the trade-show venue", "乘出租车前往展会场地"),
    "catering": ("Coffee and snacks for the customer day", "客户日的茶歇"),
    "repair_trip": ("Metro to an on-site repair", "乘地铁上门维修"),
    "approved": ("OK, within the travel budget", "同意，在差旅预算之内"),
    "rejected": ("Over the entertainment limit; claim again with the receipt split", "超出招待费标准，请分开票据重新报销"),
    "notice": ("Quarter-end review", "季度末经营分析会"),
    "notice_body": ("The Q1 review is on 30 March, 14:00: every team brings its pipeline and targets.",
                    "第一季度经营分析会定于 3 月 30 日 14:00 召开，请各团队准备销售管道和目标完成情况。"),
    "team_notice": ("Trade-show rota", "展会值班安排"),
    "team_notice_body": ("Each of us staffs the stand for one day of the spring trade show.",
                         "春季展会期间，每人在展位值班一天。"),
    "message": ("Please send me the hospital quotation before Friday.", "请在周五前把医院的报价单发给我。"),
    "reply": ("The quotation is in the shared files.", "报价单已放在共享文件中。"),
    "task": ("Review the pipeline with each supervisor", "与各位主管逐一检查销售管道"),
    "task2": ("Prepare the Q1 review", "准备第一季度经营分析会"),
    "task3": ("Call back the customer about the battery repair", "就电池维修回访客户"),
    "done": ("Done", "已完成"),
    "price_list": ("price-list-2026-Q1.csv", "2026年第一季度价格表.csv"),
    "visit_notes": ("visit-notes.txt", "拜访记录.txt"),
    "notes_body": ("Visit notes: budget confirmed, decision in April.", "拜访记录：预算已确认，四月决定。"),
    "carrier": ("Swift Logistics dispatch desk", "迅捷物流调度台"),
    "supplier": ("Supplier account manager (notebooks)", "笔记本供应商客户经理"),
    "private": ("Old classmate at the hospital's IT office", "医院信息科的老同学"),
    "segment": ("Quiet key accounts", "沉默的重点客户"),
    "segment_mine": ("My A customers", "我的 A 类客户"),
    "segment_unhappy": ("Unhappy customers", "不满意的客户"),
    "segment_credit": ("Low credit", "信用等级低的客户"),
    "task_marketing": ("Book hotel rooms for the trade-show team", "为展会团队预订酒店"),
    "task_service": ("Call back the customers who rated a repair 2 or less", "回访维修满意度 2 分及以下的客户"),
    "task_finance": ("Send the overdue receivables to the sales supervisors", "把逾期应收款清单发给各销售主管"),
    "show_notice": ("Spring IT trade show", "春季 IT 展会"),
    "show_notice_body": ("Our stand is B12; bring your customers' invitations.", "我们的展位是 B12，请把客户邀请函带去。"),
    "message_all": ("The Q1 review is on 30 March; please bring your numbers.", "第一季度经营分析会定于 3 月 30 日，请准备好你的数据。"),
    "caller": ("Purchasing office", "采购部"),
    "call_sales": ("Asks when the next delivery arrives", "询问下一批货何时到达"),
    "call_finance": ("Asks for a copy of the last invoice", "索要上一张发票的复印件"),
    "visitor": ("Gu Ting", "顾婷"),
    "visitor_company": ("Suzhou Design Institute", "苏州设计院"),
    "call_marketing": ("Met us at the trade show; wants a catalogue", "在展会上认识我们，想要一份产品目录"),
    "carrier_company": ("Swift Logistics", "迅捷物流"),
    "supplier_company": ("Everbright Computer Supply", "恒光电脑供应"),
    "tag": ("trade show 2026", "2026展会"),
}


def _say(crm: CRM, key: str) -> str:
    en, zh = TEXT[key]
    return zh if crm.language == "zh_CN" else en


def scenario(*, language: str = "en", customers: int = 400, orders: int = 8000):
    """The scenario the demo is generated from, at the demo's size, starting LEAD_IN days before TODAY
    (its campaigns, events and tasks keep their calendar dates)."""
    base = builtin(SCENARIO, language=language).scaled(customers, orders)

    def later(day):
        return day + LEAD_IN if isinstance(day, int) else day

    campaigns = tuple(dataclasses.replace(c, start=later(c.start), end=later(c.end)) for c in base.pipeline.campaigns)
    return base.replace(today=dt.date.fromisoformat(TODAY) - dt.timedelta(days=LEAD_IN),
                        pipeline=dataclasses.replace(base.pipeline, campaigns=campaigns),
                        events=tuple(dataclasses.replace(e, day=later(e.day)) for e in base.events),
                        tasks=tuple(dataclasses.replace(t, day=later(t.day)) for t in base.tasks))


def build(crm: CRM, *, customers: int = 400, orders: int = 8000, seed: int = 2026) -> CRM:
    """Fill an empty workspace with the demo company (as the administrator)."""
    scenario(language=crm.language, customers=customers, orders=orders).build(crm, seed=seed)
    first_weeks(crm)
    return crm


def create(path, *, language: str = "en", customers: int = 400, orders: int = 8000, seed: int = 2026) -> CRM:
    """A new demo workspace file at `path`, built in one step (a failed or killed build leaves no file)."""
    return scenario(language=language, customers=customers, orders=orders).create(
        path, seed=seed, language=language, then=first_weeks)


def first_weeks(crm: CRM) -> None:
    """The everyday work of the weeks before "today", one verb at a time, as the people whose work it is:
    on the first day contracts are signed and shipped; the scenario's clock runs LEAD_IN days; then the rest."""
    with crm.transaction():  # each day's verbs in one commit (they join it): a file commit per verb was most of the time
        contracts = _signed(crm)
    crm.simulation.advance(LEAD_IN)
    today = crm.today()
    with crm.transaction():
        _targets(crm)
        won = _opportunities(crm, today)
        _churn(crm)
        tickets = _tickets(crm)
        _cash(crm, today, won, contracts)
        _expenses(crm, today)
        _campaigns(crm)
        _office(crm, tickets)
        _calls(crm)
        _classification(crm)


def _ids(frame, column: str = "id") -> list[int]:
    return sorted(int(v) for v in frame[column]) if len(frame) else []


def _reps(crm: CRM):
    for boss, reps in SALES.items():
        for rep in reps:
            yield crm.as_user(boss), crm.as_user(rep)


def _targets(crm: CRM) -> None:
    """Won-business targets for this month per rep (by their supervisor); order targets for the quarter per
    sales team (by the director): last year's same quarter plus 10 %, so attainment reads like a real one."""
    director, today = crm.as_user("dong.li"), crm.today()
    month, quarter = f"{today:%Y-%m}", (today.month - 1) // 3
    for number, (boss, rep) in enumerate(_reps(crm)):
        boss.targets.set(month, 150_000 + 50_000 * number, user=rep.user.username, metric="won_amount")
    start = dt.date(today.year - 1, 3 * quarter + 1, 1)
    end = dt.date(start.year + (quarter == 3), (3 * quarter + 3) % 12 + 1, 1)
    teams = crm.admin.teams()
    for team in _ids(teams)[1:]:  # the root team (head office) sells nothing itself
        last = crm.as_user(ADMIN_USERNAME).tables.scalar(
            "SELECT coalesce(sum(o.amount), 0) FROM orders o JOIN customers c ON c.id = o.customer_id "
            "JOIN users u ON u.id = c.owner_id WHERE list_contains(?, u.team_id) AND o.order_date >= ? "
            "AND o.order_date < ?", [_subtree(teams, team), start, end])
        if last > 0:
            director.targets.set(f"{today.year}-Q{quarter + 1}", max(round(float(last) * 1.1, -4), 10_000),
                                 team=team, metric="order_amount")


def _subtree(teams, team: int) -> list[int]:
    """The team and every team below it in the org tree (`crm.admin.teams()`)."""
    found, frontier = [team], [team]
    while frontier:
        frontier = sorted(int(t) for t in teams.loc[teams["parent_id"].isin(frontier), "id"])
        found += frontier
    return found


def _opportunities(crm: CRM, today: dt.date) -> list[tuple[CRM, int]]:
    """Each rep wins the oldest of their open opportunities today, with products on it; returns (rep, customer)."""
    products = crm.products.list().sort_values("id")["code"].tolist()
    won = []
    for number, (_boss, rep) in enumerate(_reps(crm)):
        mine = _ids(rep.opportunities.list(state="assigned", owner=rep.user.username))
        if not mine:
            continue
        deal = mine[0]
        lines = [{"product": products[number % len(products)], "quantity": 10 + 5 * number},
                 {"product": products[(number + 4) % len(products)], "quantity": 5}]
        rep.opportunities.set_lines(deal, lines)
        step = rep.opportunities.add_step(deal, today, _say(crm, "step"))
        rep.opportunities.record_result(step, _say(crm, "result"))
        rep.opportunities.set_stage(deal, "negotiation")
        customer = rep.opportunities.succeed(deal, note=_say(crm, "won")).customer_id
        if crm.customers.get(customer).owner_id == rep.user.id:  # a win can land on a colleague's customer
            won.append((rep, customer))
        if len(mine) > 1:  # the next one gets its products too: an open deal with lines on the board
            rep.opportunities.set_lines(mine[1], lines[:1])
    return won


def _churn(crm: CRM) -> None:
    """Each rep answers some warnings: the oldest stays open, the next two are suspended with measures, one
    of those is confirmed; a customer whose warning came orders again (the order clears the warning)."""
    reasons = ["competitor", "price", "service", "no_need"]
    for number, (_boss, rep) in enumerate(_reps(crm)):
        open_ = _ids(rep.churn.list(state="warning", owner=rep.user.username))
        for warning in open_[1:3]:
            rep.churn.suspend(warning, _say(crm, "measure"))
        if len(open_) > 2:
            rep.churn.suspend(open_[2], _say(crm, "measure2"))
            rep.churn.confirm(open_[2], reasons[number % len(reasons)], note=_say(crm, "churn_note"))
        if len(open_) > 3:
            customer = int(rep.churn.get(open_[3]).customer_id)
            rep.orders.add(customer, [{"product": "TON-1", "quantity": 20}])


def _tickets(crm: CRM) -> list[int]:
    """Service requests on Li Ming's customers in every state (the scenario's service desk has its own):
    new, assigned, handled, archived (satisfied) and sent back (not satisfied: assigned again)."""
    made = []
    for boss, rep in ((crm.as_user("zhang.wei"), crm.as_user("li.ming")),):
        customers = _ids(rep.customers.list(owner=rep.user.username, sort="name", limit=5))
        if len(customers) < 5:
            continue
        tickets = [rep.service.add(customers[i], service_type=kind, subject=_say(crm, subject),
                                   request=_say(crm, request)).id
                   for i, (kind, subject, request) in enumerate(
                       [("repair", "subject", "request"), ("consultation", "subject2", "request2")] * 2
                       + [("repair", "subject", "request")])]
        for ticket in tickets[1:]:
            boss.service.assign(ticket, rep.user.username)
        for ticket, handling in zip(tickets[2:], ("handling", "handling2", "handling")):
            rep.service.handle(ticket, _say(crm, handling))
        rep.service.feedback(tickets[3], satisfaction=2, result=_say(crm, "feedback_bad"))   # back to the rep
        rep.service.feedback(tickets[4], satisfaction=5, result=_say(crm, "feedback_good"))  # archived
        made += tickets
    return made


def _signed(crm: CRM) -> list[tuple[CRM, int]]:
    """The first day: the first rep of each team signs a contract with a customer of theirs on 7-day terms
    and ships it (one chain per team keeps the cash side short enough to read)."""
    made = []
    for number, boss in enumerate(SALES):
        rep = crm.as_user(SALES[boss][0])
        customers = _ids(rep.customers.list(owner=rep.user.username, sort="name", limit=1))
        if not customers:
            continue
        contract = rep.contracts.add(customers[0], {"NB-14": 4 + number, "MON-27": 4}, title=_say(crm, "contract"),
                                     payment_terms=7)
        rep.contracts.sign(contract.id)
        rep.shipments.add(contract_id=contract.id)
        made.append((rep, contract.id))
    return made


def _cash(crm: CRM, today: dt.date, won: list[tuple[CRM, int]], signed: list[tuple[CRM, int]]) -> None:
    """Orders to cash: one monitor of each first-day shipment came back, half of it was paid (the rest is now
    overdue); a support renewal signed, shipped, paid in full and fulfilled today; a draft for each customer
    won today. Finance records the money."""
    finance = crm.as_user("cai.wu")
    days = dt.timedelta
    for rep, contract in signed:
        shipment = _ids(rep.shipments.list(contract_id=contract))[0]
        rep.returns.add(shipment, {"MON-27": 1}, reason="damaged", returned_on=today - days(LEAD_IN - 3))
        owed = finance.payments.balance(contract).outstanding
        finance.payments.receive(contract, round(float(owed) / 2, 2), received_on=today - days(3))
        customers = _ids(rep.customers.list(owner=rep.user.username, sort="name", limit=2))
        paid = rep.contracts.add(customers[-1], {"TON-1": 10, "PRN-L": 1}, title=_say(crm, "contract2"))
        rep.contracts.sign(paid.id)
        rep.shipments.add(contract_id=paid.id)
        finance.payments.receive(paid.id, finance.payments.balance(paid.id).outstanding, method="online")
        rep.contracts.fulfil(paid.id)
    for rep, customer in won:
        rep.contracts.add(customer, {"PRN-L": 2}, title=_say(crm, "contract3"))


def _expenses(crm: CRM, today: dt.date) -> None:
    """One claim per rep — approved, rejected, or waiting for their supervisor — and one each by marketing and
    the service desk (waiting for a manager too)."""
    days = dt.timedelta
    claims = [(420, "travel", "travel", 12, "approve"), (2600, "entertainment", "dinner", 6, "reject"),
              (85, "transport", "taxi", 1, None), (560, "travel", "travel", 3, None)]
    for (boss, rep), (amount, kind, text, ago, decision) in zip(_reps(crm), claims):
        claim = rep.expenses.claim(amount, expense_type=kind, description=_say(crm, text), spent_on=today - days(ago))
        if decision == "approve":
            boss.expenses.approve(claim.id, note=_say(crm, "approved"))
        elif decision == "reject":
            boss.expenses.reject(claim.id, _say(crm, "rejected"))
    for user, amount, kind, text in (("ma.lan", 1800, "meeting", "catering"),
                                     ("sun.li", 64, "transport", "repair_trip")):
        crm.as_user(user).expenses.claim(amount, expense_type=kind, description=_say(crm, text),
                                         spent_on=today - days(2))


def _campaigns(crm: CRM) -> None:
    """Marketing pays the trade show's stand deposit before the show (a planned campaign has costs too)."""
    marketing = crm.as_user("ma.lan")
    for campaign in _ids(marketing.campaigns.list(state="planned")):
        marketing.campaigns.add_cost(campaign, 30_000, note=_say(crm, "cost"))


def _office(crm: CRM, tickets: list[int]) -> None:
    """Tasks, notices, messages, files and both address books: something in every part of the office for
    everyone (tasks, messages and the notice board are per person)."""
    director, zhang, li = crm.as_user("dong.li"), crm.as_user("zhang.wei"), crm.as_user("li.ming")
    director.tasks.add(_say(crm, "task"), priority="high")
    director.tasks.add(_say(crm, "task2"), on_date=crm.today() + dt.timedelta(days=5))
    for assignee, title in (("ma.lan", "task_marketing"), ("sun.li", "task_service"), ("cai.wu", "task_finance")):
        director.tasks.add(_say(crm, title), assignee=assignee)
    if tickets:
        follow = zhang.tasks.add(_say(crm, "task3"), assignee="li.ming",
                                 customer_id=li.service.get(tickets[4]).customer_id)
        li.tasks.complete(follow.id, result=_say(crm, "done"))
    director.notices.post(_say(crm, "notice"), _say(crm, "notice_body"))
    crm.as_user("chen.hua").notices.post(_say(crm, "show_notice"), _say(crm, "show_notice_body"))
    zhang.notices.post(_say(crm, "team_notice"), _say(crm, "team_notice_body"), team=zhang.user.team_id)
    staff = sorted(set(crm.admin.users()["username"]) - {"admin", "dong.li"})
    director.messages.send(_say(crm, "message_all"), users=staff)
    zhang.messages.send(_say(crm, "message"), users=["li.ming"])
    li.messages.send(_say(crm, "reply"), users=["zhang.wei", "dong.li"])
    price_list = "code,price\n" + "".join(f"{p.code},{p.price}\n" for p in crm.products.list().itertuples())
    director.files.upload(price_list.encode(), name=_say(crm, "price_list"), shared=True)
    li.files.upload(_say(crm, "notes_body").encode(), name=_say(crm, "visit_notes"))
    director.address_book.add(_say(crm, "carrier"), company=_say(crm, "carrier_company"), phone="021-5080 1234")
    director.address_book.add(_say(crm, "supplier"), company=_say(crm, "supplier_company"), mobile="138 0000 2026")
    li.address_book.add(_say(crm, "private"), mobile="139 0000 1111", private=True)


def _calls(crm: CRM) -> None:
    """Calls that reached the sales floor, finance and marketing directly (the service desk's come with the
    scenario), at set times of day (a call's time defaults to the wall clock's): a customer's call becomes
    an interaction record, a stranger's a lead in the public pool."""
    known = _ids(crm.as_user("li.ming").customers.list(sort="name", limit=2))
    for user, summary, at in (("li.ming", "call_sales", "09:10"), ("cai.wu", "call_finance", "10:25"))[:len(known)]:
        someone = crm.as_user(user)
        customer = someone.customers.get(known[-1])
        call = someone.call_center.log(_say(crm, "caller"), customer.phone, _say(crm, summary), at=at)
        someone.call_center.to_interaction(call.id, customer_id=customer.id)
    marketing = crm.as_user("ma.lan")
    call = marketing.call_center.log(_say(crm, "visitor"), "0512-6688 1020", _say(crm, "call_marketing"),
                                   at="11:40")
    marketing.call_center.to_lead(call.id, company=_say(crm, "visitor_company"))


def _classification(crm: CRM) -> None:
    """The director grades the customers (ABC, without touching their credit) and tags a few; people save the
    segments they work from."""
    director = crm.as_user("dong.li")
    director.classification.grade(apply_credit=False)
    for customer in _ids(director.customers.list(sort="name", limit=3)):
        director.classification.tag(customer, _say(crm, "tag"))
    for user, name, filters in (("dong.li", "segment", {"level": "key_account", "silent_days_min": 90}),
                                ("li.ming", "segment_mine", {"abc": "A"}),
                                ("sun.li", "segment_unhappy", {"satisfaction_max": 2}),
                                ("cai.wu", "segment_credit", {"credit_max": 2})):
        crm.as_user(user).classification.add_segment(_say(crm, name), **filters)
