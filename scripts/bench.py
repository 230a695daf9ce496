"""Benchmark: held-out intents vs a TF-IDF baseline, entities, parse latency, training time, server memory.

Prints figures; asserts nothing (targets are judged by reading them).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.servers import running_servers  # noqa: E402
from weiquan.entity_scores import TAXONOMY_ENTITIES, score_entities  # noqa: E402
from weiquan.jieba_tokens import load_dictionary  # noqa: E402
from weiquan.nlu_data import annotates_entities, load_examples  # noqa: E402


def baseline(train_texts: list[str], train_labels: list[str], test_texts: list[str]) -> list[str]:
    """TF-IDF over jieba words + character 1-3-grams, logistic regression."""
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    load_dictionary()
    features = make_union(
        TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, sublinear_tf=True),
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
    )
    model = make_pipeline(features, LogisticRegression(max_iter=3000, C=10))
    model.fit(train_texts, train_labels)
    return list(model.predict(test_texts))


def scores(truth: list[str], predicted: list[str]) -> tuple[float, float, dict[str, float]]:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(truth))
    per_intent = f1_score(truth, predicted, average=None, labels=labels, zero_division=0)
    macro = f1_score(truth, predicted, average="macro", labels=labels, zero_division=0)
    return accuracy_score(truth, predicted), macro, dict(zip(labels, per_intent, strict=True))


def train_seconds() -> float:
    """Time a full `rasa train` (NLU + dialogue) into a scratch folder."""
    import subprocess

    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain",
             "--data", "data/nlu", "data/rules.yml", "data/stories.yml", "--out", out, "--force"],
            cwd=REPO, check=True, capture_output=True,
        )
        return time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-training", action="store_true", help="do not time a fresh training run")
    parser.add_argument("--latency-messages", type=int, default=600)
    args = parser.parse_args()

    train = load_examples(REPO / "data" / "nlu")
    sets = {f.name: load_examples(f) for f in sorted((REPO / "tests" / "nlu").glob("*.yml"))}
    annotated = {name: examples if annotates_entities(examples) else [] for name, examples in sets.items()}
    sets["合并"] = [e for examples in list(sets.values()) for e in examples]
    annotated["合并"] = [e for examples in list(annotated.values()) for e in examples]
    print(f"数据: 训练 {len(train)} 条; 留出测试 " + ", ".join(f"{k} {len(v)} 条" for k, v in sets.items()))

    with tempfile.TemporaryDirectory() as workdir, running_servers(Path(workdir)) as servers:
        parsed = {e.text: servers.parse(e.text) for e in sets["合并"]}
        # The held-out messages, cycled: a fixed set of everyday messages that new training files do not change.
        texts = [e.text for e in sets["合并"]]
        latencies = []
        for i in range(args.latency_messages):
            start = time.perf_counter()
            servers.parse(texts[i % len(texts)])
            latencies.append((time.perf_counter() - start) * 1000)
        rss = peak_rss_mb(servers.procs[1].pid)

    for name, test in sets.items():
        truth = [e.intent for e in test]
        model_pred = [parsed[e.text]["intent"]["name"] for e in test]
        base_acc, base_f1, _ = scores(truth, baseline([e.text for e in train], [e.intent for e in train],
                                                      [e.text for e in test]))
        acc, f1, per_intent = scores(truth, model_pred)
        fallbacks = sum(p == "nlu_fallback" for p in model_pred)
        weakest = sorted(per_intent.items(), key=lambda kv: kv[1])[:5]
        print(f"[{name}] 模型 accuracy {acc:.3f} macro-F1 {f1:.3f} (nlu_fallback {fallbacks} 条算错) | "
              f"TF-IDF+LR 基线 accuracy {base_acc:.3f} macro-F1 {base_f1:.3f} | 领先 {f1 - base_f1:+.3f}")
        print(f"[{name}] 最弱的五个意图 F1: " + ", ".join(f"{k} {v:.2f}" for k, v in weakest))
        if not annotated[name]:
            print(f"[{name}] 实体 F1: 这一集没有标注实体，不计")
            continue
        entities = score_entities(annotated[name], [parsed[e.text].get("entities", []) for e in annotated[name]],
                                  TAXONOMY_ENTITIES)
        print(f"[{name}] 实体 F1 ({len(annotated[name])} 条): "
              + ", ".join(f"{s.entity} {s.f1:.2f}" for s in entities.values()))
    latencies.sort()
    print(f"解析延迟 (HTTP /model/parse, 留出集消息 {len(latencies)} 条): p50 {statistics.median(latencies):.1f} ms, "
          f"p95 {latencies[int(0.95 * len(latencies)) - 1]:.1f} ms")
    print(f"Rasa 服务峰值内存 (VmHWM): {rss:.0f} MB")
    if not args.skip_training:
        print(f"完整训练时间: {train_seconds():.0f} s")


if __name__ == "__main__":
    main()
