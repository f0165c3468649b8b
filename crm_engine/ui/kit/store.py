"""One reactive state per workspace: every open view of it redraws after any change.

The facade announces each committed action, language switch and clock move (`crm.on_change`,
crm_engine/events.py). The kit keeps one `solara.reactive` counter per workspace, subscribed
once; a component that calls `use_workspace(crm)` reads it, so Solara redraws that component
whenever anything in the workspace changed — from any cell, any handle, any user.

The counter is one value for the whole process (`Shared`), not Solara's default per-session
value: when the workspace is served (`crm-lab serve`), every person's page has its own Solara
session, and a change made by one must redraw the views of all (each redraw runs inside its own
session's context: Solara's `ValueBase.fire` enters the context every listener subscribed from).
The page whose click made the change redraws at once, on its own thread; every other page redraws
on one background thread (`_Elsewhere`), newest change only — so a click never waits for the
redraw of ten other people's pages (bench/bench_live.py).

Changes made by a notebook cell's code are batched to the end of that cell: a loop of 1,000
`crm.opportunities.add(…)` under open views redraws them once, not 1,000 times. A click (a widget
message, outside any cell) redraws at once.
"""
from __future__ import annotations

import logging
import sys
import threading
import time
import weakref

import solara
from solara.toestand import ValueBase

log = logging.getLogger("crm_lab.ui")
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

    def fire(self, new, old) -> None:
        """Redraw this thread's page now and every other page on the background thread."""
        if not _served():
            return super().fire(new, old)     # a notebook: one kernel, every view redraws now
        scope = self._get_scope_key()
        contexts = {context for _, context in (*self.listeners.get(scope, ()), *self.listeners2.get(scope, ()))}
        here = _page_here()
        for context in contexts:
            if getattr(context, "kernel_context", None) in (here, None):
                self._fire_in(context, new, old)
            else:
                _ELSEWHERE.submit(("counter", id(self), id(context)), context,
                                  lambda c=context: self._fire_in(c, self._value, old))

    def _fire_in(self, context, new, old) -> None:
        scope = self._get_scope_key()
        with context:
            for listener, owner in tuple(self.listeners.get(scope, ())):
                if owner == context:
                    listener(new)
            for listener2, owner in tuple(self.listeners2.get(scope, ())):
                if owner == context:
                    listener2(new, old)


def _served() -> bool:
    """Whether this process serves pages (`crm-lab serve`: Solara's server is loaded)."""
    return "solara.server.starlette" in sys.modules


def _page_here():
    """The served page (Solara kernel context) this thread works for now, or None (a notebook, a script)."""
    pages = sys.modules.get("solara.server.kernel_context")
    if pages is None or not pages.has_current_context():
        return None
    return pages.get_current_context()


class _Elsewhere:
    """One background thread redrawing other pages: per key only the newest job runs (ten changes in a
    row redraw a page once), each inside its page's context."""

    def __init__(self):
        self._jobs: dict = {}
        self._wake = threading.Condition()
        self._thread = None
        self._busy = False

    def submit(self, key, context, job) -> None:
        with self._wake:
            self._jobs[key] = (context, job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="crm-lab-redraw", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._jobs:
                    self._wake.wait()
                key = next(iter(self._jobs))
                _context, job = self._jobs.pop(key)
                self._busy = True
            try:
                job()
            except Exception:  # noqa: BLE001 - a closed page or a screen's bug must not stop the others
                log.exception("redrawing a page after a change failed")
            finally:
                with self._wake:
                    self._busy = False

    def settle(self, timeout: float = 10.0) -> bool:
        """Wait until every submitted redraw ran (tests, benchmarks); False if still busy at `timeout`."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._wake:
                if not self._jobs and not self._busy:
                    return True
            time.sleep(0.005)
        return False


_ELSEWHERE = _Elsewhere()


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
    key, page = object(), _page_here()

    def changed(_what):
        if page is None or page is _page_here():
            _CELLS.changed(key, redraw)
        else:                          # another person's page (crm-lab serve): on the background thread
            _ELSEWHERE.submit(key, page, lambda: _in_page(page, redraw))
    return crm.on_change(changed)


def _in_page(page, redraw) -> None:
    with page:
        redraw()


def use_workspace(crm) -> tuple[int, str]:
    """In a component: (change count, language) of the workspace; the component redraws when either
    changes. Use both as the dependencies of the `use_memo` that reads the engine."""
    return workspace_counter(crm).value, crm.language


def settle(timeout: float = 10.0) -> bool:
    """Wait until every other page's redraw after the last changes ran (tests, benchmarks)."""
    return _ELSEWHERE.settle(timeout)
