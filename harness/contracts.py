"""The shared contracts (../shared): channel ids and intent names, read from the Markdown tables."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def shared_file(name: str) -> Path:
    """A contract file of ../shared (beside the clone, as on the machines and in CI)."""
    for folder in (REPO.parent / "shared", Path("/work/shared")):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"contract {name} not found beside the repo (../shared/{name})")


@lru_cache(maxsize=1)
def channel_ids() -> frozenset[str]:
    """Channel ids from the table of channels.md."""
    text = shared_file("channels.md").read_text(encoding="utf-8")
    found = re.findall(r"^\|\s*([a-z][a-z0-9_]*)\s*\|", text, flags=re.MULTILINE)
    return frozenset(found) - {"channel"}


@lru_cache(maxsize=1)
def taxonomy_intents() -> frozenset[str]:
    """Every intent name of taxonomy.md's tables."""
    text = shared_file("taxonomy.md").read_text(encoding="utf-8")
    found = re.findall(r"^\|\s*([a-z][a-z_]*)\s*\|", text, flags=re.MULTILINE)
    return frozenset(found) - {"intent", "entity"} - {
        "order_id", "amount", "product", "duration", "date", "tracking_no", "rule_topic"}
