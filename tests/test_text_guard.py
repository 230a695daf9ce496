"""Input guard: sanitize() keeps positions, has_words() spots word-less messages, and the two components."""
from __future__ import annotations

import time

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.input_guard import ORIGINAL_TEXT, InputSanitizer, NoTextClassifier
from weiquan.text_guard import CUT_AT, has_words, sanitize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要退款", "我要退款"),
        ("订单号３０２１ＡＢ，２９９元", "订单号3021AB,299元"),
        ("<script>alert(1)</script>我要退款", " " * 25 + "我要退款"),
        ("<img src=x onerror=alert(1)>退款", " " * 28 + "退款"),
        ('<IMG SRC="x" ONERROR="alert(1)">', " " * 32),
        ("<b>加粗</b>", "   加粗    "),
        ("<!-- x -->好", " " * 10 + "好"),
        ("退款<img src=x onerror=alert(1)", "退款" + " " * 27),
        ("a\x00b\tc\nd\u200be\u202ef", "a b c d e f"),
        ("\ud800坏", " 坏"),
        ("价格 < a 和 b > c", "价格 < a 和 b > c"),
        ("我<3你 1<2", "我<3你 1<2"),
        ("《红楼梦》…㎏™½", "《红楼梦》…㎏™½"),
        ("\u3000全角空格", " 全角空格"),
        ("", ""),
    ],
    ids=lambda value: repr(value)[:30],
)
def test_sanitize_cleans_without_moving_characters(text, expected):
    result = sanitize(text, 1000)
    assert result == expected
    assert len(result) == len(text)


def test_sanitize_cuts_to_max_chars_and_blanks_a_tag_cut_in_half():
    text = "退款" * 10 + "<img src=x onerror=alert(1)>"
    assert sanitize(text, 25) == "退款" * 10 + " " * 5
    assert sanitize("退" * 5000, 1000) == "退" * 1000
    assert sanitize("退款", 0) == ""


@pytest.mark.parametrize(
    "hostile",
    ["<a " * 3000, "<script>" * 2000, "<a b" + " " * 20000, "<a =" * 5000, "好" * 1_000_000],
    ids=["many-open-tags", "many-script-tags", "long-attribute", "many-equals", "one-million-chars"],
)
def test_sanitize_stays_fast_on_hostile_input(hostile):
    start = time.perf_counter()
    sanitize(hostile, 1000)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", False),
        ("   \n\t", False),
        ("😡😡😡", False),
        ("👍🏻❤️🙏", False),
        ("？？？。。。!!!", False),
        ("【图片】", False),
        ("[图片]", False),
        ("[表情][表情]", False),
        ("［捂脸］[捂脸]", False),
        ("(´･ω･`)", False),
        ("ヽ(･∀･)ﾉ", False),
        ("1️⃣", False),
        ("¥¥¥", False),
        (None, False),
        ("好", True),
        ("😡差评", True),
        ("ok", True),
        ("３０２１４５６７８９", True),
        ("[图片] 这是收到的货", True),
        ("[强烈要求退款]", True),
        ("<script>alert(1)</script>", True),
    ],
)
def test_has_words(text, expected):
    assert has_words(text) is expected


def _message(text, **data) -> Message:
    return Message(data={TEXT: text, **data})


@pytest.fixture
def sanitizer() -> InputSanitizer:
    return InputSanitizer({"max_chars": 1000})


@pytest.fixture
def no_text() -> NoTextClassifier:
    return NoTextClassifier(NoTextClassifier.get_default_config())


def test_sanitizer_cleans_and_cuts_text_and_keeps_the_original(sanitizer):
    long_text = "<b>退款</b>" + "慢" * 5000
    messages = [_message(long_text), _message("订单号３０２１"), _message(None)]
    sanitizer.process(messages)
    assert messages[0].get(TEXT) == "   退款    " + "慢" * 991
    assert messages[0].get(ORIGINAL_TEXT) == long_text
    assert messages[1].get(TEXT) == "订单号3021"
    assert messages[2].get(TEXT) == ""
    assert messages[0].as_dict(only_output_properties=True)[CUT_AT] == 1000
    assert [m.get(CUT_AT) for m in messages[1:]] == [None, None]
    assert ORIGINAL_TEXT not in messages[0].as_dict(only_output_properties=True)


def test_sanitizer_leaves_button_payloads_alone(sanitizer):
    payload = '/inform{"note": "<b>x</b>", "order_id": "３０２１"}'
    message = _message(payload)
    sanitizer.process([message])
    assert message.get(TEXT) == payload


def test_sanitizer_training_data_keeps_length_and_entity_offsets(sanitizer):
    text = "订单号３０２１４５６７８９ <br> " + "长" * 1500
    entity = {"start": 3, "end": 13, "value": "3021456789", "entity": "order_id"}
    data = TrainingData([_message(text, intent="inform", entities=[entity])])
    sanitizer.process_training_data(data)
    cleaned = data.training_examples[0].get(TEXT)
    assert len(cleaned) == len(text)
    assert cleaned[3:13] == "3021456789"
    assert "<br>" not in cleaned


def test_sanitizer_training_data_cleans_an_entity_value_that_is_its_own_span(sanitizer):
    """Else EntitySynonymMapper learns 5天 → ５天 and turns the user's ASCII value full-width."""
    own = {"start": 4, "end": 6, "value": "５天", "entity": "duration"}
    mapped = {"start": 0, "end": 2, "value": "退款时效", "entity": "rule_topic"}
    data = TrainingData([_message("退款申请５天了", intent="complain_refund", entities=[mapped, own])])
    sanitizer.process_training_data(data)
    assert [e["value"] for e in data.training_examples[0].get("entities")] == ["退款时效", "5天"]


@pytest.mark.parametrize("bad", [0, -1, "100", None, True])
def test_sanitizer_rejects_bad_max_chars(bad):
    with pytest.raises(Exception, match="max_chars"):
        InputSanitizer({"max_chars": bad})


def _classified(text: str, sanitizer: InputSanitizer) -> Message:
    message = _message(text)
    sanitizer.process([message])
    message.set(INTENT, {"name": "complain_refund", "confidence": 0.97}, add_to_output=True)
    message.set(
        INTENT_RANKING_KEY,
        [{"name": "complain_refund", "confidence": 0.97}, {"name": "no_text", "confidence": 0.02}],
        add_to_output=True,
    )
    return message


@pytest.mark.parametrize("text", ["", "😡😡😡", "。。。", "[图片]", '<img src=x onerror="alert(1)">'])
def test_no_text_classifier_takes_over_word_less_messages(text, sanitizer, no_text):
    message = _classified(text, sanitizer)
    no_text.process([message])
    assert message.get(INTENT) == {"name": "no_text", "confidence": 1.0}
    ranking = message.get(INTENT_RANKING_KEY)
    assert ranking[0] == {"name": "no_text", "confidence": 1.0}
    assert ranking[1:] == [{"name": "complain_refund", "confidence": 0.0}]


@pytest.mark.parametrize("text", ["退款还没到", "<script>alert(1)</script>我要退款", "😡 差评"])
def test_no_text_classifier_leaves_messages_with_words(text, sanitizer, no_text):
    message = _classified(text, sanitizer)
    no_text.process([message])
    assert message.get(INTENT) == {"name": "complain_refund", "confidence": 0.97}


def test_no_text_classifier_works_without_sanitizer(no_text):
    message = Message(data={TEXT: "🙏"})
    no_text.process([message])
    assert message.get(INTENT)["name"] == "no_text"
    assert message.get(INTENT_RANKING_KEY) == [{"name": "no_text", "confidence": 1.0}]
