"""The consumer chat widget in a real browser: what a shopper sees and can do on the demo shop page."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from harness.servers import rasa_stopped
from tests.browser.chat import DESKTOP, PHONE, Chat

pytestmark = [pytest.mark.browser, pytest.mark.server]

COMPLAINT = "退款申请一个星期了，商家一直不处理，钱也没退"


def answer_one_question(chat: Chat) -> None:
    """Answer the bot's last question: click its first open quick reply, or say we do not know."""
    bots = chat.bot_messages.count()
    open_buttons = chat.replies.last.get_by_role("button", disabled=False)
    if chat.replies.count() and open_buttons.count():
        open_buttons.first.click()
    else:
        chat.input.fill("不知道")
        chat.input.press("Enter")
    expect(chat.bot_messages.nth(bots)).to_be_visible()
    chat.wait_quiet()


def test_complaint_reaches_a_route_card_with_the_right_next_channel(chat: Chat):
    chat.say(COMPLAINT)
    for _ in range(8):
        if chat.route_card.count():
            break
        answer_one_question(chat)
    card = chat.route_card.last
    expect(card).to_be_visible()
    card.evaluate("card => card.scrollIntoView({block: 'start'})")
    chat.screenshot("widget-desktop-route.png")

    steps = card.get_by_role("list").first.get_by_role("listitem")
    next_step = steps.filter(has=chat.page.get_by_text("下一步", exact=True))
    expect(next_step).to_have_count(1)
    expect(next_step).to_contain_text("申请平台客服介入")
    expect(card).to_contain_text("案件编号")
    expect(card).to_contain_text("先准备好这些证据")


def test_a_quick_reply_is_sent_and_all_its_buttons_disabled(chat: Chat):
    chat.say(COMPLAINT)  # the bot asks its first question with quick replies
    buttons = chat.replies.nth(chat.replies.count() - 1).get_by_role("button")  # this group, not the next one
    assert buttons.count() >= 2
    for button in buttons.all():
        expect(button).to_be_enabled()
    title = buttons.first.inner_text()
    bots = chat.bot_messages.count()

    buttons.first.click()

    expect(chat.user_messages.last).to_contain_text(title)
    for button in buttons.all():
        expect(button).to_be_disabled()
    expect(buttons.first).to_have_attribute("aria-pressed", "true")
    expect(chat.bot_messages.nth(bots)).to_be_visible()
    chat.wait_quiet()
    chat.screenshot("widget-desktop.png")


def test_a_reload_shows_the_conversation_again_and_it_goes_on(chat: Chat):
    chat.say(COMPLAINT)
    before = chat.texts()
    open_titles = chat.replies.last.get_by_role("button", disabled=False).all_inner_texts() \
        if chat.replies.count() else []

    chat.page.reload()

    chat.wait_online()
    expect(chat.messages).to_have_count(len(before))
    assert chat.texts() == before
    if open_titles:
        expect(chat.replies.last.get_by_role("button", disabled=False)).to_have_text(open_titles)
    expect(chat.user_messages).to_have_count(1)  # the silent greeting payload is not shown as a message

    answer_one_question(chat)
    after = chat.texts()
    assert after[:len(before)] == before
    assert len(after) > len(before)
    assert after[-1] != before[-1], "the bot asked the same question again instead of going on"


def test_a_rule_question_gets_a_rule_card_that_survives_a_reload(chat: Chat):
    chat.say("七天无理由退货是怎么算的")
    card = chat.log.get_by_role("region", name="规则说明卡片").last
    expect(card).to_be_visible()
    expect(card).to_contain_text("规则说明")
    expect(card).to_contain_text("依据：")
    shown = card.text_content() or ""

    chat.page.reload()
    chat.wait_online()
    expect(chat.log.get_by_role("region", name="规则说明卡片").last).to_have_text(shown)


def test_html_typed_by_the_user_is_shown_as_text(chat: Chat):
    attack = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'
    chat.send(attack)
    expect(chat.user_messages.last).to_contain_text(attack)
    chat.wait_quiet()
    expect(chat.log.locator("img, script")).to_have_count(0)
    assert chat.page.evaluate("window.__pwned") is None


def test_a_message_over_500_characters_is_not_sent_and_the_user_is_told_why(chat: Chat):
    text = "退" * 501
    chat.input.fill(text)
    expect(chat.page.get_by_text("501/500")).to_be_visible()
    chat.input.press("Enter")

    limit = chat.page.get_by_role("alert").filter(has_text="超过了 500 字")
    expect(limit).to_be_visible()
    expect(limit).to_contain_text("分成几条发送")
    expect(chat.input).to_have_value(text)
    expect(chat.user_messages).to_have_count(0)

    chat.input.press("End")
    chat.input.press("Backspace")
    expect(chat.page.get_by_text("500/500")).to_be_visible()
    expect(limit).to_be_hidden()
    chat.input.press("Enter")
    expect(chat.user_messages).to_have_count(1)
    expect(chat.page.get_by_text("0/500")).to_be_visible()


def test_enter_while_a_pinyin_ime_is_composing_does_not_send(chat: Chat):
    chat.input.focus()
    ime = chat.page.context.new_cdp_session(chat.page)
    ime.send("Input.imeSetComposition", {"text": "tuikuan", "selectionStart": 7, "selectionEnd": 7})
    chat.input.press("Enter")  # the IME takes this Enter to confirm its candidate
    chat.page.wait_for_timeout(500)
    expect(chat.user_messages).to_have_count(0)

    ime.send("Input.insertText", {"text": "退款"})  # the composition ends with the chosen characters
    expect(chat.input).to_have_value("退款\n")
    chat.input.press("Enter")
    expect(chat.user_messages).to_have_count(1)
    expect(chat.user_messages.last).to_contain_text("退款")


def test_shift_enter_is_a_new_line_and_enter_sends(chat: Chat):
    chat.input.press_sequentially("第一行")
    chat.input.press("Shift+Enter")
    chat.input.press_sequentially("第二行")
    expect(chat.user_messages).to_have_count(0)
    chat.input.press("Enter")
    expect(chat.user_messages).to_have_count(1)
    assert "第一行\n第二行" in chat.user_messages.last.inner_text()


def test_keyboard_only(open_chat):
    chat = open_chat(open_widget=False)
    page = chat.page
    launcher = page.get_by_role("button", name="打开维权助手对话")
    for _ in range(20):
        page.keyboard.press("Tab")
        if launcher.evaluate("button => button === document.activeElement"):
            break
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    chat.wait_online()
    chat.wait_greeting()

    page.keyboard.type(COMPLAINT)
    page.keyboard.press("Enter")
    expect(chat.replies).to_have_count(1)
    buttons = chat.replies.first.get_by_role("button")
    chat.wait_quiet()
    page.keyboard.press("Shift+Tab")  # from the input back to the last quick reply
    expect(buttons.last).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused button shows no focus ring"
    page.keyboard.press("Enter")
    for button in buttons.all():
        expect(button).to_be_disabled()

    page.keyboard.press("Escape")
    expect(launcher).to_be_focused()
    expect(chat.input).to_be_hidden()


@contextmanager
def serving(html: str) -> Iterator[str]:
    """A page of another site (another origin: its own port), served from this machine."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_one_script_tag_embeds_the_widget_in_another_sites_page(browser, stack):
    config = json.dumps({"serverUrl": stack.servers.rasa_url, "title": "好物商城售后助手",
                         "container": "#help"}, ensure_ascii=False)
    host_page = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>别的商城</title>'
        '<h1>帮助中心</h1><div id="help"></div>'
        f'<script src="{stack.url}widget/weiquan-widget.js" data-weiquan-config=\'{config}\'></script></html>'
    )
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    try:
        with serving(host_page) as url:
            page = context.new_page()
            page.goto(url)
            chat = Chat(page)
            expect(page.locator("#help").get_by_role("heading", name="好物商城售后助手")).to_be_visible()
            chat.wait_online()
            chat.wait_greeting()
            chat.send("你好")
            expect(chat.bot_messages).not_to_have_count(1)
    finally:
        context.close()


def test_a_new_conversation_starts_clean(chat: Chat):
    chat.say(COMPLAINT)
    chat.page.get_by_role("button", name="开始新的对话（清空当前对话）").click()
    expect(chat.user_messages).to_have_count(0)
    chat.wait_greeting()
    chat.page.reload()
    chat.wait_online()
    chat.wait_quiet()
    assert chat.bot_messages.count() >= 1
    expect(chat.log).not_to_contain_text(COMPLAINT)


def test_the_chat_is_usable_375_px_wide(open_chat):
    chat = open_chat(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page = chat.page
    chat.wait_greeting()
    panel = page.get_by_role("region", name="维权助手对话")
    box = panel.bounding_box()
    assert box is not None and box["x"] == 0 and box["width"] == PHONE["width"]
    for control in (chat.input, chat.send_button, page.get_by_role("button", name="收起对话窗口"),
                    page.get_by_role("button", name="开始新的对话（清空当前对话）")):
        expect(control).to_be_in_viewport()
    chat.say(COMPLAINT)
    for button in chat.replies.last.get_by_role("button").all():
        button_box = button.bounding_box()
        assert button_box is not None and button_box["x"] + button_box["width"] <= PHONE["width"]
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], "the page scrolls sideways"
    chat.screenshot("widget-mobile.png")


def test_a_notice_shows_while_rasa_is_down_and_the_chat_recovers(chat: Chat, stack):
    chat.say(COMPLAINT)
    before = chat.texts()
    users = chat.user_messages.count()

    with rasa_stopped(stack.servers):
        expect(chat.notice).to_be_visible()
        chat.input.fill("还在吗")
        chat.input.press("Enter")
        expect(chat.user_messages).to_have_count(users)
        expect(chat.input).to_have_value("还在吗")
        expect(chat.notice).to_be_visible()

    expect(chat.notice).to_be_hidden(timeout=60_000)
    assert chat.texts()[:len(before)] == before
    answer_one_question(chat)
    assert len(chat.texts()) > len(before)
