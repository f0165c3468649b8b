"""What other areas keep about a customer and a rep: each record kind registers itself here.

The customer card (cards.py) deletes a customer and hands a departing rep's customers over, but it
does not know which areas keep records about customers: every area says so for its own tables,
in its package's `__init__.py`, when the package is imported (`crm.py` imports every area, so a
CRM always sees them all; tests/engine/test_customer_registry.py checks that every table with a
`customer_id` or an `owner_id` column has said what becomes of it).

- `keeps_history(table, zh=…, order=…)`: rows of `table` referring to a customer (`customer_id`)
  are business history — while any exists, the customer cannot be deleted (confirm its churn
  instead). `zh` names the records in the refusal's Chinese text.
- `part_of_card(table)`: rows of `table` belong to the card and are deleted with it.
- `moves_at_handover(table, where, order=…)`: at a rep's hand-over, the rows of `table` the rep
  owns (`owner_id`) and that match `where` move to the receiver, in one UPDATE.
- `runs_at_handover(function, order=…)`: `function(s, from_user_id, to_user_id)` does hand-over
  work an UPDATE cannot (e.g. closing and opening assignment history).
- `stays_at_handover(table, why)`: `table` has an owner column that deliberately does not move.

`order` fixes where an entry stands in a refusal's list and in the hand-over's steps, whatever
order the areas were imported in: customers 10…, sales 20…, care 30…, cash 40…, office 50….
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class History:
    """Records of `table` that make a customer part of the business history."""

    table: str
    zh: str
    order: int


@dataclass(frozen=True)
class Move:
    """What moves at a hand-over: the rows of `table` owned by the rep (`column`) matching `where`,
    or — when `function` is set — the work it does."""

    order: int
    table: str | None = None
    where: str = "TRUE"
    column: str = "owner_id"
    function: Callable | None = None


_history: dict[str, History] = {}
_moves: dict[str, Move] = {}
_card_parts: list[str] = []
_stays: dict[str, str] = {}


def _add(entries: dict, key: str, entry) -> None:
    """Register `entry` under `key`; registering the same entry again (a re-imported package) is
    harmless, two different entries for one key or one `order` are a programming error."""
    if key in entries and entries[key] != entry:
        raise RuntimeError(f"{key!r} is registered twice, differently")
    if any(other.order == entry.order for k, other in entries.items() if k != key):
        raise RuntimeError(f"order {entry.order} of {key!r} is already taken")
    entries[key] = entry


def keeps_history(table: str, *, zh: str, order: int) -> None:
    """Rows of `table` (by `customer_id`) keep a customer from being deleted."""
    _add(_history, table, History(table, zh, order))


def part_of_card(table: str) -> None:
    """Rows of `table` (by `customer_id`) are deleted with the customer card."""
    if table not in _card_parts:
        _card_parts.append(table)


def moves_at_handover(table: str, where: str = "TRUE", *, order: int, column: str = "owner_id") -> None:
    """At a hand-over, the rep's rows of `table` matching `where` move to the receiver."""
    _add(_moves, table, Move(order, table, where, column))


def runs_at_handover(function: Callable, *, order: int) -> None:
    """At a hand-over, `function(s, from_user_id, to_user_id)` runs (after every entry of lower order)."""
    _add(_moves, f"{function.__module__}:{function.__qualname__}", Move(order, function=function))


def stays_at_handover(table: str, why: str) -> None:
    """`table`'s owner column stays with the leaving rep at a hand-over, for the reason `why`."""
    _stays[table] = why


def history() -> list[History]:
    """The history entries, in their order."""
    return sorted(_history.values(), key=lambda h: h.order)


def card_parts() -> list[str]:
    """The tables deleted with a customer card, in the order they were registered."""
    return list(_card_parts)


def handover() -> list[Move]:
    """The hand-over's steps, in their order."""
    return sorted(_moves.values(), key=lambda m: m.order)


def staying() -> dict[str, str]:
    """{table: why} for owner columns that do not move at a hand-over."""
    return dict(_stays)
