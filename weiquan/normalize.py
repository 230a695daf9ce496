"""Rule-based extraction and normalisation of amounts, durations, dates, order ids and tracking numbers.

Words and patterns come from `data/patterns/entities.yml`; Chinese numerals are converted by cn2an;
dates are computed with the standard library and dateutil relative to the message time. spaCy (a blank
Chinese pipeline with the jieba segmenter, nothing downloaded) supplies word tokens: relative day words
are matched on tokens, and regex findings that start inside a word are dropped (目前天猫 holds no 前天).
Offsets always refer to the text as given; full-width digits and letters are folded one for one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import yaml
from dateutil.relativedelta import relativedelta

from weiquan.paths import PATTERNS_DIR

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

DEFAULT_PATTERNS = PATTERNS_DIR / "entities.yml"
ENTITY_TYPES = ("amount", "duration", "date", "order_id", "tracking_no")
INVALID_ORDER_ID = "invalid_order_id"
# How far before a number _context() looks for the words that say what it is.
_CONTEXT_CHARS = 20
_ID_TYPES = frozenset({"order_id", "tracking_no"})

# Stays full-width: as ASCII "," it would read as a thousands separator ("299，100元").
_KEEP_WIDE = frozenset("，")
# Chinese digits that may start a numeral; 百千万亿 may not (千万别买 is no number).
_CN_LEAD = "零〇一二两三四五六七八九十"
_CN_DIGITS = "一二两三四五六七八九"
_DAY = (
    r"(?P<d>(?:3[01]|[12]\d|0?[1-9])(?!\d)|三十一|三十|二十[一二三四五六七八九]?|十[一二三四五六七八九]?"
    r"|[一二三四五六七八九])"
)
_MONTH = r"(?P<m>(?:1[0-2]|0?[1-9])(?!\d)|十[一二]|十|[一二三四五六七八九])"


@dataclass(frozen=True)
class Extracted:
    """One finding: entity type, span in the original text, surface text and normalised value."""

    entity: str
    start: int
    end: int
    text: str
    value: float | str


@dataclass(frozen=True)
class MonthPart:
    """A part of a month said instead of a day (10月底): the words, the month meant and an example day."""

    text: str
    month: int
    example_day: int


@dataclass(frozen=True)
class _Found:
    entity: str
    start: int
    end: int
    value: float | str


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch.isascii() or ch in _KEEP_WIDE:
        return ch
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def fold_width(text: str) -> str:
    """Full-width digits, letters and signs to ASCII, one character for one, so offsets stay valid."""
    return text if text.isascii() else "".join(map(_fold_char, text))


def _alt(words: Any) -> str:
    """Regex alternation of literal words, longest first."""
    return "|".join(re.escape(str(w)) for w in sorted(words, key=lambda w: len(str(w)), reverse=True))


def _is_han(ch: str) -> bool:
    return bool(ch) and ("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")


@lru_cache(maxsize=1)
def _cn2an() -> ModuleType:
    import cn2an

    return cn2an


class Normalizer:
    """Compiled patterns of one patterns file, plus a spaCy pipeline built on first use."""

    def __init__(self, patterns_path: Path | str | None = None) -> None:
        path = Path(patterns_path) if patterns_path else DEFAULT_PATTERNS
        with path.open(encoding="utf-8") as fh:
            self._cfg: dict[str, Any] = yaml.safe_load(fh)
        self._pipeline: tuple[Language, Matcher] | None = None
        self._compile_numbers()
        self._compile_amount()
        self._compile_duration()
        self._compile_dates()
        self._compile_ids()
        self._priority = {name: i for i, name in enumerate(self._cfg["priority"])}

    # ---------------------------------------------------------------- compile

    def _compile_numbers(self) -> None:
        cfg = self._cfg["numbers"]
        self._aliases: dict[str, str] = {str(k): str(v) for k, v in cfg["aliases"].items()}
        wide_aliases = "".join(k for k in self._aliases if not k.isascii())
        self._cn_chars = cfg["chinese"] + wide_aliases
        self._cn = f"[{self._cn_chars}]"
        self._cn_lead = f"[{_CN_LEAD}{wide_aliases}]"
        self._approx = _alt(cfg["approx_suffixes"])
        ascii_scales = "".join(k for k in self._aliases if k.isascii())
        scale = f"(?:[万千百亿]|[{ascii_scales}](?![A-Za-z]))" if ascii_scales else "[万千百亿]"
        arabic = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
        cn_num = f"{self._cn_lead}{self._cn}*(?:点[零〇{_CN_DIGITS}]+)?"
        # numbers not glued to a longer number: Arabic after no digit/letter, Chinese after no Chinese digit
        arabic_start = r"(?<![\d.,A-Za-z])"
        cn_start = f"(?<![{self._cn_chars}])"
        self._amount_num = rf"(?:{arabic}(?:{scale}\d?)?|{cn_num})"
        self._amount_num_alone = rf"(?:{arabic_start}{arabic}(?:{scale}\d?)?|{cn_start}{cn_num})"
        cn_count = f"{self._cn_lead}[{_CN_LEAD}百千{wide_aliases}]*"
        self._count_num = rf"(?:{arabic_start}\d{{1,4}}(?:\.\d+)?(?!\d)|{cn_start}{cn_count})"
        self._half_alone = f"{cn_start}半"
        digit = f"[零〇{_CN_DIGITS}]"
        self._range = re.compile(f"(?<!{digit})({_alt(cfg['ranges'])})(?!{digit})")

    def _compile_amount(self) -> None:
        cfg = self._cfg["amount"]
        self._units: dict[str, float] = {str(k): float(v) for k, v in cfg["units"].items()}
        self._minor_units: dict[str, float] = {str(k): float(v) for k, v in cfg["minor_units"].items()}
        self._ambiguous_units = frozenset(cfg["ambiguous_units"])
        self._ambiguous_next = frozenset(cfg["ambiguous_allowed_next"])
        self._strict_numbers = frozenset(cfg["ambiguous_strict_numbers"])
        self._strict_next = frozenset(cfg["ambiguous_strict_allowed_next"])
        self._non_money_next = frozenset(cfg["non_money_next"])
        self._max_int_digits = int(cfg["max_integer_digits"])
        self._ambiguous_below = float(cfg["ambiguous_below"])
        self._amount_ignore = frozenset(cfg.get("ignore", ()))
        minor_digit = f"[1-9{_CN_DIGITS}](?![\\d{self._cn_chars}])"

        def amount(num: str) -> str:
            """Number, optional 多/来, optional unit, optional minor part (九块九, 三块五毛)."""
            return (
                rf"(?P<num>{num})(?P<approx>{self._approx})?(?:(?P<unit>{_alt(self._units)})"
                rf"(?:(?P<minor>{minor_digit})(?P<minor_unit>{_alt(self._minor_units)})?)?)?"
            )

        currency = f"(?P<cur>{_alt(cfg['currency_prefixes'])})\\s?"
        self._amount_prefixed = re.compile(currency + amount(self._amount_num))
        self._amount_plain = re.compile(amount(self._amount_num_alone))
        self._amount_bare = re.compile(
            rf"(?:{_alt(cfg['currency_prefixes'])})?\s?(?P<num>{self._amount_num})(?P<approx>{self._approx})?"
            rf"(?P<unit>{_alt(self._units)})?"
        )
        self._money_context = re.compile(rf"(?:{_alt(cfg['context_before'])}){cfg['context_gap']}$")
        self._money_after = tuple(cfg.get("context_after", ()))

    def _compile_duration(self) -> None:
        cfg = self._cfg["duration"]
        self._duration_units: dict[str, dict[str, Any]] = {str(k): dict(v) for k, v in cfg["units"].items()}
        units = _alt(self._duration_units)
        self._duration_counted = re.compile(
            rf"(?P<num>{self._count_num})(?P<approx>{self._approx})?(?P<ge>个)?"
            rf"(?P<approx2>{self._approx})?(?P<half>半)?(?P<unit>{units})(?P<half2>半)?"
        )
        # 半个月, 半个多月 (read as its lower bound, like 两千多)
        self._duration_half = re.compile(
            rf"(?P<half>{self._half_alone})(?P<ge>个)?(?P<approx>{self._approx})?(?P<unit>{units})"
        )
        self._duration_not_before = tuple(cfg["not_preceded_by"])
        self._duration_not_after = tuple(cfg["not_followed_by"])
        self._duration_ignore = frozenset(cfg.get("ignore", ()))

    def _compile_dates(self) -> None:
        cfg = self._cfg["date"]
        self._relative_days: dict[str, int] = {str(k): int(v) for k, v in cfg["relative_days"].items()}
        self._relative_day_prefix = re.compile(_alt(self._relative_days))
        self._festivals: dict[str, tuple[int, int]] = {
            str(k): (int(v.split("-")[0]), int(v.split("-")[1])) for k, v in cfg["festivals"].items()
        }
        self._week_prefixes: dict[str, int] = {str(k): int(v) for k, v in cfg["week_prefixes"].items()}
        self._weekdays: dict[str, int] = {str(k): int(v) for k, v in cfg["weekdays"].items()}
        self._month_prefixes: dict[str, int] = {str(k): int(v) for k, v in cfg["month_prefixes"].items()}
        self._year_prefixes: dict[str, int] = {str(k): int(v) for k, v in cfg["year_prefixes"].items()}
        self._ago = _alt(cfg["ago_suffixes"])
        self._date_not_before = tuple(cfg["not_preceded_by"])
        self._date_not_after = tuple(cfg["not_followed_by"])
        self._years = (int(cfg["min_year"]), int(cfg["max_year"]))
        day_suffix = _alt(cfg["day_suffixes"])
        self._month_parts: dict[str, int] = {str(k): int(v) for k, v in cfg["month_parts"].items()}
        # 月中 only where the clause ends (10月中国庆 is no month part)
        parts = "|".join(re.escape(p) + (r"(?=$|[\s，,。.！!？?的左右前后])" if p == "中" else "")
                         for p in sorted(self._month_parts, key=len, reverse=True))
        self._month_part = re.compile(
            rf"(?:(?P<mp>{_alt(self._month_prefixes)})|(?<![\d{self._cn_chars}]){_MONTH}月份?"
            rf"|(?<![\d{self._cn_chars}个])月)(?P<part>{parts})"
        )
        year_prefix = f"(?P<yp>{_alt(self._year_prefixes)})"
        festivals = []
        for word in sorted(self._festivals, key=len, reverse=True):
            pattern = re.escape(word)
            if word[0].isdigit():
                pattern = r"(?<![\d.])" + pattern
            if word[-1].isdigit():
                pattern += r"(?!\.?\d)"
            festivals.append(pattern)
        no_cn_number = f"(?<![\\d{self._cn_chars}])"
        self._date_patterns: list[tuple[str, re.Pattern[str]]] = [
            (
                "iso",
                re.compile(
                    r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d])"
                ),
            ),
            (
                "month_day",
                re.compile(
                    rf"{no_cn_number}(?:(?P<y>\d{{4}}|[〇零{_CN_DIGITS}]{{4}})年|{year_prefix})?"
                    rf"{_MONTH}月份?{_DAY}(?:{day_suffix})?"
                ),
            ),
            ("month_prefix", re.compile(rf"(?P<mp>{_alt(self._month_prefixes)}){_DAY}(?:{day_suffix})")),
            (
                "weekday",
                re.compile(
                    rf"(?P<wp>{_alt(self._week_prefixes)})?(?:{_alt(cfg['week_words'])})"
                    rf"(?P<wd>{_alt(self._weekdays)})(?!\d)"
                ),
            ),
            ("festival", re.compile(rf"{year_prefix}?(?P<f>{'|'.join(festivals)})")),
            ("day", re.compile(rf"(?<![\d{self._cn_chars}月.\-/年]){_DAY}(?:{day_suffix})")),
        ]

    def _compile_ids(self) -> None:
        order = self._cfg["order_id"]
        track = self._cfg["tracking_no"]
        gap = self._cfg["id_gap"]
        self._order_digits = (int(order["digits"]["min"]), int(order["digits"]["max"]))
        self._invalid_digits = (int(order["invalid_digits"]["min"]), int(order["invalid_digits"]["max"]))
        self._track_digits = (int(track["context_digits"]["min"]), int(track["context_digits"]["max"]))
        strong = track["strong_context_digits"]
        self._strong_track_digits = (int(strong["min"]), int(strong["max"]))
        self._order_context = re.compile(rf"(?:{_alt(order['context_words'])}){gap}$")
        self._order_number_context = re.compile(rf"(?:{_alt(order['number_words'])}){gap}$")
        self._number_word_invalid_min = int(order["number_word_invalid_min"])
        self._track_context = re.compile(rf"(?:{_alt(track['context_words'])}){gap}$", re.IGNORECASE)
        self._strong_track_context = re.compile(
            rf"(?:{_alt(track['strong_context_words'])}){gap}$", re.IGNORECASE
        )
        self._digit_run = re.compile(r"(?<![A-Za-z0-9])(?<!\d\.)\d+(?![A-Za-z0-9])(?!\.\d)")
        low, high = track["prefix_digits"]["min"], track["prefix_digits"]["max"]
        courier = "|".join([f"(?:{'|'.join(track['prefixes'])})\\d{{{low},{high}}}", *track["patterns"]])
        self._courier = re.compile(rf"(?<![A-Za-z0-9])(?:{courier})(?![A-Za-z0-9])", re.IGNORECASE)
        self._courier_full = re.compile(rf"(?:{courier})", re.IGNORECASE)

    # ---------------------------------------------------------------- numbers

    def _number(self, text: str) -> float | None:
        """A number written in Arabic or Chinese numerals (or both: 1.5万), or None."""
        text = text.replace(",", "")
        for alias, canonical in self._aliases.items():
            text = text.replace(alias, canonical)
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            return float(text)
        text = self._range.sub(lambda m: m[1][0], text)
        try:
            return float(_cn2an().cn2an(text, "smart"))
        except ValueError:
            return None

    # ---------------------------------------------------------------- amount

    def _amounts(self, text: str) -> list[_Found]:
        found = [f for m in self._amount_prefixed.finditer(text) if (f := self._amount(m, text, True))]
        found += [f for m in self._amount_plain.finditer(text) if (f := self._amount(m, text, False))]
        return found

    def _amount(self, m: re.Match[str], text: str, prefixed: bool) -> _Found | None:
        num, approx, unit = m["num"], m["approx"], m["unit"]
        integer_part = re.sub(r"\D", "", num.split(".")[0])
        if len(integer_part) > self._max_int_digits:
            return None
        value = self._number(num)
        if value is None:
            return None
        end = m.end()
        if unit:
            after_minor = text[end : end + 1]
            if (
                m["minor"]
                and not m["minor_unit"]
                and _is_han(after_minor)
                and after_minor not in self._ambiguous_next
            ):
                end = m.end("unit")  # 一百二十九元两袋: 两 counts the bags
            after = text[end : end + 1]
            if end == m.end("unit") and not self._unit_ok(unit, num, value, after):
                return None
            value *= self._units[unit]
            if end > m.end("unit"):
                minor = self._number(m["minor"]) or 0.0
                value += minor * self._minor_units.get(m["minor_unit"] or "", 0.1)
        else:
            after = text[end : end + 1]
            if after and (after in self._non_money_next or (after.isascii() and after.isalnum())):
                return None
            # a lone Chinese digit after a money word is mostly a word part: 退款一直, 只退了一半
            lone_digit = len(num) == 1 and num in self._cn_chars
            by_context = not lone_digit and (self._after_money_word(text, m.start("num"))
                                             or text.startswith(self._money_after, end))
            if not (prefixed or by_context or self._price_shape(num, approx)):
                return None
        if text[m.start() : end] in self._amount_ignore:
            return None
        return _Found("amount", m.start(), end, round(value, 2))

    def _unit_ok(self, unit: str, num: str, value: float, after: str) -> bool:
        """块/毛/角 are also measure words: keep them only where money is meant (not 一块手表, 一块去)."""
        if unit not in self._ambiguous_units or value >= self._ambiguous_below or not _is_han(after):
            return True
        if num in self._strict_numbers:
            return after in self._strict_next
        return after in self._ambiguous_next or after in _CN_DIGITS

    def _price_shape(self, num: str, approx: str | None) -> bool:
        """Numbers that mean money without a unit: 一千二, 两千多, 1.5万, 2w, 3千."""
        if num[0] in self._cn_chars:
            return bool(re.search(f"[百千万][{_CN_DIGITS}]$", num) or (approx and num[-1] in "百千万"))
        if any(ch in "万千" or (ch.isascii() and ch.isalpha()) for ch in num):
            return True
        value = self._number(num)
        return bool(approx and value is not None and value >= 100)

    def _after_money_word(self, text: str, start: int) -> bool:
        return bool(self._money_context.search(text[max(0, start - 16) : start]))

    # ---------------------------------------------------------------- duration

    def _durations(self, text: str, now: datetime, ago_dates: bool = False) -> list[_Found]:
        found: list[_Found] = []
        for pattern in (self._duration_counted, self._duration_half):
            for m in pattern.finditer(text):
                found.extend(self._duration(m, text, now, ago_dates))
        return found

    def _duration(self, m: re.Match[str], text: str, now: datetime, ago_dates: bool) -> list[_Found]:
        groups = m.groupdict()
        spec = self._duration_units[m["unit"]]
        if spec.get("needs_ge") and not groups.get("ge"):
            return []
        if groups.get("num") is None:
            count = 0.5
        else:
            number = self._number(m["num"])
            if number is None or number > spec.get("max", float("inf")):
                return []
            count = number + (0.5 if m["half"] or m["half2"] else 0.0)
        days = count / spec["per_day"] if "per_day" in spec else count * spec["days"]
        days = round(days, 4)
        if text[: m.start()].endswith(self._duration_not_before) or m.group() in self._duration_ignore:
            return []
        ago = re.match(self._ago, text[m.end() :])
        if ago and not ago_dates:
            return [_Found("duration", m.start(), m.end(), days)]
        if ago:
            if "months" in spec and count == int(count):
                day = (now - relativedelta(months=int(count * spec["months"]))).date()
            else:
                day = (now - timedelta(days=days)).date()
            return [
                _Found("duration", m.start(), m.end(), days),
                _Found("date", m.start(), m.end() + ago.end(), day.isoformat()),
            ]
        if text[m.end() :].startswith(self._duration_not_after):
            return []
        return [_Found("duration", m.start(), m.end(), days)]

    # ---------------------------------------------------------------- dates

    def _dates(self, text: str, now: datetime) -> list[_Found]:
        today = now.date()
        found = []
        for kind, pattern in self._date_patterns:
            for m in pattern.finditer(text):
                if text[m.end() :].startswith(self._date_not_after) or text[: m.start()].endswith(
                    self._date_not_before
                ):
                    continue
                day = self._resolve_date(kind, m, today)
                if day is not None and self._years[0] <= day.year <= self._years[1]:
                    found.append(_Found("date", m.start(), m.end(), day.isoformat()))
        return found

    def _resolve_date(self, kind: str, m: re.Match[str], today: date) -> date | None:
        groups = m.groupdict()
        if kind == "weekday":
            monday = today - timedelta(days=today.weekday())
            weekday = self._weekdays[m["wd"]]
            if m["wp"] is None:
                day = monday + timedelta(days=weekday - 1)
                return day if day <= today else day - timedelta(days=7)
            return monday + timedelta(days=7 * self._week_prefixes[m["wp"]] + weekday - 1)
        if kind == "festival":
            month, day_of_month = self._festivals[m["f"]]
            return self._month_day(groups.get("yp"), None, month, day_of_month, today)
        day_number = self._int(m["d"])
        if day_number is None:
            return None
        if kind == "day":
            return _recent_day_of_month(day_number, today)
        if kind == "month_prefix":
            first = self._prefixed_month(m["mp"], today)
            return _safe_date(first.year, first.month, day_number)
        month = self._int(m["m"])
        if month is None:
            return None
        year = self._int(m["y"]) if groups.get("y") else None
        return self._month_day(groups.get("yp"), year, month, day_number, today)

    def _month_day(
        self, year_prefix: str | None, year: int | None, month: int, day: int, today: date
    ) -> date | None:
        if year is not None:
            return _safe_date(year, month, day)
        if year_prefix is not None:
            return _safe_date(today.year + self._year_prefixes[year_prefix], month, day)
        for candidate_year in (today.year, today.year - 1):
            candidate = _safe_date(candidate_year, month, day)
            if candidate is not None and candidate <= today:
                return candidate
        return None

    def _int(self, text: str) -> int | None:
        if text.isdigit():
            return int(text)
        value = self._number(text)
        return int(value) if value is not None and value == int(value) else None

    def _token_dates(self, doc: Doc, today: date) -> list[_Found]:
        _, matcher = self._spacy()
        found = []
        for _, start, end in matcher(doc):
            span = doc[start:end]
            word = self._relative_day_prefix.match(span.text)
            if word:
                day = today + timedelta(days=self._relative_days[word.group()])
                found.append(_Found("date", span.start_char, span.start_char + word.end(), day.isoformat()))
        return found

    # ---------------------------------------------------------------- ids

    def _ids(self, text: str) -> list[_Found]:
        found = [
            _Found("tracking_no", m.start(), m.end(), m.group().upper()) for m in self._courier.finditer(text)
        ]
        for m in self._digit_run.finditer(text):
            digits, context = m.group(), self._context(text, m.start())
            n = len(digits)
            strong = (
                context == "strong_tracking_no"
                and self._strong_track_digits[0] <= n <= self._strong_track_digits[1]
            )
            weak = (
                context in {"tracking_no", "strong_tracking_no"}
                and self._track_digits[0] <= n <= self._track_digits[1]
            )
            if strong or weak:
                found.append(_Found("tracking_no", m.start(), m.end(), digits))
            elif self._order_digits[0] <= n <= self._order_digits[1]:
                found.append(_Found("order_id", m.start(), m.end(), digits))
        return found

    def _context(self, text: str, start: int) -> str | None:
        """Which kind of number the words right before `start` announce (订单号 → order_id, …)."""
        before = _before(text, start)
        if self._order_context.search(before):
            return "order_id"
        if self._strong_track_context.search(before):
            return "strong_tracking_no"
        if self._track_context.search(before):
            return "tracking_no"
        return None

    # ---------------------------------------------------------------- spaCy

    def _spacy(self) -> tuple[Language, Matcher]:
        """The blank Chinese pipeline (jieba segmenter) and its token Matcher, built on first use."""
        if self._pipeline is None:
            import spacy
            from spacy.matcher import Matcher

            nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
            matcher = Matcher(nlp.vocab)
            # a token that starts with a day word: jieba keeps 昨天下午 / 今天天气 as one word
            matcher.add("relative_day", [[{"TEXT": {"REGEX": f"^(?:{_alt(self._relative_days)})"}}]])
            self._pipeline = (nlp, matcher)
        return self._pipeline

    def _doc(self, text: str) -> Doc:
        nlp, _ = self._spacy()
        return nlp.make_doc(text)

    # ---------------------------------------------------------------- public

    def find(self, text: str, now: datetime, *, ago_dates: bool = False) -> list[Extracted]:
        """All findings in `text`, overlaps resolved (longer wins, then `priority`), in text order.

        With `ago_dates`, "三天前" is the date three days before `now` instead of the duration 三天.
        """
        if not text or not text.strip():
            return []
        folded = fold_width(text)
        found = self._amounts(folded) + self._durations(folded, now, ago_dates) + self._dates(folded, now)
        doc = self._doc(folded)
        if self._cfg.get("check_token_start", True):
            starts = {token.idx for token in doc}
            found = [f for f in found if f.start in starts]
        found += self._token_dates(doc, now.date()) + self._ids(folded)
        return [
            Extracted(f.entity, f.start, f.end, text[f.start : f.end], f.value) for f in self._resolve(found)
        ]

    def _resolve(self, found: list[_Found]) -> list[_Found]:
        ranked = sorted(found, key=lambda f: (f.start - f.end, self._priority[f.entity], f.start))
        chosen: list[_Found] = []
        for f in ranked:
            if all(f.end <= c.start or f.start >= c.end for c in chosen):
                chosen.append(f)
        return sorted(chosen, key=lambda f: f.start)

    def parse_amount(self, text: str, *, lenient: bool = False) -> float | None:
        """First amount in `text` in yuan; with `lenient`, a bare number (两百, 299) also counts."""
        folded = fold_width(text)
        found = self._resolve(self._amounts(folded))
        if found:
            return float(found[0].value)
        if lenient:
            m = self._amount_bare.fullmatch(folded.strip())
            value = self._number(m["num"]) if m else None
            if m and value is not None:
                return round(value * self._units.get(m["unit"] or "", 1.0), 2)
        return None

    def parse_duration_days(self, text: str) -> float | None:
        """First duration in `text`, in days."""
        folded = fold_width(text)
        found = [f for f in self._resolve(self._durations(folded, datetime.now())) if f.entity == "duration"]
        return float(found[0].value) if found else None

    def parse_date(self, text: str, now: datetime) -> date | None:
        """First date in `text`, resolved against `now`; past readings are preferred."""
        for f in self.find(text, now, ago_dates=True):
            if f.entity == "date":
                return date.fromisoformat(str(f.value))
        return None

    def _prefixed_month(self, prefix: str, today: date) -> date:
        """The first day of the month that 上个月 / 本月 … names, counted from today."""
        return today.replace(day=1) + relativedelta(months=self._month_prefixes[prefix])

    def month_part(self, text: str, now: datetime) -> MonthPart | None:
        """A part of a month said without a day (10月底, 本月初, 上个月中旬), when the text names no date."""
        folded = fold_width(text)
        m = self._month_part.search(folded)
        if m is None or self.parse_date(text, now) is not None:
            return None
        if m["mp"]:
            month = self._prefixed_month(m["mp"], now.date()).month
        elif m["m"]:
            month = self._int(m["m"]) or now.month
        else:
            month = now.month
        return MonthPart(text[m.start():m.end()], month, self._month_parts[m["part"]])

    def is_order_id(self, text: str) -> bool:
        digits = fold_width(text).strip()
        return digits.isdigit() and self._order_digits[0] <= len(digits) <= self._order_digits[1]

    def names_a_shop(self, text: str) -> bool:
        """A product tag that is the shop's name (Lancome旗舰店), not the item bought there."""
        return fold_width(text).strip().endswith(tuple(self._cfg.get("shop_suffixes", ())))

    def is_tracking_no(self, text: str) -> bool:
        value = fold_width(text).strip()
        if value.isdigit():
            return self._track_digits[0] <= len(value) <= self._track_digits[1]
        return bool(self._courier_full.fullmatch(value))

    def find_invalid_order_ids(self, text: str) -> list[Extracted]:
        """Digit runs right after 订单/订单号 whose length is no order id's, so that a form can ask again."""
        folded = fold_width(text)
        found = []
        for m in self._digit_run.finditer(folded):
            n = len(m.group())
            wrong_length = not self._order_digits[0] <= n <= self._order_digits[1]
            named = self._order_number_context.search(_before(folded, m.start())) is not None
            low = self._number_word_invalid_min if named else self._invalid_digits[0]
            in_range = low <= n <= self._invalid_digits[1]
            if wrong_length and in_range and self._context(folded, m.start()) == "order_id":
                found.append(
                    Extracted(INVALID_ORDER_ID, m.start(), m.end(), text[m.start() : m.end()], m.group())
                )
        return found


def _before(text: str, start: int) -> str:
    """The characters that may hold the words announcing a number starting at `start` (订单号是 …)."""
    return text[max(0, start - _CONTEXT_CHARS) : start]


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _recent_day_of_month(day: int, today: date) -> date | None:
    """The latest day `day` of a month not after today (30号 said on 2 March is 30 January)."""
    month_start = today.replace(day=1)
    for _ in range(3):
        candidate = _safe_date(month_start.year, month_start.month, day)
        if candidate is not None and candidate <= today:
            return candidate
        month_start = (month_start - timedelta(days=1)).replace(day=1)
    return None


@lru_cache(maxsize=8)
def get_normalizer(patterns_path: Path | str | None = None) -> Normalizer:
    """The shared Normalizer of a patterns file (default `data/patterns/entities.yml`)."""
    return Normalizer(patterns_path)


def parse_amount(text: str, *, lenient: bool = False) -> float | None:
    """Amount in yuan: 299元, ¥1,299, 两百块, 1.5万, 一千二, 五毛, 两千多 (→ 2000). Bare numbers → None."""
    return get_normalizer().parse_amount(text, lenient=lenient)


def parse_duration_days(text: str) -> float | None:
    """Duration in days: 三天 → 3, 一个星期 → 7, 半个月 → 15, 48小时 → 2, 十多天 → 10."""
    return get_normalizer().parse_duration_days(text)


def parse_date(text: str, now: datetime) -> date | None:
    """Date relative to `now`: 昨天, 上周五, 上个月3号, 11月11日, 双十一, 618, 10号, 2026-11-03."""
    return get_normalizer().parse_date(text, now)


def month_part(text: str, now: datetime) -> MonthPart | None:
    """10月底, 本月初, 上个月中旬: a part of a month said instead of a day."""
    return get_normalizer().month_part(text, now)


def is_order_id(text: str) -> bool:
    """An order number: 16–19 digits."""
    return get_normalizer().is_order_id(text)


def is_tracking_no(text: str) -> bool:
    """A waybill number: courier prefix + digits (SF1234567890123), or 12–15 digits."""
    return get_normalizer().is_tracking_no(text)


def find_entities(text: str, now: datetime) -> list[Extracted]:
    """Amounts, durations, dates, order ids and tracking numbers in `text`, values normalised."""
    return get_normalizer().find(text, now)


def find_invalid_order_ids(text: str) -> list[Extracted]:
    """Digit runs (8–25 digits) after 订单/订单号 that are not 16–19 digits long."""
    return get_normalizer().find_invalid_order_ids(text)
