"""Answers questions about rules, the platform's role and where to escalate."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.config import settings
from weiquan import advice, intake, platform_role, replies, routing, rules


def rule_card(rule_ids: list[str]) -> dict[str, Any] | None:
    """A card naming the rule the answer rests on and its source (the text itself is sent as text)."""
    if not rule_ids:
        return None
    main = rules.rule(rule_ids[0])
    return {"type": "rule", "rule_ids": rule_ids, "title": main.title, "source": rules.source_line(main)}


def _send(dispatcher: CollectingDispatcher, tracker: Tracker, text: str, rule_ids: list[str]) -> None:
    """The answer, after a notice when the message was too long to read whole, then its rule card."""
    dispatcher.utter_message(text=replies.with_cut_notice(text, tracker_facts.characters_read(tracker)))
    card = rule_card(rule_ids)
    if card:
        dispatcher.utter_message(json_message=card)


def explain_platform_role(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """What platform customer service can and cannot do about a merchant, and what the user can do next."""
    answer = platform_role.answer()
    _send(dispatcher, tracker, answer.text, answer.rule_ids)


def _facts_for_rules(tracker: Tracker) -> dict[str, Any]:
    """Case facts, with a date just given read as the receipt day when no better one is known."""
    return advice.facts_for_rules(intake.answered_facts(tracker_facts.facts(tracker)))


class ActionExplainRule(Action):
    def name(self) -> str:
        return "action_explain_rule"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = (next((e.get("value") for e in tracker_facts.latest_entities(tracker)
                       if e.get("entity") == "rule_topic"), None)
                 or rules.topic_named_in(tracker_facts.latest_text(tracker)) or tracker.get_slot("rule_topic"))
        answer = rules.answer_rule(
            topic=topic, complaint_type=tracker_facts.complaint_type(tracker),
            facts=_facts_for_rules(tracker), today=settings().today(),
        )
        _send(dispatcher, tracker, answer.text, answer.rule_ids)
        return []


class ActionExplainPlatformRole(Action):
    def name(self) -> str:
        return "action_explain_platform_role"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        explain_platform_role(dispatcher, tracker)
        return []


class ActionExplainChannels(Action):
    """Where to escalate: the route of the user's own case, or the usual order of channels."""

    def name(self) -> str:
        return "action_explain_channels"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker_facts.latest_text(tracker)
        named = routing.named_channels(message)
        if named:
            text = "\n\n".join(map(routing.channel_text, named))
            dispatcher.utter_message(text=replies.with_cut_notice(text, tracker_facts.characters_read(tracker)))
            return []
        complaint_type = tracker.get_slot("complaint_type")
        case_id = tracker.get_slot("case_id")
        if complaint_type and case_id:
            result = advice.advise(complaint_type, intake.answered_facts(tracker_facts.facts(tracker)),
                                   settings().today())
            intro = replies.text("channels_case_intro").format(case_id=case_id)
            dispatcher.utter_message(text=replies.with_cut_notice(intro, tracker_facts.characters_read(tracker)))
            dispatcher.utter_message(text=result.route.text)
            dispatcher.utter_message(json_message=result.payload(case_id))
            return []
        if replies.is_complaint_wish(message):
            dispatcher.utter_message(text=replies.text("complaint_wish_reply"))
            return []
        said = intake.volunteered(message, tracker_facts.latest_entities(tracker), settings().now())
        used, ahead = advice.channels_ahead(said, replies.load()["channels_order"])
        intro = (replies.text("channels_intro_used").format(used="、".join(routing.channel(c).name for c in used))
                 if used else replies.text("channels_intro"))
        lines = [replies.with_cut_notice(intro, tracker_facts.characters_read(tracker))]
        for number, channel_id in enumerate(ahead, start=1):
            found = routing.channel(channel_id)
            lines.append(f"{number}. {found.name}：{found.how}")
        lines.append(replies.text("channels_scam_note"))
        dispatcher.utter_message(text="\n".join(lines))
        return []
