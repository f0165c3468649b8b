"""Service tickets with their history: `crm.imports.tickets(...)`, set-based.

One row per ticket: `customer` (id or name), `service_type` (dictionary), `subject`, `created`;
optionally `request` (default: the subject), `handler` (username of a service staff member,
account manager or supervisor), `handled` (date) and `handling` (text), `satisfaction` (1–5),
`result` and `feedback` (date, default the handled date). The state follows from what the row
records, as the life of a ticket (care/service.py) would have left it: nothing → *new*; a handler →
*assigned* (on `created`, by the importer); handled → *handled*; satisfaction 3 or more →
*archived*, less → sent back (*assigned*, feedback kept). Each move has its state_history row,
each handling and feedback its ticket step, each verb its audit row, all dated as they happened.
Rows without handling text or result get a text saying they come from the imported history.

Who may: the administrator, a director or a supervisor (assigning a ticket is theirs), for
customers inside their ticket write scope.
"""
from __future__ import annotations

from .. import validate
from ..i18n import translate
from . import codes, dates
from .codes import sql_literal
from .imports import FIELDS, LONGEST, chunks, first_failure, integer_sql, text_checks

FIELDS["tickets"] = (("customer", "service_type", "subject", "created"),
                     ("request", "handler", "handled", "handling", "satisfaction", "result", "feedback"))
LONGEST["tickets"] = {"subject": 200, "request": 4000, "handling": 4000, "result": 4000}
codes.DICTIONARY_FIELDS["tickets"] = {"service_type": "service_type"}
TICKET_DATES = ("created", "handled", "feedback")
HANDLERS = "('service_staff', 'account_manager', 'supervisor')"


class TicketLoads:
    """The `tickets` load of `crm.imports` (mixed into company.Imports)."""

    def _load_tickets(self, total: int, fmt, progress) -> int:
        s, db = self._s, self._s.db
        formats = {f: dates.column_format(db, "incoming", f, fmt.get(f) if isinstance(fmt, dict) else fmt)
                   for f in TICKET_DATES}
        self._read_format = "; ".join(f"{f} {formats[f]}" for f in TICKET_DATES
                                      if db.scalar(f"SELECT count(*) FROM incoming WHERE {f} <> ''"))
        checks = [("i.customer_id IS NULL", "import.unknown_customer", "i.customer"), *text_checks("tickets"),
                  ("i.subject = ''", "import.empty_subject", "''"),
                  ("i.type_code IS NULL", "import.unknown_service_type", "i.service_type")]
        for f in TICKET_DATES:
            checks += [(f"i.{f} <> '' AND i.{f}_d IS NULL", "import.bad_date", f"i.{f}"),
                       (f"i.{f}_d < DATE '{validate.EARLIEST.isoformat()}'", "import.date_too_early", f"i.{f}"),
                       (f"i.{f}_d > DATE '{s.today().isoformat()}'", "import.future_date", f"i.{f}")]
        checks += [
            ("i.created_d IS NULL", "import.bad_date", "i.created"),
            ("i.handler <> '' AND (i.handler_id IS NULL OR i.handler_role NOT IN " + HANDLERS +
             " OR NOT i.handler_active)", "import.bad_handler", "i.handler"),
            ("i.handled <> '' AND i.handler = ''", "import.handled_without_handler", "i.handled"),
            (f"i.satisfaction <> '' AND NOT {integer_sql('i.satisfaction', 1, 5)}", "import.bad_rating", "i.satisfaction"),
            ("(i.satisfaction <> '' OR i.feedback <> '') AND i.handled = ''", "import.feedback_without_handling",
             "i.satisfaction"),
            ("i.handled_d < i.created_d OR i.feedback_d < i.handled_d", "import.dates_out_of_order",
             "i.created || ' / ' || i.handled || ' / ' || i.feedback"),
        ]
        with db.registered("resolved", self._resolve_customers()):
            db.execute(f"""
                CREATE OR REPLACE TEMP TABLE import_checked AS
                WITH r AS (
                    SELECT i.*, r.customer_id, r.owner_id,
                           {", ".join(f"{dates.parsed(f'i.{f}', formats[f])} AS {f}_d" for f in TICKET_DATES)},
                           {codes.resolve('service_type', 'service_type', self._values)} AS type_code,
                           u.id AS handler_id, u.role AS handler_role, u.active AS handler_active
                    FROM incoming i LEFT JOIN resolved r ON r.customer = i.customer
                    LEFT JOIN users u ON u.username = i.handler)
                SELECT i.*, {first_failure(checks)} FROM r i""")
        for (owner_id,) in db.rows("SELECT DISTINCT owner_id FROM import_checked WHERE reason IS NULL"):
            if not s.can_write("ticket", None if owner_id is None else int(owner_id)):
                db.execute("UPDATE import_checked SET reason = 'import.customer_not_yours', detail = customer "
                           "WHERE reason IS NULL AND owner_id IS NOT DISTINCT FROM ?", [owner_id])
        good = self._write_tickets()
        for _ in chunks(good, progress):
            pass
        return good

    def _write_tickets(self) -> int:
        s, db = self._s, self._s.db
        lang, me = s.language, s.user.id
        base, step_base, audit = db.next_id("tickets"), db.next_id("ticket_steps"), db.next_id("audit")
        db.execute(f"""
            CREATE OR REPLACE TEMP TABLE import_tickets AS
            SELECT {base - 1} + row_number() OVER (ORDER BY line) AS id, *,
                   coalesce(feedback_d, handled_d) AS feedback_on,
                   TRY_CAST(nullif(satisfaction, '') AS INTEGER) AS rating,
                   coalesce(nullif(handling, ''), {sql_literal(translate('import.ticket_handling', lang))}) AS handling_text,
                   coalesce(nullif(result, ''), {sql_literal(translate('import.ticket_feedback', lang))}) AS result_text,
                   CASE WHEN satisfaction <> '' AND satisfaction::INTEGER >= 3 THEN 'archived'
                        WHEN satisfaction <> '' THEN 'assigned' WHEN handled <> '' THEN 'handled'
                        WHEN handler <> '' THEN 'assigned' ELSE 'new' END AS state_at
            FROM import_checked WHERE reason IS NULL""")
        db.execute(f"""
            INSERT INTO tickets SELECT id, customer_id, NULL, type_code, subject, coalesce(nullif(request, ''), subject),
                state_at, created_d, {me}, NULL, handler_id, CASE WHEN handler_id IS NOT NULL THEN {me} END,
                CASE WHEN handler_id IS NOT NULL THEN created_d END, CASE WHEN handled_d IS NOT NULL THEN 1 ELSE 0 END,
                CASE WHEN handled_d IS NOT NULL THEN handling_text END, handled_d,
                CASE WHEN rating IS NOT NULL THEN result_text END, rating,
                CASE WHEN rating IS NOT NULL THEN feedback_on END, CASE WHEN rating IS NOT NULL THEN {me} END,
                CASE WHEN state_at = 'archived' THEN feedback_on END
            FROM import_tickets ORDER BY id""")
        db.execute(f"""
            INSERT INTO ticket_steps SELECT {step_base - 1} + row_number() OVER (ORDER BY id, seq), id, 1, step, u,
                on_date, text, rating FROM (
                SELECT id, 1 AS seq, 'handling' AS step, handler_id AS u, handled_d AS on_date, handling_text AS text,
                       NULL::INTEGER AS rating FROM import_tickets WHERE handled_d IS NOT NULL
                UNION ALL SELECT id, 2, 'feedback', {me}, feedback_on, result_text, rating FROM import_tickets
                WHERE rating IS NOT NULL) ORDER BY id, seq""")
        moves = f"""
            SELECT id, 1 AS seq, 'create' AS a, NULL AS f, 'new' AS t, {me} AS u, created_d AS d, NULL AS note
            FROM import_tickets
            UNION ALL SELECT id, 2, 'assign', 'new', 'assigned', {me}, created_d, handler FROM import_tickets
            WHERE handler_id IS NOT NULL
            UNION ALL SELECT id, 3, 'handle', 'assigned', 'handled', handler_id, handled_d, NULL FROM import_tickets
            WHERE handled_d IS NOT NULL
            UNION ALL SELECT id, 4, CASE WHEN state_at = 'archived' THEN 'archive' ELSE 'send_back' END, 'handled',
                   state_at, {me}, feedback_on, rating::VARCHAR FROM import_tickets WHERE rating IS NOT NULL"""
        db.execute(f"INSERT INTO state_history SELECT 'ticket', id, a, f, t, u, d, note FROM ({moves}) ORDER BY id, seq")
        db.execute(f"""
            INSERT INTO audit SELECT {audit - 1} + row_number() OVER (ORDER BY d, id, seq), d, current_localtimestamp(),
                   u, CASE a WHEN 'archive' THEN 'feedback' WHEN 'send_back' THEN 'feedback' ELSE a END, 'ticket', id,
                   CASE WHEN f IS NOT NULL THEN to_json({{state: f}}) END, to_json({{state: t}}), 'import'
            FROM ({moves}) ORDER BY d, id, seq""")
        good = db.scalar("SELECT count(*) FROM import_tickets")
        db.execute("DROP TABLE import_tickets")
        return good
