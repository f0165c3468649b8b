"""Messages where the eye is: the outcome of an action shows inside the card that caused it.

    message, set_message = solara.use_state(None)
    set_message(attempt(crm, lambda: crm.opportunities.assign(7, "li.ming"), ok="Assigned."))
    Feedback(message)          # right beside the buttons / form, never at the page bottom

`attempt` calls one facade verb: success gives an "ok" `Message` with the confirmation text,
a `CRMError` an "error" one with the engine's message in the session's language (and the
field an `InvalidInput` is about, so the form can mark it). Any other exception is a bug and
propagates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import solara
from solara.alias import rv

from ...errors import CRMError


@dataclass(frozen=True)
class Message:
    """What an action answered: `kind` "ok" or "error", its text, the field it is about."""

    kind: str
    text: str
    field: str | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "ok"


def failure(crm, error: CRMError) -> Message:
    """An engine refusal as a message in the session's language."""
    field = error.field if isinstance(error.field, str) else None
    return Message("error", error.message(crm.language), field)


def attempt(crm, verb: Callable[[], object], ok: str | Callable[[object], str]) -> Message:
    """Run `verb()` (one facade call); its confirmation (`ok`, or `ok(result)`) or its refusal.
    The workspace is held open meanwhile (`crm.holding()`), so the views it redraws read it once."""
    try:
        with crm.holding():  # one open of a keep_open=False file for the action and the redraw it causes
            result = verb()
    except CRMError as error:
        return failure(crm, error)
    return Message("ok", ok(result) if callable(ok) else ok)


@solara.component
def Feedback(message: Message | None, ref: str = "message"):
    """An inline alert for `message` (nothing when None), tagged `.meta(ref=ref)` for tests."""
    if message is None:
        return rv.Html(tag="span")
    return rv.Alert(
        type="success" if message.ok else "error", density="compact", variant="tonal",
        class_="crm-message crm-ok" if message.ok else "crm-message crm-error",
        style_="margin:4px 0;white-space:normal;min-width:12em;flex:0 1 auto",
        children=[message.text]).meta(ref=ref)
