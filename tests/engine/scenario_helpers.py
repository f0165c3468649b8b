"""Shared checks for the scenario tests: table snapshots and the engine's invariants."""
from __future__ import annotations

# Columns that hold the wall clock, which no seed controls.
WALL_CLOCK = {"audit": "at_time", "scenario_info": "generated_at"}


def tables(crm) -> dict:
    """Every row of every workspace table as sorted reprs (wall-clock columns left out)."""
    db = crm._s.db
    names = [r[0] for r in db.rows("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                   "ORDER BY 1")]
    out = {}
    for name in names:
        columns = [r[0] for r in db.rows("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                         "AND database_name = current_database() ORDER BY column_index", [name])]
        keep = ", ".join(f'"{c}"' for c in columns if c != WALL_CLOCK.get(name))
        out[name] = sorted(map(repr, db.rows(f"SELECT {keep} FROM {name}")))
    return out


def count(crm, sql: str, params=None) -> int:
    return crm._s.db.scalar(sql, params)


DATES = [("orders", "order_date"), ("interactions", "on_date"), ("customers", "created_on"),
         ("tickets", "created_on"), ("tickets", "assigned_on"), ("tickets", "handled_on"), ("tickets", "archived_on"),
         ("ticket_steps", "on_date"), ("leads", "created_on"), ("leads", "last_activity_on"),
         ("leads", "converted_on"), ("lead_followups", "on_date"), ("opportunities", "created_on"),
         ("opportunities", "assigned_on"), ("opportunities", "closed_on"), ("plan_steps", "result_date"),
         ("calls", "on_date"), ("campaigns", "created_on"), ("state_history", "on_date"),
         ("churn_warnings", "raised_on"), ("assignments", "assigned_on")]


def invariants(crm) -> dict:
    """Counts of broken rules; every value must be 0."""
    today = crm.today()
    broken = {
        "owner_not_account_manager": count(crm, "SELECT count(*) FROM customers c LEFT JOIN users u ON u.id = c.owner_id "
                                                "WHERE u.role IS DISTINCT FROM 'account_manager'"),
        "lines_do_not_sum": count(crm, "SELECT count(*) FROM orders o LEFT JOIN (SELECT order_id, sum(amount) AS s "
                                       "FROM order_lines GROUP BY 1) l ON l.order_id = o.id "
                                       "WHERE l.s IS DISTINCT FROM o.amount"),
        # No primary keys on the order history (schema 006): the engine's ids must stay unique.
        "order_ids_repeated": count(crm, "SELECT count(*) - count(DISTINCT id) FROM orders"),
        "line_ids_repeated": count(crm, "SELECT count(*) - count(DISTINCT id) FROM order_lines"),
        # Nor on the two append-only logs (schema 007).
        "interaction_ids_repeated": count(crm, "SELECT count(*) - count(DISTINCT id) FROM interactions"),
        "ticket_step_ids_repeated": count(crm, "SELECT count(*) - count(DISTINCT id) FROM ticket_steps"),
        "lines_without_order": count(crm, "SELECT count(*) FROM order_lines l WHERE NOT EXISTS "
                                          "(SELECT 1 FROM orders o WHERE o.id = l.order_id)"),
        "line_amount_wrong": count(crm, "SELECT count(*) FROM order_lines WHERE amount <> quantity * unit_price "
                                        "OR quantity < 1"),
        "primary_contacts_not_one": count(crm, "SELECT count(*) FROM customers c WHERE (SELECT count(*) FROM contacts k "
                                               "WHERE k.customer_id = c.id AND k.is_primary) <> 1"),
        "result_before_plan": count(crm, "SELECT count(*) FROM plan_steps WHERE result_date < planned_date "
                                         "OR (result IS NULL) <> (result_date IS NULL)"),
        "closed_without_done_step": count(crm, "SELECT count(*) FROM opportunities o WHERE state IN ('succeeded', "
                                               "'failed') AND NOT EXISTS (SELECT 1 FROM plan_steps p WHERE "
                                               "p.opportunity_id = o.id AND p.result IS NOT NULL)"),
        "won_without_customer": count(crm, "SELECT count(*) FROM opportunities o WHERE state = 'succeeded' AND NOT "
                                           "EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)"),
        "lead_owner_state": count(crm, "SELECT count(*) FROM leads WHERE (state = 'unassigned') <> (owner_id IS NULL) "
                                       "AND state <> 'voided'"),
        "converted_without_customer": count(crm, "SELECT count(*) FROM leads l WHERE state = 'converted' AND NOT "
                                                 "EXISTS (SELECT 1 FROM customers c WHERE c.id = l.customer_id)"),
        "archived_unsatisfied": count(crm, "SELECT count(*) FROM tickets WHERE state = 'archived' AND satisfaction < 3"),
        "ticket_handler_state": count(crm, "SELECT count(*) FROM tickets WHERE (state = 'new') <> (assigned_to IS NULL)"),
        "unknown_codes": count(crm, """SELECT count(*) FROM (
            SELECT 'customer_level' AS k, level AS c FROM customers UNION ALL SELECT 'region', region FROM customers
            UNION ALL SELECT 'customer_type', customer_type FROM customers
            UNION ALL SELECT 'interaction_channel', channel FROM interactions
            UNION ALL SELECT 'lead_source', source FROM leads UNION ALL SELECT 'service_type', service_type FROM tickets
            UNION ALL SELECT 'lost_reason', lost_reason FROM opportunities WHERE lost_reason IS NOT NULL) x
            WHERE c IS NOT NULL AND NOT EXISTS (SELECT 1 FROM dictionary d WHERE d.kind = x.k AND d.code = x.c)"""),
    }
    for table, column in DATES:
        broken[f"future:{table}.{column}"] = count(crm, f"SELECT count(*) FROM {table} WHERE {column} > ?", [today])
    return {rule: n for rule, n in broken.items() if n}
