"""What every handle of one workspace in this process shares: its change signal and its language.

    stop = crm.on_change(lambda what: print("changed:", what))   # "opportunities.assign", "language", …
    crm.version                                                    # how many changes so far
    stop()

Screens stay in step through this: the facade announces every *committed* `@action` (after its
transaction, never a refused one, and once for an action that runs others inside it), a
language switch and a clock move. Handles made by `crm.as_user(…)` and a second `CRM.open` of
the same file in this process hear the same signal. Nothing here knows about screens: a
listener is any callable of one string.
"""
from __future__ import annotations

import os
import threading
import warnings
import weakref
from typing import Callable

Listener = Callable[[str], None]


class Signal:
    """The change counter and listeners of one workspace."""

    def __init__(self):
        self.version = 0
        self._listeners: dict[int, Listener] = {}
        self._next = 0
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(what)` after every change; returns the function that stops it."""
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._listeners[key] = listener

        def stop() -> None:
            self._listeners.pop(key, None)
        return stop

    def changed(self, what: str) -> None:
        """Count a change and tell every listener. The change has already happened: a listener
        that fails must not turn it into a failure, so its error is reported as a warning."""
        with self._lock:
            self.version += 1
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener(what)
            except Exception as error:  # noqa: BLE001 - a screen's bug must not undo a committed action
                warnings.warn(f"a change listener failed after {what}: {error!r}", RuntimeWarning, stacklevel=2)


# Files are shared by path (two opens of one file hear each other); an in-memory workspace by its
# Database object. Weak values: a signal lives as long as some handle of its workspace does.
_BY_PATH: "weakref.WeakValueDictionary[str, Signal]" = weakref.WeakValueDictionary()
_GUARD = threading.Lock()


def signal_for(db) -> Signal:
    """The one `Signal` of the workspace `db` belongs to."""
    if db.path is None:
        signal = getattr(db, "_signal", None)
        if signal is None:
            signal = db._signal = Signal()
        return signal
    key = os.path.realpath(db.path)
    with _GUARD:
        signal = _BY_PATH.get(key)
        if signal is None:
            signal = _BY_PATH[key] = Signal()
    return signal


class Shared:
    """The settings every handle derived from one open (`crm.as_user`) shares: the language."""

    def __init__(self, language: str):
        self.language = language
