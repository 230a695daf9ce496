"""Entity extraction scores on annotated examples: precision, recall and F1 per entity type.

A predicted entity counts as found when its type matches a gold entity of the message and its span
overlaps that entity's text (the normaliser may widen or trim a span: 299 vs 299元).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from weiquan.nlu_data import Example

TAXONOMY_ENTITIES = ("order_id", "amount", "product", "duration", "date", "tracking_no", "rule_topic")
"""The entity names of ../shared/taxonomy.md, the ones an evaluation scores."""


@dataclass(frozen=True)
class EntityScore:
    entity: str
    gold: int
    predicted: int
    matched: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _predicted_spans(entities: Iterable[Mapping]) -> list[tuple[str, int, int]]:
    """One span per (type, start, end): Rasa may report one value from several extractors."""
    return sorted({(e["entity"], int(e["start"]), int(e["end"])) for e in entities
                   if "start" in e and "end" in e})


def score_entities(
    examples: Sequence[Example], predictions: Sequence[Iterable[Mapping]], types: Iterable[str]
) -> dict[str, EntityScore]:
    """Scores for each entity type in `types` plus "全部" over all of them."""
    wanted = list(types)
    counts = {name: [0, 0, 0] for name in [*wanted, "全部"]}
    for example, entities in zip(examples, predictions, strict=True):
        gold = [(name, start, end) for start, end, name in example.spans if name in wanted]
        predicted = [p for p in _predicted_spans(entities) if p[0] in wanted]
        used: set[int] = set()
        for name, start, end in predicted:
            hit = next((i for i, (g_name, g_start, g_end) in enumerate(gold)
                        if i not in used and g_name == name and start < g_end and g_start < end), None)
            if hit is not None:
                used.add(hit)
            for key in (name, "全部"):
                counts[key][1] += 1
                counts[key][2] += hit is not None
        for name, _, _ in gold:
            for key in (name, "全部"):
                counts[key][0] += 1
    return {name: EntityScore(name, *values) for name, values in counts.items()}


def describe(scores: Mapping[str, EntityScore]) -> str:
    """One line: precision, recall, F1 and gold count per entity type."""
    return ", ".join(f"{s.entity} P {s.precision:.2f} R {s.recall:.2f} F1 {s.f1:.2f} (n={s.gold})"
                     for s in scores.values())
