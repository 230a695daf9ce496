"""One base class for the featurizers that add a single dense sentence vector per message text."""
from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import has_content


class SentenceFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds one sentence vector per message text (no sequence features); subclasses say how to embed."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "max_chars": 256, "batch_size": 64}

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("max_chars", "batch_size"):
            value = config.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidConfigException(
                    f"{cls.__name__}: '{key}' must be a positive integer, not {value!r}."
                )

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes the messages in place."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every training example in place, embedding them in batches."""
        self._featurize(training_data.training_examples)
        return training_data

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [message for message in messages if has_content(message)]
        if not with_text:
            return
        vectors = self.embed([message.get(TEXT) for message in with_text])
        for message, vector in zip(with_text, vectors, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
            )
