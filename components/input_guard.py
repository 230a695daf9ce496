"""Bad input never reaches the NLU raw: sanitize it first; word-less messages get the `no_text` intent."""
from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import ConfigOnlyComponent, SureIntentClassifier
from weiquan.text_guard import CUT_AT, has_words, sanitize

# Message property holding the text as received, before InputSanitizer changed it (not in the parse output).
ORIGINAL_TEXT = "weiquan_original_text"
NO_TEXT_INTENT = "no_text"

# Button payloads such as /inform{"order_id": "302..."}: RegexMessageHandler reads them verbatim.
_INTENT_PAYLOAD = re.compile(r"/[\w\-./]+(\{.*\})?", re.DOTALL)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class InputSanitizer(ConfigOnlyComponent):
    """Cleans message text in place before tokenization; put it first in the pipeline.

    At inference: full-width to ASCII, HTML tags and control characters blanked (every character keeps its
    position, so entity offsets hold for the original), cut to `max_chars`. Training examples get the same
    cleanup without the cut.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": 1000}

    def __init__(self, config: dict[str, Any]) -> None:
        max_chars = config.get("max_chars")
        if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
            raise InvalidConfigException(
                f"{type(self).__name__}: 'max_chars' must be a positive integer, not {max_chars!r}."
            )
        self._max_chars = max_chars

    def process(self, messages: list[Message]) -> list[Message]:
        """Sanitizes and cuts each message's text; the received text stays under ORIGINAL_TEXT, the cut under CUT_AT."""
        for message in messages:
            text = message.get(TEXT)
            text = "" if text is None else text if isinstance(text, str) else str(text)
            if message.get(ORIGINAL_TEXT) is None:
                message.set(ORIGINAL_TEXT, text)
            if len(text) <= self._max_chars and _INTENT_PAYLOAD.fullmatch(text):
                message.set(TEXT, text)
                continue
            message.set(TEXT, sanitize(text, self._max_chars))
            if len(text) > self._max_chars:
                message.set(CUT_AT, self._max_chars, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Applies the length-preserving cleanup to training texts, without cutting them.

        An entity whose value is its own span (`[５天](duration)`) gets the cleaned span as its value too:
        otherwise EntitySynonymMapper would learn 5天 → ５天 from the pair."""
        for message in training_data.training_examples:
            text = message.get(TEXT)
            if isinstance(text, str) and text:
                cleaned = sanitize(text, len(text))
                if cleaned != text:
                    message.set(TEXT, cleaned)
                    for entity in message.get(ENTITIES) or []:
                        span = slice(entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END))
                        if entity.get(ENTITY_ATTRIBUTE_VALUE) == text[span]:
                            entity[ENTITY_ATTRIBUTE_VALUE] = cleaned[span]
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class NoTextClassifier(SureIntentClassifier):
    """Predicts `no_text` (confidence 1.0) for messages without words: empty, emoji, punctuation, [图片].

    A message counts as word-less when either the received text or the sanitized text has no words (so a bare
    <script> tag counts too). The other intents stay in the ranking at confidence 0.0, so FallbackClassifier
    never sees ambiguity.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intent": NO_TEXT_INTENT}

    def applies(self, message: Message) -> bool:
        text = message.get(TEXT)
        original = message.get(ORIGINAL_TEXT, text)
        return not (has_words(_as_text(original)) and has_words(_as_text(text)))


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else ""
