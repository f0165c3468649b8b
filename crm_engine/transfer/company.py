"""`crm.imports` for a whole company (A6 extended): the org chart and the pipeline besides
customers, contacts, products and orders.

    crm.imports.users("sales_teams.csv")                       # roster → teams, supervisors, account managers
    crm.imports.opportunities("sales_pipeline.csv", mapping={"sales_agent": "owner", "deal_stage": "stage",
                              "engage_date": ["created", "assigned"], "close_date": "closed",
                              "close_value": "amount"}, values={"product": {"GTXPro": "GTX Pro"}})

Who may: the org chart is the administrator's and a director's (as `admin.add_user`); opportunities
are imported by the administrator, a director or a supervisor, each row's owner inside the
importer's write scope (a supervisor imports their own team's pipeline).
"""
from __future__ import annotations

from .imports import Imports as BaseImports
from .deals import OpportunityLoads
from .interactions import InteractionLoads
from .tickets import TicketLoads
from .roster import RosterLoads

ORG_KINDS = ("users", "teams")


class Imports(RosterLoads, OpportunityLoads, InteractionLoads, TicketLoads, BaseImports):
    """`crm.imports`: every kind of `imports.Imports` plus `users`, `teams`, `opportunities`,
    `interactions` and `tickets`.

    Options besides the common ones: `values` ({field: {file value: value}}: a product spelled two
    ways, a stage's name), `add_codes` (unknown dictionary values become codes, listed in the
    report; the administrator only)."""

    def users(self, source, **options):
        """A sales roster (`sales_agent, manager, regional_office`): teams under the org tree,
        managers as supervisors, agents as account managers (roster.py)."""
        return self._run("users", source, **options)

    def teams(self, source, **options):
        """The teams of a roster only (`manager, regional_office`): offices and managers' teams."""
        return self._run("teams", source, **options)

    def opportunities(self, source, **options):
        """Opportunities with their history, written as it happened (sales/pipeline.py)."""
        return self._run("opportunities", source, **options)

    def interactions(self, source, **options):
        """Contact records of customers you may see, dated as they happened (interactions.py)."""
        return self._run("interactions", source, **options)

    def tickets(self, source, **options):
        """Service tickets with their history, dated as it happened (tickets.py)."""
        return self._run("tickets", source, **options)

    def _permit(self, kind: str) -> None:
        if kind in ORG_KINDS:
            self._s.require_role("director", action="manage_org")
        elif kind in ("opportunities", "tickets"):
            self._s.require_role("director", "supervisor", action=f"import_{kind}")
