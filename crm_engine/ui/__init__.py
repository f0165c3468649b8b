"""Notebook user interface: ipywidgets views over the CRM engine.

The engine (`crm_engine` outside this package) never imports anything from here,
nor ipywidgets, IPython or plotly; views import the engine. Each view is one
`widgets.VBox` subclass that builds its children in `__init__` without displaying
anything, so a test can set `.value` on its inputs and `.click()` its buttons.
"""


def show(crm, name: str | None = None):
    """The CRM app for `crm` (or one module, e.g. `show(crm, "opportunities")`), ready to display."""
    from .app import show as build
    return build(crm, name)
