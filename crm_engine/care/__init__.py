"""Service management (S1–S6): tickets and the call centre.

Importing the package registers the care records that are a customer's history (customers/registry.py).
"""
from ..customers import registry

registry.keeps_history("tickets", zh="服务单", order=30)
registry.keeps_history("calls", zh="来电", order=31)
