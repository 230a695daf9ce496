"""What the bot can emit for a case: rules it names exist, channels are the contract's, one next step."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from harness import contracts
from weiquan import advice, rules

TODAY = date(2026, 11, 25)
COMPLAINTS = sorted(i for i in contracts.taxonomy_intents() if i.startswith("complain_") or i == "report_scam")
FACT_SETS = [
    {},
    {"merchant_contacted": False, "amount": 99.0},
    {"merchant_contacted": True, "merchant_response": "refused", "after_sales_requested": True,
     "received_date": "2026-11-20"},
    {"merchant_contacted": True, "merchant_response": "silent", "after_sales_requested": True,
     "platform_intervened": True, "platform_result": "against_buyer", "amount": 350.0},
    {"amount": 8000.0, "injury": True, "money_lost": True},
]


@pytest.mark.parametrize(("complaint_type", "facts"), list(itertools.product(COMPLAINTS, FACT_SETS)))
def test_every_emitted_rule_and_channel_exists(complaint_type, facts):
    result = advice.advise(complaint_type, facts, TODAY)
    payload = result.payload("TS20261125-0001")
    known_rules = {r.id for r in rules.all_rules()}
    assert set(payload["rule_ids"]) <= known_rules
    assert {s["channel"] for s in payload["steps"]} <= contracts.channel_ids()
    assert [s["state"] for s in payload["steps"]].count("next") == 1
    assert "{" not in result.text and "}" not in result.text
    assert payload["evidence"], "the next step always comes with an evidence checklist"


@pytest.mark.parametrize("facts", FACT_SETS)
def test_scam_route_starts_with_the_police(facts):
    payload = advice.advise("report_scam", facts, TODAY).payload("TS20261125-0001")
    assert payload["steps"][0]["channel"] == "police_antifraud"


def test_counterfeit_advice_computes_fraud_compensation_from_the_amount():
    text = advice.advise("complain_counterfeit", {"amount": 350.0}, TODAY).text
    assert "1,050元" in text and "350元" in text


def test_cheap_counterfeit_gets_the_500_yuan_minimum():
    text = advice.advise("complain_counterfeit", {"amount": 59.0}, TODAY).text
    assert "500元" in text


def test_return_refused_advice_gives_the_last_day_of_seven_day_return():
    result = advice.advise("complain_return_refused", {"received_date": "2026-11-22"}, TODAY)
    assert "11月29日" in result.text and "还剩4天" in result.text


def test_platform_service_complaint_explains_the_platforms_limits():
    text = advice.advise("complain_platform_service", {"platform_result": "against_buyer"}, TODAY).text
    assert "12315" in text and "法院" in text


def test_lost_parcel_route_includes_the_courier_and_12305():
    result = advice.advise("complain_logistics", {"merchant_contacted": True, "merchant_response": "refused"}, TODAY)
    assert "postal_complaint" in [s["channel"] for s in result.payload("x")["steps"]]


@pytest.mark.parametrize("complaint_type", ["complain_quality", "complain_after_sales"])
def test_the_six_month_burden_of_proof_is_told_for_the_durable_goods_the_law_names_only(complaint_type):
    """A power bank or a face cream once got 电脑、电视、冰箱…这类耐用商品 with a deadline worked out for it."""
    facts = {"amount": 3999.0, "received_date": "2026-11-23", "merchant_contacted": False}
    durable = advice.advise(complaint_type, {**facts, "is_durable": True}, TODAY).text
    assert "耐用商品" in durable and "2027年5月23日" in durable
    assert "耐用商品" not in advice.advise(complaint_type, facts, TODAY).text


def test_food_gets_the_food_safety_compensation_with_the_users_price_before_the_durable_goods_rule():
    facts = {"amount": 320.0, "is_food": True, "received_date": "2026-11-23"}
    text = advice.advise("complain_quality", facts, TODAY).text
    assert "退一赔十" in text and "3,200元" in text
    assert "耐用商品" not in text


def test_a_checkout_promise_gets_what_the_page_promised_not_price_protection():
    """商品页写的包邮，结果下单要我补运费 once got the 价保 explanation and was told to ask about 价保."""
    promo = advice.advise("complain_price", {"promo_terms": True, "merchant_contacted": False}, TODAY)
    assert "价保" not in promo.text and "包邮" in promo.text and "真实" in promo.text
    assert promo.payload("x")["rule_ids"][0] == "truthful_info"
    # a rule question asked in such a case is answered with the same rule
    assert rules.answer_rule(complaint_type="complain_price", facts={"promo_terms": True}).rule_ids == ["truthful_info"]
    drop = advice.advise("complain_price", {"merchant_contacted": False}, TODAY)
    assert "价保" in drop.text and drop.payload("x")["rule_ids"][0] == "price_protection"
