"""ask_progress: the user's cases by id or by conversation, with status and next step."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import tracker_facts
from actions.config import case_store
from weiquan import intents, replies, routing
from weiquan.cases import CASE_ID_RE, Case


def describe(case: Case) -> str:
    """Status and next step of a case, in plain Chinese."""
    lines = [replies.text("progress_case").format(
        case_id=case.case_id, label=intents.label(case.complaint_type),
        status=replies.load()["statuses"].get(case.status, case.status),
    )]
    upcoming = case.next_step
    if upcoming:
        lines.append(replies.text("progress_next").format(
            name=routing.channel(upcoming["channel"]).name, why=upcoming.get("why", ""),
        ))
    return "\n".join(lines)


class ActionCaseProgress(Action):
    def name(self) -> str:
        return "action_case_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        store = case_store()
        asked = CASE_ID_RE.search(tracker_facts.latest_text(tracker).upper())
        if asked:
            case = store.get(asked.group(0))
            found = [case] if case else []
            if not found:
                dispatcher.utter_message(text=replies.text("progress_not_found").format(case_id=asked.group(0)))
                return []
        else:
            found = store.find_by_sender(tracker.sender_id, limit=3)
        if not found:
            dispatcher.utter_message(text=replies.text("progress_none"))
            return []
        dispatcher.utter_message(text="\n\n".join(describe(case) for case in found))
        return []
