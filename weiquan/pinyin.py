"""Toneless pinyin of the Chinese characters in a text: a view in which homophone typos (法货 / 发货) match."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=8192)
def char_syllable(char: str) -> str | None:
    """The toneless pinyin of one Chinese character (its most common reading), or None for anything else."""
    from pypinyin import Style, lazy_pinyin

    if not "\u4e00" <= char <= "\u9fff":
        return None
    return lazy_pinyin(char, style=Style.NORMAL, errors="ignore", strict=False)[0] or None


def syllables(text: str) -> list[list[str]]:
    """Each run of Chinese characters as its list of syllables; other characters split the runs."""
    runs: list[list[str]] = [[]]
    for char in text:
        syllable = char_syllable(char)
        if syllable is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(syllable)
    return [run for run in runs if run]


def ngrams(text: str, sizes: tuple[int, ...] = (1, 2)) -> list[str]:
    """Syllable n-grams within each run of Chinese characters, joined by '_' (fa, huo, fa_huo)."""
    grams = []
    for run in syllables(text):
        for n in sizes:
            grams += ["_".join(run[i:i + n]) for i in range(len(run) - n + 1)]
    return grams
