"""Replies made only of facts (昨天, 299元, 订单号是2290…, 前天收到的) answer a question, whatever they resemble."""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from weiquan.normalize import INVALID_ORDER_ID
from weiquan.paths import PATTERNS_DIR

FACT_ENTITIES = frozenset({"date", "duration", "amount", "order_id", "tracking_no"})
# A bare number that cannot be an order number (1999: a price given without 元, a short order number) still answers.
ANSWER_ENTITIES = FACT_ENTITIES | {INVALID_ORDER_ID}
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=2)
def fillers(path: Path = PATTERNS_DIR / "answers.yml") -> tuple[str, ...]:
    """The words that may stand beside the facts (answers.yml `fact_fillers`), longest first."""
    words = yaml.safe_load(path.read_text(encoding="utf-8"))["fact_fillers"]
    return tuple(sorted({str(word) for word in words}, key=lambda word: (-len(word), word)))


def is_bare_fact(text: str, spans: Iterable[tuple[int, int, str]], filler_words: Iterable[str] | None = None) -> bool:
    """True when the text holds a fact entity and nothing else but punctuation and filler words.

    `spans` are (start, end, entity type) in `text`; entities of other types (a product) count as other words."""
    chars = list(text)
    found = False
    for start, end, entity in spans:
        if entity in ANSWER_ENTITIES and 0 <= start < end <= len(chars):
            chars[start:end] = [" "] * (end - start)
            found = True
    if not found:
        return False
    rest = _NOT_WORD.sub("", "".join(chars))
    words = fillers() if filler_words is None else tuple(filler_words)
    return not rest or bool(words and _filler_pattern(words).fullmatch(rest))


@lru_cache(maxsize=4)
def _filler_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any run of the words: backtracking finds a split when one exists (大概是收到的 = 大概 是 收到 的)."""
    return re.compile("(?:" + "|".join(re.escape(word) for word in words) + ")+")
