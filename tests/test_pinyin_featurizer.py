"""Pinyin syllables and PinyinFeaturizer: homophone typos share features with the words they stand for."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.pinyin_featurizer import PinyinFeaturizer
from weiquan import pinyin
from weiquan.paths import REPO_ROOT


@pytest.mark.parametrize(("text", "expected"), [
    ("还没发货", ["hai", "mei", "fa", "huo", "hai_mei", "mei_fa", "fa_huo"]),
    ("不法货", ["bu", "fa", "huo", "bu_fa", "fa_huo"]),
    ("AirPods是高方的", ["shi", "gao", "fang", "de", "shi_gao", "gao_fang", "fang_de"]),
    ("发票，发漂", ["fa", "piao", "fa_piao", "fa", "piao", "fa_piao"]),
    ("12315 OK 😀", []),
    ("发货兙了", ["fa", "huo", "fa_huo", "le"]),
    ("", []),
])
def test_ngrams_are_toneless_syllables_within_runs_of_chinese(text, expected):
    assert pinyin.ngrams(text) == expected


def _message(text: str) -> Message:
    message = Message(data={TEXT: text})
    message.set(TOKENS_NAMES[TEXT], [Token(text, 0)] if text.strip() else [])
    return message


def _featurizer(tmp_path, config: dict | None = None) -> PinyinFeaturizer:
    context = ExecutionContext(GraphSchema({}), "pinyin")
    return PinyinFeaturizer.create({"alias": "pinyin", **(config or {})}, LocalModelStorage(tmp_path),
                                   Resource("pinyin"), context)


def _vector(message: Message):
    features = [f for f in message.features if f.attribute == TEXT and f.origin == "pinyin"]
    assert len(features) == 1 and features[0].type == "sentence" and features[0].is_sparse()
    return features[0].features.toarray()[0]


def test_a_homophone_typo_gets_the_same_features_as_the_word_and_the_vocabulary_survives_a_reload(tmp_path):
    featurizer = _featurizer(tmp_path)
    featurizer.train(TrainingData([_message("怎么还不发货"), _message("什么时候发货"), _message("要发票")]))
    loaded = PinyinFeaturizer.load({"alias": "pinyin"}, LocalModelStorage(tmp_path), Resource("pinyin"),
                                   ExecutionContext(GraphSchema({}), "pinyin"))
    right, typo, other = _message("还不发货"), _message("还不法货"), _message("开发漂")
    loaded.process([right, typo, other])
    assert (_vector(right) == _vector(typo)).all()
    assert _vector(right).sum() > 0
    assert not (_vector(other) == _vector(right)).all()


def test_min_df_keeps_only_ngrams_seen_in_enough_texts(tmp_path):
    featurizer = _featurizer(tmp_path, {"min_df": 2})
    featurizer.train(TrainingData([_message("发货"), _message("发货慢"), _message("退款")]))
    assert set(featurizer._vocabulary) == {"fa", "huo", "fa_huo"}


def test_a_message_without_tokens_gets_no_features(tmp_path):
    featurizer = _featurizer(tmp_path)
    featurizer.train(TrainingData([_message("发货"), _message("发货慢")]))
    empty, emoji = _message(""), _message("😀")
    emoji.set(TOKENS_NAMES[TEXT], [])
    featurizer.process([empty, emoji])
    assert empty.features == [] and emoji.features == []


@pytest.mark.parametrize("config", [{"ngram_sizes": []}, {"ngram_sizes": [0]}, {"min_df": 0}, {"min_df": True}])
def test_bad_config_is_refused(tmp_path, config):
    with pytest.raises(InvalidConfigException):
        _featurizer(tmp_path, config)


def test_a_trained_featurizer_parses_without_loading_pypinyin(tmp_path):
    _featurizer(tmp_path).train(TrainingData([_message("怎么还不发货"), _message("什么时候发货")]))
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.nlu.constants import TOKENS_NAMES
        from rasa.nlu.tokenizers.tokenizer import Token
        from rasa.shared.nlu.training_data.message import Message
        from components.pinyin_featurizer import PinyinFeaturizer
        featurizer = PinyinFeaturizer.load({{"alias": "pinyin"}}, LocalModelStorage(Path({str(tmp_path)!r})),
                                           Resource("pinyin"), ExecutionContext(GraphSchema({{}}), "pinyin"))
        message = Message(data={{"text": "还不法货兙"}})
        message.set(TOKENS_NAMES["text"], [Token("还不法货兙", 0)])
        featurizer.process([message])
        print(int(message.features[0].features.sum()), "pypinyin" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split()[-2:] == ["3", "False"]  # fa, huo, fa_huo
