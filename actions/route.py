"""Routes a case once intake is complete: rules with the user's numbers, next step, case record, payload."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.config import case_store, settings
from weiquan import advice, intake, replies


class ActionRouteCase(Action):
    def name(self) -> str:
        return "action_route_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        complaint_type = tracker_facts.complaint_type(tracker)
        if not complaint_type:
            return []
        facts = intake.answered_facts(tracker_facts.facts(tracker))
        today = settings().today()
        result = advice.advise(complaint_type, facts, today)
        store = case_store()
        case = store.open_case(tracker.sender_id, complaint_type, facts, today)
        payload = result.payload(case.case_id)
        store.update_route(case.case_id, payload)
        dispatcher.utter_message(text=f"{result.text}\n\n{replies.text('case_opened').format(case_id=case.case_id)}")
        dispatcher.utter_message(json_message=payload)
        return [SlotSet("case_id", case.case_id), SlotSet("pending_fact", None), SlotSet("intake_done", None)]
