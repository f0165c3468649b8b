"""Interactions (contact records) in bulk: `crm.imports.interactions(...)`.

One row per contact with a customer: `customer` (id or name, one you may see), `date` (one format
for the column, detected or given), `subject`; optionally `channel` (dictionary
`interaction_channel`, default `phone` as `customers.log_interaction`), `notes` (the
interaction's detail: `detail` is the report's own column), `contact` (a
contact person of that customer, by name) and `user` (whose contact it was: a username; default
you — naming someone else needs write scope over their customers, as a supervisor has over their
team). Each is audited (`create interaction`, dated on its own date, noted `import`).
"""
from __future__ import annotations

from .. import validate
from . import codes, dates
from .imports import FIELDS, LONGEST, chunks, first_failure, text_checks

FIELDS["interactions"] = (("customer", "date", "subject"), ("channel", "notes", "contact", "user"))
LONGEST["interactions"] = {"subject": 200, "notes": 2000}
codes.DICTIONARY_FIELDS["interactions"] = {"channel": "interaction_channel"}


class InteractionLoads:
    """The `interactions` load of `crm.imports` (mixed into company.Imports)."""

    def _load_interactions(self, total: int, fmt, progress) -> int:
        s, db = self._s, self._s.db
        fmt = dates.column_format(db, "incoming", "date", fmt)
        self._read_format = fmt
        checks = [
            ("i.customer_id IS NULL", "import.unknown_customer", "i.customer"),
            *text_checks("interactions"),
            ("i.subject = ''", "import.empty_subject", "''"),
            (f"regexp_full_match(i.date, '{dates.WITH_TIME}') AND i.d IS NULL", "import.date_with_time", "i.date"),
            ("i.d IS NULL", "import.bad_date", "i.date"),
            (f"i.d < DATE '{validate.EARLIEST.isoformat()}'", "import.date_too_early", "i.date"),
            (f"i.d > DATE '{s.today().isoformat()}'", "import.future_date", "i.date"),
            ("i.channel <> '' AND i.channel_code IS NULL", "import.unknown_channel", "i.channel"),
            ("i.contact <> '' AND i.contact_id IS NULL", "import.unknown_contact", "i.contact"),
            ("i.user <> '' AND i.user_id IS NULL", "import.unknown_owner", "i.user"),
        ]
        with db.registered("resolved", self._resolve_customers()):
            db.execute(f"""
                CREATE OR REPLACE TEMP TABLE import_checked AS
                WITH r AS (
                    SELECT i.*, r.customer_id, {dates.parsed('i.date', fmt)} AS d,
                           {codes.resolve('channel', 'interaction_channel', self._values)} AS channel_code,
                           (SELECT min(c.id) FROM contacts c WHERE c.customer_id = r.customer_id
                            AND lower(c.name) = lower(i.contact)) AS contact_id,
                           CASE WHEN i.user = '' THEN {s.user.id} ELSE u.id END AS user_id
                    FROM incoming i LEFT JOIN resolved r ON r.customer = i.customer
                    LEFT JOIN users u ON u.username = i.user)
                SELECT i.*, {first_failure(checks)} FROM r i""")
        for (user_id,) in db.rows("SELECT DISTINCT user_id FROM import_checked WHERE reason IS NULL AND user_id <> ?",
                                  [s.user.id]):
            if not s.can_write("customer", int(user_id)):
                db.execute("UPDATE import_checked SET reason = 'import.deal_owner_not_allowed', detail = user "
                           "WHERE reason IS NULL AND user_id = ?", [user_id])
        base, audit = db.next_id("interactions"), db.next_id("audit")
        db.execute(f"""CREATE OR REPLACE TEMP TABLE import_notes AS
                       SELECT {base - 1} + row_number() OVER (ORDER BY line) AS id, * FROM import_checked
                       WHERE reason IS NULL""")
        good = db.scalar("SELECT count(*) FROM import_notes")
        db.execute("""INSERT INTO interactions SELECT id, customer_id, contact_id, user_id, d,
                          coalesce(channel_code, 'phone'), subject, nullif(notes, '') FROM import_notes ORDER BY id""")
        db.execute(f"""INSERT INTO audit SELECT {audit - 1} + row_number() OVER (ORDER BY d, id), d,
                           current_localtimestamp(), ?, 'create', 'interaction', id, NULL,
                           to_json({{customer_id: customer_id, user_id: user_id, channel: coalesce(channel_code, 'phone'),
                                    subject: subject}}), 'import'
                       FROM import_notes ORDER BY d, id""", [s.user.id])
        db.execute("DROP TABLE import_notes")
        for _ in chunks(good, progress):
            pass
        return good
