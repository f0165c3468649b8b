"""A board: one column per stage with its count, amount and weighted amount; cards move by a menu.

    Board(crm, [BoardColumn("unassigned", "Unassigned", 3, 250_000, 25_000,
                            cards=[Card(7, "Lakeside Hotel", ("50 notebooks", "Li Ming"), 250_000, 30)],
                            accepts=False), …],
          on_move=lambda card_id, to: crm.opportunities.set_stage(card_id, to) and "Moved.",
          on_open=set_open_id)

`on_move(card_id, column_key) -> str` calls one facade verb and returns the confirmation; a
refusal (`CRMError`) shows under the card, which stays where it was. Columns wrap, so a
735-px pane never scrolls sideways.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field as dc_field
from typing import Callable

import solara
from solara.alias import rv

from . import fmt
from .messages import Feedback, attempt

CSS = """
.crm-board { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; width: 100%; }
.crm-board-column { flex: 1 1 11em; min-width: 11em; max-width: 100%; background: #f3f5f9; border-radius: 6px;
  padding: 6px; }
.crm-board-head { font-weight: 600; }
.crm-board-sums { font-size: 12px; color: #444; }
.crm-board-card { background: #fff; border: 1px solid #ccd; border-radius: 4px; padding: 4px 6px; margin: 6px 0;
  font-size: 12px; overflow-wrap: anywhere; }
.crm-board-card .crm-card-title { font-weight: 600; cursor: pointer; color: #1a237e; }
"""


@dataclass(frozen=True)
class Card:
    """One record on the board."""

    id: int
    title: str
    lines: tuple = ()
    amount: float | None = None
    probability: int | None = None


@dataclass(frozen=True)
class BoardColumn:
    """One column: its key (the move target), title, totals, the cards shown; `accepts` says
    whether cards may be moved into it; `more` counts the cards not shown."""

    key: str
    title: str
    count: int
    amount: float
    weighted: float
    cards: tuple = dc_field(default=())
    accepts: bool = True
    more: int = 0


@solara.component
def BoardCard(crm, card: Card, column: BoardColumn, targets, on_move, on_open, message, ref: str):
    figures = " · ".join(x for x in (fmt.money(card.amount),
                                     fmt.percent(card.probability, digits=0, fraction=False)) if x)
    with rv.Html(tag="div", class_="crm-board-card").meta(ref=f"{ref}-card-{card.id}") as box:
        title = rv.Html(tag="div", class_="crm-card-title", children=[f"{card.id} · {card.title}"]
                        ).meta(ref=f"{ref}-open-{card.id}")
        rv.use_event(title, "click", lambda *_: on_open(card.id) if on_open else None)
        # The lines and figures are one escaped HTML widget: a board redraws many cards at once, and
        # each widget less per card is ~1 ms less per card on a filter change.
        body = "".join(f"<div>{html.escape(fmt.blank(line))}</div>" for line in card.lines if fmt.blank(line))
        if figures:
            body += f"<div>{html.escape(figures)}</div>"
        if body:
            solara.HTML(tag="div", unsafe_innerHTML=body)
        if on_move is not None and targets:
            rv.Select(items=[{"title": t.title, "value": t.key} for t in targets], v_model=None,
                      label=crm.t("ui.kit.move_to"), density="compact", hide_details=True,
                      on_v_model=lambda key: key and on_move(card.id, key)).meta(ref=f"{ref}-move-{card.id}")
        if message is not None:
            Feedback(message, ref=f"{ref}-message-{card.id}")
    return box


@solara.component
def Board(crm, columns, on_move: Callable[[int, str], str] | None = None, on_open: Callable | None = None,
          ref: str = "board"):
    """The columns side by side (wrapping), each with count, amount and weighted amount."""
    last, set_last = solara.use_state((None, None))

    def move(card_id, key):
        set_last((card_id, attempt(crm, lambda: on_move(card_id, key), ok=lambda text: text)))

    with rv.Html(tag="div", class_="crm-board").meta(ref=ref) as box:
        solara.Style(CSS)
        for column in columns:
            targets = [c for c in columns if c.accepts and c.key != column.key]
            with rv.Html(tag="div", class_="crm-board-column", attributes={"data-column": column.key}
                         ).meta(ref=f"{ref}-column-{column.key}"):
                rv.Html(tag="div", class_="crm-board-head", children=[column.title])
                rv.Html(tag="div", class_="crm-board-sums", children=[crm.t(
                    "ui.kit.column_sums", count=column.count, amount=fmt.money(column.amount),
                    weighted=fmt.money(column.weighted))]).meta(ref=f"{ref}-sums-{column.key}")
                for card in column.cards:
                    BoardCard(crm, card, column, targets, move if on_move else None, on_open,
                              last[1] if last[0] == card.id else None, ref).key(f"card-{card.id}")
                if column.more > 0:
                    rv.Html(tag="i", children=[crm.t("ui.kit.more_cards", n=column.more)])
    return box
