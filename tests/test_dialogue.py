"""What a consumer sees in the basic conversation, through the real REST channel."""
from __future__ import annotations

import re
import uuid

import pytest

pytestmark = pytest.mark.server


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("你好呀", "维权助手"),
        ("好的没别的事了，拜拜", "随时回来"),
        ("太感谢了", "不客气"),
        ("你到底是真人还是机器人？", "不是真人"),
        ("帮我查下明天北京的天气", "帮不上忙"),
    ],
)
def test_small_talk_gets_the_right_reply(servers, message, expected):
    assert expected in texts(servers.say(new_sender(), message))


def test_bot_challenge_offers_a_person(servers):
    reply = texts(servers.say(new_sender(), "你是机器人吗"))
    assert "转人工" in reply


@pytest.mark.parametrize(
    ("message", "label", "facts"),
    [
        ("花了299元买的电热水壶，用了两次就不加热了，订单号3021456789012345678",
         "商品质量问题", ["299元", "电热水壶", "3021456789012345678"]),
        ("专柜验了说这支口红是假的，我买的时候花了三百五", "疑似假货", ["口红", "350元"]),
        ("退款申请一个星期了钱还没到账，一共两百块", "退款问题", ["200元", "7天"]),
    ],
)
def test_complaint_is_named_and_facts_repeated(servers, message, label, facts):
    reply = texts(servers.say(new_sender(), message))
    assert label in reply
    for fact in facts:
        assert fact in reply, f"{fact!r} missing from {reply!r}"


@pytest.mark.parametrize(
    ("message", "label"),
    [
        ("商家不给退货", "商家拒绝退换货"),
        ("有人冒充客服", "疑似诈骗"),
        ("怎么还不法货", "发货问题"),
        ("腿款一直没到账", "退款问题"),
    ],
)
def test_a_complaint_in_a_few_characters_is_named_not_asked_about(servers, message, label):
    """Short openers went to inform or the clarification buttons; 法货 and 腿款 are pinyin-keyboard typos."""
    reply = texts(servers.say(new_sender(), message))
    assert label in reply and "是下面哪一种" not in reply, reply


def test_a_hospital_bill_is_not_read_back_as_the_price(servers):
    """Rasa's own slot filling took the last amount said, so 去医院花了三百多 came back as 金额：300元."""
    reply = texts(servers.say(new_sender(), "我在旗舰店买的SK-II神仙水，用了两天脸上起疹子，去医院花了三百多"))
    assert "SK-II神仙水" in reply and "300元" not in reply, reply


def test_a_short_number_given_as_the_order_number_is_questioned_not_repeated(servers):
    reply = texts(servers.say(new_sender(), "买的电热水壶用了两次就坏了，商家不管，订单号123 你查一下"))
    assert "“123”不太像订单号" in reply
    assert "订单号：123" not in reply


def test_date_is_read_back_as_a_calendar_day(servers):
    reply = texts(servers.say(new_sender(), "我11月11日买的羽绒服，收到发现是假货"))
    assert "11月11日" in reply


@pytest.mark.parametrize("answer", ["昨天", "前天吧", "大前天收到的"])
def test_a_bare_day_answers_the_question_and_the_questions_go_on(servers, answer):
    """昨天 alone once read as goodbye: the bot said 祝你顺利解决 and dropped the case."""
    sender = new_sender()
    assert "哪天收到" in texts(servers.say(sender, "电热水壶烧水一股塑料味，才买五天，商家说正常现象"))
    reply = texts(servers.say(sender, answer))
    assert "随时回来" not in reply
    assert "哪天收到" not in reply, reply
    # 商家说正常现象 already says the merchant was asked and refused: next comes the order page.
    assert "申请过退款或售后" in reply, reply


@pytest.mark.parametrize("answer", ["1999", "299"])
def test_a_bare_number_keeps_the_case_open(servers, answer):
    """A price typed without 元 while the date is asked once read as goodbye (0.48) and the case was dropped."""
    sender = new_sender()
    assert "哪天收到" in texts(servers.say(sender, "买的Dyson吹风机用了二十天就不出热风了"))
    reply = texts(servers.say(sender, answer))
    assert "随时回来" not in reply and "祝你顺利" not in reply, reply
    assert "哪天收到" in reply, reply


def test_a_part_of_a_month_gets_asked_for_the_day_and_the_day_answers_it(servers):
    """10月底 to 哪天收到 once got 这个回答我没看懂: deadlines count from a day, so the bot asks which."""
    sender = new_sender()
    assert "哪天收到" in texts(servers.say(sender, "耳机用了两天就坏了，一边没声音"))
    reply = texts(servers.say(sender, "10月底"))
    assert "10月底是几号" in reply and "没看懂" not in reply, reply
    reply = texts(servers.say(sender, "10月28日"))
    assert "几号" not in reply and "哪天收到" not in reply, reply


def test_a_bare_price_to_a_yes_no_question_is_kept(servers):
    sender = new_sender()
    assert "哪天收到" in texts(servers.say(sender, "耳机用了两天就坏了，一边没声音"))
    assert "联系过" in texts(servers.say(sender, "前天"))
    reply = texts(servers.say(sender, "328"))
    assert "金额：328元" in reply and "联系过" in reply and "没看懂" not in reply, reply


def test_no_order_number_keeps_the_question_open(servers):
    """没有订单号 to 联系过商家吗 once read as 没有: the case was routed at once and later answers were lost."""
    sender = new_sender()
    assert "联系过" in texts(servers.say(sender, "拼多多上买的手机壳发错颜色了"))
    reply = texts(servers.say(sender, "没有订单号"))
    assert "没有订单号也没关系" in reply and "联系过" in reply and "下一步" not in reply, reply
    assert "下一步" in texts(servers.say(sender, "还没联系"))


VAGUE = ["问一下", "还有", "那个", "嗯……那个事", "东西和钱", "就是那个", "怎么说呢", "钱的事", "我想问问"]


def test_low_confidence_asks_with_buttons_instead_of_guessing(servers):
    unsure = [text for text in VAGUE if servers.parse(text)["intent"]["name"] == "nlu_fallback"]
    assert unsure, "none of the vague messages was low-confidence"
    sender = new_sender()
    messages = servers.say(sender, unsure[0])
    buttons = [b for m in messages for b in m.get("buttons", [])]
    assert 3 <= len(buttons) <= 4, messages
    assert buttons[-1]["payload"] == "/out_of_scope"
    assert all(re.search(r"[\u4e00-\u9fff]", b["title"]) for b in buttons)

    chosen = servers.say(sender, buttons[0]["payload"])
    assert chosen, "choosing a button got no answer"


@pytest.mark.parametrize(("choice", "case_word"), [("换成这件事", "快递物流问题"), ("接着说刚才的", "接着刚才的问题")])
def test_another_complaint_in_the_middle_of_the_questions_offers_to_switch(servers, choice, case_word):
    """A complaint of another kind said mid-intake once got 这个回答我没看懂 and the pending question."""
    sender = new_sender()
    assert "联系过" in texts(servers.say(sender, "我申请退款一个星期了钱还没到"))
    offer = servers.say(sender, "快递显示签收了，可我根本没收到")
    assert "要换成这件事来办吗" in texts(offer) and "没看懂" not in texts(offer), offer
    reply = servers.say(sender, choice)
    assert case_word in texts(reply), reply
    assert "联系过" in texts(reply)  # the questions go on, for the case chosen


def test_the_platform_not_helping_mid_intake_is_told_what_it_can_do_and_the_questions_go_on(servers):
    sender = new_sender()
    servers.say(sender, "我申请退款一个星期了钱还没到")
    reply = texts(servers.say(sender, "天猫客服管不了商家"))
    assert "平台能做的" in reply and "平台做不了的" in reply, reply
    assert "联系过" in reply and "没看懂" not in reply
