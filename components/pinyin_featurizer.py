"""Sparse sentence features from toneless pinyin syllable n-grams, so homophone typos (法货, 发漂, 高方) share
features with the words they stand for. The vocabulary is the n-grams seen in at least `min_df` training texts.
The model keeps each character's syllable, so parsing does not load pypinyin."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse

from components.base import has_content, read_stored
from weiquan import pinyin


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class PinyinFeaturizer(SparseFeaturizer, GraphComponent):
    """Adds one sparse count vector of pinyin n-grams per message text (no sequence features)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "ngram_sizes": [1, 2], "min_df": 2}

    @staticmethod
    def required_packages() -> list[str]:
        return ["pypinyin"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        sizes = config.get("ngram_sizes")
        if not sizes or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in sizes):
            raise InvalidConfigException(f"{cls.__name__}: 'ngram_sizes' must list positive integers, not {sizes!r}.")
        min_df = config.get("min_df")
        if isinstance(min_df, bool) or not isinstance(min_df, int) or min_df < 1:
            raise InvalidConfigException(f"{cls.__name__}: 'min_df' must be a positive integer, not {min_df!r}.")

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(name, config)
        self._storage = model_storage
        self._resource = resource
        self._vocabulary: dict[str, int] = {}
        self._table: dict[str, str] = {}

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> PinyinFeaturizer:
        return cls({**cls.get_default_config(), **config}, execution_context.node_name, model_storage, resource)

    def _grams(self, text: str) -> list[str]:
        return pinyin.ngrams(text, tuple(self._config["ngram_sizes"]), self._table)

    def train(self, training_data: TrainingData) -> Resource:
        self._table = pinyin.syllable_table()
        document_frequency: dict[str, int] = {}
        for message in training_data.training_examples:
            if has_content(message):
                for gram in set(self._grams(message.get(TEXT))):
                    document_frequency[gram] = document_frequency.get(gram, 0) + 1
        kept = sorted(g for g, df in document_frequency.items() if df >= self._config["min_df"])
        self._vocabulary = {gram: index for index, gram in enumerate(kept)}
        with self._storage.write_to(self._resource) as directory:
            (directory / "vocabulary.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
            (directory / "syllables.json").write_text(json.dumps(self._table, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> PinyinFeaturizer:
        component = cls.create(config, model_storage, resource, execution_context)

        def read(directory: Path) -> None:
            kept = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
            component._table = json.loads((directory / "syllables.json").read_text(encoding="utf-8"))
            component._vocabulary = {gram: index for index, gram in enumerate(kept)}

        read_stored(model_storage, resource, read,
                    "PinyinFeaturizer: no vocabulary in storage; it will add no features.")
        return component

    def _featurize(self, messages: list[Message]) -> None:
        if not self._vocabulary:
            return
        for message in messages:
            if not has_content(message):
                continue
            columns = [i for i in map(self._vocabulary.get, self._grams(message.get(TEXT))) if i is not None]
            counts = sparse.coo_matrix((np.ones(len(columns)), (np.zeros(len(columns), dtype=int), columns)),
                                       shape=(1, len(self._vocabulary)))
            counts.sum_duplicates()
            self.add_features_to_message(sequence=None, sentence=counts, attribute=TEXT, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages
