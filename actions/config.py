"""Every setting the action server reads, in one place, from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Settings:
    timezone: str
    db_url: str

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings(
        timezone=os.environ.get("WEIQUAN_TIMEZONE", "Asia/Shanghai"),
        db_url=os.environ.get("WEIQUAN_DB_URL", "sqlite:///var/cases.db"),
    )
