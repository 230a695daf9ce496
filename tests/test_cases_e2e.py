"""The complaint brain end to end over REST: questions, rules with the user's numbers, the route, handoff."""
from __future__ import annotations

import uuid

import pytest

from harness.servers import http_json
from weiquan import intake

pytestmark = pytest.mark.server
QUESTIONS = {fact.question: name for name, fact in intake.facts().items()}


def new_sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def route_of(messages: list[dict]) -> dict | None:
    return next((m["custom"] for m in messages if m.get("custom", {}).get("type") == "route"), None)


def converse(servers, sender: str, first: str, answers: dict[str, str], max_turns: int = 8):
    """Send the complaint, answer each question the bot asks (by fact), until a route arrives."""
    transcript = servers.say(sender, first)
    asked: list[str] = []
    for _ in range(max_turns):
        if route_of(transcript):
            return transcript, asked
        question = next((QUESTIONS[m["text"].split("\n")[-1]] for m in reversed(transcript)
                         if m.get("text", "").split("\n")[-1] in QUESTIONS), None)
        assert question is not None, f"no question and no route: {transcript}"
        assert question in answers, f"unexpected question {question!r}"
        asked.append(question)
        transcript += servers.say(sender, answers[question])
    raise AssertionError(f"no route after {max_turns} answers: {transcript}")


def text_of(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def next_channel(route: dict) -> str:
    return next(s["channel"] for s in route["steps"] if s["state"] == "next")


def test_refund_ignored_for_a_week_goes_to_platform_intervention(servers):
    transcript, asked = converse(
        servers, new_sender(), "退款申请一个星期了，商家一直不处理，两百块钱到现在也没退",
        {"platform_intervened": "没有", "merchant_contacted": "联系过了", "amount": "200元"},
    )
    assert "merchant_contacted" not in asked and "amount" not in asked  # said in the first message
    route = route_of(transcript)
    assert next_channel(route) == "platform_intervention"
    assert route["case_id"] in text_of(transcript)


def test_counterfeit_lipstick_gets_a_violation_report_and_fraud_compensation(servers):
    transcript, _ = converse(
        servers, new_sender(), "专柜验了说这支口红是假的，我花了三百五",
        {"merchant_contacted": "还没联系", "amount": "350元"},
    )
    route = route_of(transcript)
    assert next_channel(route) == "negotiate_merchant"
    assert "violation_report" in [s["channel"] for s in route["steps"]]
    assert "1,050元" in text_of(transcript)


def test_lost_parcel_includes_the_courier_and_12305(servers):
    transcript, _ = converse(
        servers, new_sender(), "快递显示已经签收了，但我根本没收到，东西丢了",
        {"merchant_contacted": "还没联系", "amount": "八十九块", "merchant_response": "拒绝了",
         "after_sales_requested": "还没申请"},
    )
    route = route_of(transcript)
    assert "postal_complaint" in [s["channel"] for s in route["steps"]]
    assert "12305" in text_of(transcript) or any("12305" in s.get("why", "") for s in route["steps"])


def test_fake_customer_service_call_gets_safety_advice_first_then_police(servers):
    sender = new_sender()
    first = servers.say(sender, "有人打电话说是天猫客服，要给我退款，让我下载会议软件开屏幕共享")
    assert "110" in first[0]["text"] and "96110" in first[0]["text"] and "验证码" in first[0]["text"]
    transcript, _ = converse(servers, sender, "我已经转了两千块给他", {"money_lost": "已经转了", "amount": "2000元"})
    route = route_of(transcript)
    assert route["steps"][0]["channel"] == "police_antifraud" and route["steps"][0]["state"] == "next"


@pytest.mark.parametrize("message", ["天猫客服管不了商家吗", "天猫客服管不了商家，我该怎么办"])
def test_what_platform_customer_service_can_do(servers, message):
    reply = text_of(servers.say(new_sender(), message))
    assert "能做的" in reply and "做不了的" in reply and "12315" in reply


def test_unhappy_with_the_platforms_ruling_learns_where_to_go_next(servers):
    transcript, asked = converse(servers, new_sender(), "天猫客服管不了商家", {"platform_intervened": "判我输了"})
    assert asked == ["platform_intervened"]  # the result answers both questions
    reply = text_of(transcript)
    assert "平台这条路基本走完了" in reply and "12315" in reply and "消费者协会" in reply
    assert next_channel(route_of(transcript)) == "market_regulator_12315"


def test_only_chatted_with_platform_service_is_told_to_request_an_intervention(servers):
    transcript, asked = converse(servers, new_sender(), "天猫客服管不了商家", {"platform_intervened": "没有"})
    assert asked == ["platform_intervened"]
    reply = text_of(transcript)
    assert "正式申请客服介入" in reply and "做不了的" in reply


def test_seven_day_rule_with_the_users_date(servers):
    reply = text_of(servers.say(new_sender(), "我11月20日签收的，七天无理由退货最后一天是哪天？"))
    assert "11月27日" in reply


def test_progress_after_a_routed_case(servers):
    sender = new_sender()
    transcript, _ = converse(servers, sender, "给了差评，商家天天打电话骂我", {})
    case_id = route_of(transcript)["case_id"]
    reply = text_of(servers.say(sender, "我的投诉处理到哪一步了"))
    assert case_id in reply


def test_handoff_pauses_the_bot_until_resumed(servers):
    sender = new_sender()
    reply = text_of(servers.say(sender, "转人工"))
    assert "人工客服" in reply
    assert servers.tracker(sender)["paused"] is True
    assert servers.say(sender, "有人吗") == []
    http_json(f"{servers.rasa_url}/conversations/{sender}/tracker/events", {"event": "resume"})
    assert text_of(servers.say(sender, "你好"))
