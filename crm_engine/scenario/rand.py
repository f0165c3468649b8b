"""Seeds and stable random draws for teaching scenarios.

Two kinds of randomness, both fully determined by the workspace's seed:

* **Streams** (`generator(seed, "orders", chunk)`): numpy generators for one-shot
  work such as generating the history. Each purpose has its own stream, so adding
  a new kind of record never shifts the draws of another.
* **Counters** (`uniforms(seed, "clock_orders", day, customer_ids)`): a hash of
  (seed, purpose, keys) mapped to [0, 1), vectorised with numpy. Used wherever the
  result must not depend on how the work is split or on unrelated records: the
  clock draws each customer's orders for a day from (seed, day, customer id), so
  advancing 30 days once or 1 day 30 times gives the same world, and winning back
  one customer never reshuffles another's orders.

Variant seeds come from (scenario seed, student id) through SHA-256 — never
Python's `hash()`, which is randomised per process.
"""
from __future__ import annotations

import hashlib

import numpy as np

STREAMS = {name: number for number, name in enumerate((
    "customers", "contacts", "interactions", "orders", "campaigns", "leads", "opportunities", "tickets",
    "calls", "traits", "targets", "clock_orders", "clock_lines", "clock_tickets", "clock_calls", "clock_leads",
    "events", "step", "close", "winback", "winback_delay", "new_customer", "names", "ticket_feedback",
    "ticket_words"), start=1)}  # new purposes go at the end: the numbers of the others never change

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def variant_seed(seed: int, student: str | None = None) -> int:
    """The seed of one student's variant: the scenario seed itself without a student,
    else 63 bits of SHA-256 over (seed, student id) — stable across processes and machines."""
    seed = int(seed)
    if student is None or not str(student).strip():
        return seed
    digest = hashlib.sha256(f"crm-lab|{seed}|{str(student).strip()}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def generator(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """A numpy generator for one purpose (and optional integer keys, e.g. a chunk number)."""
    seed = int(seed)
    return np.random.default_rng([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, STREAMS[stream],
                                  *(int(k) & 0xFFFFFFFF for k in keys)])


def _mix(x: np.ndarray, spare: np.ndarray | None = None) -> np.ndarray:
    """splitmix64's finaliser: a cheap, well-mixed 64-bit hash (wrapping arithmetic is intended).
    Works in place on `x` (always an array of uniforms' own), shifting into `spare` if given: at
    100k customers a fresh temporary costs more than the arithmetic."""
    for shift, multiplier in ((30, _M1), (27, _M2), (31, None)):
        x ^= np.right_shift(x, np.uint64(shift), out=spare)
        if multiplier is not None:
            x *= multiplier
    return x


def _key(key) -> np.ndarray:
    return np.asarray(key, dtype=np.int64).astype(np.uint64) * _GOLDEN + np.uint64(0x632BE59BD9B4E019)


class Keys:
    """Integer keys made ready for `uniforms` once, for keys drawn on again and again (the clock
    draws for every customer several times a day): the same draws as the plain integers. After
    scalar keys, the hashing works in two buffers kept here (so one thread at a time)."""

    def __init__(self, keys):
        with np.errstate(over="ignore"):
            self.term = _key(keys)
        self._buffers: tuple[np.ndarray, np.ndarray] | None = None

    def hash(self, h: np.ndarray) -> np.ndarray:
        """_mix(h ^ keys) for a single h, in the buffers."""
        if self._buffers is None:
            self._buffers = (np.empty_like(self.term), np.empty_like(self.term))
        x, spare = self._buffers
        return _mix(np.bitwise_xor(self.term, h, out=x), spare)


def uniforms(seed: int, stream: str, *keys) -> np.ndarray:
    """Uniform draws in [0, 1) from (seed, stream, keys); keys are ints, integer arrays or `Keys` (broadcast)."""
    with np.errstate(over="ignore"):
        h = _mix(np.atleast_1d(np.uint64(int(seed) & 0xFFFFFFFFFFFFFFFF) + np.uint64(STREAMS[stream]) * _GOLDEN))
        for key in keys:
            if isinstance(key, Keys):
                h = key.hash(h) if h.size == 1 else _mix(h ^ key.term)
            else:
                h = _mix(h ^ _key(key))
        h >>= np.uint64(11)  # 53 bits: as an int64 they convert to float exactly as well, and much faster
    u = h.view(np.int64).astype(np.float64)
    u *= 1.0 / (1 << 53)
    return u


def uniform(seed: int, stream: str, *keys: int) -> float:
    """One uniform draw in [0, 1) from (seed, stream, keys)."""
    return float(uniforms(seed, stream, *keys)[0])


def poisson(u: np.ndarray, lam: np.ndarray, kmax: int = 60) -> np.ndarray:
    """Poisson counts by inverting the CDF at `u` (vectorised; only the draws still climbing are
    carried from one step to the next, as daily rates are mostly far below one)."""
    u = np.asarray(u, dtype=np.float64)
    lam = np.broadcast_to(np.asarray(lam, dtype=np.float64), u.shape)
    p = np.exp(-lam)
    k = np.zeros(u.shape, dtype=np.int64)
    idx = np.flatnonzero(u >= p)
    term, cdf, rate, left = p[idx], p[idx], lam[idx], u[idx]
    step = 0
    while idx.size and step < kmax:
        step += 1
        term = term * rate / step
        cdf = cdf + term
        k[idx] += 1
        keep = left >= cdf
        idx, term, cdf, rate, left = idx[keep], term[keep], cdf[keep], rate[keep], left[keep]
    return k


def zero_below(bound) -> np.ndarray:
    """The draw under which `poisson` surely gives 0 for any rate up to `bound` (a count is 0
    while u < exp(-rate)). Most customers draw nothing on a given day, so the clock works out
    the exact rates only for the draws at or above it; the margin (1e-9 at least, relative)
    is far wider than the rounding of the rates and of exp."""
    return np.exp(-(np.asarray(bound, dtype=np.float64) * (1 + 1e-6) + 1e-9))


def normal(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    """Standard normal draws from two uniforms (Box–Muller)."""
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def pick(u: np.ndarray, weights) -> np.ndarray:
    """Index into `weights` (non-negative, any scale) for each uniform in `u`."""
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.minimum(np.searchsorted(cumulative / cumulative[-1], u, side="right"), len(cumulative) - 1)


def pick_products(rng: np.random.Generator, line_no: np.ndarray, products,
                  loyalty: float = 0.7) -> np.ndarray:
    """A row of `products` (a frame with `line_no`) per draw: from the customer's favourite product line
    `line_no[i]` with probability `loyalty`, else any product (the generator and the clock share it)."""
    n = len(line_no)
    order = np.argsort(products["line_no"].to_numpy(), kind="stable")
    per_line = np.bincount(products["line_no"].to_numpy(), minlength=int(line_no.max(initial=0)) + 1)
    start = np.r_[0, np.cumsum(per_line)[:-1]]
    u = rng.random(n)
    count = per_line[line_no]
    own = order[np.minimum(start[line_no] + (u * count).astype(np.int64), len(order) - 1)]
    anyone = rng.integers(0, len(products), n)
    return np.where((rng.random(n) < loyalty) & (count > 0), own, anyone)
