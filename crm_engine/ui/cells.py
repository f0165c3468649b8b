"""A notebook holds its workspace for one cell at a time.

    from crm_engine.ui.cells import hold_per_cell
    crm = CRM.open(WORKSPACE, keep_open=False)
    hold_per_cell(crm)          # from the next cell on: opened once per cell, let go between cells

A `keep_open=False` workspace opens its file for every call (~30 ms each here), so a loop of 1,000
`crm.customers.view(…)` in one cell took 34 s instead of 5 s. IPython tells us when a cell starts and
ends (`pre_run_cell` / `post_run_cell`, the latter also after a cell that raised or was interrupted),
so the file is held from the first call in a cell to the end of that cell (`crm.hold()` /
`crm.let_go()`, engine verbs that know nothing of IPython) and let go between cells, when nbgrader's
*Validate*, a second notebook or an analyst gets its turn (they wait for it: `CRM.open(…, wait=…)`).

The trade-off, on purpose: while one cell runs — a long loop, a `time.sleep`, a scenario advanced by
a year — no other process can open the file; they wait up to their `wait` and then get
`WorkspaceLocked` naming this kernel. Cells are short in a course notebook; a long one that must
let others in can call `crm.let_go()` … `crm.hold()` around its slow part, or `stop()` the hold.
"""
from __future__ import annotations


class CellHold:
    """The cell events of one IPython shell, holding one workspace for the length of each cell."""

    def __init__(self, crm, shell):
        self.crm = crm
        self.shell = shell
        self.held = False

    def start(self) -> "CellHold":
        self.shell.events.register("pre_run_cell", self._cell_starts)
        self.shell.events.register("post_run_cell", self._cell_ends)
        return self

    def stop(self) -> None:
        """No more holding per cell (and let go now, if held)."""
        for event, callback in (("pre_run_cell", self._cell_starts), ("post_run_cell", self._cell_ends)):
            try:
                self.shell.events.unregister(event, callback)
            except ValueError:  # already unregistered
                pass
        self._cell_ends(None)

    def _cell_starts(self, info=None) -> None:
        if not self.held:
            self.crm.hold()
            self.held = True

    def _cell_ends(self, result=None) -> None:
        # Runs after every cell, also one that raised or was interrupted: the file is never left held.
        if self.held:
            self.held = False
            self.crm.let_go()


_hooks: dict[tuple[int, str], CellHold] = {}


def hold_per_cell(crm, shell=None) -> CellHold | None:
    """Hold `crm`'s workspace for the length of each notebook cell, letting go between cells.

    Re-running the set-up cell replaces the previous hold for the same file (and shell). Outside
    IPython (a script, a test without a shell) there are no cells: nothing is done, None returned.
    """
    if shell is None:
        try:
            from IPython import get_ipython  # only in a notebook kernel; the engine never imports it
        except ImportError:
            return None
        shell = get_ipython()
        if shell is None:
            return None
    key = (id(shell), crm.identity)
    previous = _hooks.pop(key, None)
    if previous is not None:
        previous.stop()
    _hooks[key] = hold = CellHold(crm, shell).start()
    return hold
