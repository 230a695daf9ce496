"""Benchmark of the trainer loop on the project's own data (not a test; ~10 minutes of CPU).

A slice of the training examples plays the part of new user messages: a model is trained without them and
scored on the held-out sets (tests/nlu/*.yml); the slice is then "reviewed" from its true labels and written
through the inbox's export (masking, de-duplication, held-out protection), a second model is trained on the
data with the export added and scored again. Everything happens in a temporary folder; the served model
(models/weiquan.tar.gz) and data/ are never touched.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))

from eval_nlu import predict  # noqa: E402

from weiquan.nlu_data import Example, load_examples, parse_annotated  # noqa: E402
from weiquan.training_export import ExportPaths, NewExample, export_examples  # noqa: E402


def with_spans(annotated: str, intent: str) -> NewExample:
    """An annotated Rasa line as plain text with (start, end, entity) spans."""
    text, _, spans = parse_annotated(annotated)
    return NewExample(text, intent, spans)


def split_data(source: Path, target: Path, fraction: float, seed: int) -> list[NewExample]:
    """Copy the NLU files to `target` without a random `fraction` of each intent's examples; return those."""
    import yaml

    rng = random.Random(seed)
    taken: list[NewExample] = []
    for file in sorted(source.glob("*.yml")):
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for block in raw.get("nlu", []):
            if "intent" not in block:
                continue
            lines = [line.strip()[2:].strip() for line in str(block["examples"]).splitlines()
                     if line.strip().startswith("- ")]
            chosen = set(rng.sample(range(len(lines)), round(len(lines) * fraction)))
            taken += [with_spans(lines[i], block["intent"]) for i in sorted(chosen)]
            block["examples"] = "".join(f"- {line}\n" for i, line in enumerate(lines) if i not in chosen)
        text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False, width=10_000)
        (target / file.name).write_text(text, encoding="utf-8")
    return taken


def train(nlu: Path, out: Path, name: str) -> tuple[Path, float]:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "nlu", "--config", "config.yml", "--domain", "domain",
         "--nlu", str(nlu), "--out", str(out), "--fixed-model-name", name],
        cwd=REPO, check=True, capture_output=True,
    )
    return out / f"{name}.tar.gz", time.perf_counter() - start


def scores(model: Path, sets: dict[str, list[Example]], slice_: list[NewExample]) -> dict[str, float]:
    """Macro-F1 on each held-out set and on both, and the share of the slice the model gets right."""
    from rasa.utils.log_utils import configure_structlog
    from sklearn.metrics import f1_score

    configure_structlog(logging.WARNING)

    results: dict[str, float] = {}
    everything = [e for examples in sets.values() for e in examples]
    for name, examples in {**sets, "both": everything}.items():
        truth = [e.intent for e in examples]
        parsed = asyncio.run(predict(model, examples))
        predicted = [p["intent"]["name"] for p in parsed]
        results[name] = f1_score(truth, predicted, average="macro", labels=sorted(set(truth)), zero_division=0)
    parsed = asyncio.run(predict(model, [Example(e.text, e.intent, ()) for e in slice_]))
    results["slice accuracy"] = sum(p["intent"]["name"] == e.intent for p, e in zip(parsed, slice_, strict=True))
    results["slice accuracy"] /= max(len(slice_), 1)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fraction", type=float, default=0.15, help="share of each intent's examples held back")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sets = {f.name: load_examples(f) for f in sorted((REPO / "tests" / "nlu").glob("*.yml"))}
    with tempfile.TemporaryDirectory(prefix="annotation-loop-") as tmp:
        work = Path(tmp)
        nlu = work / "nlu"
        nlu.mkdir()
        slice_ = split_data(REPO / "data" / "nlu", nlu, args.fraction, args.seed)
        remaining = len(load_examples(nlu))
        print(f"训练数据 {remaining + len(slice_)} 条，拿出 {len(slice_)} 条当作新的用户消息（每个意图 "
              f"{args.fraction:.0%}，seed {args.seed}）", flush=True)
        before_model, before_seconds = train(nlu, work / "models", "before")
        before = scores(before_model, sets, slice_)
        print(f"训练（不含这批）用时 {before_seconds:.0f} 秒", flush=True)

        start = time.perf_counter()
        paths = ExportPaths(training_dir=nlu, reviewed_nlu=nlu / "reviewed.yml",
                            heldout_dir=REPO / "tests" / "nlu", reviewed_heldout=work / "heldout_reviewed.yml")
        result = export_examples(slice_, paths)
        export_seconds = time.perf_counter() - start
        skipped = Counter(s.reason for s in result.skipped)
        print(f"导出 {len(result.training)} 条，跳过 {len(result.skipped)} 条 {dict(skipped)}，"
              f"用时 {export_seconds:.0f} 秒", flush=True)

        after_model, after_seconds = train(nlu, work / "models", "after")
        after = scores(after_model, sets, slice_)
        print(f"训练（加上导出的）用时 {after_seconds:.0f} 秒\n")
        print(f"{'figure':34} {'before':>8} {'after':>8} {'change':>8}")
        for name in before:
            label = name if name == "slice accuracy" else f"held-out macro-F1 {name}"
            print(f"{label:34} {before[name]:8.3f} {after[name]:8.3f} {after[name] - before[name]:+8.3f}")
        shutil.rmtree(work / "models", ignore_errors=True)


if __name__ == "__main__":
    main()
