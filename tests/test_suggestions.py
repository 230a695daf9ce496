"""Suggested replies for agents: the bot's own rules and route for the case's facts, best meaning first."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from weiquan import intake, routing
from weiquan.suggestions import CaseView, good_reply, suggest

NOW = datetime(2026, 11, 25, 10, 0)
REFUSED_AFTER_REQUEST = {"merchant_contacted": True, "merchant_response": "refused", "after_sales_requested": True}


def parse(*ranking: tuple[str, float], text: str = "", entities: list[dict[str, Any]] | None = None) -> dict:
    return {"text": text, "intent": {"name": ranking[0][0], "confidence": ranking[0][1]} if ranking else None,
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking], "entities": entities or []}


# complaint type, case facts, next channel, rules the reply must rest on, text the consumer would notice
CASES = [
    ("complain_quality", {"received_date": "2026-11-20", "merchant_contacted": False, "amount": 159},
     "negotiate_merchant", ["quality_return"], "找商家协商"),
    ("complain_counterfeit", {**REFUSED_AFTER_REQUEST, "amount": 350, "platform_intervened": False},
     "platform_intervention", ["counterfeit_platform_rule", "fraud_compensation"], "可以多要1,050元"),
    ("complain_not_as_described", {}, "negotiate_merchant", ["seven_day_return"], "七天"),
    ("complain_wrong_or_missing_item", {}, "negotiate_merchant", ["seller_first_liability"], "商家"),
    ("complain_false_advertising", {}, "negotiate_merchant", ["truthful_info"], "宣传"),
    ("complain_price", {}, "negotiate_merchant", ["price_protection"], "价保"),
    ("complain_refund", {"merchant_contacted": True, "merchant_response": "silent", "amount": 299},
     "after_sales_request", ["refund_after_return"], "七天内退款"),
    ("complain_return_refused", {"received_date": "2026-11-20", "merchant_contacted": True,
                                 "merchant_response": "refused"},
     "after_sales_request", ["seven_day_return"], "最后一天是11月27日"),
    ("complain_after_sales", {}, "negotiate_merchant", ["sanbao"], "三包"),
    ("complain_shipping_delay", {"merchant_contacted": True, "merchant_response": "silent"},
     "after_sales_request", ["late_shipment_consent"], "发货"),
    ("complain_logistics", {}, "negotiate_merchant", ["parcel_receipt"], "签收"),
    ("complain_merchant_service", {}, "negotiate_merchant", ["platform_duty_assist"], "平台"),
    ("complain_harassment", {}, "violation_report", ["reviews_rule"], "举报"),
    ("complain_invoice", {}, "negotiate_merchant", ["invoice"], "发票"),
    ("complain_platform_service", {"platform_intervened": True, "platform_result": "against_buyer"},
     "market_regulator_12315", ["regulator_complaint"], "12315"),
    ("report_scam", {"money_lost": True}, "police_antifraud", ["scam_safety"], "110"),
]


def test_the_table_covers_every_complaint_type():
    assert sorted(row[0] for row in CASES) == sorted(routing.complaint_types())


@pytest.mark.parametrize(("complaint_type", "facts", "channel", "rule_ids", "shown"), CASES,
                         ids=[row[0] for row in CASES])
def test_the_top_suggestion_carries_the_rules_and_next_step_for_the_case(complaint_type, facts, channel, rule_ids,
                                                                        shown):
    found = suggest(parse((complaint_type, 0.7), ("greet", 0.2), ("thank", 0.1)), CaseView(complaint_type, facts),
                    NOW)
    top = found[0]
    assert (top.intent, top.channel) == (complaint_type, channel)
    assert set(rule_ids) <= set(top.rule_ids)
    assert shown in top.text
    assert good_reply(complaint_type, facts, NOW).matches(top)
    assert [s.confidence for s in found] == sorted((s.confidence for s in found), reverse=True)
    assert len(found) == 3


def test_an_answer_about_the_case_gets_the_case_advice_with_the_new_fact():
    found = suggest(parse(("inform", 0.8), ("complain_refund", 0.1), text="退款金额是299元",
                          entities=[{"entity": "amount", "value": 299.0}]),
                    CaseView("complain_quality", {"received_date": "2026-11-20"}), NOW)
    assert found[0].intent == "complain_quality" and found[0].confidence == 0.8
    assert found[1].intent == "complain_refund"


def test_the_question_for_the_most_important_missing_fact_is_asked():
    top = suggest(parse(("complain_quality", 0.9)), CaseView("complain_quality", {}), NOW)[0]
    assert top.asks == "received_date"
    assert top.text.endswith(intake.facts()["received_date"].question)
    complete = {"received_date": "2026-11-20", "merchant_contacted": False, "amount": 159}
    assert suggest(parse(("complain_quality", 0.9)), CaseView("complain_quality", complete), NOW)[0].asks is None


def test_a_rule_question_is_answered_with_the_case_dates():
    found = suggest(parse(("ask_rule", 0.9), entities=[{"entity": "rule_topic", "value": "七天无理由"}]),
                    CaseView("complain_return_refused", {"received_date": "2026-11-20"}), NOW)
    assert found[0].intent == "ask_rule" and found[0].rule_ids[0] == "seven_day_return"
    assert "11月27日" in found[0].text


@pytest.mark.parametrize(("intent", "case", "expected"), [
    ("greet", CaseView(), "你好"),
    ("request_human", CaseView(), "人工客服"),
    ("thank", CaseView("complain_refund", {}), "不客气"),
    ("ask_progress", CaseView("complain_refund", {}, "TS20261125-0001", "handed_off"), "TS20261125-0001"),
])
def test_small_talk_gets_a_short_human_reply(intent, case, expected):
    top = suggest(parse((intent, 0.95)), case, NOW)[0]
    assert top.intent == intent and expected in top.text and top.rule_ids == []


def test_nothing_understood_still_gives_a_way_to_start():
    found = suggest({}, CaseView(), NOW)
    assert len(found) == 1 and "遇到了什么问题" in found[0].text


def test_one_reply_text_is_suggested_once():
    found = suggest(parse(("inform", 0.5), ("complain_refund", 0.3), ("deny", 0.2)),
                    CaseView("complain_refund", {}), NOW)
    assert len(found) == 1 and found[0].confidence == 0.5
