"""Writing imported deals as they happened: one INSERT … SELECT per table over `import_deals`
(deals.py says what is written and why). Ids follow each table's next id, in the file's order."""
from __future__ import annotations

from ..i18n import translate
from .codes import sql_literal


def write_history(loads) -> None:
    s = loads._s
    db = s.db
    me, lang = s.user.id, s.language
    created = _customers(s)
    if created:
        loads._notes.append(translate("import.deals_customers", lang, count=created))
    db.execute("""
        INSERT INTO opportunities (id, source, customer_name, contact_name, contact_phone, summary, expected_amount,
            probability, state, stage, owner_id, assigned_on, assigned_by, campaign_id, lead_id, customer_id,
            closed_on, won_amount, lost_reason, close_note, created_on, created_by)
        SELECT id, source_at, account, nullif(contact_name, ''), nullif(contact_phone, ''),
               coalesce(nullif(summary, ''), nullif(product, ''), account), expected,
               CASE outcome WHEN 'won' THEN 100 WHEN 'lost' THEN 0 ELSE
                   coalesce((SELECT value FROM dictionary d WHERE d.kind = 'opportunity_stage' AND d.code = stage_at), 0)::INTEGER END,
               CASE outcome WHEN 'won' THEN 'succeeded' WHEN 'lost' THEN 'failed' ELSE 'assigned' END, stage_at,
               owner_id, assigned_on, assigned_by, NULL, NULL, customer_id,
               CASE WHEN outcome <> 'open' THEN closed_d END, CASE WHEN outcome = 'won' THEN expected END,
               CASE WHEN outcome = 'lost' THEN reason_at END, NULL, created_on, owner_id
        FROM import_deals ORDER BY id""")
    has_lines = db.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'opportunity_lines' "
                          "AND database_name = current_database()")
    if has_lines:
        base = db.next_id("opportunity_lines")
        db.execute(f"""
            CREATE OR REPLACE TEMP TABLE import_deal_lines AS
            SELECT {base - 1} + row_number() OVER (ORDER BY d.id) AS line_id, d.id AS opportunity_id, d.product_id,
                   d.qty, CASE WHEN d.amount <> '' THEN round(d.expected / d.qty, 2) ELSE p.price END AS unit_price,
                   d.outcome, d.customer_id, d.closed_d, d.owner_id
            FROM import_deals d JOIN products p ON p.id = d.product_id""")
        db.execute("INSERT INTO opportunity_lines SELECT line_id, opportunity_id, product_id, qty, unit_price, 0, "
                   "unit_price * qty FROM import_deal_lines ORDER BY line_id")
    step_base = db.next_id("plan_steps")
    db.execute(f"""
        INSERT INTO plan_steps SELECT {step_base - 1} + row_number() OVER (ORDER BY id), id, closed_d,
            {sql_literal(translate('import.step_action', lang))},
            CASE outcome WHEN 'won' THEN {sql_literal(translate('import.step_won', lang))}
                         ELSE {sql_literal(translate('import.step_lost', lang))} END, closed_d, owner_id, owner_id
        FROM import_deals WHERE outcome <> 'open' ORDER BY id""")
    db.execute("""INSERT INTO assignments SELECT 'opportunity', id, owner_id, assigned_by, assigned_on,
                      CASE WHEN outcome <> 'open' THEN closed_d END, 'assign' FROM import_deals ORDER BY id""")
    db.execute("""
        INSERT INTO state_history
        SELECT kind, record_id, action, from_state, to_state, user_id, on_date, note FROM (
            SELECT 'opportunity' AS kind, id AS record_id, 'create' AS action, NULL AS from_state,
                   'unassigned' AS to_state, owner_id AS user_id, created_on AS on_date, NULL AS note, 1 AS seq
            FROM import_deals
            UNION ALL SELECT 'opportunity', id, 'assign', 'unassigned', 'assigned', assigned_by, assigned_on,
                   owner_name || ' → ' || owner_name, 2 FROM import_deals
            UNION ALL SELECT 'opportunity', id, CASE outcome WHEN 'won' THEN 'succeed' ELSE 'fail' END, 'assigned',
                   CASE outcome WHEN 'won' THEN 'succeeded' ELSE 'failed' END, owner_id, closed_d,
                   CASE WHEN outcome = 'lost' THEN reason_at END, 3 FROM import_deals WHERE outcome <> 'open')
        ORDER BY record_id, seq""")
    interaction_base = db.next_id("interactions")
    won_subject = translate("opportunity.won_subject", lang, id="\x00")
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE import_deal_notes AS
        SELECT {interaction_base - 1} + row_number() OVER (ORDER BY id) AS note_id, * FROM import_deals
        WHERE outcome = 'won'""")
    db.execute(f"""
        INSERT INTO interactions SELECT note_id, customer_id, NULL, owner_id, closed_d, 'other',
            left(replace({sql_literal(won_subject)}, chr(0), id::VARCHAR), 200),
            coalesce(nullif(summary, ''), nullif(product, ''), account) FROM import_deal_notes ORDER BY note_id""")
    orders = _orders(s) if has_lines else False
    _audit(s, me, orders)


def _customers(s) -> int:
    """The customers won deals create: one per normalised account name not yet a customer."""
    db = s.db
    base = db.next_id("customers")
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE import_new_customers AS
        SELECT {base - 1} + row_number() OVER (ORDER BY created_on, first_line) AS id, * FROM (
            SELECT name_norm, first(account ORDER BY closed_d, line) AS name,
                   first(owner_id ORDER BY closed_d, line) AS owner_id, min(closed_d) AS created_on,
                   min(line) AS first_line
            FROM import_deals WHERE outcome = 'won' AND customer_id IS NULL GROUP BY name_norm)""")
    db.execute("""INSERT INTO customers (id, name, name_norm, owner_id, level, status, created_on, created_by)
                  SELECT id, name, name_norm, owner_id, 'ordinary', 'active', created_on, ?
                  FROM import_new_customers ORDER BY id""", [s.user.id])
    db.execute("""UPDATE import_deals SET customer_id = n.id FROM import_new_customers n
                  WHERE import_deals.name_norm = n.name_norm AND import_deals.customer_id IS NULL""")
    return db.scalar("SELECT count(*) FROM import_new_customers")


def _orders(s) -> bool:
    """The order each won deal with a product makes, dated its close, owned by the customer's owner."""
    db = s.db
    order_base, line_base = db.next_id("orders"), db.next_id("order_lines")
    db.execute(f"""
        CREATE OR REPLACE TEMP TABLE import_deal_orders AS
        SELECT {order_base - 1} + row_number() OVER (ORDER BY l.opportunity_id) AS order_id,
               {line_base - 1} + row_number() OVER (ORDER BY l.opportunity_id) AS order_line_id, l.*,
               c.owner_id AS customer_owner
        FROM import_deal_lines l JOIN customers c ON c.id = l.customer_id WHERE l.outcome = 'won'""")
    db.execute("""INSERT INTO orders SELECT order_id, customer_id, 'SO' || strftime(closed_d, '%Y%m%d') || '-' ||
                      order_id, closed_d, unit_price * qty, 'confirmed', customer_owner FROM import_deal_orders
                  ORDER BY customer_id, order_id""")
    db.execute("""INSERT INTO order_lines SELECT order_line_id, order_id, product_id, qty, unit_price,
                      unit_price * qty FROM import_deal_orders ORDER BY order_line_id""")
    return bool(db.scalar("SELECT count(*) FROM import_deal_orders"))


def _audit(s, me: int, orders: bool) -> None:
    """Every step's audit row, dated on its date, by whoever acted, in the order it happened."""
    db = s.db
    base = db.next_id("audit")
    parts = [
        "SELECT created_on AS d, 0 AS seq, created_on AS o, id, owner_id AS u, 'create' AS a, 'opportunity' AS k, "
        "id AS r, NULL AS b, to_json({customer_name: account, expected_amount: expected::VARCHAR, "
        "owner_id: owner_id, source: source_at, state: 'unassigned'}) AS af FROM import_deals",
        "SELECT assigned_on, 1, assigned_on, id, assigned_by, 'assign', 'opportunity', id, "
        "to_json({owner_id: owner_id, state: 'unassigned'}), to_json({owner_id: owner_id, state: 'assigned'}) "
        "FROM import_deals",
        "SELECT assigned_on, 2, assigned_on, id, owner_id, 'set_stage', 'opportunity', id, NULL, "
        "to_json({stage: stage_at}) FROM import_deals WHERE stage_code IS NOT NULL AND stage_at <> "
        "(SELECT code FROM dictionary WHERE kind = 'opportunity_stage' AND active ORDER BY sort_order, code LIMIT 1)",
        "SELECT closed_d, 3, closed_d, id, owner_id, 'record_result', 'opportunity', id, NULL, "
        "to_json({outcome: outcome}) FROM import_deals WHERE outcome <> 'open'",
        "SELECT created_on, 4, created_on, 0, ?, 'create', 'customer', id, NULL, "
        "to_json({name: name, owner_id: owner_id}) FROM import_new_customers",
        "SELECT closed_d, 5, closed_d, id, owner_id, 'create', 'interaction', note_id, NULL, "
        "to_json({customer_id: customer_id}) FROM import_deal_notes",
    ]
    if orders:
        parts.append("SELECT closed_d, 6, closed_d, opportunity_id, owner_id, 'create', 'order', order_id, NULL, "
                     "to_json({customer_id: customer_id, amount: (unit_price * qty)::VARCHAR}) FROM import_deal_orders")
    parts.append("SELECT closed_d, 7, closed_d, id, owner_id, CASE outcome WHEN 'won' THEN 'succeed' ELSE 'fail' END, "
                 "'opportunity', id, to_json({state: 'assigned'}), to_json({state: CASE outcome WHEN 'won' THEN "
                 "'succeeded' ELSE 'failed' END, won_amount: CASE WHEN outcome = 'won' THEN expected::VARCHAR END, "
                 "lost_reason: CASE WHEN outcome = 'lost' THEN reason_at END, customer_id: customer_id}) "
                 "FROM import_deals WHERE outcome <> 'open'")
    db.execute(f"""
        INSERT INTO audit SELECT {base - 1} + row_number() OVER (ORDER BY d, id, seq, r), d, current_localtimestamp(),
               u, a, k, r, b, af, 'import'
        FROM ({' UNION ALL '.join(parts)}) ORDER BY d, id, seq, r""", [me])
