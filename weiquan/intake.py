"""Intake: which fact to ask next for a complaint type, and reading facts out of what the user said."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan import normalize
from weiquan.paths import KB_DIR, PATTERNS_DIR

SKIPPED = "skipped"
YES_NO = "yes_no"
CHOICE = "choice"
DATE = "date"
AMOUNT = "amount"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A number typed on its own, as a price is (699, ¥89.9): up to six digits, so no order or waybill number.
_BARE_NUMBER = re.compile(r"\s*[¥￥]?\s*(\d{1,6}(?:\.\d{1,2})?)\s*")


@dataclass(frozen=True)
class Fact:
    name: str
    kind: str
    question: str
    buttons: tuple[str, ...] = ()
    options: Mapping[str, str] = field(default_factory=dict)
    # A choice fact whose answer also means "yes" to this one (判我输了 answers 申请过介入吗 and its result).
    yes_if_answered: str | None = None
    # The question in the words of one complaint type (a scam's amount is what was sent, not what an order cost).
    questions_by_type: Mapping[str, str] = field(default_factory=dict)

    def question_for(self, complaint_type: str | None) -> str:
        return self.questions_by_type.get(complaint_type or "", self.question)

    def button_titles(self) -> tuple[str, ...]:
        return tuple(self.options.values()) if self.kind == CHOICE else self.buttons


@dataclass(frozen=True)
class Step:
    fact: str
    when: Mapping[str, Any] = field(default_factory=dict)

    def applies(self, known: Mapping[str, Any]) -> bool:
        """True when every condition holds for the known facts (skipped facts hold no condition)."""
        for name, wanted in self.when.items():
            value = known.get(name)
            allowed = wanted if isinstance(wanted, list) else [wanted]
            if value in (None, SKIPPED) or value not in allowed:
                return False
        return True


@lru_cache(maxsize=2)
def _intake(path: Path = KB_DIR / "intake.yml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def _answers(path: Path = PATTERNS_DIR / "answers.yml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def facts() -> dict[str, Fact]:
    raw = _intake()["facts"]
    return {
        name: Fact(name, spec["kind"], spec["question"], tuple(spec.get("buttons", ())),
                   dict(spec.get("options", {})), spec.get("yes_if_answered"), dict(spec.get("questions_by_type", {})))
        for name, spec in raw.items()
    }


def _flatten(items: Iterable[Any]) -> Iterable[Any]:
    for item in items:
        if isinstance(item, list):
            yield from _flatten(item)
        else:
            yield item


def steps(complaint_type: str) -> list[Step]:
    """The questions of a complaint type in order (YAML anchors may nest lists)."""
    raw = _intake()["types"].get(complaint_type, [])
    return [Step(item) if isinstance(item, str) else Step(item["fact"], item.get("when", {}))
            for item in _flatten(raw)]


def fact_names() -> list[str]:
    return list(facts())


def recorded_fact_names() -> list[str]:
    """Facts kept on the case: those intake asks for, then those only ever said in passing (受伤了 → injury)."""
    asked = fact_names()
    return [*asked, *(name for name in _answers()["volunteered"] if name not in asked)]


def next_fact(complaint_type: str, known: Mapping[str, Any]) -> str | None:
    """The first fact still unknown whose conditions hold, or None when intake is complete."""
    for step in steps(complaint_type):
        if known.get(step.fact) is None and step.applies(known):
            return step.fact
    return None


def _contains_any(text: str, words: Sequence[str]) -> bool:
    return any(word in text for word in words)


def _says(text: str, words: Sequence[str]) -> bool:
    """A one-character answer word (是, 有, 没) counts only where the reply starts: 少的是一盒面膜 says no 是."""
    opening = text.lstrip(" \t，,。.!！~～")
    return any(_opens_with(opening, word) if len(word) == 1 else word in text for word in words)


def _opens_with(opening: str, word: str) -> bool:
    """The reply opens with the word standing alone (是，/ 是啊 / 嗯嗯), not as the start of a sentence (是一双鞋)."""
    if not opening.startswith(word):
        return False
    after = opening[len(word):len(word) + 1]
    return not after or not _CJK.match(after) or after == word or after in _answers()["yes_no"]["particles"]


@lru_cache(maxsize=32)
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation over the words, longest first, so the leftmost, longest word wins: 没联系过 matches whole,
    not as 没 + 联系过 (a bare 没 says no)."""
    return re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)))


def _without(text: str, words: Sequence[str]) -> str:
    """The text with each of the words blanked."""
    return _alternation(tuple(words)).sub(" ", text) if words else text


def _without_other_answers(text: str, fact_name: str) -> str:
    """The text less the words that answer another yes/no question only (answers.yml `answers_only`)."""
    return _without(text, [word for other, listed in _answers()["yes_no"].get("answers_only", {}).items()
                           if other != fact_name for word in listed])


def _yes_no(text: str, intent: str | None, fact: Fact) -> bool | None:
    if fact.buttons and text.strip() in fact.buttons:
        return fact.buttons.index(text.strip()) == 0
    rest = _without_other_answers(text, fact.name)
    if rest != text:
        # The classifier's affirm or deny was about the other question's words.
        text, intent = rest, None
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    words = _answers()["yes_no"]
    if _says(text, words["negative"]):
        return False
    if _says(text, words["affirmative"]):
        return True
    return None


def _choice_in_words(text: str, fact_name: str) -> str | None:
    """The first option of a choice fact whose answer words (answers.yml) the text contains."""
    return next((key for key, words in _answers()["choices"].get(fact_name, {}).items()
                 if _contains_any(text, words)), None)


def _choice(text: str, fact: Fact) -> str | None:
    for key, title in fact.options.items():
        if text.strip() == title:
            return key
    return _choice_in_words(text, fact.name)


def is_direct_answer(fact_name: str, text: str) -> bool:
    """The text is one of the fact's buttons or a clear choice answer, whatever intent the NLU saw in it."""
    fact = facts()[fact_name]
    stripped = text.strip()
    if stripped in fact.button_titles():
        return True
    return fact.kind == CHOICE and _choice(stripped, fact) is not None


def answered_ahead(fact_name: str, text: str) -> dict[str, Any]:
    """A yes/no question answered by the answer to the question after it: both facts, else nothing.

    Checked before the yes/no words: 没支持我 says the platform ruled, not that nobody asked it to."""
    follow_up = facts()[fact_name].yes_if_answered
    choice = _choice(text, facts()[follow_up]) if follow_up else None
    return {fact_name: True, follow_up: choice} if choice is not None else {}


def _entity_value(entities: Sequence[Mapping[str, Any]], name: str) -> Any:
    values = (e.get("value") for e in entities if e.get("entity") == name)
    return next((v for v in values if v is not None), None)


def _date_answer(text: str, entities: Sequence[Mapping[str, Any]], now: datetime) -> str | None:
    value = _entity_value(entities, "date")
    if value:
        return str(value)
    parsed = normalize.parse_date(text, now)
    if parsed:
        return parsed.isoformat()
    days = _entity_value(entities, "duration") or normalize.parse_duration_days(text)
    if days is not None:
        return (now.date() - timedelta(days=float(days))).isoformat()
    return None


def month_part_said(fact_name: str, text: str, now: datetime) -> normalize.MonthPart | None:
    """10月底 said to a date question: a part of a month, which names no day to compute from."""
    return normalize.month_part(text, now) if facts()[fact_name].kind == DATE else None


def says_no_order_id(text: str) -> bool:
    """The user has no order number at hand (没有订单号, 订单号忘了)."""
    return _contains_any(text, _answers()["no_order_id"])


def bare_price(fact_name: str | None, text: str) -> float | None:
    """A bare number sent while a question other than the amount is open: the price (328 to 联系过商家吗).

    To a date question up to 31 may be a day (15); the amount question reads its own answer."""
    match = _BARE_NUMBER.fullmatch(text)
    kind = facts()[fact_name].kind if fact_name else None
    if kind in (None, AMOUNT) or match is None:
        return None
    value = float(match.group(1))
    if kind == DATE and value <= 31:
        return None
    return value if value > 0 else None


def read_answer(
    fact_name: str, text: str, intent: str | None, entities: Sequence[Mapping[str, Any]], now: datetime
) -> Any:
    """The value the user gave for the asked fact, SKIPPED, or None when the answer was not understood."""
    if says_no_order_id(text):
        # Its 没有 / 不知道 is about the order number: only the rest of the reply may answer.
        text, intent = _without(text, _answers()["no_order_id"]), None
    if intent == "skip":
        return SKIPPED
    fact = facts()[fact_name]
    if fact.kind == YES_NO:
        return _yes_no(text, intent, fact)
    if fact.kind == CHOICE:
        return _choice(text, fact)
    if fact.kind == DATE:
        return _date_answer(text, entities, now)
    if fact.kind == AMOUNT:
        value = _entity_value(entities, "amount")
        if value is None:
            value = normalize.parse_amount(text, lenient=True)
        return float(value) if value is not None else None
    raise ValueError(f"unknown fact kind {fact.kind!r}")


def _received_date(text: str, entities: Sequence[Mapping[str, Any]], now: datetime) -> str | None:
    """A date (or 'N days ago') said together with a word for receiving the goods."""
    if not _contains_any(text, _answers()["received_words"]):
        return None
    value = _entity_value(entities, "date")
    if value:
        return str(value)
    days = _entity_value(entities, "duration")
    if days is not None and ("前" in text or "了" in text):
        return (now.date() - timedelta(days=float(days))).isoformat()
    return None


def volunteered(text: str, entities: Sequence[Mapping[str, Any]], now: datetime,
                complaint_type: str | None = None) -> dict[str, Any]:
    """Facts stated in passing: merchant contacted, request made, money lost, receipt date, amount …

    With a complaint type, a fact listed for other types only (`only_for`) is not read: 付了599 in a price
    complaint is what the order cost, not money lost to a scammer."""
    found: dict[str, Any] = {}
    for name, sides in _answers()["volunteered"].items():
        if complaint_type and complaint_type not in sides.get("only_for", (complaint_type,)):
            continue
        if _contains_any(text, sides.get("unless", ())):
            continue
        follow_up = sides.get("then")
        key = _choice_in_words(text, follow_up) if follow_up else None
        if _contains_any(text, sides.get(False, ())):
            found[name] = False
        elif _contains_any(text, sides.get(True, ())) or (
            key is not None and _contains_any(text, sides.get("implied_with", ()))
        ):
            found[name] = True
            if key is not None:
                found[follow_up] = key
    received = _received_date(text, entities, now)
    if received:
        found["received_date"] = received
    amount = paid_amount(text, entities)
    if amount is not None:
        found["amount"] = amount
    return found


_CLAUSE_END = re.compile(r"[，,。.；;！!？?\s]")


def _clause(text: str, start: int, end: int) -> str:
    """The part of the text between the punctuation marks around [start, end)."""
    before = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    after = _CLAUSE_END.search(text, end)
    return text[before:after.start() if after else len(text)]


def paid_amount(text: str, entities: Sequence[Mapping[str, Any]]) -> float | None:
    """The first amount that is what the order cost: 去医院花了八百 is a loss, not the price (answers.yml
    `not_price`). An amount without its place in the text counts."""
    words = _answers().get("not_price", ())
    for entity in entities:
        if entity.get("entity") != "amount" or entity.get("value") is None:
            continue
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and _contains_any(_clause(text, start, end), words):
            continue
        return float(entity["value"])
    return None


def elapsed_duration(text: str, entities: Sequence[Mapping[str, Any]]) -> float | None:
    """The first duration that is time gone by, not a promise: 说好48小时发货，五天了还没发 gives 5 days
    (answers.yml `promise_words`). With only promised durations, the first of them."""
    words = _answers().get("promise_words", ())
    durations = [e for e in entities if e.get("entity") == "duration" and e.get("value") is not None]
    for entity in durations:
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and (
            text[end:end + 1] == "内" or _contains_any(_clause(text, start, end), words)
        ):
            continue
        return float(entity["value"])
    return float(durations[0]["value"]) if durations else None


def answered_facts(known: Mapping[str, Any]) -> dict[str, Any]:
    """Known facts without the skipped ones, as routing reads them."""
    return {name: value for name, value in known.items() if value not in (None, SKIPPED)}
