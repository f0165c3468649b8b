"""R5 sales reports: the funnel, win rates, campaign ROI, target attainment and the leaderboard.

The marketing-management areas own these figures and their rules (sales/pipeline.py,
sales/campaigns.py, sales/targets.py); the reports facade calls them, so a number is defined in
one place and a report always agrees with the screen it came from. What this layer
adds is the common shape of every report: the result is labelled for the chart layer,
and a report with nothing in it comes back with its columns and no rows, carrying
the "nothing to show" message (`frame.attrs["empty_message"]`).
"""
from __future__ import annotations

import pandas as pd

from .. import validate
from ..sales.campaigns import Campaigns
from ..sales.opportunities import Opportunities
from ..sales.targets import Targets
from ..session import Session, query
from .shared import finish, no_rows


def _done(s: Session, frame: pd.DataFrame, report: str, nothing: bool) -> pd.DataFrame:
    return finish(s, no_rows(frame) if nothing else frame, report)


class SalesReports:
    """Funnel, win rate, campaign ROI, attainment and leaderboard of `crm.reports`."""

    _s: Session

    @query
    def funnel(self, *, since=None, until=None, owner=None, by: str | None = None) -> pd.DataFrame:
        """The sales funnel of the opportunities you may see (`crm.opportunities.funnel`):
        per stage, how many reached it, the conversion from the stage before, what is
        open there now. Opportunities created between `since` and `until`; `by` one funnel
        per owner, team, product, category, region, source, campaign, month, quarter or year."""
        frame = Opportunities(self._s).funnel(since=since, until=until, owner=owner, by=by)
        frame.attrs["by"] = by or "scope"
        return _done(self._s, frame, "funnel", int(frame["reached"].sum()) + int(frame["open"].sum()) == 0)

    @query
    def pipeline(self, by: str | None = None, *, owner=None) -> pd.DataFrame:
        """Pipeline value: the open opportunities you may see, per stage (and per group `by`,
        as `win_rate`), with their amount and probability-weighted amount
        (`crm.opportunities.pipeline`)."""
        frame = Opportunities(self._s).pipeline(by=by, owner=owner)
        frame.attrs["by"] = by or "scope"
        return _done(self._s, frame, "pipeline", frame.empty)

    @query
    def win_rate(self, by: str | None = "owner", *, since=None, until=None) -> pd.DataFrame:
        """Won, lost and win rate of the opportunities you may see, closed between `since`
        and `until` (`crm.opportunities.win_rate`); `by`: owner (the rep), team (with its
        sub-teams), product, category (once per product an opportunity contains), region,
        source, campaign, month, quarter, year, or None for one overall row."""
        frame = Opportunities(self._s).win_rate(by=by, since=since, until=until)
        frame.attrs["by"] = by or "scope"
        return _done(self._s, frame, "win_rate", frame.empty)

    @query
    def campaign_roi(self, campaign_id: int | None = None) -> pd.DataFrame:
        """Return on investment of the campaigns you may see (`crm.campaigns.roi`), best first:
        cost, actual revenue (won business), roi = (revenue − cost) / cost."""
        frame = Campaigns(self._s).roi(campaign_id)
        return _done(self._s, frame, "campaign_roi", frame.empty)

    @query
    def attainment(self, period: str | None = None, *, metric: str | None = None, by: str | None = None) -> pd.DataFrame:
        """Targets you may see with actual and attainment (actual / target), from
        `crm.targets.list`; `period` like "2026-03" or "2026-Q1"; `by` "owner" (the reps'
        targets) or "team" (the teams', each counting its sub-teams). Targets are set per rep
        or team and period (O8), so attainment has no product or region cut."""
        subject = {None: None, "owner": "user", "team": "team"}[validate.one_of(by, "report_by", (None, "owner", "team"))]
        frame = Targets(self._s).list(period=period, metric=metric)
        if subject is not None:
            frame = frame[frame["subject_kind"] == subject].reset_index(drop=True)
        return _done(self._s, frame, "attainment", frame.empty)

    @query
    def leaderboard(self, period: str, *, metric: str = "won_amount", by: str = "user") -> pd.DataFrame:
        """The leaderboard of `crm.targets.leaderboard` for one period: reps (`by="user"`) or
        teams ranked by attainment, then by actual."""
        frame = Targets(self._s).leaderboard(period, metric=metric, by=by)
        nothing = frame.empty or (frame["actual"].fillna(0).eq(0).all() and frame["target"].isna().all())
        frame.attrs["by"] = by
        return _done(self._s, frame, "leaderboard", bool(nothing))
