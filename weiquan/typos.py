"""Homophone typos of domain words (法货 → 发货), found by pinyin and confirmed by jieba's word frequencies."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from weiquan.paths import PATTERNS_DIR

TYPOS_FILE = PATTERNS_DIR / "typos.yml"
CONTEXT = 8
"""Characters either side of a candidate that the cut is scored over."""


@dataclass(frozen=True)
class TypoTable:
    """The words typos are corrected to, by their syllables, and the syllable of every character that can
    stand in for one of theirs (so parsing needs no pypinyin)."""

    targets: Mapping[tuple[str, ...], tuple[str, ...]]
    syllables: Mapping[str, str]
    keep: frozenset[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "targets": sorted({word for words in self.targets.values() for word in words}),
            "syllables": dict(sorted(self.syllables.items())),
            "keep": sorted(self.keep),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TypoTable:
        syllables = dict(data.get("syllables") or {})
        return cls(_by_sound(data.get("targets") or [], syllables.get), syllables, frozenset(data.get("keep") or []))


def _by_sound(words: Iterable[str], syllable_of: Callable[[str], str | None]) -> dict[tuple[str, ...], tuple[str, ...]]:
    table: dict[tuple[str, ...], list[str]] = {}
    for word in words:
        sound = tuple(syllable_of(char) or "" for char in word)
        if all(sound):
            table.setdefault(sound, []).append(word)
    return {sound: tuple(found) for sound, found in table.items()}


def build_table(targets: Iterable[str], keep: Iterable[str], syllable_table: Mapping[str, str]) -> TypoTable:
    """The table for `targets`, keeping the syllable of every character that sounds like one of their characters."""
    words = [w for w in dict.fromkeys(targets) if len(w) >= 2]
    wanted = {syllable_table.get(char) for word in words for char in word}
    syllables = {char: syllable for char, syllable in syllable_table.items() if syllable in wanted}
    return TypoTable(_by_sound(words, syllables.get), syllables, frozenset(keep))


def load_table(path: Path = TYPOS_FILE, syllable_table: Mapping[str, str] | None = None) -> TypoTable:
    """The table from the YAML file; syllables from pypinyin unless `syllable_table` is given."""
    if syllable_table is None:
        from weiquan.pinyin import syllable_table as full_table

        syllable_table = full_table()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return build_table(data.get("targets") or [], data.get("keep") or [], syllable_table)


def _cut_score(tokenizer: Any, text: str) -> float:
    """Log-probability of jieba's best cut of `text` (jieba's own DAG and route)."""
    route: dict[int, tuple[float, int]] = {}
    tokenizer.calc(text, tokenizer.get_DAG(text), route)
    return route[0][0]


def correct(text: str, table: TypoTable, tokenizer: Any) -> str:
    """`text` with each homophone typo of a target word replaced; same length, every other character kept.

    `tokenizer` is a jieba Tokenizer with the domain dictionary loaded."""
    if not table.targets:
        return text
    lengths = sorted({len(sound) for sound in table.targets})
    chars = list(text)
    for start in range(len(chars)):
        for length in lengths:
            window = "".join(chars[start:start + length])
            if len(window) < length or window in table.keep:
                continue
            sound = tuple(table.syllables.get(char, "") for char in window)
            for target in table.targets.get(sound, ()):
                if sum(a != b for a, b in zip(window, target, strict=True)) != 1:
                    continue
                left, right = max(0, start - CONTEXT), min(len(chars), start + length + CONTEXT)
                before = "".join(chars[left:right])
                after = before[:start - left] + target + before[start - left + length:]
                if _cut_score(tokenizer, after) > _cut_score(tokenizer, before):
                    chars[start:start + length] = target
                    break
    return "".join(chars)
