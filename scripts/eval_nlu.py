"""Score a trained model on held-out NLU files, in-process (no servers): intents, entities, errors."""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from weiquan.entity_scores import TAXONOMY_ENTITIES, describe, score_entities  # noqa: E402
from weiquan.nlu_data import Example, annotates_entities, load_examples  # noqa: E402


async def predict(model: Path, examples: list[Example]) -> list[dict]:
    """Parse every example with the model, in this process; Rasa's per-message debug log is silenced."""
    import logging

    import structlog
    from rasa.core.agent import Agent

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))
    return [await agent.parse_message(e.text) for e in examples]


def report(name: str, examples: list[Example], parsed: list[dict], show_errors: bool) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    truth = [e.intent for e in examples]
    predicted = [p["intent"]["name"] for p in parsed]
    top = [next((r["name"] for r in p["intent_ranking"] if r["name"] != "nlu_fallback"), "") for p in parsed]
    labels = sorted(set(truth))
    for title, pred in (("served", predicted), ("top non-fallback", top)):
        f1 = f1_score(truth, pred, average="macro", labels=labels, zero_division=0)
        print(f"{name} [{title}]: accuracy {accuracy_score(truth, pred):.3f} macro-F1 {f1:.3f} (n={len(truth)})")
    if annotates_entities(examples):
        entities = score_entities(examples, [p.get("entities", []) for p in parsed], TAXONOMY_ENTITIES)
        print(f"{name} [entities]: " + describe(entities))
    else:
        print(f"{name} [entities]: no entity annotated in this file, not scored")
    if show_errors:
        for e, p in zip(examples, parsed, strict=True):
            if p["intent"]["name"] != e.intent:
                print(f"  {e.intent:28} -> {p['intent']['name']:28} {p['intent']['confidence']:.2f} {e.text[:60]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=REPO / "models" / "weiquan.tar.gz")
    parser.add_argument("files", nargs="*", type=Path,
                        default=sorted((REPO / "tests" / "nlu").glob("*.yml")))
    parser.add_argument("--errors", action="store_true", help="list every misclassified example")
    args = parser.parse_args()
    for file in args.files:
        examples = load_examples(file)
        report(file.name, examples, asyncio.run(predict(args.model, examples)), args.errors)


if __name__ == "__main__":
    main()
