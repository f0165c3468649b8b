-- CRM Lab sales schema, version 2: marketing management.
-- Leads and the public pool (O6), campaigns (O7), sales opportunities with
-- development plans (O1–O5), targets (O8). Rules live in leads.py,
-- opportunities.py, plans.py, campaigns.py and targets.py; no FOREIGN KEYs (see 001).

-- O7 campaigns
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    campaign_type VARCHAR NOT NULL,    -- dictionary campaign_type
    state VARCHAR NOT NULL,            -- planned | active | completed | cancelled
    owner_id INTEGER NOT NULL,         -- the marketing person running it
    start_date DATE,
    end_date DATE,
    budget DECIMAL(16, 2) NOT NULL DEFAULT 0,
    cost DECIMAL(16, 2) NOT NULL DEFAULT 0,             -- what it has actually cost so far
    expected_revenue DECIMAL(16, 2) NOT NULL DEFAULT 0,
    description VARCHAR,
    created_on DATE NOT NULL,
    created_by INTEGER NOT NULL
);

-- O6 leads: owner NULL and state 'unassigned' = in the public pool (公海)
CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,             -- the person
    company VARCHAR,
    company_norm VARCHAR,              -- normalised company name (names.py), for the duplicate check
    phone VARCHAR,
    email VARCHAR,
    source VARCHAR NOT NULL,           -- dictionary lead_source
    campaign_id INTEGER,
    state VARCHAR NOT NULL,            -- unassigned | pending | following | invalid | converted | voided
    owner_id INTEGER,
    assigned_on DATE,                  -- when the current owner got it (the one-week rule)
    last_activity_on DATE NOT NULL,    -- last progress; the pool sweep measures from here
    note VARCHAR,
    close_reason VARCHAR,              -- why it was marked invalid or voided
    customer_id INTEGER,               -- after conversion
    contact_id INTEGER,
    opportunity_id INTEGER,
    converted_on DATE,
    created_on DATE NOT NULL,
    created_by INTEGER NOT NULL
);

CREATE TABLE lead_followups (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    channel VARCHAR NOT NULL,          -- dictionary interaction_channel
    detail VARCHAR NOT NULL,
    next_date DATE
);

-- O1–O5 sales opportunities
CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    source VARCHAR NOT NULL,           -- dictionary lead_source
    customer_name VARCHAR NOT NULL,
    contact_name VARCHAR,
    contact_phone VARCHAR,
    summary VARCHAR NOT NULL,
    expected_amount DECIMAL(16, 2) NOT NULL,
    probability INTEGER NOT NULL,      -- success probability, 0–100
    state VARCHAR NOT NULL,            -- unassigned | assigned | succeeded | failed
    stage VARCHAR,                     -- dictionary opportunity_stage, while assigned
    owner_id INTEGER NOT NULL,         -- the creator until assigned, then the assigned account manager
    assigned_on DATE,
    assigned_by INTEGER,
    campaign_id INTEGER,
    lead_id INTEGER,
    customer_id INTEGER,               -- the customer it is for / became (set on success at the latest)
    closed_on DATE,
    won_amount DECIMAL(16, 2),
    lost_reason VARCHAR,               -- dictionary lost_reason
    close_note VARCHAR,
    created_on DATE NOT NULL,
    created_by INTEGER NOT NULL
);

-- O3, O4 the customer-development plan: steps and their results
CREATE TABLE plan_steps (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL,
    planned_date DATE NOT NULL,
    action VARCHAR NOT NULL,           -- what will be done
    result VARCHAR,                    -- what actually happened (执行效果)
    result_date DATE,
    created_by INTEGER NOT NULL,
    recorded_by INTEGER
);

-- who held a lead or an opportunity, from when to when (reassigning keeps history)
CREATE TABLE assignments (
    kind VARCHAR NOT NULL,             -- lead | opportunity
    record_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    assigned_by INTEGER NOT NULL,
    assigned_on DATE NOT NULL,
    ended_on DATE,
    how VARCHAR NOT NULL               -- create | claim | assign | release | recycle | convert | close
);

-- O8 sales targets: for one rep (user_id) or one team (team_id), one month or quarter
CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    user_id INTEGER,
    team_id INTEGER,
    period VARCHAR NOT NULL,           -- '2026-03' or '2026-Q1'
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    metric VARCHAR NOT NULL,           -- won_amount | won_count | order_amount
    amount DECIMAL(16, 2) NOT NULL,
    set_by INTEGER NOT NULL,
    set_on DATE NOT NULL
);

-- Sharing policy (A2). Leads and opportunities follow the default: a rep sees their
-- own, a supervisor the team's, a director everything; marketing reads them all to
-- judge campaigns. Campaigns and targets are company-wide information: everyone in
-- sales reads them (so the leaderboard shows the whole sales force); marketing runs
-- campaigns, supervisors set their team's targets.
INSERT INTO sharing_policy VALUES
    ('lead', 'admin', 'all', 'all'),
    ('lead', 'director', 'all', 'all'),
    ('lead', 'supervisor', 'team', 'team'),
    ('lead', 'account_manager', 'own', 'own'),
    ('lead', 'service_staff', 'none', 'none'),
    ('lead', 'marketing', 'all', 'none'),
    ('lead', 'finance', 'none', 'none'),
    ('opportunity', 'admin', 'all', 'all'),
    ('opportunity', 'director', 'all', 'all'),
    ('opportunity', 'supervisor', 'team', 'team'),
    ('opportunity', 'account_manager', 'own', 'own'),
    ('opportunity', 'service_staff', 'none', 'none'),
    ('opportunity', 'marketing', 'all', 'none'),
    ('opportunity', 'finance', 'none', 'none'),
    ('campaign', 'admin', 'all', 'all'),
    ('campaign', 'director', 'all', 'all'),
    ('campaign', 'supervisor', 'all', 'none'),
    ('campaign', 'account_manager', 'all', 'none'),
    ('campaign', 'service_staff', 'all', 'none'),
    ('campaign', 'marketing', 'all', 'all'),
    ('campaign', 'finance', 'all', 'none'),
    ('target', 'admin', 'all', 'all'),
    ('target', 'director', 'all', 'all'),
    ('target', 'supervisor', 'all', 'team'),
    ('target', 'account_manager', 'all', 'none'),
    ('target', 'service_staff', 'none', 'none'),
    ('target', 'marketing', 'none', 'none'),
    ('target', 'finance', 'all', 'none');

-- Dictionary: where leads and opportunities come from, kinds of campaign, and the
-- opportunity stages within "assigned" with their default success probability (value, %).
INSERT INTO dictionary (kind, code, name_en, name_zh, sort_order, value) VALUES
    ('lead_source', 'call_center', 'Call centre', '呼叫中心', 1, NULL),
    ('lead_source', 'campaign', 'Campaign', '市场活动', 2, NULL),
    ('lead_source', 'website', 'Website enquiry', '网站咨询', 3, NULL),
    ('lead_source', 'referral', 'Referral', '客户介绍', 4, NULL),
    ('lead_source', 'trade_show', 'Trade show', '展会', 5, NULL),
    ('lead_source', 'cold_call', 'Cold call', '陌生拜访', 6, NULL),
    ('lead_source', 'import', 'Imported list', '名单导入', 7, NULL),
    ('lead_source', 'other', 'Other', '其他', 8, NULL),
    ('campaign_type', 'trade_show', 'Trade show', '展会', 1, NULL),
    ('campaign_type', 'seminar', 'Seminar', '研讨会', 2, NULL),
    ('campaign_type', 'online_ad', 'Online advertising', '网络广告', 3, NULL),
    ('campaign_type', 'email', 'E-mail marketing', '邮件营销', 4, NULL),
    ('campaign_type', 'telemarketing', 'Telemarketing', '电话营销', 5, NULL),
    ('campaign_type', 'social_media', 'Social media', '社交媒体', 6, NULL),
    ('campaign_type', 'other', 'Other', '其他', 7, NULL),
    ('opportunity_stage', 'initial_contact', 'Initial contact', '初步接洽', 1, 10),
    ('opportunity_stage', 'intent_confirmed', 'Intent confirmed', '需求确认', 2, 30),
    ('opportunity_stage', 'proposal', 'Proposal / quotation', '方案报价', 3, 60),
    ('opportunity_stage', 'negotiation', 'Negotiation', '谈判审核', 4, 80);

-- Settings the sales areas read (values are JSON; admin.SETTINGS validates changes).
INSERT INTO settings VALUES
    ('lead_pool_days', '30'),          -- an owned lead with no progress for this many days returns to the pool
    ('lead_claim_cap', '20'),          -- at most this many open leads (pending + following) per rep when claiming
    ('lead_duplicates', '"link"'),     -- converting a lead whose company exists: "link" to it, or "refuse"
    ('contact_within_days', '7');      -- the one-week rule (O9)
