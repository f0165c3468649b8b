-- CRM Lab schema 007: the two append-only logs, interaction records and ticket steps, without
-- primary keys (as the order history since 006).
--
-- No verb changes a row of either (interactions go only with a customer deleted as a mistaken
-- entry), no read looks one up by id, and their ids come from Database.next_id like the order
-- history's, so they are unique by construction (the scenario invariants check it). Each primary key is an ART that DuckDB extends
-- on every insert and merges at commit: a generated M workspace writes ~410k interactions and
-- ~190k ticket steps, and the two keys cost it ~0.2 s of its ~5.5 s (S: ~0.04 s of ~1 s), measured
-- in alternating runs. A customer's interactions keep their index (the customer 360 reads them).
-- DuckDB cannot drop a primary key in place, so both tables are rebuilt, rows in stored order.

CREATE TABLE interactions_rebuilt (
    id INTEGER NOT NULL,
    customer_id INTEGER NOT NULL,
    contact_id INTEGER,
    user_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    channel VARCHAR NOT NULL,
    subject VARCHAR NOT NULL,
    detail VARCHAR
);
INSERT INTO interactions_rebuilt
    SELECT id, customer_id, contact_id, user_id, on_date, channel, subject, detail FROM interactions;
DROP TABLE interactions;
ALTER TABLE interactions_rebuilt RENAME TO interactions;
CREATE INDEX interactions_customer ON interactions (customer_id);

CREATE TABLE ticket_steps_rebuilt (
    id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    step VARCHAR NOT NULL,             -- handling | feedback
    user_id INTEGER NOT NULL,
    on_date DATE NOT NULL,
    text VARCHAR NOT NULL,
    satisfaction INTEGER
);
INSERT INTO ticket_steps_rebuilt
    SELECT id, ticket_id, attempt, step, user_id, on_date, text, satisfaction FROM ticket_steps;
DROP TABLE ticket_steps;
ALTER TABLE ticket_steps_rebuilt RENAME TO ticket_steps;
