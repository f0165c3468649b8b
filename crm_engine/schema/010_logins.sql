-- Logins for `crm-lab serve` (issue 23): a team runs one company, each member logging in as their CRM user.
-- Standalone, the administrator sets a password per user; only its scrypt digest is kept
-- (`scrypt$<n>$<r>$<p>$<salt>$<hash>`, the parameters inside, so they can be raised later). On a
-- JupyterHub, the hub's user names are mapped to CRM users. Both tables are the engine's own
-- (crm_engine/tables.py SECRET_TABLES): never read by crm.sql, crm.tables, exports or backups.
-- A workspace opened read-only before this migration has no logins; crm.logins copes (migrations.SKIPPABLE):
-- read-only opens may skip this migration
CREATE TABLE passwords (
    user_id INTEGER PRIMARY KEY,   -- users.id
    digest VARCHAR NOT NULL,
    set_on DATE NOT NULL           -- scenario clock
);
CREATE TABLE hub_users (
    hub_name VARCHAR PRIMARY KEY,  -- the JupyterHub user name
    user_id INTEGER NOT NULL       -- users.id (one hub name per user: the engine checks it)
);
