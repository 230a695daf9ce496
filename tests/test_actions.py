"""Actions run against tracker fixtures: the exact events they return and what the user is told."""
from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import config
from actions.clarify import ActionAskAffirmation
from actions.handoff import ActionHandoff
from actions.intake import ActionAskIntakeDone, ActionHandleInform, ActionStartCase, ValidateCaseForm
from actions.knowledge import ActionExplainChannels, ActionExplainPlatformRole, ActionExplainRule
from actions.progress import ActionCaseProgress
from actions.route import ActionRouteCase
from weiquan import replies


@pytest.fixture(autouse=True)
def case_db(tmp_path, monkeypatch):
    monkeypatch.setenv("WEIQUAN_DB_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    config.settings.cache_clear()
    config.case_store.cache_clear()
    yield
    config.settings.cache_clear()
    config.case_store.cache_clear()


def tracker(text: str = "", intent: str | None = None, entities: list[dict] | None = None,
            slots: dict[str, Any] | None = None, sender: str = "u1", ranking: list[dict] | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9} if intent else {},
               "entities": entities or [], "intent_ranking": ranking or []}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker(sender, slots or {}, message, events, False, None, {}, "action_listen")


def run(action, current: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, current, {}))
    return events, dispatcher.messages


def test_scam_gets_safety_advice_before_anything_else():
    events, messages = run(ActionStartCase(), tracker(
        "有人冒充天猫客服让我下载会议软件，我已经转了2000块", "report_scam",
        [{"entity": "amount", "value": 2000.0}]))
    first = messages[0]["text"]
    assert "别再转账" in first and "110" in first and "96110" in first and "银行" in first
    assert SlotSet("complaint_type", "report_scam") in events
    assert SlotSet("money_lost", True) in events
    assert SlotSet("intake_done", True) in events  # nothing left to ask: money lost and amount known


def test_start_case_names_the_type_and_keeps_what_was_said():
    events, messages = run(ActionStartCase(), tracker(
        "退款申请一个星期了商家一直不处理", "complain_refund", [{"entity": "duration", "value": 7.0}]))
    assert "退款问题" in messages[0]["text"]
    assert SlotSet("merchant_contacted", True) in events
    assert SlotSet("merchant_response", "silent") in events
    assert SlotSet("after_sales_requested", True) in events
    assert SlotSet("intake_done", None) in events


@pytest.mark.parametrize(
    ("text", "complaint", "fact", "next_channel", "why_word", "rule_id"),
    [
        ("充电宝充电的时候炸了，我手被烫伤了，去医院包扎的", "complain_quality", "injury",
         "market_regulator_12315", "伤", "defect_injury"),
        ("买的耳机三天了还没发货，客服一直不回", "complain_merchant_service", "unshipped",
         "after_sales_request", "没发货", "late_shipment_consent"),
        ("差评之后店家天天打电话骂我，还说知道我住哪，我很害怕", "complain_harassment", "threat",
         "police_antifraud", "110", "reviews_rule"),
        ("买的奶粉是过期的，孩子喝了拉肚子", "complain_quality", "is_food",
         "after_sales_request", "", "food_compensation"),
    ],
    ids=["injury-makes-it-serious", "unshipped-order-behind-silent-support", "threat-goes-to-the-police",
         "food-adds-the-food-safety-rule"],
)
def test_a_fact_said_in_passing_is_kept_and_shapes_the_route(text, complaint, fact, next_channel, why_word, rule_id):
    events, _ = run(ActionStartCase(), tracker(text, complaint))
    assert SlotSet(fact, True) in events
    slots = {"complaint_type": complaint, fact: True, "merchant_contacted": True,
             "merchant_response": "refused", "after_sales_requested": False}
    _, messages = run(ActionRouteCase(), tracker(slots=slots))
    route = messages[1]["custom"]
    step = next(s for s in route["steps"] if s["state"] == "next")
    assert step["channel"] == next_channel and why_word in step["why"]
    assert rule_id in route["rule_ids"]


def test_an_overlong_message_is_acknowledged_as_read_only_in_part():
    long_story = "商家一直不发货，问了也不回。" * 120 + "订单号3214567890123456789"
    current = tracker(long_story[:1000], "complain_shipping_delay")
    current.latest_message["weiquan_cut_at"] = 1000
    _, messages = run(ActionStartCase(), current)
    assert messages[0]["text"].startswith("这条消息太长，我只看了前1000个字。")
    assert "发货问题" in messages[0]["text"]
    _, messages = run(ActionStartCase(), tracker("商家一直不发货", "complain_shipping_delay"))
    assert "太长" not in messages[0]["text"]


def test_a_number_that_cannot_be_an_order_number_is_questioned_not_recorded():
    events, messages = run(ActionStartCase(), tracker(
        "订单号123 你查一下，衣服一直没发货", "complain_shipping_delay",
        [{"entity": "invalid_order_id", "value": "123", "start": 3, "end": 6}]))
    text = messages[0]["text"]
    assert "“123”不太像订单号" in text and "订单号：" not in text
    assert not any(e.get("name") == "order_id" for e in events)


def test_a_wrong_order_number_given_alone_is_questioned_too():
    events, messages = run(ActionHandleInform(), tracker(
        "订单号123", "inform", [{"entity": "invalid_order_id", "value": "123", "start": 3, "end": 6}]))
    assert events == []
    assert messages[0]["text"].startswith("“123”不太像订单号")
    assert "把遇到的问题整个说一下" in messages[0]["text"]


@pytest.mark.parametrize(
    ("text", "ranking", "opens"),
    [
        ("快递丢了，单号2987716650039218845", [("inform", 0.58), ("complain_logistics", 0.34)], "complain_logistics"),
        ("299块", [("inform", 0.77), ("complain_price", 0.13)], None),
    ],
    ids=["complaint-behind-facts", "bare-amount"],
)
def test_facts_open_a_case_only_when_a_complaint_is_likely_behind_them(text, ranking, opens):
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    amount = [{"entity": "amount", "value": 299.0, "start": 0, "end": 4}] if text == "299块" else []
    events, messages = run(ActionHandleInform(), tracker(text, "inform", amount, ranking=ranked))
    assert (SlotSet("complaint_type", opens) in events) == (opens is not None)
    assert ("把遇到的问题整个说一下" in messages[-1]["text"]) == (opens is None)


def test_a_complaint_said_plainly_and_read_as_facts_gets_complaint_buttons():
    """东西到了一看是二手的 was read as inform (0.90) and answered 收到: it states no fact, so it is a complaint."""
    ranked = [{"name": "inform", "confidence": 0.9}, {"name": "complain_not_as_described", "confidence": 0.05},
              {"name": "ask_rule", "confidence": 0.03}, {"name": "complain_quality", "confidence": 0.01}]
    events, messages = run(ActionHandleInform(), tracker("东西到了一看是二手的，有使用痕迹", "inform", ranking=ranked))
    assert events == []
    assert "哪一种" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == ["/complain_not_as_described", "/complain_quality", "/out_of_scope"]
    question = messages[0]["text"]

    # typed instead of a button: a less likely complaint answers the question
    typed = [{"name": "inform", "confidence": 0.31}, {"name": "deny", "confidence": 0.23},
             {"name": "complain_not_as_described", "confidence": 0.2}]
    answer = tracker("货不对板", "inform", ranking=typed)
    answer.events.insert(0, {"event": "bot", "text": question})
    events, _ = run(ActionHandleInform(), answer)
    assert SlotSet("complaint_type", "complain_not_as_described") in events

    # asked once: the same buttons do not come back for a message that answers nothing
    vague = [{"name": "inform", "confidence": 0.9}, {"name": "complain_quality", "confidence": 0.04}]
    again = tracker("嗯就是那个", "inform", ranking=vague)
    again.events.insert(0, {"event": "bot", "text": question})
    _, messages = run(ActionHandleInform(), again)
    assert "把遇到的问题整个说一下" in messages[0]["text"] and not messages[0].get("buttons")


def test_the_complaint_question_counts_as_asked_after_a_cut_notice():
    """Asked after a message cut for length, the question opens with a notice; a typed answer still answers it."""
    ranked = [{"name": "inform", "confidence": 0.9}, {"name": "complain_quality", "confidence": 0.05},
              {"name": "complain_not_as_described", "confidence": 0.04}]
    question, _ = replies.clarification(ranked, characters_read=1000, complaints_only=True)
    assert question != replies.clarification(ranked, complaints_only=True)[0]
    typed = [{"name": "inform", "confidence": 0.5}, {"name": "complain_quality", "confidence": 0.15}]
    answer = tracker("质量不行", "inform", ranking=typed)
    answer.events.insert(0, {"event": "bot", "text": question})
    events, _ = run(ActionHandleInform(), answer)
    assert SlotSet("complaint_type", "complain_quality") in events


def test_a_promised_duration_is_not_read_back_as_the_time_waited():
    text = "说好48小时发货，五天了还没发"
    entities = [{"entity": "duration", "value": 2.0, "start": 2, "end": 6},
                {"entity": "duration", "value": 5.0, "start": 9, "end": 11}]
    events, messages = run(ActionStartCase(), tracker(text, "complain_shipping_delay", entities))
    assert SlotSet("duration", 5.0) in events
    assert "5天" in messages[0]["text"] and "2天" not in messages[0]["text"]


def test_paid_in_a_price_complaint_is_no_money_lost():
    """付了599 while a price complaint's questions are asked was read back as 钱已转出：是."""
    slots = {"complaint_type": "complain_price", "pending_fact": "merchant_contacted"}
    answer = tracker("付了599", "inform", [{"entity": "amount", "value": 599.0, "start": 2, "end": 5}], slots=slots)
    events, messages = run(ValidateCaseForm(), answer)
    assert SlotSet("amount", 599.0) in events
    assert not any(e.get("name") == "money_lost" for e in events)
    assert "钱已转出" not in " ".join(m.get("text") or "" for m in messages)


def test_a_complaint_after_a_routed_case_starts_without_the_old_facts():
    old = {"case_id": "TS20261125-0001", "complaint_type": "complain_return_refused", "date": "2026-11-18",
           "duration": 7.0, "merchant_contacted": True, "merchant_response": "refused", "amount": 299.0}
    events, messages = run(ActionStartCase(), tracker(
        "新买的吹风机用了两次就不出热风了", "complain_quality", [{"entity": "product", "value": "吹风机"}], old))
    assert all(SlotSet(name, None) in events
               for name in ("date", "duration", "merchant_contacted", "merchant_response", "amount"))
    assert SlotSet("product", None) not in events
    assert "11月18日" not in messages[0]["text"] and "299" not in messages[0]["text"]
    assert SlotSet("intake_done", None) in events  # the questions start again


def test_a_stopped_case_keeps_its_facts_when_the_complaint_comes_back():
    kept = {"complaint_type": "complain_refund", "merchant_contacted": True, "amount": 299.0}
    events, messages = run(ActionStartCase(), tracker("退款还是没到", "complain_refund", slots=kept))
    assert not any(e.get("value") is None and e.get("name") in ("merchant_contacted", "amount") for e in events)
    assert "299元" in messages[0]["text"]


def test_angry_user_is_handed_off_at_once():
    events, messages = run(ActionStartCase(), tracker("垃圾商家！骗子！退款到现在都不给！！！", "complain_refund"))
    assert ConversationPaused() in events
    assert any("转人工" in m["text"] for m in messages if m.get("text"))


def test_ask_action_asks_the_next_missing_fact_with_buttons():
    events, messages = run(ActionAskIntakeDone(), tracker(slots={"complaint_type": "complain_refund"}))
    assert events == [SlotSet("pending_fact", "merchant_contacted")]
    assert messages[0]["text"] == "你跟商家（店铺客服）联系过这件事吗？"
    assert [b["title"] for b in messages[0]["buttons"]] == ["联系过了", "还没联系"]


@pytest.mark.parametrize(("slots", "question"), [
    ({"complaint_type": "report_scam", "money_lost": True}, "转给对方多少钱？"),
    ({"complaint_type": "complain_refund", "merchant_contacted": False}, "这单实际付了多少钱？"),
])
def test_the_amount_is_asked_in_the_words_of_the_case(slots, question):
    events, messages = run(ActionAskIntakeDone(), tracker(slots=slots))
    assert events == [SlotSet("pending_fact", "amount")]
    assert messages[0]["text"] == question


def test_an_answer_fills_the_pending_fact():
    slots = {"complaint_type": "complain_refund", "pending_fact": "merchant_response", "merchant_contacted": True}
    events, _ = run(ValidateCaseForm(), tracker("他们直接拒绝了", "inform", slots=slots))
    assert events == [SlotSet("merchant_response", "refused"), SlotSet("skipped_facts", []),
                      SlotSet("intake_retries", 0.0), SlotSet("intake_done", None)]


def test_an_intervention_result_answers_whether_one_was_requested_too():
    slots = {"complaint_type": "complain_platform_service", "pending_fact": "platform_intervened"}
    events, _ = run(ValidateCaseForm(), tracker("小二最后判我输了", "inform", slots=slots))
    assert events == [SlotSet("platform_intervened", True), SlotSet("platform_result", "against_buyer"),
                      SlotSet("skipped_facts", []), SlotSet("intake_retries", 0.0), SlotSet("intake_done", True)]


def test_skip_moves_on_and_finishes_when_nothing_else_is_needed():
    slots = {"complaint_type": "complain_counterfeit", "pending_fact": "amount", "merchant_contacted": False}
    events, _ = run(ValidateCaseForm(), tracker("不记得了", "skip", slots=slots))
    assert events == [SlotSet("skipped_facts", ["amount"]), SlotSet("intake_retries", 0.0),
                      SlotSet("intake_done", True)]


def test_a_question_in_the_middle_is_left_to_the_rules():
    slots = {"complaint_type": "complain_refund", "pending_fact": "merchant_contacted"}
    events, messages = run(ValidateCaseForm(), tracker("七天无理由怎么算", "ask_rule", slots=slots))
    assert events == [] and messages == []


def test_an_answer_read_as_another_intent_still_answers_the_question():
    slots = {"complaint_type": "complain_refund", "pending_fact": "after_sales_requested", "merchant_contacted": True}
    events, _ = run(ValidateCaseForm(), tracker("驳回了", "goodbye", slots=slots))
    assert SlotSet("after_sales_requested", True) in events
    question = tracker("申请退款以后，商家多久不处理算自动同意", "ask_rule", slots=slots)
    assert run(ValidateCaseForm(), question) == ([], [])  # a question that mentions the fact is still a question
    other_question = {"complaint_type": "complain_return_refused", "pending_fact": "received_date"}
    events, messages = run(ValidateCaseForm(), tracker("驳回了", "goodbye", slots=other_question))
    assert SlotSet("after_sales_requested", True) in events and "申请过售后：是" in messages[0]["text"]
    assert run(ValidateCaseForm(), tracker("再见", "goodbye", slots=other_question)) == ([], [])


REFUND_ASKED = {"complaint_type": "complain_refund", "pending_fact": "merchant_contacted"}


def test_a_complaint_of_another_kind_said_instead_of_an_answer_is_offered_as_a_switch():
    said = tracker("快递显示签收了，可我根本没收到", "complain_logistics", slots=REFUND_ASKED)
    events, messages = run(ValidateCaseForm(), said)
    assert events == [SlotSet("proposed_complaint", "complain_logistics")] and messages == []
    offered = {**REFUND_ASKED, "proposed_complaint": "complain_logistics"}
    events, messages = run(ActionAskIntakeDone(), tracker(slots=offered))
    assert events == []  # the pending question waits for the choice
    assert "快递物流问题" in messages[0]["text"] and "退款问题" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["换成这件事", "接着说刚才的"]


@pytest.mark.parametrize("answer", [("换成这件事", "inform"), ("好的", "affirm")])
def test_switching_starts_the_new_case_and_keeps_the_facts_given(answer):
    offered = {**REFUND_ASKED, "proposed_complaint": "complain_logistics", "order_id": "3021456789012345678"}
    events, messages = run(ValidateCaseForm(), tracker(*answer, slots=offered))
    assert SlotSet("complaint_type", "complain_logistics") in events
    assert SlotSet("proposed_complaint", None) in events and SlotSet("pending_fact", None) in events
    assert "快递物流问题" in messages[0]["text"] and "3021456789012345678" in messages[0]["text"]


@pytest.mark.parametrize("answer", [("接着说刚才的", "inform"), ("不用", "deny")])
def test_keeping_the_case_goes_back_to_its_question(answer):
    offered = {**REFUND_ASKED, "proposed_complaint": "complain_logistics"}
    events, messages = run(ValidateCaseForm(), tracker(*answer, slots=offered))
    assert events == [SlotSet("proposed_complaint", None), SlotSet("intake_retries", 0.0)]
    assert messages[0]["text"] == "我们接着刚才的问题。"
    events, messages = run(ActionAskIntakeDone(), tracker(slots=REFUND_ASKED))
    assert messages[0]["text"] == "你跟商家（店铺客服）联系过这件事吗？"


def test_an_answer_to_the_offer_that_is_neither_lets_it_lapse_and_is_read():
    offered = {**REFUND_ASKED, "proposed_complaint": "complain_logistics"}
    events, _ = run(ValidateCaseForm(), tracker("联系过了，商家不理", "inform", slots=offered))
    assert events[0] == SlotSet("proposed_complaint", None)
    assert SlotSet("merchant_contacted", True) in events


def test_the_platform_failing_in_the_middle_of_a_case_is_told_what_the_platform_can_do():
    said = tracker("天猫客服管不了商家", "complain_platform_service", slots=REFUND_ASKED)
    events, messages = run(ValidateCaseForm(), said)
    assert events == [SlotSet("intake_retries", 0.0)]  # the case stays; its question comes again
    texts = [m.get("text") or "" for m in messages]
    assert any("不能" in t and "商家" in t for t in texts) and texts[-1] == "我们接着刚才的问题。"


def test_an_answer_read_as_a_complaint_is_still_the_answer():
    slots = {"complaint_type": "complain_quality", "pending_fact": "merchant_response", "merchant_contacted": True}
    events, _ = run(ValidateCaseForm(), tracker("商家说拆封了不退", "complain_return_refused", slots=slots))
    assert SlotSet("merchant_response", "refused") in events
    assert not any(e.get("name") == "proposed_complaint" for e in events)


def test_the_same_complaint_said_again_is_no_switch():
    events, _ = run(ValidateCaseForm(), tracker("钱到现在还没退回来", "complain_refund", slots=REFUND_ASKED))
    assert not any(e.get("name") == "proposed_complaint" for e in events)


def test_a_part_of_a_month_said_to_the_date_question_is_asked_for_its_day():
    known = {"complaint_type": "complain_quality", "pending_fact": "received_date", "intake_retries": 1.0}
    events, messages = run(ActionAskIntakeDone(), tracker("10月底", "inform", slots=known))
    expected = "10月底是几号？说个大概的日子就行，比如“10月28日”。实在记不清，可以说“跳过”。"
    assert [m["text"] for m in messages] == [expected]
    assert events == [SlotSet("pending_fact", "received_date")]


def test_a_part_of_a_month_said_to_a_yes_no_question_gets_the_usual_retry():
    known = {"complaint_type": "complain_quality", "pending_fact": "merchant_contacted", "intake_retries": 1.0,
             "received_date": "2026-11-20"}
    _, messages = run(ActionAskIntakeDone(), tracker("10月底", "inform", slots=known))
    assert messages[0]["text"].startswith("这个回答我没看懂")


@pytest.mark.parametrize(
    ("pending", "slots", "mentions_buttons"),
    [("merchant_contacted", {"received_date": "2026-11-20"}, True), ("received_date", {}, False)],
    ids=["yes-no-question", "date-question"],
)
def test_a_question_asked_again_mentions_buttons_only_when_it_has_them(pending, slots, mentions_buttons):
    known = {"complaint_type": "complain_return_refused", "pending_fact": pending, "intake_retries": 1.0, **slots}
    _, messages = run(ActionAskIntakeDone(), tracker(slots=known))
    assert messages[0]["text"].startswith("这个回答我没看懂")
    assert ("按钮" in messages[0]["text"]) == mentions_buttons == bool(messages[0]["buttons"])


def test_a_hospital_bill_is_not_taken_for_the_price():
    text = "我买的面霜用了过敏，脸都肿了，去医院花了八百"
    events, messages = run(ActionStartCase(), tracker(text, "complain_quality", [
        {"entity": "product", "value": "面霜", "start": 3, "end": 5},
        {"entity": "amount", "value": 800.0, "start": text.index("八百"), "end": len(text)}]))
    assert "面霜" in messages[0]["text"] and "800" not in messages[0]["text"]
    assert not any(e.get("name") == "amount" for e in events)


def test_an_unclear_answer_is_asked_again_once():
    slots = {"complaint_type": "complain_refund", "pending_fact": "merchant_response", "merchant_contacted": True}
    events, _ = run(ValidateCaseForm(), tracker("emmm", "inform", slots=slots))
    assert events == [SlotSet("intake_retries", 1.0)]


def test_an_order_number_sent_on_its_own_is_noted_not_called_unclear():
    slots = {"complaint_type": "complain_shipping_delay", "pending_fact": "after_sales_requested",
             "merchant_contacted": True, "intake_retries": 1.0}
    events, messages = run(ValidateCaseForm(), tracker(
        "订单号3214567890123456789", "inform",
        [{"entity": "order_id", "value": "3214567890123456789", "start": 3, "end": 22}], slots=slots))
    assert events == [SlotSet("intake_retries", 0.0)]
    assert messages[0]["text"] == "好的，记下了（订单号：3214567890123456789）。"


@pytest.mark.parametrize(("text", "intent"), [("没有订单号", "deny"), ("不知道订单号", "skip")])
def test_no_order_number_is_no_answer_and_no_misunderstanding(text, intent):
    """没有订单号 said to 联系过商家吗 is not 没有: the question comes again, after a word that it does not matter."""
    slots = {"complaint_type": "complain_wrong_or_missing_item", "pending_fact": "merchant_contacted"}
    events, messages = run(ValidateCaseForm(), tracker(text, intent, slots=slots))
    assert events == [SlotSet("intake_retries", 0.0)]
    assert [m["text"] for m in messages] == ["没有订单号也没关系，不影响我帮你分析。"]
    _, asked = run(ActionAskIntakeDone(), tracker(text, intent, slots={**slots, "intake_retries": 0.0}))
    assert asked[0]["text"].startswith("你跟商家（店铺客服）联系过这件事吗")


def test_a_bare_price_sent_to_a_yes_no_question_is_kept_and_the_question_stays_open():
    """328 to 联系过商家吗 once got 这个回答我没看懂, though 一千八 was kept as the price."""
    slots = {"complaint_type": "complain_quality", "pending_fact": "merchant_contacted",
             "received_date": "2026-11-27"}
    events, messages = run(ValidateCaseForm(), tracker("328", "inform", slots=slots))
    assert SlotSet("amount", 328.0) in events
    assert not any(e.get("name") == "merchant_contacted" for e in events)
    assert [m["text"] for m in messages] == ["好的，记下了（金额：328元）。"]


def test_order_facts_sent_instead_of_a_yes_or_no_are_noted_not_taken_for_yes():
    """少的是一盒面膜 holds a 是, and that is no answer to 申请过平台客服介入吗."""
    slots = {"complaint_type": "complain_wrong_or_missing_item", "pending_fact": "platform_intervened",
             "merchant_contacted": True, "merchant_response": "refused", "after_sales_requested": True}
    events, messages = run(ValidateCaseForm(), tracker(
        "订单号2209918374650012，少的是一盒面膜，89元", "inform",
        [{"entity": "order_id", "value": "2209918374650012", "start": 3, "end": 19},
         {"entity": "amount", "value": 89.0, "start": 29, "end": 32}], slots=slots))
    assert SlotSet("amount", 89.0) in events
    assert not any(e.get("name") == "platform_intervened" for e in events)
    assert messages[0]["text"].startswith("好的，记下了（")
    assert "2209918374650012" in messages[0]["text"] and "89" in messages[0]["text"]


def test_facts_said_instead_of_the_answer_are_kept_and_acknowledged():
    slots = {"complaint_type": "complain_return_refused", "pending_fact": "received_date"}
    events, messages = run(ValidateCaseForm(), tracker("联系了，商家不认", "inform", slots=slots))
    assert SlotSet("merchant_contacted", True) in events and SlotSet("merchant_response", "refused") in events
    assert not any(e.get("name") == "received_date" for e in events)
    assert len(messages) == 1 and messages[0]["text"].startswith("好的，记下了（")
    assert "联系过商家：是" in messages[0]["text"]


def test_an_answer_to_an_earlier_question_is_no_yes_to_the_open_one():
    """联系过了, sent to 在订单页申请过退款或售后吗, is read back; the order-page question stays open."""
    slots = {"complaint_type": "complain_counterfeit", "pending_fact": "after_sales_requested",
             "merchant_contacted": True, "merchant_response": "refused", "amount": 1200.0}
    events, messages = run(ValidateCaseForm(), tracker("联系过了", "affirm", slots=slots))
    assert not any(e.get("name") == "after_sales_requested" for e in events)
    assert SlotSet("intake_done", None) in events
    assert len(messages) == 1 and "联系过商家：是" in messages[0]["text"]


def test_a_button_answer_is_not_read_back():
    slots = {"complaint_type": "complain_refund", "pending_fact": "merchant_contacted"}
    events, messages = run(ValidateCaseForm(), tracker("联系过了", "affirm", slots=slots))
    assert SlotSet("merchant_contacted", True) in events
    assert messages == []


def test_a_correction_is_applied_and_confirmed():
    slots = {"complaint_type": "complain_return_refused", "pending_fact": "merchant_contacted",
             "received_date": "2026-11-20"}
    events, messages = run(ValidateCaseForm(), tracker(
        "不对，是11月18日收到的", "inform", [{"entity": "date", "value": "2026-11-18"}], slots))
    assert SlotSet("received_date", "2026-11-18") in events
    assert "已更正" in messages[0]["text"] and "11月18日" in messages[0]["text"]
    assert not any(isinstance(e, dict) and e.get("name") == "merchant_contacted" for e in events)


def test_two_amounts_in_one_message_are_no_correction_of_each_other():
    slots = {"complaint_type": "complain_price", "amount": 699.0}
    amounts = [{"entity": "amount", "value": 699.0, "start": 5, "end": 10},
               {"entity": "amount", "value": 599.0, "start": 15, "end": 18}]
    message = tracker("昨天页面价六百九十九，今天现价599，能补差价吗", "complain_price", amounts, slots)
    events, messages = run(ValidateCaseForm(), message)
    assert not any("已更正" in (m.get("text") or "") for m in messages)
    assert SlotSet("amount", 699.0) in events


def test_route_opens_a_case_and_sends_the_route_payload():
    slots = {"complaint_type": "complain_refund", "merchant_contacted": True, "merchant_response": "silent",
             "after_sales_requested": True, "platform_intervened": False, "amount": 200.0}
    events, messages = run(ActionRouteCase(), tracker(slots=slots))
    payload = messages[1]["custom"]
    assert re.fullmatch(r"TS\d{8}-\d{4}", payload["case_id"])
    assert events[0] == SlotSet("case_id", payload["case_id"])
    assert [s["state"] for s in payload["steps"]].count("next") == 1
    assert next(s["channel"] for s in payload["steps"] if s["state"] == "next") == "platform_intervention"
    assert payload["case_id"] in messages[0]["text"]
    assert config.case_store().get(payload["case_id"]).status == "routed"


def test_progress_finds_the_case_by_its_id():
    case = config.case_store().open_case("someone", "complain_logistics", {})
    _, messages = run(ActionCaseProgress(), tracker(f"{case.case_id}处理到哪了", "ask_progress", sender="other"))
    assert case.case_id in messages[0]["text"] and "快递物流问题" in messages[0]["text"]


def test_progress_for_an_unknown_case_id_says_so():
    _, messages = run(ActionCaseProgress(), tracker("TS20200101-0001 怎么样了", "ask_progress"))
    assert "没有找到" in messages[0]["text"]


def test_progress_without_a_case_says_where_the_platform_shows_a_refund():
    _, messages = run(ActionCaseProgress(), tracker("退款走到哪了，银行那边怎么还查不到", "ask_progress",
                                                    sender="nobody-with-a-case"))
    assert "没有你的案件记录" in messages[0]["text"] and "售后详情" in messages[0]["text"]


def test_handoff_pauses_the_bot_and_stores_a_summary():
    slots = {"complaint_type": "complain_refund", "amount": 200.0}
    events, messages = run(ActionHandoff(), tracker("转人工", "request_human", slots=slots))
    assert events[-1] == ConversationPaused()
    case = config.case_store().get(events[0]["value"])
    assert case.status == "handed_off"
    assert any("退款问题" in str(e.data) and "200元" in str(e.data) for e in case.history)
    assert "人工客服" in messages[-1]["text"]


def test_rule_answer_uses_the_users_receipt_date():
    _, messages = run(ActionExplainRule(), tracker(
        "我11月20日收到的，七天无理由最后一天是哪天", "ask_rule",
        [{"entity": "rule_topic", "value": "七天无理由"}, {"entity": "date", "value": "2026-11-20"}]))
    assert "11月27日" in messages[0]["text"]
    assert messages[1]["custom"]["type"] == "rule" and "seven_day_return" in messages[1]["custom"]["rule_ids"]


def test_a_rule_question_without_a_tagged_topic_is_answered_by_its_words_not_asked_which_rule():
    _, messages = run(ActionExplainRule(), tracker("我买的东西降价了，原价599现在499，能退差价吗", "ask_rule"))
    assert "哪条规则" not in messages[0]["text"] and "价保" in messages[0]["text"]


def test_platform_role_says_what_it_can_and_cannot_do():
    _, messages = run(ActionExplainPlatformRole(), tracker("天猫客服管不了商家吗", "ask_platform_role"))
    assert "能做的" in messages[0]["text"] and "做不了的" in messages[0]["text"]
    assert "12315" in messages[0]["text"]


@pytest.mark.parametrize("action, intent", [
    (ActionExplainRule(), "ask_rule"),
    (ActionExplainPlatformRole(), "ask_platform_role"),
    (ActionExplainChannels(), "ask_channel"),
])
def test_an_answer_to_an_overlong_question_says_it_was_read_only_in_part(action, intent):
    current = tracker("我想问一下，" * 200, intent)
    _, short = run(action, current)
    current.latest_message["weiquan_cut_at"] = 1000
    _, cut = run(action, current)
    notice = "这条消息太长，我只看了前1000个字。后面要是写了订单号、金额或日期，请单独再发一次。"
    assert cut[0]["text"] == notice + "\n" + short[0]["text"]
    assert "太长" not in short[0]["text"]


def test_a_question_about_one_channel_gets_that_channel_not_the_whole_list():
    _, messages = run(ActionExplainChannels(), tracker("12315电话多少", "ask_channel"))
    assert len(messages) == 1
    text = messages[0]["text"]
    assert text.startswith("向12315投诉：打12315") and "先准备好：" in text
    assert "找商家协商" not in text and "消费者协会" not in text


@pytest.mark.parametrize("text", ["我想投诉", "我要投诉！", "维权", "我想投诉一下这家店", "我在京东买的，能帮我投诉吗",
                                  "能不能帮我维权啊"])
@pytest.mark.parametrize("action, intent", [(ActionExplainChannels(), "ask_channel"),
                                            (ActionAskAffirmation(), "nlu_fallback")])
def test_a_bare_wish_to_complain_is_asked_what_happened_not_given_channels_or_buttons(text, action, intent):
    _, messages = run(action, tracker(text, intent))
    assert len(messages) == 1 and not messages[0].get("buttons")
    assert "遇到了什么事" in messages[0]["text"] and "找商家协商" not in messages[0]["text"]


@pytest.mark.parametrize("text", ["我要投诉商家不发货", "投诉12315电话多少", "我想问一下", "在哪投诉",
                                  "能不能投诉到平台", "怎么投诉淘宝卖家"])
def test_a_message_with_more_than_the_wish_is_no_bare_wish(text):
    assert not replies.is_complaint_wish(text)


def test_a_question_naming_no_channel_gets_them_all_in_order():
    _, messages = run(ActionExplainChannels(), tracker("这种事一般去哪投诉", "ask_channel"))
    text = messages[0]["text"]
    assert text.index("找商家协商") < text.index("向12315投诉") < text.index("仲裁或起诉")


@pytest.mark.parametrize(("text", "used", "first_ahead"), [
    ("商家不理我还能去哪投诉", "找商家协商", "1. 在订单页申请售后"),
    ("平台判我输了，我还能去哪投诉", "找商家协商、在订单页申请售后、申请平台客服介入", "1. 向平台举报店铺"),
])
def test_a_question_that_says_how_far_the_user_got_lists_only_what_is_ahead(text, used, first_ahead):
    _, messages = run(ActionExplainChannels(), tracker(text, "ask_channel"))
    lines = messages[0]["text"].splitlines()
    assert lines[0].startswith(f"你已经走过了：{used}。")
    assert lines[1].startswith(first_ahead)
    assert "仲裁或起诉" in messages[0]["text"]


def test_clarification_offers_top_intents_in_chinese():
    current = tracker("那个事", "nlu_fallback")
    current.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.3}, {"name": "complain_refund", "confidence": 0.2},
        {"name": "complain_return_refused", "confidence": 0.18}, {"name": "inform", "confidence": 0.1},
        {"name": "ask_rule", "confidence": 0.05}]
    _, messages = run(ActionAskAffirmation(), current)
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/complain_refund", "/complain_return_refused", "/ask_rule", "/out_of_scope"]
    assert "太长" not in messages[0]["text"]
    current.latest_message["weiquan_cut_at"] = 1000
    _, messages = run(ActionAskAffirmation(), current)
    assert messages[0]["text"].startswith("这条消息太长，我只看了前1000个字。")


def test_a_button_answer_counts_even_when_the_nlu_hears_stop():
    slots = {"complaint_type": "complain_refund", "pending_fact": "merchant_response", "merchant_contacted": True}
    events, _ = run(ValidateCaseForm(), tracker("一直不回或拖着不办", "stop", slots=slots))
    assert SlotSet("merchant_response", "silent") in events
