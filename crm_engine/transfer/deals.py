"""Opportunities with their history: `crm.imports.opportunities(...)`, set-based.

One row per deal: `owner` (an account manager's username or name), `account` (customer or
prospect name), `stage`, and optionally `product` (code or name), `quantity`, `status`
(won/lost/open), `created`, `assigned`, `closed` (dates, one format per column, detected),
`amount`, `lost_reason`, `source`, `summary`, `contact_name`, `contact_phone`.

Stages (value map, overridable with `values={"stage": {...}}`): a stage code or its name in either
language; `Prospecting` → initial_contact, `Engaging`/`Qualification` → intent_confirmed,
`Proposal` → proposal, `Negotiation` → negotiation; `Won` / `Lost` (also `Closed Won` …) close the
deal (the status column, when given, must agree). A closed deal is recorded at its file stage, or
at the first stage when the file's stage is only Won/Lost.

The history is written as it happened, by INSERT … SELECT over the checked rows, never verb by verb:
- the opportunity, created on `created` by its owner (no date at all: the scenario's today, counted
  in the report's notes), assigned on `assigned` (default `created`) to the owner by the owner's
  team supervisor (the importer when the team has none): a row in `assignments` and in
  `state_history`, then a stage move (an audit `set_stage` row) when the stage is not the first;
- a closed deal gets one plan step dated its close date whose recorded result is the outcome the
  file gives: the close rule (O5: a deal is closed only after a recorded step) holds for it as
  for a deal closed in the engine; then its `succeed`/`fail` history row on `closed`;
- a won deal links the account's customer or creates it (one per normalised name, owned by the
  owner of its first won deal, created that day), notes the win as the customer's first
  interaction and, with a product, records the line (O10) and the order the win makes;
- every step has its audit row, dated on its date, by whoever acted then, noted `import`.
Lost deals without a reason get `other` (counted in the notes). An amount is the expected amount
(and the won amount); without one, the product's list price × quantity. Every deal of an account
names that account's customer once there is one.
"""
from __future__ import annotations

from .. import validate
from ..i18n import translate
from ..names import normalise
from . import codes, dates
from .deal_history import write_history
from .imports import (
    FIELDS,
    LONGEST,
    MAX_PRICE,
    MAX_QUANTITY,
    PHONE,
    amount_sql,
    amount_value_sql,
    chunks,
    first_failure,
    integer_sql,
    text_checks,
)

FIELDS["opportunities"] = (("owner", "account", "stage"),
                           ("product", "quantity", "status", "created", "assigned", "closed", "amount",
                            "lost_reason", "source", "summary", "contact_name", "contact_phone"))
LONGEST["opportunities"] = {"account": 200, "summary": 2000, "contact_name": 100, "contact_phone": 40}
DATE_FIELDS = ("created", "assigned", "closed")
STAGE_WORDS = {"prospecting": "initial_contact", "prospect": "initial_contact", "engaging": "intent_confirmed",
               "qualification": "intent_confirmed", "qualified": "intent_confirmed", "proposal": "proposal",
               "negotiation": "negotiation"}
WON_WORDS = ("won", "closed won", "win", "succeeded", "赢单", "成交")
LOST_WORDS = ("lost", "closed lost", "loss", "failed", "丢单", "失败")
OPEN_WORDS = ("open", "active", "进行中")


def _words(words) -> str:
    return ", ".join(codes.sql_literal(w) for w in words)


class OpportunityLoads:
    """The `opportunities` load of `crm.imports` (mixed into company.Imports)."""

    def _load_opportunities(self, total: int, fmt, progress) -> int:
        s, db = self._s, self._s.db
        values = self._values
        # One format per column, detected, or given: one for all three or {field: format}.
        formats = {f: dates.column_format(db, "incoming", f, fmt.get(f) if isinstance(fmt, dict) else fmt)
                   for f in DATE_FIELDS}
        self._read_format = "; ".join(f"{f} {formats[f]}" for f in DATE_FIELDS
                                      if db.scalar(f"SELECT count(*) FROM incoming WHERE {f} <> ''"))
        self._deal_names()
        stage_v = f"lower({codes.mapped('stage', values)})"
        status_v = f"lower({codes.mapped('status', values)})"
        product_v = codes.mapped("product", values)
        stage_case = " ".join(f"WHEN {codes.sql_literal(k)} THEN {codes.sql_literal(v)}" for k, v in STAGE_WORDS.items())
        today = s.today().isoformat()
        checks = [*text_checks("opportunities"),
                  ("i.owner = ''", "import.empty_owner", "''"),
                  ("i.owner_id IS NULL", "import.unknown_owner", "i.owner"),
                  ("i.owner_role <> 'account_manager' OR NOT i.owner_active", "import.owner_not_manager", "i.owner"),
                  ("i.account = ''", "import.empty_name", "''"),
                  ("i.name_norm = ''", "import.meaningless_name", "i.account"),
                  ("i.stage_status IS NULL AND i.stage_code IS NULL", "import.unknown_stage", "i.stage"),
                  ("i.status <> '' AND i.given_status IS NULL", "import.unknown_status", "i.status"),
                  ("i.given_status IS NOT NULL AND i.stage_status IS NOT NULL AND i.given_status <> i.stage_status",
                   "import.status_conflict", "i.status || ' / ' || i.stage")]
        for f in DATE_FIELDS:
            checks += [(f"i.{f} <> '' AND i.{f}_d IS NULL", "import.bad_date", f"i.{f}"),
                       (f"i.{f}_d < DATE '{validate.EARLIEST.isoformat()}'", "import.date_too_early", f"i.{f}"),
                       (f"i.{f}_d > DATE '{today}'", "import.future_date", f"i.{f}")]
        checks += [
            ("i.assigned_d < i.created_d OR i.closed_d < coalesce(i.assigned_d, i.created_d)",
             "import.dates_out_of_order", "i.created || ' / ' || i.assigned || ' / ' || i.closed"),
            ("i.outcome <> 'open' AND i.closed_d IS NULL", "import.closed_without_date", "i.stage"),
            ("i.outcome = 'open' AND i.closed <> ''", "import.open_with_close_date", "i.closed"),
            ("i.product <> '' AND i.product_id IS NULL", "import.unknown_deal_product", "i.product"),
            (f"i.quantity <> '' AND NOT {integer_sql('i.quantity', 1, MAX_QUANTITY)}", "import.bad_quantity", "i.quantity"),
            (f"i.amount <> '' AND NOT {amount_sql('i.amount', MAX_PRICE)}", "import.bad_amount", "i.amount"),
            ("i.lost_reason <> '' AND i.reason_code IS NULL", "import.unknown_lost_reason", "i.lost_reason"),
            ("i.source <> '' AND i.source_code IS NULL", "import.unknown_source", "i.source"),
            (f"i.contact_phone <> '' AND NOT regexp_full_match(i.contact_phone, '{PHONE}')", "import.bad_phone",
             "i.contact_phone"),
        ]
        db.execute(f"""
            CREATE OR REPLACE TEMP TABLE import_checked AS
            WITH owners AS (SELECT lower(o.owner) AS key, any_value(u.id ORDER BY u.username <> o.owner, u.id) AS id
                            FROM (SELECT DISTINCT owner FROM incoming) o
                            JOIN users u ON u.username = o.owner OR lower(u.name) = lower(o.owner) GROUP BY ALL),
            parsed AS (
                SELECT i.*, n.name_norm, n.customer_id, u.id AS owner_id, u.role AS owner_role, u.active AS owner_active,
                       u.name AS owner_name, u.team_id,
                       {", ".join(f"{dates.parsed(f'i.{f}', formats[f])} AS {f}_d" for f in DATE_FIELDS)},
                       CASE WHEN {stage_v} IN ({_words(WON_WORDS)}) THEN 'won'
                            WHEN {stage_v} IN ({_words(LOST_WORDS)}) THEN 'lost' END AS stage_status,
                       coalesce(CASE {stage_v} {stage_case} END,
                                (SELECT d.code FROM dictionary d WHERE d.kind = 'opportunity_stage' AND d.active AND
                                 {stage_v} IN (lower(d.code), lower(d.name_en), lower(d.name_zh)) LIMIT 1)) AS stage_code,
                       CASE WHEN {status_v} IN ({_words(WON_WORDS)}) THEN 'won'
                            WHEN {status_v} IN ({_words(LOST_WORDS)}) THEN 'lost'
                            WHEN {status_v} IN ({_words(OPEN_WORDS)}) THEN 'open' END AS given_status,
                       (SELECT p.id FROM products p WHERE p.active AND (p.code = {product_v} OR
                        lower(p.name) = lower({product_v})) ORDER BY p.code <> {product_v}, p.id LIMIT 1) AS product_id,
                       {codes.resolve('lost_reason', 'lost_reason', values)} AS reason_code,
                       {codes.resolve('source', 'lead_source', values)} AS source_code
                FROM incoming i JOIN import_deal_names n USING (line)
                LEFT JOIN owners o ON o.key = lower(i.owner) LEFT JOIN users u ON u.id = o.id),
            judged AS (SELECT *, coalesce(given_status, stage_status, 'open') AS outcome FROM parsed)
            SELECT i.*, {first_failure(checks)} FROM judged i""")
        self._deal_scope()
        good = self._number_deals()
        if good:
            self._write_deals()
        for _ in chunks(good, progress):
            pass
        return good

    def _deal_names(self) -> None:
        """import_deal_names(line, name_norm, customer_id): each account's normalised name and the
        customer of that name (one Python call per distinct account)."""
        db = self._s.db
        names = db.df("SELECT DISTINCT account FROM incoming")
        names["name_norm"] = names["account"].map(normalise)
        with db.registered("deal_accounts", names):
            db.execute("""CREATE OR REPLACE TEMP TABLE import_deal_names AS
                          SELECT i.line, a.name_norm, c.id AS customer_id FROM incoming i
                          JOIN deal_accounts a ON a.account = i.account
                          LEFT JOIN (SELECT name_norm, min(id) AS id FROM customers GROUP BY ALL) c
                               ON c.name_norm = a.name_norm""")

    def _deal_scope(self) -> None:
        """Owners outside the importer's write scope: rejected (a few owners: checked in Python)."""
        s = self._s
        for (owner_id,) in s.db.rows("SELECT DISTINCT owner_id FROM import_checked WHERE reason IS NULL"):
            if not s.can_write("opportunity", int(owner_id)):
                s.db.execute("UPDATE import_checked SET reason = 'import.deal_owner_not_allowed', detail = owner "
                             "WHERE reason IS NULL AND owner_id = ?", [owner_id])

    def _number_deals(self) -> int:
        """import_deals: the good rows with their ids and every derived value."""
        s, db = self._s, self._s.db
        today = s.today()
        first = db.scalar("SELECT code FROM dictionary WHERE kind = 'opportunity_stage' AND active "
                          "ORDER BY sort_order, code LIMIT 1")
        base = db.next_id("opportunities")
        db.execute(f"""
            CREATE OR REPLACE TEMP TABLE import_deals AS
            SELECT *, {base - 1} + row_number() OVER (ORDER BY line) AS id,
                   coalesce(created_d, assigned_d, closed_d, DATE '{today}') AS created_on,
                   coalesce(assigned_d, created_d, closed_d, DATE '{today}') AS assigned_on,
                   coalesce(stage_code, '{first}') AS stage_at,
                   coalesce((SELECT min(id) FROM users v WHERE v.team_id = c.team_id AND v.role = 'supervisor'
                             AND v.active), {s.user.id}) AS assigned_by,
                   CASE WHEN quantity = '' THEN 1 ELSE quantity::INTEGER END AS qty,
                   CASE WHEN amount <> '' THEN {amount_value_sql('amount', 16)}
                        WHEN product_id IS NOT NULL THEN (SELECT price FROM products p WHERE p.id = product_id)
                             * CASE WHEN quantity = '' THEN 1 ELSE quantity::INTEGER END
                        ELSE 0 END AS expected,
                   coalesce(reason_code, CASE WHEN outcome = 'lost' THEN 'other' END) AS reason_at,
                   coalesce(source_code, 'import') AS source_at
            FROM import_checked c WHERE reason IS NULL""")
        good = db.scalar("SELECT count(*) FROM import_deals")
        undated = db.scalar("SELECT count(*) FROM import_deals WHERE created_d IS NULL AND assigned_d IS NULL "
                            "AND closed_d IS NULL")
        if undated:
            self._notes.append(translate("import.deals_dated_today", s.language, count=undated, today=today.isoformat()))
        no_reason = db.scalar("SELECT count(*) FROM import_deals WHERE outcome = 'lost' AND reason_code IS NULL")
        if no_reason:
            self._notes.append(translate("import.deals_reason_other", s.language, count=no_reason))
        return good

    def _write_deals(self) -> None:
        write_history(self)
