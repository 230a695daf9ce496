"""Browser tests: the real servers and the web app, driven through Debian's Chromium with Playwright."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, expect, sync_playwright

from harness.servers import Servers, running_servers, running_webapp
from tests.browser.chat import DESKTOP, Chat

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
WAIT_MS = 30_000


@dataclass
class Stack:
    servers: Servers
    url: str


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Action server, Rasa server and web app, for every browser test of the session."""
    workdir = tmp_path_factory.mktemp("browser")
    with running_servers(workdir) as servers, running_webapp(servers, workdir) as url:
        yield Stack(servers, url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module: Playwright's sync API keeps an asyncio loop running while it is
    started, which would break `asyncio.run` in the test modules that come after."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser.sh")
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_chat(browser: Browser, stack: Stack) -> Iterator[Callable[..., Chat]]:
    """`open_chat(viewport=..., **context_options)`: a fresh browser profile on the shop page, widget open."""
    contexts = []
    chats: list[Chat] = []

    def make(viewport: dict[str, int] = DESKTOP, open_widget: bool = True, **options: Any) -> Chat:
        context = browser.new_context(
            viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai", **options,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        chat = Chat(page)

        def on_dialog(dialog: Dialog) -> None:
            chat.errors.append(f"dialog: {dialog.message}")
            dialog.dismiss()

        page.on("pageerror", lambda error: chat.errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.goto(stack.url)
        chats.append(chat)
        return chat.open() if open_widget else chat

    yield make
    for context in contexts:
        context.close()
    assert not [error for chat in chats for error in chat.errors], "errors in the page"


@pytest.fixture
def chat(open_chat: Callable[..., Chat]) -> Chat:
    """The widget opened on a desktop-sized window, greeting shown."""
    chat = open_chat()
    chat.wait_greeting()
    return chat
