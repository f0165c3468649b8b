"""Marketing management (O1–O10): leads, opportunities and their products, plans, campaigns, targets.

Importing the package registers what the sales area keeps about a customer and a rep
(customers/registry.py) and the settings its rules read (crm_engine/settings.py).
"""
from .. import settings, validate
from ..customers import registry
from .holders import handover

registry.keeps_history("leads", zh="线索", order=20)
registry.keeps_history("opportunities", zh="销售机会", order=21)
# open sales work moves with the rep's customers (leads.py, opportunities.py); the holdings'
# history closes the leaving rep's and opens the receiver's (holders.py)
registry.moves_at_handover("leads", "state IN ('pending', 'following', 'invalid')", order=20)
registry.moves_at_handover("opportunities", "state IN ('unassigned', 'assigned')", order=21)
registry.runs_at_handover(handover, order=22)
registry.stays_at_handover("campaigns", "a campaign belongs to the marketing person running it")

# the rules are documented in leads.py and pipeline.py
settings.register("lead_pool_days", lambda v: validate.integer(v, "lead_pool_days", minimum=1, maximum=366))
settings.register("lead_claim_cap", lambda v: validate.integer(v, "lead_claim_cap", minimum=1, maximum=10_000))
settings.register("lead_duplicates", lambda v: validate.one_of(v, "lead_duplicates", ("link", "refuse")))
settings.register("contact_within_days",
                  lambda v: validate.integer(v, "contact_within_days", minimum=1, maximum=366))
