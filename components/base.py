"""What the project's Rasa components share."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)


class ConfigOnlyComponent(GraphComponent):
    """A component built from its config alone: nothing trained, nothing kept in model storage."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ConfigOnlyComponent:
        return cls(config)  # type: ignore[call-arg]


def read_stored(model_storage: ModelStorage, resource: Resource, read: Callable[[Path], None], missing: str) -> None:
    """Calls `read` with the component's folder in model storage; logs `missing` as a warning when it has none."""
    try:
        with model_storage.read_from(resource) as directory:
            read(directory)
    except ValueError:
        logger.warning(missing)


def has_content(message: Message) -> bool:
    """Whether a featurizer adds features to the message: it has tokens, or (no tokenizer ran) non-blank text.

    This follows the token-based featurizers, which add nothing for a message without tokens: DIET predicts
    nothing for a featureless message, but fails when a sentence vector is there without their features or
    missing beside them. Every featurizer of the project asks this one question, so they agree.
    """
    text = message.get(TEXT)
    if not isinstance(text, str):
        return False
    tokens = message.get(TOKENS_NAMES[TEXT])
    if tokens is not None:
        return len(tokens) > 0
    return bool(text.strip())


def set_sure_intent(message: Message, intent: str) -> None:
    """Makes `intent` the message's intent at confidence 1.0; the others stay in the ranking at 0.0.

    With every other confidence at 0.0, FallbackClassifier sees neither low confidence nor ambiguity."""
    ranking = [
        {**entry, PREDICTED_CONFIDENCE_KEY: 0.0}
        for entry in message.get(INTENT_RANKING_KEY) or []
        if isinstance(entry, dict) and entry.get(INTENT_NAME_KEY) != intent
    ]
    top = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(top), *ranking], add_to_output=True)


class SureIntentClassifier(ConfigOnlyComponent, IntentClassifier):
    """Overrides the trained classifiers' intent for the messages `applies` picks, at confidence 1.0.

    Put it after the trained classifiers and before FallbackClassifier."""

    def __init__(self, config: dict[str, Any]) -> None:
        intent = config.get("intent")
        if not isinstance(intent, str) or not intent:
            raise InvalidConfigException(f"{type(self).__name__}: 'intent' must be a non-empty string.")
        self._intent = intent

    def applies(self, message: Message) -> bool:
        raise NotImplementedError

    def process(self, messages: list[Message]) -> list[Message]:
        """Sets the intent of every message `applies` picks, in place."""
        for message in messages:
            if self.applies(message):
                set_sure_intent(message, self._intent)
        return messages
