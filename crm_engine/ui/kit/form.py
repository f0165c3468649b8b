"""Labelled inputs that the engine's errors can point at.

    fields = [Field("assignee", "select", options=[("Li Ming", "li.ming")]), Field("step_date", "date")]
    values, set_values = solara.use_state({})
    FormFields(crm, fields, values, set_values, invalid=message.field if message else None)

Each input is labelled `field.<name>` — the name `InvalidInput(field=…)` uses — so the input an
error is about is marked red with the message under it. Kinds: text, textarea, number, date
(typed as 2026-03-02; the engine checks it), select (options: (label, value) pairs).
"""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field

import solara
from solara.alias import rv


@dataclass(frozen=True)
class Field:
    """One input: engine field name, kind, select options, a placeholder, a label key override."""

    name: str
    kind: str = "text"
    options: tuple = dc_field(default=())
    placeholder: str = ""
    label_key: str | None = None

    def label(self, crm) -> str:
        return crm.t(self.label_key or f"field.{self.name}")


@solara.component
def Input(crm, spec: Field, value, on_value, error: str | None = None):
    """One labelled input; `error` marks it (red, the message under it)."""
    common = dict(label=spec.label(crm), error_messages=[error] if error else [], density="compact",
                  hide_details="auto", style_="min-width:12em;flex:1 1 14em", class_=f"crm-field-{spec.name}")
    if spec.kind == "select":
        items = [{"title": label, "value": val} for label, val in spec.options]
        return rv.Select(items=items, v_model=value, on_v_model=on_value, **common).meta(ref=f"field-{spec.name}")
    if spec.kind == "textarea":
        return rv.Textarea(v_model=value or "", on_v_model=on_value, rows=2, auto_grow=True, **common
                           ).meta(ref=f"field-{spec.name}")
    placeholder = spec.placeholder or ("YYYY-MM-DD" if spec.kind == "date" else "")
    hidden = {"type": "password", "autocomplete": "new-password"} if spec.kind == "password" else {}
    return rv.TextField(v_model="" if value is None else str(value), on_v_model=on_value, placeholder=placeholder,
                        **hidden, **common).meta(ref=f"field-{spec.name}")


@solara.component
def FormFields(crm, fields, values: dict, on_values, invalid: str | None = None, error_text: str | None = None):
    """The inputs of `fields`, wrapping to the pane's width; `invalid` names the one to mark."""
    def setter(name):
        return lambda value: on_values({**values, name: value})

    with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "width": "100%"}) as box:
        for spec in fields:
            Input(crm, spec, values.get(spec.name), setter(spec.name),
                  error=(error_text or "") if invalid == spec.name else None)
    return box


def text_or_none(value):
    """An empty box means "not given"."""
    return value if value is not None and str(value).strip() else None
