"""Homophone typos as a pinyin keyboard makes them: some Chinese characters of a text swapped for a common
character with the same toneless pinyin (发货 → 法货). For measuring robustness; deterministic per text."""
from __future__ import annotations

import random
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable

from weiquan.pinyin import char_syllable


def homophones(texts: Iterable[str], per_syllable: int = 5) -> dict[str, list[str]]:
    """For each Chinese character of the texts, the other most frequent characters that share its syllable."""
    counts = Counter(char for text in texts for char in text if char_syllable(char))
    by_syllable: dict[str, list[str]] = defaultdict(list)
    for char, _ in counts.most_common():
        by_syllable[char_syllable(char)].append(char)
    return {char: [c for c in by_syllable[char_syllable(char)][: per_syllable + 1] if c != char][:per_syllable]
            for char in counts}


def with_typos(text: str, table: dict[str, list[str]], every: int = 8, seed: int = 0) -> str:
    """The text with one character in `every` Chinese characters (at least one) swapped for a homophone."""
    rng = random.Random(zlib.crc32(text.encode("utf-8")) + seed)
    positions = [i for i, char in enumerate(text) if table.get(char)]
    if not positions:
        return text
    chars = list(text)
    han = sum(1 for char in text if char_syllable(char))
    for i in rng.sample(positions, min(len(positions), max(1, han // every))):
        chars[i] = rng.choice(table[chars[i]])
    return "".join(chars)
