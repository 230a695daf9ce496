"""Plain-Chinese names of the intents, read from data/kb/intents.yml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from weiquan.paths import KB_DIR

COMPLAINT_PREFIX = "complain_"
SCAM = "report_scam"
PLATFORM_SERVICE = "complain_platform_service"


@dataclass(frozen=True)
class IntentInfo:
    name: str
    label: str
    button: str


@lru_cache(maxsize=4)
def load(path: Path = KB_DIR / "intents.yml") -> dict[str, IntentInfo]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["intents"]
    return {name: IntentInfo(name, item["label"], item["button"]) for name, item in raw.items()}


def label(intent: str) -> str:
    info = load().get(intent)
    return info.label if info else intent


def is_complaint(intent: str | None) -> bool:
    """True for every complain_* intent and report_scam."""
    return bool(intent) and (intent.startswith(COMPLAINT_PREFIX) or intent == SCAM)


def clarification_options(ranking: list[dict], limit: int = 3) -> list[IntentInfo]:
    """The most likely intents worth offering as buttons, best first."""
    known = load()
    skip = {"nlu_fallback", "out_of_scope", "no_text", "inform", "affirm", "deny", "skip", "stop"}
    options = [known[r["name"]] for r in ranking if r.get("name") in known and r["name"] not in skip]
    return options[:limit]
