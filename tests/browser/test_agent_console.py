"""Agent assist end to end: a shopper asks for a person, an agent takes over from the console, answers live,
and hands the conversation back to the bot."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.agent_console import AgentConsole
from tests.browser.chat import ARTIFACTS, DESKTOP, Chat
from tests.browser.conftest import WAIT_MS, Stack

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture
def open_console(browser: Browser, stack: Stack) -> Iterator[Callable[[], AgentConsole]]:
    """`open_console()`: the agent console in a browser profile of its own (another person's computer)."""
    contexts = []
    consoles: list[AgentConsole] = []

    def make() -> AgentConsole:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        console = AgentConsole(page)
        page.on("pageerror", lambda error: console.errors.append(str(error)))
        page.goto(f"{stack.url}agent/")
        consoles.append(console)
        return console

    yield make
    for context in contexts:
        context.close()
    assert not [error for console in consoles for error in console.errors], "errors in the console page"


def test_an_agent_takes_over_answers_live_and_hands_back(chat: Chat, open_console):
    chat.say("买的蓝牙耳机左耳没声音了，才用了三天")
    chat.say("转人工")
    expect(chat.bot_messages.last).to_contain_text("人工客服")
    conversation = chat.sender_id

    wang = open_console().login("小王", "agent-test-pw")
    row = wang.queue_item(conversation)
    expect(row).to_contain_text("等待接手")
    expect(row).to_contain_text("质量")
    wang.open(conversation)
    expect(wang.transcript).to_contain_text("左耳没声音")
    expect(wang.suggestions.first).to_contain_text("商家")
    wang.claim()

    li = open_console().login("老李", "agent2-test-pw")
    expect(li.queue_item(conversation)).to_contain_text("小王 已接手")

    suggested = wang.use_suggestion(0)
    assert suggested.strip()
    edited = suggested + "\n耳机的购买记录也截个图发我。"
    wang.reply.fill(edited)
    wang.send()

    agent_line = chat.agent_messages.last
    expect(agent_line).to_contain_text("人工客服 小王：")
    expect(agent_line).to_contain_text("耳机的购买记录也截个图发我")
    expect(wang.transcript).to_contain_text("客服 小王：")
    chat.screenshot("widget-agent-message.png")
    wang.page.screenshot(path=str(ARTIFACTS / "agent-console.png"))

    wang.hand_back()
    expect(chat.bot_messages.last).to_contain_text("维权助手")
    bots = chat.bot_messages.count()
    chat.say("七天无理由怎么算")
    expect(chat.bot_messages.nth(bots)).to_contain_text("七天")
    expect(li.queue_item(conversation)).to_have_count(0)
