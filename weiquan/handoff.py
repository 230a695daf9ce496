"""Handing a conversation to a person: when to do it and the case summary the agent reads first."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan import intents, replies
from weiquan.paths import PATTERNS_DIR


@lru_cache(maxsize=2)
def _anger(path: Path = PATTERNS_DIR / "anger.yml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def is_angry(text: str) -> bool:
    """A clearly angry message: a strong word, two mild ones, or a mild one with many exclamation marks."""
    words = _anger()
    lowered = text.lower()
    if any(word.lower() in lowered for word in words["strong"]):
        return True
    mild = sum(word in text for word in words["mild"])
    exclamations = text.count("!") + text.count("！")
    return mild >= 2 or (mild >= 1 and exclamations >= words["exclamations"])


def summary(
    complaint_type: str | None,
    facts: Mapping[str, Any],
    case_id: str | None,
    next_channel: str | None,
    recent_user_texts: Sequence[str],
    today: date | None = None,
) -> str:
    """Case summary for the agent: type, case id, known facts, the route's next step, what the user said."""
    texts = replies.load()["handoff"]
    lines_spec = texts["summary_lines"]
    shown_facts = replies.fact_lines(facts, today)
    kind = intents.label(complaint_type) if complaint_type else lines_spec["none"]
    lines = [
        texts["summary_title"],
        lines_spec["type"].format(value=kind),
        lines_spec["case_id"].format(value=case_id or lines_spec["none"]),
        lines_spec["facts"].format(value="，".join(shown_facts) or lines_spec["none"]),
        lines_spec["next"].format(value=next_channel or lines_spec["none"]),
        lines_spec["wants"].format(value=" / ".join(recent_user_texts[-3:]) or lines_spec["none"]),
    ]
    return "\n".join(lines)
