"""Entity spans against jieba tokens, as Rasa's JiebaTokenizer cuts the text (with the data/jieba dictionary)."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from weiquan.paths import DATA_DIR

JIEBA_DIR = DATA_DIR / "jieba"


@lru_cache(maxsize=2)
def _tokenizer(dictionary_dir: Path = JIEBA_DIR):
    """jieba's default tokenizer with every dictionary file of the folder loaded, as JiebaTokenizer does."""
    import jieba

    for path in sorted(dictionary_dir.glob("*")):
        if path.is_file():
            jieba.load_userdict(str(path))
    return jieba.dt


def token_spans(text: str, dictionary_dir: Path = JIEBA_DIR) -> list[tuple[int, int]]:
    """(start, end) of every non-blank jieba token of `text`."""
    return [(start, end) for word, start, end in _tokenizer(dictionary_dir).tokenize(text) if word.strip()]


def misaligned(text: str, spans: Iterable[tuple[int, int]], dictionary_dir: Path = JIEBA_DIR) -> list[tuple[int, int]]:
    """The spans whose start or end falls inside a jieba token (Rasa warns about these and cannot learn them)."""
    tokens = token_spans(text, dictionary_dir)
    starts, ends = {start for start, _ in tokens}, {end for _, end in tokens}
    return [(start, end) for start, end in spans if start not in starts or end not in ends]
