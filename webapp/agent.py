"""Agent console API (`/api/agent/…`) and page (`/agent/`): the hand-off queue, claiming, live replies, hand-back.

Queue and claims live in the case store's database (weiquan.handoff_queue), so any web-app replica serves any
agent. Agent messages reach the consumer through Rasa: a `bot` event with an `agent_message` custom payload,
appended to the tracker with `output_channel=latest&execute_side_effects=true`, is pushed by the socket.io
channel to the consumer's widget and stays in the history. Handing back appends `resume`, a bot line and
`action_listen`, so the bot answers the consumer's next message as usual.
Everything an agent reads passes through weiquan.masking first.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import yaml
from aiohttp import web

from webapp import auth
from webapp.api import ApiError, json_object
from webapp.config import HTTP, PACKAGE_DIR, SETTINGS, Settings
from webapp.history import AGENT_MESSAGE, fetch_tracker, messages_from_events, valid_conversation_id
from webapp.pages import html_page, template
from weiquan import intents, replies, routing, suggestions
from weiquan.cases import HANDED_OFF, Case, CaseStore
from weiquan.handoff_queue import EDITED, IGNORED, SENT, Feedback, Handoff, HandoffQueue, QueueError
from weiquan.masking import mask, mask_obj

logger = logging.getLogger(__name__)

QUEUE = web.AppKey("handoff_queue", HandoffQueue)
OPENAPI_FILE = PACKAGE_DIR / "agent_openapi.yml"
SUMMARY_LINE_CHARS = 80
NO_STORE = {"Cache-Control": "no-store"}


def _error(status: int, key: str, **values: Any) -> ApiError:
    return ApiError.from_texts(suggestions.texts()["errors"], status, key, **values)


async def _rasa_post(request: web.Request, path: str, payload: Any, **params: str) -> Any:
    settings = request.app[SETTINGS]
    try:
        async with request.app[HTTP].post(f"{settings.rasa_url}{path}", json=payload,
                                          params=settings.rasa_params(**params),
                                          timeout=settings.rasa_client_timeout()) as response:
            response.raise_for_status()
            return await response.json()
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("rasa %s failed: %s", path, error)
        raise _error(503, "rasa_unavailable") from error


async def _tracker(request: web.Request, conversation_id: str) -> dict[str, Any]:
    try:
        return await fetch_tracker(request.app[HTTP], request.app[SETTINGS], conversation_id)
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.warning("tracker of %s unavailable: %s", conversation_id, error)
        raise _error(503, "rasa_unavailable") from error


async def _db(function: Any, *args: Any) -> Any:
    """Run a (blocking) database call off the event loop."""
    return await asyncio.to_thread(function, *args)


def _conversation_id(request: web.Request) -> str:
    conversation_id = request.match_info["conversation_id"]
    if not valid_conversation_id(conversation_id):
        raise _error(400, "bad_id")
    return conversation_id


async def _handoff(request: web.Request) -> Handoff:
    found = await _db(request.app[QUEUE].get, _conversation_id(request))
    if found is None:
        raise _error(404, "unknown_conversation")
    return found


def _queue_error(error: QueueError) -> ApiError:
    agent = error.handoff.agent if error.handoff and error.handoff.agent else ""
    return _error(409, error.reason, agent=agent)


def _now(settings: Settings) -> datetime:
    return datetime.now(ZoneInfo(settings.timezone))


def _label(complaint_type: str | None) -> str:
    return intents.label(complaint_type) if intents.is_complaint(complaint_type) else intents.label("request_human")


def summary_line(summary: str) -> str:
    """The case summary on one line, without its title, cut to fit a queue row."""
    line = " · ".join(part.strip() for part in summary.splitlines()[1:] if part.strip())
    return line if len(line) <= SUMMARY_LINE_CHARS else line[: SUMMARY_LINE_CHARS - 1] + "…"


def _handoff_json(handoff: Handoff, me: str, now: datetime) -> dict[str, Any]:
    return {
        "conversation_id": handoff.conversation_id,
        "case_id": handoff.case_id,
        "complaint_type": handoff.complaint_type,
        "complaint_label": _label(handoff.complaint_type),
        "summary_line": mask(summary_line(handoff.summary)),
        "requested_at": handoff.requested_at.isoformat(),
        "waiting_seconds": max(0, int((now - handoff.requested_at).total_seconds())),
        "status": handoff.status,
        "agent": handoff.agent,
        "mine": handoff.agent == me,
    }


def _case_json(case: Case | None) -> dict[str, Any] | None:
    if case is None:
        return None
    route = case.route or {}
    steps = [
        {**step, "name": routing.channel(step["channel"]).name}
        for step in route.get("steps", []) if step.get("channel") in routing.load_channels()
    ]
    return mask_obj({
        "case_id": case.case_id,
        "status": case.status,
        "status_text": replies.load()["statuses"].get(case.status, case.status),
        "complaint_type": case.complaint_type,
        "complaint_label": _label(case.complaint_type),
        "facts": replies.fact_lines(case.facts),
        "route": {"steps": steps, "rule_ids": route.get("rule_ids", []), "evidence": route.get("evidence", [])}
        if steps else None,
    })


async def _case(request: web.Request, handoff: Handoff) -> Case | None:
    if not handoff.case_id:
        return None
    store: CaseStore = request.app[QUEUE].store
    return await _db(store.get, handoff.case_id)


@auth.require(auth.AGENT)
async def queue(request: web.Request) -> web.Response:
    """Waiting and claimed conversations, the longest waiting first."""
    handoffs = await _db(request.app[QUEUE].open_handoffs)
    now, me = datetime.now(timezone.utc), request[auth.STAFF].name
    return web.json_response({"conversations": [_handoff_json(h, me, now) for h in handoffs]}, headers=NO_STORE)


@auth.require(auth.AGENT)
async def conversation(request: web.Request) -> web.Response:
    """Transcript, case summary, facts and route of one handed-off conversation (personal data masked)."""
    handoff = await _handoff(request)
    case = await _case(request, handoff)
    tracker = await _tracker(request, handoff.conversation_id)
    messages = messages_from_events(tracker.get("events") or [], request.app[SETTINGS].history_limit)
    return web.json_response({
        "handoff": _handoff_json(handoff, request[auth.STAFF].name, datetime.now(timezone.utc)),
        "summary": mask(handoff.summary),
        "case": _case_json(case),
        "messages": mask_obj(messages),
    }, headers=NO_STORE)


def latest_consumer_text(events: list[dict[str, Any]]) -> str | None:
    """The consumer's latest message worth answering: typed text, not a button payload; a bare request for a
    person counts only when nothing was said before it."""
    said = [e for e in events if e.get("event") == "user" and (e.get("text") or "").strip()
            and not str(e.get("text")).startswith("/")]
    for event in reversed(said):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != "request_human":
            return str(event["text"]).strip()
    return str(said[-1]["text"]).strip() if said else None


@auth.require(auth.AGENT)
async def suggested_replies(request: web.Request) -> web.Response:
    """The top 3 replies to the consumer's latest message, from the bot's NLU, knowledge base and routing."""
    handoff = await _handoff(request)
    case = await _case(request, handoff)
    tracker = await _tracker(request, handoff.conversation_id)
    text = latest_consumer_text(tracker.get("events") or [])
    parse = await _rasa_post(request, "/model/parse", {"text": text}) if text else {}
    view = suggestions.CaseView(
        complaint_type=case.complaint_type if case else handoff.complaint_type,
        facts=case.facts if case else {}, case_id=handoff.case_id, status=case.status if case else None,
    )
    found = suggestions.suggest(parse, view, _now(request.app[SETTINGS]))
    return web.json_response({
        "conversation_id": handoff.conversation_id,
        "message": mask(text) if text else None,
        "intent": (parse.get("intent") or {}).get("name"),
        "suggestions": [mask_obj(s.to_dict()) for s in found],
    }, headers=NO_STORE)


@auth.require(auth.AGENT)
async def claim(request: web.Request) -> web.Response:
    """Take a waiting conversation; 409 when it was not handed off or another agent has it."""
    conversation_id, me = _conversation_id(request), request[auth.STAFF].name
    try:
        handoff = await _db(request.app[QUEUE].claim, conversation_id, me)
    except QueueError as error:
        raise _queue_error(error) from None
    if handoff.case_id:
        await _db(request.app[QUEUE].store.add_event, handoff.case_id, "claimed", {"agent": me})
    return web.json_response(_handoff_json(handoff, me, datetime.now(timezone.utc)))


async def _claimed(request: web.Request) -> Handoff:
    conversation_id = _conversation_id(request)
    try:
        return await _db(request.app[QUEUE].require_claimed_by, conversation_id, request[auth.STAFF].name)
    except QueueError as error:
        raise _queue_error(error) from None


def _shown(body: dict[str, Any]) -> tuple[list[dict[str, Any]], int | None]:
    """The suggestions the agent was shown and the index of the one used, checked."""
    shown, chosen = body.get("suggestions") or [], body.get("chosen")
    if not isinstance(shown, list) or not all(isinstance(s, dict) and isinstance(s.get("text"), str) for s in shown):
        raise _error(400, "bad_suggestion")
    if chosen is not None and (not isinstance(chosen, int) or isinstance(chosen, bool)
                               or not 0 <= chosen < len(shown)):
        raise _error(400, "bad_suggestion")
    return shown, chosen


def _feedback(handoff: Handoff, agent: str, body: dict[str, Any], sent: str) -> list[Feedback]:
    shown, chosen = _shown(body)
    message = body.get("message") if isinstance(body.get("message"), str) else None
    found = []
    for index, item in enumerate(shown):
        outcome = IGNORED if index != chosen else SENT if item["text"].strip() == sent else EDITED
        rule_ids = item.get("rule_ids") if isinstance(item.get("rule_ids"), list) else []
        found.append(Feedback(
            conversation_id=handoff.conversation_id, case_id=handoff.case_id, agent=agent, outcome=outcome,
            suggested=item["text"], sent=sent if outcome != IGNORED else None, consumer_message=message,
            intent=str(item.get("intent") or "") or None, rule_ids=[str(r) for r in rule_ids],
            channel=str(item.get("channel") or "") or None,
        ))
    return found


@auth.require(auth.AGENT)
async def send_message(request: web.Request) -> web.Response:
    """Send the agent's text to the consumer, live; record what became of the suggestions shown."""
    body = await json_object(request, suggestions.texts()["errors"]["bad_json"])
    text = body.get("text")
    limit = request.app[SETTINGS].agent_message_limit
    if not isinstance(text, str) or not text.strip():
        raise _error(400, "empty_message")
    text = text.strip()
    if len(text) > limit:
        raise _error(400, "too_long", limit=limit)
    handoff = await _claimed(request)
    me = request[auth.STAFF].name
    feedback = _feedback(handoff, me, body, text)
    event = {"event": "bot", "text": None,
             "data": {"custom": {"type": AGENT_MESSAGE, "agent": me, "text": text}}}
    await _rasa_post(request, f"/conversations/{handoff.conversation_id}/tracker/events", event,
                     output_channel="latest", execute_side_effects="true", include_events="NONE")
    for item in feedback:
        await _db(request.app[QUEUE].record_feedback, item)
    return web.json_response({"sent": True, "agent": me, "text": text,
                              "feedback": [f.outcome for f in feedback]})


@auth.require(auth.AGENT)
async def hand_back(request: web.Request) -> web.Response:
    """Give the conversation back to the bot: Rasa resumes it, the consumer is told, the queue row closes."""
    handoff = await _claimed(request)
    me = request[auth.STAFF].name
    # The pause left no `action_listen` after action_handoff; without one the policies see a state they never
    # learned and the next message falls back (and hands off again).
    events = [{"event": "resume"}, {"event": "bot", "text": suggestions.texts()["handback"]["to_user"]},
              {"event": "action", "name": "action_listen"}]
    await _rasa_post(request, f"/conversations/{handoff.conversation_id}/tracker/events", events,
                     output_channel="latest", execute_side_effects="true", include_events="NONE")
    try:
        returned = await _db(request.app[QUEUE].hand_back, handoff.conversation_id, me)
    except QueueError as error:
        raise _queue_error(error) from None
    if handoff.case_id:
        await _db(_return_case, request.app[QUEUE].store, handoff.case_id, me)
    return web.json_response(_handoff_json(returned, me, datetime.now(timezone.utc)))


def _return_case(store: CaseStore, case_id: str, agent: str) -> None:
    """Record the hand-back and give the case back the status it had before the handoff."""
    store.add_event(case_id, "handed_back", {"agent": agent})
    case = store.get(case_id)
    if case is not None and case.status == HANDED_OFF:
        store.set_status(case_id, case.status_before_handoff())


@lru_cache(maxsize=2)
def openapi_spec(path: Path = OPENAPI_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


async def openapi(_: web.Request) -> web.Response:
    """The OpenAPI 3 description of this API (public: it holds no data)."""
    return web.json_response(openapi_spec(), dumps=lambda value: json.dumps(value, ensure_ascii=False))


async def console(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return html_page(settings, template(settings.templates_dir / "agent.html").template)


async def _queue_context(app: web.Application) -> AsyncIterator[None]:
    """The hand-off queue on the case store (WEIQUAN_DB_URL); tables created at start-up, not at import."""
    store = CaseStore.from_env()
    app[QUEUE] = HandoffQueue(store)
    await asyncio.to_thread(app[QUEUE].create_tables)
    yield
    store.dispose()


ROUTES = (
    ("POST", "/api/agent/login", auth.login_handler(auth.AGENT)),
    ("GET", "/api/agent/queue", queue),
    ("GET", "/api/agent/conversations/{conversation_id}", conversation),
    ("GET", "/api/agent/conversations/{conversation_id}/suggestions", suggested_replies),
    ("POST", "/api/agent/conversations/{conversation_id}/claim", claim),
    ("POST", "/api/agent/conversations/{conversation_id}/messages", send_message),
    ("POST", "/api/agent/conversations/{conversation_id}/handback", hand_back),
)
"""Every agent API route (method, path, handler); all but login need an agent token."""


def setup(app: web.Application) -> None:
    """Mount the agent console page, its files and its API on the app."""
    settings = app[SETTINGS]
    app.cleanup_ctx.append(_queue_context)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    app.router.add_get("/api/agent/openapi.json", openapi)
    app.router.add_get("/agent/", console)
    app.router.add_static("/agent/static/", settings.static_dir / "agent")

