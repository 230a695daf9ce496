"""Reading case facts out of a Rasa SDK tracker."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from weiquan import intake, intents
from weiquan.bare_facts import FACT_ENTITIES
from weiquan.normalize import INVALID_ORDER_ID
from weiquan.text_guard import CUT_AT

ENTITY_SLOTS = ("product", "amount", "date", "duration", "order_id", "tracking_no", "rule_topic")
# Slots the actions set, choosing one of several values (domain/slots.yml: custom mappings).
CHOSEN_SLOTS = ("amount", "duration")
CASE_SLOTS = (*ENTITY_SLOTS, *intake.recorded_fact_names())


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def characters_read(tracker: Tracker) -> int | None:
    """How many characters of the latest message the NLU read, when it was too long to read whole."""
    cut_at = tracker.latest_message.get(CUT_AT)
    return cut_at if isinstance(cut_at, int) and not isinstance(cut_at, bool) else None


def latest_entities(tracker: Tracker) -> list[dict[str, Any]]:
    return list(tracker.latest_message.get("entities") or [])


def entity_facts(tracker: Tracker) -> dict[str, Any]:
    """The case facts the latest message gave as entities (order number, amount, date, ...): the first value of
    each, as intake reads them (页面价699，现价599 gives 699, and the 599 is no correction of it; 说好48小时发货，
    五天了 gives 5 days)."""
    found: dict[str, Any] = {}
    entities = latest_entities(tracker)
    for entity in entities:
        name = entity.get("entity")
        if name in ENTITY_SLOTS and name not in CHOSEN_SLOTS and entity.get("value") is not None:
            found.setdefault(entity["entity"], entity["value"])
    paid = intake.paid_amount(latest_text(tracker), entities)
    if paid is not None:
        found["amount"] = paid
    elapsed = intake.elapsed_duration(latest_text(tracker), entities)
    if elapsed is not None:
        found["duration"] = elapsed
    return found


def states_facts(tracker: Tracker) -> bool:
    """The latest message names the item or holds a date, duration, amount, order or waybill number."""
    return any(e.get("entity") in FACT_ENTITIES | {"product"} for e in latest_entities(tracker))


def last_bot_text(tracker: Tracker) -> str:
    """What the bot said last, before the latest message."""
    said = (e.get("text") or "" for e in reversed(tracker.events) if e.get("event") == "bot")
    return next(said, "")


def doubtful_order_ids(tracker: Tracker) -> list[str]:
    """What the latest message gave as an order number that cannot be one."""
    return [str(e.get("value")) for e in latest_entities(tracker)
            if e.get("entity") == INVALID_ORDER_ID and e.get("value")]


def facts(tracker: Tracker) -> dict[str, Any]:
    """Known facts: slots, overridden by entities of the latest message (slots are set after actions run)."""
    found: dict[str, Any] = {name: tracker.get_slot(name) for name in CASE_SLOTS}
    found.update(entity_facts(tracker))
    for name in tracker.get_slot("skipped_facts") or []:
        found.setdefault(name, None)
        if found[name] is None:
            found[name] = intake.SKIPPED
    return {name: value for name, value in found.items() if value not in (None, "")}


def complaint_type(tracker: Tracker) -> str | None:
    """The case's type: the slot, else the latest intent when it is a complaint."""
    slot = tracker.get_slot("complaint_type")
    if slot:
        return slot
    intent = latest_intent(tracker)
    return intent if intents.is_complaint(intent) else None


def recent_user_texts(tracker: Tracker, count: int = 3) -> list[str]:
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return texts[-count:]
