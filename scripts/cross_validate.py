"""Cross-validation on the training data: the intent pipeline of config.yml vs the TF-IDF baseline, same folds.

A second split beside the held-out sets of `make bench`: every training example is scored once, by a model that
did not see it. Entity components are left out of the folds' pipeline (they do not touch intents), so a fold
trains in about a minute. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

SCRIPTS = Path(__file__).resolve().parent
REPO = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))

from bench import baseline, scores  # noqa: E402
from eval_nlu import predict  # noqa: E402
from homophone_typos import homophones, with_typos  # noqa: E402

from weiquan.entity_scores import TAXONOMY_ENTITIES, describe, score_entities  # noqa: E402
from weiquan.nlu_data import Example  # noqa: E402

# Components that only find or rewrite entities: intents come out the same without them.
ENTITY_ONLY = ("CRFEntityExtractor", "SpacyEntityNormalizer", "EntitySynonymMapper")


def intent_config(path: Path = REPO / "config.yml", entities: bool = False) -> dict[str, Any]:
    """config.yml without dialogue policies, and without the entity-only components unless `entities`."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not entities:
        config["pipeline"] = [c for c in config["pipeline"] if not str(c["name"]).endswith(ENTITY_ONLY)]
    config.pop("policies", None)
    return config


def annotated(message: Any) -> Example:
    """A Rasa training message as an Example with its entity spans, for entity scores."""
    found = [e for e in message.get("entities") or [] if "start" in e and "end" in e]
    return Example(
        message.get("text"), message.get("intent"),
        tuple((e["entity"], message.get("text")[e["start"]:e["end"]]) for e in found),
        tuple((e["start"], e["end"], e["entity"]) for e in found),
    )


def train_fold(train_data: Any, config: Path, workdir: Path, name: str) -> Path:
    """Write the fold's NLU data and train an NLU-only model on it; returns the model file."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    data = workdir / f"{name}.yml"
    RasaYAMLWriter().dump(data, train_data)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config), "--nlu", str(data),
         "--domain", "domain", "--out", str(workdir), "--fixed-model-name", name],
        cwd=REPO, check=True, capture_output=True,
    )
    return workdir / f"{name}.tar.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-only", nargs="*", default=[], metavar="FILE",
                        help="NLU files whose examples join every fold's training and are never scored: measures "
                             "what new data does for the examples that were already there")
    parser.add_argument("--config", type=Path, default=REPO / "config.yml", help="the pipeline to cross-validate")
    parser.add_argument("--typos", action="store_true",
                        help="also score each held-out example with homophone typos (scripts/homophone_typos.py)")
    parser.add_argument("--save", type=Path, help="write each scored example's text, intent and predictions here")
    parser.add_argument("--entities", action="store_true",
                        help="keep the entity components in the folds' pipeline and also print entity scores")
    args = parser.parse_args()

    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    extra_files = {Path(f).resolve() for f in args.train_only}
    files = sorted(f for f in (REPO / "data" / "nlu").glob("*.yml") if f.resolve() not in extra_files)
    data = TrainingData().merge(*(load_data(str(f)) for f in files))
    extra = TrainingData().merge(*(load_data(str(f)) for f in sorted(extra_files)))
    examples = [m for m in data.intent_examples if m.get("text")]
    always_trained = [m for m in extra.intent_examples if m.get("text")]
    labels = [m.get("intent") for m in examples]
    print(f"交叉验证: {len(examples)} 条训练数据, {args.folds} 折, 每条只由没见过它的模型打分"
          + (f"; 另有 {len(always_trained)} 条只用于训练" if always_trained else ""))
    table = homophones(m.get("text") for m in examples) if args.typos else {}
    truth: list[str] = []
    model_pred: list[str] = []
    typo_model: list[str] = []
    typo_base: list[str] = []
    base_pred: list[str] = []
    rankings: list[list[tuple[str, float]]] = []
    scored: list[Example] = []
    found_entities: list[list[dict[str, Any]]] = []
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(examples, labels)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = workdir / "config.yml"
        pipeline = intent_config(args.config, args.entities)
        config.write_text(yaml.safe_dump(pipeline, allow_unicode=True), encoding="utf-8")
        for number, (train_idx, test_idx) in enumerate(folds, start=1):
            fold_train = TrainingData(
                [examples[i] for i in train_idx] + always_trained, entity_synonyms=data.entity_synonyms,
                regex_features=data.regex_features, lookup_tables=data.lookup_tables,
            )
            model = train_fold(fold_train, config, workdir, f"fold{number}")
            test = [annotated(examples[i]) for i in test_idx]
            typoed = [Example(with_typos(e.text, table), e.intent, ()) for e in test] if table else []
            parsed = asyncio.run(predict(model, test + typoed))
            parsed, typo_parsed = parsed[: len(test)], parsed[len(test):]
            fold_truth = [e.intent for e in test]
            fold_model = [p["intent"]["name"] for p in parsed]
            scored += test
            found_entities += [p.get("entities", []) for p in parsed]
            rankings += [[(r["name"], round(r["confidence"], 4)) for r in p["intent_ranking"][:3]] for p in parsed]
            fold_base = baseline([examples[i].get("text") for i in train_idx] + [m.get("text") for m in always_trained],
                                 [labels[i] for i in train_idx] + [m.get("intent") for m in always_trained],
                                 [e.text for e in test + typoed])
            fold_base, fold_typo_base = fold_base[: len(test)], fold_base[len(test):]
            typo_model += [p["intent"]["name"] for p in typo_parsed]
            typo_base += fold_typo_base
            print(f"  第 {number} 折 ({len(test)} 条): 模型 macro-F1 {scores(fold_truth, fold_model)[1]:.3f} | "
                  f"基线 {scores(fold_truth, fold_base)[1]:.3f}", flush=True)
            truth += fold_truth
            model_pred += fold_model
            base_pred += fold_base
    acc, f1, _ = scores(truth, model_pred)
    base_acc, base_f1, _ = scores(truth, base_pred)
    print(f"[交叉验证] 模型 accuracy {acc:.3f} macro-F1 {f1:.3f} | TF-IDF+LR 基线 accuracy {base_acc:.3f} "
          f"macro-F1 {base_f1:.3f} | 领先 {f1 - base_f1:+.3f}")
    if table:
        _, typo_f1, _ = scores(truth, typo_model)
        _, typo_base_f1, _ = scores(truth, typo_base)
        print(f"[同音错字] 模型 macro-F1 {typo_f1:.3f} | 基线 {typo_base_f1:.3f} | 领先 {typo_f1 - typo_base_f1:+.3f}")
    if args.entities:
        print("[实体] " + describe(score_entities(scored, found_entities, TAXONOMY_ENTITIES)))
    if args.save:
        rows = [{"text": t, "intent": i, "model": m, "baseline": b, "ranking": r}
                for t, i, m, b, r in zip([e.text for e in scored], truth, model_pred, base_pred, rankings, strict=True)]
        for row, typo_prediction in zip(rows, typo_model, strict=False):
            row["typo_model"] = typo_prediction
        args.save.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
