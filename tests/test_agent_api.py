"""The agent API on the real stack (action server, Rasa server, web app, one case database): who may call it,
suggestions per complaint type, claims, live replies, feedback, hand-back and bad input."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from harness.servers import Servers, running_webapp
from webapp.agent import ROUTES
from webapp.auth import AGENT, TRAINER, Authenticator, Staff
from weiquan import intents
from weiquan.cases import CaseStore
from weiquan.handoff_queue import HandoffQueue
from weiquan.suggestions import good_reply

pytestmark = pytest.mark.server

SECRET = "agent-api-test-secret"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Stack:
    servers: Servers
    url: str
    queue: HandoffQueue


@pytest.fixture(scope="module")
def stack(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The session's servers plus a web app on their case database."""
    workdir = tmp_path_factory.mktemp("agent-api")
    with running_webapp(servers, workdir, env={"WEIQUAN_SESSION_SECRET": SECRET}) as url:
        store = CaseStore.from_env(servers.env)
        yield Stack(servers, url, HandoffQueue(store))
        store.dispose()


def call(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None,
         raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    request = urllib.request.Request(stack.url.rstrip("/") + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def login(stack: Stack, name: str, password: str) -> str:
    status, body = call(stack, "POST", "/api/agent/login", {"name": name, "password": password})
    assert status == 200, body
    return body["token"]


@pytest.fixture(scope="module")
def wang(stack: Stack) -> str:
    return login(stack, "小王", "agent-test-pw")


@pytest.fixture(scope="module")
def li(stack: Stack) -> str:
    return login(stack, "老李", "agent2-test-pw")


def new_sender() -> str:
    return f"wq-api-{uuid.uuid4().hex[:16]}"


def hand_off(stack: Stack, *texts: str) -> str:
    """A consumer says `texts`, then asks for a person; returns the conversation id."""
    sender = new_sender()
    for text in texts:
        stack.servers.say(sender, text)
    replies = stack.servers.say(sender, "转人工")
    assert any("人工客服" in (r.get("text") or "") for r in replies), replies
    return sender


def test_the_spec_is_served(stack: Stack):
    status, body = call(stack, "GET", "/api/agent/openapi.json")
    assert status == 200 and set(body["paths"]) >= {path for _, path, _ in ROUTES}


def test_every_agent_route_answers_401_without_an_agent_login(stack: Stack):
    conversation = hand_off(stack, "买的耳机坏了")
    trainer = Authenticator({TRAINER: {"lin": "x"}}, SECRET.encode()).issue(Staff(TRAINER, "lin"))
    forged = Authenticator({AGENT: {"小王": "x"}}, b"another-secret").issue(Staff(AGENT, "小王"))
    for method, path, _ in ROUTES:
        if path.endswith("/login"):
            continue
        path = path.format(conversation_id=conversation)
        for token in (None, "nonsense", trainer, forged, conversation):
            status, body = call(stack, method, path, {"text": "你好"} if method == "POST" else None, token)
            assert status == 401, (method, path, token, body)
            assert CHINESE.search(body["message"])
    status, body = call(stack, "POST", "/api/agent/login", {"name": "lin", "password": "trainer-test-pw"})
    assert status == 401 and "用户名或密码" in body["message"]


# complaint type, what the consumer says before asking for a person
MESSAGES = [
    ("complain_quality", "刚买的电热水壶用了两次就不加热了，花了159元"),
    ("complain_counterfeit", "专柜验了说这支口红是假的，三百五买的"),
    ("complain_refund", "退款申请都一个星期了钱还没到"),
    ("complain_return_refused", "没拆封商家也不让七天无理由退"),
    ("complain_shipping_delay", "说好48小时发货，五天了还没发"),
    ("complain_logistics", "物流显示已签收但我根本没收到"),
    ("complain_harassment", "给了差评商家天天打电话骂我"),
    ("complain_price", "昨天刚买今天就降了一百，能补差价吗"),
    ("report_scam", "有人打电话说是天猫客服要给我退款让我下载软件"),
]


@pytest.mark.parametrize(("complaint_type", "text"), MESSAGES, ids=[m[0] for m in MESSAGES])
def test_suggestions_carry_the_rules_and_next_step_for_the_case(stack: Stack, wang: str, complaint_type, text):
    conversation = hand_off(stack, text)
    status, body = call(stack, "GET", f"/api/agent/conversations/{conversation}/suggestions", token=wang)
    assert status == 200, body
    assert body["message"] == text and body["intent"] == complaint_type
    handoff = stack.queue.get(conversation)
    assert handoff is not None and handoff.complaint_type == complaint_type
    case = stack.queue.store.get(handoff.case_id)
    expected = good_reply(complaint_type, case.facts, datetime.now(ZoneInfo("Asia/Shanghai")))
    top = body["suggestions"][0]
    assert top["intent"] == complaint_type
    assert top["channel"] == expected.channel and set(expected.rule_ids) <= set(top["rule_ids"])
    assert 0 < top["confidence"] <= 1 and len(body["suggestions"]) <= 3
    assert CHINESE.search(top["text"])


def test_the_queue_shows_who_took_a_conversation_and_a_second_claim_is_refused(stack: Stack, wang: str, li: str):
    conversation = hand_off(stack, "退款申请都一个星期了钱还没到")
    status, body = call(stack, "GET", "/api/agent/queue", token=li)
    mine = next(item for item in body["conversations"] if item["conversation_id"] == conversation)
    assert (mine["status"], mine["complaint_label"]) == ("waiting", intents.label("complain_refund"))
    assert status == 200 and mine["waiting_seconds"] >= 0 and mine["summary_line"]
    assert call(stack, "POST", f"/api/agent/conversations/{conversation}/claim", token=wang)[0] == 200
    status, body = call(stack, "POST", f"/api/agent/conversations/{conversation}/claim", token=li)
    assert status == 409 and "小王" in body["message"]
    _, body = call(stack, "GET", "/api/agent/queue", token=li)
    taken = next(item for item in body["conversations"] if item["conversation_id"] == conversation)
    assert (taken["status"], taken["agent"], taken["mine"]) == ("claimed", "小王", False)


def test_a_rest_conversation_with_a_short_id_opens_like_any_other(stack: Stack, wang: str):
    # The README's curl example talks as sender "demo": shorter than the widget's ids, still an agent's case.
    sender = f"d{uuid.uuid4().hex[:5]}"
    stack.servers.say(sender, "买的耳机坏了，商家不管")
    stack.servers.say(sender, "转人工")
    assert call(stack, "POST", f"/api/agent/conversations/{sender}/claim", token=wang)[0] == 200
    status, body = call(stack, "GET", f"/api/agent/conversations/{sender}", token=wang)
    assert status == 200 and "买的耳机坏了，商家不管" in json.dumps(body, ensure_ascii=False)


def test_a_conversation_that_was_not_handed_off_cannot_be_claimed(stack: Stack, wang: str):
    sender = new_sender()
    stack.servers.say(sender, "你好")
    status, body = call(stack, "POST", f"/api/agent/conversations/{sender}/claim", token=wang)
    assert status == 409 and "没有转人工" in body["message"]


def test_agent_reply_feedback_and_hand_back(stack: Stack, wang: str, li: str):
    conversation = hand_off(stack, "我手机13812345678，买的蓝牙耳机左耳没声音了")
    status, detail = call(stack, "GET", f"/api/agent/conversations/{conversation}", token=wang)
    assert status == 200
    assert "13812345678" not in json.dumps(detail, ensure_ascii=False)
    assert any(m["role"] == "user" and "耳机" in m["text"] for m in detail["messages"])
    _, suggested = call(stack, "GET", f"/api/agent/conversations/{conversation}/suggestions", token=wang)
    assert "13812345678" not in json.dumps(suggested, ensure_ascii=False)
    shown = suggested["suggestions"]
    reply = {"text": shown[0]["text"] + "\n我是小王，接着帮你处理。", "message": suggested["message"],
             "suggestions": shown, "chosen": 0}
    status, body = call(stack, "POST", f"/api/agent/conversations/{conversation}/messages", reply, wang)
    assert status == 409 and "接手" in body["message"]
    assert call(stack, "POST", f"/api/agent/conversations/{conversation}/claim", token=wang)[0] == 200
    assert call(stack, "POST", f"/api/agent/conversations/{conversation}/messages", reply, li)[0] == 409
    status, body = call(stack, "POST", f"/api/agent/conversations/{conversation}/messages", reply, wang)
    assert status == 200 and body["feedback"] == ["edited"] + ["ignored"] * (len(shown) - 1)
    as_is = {"text": shown[-1]["text"], "suggestions": shown, "chosen": len(shown) - 1}
    assert call(stack, "POST", f"/api/agent/conversations/{conversation}/messages", as_is, wang)[0] == 200
    outcomes = [row["outcome"] for row in stack.queue.feedback(conversation)]
    assert outcomes[0] == "edited" and outcomes[-1] == "sent" and "ignored" in outcomes
    assert all(row["agent"] == "小王" for row in stack.queue.feedback(conversation))

    status, history = call(stack, "GET", f"/api/history/{conversation}")
    agent_lines = [m for m in history["messages"] if m["role"] == "agent"]
    assert [m["agent"] for m in agent_lines] == ["小王", "小王"] and agent_lines[0]["text"] == reply["text"]
    assert stack.servers.say(conversation, "好的我等着") == []  # the bot stays quiet while a person answers

    status, body = call(stack, "POST", f"/api/agent/conversations/{conversation}/handback", token=wang)
    assert status == 200 and body["status"] == "returned"
    assert not stack.servers.tracker(conversation)["paused"]
    case = stack.queue.store.get(stack.queue.get(conversation).case_id)
    assert case.status == "open" and [e.kind for e in case.history][-2:] == ["handed_back", "status"]
    assert stack.servers.say(conversation, "七天无理由怎么算")
    status, body = call(stack, "GET", "/api/agent/queue", token=wang)
    assert conversation not in [item["conversation_id"] for item in body["conversations"]]
    assert call(stack, "POST", f"/api/agent/conversations/{conversation}/claim", token=li)[0] == 409


@pytest.mark.parametrize(("method", "path", "raw", "status", "reason"), [
    ("POST", "/messages", b"{not json", 400, "JSON"),
    ("POST", "/messages", b"[1, 2]", 400, "JSON"),
    ("POST", "/messages", b'{"text": "   "}', 400, "不能为空"),
    ("POST", "/messages", b'{"text": "x", "suggestions": "no", "chosen": 0}', 400, "格式"),
    ("POST", "/messages", b'{"text": "x", "suggestions": [], "chosen": 3}', 400, "格式"),
    ("POST", "/messages", json.dumps({"text": "长" * 2001}).encode(), 400, "太长"),
])
def test_bad_input_gets_a_chinese_reason(stack: Stack, wang: str, method, path, raw, status, reason):
    conversation = hand_off(stack, "买的耳机坏了")
    call(stack, "POST", f"/api/agent/conversations/{conversation}/claim", token=wang)
    got, body = call(stack, method, f"/api/agent/conversations/{conversation}{path}", token=wang, raw=raw)
    assert got == status and reason in body["message"]


@pytest.mark.parametrize(("method", "suffix", "status"), [
    ("GET", "", 404), ("GET", "/suggestions", 404), ("POST", "/claim", 409),
    ("POST", "/messages", 409), ("POST", "/handback", 409),
])
def test_unknown_or_malformed_conversation_ids_get_4xx(stack: Stack, wang: str, method, suffix, status):
    unknown = new_sender()
    got, body = call(stack, method, f"/api/agent/conversations/{unknown}{suffix}", {"text": "你好"}, wang)
    assert got == status and CHINESE.search(body["message"])
    got, body = call(stack, method, f"/api/agent/conversations/bad%20id!{suffix}", {"text": "你好"}, wang)
    assert got == 400 and "格式" in body["message"]
