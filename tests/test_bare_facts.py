"""Replies made only of facts are answers (inform): the pure check and the Rasa component around it."""
from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.fact_answer import FactAnswerClassifier
from weiquan.bare_facts import fillers, is_bare_fact


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("昨天", [(0, 2, "date")], True),
        ("前天吧", [(0, 2, "date")], True),
        ("大概是11月20号收到的", [(3, 9, "date")], True),
        ("299元", [(0, 4, "amount")], True),
        ("一共付了两百九十九块。", [(4, 10, "amount")], True),
        ("订单号是3021456789012345678", [(4, 23, "order_id")], True),
        ("快递单号 SF1402938475612", [(5, 20, "tracking_no")], True),
        ("差不多半个月了", [(3, 6, "duration")], True),
        ("昨天收到，花了299元", [(0, 2, "date"), (7, 11, "amount")], True),
        # a bare number that is no order number (a price without 元) still answers: 1999 is no goodbye
        ("1999", [(0, 4, "invalid_order_id")], True),
        ("订单号是12345", [(4, 9, "invalid_order_id")], True),
        # more than facts: the classifier decides
        ("明天见", [(0, 2, "date")], False),
        ("昨天就申请退款了，商家不理", [(0, 2, "date")], False),
        ("299元的口红是假的", [(0, 4, "amount")], False),
        ("iPhone 15，299元", [(0, 9, "product"), (10, 14, "amount")], False),
        # no fact at all
        ("嗯", [], False),
        ("", [], False),
        ("口红", [(0, 2, "product")], False),
    ],
)
def test_is_bare_fact(text, spans, expected):
    assert is_bare_fact(text, spans) is expected


def test_the_filler_words_come_from_the_data_longest_first():
    words = fillers()
    assert {"收到", "的", "订单号"} <= set(words)
    assert [len(w) for w in words] == sorted((len(w) for w in words), reverse=True)


def _parsed(text: str, entities: list[dict], intent: str, confidence: float) -> Message:
    message = Message(data={TEXT: text})
    message.set(ENTITIES, entities)
    message.set(INTENT, {"name": intent, "confidence": confidence})
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": confidence},
                                     {"name": "inform", "confidence": 1 - confidence}])
    return message


def test_the_component_turns_a_bare_date_into_a_sure_inform_and_leaves_other_messages_alone():
    classifier = FactAnswerClassifier(FactAnswerClassifier.get_default_config())
    date = {"entity": "date", "start": 0, "end": 2, "value": "2026-11-27"}
    bare = _parsed("昨天", [date], "goodbye", 0.69)
    farewell = _parsed("明天见", [{**date, "value": "2026-11-29"}], "goodbye", 0.9)
    no_entities = _parsed("再见", [], "goodbye", 0.95)
    classifier.process([bare, farewell, no_entities])

    assert bare.get(INTENT) == {"name": "inform", "confidence": 1.0}
    assert bare.get(INTENT_RANKING_KEY) == [
        {"name": "inform", "confidence": 1.0}, {"name": "goodbye", "confidence": 0.0},
    ]
    assert farewell.get(INTENT)["name"] == "goodbye"
    assert no_entities.get(INTENT)["name"] == "goodbye"
