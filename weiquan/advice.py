"""What the assistant tells a consumer about a case: the rule with their numbers, the route, the payload.

Actions, the agent API and the widget all get their advice from here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from weiquan import platform_role, routing, rules
from weiquan.intents import PLATFORM_SERVICE, SCAM


@dataclass(frozen=True)
class Advice:
    text: str
    route: routing.Route
    rule_ids: list[str]

    def payload(self, case_id: str) -> dict[str, Any]:
        """The channels.md route payload, naming every rule the text relies on."""
        payload = self.route.to_payload(case_id)
        payload["rule_ids"] = list(dict.fromkeys(self.rule_ids + payload["rule_ids"]))
        return payload


def facts_for_rules(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Case facts, with a date just given read as the receipt day when no better one is known."""
    found = dict(facts)
    if "received_date" not in found and found.get("date"):
        found["received_date"] = found["date"]
    return found


def case_facts(complaint_type: str, facts: Mapping[str, Any]) -> routing.CaseFacts:
    return routing.CaseFacts.from_mapping({**facts, "complaint_type": complaint_type})


def channels_ahead(facts: Mapping[str, Any], order: Sequence[str]) -> tuple[list[str], list[str]]:
    """The usual order of channels split into those the facts say were used and those still ahead."""
    used = routing.channels_used(case_facts("", facts))
    return [c for c in order if c in used], [c for c in order if c not in used]


def _with_numbers(facts: routing.CaseFacts, today: date) -> list[rules.Explanation]:
    """The case's rules that can be computed for this user (their numbers known), at most two; those the case's
    own facts add (食品 → 退一赔十) before the complaint type's usual ones."""
    found: list[rules.Explanation] = []
    for rule_id in dict.fromkeys([*routing.fact_rule_ids(facts), *routing.complaint_rule_ids(facts.complaint_type)]):
        rule = rules.rule(rule_id)
        if not rule.compute:
            continue
        explanation = rules.explain(rule_id, facts.rule_facts(), today)
        if not explanation.missing:
            found.append(explanation)
        if len(found) == 2:
            break
    return found


def _main_rule(complaint_type: str, facts: routing.CaseFacts, today: date) -> rules.Explanation:
    """The type's main rule; its one-sentence form when the facts for the full answer are missing."""
    main = rules.answer_rule(complaint_type=complaint_type, facts=facts.rule_facts(), today=today)
    if main.missing and main.rule_ids:
        rule = rules.rule(main.rule_ids[0])
        return rules.Explanation(rule.short or rule.title, [rule.id], [])
    return main


def advise(complaint_type: str, facts: Mapping[str, Any], today: date) -> Advice:
    """Rule explanations with the user's numbers, then the next step, for a case with these facts."""
    known = case_facts(complaint_type, facts)
    route = routing.route(known, today)
    parts: list[str] = []
    rule_ids: list[str] = []
    if complaint_type == PLATFORM_SERVICE:
        answer = platform_role.complaint_answer(known)
        parts.append(answer.text)
        rule_ids.extend(answer.rule_ids)
    elif complaint_type != SCAM:
        main = _main_rule(complaint_type, known, today)
        computed = [e for e in _with_numbers(known, today) if e.rule_ids != main.rule_ids]
        for explanation in [main, *computed[:1]]:
            parts.append(explanation.text)
            rule_ids.extend(explanation.rule_ids)
    parts.append(route.text)
    return Advice("\n\n".join(parts), route, rule_ids)


def scam_first_aid() -> rules.Explanation:
    """Safety advice that comes before any question about a suspected scam."""
    return rules.explain("scam_safety")
