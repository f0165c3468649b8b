"""The customer base: cards with a buying pattern, their hidden traits, contacts and interaction history.

Every customer gets a pattern — steady, growing, declining, new, lapsed (silent for
longer than the churn threshold at "today") or drifting (silent for 55–100 % of it,
so its warning comes during the exercise) — and an *anchor* order that fixes its
last order date: active customers ordered within half the threshold, so after the
generation the churn scan warns exactly the lapsed ones (tests hold this).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import rand, texts
from .context import (
    LEVEL_RATE,
    LEVEL_VALUE,
    NEVER,
    PATTERN_RISK,
    PATTERN_SATISFACTION,
    Context,
    choice,
    customer_names,
    person_names,
    phones,
)

KEY_LEVELS = ("key_account", "partner", "strategic_partner")


def customers(ctx: Context) -> pd.DataFrame:
    """Generate and write the customer cards and their traits; returns the frame later steps use."""
    base = ctx.scenario.customers
    rng = rand.generator(ctx.seed, "customers")
    n, language = base.size, ctx.language
    horizon = round(base.history_years * 365)
    threshold = ctx.threshold_days()
    reps = ctx.ids("account_manager")

    pattern = choice(rng, base.patterns, n)
    pattern = np.where(rng.random(n) < base.drifting, "drifting", pattern).astype(object)
    u = rng.random(n)
    anchor = -np.round(u * np.minimum(0.5 * threshold, 90)).astype(np.int64)
    lapsed = pattern == "lapsed"
    drifting = pattern == "drifting"
    new = pattern == "new"
    anchor = np.where(lapsed, -rng.integers(threshold + 20, threshold + 420, n), anchor)
    anchor = np.where(drifting, -np.round(threshold * rng.uniform(0.55, 1.0, n) - 8).astype(np.int64), anchor)
    oldest = np.minimum(anchor - 30, -30)
    created = np.round(oldest - rng.random(n) * np.maximum(horizon + oldest, 0)).astype(np.int64)
    created = np.where(new, -rng.integers(10, 120, n), created)
    anchor = np.where(new, np.maximum(anchor, created), anchor)
    # Future lapses of active customers (the clock's "customers lapsing"): exponential waiting times.
    wait = rng.exponential(365.0 / base.annual_churn, n) if base.annual_churn > 0 else np.full(n, NEVER)
    lapse = np.where(lapsed | drifting, anchor + 1, np.minimum(np.round(wait) + 1, NEVER)).astype(np.int64)
    trend = np.where(pattern == "growing", np.log(2.0), np.where(pattern == "declining", -np.log(2.0), 0.0))
    trend = trend + rng.normal(0, 0.1, n)
    level = choice(rng, base.levels, n)
    weight = rng.gamma(0.9, 1.0, n) * np.vectorize(LEVEL_RATE.get)(level)
    value = base.order_value * np.vectorize(LEVEL_VALUE.get)(level) * rng.lognormal(0, 0.5 * base.value_spread, n)
    discount = np.where(np.isin(level, KEY_LEVELS), rng.uniform(0.02, 0.08, n), 0.0)

    names, norms = customer_names(rng, n, language, base.naming, ctx.cities())
    company = base.naming == "company"
    routes = rng.integers(0, base.routes, n) if base.routes else None
    owner = reps[routes % len(reps)] if routes is not None else reps[rng.integers(0, len(reps), n)]
    towns = ctx.cities() or texts.CITIES[language]
    city = np.array(towns, dtype=object)[rng.integers(0, len(towns), n)]
    street = np.array(texts.STREETS[language], dtype=object)[rng.integers(0, len(texts.STREETS[language]), n)]
    number = rng.integers(1, 300, n).astype(str).astype(object)
    address = (("No. " + number + " " + street + ", " + city) if language == "en"
               else city + "市" + street + number + "号")
    satisfaction = np.clip(np.round(np.vectorize(PATTERN_SATISFACTION.get)(pattern) + rng.normal(0, 0.8, n)), 1, 5)
    first_id = ctx.take("customers", n)
    cards = pd.DataFrame({
        "id": np.arange(first_id, first_id + n), "name": names, "name_norm": norms,
        "phone": phones(rng, n, mobile=base.naming == "person"), "address": address, "owner_id": owner,
        "legal_rep": person_names(rng, n, language) if base.naming != "person" else None,
        "founded": (created - rng.integers(365, 20 * 365, n)) if base.naming != "person" else None,
        "ownership": choice(rng, {"state": .15, "joint_venture": .1, "collective": .05, "joint_stock": .3,
                                  "private": .4}, n) if company else ("private" if base.naming == "shop" else None),
        "industry": choice(rng, base.industries, n) if base.naming != "person" else None,
        "company_size": choice(rng, {"micro": .3, "small": .4, "medium": .22, "large": .08}, n) if company
        else ("micro" if base.naming == "shop" else None),
        "assets": np.round(value * rng.uniform(50, 400, n), -3) if company else None,
        "customer_type": choice(rng, base.types, n), "level": level,
        "credit": rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.1, 0.3, 0.35, 0.2]),
        "satisfaction": satisfaction.astype(int), "region": choice(rng, base.regions, n),
        "route": [(f"R{r + 1:02d}" if language == "en" else f"线路{r + 1:02d}") for r in routes]
        if routes is not None else None,
        "created": created, "anchor": anchor, "lapse": lapse, "pattern": pattern, "weight": weight,
        "trend": trend, "value": value, "discount": discount,
        "line_no": rng.integers(0, len(ctx.lines), n), "channel": choice(rng, base.channels, n),
        "need": rng.beta(2, 2, n), "budget": rng.beta(2, 2, n), "responsiveness": rng.beta(2, 2, n),
        "churn_risk": np.clip(np.vectorize(PATTERN_RISK.get)(pattern) + rng.normal(0, 0.1, n), 0, 1),
        "churn_reason": choice(rng, base.reasons, n),
    })
    ctx.write("""
        INSERT INTO customers (id, name, name_norm, phone, address, owner_id, legal_rep, founded, ownership, industry,
            company_size, assets, customer_type, level, credit, satisfaction, region, route, status, created_on,
            created_by)
        SELECT id, name, name_norm, phone, address, owner_id, legal_rep, ?::DATE + founded::INTEGER, ownership,
            industry, company_size, assets, customer_type, level, credit, satisfaction, region, route, 'active',
            ?::DATE + created::INTEGER, owner_id FROM frame""", cards, [ctx.today, ctx.today])
    return cards


def write_traits(ctx: Context, cards: pd.DataFrame, rate: np.ndarray) -> None:
    """The customers' hidden side (instructors read it with `crm.simulation.traits()`)."""
    frame = cards[["id", "need", "budget", "responsiveness", "channel", "churn_risk", "churn_reason", "pattern",
                   "trend", "value", "discount", "lapse"]].copy()
    frame["line"] = np.array(ctx.lines, dtype=object)[cards["line_no"].to_numpy()]
    frame["rate"] = rate
    frame["lapse"] = np.where(frame["lapse"] >= NEVER, np.nan, frame["lapse"])
    ctx.write("""
        INSERT INTO scenario_traits (kind, record_id, need, budget, responsiveness, channel, product_line, churn_risk,
            churn_reason, pattern, rate, trend, order_value, discount, lapse_on, won_back_on)
        SELECT 'customer', id, need, budget, responsiveness, channel, line, churn_risk, churn_reason, pattern, rate,
            trend, value, discount, ?::DATE + lapse::INTEGER, NULL FROM frame""", frame, [ctx.today])


def contacts(ctx: Context, cards: pd.DataFrame) -> pd.DataFrame:
    """1–4 contacts per customer (the first is primary); returns (customer_id, contact id, name) rows."""
    base, language = ctx.scenario.customers, ctx.language
    rng = rand.generator(ctx.seed, "contacts")
    per = np.minimum(1 + rng.poisson(base.contacts - 1, len(cards)), 4)
    owner = np.repeat(cards["id"].to_numpy(), per)
    n = len(owner)
    first = np.r_[True, owner[1:] != owner[:-1]]
    names = person_names(rng, n, language)
    titles = texts.TITLES[base.naming][language]
    title = np.array(titles, dtype=object)[np.where(first, 0, rng.integers(1, len(titles), n))]
    if base.naming == "person":  # a private customer is its own first contact
        names = np.where(first, np.repeat(cards["name"].to_numpy(), per), names)
    else:
        title = np.where(first & (rng.random(n) < 0.5), np.array(titles, dtype=object)[rng.integers(0, len(titles), n)],
                         title)
    first_id = ctx.take("contacts", n)
    frame = pd.DataFrame({"id": np.arange(first_id, first_id + n), "customer_id": owner, "name": names,
                          "title": title, "mobile": phones(rng, n, mobile=True), "is_primary": first})
    ctx.write("INSERT INTO contacts (id, customer_id, name, title, mobile, is_primary) "
              "SELECT id, customer_id, name, title, mobile, is_primary FROM frame", frame)
    return frame


def interactions(ctx: Context, cards: pd.DataFrame, people: pd.DataFrame) -> int:
    """Interaction records over each customer's active life, often through its preferred channel
    (a student who reads the history can find it out)."""
    base, language = ctx.scenario.customers, ctx.language
    rng = rand.generator(ctx.seed, "interactions")
    end = np.minimum(0, cards["anchor"].to_numpy() + 90)
    start = cards["created"].to_numpy()
    years = np.maximum(end - start, 0) / 365
    boost = np.where(cards["level"].isin(KEY_LEVELS), 1.5, 1.0)
    per = rng.poisson(base.interactions_per_year * years * boost)
    idx = np.repeat(np.arange(len(cards)), per)
    n = len(idx)
    if n == 0:
        return 0
    day = start[idx] + np.floor(rng.random(n) * np.maximum(end - start, 0)[idx] + 0.5).astype(np.int64)
    channels = np.array(list(base.channels), dtype=object)
    mix = np.array(list(base.channels.values()))
    usual = channels[rng.choice(len(channels), n, p=mix / mix.sum())]
    channel = np.where(rng.random(n) < 0.55, cards["channel"].to_numpy()[idx], usual)
    catalogue = texts.phrases("INTERACTIONS", ctx.scenario.style, language)
    templates = [(c, s, d) for c in catalogue for s, d in catalogue[c]]
    per = np.array([len(catalogue[c]) for c in catalogue])
    first = np.r_[0, np.cumsum(per)[:-1]]
    ch = pd.Categorical(channel, categories=list(catalogue)).codes
    template = first[ch] + rng.integers(0, 60, n) % per[ch]
    counts = np.bincount(people["customer_id"].to_numpy() - cards["id"].iloc[0], minlength=len(cards))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    contact_row = starts[idx] + (rng.random(n) * counts[idx]).astype(np.int64)
    products = ctx.products
    product_row = rand.pick_products(rng, cards["line_no"].to_numpy()[idx], products)
    first_id = ctx.take("interactions", n)
    frame = pd.DataFrame({
        "id": np.arange(first_id, first_id + n), "customer_id": cards["id"].to_numpy()[idx],
        "contact_id": people["id"].to_numpy()[contact_row], "user_id": cards["owner_id"].to_numpy()[idx],
        "day": day, "channel": channel, "product": products["name"].to_numpy()[product_row],
        "contact": people["name"].to_numpy()[contact_row], "customer": cards["name"].to_numpy()[idx],
        "subject": np.array([s for _c, s, _d in templates], dtype=object)[template],
        "detail": np.array([d for _c, _s, d in templates], dtype=object)[template]}, copy=False)
    # The rows come by customer, then id: stored by customer, as history.insert_orders explains.
    ctx.write("""
        INSERT INTO interactions (id, customer_id, contact_id, user_id, on_date, channel, subject, detail)
        SELECT id, customer_id, contact_id, user_id, ?::DATE + day::INTEGER, channel, subject,
               replace(replace(replace(detail, '{contact}', contact), '{product}', product), '{customer}', customer)
        FROM frame""", frame, [ctx.today])
    return n
