"""Corrects homophone typos of domain words (法货 → 发货) in message text before it is cut into words."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import read_stored
from weiquan.jieba_tokens import load_dictionary
from weiquan.typos import TYPOS_FILE, TypoTable, correct, load_table

TABLE_FILE = "typos.json"
DICTIONARY_DIR = "jieba"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True)
class TypoCorrector(GraphComponent):
    """Rewrites TEXT in place, same length, so entity offsets still hold; put it before the tokenizer.

    Training keeps the word list (`typos_path`) and the syllables it needs, and a copy of the jieba dictionary
    (`dictionary_path`, the tokenizer's) whose word frequencies confirm a correction, in the model."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"typos_path": str(TYPOS_FILE), "dictionary_path": "data/jieba"}

    @staticmethod
    def required_packages() -> list[str]:
        return ["jieba", "pypinyin"]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        for key in ("typos_path", "dictionary_path"):
            if not isinstance(config.get(key), str) or not config[key]:
                raise InvalidConfigException(f"{type(self).__name__}: '{key}' must be a path, not {config.get(key)!r}.")
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._table = TypoTable({}, {}, frozenset())
        self._tokenizer: Any = None

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> TypoCorrector:
        return cls({**cls.get_default_config(), **config}, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        typos_path, dictionary = Path(self._config["typos_path"]), Path(self._config["dictionary_path"])
        if not typos_path.is_file():
            raise InvalidConfigException(f"{type(self).__name__}: no typos file at {typos_path}.")
        self._table = load_table(typos_path)
        self._tokenizer = load_dictionary(dictionary)
        with self._storage.write_to(self._resource) as directory:
            (directory / TABLE_FILE).write_text(json.dumps(self._table.as_dict(), ensure_ascii=False), encoding="utf-8")
            shutil.copytree(dictionary, directory / DICTIONARY_DIR)
        return self._resource

    @classmethod
    def load(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> TypoCorrector:
        component = cls.create(config, model_storage, resource, execution_context)

        def read(directory: Path) -> None:
            component._table = TypoTable.from_dict(json.loads((directory / TABLE_FILE).read_text(encoding="utf-8")))
            component._tokenizer = load_dictionary(directory / DICTIONARY_DIR)

        read_stored(model_storage, resource, read, "TypoCorrector: nothing in model storage; texts pass unchanged.")
        return component

    def _correct(self, messages: list[Message]) -> None:
        if self._tokenizer is None:
            return
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and text:
                fixed = correct(text, self._table, self._tokenizer)
                if fixed != text:
                    message.set(TEXT, fixed)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._correct(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._correct(messages)
        return messages
