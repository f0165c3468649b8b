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
from functools import cached_property

from . import i18n, validate
# Every area registers its hand-over, history and settings when imported (customers/registry.py,
# settings.py): importing them all here means a CRM always knows every one.
from . import (care as care_area, cash as cash_area, customers as customer_area,  # noqa: F401
               office as office_area, sales as sales_area, system as system_area)  # noqa: F401
from .atomic import building
from .db import Database, create_file
from .errors import CRMError, WorkspaceError
from .session import Session, load_user

ADMIN_USERNAME = "admin"


class CRM:
    """A CRM workspace, seen as one user, in one language."""

    def __init__(self, session: Session):
        self._s = session

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

        `keep_open=False` holds the file only while an action runs, so another
        process (nbgrader Validate, a second notebook) can open it in between.
        While another process holds the file, every open of it (this one, and each
        action's with `keep_open=False`) waits up to `wait` seconds for its turn —
        default `$CRM_LAB_WAIT`, else 5 — before it raises `WorkspaceLocked`.
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
        from . import validate

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
                db.execute(
                    "INSERT INTO users VALUES (1, ?, ?, 'admin', 1, NULL, NULL, true, ?)",
                    [ADMIN_USERNAME, i18n.t("role.admin", language), today],
                )
        except BaseException:
            db.close()
            if db.path and os.path.exists(db.path):
                os.remove(db.path)
            raise
        return cls(Session(db, load_user(db, ADMIN_USERNAME), language))

    def as_user(self, who: str | int) -> "CRM":
        """The same workspace, acting as another user (by username or id)."""
        try:
            return CRM(Session(self._s.db, load_user(self._s.db, who), self._s.language, self._s.shared))
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
        from .system.admin import Admin
        return Admin(self._s)

    @cached_property
    def dictionary(self):
        """The data dictionary: levels, regions, reasons … (A3)."""
        from .dictionary import Dictionary
        return Dictionary(self._s)

    @cached_property
    def products(self):
        """Products and stock (A3)."""
        from .dictionary import Products
        return Products(self._s)

    @cached_property
    def clock(self):
        """The scenario clock."""
        from .sales import leads  # noqa: F401 - registers its time-driven rule with the clock (clock.RULES)
        from .clock import Clock
        return Clock(self._s)

    @cached_property
    def audit(self):
        """The audit trail (A4)."""
        from .audit import Audit
        return Audit(self._s)

    @cached_property
    def customers(self):
        """Customer cards, contacts, interactions, orders, the customer 360, hand-over (C1, C2, C5)."""
        from .customers.cards import Customers
        return Customers(self._s)

    @cached_property
    def orders(self):
        """Order history with lines (C2)."""
        from .customers.orders import Orders
        return Orders(self._s)

    @cached_property
    def imports(self):
        """Import customers, contacts, products and orders from CSV / Excel (A6)."""
        from .transfer import Imports
        return Imports(self._s)

    @cached_property
    def exports(self):
        """Export any list to CSV / Excel, scoped and audited (A6)."""
        from .transfer import Exports
        return Exports(self._s, self)

    @cached_property
    def churn(self):
        """Churn warnings: scan, suspend, confirm (C3, C4)."""
        from .customers.churn import Churn
        return Churn(self._s)

    @cached_property
    def classification(self):
        """ABC grades and credit, tags, segments (C5)."""
        from .customers.classification import Classification
        return Classification(self._s)

    @cached_property
    def service(self):
        """Service tickets: create, assign, handle, feedback, archive search (S1–S5)."""
        from .care.service import Service
        return Service(self._s)

    @cached_property
    def call_center(self):
        """The customer call centre: log calls, turn them into tickets, leads, interactions (S6)."""
        from .care.call_center import CallCenter
        return CallCenter(self._s)

    @cached_property
    def leads(self):
        """Leads and the public pool: create, claim, follow up, convert, recycle (O6)."""
        from .sales.leads import Leads
        return Leads(self._s)

    @cached_property
    def opportunities(self):
        """Sales opportunities, development plans, the funnel, win rates, the overdue list (O1–O5, O9)."""
        from .sales.opportunities import Opportunities
        return Opportunities(self._s)

    @cached_property
    def campaigns(self):
        """Campaigns: budget, cost, leads, won revenue, ROI (O7)."""
        from .sales.campaigns import Campaigns
        return Campaigns(self._s)

    @cached_property
    def targets(self):
        """Sales targets, attainment and the leaderboard (O8)."""
        from .sales.targets import Targets
        return Targets(self._s)

    # -- orders to cash (B1) -------------------------------------------------------------
    @cached_property
    def contracts(self):
        """Contracts with lines, draft → signed → fulfilled | cancelled, credit warnings (B1)."""
        from .cash.contracts import Contracts
        return Contracts(self._s)

    @cached_property
    def shipments(self):
        """Shipments against a contract or an order; stock goes down, never below zero (B1)."""
        from .cash.shipments import Shipments
        return Shipments(self._s)

    @cached_property
    def returns(self):
        """Sales returns against a shipment; stock goes back up, net contribution (B1)."""
        from .cash.returns import Returns
        return Returns(self._s)

    @cached_property
    def payments(self):
        """Instalment plans, payments received, receivables, the overdue list, credit limits (B1)."""
        from .cash.payments import Payments
        return Payments(self._s)

    @cached_property
    def expenses(self):
        """Expense claims, approved or rejected by a supervisor; totals per rep and customer (B1)."""
        from .cash.expenses import Expenses
        return Expenses(self._s)

    # -- my office (F1–F5) ---------------------------------------------------------------
    @cached_property
    def tasks(self):
        """The work schedule: tasks by day, week and month, assigned by supervisors (F1)."""
        from .office.tasks import Tasks
        return Tasks(self._s)

    @cached_property
    def files(self):
        """My files and shared files, stored in the workspace (F2)."""
        from .office.files import Files
        return Files(self._s)

    @cached_property
    def address_book(self):
        """The public address book and your private one (F3)."""
        from .office.address_book import AddressBook
        return AddressBook(self._s)

    @cached_property
    def notices(self):
        """The notice board: announcements, team and private notices, read / unread (F4)."""
        from .office.notices import Notices
        return Notices(self._s)

    @cached_property
    def messages(self):
        """The message centre: SMS-style messages and e-mails to colleagues and contacts (F5)."""
        from .office.messages import Messages
        return Messages(self._s)

    # -- statistics and reports (R1–R5) -------------------------------------------------
    @cached_property
    def reports(self):
        """Statistics and reports: contribution, composition, service, churn, funnel, ROI,
        attainment, RFM, cohorts — scoped DataFrames (R1–R5); charts in `crm_engine.ui.charts`."""
        from .reports import Reports
        return Reports(self._s)

    def sql(self, query: str, params=None, *, seconds: float = 10.0, max_rows: int = 100_000,
            max_megabytes: int = 256):
        """Read-only SQL for analysts: one SELECT over the tables whose every row you may read
        (docs/data-model.md), as a DataFrame; it never writes and never reaches a file, and
        stops past `seconds`, `max_rows` or `max_megabytes` with a clear error.

            crm.sql("SELECT region, count(*) AS customers FROM customers GROUP BY region")
        """
        return self.reports.sql(query, params, seconds=seconds, max_rows=max_rows, max_megabytes=max_megabytes)

    @cached_property
    def simulation(self):
        """The teaching scenario's clock and simulated customers (T2): advance, customers' answers, briefing."""
        from .scenario.simulation import Simulation
        return Simulation(self._s)
