"""Suggested replies for a human agent: the bot's own advice for the likeliest meanings of a consumer message.

Input is what the NLU said about the message (Rasa's `/model/parse` result) and the case's facts; every text,
rule id and route step comes from the knowledge base and the routing module the bot uses (weiquan.advice,
weiquan.rules, weiquan.platform_role, weiquan.intake). This module only ranks and fills them in.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan import advice, intake, intents, platform_role, replies, rules
from weiquan.paths import KB_DIR

LIMIT = 3
CANDIDATE_INTENTS = 5
ENTITY_FACTS = ("product", "amount", "date", "duration", "order_id", "tracking_no")
# Messages that carry no request of their own: the reply is the advice for the case they belong to.
ABOUT_THE_CASE = frozenset({"inform", "affirm", "deny", "skip", "stop", "request_human", "nlu_fallback", "no_text"})
# Whole-message fixed replies (data/kb/agent.yml), used when no case type is known or the intent is not the case.
FIXED = frozenset({"greet", "thank", "goodbye", "bot_challenge", "out_of_scope", "request_human"})


@dataclass(frozen=True)
class Suggestion:
    text: str
    confidence: float
    intent: str
    rule_ids: list[str] = field(default_factory=list)
    channel: str | None = None
    """The channel id (channels.md) of the route step the reply recommends, if it recommends one."""
    asks: str | None = None
    """The missing fact the reply asks for, if any."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"confidence": round(self.confidence, 3)}


@dataclass(frozen=True)
class CaseView:
    """What the agent's case says: its type (None before a complaint was recognised), facts, id, status."""

    complaint_type: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    case_id: str | None = None
    status: str | None = None


@lru_cache(maxsize=2)
def texts(path: Path = KB_DIR / "agent.yml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def message_facts(parse: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Facts stated in the message: entity values plus what intake reads in passing (contacted, dates …)."""
    entities = list(parse.get("entities") or [])
    found = {e["entity"]: e.get("value") for e in entities if e.get("entity") in ENTITY_FACTS}
    found.update(intake.volunteered(str(parse.get("text") or ""), entities, now))
    return intake.answered_facts(found)


def ranking(parse: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(intent, confidence) best first, from the parse result's ranking (or its top intent alone)."""
    raw = parse.get("intent_ranking") or ([parse["intent"]] if parse.get("intent") else [])
    return [(str(r["name"]), float(r.get("confidence") or 0.0)) for r in raw if r.get("name")]


def _missing_question(complaint_type: str, facts: Mapping[str, Any], route_missing: Sequence[str]) -> tuple[str, str]:
    """(fact, question) for the most important fact still missing, or ("", "") when none is."""
    fact = intake.next_fact(complaint_type, facts)
    if fact:
        return fact, intake.facts()[fact].question_for(complaint_type)
    for name in route_missing:
        question = rules.fact_question(name)
        if question and name not in facts:
            return name, question
    return "", ""


def for_complaint(complaint_type: str, facts: Mapping[str, Any], confidence: float, now: datetime) -> Suggestion:
    """The bot's advice for this type with the case's numbers, plus the question for a missing fact."""
    known = advice.facts_for_rules(facts)
    result = advice.advise(complaint_type, known, now.date())
    fact, question = _missing_question(complaint_type, known, result.route.missing)
    text = result.text
    if question:
        text = f"{text}\n\n{texts()['suggestions']['ask_missing'].format(question=question)}"
    payload = result.payload("")
    return Suggestion(text, confidence, complaint_type, payload["rule_ids"], result.route.next_step.channel,
                      fact or None)


def _route_channel(case: CaseView, facts: Mapping[str, Any], now: datetime) -> str | None:
    if not case.complaint_type or not intents.is_complaint(case.complaint_type):
        return None
    return advice.advise(case.complaint_type, advice.facts_for_rules(facts), now.date()).route.next_step.channel


def _fixed(intent: str, confidence: float, case: CaseView, facts: Mapping[str, Any], now: datetime) -> Suggestion:
    by_intent = texts()["suggestions"]["by_intent"]
    return Suggestion(by_intent[intent], confidence, intent, [], _route_channel(case, facts, now))


def _for_intent(
    intent: str, confidence: float, parse: Mapping[str, Any], case: CaseView, facts: Mapping[str, Any],
    now: datetime,
) -> Suggestion | None:
    """The reply a good agent would give if the message meant `intent`, or None when there is none."""
    own_type = case.complaint_type if intents.is_complaint(case.complaint_type) else None
    if intents.is_complaint(intent):
        return for_complaint(intent, facts, confidence, now)
    if intent in ABOUT_THE_CASE and own_type:
        return for_complaint(own_type, facts, confidence, now)
    if intent == "ask_rule":
        topic = next((e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "rule_topic"), None)
        answer = rules.answer_rule(topic=topic, complaint_type=own_type, facts=advice.facts_for_rules(facts),
                                   today=now.date())
        return Suggestion(answer.text, confidence, intent, answer.rule_ids, _route_channel(case, facts, now))
    if intent == "ask_platform_role":
        found = platform_role.answer()
        return Suggestion(found.text, confidence, intent, found.rule_ids, _route_channel(case, facts, now))
    if intent == "ask_channel" and own_type:
        result = advice.advise(own_type, advice.facts_for_rules(facts), now.date())
        return Suggestion(result.route.text, confidence, intent, result.route.rule_ids, result.route.next_step.channel)
    if intent == "ask_progress" and case.case_id:
        status = replies.load()["statuses"].get(case.status or "", case.status or "")
        text = texts()["suggestions"]["by_intent"]["ask_progress"].format(case_id=case.case_id, status=status)
        return Suggestion(text, confidence, intent, [], _route_channel(case, facts, now))
    if intent in FIXED:
        return _fixed(intent, confidence, case, facts, now)
    return None


def suggest(parse: Mapping[str, Any], case: CaseView, now: datetime, limit: int = LIMIT) -> list[Suggestion]:
    """The `limit` best replies to the parsed message, most likely first; one per distinct reply text."""
    facts = {**intake.answered_facts(dict(case.facts)), **message_facts(parse, now)}
    best: dict[str, Suggestion] = {}
    for intent, confidence in ranking(parse)[:CANDIDATE_INTENTS]:
        found = _for_intent(intent, confidence, parse, case, facts, now)
        if found is not None and (found.text not in best or best[found.text].confidence < confidence):
            best[found.text] = found
    ordered = sorted(best.values(), key=lambda s: -s.confidence)
    if not ordered:
        no_case = texts()["suggestions"]["by_intent"]["no_case"]
        ordered = [Suggestion(no_case, 0.0, "request_human", [], None)]
    return ordered[:limit]


@dataclass(frozen=True)
class GoodReply:
    """What the reply a good agent gives must carry: the rules it rests on and the next route step."""

    rule_ids: tuple[str, ...]
    channel: str

    def matches(self, suggestion: Suggestion) -> bool:
        return suggestion.channel == self.channel and set(self.rule_ids) <= set(suggestion.rule_ids)


def good_reply(complaint_type: str, facts: Mapping[str, Any], now: datetime) -> GoodReply:
    """The rules the bot's explanation relies on (the route's first rule when it explains none) and the
    route's next step, per the routing module for these facts."""
    result = advice.advise(complaint_type, advice.facts_for_rules(facts), now.date())
    rule_ids = result.rule_ids or result.payload("")["rule_ids"][:1]
    return GoodReply(tuple(rule_ids), result.route.next_step.channel)
