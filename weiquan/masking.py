"""Find and mask Chinese personal data: phones, ID cards, bank cards, e-mail and street addresses.

Patterns, word lists and issuer prefixes live in `data/patterns/personal_data.yml`; the rules are here.

Numbers are read as chains of digit groups joined by one separator ("138 1234 5678"). From each group
the longest run of groups that is personal data is taken. Context is the nearest context word before
the number in the same clause (no digits in between), else one right after it, else - in `mask_obj` -
the dict key (`order_id`, `card_no` …).

- mobile: 1[3-9] + 9 digits, optionally after 86 / 0086 / +86. Always masked, whatever the context.
- landline: area code (010, 02x, else 4 digits) + 7-8 digit local number; also "(0571)87654321".
- ID card, 18 digits (last may be X) or old 15 digits: masked after an ID word (身份证, 证件号 …);
  with no context word when province code and birth date are valid and the check digit is right
  (15-digit numbers have none); an 18-digit number ending in X with valid province and date always.
- 16-19 digits, bank card or ORDER NUMBER: an order word (订单号, 单号, 快递 …) keeps the number; a card
  word (卡号, 银行卡, 尾号, 信用卡 …) masks it, Luhn or not; with no word it is a card only if it passes
  Luhn AND is written in groups of four or starts with a card issuer prefix (62, 60, 4, 5x, 9558 …).
  So 3021456789012345678 stays (fails Luhn, no issuer prefix) while a bare Luhn-valid 6222… is masked.
- ID and card numbers are never read out of digits glued to letters (SF1234567890123) or joined by a
  dash to more digits (231124-123456789012345): those are waybill and order numbers.
- e-mail: the local part keeps its first character. Street address: province / city / district are
  kept and the detail after them (street + number, compound, building, room) is masked; a detail also
  counts after 地址 / 住在 / 寄到 …; a bare street or district without a number stays.

Masks stay readable and are never found again: 138****5678, 110***********1234, **** **** **** 1234,
z***@qq.com, 浙江省杭州市西湖区***, 0571-****4321.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan.paths import PATTERNS_DIR

PATTERNS_FILE = PATTERNS_DIR / "personal_data.yml"

MOBILE = "mobile"
LANDLINE = "landline"
ID_CARD = "id_card"
BANK_CARD = "bank_card"
EMAIL = "email"
ADDRESS = "address"
KINDS = (MOBILE, LANDLINE, ID_CARD, BANK_CARD, EMAIL, ADDRESS)

ORDER = "order"  # context category that keeps a number

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Context words count only within the clause of the number and not across other digits.
_CONTEXT_STOP = re.compile(r"\d|[，。！？；,.!?;\n]")
_DASHES = "-－"
_MAX_DIGITS = 19  # no kind of personal number is longer
_DIGITS = re.compile(r"\d+")
_ADDRESS_PARTS = ("province", "city", "district", "street", "place", "unit_name", "unit", "room")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: where it is, what it is and what replaces it."""

    start: int
    end: int
    kind: str
    text: str
    replacement: str


@dataclass(frozen=True)
class _Patterns:
    separators: frozenset[str]
    mobile: re.Pattern[str]
    landline: re.Pattern[str]
    landline_bracketed: re.Pattern[str]
    id_card_18: re.Pattern[str]
    id_card_15: re.Pattern[str]
    provinces: frozenset[str]
    card_lengths: tuple[int, int]
    card_prefixes: tuple[str, ...]
    window: int
    context_words: tuple[tuple[str, str], ...]  # (word, category), longest words first
    field_context: Mapping[str, str]
    email: re.Pattern[str]
    address_admin: re.Pattern[str]
    address_keyword: re.Pattern[str]
    detail_must_hold: re.Pattern[str]
    address_mask: str


@lru_cache(maxsize=4)
def load_patterns(path: Path = PATTERNS_FILE) -> _Patterns:
    """Read and compile the personal-data patterns (cached)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    numbers, context, addr = raw["numbers"], raw["context"], raw["address"]
    categories = {category: items for category, items in context.items() if category != "window"}
    words = [(word, category) for category, items in categories.items() for word in items]
    words.sort(key=lambda item: -len(item[0]))
    field_context = {key: category for category, keys in raw["field_context"].items() for key in keys}

    part = {name: addr[name].replace("{han}", addr["han"]) for name in _ADDRESS_PARTS}
    province, city, district = part["province"], part["city"], part["district"]
    admin = f"(?:{province}(?:{city})?(?:{district})?|{city}(?:{district})?|{district})"
    street, place, unit = part["street"], part["place"], part["unit"]
    named_unit = part["unit_name"] + unit
    detail = f"(?:(?:{street}|{place})(?:{street}|{place}|{named_unit})*|(?:{unit}){{2,}})(?:{part['room']})?"
    keywords = "|".join(map(re.escape, sorted(addr["keywords"], key=len, reverse=True)))
    low, high = numbers["bank_card_lengths"]
    return _Patterns(
        separators=frozenset(numbers["separators"]),
        mobile=re.compile(numbers["mobile"]),
        landline=re.compile(numbers["landline"]),
        landline_bracketed=re.compile(numbers["landline_bracketed"]),
        id_card_18=re.compile(numbers["id_card_18"]),
        id_card_15=re.compile(numbers["id_card_15"]),
        provinces=frozenset(str(code) for code in numbers["id_province_codes"]),
        card_lengths=(int(low), int(high)),
        card_prefixes=tuple(str(prefix) for prefix in numbers["bank_card_prefixes"]),
        window=int(context["window"]),
        context_words=tuple(words),
        field_context=field_context,
        email=re.compile(raw["email"]),
        address_admin=re.compile(f"(?P<keep>{admin})(?P<detail>{detail})"),
        address_keyword=re.compile(
            f"(?P<keep>(?:{keywords}){addr['keyword_tail']}(?:{admin})?)(?P<detail>{detail})"
        ),
        detail_must_hold=re.compile(addr["detail_must_hold"]),
        address_mask=str(addr["mask"]),
    )


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by bank cards."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def id_check_digit_valid(number: str) -> bool:
    """ISO 7064 mod 11-2 check of an 18-character resident ID number."""
    total = sum(int(char) * weight for char, weight in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def _birth_date_valid(birth: str) -> bool:
    year, month, day = (int(birth[:-4]), int(birth[-4:-2]), int(birth[-2:]))
    if len(birth) == 6:
        year += 1900
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return born <= date.today()


def _id_structure_valid(number: str, patterns: _Patterns) -> bool:
    regex = patterns.id_card_18 if len(number) == 18 else patterns.id_card_15
    match = regex.fullmatch(number.upper())
    return bool(match) and number[:2] in patterns.provinces and _birth_date_valid(match["birth"])


def _context_before(text: str, start: int, patterns: _Patterns) -> str | None:
    """Category of the context word nearest before `start`, in the same clause and after any digit."""
    window = text[max(0, start - patterns.window) : start]
    cut = max((m.end() for m in _CONTEXT_STOP.finditer(window)), default=0)
    window = window[cut:]
    best: tuple[int, int, str] | None = None
    for word, category in patterns.context_words:
        at = window.rfind(word)
        if at >= 0:
            score = (at + len(word), len(word), category)
            if best is None or score[:2] > best[:2]:
                best = score
    return best[2] if best else None


def _context_after(text: str, end: int, patterns: _Patterns) -> str | None:
    """Category of the context word nearest after `end`, before the next digit or clause end."""
    window = text[end : end + patterns.window // 2]
    stop = _CONTEXT_STOP.search(window)
    window = window[: stop.start()] if stop else window
    best: tuple[int, int, str] | None = None
    for word, category in patterns.context_words:
        at = window.find(word)
        if at >= 0 and (best is None or (-at, len(word)) > (-best[0], best[1])):
            best = (at, len(word), category)
    return best[2] if best else None


def _mask_middle(digits: str, keep_head: int, keep_tail: int = 4) -> str:
    return digits[:keep_head] + "*" * (len(digits) - keep_head - keep_tail) + digits[-keep_tail:]


@dataclass(frozen=True)
class _Candidate:
    digits: str  # digits only; may end in X
    grouped_in_fours: bool
    may_be_long: bool  # allowed to be an ID or bank card (not glued to letters or dash-joined digits)
    context: str | None
    plus: bool


def _classify(candidate: _Candidate, patterns: _Patterns) -> tuple[str, str] | None:
    """(kind, replacement) for one candidate number, or None when it is not personal data."""
    digits, context = candidate.digits, candidate.context
    has_x = digits[-1] in "Xx"
    if not has_x:
        mobile = patterns.mobile.fullmatch(digits)
        if mobile:
            prefix = f"{'+' if candidate.plus else ''}{mobile['cc']} " if mobile["cc"] else ""
            return MOBILE, prefix + _mask_middle(mobile["number"], 3)
        landline = patterns.landline.fullmatch(digits)
        if landline:
            return LANDLINE, f"{landline['area']}-{_mask_middle(landline['local'], 0)}"
    if not candidate.may_be_long:
        return None
    if len(digits) in (15, 18):
        id_mask = (ID_CARD, _mask_middle(digits.upper(), 3))
        if context == "id_card" or (has_x and _id_structure_valid(digits, patterns)):
            return id_mask
        checked = len(digits) == 15 or id_check_digit_valid(digits)
        if context is None and checked and _id_structure_valid(digits, patterns):
            return id_mask
    if has_x or context in (ORDER, "id_card"):
        return None
    low, high = patterns.card_lengths
    if not low <= len(digits) <= high:
        return None
    card_mask = (BANK_CARD, "**** **** **** " + digits[-4:])
    if context == "bank_card":
        return card_mask
    if luhn_valid(digits) and (candidate.grouped_in_fours or digits.startswith(patterns.card_prefixes)):
        return card_mask
    return None


def _number_chains(text: str, separators: frozenset[str]) -> list[list[re.Match[str]]]:
    """Digit groups, chained when exactly one separator stands between two of them."""
    chains: list[list[re.Match[str]]] = []
    for group in _DIGITS.finditer(text):
        if chains:
            last = chains[-1][-1]
            gap = text[last.end() : group.start()]
            if len(gap) == 1 and gap in separators:
                chains[-1].append(group)
                continue
        chains.append([group])
    return chains


def _ascii_digits(digits: str) -> str:
    """Full-width and other Unicode decimal digits as ASCII."""
    return digits if digits.isascii() else "".join(str(unicodedata.decimal(char)) for char in digits)


def _trailing_x(text: str, end: int) -> bool:
    """An X right after a digit group that is not the start of a word (ID check character)."""
    if end >= len(text) or text[end] not in "Xx":
        return False
    return end + 1 == len(text) or not (text[end + 1].isascii() and text[end + 1].isalnum())


def _find_numbers(text: str, patterns: _Patterns, hint: str | None) -> list[Finding]:
    findings: list[Finding] = []
    for chain in _number_chains(text, patterns.separators):
        before = _context_before(text, chain[0].start(), patterns)
        after = _context_after(text, chain[-1].end(), patterns) if before is None else None
        context = before or after or hint
        i = 0
        while i < len(chain):
            found = _longest_from(text, chain, i, context, patterns)
            if found is None:
                i += 1
                continue
            finding, i = found
            findings.append(finding)
    return findings


def _longest_from(
    text: str, chain: list[re.Match[str]], i: int, context: str | None, patterns: _Patterns
) -> tuple[Finding, int] | None:
    """The longest personal-data number made of groups i..j of a chain, and the index after it."""
    start = chain[i].start()
    glued_before = start > 0 and (text[start - 1].isascii() and text[start - 1].isalpha())
    dash_before = i > 0 and text[chain[i - 1].end()] in _DASHES
    plus = start > 0 and text[start - 1] == "+"
    last, count = i, 0
    while last < len(chain) and count + len(chain[last].group()) <= _MAX_DIGITS:
        count += len(chain[last].group())
        last += 1
    for j in range(last - 1, i - 1, -1):
        groups = chain[i : j + 1]
        digits = "".join(_ascii_digits(group.group()) for group in groups)
        end = groups[-1].end()
        if j == len(chain) - 1 and _trailing_x(text, end) and len(digits) == 17:
            digits, end = digits + text[end], end + 1
        glued_after = end < len(text) and text[end].isascii() and text[end].isalpha()
        dash_after = j < len(chain) - 1 and text[end] in _DASHES
        candidate = _Candidate(
            digits=digits,
            grouped_in_fours=len(groups) >= 4 and all(len(group.group()) == 4 for group in groups[:-1]),
            may_be_long=not (glued_before or glued_after or dash_before or dash_after),
            context=context,
            plus=plus,
        )
        result = _classify(candidate, patterns)
        if result:
            kind, replacement = result
            begin = start - 1 if plus and kind == MOBILE and replacement.startswith("+") else start
            return Finding(begin, end, kind, text[begin:end], replacement), j + 1
    return None


def _find_addresses(text: str, patterns: _Patterns) -> list[Finding]:
    findings: list[Finding] = []
    for regex in (patterns.address_admin, patterns.address_keyword):
        for match in regex.finditer(text):
            detail = match["detail"]
            if patterns.detail_must_hold.search(detail):
                start, end = match.span("detail")
                findings.append(Finding(start, end, ADDRESS, detail, patterns.address_mask))
    return findings


def _find_emails(text: str, patterns: _Patterns) -> list[Finding]:
    return [
        Finding(m.start(), m.end(), EMAIL, m.group(), f"{m['local'][0]}***@{m['domain']}")
        for m in patterns.email.finditer(text)
    ]


def _find_bracketed_landlines(text: str, patterns: _Patterns) -> list[Finding]:
    findings = []
    for match in patterns.landline_bracketed.finditer(text):
        replacement = f"({match['area']}){_mask_middle(re.sub(r'[^0-9]', '', match['local']), 0)}"
        findings.append(Finding(match.start(), match.end(), LANDLINE, match.group(), replacement))
    return findings


def _without_overlaps(groups: Iterable[list[Finding]]) -> list[Finding]:
    """Keep findings in priority order (earlier groups first), dropping any that overlap a kept one."""
    kept: list[Finding] = []
    for group in groups:
        for finding in group:
            if all(finding.end <= other.start or finding.start >= other.end for other in kept):
                kept.append(finding)
    return sorted(kept, key=lambda finding: finding.start)


def _find(text: str, hint: str | None, patterns: _Patterns) -> list[Finding]:
    return _without_overlaps(
        (
            _find_emails(text, patterns),
            _find_addresses(text, patterns),
            _find_bracketed_landlines(text, patterns),
            _find_numbers(text, patterns, hint),
        )
    )


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, in order, without overlaps."""
    return _find(text, None, load_patterns()) if text else []


def _splice(text: str, findings: Iterable[Finding]) -> str:
    """`text` with each finding (in order, no overlaps) replaced by its mask."""
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces += [text[position : finding.start], finding.replacement]
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def _mask(text: str, hint: str | None) -> str:
    return _splice(text, _find(text, hint, load_patterns())) if text else text


def mask(text: str) -> str:
    """`text` with every piece of personal data replaced by a readable mask."""
    return _mask(text, None)


def mask_obj(obj: Any) -> Any:
    """Mask every string (and every int that is personal data) inside dicts, lists and tuples.

    A dict key such as `order_id` or `bank_card` gives its value the matching context.
    """
    return _mask_obj(obj, None)


def _mask_obj(obj: Any, hint: str | None) -> Any:
    if isinstance(obj, str):
        return _mask(obj, hint)
    if isinstance(obj, bool) or obj is None or isinstance(obj, float):
        return obj
    if isinstance(obj, int):
        masked = _mask(str(obj), hint)
        return obj if masked == str(obj) else masked
    if isinstance(obj, Mapping):
        fields = load_patterns().field_context
        return {
            _mask_obj(key, None): _mask_obj(value, fields.get(key) if isinstance(key, str) else None)
            for key, value in obj.items()
        }
    if isinstance(obj, list):
        return [_mask_obj(item, hint) for item in obj]
    if isinstance(obj, tuple):
        return tuple(_mask_obj(item, hint) for item in obj)
    return obj


def mask_with_spans(text: str, spans: Iterable[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`mask(text)` and the (start, end) character spans moved onto the masked text.

    A span edge inside a masked piece moves to that piece's edge, so an entity covering personal data
    covers its mask.
    """
    findings = find_personal_data(text)

    def moved(offset: int, is_end: bool) -> int:
        shift = 0
        for finding in findings:
            if offset <= finding.start:
                break
            if offset < finding.end:
                return finding.start + shift + (len(finding.replacement) if is_end else 0)
            shift += len(finding.replacement) - (finding.end - finding.start)
        return offset + shift

    return _splice(text, findings), [(moved(start, False), moved(end, True)) for start, end in spans]
