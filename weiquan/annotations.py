"""Trainers' reviews of user messages, one row per message, in the case-store database (SQLAlchemy Core).

A row holds the masked text exactly as the trainer saw it, the final intent and the entity spans on that
masked text, so nothing personal is stored and the spans stay right. `status` says what the trainer did;
`target` says where an export sends the example (training data or the held-out set).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Float, Integer, String, Table, Text, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from weiquan.cases import JSON_VALUE, CaseStore, as_utc, metadata
from weiquan.masking import mask

ACCEPTED, RELABELLED, OUT_OF_SCOPE, DELETED = "accepted", "relabelled", "out_of_scope", "deleted"
STATUSES = (ACCEPTED, RELABELLED, OUT_OF_SCOPE, DELETED)
TRAINING, HELDOUT = "training", "heldout"
TARGETS = (TRAINING, HELDOUT)
OUT_OF_SCOPE_INTENT = "out_of_scope"

annotations_table = Table(
    "trainer_annotations",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=False),
    Column("sender_id", String(255), nullable=False),
    Column("text", Text, nullable=False),
    Column("predicted_intent", String(64), nullable=True),
    Column("confidence", Float, nullable=True),
    Column("status", String(16), nullable=False),
    Column("intent", String(64), nullable=True),
    Column("entities", JSON_VALUE, nullable=False),
    Column("target", String(16), nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=True),
    Column("export_note", Text, nullable=True),
)


@dataclass(frozen=True)
class Span:
    """An entity on the masked text: characters [start, end)."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Annotation:
    event_id: int
    sender_id: str
    text: str
    predicted_intent: str | None
    confidence: float | None
    status: str
    intent: str | None
    entities: tuple[Span, ...]
    target: str
    reviewer: str
    reviewed_at: datetime
    exported_at: datetime | None = None
    export_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id, "sender_id": self.sender_id, "text": self.text,
            "predicted_intent": self.predicted_intent, "confidence": self.confidence, "status": self.status,
            "intent": self.intent, "target": self.target, "reviewer": self.reviewer,
            "entities": [{"start": s.start, "end": s.end, "entity": s.entity, "value": self.text[s.start:s.end]}
                         for s in self.entities],
            "reviewed_at": self.reviewed_at.isoformat(),
            "exported_at": self.exported_at.isoformat() if self.exported_at else None,
            "export_note": self.export_note,
        }


@dataclass(frozen=True)
class Review:
    """What a trainer decided about one message (text already masked, spans on it)."""

    event_id: int
    sender_id: str
    text: str
    status: str
    intent: str | None
    predicted_intent: str | None = None
    confidence: float | None = None
    entities: tuple[Span, ...] = field(default_factory=tuple)
    target: str = TRAINING


def _row_to_annotation(row: Any) -> Annotation:
    return Annotation(
        event_id=row.event_id, sender_id=row.sender_id, text=row.text, predicted_intent=row.predicted_intent,
        confidence=row.confidence, status=row.status, intent=row.intent,
        entities=tuple(Span(int(e["start"]), int(e["end"]), str(e["entity"])) for e in row.entities or []),
        target=row.target, reviewer=row.reviewer, reviewed_at=as_utc(row.reviewed_at),
        exported_at=as_utc(row.exported_at) if row.exported_at else None, export_note=row.export_note,
    )


class AnnotationStore:
    """Reviews in a case store's database (its engine, schema and clock). Creating one does not connect."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store

    @property
    def engine(self) -> Engine:
        return self.store.engine

    def create_tables(self) -> None:
        """The case store's tables, this one included (it shares its metadata)."""
        self.store.create_tables()

    def save(self, review: Review, reviewer: str) -> Annotation:
        """Store (or replace) the review of one message; text and spans are stored as given, text re-masked."""
        if review.status not in STATUSES:
            raise ValueError(f"unknown status {review.status!r}")
        if review.target not in TARGETS:
            raise ValueError(f"unknown target {review.target!r}")
        values = {
            "event_id": review.event_id, "sender_id": review.sender_id, "text": mask(review.text),
            "predicted_intent": review.predicted_intent, "confidence": review.confidence,
            "status": review.status, "intent": review.intent, "target": review.target,
            "entities": [{"start": s.start, "end": s.end, "entity": s.entity} for s in review.entities],
            "reviewer": reviewer, "reviewed_at": self.store.now(), "exported_at": None, "export_note": None,
        }
        with self.engine.begin() as conn:
            dialect = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
            if conn.dialect.name in ("postgresql", "sqlite"):
                statement = dialect(annotations_table).values(**values)
                changed = {key: statement.excluded[key] for key in values if key != "event_id"}
                conn.execute(statement.on_conflict_do_update(index_elements=["event_id"], set_=changed))
            else:
                conn.execute(delete(annotations_table).where(annotations_table.c.event_id == review.event_id))
                conn.execute(annotations_table.insert().values(**values))
        found = self.get_many([review.event_id])
        return found[review.event_id]

    def get_many(self, event_ids: Iterable[int]) -> dict[int, Annotation]:
        ids = sorted({int(i) for i in event_ids})
        if not ids:
            return {}
        query = select(annotations_table).where(annotations_table.c.event_id.in_(ids))
        with self.engine.connect() as conn:
            return {row.event_id: _row_to_annotation(row) for row in conn.execute(query)}

    def all(self) -> list[Annotation]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(annotations_table).order_by(annotations_table.c.event_id)).all()
        return [_row_to_annotation(row) for row in rows]

    def pending_export(self) -> list[Annotation]:
        """Reviews with an intent that no export has taken yet (deleted ones never go anywhere)."""
        query = select(annotations_table).where(
            annotations_table.c.exported_at.is_(None), annotations_table.c.status != DELETED,
        ).order_by(annotations_table.c.event_id)
        with self.engine.connect() as conn:
            return [_row_to_annotation(row) for row in conn.execute(query)]

    def mark_exported(self, notes: Mapping[int, str]) -> None:
        """Record that an export took these reviews, with what became of each (written or why skipped)."""
        now = self.store.now()
        with self.engine.begin() as conn:
            for event_id, note in notes.items():
                conn.execute(
                    update(annotations_table).where(annotations_table.c.event_id == event_id)
                    .values(exported_at=now, export_note=note)
                )
