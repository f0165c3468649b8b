"""The sales side at "today": campaigns, leads in every state, opportunities with development
plans (open and closed in the last year), and this month's targets.

`Pipeline.leads` leads arrived over the last 90 days from the usual sources; each campaign
that has started adds its own at `leads_per_day` (over at most the last 180 days). Converted
leads and won opportunities are tied to the recently created customers they became, so
funnel, win-rate and campaign reports add up. Every lead and opportunity has hidden traits
(`scenario_traits`) that the reaction model reads when students work them.
"""
from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from ..names import normalise
from . import rand, texts
from .context import Context, choice, customer_names, person_names, phones
from .parts import day

ORDER = {"unassigned": 0, "pending": 1, "following": 2, "invalid": 3, "converted": 3, "voided": 1}


def generate(ctx: Context, cards: pd.DataFrame, people: pd.DataFrame) -> tuple[int, int]:
    campaigns = _campaigns(ctx)
    leads = _leads(ctx, cards, people, campaigns)
    opportunities = _opportunities(ctx, cards, campaigns)
    if ctx.scenario.pipeline.targets:
        _targets(ctx)
    return leads, opportunities


def history(ctx: Context, rows: list[tuple]) -> None:
    """state_history rows (kind, id, action, from, to, user, day offset) in one statement."""
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=["kind", "record_id", "action", "from_state", "to_state", "user_id", "day"])
    ctx.write("INSERT INTO state_history SELECT kind, record_id, action, from_state, to_state, user_id, "
              "?::DATE + day::INTEGER, NULL FROM frame ORDER BY day, record_id", frame, [ctx.today])


def traits(ctx: Context, kind: str, ids: np.ndarray, rng: np.random.Generator, need: np.ndarray,
           line_no: np.ndarray) -> None:
    n = len(ids)
    frame = pd.DataFrame({"id": ids, "need": need, "budget": rng.beta(2, 2, n), "responsiveness": rng.beta(2, 2, n),
                          "channel": choice(rng, ctx.scenario.customers.channels, n),
                          "line": np.array(ctx.lines, dtype=object)[line_no]})
    ctx.write("INSERT INTO scenario_traits (kind, record_id, need, budget, responsiveness, channel, product_line) "
              "SELECT ?, id, need, budget, responsiveness, channel, line FROM frame", frame, [kind])


def _campaigns(ctx: Context) -> pd.DataFrame:
    specs = ctx.scenario.pipeline.campaigns
    rows = []
    owner = ctx.first("marketing", "director")
    first_id = ctx.take("campaigns", len(specs))
    rng = rand.generator(ctx.seed, "campaigns")
    for number, c in enumerate(specs):
        start, end = ((day(c.start, ctx.today) - ctx.today).days, (day(c.end, ctx.today) - ctx.today).days)
        state = "completed" if end < 0 else ("active" if start <= 0 else "planned")
        elapsed = min(max((min(end, 0) - start + 1) / max(end - start + 1, 1), 0), 1)
        rows.append({"id": first_id + number, "key": c.key, "name": ctx.text(c.name), "type": c.campaign_type,
                     "state": state, "owner": owner, "start": start, "end": max(end, start),
                     "budget": c.budget, "cost": round(c.budget * elapsed * rng.uniform(0.85, 1.05), 2),
                     "expected": c.expected_revenue, "description": ctx.text(c.description),
                     "created": min(start - 14, 0), "rate": c.leads_per_day, "quality": c.quality})
    frame = pd.DataFrame(rows, columns=["id", "key", "name", "type", "state", "owner", "start", "end", "budget", "cost",
                                        "expected", "description", "created", "rate", "quality"])
    if len(frame):
        ctx.write("""INSERT INTO campaigns SELECT id, name, type, state, owner, ?::DATE + start::INTEGER,
                              ?::DATE + "end"::INTEGER, budget, cost, expected, description, ?::DATE + created::INTEGER,
                              owner FROM frame""", frame, [ctx.today] * 3)
        moves = [("campaign", r.id, "create", None, "planned", r.owner, r.created) for r in frame.itertuples()]
        moves += [("campaign", r.id, "launch", "planned", "active", r.owner, r.start)
                  for r in frame.itertuples() if r.state != "planned"]
        moves += [("campaign", r.id, "complete", "active", "completed", r.owner, r.end)
                  for r in frame.itertuples() if r.state == "completed"]
        history(ctx, moves)
    return frame


def _leads(ctx: Context, cards: pd.DataFrame, people: pd.DataFrame, campaigns: pd.DataFrame) -> int:
    pipeline, language = ctx.scenario.pipeline, ctx.language
    rng = rand.generator(ctx.seed, "leads")
    created, campaign = [-rng.integers(0, 91, pipeline.leads)], [np.full(pipeline.leads, -1)]
    for row in campaigns.itertuples():
        lo, hi = max(row.start, -180), min(row.end, 0)
        if hi >= lo and row.rate > 0:
            count = rng.poisson(row.rate * (hi - lo + 1))
            created.append(rng.integers(lo, hi + 1, count)), campaign.append(np.full(count, row.Index))
    created, campaign = np.concatenate(created), np.concatenate(campaign)
    n = len(created)
    if n == 0:
        return 0
    state = choice(rng, pipeline.lead_states, n)
    # Converted leads became the recently created customers (newest first), one each.
    recent = cards[cards["created"] >= -120].sort_values("created", ascending=False)
    converted = np.flatnonzero(state == "converted")
    state[converted[len(recent):]] = "following"
    converted = converted[:len(recent)]
    target = recent.iloc[:len(converted)]
    created[converted] = target["created"].to_numpy() - rng.integers(5, 40, len(converted))
    reps = ctx.ids("account_manager")
    owner = np.where(np.isin(state, ["unassigned", "voided"]), 0, reps[rng.integers(0, len(reps), n)])
    owner[converted] = target["owner_id"].to_numpy()
    end = np.zeros(n, dtype=np.int64)
    end[converted] = target["created"].to_numpy()
    # Lead ids follow their creation dates.
    order = np.lexsort((rng.random(n), created))
    created, campaign, state, owner, end = created[order], campaign[order], state[order], owner[order], end[order]
    converted = np.argsort(order)[converted]
    assigned = np.where(owner > 0, np.minimum(created + rng.integers(0, 5, n), end), 0)
    ups = np.where(np.isin(state, ["following", "converted"]), rng.integers(1, 4, n),
                   np.where(state == "invalid", rng.integers(1, 3, n), 0))
    first_id = ctx.take("leads", n)
    lead_ids = np.arange(first_id, first_id + n)
    f_lead = np.repeat(np.arange(n), ups)
    f_day = assigned[f_lead] + np.floor(rng.random(len(f_lead)) * (end - assigned + 1)[f_lead]).astype(np.int64)
    f_day = f_day[np.lexsort((f_day, f_lead))]
    last_up = np.full(n, -10 ** 6)
    np.maximum.at(last_up, f_lead, f_day)
    activity = np.select([state == "pending", np.isin(state, ["following", "invalid"]), state == "converted"],
                         [assigned, last_up, end], created)
    companies = customer_names(rand.generator(ctx.seed, "names", 1), n, language, "company")[0]
    if ctx.scenario.customers.naming == "person":  # prospective students rarely name a company
        companies = np.where(rng.random(n) < 0.85, None, companies)
    duplicate = rng.random(n) < pipeline.duplicate_share  # the duplicate check has something to find
    companies = np.where(duplicate, cards["name"].to_numpy()[rng.integers(0, len(cards), n)], companies)
    companies[converted] = target["name"].to_numpy()
    line_no = rng.integers(0, len(ctx.lines), n)
    product = ctx.products["name"].to_numpy()[rand.pick_products(rng, line_no, ctx.products, 1.0)]
    customer_id, contact_id = np.full(n, np.nan), np.full(n, np.nan)
    customer_id[converted] = target["id"].to_numpy()
    primary = people[people["is_primary"]].set_index("customer_id")["id"]
    contact_id[converted] = primary.reindex(target["id"]).to_numpy()
    quality = pd.to_numeric(campaigns["quality"].reindex(campaign)).fillna(0.5).to_numpy(float).clip(0.1, 0.9)
    keeper = ctx.first("marketing", "service_staff", "director")
    frame = pd.DataFrame({
        "id": lead_ids, "name": person_names(rng, n, language), "company": companies,
        "phone": phones(rng, n, mobile=True),
        "source": np.where(campaign >= 0, "campaign", choice(rng, pipeline.lead_sources, n)),
        "campaign_id": pd.to_numeric(campaigns["id"].reindex(campaign)).to_numpy(float),
        "state": state, "owner_id": np.where(owner > 0, owner, np.nan),
        "assigned": np.where(owner > 0, assigned, np.nan), "activity": activity,
        "note": [texts.LEAD_NOTES[language].format(product=p) for p in product],
        "close_reason": [texts.CLOSE_REASONS[s][language] if s in texts.CLOSE_REASONS else None for s in state],
        "customer_id": customer_id, "contact_id": contact_id,
        "converted": np.where(state == "converted", end, np.nan), "created": created,
        "created_by": np.where(owner > 0, owner, keeper)})
    frame["company_norm"] = [normalise(c) if isinstance(c, str) else None for c in frame["company"]]
    ctx.write("""INSERT INTO leads (id, name, company, company_norm, phone, source, campaign_id, state, owner_id,
                      assigned_on, last_activity_on, note, close_reason, customer_id, contact_id, converted_on,
                      created_on, created_by)
                  SELECT id, name, company, company_norm, phone, source, campaign_id::INTEGER, state, owner_id::INTEGER,
                      ?::DATE + assigned::INTEGER, ?::DATE + activity::INTEGER, note, close_reason,
                      customer_id::INTEGER, contact_id::INTEGER, ?::DATE + converted::INTEGER,
                      ?::DATE + created::INTEGER, created_by FROM frame""", frame, [ctx.today] * 4)
    if len(f_lead):
        followups = texts.phrases("FOLLOWUPS", ctx.scenario.style, language)
        table = pd.DataFrame({"lead_id": lead_ids[f_lead], "user_id": owner[f_lead], "day": f_day,
                                  "channel": choice(rng, {"phone": .5, "wechat": .3, "email": .2}, len(f_lead)),
                                  "detail": np.array(followups, dtype=object)[
                                      rng.integers(0, len(followups), len(f_lead))]})
        ctx.write("INSERT INTO lead_followups SELECT ? + row_number() OVER (ORDER BY day, lead_id) - 1, lead_id, "
                  "user_id, ?::DATE + day::INTEGER, channel, detail, NULL FROM frame",
                  table, [ctx.take("lead_followups", len(table)), ctx.today])
    owned = np.flatnonzero(owner > 0)
    holdings = pd.DataFrame({"id": lead_ids[owned], "user_id": owner[owned], "day": assigned[owned],
                             "ended": np.where(state[owned] == "converted", end[owned], np.nan)})
    ctx.write("INSERT INTO assignments SELECT 'lead', id, user_id, user_id, ?::DATE + day::INTEGER, "
              "?::DATE + ended::INTEGER, 'claim' FROM frame", holdings, [ctx.today, ctx.today])
    moves = [("lead", int(i), "create", None, "unassigned", int(b), int(c))
             for i, b, c in zip(lead_ids, frame["created_by"], created)]
    for k in owned:
        moves.append(("lead", int(lead_ids[k]), "claim", "unassigned", "pending", int(owner[k]), int(assigned[k])))
        if state[k] in ("following", "invalid", "converted"):
            first_up = int(f_day[np.searchsorted(f_lead, k)])
            moves.append(("lead", int(lead_ids[k]), "follow_up", "pending", "following", int(owner[k]), first_up))
        if state[k] in ("invalid", "converted"):
            moves.append(("lead", int(lead_ids[k]), "mark_invalid" if state[k] == "invalid" else "convert",
                          "following", str(state[k]), int(owner[k]), int(activity[k])))
    moves += [("lead", int(lead_ids[k]), "void", "unassigned", "voided", keeper, int(created[k]))
              for k in np.flatnonzero(state == "voided")]
    history(ctx, moves)
    traits(ctx, "lead", lead_ids, rng, rng.beta(4 * quality, 4 * (1 - quality)), line_no)
    return n


def _opportunities(ctx: Context, cards: pd.DataFrame, campaigns: pd.DataFrame) -> int:
    """Open opportunities (some waiting for a supervisor, others at every stage with a plan under
    way) and the last year's closed ones (won ones tied to the customers they became)."""
    pipeline, language, stages = ctx.scenario.pipeline, ctx.language, ctx.stages
    rng = rand.generator(ctx.seed, "opportunities")
    reps, lines = ctx.ids("account_manager"), ctx.lines
    rep_line = ctx.users.set_index("id")["line"]
    n_open, n_closed = pipeline.open_opportunities, pipeline.closed_opportunities
    n_unassigned = round(n_open * pipeline.unassigned_share)
    won_pool = cards[(cards["created"] >= -365) & (cards["created"] <= -10)]
    n_won = min(round(n_closed * pipeline.win_rate), len(won_pool))
    won_rows = won_pool.iloc[rng.permutation(len(won_pool))[:n_won]] if n_won else won_pool.iloc[:0]
    n = n_open + n_closed
    if n == 0:
        return 0
    kind = np.array(["unassigned"] * n_unassigned + ["assigned"] * (n_open - n_unassigned) +
                    ["succeeded"] * n_won + ["failed"] * (n_closed - n_won), dtype=object)
    done = np.select([kind == "assigned", kind == "succeeded", kind == "failed"],
                     [rng.choice([0, 1, 2, 3], n, p=[.25, .3, .25, .2]), np.full(n, 4), rng.integers(1, 5, n)], 0)
    closed = np.where(np.isin(kind, ["succeeded", "failed"]), -rng.integers(15, 366, n), 0)
    closed[kind == "succeeded"] = won_rows["created"].to_numpy()
    span = np.where(done > 0, done * rng.integers(4, 9, n), 0)
    assigned = np.select([kind == "assigned", np.isin(kind, ["succeeded", "failed"])],
                         [np.where(done == 0, -rng.integers(0, 10, n), -span - rng.integers(1, 6, n)),
                          closed - span - rng.integers(1, 4, n)], 0)
    created = np.where(kind == "unassigned", -rng.integers(0, 11, n), assigned - rng.integers(0, 5, n))
    line_no = rng.integers(0, len(lines), n)
    # Supervisors mostly give a deal to a rep of the matching product line.
    matching = [np.flatnonzero(rep_line.reindex(reps).to_numpy() == line) for line in lines]
    owner = np.array([reps[m[rng.integers(0, len(m))]] if len(m) and rng.random() < 0.6
                      else reps[rng.integers(0, len(reps))] for m in (matching[k] for k in line_no)])
    supervisors = ctx.ids("supervisor")
    creator = np.where(kind == "unassigned", np.where(rng.random(n) < 0.5, owner,
                       supervisors[rng.integers(0, len(supervisors), n)] if len(supervisors) else owner), owner)
    owner = np.where(kind == "unassigned", creator, owner)
    names = customer_names(rand.generator(ctx.seed, "names", 2), n, language, ctx.scenario.customers.naming)[0]
    customer_id = np.full(n, np.nan)
    upsell = (kind == "assigned") & (rng.random(n) < 0.2)
    pick = rng.integers(0, len(cards), n)
    names = np.where(upsell, cards["name"].to_numpy()[pick], names)
    customer_id[upsell] = cards["id"].to_numpy()[pick][upsell]
    names[kind == "succeeded"] = won_rows["name"].to_numpy()
    customer_id[kind == "succeeded"] = won_rows["id"].to_numpy()
    product_row = rand.pick_products(rng, line_no, ctx.products, 1.0)
    product = ctx.products["name"].to_numpy()[product_row]
    amount = np.maximum(np.round(pipeline.deal_size * rng.lognormal(0, 0.7, n), -2), 100)
    qty = np.maximum(amount // ctx.products["price"].astype(float).to_numpy()[product_row], 1).astype(int)
    summaries = texts.phrases("SUMMARIES", ctx.scenario.style, language)
    summary = [summaries[k].format(qty=q, product=p) for k, q, p in
               zip(rng.integers(0, len(summaries), n), qty, product)]
    stage_no = np.clip(done - 1, 0, len(stages) - 1)
    first_id = ctx.take("opportunities", n)
    ids = np.arange(first_id, first_id + n)
    has_campaign = (rng.random(n) < 0.2) & bool(len(campaigns)) & (kind != "unassigned")
    frame = pd.DataFrame({
        "id": ids, "source": np.where(has_campaign, "campaign", choice(rng, pipeline.lead_sources, n)),
        "customer_name": names, "contact_name": person_names(rng, n, language), "contact_phone": phones(rng, n, True),
        "summary": summary, "expected_amount": amount,
        "probability": np.where(kind == "assigned", np.array([v for _, v in stages])[stage_no],
                                np.where(kind == "unassigned", 10, np.where(kind == "succeeded", 100, 0))),
        "state": kind, "stage": np.where(kind == "unassigned", None, np.array([c for c, _ in stages],
                                                                              dtype=object)[stage_no]),
        "owner_id": owner, "assigned": np.where(kind == "unassigned", np.nan, assigned),
        "assigned_by": np.where(kind == "unassigned", np.nan, supervisors[rng.integers(0, len(supervisors), n)]
                                if len(supervisors) else ctx.first("director")),
        "campaign_id": np.where(has_campaign, campaigns["id"].to_numpy()[rng.integers(0, max(len(campaigns), 1), n)]
                                if len(campaigns) else 0, np.nan),
        "customer_id": customer_id, "closed": np.where(closed < 0, closed, np.nan),
        "won_amount": np.where(kind == "succeeded", np.round(amount * rng.uniform(0.8, 1.1, n), 2), np.nan),
        "lost_reason": np.where(kind == "failed", choice(rng, {"price": .3, "competitor": .3, "no_budget": .2,
                                                               "no_need": .1, "unreachable": .1}, n), None),
        "created": created, "created_by": creator})
    ctx.write("""INSERT INTO opportunities (id, source, customer_name, contact_name, contact_phone, summary,
                      expected_amount, probability, state, stage, owner_id, assigned_on, assigned_by, campaign_id,
                      customer_id, closed_on, won_amount, lost_reason, created_on, created_by)
                  SELECT id, source, customer_name, contact_name, contact_phone, summary, expected_amount, probability,
                      state, stage, owner_id, ?::DATE + assigned::INTEGER, assigned_by::INTEGER, campaign_id::INTEGER,
                      customer_id::INTEGER, ?::DATE + closed::INTEGER, won_amount, lost_reason,
                      ?::DATE + created::INTEGER, created_by FROM frame""", frame, [ctx.today] * 3)
    _plans(ctx, rng, frame, done, assigned, closed, product)
    held = np.flatnonzero(kind != "unassigned")
    holdings = pd.DataFrame({"id": ids[held], "user_id": owner[held], "assigner": frame["assigned_by"].to_numpy()[held],
                             "day": assigned[held], "ended": np.where(closed[held] < 0, closed[held], np.nan)})
    ctx.write("INSERT INTO assignments SELECT 'opportunity', id, user_id, assigner::INTEGER, ?::DATE + day::INTEGER, "
              "?::DATE + ended::INTEGER, 'assign' FROM frame", holdings, [ctx.today, ctx.today])
    moves = [("opportunity", int(i), "create", None, "unassigned", int(b), int(c)) for i, b, c in zip(ids, creator, created)]
    moves += [("opportunity", int(ids[k]), "assign", "unassigned", "assigned", int(frame["assigned_by"].iloc[k]),
               int(assigned[k])) for k in held]
    moves += [("opportunity", int(ids[k]), "succeed" if kind[k] == "succeeded" else "fail", "assigned", str(kind[k]),
               int(owner[k]), int(closed[k])) for k in np.flatnonzero(closed < 0)]
    history(ctx, moves)
    need = np.select([kind == "succeeded", kind == "failed"], [rng.beta(5, 2, n), rng.beta(2, 5, n)], rng.beta(2, 2, n))
    traits(ctx, "opportunity", ids, rng, need, line_no)
    return n


def _plans(ctx: Context, rng: np.random.Generator, opps: pd.DataFrame, done: np.ndarray, assigned: np.ndarray,
           closed: np.ndarray, product: np.ndarray) -> None:
    """Development plans: the done steps (call → visit → proposal → negotiation, a few days apart) with
    their results, and the next step planned for an open opportunity that has started."""
    open_next = (opps["state"].to_numpy() == "assigned") & (done > 0) & (done < 4)
    steps = done + open_next
    row = np.repeat(np.arange(len(opps)), steps)
    rank = np.concatenate([np.arange(1, k + 1) for k in steps]) if len(row) else np.zeros(0, dtype=int)
    end = np.where(closed < 0, closed, -1)
    gap = np.maximum((end - assigned) / np.maximum(done, 1), 1)
    when = assigned[row] + np.ceil(gap[row] * (rank - 0.5)).astype(np.int64)
    is_next = open_next[row] & (rank == steps[row])
    when = np.where(is_next, rng.integers(1, 9, len(row)), np.minimum(when, end[row]))
    lost_last = (opps["state"].to_numpy()[row] == "failed") & (rank == done[row])
    step = texts.phrases("STEPS", ctx.scenario.style, ctx.language)
    frame = pd.DataFrame({
        "opportunity_id": opps["id"].to_numpy()[row], "day": when,
        "action": [step[r][0] for r in rank], "result": [None if nx else (texts.STEP_LOST[ctx.language] if lost
                                                                             else step[r][1])
                                                         for r, nx, lost in zip(rank, is_next, lost_last)],
        "contact": opps["contact_name"].to_numpy()[row], "customer": opps["customer_name"].to_numpy()[row],
        "product": product[row], "owner": opps["owner_id"].to_numpy()[row]})
    fill = "replace(replace(replace({}, '{{contact}}', contact), '{{customer}}', customer), '{{product}}', product)"
    ctx.write(f"""INSERT INTO plan_steps SELECT ? + row_number() OVER (ORDER BY opportunity_id, day) - 1,
                           opportunity_id, ?::DATE + day::INTEGER, {fill.format('action')}, {fill.format('result')},
                           CASE WHEN result IS NULL THEN NULL ELSE ?::DATE + day::INTEGER END, owner,
                           CASE WHEN result IS NULL THEN NULL ELSE owner END FROM frame""",
              frame, [ctx.take("plan_steps", len(frame)), ctx.today, ctx.today])


def _targets(ctx: Context) -> None:
    """This month's order-amount target for every account manager: 10 % above their monthly
    average of the last six months, set by their supervisor."""
    period = f"{ctx.today:%Y-%m}"  # the month's target runs from its first day to its last
    start = ctx.today.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    setter = ctx.first("director")
    # Over the order history: queued after its writes, so it runs once they are in; it numbers its
    # rows from the table itself (no step after it needs their ids).
    ctx.db.behind(ctx.db.execute, """
        INSERT INTO targets
        SELECT (SELECT coalesce(max(id), 0) FROM targets) + row_number() OVER (ORDER BY u.id), u.id, NULL, $period, $start, $end, 'order_amount',
               greatest(round(coalesce(sum(o.amount), 0) * 1.1 / 6, -3), 1000),
               coalesce((SELECT min(s.id) FROM users s WHERE s.role = 'supervisor' AND s.team_id = u.team_id), $setter),
               $today
        FROM users u LEFT JOIN orders o ON o.owner_id = u.id AND o.order_date > $today::DATE - 183
        WHERE u.role = 'account_manager' AND u.active GROUP BY u.id, u.team_id""",
                  {"period": period, "start": start, "end": end, "setter": setter, "today": ctx.today})
