"""Campaigns (O7): budget, cost, expected and actual revenue, the leads and won business
they bring, and their return on investment.

    planned ──launch──▶ active ──complete──▶ completed
    planned | active ──cancel──▶ cancelled

Rules (docs/sales.md):
- Marketing staff and directors run campaigns; everyone in the company reads them
  (sharing policy of kind `campaign`), so a rep can tag a lead with its campaign.
- Leads carry their campaign; an opportunity converted from a lead inherits it (or is
  tagged directly). A cancelled campaign takes no new leads or opportunities.
- *Actual revenue* is not typed in: it is the business won through the campaign — the
  won amount of its succeeded opportunities. ROI = (actual revenue − cost) / cost.
- A campaign's figures (leads, conversions, won revenue, ROI) are part of the campaign
  record and follow its policy: they are sums and never list the underlying leads or
  opportunities, which keep their own policy.
- Cost accumulates with `add_cost` (also after completion, when invoices arrive).
- Every successful verb writes one audit row of kind `campaign` for the campaign.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from .. import validate
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound
from .holders import user_name
from ..i18n import Term
from ..session import Area, Session, action, query
from ..statemachine import StateMachine, reasons

KIND = "campaign"
RUNNERS = ("marketing", "director")

CAMPAIGN = StateMachine(KIND, {
    ("planned", "launch"): "active",
    ("active", "complete"): "completed",
    ("planned", "cancel"): "cancelled",
    ("active", "cancel"): "cancelled",
    ("planned", "update"): "planned",
    ("active", "update"): "active",
    ("planned", "add_cost"): "planned",
    ("active", "add_cost"): "active",
    ("completed", "add_cost"): "completed",
})


@dataclass(frozen=True)
class Campaign:
    """One marketing campaign (市场活动)."""

    id: int
    name: str
    campaign_type: str
    state: str
    owner_id: int
    start_date: dt.date | None
    end_date: dt.date | None
    budget: Decimal
    cost: Decimal
    expected_revenue: Decimal
    description: str | None
    created_on: dt.date
    created_by: int


COLUMNS = [f.name for f in dataclasses.fields(Campaign)]
SELECT = ", ".join(f"c.{c}" for c in COLUMNS)
# What `list(sort=…)` may sort by (name → SQL; the figures are columns of the list's own query).
SORTABLE = {"id": "c.id", "name": "c.name", "state": "c.state", "budget": "c.budget", "cost": "c.cost",
            "expected_revenue": "c.expected_revenue", "start_date": "c.start_date",
            "actual_revenue": "actual_revenue", "roi": "roi", "leads": "f.leads", "won": "f.won"}

# The figures of each campaign, computed from its leads and opportunities.
FIGURES = """
    SELECT c.id AS campaign_id, coalesce(l.leads, 0) AS leads, coalesce(l.converted, 0) AS converted_leads,
           coalesce(o.opportunities, 0) AS opportunities, coalesce(o.won, 0) AS won,
           coalesce(o.revenue, 0) AS actual_revenue
    FROM campaigns c
    LEFT JOIN (SELECT campaign_id, count(*) AS leads, count(*) FILTER (WHERE state = 'converted') AS converted
               FROM leads WHERE campaign_id IS NOT NULL GROUP BY ALL) l ON l.campaign_id = c.id
    LEFT JOIN (SELECT campaign_id, count(*) AS opportunities, count(*) FILTER (WHERE state = 'succeeded') AS won,
                      sum(won_amount) FILTER (WHERE state = 'succeeded') AS revenue
               FROM opportunities WHERE campaign_id IS NOT NULL GROUP BY ALL) o ON o.campaign_id = c.id"""


# Field names in messages are specific ("campaign_budget"), as the catalogue is shared by every area.
FIELD_KEYS = {
    "budget": lambda v: validate.amount(v, "campaign_budget"),
    "expected_revenue": lambda v: validate.amount(v, "expected_revenue"),
    "start_date": lambda v: validate.date(v, "campaign_start", required=False),
    "end_date": lambda v: validate.date(v, "campaign_end", required=False),
    "description": lambda v: validate.text(v, "campaign_description", required=False),
}


def visible(s: Session, alias: str = "c", mode: str = "read") -> str:
    return s.scope(KIND, f"{alias}.owner_id", mode)


def fetch(s: Session, campaign_id) -> Campaign:
    """The campaign if this session may read it, else NotFound."""
    return Campaign(*s.readable_row(KIND, f"SELECT {SELECT} FROM campaigns c WHERE c.id = ?", campaign_id,
                                    field="campaign", owner=COLUMNS.index("owner_id"), missing="campaign.not_found"))


def campaign_for(s: Session, campaign_id) -> int | None:
    """A campaign id leads and opportunities may carry: it exists and was not cancelled."""
    if campaign_id is None:
        return None
    campaign_id = validate.record_id(campaign_id, "campaign")
    row = s.db.one("SELECT name, state FROM campaigns WHERE id = ?", [campaign_id])
    if row is None:
        raise NotFound("campaign.not_found", id=campaign_id)
    if row[1] == "cancelled":
        raise InvalidInput("campaign.cancelled_use", field="campaign", id=campaign_id, name=row[0])
    return campaign_id


def _check(s: Session, fields: dict, current: Campaign | None = None) -> dict:
    clean = {}
    for name, value in fields.items():
        if name == "name":
            clean[name] = validate.text(value, name, max_length=200)
        elif name == "campaign_type":
            clean[name] = require_code(s, "campaign_type", value, name, required=True)
        elif name in FIELD_KEYS:
            clean[name] = FIELD_KEYS[name](value)
        else:
            raise InvalidInput("error.unknown_field", field=name)
    start = clean.get("start_date", current.start_date if current else None)
    end = clean.get("end_date", current.end_date if current else None)
    if start and end and end < start:
        raise InvalidInput("campaign.end_before_start", field="campaign_end", start=start.isoformat(),
                           end=end.isoformat())
    return clean


class Campaigns(Area):
    """`crm.campaigns`: plan, run and judge marketing campaigns (O7)."""

    def _writable(self, campaign: Campaign, verb: str) -> None:
        s = self._s
        s.require_role(*RUNNERS, action="manage_campaigns")
        if not s.can_write(KIND, campaign.owner_id):
            raise NotAllowed("campaign.not_yours", id=campaign.id, name=campaign.name,
                             owner=user_name(s, campaign.owner_id), action=Term(f"action.campaign.{verb}"))

    @action
    def add(self, name: str, *, campaign_type: str, budget=0, expected_revenue=0, start_date=None,
            end_date=None, description: str | None = None) -> Campaign:
        """Plan a campaign (state `planned`); you run it.

            expo = crm.campaigns.add("Spring trade show", campaign_type="trade_show",
                                     budget=80_000, expected_revenue=600_000, start_date="2026-04-10")
        """
        s = self._s
        s.require_role(*RUNNERS, action="manage_campaigns")
        record = _check(s, {"name": name, "campaign_type": campaign_type, "budget": budget,
                            "expected_revenue": expected_revenue, "start_date": start_date, "end_date": end_date,
                            "description": description})
        campaign_id = s.db.next_id("campaigns")
        record.update(id=campaign_id, state="planned", owner_id=s.user.id, cost=Decimal("0"),
                      created_on=s.today(), created_by=s.user.id)
        s.db.execute(f"INSERT INTO campaigns ({', '.join(record)}) VALUES ({', '.join('?' * len(record))})",
                     list(record.values()))
        s.history(KIND, campaign_id, "create", None, "planned")
        s.audit("create", KIND, campaign_id, after=record)
        return fetch(s, campaign_id)

    @query
    def get(self, campaign_id: int) -> Campaign:
        return fetch(self._s, campaign_id)

    ACTIONS = ("launch", "complete", "cancel", "add_cost", "update")

    @query
    def actions(self, campaign_id: int) -> dict[str, str | None]:
        """Each action on the campaign (`ACTIONS`) → None if you may do it now, else why not
        (translated): the verbs' own checks (state table, who runs it), before their input."""
        s = self._s
        campaign = fetch(s, campaign_id)
        return reasons(s, {verb: (lambda verb=verb: (CAMPAIGN.check(campaign.id, campaign.state, verb),
                                                     self._writable(campaign, verb))) for verb in self.ACTIONS})

    @action
    def update(self, campaign_id: int, **fields) -> Campaign:
        """Change name, campaign_type, budget, expected_revenue, start_date, end_date or
        description of a planned or active campaign."""
        s = self._s
        campaign = fetch(s, campaign_id)
        clean = _check(s, fields, campaign)
        CAMPAIGN.check(campaign.id, campaign.state, "update")
        self._writable(campaign, "update")
        changes = {k: v for k, v in clean.items() if getattr(campaign, k) != v}
        if changes:
            sets = ", ".join(f"{column} = ?" for column in changes)
            s.db.execute(f"UPDATE campaigns SET {sets} WHERE id = ?", [*changes.values(), campaign.id])
            s.audit("update", KIND, campaign.id, before={k: getattr(campaign, k) for k in changes}, after=changes)
        return fetch(s, campaign.id)

    @action
    def launch(self, campaign_id: int) -> Campaign:
        """Start a planned campaign (its start date becomes today if it had none)."""
        return self._move(campaign_id, "launch", start_date=True)

    @action
    def complete(self, campaign_id: int) -> Campaign:
        """End an active campaign (its end date becomes today if it had none)."""
        return self._move(campaign_id, "complete", end_date=True)

    @action
    def cancel(self, campaign_id: int, reason: str) -> Campaign:
        """Call off a planned or active campaign; it takes no new leads."""
        reason = validate.text(reason, "close_reason", max_length=500)
        return self._move(campaign_id, "cancel", note=reason)

    def _move(self, campaign_id, verb: str, *, start_date=False, end_date=False, note=None) -> Campaign:
        s = self._s
        campaign = fetch(s, campaign_id)
        CAMPAIGN.check(campaign.id, campaign.state, verb)
        self._writable(campaign, verb)
        state = CAMPAIGN.move(s, campaign.id, campaign.state, verb, note=note)
        changes = {"state": state}
        if start_date and campaign.start_date is None:
            changes["start_date"] = s.today()
        if end_date and campaign.end_date is None:
            changes["end_date"] = max(s.today(), campaign.start_date or s.today())
        sets = ", ".join(f"{column} = ?" for column in changes)
        s.db.execute(f"UPDATE campaigns SET {sets} WHERE id = ?", [*changes.values(), campaign.id])
        s.audit(verb, KIND, campaign.id, before={"state": campaign.state}, after=changes, note=note)
        return fetch(s, campaign.id)

    @action
    def add_cost(self, campaign_id: int, amount, *, note: str | None = None) -> Campaign:
        """Add what the campaign has cost (a stand, an ad, a mailing) to its running cost."""
        s = self._s
        campaign = fetch(s, campaign_id)
        amount = validate.amount(amount, "campaign_cost")
        note = validate.text(note, "notes", required=False)
        CAMPAIGN.check(campaign.id, campaign.state, "add_cost")
        self._writable(campaign, "add_cost")
        s.db.execute("UPDATE campaigns SET cost = cost + ? WHERE id = ?", [amount, campaign.id])
        s.audit("add_cost", KIND, campaign.id, before={"cost": campaign.cost},
                after={"cost": campaign.cost + amount, "added": amount}, note=note)
        return fetch(s, campaign.id)

    @query
    def list(self, *, state: str | None = None, campaign_type: str | None = None, sort: str | None = None,
             descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The campaigns you may see with their figures: leads, converted leads,
        opportunities, won, actual revenue (won business), ROI, budget used. In id order (or by
        `sort`, one of `SORTABLE`, the figures included), paged (`limit` rows from `offset`)."""
        order = validate.order(sort, descending, SORTABLE, default="c.id", tie="c.id")
        return self._figures(state=state, campaign_type=campaign_type, order=order,
                             page=validate.page(limit, offset))

    @query
    def count(self, *, state: str | None = None, campaign_type: str | None = None) -> int:
        """How many campaigns `list()` with the same filters returns (for paging)."""
        where, params = self._filters(state, campaign_type, None)
        return self._s.db.scalar(
            f"SELECT count(*) FROM campaigns c JOIN users u ON u.id = c.owner_id WHERE {where}", params)

    @query
    def roi(self, campaign_id: int | None = None) -> pd.DataFrame:
        """Return on investment per campaign: (actual revenue − cost) / cost, best first.

        Campaigns that cost nothing yet have no ROI (NaN)."""
        if campaign_id is not None:
            fetch(self._s, campaign_id)
        frame = self._figures(campaign_id=campaign_id)
        return frame.sort_values(["roi", "id"], ascending=[False, True], na_position="last").reset_index(drop=True)

    def _figures(self, *, state=None, campaign_type=None, campaign_id=None, order="c.id", page="") -> pd.DataFrame:
        where, params = self._filters(state, campaign_type, campaign_id)
        return self._s.db.df(f"""
            WITH figures AS ({FIGURES})
            SELECT {SELECT}, u.name AS owner_name, f.leads, f.converted_leads, f.opportunities, f.won,
                   f.actual_revenue::DOUBLE AS actual_revenue,
                   round((f.actual_revenue - c.cost) / nullif(c.cost, 0), 4)::DOUBLE AS roi,
                   round(c.cost / nullif(c.budget, 0), 4)::DOUBLE AS budget_used
            FROM campaigns c JOIN figures f ON f.campaign_id = c.id JOIN users u ON u.id = c.owner_id
            WHERE {where} ORDER BY {order}{page}""", params)

    def _filters(self, state, campaign_type, campaign_id) -> tuple[str, list]:
        where, params = [visible(self._s)], []
        if state is not None:
            where.append("c.state = ?"), params.append(validate.one_of(state, "status", CAMPAIGN.states))
        if campaign_type is not None:
            where.append("c.campaign_type = ?"), params.append(campaign_type)
        if campaign_id is not None:
            where.append("c.id = ?"), params.append(validate.record_id(campaign_id, "campaign"))
        return " AND ".join(where), params
