"""What the project's config-only Rasa components share."""
from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


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
