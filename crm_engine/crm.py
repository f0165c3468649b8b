"""The facade: one object per workspace and acting user, handing out one object per area.

    crm = CRM.create("shop.duckdb", today="2026-03-02")
    crm.admin.add_user("li.ming", "Li Ming", role="account_manager", team=1)
    rep = crm.as_user("li.ming")
    rep.customers.add(name="Star Tech", phone="010-5555 0101")
    rep.customers.list()            # a DataFrame of what Li Ming may see

`CRM.open(path, read_only=True)` is the analysts' door; `CRM.memory()` a
throw-away workspace for tests and quick demos.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from contextlib import contextmanager
from functools import cached_property

from . import i18n, validate
from .atomic import building, clear_leftovers
# Importing every area also runs its registrations (hand-over, history, settings: customers/registry.py,
# settings.py), so a CRM always knows every one.
from .audit import Audit
from .care.call_center import CallCenter
from .care.service import Service
from .cash.contracts import Contracts
from .cash.expenses import Expenses
from .cash.payments import Payments
from .cash.returns import Returns
from .cash.shipments import Shipments
from .clock import Clock
from .customers.cards import Customers
from .customers.churn import Churn
from .customers.classification import Classification
from .customers.orders import Orders
from .db import Database, create_file
from .dictionary import Dictionary, Products
from .errors import CRMError, NotAllowed, WorkspaceError
from .office.address_book import AddressBook
from .office.files import Files
from .office.messages import Messages
from .office.notices import Notices
from .office.tasks import Tasks
from .reports import Reports
from .sales.campaigns import Campaigns
from .sales.leads import Leads  # also registers the leads' time-driven rule with the clock (clock.RULES)
from .sales.opportunities import Opportunities
from .sales.targets import Targets
from .session import Session, load_user
from .system import Admin, Logins
from .tables import Tables
from .turns import ENV_WAIT
from .transfer import EXPORTABLE, FIELDS, Exports, Imports, neutralised
from .transfer.roster import derive_username

ADMIN_USERNAME = "admin"


class CRM:
    """A CRM workspace, seen as one user, in one language."""

    # Objects the layers above the CRM hang on the facade (`CRM.extend`): name -> factory(crm).
    _extensions: dict = {}

    # What the command line needs before any workspace is open (docs/engine.md, "What the courseware may use").
    EXPORT_KINDS = EXPORTABLE        # the lists `crm.exports.write` writes, by name
    IMPORT_FIELDS = FIELDS           # kind -> (required fields, optional fields) of `crm.imports.<kind>`
    WAIT_VARIABLE = ENV_WAIT         # the environment variable every open reads for how long to wait its turn

    def __init__(self, session: Session):
        self._s = session

    # -- extension point ------------------------------------------------------------------
    @classmethod
    def extend(cls, name: str, factory) -> None:
        """Hang `factory(crm)` on every facade as `crm.<name>`, built once per facade on first use.

        The courseware registers itself this way, so the CRM never imports it:
        `crm_engine.scenario` registers `CRM.extend("simulation", Simulation)`, and
        `crm.simulation.advance(30)` works wherever `crm_engine` was imported. A name the
        facade already has cannot be taken.
        """
        if not name.isidentifier() or name.startswith("_") or name in vars(cls):
            raise ValueError(f"CRM.extend: {name!r} is not a free public name on the facade")
        cls._extensions[name] = factory

    def __getattr__(self, name: str):
        # Only reached when normal lookup fails: an extension, built once and kept on the instance.
        factory = type(self)._extensions.get(name)
        if factory is None:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        value = self.__dict__[name] = factory(self)
        return value

    # -- opening --------------------------------------------------------------
    @classmethod
    def create(cls, path, *, today=None, language: str = "en", company: str | None = None,
               keep_open: bool = True, wait: float | None = None, fill=None, replace: bool = False,
               expected_customers: int | None = None) -> "CRM":
        """A new workspace file with the administrator `admin` and a root team.

        `today` starts the scenario clock (default: today's date, stored once). `expected_customers`
        (default: a class-sized few hundred) lays the file out for its size (db.create_options). `fill(crm)`, if
        given, fills the new workspace (as `admin`) before it appears at `path`: the file is built
        under a temporary name and renamed into place only when complete (`crm_engine.atomic`), so
        a build that fails or is killed leaves nothing at `path` — or, with `replace=True`, the
        previous file untouched. `keep_open` and `wait` are those of `open()`.
        """
        with building(path, replace=replace) as temporary:
            create_file(temporary, expected_customers)
            with cls._bootstrap(Database(temporary), today, language, company) as crm:
                if fill is not None:
                    fill(crm)
        return cls.open(path, keep_open=keep_open, wait=wait)

    @classmethod
    def memory(cls, *, today=None, language: str = "en", company: str | None = None) -> "CRM":
        """A workspace that lives in memory only (tests, quick demos)."""
        return cls._bootstrap(Database(None), today, language, company)

    @classmethod
    def open(cls, path, *, user: str | int = ADMIN_USERNAME, read_only: bool = False,
             keep_open: bool = True, language: str | None = None, wait: float | None = None) -> "CRM":
        """Open an existing workspace, upgrading an older schema (read-write only).

        `keep_open=False` holds the file only while an action runs, so another process (nbgrader
        Validate, a second notebook) can open it in between. While another process holds the file,
        every open of it (this one, and each action's with `keep_open=False`) waits up to `wait`
        seconds for its turn — default `$CRM_LAB_WAIT`, else 5 — before it raises `WorkspaceLocked`.
        """
        path = os.fspath(path)
        if not os.path.exists(path):
            raise WorkspaceError("workspace.missing", workspace=path)
        db = Database(path, read_only=read_only, keep_open=keep_open, wait=wait)
        try:
            if db.schema_version() is None:
                raise WorkspaceError("workspace.not_crm", workspace=path)
            db.migrate()
            stored = json.loads(db.scalar("SELECT value FROM settings WHERE key = 'language'"))
            session = Session(db, load_user(db, user), validate.language(language or stored))
        except CRMError:
            db.close()
            raise
        finally:
            if not keep_open:
                db.release()
        return cls(session)

    @classmethod
    def _bootstrap(cls, db: Database, today, language: str, company: str | None) -> "CRM":
        language = validate.language(language)
        today = validate.date(today, "today", required=False) or dt.date.today()
        try:
            db.migrate()
            with db.transaction():
                settings = {"today": today.isoformat(), "language": json.dumps(language),
                            "company": json.dumps(company or i18n.t("company.default", language))}
                for key, value in settings.items():
                    db.execute("INSERT INTO settings VALUES (?, ?)", [key, value])
                db.execute("INSERT INTO teams VALUES (1, ?, NULL)", [i18n.t("team.root", language)])
                db.execute("INSERT INTO users VALUES (1, ?, ?, 'admin', 1, NULL, NULL, true, ?)",
                           [ADMIN_USERNAME, i18n.t("role.admin", language), today])
        except BaseException:
            db.close()
            if db.path and os.path.exists(db.path):
                os.remove(db.path)
            raise
        return cls(Session(db, load_user(db, ADMIN_USERNAME), language))

    def as_user(self, who: str | int, *, own_language: str | None = None) -> "CRM":
        """The same workspace as another user (username or id); `own_language`: not sharing this handle's (a served page)."""
        try:
            language, shared = (validate.language(own_language), None) if own_language else (self._s.language, self._s.shared)
            return CRM(Session(self._s.db, load_user(self._s.db, who), language, shared))
        except CRMError as error:
            error.language = error.language or self._s.language
            raise

    def holding(self):
        """`with crm.holding(): …` keeps a workspace opened with `keep_open=False` open for the
        calls inside (the app holds it for one click), then lets other processes in again."""
        return self._s.db.kept_open()

    def hold(self) -> None:
        """Keep a `keep_open=False` workspace open until `let_go()` (a notebook holds it for one cell:
        `crm_engine.ui.cells`); other processes wait meanwhile. Every `hold()` needs its `let_go()`."""
        self._s.db.hold()

    def let_go(self) -> None:
        """End a `hold()`: the file is closed again between actions, so other processes get their turn."""
        self._s.db.let_go()

    # -- who, when, which language ------------------------------------------------
    @property
    def user(self):
        """The acting user."""
        return self._s.user

    @property
    def language(self) -> str:
        return self._s.language

    def set_language(self, language: str) -> None:
        """Switch the language (`en` or `zh_CN`) of this handle and of every handle made from it or
        it from (`as_user`), before or after; open views redraw. The workspace default is an admin setting."""
        language = validate.language(language)
        if language != self._s.language:
            self._s.language = language
            self._s.signal.changed("language")

    def on_change(self, listener) -> "callable":
        """Call `listener(what)` after every committed action on this workspace in this process
        (`"opportunities.assign"`, `"clock.advance"` …) and after a language switch; returns the
        function that stops it. Screens use it to stay in step (crm_engine.events).

            stop = crm.on_change(print)
        """
        return self._s.signal.subscribe(listener)

    @property
    def changes(self):
        """The workspace's change signal (`crm_engine.events.Signal`), one per workspace in this
        process: screens key their shared state by it."""
        return self._s.signal

    @property
    def version(self) -> int:
        """How many changes `on_change` has announced on this workspace in this process."""
        return self._s.signal.version

    def t(self, key: str, **params) -> str:
        """A label or message in this session's language."""
        return i18n.translate(key, self._s.language, **params)

    def today(self) -> dt.date:
        """Today on the scenario clock."""
        return self._s.today()

    @property
    def path(self) -> str | None:
        return self._s.db.path

    @property
    def read_only(self) -> bool:
        return self._s.db.read_only

    def release(self) -> None:
        """Let go of the workspace file until the next action (other processes may open it)."""
        self._s.db.release()

    def close(self) -> None:
        self._s.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return f"<CRM {self.path or 'in memory'} as {self.user.username} ({self.user.role})>"

    # -- the areas (MISSION.md's catalogue) ------------------------------------------
    @cached_property
    def admin(self):
        """System settings: users, teams, sharing policy, settings, backups (A1, A2, A5)."""
        return Admin(self._s)

    @cached_property
    def logins(self):
        """Passwords and JupyterHub links: how each person logs in to `crm-lab serve` (administrator only)."""
        return Logins(self._s)

    @cached_property
    def dictionary(self):
        """The data dictionary: levels, regions, reasons … (A3)."""
        return Dictionary(self._s)

    @cached_property
    def products(self):
        """Products and stock (A3)."""
        return Products(self._s)

    @cached_property
    def clock(self):
        """The scenario clock."""
        return Clock(self._s)

    @cached_property
    def audit(self):
        """The audit trail (A4)."""
        return Audit(self._s)

    @cached_property
    def customers(self):
        """Customer cards, contacts, interactions, orders, the customer 360, hand-over (C1, C2, C5)."""
        return Customers(self._s)

    @cached_property
    def orders(self):
        """Order history with lines (C2)."""
        return Orders(self._s)

    @cached_property
    def imports(self):
        """Import customers, contacts, products and orders from CSV / Excel (A6)."""
        return Imports(self._s)

    @cached_property
    def exports(self):
        """Export any list to CSV / Excel, scoped and audited (A6)."""
        return Exports(self._s, self)

    @cached_property
    def churn(self):
        """Churn warnings: scan, suspend, confirm (C3, C4)."""
        return Churn(self._s)

    @cached_property
    def classification(self):
        """ABC grades and credit, tags, segments (C5)."""
        return Classification(self._s)

    @cached_property
    def service(self):
        """Service tickets: create, assign, handle, feedback, archive search (S1–S5)."""
        return Service(self._s)

    @cached_property
    def call_center(self):
        """The customer call centre: log calls, turn them into tickets, leads, interactions (S6)."""
        return CallCenter(self._s)

    @cached_property
    def leads(self):
        """Leads and the public pool: create, claim, follow up, convert, recycle (O6)."""
        return Leads(self._s)

    @cached_property
    def opportunities(self):
        """Sales opportunities, development plans, the funnel, win rates, the overdue list (O1–O5, O9)."""
        return Opportunities(self._s)

    @cached_property
    def campaigns(self):
        """Campaigns: budget, cost, leads, won revenue, ROI (O7)."""
        return Campaigns(self._s)

    @cached_property
    def targets(self):
        """Sales targets, attainment and the leaderboard (O8)."""
        return Targets(self._s)

    # -- orders to cash (B1) -------------------------------------------------------------
    @cached_property
    def contracts(self):
        """Contracts with lines, draft → signed → fulfilled | cancelled, credit warnings (B1)."""
        return Contracts(self._s)

    @cached_property
    def shipments(self):
        """Shipments against a contract or an order; stock goes down, never below zero (B1)."""
        return Shipments(self._s)

    @cached_property
    def returns(self):
        """Sales returns against a shipment; stock goes back up, net contribution (B1)."""
        return Returns(self._s)

    @cached_property
    def payments(self):
        """Instalment plans, payments received, receivables, the overdue list, credit limits (B1)."""
        return Payments(self._s)

    @cached_property
    def expenses(self):
        """Expense claims, approved or rejected by a supervisor; totals per rep and customer (B1)."""
        return Expenses(self._s)

    # -- my office (F1–F5) ---------------------------------------------------------------
    @cached_property
    def tasks(self):
        """The work schedule: tasks by day, week and month, assigned by supervisors (F1)."""
        return Tasks(self._s)

    @cached_property
    def files(self):
        """My files and shared files, stored in the workspace (F2)."""
        return Files(self._s)

    @cached_property
    def address_book(self):
        """The public address book and your private one (F3)."""
        return AddressBook(self._s)

    @cached_property
    def notices(self):
        """The notice board: announcements, team and private notices, read / unread (F4)."""
        return Notices(self._s)

    @cached_property
    def messages(self):
        """The message centre: SMS-style messages and e-mails to colleagues and contacts (F5)."""
        return Messages(self._s)

    # -- statistics and reports (R1–R5) -------------------------------------------------
    @cached_property
    def reports(self):
        """Statistics and reports: contribution, composition, service, churn, funnel, ROI,
        attainment, RFM, cohorts — scoped DataFrames (R1–R5); charts in `crm_engine.ui.charts`."""
        return Reports(self._s)

    def sql(self, query: str, params=None, *, seconds: float = 10.0, max_rows: int = 100_000,
            max_megabytes: int = 256):
        """Read-only SQL for analysts: one SELECT over the tables whose every row you may read
        (docs/data-model.md), as a DataFrame; it never writes and never reaches a file, and
        stops past `seconds`, `max_rows` or `max_megabytes` with a clear error.

            crm.sql("SELECT region, count(*) AS customers FROM customers GROUP BY region")
        """
        return self.reports.sql(query, params, seconds=seconds, max_rows=max_rows, max_megabytes=max_megabytes)

    # -- what the courseware may use (docs/engine.md) -------------------------------------------
    # The layers above the CRM (scenario, course, ui, cli, theory) reach the workspace through the
    # area objects above and these few doors, never through the session behind the facade.
    @contextmanager
    def transaction(self):
        """`with crm.transaction(): …` — the verbs called inside (and `audit_event`) commit together, announced once
        (`on_change`: "transaction"), or not at all; errors come back in this session's language. Read-only refuses it."""
        s, outermost = self._s, not self._s.db.in_transaction
        try:
            if s.db.read_only:
                raise NotAllowed("workspace.read_only")
            with s.db.transaction():
                yield self
        except CRMError as error:
            error.language = error.language or s.language
            raise
        if outermost:  # committed: every open view redraws, everyone's (a scenario's day runs in one)
            s.signal.changed("transaction")

    @contextmanager
    def reading(self):
        """`with crm.reading(): …` — reads on one consistent view (the file held open); errors in this session's language."""
        s = self._s
        try:
            with s.db.reading():
                yield self
        except CRMError as error:
            error.language = error.language or s.language
            raise

    @property
    def tables(self) -> Tables:
        """The workspace's tables, read-only and NOT scoped: the facts grading and the instructor's
        tools read, and the scenario's own tables (scenario_*). Administrator or director only: a rep's view
        of the data goes through the area verbs (or `crm.sql`), which apply data scopes; courseware acting
        for a student reads them as the administrator (`crm.as_user(ADMIN_USERNAME).tables`)."""
        self._s.require_role("director", action="read_tables")
        return Tables(self._s.db)

    def loader(self) -> Database:
        """The workspace's database for bulk writes of generated rows (the scenario generator and the
        simulated customers' answers): `execute`, `behind`, `registered`, `next_id` and the reads.
        Administrator or director only; call it inside `crm.transaction()` so the rows commit with the
        verb that wrote them. Rules the areas enforce are the writer's job here: courseware only."""
        self._s.require_role("director", action="load_tables")
        return self._s.db

    def audit_event(self, action: str, kind: str, record_id=None, *, before=None, after=None, note=None) -> None:
        """One row in the audit trail (操作日志), as the acting user on today's scenario date — for
        courseware events (a course step, a scenario advanced). Inside `crm.transaction()`."""
        self._s.audit(action, kind, record_id, before=before, after=after, note=note)

    def setting(self, key: str, default=None):
        """A workspace setting's value (`contact_within_days`, `company` …), or `default`."""
        return self._s.setting(key, default)

    def require_role(self, *roles: str, action: str) -> None:
        """Refuse (`NotAllowed`) unless the acting user has one of `roles` or is the administrator;
        `action` names what was refused (an `action.<name>` label)."""
        self._s.require_role(*roles, action=action)

    def scope(self, kind: str, owner_column: str, mode: str = "read") -> str:
        """An SQL condition: the records of `kind` ("opportunity", "churn" …) whose owner is in
        `owner_column` that the acting user may read (or write) — for courseware queries that join
        their own tables to the CRM's and must respect data scopes."""
        return self._s.scope(kind, owner_column, mode)

    @property
    def keep_open(self) -> bool:
        """Whether the file stays open between actions (`open(keep_open=…)`); False lets other processes in from now on."""
        return self._s.db.keep_open

    @keep_open.setter
    def keep_open(self, value: bool) -> None:
        self._s.db.keep_open = bool(value)

    @staticmethod
    def clear_leftovers(path) -> list:
        """Remove what a killed earlier build of `path` left behind (builds are atomic) and return it; one
        still running elsewhere stops with its file and PID (`WorkspaceLocked`)."""
        return clear_leftovers(path)

    @staticmethod
    def spreadsheet_safe(frame):
        """`frame` with every text a spreadsheet would run as a formula neutralised (an import's rejected rows, written out)."""
        return neutralised(frame)

    @staticmethod
    def roster_username(name: str, line: int = 0) -> str:
        """The username `crm.imports` gives a person on a roster (`"Li Ming"` → `"li.ming"`; a name with no
        Latin letters or digits: `user.<line>`) — for courseware that writes files to be imported."""
        return derive_username(name, line)

    @property
    def identity(self) -> str:
        """A key naming this workspace: its path, or a per-workspace key for one in memory."""
        return self.path or f"memory:{id(self._s.db)}"
