"""The web app without a browser: history API, sender id checks, demo page and the files it serves."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from harness.servers import free_port
from webapp.app import create_app
from webapp.config import load_settings
from webapp.history import messages_from_events, valid_conversation_id, valid_sender_id
from webapp.pages import render_shop

SENDER = "wq-0123456789abcdef0123456789abcdef"
ROUTE = {"type": "route", "case_id": "TS20261124-0007",
         "steps": [{"channel": "platform_intervention", "state": "next"}], "evidence": []}
BUTTONS = [{"title": "还没有", "payload": "/deny"}, {"title": "申请过", "payload": "/affirm"}]
PLAIN_BUTTONS = [{"title": "申请过", "payload": "申请过"}, {"title": "没有", "payload": "没有"}]
EVENTS: list[dict[str, Any]] = [
    {"event": "action", "name": "action_session_start", "timestamp": 1.0},
    {"event": "session_started", "timestamp": 1.0},
    {"event": "user", "text": "/greet", "timestamp": 2.0},
    {"event": "bot", "text": "你好！我是维权助手。", "timestamp": 3.0, "data": {}},
    {"event": "user", "text": "退款申请一个星期了", "timestamp": 4.0},
    {"event": "bot", "text": "你申请过客服介入吗？", "timestamp": 5.0, "data": {"buttons": BUTTONS}},
    {"event": "user", "text": "/deny", "timestamp": 6.0},
    {"event": "slot", "name": "requested_slot", "value": None, "timestamp": 6.5},
    {"event": "bot", "text": "下一步这样做：", "timestamp": 7.0, "data": {"custom": ROUTE}},
]


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_history_shows_what_the_user_saw():
    assert messages_from_events(EVENTS) == [
        {"role": "bot", "text": "你好！我是维权助手。", "buttons": [], "custom": None, "image": None,
         "timestamp": 3.0},
        {"role": "user", "text": "退款申请一个星期了", "timestamp": 4.0},
        {"role": "bot", "text": "你申请过客服介入吗？", "buttons": BUTTONS, "custom": None, "image": None,
         "timestamp": 5.0, "chosen": "/deny"},
        {"role": "user", "text": "还没有", "timestamp": 6.0},
        {"role": "bot", "text": "下一步这样做：", "buttons": [], "custom": ROUTE, "image": None,
         "timestamp": 7.0},
    ]


def test_a_button_whose_payload_is_its_text_is_marked_chosen():
    events = [
        {"event": "bot", "text": "申请过平台客服介入吗？", "data": {"buttons": PLAIN_BUTTONS}, "timestamp": 1.0},
        {"event": "user", "text": "没有", "timestamp": 2.0},
    ]
    bot, user = messages_from_events(events)
    assert (bot["chosen"], user["text"]) == ("没有", "没有")


def test_history_keeps_the_last_messages():
    assert [m["text"] for m in messages_from_events(EVENTS, limit=2)] == ["还没有", "下一步这样做："]


@pytest.mark.parametrize(
    ("sender_id", "valid"),
    [
        (SENDER, True),
        ("demo_user-01", True),
        ("short", False),
        ("x" * 65, False),
        ("../../status", False),
        ("abc def ghi", False),
        ("用户一二三四五六七八", False),
    ],
)
def test_sender_ids(sender_id, valid):
    assert valid_sender_id(sender_id) is valid


@pytest.mark.parametrize(
    ("conversation_id", "valid"),
    [
        (SENDER, True),
        ("demo", True),
        ("用户一二三", True),
        ("wx:oAbC-123", True),
        ("", False),
        ("..", False),
        ("../status", False),
        ("a?b=1", False),
        ("a#b", False),
        ("a%2Fb", False),
        ("a\\b", False),
        ("abc def", False),
        ("x" * 256, False),
    ],
)
def test_conversation_ids_agents_and_trainers_may_open(conversation_id, valid):
    assert valid_conversation_id(conversation_id) is valid


def test_the_shop_page_hands_the_widget_an_escaped_config():
    settings = load_settings({"WEIQUAN_WIDGET_TITLE": '"><script>alert(1)</script>'})
    page = render_shop(settings)
    assert "<script>alert(1)</script>" not in page
    assert 'src="/widget/weiquan-widget.js"' in page
    assert "&quot;serverUrl&quot;: &quot;http://127.0.0.1:5005&quot;" in page


def test_settings_come_from_the_environment_and_flags_win():
    settings = load_settings({"WEIQUAN_RASA_URL": "http://rasa:5005/", "WEIQUAN_WEB_PORT": "9000"}, port=8081)
    assert (settings.rasa_url, settings.rasa_public_url, settings.port) == (
        "http://rasa:5005", "http://rasa:5005", 8081)


async def _with_client(rasa_url: str, check: Callable[[TestClient], Awaitable[None]]) -> None:
    app = create_app(load_settings({"WEIQUAN_RASA_URL": rasa_url}))
    async with TestClient(TestServer(app)) as client:
        await check(client)


async def _fake_rasa() -> tuple[web.AppRunner, str]:
    async def tracker(request: web.Request) -> web.Response:
        assert request.query["include_events"] == "AFTER_RESTART"
        return web.json_response({"sender_id": request.match_info["sender"], "events": EVENTS})

    app = web.Application()
    app.router.add_get("/conversations/{sender}/tracker", tracker)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def test_history_api_reads_the_tracker():
    async def scenario() -> None:
        runner, rasa_url = await _fake_rasa()

        async def check(client: TestClient) -> None:
            response = await client.get(f"/api/history/{SENDER}")
            assert response.status == 200
            body = await response.json()
            assert body["sender_id"] == SENDER
            assert [m["role"] for m in body["messages"]] == ["bot", "user", "bot", "user", "bot"]

        try:
            await _with_client(rasa_url, check)
        finally:
            await runner.cleanup()

    run(scenario())


@pytest.mark.parametrize(("path", "status"), [
    ("/api/history/bad", 400),
    ("/api/history/..%2F..%2Fstatus", 400),
    (f"/api/history/{SENDER}", 503),  # nothing listens at the Rasa URL
])
def test_history_api_refuses_bad_ids_and_says_when_rasa_is_down(path, status):
    async def check(client: TestClient) -> None:
        response = await client.get(path)
        assert response.status == status
        assert "error" in await response.json()

    run(_with_client(f"http://127.0.0.1:{free_port()}", check))


@pytest.mark.parametrize(("path", "content_type"), [
    ("/", "text/html"),
    ("/widget/weiquan-widget.js", "text/javascript"),
    ("/widget/weiquan-widget.css", "text/css"),
    ("/widget/channels.zh.json", "application/json"),
    ("/vendor/socket.io/socket.io.min.js", "text/javascript"),
])
def test_the_app_serves_the_page_and_the_widget_files_from_this_machine(path, content_type):
    async def check(client: TestClient) -> None:
        response = await client.get(path)
        assert response.status == 200
        assert response.content_type == content_type
        assert response.charset == "utf-8"
        body = await response.text()
        if path == "/":
            policy = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "ws://127.0.0.1:5005" in policy
            assert "http" not in body.replace("http://127.0.0.1:5005", "")  # nothing from a CDN

    run(_with_client("http://127.0.0.1:5005", check))


def test_every_channel_of_the_contract_has_a_chinese_name(repo):
    names = json.loads((repo / "webapp/static/widget/channels.zh.json").read_text(encoding="utf-8"))
    assert set(names) >= {
        "negotiate_merchant", "after_sales_request", "platform_intervention", "violation_report",
        "consumer_association", "market_regulator_12315", "postal_complaint", "legal_action",
        "police_antifraud", "human_agent",
    }
    assert names["platform_intervention"] == "申请平台客服介入"
