"""Replies made only of facts get the `inform` intent: 昨天 answers 哪天收到的, it does not say goodbye."""
from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.base import SureIntentClassifier
from weiquan.bare_facts import is_bare_fact


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FactAnswerClassifier(SureIntentClassifier):
    """Predicts `inform` (confidence 1.0) for a message of dates, durations, amounts, order or waybill numbers
    and filler words only (data/patterns/answers.yml). Put it after the entity extractors."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": "inform"}

    def applies(self, message: Message) -> bool:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return False
        spans = [
            (entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END), entity.get(ENTITY_ATTRIBUTE_TYPE))
            for entity in message.get(ENTITIES) or []
            if isinstance(entity.get(ENTITY_ATTRIBUTE_START), int) and isinstance(entity.get(ENTITY_ATTRIBUTE_END), int)
        ]
        return is_bare_fact(text, spans)
