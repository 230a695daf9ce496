"""Reading Rasa NLU YAML files without Rasa: texts with their intents and entities."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|\{(?P<json>[^}]+)\})")
NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[tuple[str, str], ...]  # (entity type, surface text)
    spans: tuple[tuple[int, int, str], ...] = ()  # (start, end, entity type) in `text`, same order as `entities`


def parse_annotated(
    annotated: str,
) -> tuple[str, tuple[tuple[str, str], ...], tuple[tuple[int, int, str], ...]]:
    """Plain text, entities and their spans in the plain text.

    '花了[299元](amount)' -> ('花了299元', (('amount', '299元'),), ((2, 6, 'amount'),))
    """
    entities: list[tuple[str, str]] = []
    spans: list[tuple[int, int, str]] = []
    shift = 0

    def plain(match: re.Match[str]) -> str:
        nonlocal shift
        entity = match.group("entity")
        if entity is None:
            entity = yaml.safe_load("{" + match.group("json") + "}").get("entity", "")
        entity, surface = entity.split(":")[0].split("@")[0], match.group("text")
        entities.append((entity, surface))
        spans.append((match.start() - shift, match.start() - shift + len(surface), entity))
        shift += len(match.group()) - len(surface)
        return surface

    return ANNOTATION.sub(plain, annotated), tuple(entities), tuple(spans)


def strip_annotations(annotated: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """'花了[299元](amount)' -> ('花了299元', (('amount', '299元'),))."""
    text, entities, _ = parse_annotated(annotated)
    return text, entities


def _nlu_files(paths: Iterable[Path]) -> list[Path]:
    """The given files, and the *.yml files under the given directories."""
    return [f for path in paths for f in (sorted(path.rglob("*.yml")) if path.is_dir() else [path])]


def load_examples(*paths: Path) -> list[Example]:
    """Every intent example in the given NLU files (directories are searched for *.yml)."""
    examples: list[Example] = []
    for file in _nlu_files(paths):
        for block in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in block:
                continue
            for line in str(block.get("examples", "")).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text, entities, spans = parse_annotated(line[2:].strip())
                    examples.append(Example(text, block["intent"], entities, spans))
    return examples


def annotates_entities(examples: Iterable[Example]) -> bool:
    """Whether one file's examples can be scored for entities: a file that annotates none (an intents-only set
    written as plain text) says nothing about them, and would count every extracted entity as wrong."""
    return any(e.spans for e in examples)


def entity_annotated(*paths: Path) -> list[Example]:
    """The examples of the files that `annotates_entities` keeps."""
    kept = [load_examples(f) for f in _nlu_files(paths)]
    return [e for examples in kept if annotates_entities(examples) for e in examples]


def normalised(text: str) -> str:
    """Key for duplicate detection: NFKC, lower case, no spaces or punctuation (word-less texts stay as they are)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return NOT_WORD.sub("", folded) or folded.strip()


def shingles(text: str) -> frozenset[str]:
    """The characters and character pairs of the normalised text, for overlap scores."""
    key = normalised(text)
    return frozenset(key) | frozenset(key[i : i + 2] for i in range(len(key) - 1))


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two shingle sets: 1.0 for the same text, 0.0 for nothing shared."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0
