"""What users typed, read straight from Rasa's SQL tracker store (its `events` table), without Rasa.

Rasa's SQLTrackerStore keeps one row per event: `id`, `sender_id`, `type_name`, `timestamp`, `intent_name`,
`action_name` and the event as JSON text in `data`. SQLite by default (var/tracker.db), PostgreSQL in
production; the URL is any SQLAlchemy URL. Payload messages (`/greet`, a button's `/affirm`, or a button
whose payload is its text, `没有`) are clicks, not typed text, and are left out.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, select
from sqlalchemy.engine import Engine, make_url

from weiquan.paths import REPO_ROOT

DEFAULT_TRACKER_DB = REPO_ROOT / "var" / "tracker.db"
USER, BOT, ACTION = "user", "bot", "action"
SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})

_metadata = MetaData()
events_table = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    entity: str
    value: Any = None


@dataclass(frozen=True)
class UserMessage:
    """One typed user message with what the model made of it."""

    event_id: int
    sender_id: str
    text: str
    intent: str | None
    confidence: float
    entities: tuple[Entity, ...]
    timestamp: float

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp, timezone.utc)


@dataclass(frozen=True)
class Turn:
    """One event of a conversation as a trainer reads it: a user message, a bot message or an action."""

    kind: str
    event_id: int
    timestamp: float
    text: str = ""
    name: str = ""
    intent: str | None = None
    confidence: float | None = None
    entities: tuple[Entity, ...] = field(default_factory=tuple)


def is_payload(text: str) -> bool:
    """`/greet`, `/affirm{"x": 1}`: a button click or the widget's init payload, not typed text."""
    return text.lstrip().startswith("/")


def _entities(parse_data: dict[str, Any], text: str) -> tuple[Entity, ...]:
    found = []
    for item in parse_data.get("entities") or []:
        start, end = item.get("start"), item.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            found.append(Entity(start, end, str(item.get("entity", "")), item.get("value")))
    return tuple(sorted(found, key=lambda e: (e.start, e.end, e.entity)))


def _user_message(row: Any) -> UserMessage | None:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return None
    text = str(data.get("text") or "")
    if not text.strip() or is_payload(text):
        return None
    parse_data = data.get("parse_data") or {}
    intent = parse_data.get("intent") or {}
    return UserMessage(
        event_id=int(row.id),
        sender_id=str(row.sender_id),
        text=text,
        intent=intent.get("name") or row.intent_name,
        confidence=float(intent.get("confidence") or 0.0),
        entities=_entities(parse_data, text),
        timestamp=float(row.timestamp or data.get("timestamp") or 0.0),
    )


class TrackerReader:
    """Reads user messages and conversations from the tracker store. Creating one does not connect."""

    def __init__(self, url: str | None = None) -> None:
        self.url = make_url(url or f"sqlite:///{DEFAULT_TRACKER_DB}")
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            options: dict[str, Any] = {"future": True}
            if self.url.get_backend_name() == "sqlite":
                options["connect_args"] = {"timeout": 30}
            else:
                options["pool_pre_ping"] = True
            self._engine = create_engine(self.url, **options)
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _has_events(self) -> bool:
        from sqlalchemy import inspect

        return inspect(self.engine).has_table("events")

    def user_messages(
        self,
        *,
        intent: str | None = None,
        since: float | None = None,
        until: float | None = None,
        sender_id: str | None = None,
    ) -> list[UserMessage]:
        """Typed user messages, oldest first, optionally for one predicted intent, time range or sender."""
        if not self._has_events():
            return []
        query = select(events_table).where(events_table.c.type_name.in_((USER, BOT)))
        if intent:
            query = query.where((events_table.c.intent_name == intent) | (events_table.c.type_name == BOT))
        if since is not None:
            query = query.where(events_table.c.timestamp >= since)
        if until is not None:
            query = query.where(events_table.c.timestamp < until)
        if sender_id:
            query = query.where(events_table.c.sender_id == sender_id)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(events_table.c.id)).all()
        return _typed(rows)

    def messages_by_id(self, event_ids: Iterable[int]) -> dict[int, UserMessage]:
        """The typed user messages with these event ids (others are left out)."""
        ids = sorted({int(i) for i in event_ids})
        if not ids or not self._has_events():
            return {}
        query = select(events_table).where(events_table.c.id.in_(ids), events_table.c.type_name == USER)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return {message.event_id: message for message in map(_user_message, rows) if message is not None}

    def conversation(self, sender_id: str) -> list[Turn]:
        """Every user message (payloads included), bot message and action of one conversation, in order."""
        if not self._has_events():
            return []
        query = (
            select(events_table)
            .where(events_table.c.sender_id == sender_id, events_table.c.type_name.in_((USER, BOT, ACTION)))
            .order_by(events_table.c.id)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [turn for turn in map(_turn, rows) if turn is not None]


def _button_payloads(row: Any) -> set[str]:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return set()
    buttons = (data.get("data") or {}).get("buttons") or []
    return {str(b.get("payload")) for b in buttons if isinstance(b, dict) and b.get("payload")}


def _typed(rows: Iterable[Any]) -> list[UserMessage]:
    """User messages that were typed: not a `/` payload, not the payload of a button the bot had just offered."""
    offered: dict[str, set[str]] = {}
    messages = []
    for row in rows:
        if row.type_name == BOT:
            offered[row.sender_id] = _button_payloads(row)
            continue
        message = _user_message(row)
        clicked = message is not None and message.text.strip() in offered.get(row.sender_id, set())
        offered.pop(row.sender_id, None)
        if message is not None and not clicked:
            messages.append(message)
    return messages


def _turn(row: Any) -> Turn | None:
    try:
        data = json.loads(row.data or "{}")
    except ValueError:
        return None
    timestamp = float(row.timestamp or 0.0)
    if row.type_name == ACTION:
        name = str(data.get("name") or row.action_name or "")
        return None if not name or name in SKIPPED_ACTIONS else Turn(ACTION, int(row.id), timestamp, name=name)
    if row.type_name == BOT:
        return Turn(BOT, int(row.id), timestamp, text=str(data.get("text") or ""))
    text = str(data.get("text") or "")
    parse_data = data.get("parse_data") or {}
    intent = parse_data.get("intent") or {}
    return Turn(
        USER, int(row.id), timestamp, text=text, intent=intent.get("name") or row.intent_name,
        confidence=float(intent.get("confidence") or 0.0), entities=_entities(parse_data, text),
    )
