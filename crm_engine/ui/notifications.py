"""What is waiting for the logged-in user, as a row of buttons in the app header.

Each count comes from one engine verb run as that user, so it holds exactly what
their role and data scope let them see:

* **overdue contacts** — the one-week rule (O9): opportunities, leads and customers
  given to a manager and not contacted in time (`crm.opportunities.overdue()`);
* **new churn warnings** — warnings nobody has answered yet (state *warning*);
* **tickets waiting for me** — tickets assigned to me that I still have to handle,
  plus, for those who assign tickets, new tickets waiting for a handler;
* **unread notices** and **unread messages** on the notice board and in the inbox.

A button opens its module (and asks it to show the matching records first).
"""
from __future__ import annotations

import ipywidgets as widgets

from ..errors import CRMError


def overdue_contacts(crm) -> int:
    return len(crm.opportunities.overdue())


def new_churn_warnings(crm) -> int:
    return len(crm.churn.list(state="warning"))


def tickets_waiting(crm) -> int:
    count = len(crm.service.list(mine=True, state="assigned"))
    if may_assign_tickets(crm):
        count += len(crm.service.list(state="new"))
    return count


def may_assign_tickets(crm) -> bool:
    """Whether new tickets count as waiting for this user (display only: `assign` checks the role)."""
    return crm.user.role in crm.service.ASSIGNER_ROLES or crm.user.role == "admin"


def unread_notices(crm) -> int:
    return crm.notices.unread_count()


def unread_messages(crm) -> int:
    return crm.messages.unread_count()


# name → (count, module it opens, icon)
ITEMS = {
    "overdue": (overdue_contacts, "opportunities", "clock-o"),
    "churn": (new_churn_warnings, "churn", "exclamation-triangle"),
    "tickets": (tickets_waiting, "service", "life-ring"),
    "notices": (unread_notices, "office", "bullhorn"),
    "messages": (unread_messages, "office", "envelope"),
}


class HeaderButton(widgets.Button):
    """A header button whose click holds the workspace open (`crm.holding()`): the module it opens
    reads the engine several times, and a `keep_open=False` workspace is then opened once."""

    def __init__(self, owner, **kwargs):
        super().__init__(**kwargs)
        self._owner = owner

    def click(self):
        with self._owner.crm.holding():
            super().click()


class Notifications(widgets.HBox):
    """Counts for the acting user; `refresh(crm)` after a login or a move of the clock."""

    def __init__(self, crm, on_open=None):
        self.crm, self._on_open = crm, on_open
        self.counts: dict[str, int | None] = {}
        self.buttons = {name: HeaderButton(self, icon=icon, layout=widgets.Layout(width="auto"))
                        for name, (_count, _module, icon) in ITEMS.items()}
        for name, button in self.buttons.items():
            button.on_click(lambda _button, name=name: self.open_item(name))
        super().__init__(list(self.buttons.values()))
        self.refresh()

    def refresh(self, crm=None) -> None:
        """Count again (as `crm`, when the user or language changed)."""
        if crm is not None:
            self.crm = crm
        for name, (count, _module, _icon) in ITEMS.items():
            try:
                value = count(self.crm)
            except CRMError:
                value = None  # an area this user cannot read: shown as "—", never as an error
            self.counts[name] = value
            button = self.buttons[name]
            button.description = self.crm.t(f"ui.notify.{name}", count="—" if value is None else value)
            button.tooltip = self.crm.t(f"ui.notify.{name}_tip")
            button.button_style = "warning" if value else ""

    def module(self, name: str) -> str:
        """The module a notification opens."""
        return ITEMS[name][1]

    def open_item(self, name: str) -> None:
        if self._on_open is not None:
            self._on_open(self.module(name), name)
