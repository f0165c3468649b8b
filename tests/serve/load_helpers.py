"""A team working one served company at once: simulated members, each logged in as their own CRM user,
doing their role's everyday actions through `api/call`; tests/serve/load_check.py checks that the audit trail agrees
with what they did. Shared by bench/bench_team.py, tests/serve/test_load.py and tests/serve/test_crash.py.

Every action a member sends is logged before it goes out (verb, arguments, a unique marker in the text of
anything it creates) and completed with the answer (status, record id, seconds). Afterwards, opened as the
administrator:

- the audit trail since the start, grouped into transactions (rows of one action share its transaction's
  time, `current_localtimestamp()`), has one transaction per acknowledged action, holding that action's
  entry row (the verb's action, kind and record, under the member) — none lost, none twice, none that no
  member sent; an action still in flight when the server died is there once or not at all;
- each record an action created is in its table exactly once (acknowledged) or, in flight, exactly as
  often as its audit entry: 0 or 1 — wholly there or wholly absent.

The members' behaviour is seeded; where two members race for one record (two supervisors, a ticket
already taken) the engine refuses one of them, which the check counts as sent and not audited.
"""
from __future__ import annotations

import asyncio
import dataclasses
import os
import pathlib
import random
import signal
import subprocess
import sys
import time

from crm_engine import CRM
from crm_engine.errors import CRMError
from crm_engine.serve import api

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAX_USERS, MAX_SECONDS = 60, 900          # the bench's caps: bounded, and only ever on 127.0.0.1

# The demo company's people (crm-lab demo), in the order a team of N takes them, then extra staff.
DEMO_PEOPLE = ("li.ming", "zhang.wei", "sun.li", "dong.li", "wang.fang", "chen.hua", "liu.yang", "zhao.lei",
               "ma.lan", "cai.wu")
EXTRA_NAMES = ("He Jun", "Qian Hong", "Xu Ning", "Gao Yan", "Lin Tao", "Song Jia", "Luo Bin", "Tang Li",
               "Han Xue", "Feng Yu", "Deng Hui", "Cao Min", "Peng Fei", "Zeng Rui", "Xiao Lan", "Tian Ye")
SUPERVISOR_OF_TEAM = {2: "zhang.wei", 5: "zhang.wei", 3: "chen.hua"}


def password(username: str) -> str:
    return f"team-{username}-2026"


@dataclasses.dataclass
class Person:
    username: str
    role: str
    team: int
    supervisor: str | None = None


def build_team(path, users: int, *, customers: int = 60, orders: int = 600, seed: int = 2026) -> list[Person]:
    """The demo company at `path` with `users` members who have a password; the members, in order."""
    from crm_engine.scenario import demo
    users = max(1, min(users, MAX_USERS))
    with demo.create(path, customers=customers, orders=orders, seed=seed) as crm:
        known = crm.admin.users().set_index("username")
        people = [Person(u, known.loc[u, "role"], int(known.loc[u, "team_id"])) for u in DEMO_PEOPLE]
        for i in range(max(0, users - len(people))):
            name = EXTRA_NAMES[i % len(EXTRA_NAMES)] + ("" if i < len(EXTRA_NAMES) else f" {i // len(EXTRA_NAMES) + 1}")
            username = crm.roster_username(name) + ("" if i < len(EXTRA_NAMES) else f"{i // len(EXTRA_NAMES) + 1}")
            role, team = (("service_staff", 4) if i % 3 == 2 else ("account_manager", 2 if i % 3 == 0 else 3))
            crm.admin.add_user(username, name, role=role, team=team)
            people.append(Person(username, role, team))
        people = people[:users]
        for person in people:
            person.supervisor = SUPERVISOR_OF_TEAM.get(person.team)
            crm.logins.set_password(person.username, password(person.username))
    return people


# -- how an action's audit entry is found -------------------------------------------------------------
# (area, verb) -> (audit action, kind, where the record id is: an argument's name, "result" or "result.<field>")
ENTRIES = {
    ("customers", "log_interaction"): ("create", "interaction", "result"),
    ("leads", "add"): ("create", "lead", "result.id"),
    ("leads", "follow_up"): ("follow_up", "lead", "lead_id"),
    ("leads", "convert"): ("convert", "lead", "lead_id"),
    ("leads", "assign"): ("assign", "lead", "lead_id"),
    ("opportunities", "add"): ("create", "opportunity", "result.id"),
    ("opportunities", "assign"): ("assign", "opportunity", "opportunity_id"),
    ("opportunities", "add_step"): ("add_step", "opportunity", "opportunity_id"),
    ("opportunities", "record_result"): ("record_result", "opportunity", "result.opportunity_id"),
    ("opportunities", "set_stage"): ("set_stage", "opportunity", "opportunity_id"),
    ("opportunities", "succeed"): ("succeed", "opportunity", "opportunity_id"),
    ("opportunities", "fail"): ("fail", "opportunity", "opportunity_id"),
    ("service", "add"): ("create", "ticket", "result.id"),
    ("service", "assign"): ("assign", "ticket", "ticket_id"),
    ("service", "handle"): ("handle", "ticket", "ticket_id"),
    ("service", "feedback"): ("feedback", "ticket", "ticket_id"),
}
# Records an action creates, found again by the marker in one of their texts: (table, column).
MARKED = {("leads", "add"): ("leads", "name"), ("opportunities", "add"): ("opportunities", "summary"),
          ("service", "add"): ("tickets", "subject"), ("customers", "log_interaction"): ("interactions", "subject")}


@dataclasses.dataclass
class Action:
    user: str
    area: str
    verb: str
    args: dict
    marker: str | None = None
    hint: int | None = None          # the record id, when the sender knows it before the answer
    status: int | None = None        # None: no answer (in flight when the server died)
    result: object = None
    seconds: float | None = None

    @property
    def audited(self) -> bool:
        return (self.area, self.verb) in ENTRIES

    def entry(self) -> tuple | None:
        """(user, action, kind, record id) of its audit entry; the id None when it is not known."""
        action, kind, where = ENTRIES[(self.area, self.verb)]
        if where in self.args:
            record = self.args[where]
        elif self.status == 200:
            record = self.result if where == "result" else self.result[where.split(".", 1)[1]]
        else:
            record = self.hint
        return (self.user, action, kind, record)


# -- the wire: over HTTP to the server, or the same calls on the facade in this process -------------
class Served:
    """One member's own connection and login to the team server."""

    def __init__(self, url: str, username: str):
        import httpx   # the bench's and tests' client (in the course environment with JupyterLab)
        self.username = username
        self.client = httpx.AsyncClient(base_url=url, timeout=120.0)

    async def login(self) -> None:
        answer = await self.client.post("api/login", json={"username": self.username,
                                                            "password": password(self.username)})
        answer.raise_for_status()
        self.client.headers["authorization"] = f"Bearer {answer.json()['token']}"

    async def call(self, area: str, verb: str, args: dict) -> tuple[int, dict]:
        answer = await self.client.post("api/call", json={"area": area, "verb": verb, "args": args})
        return answer.status_code, answer.json()

    async def sql(self, query: str) -> tuple[int, dict]:
        answer = await self.client.post("api/sql", json={"query": query})
        return answer.status_code, answer.json()

    async def close(self) -> None:
        await self.client.aclose()


class Direct:
    """The same calls on the facade in this process (the baseline): `api.invoke`, no HTTP, no threads."""

    def __init__(self, crm: CRM, username: str):
        self.me = crm.as_user(username)

    async def login(self) -> None:
        pass

    async def call(self, area: str, verb: str, args: dict) -> tuple[int, dict]:
        try:
            return 200, api.answer(api.invoke(self.me, area, verb, args))
        except CRMError as error:
            return api.status_of(error), {"error": str(error), "kind": type(error).__name__}

    async def sql(self, query: str) -> tuple[int, dict]:
        try:
            return 200, api.table(self.me.sql(query))
        except CRMError as error:
            return api.status_of(error), {"error": str(error), "kind": type(error).__name__}

    async def close(self) -> None:
        pass


class Gone(Exception):
    """The server stopped answering (killed): this member stops."""


# -- one member --------------------------------------------------------------------------------------
class Member:
    def __init__(self, person: Person, wire, seed: int, team: list[Person]):
        self.person, self.wire, self.log = person, wire, []
        self.rng = random.Random(f"{seed}:{person.username}")
        self.reps = [p.username for p in team if p.supervisor == person.username and p.role == "account_manager"]
        self.service = [p.username for p in team if p.role == "service_staff"]
        self.today: str | None = None
        self.customers: list[int] = []
        self.leads: dict[int, int] = {}      # my lead -> follow-ups logged
        self.steps: dict[int, int] = {}      # my opportunity -> its open plan step
        self.ready: set[int] = set()         # my opportunities with a recorded result
        self.seq, self.seed = 0, seed

    def marker(self) -> str:
        self.seq += 1
        return f"[{self.person.username}#{self.seed}.{self.seq}]"

    async def act(self, area: str, verb: str, *, marker: str | None = None, hint: int | None = None, **args):
        """Send one call and log it; the result on success, else None."""
        action = Action(self.person.username, area, verb, args, marker, hint)
        self.log.append(action)                # logged before it goes out: in flight until answered
        started = time.perf_counter()
        try:
            status, body = await (self.wire.sql(args["query"]) if area == "sql" else self.wire.call(area, verb, args))
        except Exception as error:  # noqa: BLE001 - a dead server: connection refused, reset, or an empty reply
            raise Gone(str(error)) from error
        action.seconds = time.perf_counter() - started
        action.status = status
        if status >= 500:
            raise AssertionError(f"{area}.{verb} by {self.person.username}: {status} {body}")
        if status != 200:
            action.result = body             # the refusal: {"error", "kind"}
            return None
        action.result = body.get("result") if area != "sql" else body
        return frame_rows(action.result) if body.get("type") == "table" else action.result

    # -- the roles' everyday work ----------------------------------------------------------------
    async def start(self) -> None:
        await self.wire.login()
        self.today = await self.act("clock", "today")
        rows = await self.act("customers", "list", limit=50)
        self.customers = [row["id"] for row in rows or []]

    async def step(self) -> None:
        role = self.person.role
        work = {"account_manager": self.rep, "supervisor": self.supervisor, "service_staff": self.service_staff,
                "director": self.director, "marketing": self.marketing, "finance": self.finance}.get(role, self.finance)
        await work()

    async def read(self, choices) -> None:
        area, verb, args = self.rng.choice(choices)
        if area == "sql":
            await self.act("sql", "sql", query=args)
        else:
            await self.act(area, verb, **args)

    async def rep(self) -> None:
        r = self.rng.random()
        if r < 0.25:
            await self.read([("opportunities", "list", {"state": "assigned", "limit": 20}),
                             ("customers", "list", {"limit": 20}), ("leads", "list", {"limit": 20}),
                             ("opportunities", "pipeline", {}),
                             ("sql", "sql", "SELECT category, count(*) AS products FROM products GROUP BY ALL")])
        elif r < 0.38 and self.customers:
            mark = self.marker()
            await self.act("customers", "log_interaction", marker=mark, customer_id=self.rng.choice(self.customers),
                           subject=f"Called about the next order {mark}")
        elif r < 0.55:
            followed = [lead for lead, n in self.leads.items() if n >= 1]
            if followed and self.rng.random() < 0.4:
                lead = followed[0]
                del self.leads[lead]
                await self.act("leads", "convert", lead_id=lead, opportunity=True)
            elif self.leads and self.rng.random() < 0.6:
                lead = self.rng.choice(list(self.leads))
                followed_up = await self.act("leads", "follow_up", lead_id=lead, detail="Called; interested in a quote")
                if followed_up is not None:
                    self.leads[lead] += 1
            else:
                mark = self.marker()
                lead = await self.act("leads", "add", marker=mark, name=f"Buyer {mark}", company=f"Prospect {mark}",
                                      phone="021-5555 0199", source="cold_call")
                if lead:
                    self.leads[lead["id"]] = 0
        elif r < 0.65:
            mark = self.marker()
            await self.act("opportunities", "add", marker=mark, customer_name=f"Prospect {mark}",
                           summary=f"Notebooks for the new office {mark}",
                           expected_amount=self.rng.randrange(5, 80) * 1000,
                           probability=20, contact_name="Zhou Min", contact_phone="0571-8888 1234")
        else:
            await self.develop()

    async def develop(self) -> None:
        """Move one of my assigned opportunities along: plan a step, record its result, close it."""
        mine = await self.act("opportunities", "list", state="assigned", owner=self.person.username, limit=10)
        if not mine:
            return
        opp = self.rng.choice(mine)["id"]
        if opp in self.ready:
            self.ready.discard(opp)
            if self.rng.random() < 0.7:
                await self.act("opportunities", "succeed", opportunity_id=opp, note="Agreed after the demo")
            else:
                await self.act("opportunities", "fail", opportunity_id=opp, reason="price", note="Too expensive")
        elif opp in self.steps:
            if await self.act("opportunities", "record_result", hint=opp, step_id=self.steps.pop(opp),
                              result="Confirmed the quantities") is not None:
                self.ready.add(opp)
        elif self.rng.random() < 0.3:
            await self.act("opportunities", "set_stage", opportunity_id=opp,
                           stage=self.rng.choice(["intent_confirmed", "proposal", "negotiation"]))
        else:
            step = await self.act("opportunities", "add_step", opportunity_id=opp, planned_date=self.today,
                                  action="Call the buyer")
            if step is not None:
                self.steps[opp] = step

    async def supervisor(self) -> None:
        if self.rng.random() < 0.55 and self.reps:
            waiting = await self.act("opportunities", "list", state="unassigned", limit=10)
            if waiting:
                await self.act("opportunities", "assign", opportunity_id=self.rng.choice(waiting)["id"],
                               to=self.rng.choice(self.reps))
        else:
            await self.read([("reports", "pipeline", {}), ("opportunities", "funnel", {}),
                             ("leads", "pool", {"limit": 20}), ("reports", "win_rate", {})])

    async def director(self) -> None:
        if self.rng.random() < 0.5 and self.service:
            new = await self.act("service", "list", state="new", limit=10)
            if new:
                await self.act("service", "assign", ticket_id=self.rng.choice(new)["id"],
                               to=self.rng.choice(self.service))
        else:
            await self.read([("reports", "contribution", {"year": 2026}), ("reports", "funnel", {}),
                             ("audit", "list", {"limit": 20}), ("reports", "service_analysis", {})])

    async def service_staff(self) -> None:
        r = self.rng.random()
        if r < 0.3 and self.customers:
            mark = self.marker()
            await self.act("service", "add", marker=mark, customer_id=self.rng.choice(self.customers),
                           service_type=self.rng.choice(["repair", "consultation", "complaint"]),
                           subject=f"Printer jams {mark}", request="The office printer jams on every page.")
        elif r < 0.7:
            assigned = await self.act("service", "list", mine=True, state="assigned", limit=10)
            if assigned:
                await self.act("service", "handle", ticket_id=assigned[0]["id"], handling="Replaced the roller on site")
            else:
                handled = await self.act("service", "list", mine=True, state="handled", limit=10)
                if handled:
                    await self.act("service", "feedback", ticket_id=handled[0]["id"],
                                   satisfaction=self.rng.choice([3, 4, 5]), result="Works again")
        else:
            await self.read([("service", "list", {"limit": 20}), ("reports", "service_analysis", {}),
                             ("sql", "sql", "SELECT service_type, count(*) AS tickets FROM tickets GROUP BY ALL")])

    async def marketing(self) -> None:
        if self.rng.random() < 0.4:
            mark = self.marker()
            await self.act("leads", "add", marker=mark, name=f"Visitor {mark}", company=f"Fair contact {mark}",
                           source="trade_show", to_pool=True)
        else:
            await self.read([("campaigns", "list", {}), ("reports", "campaign_roi", {}),
                             ("leads", "pool", {"limit": 20})])

    async def finance(self) -> None:
        await self.read([("orders", "list", {"limit": 50}), ("reports", "contribution", {"year": 2026}),
                         ("sql", "sql", "SELECT date_trunc('month', order_date) AS month, sum(amount) AS amount "
                                        "FROM orders GROUP BY ALL ORDER BY 1")])


def frame_rows(table: dict) -> list[dict]:
    return [dict(zip(table["columns"], row)) for row in table["data"]]


async def run_team(members: list[Member], seconds: float, *, think: float = 0.3,
                   actions: dict[str, int] | None = None, stop: asyncio.Event | None = None) -> float:
    """Every member works until `seconds` have passed (or their count in `actions` is done, or `stop`);
    a member whose server is gone stops. Returns the seconds the team worked."""
    started = time.perf_counter()
    deadline = started + seconds

    async def work(member: Member) -> None:
        try:
            await member.start()
            while time.perf_counter() < deadline and not (stop and stop.is_set()):
                if actions is not None and len(member.log) >= actions.get(member.person.username, 0):
                    return
                await member.step()
                await asyncio.sleep(member.rng.expovariate(1 / think) if think else 0)
        except Gone:
            return
        finally:
            await member.wire.close()

    await asyncio.gather(*(work(m) for m in members))
    return time.perf_counter() - started


# -- the server as its own process ---------------------------------------------------------------------
def start_server(path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, "-m", "crm_engine.cli", "serve", os.fspath(path), "--host", "127.0.0.1",
                             "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_ready(process: subprocess.Popen, url: str, seconds: float = 90) -> None:
    import httpx
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.stderr.read()[-3000:]}")
        try:
            if httpx.get(url + "login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not answer within {seconds} s")


def stop_server(process: subprocess.Popen) -> None:
    """Ctrl-C: uvicorn finishes the requests under way and the server closes the workspace."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
