"""Entity scoring used by the benchmark: overlap matching, per type and overall."""
from __future__ import annotations

import pytest

from weiquan.entity_scores import score_entities
from weiquan.nlu_data import Example, parse_annotated

TYPES = ("amount", "product")


def load_line(annotated: str) -> Example:
    text, entities, spans = parse_annotated(annotated)
    return Example(text, "complain_quality", entities, spans)


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
    example = load_line("买的[电饭煲](product)花了[299元](amount)")
    overall = score_entities([example], [predicted], TYPES)["全部"]
    assert (overall.precision, overall.recall) == (precision, recall)


def test_one_gold_entity_is_matched_once_and_other_types_are_ignored():
    example = load_line("[电饭煲](product)和[电饭煲](product)")
    predicted = [entity("product", 0, 3), entity("product", 1, 2), entity("date", 4, 7)]
    scores = score_entities([example], [predicted], TYPES)
    assert (scores["product"].gold, scores["product"].predicted, scores["product"].matched) == (2, 2, 1)
    assert scores["amount"].f1 == 0.0


@pytest.mark.parametrize(
    ("annotated", "text", "spans"),
    [
        ("花了[299元](amount)", "花了299元", ((2, 6, "amount"),)),
        # The gold span is the annotated 电视, not the first 电视 in the text.
        ("看电视时[电视](product)黑屏了", "看电视时电视黑屏了", ((4, 6, "product"),)),
        ('[七天无理由]{"entity": "rule_topic", "value": "七天无理由"}和[运费险](rule_topic)',
         "七天无理由和运费险", ((0, 5, "rule_topic"), (6, 9, "rule_topic"))),
        ("没有标注", "没有标注", ()),
    ],
)
def test_annotation_spans_point_into_the_plain_text(annotated, text, spans):
    plain, entities, found = parse_annotated(annotated)
    assert (plain, found) == (text, spans)
    assert [plain[start:end] for start, end, _ in found] == [surface for _, surface in entities]
