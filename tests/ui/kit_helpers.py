"""Reading and clicking kit views in tests, without a browser."""
import html
import re

import ipywidgets as widgets


def texts(widget) -> list[str]:
    """Every piece of text in a widget tree (children strings, labels, chips, alerts)."""
    found = []

    def walk(node):
        if isinstance(node, str):
            found.append(node)
            return
        inner = getattr(node, "unsafe_innerHTML", None) or getattr(node, "cells", None)
        if isinstance(inner, str):  # a table drawn as one HTML widget: its text, cell by cell
            found.extend(t for t in re.split(r"<[^>]+>", html.unescape(inner)) if t.strip())
        for name in ("children", "label", "v_model", "value", "description"):
            value = getattr(node, name, None) if isinstance(node, widgets.Widget) else None
            if isinstance(value, str) and name != "children":
                if name in ("label", "description"):
                    found.append(value)
            elif isinstance(value, (list, tuple)) and name == "children":
                for child in value:
                    walk(child)
    walk(widget)
    return found


def text_of(widget) -> str:
    return " ".join(texts(widget))


def click(rc, ref: str) -> None:
    rc.find(meta_ref=ref).widget.click()


def press(rc, ref: str, event: str = "click") -> None:
    """Fire a DOM event on a tagged element (rows, headers, card titles)."""
    rc.find(meta_ref=ref).widget.fire_event(event, {})


def has(rc, ref: str) -> bool:
    return len(rc.find(meta_ref=ref).widgets) > 0


def message(rc, ref: str) -> tuple[str, str]:
    """(type, text) of the alert tagged `ref`."""
    alert = rc.find(meta_ref=ref).widget
    return alert.type, text_of(alert)
