"""One reactive state per workspace: every open view of it redraws after any change.

The facade announces each committed action, language switch and clock move (`crm.on_change`,
crm_engine/events.py). The kit keeps one `solara.reactive` counter per workspace, subscribed
once; a component that calls `use_workspace(crm)` reads it, so Solara redraws that component
whenever anything in the workspace changed — from any cell, any handle, any user.
"""
from __future__ import annotations

import weakref

import solara

_COUNTERS: "weakref.WeakKeyDictionary[object, solara.Reactive[int]]" = weakref.WeakKeyDictionary()


def workspace_counter(crm) -> solara.Reactive[int]:
    """The reactive change counter of `crm`'s workspace (the same one for every handle of it)."""
    signal = crm.changes
    counter = _COUNTERS.get(signal)
    if counter is None:
        counter = _COUNTERS[signal] = solara.reactive(signal.version)
        signal.subscribe(lambda _what: counter.set(signal.version))
    return counter


def use_workspace(crm) -> tuple[int, str]:
    """In a component: (change count, language) of the workspace; the component redraws when either
    changes. Use both as the dependencies of the `use_memo` that reads the engine."""
    return workspace_counter(crm).value, crm.language
