"""The products of an opportunity (O10): a small line-items editor for the opportunity screens.

The editor only collects lines (product, quantity, discount; the unit price is the list price
the engine fills in); checking them is the engine's job, when the form saves them with
`crm.opportunities.add(..., lines=…)` or `crm.opportunities.set_lines(…)`.
"""
from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from . import base, sales

LINE_COLUMNS = {"product_code": "field.product", "product_name": "ui.opportunities.product_name",
                "quantity": "field.quantity", "unit_price": "field.unit_price", "discount": "field.discount",
                "amount": "ui.opportunities.line_amount"}


def lines_grid(crm, frame: pd.DataFrame) -> str:
    """The lines of one opportunity (`crm.opportunities.lines`) as an HTML table."""
    return sales.grid(crm, frame, LINE_COLUMNS)


class LineEditor(widgets.VBox):
    """Pick a product, a quantity and a discount, add the line; remove a line picked in the list.
    `lines` is what the form passes to the engine."""

    def __init__(self, crm):
        self.crm = crm
        catalogue = crm.products.list()
        self.product = widgets.Dropdown(options=[(f"{r.code} · {r.name}", r.code) for r in catalogue.itertuples()],
                                        description=crm.t("field.product"), style=sales.WIDE,
                                        layout=widgets.Layout(width="24em"))
        self.quantity = widgets.IntText(value=1, description=crm.t("field.quantity"), style=sales.WIDE,
                                        layout=widgets.Layout(width="14em"))
        self.discount = widgets.Text(placeholder="0.1", description=crm.t("field.discount"), style=sales.WIDE,
                                     layout=widgets.Layout(width="14em"))
        self.add_button = base.button(crm, "ui.opportunities.add_line")
        self.chosen = widgets.Select(rows=4, layout=widgets.Layout(width="40em"))
        self.remove_button = base.button(crm, "ui.opportunities.remove_line", "warning")
        self.lines: list[dict] = []
        self.add_button.on_click(self._on_add)
        self.remove_button.on_click(self._on_remove)
        super().__init__([widgets.HBox([self.product, self.quantity, self.discount, self.add_button]),
                          widgets.HBox([self.chosen, self.remove_button])])

    def set_lines(self, lines: list[dict]) -> None:
        """Start from these lines (an opportunity's current ones, or none)."""
        self.lines = [dict(line) for line in lines]
        self._show()

    def _on_add(self, _button) -> None:
        line = {"product": self.product.value, "quantity": self.quantity.value}
        if self.discount.value.strip():
            line["discount"] = self.discount.value.strip()
        self.lines.append(line)
        self.quantity.value, self.discount.value = 1, ""
        self._show()

    def _on_remove(self, _button) -> None:
        if self.chosen.value is not None:
            del self.lines[self.chosen.value]
            self._show()

    def _show(self) -> None:
        options = []
        for number, line in enumerate(self.lines):
            discount = str(line.get("discount") or "").strip()
            discount = "" if discount.strip("0.") == "" else f" −{discount}"
            options.append((f"{number + 1}. {line['product']} × {line['quantity']}{discount}", number))
        self.chosen.options = options
        self.chosen.value = None
