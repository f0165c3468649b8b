"""Customer management (C1–C5): the customer card, contacts, interactions, orders, classification, churn."""
