"""Intake asks only what routing needs and reads Chinese answers, skips and corrections."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from weiquan import intake

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.parametrize(
    ("complaint_type", "known", "expected"),
    [
        ("complain_refund", {}, "merchant_contacted"),
        ("complain_refund", {"merchant_contacted": False}, "amount"),
        ("complain_refund", {"merchant_contacted": True}, "merchant_response"),
        ("complain_refund", {"merchant_contacted": True, "merchant_response": "agreed"}, "amount"),
        ("complain_refund", {"merchant_contacted": True, "merchant_response": "silent"}, "after_sales_requested"),
        ("complain_refund", {"merchant_contacted": True, "merchant_response": "silent",
                             "after_sales_requested": True}, "platform_intervened"),
        ("complain_refund", {"merchant_contacted": True, "merchant_response": "refused",
                             "after_sales_requested": True, "platform_intervened": True}, "platform_result"),
        ("complain_return_refused", {}, "received_date"),
        ("complain_counterfeit", {}, "amount"),
        ("report_scam", {}, "money_lost"),
        ("report_scam", {"money_lost": False}, None),
        ("report_scam", {"money_lost": True}, "amount"),
        ("complain_harassment", {}, None),
        ("complain_platform_service", {}, "platform_intervened"),
        ("complain_platform_service", {"platform_intervened": False}, None),
        ("complain_platform_service", {"platform_intervened": True}, "platform_result"),
        ("complain_refund", {"merchant_contacted": intake.SKIPPED}, "amount"),
    ],
)
def test_next_question_depends_on_what_is_known(complaint_type, known, expected):
    assert intake.next_fact(complaint_type, known) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("判我输了", {"platform_intervened": True, "platform_result": "against_buyer"}),
        ("没支持我", {"platform_intervened": True, "platform_result": "against_buyer"}),
        ("还在处理", {"platform_intervened": True, "platform_result": "pending"}),
        ("申请过", {}),
        ("没有", {}),
        ("没申请过，就在聊天里问了问", {}),
    ],
)
def test_an_intervention_result_answers_whether_one_was_requested(text, expected):
    assert intake.answered_ahead("platform_intervened", text) == expected
    assert intake.answered_ahead("merchant_contacted", text) == {}


def test_every_complaint_type_has_an_intake_plan(domain):
    complaint_types = [i for i in domain.intents if i.startswith("complain_") or i == "report_scam"]
    assert all(isinstance(intake.steps(t), list) for t in complaint_types)
    assert {s.fact for t in complaint_types for s in intake.steps(t)} <= set(intake.fact_names())


def test_every_fact_kept_on_a_case_has_a_slot_and_routing_reads_it(domain):
    from weiquan import routing

    recorded = intake.recorded_fact_names()
    assert {"injury", "unshipped"} <= set(recorded)
    assert set(recorded) <= {slot.name for slot in domain.slots}
    assert set(recorded) <= routing.fact_names()


@pytest.mark.parametrize(
    ("fact", "text", "intent", "entities", "expected"),
    [
        ("merchant_contacted", "联系过了", None, [], True),
        ("merchant_contacted", "还没联系", None, [], False),
        ("merchant_contacted", "嗯", "affirm", [], True),
        ("merchant_contacted", "没有", "deny", [], False),
        ("platform_intervened", "嗯，申请过", None, [], True),
        ("platform_intervened", "是的", None, [], True),
        ("platform_intervened", "我没申请", None, [], False),
        ("platform_intervened", "没，还没到那一步", None, [], False),
        # facts given instead of an answer: 少的是 and 有 inside a sentence answer nothing
        ("platform_intervened", "订单号2209918374650012，少的是一盒面膜，89元", "inform", [], None),
        ("after_sales_requested", "盒子里有张卡片，写着假一赔四", None, [], None),
        ("merchant_contacted", "是一双耐克鞋，699", "inform", [], None),
        ("merchant_contacted", "是啊", None, [], True),
        ("merchant_contacted", "有，找过", None, [], True),
        ("merchant_contacted", "嗯嗯", None, [], True),
        # 已经 says yes only with its verb
        ("merchant_contacted", "已经5天了", None, [], None),
        ("merchant_contacted", "已经联系过了", None, [], True),
        ("money_lost", "已经转过去了", None, [], True),
        ("platform_intervened", "没呢", None, [], False),
        # an answer to another question: the merchant was contacted, the order page is not answered
        ("after_sales_requested", "联系过了", "affirm", [], None),
        ("platform_intervened", "没联系", "deny", [], None),
        ("platform_intervened", "还没联系过", "deny", [], None),
        ("after_sales_requested", "申请过了，也联系过了", "affirm", [], True),
        ("after_sales_requested", "联系过商家，没申请", None, [], False),
        # the price told in passing: 付了 answers only 钱已经转给对方了吗
        ("after_sales_requested", "买的是一个电饭煲，付了459", "inform", [], None),
        ("platform_intervened", "给了商家好几天时间", None, [], None),
        ("money_lost", "付了，两千", None, [], True),
        ("money_lost", "还没转", None, [], False),
        ("merchant_response", "他们说拆封了不给退", None, [], "refused"),
        ("merchant_response", "一直不回或拖着不办", None, [], "silent"),
        ("merchant_response", "已读不回", None, [], "silent"),
        ("merchant_response", "说仓库爆单让我等", None, [], "silent"),
        ("merchant_response", "商家让我自己找快递", None, [], "refused"),
        ("merchant_response", "说已经过了保修期", None, [], "refused"),
        ("merchant_response", "说他们发货的时候是满的", None, [], "refused"),
        # the merchant insists the goods are as they should be: a refusal in other words
        ("merchant_response", "商家说就是这个颜色", None, [], "refused"),
        ("merchant_response", "说是色差，不影响使用", None, [], "refused"),
        # a merchant who calls a suspected fake genuine has turned the buyer down
        ("merchant_response", "商家说是正品让我别乱说", None, [], "refused"),
        ("merchant_response", "客服一口咬定不是假货", None, [], "refused"),
        ("merchant_response", "商家说不可能，是全新的", None, [], "refused"),
        ("merchant_response", "商家说是拍摄光线问题", None, [], "refused"),
        ("platform_result", "小二判我输了", None, [], "against_buyer"),
        ("received_date", "上周三", "inform", [{"entity": "date", "value": "2026-11-18"}], "2026-11-18"),
        ("received_date", "三天前收到的", "inform", [], "2026-11-22"),
        ("amount", "三百九", "inform", [], 390.0),
        ("amount", "花了1299元", "inform", [{"entity": "amount", "value": 1299.0}], 1299.0),
        ("amount", "不知道", "skip", [], intake.SKIPPED),
        ("merchant_response", "今天天气不错", None, [], None),
        # no order number at hand answers nothing; the rest of the reply still may
        ("merchant_contacted", "没有订单号", "deny", [], None),
        ("after_sales_requested", "不知道订单号", "skip", [], None),
        ("amount", "订单号忘了", "skip", [], None),
        ("merchant_contacted", "没有订单号，也没联系商家", "deny", [], False),
        ("merchant_contacted", "订单号找不到了，不过找过客服", None, [], True),
        ("amount", "很多", None, [], None),
    ],
)
def test_answers_are_read(fact, text, intent, entities, expected):
    assert intake.read_answer(fact, text, intent, entities, NOW) == expected


@pytest.mark.parametrize(
    ("text", "entities", "expected"),
    [
        ("退款申请一个星期了商家一直不处理", [], {"merchant_contacted": True, "after_sales_requested": True,
                                          "merchant_response": "silent"}),
        ("上周三收到的口红，专柜验了是假的，还没联系商家", [{"entity": "date", "value": "2026-11-18"}],
         {"merchant_contacted": False, "received_date": "2026-11-18"}),
        ("有人冒充客服让我转账，我已经转了2000块", [{"entity": "amount", "value": 2000.0}],
         {"money_lost": True, "amount": 2000.0}),
        ("衣服质量太差了", [], {}),
        # the six-month burden of proof: only the durable goods the law names, not what is named after them
        ("冰箱用了一个月就不制冷了", [], {"is_durable": True}),
        ("买的冰箱贴掉色了", [], {"is_durable": False}),
        ("充电宝用一次就鼓包了", [], {}),
        ("我买的奶粉是过期的，孩子喝了拉肚子", [], {"injury": True, "is_food": True}),
        ("这次真是吃了大亏，耳机一个月就坏了", [], {}),
        # a request the merchant turned down: asked, and refused
        ("退款被驳回了，理由是商品已使用，可我只是拆开看了看", [],
         {"merchant_contacted": True, "merchant_response": "refused", "after_sales_requested": True}),
        ("冰箱坏了找商家说要等售后上门，一个礼拜都没人来，客服就说再等等", [],
         {"merchant_contacted": True, "merchant_response": "silent", "is_durable": True}),
        ("小二处理纠纷一点都不公正，商家随便交个截图就判他赢", [],
         {"platform_intervened": True, "platform_result": "against_buyer"}),
        ("申请平台介入第六天了，还是显示等待小二处理", [], {"platform_intervened": True, "platform_result": "pending"}),
        ("平台判定商家无责，我不服", [], {"platform_intervened": True, "platform_result": "against_buyer"}),
        ("小二判定卖家全责了，可店铺到现在还不退钱", [],
         {"platform_intervened": True, "platform_result": "for_buyer", "merchant_contacted": True,
          "merchant_response": "refused"}),
        ("天猫客服管不了商家", [], {}),
        ("联系过了，商家说不保价", [], {"merchant_contacted": True, "merchant_response": "refused"}),
        ("买的耳机三天了还没发货，客服一直不回", [{"entity": "duration", "value": 3.0}],
         {"merchant_contacted": True, "merchant_response": "silent", "unshipped": True}),
        ("发票还没发给我，客服一直说在开", [], {"merchant_contacted": True}),
        ("拿去苹果官方检测说是假的，店家死活不认，还说我调包", [],
         {"merchant_contacted": True, "merchant_response": "refused"}),
        ("申请了，被拒了", [],
         {"after_sales_requested": True, "merchant_contacted": True, "merchant_response": "refused"}),
        ("衣服洗了一次就掉色，不回购了", [], {}),
        ("卖家知道我家地址，说要上门找我", [], {"threat": True}),
        ("商家威胁说不删差评就起诉我", [], {}),
        ("问了客服能不能补差价，商家说活动价不补", [], {"merchant_contacted": True, "merchant_response": "refused"}),
        ("商家说是我自己皮肤问题", [], {"merchant_contacted": True, "merchant_response": "refused"}),
        ("买了三件衣服只收到两件，商家说仓库发全了", [], {"merchant_contacted": True, "merchant_response": "refused"}),
        ("我申请了七天无理由退货，商家说衣服洗过了不给退", [],
         {"merchant_contacted": True, "merchant_response": "refused", "after_sales_requested": True}),
        ("卖家一口咬定是人为损坏", [], {"merchant_contacted": True, "merchant_response": "refused"}),
        ("电热水壶烧水一股塑料味，才买五天，商家说正常现象", [{"entity": "duration", "value": 5.0}],
         {"merchant_contacted": True, "merchant_response": "refused"}),
    ],
)
def test_facts_said_in_passing_are_not_asked_again(text, entities, expected):
    assert intake.volunteered(text, entities, NOW) == expected


@pytest.mark.parametrize(
    ("complaint_type", "expected"),
    [("report_scam", {"money_lost": True, "amount": 599.0}), ("complain_price", {"amount": 599.0}),
     (None, {"money_lost": True, "amount": 599.0})],
)
def test_money_lost_is_read_in_passing_only_for_a_scam(complaint_type, expected):
    """付了599 in a price complaint is what the order cost: the bot read back 钱已转出：是."""
    said = intake.volunteered("付了599", [{"entity": "amount", "value": 599.0, "start": 2, "end": 5}], NOW,
                              complaint_type)
    assert said == expected


def _duration(text: str, said: str, days: float) -> dict:
    start = text.index(said)
    return {"entity": "duration", "value": days, "start": start, "end": start + len(said)}


@pytest.mark.parametrize(
    ("text", "durations", "expected"),
    [
        ("说好48小时发货，五天了还没发", [("48小时", 2.0), ("五天", 5.0)], 5.0),
        ("页面写72小时内发货，现在一个星期了", [("72小时", 3.0), ("一个星期", 7.0)], 7.0),
        ("用了三天就坏了", [("三天", 3.0)], 3.0),
        # only a promise: it is still the one duration said
        ("承诺48小时发货", [("48小时", 2.0)], 2.0),
        ("衣服质量太差了", [], None),
    ],
)
def test_the_duration_kept_is_the_time_gone_by_not_the_promise(text, durations, expected):
    entities = [_duration(text, said, days) for said, days in durations]
    assert intake.elapsed_duration(text, entities) == expected


def test_every_follow_up_read_in_passing_is_a_choice_fact_with_answer_words():
    follow_ups = [sides["then"] for sides in intake._answers()["volunteered"].values() if "then" in sides]
    assert follow_ups
    for name in follow_ups:
        assert intake.facts()[name].kind == intake.CHOICE
        assert intake._answers()["choices"].get(name)


def _amounts(text: str, *spans: tuple[str, float]) -> list[dict]:
    """Amount entities at the place of each written number in the text."""
    return [{"entity": "amount", "value": value, "start": text.index(written),
             "end": text.index(written) + len(written)} for written, value in spans]


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("我买的面霜用了过敏，脸都肿了，去医院花了八百", [("八百", 800.0)], None),
        ("两百的面霜，用了过敏，看病又花了八百", [("两百", 200.0), ("八百", 800.0)], 200.0),
        ("退货运费15块商家不给报", [("15块", 15.0)], None),
        ("双十一买的手机，第二天降价了500", [("500", 500.0)], None),
        ("昨天刚买的空气炸锅今天就降了一百，能补差价吗", [("一百", 100.0)], None),
        ("付了899，现在便宜了两百", [("899", 899.0), ("两百", 200.0)], 899.0),
        ("付了3299，今天降到2999了", [("3299", 3299.0), ("2999", 2999.0)], 3299.0),
        ("卖家让我加微信转账，说能便宜一百", [("一百", 100.0)], None),
        ("说我开了会员每月要扣五百", [("五百", 500.0)], None),
        ("花了一千二买的AirPods是假的", [("一千二", 1200.0)], 1200.0),
        ("商家只肯补偿20，我付了399", [("20", 20.0), ("399", 399.0)], 399.0),
        ("安装师傅来了说要另外收200块材料费，不给就不装", [("200块", 200.0)], None),
    ],
)
def test_only_what_the_order_cost_is_taken_as_the_amount_paid(text, spans, expected):
    assert intake.paid_amount(text, _amounts(text, *spans)) == expected
    assert intake.volunteered(text, _amounts(text, *spans), NOW).get("amount") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("没有订单号", True), ("订单号忘了", True), ("我不记得订单号了", True), ("订单号是3345678901234567", False),
     ("没有", False), ("单号查不到物流", False)],
)
def test_no_order_number_at_hand_is_recognised(text, expected):
    assert intake.says_no_order_id(text) is expected


@pytest.mark.parametrize(
    ("fact", "text", "expected"),
    [("merchant_contacted", "328", 328.0), ("after_sales_requested", " 699 ", 699.0),
     ("merchant_response", "¥89.9", 89.9),
     # a day, perhaps, to the date question, but no day is 299; the amount question reads its own answer
     ("received_date", "15", None), ("received_date", "299", 299.0), ("amount", "699", None),
     # an order number is no price, nor is a number inside words
     ("merchant_contacted", "3345678901234567", None), ("merchant_contacted", "订单号1234", None),
     ("merchant_contacted", "0", None), (None, "699", None)],
)
def test_a_bare_number_to_a_question_other_than_the_amount_is_the_price(fact, text, expected):
    assert intake.bare_price(fact, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("商品页写的包邮，结果下单要我补运费20块", True), ("满减没减，优惠券也用不了", True),
     # a price drop, whatever else it says, is the 价保 kind
     ("用了优惠券，第二天又降了一百", None), ("昨天刚买今天就便宜了五十", None)],
)
def test_a_price_complaint_about_checkout_promises_is_told_from_a_price_drop(text, expected):
    assert intake.volunteered(text, [], NOW, "complain_price").get("promo_terms") is expected
    assert "promo_terms" not in intake.volunteered(text, [], NOW, "complain_refund")
