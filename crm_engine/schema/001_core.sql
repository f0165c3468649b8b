-- CRM Lab core schema, version 1.
-- No FOREIGN KEY clauses: the engine checks references itself (with messages a
-- student understands), and DuckDB's foreign keys forbid updating referenced rows.

CREATE TABLE crm_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

-- A1 users, roles, teams (an org tree)
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    parent_id INTEGER
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    team_id INTEGER NOT NULL,
    email VARCHAR,
    phone VARCHAR,
    active BOOLEAN NOT NULL DEFAULT true,
    created_on DATE NOT NULL
);

-- A2 sharing policy: per kind of record and role, read and write scope
CREATE TABLE sharing_policy (
    kind VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    read_scope VARCHAR NOT NULL,   -- none | own | team | all
    write_scope VARCHAR NOT NULL,
    PRIMARY KEY (kind, role)
);
INSERT INTO sharing_policy VALUES
    ('customer', 'admin', 'all', 'all'),
    ('customer', 'director', 'all', 'all'),
    ('customer', 'supervisor', 'team', 'team'),
    ('customer', 'account_manager', 'own', 'own'),
    ('customer', 'service_staff', 'all', 'none'),
    ('customer', 'marketing', 'all', 'none'),
    ('customer', 'finance', 'all', 'none');

-- A3 data dictionary (bilingual, editable by the administrator)
CREATE TABLE dictionary (
    kind VARCHAR NOT NULL,
    code VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    name_zh VARCHAR NOT NULL,
    sort_order INTEGER NOT NULL,
    value DOUBLE,                  -- a number some kinds carry (e.g. a stage's probability)
    active BOOLEAN NOT NULL DEFAULT true,
    PRIMARY KEY (kind, code)
);
INSERT INTO dictionary (kind, code, name_en, name_zh, sort_order) VALUES
    ('customer_level', 'ordinary', 'Ordinary customer', '普通客户', 1),
    ('customer_level', 'key_account', 'Key account', '大客户', 2),
    ('customer_level', 'key_development', 'Key development customer', '重点开发客户', 3),
    ('customer_level', 'partner', 'Partner', '合作伙伴', 4),
    ('customer_level', 'strategic_partner', 'Strategic partner', '战略合作伙伴', 5),
    ('region', 'north', 'North China', '华北', 1),
    ('region', 'northeast', 'Northeast China', '东北', 2),
    ('region', 'east', 'East China', '华东', 3),
    ('region', 'central', 'Central China', '华中', 4),
    ('region', 'south', 'South China', '华南', 5),
    ('region', 'southwest', 'Southwest China', '西南', 6),
    ('region', 'northwest', 'Northwest China', '西北', 7),
    ('industry', 'manufacturing', 'Manufacturing', '制造业', 1),
    ('industry', 'wholesale_retail', 'Wholesale and retail', '批发零售', 2),
    ('industry', 'it', 'Information technology', '信息技术', 3),
    ('industry', 'education', 'Education', '教育', 4),
    ('industry', 'healthcare', 'Healthcare', '医疗卫生', 5),
    ('industry', 'finance', 'Finance', '金融', 6),
    ('industry', 'logistics', 'Logistics', '物流运输', 7),
    ('industry', 'construction', 'Construction', '建筑业', 8),
    ('industry', 'food', 'Food and beverage', '食品饮料', 9),
    ('industry', 'government', 'Public administration', '公共管理', 10),
    ('ownership', 'state', 'State-owned', '国有', 1),
    ('ownership', 'joint_venture', 'Joint venture', '合资', 2),
    ('ownership', 'collective', 'Collective', '集体', 3),
    ('ownership', 'joint_stock', 'Joint-stock', '股份', 4),
    ('ownership', 'private', 'Private', '个体', 5),
    ('company_size', 'micro', 'Micro (under 10 staff)', '微型(10人以下)', 1),
    ('company_size', 'small', 'Small (10–99 staff)', '小型(10–99人)', 2),
    ('company_size', 'medium', 'Medium (100–999 staff)', '中型(100–999人)', 3),
    ('company_size', 'large', 'Large (1000+ staff)', '大型(1000人以上)', 4),
    ('customer_type', 'enterprise', 'Enterprise', '企业客户', 1),
    ('customer_type', 'distributor', 'Distributor', '经销商', 2),
    ('customer_type', 'retailer', 'Retailer', '零售商', 3),
    ('customer_type', 'institution', 'Public institution', '事业单位', 4),
    ('customer_type', 'individual', 'Individual', '个人客户', 5),
    ('interaction_channel', 'phone', 'Phone call', '电话', 1),
    ('interaction_channel', 'visit', 'Visit', '拜访', 2),
    ('interaction_channel', 'email', 'E-mail', '电子邮件', 3),
    ('interaction_channel', 'meeting', 'Meeting', '会议', 4),
    ('interaction_channel', 'wechat', 'WeChat', '微信', 5),
    ('interaction_channel', 'other', 'Other', '其他', 6),
    ('service_type', 'consultation', 'Consultation', '咨询', 1),
    ('service_type', 'suggestion', 'Suggestion', '建议', 2),
    ('service_type', 'complaint', 'Complaint', '投诉', 3),
    ('service_type', 'repair', 'Repair', '维修', 4),
    ('service_type', 'other', 'Other', '其他', 5),
    ('churn_reason', 'price', 'Price too high', '价格过高', 1),
    ('churn_reason', 'competitor', 'Went to a competitor', '转向竞争对手', 2),
    ('churn_reason', 'service', 'Poor service', '服务不满意', 3),
    ('churn_reason', 'quality', 'Product quality', '产品质量问题', 4),
    ('churn_reason', 'closed', 'Business closed or relocated', '企业倒闭或迁移', 5),
    ('churn_reason', 'no_need', 'No longer needs the product', '不再需要', 6),
    ('churn_reason', 'other', 'Other', '其他', 7),
    ('lost_reason', 'price', 'Price', '价格', 1),
    ('lost_reason', 'competitor', 'Lost to a competitor', '输给竞争对手', 2),
    ('lost_reason', 'no_budget', 'No budget', '没有预算', 3),
    ('lost_reason', 'no_need', 'No real need', '没有真实需求', 4),
    ('lost_reason', 'unreachable', 'Could not reach the decision maker', '联系不到决策人', 5),
    ('lost_reason', 'other', 'Other', '其他', 6),
    ('product_category', 'hardware', 'Hardware', '硬件', 1),
    ('product_category', 'software', 'Software', '软件', 2),
    ('product_category', 'service', 'Services', '服务', 3),
    ('product_category', 'consumables', 'Consumables', '耗材', 4);

CREATE TABLE products (
    id INTEGER PRIMARY KEY,
    code VARCHAR NOT NULL UNIQUE,
    name VARCHAR NOT NULL,
    category VARCHAR,
    unit VARCHAR NOT NULL DEFAULT 'pcs',
    price DECIMAL(14, 2) NOT NULL,
    stock INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT true
);

-- C1 the customer information card
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL,
    name_norm VARCHAR NOT NULL,        -- for the duplicate check (see names.py)
    phone VARCHAR,
    email VARCHAR,
    address VARCHAR,
    owner_id INTEGER,                  -- the owning account manager
    legal_rep VARCHAR,
    founded DATE,
    ownership VARCHAR,
    industry VARCHAR,
    company_size VARCHAR,
    assets DECIMAL(16, 2),
    customer_type VARCHAR,
    characteristics VARCHAR,
    business_situation VARCHAR,
    transaction_status VARCHAR,
    level VARCHAR NOT NULL DEFAULT 'ordinary',
    credit INTEGER,                    -- credit rating 1–5
    satisfaction INTEGER,              -- 1–5
    credit_limit DECIMAL(16, 2),
    region VARCHAR,
    route VARCHAR,
    status VARCHAR NOT NULL DEFAULT 'active',   -- active | lost
    created_on DATE NOT NULL,
    created_by INTEGER NOT NULL,
    updated_on DATE
);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    title VARCHAR,
    phone VARCHAR,
    mobile VARCHAR,
    email VARCHAR,
    is_primary BOOLEAN NOT NULL DEFAULT false,
    notes VARCHAR
);
CREATE INDEX contacts_customer ON contacts (customer_id);

-- C2 interaction records (交往记录)
CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    contact_id INTEGER,
    user_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    channel VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    detail VARCHAR
);
CREATE INDEX interactions_customer ON interactions (customer_id);

-- C2 order history
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL,
    order_no VARCHAR NOT NULL,
    order_date DATE NOT NULL,
    amount DECIMAL(16, 2) NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'confirmed',
    owner_id INTEGER
);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE TABLE order_lines (
    id BIGINT PRIMARY KEY,
    order_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(14, 2) NOT NULL,
    amount DECIMAL(16, 2) NOT NULL
);
CREATE INDEX order_lines_order ON order_lines (order_id);

-- A4 audit trail: append-only
CREATE TABLE audit (
    id BIGINT NOT NULL,
    on_date DATE NOT NULL,             -- the scenario clock
    at_time TIMESTAMP NOT NULL,        -- the wall clock
    user_id INTEGER NOT NULL,
    action VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    record_id BIGINT,
    before VARCHAR,                    -- JSON
    after VARCHAR,                     -- JSON
    note VARCHAR
);

-- every state machine's moves (opportunities, leads, churn, tickets, …)
CREATE TABLE state_history (
    kind VARCHAR NOT NULL,
    record_id BIGINT NOT NULL,
    action VARCHAR NOT NULL,
    from_state VARCHAR,
    to_state VARCHAR NOT NULL,
    user_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    note VARCHAR
);
