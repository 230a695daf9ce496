"""Input guard for user text: length-preserving cleanup and a "does it contain words" check."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Parse-output key that holds how many characters of a longer message the NLU read (absent when it read all).
CUT_AT = "weiquan_cut_at"

# How far past max_chars sanitize() looks, so that a tag crossing the cut is still recognised.
_LOOKAHEAD = 4096

# Browsers only read "<" directly followed by a name (or "/", "!") as markup; "< a" stays text.
_SCRIPT_BLOCK = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:[\s/][^<>]*)?>")
# A tag with attributes that the message (or the look-ahead window) cuts off before its '>'.
_UNCLOSED_TAG = re.compile(r"<[a-zA-Z][a-zA-Z0-9:-]*[\s/][^<>]*=[^<>]*$")

# Chat-app stand-ins for media and sticker codes: they carry no words of the user.
_PLACEHOLDER_WORDS = (
    "图片|表情|动画表情|语音|视频|文件|链接|位置|红包|转账|名片|小程序|聊天记录|音乐|商品|订单|卡片|微笑|"
    "撇嘴|色|发呆|得意|流泪|害羞|闭嘴|睡|大哭|尴尬|发怒|调皮|呲牙|惊讶|难过|囧|抓狂|吐|偷笑|愉快|白眼|"
    "傲慢|困|惊恐|憨笑|悠闲|咒骂|疑问|嘘|晕|衰|骷髅|敲打|再见|擦汗|抠鼻|鼓掌|坏笑|哈欠|鄙视|委屈|快哭了|"
    "阴险|亲亲|可怜|笑脸|生病|脸红|破涕为笑|恐惧|失望|无语|嘿哈|捂脸|奸笑|机智|皱眉|耶|吃瓜|加油|汗|天啊|"
    "社会社会|旺柴|打脸|哇|翻白眼|666|让我看看|叹气|苦涩|裂开|爱心|心碎|拥抱|强|弱|握手|胜利|抱拳|拳头|"
    "OK|合十|玫瑰|凋谢|菜刀|炸弹|便便|庆祝|礼物|发抖|生气|哭|笑"
)
_PLACEHOLDER = re.compile(
    r"[\[【［]\s*(?:" + _PLACEHOLDER_WORDS + r")\s*[\]】］]", re.IGNORECASE
)
_KEYCAP = re.compile("[0-9#*]\ufe0f?\u20e3")

# Categories turned into spaces: controls, invisible formatting, lone surrogates, line/paragraph separators.
_BLANK_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@lru_cache(maxsize=8192)
def _clean_char(ch: str) -> str:
    """One character in, one character out: NFKC where that stays a single char, controls → space."""
    if unicodedata.category(ch) in _BLANK_CATEGORIES:
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and unicodedata.category(folded) not in _BLANK_CATEGORIES:
        return folded
    return ch


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def sanitize(text: str, max_chars: int) -> str:
    """Clean `text` without moving any character, then cut it to `max_chars`.

    Character i of the result stands at position i of the input, so entity offsets found on the
    result are valid on the original message.
    """
    if max_chars <= 0 or not text:
        return ""
    window = text[: max_chars + _LOOKAHEAD]
    cleaned = "".join(map(_clean_char, window)) if not window.isascii() else _clean_ascii(window)
    for pattern in (_SCRIPT_BLOCK, _COMMENT, _TAG, _UNCLOSED_TAG):
        if "<" not in cleaned:
            break
        cleaned = pattern.sub(_blank, cleaned)
    return cleaned[:max_chars]


def _clean_ascii(text: str) -> str:
    """Fast path for ASCII: only control characters change."""
    if text.isprintable():
        return text
    return "".join(" " if (ord(ch) < 32 or ord(ch) == 127) else ch for ch in text)


_CJK_RANGES = ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x3134F))


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(low <= cp <= high for low, high in _CJK_RANGES)


def has_words(text: str | None) -> bool:
    """True when the text holds a word: a Chinese character, ASCII letter or digit, or two letters in a row.

    Emoji, punctuation, kaomoji such as (´･ω･`) and chat placeholders like [图片] or [捂脸] are not words.
    """
    if not text:
        return False
    text = _KEYCAP.sub(" ", _PLACEHOLDER.sub(" ", unicodedata.normalize("NFKC", text)))
    previous_was_letter = False
    for ch in text:
        if ch.isascii():
            if ch.isalnum():
                return True
            previous_was_letter = False
        elif _is_cjk(ch):
            return True
        elif unicodedata.category(ch)[0] in "LN":
            if previous_was_letter:
                return True
            previous_was_letter = True
        else:
            previous_was_letter = False
    return False
