-- CRM Lab schema 004: orders to cash (B1) and my office (F1–F5).
-- As in 001, no FOREIGN KEY clauses and no UNIQUE beyond primary keys: the
-- engine checks references and duplicates itself, with messages a student reads.

-- B1 contracts: one line per product; amount = sum of the lines
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    contract_no VARCHAR NOT NULL,
    customer_id INTEGER NOT NULL,
    owner_id INTEGER NOT NULL,          -- the responsible account manager
    title VARCHAR NOT NULL,
    amount DECIMAL(16, 2) NOT NULL,
    start_date DATE,
    end_date DATE,
    payment_terms INTEGER NOT NULL,     -- days from signing to the default single instalment
    status VARCHAR NOT NULL,            -- draft | signed | fulfilled | cancelled
    signed_on DATE,
    fulfilled_on DATE,
    cancelled_on DATE,
    cancel_reason VARCHAR,
    notes VARCHAR,
    created_on DATE NOT NULL,
    created_by INTEGER NOT NULL
);
CREATE INDEX contracts_customer ON contracts (customer_id);
CREATE TABLE contract_lines (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(14, 2) NOT NULL,
    amount DECIMAL(16, 2) NOT NULL
);
CREATE INDEX contract_lines_contract ON contract_lines (contract_id);

-- B1 the instalment plan of a contract (payments due); sums to the contract amount
CREATE TABLE instalments (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    due_date DATE NOT NULL,
    amount DECIMAL(16, 2) NOT NULL
);

-- B1 shipments against a contract or an order (exactly one of the two)
CREATE TABLE shipments (
    id INTEGER PRIMARY KEY,
    shipment_no VARCHAR NOT NULL,
    customer_id INTEGER NOT NULL,
    contract_id INTEGER,
    order_id INTEGER,
    shipped_on DATE NOT NULL,
    notes VARCHAR,
    created_by INTEGER NOT NULL
);
CREATE TABLE shipment_lines (
    id INTEGER PRIMARY KEY,
    shipment_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL
);
CREATE INDEX shipment_lines_shipment ON shipment_lines (shipment_id);

-- B1 sales returns against a shipment; `amount` is what a contribution report subtracts
CREATE TABLE sales_returns (
    id INTEGER PRIMARY KEY,
    return_no VARCHAR NOT NULL,
    shipment_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    contract_id INTEGER,
    order_id INTEGER,
    returned_on DATE NOT NULL,
    reason VARCHAR NOT NULL,
    amount DECIMAL(16, 2) NOT NULL,
    notes VARCHAR,
    created_by INTEGER NOT NULL
);
CREATE TABLE return_lines (
    id INTEGER PRIMARY KEY,
    return_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(14, 2) NOT NULL,
    amount DECIMAL(16, 2) NOT NULL
);

-- B1 payments received against a contract; `overpaid` is the part above what was owed
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    amount DECIMAL(16, 2) NOT NULL,
    overpaid DECIMAL(16, 2) NOT NULL DEFAULT 0,
    received_on DATE NOT NULL,
    method VARCHAR NOT NULL,
    notes VARCHAR,
    recorded_by INTEGER NOT NULL
);
CREATE INDEX payments_contract ON payments (contract_id);

-- B1 expense claims: claimed → approved | rejected (by a supervisor, never the claimant)
CREATE TABLE expenses (
    id INTEGER PRIMARY KEY,
    claimant_id INTEGER NOT NULL,
    customer_id INTEGER,
    expense_type VARCHAR NOT NULL,
    amount DECIMAL(16, 2) NOT NULL,
    spent_on DATE NOT NULL,
    description VARCHAR NOT NULL,
    status VARCHAR NOT NULL,           -- claimed | approved | rejected
    decided_by INTEGER,
    decided_on DATE,
    decision_note VARCHAR,
    created_on DATE NOT NULL
);

-- F1 work schedule: tasks on a day (optionally at a time), assigned to one user
CREATE TABLE tasks (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,          -- the assignee
    assigned_by INTEGER NOT NULL,
    title VARCHAR NOT NULL,
    detail VARCHAR,
    customer_id INTEGER,
    on_date DATE NOT NULL,
    at_time VARCHAR,                    -- 'HH:MM' or NULL (all day)
    priority VARCHAR NOT NULL,
    status VARCHAR NOT NULL,            -- open | done | cancelled
    result VARCHAR,
    completed_on DATE,
    created_on DATE NOT NULL
);

-- F2 files, stored inside the workspace (so backups and hand-ins carry them)
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    size BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    shared BOOLEAN NOT NULL,
    description VARCHAR,
    uploaded_on DATE NOT NULL,
    content BLOB NOT NULL
);

-- F3 address books: public entries (everyone reads) and private ones (only the owner, ever)
CREATE TABLE address_book (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    private BOOLEAN NOT NULL,
    name VARCHAR NOT NULL,
    company VARCHAR,
    title VARCHAR,
    phone VARCHAR,
    mobile VARCHAR,
    email VARCHAR,
    address VARCHAR,
    notes VARCHAR,
    created_on DATE NOT NULL,
    updated_on DATE
);

-- F4 notice board: announcements to all or a team, private notices to one user;
-- one delivery row per recipient carries read / unread
CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL,
    audience VARCHAR NOT NULL,          -- all | team | private
    team_id INTEGER,
    recipient_id INTEGER,
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    posted_on DATE NOT NULL,
    expires_on DATE
);
CREATE TABLE notice_deliveries (
    notice_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    read_on DATE,
    PRIMARY KEY (notice_id, user_id)
);

-- F5 message centre: SMS-style messages and e-mails to users (inbox) and customer contacts
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    sender_id INTEGER NOT NULL,
    channel VARCHAR NOT NULL,           -- sms | email
    subject VARCHAR,
    body VARCHAR NOT NULL,
    sent_on DATE NOT NULL
);
CREATE TABLE message_recipients (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL,
    user_id INTEGER,                    -- a colleague: the message lands in their inbox
    customer_id INTEGER,                -- a customer (contact): kept on the customer's record
    contact_id INTEGER,
    address VARCHAR,                    -- phone or e-mail it went to, if any
    interaction_id INTEGER,             -- the interaction row on the customer's record
    delivery VARCHAR NOT NULL,          -- inbox | stored | sent | failed
    error VARCHAR,
    read_on DATE
);

-- A2 sharing policy for the new kinds of record (the owner column is named in each area)
INSERT INTO sharing_policy VALUES
    ('contract', 'admin', 'all', 'all'),
    ('contract', 'director', 'all', 'all'),
    ('contract', 'supervisor', 'team', 'team'),
    ('contract', 'account_manager', 'own', 'own'),
    ('contract', 'service_staff', 'none', 'none'),
    ('contract', 'marketing', 'none', 'none'),
    ('contract', 'finance', 'all', 'none'),
    ('shipment', 'admin', 'all', 'all'),
    ('shipment', 'director', 'all', 'all'),
    ('shipment', 'supervisor', 'team', 'team'),
    ('shipment', 'account_manager', 'own', 'own'),
    ('shipment', 'service_staff', 'none', 'none'),
    ('shipment', 'marketing', 'none', 'none'),
    ('shipment', 'finance', 'all', 'none'),
    ('sales_return', 'admin', 'all', 'all'),
    ('sales_return', 'director', 'all', 'all'),
    ('sales_return', 'supervisor', 'team', 'team'),
    ('sales_return', 'account_manager', 'own', 'own'),
    ('sales_return', 'service_staff', 'none', 'none'),
    ('sales_return', 'marketing', 'none', 'none'),
    ('sales_return', 'finance', 'all', 'none'),
    ('payment', 'admin', 'all', 'all'),
    ('payment', 'director', 'all', 'all'),
    ('payment', 'supervisor', 'team', 'team'),
    ('payment', 'account_manager', 'own', 'own'),
    ('payment', 'service_staff', 'none', 'none'),
    ('payment', 'marketing', 'none', 'none'),
    ('payment', 'finance', 'all', 'all'),
    ('expense', 'admin', 'all', 'all'),
    ('expense', 'director', 'all', 'all'),
    ('expense', 'supervisor', 'team', 'team'),
    ('expense', 'account_manager', 'own', 'own'),
    ('expense', 'service_staff', 'own', 'own'),
    ('expense', 'marketing', 'own', 'own'),
    ('expense', 'finance', 'all', 'none'),
    ('task', 'admin', 'all', 'all'),
    ('task', 'director', 'all', 'all'),
    ('task', 'supervisor', 'team', 'team'),
    ('task', 'account_manager', 'own', 'own'),
    ('task', 'service_staff', 'own', 'own'),
    ('task', 'marketing', 'own', 'own'),
    ('task', 'finance', 'own', 'own'),
    ('file', 'admin', 'all', 'all'),
    ('file', 'director', 'own', 'own'),
    ('file', 'supervisor', 'own', 'own'),
    ('file', 'account_manager', 'own', 'own'),
    ('file', 'service_staff', 'own', 'own'),
    ('file', 'marketing', 'own', 'own'),
    ('file', 'finance', 'own', 'own'),
    ('address_book', 'admin', 'all', 'all'),
    ('address_book', 'director', 'all', 'own'),
    ('address_book', 'supervisor', 'all', 'own'),
    ('address_book', 'account_manager', 'all', 'own'),
    ('address_book', 'service_staff', 'all', 'own'),
    ('address_book', 'marketing', 'all', 'own'),
    ('address_book', 'finance', 'all', 'own');

-- A3 dictionary entries these areas use. OR IGNORE: another area may add the same
-- channel (e.g. sms) in its own migration, and either order must work.
INSERT OR IGNORE INTO dictionary (kind, code, name_en, name_zh, sort_order) VALUES
    ('interaction_channel', 'sms', 'SMS', '短信', 7),
    ('payment_method', 'bank_transfer', 'Bank transfer', '银行转账', 1),
    ('payment_method', 'cash', 'Cash', '现金', 2),
    ('payment_method', 'cheque', 'Cheque', '支票', 3),
    ('payment_method', 'bank_acceptance', 'Bank acceptance bill', '银行承兑汇票', 4),
    ('payment_method', 'online', 'Online payment', '网上支付', 5),
    ('payment_method', 'other', 'Other', '其他', 6),
    ('expense_type', 'travel', 'Travel', '差旅费', 1),
    ('expense_type', 'entertainment', 'Business entertainment', '业务招待费', 2),
    ('expense_type', 'gift', 'Gifts', '礼品费', 3),
    ('expense_type', 'transport', 'Local transport', '交通费', 4),
    ('expense_type', 'communication', 'Phone and internet', '通讯费', 5),
    ('expense_type', 'meeting', 'Meetings and events', '会务费', 6),
    ('expense_type', 'other', 'Other', '其他', 7),
    ('return_reason', 'quality', 'Quality problem', '质量问题', 1),
    ('return_reason', 'damaged', 'Damaged in transport', '运输损坏', 2),
    ('return_reason', 'wrong_item', 'Wrong item delivered', '发错货', 3),
    ('return_reason', 'not_needed', 'Customer no longer needs it', '客户不再需要', 4),
    ('return_reason', 'other', 'Other', '其他', 5),
    ('task_priority', 'low', 'Low', '低', 1),
    ('task_priority', 'normal', 'Normal', '普通', 2),
    ('task_priority', 'high', 'High', '高', 3),
    ('task_priority', 'urgent', 'Urgent', '紧急', 4);

-- Settings these areas read (an administrator changes them with crm.admin.set_setting)
INSERT OR IGNORE INTO settings VALUES
    ('payment_terms_days', '30'),
    ('file_max_bytes', '10485760'),
    ('smtp_host', '""'),
    ('smtp_port', '25'),
    ('smtp_sender', '"crm-lab@localhost"'),
    ('smtp_starttls', 'false');
