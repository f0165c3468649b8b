"""The app's module menu: one Vuetify chip per module, wrapping onto more lines in a narrow pane.

A row of fixed-width toggle buttons cut long names ("Targets and leaderbo"); chips take the width
their label needs and the group wraps, so every entry is whole in English and Chinese at a 735-px
pane. `value` / `options` mirror the ipywidgets selection widgets, so code and tests read it the
same way (`menu.value = "reports"`, `menu.observe(…, names="value")`).
"""
from __future__ import annotations

import ipyvuetify as v
import traitlets


class Menu(v.ChipGroup):
    """Chips for `options` [(label, value)]; `value` is the chosen one (never none)."""

    value = traitlets.Any(None)
    options = traitlets.List()

    def __init__(self, options=(), **kwargs):
        super().__init__(column=True, mandatory=True, color="primary", class_="crm-menu",
                         style_="margin:4px 0", **kwargs)
        self.observe(self._chosen, names="v_model")
        self.observe(self._relabel, names="options")
        self.observe(self._select, names="value")
        self.options = [tuple(o) for o in options]

    def _relabel(self, _change=None) -> None:
        self.children = [v.Chip(children=[label], value=code, filter=False, variant="outlined", label=False,
                                class_=f"crm-menu-entry crm-menu-{code}") for label, code in self.options]

    def _select(self, change) -> None:
        if self.v_model != change["new"]:
            self.v_model = change["new"]

    def _chosen(self, change) -> None:
        # A click on the chosen chip again would deselect it without `mandatory`; keep a choice always.
        if change["new"] is None:
            self.v_model = self.value
        elif change["new"] != self.value:
            self.value = change["new"]

    def labels(self) -> list[str]:
        """The entries' texts, in order (what the student reads)."""
        return [label for label, _ in self.options]

    def click(self, code) -> None:
        """What a click on the entry `code` does (the browser sets the group's model)."""
        self.v_model = code
