"""Case records: one row per complaint case, its history, and per-day case ids (SQLAlchemy 1.4 Core).

SQLite by default, PostgreSQL when given a `postgresql://` URL. Everything written passes through
`masking.mask_obj` first, so no phone, ID, card, e-mail or street address ever reaches the database.

Case ids are `TS` + YYYYMMDD + `-` + a 4-digit daily sequence (`TS20261124-0007`). The sequence comes
from the `case_day_counters` table, incremented by an atomic upsert (INSERT … ON CONFLICT DO UPDATE)
in the same transaction that inserts the case: the counter row stays locked until that transaction
commits, so any number of app replicas get distinct numbers, and a failed insert leaves no gap.
The case id is also the primary key; if it ever collides (a counter row deleted by hand), the counter
is moved past the highest id of that day and the insert is retried.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import StaticPool

from weiquan.masking import mask, mask_obj
from weiquan.paths import REPO_ROOT

DEFAULT_DB_PATH = REPO_ROOT / "var" / "cases.db"
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991

OPEN, ROUTED, HANDED_OFF, WAITING_USER, RESOLVED, CLOSED = (
    "open",
    "routed",
    "handed_off",
    "waiting_user",
    "resolved",
    "closed",
)
STATUSES = (OPEN, ROUTED, HANDED_OFF, WAITING_USER, RESOLVED, CLOSED)

CASE_ID_RE = re.compile(r"TS(?P<day>\d{8})-(?P<seq>\d{4,})")
_ATTEMPTS = 5

JSON_VALUE = JSON().with_variant(JSONB(), "postgresql")
"""Column type for JSON values: JSONB on PostgreSQL, JSON elsewhere."""
metadata = MetaData()

cases_table = Table(
    "cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("complaint_type", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("facts", JSON_VALUE, nullable=False),
    Column("route", JSON_VALUE, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_cases_sender_created", cases_table.c.sender_id, cases_table.c.created_at)

events_table = Table(
    "case_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), ForeignKey("cases.case_id", ondelete="CASCADE"), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("data", JSON_VALUE, nullable=True),
)
Index("ix_case_events_case", events_table.c.case_id, events_table.c.event_id)

counters_table = Table(
    "case_day_counters",
    metadata,
    Column("day", String(8), primary_key=True),
    Column("last_seq", Integer, nullable=False),
)


class CaseNotFound(KeyError):
    """No case with that id."""


@dataclass(frozen=True)
class CaseEvent:
    at: datetime
    kind: str
    data: Any


@dataclass(frozen=True)
class Case:
    case_id: str
    sender_id: str
    complaint_type: str
    status: str
    facts: dict[str, Any]
    route: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    history: tuple[CaseEvent, ...] = field(default_factory=tuple)

    @property
    def next_step(self) -> dict[str, Any] | None:
        """The step of the stored route the consumer should take now, if the case was routed."""
        return next((s for s in (self.route or {}).get("steps", []) if s.get("state") == "next"), None)

    def status_before_handoff(self) -> str:
        """The status the case had when it was last handed to a person (`open` if the history lacks it)."""
        for step in reversed(self.history):
            data = step.data if isinstance(step.data, dict) else {}
            if step.kind == "status" and data.get("to") == HANDED_OFF and data.get("from") in STATUSES:
                return str(data["from"])
        return OPEN


def format_case_id(day: date, seq: int) -> str:
    """TS20261124-0007."""
    return f"TS{day:%Y%m%d}-{seq:04d}"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class CaseStore:
    """Reads and writes cases. Creating one does not connect; the first query does."""

    def __init__(
        self,
        url: str | None = None,
        *,
        schema: str | None = None,
        clock: Callable[[], datetime] = _utc_now,
        tz: Any = CHINA_TZ,
    ) -> None:
        url = url or f"sqlite:///{DEFAULT_DB_PATH}"
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        self.url = make_url(url)
        self.schema = schema
        self._clock = clock
        self._tz = tz
        self.engine = self._make_engine()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CaseStore:
        """WEIQUAN_DB_URL (default: SQLite under var/) and optional WEIQUAN_DB_SCHEMA."""
        env = os.environ if environ is None else environ
        return cls(env.get("WEIQUAN_DB_URL") or None, schema=env.get("WEIQUAN_DB_SCHEMA") or None)

    def _make_engine(self) -> Engine:
        options: dict[str, Any] = {"future": True, "json_serializer": _json_dumps}
        if self.url.get_backend_name() == "sqlite":
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                options["connect_args"] = {"timeout": 30}
            else:
                options |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        else:
            options["pool_pre_ping"] = True
        engine = create_engine(self.url, **options)
        if self.url.get_backend_name() == "sqlite":
            event.listen(engine, "do_connect", _make_sqlite_folder)
            event.listen(engine, "connect", _sqlite_foreign_keys)
        if self.schema:
            engine = engine.execution_options(schema_translate_map={None: self.schema})
        return engine

    def now(self) -> datetime:
        """The store's clock, in UTC."""
        return self._clock().astimezone(timezone.utc)

    def dispose(self) -> None:
        self.engine.dispose()

    def create_tables(self) -> None:
        """Create the schema (PostgreSQL, when named) and the tables if missing."""
        with self.engine.begin() as conn:
            if self.schema and conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            metadata.create_all(conn)

    # ---- writing -------------------------------------------------------------------------------

    def open_case(
        self,
        sender_id: str,
        complaint_type: str,
        facts: Mapping[str, Any] | None = None,
        today: date | None = None,
    ) -> Case:
        """Store a new case with status `open` and a fresh id for `today` (China time by default)."""
        now = self.now()
        day = today or now.astimezone(self._tz).date()
        row = {
            "sender_id": mask(sender_id),
            "complaint_type": mask(complaint_type),
            "status": OPEN,
            "facts": mask_obj(dict(facts or {})),
            "route": None,
            "created_at": now,
            "updated_at": now,
        }
        for attempt in range(_ATTEMPTS):
            try:
                with self.engine.begin() as conn:
                    row["case_id"] = format_case_id(day, self._next_sequence(conn, day))
                    conn.execute(insert(cases_table).values(**row))
                    opened = {"complaint_type": row["complaint_type"]}
                    self._insert_event(conn, row["case_id"], now, "opened", opened)
                break
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise
                with suppress(IntegrityError):  # another replica resynced at the same moment
                    self._resync_counter(day)
        case = self.get(row["case_id"])
        assert case is not None
        return case

    def update_route(self, case_id: str, route_payload: Mapping[str, Any], status: str = ROUTED) -> Case:
        """Store the route payload (channels.md) and move the case to `status`."""
        _check_status(status)
        route = mask_obj(dict(route_payload))
        now = self.now()
        with self.engine.begin() as conn:
            self._touch(conn, case_id, now)
            conn.execute(
                update(cases_table).where(cases_table.c.case_id == case_id).values(route=route, status=status)
            )
            self._insert_event(conn, case_id, now, "routed", {"status": status, "route": route})
        return self._require(case_id)

    def set_status(self, case_id: str, status: str, note: str | None = None) -> Case:
        """Move the case to `status`; the history keeps the previous one and the note."""
        _check_status(status)
        now = self.now()
        with self.engine.begin() as conn:
            self._touch(conn, case_id, now)
            previous = conn.execute(
                select(cases_table.c.status).where(cases_table.c.case_id == case_id)
            ).scalar_one()
            conn.execute(update(cases_table).where(cases_table.c.case_id == case_id).values(status=status))
            data = {"from": previous, "to": status} | ({"note": mask(note)} if note else {})
            self._insert_event(conn, case_id, now, "status", data)
        return self._require(case_id)

    def add_event(self, case_id: str, kind: str, data: Any = None) -> CaseEvent:
        """Append an event (free text, user messages, hand-off notes …) to the case history."""
        now = self.now()
        kind, masked = mask(kind), mask_obj(data)
        with self.engine.begin() as conn:
            self._touch(conn, case_id, now)
            self._insert_event(conn, case_id, now, kind, masked)
        return CaseEvent(at=now, kind=kind, data=masked)

    # ---- reading -------------------------------------------------------------------------------

    def get(self, case_id: str) -> Case | None:
        found = self._load(cases_table.c.case_id == case_id)
        return found[0] if found else None

    def find_by_sender(self, sender_id: str, limit: int | None = None) -> list[Case]:
        """The sender's cases, newest first."""
        return self._load(cases_table.c.sender_id == mask(sender_id), limit=limit)

    # ---- internals -----------------------------------------------------------------------------

    def _require(self, case_id: str) -> Case:
        case = self.get(case_id)
        if case is None:
            raise CaseNotFound(case_id)
        return case

    def _load(self, condition: Any, limit: int | None = None) -> list[Case]:
        query = (
            select(cases_table)
            .where(condition)
            .order_by(cases_table.c.created_at.desc(), cases_table.c.case_id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            ids = [row["case_id"] for row in rows]
            history = self._histories(conn, ids) if ids else {}
        return [_case_from_row(row, history.get(row["case_id"], ())) for row in rows]

    @staticmethod
    def _histories(conn: Connection, case_ids: Iterable[str]) -> dict[str, tuple[CaseEvent, ...]]:
        query = (
            select(events_table)
            .where(events_table.c.case_id.in_(list(case_ids)))
            .order_by(events_table.c.case_id, events_table.c.event_id)
        )
        history: dict[str, list[CaseEvent]] = {}
        for row in conn.execute(query).mappings():
            history.setdefault(row["case_id"], []).append(
                CaseEvent(at=as_utc(row["at"]), kind=row["kind"], data=row["data"])
            )
        return {case_id: tuple(events) for case_id, events in history.items()}

    @staticmethod
    def _touch(conn: Connection, case_id: str, now: datetime) -> None:
        """Write first in every transaction: it takes the row (PostgreSQL) or write (SQLite) lock."""
        result = conn.execute(
            update(cases_table).where(cases_table.c.case_id == case_id).values(updated_at=now)
        )
        if result.rowcount == 0:
            raise CaseNotFound(case_id)

    @staticmethod
    def _insert_event(conn: Connection, case_id: str, at: datetime, kind: str, data: Any) -> None:
        conn.execute(insert(events_table).values(case_id=case_id, at=at, kind=kind, data=data))

    @staticmethod
    def _next_sequence(conn: Connection, day: date) -> int:
        """Increment and return the day's counter; the row stays locked until the transaction ends."""
        key = f"{day:%Y%m%d}"
        counter = counters_table.c.last_seq
        if conn.dialect.name == "postgresql":
            upsert = pg_insert(counters_table).values(day=key, last_seq=1)
            upsert = upsert.on_conflict_do_update(
                index_elements=[counters_table.c.day], set_={"last_seq": counter + 1}
            ).returning(counter)
            return int(conn.execute(upsert).scalar_one())
        if conn.dialect.name == "sqlite":
            upsert = sqlite_insert(counters_table).values(day=key, last_seq=1)
            conn.execute(
                upsert.on_conflict_do_update(
                    index_elements=[counters_table.c.day], set_={"last_seq": counter + 1}
                )
            )
            return int(conn.execute(select(counter).where(counters_table.c.day == key)).scalar_one())
        bumped = conn.execute(
            update(counters_table).where(counters_table.c.day == key).values(last_seq=counter + 1)
        )
        if bumped.rowcount == 0:
            conn.execute(insert(counters_table).values(day=key, last_seq=1))  # a racing insert fails: retried
        return int(conn.execute(select(counter).where(counters_table.c.day == key)).scalar_one())

    def _resync_counter(self, day: date) -> None:
        """Move the day's counter past the highest case id already stored for that day."""
        key = f"{day:%Y%m%d}"
        day_counter = counters_table.c.day == key
        with self.engine.begin() as conn:
            ids = conn.execute(select(cases_table.c.case_id).where(cases_table.c.case_id.like(f"TS{key}-%")))
            highest = max((int(m["seq"]) for (i,) in ids if (m := CASE_ID_RE.fullmatch(i))), default=0)
            current = conn.execute(select(counters_table.c.last_seq).where(day_counter)).scalar()
            if current is None:
                conn.execute(insert(counters_table).values(day=key, last_seq=highest))
            elif current < highest:
                conn.execute(update(counters_table).where(day_counter).values(last_seq=highest))


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown case status {status!r}; expected one of {', '.join(STATUSES)}")


def _case_from_row(row: Mapping[str, Any], history: tuple[CaseEvent, ...]) -> Case:
    return Case(
        case_id=row["case_id"],
        sender_id=row["sender_id"],
        complaint_type=row["complaint_type"],
        status=row["status"],
        facts=dict(row["facts"] or {}),
        route=row["route"],
        created_at=as_utc(row["created_at"]),
        updated_at=as_utc(row["updated_at"]),
        history=history,
    )


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _make_sqlite_folder(_dialect: Any, _record: Any, cargs: tuple[Any, ...], _cparams: Any) -> None:
    """Create the database file's folder on first connect (not when the store is made)."""
    database = str(cargs[0]) if cargs else ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
