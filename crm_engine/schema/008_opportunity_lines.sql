-- CRM Lab schema 008: products on opportunities (O10). An opportunity carries line items —
-- product, quantity, unit price (the list price when not given) and discount — and its expected
-- amount follows from them unless it is set explicitly; winning it carries the lines into the
-- customer's order (opportunity_lines.py). No FOREIGN KEYs (see 001).
--
-- amount = quantity × round(unit_price × (1 − discount), 2): the net unit price is what the
-- order line carried on a win records, so the order and the opportunity agree to the cent.

CREATE TABLE opportunity_lines (
    id INTEGER PRIMARY KEY,
    opportunity_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price DECIMAL(14, 2) NOT NULL,   -- before the discount
    discount DECIMAL(5, 4) NOT NULL DEFAULT 0,   -- a share in [0, 1)
    amount DECIMAL(16, 2) NOT NULL
);
CREATE INDEX opportunity_lines_opportunity ON opportunity_lines (opportunity_id);
