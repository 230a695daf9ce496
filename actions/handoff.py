"""Handing the conversation to a person: summary on the case, an honest message, the bot pauses."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.config import case_store, handoff_queue, settings
from weiquan import handoff, intake, replies, routing
from weiquan.cases import HANDED_OFF

HANDOFF_TYPE = "request_human"


def hand_off(
    dispatcher: CollectingDispatcher, tracker: Tracker, opening: str | None = None
) -> list[EventType]:
    """Store the case summary, tell the user what happens next and pause the bot for this conversation."""
    store = case_store()
    complaint_type = tracker_facts.complaint_type(tracker)
    facts = intake.answered_facts(tracker_facts.facts(tracker))
    case_id = tracker.get_slot("case_id")
    case = store.get(case_id) if case_id else None
    if case is None:
        case = store.open_case(tracker.sender_id, complaint_type or HANDOFF_TYPE, facts, settings().today())
    upcoming = case.next_step
    summary = handoff.summary(
        complaint_type, facts, case.case_id,
        routing.channel(upcoming["channel"]).name if upcoming else None,
        tracker_facts.recent_user_texts(tracker), settings().today(),
    )
    store.add_event(case.case_id, "handoff", {"summary": summary})
    store.set_status(case.case_id, HANDED_OFF, note=summary)
    handoff_queue().request(tracker.sender_id, case.case_id, complaint_type, summary)
    if opening:
        dispatcher.utter_message(text=opening)
    dispatcher.utter_message(text=replies.load()["handoff"]["to_user"])
    return [SlotSet("case_id", case.case_id), ConversationPaused()]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return hand_off(dispatcher, tracker)
