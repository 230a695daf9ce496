"""The trainer inbox page as a trainer sees and uses it (roles, names and visible text only)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

CONFIDENCE = re.compile(r"置信度 (\d\.\d\d)")


@dataclass
class Inbox:
    page: Page
    errors: list[str] = field(default_factory=list)

    def open(self, base_url: str) -> Inbox:
        self.page.goto(f"{base_url}trainer/")
        return self

    def login(self, name: str, password: str) -> None:
        self.page.get_by_label("用户名").fill(name)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page.get_by_role("button", name="退出")).to_be_visible()

    @property
    def rows(self) -> Locator:
        return self.page.get_by_role("list", name="消息列表").get_by_role("listitem")

    def row(self, text: str) -> Locator:
        return self.rows.filter(has_text=text)

    def sort_by(self, label: str) -> None:
        self.page.get_by_label("排序").select_option(label=label)
        self.page.get_by_role("button", name="刷新").click()
        expect(self.rows.first).to_be_visible()

    def confidences(self) -> list[float]:
        return [float(m.group(1)) for text in self.rows.all_inner_texts() for m in [CONFIDENCE.search(text)] if m]

    def relabel(self, text: str, search: str, label: str) -> None:
        self.row(text).get_by_role("button", name="改意图").click()
        self.page.get_by_role("searchbox", name="搜索意图").fill(search)
        self.page.get_by_role("listbox", name="意图列表").get_by_role("option").filter(has_text=label).first.click()
        expect(self.row(text)).to_contain_text(f"已改为 {label}")

    def select_characters(self, text: str, start: int, end: int) -> None:
        """Select characters [start, end) of the message text with the mouse's result: a DOM selection."""
        box = self.row(text).locator("[data-role=text]")
        box.evaluate(
            """(box, [start, end]) => {
                const range = document.createRange();
                let seen = 0;
                const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
                for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                    const length = node.textContent.length;
                    if (seen <= start && start <= seen + length) { range.setStart(node, start - seen); }
                    if (seen <= end && end <= seen + length) { range.setEnd(node, end - seen); break; }
                    seen += length;
                }
                const selection = window.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
            }""",
            [start, end],
        )

    def mark_entity(self, text: str, start: int, end: int, entity: str) -> None:
        row = self.row(text)
        row.get_by_label("实体类型").select_option(entity)
        self.select_characters(text, start, end)
        row.get_by_role("button", name="标为实体").click()
        expect(row.get_by_role("button", name=f"删除实体：{text[start:end]}")).to_be_visible()

    def remove_entity(self, text: str, value: str) -> None:
        self.row(text).get_by_role("button", name=f"删除实体：{value}").click()
        expect(self.row(text).get_by_role("button", name=f"删除实体：{value}")).to_have_count(0)

    def shortcut(self, text: str, key: str) -> None:
        """Click the message's sentence (it becomes the current row) and press a shortcut key."""
        self.row(text).locator("[data-role=text]").click()
        self.page.keyboard.press(key)

    def warning(self, text: str) -> Locator:
        return self.row(text).get_by_role("alert")

    def export(self) -> Locator:
        self.page.get_by_role("button", name="导出到训练数据").click()
        report = self.page.get_by_role("region", name="导出结果")
        expect(report).to_be_visible()
        return report
