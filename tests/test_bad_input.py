"""Bad input gets a clear Chinese reply or a 4xx, never a crash or a lost conversation."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest

pytestmark = pytest.mark.server
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def replies_in_chinese(messages: list[dict]) -> bool:
    return any(CHINESE.search(m.get("text", "")) for m in messages)


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   ",
        "😡😡😡😭",
        "？？？。。。",
        "退款" * 2500,
        "<script>alert('x')</script>我要退款",
        '<img src=x onerror="alert(1)">',
        "My order refund 一直 pending 啊, seller 不理我",
        "订单号３０２１４５６７８９０１２３４５６７８，退款还没到",
    ],
    ids=["empty", "spaces", "emoji", "punctuation", "5000-chars", "script", "img-onerror", "mixed-english",
         "full-width-digits"],
)
def test_every_bad_input_gets_a_chinese_reply_and_the_conversation_goes_on(servers, message):
    sender = f"bad-{uuid.uuid4().hex[:10]}"
    assert replies_in_chinese(servers.say(sender, message))
    assert replies_in_chinese(servers.say(sender, "你好"))
    said = [e.get("text") for e in servers.tracker(sender)["events"] if e["event"] == "user"]
    assert said[-1] == "你好" and message.strip() in [(t or "").strip() for t in said]


@pytest.mark.parametrize("message", ["😡😡😡", "兙兡兣"], ids=["emoji", "rare-characters"])
def test_a_message_without_readable_words_asks_for_words(servers, message):
    reply = servers.say(f"bad-{uuid.uuid4().hex[:10]}", message)
    assert "一两句话" in reply[0]["text"] and ("表情" in reply[0]["text"]) and "生僻字" in reply[0]["text"]


def test_an_overlong_complaint_says_what_was_not_read(servers):
    story = "商家一直不发货，问了也不回。" * 120 + "订单号3214567890123456789"
    reply = "\n".join(m.get("text", "") for m in servers.say(f"bad-{uuid.uuid4().hex[:10]}", story))
    assert "只看了前1000个字" in reply and "订单号" in reply


def test_full_width_order_number_is_understood(servers):
    full_width = "订单号３０２１４５６７８９０１２３４５６７８，退款还没到"
    reply = servers.say(f"bad-{uuid.uuid4().hex[:10]}", full_width)
    assert "3021456789012345678" in "\n".join(m.get("text", "") for m in reply)


def test_script_is_not_echoed_back_as_markup(servers):
    reply = servers.say(f"bad-{uuid.uuid4().hex[:10]}", "<script>alert(1)</script>退款一直不到")
    assert all("<script" not in m.get("text", "") for m in reply)


def test_malformed_json_is_a_4xx_with_a_reason(servers):
    request = urllib.request.Request(
        f"{servers.rasa_url}/webhooks/rest/webhook", data=b'{"sender": "x", "message": ',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request, timeout=30)
    assert 400 <= error.value.code < 500
    assert error.value.read()


def test_missing_message_field_does_not_crash_the_server(servers):
    request = urllib.request.Request(
        f"{servers.rasa_url}/webhooks/rest/webhook", data=json.dumps({"sender": "x"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    except urllib.error.HTTPError as error:
        assert 400 <= error.code < 500
    assert replies_in_chinese(servers.say(f"bad-{uuid.uuid4().hex[:10]}", "你好"))
