"""The trainer inbox: user messages from the tracker store, lowest confidence first, reviewed and exported.

Everything a trainer sees is masked (`weiquan.masking`), entity spans moved onto the masked text; reviews are
stored with that masked text (`weiquan.annotations`), and the export (`weiquan.training_export`) writes them
to the reviewed NLU file, the held-out set or a test story.
"""
from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from aiohttp import web

from webapp import auth
from webapp.api import ApiError, json_object
from webapp.config import SETTINGS, Settings
from webapp.history import valid_conversation_id
from webapp.pages import html_page, template
from weiquan import intents as intent_labels
from weiquan.annotations import (
    ACCEPTED,
    DELETED,
    HELDOUT,
    OUT_OF_SCOPE,
    OUT_OF_SCOPE_INTENT,
    RELABELLED,
    TARGETS,
    TRAINING,
    Annotation,
    AnnotationStore,
    Review,
    Span,
)
from weiquan.cases import CaseStore
from weiquan.jieba_tokens import misaligned, token_spans
from weiquan.masking import mask, mask_with_spans
from weiquan.paths import KB_DIR, REPO_ROOT
from weiquan.tracker_messages import ACTION, USER, Entity, TrackerReader, Turn, UserMessage, is_payload
from weiquan.training_export import ExportPaths, NewExample, StoryStep, export_examples, write_story

TEXTS_FILE = KB_DIR / "trainer.yml"
DOMAIN_DIR = REPO_ROOT / "domain"
READER = web.AppKey("trainer_reader", TrackerReader)
STORE = web.AppKey("trainer_store", AnnotationStore)
EXPORT_LOCK = web.AppKey("trainer_export_lock", asyncio.Lock)
ACTIONS = {"accept": ACCEPTED, "relabel": RELABELLED, "out_of_scope": OUT_OF_SCOPE, "delete": DELETED}
SORTS = ("confidence", "-confidence", "newest")


def _error(status: int, key: str, **values: Any) -> ApiError:
    return ApiError.from_texts(texts()["errors"], status, key, **values)


@lru_cache(maxsize=2)
def texts(path: Path = TEXTS_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=2)
def domain_names(domain_dir: Path = DOMAIN_DIR) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(intents, entities) declared in the domain files, in their order."""
    found: dict[str, list[str]] = {"intents": [], "entities": []}
    for path in sorted(domain_dir.glob("*.yml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, names in found.items():
            names += [name if isinstance(name, str) else next(iter(name)) for name in raw.get(key) or []]
    return tuple(found["intents"]), tuple(found["entities"])


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, headers={"Cache-Control": "no-store"},
                             dumps=lambda data: json.dumps(data, ensure_ascii=False))


def _entity_json(text: str, start: int, end: int, entity: str) -> dict[str, Any]:
    return {"start": start, "end": end, "entity": entity, "value": text[start:end]}


def masked_with_entities(text: str, entities: tuple[Entity, ...]) -> tuple[str, list[dict[str, Any]]]:
    """A user text as a trainer may see it, with its predicted entities moved onto the masked text."""
    masked, spans = mask_with_spans(text, [(e.start, e.end) for e in entities])
    found = [_entity_json(masked, start, end, e.entity)
             for (start, end), e in zip(spans, entities, strict=True) if start < end]
    return masked, found


def masked_message(message: UserMessage) -> tuple[str, list[dict[str, Any]]]:
    return masked_with_entities(message.text, message.entities)


def message_json(message: UserMessage, review: Annotation | None) -> dict[str, Any]:
    masked, predicted = masked_message(message)
    return {
        "event_id": message.event_id, "sender_id": message.sender_id, "text": masked,
        "intent": message.intent, "intent_label": intent_labels.label(message.intent or ""),
        "confidence": round(message.confidence, 4), "entities": predicted, "timestamp": message.timestamp,
        "review": review.as_dict() if review else None,
    }


def _float(query: dict[str, str], name: str) -> float | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise _error(400, "bad_filter", field=name) from None


def _day_start(query: dict[str, str], name: str, tz: ZoneInfo, next_day: bool = False) -> float | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise _error(400, "bad_filter", field=name) from None
    start = datetime.combine(day, time.min, tz).timestamp()
    return start + 86400 if next_day else start


def _inbox(request: web.Request) -> list[dict[str, Any]]:
    settings: Settings = request.app[SETTINGS]
    query = dict(request.query)
    tz = ZoneInfo(settings.timezone)
    low, high = _float(query, "min_confidence"), _float(query, "max_confidence")
    sort = query.get("sort", "confidence")
    if sort not in SORTS:
        raise _error(400, "bad_filter", field="sort")
    try:
        limit = min(int(query.get("limit") or settings.inbox_limit), settings.inbox_limit)
    except ValueError:
        raise _error(400, "bad_filter", field="limit") from None
    messages = request.app[READER].user_messages(
        intent=query.get("intent") or None,
        since=_day_start(query, "from", tz), until=_day_start(query, "to", tz, next_day=True),
    )
    messages = [m for m in messages if (low is None or m.confidence >= low) and (high is None or m.confidence <= high)]
    reviews = request.app[STORE].get_many(m.event_id for m in messages)
    messages = [m for m in messages if not (reviews.get(m.event_id) and reviews[m.event_id].status == DELETED)]
    if query.get("unreviewed") in ("1", "true", "yes"):
        messages = [m for m in messages if m.event_id not in reviews]
    if sort == "newest":
        messages.sort(key=lambda m: (-m.timestamp, -m.event_id))
    else:
        sign = 1 if sort == "confidence" else -1
        messages.sort(key=lambda m: (sign * m.confidence, m.event_id))
    return [message_json(m, reviews.get(m.event_id)) for m in messages[:limit]]


@auth.require(auth.TRAINER)
async def inbox(request: web.Request) -> web.Response:
    """GET: the messages, filtered (intent, min/max_confidence, from/to date, unreviewed) and sorted."""
    return _json({"messages": await asyncio.to_thread(_inbox, request)})


@auth.require(auth.TRAINER)
async def intent_list(_: web.Request) -> web.Response:
    """GET: every intent of the domain with its Chinese name, and the entity types."""
    names, entities = domain_names()
    known = intent_labels.load()
    listed = [{"name": name, "label": known[name].label if name in known else name,
               "description": known[name].button if name in known else ""} for name in names]
    return _json({"intents": listed, "entities": list(entities)})


def span_warnings(text: str, spans: list[Span]) -> list[dict[str, Any]]:
    """A warning for each span not on jieba token boundaries, naming the tokens there."""
    bad = set(misaligned(text, [(s.start, s.end) for s in spans]))
    warnings = []
    for span in spans:
        if (span.start, span.end) in bad:
            around = [text[a:b] for a, b in token_spans(text) if b > span.start and a < span.end]
            message = texts()["warnings"]["misaligned"].format(
                value=text[span.start:span.end], tokens=" / ".join(around))
            warnings.append({**_entity_json(text, span.start, span.end, span.entity), "message": message})
    return warnings


def _spans(raw: Any, text: str) -> list[Span]:
    _, entity_names = domain_names()
    spans = []
    for item in raw or []:
        try:
            start, end, entity = int(item["start"]), int(item["end"]), str(item["entity"])
        except (KeyError, TypeError, ValueError):
            raise _error(400, "bad_span", start="?", end="?") from None
        if not 0 <= start < end <= len(text):
            raise _error(400, "bad_span", start=start, end=end)
        if entity not in entity_names:
            raise _error(400, "unknown_entity", entity=entity)
        spans.append(Span(start, end, entity))
    return sorted(spans, key=lambda s: (s.start, s.end))


def _review(request: web.Request, body: dict[str, Any]) -> dict[str, Any]:
    action = str(body.get("action", ""))
    if action not in ACTIONS:
        raise _error(400, "bad_action", action=action)
    try:
        ids = [int(i) for i in body.get("event_ids") or []]
    except (TypeError, ValueError):
        raise _error(400, "no_messages") from None
    if not ids:
        raise _error(400, "no_messages")
    target = str(body.get("target") or TRAINING)
    if target not in TARGETS:
        raise _error(400, "bad_action", action=target)
    intents, entity_names = domain_names()
    intent = body.get("intent")
    if action == "relabel" and intent not in intents:
        raise _error(400, "unknown_intent", intent=intent)
    found = request.app[READER].messages_by_id(ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise _error(404, "unknown_messages", ids=", ".join(map(str, missing)))
    unknown = sorted({str(found[i].intent) for i in ids if action == "accept" and found[i].intent not in intents})
    if unknown:
        raise _error(400, "unknown_intent", intent=", ".join(unknown))
    store, reviewer = request.app[STORE], request[auth.STAFF].name
    earlier = store.get_many(ids)
    saved, warnings = [], []
    for event_id in ids:
        message = found[event_id]
        masked, predicted = masked_message(message)
        if "entities" in body and len(ids) == 1:
            spans = _spans(body["entities"], masked)
        elif event_id in earlier:
            spans = list(earlier[event_id].entities)
        else:
            spans = [Span(e["start"], e["end"], e["entity"]) for e in predicted if e["entity"] in entity_names]
        final = {"accept": message.intent, "relabel": intent, "out_of_scope": OUT_OF_SCOPE_INTENT,
                 "delete": None}[action]
        review = Review(event_id, message.sender_id, masked, ACTIONS[action], final, message.intent,
                        message.confidence, tuple(spans), target)
        saved.append(store.save(review, reviewer).as_dict())
        warnings += [{"event_id": event_id, **w} for w in span_warnings(masked, spans)]
    return {"reviews": saved, "warnings": warnings}


@auth.require(auth.TRAINER)
async def review(request: web.Request) -> web.Response:
    """POST {event_ids, action: accept|relabel|out_of_scope|delete, intent?, entities?, target?}."""
    body = await json_object(request, texts()["errors"]["bad_json"])
    return _json(await asyncio.to_thread(_review, request, body))


@auth.require(auth.TRAINER)
async def check_spans(request: web.Request) -> web.Response:
    """POST {text, entities}: the misaligned-span warnings, before saving."""
    body = await json_object(request, texts()["errors"]["bad_json"])
    text = str(body.get("text", ""))
    spans = _spans(body.get("entities"), text)
    return _json({"warnings": await asyncio.to_thread(span_warnings, text, spans)})


def _export(request: web.Request) -> dict[str, Any]:
    settings: Settings = request.app[SETTINGS]
    store = request.app[STORE]
    pending = [a for a in store.pending_export() if a.intent]
    if not pending:
        raise _error(409, "nothing_to_export")
    examples = [NewExample(a.text, a.intent or "", tuple((s.start, s.end, s.entity) for s in a.entities),
                           heldout=a.target == HELDOUT, key=a.event_id) for a in pending]
    intents, entities = domain_names()
    paths = ExportPaths(settings.training_nlu_dir, settings.reviewed_nlu_path, settings.heldout_dir,
                        settings.reviewed_heldout_path)
    result = export_examples(examples, paths, intents=intents, entities=entities)
    reasons = texts()["skip_reasons"]
    notes = {int(e.key): "training" for e in result.training} | {int(e.key): "heldout" for e in result.heldout}  # type: ignore[arg-type]
    notes |= {int(s.example.key): s.reason for s in result.skipped}  # type: ignore[arg-type]
    store.mark_exported(notes)
    return {
        "training": [{"event_id": e.key, "text": e.text, "intent": e.intent, "line": e.annotated()}
                     for e in result.training],
        "heldout": [{"event_id": e.key, "text": e.text, "intent": e.intent, "line": e.annotated()}
                    for e in result.heldout],
        "skipped": [{"event_id": s.example.key, "text": s.example.text, "intent": s.example.intent,
                     "reason": s.reason, "reason_text": reasons[s.reason], "similar_to": s.similar_to}
                    for s in result.skipped],
        "training_file": str(settings.reviewed_nlu_path), "heldout_file": str(settings.reviewed_heldout_path),
    }


@auth.require(auth.TRAINER)
async def export(request: web.Request) -> web.Response:
    """POST: write the reviews not exported yet; what was written where, and what was skipped and why."""
    async with request.app[EXPORT_LOCK]:
        return _json(await asyncio.to_thread(_export, request))


def _turn_json(turn: Turn) -> dict[str, Any]:
    if turn.kind == USER:
        masked, entities = masked_with_entities(turn.text, turn.entities)
        return {"kind": USER, "event_id": turn.event_id, "timestamp": turn.timestamp, "text": masked,
                "payload": is_payload(turn.text), "intent": turn.intent, "confidence": turn.confidence,
                "entities": entities}
    if turn.kind == ACTION:
        return {"kind": ACTION, "event_id": turn.event_id, "timestamp": turn.timestamp, "name": turn.name}
    return {"kind": turn.kind, "event_id": turn.event_id, "timestamp": turn.timestamp, "text": mask(turn.text)}


def _sender(request: web.Request) -> str:
    sender_id = request.match_info["sender_id"]
    if not valid_conversation_id(sender_id):
        raise _error(400, "bad_id")
    return sender_id


def _conversation(request: web.Request, sender_id: str) -> list[Turn]:
    turns = request.app[READER].conversation(sender_id)
    if not turns:
        raise _error(404, "unknown_conversation")
    return turns


@auth.require(auth.TRAINER)
async def conversation(request: web.Request) -> web.Response:
    """GET: the conversation a message came from (user, bot, actions), masked."""
    sender_id = _sender(request)
    turns = await asyncio.to_thread(_conversation, request, sender_id)
    return _json({"sender_id": sender_id, "turns": [_turn_json(t) for t in turns]})


def _save_story(request: web.Request, sender_id: str) -> dict[str, Any]:
    turns = _conversation(request, sender_id)
    reviews = request.app[STORE].get_many(t.event_id for t in turns if t.kind == USER)
    steps = []
    for turn in turns:
        if turn.kind == ACTION:
            steps.append(StoryStep(action=turn.name))
        elif turn.kind == USER:
            review = reviews.get(turn.event_id)
            if review is not None and review.status == DELETED:
                continue
            if review is not None:
                spans = tuple((s.start, s.end, s.entity) for s in review.entities)
                steps.append(StoryStep(user=NewExample(review.text, review.intent or "", spans)))
            else:
                spans = tuple((e.start, e.end, e.entity) for e in turn.entities)
                steps.append(StoryStep(user=NewExample(turn.text, turn.intent or "", spans)))
    path = write_story(request.app[SETTINGS].reviewed_stories_dir, sender_id, steps)
    return {"path": str(path), "story": path.read_text(encoding="utf-8")}


@auth.require(auth.TRAINER)
async def save_story(request: web.Request) -> web.Response:
    """POST: the conversation as a Rasa test story with the reviewed intents and entities."""
    sender_id = _sender(request)
    return _json(await asyncio.to_thread(_save_story, request, sender_id))


def _page(path: Path) -> str:
    """The page with the script's texts (data/kb/trainer.yml `ui`) in its body's data attribute."""
    ui = html.escape(json.dumps(texts()["ui"], ensure_ascii=False), quote=True)
    return template(path).substitute(texts=ui)


async def page(request: web.Request) -> web.Response:
    """GET /trainer/: the inbox page (strict CSP: scripts and styles from this app only)."""
    settings = request.app[SETTINGS]
    return html_page(settings, _page(settings.templates_dir / "trainer.html"))


async def _stores(app: web.Application) -> AsyncIterator[None]:
    """The tracker store reader and the review table (created at start-up, not at import)."""
    settings = app[SETTINGS]
    app[READER] = TrackerReader(settings.tracker_db_url)
    app[STORE] = AnnotationStore(CaseStore.from_env())
    app[EXPORT_LOCK] = asyncio.Lock()
    await asyncio.to_thread(app[STORE].create_tables)
    yield
    app[READER].dispose()
    app[STORE].store.dispose()


ROUTES = (
    ("POST", "/api/trainer/login", auth.login_handler(auth.TRAINER)),
    ("GET", "/api/trainer/messages", inbox),
    ("GET", "/api/trainer/intents", intent_list),
    ("POST", "/api/trainer/reviews", review),
    ("POST", "/api/trainer/spans", check_spans),
    ("POST", "/api/trainer/export", export),
    ("GET", "/api/trainer/conversations/{sender_id}", conversation),
    ("POST", "/api/trainer/conversations/{sender_id}/story", save_story),
)


def setup(app: web.Application) -> None:
    """Mount the trainer inbox page, its files and its API on the app."""
    settings = app[SETTINGS]
    app.cleanup_ctx.append(_stores)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    app.router.add_get("/trainer/", page)
    app.router.add_static("/trainer/static/", settings.static_dir / "trainer")
