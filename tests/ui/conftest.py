"""Shared by every widget test."""
import ipywidgets as widgets
import pytest


@pytest.fixture(autouse=True)
def clicks_raise(monkeypatch):
    """ipywidgets logs and swallows an exception raised in a click handler; here it fails the test,
    so a form that crashes cannot pass for one that showed a message."""
    def call(self, *args, **kwargs):
        value = None
        for callback in self.callbacks:
            result = callback(*args, **kwargs)
            value = result if result is not None else value
        return value
    monkeypatch.setattr(widgets.widget.CallbackDispatcher, "__call__", call)
