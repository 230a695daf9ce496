"""The domain dictionary is loaded into jieba once per process, so training and the server cut texts alike."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from weiquan.jieba_tokens import JIEBA_DIR, load_dictionary

# Texts that jieba cut differently after a second load of the dictionary (被/骗 → 被骗, 无语子 → 无语/子).
TEXTS = [
    "刷单被骗了五千六，怎么办",
    "修好的东西寄回来还是老样子，来回折腾一个月白搭",
    "买完第二天就降价，无语子，1299元买的现在卖1099元，把那两百块差价补给我不过分吧",
    "客服说“这个不归我管”，那归谁管？",
]


def _cuts() -> tuple[int, list[list[str]]]:
    tokenizer = load_dictionary()
    return tokenizer.total, [tokenizer.lcut(text) for text in TEXTS]


@pytest.mark.parametrize("term", ["七天无理由", "假一赔四", "运费险", "消费者协会"])
def test_domain_terms_stay_whole(term):
    assert term in load_dictionary().lcut(f"我想问问{term}的事")


def test_loading_the_dictionary_again_changes_no_cut():
    before = _cuts()
    load_dictionary()
    assert _cuts() == before


def test_rasas_tokenizer_loading_the_trained_copy_changes_no_cut(tmp_path: Path):
    """Training loads the folder, then the copy kept in the model; the second load must change nothing."""
    from components.jieba_tokenizer import JiebaTokenizer

    JiebaTokenizer._load_custom_dictionary(str(JIEBA_DIR))
    before = _cuts()
    copy = tmp_path / "trained"
    shutil.copytree(JIEBA_DIR, copy)
    JiebaTokenizer._load_custom_dictionary(str(copy))
    assert _cuts() == before


def test_every_training_entity_span_falls_on_jieba_token_boundaries():
    """The CRF tags whole tokens: a span that starts or ends inside a token is dropped in training."""
    from rasa.shared.nlu.training_data.loading import load_data

    from weiquan.jieba_tokens import misaligned
    from weiquan.paths import DATA_DIR

    broken = []
    for example in load_data(str(DATA_DIR / "nlu")).training_examples:
        text, entities = example.get("text"), example.get("entities") or []
        spans = misaligned(text, [(e["start"], e["end"]) for e in entities])
        broken += [f"{text[start:end]} in {text}" for start, end in spans]
    assert broken == []
