"""Putting a kit view in a notebook cell (or in the ipywidgets app), with a text fallback.

    mount(OpportunitiesScreen(crm), fallback=lambda: "<h3>Opportunities</h3>…")

JupyterLab and Notebook 7 show the live widgets. nbconvert / nbgrader feedback HTML cannot show
widgets offline, so the same output also carries `text/html` (and `text/plain`): a readable
summary computed when the cell's output is made.
"""
from __future__ import annotations

import html
import re
from typing import Callable

import ipywidgets as widgets
import solara


class KitView(widgets.VBox):
    """A rendered Solara element as one ipywidget: `.rc` finds and clicks inside it (tests)."""

    def __init__(self, element, fallback: Callable[[], str] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.fallback = fallback
        self.element = element
        _box, self.rc = solara.render(element, container=self, handle_error=False)

    def fallback_html(self) -> str:
        return self.fallback() if self.fallback is not None else ""

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        text = self.fallback_html()
        if text:
            bundle["text/html"] = text
            bundle["text/plain"] = plain(text)
        return bundle

    def close(self):
        self.rc.close()
        super().close()


def plain(markup: str) -> str:
    """Readable text from the fallback HTML (cells separated by " | ", rows by lines)."""
    text = re.sub(r"</t[dh]>\s*<t[dh][^>]*>", " | ", markup)
    text = re.sub(r"</(tr|p|h\d|div|li)>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def mount(element, fallback: Callable[[], str] | None = None) -> KitView:
    """`element` rendered into a widget ready to display or to put in a container."""
    return KitView(element, fallback)
