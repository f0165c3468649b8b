"""Reading the sales pipeline (R5) and the one-week rule (O9), on `crm.opportunities`.

Each is one set-based SQL statement over what the user may see (the sharing policy
of kinds `opportunity`, `lead` and `customer`), measured on the scenario clock.

- `funnel()`: how many opportunities reached each stage (a won one reached them all),
  the conversion from the stage before, and what is open at each stage now.
- `win_rate(by=…)`: won, lost and win rate = won / (won + lost), overall or cut by
  owner, team, product, category, region, source, campaign, month, quarter or year of
  closing (the cuts: pipeline_cuts.py); `funnel(by=…)` and `pipeline(by=…)` (the open
  opportunities' amount and weighted amount per stage) take the same cuts.
- `overdue()`: assigned opportunities, leads and customers newly given to a manager
  that nobody contacted within `contact_within_days` days (default 7): the
  supervisor's list for reassigning. "Contacted" means: for an opportunity, a plan
  step result recorded since it was assigned; for a lead, a follow-up logged since it
  was given; for a customer, an interaction by its owner since it was given to them
  (created for them by someone else, reassigned, or handed over).
"""
from __future__ import annotations

import pandas as pd

from .. import validate
from ..customers.cards import visible as customer_visible
from ..i18n import translate
from ..session import Session, load_user, query
from .lead import visible as lead_visible
from .opportunity import SELECT, filters, visible
from .pipeline_cuts import opportunity_groups

class PipelineVerbs:
    """Pipeline reports of `crm.opportunities`."""

    _s: Session

    @query
    def funnel(self, *, since=None, until=None, owner=None, by: str | None = None) -> pd.DataFrame:
        """The sales funnel of the opportunities you may see (created between `since` and `until`).

        One row per stage, in order, then `succeeded`: `reached` (opportunities that got
        to this stage or further; won ones reached every stage), `conversion` (share of the
        previous row's `reached`), and the ones `open` there now with their `open_amount`
        and probability-`weighted_amount`. With `by` (a cut of pipeline_cuts.py: owner, team,
        product, category, region, source, campaign, month, quarter, year of creation) one
        funnel per group, the group in the first column.
        """
        s = self._s
        where, params = [visible(s), "o.state <> 'unassigned'"], []
        dated, args = validate.period("o.created_on", since, until)
        where += dated
        params += args
        if owner is not None:
            where.append("o.owner_id = ?"), params.append(load_user(s.db, owner).id)
        groups = opportunity_groups(s, by, " AND ".join(where), date_column="o.created_on")
        label = "name_zh" if s.language == "zh_CN" else "name_en"
        won_label = translate("state.opportunity.succeeded", s.language)
        # Without a cut there is one group even with no opportunity: every stage shows, with zeros.
        everyone = "UNION SELECT 'all', 'all'" if by is None else ""
        frame = s.db.df(f"""
            WITH stages AS (SELECT code, {label} AS label, sort_order, value FROM dictionary
                            WHERE kind = 'opportunity_stage' AND active),
            opps AS (SELECT g.*, coalesce(st.sort_order, 0) AS stage_order
                     FROM ({groups}) g LEFT JOIN dictionary st ON st.kind = 'opportunity_stage' AND st.code = g.stage),
            groups AS (SELECT DISTINCT grp_key, grp FROM opps {everyone}),
            per_stage AS (
                SELECT g.grp_key, g.grp, st.code AS stage, st.label, st.sort_order, st.value AS probability,
                       count(o.id) FILTER (WHERE o.state = 'succeeded' OR o.stage_order >= st.sort_order) AS reached,
                       count(o.id) FILTER (WHERE o.state = 'assigned' AND o.stage = st.code) AS open,
                       coalesce(sum(o.expected_amount) FILTER (WHERE o.state = 'assigned' AND o.stage = st.code), 0)
                           AS open_amount,
                       coalesce(sum(o.expected_amount * o.probability / 100)
                           FILTER (WHERE o.state = 'assigned' AND o.stage = st.code), 0) AS weighted_amount
                FROM groups g CROSS JOIN stages st LEFT JOIN opps o ON o.grp_key = g.grp_key GROUP BY ALL
                UNION ALL
                SELECT g.grp_key, g.grp, 'succeeded', ?, 1e9, 100, count(o.id) FILTER (WHERE o.state = 'succeeded'),
                       0, 0, 0
                FROM groups g LEFT JOIN opps o ON o.grp_key = g.grp_key GROUP BY ALL)
            SELECT grp AS "{by or 'scope'}", stage, label, probability, reached,
                   round(reached / nullif(lag(reached) OVER (PARTITION BY grp_key ORDER BY sort_order), 0), 4)
                       AS conversion,
                   open, open_amount::DOUBLE AS open_amount, weighted_amount::DOUBLE AS weighted_amount
            FROM per_stage ORDER BY grp, grp_key, sort_order""", [*params, won_label])
        return frame.drop(columns="scope") if by is None else frame

    @query
    def pipeline(self, *, by: str | None = None, owner=None) -> pd.DataFrame:
        """The open pipeline you may see: per group (`by`, a cut of pipeline_cuts.py; the month,
        quarter or year of creation) and board column (`unassigned`, then each stage in order),
        how many open opportunities, their `amount` and probability-`weighted_amount`."""
        s = self._s
        where, params = [visible(s), "o.state IN ('unassigned', 'assigned')"], []
        if owner is not None:
            where.append("o.owner_id = ?"), params.append(load_user(s.db, owner).id)
        groups = opportunity_groups(s, by, " AND ".join(where), date_column="o.created_on")
        label = "name_zh" if s.language == "zh_CN" else "name_en"
        frame = s.db.df(f"""
            WITH board AS (SELECT 'unassigned' AS stage, ? AS label, -1 AS sort_order
                           UNION ALL SELECT code, {label}, sort_order FROM dictionary WHERE kind = 'opportunity_stage')
            SELECT g.grp AS "{by or 'scope'}", b.stage, b.label, count(DISTINCT g.id) AS count,
                   sum(g.expected_amount)::DOUBLE AS amount,
                   sum(g.expected_amount * g.probability / 100)::DOUBLE AS weighted_amount
            FROM ({groups}) g
            JOIN board b ON b.stage = CASE WHEN g.state = 'unassigned' THEN 'unassigned' ELSE g.stage END
            GROUP BY g.grp_key, g.grp, b.stage, b.label, b.sort_order ORDER BY g.grp, g.grp_key, b.sort_order""",
            [translate("state.opportunity.unassigned", s.language), *params])
        return frame.drop(columns="scope") if by is None else frame

    @query
    def board(self, *, owner=None, cards: int = 20) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The pipeline board: the open opportunities you may see in columns — `unassigned`,
        then the assigned ones by stage. Returns two frames:

        - columns: board_column (`unassigned` or a stage code), title, count, amount and the
          probability-weighted amount, in board order (every active stage, zeros included);
        - cards: the `cards` largest of each column (expected amount, then newest) with
          board_column and owner_name.

        Sums and counts come from SQL and only the cards shown travel to Python (a board over
        20k opportunities stays one small read).
        """
        s = self._s
        cards = validate.integer(cards, "cards", minimum=1, maximum=1000)
        where, params = filters(s, owner=owner)
        label = "name_zh" if s.language == "zh_CN" else "name_en"
        open_sql = f"""
            SELECT {SELECT}, u.name AS owner_name,
                   CASE WHEN o.state = 'unassigned' THEN 'unassigned' ELSE o.stage END AS board_column
            FROM opportunities o JOIN users u ON u.id = o.owner_id
            WHERE {where} AND o.state IN ('unassigned', 'assigned')"""
        columns = s.db.df(f"""
            WITH open AS ({open_sql}),
            board AS (SELECT 'unassigned' AS board_column, ? AS title, -1 AS sort_order
                      UNION ALL SELECT code, {label}, sort_order FROM dictionary
                      WHERE kind = 'opportunity_stage' AND active)
            SELECT b.board_column, b.title, count(o.id) AS count,
                   coalesce(sum(o.expected_amount), 0)::DOUBLE AS amount,
                   coalesce(sum(o.expected_amount * o.probability / 100), 0)::DOUBLE AS weighted
            FROM board b LEFT JOIN open o USING (board_column)
            GROUP BY b.board_column, b.title, b.sort_order ORDER BY b.sort_order, b.board_column""",
            [*params, translate("state.opportunity.unassigned", s.language)])
        shown = s.db.df(f"""
            SELECT * FROM ({open_sql})
            QUALIFY row_number() OVER (PARTITION BY board_column ORDER BY expected_amount DESC, id DESC) <= {cards}
            ORDER BY board_column, expected_amount DESC, id DESC""", params)
        return columns, shown

    @query
    def win_rate(self, *, by: str | None = None, since=None, until=None) -> pd.DataFrame:
        """Won and lost opportunities you may see (closed between `since` and `until`), and
        win rate = won / (won + lost); `by` a cut of pipeline_cuts.py: owner, team (with its
        sub-teams), product, category (an opportunity counts once per product it contains,
        its won amount split by line), region, source, campaign, month, quarter, year of closing."""
        s = self._s
        where, params = [visible(s), "o.state IN ('succeeded', 'failed')"], []
        dated, args = validate.period("o.closed_on", since, until)
        where += dated
        params += args
        groups = opportunity_groups(s, by, " AND ".join(where), date_column="o.closed_on")
        return s.db.df(f"""
            SELECT grp AS "{by or 'scope'}", count(*) FILTER (WHERE state = 'succeeded') AS won,
                   count(*) FILTER (WHERE state = 'failed') AS lost, count(*) AS closed,
                   round(count(*) FILTER (WHERE state = 'succeeded') / count(*), 4) AS win_rate,
                   coalesce(sum(won_amount), 0)::DOUBLE AS won_amount
            FROM ({groups}) g GROUP BY grp_key, grp ORDER BY win_rate DESC, 1, grp_key""", params)

    @query
    def overdue(self, *, days: int | None = None) -> pd.DataFrame:
        """What was given to a manager and not contacted within `days` (default: the setting
        `contact_within_days`, 7) on the scenario clock: opportunities, leads and customers you
        may see, longest waiting first. Reassign them with `opportunities.assign`,
        `leads.assign` or `customers.reassign`."""
        s = self._s
        days = validate.integer(days, "days", minimum=0, maximum=366, required=False)
        days = s.setting("contact_within_days", 7) if days is None else days
        today = s.today()
        return s.db.df(f"""
            WITH given AS (
                SELECT record_id AS customer_id, on_date FROM audit WHERE kind = 'customer' AND action = 'reassign'
                UNION ALL
                SELECT record_id, on_date FROM audit WHERE kind = 'customer' AND action = 'create'
                    AND json_extract(after, '$.owner_id')::INTEGER <> user_id
                UNION ALL
                SELECT unnest(from_json(json_extract(after, '$.customers'), '["INTEGER"]')), on_date
                FROM audit WHERE kind = 'customer' AND action = 'handover'),
            latest AS (SELECT customer_id, max(on_date) AS given_on FROM given GROUP BY ALL),
            waiting AS (
                SELECT 'opportunity' AS kind, o.id, o.customer_name AS name, o.owner_id, o.assigned_on AS given_on
                FROM opportunities o
                WHERE o.state = 'assigned' AND {visible(s)} AND NOT EXISTS (
                    SELECT 1 FROM plan_steps p WHERE p.opportunity_id = o.id AND p.result_date >= o.assigned_on)
                UNION ALL
                SELECT 'lead', l.id, coalesce(l.company, l.name), l.owner_id, l.assigned_on
                FROM leads l
                WHERE l.state = 'pending' AND l.owner_id IS NOT NULL AND {lead_visible(s)} AND NOT EXISTS (
                    SELECT 1 FROM lead_followups f WHERE f.lead_id = l.id AND f.on_date >= l.assigned_on)
                UNION ALL
                SELECT 'customer', c.id, c.name, c.owner_id, g.given_on
                FROM customers c JOIN latest g ON g.customer_id = c.id
                WHERE c.owner_id IS NOT NULL AND {customer_visible(s)} AND NOT EXISTS (
                    SELECT 1 FROM interactions i WHERE i.customer_id = c.id AND i.user_id = c.owner_id
                    AND i.on_date >= g.given_on))
            SELECT w.kind, w.id, w.name, w.owner_id, u.name AS owner_name, w.given_on,
                   (?::DATE - w.given_on)::INTEGER AS days_waiting
            FROM waiting w JOIN users u ON u.id = w.owner_id
            WHERE w.given_on < ?::DATE - ?::INTEGER
            ORDER BY days_waiting DESC, w.kind, w.id""", [today, today, days])
