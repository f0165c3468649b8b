"""Orders to cash (B1): contracts, shipments, returns, payments, expenses.

Importing the package registers the cash records that are a customer's history and the open
contracts that move at a rep's hand-over (customers/registry.py), and the settings its rules
read (crm_engine/settings.py).
"""
from .. import settings, validate
from ..customers import registry

for _order, (_table, _zh) in enumerate((("contracts", "合同"), ("shipments", "发货单"), ("sales_returns", "退货单"),
                                        ("payments", "回款"), ("expenses", "费用")), start=40):
    registry.keeps_history(_table, zh=_zh, order=_order)
# open contracts — not yet fulfilled, or fulfilled and still owed money — move with the rep's customers
registry.moves_at_handover(
    "contracts", "(status IN ('draft', 'signed') OR (status = 'fulfilled' AND amount > "
                 "(SELECT coalesce(sum(r.amount), 0) FROM sales_returns r WHERE r.contract_id = contracts.id)"
                 " + (SELECT coalesce(sum(p.amount - p.overpaid), 0) FROM payments p "
                 "WHERE p.contract_id = contracts.id)))", order=40)

# the rules are documented in contracts.py
settings.register("payment_terms_days",
                  lambda v: validate.integer(v, "payment_terms_days", minimum=0, maximum=365))
