-- Customer care, version 3: churn warnings (C3, C4), grading, tags and segments (C5),
-- service tickets (S1–S5) and the call centre (S6).
-- As in 001: no FOREIGN KEY clauses, and no primary key on tables whose rows are
-- deleted and written again in one action (DuckDB checks keys eagerly).

-- C3/C4 churn warnings. A customer has at most one open warning (warning | suspended);
-- the scan keeps that true. Who may see or answer a warning follows the customer's
-- owner (the list joins customers), so a hand-over or reassignment needs no update here.
CREATE TABLE churn_warnings (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    state VARCHAR NOT NULL,            -- warning | suspended | churned | cleared
    raised_on DATE NOT NULL,
    last_order_date DATE,              -- NULL: the customer never ordered
    reference_date DATE NOT NULL,      -- the last order, or the card's creation date
    reason VARCHAR,                    -- dictionary churn_reason, set on confirm
    reason_note VARCHAR,
    closed_on DATE,                    -- confirmed or cleared
    closed_by INTEGER,
    updated_on DATE NOT NULL
);
-- Every suspension appends the measures taken (暂缓措施); a warning may be suspended many times.
CREATE TABLE churn_measures (
    id INTEGER PRIMARY KEY,
    warning_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    user_id INTEGER NOT NULL,
    measures VARCHAR NOT NULL
);

-- C5 ABC grades by contribution (replaced as a whole by each grading run), tags, segments.
CREATE TABLE customer_grades (
    customer_id INTEGER NOT NULL,
    abc VARCHAR NOT NULL,              -- A | B | C
    revenue DECIMAL(18, 2) NOT NULL,
    share DOUBLE NOT NULL,
    cumulative_share DOUBLE NOT NULL,
    rank INTEGER NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    graded_on DATE NOT NULL
);
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL,
    tag VARCHAR NOT NULL,
    tagged_by INTEGER NOT NULL,
    tagged_on DATE NOT NULL
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    owner_id INTEGER NOT NULL,
    filters VARCHAR NOT NULL,          -- JSON, checked by classification.check_filters
    created_on DATE NOT NULL
);

-- S1–S5 service tickets. The latest handling, result and satisfaction are on the ticket;
-- every handling and feedback round is kept in ticket_steps.
CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    contact_id INTEGER,
    service_type VARCHAR NOT NULL,     -- dictionary service_type
    subject VARCHAR NOT NULL,
    request VARCHAR NOT NULL,
    state VARCHAR NOT NULL,            -- new | assigned | handled | archived
    created_on DATE NOT NULL,
    created_by INTEGER NOT NULL,
    call_id INTEGER,                   -- the call it came from, if any
    assigned_to INTEGER,               -- the one handler
    assigned_by INTEGER,
    assigned_on DATE,
    attempts INTEGER NOT NULL DEFAULT 0,
    handling VARCHAR,
    handled_on DATE,
    result VARCHAR,
    satisfaction INTEGER,              -- 1–5
    feedback_on DATE,
    feedback_by INTEGER,
    archived_on DATE
);
CREATE TABLE ticket_steps (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    step VARCHAR NOT NULL,             -- handling | feedback
    user_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    text VARCHAR NOT NULL,
    satisfaction INTEGER
);

-- S6 the call centre's log of inbound calls.
CREATE TABLE calls (
    id INTEGER PRIMARY KEY,
    called_at TIMESTAMP NOT NULL,
    on_date DATE NOT NULL,             -- the scenario date of the call
    caller VARCHAR NOT NULL,
    phone VARCHAR NOT NULL,
    summary VARCHAR NOT NULL,
    taken_by INTEGER NOT NULL,
    customer_id INTEGER,               -- matched at logging (one customer) or chosen when converted
    outcome VARCHAR,                   -- ticket | lead | interaction
    record_id INTEGER                  -- the ticket, lead or interaction it became
);

-- A2 sharing policy. churn and ticket are scoped on the customer's owner; call on who took
-- it; segment on who saved it. Service staff read and write every ticket and call (they
-- serve all customers); marketing may read churn and tickets (win-back campaigns).
INSERT INTO sharing_policy VALUES
    ('churn', 'admin', 'all', 'all'),
    ('churn', 'director', 'all', 'all'),
    ('churn', 'supervisor', 'team', 'team'),
    ('churn', 'account_manager', 'own', 'own'),
    ('churn', 'service_staff', 'all', 'none'),
    ('churn', 'marketing', 'all', 'none'),
    ('churn', 'finance', 'all', 'none'),
    ('ticket', 'admin', 'all', 'all'),
    ('ticket', 'director', 'all', 'all'),
    ('ticket', 'supervisor', 'team', 'team'),
    ('ticket', 'account_manager', 'own', 'own'),
    ('ticket', 'service_staff', 'all', 'all'),
    ('ticket', 'marketing', 'all', 'none'),
    ('ticket', 'finance', 'none', 'none'),
    ('call', 'admin', 'all', 'all'),
    ('call', 'director', 'all', 'all'),
    ('call', 'supervisor', 'team', 'team'),
    ('call', 'account_manager', 'own', 'own'),
    ('call', 'service_staff', 'all', 'all'),
    ('call', 'marketing', 'own', 'own'),
    ('call', 'finance', 'own', 'own'),
    ('segment', 'admin', 'all', 'all'),
    ('segment', 'director', 'all', 'all'),
    ('segment', 'supervisor', 'team', 'team'),
    ('segment', 'account_manager', 'own', 'own'),
    ('segment', 'service_staff', 'own', 'own'),
    ('segment', 'marketing', 'all', 'own'),
    ('segment', 'finance', 'own', 'own');

-- Settings with their documented defaults (admin.set_setting checks new values).
INSERT OR IGNORE INTO settings VALUES
    ('churn_threshold_months', '6'),
    ('abc_cutoffs', '[0.8, 0.95]'),
    ('abc_period_months', '12'),
    ('credit_policy', '{"A": {"credit": 5, "credit_limit": 1000000}, "B": {"credit": 4, "credit_limit": 300000}, "C": {"credit": 3, "credit_limit": 50000}}');
