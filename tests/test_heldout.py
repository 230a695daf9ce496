"""The held-out set is never trained on, and the served model generalises to it."""
from __future__ import annotations

from collections import Counter

import pytest
from sklearn.metrics import classification_report, f1_score

from weiquan.entity_scores import TAXONOMY_ENTITIES, score_entities
from weiquan.nlu_data import entity_annotated, load_examples, normalised, overlap, shingles

MIN_MACRO_F1 = 0.90
NEAR_PARAPHRASE = 0.78
"""Character overlap (Dice over characters and pairs) from which two texts of 5+ characters are the same
sentence reworded by a word or two (你是程序吧 / 你是个程序吧 score 0.80)."""


@pytest.fixture(scope="module")
def heldout(repo):
    """Every held-out file (tests/nlu)."""
    return load_examples(repo / "tests" / "nlu")


@pytest.fixture(scope="module")
def training(repo):
    return load_examples(repo / "data" / "nlu")


def test_no_heldout_text_is_in_the_training_data(heldout, training):
    trained = {normalised(e.text) for e in training}
    leaked = [e.text for e in heldout if normalised(e.text) in trained]
    assert leaked == []


def test_no_training_example_is_a_light_rewording_of_a_heldout_text(heldout, training):
    trained = [(shingles(e.text), e.text) for e in training if len(normalised(e.text)) >= 5]
    reworded = []
    for example in heldout:
        if len(normalised(example.text)) < 5:
            continue
        own = shingles(example.text)
        reworded += [(example.text, text) for other, text in trained if overlap(own, other) >= NEAR_PARAPHRASE]
    assert reworded == []


@pytest.fixture(scope="module")
def own_intents(domain) -> list[str]:
    """The domain's intents without Rasa's built-in ones (nlu_fallback, restart, …)."""
    from rasa.shared.core.constants import DEFAULT_INTENTS

    return [i for i in domain.intents if i not in DEFAULT_INTENTS]


def test_heldout_covers_every_domain_intent(heldout, own_intents):
    counts = Counter(e.intent for e in heldout)
    assert {i: counts[i] for i in own_intents if counts[i] < 6} == {}


def test_training_data_meets_the_minimum_per_intent(training, own_intents):
    counts = Counter(e.intent for e in training)
    conversation = {"request_human", "inform", "affirm", "deny", "greet", "goodbye", "thank",
                    "bot_challenge", "out_of_scope", "skip", "stop", "no_text"}
    too_few = {i: counts[i] for i in own_intents if counts[i] < (15 if i in conversation else 40)}
    assert too_few == {}


@pytest.fixture(scope="module")
def served(servers, heldout) -> list[dict]:
    """The served model's parse of each held-out text, in order (parsed once for the intent and entity tests)."""
    return [servers.parse(e.text) for e in heldout]


@pytest.mark.server
def test_heldout_macro_f1(served, heldout):
    truth = [e.intent for e in heldout]
    predicted = [parse["intent"]["name"] for parse in served]
    score = f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0)
    report = classification_report(truth, predicted, labels=sorted(set(truth)), zero_division=0)
    assert score >= MIN_MACRO_F1, f"held-out macro-F1 {score:.3f} < {MIN_MACRO_F1}\n{report}"


INTENTS_ONLY = ("heldout_probes.yml", "heldout_phone.yml", "heldout_story.yml")
"""Held-out files written as plain text, without entity annotation."""


def test_only_files_that_annotate_entities_are_scored_for_them(repo):
    """An intents-only set (plain text) would count every entity the model finds as a false positive."""
    folder = repo / "tests" / "nlu"
    for name in INTENTS_ONLY:
        assert entity_annotated(folder / name) == []
    assert entity_annotated(folder / "heldout.yml") == load_examples(folder / "heldout.yml")
    plain = sum(len(load_examples(folder / name)) for name in INTENTS_ONLY)
    assert len(entity_annotated(folder)) == len(load_examples(folder)) - plain


MIN_ENTITY_F1 = 0.80
"""Both held-out sets together scored 0.88 on 2026-11-26 (README, Benchmark); the floor catches a broken extractor."""


@pytest.mark.server
def test_heldout_entity_f1(served, heldout, repo):
    parses = {e.text: parse for e, parse in zip(heldout, served, strict=True)}
    annotated = entity_annotated(repo / "tests" / "nlu")
    scores = score_entities(annotated, [parses[e.text].get("entities", []) for e in annotated], TAXONOMY_ENTITIES)
    table = "\n".join(f"{s.entity}: P {s.precision:.2f} R {s.recall:.2f} n={s.gold}" for s in scores.values())
    assert scores["全部"].f1 >= MIN_ENTITY_F1, f"held-out entity F1 {scores['全部'].f1:.3f}\n{table}"
