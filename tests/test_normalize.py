"""Rule-based extraction and normalisation: amounts, durations, dates, order ids, tracking numbers."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from weiquan import normalize
from weiquan.normalize import (
    DEFAULT_PATTERNS,
    Extracted,
    Normalizer,
    find_entities,
    find_invalid_order_ids,
    is_order_id,
    is_tracking_no,
    month_part,
    parse_amount,
    parse_date,
    parse_duration_days,
)
from weiquan.paths import REPO_ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SHANGHAI)


def test_importing_loads_nothing():
    code = "import sys, weiquan.normalize; print(sorted({'spacy', 'cn2an', 'jieba'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("299元", 299),
        ("¥1,299", 1299),
        ("￥１２９９", 1299),
        ("１２３元", 123),
        ("RMB 88", 88),
        ("两百块", 200),
        ("1.5万", 15000),
        ("1.5万元", 15000),
        ("1万2", 12000),
        ("2w", 20000),
        ("一千二", 1200),
        ("一千二买的", 1200),
        ("一万五", 15000),
        ("三百九十九块钱", 399),
        ("五毛", 0.5),
        ("五毛钱", 0.5),
        ("九块九", 9.9),
        ("三块五毛", 3.5),
        ("两千多", 2000),
        ("两千多块", 2000),
        ("一百来块", 100),
        ("俩块钱", 2),
        ("一块钱", 1),
        ("原价599", 599),
        ("昨天刚买今天就降了一百，能补差价吗", 100),
        ("页面价六百九十九，领完券还是这个价", 699),
        ("原价2999现价899", 2999),
        ("现价899", 899),
        ("今天降到2999了", 2999),
        ("付款时跳成129", 129),
        ("券后只要八十九", 89),
        ("六百的东西只退三百", 600),
        ("小二判我只能退三百", 300),
        ("让我先付五百定金", 500),
        ("每月要扣八百", 800),
        ("要我自己掏六百修", 600),
        ("发票上金额写的3000", 3000),
        ("能便宜三百，靠谱吗", 300),
        ("付的是三百六十八", 368),
        ("凑单凑到二百九十九", 299),
        ("满300减40的券没给减", 300),
        ("满一百减二十", 100),
        ("结算时多付了二十", 20),
        ("一百二十九元两袋", 129),
        ("100块两个", 100),
        ("我买了三百多块结果没给我减", 300),
        ("退一赔三最少赔500块是真的吗", 500),
        # two neighbouring digits are a range, read as its lower bound like 两千多 (not 23百 or an error)
        ("花了两三百块买的", 200),
        ("退了五六十块", 50),
        ("花了三四千", 3000),
        ("付了四五万", 40000),
        ("三十四块", 34),
    ],
)
def test_parse_amount(text: str, yuan: float):
    assert parse_amount(text) == pytest.approx(yuan)


@pytest.mark.parametrize(
    "text",
    [
        "我要退款",
        "iPhone 15",
        "12315",
        "两百",
        "9.9包邮",
        "和朋友一块去的",
        "买了一块手表",
        "两块蛋糕",
        "花了三天",
        "退款一直没到",
        "只退了一半",
        "退款3021456789012345678",
        "千万别买",
        "一百多个",
        "三百多人",
        "说是18K金",
        "销量十万+",
        "实测不到一万",
        "满两件打八折",
        "减了三斤",
        "满十八岁才能买",
        "买了台4K电视",
        "才两个",
        "扣了一分",
        "付1次",
        "才用了三天",
        "量了下才九十",
        "客厅才三十平",
        "必须写满50字",
        "商家一分钱都不肯退",
        "几百块",
        "",
    ],
)
def test_parse_amount_finds_nothing(text: str):
    assert parse_amount(text) is None


@pytest.mark.parametrize(("text", "yuan"), [("两百", 200), ("299", 299), ("¥ 88", 88), ("三百块", 300)])
def test_parse_amount_lenient_reads_bare_numbers(text: str, yuan: float):
    assert parse_amount(text, lenient=True) == pytest.approx(yuan)


@pytest.mark.parametrize("text", ["几百块", "好多钱", "万一", ""])
def test_parse_amount_lenient_still_needs_a_number(text: str):
    assert parse_amount(text, lenient=True) is None


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("三天", 3),
        ("3天", 3),
        ("３天", 3),
        ("一个星期", 7),
        ("一周", 7),
        ("一礼拜", 7),
        ("一个礼拜", 7),
        ("两周", 14),
        ("半个月", 15),
        ("到现在都半个多月了", 15),
        ("一个月", 30),
        ("一个半月", 45),
        ("一个多月", 30),
        ("两个月", 60),
        ("48小时", 2),
        ("36个小时", 1.5),
        ("一天半", 1.5),
        ("十多天", 10),
        ("十几天", 10),
        ("十来天", 10),
        ("两年", 730),
        ("三个工作日", 3),
        ("说好48小时发货，五天了还没发", 2),
        ("单号YT7788123456789三天了没物流", 3),
        ("原来是三天内发货", 3),
        ("我3天前签收的", 3),
        ("等了三四天了", 3),
        ("一两天就到", 1),
        ("十七八天了", 17),
    ],
)
def test_parse_duration_days(text: str, days: float):
    assert parse_duration_days(text) == pytest.approx(days)


@pytest.mark.parametrize(
    "text",
    [
        "第二天",
        "这都第五天了",
        "七天无理由",
        "7天无理由退货",
        "7天无条件退货",
        "30天价保",
        "三月",
        "2026年",
        "每三天",
        "说了半天说不清楚",
        "在天猫买的",
        "好几天",
        "最后一天",
        "",
    ],
)
def test_parse_duration_finds_nothing(text: str):
    assert parse_duration_days(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", "2026-11-25"),
        ("昨天", "2026-11-24"),
        ("昨天下午签收的", "2026-11-24"),
        ("前天", "2026-11-23"),
        ("大前天", "2026-11-22"),
        ("昨晚下的单", "2026-11-24"),
        ("上周五", "2026-11-20"),
        ("上个星期五", "2026-11-20"),
        ("上上周三", "2026-11-11"),
        ("这周一", "2026-11-23"),
        ("周五", "2026-11-20"),
        ("星期天", "2026-11-22"),
        ("上周日在天猫超市买的", "2026-11-22"),
        ("上个月3号", "2026-10-03"),
        ("11月11日", "2026-11-11"),
        ("十一月十一号", "2026-11-11"),
        ("１１月１１日", "2026-11-11"),
        ("12月1日", "2025-12-01"),
        ("11.11", "2026-11-11"),
        ("双十一", "2026-11-11"),
        ("双11", "2026-11-11"),
        ("双十一那天", "2026-11-11"),
        ("双十一买的东西价保是30天吗", "2026-11-11"),
        ("去年双十一", "2025-11-11"),
        ("618", "2026-06-18"),
        ("618买的", "2026-06-18"),
        ("10号", "2026-11-10"),
        ("十八号", "2026-11-18"),
        ("28号", "2026-10-28"),
        ("31号", "2026-10-31"),
        ("2026年11月3日", "2026-11-03"),
        ("二〇二六年十一月三日", "2026-11-03"),
        ("2026-11-03", "2026-11-03"),
        ("2026/11/3", "2026-11-03"),
        ("三天前", "2026-11-22"),
        ("一个月前", "2026-10-25"),
        ("48小时之前", "2026-11-23"),
    ],
)
def test_parse_date(text: str, expected: str):
    assert parse_date(text, NOW) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    "text",
    [
        "明天见",
        "后天再说",
        "下周一才能回去",
        "第二天就降价了",
        "目前天猫客服不理我",
        "上周天猫客服",
        "上周",
        "上个月",
        "12月",
        "11月份",
        "2月30日",
        "12号线",
        "7日无理由",
        "9.9包邮",
        "花了618",
        "买了一百多块",
        "",
    ],
)
def test_parse_date_finds_nothing(text: str):
    assert parse_date(text, NOW) is None


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (datetime(2026, 11, 5, 9, 0), "双十一", "2025-11-11"),
        (datetime(2026, 11, 11, 0, 1), "双十一", "2026-11-11"),
        (datetime(2026, 3, 2, 12, 0), "12.12", "2025-12-12"),
        (datetime(2026, 3, 2, 12, 0), "10号", "2026-02-10"),
        (datetime(2026, 3, 2, 12, 0), "30号", "2026-01-30"),
        (datetime(2026, 1, 5, 12, 0), "上个月3号", "2025-12-03"),
        (datetime(2026, 1, 1, 12, 0), "昨天", "2025-12-31"),
    ],
)
def test_parse_date_prefers_the_past(now: datetime, text: str, expected: str):
    assert parse_date(text, now) == date.fromisoformat(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3021456789012345678", True),
        ("3021456789012345", True),
        ("３０２１４５６７８９０１２３４５６７８", True),
        (" 3021456789012345678 ", True),
        ("3021456789", False),
        ("12315", False),
        ("30214567890123456789", False),
        ("SF1234567890123", False),
        ("30214567890123456a", False),
        ("", False),
    ],
)
def test_is_order_id(value: str, expected: bool):
    assert is_order_id(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SF1234567890123", True),
        ("sf1234567890123", True),
        ("YT1234567890123", True),
        ("JT0001234567890", True),
        ("JDVA12345678901", True),
        ("DPK123456789012", True),
        ("EA123456789CN", True),
        ("773012345678901", True),
        ("ＳＦ１２３４５６７８９０１２３", True),
        ("SF123", False),
        ("12315", False),
        ("3021456789012345678", False),
        ("iPhone15", False),
        ("", False),
    ],
)
def test_is_tracking_no(value: str, expected: bool):
    assert is_tracking_no(value) is expected


def _found(text: str, now: datetime = NOW) -> list[tuple[str, str, float | str]]:
    return [(e.entity, e.text, e.value) for e in find_entities(text, now)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("订单号是3021456789012345678", [("order_id", "3021456789012345678", "3021456789012345678")]),
        ("单号3021456789012345678查一下", [("order_id", "3021456789012345678", "3021456789012345678")]),
        ("快递单号SF1234567890123", [("tracking_no", "SF1234567890123", "SF1234567890123")]),
        ("运单号 773012345678901", [("tracking_no", "773012345678901", "773012345678901")]),
        ("中通快递78901234567890", [("tracking_no", "78901234567890", "78901234567890")]),
        ("韵达 4318827364509128", [("tracking_no", "4318827364509128", "4318827364509128")]),
        ("yt1234567890123到了吗", [("tracking_no", "yt1234567890123", "YT1234567890123")]),
        (
            "上周五买的羽绒服599元，一个星期了还没发货",
            [("date", "上周五", "2026-11-20"), ("amount", "599元", 599.0), ("duration", "一个星期", 7.0)],
        ),
        (
            "说好48小时发货，五天了还没发",
            [("duration", "48小时", 2.0), ("duration", "五天", 5.0)],
        ),
        ("我3天前签收的连衣裙", [("duration", "3天", 3.0)]),
        ("花了618", [("amount", "618", 618.0)]),
        ("618花了299元", [("date", "618", "2026-06-18"), ("amount", "299元", 299.0)]),
        ("退了11.11元", [("amount", "11.11元", 11.11)]),
        ("我要退款", []),
        ("iPhone 15 屏幕坏了", []),
        ("打12315投诉", []),
        ("订单号3021456789", []),
        ("电话13812345678", []),
        ("七天无理由", []),
        ("   ", []),
    ],
)
def test_find_entities(text: str, expected: list[tuple[str, str, float | str]]):
    assert _found(text) == expected


def test_offsets_refer_to_the_original_text():
    text = "订单号：３０２１４５６７８９０１２３４５６７８，￥１２９９，ＳＦ１２３４５６７８９０１２３"
    found = find_entities(text, NOW)
    assert [(e.entity, e.value) for e in found] == [
        ("order_id", "3021456789012345678"),
        ("amount", 1299.0),
        ("tracking_no", "SF1234567890123"),
    ]
    for e in found:
        assert text[e.start : e.end] == e.text
    assert found[0].text == "３０２１４５６７８９０１２３４５６７８"


def test_extracted_is_frozen():
    found = find_entities("299元", NOW)[0]
    assert found == Extracted("amount", 0, 4, "299元", 299.0)
    with pytest.raises(AttributeError):
        found.value = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("订单号：302145678", ["302145678"]),
        ("订单 302145678901234567890", ["302145678901234567890"]),
        ("订单号是３０２１４５６７８", ["３０２１４５６７８"]),
        ("订单号3021456789012345678", []),
        ("订单号1234567", ["1234567"]),
        ("订单号是12345", ["12345"]),
        ("订单编号：８８８", ["８８８"]),
        ("订单号12", []),
        ("订单12345", []),
        ("订单2000块都付了", []),
        ("快递单号302145678", []),
        ("302145678", []),
    ],
)
def test_find_invalid_order_ids(text: str, expected: list[str]):
    found = find_invalid_order_ids(text)
    assert [f.text for f in found] == expected
    assert all(
        f.entity == normalize.INVALID_ORDER_ID and f.value == f.text.translate(_WIDE_DIGITS) for f in found
    )


_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def test_patterns_are_data(tmp_path: Path):
    patterns = yaml.safe_load(DEFAULT_PATTERNS.read_text(encoding="utf-8"))
    patterns["date"]["festivals"]["520"] = "05-20"
    patterns["amount"]["units"]["刀"] = 1
    path = tmp_path / "entities.yml"
    path.write_text(yaml.safe_dump(patterns, allow_unicode=True), encoding="utf-8")
    custom = Normalizer(path)
    assert custom.parse_date("520那天", NOW) == date(2026, 5, 20)
    assert custom.parse_amount("五十刀") == 50
    assert parse_date("520那天", NOW) is None
    assert parse_amount("五十刀") is None


@pytest.mark.parametrize(
    ("text", "said", "month", "example_day"),
    [
        ("10月底", "10月底", 10, 28),
        ("十月底收到的", "十月底", 10, 28),
        ("本月初到的吧", "本月初", 11, 3),
        ("上个月中旬", "上个月中旬", 10, 15),
        ("好像是月底", "月底", 11, 28),
        ("9月下旬签收的", "9月下旬", 9, 25),
    ],
)
def test_a_part_of_a_month_is_found_with_its_month(text: str, said: str, month: int, example_day: int):
    part = month_part(text, NOW)
    assert part is not None and (part.text, part.month, part.example_day) == (said, month, example_day)


@pytest.mark.parametrize(
    "text", ["10月28日", "10月底，28号那天", "10月中国庆节前后", "三个月底", "一个月了", "年底", ""]
)
def test_a_day_or_no_month_part_is_no_month_part(text: str):
    assert month_part(text, NOW) is None
