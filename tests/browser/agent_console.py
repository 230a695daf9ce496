"""The agent console (/agent/) as an agent sees and uses it (roles, names and visible text only)."""
from __future__ import annotations

from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect


@dataclass
class AgentConsole:
    """The agent console page, logged in or not."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def login(self, name: str, password: str) -> AgentConsole:
        self.page.get_by_label("用户名").fill(name)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录", exact=True).click()
        expect(self.page.get_by_role("heading", name="等待人工的会话")).to_be_visible()
        return self

    @property
    def queue(self) -> Locator:
        return self.page.get_by_role("list", name="等待人工的会话")

    def queue_item(self, conversation_id: str) -> Locator:
        """The queue row of one conversation (rows carry the conversation id for tests and tooling)."""
        return self.queue.locator(f'li[data-conversation="{conversation_id}"]')

    def open(self, conversation_id: str) -> None:
        self.queue_item(conversation_id).get_by_role("button").click()
        expect(self.transcript).to_be_visible()

    @property
    def transcript(self) -> Locator:
        return self.page.get_by_role("log", name="对话记录")

    @property
    def state(self) -> Locator:
        return self.page.locator("#detail").get_by_role("status")

    @property
    def suggestions(self) -> Locator:
        return self.page.get_by_role("list", name="建议回复").get_by_role("listitem")

    @property
    def reply(self) -> Locator:
        return self.page.get_by_role("textbox", name="回复内容")

    def claim(self) -> None:
        self.page.get_by_role("button", name="接手", exact=True).click()
        expect(self.state).to_contain_text("你已接手")

    def use_suggestion(self, index: int = 0) -> str:
        """Click 用这条 on a suggestion; returns its text as now in the reply box."""
        self.suggestions.nth(index).get_by_role("button", name="用这条").click()
        return self.reply.input_value()

    def send(self) -> None:
        self.page.get_by_role("button", name="发送给用户", exact=True).click()
        expect(self.reply).to_have_value("")

    def hand_back(self) -> None:
        self.page.get_by_role("button", name="交还给机器人", exact=True).click()
        expect(self.state).to_contain_text("已交还给机器人")
