-- CRM Lab schema 005: teaching scenarios (T2) — what a workspace was generated from, and
-- the simulated customers' hidden side. Read through crm.simulation (docs/scenario-model.md).
-- Sharing kind `scenario`: only the administrator (the instructor) reads or writes these
-- tables; every other role, the director included, has scope `none` — students play those roles.
-- As in 001, no FOREIGN KEY clauses and no primary keys (rows are rewritten in one action).

-- The scenario the workspace was generated from (one row), so a reopened workspace keeps simulating.
CREATE TABLE scenario_info (
    name VARCHAR NOT NULL,             -- the scenario's identifier, e.g. hardware_distributor
    base_seed BIGINT NOT NULL,         -- the scenario's seed
    student VARCHAR,                   -- the student whose variant this is (NULL: the scenario itself)
    seed BIGINT NOT NULL,              -- the variant's seed, derived from (base_seed, student)
    definition VARCHAR NOT NULL,       -- the Scenario as JSON (Scenario.from_dict)
    generated_on DATE NOT NULL,        -- the scenario date it was generated at
    generated_at TIMESTAMP NOT NULL,   -- the wall clock
    model_version INTEGER NOT NULL     -- version of the generator / reaction model
);

-- Hidden traits of customers, leads and opportunities (the simulated people behind the records).
CREATE TABLE scenario_traits (
    kind VARCHAR NOT NULL,             -- customer | lead | opportunity
    record_id INTEGER NOT NULL,
    need DOUBLE,                       -- 0–1: how much they need what the company sells
    budget DOUBLE,                     -- 0–1: how well their budget fits
    responsiveness DOUBLE,             -- 0–1: how readily they answer
    channel VARCHAR,                   -- preferred contact channel: phone | visit | email | wechat | meeting
    product_line VARCHAR,              -- the product line they need / buy most
    churn_risk DOUBLE,                 -- 0–1 (customers)
    churn_reason VARCHAR,              -- why they would leave: dictionary churn_reason code (customers)
    pattern VARCHAR,                   -- steady | growing | declining | lapsed | drifting | new | won (customers)
    rate DOUBLE,                       -- base orders per day (customers)
    trend DOUBLE,                      -- yearly log-trend of the rate (customers)
    order_value DOUBLE,                -- typical order value (customers)
    discount DOUBLE,                   -- their usual discount on list price (customers)
    lapse_on DATE,                     -- from this day they stop ordering (NULL: not foreseen)
    won_back_on DATE                   -- a lapsed customer won back orders again from this day
);

-- What the simulated customers answered: plan steps, deals, churn suspensions.
CREATE TABLE scenario_outcomes (
    kind VARCHAR NOT NULL,             -- step | close | winback
    record_id INTEGER NOT NULL,        -- plan step id | opportunity id | churn warning id
    basis INTEGER NOT NULL,            -- step: its place in the plan; winback: measures considered
    subject_id INTEGER NOT NULL,       -- the opportunity (step, close) or the customer (winback)
    drawn_on DATE NOT NULL,            -- scenario date of the answer (a step: its own date)
    effective_on DATE,                 -- when it takes effect (the step's date; the won-back order)
    response VARCHAR NOT NULL,         -- positive | silence | negative | won | lost | won_back | not_yet
    probability DOUBLE NOT NULL,       -- the model's probability of the good answer
    factors VARCHAR NOT NULL,          -- JSON: the model's factors (logit contributions)
    detail VARCHAR                     -- what the customer said, in the workspace language
);

-- What the clock made happen, per day (orders, tickets, calls, leads, lapses, events).
CREATE TABLE scenario_log (
    on_date DATE NOT NULL,
    what VARCHAR NOT NULL,
    records INTEGER NOT NULL,
    amount DECIMAL(18, 2)
);

INSERT INTO sharing_policy VALUES
    ('scenario', 'admin', 'all', 'all'),
    ('scenario', 'director', 'none', 'none'),
    ('scenario', 'supervisor', 'none', 'none'),
    ('scenario', 'account_manager', 'none', 'none'),
    ('scenario', 'service_staff', 'none', 'none'),
    ('scenario', 'marketing', 'none', 'none'),
    ('scenario', 'finance', 'none', 'none');
