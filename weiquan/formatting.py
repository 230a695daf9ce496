"""How numbers, money and dates are written in replies."""
from __future__ import annotations

from datetime import date


def money(amount: float) -> str:
    """1500 -> '1,500元', 19.9 -> '19.9元'."""
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text}元"


def day(value: date, today: date | None = None) -> str:
    """A date as 11月30日, with the year only when it is not the current one."""
    if today is not None and value.year != today.year:
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.month}月{value.day}日"


def days(count: float) -> str:
    """3.0 -> '3天', 0.5 -> '12小时'."""
    if count < 1:
        return f"{round(count * 24)}小时"
    return f"{count:g}天"


def parse_iso(value: str | None) -> date | None:
    """'2026-11-20' -> date, anything else -> None."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
