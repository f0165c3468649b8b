"""Shared pieces of the rubrics: the criterion record and small helpers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from ..facts import Facts, Mark, concrete  # noqa: F401 — re-exported for the rubric modules


@dataclass(frozen=True)
class Criterion:
    name: str
    points: float
    check: Callable[..., Mark]
    answers: tuple[str, ...] = ()   # names of notebook variables the check needs


def date_of(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def fraction(done: int, needed: int) -> float:
    """done of needed, capped at 1; nothing needed earns nothing (a blank submission scores 0)."""
    return min(done, needed) / needed if needed else 0.0


