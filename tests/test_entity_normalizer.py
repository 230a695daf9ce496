"""SpacyEntityNormalizer: rule findings merged into DIET's entities on real Rasa messages."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.entity_normalizer import SpacyEntityNormalizer

NAME = "SpacyEntityNormalizer"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-11-25 10:00 in Shanghai, a Wednesday.
NOW_EPOCH = int(datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI).timestamp())


@pytest.fixture(scope="module")
def component(tmp_path_factory: pytest.TempPathFactory) -> SpacyEntityNormalizer:
    config = SpacyEntityNormalizer.get_default_config()
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    return SpacyEntityNormalizer.create(config, storage, Resource("normalizer"), context)


def diet(entity: str, text: str, surface: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    start = text.index(surface)
    return {
        "entity": entity,
        "start": start,
        "end": start + len(surface),
        "value": surface if value is None else value,
        "extractor": "DIETClassifier",
        "confidence_entity": 0.9,
        **extra,
    }


def run(
    component: SpacyEntityNormalizer, text: str, entities: list[dict[str, Any]], **data: Any
) -> list[dict]:
    message = Message(data={TEXT: text, ENTITIES: entities, "time": NOW_EPOCH, **data})
    component.process([message])
    return message.get(ENTITIES)


def test_is_registered_as_entity_extractor():
    registered = DefaultV1Recipe._from_registry(NAME)
    assert registered.clazz is SpacyEntityNormalizer
    assert DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR in registered.types
    assert registered.is_trainable is False


def test_rule_span_replaces_overlapping_diet_entity(component: SpacyEntityNormalizer):
    text = "退了两百块"
    entities = run(component, text, [diet("amount", text, "两百")])
    assert entities == [
        {
            "entity": "amount",
            "start": 2,
            "end": 5,
            "value": 200.0,
            "extractor": NAME,
            "additional_info": {"text": "两百块"},
        }
    ]


def test_rule_span_replaces_diet_entity_of_another_rule_type(component: SpacyEntityNormalizer):
    text = "订单号3021456789012345678"
    entities = run(component, text, [diet("amount", text, "3021456789012345678")])
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities] == [
        ("order_id", "3021456789012345678", NAME)
    ]


def test_rule_findings_are_added_in_text_order(component: SpacyEntityNormalizer):
    text = "上周五买的羽绒服599元，一个星期了还没发货"
    entities = run(component, text, [diet("product", text, "羽绒服")])
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("date", "2026-11-20"),
        ("product", "羽绒服"),
        ("amount", 599.0),
        ("duration", 7.0),
    ]


def test_other_entity_types_pass_untouched(component: SpacyEntityNormalizer):
    text = "七天无理由退货被拒，羽绒服"
    product = diet("product", text, "羽绒服")
    topic = diet("rule_topic", text, "七天无理由")
    entities = run(component, text, [dict(topic), dict(product)])
    assert entities == [topic, product]


def test_a_diet_product_inside_an_amount_is_dropped(component: SpacyEntityNormalizer):
    text = "专柜验了说这支口红是假的，我买的时候花了三百五"
    lipstick = diet("product", text, "口红")
    five = {**diet("product", text, "三百五", value="五"), "start": len(text) - 1}
    entities = run(component, text, [dict(lipstick), five])
    assert [(e["entity"], e["value"]) for e in entities] == [("product", "口红"), ("amount", 350.0)]


@pytest.mark.parametrize("shop", ["Lancome旗舰店", "小米官方店", "楼下那家小店"])
def test_a_product_that_names_the_shop_is_dropped(component: SpacyEntityNormalizer, shop: str):
    text = f"我在{shop}买的精华，专柜说是假的"
    store = diet("product", text, shop)
    serum = diet("product", text, "精华")
    entities = run(component, text, [dict(store), dict(serum)])
    assert [(e["entity"], e["value"]) for e in entities] == [("product", "精华")]


def test_unreadable_diet_amount_duration_date_are_dropped(component: SpacyEntityNormalizer):
    text = "上周买的几百块的东西，好几天了"
    entities = run(
        component,
        text,
        [diet("date", text, "上周"), diet("amount", text, "几百块"), diet("duration", text, "好几天")],
    )
    assert entities == []


def test_readable_diet_entities_get_normalised_values(component: SpacyEntityNormalizer):
    text = "拍的时候六十九块，付钱变七十九"
    seventy_nine = diet("amount", text, "七十九")
    entities = run(component, text, [seventy_nine])
    assert [(e["entity"], e["value"], e["extractor"]) for e in entities] == [
        ("amount", 69.0, NAME),
        ("amount", 79.0, "DIETClassifier"),
    ]
    normalised = entities[1]
    assert normalised["additional_info"] == {"text": "七十九"}
    assert normalised["processors"] == [NAME]
    assert normalised["confidence_entity"] == 0.9
    assert seventy_nine["value"] == "七十九"


def test_diet_ids_are_normalised_or_flagged(component: SpacyEntityNormalizer):
    text = "订单号是302145678，单号ＹＴ１２３４５６７８９０１２３ 好的"
    short_order = diet("order_id", text, "302145678")
    wide_tracking = diet("tracking_no", text, "ＹＴ１２３４５６７８９０１２３")
    entities = run(component, text, [dict(short_order), wide_tracking])
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("invalid_order_id", "302145678"), ("tracking_no", "YT1234567890123"),
    ]


def test_wrong_length_order_numbers_are_flagged_without_diet(component: SpacyEntityNormalizer):
    text = "订单号：１２３４５６７８９０１ 还有一个订单3021456789012345678"
    entities = run(component, text, [])
    assert [(e["entity"], e["value"]) for e in entities] == [
        ("invalid_order_id", "12345678901"), ("order_id", "3021456789012345678"),
    ]


def test_a_diet_id_that_is_no_digit_run_is_dropped(component: SpacyEntityNormalizer):
    text = "订单号在截图里 你看一下"
    assert run(component, text, [diet("order_id", text, "截图"), diet("tracking_no", text, "看一下")]) == []


def test_diet_entities_over_blank_text_are_dropped(component: SpacyEntityNormalizer):
    # Seen live: 订单号123 你查一下 gave DIET an order_id " ", read back to the user as an empty 订单号.
    text = "订单号123 你查一下"
    order = diet("order_id", text, "123")
    blank_order = diet("order_id", text, " ")
    blank_product = diet("product", text, " ")
    entities = run(component, text, [dict(order), blank_order, blank_product])
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in entities] == [("invalid_order_id", "123", 3, 6)]


def test_role_and_group_survive_replacement(component: SpacyEntityNormalizer):
    text = "原价599元"
    entities = run(component, text, [diet("amount", text, "599", role="original_price")])
    assert (entities[0]["value"], entities[0]["role"], entities[0]["extractor"]) == (
        599.0,
        "original_price",
        NAME,
    )


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (NOW_EPOCH, "2026-11-24"),
        (NOW_EPOCH * 1000, "2026-11-24"),
        (str(NOW_EPOCH), "2026-11-24"),
        ("2026-03-01T09:00:00+08:00", "2026-02-28"),
        ("2026-03-01T09:00:00", "2026-02-28"),
        # 2026-02-28 23:30 UTC is already 1 March in Shanghai
        ("2026-02-28T23:30:00Z", "2026-02-28"),
    ],
)
def test_dates_are_relative_to_the_message_time(component: SpacyEntityNormalizer, time: Any, expected: str):
    entities = run(component, "昨天签收的", [], time=time)
    assert [(e["entity"], e["value"]) for e in entities] == [("date", expected)]


def test_without_message_time_dates_are_relative_to_now(component: SpacyEntityNormalizer):
    message = Message(data={TEXT: "今天"})
    component.process([message])
    today = datetime.now(SHANGHAI).date().isoformat()
    assert [(e["entity"], e["value"]) for e in message.get(ENTITIES)] == [("date", today)]


def test_message_time_attribute_is_used(component: SpacyEntityNormalizer):
    message = Message(data={TEXT: "今天"}, time=NOW_EPOCH)
    component.process([message])
    assert message.get(ENTITIES)[0]["value"] == "2026-11-25"


def test_timezone_config_sets_the_day(tmp_path: Path):
    component = SpacyEntityNormalizer({"timezone": "America/New_York"})
    message = Message(data={TEXT: "今天", "time": NOW_EPOCH})
    component.process([message])
    # 10:00 in Shanghai is 21:00 the day before in New York
    assert message.get(ENTITIES)[0]["value"] == "2026-11-24"


def test_messages_without_text_are_left_alone(component: SpacyEntityNormalizer):
    empty = Message(data={TEXT: ""})
    blank = Message(data={TEXT: "   ", ENTITIES: []})
    component.process([empty, blank])
    assert empty.get(ENTITIES) is None
    assert blank.get(ENTITIES) == []


def test_process_training_data_changes_nothing(component: SpacyEntityNormalizer):
    example = Message(
        data={TEXT: "退了两百块", ENTITIES: [{"entity": "amount", "start": 2, "end": 5, "value": "两百块"}]}
    )
    data = TrainingData([example])
    assert component.process_training_data(data) is data
    assert example.get(ENTITIES) == [{"entity": "amount", "start": 2, "end": 5, "value": "两百块"}]


@pytest.mark.parametrize(
    "config", [{"timezone": "Mars/Olympus"}, {"patterns_path": "data/patterns/missing.yml"}]
)
def test_bad_config_is_rejected(config: dict[str, Any]):
    with pytest.raises(InvalidConfigException):
        SpacyEntityNormalizer(config)
