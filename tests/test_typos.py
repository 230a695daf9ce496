"""Homophone typos of domain words are corrected before the NLU reads a message; correct words are left alone."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.typo_corrector import TypoCorrector
from weiquan.jieba_tokens import load_dictionary
from weiquan.nlu_data import load_examples
from weiquan.paths import REPO_ROOT
from weiquan.typos import TypoTable, correct, load_table


@pytest.fixture(scope="module")
def table() -> TypoTable:
    return load_table()


@pytest.fixture(scope="module")
def tokenizer():
    return load_dictionary()


@pytest.mark.parametrize(("typed", "meant"), [
    ("怎么还不法货", "怎么还不发货"),
    ("腿款怎么还没到啊", "退款怎么还没到啊"),
    ("不给开发飘", "不给开发票"),
    ("天猫克服能罚商家吗", "天猫客服能罚商家吗"),
    ("法错颜色了", "发错颜色了"),
    ("我的快第怎么跑到杭州去了", "我的快递怎么跑到杭州去了"),
    ("申请的仅退宽又被驳了", "申请的仅退款又被驳了"),
    ("这智量也太差了", "这质量也太差了"),
    ("货不对版", "货不对板"),
    ("这是高方的吧", "这是高仿的吧"),
])
def test_a_typo_of_a_domain_word_is_corrected(table, tokenizer, typed, meant):
    assert correct(typed, table, tokenizer) == meant


@pytest.mark.parametrize("text", [
    "签收后发现屏幕有划痕",
    "这家伙真行",
    "今年收获很大",
    "空调报修了三天没人来",
    "买家秀和卖家秀差太多",
    "一直不发，问就说快了",
    "我会克服困难的",
    "我去开发票了",
    "iPhone 15 Pro 256G",
    "😀😀",
    "",
])
def test_correct_words_are_left_alone(table, tokenizer, text):
    assert correct(text, table, tokenizer) == text


def test_corrections_keep_the_length_and_change_few_training_texts(table, tokenizer):
    """Entity offsets hold after a correction; on the training data only the typos its writers put in change."""
    examples = load_examples(REPO_ROOT / "data" / "nlu")
    changed = [(e.text, correct(e.text, table, tokenizer)) for e in examples]
    changed = [(before, after) for before, after in changed if after != before]
    assert all(len(before) == len(after) for before, after in changed)
    assert 0 < len(changed) <= len(examples) // 50, changed


def _corrector(tmp_path, config: dict | None = None) -> TypoCorrector:
    return TypoCorrector.create({**TypoCorrector.get_default_config(), **(config or {})},
                                LocalModelStorage(tmp_path), Resource("typos"),
                                ExecutionContext(GraphSchema({}), "typos"))


def test_a_trained_corrector_fixes_messages_without_loading_pypinyin(tmp_path):
    _corrector(tmp_path, {"dictionary_path": str(REPO_ROOT / "data" / "jieba")}).train(TrainingData([]))
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.shared.nlu.training_data.message import Message
        from components.typo_corrector import TypoCorrector
        corrector = TypoCorrector.load({{}}, LocalModelStorage(Path({str(tmp_path)!r})), Resource("typos"),
                                       ExecutionContext(GraphSchema({{}}), "typos"))
        message = Message(data={{"text": "腿款一直没到账"}})
        corrector.process([message])
        print(message.get("text"), "pypinyin" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split()[-2:] == ["退款一直没到账", "False"]


def test_training_texts_are_corrected_too(tmp_path):
    corrector = _corrector(tmp_path, {"dictionary_path": str(REPO_ROOT / "data" / "jieba")})
    corrector.train(TrainingData([]))
    data = TrainingData([Message(data={"text": "发漂到现在没给", "intent": "complain_invoice"})])
    corrector.process_training_data(data)
    assert data.training_examples[0].get("text") == "发票到现在没给"


@pytest.mark.parametrize("config", [{"typos_path": ""}, {"dictionary_path": None}])
def test_bad_config_is_refused(tmp_path, config):
    with pytest.raises(InvalidConfigException):
        _corrector(tmp_path, config)


def test_a_missing_typos_file_is_refused_at_training(tmp_path):
    with pytest.raises(InvalidConfigException):
        _corrector(tmp_path, {"typos_path": str(tmp_path / "none.yml")}).train(TrainingData([]))
