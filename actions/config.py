"""Every setting the action server reads, in one place, from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from weiquan.cases import CaseStore
from weiquan.handoff_queue import HandoffQueue


@dataclass(frozen=True)
class Settings:
    timezone: str

    def now(self) -> datetime:
        return datetime.now(ZoneInfo(self.timezone))

    def today(self) -> date:
        return self.now().date()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings(
        timezone=os.environ.get("WEIQUAN_TIMEZONE", "Asia/Shanghai"),
    )


@lru_cache(maxsize=1)
def case_store() -> CaseStore:
    """The case store (WEIQUAN_DB_URL, WEIQUAN_DB_SCHEMA), connected on first use (never at import)."""
    store = CaseStore.from_env()
    store.create_tables()
    return store


def handoff_queue() -> HandoffQueue:
    """Conversations waiting for a person, in the case store's database (a thin view, made per call)."""
    return HandoffQueue(case_store())
