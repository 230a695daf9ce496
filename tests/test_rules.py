"""Rule computations and explanations with the user's numbers (today is fixed at 2026-11-25, a Wednesday)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from weiquan import rules

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("received", "last_day", "days_left", "expired"),
    [
        (date(2026, 11, 24), date(2026, 12, 1), 6, False),  # signed yesterday: counting started today
        (date(2026, 11, 20), date(2026, 11, 27), 2, False),
        (date(2026, 11, 18), date(2026, 11, 25), 0, False),  # today is the last day
        (date(2026, 11, 17), date(2026, 11, 24), -1, True),
        (date(2026, 10, 1), date(2026, 10, 8), -48, True),
    ],
)
def test_seven_day_window(received: date, last_day: date, days_left: int, expired: bool) -> None:
    window = rules.seven_day_window(received, TODAY)
    assert window.first_day == date.fromordinal(received.toordinal() + 1)
    assert window.last_day == last_day
    assert window.days_left == days_left
    assert window.expired is expired


@pytest.mark.parametrize(
    ("paid", "extra"),
    [
        (100, Decimal(500)),  # 300 is under the minimum
        (Decimal("19.9"), Decimal(500)),
        ("166.66", Decimal(500)),  # 499.98
        ("166.67", Decimal("500.01")),
        (1000, Decimal(3000)),
        (2599, Decimal(7797)),
    ],
)
def test_fraud_compensation(paid: object, extra: Decimal) -> None:
    assert rules.fraud_compensation(paid) == extra


@pytest.mark.parametrize(
    ("paid", "loss", "extra"),
    [
        (50, None, Decimal(1000)),  # 500 is under the minimum
        (99, None, Decimal(1000)),
        (100, None, Decimal(1000)),
        (250, None, Decimal(2500)),
        (50, 600, Decimal(1800)),  # three times the loss beats ten times the price
        (300, 600, Decimal(3000)),
    ],
)
def test_food_compensation(paid: int, loss: int | None, extra: Decimal) -> None:
    assert rules.food_compensation(paid, loss) == extra


def test_compensation_refuses_a_negative_amount() -> None:
    with pytest.raises(ValueError):
        rules.fraud_compensation(-5)


@pytest.mark.parametrize(
    ("return_received", "due", "penalty_after"),
    [
        (date(2026, 11, 20), date(2026, 11, 27), date(2026, 12, 5)),
        (date(2026, 12, 28), date(2027, 1, 4), date(2027, 1, 12)),
    ],
)
def test_refund_deadlines(return_received: date, due: date, penalty_after: date) -> None:
    assert rules.refund_due_date(return_received) == due
    assert rules.refund_penalty_date(return_received) == penalty_after
    assert rules.refund_deadlines(return_received).due == due


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 11, 25), 7, date(2026, 12, 4)),  # Wednesday
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), 7, date(2026, 12, 8)),  # Saturday
        (date(2026, 11, 25), 45, date(2027, 1, 27)),
        (date(2026, 11, 25), 0, date(2026, 11, 25)),
    ],
)
def test_add_working_days_skips_weekends(start: date, count: int, expected: date) -> None:
    assert rules.add_working_days(start, count) == expected


def test_regulator_deadlines_are_working_days() -> None:
    assert rules.regulator_accept_deadline(TODAY) == date(2026, 12, 4)
    assert rules.regulator_mediation_end(TODAY) == date(2027, 1, 27)
    text = rules.explain("regulator_complaint", {}, TODAY).text
    assert "7个工作日" in text and "45个工作日" in text and "12月4日" in text


@pytest.mark.parametrize(
    ("received", "end"),
    [
        (date(2026, 5, 31), date(2026, 11, 30)),
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2026, 1, 15), date(2026, 7, 15)),
    ],
)
def test_burden_of_proof_six_months(received: date, end: date) -> None:
    assert rules.burden_of_proof_end(received) == end


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(1500, "1,500元"), (Decimal("19.90"), "19.9元"), (500, "500元"), (Decimal("500.01"), "500.01元")],
)
def test_money_format(amount: object, shown: str) -> None:
    assert rules.money(amount) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (date(2026, 11, 30), "11月30日"),
        (date(2027, 1, 4), "2027年1月4日"),
        (date(2025, 12, 1), "2025年12月1日"),
    ],
)
def test_date_format_adds_year_only_when_not_this_year(value: date, shown: str) -> None:
    assert rules.day(value, TODAY) == shown


# --- explanations


@pytest.mark.parametrize(
    ("rule_id", "facts", "must_contain", "missing"),
    [
        ("seven_day_return", {"received_date": date(2026, 11, 20)}, ["11月20日", "11月27日", "还剩2天"], []),
        ("seven_day_return", {"received_date": "2026-11-18"}, ["今天", "11月25日", "最后一天"], []),
        ("seven_day_return", {"received_date": date(2026, 11, 10)}, ["11月17日", "截止", "质量问题"], []),
        ("seven_day_return", {}, ["签收", "？"], ["received_date"]),
        ("seven_day_return", {"received_date": date(2026, 12, 3)}, ["？"], ["received_date"]),  # future date
        ("fraud_compensation", {"amount": 1000}, ["1,000元", "3,000元", "退一赔三"], []),
        ("fraud_compensation", {"amount": "120"}, ["120元", "按500元算"], []),
        ("fraud_compensation", {}, ["500元", "多少钱"], ["amount"]),
        ("food_compensation", {"amount": 250}, ["250元", "2,500元", "明知"], []),
        ("food_compensation", {"amount": 30}, ["按1,000元算"], []),
        ("food_compensation", {"amount": 0}, ["多少钱"], ["amount"]),
        ("refund_after_return", {"return_received_date": date(2026, 11, 20)}, ["11月27日", "12月5日"], []),
        ("refund_after_return", {"return_received_date": date(2026, 11, 15)}, ["11月22日", "超时"], []),
        (
            "refund_after_return",
            {"return_received_date": date(2026, 11, 5)},
            ["超过十五天", "11月20日", "12315"],
            [],
        ),
        ("refund_after_return", {}, ["七天内", "哪天"], ["return_received_date"]),
        ("return_address_duty", {"return_requested_date": date(2026, 11, 20)}, ["12月5日"], []),
        ("return_address_duty", {"return_requested_date": date(2026, 11, 1)}, ["超过十五天", "12315"], []),
        ("durable_burden_6_months", {"received_date": date(2026, 8, 31)}, ["2027年2月28日"], []),
        ("durable_burden_6_months", {"received_date": date(2026, 3, 1)}, ["已经过了"], []),
        (
            "regulator_complaint",
            {"complaint_filed_date": date(2026, 11, 20)},
            ["11月20日", "12月1日", "工作日"],
            [],
        ),
    ],
)
def test_explain_with_user_numbers(
    rule_id: str, facts: dict, must_contain: list[str], missing: list[str]
) -> None:
    explanation = rules.explain(rule_id, facts, TODAY)
    for piece in must_contain:
        assert piece in explanation.text
    assert explanation.missing == missing
    assert explanation.rule_ids == [rule_id]
    assert "{" not in explanation.text and "}" not in explanation.text
    assert " " not in explanation.text  # folded YAML lines join without spaces


def test_explain_shows_the_year_only_across_years() -> None:
    text = rules.explain("seven_day_return", {"received_date": date(2026, 12, 28)}, date(2026, 12, 30)).text
    assert "12月28日" in text and "2027年1月4日" in text and "2026年" not in text


@pytest.mark.parametrize(
    ("topic", "main"),
    [
        ("七天无理由", "seven_day_return"),
        ("假一赔四", "fake_one_pay_four"),
        ("延迟发货", "late_shipment_compensation"),
        ("运费险", "freight_insurance"),
        ("价保", "price_protection"),
        ("退款时效", "refund_after_return"),
        ("三包", "sanbao"),
        ("退一赔三", "fraud_compensation"),
        ("退一赔十", "food_compensation"),
        ("客服介入", "platform_dispute_rule"),
        ("质量问题退货", "quality_return"),
        ("评价规则", "reviews_rule"),
        ("发票", "invoice"),
    ],
)
def test_each_topic_is_answered_by_its_main_rule(topic: str, main: str) -> None:
    answer = rules.explain_topic(topic, {}, TODAY)
    assert answer.rule_ids[0] == main
    assert answer.text.startswith(rules.explain(main, {}, TODAY).text)


def test_explain_topic_adds_related_notes() -> None:
    answer = rules.explain_topic("七天无理由", {"received_date": date(2026, 11, 20)}, TODAY)
    assert answer.rule_ids[0] == "seven_day_return"
    assert 1 < len(answer.rule_ids) <= 3
    assert "11月27日" in answer.text


def test_explain_topic_ends_with_the_question_when_a_fact_is_missing() -> None:
    answer = rules.explain_topic("七天无理由", {}, TODAY)
    assert answer.rule_ids == ["seven_day_return"] and answer.missing == ["received_date"]
    assert "？" in answer.text and "另外" not in answer.text


def test_ask_rule_from_the_complaint_context() -> None:
    answer = rules.answer_rule(complaint_type="complain_refund", facts={}, today=TODAY)
    assert answer.rule_ids == ["refund_after_return"]
    assert answer.missing == ["return_received_date"]


def test_ask_rule_without_topic_or_context_asks_which_rule() -> None:
    answer = rules.answer_rule(today=TODAY)
    assert answer.rule_ids == [] and "哪条规则" in answer.text


@pytest.mark.parametrize(("text", "topic"), [
    ("原价599现在499，能退差价吗", "价保"),
    ("退款要多久能到", "退款时效"),
    ("拆了包装还能无理由退吗", "七天无理由"),
    ("运费险怎么赔，价保又是怎么回事", "运费险"),
    ("商家说的这个规矩合理吗", None),
])
def test_a_question_names_its_topic_in_everyday_words(text: str, topic: str | None) -> None:
    assert rules.topic_named_in(text) == topic


def test_unknown_topic_says_less() -> None:
    answer = rules.explain_topic("以旧换新", {}, TODAY)
    assert answer.rule_ids == [] and "不替你下结论" in answer.text


def test_lookups() -> None:
    assert rules.rule("fraud_compensation").params["minimum_yuan"] == 500
    assert next(r.id for r in rules.rules_for_topic("退一赔十")) == "food_compensation"
    assert "seven_day_return" in [r.id for r in rules.rules_for_complaint("complain_return_refused")]
    assert rules.fact_question("received_date")
    with pytest.raises(KeyError):
        rules.rule("no_such_rule")
