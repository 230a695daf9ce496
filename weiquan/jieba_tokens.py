"""jieba's process-wide tokenizer with the data/jieba dictionary, and entity spans against its tokens."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from weiquan.paths import DATA_DIR

JIEBA_DIR = DATA_DIR / "jieba"

_loaded_digests: set[str] = set()
"""Content digests of the dictionary files already loaded into jieba in this process."""


def load_dictionary(dictionary_dir: Path = JIEBA_DIR) -> Any:
    """jieba's default tokenizer with every dictionary file of the folder loaded, each file once per process.

    jieba adds a file's word frequencies to its running total on every load, and a larger total cuts some texts
    differently (被骗 instead of 被/骗). Rasa loads the dictionary twice while training (the new tokenizer, then
    the trained one) and once when serving; loading each file once makes both cut the same way."""
    import jieba

    for path in sorted(dictionary_dir.glob("*")):
        if not path.is_file():
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest not in _loaded_digests:
            jieba.load_userdict(str(path))
            _loaded_digests.add(digest)
    return jieba.dt


@lru_cache(maxsize=2)
def _tokenizer(dictionary_dir: Path) -> Any:
    """load_dictionary once per folder: it reads and hashes every file, and token_spans runs per annotation."""
    return load_dictionary(dictionary_dir)


def token_spans(text: str, dictionary_dir: Path = JIEBA_DIR) -> list[tuple[int, int]]:
    """(start, end) of every non-blank jieba token of `text`."""
    return [(start, end) for word, start, end in _tokenizer(dictionary_dir).tokenize(text) if word.strip()]


def misaligned(text: str, spans: Iterable[tuple[int, int]], dictionary_dir: Path = JIEBA_DIR) -> list[tuple[int, int]]:
    """The spans whose start or end falls inside a jieba token (Rasa warns about these and cannot learn them)."""
    tokens = token_spans(text, dictionary_dir)
    starts, ends = {start for start, _ in tokens}, {end for _, end in tokens}
    return [(start, end) for start, end in spans if start not in starts or end not in ends]
