-- CRM Lab schema 006: the order history keeps one index, a customer's orders, and no primary keys.
--
-- orders and order_lines are the bulk of a workspace (2M orders and 3M lines at size M).
-- Every DuckDB index is an ART checked or extended on each insert and merged at commit:
-- the two primary keys and the lines' index cost a generated M workspace ~1.3 s of its ~7
-- (bench/bench_scenario.py), and no read needs them. The engine gives order and line ids
-- itself (Database.next_id under the file's one writer), always ascending, and writes an
-- order's lines together, so ids are unique by construction (the generation and import tests
-- check it) and both a lookup by id and an order's lines are found through DuckDB's min/max
-- zone maps: 0.4–0.7 ms with or without the ART on 1.4M orders. A customer's orders keep
-- their index: orders the clock adds later arrive by day, not by customer.
-- DuckDB cannot drop a primary key in place, so both tables are rebuilt, rows in stored order.

CREATE TABLE orders_rebuilt (
    id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    order_no VARCHAR NOT NULL,
    order_date DATE NOT NULL,
    amount DECIMAL(16, 2) NOT NULL,
    status VARCHAR NOT NULL DEFAULT 'confirmed',
    owner_id INTEGER
);
INSERT INTO orders_rebuilt SELECT id, customer_id, order_no, order_date, amount, status, owner_id FROM orders;
DROP TABLE orders;
ALTER TABLE orders_rebuilt RENAME TO orders;
CREATE INDEX orders_customer ON orders (customer_id);

CREATE TABLE order_lines_rebuilt (
    id BIGINT NOT NULL,
    order_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(14, 2) NOT NULL,
    amount DECIMAL(16, 2) NOT NULL
);
INSERT INTO order_lines_rebuilt SELECT id, order_id, product_id, quantity, unit_price, amount FROM order_lines;
DROP TABLE order_lines;
ALTER TABLE order_lines_rebuilt RENAME TO order_lines;
