"""TED loaded without Rasa's training step predicts exactly what Rasa's own loading predicts.

Both models load in one process, so this also checks that loading a model again changes no parse."""
from __future__ import annotations

import asyncio

import pytest

MESSAGES = [
    "京东买的耳机等了三四天了还没发货，花了两三百",
    "收到的Nike鞋子开胶了，订单号3214567890123456789",
    "你好",
    "商家说拆了包装就不能七天无理由退货",
    "天猫客服管不了商家吗",
    "刷单被骗了五千六，怎么办",
]


@pytest.fixture(scope="module")
def model() -> str:
    """The project's trained model (`make test` trains it first)."""
    from harness.servers import MODEL

    assert MODEL.exists(), "models/weiquan.tar.gz is missing: run `make train`"
    return str(MODEL)


def _predictions(model: str) -> dict:
    """Parses of MESSAGES (with entity confidences) and TED's action probabilities after each of them."""
    from rasa.core.agent import Agent
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(model)
    ted = next(node._component for name, node in agent.processor.graph_runner._instantiated_nodes.items()
               if "TEDPolicy" in name)
    parses, actions = [], []
    for text in MESSAGES:
        parse = asyncio.run(agent.parse_message(text))
        parses.append({key: parse[key] for key in ("intent", "intent_ranking", "entities")})
        tracker = DialogueStateTracker.from_events("t", [
            ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
            UserUttered(text, parse["intent"], parse["entities"], parse),
        ])
        actions.append(ted.predict_action_probabilities(tracker, agent.domain).probabilities)
    return {"parses": parses, "actions": actions}


def test_quick_loading_predicts_exactly_what_rasas_loading_predicts(model):
    from rasa.core.policies.ted_policy import TED

    from components import inference_load

    quick = _predictions(model)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inference_load.TEDPolicy, "model_class", staticmethod(lambda: TED))
        rasa_loaded = _predictions(model)

    products = [e["value"] for e in quick["parses"][0]["entities"] if e["entity"] == "product"]
    assert products == ["耳机"]
    assert quick == rasa_loaded
