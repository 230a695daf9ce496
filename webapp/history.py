"""`GET /api/history/{sender_id}`: the user and bot messages of a conversation, read from the Rasa tracker."""
from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
from aiohttp import web

from webapp.config import HTTP, SETTINGS, Settings

logger = logging.getLogger(__name__)

SENDER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Ids other channels make (the REST channel takes any string): printable, no whitespace, nothing that
# ends or escapes a URL path segment.
CONVERSATION_ID = re.compile(r"[^\s/\\?#%]{1,255}")
AGENT_MESSAGE = "agent_message"
"""`custom.type` of a message a human agent sent (webapp/agent.py); shown as the agent's, not the bot's."""


def valid_sender_id(sender_id: str) -> bool:
    """Ids the widget makes: 8–64 letters, digits, `-` or `_` (nothing that could change the Rasa URL)."""
    return SENDER_ID.fullmatch(sender_id) is not None


def valid_conversation_id(conversation_id: str) -> bool:
    """Any channel's conversation id that is safe in a Rasa URL; agents and trainers open these."""
    return CONVERSATION_ID.fullmatch(conversation_id) is not None and conversation_id.strip(".") != ""


def _buttons(data: dict[str, Any]) -> list[dict[str, str]]:
    raw = data.get("buttons") or data.get("quick_replies") or []
    return [
        {"title": str(button.get("title", "")), "payload": str(button.get("payload", ""))}
        for button in raw
        if isinstance(button, dict) and button.get("title")
    ]


def _bot_message(event: dict[str, Any]) -> dict[str, Any] | None:
    data = event.get("data") or {}
    custom = data.get("custom")
    if isinstance(custom, dict) and custom.get("type") == AGENT_MESSAGE:
        text = str(custom.get("text") or "")
        agent = str(custom.get("agent") or "")
        return {"role": "agent", "agent": agent, "text": text, "timestamp": event.get("timestamp")} if text else None
    attachment = data.get("attachment")
    image = data.get("image") or (
        attachment.get("payload", {}).get("src")
        if isinstance(attachment, dict) and attachment.get("type") == "image" else None
    )
    message = {
        "role": "bot",
        "text": event.get("text") or "",
        "buttons": _buttons(data),
        "custom": custom if isinstance(custom, dict) else None,
        "image": image if isinstance(image, str) else None,
        "timestamp": event.get("timestamp"),
    }
    if not (message["text"] or message["buttons"] or message["custom"] or message["image"]):
        return None
    return message


def messages_from_events(events: list[dict[str, Any]], limit: int = 200) -> list[dict[str, Any]]:
    """User, bot and human-agent messages as the widget shows them, oldest first, at most `limit`.

    A button click reaches the tracker as its payload (`/affirm`, `没有`); it is shown as the button's title
    and the button is marked `chosen` on the bot message. Other `/` payloads (the widget's silent init
    payload) are left out.
    """
    messages: list[dict[str, Any]] = []
    last_with_buttons: dict[str, Any] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "bot":
            message = _bot_message(event)
            if message is None:
                continue
            messages.append(message)
            if message.get("buttons"):
                last_with_buttons = message
        elif kind == "user":
            text = (event.get("text") or "").strip()
            offered = (last_with_buttons or {}).get("buttons", [])
            button = next((b for b in offered if b["payload"] == text), None)
            if button is not None:
                last_with_buttons["chosen"] = button["payload"]  # type: ignore[index]
                text = button["title"]
            elif text.startswith("/"):
                continue
            if not text:
                continue
            messages.append({"role": "user", "text": text, "timestamp": event.get("timestamp")})
            last_with_buttons = None
    return messages[-limit:]


async def fetch_tracker(session: aiohttp.ClientSession, settings: Settings, sender_id: str) -> dict[str, Any]:
    url = f"{settings.rasa_url}/conversations/{sender_id}/tracker"
    async with session.get(url, params=settings.rasa_params(include_events="AFTER_RESTART"),
                           timeout=settings.rasa_client_timeout()) as response:
        response.raise_for_status()
        return await response.json()


async def history(request: web.Request) -> web.Response:
    """The conversation so far; 400 for an id the widget would never make, 503 while Rasa is down."""
    sender_id = request.match_info["sender_id"]
    if not valid_sender_id(sender_id):
        return web.json_response({"error": "invalid sender_id"}, status=400)
    settings = request.app[SETTINGS]
    try:
        tracker = await fetch_tracker(request.app[HTTP], settings, sender_id)
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("history of %s unavailable: %s", sender_id, error)
        return web.json_response({"error": "rasa unavailable"}, status=503)
    messages = messages_from_events(tracker.get("events") or [], settings.history_limit)
    return web.json_response({"sender_id": sender_id, "messages": messages},
                             headers={"Cache-Control": "no-store"})
