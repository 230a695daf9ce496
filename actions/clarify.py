"""First stage of the two-stage fallback: offer the most likely meanings as buttons."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.handoff import hand_off
from weiquan import replies


class ActionAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if replies.is_complaint_wish(tracker_facts.latest_text(tracker)):
            dispatcher.utter_message(text=replies.text("complaint_wish_reply"))
            return []
        question, buttons = replies.clarification(
            tracker.latest_message.get("intent_ranking") or [], tracker_facts.characters_read(tracker))
        dispatcher.utter_message(text=question, buttons=buttons)
        return []


class ActionAskRephrase(Action):
    """Second stage: the user said none of the options fit."""

    def name(self) -> str:
        return "action_default_ask_rephrase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=replies.text("rephrase"))
        return []


def clarification_failed_twice(tracker: Tracker) -> bool:
    """The two-stage fallback gives up: the last two user turns were not understood or rejected."""
    recent = [e.get("parse_data", {}).get("intent", {}).get("name")
              for e in tracker.events if e.get("event") == "user"][-2:]
    return len(recent) == 2 and all(name in ("nlu_fallback", "out_of_scope") for name in recent)


class ActionGiveUp(Action):
    """Clarification failed twice (hand off to a person), or no policy was confident (ask again)."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if clarification_failed_twice(tracker):
            return hand_off(dispatcher, tracker, replies.load()["handoff"]["after_failures"])
        dispatcher.utter_message(text=replies.text("give_up"))
        return [UserUtteranceReverted()]
