"""Routing: every complaint type × every stage → ordered steps, exactly one next (channels.md contract)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from harness import contracts
from weiquan import platform_role, rules
from weiquan.routing import DONE, LATER, NEXT, CaseFacts, Route, Stage, complaint_types, named_channels, route, stage_of

TODAY = date(2026, 11, 25)
REPO = Path(__file__).resolve().parent.parent


def channel_ids_of_contract() -> set[str]:
    return set(contracts.channel_ids())


def complaint_intents_of_taxonomy() -> set[str]:
    return {i for i in contracts.taxonomy_intents() if i.startswith("complain_") or i == "report_scam"}


STAGE_FACTS: dict[Stage, dict] = {
    Stage.NOT_CONTACTED: {},
    Stage.MERCHANT_PENDING: {"merchant_contacted": True},
    Stage.MERCHANT_FAILED: {
        "merchant_contacted": True,
        "after_sales_requested": True,
        "merchant_response": "refused",
    },
    Stage.PLATFORM_FAILED: {
        "merchant_contacted": True,
        "after_sales_requested": True,
        "merchant_response": "refused",
        "platform_intervened": True,
        "platform_result": "against_buyer",
    },
    Stage.SERIOUS: {"injury": True, "money_lost": True},
}

ORDER = {
    Stage.NOT_CONTACTED: "negotiate_merchant",
    Stage.MERCHANT_PENDING: "after_sales_request",
    Stage.MERCHANT_FAILED: "platform_intervention",
    Stage.PLATFORM_FAILED: "market_regulator_12315",
    Stage.SERIOUS: "market_regulator_12315",
}
ORDER_TYPES = [
    "complain_quality",
    "complain_counterfeit",
    "complain_not_as_described",
    "complain_wrong_or_missing_item",
    "complain_false_advertising",
    "complain_price",
    "complain_refund",
    "complain_return_refused",
    "complain_after_sales",
    "complain_shipping_delay",
    "complain_merchant_service",
    "complain_invoice",
]
EXPECTED_NEXT: dict[str, dict[Stage, str]] = {name: dict(ORDER) for name in ORDER_TYPES}
EXPECTED_NEXT["complain_logistics"] = {**ORDER, Stage.PLATFORM_FAILED: "postal_complaint"}
EXPECTED_NEXT["complain_harassment"] = {
    Stage.NOT_CONTACTED: "violation_report",
    Stage.MERCHANT_PENDING: "violation_report",
    Stage.MERCHANT_FAILED: "violation_report",
    Stage.PLATFORM_FAILED: "market_regulator_12315",
    Stage.SERIOUS: "police_antifraud",
}
EXPECTED_NEXT["complain_platform_service"] = {**ORDER, Stage.NOT_CONTACTED: "after_sales_request"}
EXPECTED_NEXT["report_scam"] = dict.fromkeys(Stage, "police_antifraud")

REQUIRED = {
    "complain_counterfeit": {"violation_report"},
    "complain_false_advertising": {"violation_report"},
    "complain_harassment": {"violation_report"},
    "complain_logistics": {"postal_complaint"},
    "report_scam": {"police_antifraud"},
}

CASES = [(ctype, stage) for ctype in sorted(EXPECTED_NEXT) for stage in Stage]


def routed(complaint_type: str, stage: Stage, **extra: object) -> Route:
    return route(CaseFacts(complaint_type, **{**STAGE_FACTS[stage], **extra}), TODAY)


def test_table_covers_every_complaint_intent_of_the_taxonomy() -> None:
    assert complaint_intents_of_taxonomy() == set(EXPECTED_NEXT) == set(complaint_types())


@pytest.mark.parametrize(("complaint_type", "stage"), CASES)
def test_stage_and_next_channel(complaint_type: str, stage: Stage) -> None:
    facts = CaseFacts(complaint_type, **STAGE_FACTS[stage])
    assert stage_of(facts) is stage
    result = route(facts, TODAY)
    assert result.stage is stage
    assert result.next_step.channel == EXPECTED_NEXT[complaint_type][stage]


@pytest.mark.parametrize(("complaint_type", "stage"), CASES)
def test_route_shape(complaint_type: str, stage: Stage) -> None:
    result = routed(complaint_type, stage)
    states = [step.state for step in result.steps]
    channels = [step.channel for step in result.steps]
    assert states.count(NEXT) == 1
    rank = {DONE: 0, NEXT: 1, LATER: 2}
    assert [rank[s] for s in states] == sorted(rank[s] for s in states), "done → next → later"
    assert len(channels) == len(set(channels))
    assert REQUIRED.get(complaint_type, set()) <= set(channels)
    assert set(channels) <= channel_ids_of_contract()
    for step in result.steps:
        if step.state != DONE:
            assert step.why and "{" not in step.why
    assert result.evidence and result.rule_ids
    # no item twice in other words (问题的照片或视频 / 问题照片或视频, 订单截图（含付款时间） / 订单截图)
    bare = [re.sub(r"（[^）]*）|的", "", item) for item in result.evidence]
    assert len(bare) == len(set(bare)), result.evidence
    assert all(rules.rule(rid) for rid in result.rule_ids)
    assert result.text.startswith("下一步：")
    assert "{" not in result.text and "}" not in result.text


@pytest.mark.parametrize("stage", list(Stage))
def test_scam_starts_with_police(stage: Stage) -> None:
    result = routed("report_scam", stage)
    assert result.steps[0].channel == "police_antifraud"
    assert result.steps[0].state == NEXT
    assert "110" in result.text.splitlines()[0]  # safety advice before anything else


def test_scam_with_police_already_called_moves_on_but_keeps_police_first() -> None:
    result = route(
        CaseFacts("report_scam", money_lost=True, done_channels=frozenset({"police_antifraud"})), TODAY
    )
    assert [(s.channel, s.state) for s in result.steps][:2] == [
        ("police_antifraud", DONE),
        ("violation_report", NEXT),
    ]


@pytest.mark.parametrize(("complaint_type", "stage"), CASES)
def test_payload_matches_channels_md(complaint_type: str, stage: Stage) -> None:
    payload = routed(complaint_type, stage).to_payload("TS20261125-0001")
    assert set(payload) == {"type", "complaint_type", "case_id", "steps", "rule_ids", "evidence"}
    assert payload["type"] == "route"
    assert payload["complaint_type"] == complaint_type
    assert payload["case_id"] == "TS20261125-0001"
    for step in payload["steps"]:
        assert {"channel", "state"} <= set(step) <= {"channel", "state", "why", "deadline"}
        assert step["channel"] in channel_ids_of_contract()
        if step["state"] == NEXT:
            assert step["why"]
    assert [s["state"] for s in payload["steps"]].count(NEXT) == 1
    assert all(isinstance(x, str) for x in payload["rule_ids"] + payload["evidence"])
    json.dumps(payload, ensure_ascii=False)


def test_large_sum_is_serious_but_starts_with_the_merchant() -> None:
    result = route(CaseFacts("complain_quality", amount=12000), TODAY)
    assert result.stage is Stage.SERIOUS
    assert result.next_step.channel == "negotiate_merchant"
    assert {"legal_action", "human_agent"} <= {s.channel for s in result.steps}


def test_small_sum_is_not_serious() -> None:
    assert stage_of(CaseFacts("complain_quality", amount=199)) is Stage.NOT_CONTACTED


def test_injury_adds_the_injury_rule_and_limitation() -> None:
    result = route(CaseFacts("complain_quality", injury=True), TODAY)
    assert "defect_injury" in result.rule_ids
    legal = next(s for s in result.steps if s.channel == "legal_action")
    assert legal.deadline and "两年" in legal.deadline


def test_an_unshipped_order_behind_a_silent_merchant_gets_the_late_shipment_rules() -> None:
    facts = {"merchant_contacted": True, "merchant_response": "silent"}
    plain = route(CaseFacts("complain_merchant_service", **facts), TODAY)
    unshipped = route(CaseFacts("complain_merchant_service", unshipped=True, **facts), TODAY)
    assert "late_shipment_consent" not in plain.rule_ids
    assert {"late_shipment_consent", "late_shipment_compensation"} <= set(unshipped.rule_ids)
    after_sales = next(s for s in unshipped.steps if s.channel == "after_sales_request")
    assert after_sales.state == "next" and "没发货" in (after_sales.why or "")
    assert unshipped.next_step.channel == plain.next_step.channel


def test_a_threat_sends_harassment_to_the_police_first_and_a_plain_one_to_the_report() -> None:
    threatened = route(CaseFacts("complain_harassment", threat=True), TODAY)
    plain = route(CaseFacts("complain_harassment"), TODAY)
    assert threatened.stage is Stage.SERIOUS and threatened.next_step.channel == "police_antifraud"
    assert plain.next_step.channel == "violation_report"
    assert route(CaseFacts("complain_quality", threat=True), TODAY).stage is Stage.NOT_CONTACTED


def test_threats_go_to_the_police_without_product_injury_rules() -> None:
    result = route(CaseFacts("complain_harassment", injury=True), TODAY)
    assert result.next_step.channel == "police_antifraud"
    assert "defect_injury" not in result.rule_ids and "scam_safety" not in result.rule_ids
    assert not any("两年" in (s.deadline or "") for s in result.steps)
    assert "转账记录" not in result.evidence


def test_platform_service_evidence_asks_for_a_result_page_only_after_an_intervention() -> None:
    not_requested = route(CaseFacts("complain_platform_service", platform_intervened=False), TODAY)
    ruled_against = route(CaseFacts("complain_platform_service", platform_result="against_buyer"), TODAY)
    assert not any("处理结果" in item for item in not_requested.evidence)
    assert "与平台客服的对话记录" in not_requested.evidence
    assert "客服介入的处理结果页面" in ruled_against.evidence
    assert "客服介入的处理结果页面" in ruled_against.text


def test_food_adds_the_food_rule() -> None:
    assert "food_compensation" in route(CaseFacts("complain_quality", is_food=True), TODAY).rule_ids


def test_refusal_in_chat_without_after_sales_request_asks_for_the_request() -> None:
    result = route(CaseFacts("complain_refund", merchant_contacted=True, merchant_response="refused"), TODAY)
    assert result.stage is Stage.MERCHANT_FAILED
    assert result.next_step.channel == "after_sales_request"


def test_open_intervention_stays_next_with_its_own_reason() -> None:
    facts = CaseFacts(
        "complain_refund", after_sales_requested=True, platform_intervened=True, platform_result="pending"
    )
    result = route(facts, TODAY)
    assert result.next_step.channel == "platform_intervention"
    assert "处理中" in (result.next_step.why or "")


def test_seven_day_deadline_uses_the_receipt_date() -> None:
    facts = CaseFacts("complain_return_refused", merchant_contacted=True, received_date=date(2026, 11, 20))
    result = route(facts, TODAY)
    assert result.next_step.channel == "after_sales_request"
    assert "11月27日" in (result.next_step.deadline or "")
    assert result.missing == ["return_requested_date"]


@pytest.mark.parametrize(
    ("received", "why_word", "not_word"),
    [(date(2026, 11, 20), "赶在最后一天之前", "已经过了"), (date(2026, 11, 10), "已经过了", "赶在最后一天之前")],
    ids=["within-seven-days", "after-seven-days"],
)
def test_the_seven_day_reason_follows_the_window(received: date, why_word: str, not_word: str) -> None:
    facts = CaseFacts("complain_return_refused", merchant_contacted=True, received_date=received)
    why = route(facts, TODAY).next_step.why or ""
    assert why_word in why and not_word not in why


def test_refund_deadline_uses_the_return_receipt_date() -> None:
    facts = CaseFacts(
        "complain_refund",
        after_sales_requested=True,
        merchant_response="silent",
        return_received_date=date(2026, 11, 10),
    )
    deadline = route(facts, TODAY).next_step.deadline or ""
    assert "11月17日" in deadline and "超时" in deadline


def test_regulator_deadline_counts_working_days() -> None:
    result = routed("complain_refund", Stage.PLATFORM_FAILED)
    assert "工作日" in (result.next_step.deadline or "") and "12月4日" in (result.next_step.deadline or "")


def test_outside_channels_already_used_are_done() -> None:
    facts = CaseFacts(
        "complain_refund",
        **STAGE_FACTS[Stage.PLATFORM_FAILED],
        done_channels=frozenset({"market_regulator_12315"}),
    )
    result = route(facts, TODAY)
    assert result.next_step.channel == "consumer_association"


def test_every_step_done_falls_back_to_a_human() -> None:
    used = frozenset({"market_regulator_12315", "consumer_association", "legal_action"})
    facts = CaseFacts("complain_refund", **STAGE_FACTS[Stage.PLATFORM_FAILED], done_channels=used)
    assert route(facts, TODAY).next_step.channel == "human_agent"


def test_facts_from_slots() -> None:
    facts = CaseFacts.from_mapping(
        {
            "complaint_type": "complain_return_refused",
            "received_date": "2026-11-20",
            "amount": "299",
            "other": 1,
        }
    )
    assert facts.received_date == date(2026, 11, 20)
    assert "11月27日" in (route(facts, TODAY).steps[1].deadline or "")


def test_unknown_complaint_type_is_an_error() -> None:
    with pytest.raises(ValueError):
        route(CaseFacts("complain_weather"), TODAY)


@pytest.mark.parametrize(
    ("facts", "must_contain"),
    [
        (None, "正式申请客服介入"),
        (CaseFacts("complain_platform_service", platform_intervened=True), "补齐"),
        (CaseFacts("complain_platform_service", platform_result="against_buyer"), "12315"),
        (CaseFacts("complain_platform_service", platform_result="for_buyer"), "到账"),
    ],
)
def test_platform_service_complaint_answer(facts: CaseFacts | None, must_contain: str) -> None:
    answer = platform_role.complaint_answer(facts)
    assert must_contain in answer.text
    assert all(rules.rule(rid) for rid in answer.rule_ids)


def test_platform_role_answer_has_can_cannot_and_next() -> None:
    answer = platform_role.answer()
    for heading in ("平台能做的", "平台做不了的", "你还可以"):
        assert heading in answer.text
    assert "12315" in answer.text
    assert all(rules.rule(rid) for rid in answer.rule_ids)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12315电话多少", ["market_regulator_12315"]),
        ("消协和12315哪个管用", ["consumer_association", "market_regulator_12315"]),
        ("被骗了打96110还是110", ["police_antifraud"]),
        ("快递丢件能打12305吗", ["postal_complaint"]),
        ("这点钱值得去法院起诉吗", ["legal_action"]),
        ("商家不理我还能去哪投诉", []),
        ("订单号3212110998，还能找谁", []),
        ("用工商银行卡付的款，找谁退", []),
    ],
)
def test_a_question_names_the_channels_it_asks_about(text, expected):
    assert named_channels(text) == expected


def test_goods_unlike_the_listing_get_their_own_after_sales_reason_not_the_quality_one() -> None:
    facts = CaseFacts("complain_not_as_described", merchant_contacted=True, received_date=date(2026, 11, 24))
    why = route(facts, TODAY).next_step.why or ""
    assert "描述不符" in why and "质量问题" not in why


@pytest.mark.parametrize("complaint_type", ["complain_shipping_delay", "complain_price", "complain_invoice",
                                            "complain_refund", "complain_merchant_service", "complain_return_refused",
                                            "complain_not_as_described"])
def test_problems_without_a_visible_defect_ask_for_no_photo_of_it(complaint_type: str) -> None:
    result = route(CaseFacts(complaint_type, merchant_contacted=True), TODAY)
    assert result.next_step.channel == "after_sales_request"
    assert not any("问题照片" in item or "问题的照片" in item for item in result.evidence)


@pytest.mark.parametrize(("complaint_type", "word"),
                         [("complain_price", "差价"), ("complain_shipping_delay", "催发货")])
def test_the_merchant_is_asked_for_what_the_complaint_needs_not_for_a_repair(complaint_type: str, word: str) -> None:
    why = route(CaseFacts(complaint_type), TODAY).next_step.why or ""
    assert word in why and "维修" not in why
