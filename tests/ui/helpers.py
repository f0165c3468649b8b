"""Helpers shared by widget tests."""


def spy(monkeypatch, area, name: str) -> list[dict]:
    """Record the keyword arguments of every call of the engine verb `area.<name>` (still
    answering them). Set it up before the view is built: a view keeps the verbs it was given."""
    asked, verb = [], getattr(area, name)
    monkeypatch.setattr(area, name, lambda **kwargs: asked.append(kwargs) or verb(**kwargs))
    return asked
