"""One reactive state per workspace: every open view of it redraws after any change.

The facade announces each committed action, language switch and clock move (`crm.on_change`,
crm_engine/events.py). The kit keeps one `solara.reactive` counter per workspace, subscribed
once; a component that calls `use_workspace(crm)` reads it, so Solara redraws that component
whenever anything in the workspace changed — from any cell, any handle, any user.

The counter is one value for the whole process (`Shared`), not Solara's default per-session
value: when the workspace is served (`crm-lab serve`), every person's page has its own Solara
session, and a change made by one must redraw the views of all (each redraw runs inside its own
session's context: Solara's `ValueBase.fire` enters the context every listener subscribed from).

Changes made by a notebook cell's code are batched to the end of that cell: a loop of 1,000
`crm.opportunities.add(…)` under open views redraws them once, not 1,000 times. A click (a widget
message, outside any cell) redraws at once.
"""
from __future__ import annotations

import threading
import weakref

import solara
from solara.toestand import ValueBase

_COUNTERS: "weakref.WeakKeyDictionary[object, solara.Reactive[int]]" = weakref.WeakKeyDictionary()


class Shared(ValueBase):
    """A value with one scope for the whole process (Solara's `solara.reactive` keeps one per session)."""

    def __init__(self, value):
        super().__init__()
        self._value = value
        self._lock = threading.RLock()

    @property
    def lock(self):
        return self._lock

    def _get_scope_key(self):
        return "crm-lab-process"

    def get(self):
        return self._value

    def peek(self):
        return self._value

    def set(self, value) -> None:
        with self._lock:
            old, self._value = self._value, value
        if old != value:
            self.fire(value, old)


class _Cells:
    """Whether an IPython cell is running now, and the counters to move when it ends."""

    def __init__(self):
        self.shell = None
        self.running = False
        self.pending: dict[int, tuple] = {}

    def watch(self) -> None:
        if self.shell is not None:
            return
        try:
            from IPython import get_ipython  # optional: outside IPython every change redraws at once
        except ImportError:
            return
        shell = get_ipython()
        if shell is None or not hasattr(shell, "events"):
            return
        self.shell = shell
        shell.events.register("pre_run_cell", self._starts)
        shell.events.register("post_run_cell", self._ends)

    def _starts(self, *_args) -> None:
        self.running = True

    def _ends(self, *_args) -> None:
        self.running = False
        pending, self.pending = self.pending, {}
        for redraw in pending.values():
            redraw()

    def changed(self, key, redraw) -> None:
        """Run `redraw()` now, or once when the running cell ends (`key` names it: one per view)."""
        if self.running:
            self.pending[key] = redraw
        else:
            redraw()


_CELLS = _Cells()


def workspace_counter(crm) -> solara.Reactive[int]:
    """The reactive change counter of `crm`'s workspace (the same one for every handle of it)."""
    signal = crm.changes
    counter = _COUNTERS.get(signal)
    if counter is None:
        _CELLS.watch()
        counter = _COUNTERS[signal] = solara.Reactive(Shared(signal.version))
        signal.subscribe(lambda _what: _CELLS.changed(id(counter), lambda: counter.set(signal.version)))
    return counter


def follow(crm, redraw) -> "callable":
    """Call `redraw()` after changes to `crm`'s workspace, batched like the kit's own views (once per
    running cell, at once after a click); returns the function that stops it. For ipywidgets views
    that are not kit components (the app's header)."""
    _CELLS.watch()
    key = object()
    return crm.on_change(lambda _what: _CELLS.changed(key, redraw))


def use_workspace(crm) -> tuple[int, str]:
    """In a component: (change count, language) of the workspace; the component redraws when either
    changes. Use both as the dependencies of the `use_memo` that reads the engine."""
    return workspace_counter(crm).value, crm.language
