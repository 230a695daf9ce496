"""Conversations waiting for a person, who took them, and what agents did with the suggested replies.

Two tables in the case store's database (same engine, metadata and schema as weiquan/cases.py), so every
Rasa replica and every web-app replica sees the same queue. A claim is one atomic
`UPDATE … WHERE status = 'waiting'`: of two agents claiming at once, exactly one row update succeeds.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from weiquan.cases import JSON_VALUE, CaseStore, as_utc, metadata
from weiquan.masking import mask, mask_obj

WAITING, CLAIMED, RETURNED = "waiting", "claimed", "returned"
SENT, EDITED, IGNORED = "sent", "edited", "ignored"
OUTCOMES = (SENT, EDITED, IGNORED)

handoffs_table = Table(
    "handoffs",
    metadata,
    Column("conversation_id", String(255), primary_key=True),
    Column("case_id", String(32), nullable=True),
    Column("complaint_type", String(64), nullable=True),
    Column("summary", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),
    Column("agent", String(64), nullable=True),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    Column("returned_at", DateTime(timezone=True), nullable=True),
)
Index("ix_handoffs_status_requested", handoffs_table.c.status, handoffs_table.c.requested_at)

feedback_table = Table(
    "suggestion_feedback",
    metadata,
    Column("feedback_id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(255), nullable=False),
    Column("case_id", String(32), nullable=True),
    Column("agent", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("consumer_message", Text, nullable=True),
    Column("intent", String(64), nullable=True),
    Column("rule_ids", JSON_VALUE, nullable=True),
    Column("channel", String(64), nullable=True),
    Column("suggested", Text, nullable=False),
    Column("sent", Text, nullable=True),
)
Index("ix_suggestion_feedback_conversation", feedback_table.c.conversation_id, feedback_table.c.feedback_id)


class QueueError(Exception):
    """A queue operation that is not allowed now; `reason` names the Chinese text in data/kb/agent.yml."""

    def __init__(self, reason: str, handoff: Handoff | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.handoff = handoff


@dataclass(frozen=True)
class Handoff:
    conversation_id: str
    case_id: str | None
    complaint_type: str | None
    summary: str
    requested_at: datetime
    status: str
    agent: str | None
    claimed_at: datetime | None


@dataclass(frozen=True)
class Feedback:
    """What an agent did with one suggested reply."""

    conversation_id: str
    case_id: str | None
    agent: str
    outcome: str
    suggested: str
    sent: str | None = None
    consumer_message: str | None = None
    intent: str | None = None
    rule_ids: Sequence[str] = ()
    channel: str | None = None


def _handoff(row: Any) -> Handoff:
    return Handoff(
        conversation_id=row["conversation_id"],
        case_id=row["case_id"],
        complaint_type=row["complaint_type"],
        summary=row["summary"],
        requested_at=as_utc(row["requested_at"]),
        status=row["status"],
        agent=row["agent"],
        claimed_at=as_utc(row["claimed_at"]) if row["claimed_at"] else None,
    )


class HandoffQueue:
    """The hand-off queue and suggestion feedback, on a case store's database."""

    def __init__(self, store: CaseStore) -> None:
        self.store = store

    @property
    def engine(self) -> Engine:
        return self.store.engine

    def create_tables(self) -> None:
        """The case store's tables, these two included (they share its metadata)."""
        self.store.create_tables()

    def request(self, conversation_id: str, case_id: str | None, complaint_type: str | None, summary: str) -> Handoff:
        """Put a conversation in the queue (again, after it was handed back); a waiting one gets the new summary."""
        now = self.store.now()
        row = {"case_id": case_id, "complaint_type": complaint_type, "summary": mask(summary)}
        table = handoffs_table
        where_id = table.c.conversation_id == conversation_id
        with self.engine.begin() as conn:
            reopened = conn.execute(update(table).where(where_id, table.c.status == RETURNED).values(
                **row, status=WAITING, requested_at=now, agent=None, claimed_at=None, returned_at=None))
            if reopened.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(table).values(
                            conversation_id=conversation_id, **row, status=WAITING, requested_at=now))
                except IntegrityError:
                    conn.execute(update(table).where(where_id).values(**row))
        found = self.get(conversation_id)
        assert found is not None
        return found

    def get(self, conversation_id: str) -> Handoff | None:
        query = select(handoffs_table).where(handoffs_table.c.conversation_id == conversation_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _handoff(row) if row else None

    def open_handoffs(self) -> list[Handoff]:
        """Waiting and claimed conversations, the longest waiting first."""
        table = handoffs_table
        query = (select(table).where(table.c.status.in_((WAITING, CLAIMED)))
                 .order_by(table.c.requested_at, table.c.conversation_id))
        with self.engine.connect() as conn:
            return [_handoff(row) for row in conn.execute(query).mappings()]

    def claim(self, conversation_id: str, agent: str) -> Handoff:
        """Take a waiting conversation; QueueError when it was never handed off or someone else has it."""
        table = handoffs_table
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(table)
                .where(table.c.conversation_id == conversation_id, table.c.status == WAITING)
                .values(status=CLAIMED, agent=agent, claimed_at=self.store.now())
            )
        found = self.get(conversation_id)
        if claimed.rowcount == 1 and found is not None:
            return found
        if found is None or found.status == RETURNED:
            raise QueueError("not_handed_off", found)
        if found.agent == agent:
            return found
        raise QueueError("claimed_by_other", found)

    def require_claimed_by(self, conversation_id: str, agent: str) -> Handoff:
        """The conversation, if this agent has claimed it; QueueError otherwise."""
        found = self.get(conversation_id)
        if found is None or found.status == RETURNED:
            raise QueueError("not_handed_off", found)
        if found.status == WAITING:
            raise QueueError("claim_first", found)
        if found.agent != agent:
            raise QueueError("claimed_by_other", found)
        return found

    def hand_back(self, conversation_id: str, agent: str) -> Handoff:
        """Mark a conversation this agent holds as returned to the bot."""
        table = handoffs_table
        with self.engine.begin() as conn:
            returned = conn.execute(
                update(table)
                .where(table.c.conversation_id == conversation_id, table.c.status == CLAIMED,
                       table.c.agent == agent)
                .values(status=RETURNED, returned_at=self.store.now())
            )
        if returned.rowcount == 0:
            self.require_claimed_by(conversation_id, agent)
        found = self.get(conversation_id)
        assert found is not None
        return found

    def record_feedback(self, feedback: Feedback) -> None:
        """Store whether a suggestion was sent as-is, edited or ignored (personal data masked)."""
        if feedback.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {feedback.outcome!r}; expected one of {', '.join(OUTCOMES)}")
        row = {
            "conversation_id": feedback.conversation_id,
            "case_id": feedback.case_id,
            "agent": feedback.agent,
            "at": self.store.now(),
            "outcome": feedback.outcome,
            "consumer_message": mask(feedback.consumer_message) if feedback.consumer_message else None,
            "intent": feedback.intent,
            "rule_ids": mask_obj(list(feedback.rule_ids)),
            "channel": feedback.channel,
            "suggested": mask(feedback.suggested),
            "sent": mask(feedback.sent) if feedback.sent is not None else None,
        }
        with self.engine.begin() as conn:
            conn.execute(insert(feedback_table).values(**row))

    def feedback(self, conversation_id: str) -> list[dict[str, Any]]:
        """The recorded feedback of a conversation, oldest first."""
        query = (select(feedback_table).where(feedback_table.c.conversation_id == conversation_id)
                 .order_by(feedback_table.c.feedback_id))
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
