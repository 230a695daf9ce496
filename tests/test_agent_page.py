"""The agent console without servers: its page and files, the spec, 401s, and how agent messages read back."""
from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from harness.servers import TEST_STAFF
from webapp.agent import ROUTES, latest_consumer_text, openapi_spec, summary_line
from webapp.app import create_app
from webapp.config import load_settings
from webapp.history import messages_from_events

AGENT_EVENT = {"event": "bot", "text": None, "timestamp": 9.0,
               "data": {"custom": {"type": "agent_message", "agent": "小王", "text": "我是客服小王，帮你看看。"}}}


def with_client(check: Callable[[TestClient], Awaitable[None]], tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WEIQUAN_DB_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    settings = load_settings({**TEST_STAFF, "WEIQUAN_RASA_URL": "http://127.0.0.1:9"})

    async def go() -> None:
        async with TestClient(TestServer(create_app(settings))) as client:
            await check(client)

    asyncio.run(go())


def test_every_agent_route_is_in_the_openapi_spec():
    spec = openapi_spec()
    assert spec["openapi"].startswith("3.")
    for method, path, _ in ROUTES:
        assert method.lower() in spec["paths"].get(path, {}), f"{method} {path} is missing from the spec"


def test_the_console_page_is_served_with_a_strict_policy_and_no_outside_files(tmp_path, monkeypatch):
    async def check(client: TestClient) -> None:
        page = await client.get("/agent/")
        html = await page.text()
        assert page.status == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert "客服登录" in html and not re.search(r"(src|href)=\"https?:", html)
        for path in ("/agent/static/agent.js", "/agent/static/agent.css", "/api/agent/openapi.json"):
            assert (await client.get(path)).status == 200, path

    with_client(check, tmp_path, monkeypatch)


def test_no_agent_route_answers_without_an_agent_token(tmp_path, monkeypatch):
    async def check(client: TestClient) -> None:
        trainer = (await (await client.post("/api/trainer/login", json={"name": "lin", "password": "trainer-test-pw"}))
                   .json()).get("token", "not-a-token")
        for method, path, _ in ROUTES:
            if path.endswith("/login"):
                continue
            path = path.format(conversation_id="wq-0123456789abcdef")
            for header in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": f"Bearer {trainer}"},
                           {"Authorization": "wq-0123456789abcdef"}):
                response = await client.request(method, path, headers=header, json={"text": "你好"})
                assert response.status == 401, (method, path, header)
                assert "登录" in (await response.json())["message"]

    with_client(check, tmp_path, monkeypatch)


def test_agent_messages_read_back_as_the_agents_not_the_bots():
    events: list[dict[str, Any]] = [
        {"event": "user", "text": "转人工", "timestamp": 1.0},
        {"event": "bot", "text": "我把你的情况整理好了，转给人工客服。", "timestamp": 2.0, "data": {}},
        AGENT_EVENT,
    ]
    shown = messages_from_events(events)
    assert [m["role"] for m in shown] == ["user", "bot", "agent"]
    assert (shown[2]["agent"], shown[2]["text"]) == ("小王", "我是客服小王，帮你看看。")


@pytest.mark.parametrize(("events", "expected"), [
    ([], None),
    ([{"event": "user", "text": "/greet"}], None),
    ([{"event": "user", "text": "转人工", "parse_data": {"intent": {"name": "request_human"}}}], "转人工"),
    ([{"event": "user", "text": "退款一周了还没到", "parse_data": {"intent": {"name": "complain_refund"}}},
      {"event": "user", "text": "转人工", "parse_data": {"intent": {"name": "request_human"}}}], "退款一周了还没到"),
    ([{"event": "user", "text": "转人工", "parse_data": {"intent": {"name": "request_human"}}},
      {"event": "user", "text": "订单号是3021456789012345678", "parse_data": {"intent": {"name": "inform"}}}],
     "订单号是3021456789012345678"),
])
def test_suggestions_answer_what_the_consumer_said_not_the_bare_request_for_a_person(events, expected):
    assert latest_consumer_text(events) == expected


def test_the_queue_row_shows_the_summary_on_one_short_line():
    summary = "案件摘要\n类型：退款问题\n案件号：TS20261125-0001\n已知：金额：299元\n用户最近说：" + "钱没到" * 40
    line = summary_line(summary)
    assert line.startswith("类型：退款问题 · 案件号：TS20261125-0001") and "\n" not in line
    assert len(line) <= 80 and line.endswith("…")
