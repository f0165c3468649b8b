"""What every generator step shares: the workspace, the scenario, the seed, the cast and the catalogue."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..names import normalise
from . import texts

if TYPE_CHECKING:  # for annotations only: the Scenario module imports this one
    from .model import Scenario

# Customer levels buy more often and bigger (multipliers of the base rate and order value).
LEVEL_RATE = {"ordinary": 1.0, "key_development": 1.3, "key_account": 3.0, "partner": 2.0, "strategic_partner": 4.0}
LEVEL_VALUE = {"ordinary": 1.0, "key_development": 1.2, "key_account": 2.0, "partner": 1.5, "strategic_partner": 2.5}
# A customer's hidden churn risk, by its buying pattern (plus noise).
PATTERN_RISK = {"steady": .2, "growing": .1, "declining": .55, "lapsed": .8, "drifting": .7, "new": .3, "won": .3}
PATTERN_SATISFACTION = {"steady": 4.0, "growing": 4.2, "declining": 3.0, "lapsed": 2.5, "drifting": 2.8, "new": 3.8}
NEVER = 10 ** 6  # a lapse offset that never comes


@dataclass
class Context:
    """One generation (or one clock advance) in progress."""

    crm: object
    scenario: Scenario
    seed: int
    language: str
    today: dt.date
    progress: object = None
    generated: dt.date | None = None   # the day the workspace was generated (scenario offsets count from it)
    done: int = 0
    total: int = 1
    users: pd.DataFrame = field(default_factory=pd.DataFrame)
    products: pd.DataFrame = field(default_factory=pd.DataFrame)
    next_ids: dict[str, int] = field(default_factory=dict)   # see take()
    stages: list[tuple[str, int]] = field(default_factory=list)  # opportunity stages (code, probability)

    @property
    def db(self):
        """The workspace's tables for the world's bulk writes (`CRM.loader`: the world is the administrator)."""
        return self.crm.loader()

    @property
    def lines(self) -> list[str]:
        return self.scenario.company.product_lines()

    def text(self, value) -> str | None:
        return self.scenario.text(value, self.language)

    def step(self, units: int = 1) -> None:
        """Report progress (`progress(done, total)`), if the caller asked for it."""
        self.done = min(self.done + units, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def take(self, table: str, count: int) -> int:
        """The first of `count` new ids of `table`, counted here instead of read from the workspace, so
        a step can number its rows while earlier steps are still being written (`write`). The counts
        start from the workspace (`number_from`) before the first write; the generator is the only
        writer until it is done, so they are the ids `Database.next_id` would give."""
        first = self.next_ids[table]
        self.next_ids[table] = first + count
        return first

    def write(self, sql: str, frame: pd.DataFrame, params=None) -> None:
        """`insert(db, sql, frame, params)` queued behind the drawing (`Database.behind`): the writes run
        in the order queued, on the other core, while the next rows are drawn. `frame` must not change
        afterwards."""
        self.db.behind(insert, self.db, sql, frame, params)

    def ids(self, role: str | None = None) -> np.ndarray:
        users = self.users if role is None else self.users[self.users["role"] == role]
        return users["id"].to_numpy(dtype=np.int64)

    def user_id(self, username: str) -> int:
        return int(self.users.loc[self.users["username"] == username, "id"].iloc[0])

    def first(self, *roles: str) -> int:
        """The first user with one of `roles` (in that order of preference), else the administrator."""
        for role in roles:
            found = self.ids(role)
            if len(found):
                return int(found[0])
        return 1

    def cities(self) -> list[str] | None:
        """The scenario's own towns (customers' addresses and shop names), if it names any."""
        return [self.text(c) for c in self.scenario.customers.cities] or None

    def threshold_days(self) -> int:
        months = int(self.scenario.company.settings.get("churn_threshold_months", 6))
        return round(months * 30.44)


def load_cast(ctx: Context) -> None:
    """Users (with the product line of each rep) and products (with their line) as frames."""
    lines = {p.username: p.line for p in ctx.scenario.company.people}
    users = ctx.db.df("SELECT id, username, name, role, team_id FROM users WHERE active ORDER BY id")
    users["line"] = users["username"].map(lines)
    ctx.users = users
    catalogue = {p.code: (p.line or p.category) for p in ctx.scenario.company.products}
    products = ctx.db.df("SELECT id, code, name, price FROM products WHERE active ORDER BY id")
    products = products[products["code"].isin(catalogue)].reset_index(drop=True)
    products["line"] = products["code"].map(catalogue)
    products["line_no"] = products["line"].map({line: i for i, line in enumerate(ctx.lines)}).astype(int)
    products["cents"] = (products["price"].astype(float) * 100).round().astype(np.int64)
    ctx.products = products


# Tables whose rows the generator numbers itself (Context.take).
NUMBERED = ("customers", "contacts", "interactions", "orders", "order_lines", "campaigns", "leads", "lead_followups",
            "opportunities", "plan_steps", "tickets", "ticket_steps")


def number_from(ctx: Context) -> None:
    """Start the generator's id counts (Context.take) from the workspace, in one statement; and read the
    opportunity stages, which the sales pipeline needs while the writes run behind."""
    ctx.next_ids = dict(zip(NUMBERED, ctx.db.one("SELECT " + ", ".join(
        f"(SELECT coalesce(max(id), 0) + 1 FROM {table})" for table in NUMBERED))))
    ctx.stages = ctx.db.rows("SELECT code, value FROM dictionary WHERE kind = 'opportunity_stage' AND active "
                             "ORDER BY sort_order")


# -- composed names ------------------------------------------------------------------------------
def _numbered(base: np.ndarray, base_norm: np.ndarray, language: str, style: str) -> tuple[np.ndarray, np.ndarray]:
    """Disambiguate repeated names the way registries do: a second one gets a branch number."""
    branch = pd.Series(base).groupby(base).cumcount().to_numpy() + 1
    # Most names repeat at 100k customers: the suffixes (and their normalised forms) are built
    # once per branch number and added with numpy, not name by name.
    numbers = np.arange(branch.max(initial=1) + 1)
    if style == "person":
        suffix = [f"({n})" for n in numbers]
    elif style == "shop":
        suffix = [f" No. {n}" if language == "en" else f"{n}号店" for n in numbers]
    else:
        suffix = [f" {n}" if language == "en" else f"{n}号" for n in numbers]
    suffix[:2] = ["", ""]  # the first of a name keeps it as it is
    suffix = np.array(suffix, dtype=object)
    suffix_norm = np.array([normalise(s) if s else "" for s in suffix], dtype=object)
    return (np.array(base, dtype=object) + suffix[branch],
            np.array(base_norm, dtype=object) + suffix_norm[branch])


def _words(words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """A word list and the normalised form of each word (names are normalised part by part:
    normalise() only drops separators and case, so the parts' forms concatenate — tested)."""
    return np.array(words, dtype=object), np.array([normalise(w) for w in words], dtype=object)


def _pick(rng: np.random.Generator, words: list[str], count: int) -> tuple[np.ndarray, np.ndarray]:
    text, norm = _words(words)
    k = rng.integers(0, len(text), count)
    return text[k], norm[k]


def person_names(rng: np.random.Generator, count: int, language: str, *, norms: bool = False):
    """Composed personal names (family name first, as in Chinese), optionally with their normalised forms."""
    family, f_norm = _pick(rng, texts.FAMILY[language], count)
    given = texts.GIVEN[language]
    first, g1 = _pick(rng, given, count)
    second, g2 = _pick(rng, [g.lower() for g in given] if language == "en" else given, count)
    two = rng.random(count) < 0.7
    if language == "en":
        names = family + " " + np.where(two, first + second, first)
    else:
        names = family + np.where(two, first + second, first)
    if not norms:
        return names
    return names, f_norm + np.where(two, g1 + g2, g1)


def customer_names(rng: np.random.Generator, count: int, language: str, style: str,
                   cities: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`count` composed names (company, person or shop) and their normalised forms, all distinct."""
    towns = {language: list(cities)} if cities else texts.CITIES
    sep = " " if language == "en" else ""
    if style == "person":
        base, norm = person_names(rng, count, language, norms=True)
        return _numbered(base, norm, language, style)
    if style == "shop":
        (city, nc), (street, ns), (kind, nk) = (_pick(rng, words[language], count) for words in
                                                (towns, texts.STREETS, texts.SHOPS))
        family, nf = _pick(rng, texts.FAMILY[language], count)
        joint = "'s " if language == "en" else "记"
        chain = rng.random(count) < 0.6
        base = np.where(chain, city + sep + street + sep + kind, family + joint + kind)
        norm = np.where(chain, nc + ns + nk, nf + normalise(joint) + nk)
        return _numbered(base, norm, language, style)
    (city, nc), (brand, nb), (trade, nt) = (_pick(rng, words[language], count) for words in
                                            (towns, texts.BRANDS, texts.TRADES))
    names, norms = _numbered(city + sep + brand + sep + trade, nc + nb + nt, language, style)
    return names + texts.SUFFIX[language], norms


def phones(rng: np.random.Generator, count: int, mobile: bool = False) -> np.ndarray:
    """Plausible Chinese phone numbers: mobiles (138xxxxxxxx) or landlines (0571-8888 1234)."""
    if count == 0:  # numpy's string functions refuse empty arrays
        return np.array([], dtype=object)
    if mobile:
        prefix = rng.choice([130, 135, 138, 139, 150, 158, 186, 188, 177, 199], count).astype("U3")
        return np.char.add(prefix, np.char.zfill(rng.integers(0, 10 ** 8, count).astype("U8"), 8)).astype(object)
    area = rng.choice([10, 21, 22, 23, 20, 24, 25, 27, 28, 29, 531, 532, 571, 574, 591, 592, 731, 755, 757, 760], count)
    number = rng.integers(2000_0000, 9999_9999, count)
    head = np.char.add(np.char.add("0", area.astype("U3")), "-")
    tail = np.char.add(np.char.add((number // 10000).astype("U4"), " "), np.char.zfill((number % 10000).astype("U4"), 4))
    return np.char.add(head, tail).astype(object)


def choice(rng: np.random.Generator, shares: dict, count: int) -> np.ndarray:
    keys = np.array(list(shares), dtype=object)
    weights = np.array(list(shares.values()), dtype=float)
    return keys[rng.choice(len(keys), count, p=weights / weights.sum())]


def insert(db, sql: str, frame: pd.DataFrame, params=None) -> None:
    """`INSERT … SELECT … FROM frame` with the DataFrame registered as `frame`."""
    with db.registered("frame", frame):
        db.execute(sql, params)
