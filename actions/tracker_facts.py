"""Reading case facts out of a Rasa SDK tracker."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

FACT_SLOTS = ("product", "amount", "date", "duration", "order_id", "tracking_no", "rule_topic")


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def facts(tracker: Tracker) -> dict[str, Any]:
    """Slot values, overridden by entities of the latest message (slots are set after actions run)."""
    found: dict[str, Any] = {name: tracker.get_slot(name) for name in FACT_SLOTS}
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") in FACT_SLOTS:
            found[entity["entity"]] = entity.get("value")
    return {name: value for name, value in found.items() if value not in (None, "")}
