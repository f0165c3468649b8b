"""Customer management (C1–C5): the customer card, contacts, interactions, orders, classification, churn.

Importing the package registers what the customer area keeps about a customer and a rep
(customers/registry.py) and the settings its rules read (crm_engine/settings.py).
"""
from .. import settings
from . import registry
from .churn import check_threshold
from .classification import check_credit_policy, check_cutoffs, check_period

# orders are the customer's business history; the card's parts go with the card
registry.keeps_history("orders", zh="订单", order=10)
for _table in ("contacts", "interactions", "churn_warnings", "customer_grades", "customer_tags"):
    registry.part_of_card(_table)
registry.moves_at_handover("customers", order=10)
registry.stays_at_handover("orders", "an order's owner is who sold it: history, not open work")
registry.stays_at_handover("segments", "a saved segment is its author's analysis, not customer work")

# customer care: the rules are documented in churn.py and classification.py
settings.register("churn_threshold_months", check_threshold)
settings.register("abc_cutoffs", check_cutoffs)
settings.register("abc_period_months", check_period)
settings.register("credit_policy", check_credit_policy)
