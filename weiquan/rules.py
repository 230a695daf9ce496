"""Rules knowledge base (data/kb/rules.yml) and the computations that apply a rule to one user's case.

All rule text and every legal number live in the YAML; this module reads them, computes dates and amounts
and fills the placeholders. Nothing is loaded at import time.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan import formatting
from weiquan.paths import KB_DIR

RULES_FILE = KB_DIR / "rules.yml"
CONFIDENCE_LEVELS = ("VERIFIED", "VERIFIED-COPY", "WELL-KNOWN", "UNVERIFIED")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Source:
    fact: str  # id of a row of rules_facts.md
    ref: str  # the law or platform rule, for people


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    topics: tuple[str, ...]
    main_for: tuple[str, ...]  # topics this rule is the main answer of
    applies_to: tuple[str, ...]
    sources: tuple[Source, ...]
    confidence: str
    params: Mapping[str, Any]
    needs: tuple[str, ...]
    compute: str | None
    short: str
    texts: Mapping[str, str]  # "text", "text_missing", "text_<variant>"

    def text_for(self, variant: str | None = None) -> str:
        """The text of a variant ("expired", "missing", …), falling back to the main text."""
        if variant:
            found = self.texts.get(f"text_{variant}")
            if found:
                return found
        return self.texts["text"]


@dataclass(frozen=True)
class Explanation:
    text: str
    rule_ids: list[str]
    missing: list[str] = field(default_factory=list)  # deciding facts not known yet, in asking order


@dataclass(frozen=True)
class SevenDayWindow:
    received: date
    first_day: date  # counting starts the day after signing
    last_day: date  # last day to send the return request
    days_left: int  # days after today up to last_day; 0 on the last day, negative once expired

    @property
    def expired(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class RefundDeadlines:
    return_received: date
    due: date  # last day for the refund
    penalty_after: date  # last day of the 15; a refund still missing after it is a penalisable case


@dataclass(frozen=True)
class KnowledgeBase:
    rules: dict[str, Rule]
    meta: Mapping[str, Any]


# --- loading


def _rule_from(raw: Mapping[str, Any]) -> Rule:
    # Folded YAML lines are joined without spaces: Chinese sentences run on.
    texts = {key: "".join(str(value).split()) for key, value in raw.items() if key.startswith("text")}
    return Rule(
        id=raw["id"],
        title=raw["title"],
        topics=tuple(raw.get("topics") or ()),
        main_for=tuple(raw.get("main_for") or ()),
        applies_to=tuple(raw.get("applies_to") or ()),
        sources=tuple(Source(s["fact"], s["ref"]) for s in raw.get("sources") or ()),
        confidence=raw["confidence"],
        params=dict(raw.get("params") or {}),
        needs=tuple(raw.get("needs") or ()),
        compute=raw.get("compute"),
        short=raw.get("short", ""),
        texts=texts,
    )


@lru_cache(maxsize=4)
def load_kb(path: Path = RULES_FILE) -> KnowledgeBase:
    """The rules of a rules.yml file, keyed by id, in file order."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    rules: dict[str, Rule] = {}
    for item in raw["rules"]:
        parsed = _rule_from(item)
        if parsed.id in rules:
            raise ValueError(f"duplicate rule id {parsed.id!r} in {path}")
        rules[parsed.id] = parsed
    return KnowledgeBase(rules=rules, meta=raw.get("meta") or {})


def all_rules() -> list[Rule]:
    return list(load_kb().rules.values())


def rule(rule_id: str) -> Rule:
    """The rule with this id; KeyError if there is none."""
    return load_kb().rules[rule_id]


def source_line(found: Rule) -> str:
    """Where a rule comes from: laws by article, platform rules without article numbers."""
    meta = load_kb().meta
    if found.confidence == "UNVERIFIED":
        return meta["source_unverified"]
    refs = [meta["source_platform_copy"] if s.fact.startswith("tb_") else s.ref for s in found.sources]
    return "；".join(dict.fromkeys(refs))


def rules_for_topic(topic: str) -> list[Rule]:
    """Rules answering a canonical rule_topic: the main answer first, then the others in file order."""
    found = [r for r in load_kb().rules.values() if topic in r.topics]
    return sorted(found, key=lambda r: topic not in r.main_for)


def rules_for_complaint(intent: str) -> list[Rule]:
    """Rules that matter for a complaint intent, in file order."""
    return [r for r in load_kb().rules.values() if intent in r.applies_to]


def fact_question(fact: str) -> str | None:
    """The short question that asks the user for one fact, if the KB has one."""
    return (load_kb().meta.get("fact_questions") or {}).get(fact)


# --- computations


def seven_day_window(received: date, today: date) -> SevenDayWindow:
    """七天无理由: counting starts the day after signing; the 7th day after signing is the last one."""
    days = int(rule("seven_day_return").params["return_days"])
    last_day = received + timedelta(days=days)
    return SevenDayWindow(
        received=received,
        first_day=received + timedelta(days=1),
        last_day=last_day,
        days_left=(last_day - today).days,
    )


def _compensation(amount: Decimal | float | int | str, multiplier: Any, minimum: Any) -> Decimal:
    paid = to_decimal(amount)
    if paid is None or paid < 0:
        raise ValueError(f"not an amount paid: {amount!r}")
    return max(paid * Decimal(str(multiplier)), Decimal(str(minimum)))


def fraud_compensation(amount: Decimal | float | int | str) -> Decimal:
    """消保法55: extra compensation for fraud, price × multiplier, at least the minimum."""
    params = rule("fraud_compensation").params
    return _compensation(amount, params["multiplier"], params["minimum_yuan"])


def food_compensation(
    amount: Decimal | float | int | str, loss: Decimal | float | int | str | None = None
) -> Decimal:
    """食品安全法148: price × 10 or loss × 3 (the larger one), at least the minimum."""
    params = rule("food_compensation").params
    by_price = _compensation(amount, params["price_multiplier"], params["minimum_yuan"])
    if loss is None:
        return by_price
    by_loss = _compensation(loss, params["loss_multiplier"], params["minimum_yuan"])
    return max(by_price, by_loss)


def is_compensation_minimum(rule_id: str, amount: Decimal | float | int | str) -> bool:
    """True when the minimum, not the multiple of the price, decides the compensation."""
    params = rule(rule_id).params
    multiplier = params.get("multiplier", params.get("price_multiplier"))
    paid = to_decimal(amount) or Decimal(0)
    return paid * Decimal(str(multiplier)) < Decimal(str(params["minimum_yuan"]))


def refund_due_date(return_received: date) -> date:
    """Last day for the merchant to refund after receiving the returned goods."""
    return return_received + timedelta(days=int(rule("refund_after_return").params["refund_days"]))


def refund_penalty_date(return_received: date) -> date:
    """Last of the 15 days after receiving the return; still no refund after it is a penalisable case."""
    return return_received + timedelta(days=int(rule("refund_after_return").params["penalty_days"]))


def refund_deadlines(return_received: date) -> RefundDeadlines:
    return RefundDeadlines(
        return_received, refund_due_date(return_received), refund_penalty_date(return_received)
    )


def return_request_penalty_date(requested: date) -> date:
    """Last of the 15 days after the return request; no address or return handling after it is penalisable."""
    return requested + timedelta(days=int(rule("return_address_duty").params["penalty_days"]))


def add_working_days(start: date, count: int) -> date:
    """The date `count` working days after `start`; skips weekends only, public holidays are not known."""
    current = start
    added = 0
    while added < count:
        current += timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def regulator_accept_deadline(filed: date) -> date:
    """Approximate last day for market regulation to decide whether it accepts a complaint (working days)."""
    return add_working_days(filed, int(rule("regulator_complaint").params["accept_workdays"]))


def regulator_mediation_end(accepted: date) -> date:
    """Approximate day mediation ends without agreement, counted in working days from acceptance."""
    return add_working_days(accepted, int(rule("regulator_complaint").params["mediation_workdays"]))


def add_months(start: date, months: int) -> date:
    """Same day `months` later, or the month's last day when that month is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def burden_of_proof_end(received: date) -> date:
    """End of the six months in which the merchant must prove a durable good had no defect."""
    return add_months(received, int(rule("durable_burden_6_months").params["months"]))


# --- facts


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).replace(",", "").replace("元", "").strip())
    except InvalidOperation:
        return None


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return formatting.parse_iso(value)
    return None


def money(amount: Decimal | float | int) -> str:
    """1500 -> '1,500元'."""
    return formatting.money(float(amount))


def day(value: date, today: date) -> str:
    """11月30日, with the year only when it is not the current one."""
    return formatting.day(value, today)


class MissingFact(Exception):
    """A fact the rule needs to answer for this user is not known (or not usable)."""

    def __init__(self, fact: str) -> None:
        super().__init__(fact)
        self.fact = fact


def _need_date(facts: Mapping[str, Any], name: str, today: date) -> date:
    value = to_date(facts.get(name))
    if value is None or value > today:
        raise MissingFact(name)
    return value


def _need_amount(facts: Mapping[str, Any], name: str = "amount") -> Decimal:
    value = to_decimal(facts.get(name))
    if value is None or value <= 0:
        raise MissingFact(name)
    return value


Computed = tuple[str | None, dict[str, str]]


def _c_seven_day(facts: Mapping[str, Any], today: date) -> Computed:
    window = seven_day_window(_need_date(facts, "received_date", today), today)
    values = {
        "received_date": day(window.received, today),
        "last_day": day(window.last_day, today),
        "days_left": str(max(window.days_left, 0)),
    }
    if window.expired:
        return "expired", values
    return ("last_day" if window.days_left == 0 else None), values


def _c_compensation(
    rule_id: str, compute: Callable[..., Decimal]
) -> Callable[[Mapping[str, Any], date], Computed]:
    def run(facts: Mapping[str, Any], today: date) -> Computed:
        paid = _need_amount(facts)
        values = {"amount": money(paid), "compensation": money(compute(paid))}
        return ("minimum" if is_compensation_minimum(rule_id, paid) else None), values

    return run


def _c_refund_due(facts: Mapping[str, Any], today: date) -> Computed:
    deadlines = refund_deadlines(_need_date(facts, "return_received_date", today))
    values = {
        "return_received_date": day(deadlines.return_received, today),
        "refund_due": day(deadlines.due, today),
        "penalty_after": day(deadlines.penalty_after, today),
    }
    if today > deadlines.penalty_after:
        return "penalty", values
    return ("overdue" if today > deadlines.due else None), values


def _c_return_request(facts: Mapping[str, Any], today: date) -> Computed:
    requested = _need_date(facts, "return_requested_date", today)
    penalty_after = return_request_penalty_date(requested)
    values = {"return_requested_date": day(requested, today), "penalty_after": day(penalty_after, today)}
    return ("overdue" if today > penalty_after else None), values


def _c_burden(facts: Mapping[str, Any], today: date) -> Computed:
    received = _need_date(facts, "received_date", today)
    end = burden_of_proof_end(received)
    values = {"received_date": day(received, today), "last_day": day(end, today)}
    return ("expired" if today > end else None), values


def _c_regulator(facts: Mapping[str, Any], today: date) -> Computed:
    filed = to_date(facts.get("complaint_filed_date"))
    if filed is not None and filed <= today:
        return "filed", {
            "filed_date": day(filed, today),
            "accept_by": day(regulator_accept_deadline(filed), today),
        }
    return None, {"accept_by": day(regulator_accept_deadline(today), today)}


COMPUTATIONS: dict[str, Callable[[Mapping[str, Any], date], Computed]] = {
    "seven_day_window": _c_seven_day,
    "fraud_compensation": _c_compensation("fraud_compensation", fraud_compensation),
    "food_compensation": _c_compensation("food_compensation", food_compensation),
    "refund_due": _c_refund_due,
    "return_request": _c_return_request,
    "burden_window": _c_burden,
    "regulator_deadlines": _c_regulator,
}


# --- explanations


def _param_values(params: Mapping[str, Any]) -> dict[str, str]:
    """Params as they are written in a reply: amounts as money, other numbers as digits."""
    values: dict[str, str] = {}
    for name, value in params.items():
        values[name] = money(value) if name.endswith("_yuan") else str(value)
    return values


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill {placeholders}; a placeholder without a value is an error, never shown to a user."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"no value for placeholder {{{name}}} in {template!r}")
        return values[name]

    return PLACEHOLDER.sub(fill, template)


def explain(rule_id: str, facts: Mapping[str, Any] | None = None, today: date | None = None) -> Explanation:
    """The rule with the user's numbers, or the rule in general plus a question for the missing fact."""
    today = today or date.today()
    facts = facts or {}
    found = rule(rule_id)
    values = _param_values(found.params)
    missing = [need for need in found.needs if _fact_missing(facts, need, today)]
    if missing and "text_missing" in found.texts:
        return Explanation(render(found.texts["text_missing"], values), [found.id], missing)
    variant: str | None = None
    if found.compute:
        try:
            variant, computed = COMPUTATIONS[found.compute](facts, today)
        except MissingFact as gap:
            return Explanation(render(found.text_for("missing"), values), [found.id], [gap.fact])
        values.update(computed)
    return Explanation(render(found.text_for(variant), values), [found.id], [])


def _fact_missing(facts: Mapping[str, Any], name: str, today: date) -> bool:
    value = facts.get(name)
    if name.endswith("_date"):
        parsed = to_date(value)
        return parsed is None or parsed > today
    if name in ("amount", "loss"):
        parsed_amount = to_decimal(value)
        return parsed_amount is None or parsed_amount <= 0
    return value is None or value == ""


def explain_topic(
    topic: str, facts: Mapping[str, Any] | None = None, today: date | None = None
) -> Explanation:
    """ask_rule by topic: the main rule with the user's numbers, then notes on related rules."""
    meta = load_kb().meta
    found = rules_for_topic(topic)
    if not found:
        return Explanation(meta["unknown_topic"], [], [])
    main = explain(found[0].id, facts, today)
    if main.missing:  # the reply ends with the question for the missing fact
        return main
    related = [r for r in found[1:] if r.short][: int(meta.get("max_related", 2))]
    lines = [main.text] + [f"{meta['related_prefix']}{r.short}" for r in related]
    return Explanation("\n".join(lines), main.rule_ids + [r.id for r in related], main.missing)


def topic_named_in(text: str) -> str | None:
    """The rule topic a question names in everyday words (meta `topic_words`) or by name; the earliest wins."""
    words = {topic: topic for rule in load_kb().rules.values() for topic in rule.topics}
    for topic, listed in (load_kb().meta.get("topic_words") or {}).items():
        words.update({word: topic for word in listed})
    found = [(text.find(word), -len(word), topic) for word, topic in words.items() if word in text]
    return min(found)[2] if found else None


def answer_rule(
    topic: str | None = None,
    complaint_type: str | None = None,
    facts: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> Explanation:
    """ask_rule: by rule_topic, else the main rule of the current complaint, else ask which rule."""
    if topic:
        return explain_topic(topic, facts, today)
    if complaint_type:
        # routing reads rules; imported here to avoid a cycle
        from weiquan.routing import CaseFacts, complaint_rule_ids, lead_rule_ids

        known = CaseFacts.from_mapping({**(facts or {}), "complaint_type": complaint_type})
        candidates = (lead_rule_ids(known) or complaint_rule_ids(complaint_type)
                      or [r.id for r in rules_for_complaint(complaint_type)])
        if candidates:
            return explain(candidates[0], facts, today)
    return Explanation(load_kb().meta["ask_which_rule"], [], [])
