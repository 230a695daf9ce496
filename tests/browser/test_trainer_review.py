"""A trainer reviews a real consumer message in the inbox and exports it into a valid NLU file."""
from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from harness.servers import REPO, VENV_BIN, running_webapp
from tests.browser.chat import DESKTOP
from tests.browser.conftest import WAIT_MS, Stack
from tests.browser.trainer import Inbox
from weiquan.nlu_data import load_examples

pytestmark = [pytest.mark.browser, pytest.mark.server]

MESSAGE = "上个月买的空气炸锅炸薯条外面糊了里面还是生的"
OTHER = "我的快递三天都没动静了，物流一直停在中转站"


@pytest.fixture(scope="module")
def inbox_app(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A web app on the stack's tracker store whose export goes to a temporary NLU file."""
    workdir = tmp_path_factory.mktemp("trainer")
    reviewed = workdir / "reviewed.yml"
    env = {"WEIQUAN_REVIEWED_NLU_PATH": str(reviewed), "WEIQUAN_DB_URL": f"sqlite:///{workdir / 'reviews.db'}",
           "WEIQUAN_REVIEWED_HELDOUT_PATH": str(workdir / "heldout_reviewed.yml"),
           "WEIQUAN_REVIEWED_STORIES_DIR": str(workdir / "stories")}
    with running_webapp(stack.servers, workdir, env=env) as url:
        yield url, reviewed


@pytest.fixture
def inbox(browser: Browser, inbox_app: tuple[str, Path]) -> Iterator[Inbox]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    inbox = Inbox(page)
    page.on("pageerror", lambda error: inbox.errors.append(str(error)))
    yield inbox.open(inbox_app[0])
    context.close()
    assert inbox.errors == []


def test_a_trainer_relabels_fixes_an_entity_and_exports(stack: Stack, inbox: Inbox, inbox_app, tmp_path: Path):
    stack.servers.say("wq-trainer-browser-0001", MESSAGE)
    stack.servers.say("wq-trainer-browser-0002", OTHER)
    inbox.login("lin", "trainer-test-pw")

    inbox.sort_by("置信度从低到高")
    expect(inbox.row(MESSAGE)).to_be_visible()
    shown = inbox.confidences()
    assert len(shown) >= 2 and shown == sorted(shown)

    inbox.relabel(MESSAGE, "货不对", "货不对板")

    start = MESSAGE.index("空气炸锅")
    inbox.mark_entity(MESSAGE, start + 2, start + 4, "product")
    expect(inbox.warning(MESSAGE)).to_contain_text("空气炸锅")
    inbox.remove_entity(MESSAGE, "炸锅")
    inbox.mark_entity(MESSAGE, start, start + 4, "product")
    expect(inbox.warning(MESSAGE)).to_be_empty()
    expect(inbox.row(MESSAGE).locator("mark")).to_have_text("空气炸锅")
    expect(inbox.row(MESSAGE)).to_contain_text("已改为 货不对板")

    inbox.shortcut(OTHER, "d")
    expect(inbox.row(OTHER)).to_have_count(0)

    report = inbox.export()
    expect(report).to_contain_text("已写入训练数据 1 条")

    reviewed = inbox_app[1]
    examples = load_examples(reviewed)
    assert [(e.text, e.intent, e.entities) for e in examples] == [
        (MESSAGE, "complain_not_as_described", (("product", "空气炸锅"),))]
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "nlu", data / "nlu")
    shutil.copy(reviewed, data / "nlu" / "reviewed.yml")
    result = subprocess.run(
        [str(VENV_BIN / "rasa"), "data", "validate", "--domain", "domain", "--data", str(data / "nlu"),
         "data/rules.yml", "data/stories.yml", "--fail-on-warnings"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
