"""Acknowledges a complaint: its type in plain Chinese and the facts recognised so far."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.config import settings
from weiquan import replies


class ActionAcknowledgeComplaint(Action):
    def name(self) -> str:
        return "action_acknowledge_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = tracker_facts.latest_intent(tracker) or ""
        text = replies.acknowledgement(intent, tracker_facts.facts(tracker), settings().today())
        dispatcher.utter_message(text=text)
        return []
