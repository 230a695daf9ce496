"""Toneless pinyin of the Chinese characters in a text: a view in which homophone typos (法货 / 发货) match."""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

CJK_FIRST, CJK_LAST = 0x4E00, 0x9FFF


@lru_cache(maxsize=8192)
def char_syllable(char: str) -> str | None:
    """The toneless pinyin of one Chinese character (its most common reading), or None for anything else."""
    from pypinyin import Style, lazy_pinyin

    if not CJK_FIRST <= ord(char) <= CJK_LAST:
        return None
    readings = lazy_pinyin(char, style=Style.NORMAL, errors="ignore", strict=False)
    return readings[0] if readings and readings[0] else None


def syllable_table() -> dict[str, str]:
    """Every Chinese character (CJK unified ideographs) that has a reading, with its syllable: what a trained
    model keeps, so that parsing needs no pypinyin (its tables take about 57 MB)."""
    table = {chr(code): char_syllable(chr(code)) for code in range(CJK_FIRST, CJK_LAST + 1)}
    return {char: syllable for char, syllable in table.items() if syllable}


def syllables(text: str, table: Mapping[str, str] | None = None) -> list[list[str]]:
    """Each run of Chinese characters as its list of syllables; other characters (and characters without a
    reading) split the runs. With `table`, syllables are looked up there instead of in pypinyin."""
    lookup = table.get if table is not None else char_syllable
    runs: list[list[str]] = [[]]
    for char in text:
        syllable = lookup(char)
        if syllable is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(syllable)
    return [run for run in runs if run]


def ngrams(text: str, sizes: tuple[int, ...] = (1, 2), table: Mapping[str, str] | None = None) -> list[str]:
    """Syllable n-grams within each run of Chinese characters, joined by '_' (fa, huo, fa_huo)."""
    grams = []
    for run in syllables(text, table):
        for n in sizes:
            grams += ["_".join(run[i:i + n]) for i in range(len(run) - n + 1)]
    return grams
