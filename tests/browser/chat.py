"""The widget on the demo shop page as a shopper sees and uses it (roles, names and visible text only)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from harness.servers import REPO

ARTIFACTS = REPO / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
TIME = re.compile(r"\s*(\d{1,2}月\d{1,2}日 )?\d{2}:\d{2}\s*$")


@dataclass
class Chat:
    """The widget on the demo shop page, as a user sees and uses it."""

    page: Page
    errors: list[str] = field(default_factory=list)

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log", name="对话记录")

    @property
    def messages(self) -> Locator:
        return self.log.get_by_role("listitem").filter(has_text=re.compile(r"^\s*(助手|我)："))

    @property
    def user_messages(self) -> Locator:
        return self.log.get_by_role("listitem").filter(has_text=re.compile(r"^\s*我："))

    @property
    def bot_messages(self) -> Locator:
        return self.log.get_by_role("listitem").filter(has_text=re.compile(r"^\s*助手："))

    @property
    def agent_messages(self) -> Locator:
        """Messages a person of the service wrote, each labelled 人工客服 and their name."""
        return self.log.get_by_role("listitem").filter(has_text=re.compile(r"^\s*人工客服 \S+："))

    @property
    def sender_id(self) -> str:
        """The widget's conversation id (its Rasa sender id), as kept in the browser."""
        return str(self.page.evaluate("() => window.localStorage.getItem('weiquan.senderId')"))

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="输入你的问题")

    @property
    def send_button(self) -> Locator:
        return self.page.get_by_role("button", name="发送", exact=True)

    @property
    def notice(self) -> Locator:
        return self.page.get_by_role("status").filter(has_text="连接已断开")

    @property
    def replies(self) -> Locator:
        """Every group of quick-reply buttons in the conversation, oldest first."""
        return self.log.get_by_role("group", name="可选的回答")

    @property
    def route_card(self) -> Locator:
        return self.log.get_by_role("region", name="维权路线卡片")

    def open(self) -> Chat:
        self.page.get_by_role("button", name="打开维权助手对话").click()
        expect(self.input).to_be_focused()
        self.wait_online()
        return self

    def wait_online(self) -> None:
        expect(self.page.get_by_text("在线", exact=True)).to_be_visible()

    def wait_greeting(self) -> None:
        expect(self.bot_messages.first).to_be_visible()
        self.wait_quiet()

    def wait_quiet(self, quiet_ms: int = 1500) -> None:
        """Until the typing indicator is gone and no message arrived for `quiet_ms`."""
        expect(self.page.get_by_text("维权助手正在输入")).to_be_hidden()
        count = -1
        while count != self.messages.count():
            count = self.messages.count()
            self.page.wait_for_timeout(quiet_ms)
            expect(self.page.get_by_text("维权助手正在输入")).to_be_hidden()

    def send(self, text: str) -> None:
        """Type `text` and press Enter; waits until it shows as the user's message."""
        users = self.user_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_messages).to_have_count(users + 1)

    def say(self, text: str) -> None:
        """`send`, then wait until the bot has answered."""
        bots = self.bot_messages.count()
        self.send(text)
        expect(self.bot_messages.nth(bots)).to_be_visible()
        self.wait_quiet()

    def texts(self) -> list[str]:
        """What each message shows, without its time."""
        return [TIME.sub("", text).strip() for text in self.messages.all_inner_texts()]

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path
