"""What platform customer service can and cannot do, from data/kb/platform_role.yml."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan.paths import KB_DIR
from weiquan.routing import PLATFORM_FAILED_RESULTS, CaseFacts

PLATFORM_ROLE_FILE = KB_DIR / "platform_role.yml"
SECTIONS = ("can", "cannot", "next")


@dataclass(frozen=True)
class PlatformRoleAnswer:
    text: str
    rule_ids: list[str]


@lru_cache(maxsize=4)
def load(path: Path = PLATFORM_ROLE_FILE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _section(name: str, data: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    section = data[name]
    lines = [section["title"]] + [f"{data['bullet']}{item['text']}" for item in section["items"]]
    rule_ids = [rid for item in section["items"] for rid in item.get("rule_ids") or ()]
    return lines, rule_ids


def _compose(opening: list[str], sections: tuple[str, ...]) -> PlatformRoleAnswer:
    data = load()
    lines, rule_ids = list(opening), []
    for name in sections:
        section_lines, section_rules = _section(name, data)
        lines += section_lines
        rule_ids += section_rules
    return PlatformRoleAnswer("\n".join(lines), list(dict.fromkeys(rule_ids)))


def answer() -> PlatformRoleAnswer:
    """ask_platform_role: what the platform can do, cannot do, and what you can do next."""
    return _compose([load()["intro"]], SECTIONS)


def complaint_answer(facts: CaseFacts | None = None) -> PlatformRoleAnswer:
    """complain_platform_service: the same reasoning, starting from where the case stands."""
    texts = load()["complaint"]
    result = facts.platform_result if facts else None
    if result in PLATFORM_FAILED_RESULTS:
        return _compose([texts["intro"], texts["against_buyer"]], ("next",))
    if result == "for_buyer":
        return _compose([texts["intro"], texts["for_buyer"]], ())
    if facts and (facts.platform_intervened or result == "pending"):
        return _compose([texts["intro"], texts["pending"]], ("cannot",))
    return _compose([texts["intro"], texts["not_intervened"]], ("can", "cannot"))
