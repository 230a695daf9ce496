"""Lookup tables as Rasa matches them: one regex alternation in file order, first alternative wins."""
from __future__ import annotations

from weiquan.paths import DATA_DIR


def _lookup_tables() -> list[dict]:
    from rasa.shared.nlu.training_data.loading import load_data

    return load_data(str(DATA_DIR / "nlu")).lookup_tables


def shadowed(entries: list[str]) -> list[str]:
    """Entries that an earlier entry, a prefix of theirs, stops from ever matching in full."""
    found = []
    for position, entry in enumerate(entries):
        key = entry.lower()
        found += [
            f"{entry} after {earlier}"
            for earlier in entries[:position]
            if key != earlier.lower() and key.startswith(earlier.lower())
        ]
    return found


def test_shadowed_finds_a_longer_entry_after_its_prefix():
    assert shadowed(["手机", "手机壳", "iphone", "iPhone 15"]) == ["手机壳 after 手机", "iPhone 15 after iphone"]
    assert shadowed(["手机壳", "手机", "iPhone 15", "iPhone"]) == []


def test_no_lookup_entry_is_shadowed_by_an_earlier_prefix():
    tables = _lookup_tables()
    assert tables
    assert {table["name"]: shadowed(table["elements"]) for table in tables} == {table["name"]: [] for table in tables}


def test_a_longer_product_is_matched_whole_by_rasas_lookup_regex():
    """手机壳 must match as 手机壳, not as 手机 followed by a stray 壳."""
    import re

    from rasa.nlu.utils.pattern_utils import extract_patterns
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data = TrainingData(lookup_tables=_lookup_tables())
    (pattern,) = [p["pattern"] for p in extract_patterns(data, use_regexes=False, use_word_boundaries=False)
                  if p["name"] == "product"]
    text = "手机壳裂了，电动车电池也鼓包，床头柜掉漆"
    matched = [m.group(0) for m in re.finditer(pattern, text, flags=re.IGNORECASE)]
    assert matched == ["手机壳", "电动车电池", "床头柜"]
