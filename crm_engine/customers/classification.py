"""Classification and grading (C5): ABC by contribution, credit per grade, tags, segments.

ABC (the rules, all settings an administrator may change):

* Contribution is the sum of a customer's orders (not `cancelled`) dated within the
  period — by default the `abc_period_months` (12) months up to today on the
  scenario clock.
* Customers are ranked by contribution, largest first (ties: lower id first). With
  cut-offs `abc_cutoffs = [a, b]` (default `[0.8, 0.95]`), a customer is **A** when
  the customers ranked above it together bring less than `a` of all revenue, **B**
  when they bring less than `b`, otherwise **C**. So the customer that crosses the
  80 % line is still A, and the largest customer is always A. A customer with no
  revenue in the period is C.
* The grading is company-wide (every customer ranks against every other); what a
  user is shown of it is limited to the customers they may see.

Credit (`grade(apply_credit=True)`, the default): every graded customer gets the
credit rating (1–5) and credit limit of its grade from the `credit_policy` setting
(default A: 5 / 1,000,000; B: 4 / 300,000; C: 3 / 50,000). Grading is a company
policy act: directors, finance and the administrator may run it.

Tags are short labels an owner puts on their customers. A segment is a saved filter
(level, region, industry, customer type, status, ABC grade, tags, owner, credit,
satisfaction, days since the last order; `tags` matches customers carrying any of
them); its members are computed when asked and
are always limited to the customers the asking user may see.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from .. import validate
from .cards import fetch as fetch_customer, visible
from ..dictionary import require_code
from ..errors import InvalidInput, NotAllowed, NotFound
from ..session import Area, Session, action, load_user, query

GRADES = ("A", "B", "C")
DEFAULT_CUTOFFS = (0.8, 0.95)
DEFAULT_PERIOD_MONTHS = 12
DEFAULT_CREDIT = {"A": {"credit": 5, "credit_limit": 1_000_000.0}, "B": {"credit": 4, "credit_limit": 300_000.0},
                  "C": {"credit": 3, "credit_limit": 50_000.0}}
GRADER_ROLES = ("director", "finance")
MAX_TAG = 40
# What `grades(sort=…)` and `segments(sort=…)` may sort by (name → SQL).
GRADE_SORTABLE = {"rank": "g.rank", "customer_name": "c.name"}
SEGMENT_SORTABLE = {"id": "g.id", "name": "g.name"}

# Segment filters: name -> (kind of value, dictionary kind or column).
CODE_FILTERS = {"level": "customer_level", "region": "region", "industry": "industry",
                "customer_type": "customer_type"}
NUMBER_FILTERS = {"credit_min": ("c.credit", ">=", 1, 5), "credit_max": ("c.credit", "<=", 1, 5),
                  "satisfaction_min": ("c.satisfaction", ">=", 1, 5),
                  "satisfaction_max": ("c.satisfaction", "<=", 1, 5),
                  "silent_days_min": ("c.silent_days", ">=", 0, 36500)}
FILTERS = (*CODE_FILTERS, "status", "abc", "tags", "owner", *NUMBER_FILTERS)


@dataclass(frozen=True)
class GradeResult:
    """What a grading run did (counts over all customers: grading is company-wide)."""

    period_start: object
    period_end: object
    graded: int
    counts: dict
    credit_applied: bool


@dataclass(frozen=True)
class Segment:
    """A saved customer filter."""

    id: int
    name: str
    owner_id: int
    filters: dict
    created_on: object


# -- settings checks (registered in customers/__init__.py) -----------------------------------
def check_cutoffs(value) -> list[float]:
    """`[a, b]` with 0 < a < b <= 1, e.g. `[0.8, 0.95]`."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise InvalidInput("grade.bad_cutoffs", field="abc_cutoffs", value=value)
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InvalidInput("grade.bad_cutoffs", field="abc_cutoffs", value=value) from None
    if isinstance(value[0], bool) or isinstance(value[1], bool) or not (0 < a < b <= 1) \
            or math.isnan(a) or math.isnan(b):
        raise InvalidInput("grade.bad_cutoffs", field="abc_cutoffs", value=value)
    return [a, b]


def check_period(value) -> int:
    return validate.integer(value, "abc_period_months", minimum=1, maximum=120)


def check_credit_policy(value) -> dict:
    """`{"A": {"credit": 5, "credit_limit": 1000000}, "B": …, "C": …}`."""
    if not isinstance(value, dict) or set(value) != set(GRADES):
        raise InvalidInput("grade.bad_credit_policy", field="credit_policy")
    clean = {}
    for grade in GRADES:
        entry = value[grade]
        if not isinstance(entry, dict) or set(entry) != {"credit", "credit_limit"}:
            raise InvalidInput("grade.bad_credit_policy", field="credit_policy")
        clean[grade] = {"credit": validate.rating(entry["credit"], "credit", required=True),
                        "credit_limit": float(validate.amount(entry["credit_limit"], "credit_limit"))}
    return clean


def _period(s: Session, since, until):
    until = validate.date(until, "until", required=False) or s.today()
    if since is None:
        months = int(s.setting("abc_period_months", DEFAULT_PERIOD_MONTHS))
        since = s.db.scalar("SELECT (?::DATE - to_months(?) + INTERVAL 1 DAY)::DATE", [until, months])
    else:
        since = validate.date(since, "since")
    if since > until:
        raise InvalidInput("grade.bad_period", field="since", since=since.isoformat(), until=until.isoformat())
    return since, until


def abc_sql(cutoffs) -> str:
    """The ABC ranking over every customer; parameters: since, until. Columns:
    customer_id, revenue, share, cumulative_share, rank, abc."""
    a, b = cutoffs
    return f"""
        WITH rev AS (
            SELECT c.id AS customer_id, coalesce(sum(o.amount), 0)::DECIMAL(18, 2) AS revenue
            FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status <> 'cancelled'
                 AND o.order_date BETWEEN ?::DATE AND ?::DATE
            GROUP BY c.id),
        ranked AS (
            SELECT customer_id, revenue, sum(revenue) OVER () AS total,
                   sum(revenue) OVER (ORDER BY revenue DESC, customer_id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running,
                   row_number() OVER (ORDER BY revenue DESC, customer_id) AS rank
            FROM rev)
        SELECT customer_id, revenue,
               CASE WHEN total > 0 THEN revenue::DOUBLE / total::DOUBLE ELSE 0 END AS share,
               CASE WHEN total > 0 THEN running::DOUBLE / total::DOUBLE ELSE 0 END AS cumulative_share,
               rank::INTEGER AS rank,
               CASE WHEN revenue <= 0 THEN 'C'
                    WHEN (running - revenue)::DOUBLE < {float(a)!r} * total::DOUBLE THEN 'A'
                    WHEN (running - revenue)::DOUBLE < {float(b)!r} * total::DOUBLE THEN 'B'
                    ELSE 'C' END AS abc
        FROM ranked"""


def _codes(s: Session, kind: str, field: str, value) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not values:
        raise InvalidInput("error.required", field=field)
    return [require_code(s, kind, v, field, required=True) for v in values]


def check_filters(s: Session, filters: dict) -> dict:
    """Validate a segment's filters; returns them in the stored (JSON) form."""
    clean = {}
    for name, value in filters.items():
        if name not in FILTERS:
            raise InvalidInput("segment.unknown_filter", field="filters", value=name, choices=", ".join(FILTERS))
        if value is None:
            continue
        if name in CODE_FILTERS:
            clean[name] = _codes(s, CODE_FILTERS[name], name, value)
        elif name == "status":
            clean[name] = validate.one_of(value, "status", ("active", "lost"))
        elif name == "abc":
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, (list, tuple)) or not values:
                raise InvalidInput("error.required", field="abc")
            clean[name] = [validate.one_of(v, "abc", GRADES) for v in values]
        elif name == "tags":
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, (list, tuple)) or not values:
                raise InvalidInput("error.required", field="tag")
            clean[name] = [validate.text(v, "tag", max_length=MAX_TAG) for v in values]
        elif name == "owner":
            clean[name] = load_user(s.db, value).id
        else:
            _, _, low, high = NUMBER_FILTERS[name]
            clean[name] = validate.integer(value, name, minimum=low, maximum=high)
    return clean


def _filter_sql(filters: dict) -> tuple[str, list]:
    where, params = [], []
    for name, value in filters.items():
        if name in CODE_FILTERS:
            where.append(f"c.{name} IN ({', '.join('?' * len(value))})"), params.extend(value)
        elif name == "status":
            where.append("c.status = ?"), params.append(value)
        elif name == "abc":
            where.append(f"c.abc IN ({', '.join('?' * len(value))})"), params.extend(value)
        elif name == "tags":
            where.append("EXISTS (SELECT 1 FROM customer_tags t WHERE t.customer_id = c.id "
                         f"AND t.tag IN ({', '.join('?' * len(value))}))")
            params.extend(value)
        elif name == "owner":
            where.append("c.owner_id = ?"), params.append(value)
        else:
            column, op, _, _ = NUMBER_FILTERS[name]
            where.append(f"{column} {op} ?"), params.append(value)
    return " AND ".join(where) or "TRUE", params


class Classification(Area):
    """`crm.classification`: ABC grades and credit, tags, saved segments."""

    GRADES, CODE_FILTERS, NUMBER_FILTERS = GRADES, CODE_FILTERS, NUMBER_FILTERS   # for screens (no area import)

    # -- ABC and credit ------------------------------------------------------------
    @query
    def abc(self, *, since=None, until=None) -> pd.DataFrame:
        """Preview the ABC ranking for a period (nothing is saved), for the customers you may see."""
        s = self._s
        since, until = _period(s, since, until)
        cutoffs = s.setting("abc_cutoffs", list(DEFAULT_CUTOFFS))
        return s.db.df(f"""
            SELECT r.rank, r.customer_id, c.name AS customer_name, c.owner_id, r.revenue, r.share,
                   r.cumulative_share, r.abc
            FROM ({abc_sql(cutoffs)}) r JOIN customers c ON c.id = r.customer_id
            WHERE {visible(s)} ORDER BY r.rank""", [since, until])

    @action
    def grade(self, *, since=None, until=None, apply_credit: bool = True) -> GradeResult:
        """Grade every customer A/B/C for the period and store it; with `apply_credit`,
        set each customer's credit rating and credit limit from the grade's credit policy."""
        s = self._s
        s.require_role(*GRADER_ROLES, action="grade_customers")
        since, until = _period(s, since, until)
        cutoffs = s.setting("abc_cutoffs", list(DEFAULT_CUTOFFS))
        policy = s.setting("credit_policy", DEFAULT_CREDIT)
        db, today = s.db, s.today()
        db.execute("DELETE FROM customer_grades")
        db.execute(f"INSERT INTO customer_grades SELECT customer_id, abc, revenue, share, cumulative_share, rank, "
                   f"?::DATE, ?::DATE, ?::DATE FROM ({abc_sql(cutoffs)})", [since, until, today, since, until])
        if apply_credit:
            values = ", ".join("(?, ?, ?)" for _ in GRADES)
            params = [v for g in GRADES for v in (g, policy[g]["credit"], policy[g]["credit_limit"])]
            db.execute(f"""UPDATE customers SET credit = p.credit, credit_limit = p.credit_limit, updated_on = ?
                FROM customer_grades g, (VALUES {values}) p(abc, credit, credit_limit)
                WHERE g.customer_id = customers.id AND p.abc = g.abc""", [today, *params])
        counts = dict(db.rows("SELECT abc, count(*) FROM customer_grades GROUP BY abc ORDER BY abc"))
        counts = {g: counts.get(g, 0) for g in GRADES}
        s.audit("grade", "customer", None, after={"since": since, "until": until, "cutoffs": cutoffs,
                                                  "counts": counts, "credit_applied": bool(apply_credit)})
        return GradeResult(since, until, sum(counts.values()), counts, bool(apply_credit))

    @query
    def grades(self, *, abc: str | None = None, search: str | None = None, sort: str | None = None,
               descending: bool = False, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The stored grades (from the last `grade()` run) of the customers you may see, by rank (or
        by `sort`: `rank` or `customer_name`), paged (`limit` rows from `offset`); `search` is text
        in the customer's name."""
        where, params = self._grade_filters(abc, search)
        order = validate.order(sort, descending, GRADE_SORTABLE, default="g.rank, g.customer_id", tie="g.customer_id")
        return self._s.db.df(f"""
            SELECT g.rank, g.customer_id, c.name AS customer_name, c.owner_id, g.abc, g.revenue, g.share,
                   g.cumulative_share, c.credit, c.credit_limit, g.period_start, g.period_end, g.graded_on
            FROM customer_grades g JOIN customers c ON c.id = g.customer_id
            WHERE {where} ORDER BY {order}{validate.page(limit, offset)}""", params)

    @query
    def grades_count(self, *, abc: str | None = None, search: str | None = None) -> int:
        """How many grades `grades()` with the same filters returns (for paging)."""
        where, params = self._grade_filters(abc, search)
        return self._s.db.scalar(
            f"SELECT count(*) FROM customer_grades g JOIN customers c ON c.id = g.customer_id WHERE {where}", params)

    def _grade_filters(self, abc, search) -> tuple[str, list]:
        where, params = [visible(self._s)], []
        if abc is not None:
            where.append("g.abc = ?"), params.append(validate.one_of(abc, "abc", GRADES))
        found, args = validate.matching(search, ("c.name",))
        return " AND ".join(where + found), params + args

    @query
    def credit_policy(self) -> pd.DataFrame:
        """Credit rating and credit limit per grade (the `credit_policy` setting)."""
        policy = self._s.setting("credit_policy", DEFAULT_CREDIT)
        return pd.DataFrame([{"abc": g, **policy[g]} for g in GRADES])

    # -- tags -------------------------------------------------------------------
    @action
    def tag(self, customer_id: int, *tags: str) -> list[str]:
        """Put one or more tags on a customer you may write; returns its tags."""
        s = self._s
        customer = fetch_customer(s, customer_id, write=True)
        if not tags:
            raise InvalidInput("error.required", field="tag")
        clean = list(dict.fromkeys(validate.text(t, "tag", max_length=MAX_TAG) for t in tags))
        existing = set(self._tags(customer.id))
        added = [t for t in clean if t not in existing]
        for tag in added:
            s.db.execute("INSERT INTO customer_tags VALUES (?, ?, ?, ?)", [customer.id, tag, s.user.id, s.today()])
        if added:
            s.audit("tag", "customer", customer.id, after={"tags": added})
        return self._tags(customer.id)

    @action
    def untag(self, customer_id: int, tag: str) -> list[str]:
        """Take a tag off a customer you may write; returns its tags."""
        s = self._s
        customer = fetch_customer(s, customer_id, write=True)
        tag = validate.text(tag, "tag", max_length=MAX_TAG)
        if tag not in self._tags(customer.id):
            raise NotFound("tag.not_on_customer", tag=tag, customer=customer.name)
        s.db.execute("DELETE FROM customer_tags WHERE customer_id = ? AND tag = ?", [customer.id, tag])
        s.audit("untag", "customer", customer.id, before={"tags": [tag]})
        return self._tags(customer.id)

    @query
    def tags(self, customer_id: int | None = None):
        """A customer's tags (a list), or — without an id — every tag with how many of
        the customers you may see carry it (a DataFrame)."""
        s = self._s
        if customer_id is not None:
            return self._tags(fetch_customer(s, customer_id).id)
        return s.db.df(f"SELECT t.tag, count(*) AS customers FROM customer_tags t JOIN customers c "
                       f"ON c.id = t.customer_id WHERE {visible(s)} GROUP BY t.tag ORDER BY customers DESC, t.tag")

    def _tags(self, customer_id: int) -> list[str]:
        return [r[0] for r in self._s.db.rows(
            "SELECT tag FROM customer_tags WHERE customer_id = ? ORDER BY tag", [customer_id])]

    # -- segments -----------------------------------------------------------------
    @action
    def add_segment(self, name: str, **filters) -> Segment:
        """Save a filter as a named segment, e.g.
        `crm.classification.add_segment("Quiet key accounts", level="key_account", silent_days_min=90)`."""
        s = self._s
        name = validate.text(name, "name", max_length=100)
        clean = check_filters(s, filters)
        segment_id = s.db.next_id("segments")
        s.db.execute("INSERT INTO segments VALUES (?, ?, ?, ?, ?)",
                     [segment_id, name, s.user.id, json.dumps(clean, ensure_ascii=False), s.today()])
        s.audit("create", "segment", segment_id, after={"name": name, "filters": clean})
        return self._segment(segment_id)

    @query
    def segments(self, *, search: str | None = None, sort: str | None = None, descending: bool = False,
                 limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """The segments you may see (sharing policy of kind `segment`), oldest first (or by `sort`:
        `id` or `name`), paged (`limit` rows from `offset`); `search` is text in the name."""
        where, params = self._segment_filters(search)
        order = validate.order(sort, descending, SEGMENT_SORTABLE, default="g.id", tie="g.id")
        return self._s.db.df(f"SELECT g.id, g.name, g.owner_id, u.name AS owner_name, g.filters, g.created_on "
                             f"FROM segments g LEFT JOIN users u ON u.id = g.owner_id "
                             f"WHERE {where} ORDER BY {order}{validate.page(limit, offset)}", params)

    @query
    def segments_count(self, *, search: str | None = None) -> int:
        """How many segments `segments()` with the same search returns (for paging)."""
        where, params = self._segment_filters(search)
        return self._s.db.scalar(f"SELECT count(*) FROM segments g WHERE {where}", params)

    def _segment_filters(self, search) -> tuple[str, list]:
        found, args = validate.matching(search, ("g.name",))
        return " AND ".join([self._s.scope("segment", "g.owner_id"), *found]), args

    @query
    def segment(self, segment_id: int) -> Segment:
        """One saved segment (its name and filters), if you may see it."""
        return self._segment(segment_id)

    @query
    def members(self, segment_id: int) -> pd.DataFrame:
        """The customers in a segment today — only those you may see."""
        return self._select(self._segment(segment_id).filters)

    @query
    def select(self, **filters) -> pd.DataFrame:
        """The customers matching filters, without saving a segment (same filters as `add_segment`)."""
        return self._select(check_filters(self._s, filters))

    @action
    def delete_segment(self, segment_id: int) -> None:
        """Delete a segment you may write (by default: one you saved); customers are untouched."""
        s = self._s
        segment = self._segment(segment_id)
        if not s.can_write("segment", segment.owner_id):
            raise NotAllowed("segment.not_yours", id=segment.id, name=segment.name)
        s.db.execute("DELETE FROM segments WHERE id = ?", [segment.id])
        s.audit("delete", "segment", segment.id, before={"name": segment.name, "filters": segment.filters})

    def _segment(self, segment_id) -> Segment:
        s = self._s
        segment_id = validate.record_id(segment_id, "segment")
        row = s.db.one("SELECT id, name, owner_id, filters, created_on FROM segments WHERE id = ?", [segment_id])
        if row is None or not s.can_read("segment", row[2]):
            raise NotFound("segment.not_found", id=segment_id)
        return Segment(row[0], row[1], row[2], json.loads(row[3]), row[4])

    def _select(self, filters: dict) -> pd.DataFrame:
        s = self._s
        where, params = _filter_sql(filters)
        return s.db.df(f"""
            SELECT * FROM (
                SELECT c.id, c.name, c.owner_id, u.name AS owner_name, c.level, c.region, c.industry,
                       c.customer_type, c.status, c.credit, c.satisfaction, g.abc, lo.last_order AS last_order_date,
                       date_diff('day', coalesce(lo.last_order, c.created_on), ?::DATE) AS silent_days,
                       (SELECT string_agg(t.tag, ', ' ORDER BY t.tag) FROM customer_tags t
                        WHERE t.customer_id = c.id) AS tags
                FROM customers c LEFT JOIN users u ON u.id = c.owner_id
                LEFT JOIN customer_grades g ON g.customer_id = c.id
                LEFT JOIN (SELECT customer_id, max(order_date) AS last_order FROM orders
                           WHERE status <> 'cancelled' GROUP BY customer_id) lo ON lo.customer_id = c.id
                WHERE {visible(s)}) c
            WHERE {where} ORDER BY c.id""", [s.today(), *params])
