"""Entity scoring used by the benchmark: overlap matching, per type and overall."""
from __future__ import annotations

import pytest

from weiquan.entity_scores import score_entities
from weiquan.nlu_data import Example

TYPES = ("amount", "product")


def entity(name: str, start: int, end: int) -> dict:
    return {"entity": name, "start": start, "end": end}


@pytest.mark.parametrize(
    ("predicted", "precision", "recall"),
    [
        ([entity("product", 2, 5), entity("amount", 6, 10)], 1.0, 1.0),
        # The normaliser reports 299 without 元: still the same entity.
        ([entity("product", 2, 5), entity("amount", 6, 9)], 1.0, 1.0),
        ([entity("product", 2, 5)], 1.0, 0.5),
        ([entity("amount", 2, 5), entity("amount", 6, 10)], 0.5, 0.5),
        ([], 0.0, 0.0),
        # The same span reported by two extractors counts once.
        ([entity("product", 2, 5), entity("product", 2, 5)], 1.0, 0.5),
    ],
)
def test_overall_scores(predicted, precision, recall):
    example = Example("买的电饭煲花了299元", "complain_quality", (("product", "电饭煲"), ("amount", "299元")))
    overall = score_entities([example], [predicted], TYPES)["全部"]
    assert (overall.precision, overall.recall) == (precision, recall)


def test_one_gold_entity_is_matched_once_and_other_types_are_ignored():
    example = Example("电饭煲和电饭煲", "complain_quality", (("product", "电饭煲"), ("product", "电饭煲")))
    predicted = [entity("product", 0, 3), entity("product", 1, 2), entity("date", 4, 7)]
    scores = score_entities([example], [predicted], TYPES)
    assert (scores["product"].gold, scores["product"].predicted, scores["product"].matched) == (2, 2, 1)
    assert scores["amount"].f1 == 0.0
