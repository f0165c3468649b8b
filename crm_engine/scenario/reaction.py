"""How simulated customers react to what students do — the functional core (no database).

Two models, both logistic: a logit is the sum of named *factors* (kept, so an
instructor can see why), turned into a probability, compared with a uniform draw
from (seed, record). The draw for a record is fixed, so the same actions on the
same seed always give the same answer, and doing better never makes the answer
worse for the same customer. Coefficients and the effect sizes they produce are
documented for instructors in docs/scenario-model.md (tests hold the margins).

* **Development-plan steps** (O3/O4). Each step's action text is read for what it
  is — a contact (call, e-mail, WeChat), a visit or demo, a proposal / quotation, a
  negotiation — and through which channel. A step's response (positive, silence,
  negative) depends on the prospect's hidden traits (need, budget, responsiveness,
  preferred channel, product line) and on practice: first contact within the week
  of assignment, a sensible sequence (call → visit → proposal → negotiation), a rep
  whose product line matches the need, prompt follow-up after silence, no long
  gaps. A negotiation step decides the deal: won or lost, with `close_probability`.
* **Churn suspension** (C4). The measures' text is read for levers (a discount, a
  visit, an apology, a replacement, asking why …). Whether the customer comes back
  depends on the hidden reason it drifted away, on promptness after the warning,
  on the preferred channel, on following up, on its value and its churn risk.
* **Service tickets** (S4). How satisfied (1–5) a customer is with a handled ticket
  depends on how quickly it was handled, whether the handling text says what was
  done (not just "ok"), the ticket's type (complaints are harder to please, less so
  with an apology or a remedy), a second round after a send-back, and the
  customer's churn risk and reason (an ordered logit: `ticket_satisfaction`).
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

# -- reading a step's action -------------------------------------------------------------
RANKS = {"contact": 1, "visit": 2, "proposal": 3, "negotiation": 4}
_EN = r"(?<![a-z]){}"  # English keywords start a word ("call", "calls"; not "recall")
KEYWORDS = (  # checked from the highest rank down: "call about the quotation" is a proposal step
    ("negotiation", ("negotiat", "contract", "sign", "closing", "close the deal", "terms"),
     ("谈判", "签约", "合同", "议价", "成交", "签单")),
    ("proposal", ("proposal", "quotation", "quote", "tender", "offer"), ("方案", "报价", "标书", "建议书")),
    ("visit", ("visit", "demo", "on site", "on-site", "meet", "presentation", "tour"),
     ("拜访", "上门", "演示", "面谈", "会议", "参观", "到访", "见面")),
    ("contact", ("call", "phone", "ring", "email", "e-mail", "mail", "wechat", "message", "sms", "contact",
                 "follow up", "follow-up"), ("电话", "致电", "邮件", "微信", "短信", "联系", "沟通", "回访", "跟进")),
)
CHANNEL_WORDS = (
    ("wechat", ("wechat",), ("微信",)), ("email", ("email", "e-mail", "mail"), ("邮件",)),
    ("visit", ("visit", "on site", "on-site", "demo", "tour"), ("拜访", "上门", "到访", "演示", "参观")),
    ("meeting", ("meet",), ("会议", "面谈", "见面")), ("phone", ("call", "phone", "ring"), ("电话", "致电")),
)
SAME_CHANNEL = {"meeting": "visit"}  # a meeting in person counts as a visit


def _has(text: str, english, chinese) -> bool:
    return any(re.search(_EN.format(re.escape(w)), text) for w in english) or any(w in text for w in chinese)


@dataclass(frozen=True)
class StepKind:
    """What a plan step is: its kind, its rank in the sequence, its channel (if it names one)."""

    kind: str
    rank: int
    channel: str | None


def classify(action: str) -> StepKind:
    """Read a plan step's action text (English or Chinese). Unrecognised text counts as a contact."""
    text = (action or "").casefold()
    kind = next((k for k, en, zh in KEYWORDS if _has(text, en, zh)), "contact")
    channel = next((c for c, en, zh in CHANNEL_WORDS if _has(text, en, zh)), None)
    if kind == "visit" and channel in (None, "phone"):
        channel = "visit"
    channel = SAME_CHANNEL.get(channel, channel)
    return StepKind(kind, RANKS[kind], channel)


# -- the prospect and the plan, as the model sees them --------------------------------------
@dataclass(frozen=True)
class Prospect:
    """The hidden traits of a prospect (0–1 scales) — stored in `scenario_traits`."""

    need: float
    budget: float
    responsiveness: float
    channel: str
    line: str | None


@dataclass(frozen=True)
class StepFact:
    """A plan step: its effective date (planned, but never before it was written down),
    its kind, and the response already drawn for it (None if not yet)."""

    on: dt.date
    kind: StepKind
    response: str | None = None


# Coefficients (logit units). docs/scenario-model.md documents them; change both together.
STEP = {"base": -0.1, "responsiveness": 2.0, "need": 1.5, "channel_match": 0.8, "channel_mismatch": -0.3,
        "in_sequence": 0.5, "out_of_sequence": -1.0, "timely_first_contact": 0.5, "late_first_contact": -0.6,
        "line_match": 0.4, "line_mismatch": -0.4, "prompt_follow_up": 0.7, "ignored_silence": -0.7,
        "long_gap": -0.5}
CLOSE = {"base": -2.6, "need": 2.5, "budget": 1.5, "timely_first_contact": 0.7, "late_first_contact": -0.5,
         "line_match": 0.6, "line_mismatch": -0.6, "complete_sequence": 0.9, "out_of_sequence": -0.6,
         "positive": 0.25, "negative": -0.4, "ignored_silence": -0.6, "channel_used": 0.3}
SILENCE_SHARE = 0.7       # of the non-positive answers, this share is silence, the rest a refusal
FOLLOW_UP_DAYS = 7        # a follow-up within this many days of silence is prompt …
IGNORED_DAYS = 14         # … and none within this many days means the silence was ignored
LONG_GAP_DAYS = 21


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _line(prospect: Prospect, rep_line: str | None) -> int:
    if not prospect.line or not rep_line:
        return 0
    return 1 if prospect.line == rep_line else -1


def _channel(prospect: Prospect, kind: StepKind) -> int:
    if kind.channel is None:
        return 0
    return 1 if SAME_CHANNEL.get(prospect.channel, prospect.channel) == kind.channel else -1


def _first_contact(assigned_on: dt.date | None, steps: list[StepFact], contact_days: int) -> int:
    if assigned_on is None or not steps:
        return 0
    return 1 if (steps[0].on - assigned_on).days <= contact_days else -1


def step_factors(prospect: Prospect, rep_line: str | None, assigned_on: dt.date | None,
                 previous: list[StepFact], step: StepFact, contact_days: int = 7) -> dict[str, float]:
    """The logit factors of the prospect's response to `step`, given the steps before it."""
    f = {"base": STEP["base"], "responsiveness": STEP["responsiveness"] * (prospect.responsiveness - 0.5),
         "need": STEP["need"] * (prospect.need - 0.5)}
    channel = _channel(prospect, step.kind)
    if channel > 0:
        f["channel_match"] = STEP["channel_match"]
    elif channel < 0 and step.kind.rank == 1:
        f["channel_mismatch"] = STEP["channel_mismatch"]
    reached = max((p.kind.rank for p in previous), default=0)
    _either(f, STEP, step.kind.rank <= reached + 1, "in_sequence", "out_of_sequence")
    first = _first_contact(assigned_on, [*previous, step], contact_days)
    if first:
        _either(f, STEP, first > 0, "timely_first_contact", "late_first_contact")
    line = _line(prospect, rep_line)
    if line:
        _either(f, STEP, line > 0, "line_match", "line_mismatch")
    if previous:
        gap = (step.on - previous[-1].on).days
        if previous[-1].response in ("silence", "negative"):
            if gap <= FOLLOW_UP_DAYS:
                f["prompt_follow_up"] = STEP["prompt_follow_up"]
            elif gap > IGNORED_DAYS:
                f["ignored_silence"] = STEP["ignored_silence"]
        if gap > LONG_GAP_DAYS:
            f["long_gap"] = STEP["long_gap"]
    return f


def _either(factors: dict, effects: dict, good: bool, if_good: str, if_not: str) -> None:
    """Add the factor of a practice done well or badly, with its effect size."""
    name = if_good if good else if_not
    factors[name] = effects[name]


def respond(probability: float, u: float) -> str:
    """The answer a draw `u` gives: positive below `probability`, then silence, then a refusal."""
    if u < probability:
        return "positive"
    return "silence" if u < probability + (1 - probability) * SILENCE_SHARE else "negative"


def close_factors(prospect: Prospect, rep_line: str | None, assigned_on: dt.date | None,
                  previous: list[StepFact], closing: StepFact | None = None,
                  contact_days: int = 7) -> dict[str, float]:
    """The logit factors of a deal closing successfully at `closing` (a negotiation step)
    after the steps in `previous` (with their drawn responses)."""
    steps = [*previous, *([closing] if closing else [])]
    f = {"base": CLOSE["base"], "need": CLOSE["need"] * (prospect.need - 0.5),
         "budget": CLOSE["budget"] * (prospect.budget - 0.5)}
    first = _first_contact(assigned_on, steps, contact_days)
    if first:
        _either(f, CLOSE, first > 0, "timely_first_contact", "late_first_contact")
    line = _line(prospect, rep_line)
    if line:
        _either(f, CLOSE, line > 0, "line_match", "line_mismatch")
    reached, skipped = 0, 0
    for step in steps:
        if step.kind.rank > reached + 1:
            skipped += 1
        reached = max(reached, step.kind.rank)
    if skipped:
        f["out_of_sequence"] = CLOSE["out_of_sequence"] * min(skipped, 2)
    elif {1, 2, 3} <= {s.kind.rank for s in previous}:
        f["complete_sequence"] = CLOSE["complete_sequence"]
    positives = sum(s.response == "positive" for s in previous)
    negatives = sum(s.response == "negative" for s in previous)
    if positives:
        f["positive"] = CLOSE["positive"] * min(positives, 3)
    if negatives:
        f["negative"] = CLOSE["negative"] * negatives
    ignored = 0
    for before, after in zip(previous, [*previous[1:], closing]):
        if before.response in ("silence", "negative") and (after is None or (after.on - before.on).days > IGNORED_DAYS):
            ignored += 1
    if ignored:
        f["ignored_silence"] = CLOSE["ignored_silence"] * ignored
    if any(_channel(prospect, s.kind) > 0 for s in steps):
        f["channel_used"] = CLOSE["channel_used"]
    return f


def probability(factors: dict[str, float]) -> float:
    return sigmoid(sum(factors.values()))


def lost_reason(prospect: Prospect) -> str:
    """The reason a lost prospect gives (a `lost_reason` dictionary code)."""
    if prospect.budget < 0.3:
        return "no_budget"
    if prospect.need < 0.3:
        return "no_need"
    return "competitor" if prospect.responsiveness >= 0.5 else "price"


# -- churn suspension --------------------------------------------------------------------------
LEVERS = (
    ("price", ("discount", "price", "rebate", "cheaper", "special offer", "coupon"),
     ("折扣", "优惠", "降价", "让利", "返利", "特价", "打折", "优惠券")),
    ("visit", ("visit", "on site", "in person", "meet"), ("拜访", "上门", "面谈", "登门", "见面")),
    ("call", ("call", "phone", "ring"), ("电话", "致电")),
    ("wechat", ("wechat",), ("微信",)),
    ("email", ("email", "e-mail", "mail", "letter"), ("邮件", "信函")),
    ("service", ("apolog", "service", "support", "fix", "improve", "compensat"),
     ("道歉", "服务", "售后", "改进", "整改", "补偿")),
    ("quality", ("quality", "replace", "exchange", "warranty", "return"), ("质量", "更换", "换货", "保修", "退换", "退货")),
    ("listen", ("ask", "why", "reason", "survey", "feedback", "listen", "understand"),
     ("了解", "原因", "调研", "倾听", "问卷", "询问", "反馈")),
    ("loyalty", ("loyalty", "gift", "points", "member", "vip"), ("会员", "积分", "赠品", "礼品", "贵宾")),
    ("offer", ("new product", "sample", "trial", "recommend", "new range"), ("新品", "样品", "试用", "推荐", "新产品")),
)
REASON_LEVERS = {"price": {"price", "loyalty"}, "competitor": {"price", "visit", "offer"},
                 "service": {"service", "visit"}, "quality": {"quality", "service"}, "no_need": {"offer"},
                 "closed": set()}
CHANNEL_LEVERS = {"phone": "call", "visit": "visit", "meeting": "visit", "wechat": "wechat", "email": "email"}
WINBACK = {"base": -2.0, "fits_reason": 1.4, "asked_why": 0.5, "prompt": 0.7, "late": -0.7, "channel": 0.5,
           "follow_up": 0.6, "valuable": 0.4, "churn_risk": -1.5}
VALUABLE_LEVELS = ("key_account", "partner", "strategic_partner")
PROMPT_DAYS, LATE_DAYS, FOLLOW_UP_WINDOW = 7, 30, 14
CLOSED_BUSINESS = 0.02    # a business that closed down does not come back, whatever is done


def levers(measures: str) -> set[str]:
    """The levers a suspension's measures text pulls (English or Chinese)."""
    text = (measures or "").casefold()
    return {name for name, en, zh in LEVERS if _has(text, en, zh)}


@dataclass(frozen=True)
class Drifter:
    """The hidden side of a customer drifting away (from `scenario_traits`)."""

    reason: str
    channel: str
    churn_risk: float
    level: str


def winback_factors(customer: Drifter, raised_on: dt.date, measures: list[tuple[dt.date, str]]) -> dict[str, float]:
    """The logit factors of winning back a customer after the suspension `measures` (date, text), oldest first."""
    pulled = set().union(*(levers(text) for _, text in measures)) if measures else set()
    f = {"base": WINBACK["base"], "churn_risk": WINBACK["churn_risk"] * (customer.churn_risk - 0.5)}
    if pulled & REASON_LEVERS.get(customer.reason, set()):
        f["fits_reason"] = WINBACK["fits_reason"]
    if "listen" in pulled:
        f["asked_why"] = WINBACK["asked_why"]
    if measures:
        delay = (measures[0][0] - raised_on).days
        if delay <= PROMPT_DAYS:
            f["prompt"] = WINBACK["prompt"]
        elif delay > LATE_DAYS:
            f["late"] = WINBACK["late"]
    if CHANNEL_LEVERS.get(customer.channel) in pulled:
        f["channel"] = WINBACK["channel"]
    if len(measures) >= 2 and (measures[1][0] - measures[0][0]).days <= FOLLOW_UP_WINDOW:
        f["follow_up"] = WINBACK["follow_up"]
    if customer.level in VALUABLE_LEVELS:
        f["valuable"] = WINBACK["valuable"]
    return f


def winback_probability(customer: Drifter, factors: dict[str, float]) -> float:
    return CLOSED_BUSINESS if customer.reason == "closed" else sigmoid(sum(factors.values()))


# -- service tickets (S4) ------------------------------------------------------------------------
TICKET = {"base": 0.9, "prompt": 0.6, "slow": -0.6, "very_slow": -1.2, "substantive": 0.5, "perfunctory": -1.1,
          "complaint": -0.9, "apology_or_remedy": 0.6, "repair": -0.3, "suggestion": 0.3, "second_round": -0.4,
          "churn_risk": -1.2, "service_sensitive": -0.4}
PROMPT_HANDLING_DAYS, SLOW_HANDLING_DAYS, VERY_SLOW_HANDLING_DAYS = 2, 7, 14
SATISFIED = 3             # as the service area: 3 or more archives the ticket, less sends it back
# Ordered logit: P(satisfaction >= k) = sigmoid(logit + cut[k]); "satisfied" (>= 3) is sigmoid(logit).
SATISFACTION_CUTS = {2: 1.5, 3: 0.0, 4: -0.9, 5: -2.0}
REMEDY_LEVERS = {"service", "quality", "price", "visit"}   # an apology, a fix, a replacement, compensation, a visit
SENSITIVE_REASONS = ("service", "quality")                 # customers drifting away over service notice it most
# Words that say nothing about what was done ("ok", "problem solved", "已处理").
FILLER = frozenset("""ok okay done fixed solved resolved handled sorted noted closed completed finished processed
    replied answered the a an it is has have been was were all problem problems issue issues thanks thank you
    already now as requested per request yes fine good""".split())
FILLER_ZH = frozenset("好的已经处理解决完成毕了问题收到回复办妥搞定嗯行没谢")
CJK_WORD = 0.7            # a Chinese character counts as 0.7 of a word
PERFUNCTORY_BELOW, SUBSTANTIVE_FROM = 2, 4.5


def handling_quality(text: str) -> str:
    """How much a ticket's handling text says (English or Chinese): `perfunctory` (fewer than two
    content words — words other than ok, done, solved, problem …; "ok", "已处理"), `substantive`
    (4.5 content words or more, a Chinese character counting 0.7: a sentence saying what was done)
    or `brief` (in between)."""
    text = (text or "").casefold()
    words = [w for w in re.findall(r"[a-z0-9]+(?:['-][a-z0-9]+)*", text) if w not in FILLER]
    chinese = [c for c in re.findall(r"[\u3400-\u9fff]", text) if c not in FILLER_ZH]
    content = len(words) + CJK_WORD * len(chinese)
    if content < PERFUNCTORY_BELOW:
        return "perfunctory"
    return "substantive" if content >= SUBSTANTIVE_FROM else "brief"


def ticket_factors(service_type: str, days: int, handling: str, attempt: int = 1, churn_risk: float = 0.5,
                   churn_reason: str | None = None) -> dict[str, float]:
    """The logit factors of a customer being satisfied with a handled ticket: `days` from the
    ticket's creation (a later round: from the send-back) to its handling, the handling text,
    the handling round `attempt`, and the customer's hidden churn risk and reason."""
    f = {"base": TICKET["base"], "churn_risk": TICKET["churn_risk"] * (churn_risk - 0.5)}
    if days <= PROMPT_HANDLING_DAYS:
        f["prompt"] = TICKET["prompt"]
    elif days > VERY_SLOW_HANDLING_DAYS:
        f["very_slow"] = TICKET["very_slow"]
    elif days > SLOW_HANDLING_DAYS:
        f["slow"] = TICKET["slow"]
    quality = handling_quality(handling)
    if quality != "brief":
        f[quality] = TICKET[quality]
    if service_type == "complaint":
        f["complaint"] = TICKET["complaint"]
        if levers(handling) & REMEDY_LEVERS:
            f["apology_or_remedy"] = TICKET["apology_or_remedy"]
    elif service_type in ("repair", "suggestion"):
        f[service_type] = TICKET[service_type]
    if attempt > 1:
        f["second_round"] = TICKET["second_round"]
    if churn_reason in SENSITIVE_REASONS:
        f["service_sensitive"] = TICKET["service_sensitive"]
    return f


def ticket_satisfaction(factors: dict[str, float], u: float) -> int:
    """The satisfaction 1–5 a draw `u` gives: one more point for each cut `u` falls below. A lower
    `u` never gives a lower score, and a higher logit never gives a lower score for the same `u`."""
    logit = sum(factors.values())
    return 1 + sum(u < sigmoid(logit + cut) for cut in SATISFACTION_CUTS.values())


def ticket_hints(factors: dict[str, float]) -> list[str]:
    """What an unhappy customer mentions: the wait, a reply that says nothing, a complaint without apology."""
    hints = []
    if "slow" in factors or "very_slow" in factors:
        hints.append("slow")
    if "perfunctory" in factors:
        hints.append("vague")
    if "complaint" in factors and "apology_or_remedy" not in factors:
        hints.append("no_apology")
    return hints
