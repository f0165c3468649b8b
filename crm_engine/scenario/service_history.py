"""Service history: tickets over each customer's life (archived with their handling and feedback
rounds), the last weeks' tickets still open at every stage, and the calls still waiting.

Customers drifting away complain more. Each archived ticket keeps its steps (handling,
feedback; a second round when the first feedback was unsatisfied), as the service area
writes them (S1–S5), so service analysis and the archive search have real material.
"""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from . import rand, texts
from .context import Context, choice

UNHAPPY = ("declining", "drifting", "lapsed")
STILL_OPEN = {"en": "Still not solved; please try again.", "zh_CN": "问题仍未解决，请再处理。"}


def ticket_templates(style: str, language: str) -> pd.DataFrame:
    """The ticket texts as a table (template, service_type, subject, request, handling, result)."""
    rows = [(kind, *parts) for kind, variants in texts.phrases("TICKETS", style, language).items() for parts in variants]
    return pd.DataFrame(rows, columns=["service_type", "subject", "request", "handling", "result"]).reset_index(
        names="template")


def ticket_texts(ctx: Context, rng: np.random.Generator, service_type: np.ndarray,
                 line_no: np.ndarray) -> dict[str, np.ndarray]:
    """Subject, request, handling and result texts for tickets of the given types (a template of
    the type, or of `other` for types the catalogue has no words for, filled with a product)."""
    types, first, count, grids = _filled(ctx.scenario.style, ctx.language, tuple(ctx.products["name"]))
    at = types.get_indexer(np.where(np.isin(service_type, types.to_numpy()), service_type, "other"))
    template = first[at] + rng.integers(0, 60, len(at)) % count[at]
    product = rand.pick_products(rng, line_no, ctx.products)
    return {column: grid[template, product] for column, grid in grids.items()}


@functools.lru_cache(maxsize=16)
def _filled(style: str, language: str, names: tuple[str, ...]):
    """Every (template, product) text filled once, to be picked per ticket: a few hundred
    replacements instead of one per ticket and column — and, cached, none on each day the
    clock draws a handful of tickets. Returns the types, each one's first template and count,
    and the texts by column (a template × product grid)."""
    table = ticket_templates(style, language)
    groups = table.groupby("service_type")["template"]
    first, count = groups.min(), groups.count()
    grids = {column: np.array([[text.replace("{product}", name) for name in names] for text in table[column]],
                              dtype=object) for column in ("subject", "request", "handling", "result")}
    return first.index, first.to_numpy(), count.to_numpy(), grids


def generate(ctx: Context, cards: pd.DataFrame, people: pd.DataFrame) -> int:
    """The service history; returns the number of tickets."""
    return _tickets(ctx, cards, people)


def _tickets(ctx: Context, cards: pd.DataFrame, people: pd.DataFrame) -> int:
    service = ctx.scenario.service
    rng = rand.generator(ctx.seed, "tickets")
    start = cards["created"].to_numpy()
    end = np.minimum(0, cards["anchor"].to_numpy() + 60)
    years = np.maximum(end - start, 0) / 365
    unhappy = cards["pattern"].isin(UNHAPPY).to_numpy()
    count = rng.poisson(service.tickets_per_customer_year * years * np.where(unhappy, 1.6, 1.0))
    idx = np.repeat(np.arange(len(cards)), count)
    n = len(idx)
    if n == 0:
        return 0
    created = start[idx] + np.floor(rng.random(n) * (end - start)[idx] + 0.5).astype(np.int64)
    order = np.lexsort((idx, created))
    idx, created = idx[order], created[order]
    kind = choice(rng, service.types, n)
    if "complaint" in service.types:
        kind = np.where(unhappy[idx] & (rng.random(n) < 0.3), "complaint", kind)
    recent = created > -service.open_days
    state = np.where(recent, choice(rng, {"new": .35, "assigned": .35, "handled": .3}, n), "archived")
    second = (state == "archived") & (rng.random(n) < 0.15)
    handlers = ctx.ids("service_staff")
    handler = handlers[rng.integers(0, len(handlers), n)] if len(handlers) else cards["owner_id"].to_numpy()[idx]
    assigners = np.r_[ctx.ids("supervisor"), ctx.ids("director")]
    assigner = assigners[rng.integers(0, len(assigners), n)] if len(assigners) else np.ones(n, dtype=np.int64)
    assigned = np.minimum(created + rng.integers(0, 3, n), 0)
    handled = np.minimum(assigned + rng.integers(0, 6, n), 0)
    first_feedback = np.minimum(handled + rng.integers(1, 5, n), 0)
    rehandled = np.minimum(first_feedback + rng.integers(0, 4, n), 0)
    feedback = np.where(second, np.minimum(rehandled + rng.integers(1, 4, n), 0), first_feedback)
    satisfaction = np.clip(np.round(rng.normal(service.satisfaction, 0.8, n)), 3, 5).astype(int)
    words = ticket_texts(ctx, rng, kind, cards["line_no"].to_numpy()[idx])
    contact = people.groupby("customer_id")["id"].min().reindex(cards["id"].to_numpy()[idx]).to_numpy()
    is_open = np.isin(state, ["new"])
    done = np.isin(state, ["handled", "archived"])
    first_id = ctx.take("tickets", n)
    ids = np.arange(first_id, first_id + n)
    creators = handlers if len(handlers) else None
    frame = pd.DataFrame({
        "id": ids, "customer_id": cards["id"].to_numpy()[idx], "contact_id": contact, "service_type": kind,
        "subject": words["subject"], "request": words["request"], "state": state, "created": created,
        "created_by": creators[rng.integers(0, len(creators), n)] if creators is not None
        else cards["owner_id"].to_numpy()[idx],
        "assigned_to": np.where(is_open, np.nan, handler), "assigned_by": np.where(is_open, np.nan, assigner),
        "assigned": np.where(is_open, np.nan, assigned), "attempts": np.where(done, np.where(second, 2, 1), 0),
        "handling": np.where(done, words["handling"], None), "handled": np.where(done, handled, np.nan),
        "result": np.where(state == "archived", words["result"], None),
        "satisfaction": np.where(state == "archived", satisfaction, np.nan),
        "feedback": np.where(state == "archived", feedback, np.nan)})
    ctx.write("""INSERT INTO tickets SELECT id, customer_id, contact_id::INTEGER, service_type, subject, request,
                      state, ?::DATE + created::INTEGER, created_by, NULL, assigned_to::INTEGER,
                      assigned_by::INTEGER, ?::DATE + assigned::INTEGER, attempts, handling,
                      ?::DATE + handled::INTEGER, result, satisfaction::INTEGER, ?::DATE + feedback::INTEGER,
                      CASE WHEN state = 'archived' THEN assigned_to::INTEGER END, ?::DATE + feedback::INTEGER
                  FROM frame""", frame, [ctx.today] * 5)
    # Steps: handling (1), [unsatisfied feedback (1), handling (2)], final feedback — as care/service.py writes them.
    def rows(mask, attempt, step, day, text, satisfaction, order):
        k = np.flatnonzero(mask)
        return pd.DataFrame({"ticket_id": ids[k], "attempt": np.broadcast_to(attempt, n)[k], "step": step,
                             "user_id": handler[k], "day": day[k], "text": np.broadcast_to(text, n)[k],
                             "satisfaction": np.broadcast_to(satisfaction, n)[k], "order": order})
    archived = state == "archived"
    table = pd.concat([
        rows(done, 1, "handling", handled, words["handling"], np.nan, 0),
        rows(second, 1, "feedback", first_feedback, STILL_OPEN[ctx.language], rng.integers(1, 3, n), 1),
        rows(second, 2, "handling", rehandled, words["handling"], np.nan, 2),
        rows(archived, np.where(second, 2, 1), "feedback", feedback, words["result"], satisfaction, 3),
    ]).sort_values(["ticket_id", "order"], kind="stable")
    if len(table):
        ctx.write("INSERT INTO ticket_steps SELECT ? + row_number() OVER () - 1, ticket_id, attempt, step, user_id, "
                  "?::DATE + day::INTEGER, text, satisfaction::INTEGER FROM frame",
                  table, [ctx.take("ticket_steps", len(table)), ctx.today])
    moves = pd.DataFrame({"id": ids, "state": state, "creator": frame["created_by"], "created": created,
                          "assigned": assigned, "assigner": assigner, "handler": handler, "handled": handled,
                          "feedback": feedback})
    ctx.write("""INSERT INTO state_history
                  SELECT 'ticket', id, 'create', NULL, 'new', creator, ?::DATE + created::INTEGER, NULL FROM frame
                  UNION ALL
                  SELECT 'ticket', id, 'assign', 'new', 'assigned', assigner, ?::DATE + assigned::INTEGER, NULL
                  FROM frame WHERE state <> 'new'
                  UNION ALL
                  SELECT 'ticket', id, 'handle', 'assigned', 'handled', handler, ?::DATE + handled::INTEGER, NULL
                  FROM frame WHERE state IN ('handled', 'archived')
                  UNION ALL
                  SELECT 'ticket', id, 'archive', 'handled', 'archived', handler, ?::DATE + feedback::INTEGER, NULL
                  FROM frame WHERE state = 'archived'""", moves, [ctx.today] * 4)
    return n
