"""Personal data is masked readably; order numbers, waybills, dates and amounts stay as written."""
from __future__ import annotations

import pytest

from weiquan.masking import (
    ADDRESS,
    BANK_CARD,
    EMAIL,
    ID_CARD,
    LANDLINE,
    MOBILE,
    find_personal_data,
    id_check_digit_valid,
    load_patterns,
    luhn_valid,
    mask,
    mask_obj,
)

# 6222021234567890128 and 4367421234567896 pass Luhn; 330106198506120015 and 11010519491231002X have a
# right ID check digit; 110101199003071234 and 6222 0212 3456 7890 123 do not (context decides).
MASKED = [
    ("我电话13812345678，卡号6222 0212 3456 7890 123", "我电话138****5678，卡号**** **** **** 0123"),
    ("身份证110101199003071234", "身份证110***********1234"),
    ("身份证号11010519491231002X，帮我查一下", "身份证号110***********002X，帮我查一下"),
    ("身份证号110101900307123（老身份证）", "身份证号110********7123（老身份证）"),
    ("330106198506120015是我的身份证", "330***********0015是我的身份证"),
    ("联系我手机138-1234-5678就行", "联系我手机138****5678就行"),
    ("我的号码是 +86 139 8765 4321", "我的号码是 +86 139****4321"),
    ("有事打13812345678或者13987654321", "有事打138****5678或者139****4321"),
    ("13812345678 13987654321 都是我的", "138****5678 139****4321 都是我的"),
    ("手机１３８１２３４５６７８", "手机138****5678"),
    ("商家座机0571-87654321一直没人接", "商家座机0571-****4321一直没人接"),
    ("打(010)87654321找我", "打(010)****4321找我"),
    ("退款退到我的银行卡6222021234567890128里了吗", "退款退到我的银行卡**** **** **** 0128里了吗"),
    ("信用卡尾号是 4367 4212 3456 7896", "信用卡尾号是 **** **** **** 7896"),
    ("6222021234567890128", "**** **** **** 0128"),
    ("钱转到 6222-0212-3456-7890-128 了", "钱转到 **** **** **** 0128 了"),
    ("我的邮箱是zhangsan@qq.com，发票发这里", "我的邮箱是z***@qq.com，发票发这里"),
    ("发到 Li.Ming+shop@mail.example.com.cn 吧", "发到 L***@mail.example.com.cn 吧"),
    ("收货地址：浙江省杭州市西湖区文三路90号东部软件园3幢201室", "收货地址：浙江省杭州市西湖区***"),
    ("寄到北京市朝阳区建国路88号SOHO现代城A座1001，结果没收到", "寄到北京市朝阳区***，结果没收到"),
    ("上海市浦东新区张江路123弄4号502室的快递被别人签收了", "上海市浦东新区***的快递被别人签收了"),
    ("广东省深圳市南山区科技园南区深南大道9988号", "广东省深圳市南山区***"),
    ("四川省成都市武侯区人民南路四段1号", "四川省成都市武侯区***"),
    ("我住在幸福小区5栋2单元301，快递员说送不到", "我住在***，快递员说送不到"),
    ("地址：文三路90号3单元", "地址：***"),
    (
        "订单号3021456789012345678，手机13812345678，卡号6222021234567890",
        "订单号3021456789012345678，手机138****5678，卡号**** **** **** 7890",
    ),
    (
        "电话13812345678，身份证号是110101199003071234，住杭州市西湖区文三路90号",
        "电话138****5678，身份证号是110***********1234，住杭州市西湖区***",
    ),
]

UNCHANGED = [
    "订单号3021456789012345678",
    "订单号是 3021456789012345678，已经七天了",
    "淘宝订单号：1889263917485023416",
    "3021456789012345678",  # bare 19 digits, fails Luhn
    "3021456789012345674",  # bare, passes Luhn but no card issuer prefix
    "订单6222021234567890128一直没发货",  # card-like and Luhn-valid, but the user says it is an order
    "京东订单号 285123456789",
    "拼多多订单231124-123456789012345",
    "快递单号SF1234567890123一直没更新",
    "运单号 YT1234567890123",
    "中通快递75312345678901显示签收了",
    "TS20261124-0007 怎么样了",
    "11月11日买的，花了1299元，3天没发货",
    "2024-11-24下的单，价格1380元",
    "客服电话400-820-8820打不通",
    "打12315投诉有用吗",
    "遇到诈骗马上打96110",
    "银行卡尾号1234",
    "杭州市西湖区文三路的那家店",
    "我昨天去超市买的东西",
    "11月5号到的货，3号楼下的快递柜",
    "退款299元什么时候到账",
    "",
    # masks stay as they are
    "138****5678",
    "110***********1234",
    "**** **** **** 1234",
    "z***@qq.com",
    "浙江省杭州市西湖区***",
    "0571-****4321",
]

KINDS = [
    ("我电话13812345678，卡号6222 0212 3456 7890 123", [MOBILE, BANK_CARD]),
    ("身份证110101199003071234，邮箱a1@163.com", [ID_CARD, EMAIL]),
    ("座机0571-87654321，地址浙江省杭州市西湖区文三路90号", [LANDLINE, ADDRESS]),
    ("13812345678@qq.com", [EMAIL]),
    ("订单号3021456789012345678", []),
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_personal_data_is_masked_readably(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_text_without_personal_data_stays(text: str) -> None:
    assert mask(text) == text
    assert find_personal_data(text) == []


@pytest.mark.parametrize(("text", "_expected"), MASKED)
def test_masked_text_leaks_nothing_and_masking_twice_changes_nothing(text: str, _expected: str) -> None:
    masked = mask(text)
    assert find_personal_data(masked) == []
    assert mask(masked) == masked


@pytest.mark.parametrize(("text", "kinds"), KINDS)
def test_find_personal_data_names_kinds_and_spans(text: str, kinds: list[str]) -> None:
    found = find_personal_data(text)
    assert [finding.kind for finding in found] == kinds
    for finding in found:
        assert text[finding.start : finding.end] == finding.text


def test_address_span_covers_only_the_detail() -> None:
    (finding,) = find_personal_data("浙江省杭州市西湖区文三路90号东部软件园3幢201室")
    assert finding.kind == ADDRESS
    assert finding.text == "文三路90号东部软件园3幢201室"


def test_mask_obj_masks_nested_strings_and_numbers() -> None:
    facts = {
        "order_id": "3021456789012345678",
        "phone": 13812345678,
        "amount": 299,
        "paid": True,
        "ratio": 0.5,
        "missing": None,
        "messages": ["我电话13812345678", ("邮箱zhangsan@qq.com", "好的")],
        "route": {"steps": [{"why": "联系商家，地址杭州市西湖区文三路90号"}]},
    }
    assert mask_obj(facts) == {
        "order_id": "3021456789012345678",
        "phone": "138****5678",
        "amount": 299,
        "paid": True,
        "ratio": 0.5,
        "missing": None,
        "messages": ["我电话138****5678", ("邮箱z***@qq.com", "好的")],
        "route": {"steps": [{"why": "联系商家，地址杭州市西湖区***"}]},
    }


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"order_id": "6222021234567890128"}, {"order_id": "6222021234567890128"}),
        ({"order_id": 6222021234567890128}, {"order_id": 6222021234567890128}),
        ({"note": "6222021234567890128"}, {"note": "**** **** **** 0128"}),
        ({"card_no": "6222021234567890123"}, {"card_no": "**** **** **** 0123"}),
        ({"id_card": "110101199003071234"}, {"id_card": "110***********1234"}),
    ],
)
def test_mask_obj_reads_the_field_name_as_context(obj: dict, expected: dict) -> None:
    assert mask_obj(obj) == expected


def test_mask_obj_leaves_the_input_untouched() -> None:
    facts = {"phone": "13812345678"}
    mask_obj(facts)
    assert facts == {"phone": "13812345678"}


@pytest.mark.parametrize(
    ("digits", "valid"),
    [("6222021234567890128", True), ("4367421234567896", True), ("6222021234567890123", False)],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid


@pytest.mark.parametrize(
    ("number", "valid"),
    [("330106198506120015", True), ("11010519491231002X", True), ("110101199003071234", False)],
)
def test_id_check_digit(number: str, valid: bool) -> None:
    assert id_check_digit_valid(number) is valid


def test_patterns_come_from_the_yaml_file() -> None:
    patterns = load_patterns()
    assert "62" in patterns.card_prefixes
    assert ("订单号", "order") in patterns.context_words
    assert patterns.field_context["order_id"] == "order"
