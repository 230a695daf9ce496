"""Reply texts built from data/kb/replies.yml and the facts of a case."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan import formatting, intents
from weiquan.paths import KB_DIR

FACT_ORDER = ("product", "amount", "date", "duration", "order_id", "tracking_no")
CASE_FACT_ORDER = (*FACT_ORDER, "received_date", "merchant_contacted", "merchant_response",
                   "after_sales_requested", "platform_intervened", "platform_result", "money_lost", "injury",
                   "threat", "unshipped", "is_food", "is_durable", "promo_terms")


@lru_cache(maxsize=4)
def load(path: Path = KB_DIR / "replies.yml") -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def fact_value(name: str, value: Any, today: date | None = None) -> str | None:
    """A fact as the user should read it back, or None when it is empty or unreadable."""
    if value in (None, ""):
        return None
    if name == "amount":
        return formatting.money(float(value))
    if name == "duration":
        return formatting.days(float(value))
    if name in ("date", "received_date"):
        parsed = formatting.parse_iso(value)
        return formatting.day(parsed, today) if parsed else None
    if isinstance(value, bool):
        return load()["acknowledge"]["answer_yes" if value else "answer_no"]
    return _option_title(name, value) or str(value)


def _option_title(fact: str, value: Any) -> str | None:
    """The Chinese title of a choice answer (merchant_response 'refused' -> '拒绝了')."""
    from weiquan import intake

    spec = intake.facts().get(fact)
    return spec.options.get(str(value)) if spec else None


def fact_lines(facts: Mapping[str, Any], today: date | None = None) -> list[str]:
    """'名称：值' for every known fact, in a fixed order; a date that is the receipt date is said once, as that."""
    names = load()["acknowledge"]["fact_names"]
    same_day = facts.get("date") is not None and facts.get("date") == facts.get("received_date")
    return [
        f"{names[name]}：{shown}"
        for name in CASE_FACT_ORDER
        if not (same_day and name == "date") and (shown := fact_value(name, facts.get(name), today)) is not None
    ]


def acknowledgement(
    intent: str, facts: Mapping[str, Any], today: date | None = None, doubtful_order_ids: Sequence[str] = (),
    characters_read: int | None = None,
) -> str:
    """Names the complaint type, repeats the facts recognised so far and questions a wrong order number.

    `characters_read`: set when the message was too long to read whole; the reply says so first."""
    texts = load()["acknowledge"]
    lines = [*_cut_notice(characters_read), texts["opening"].format(label=intents.label(intent))]
    recognised = [
        texts["fact_line"].format(name=texts["fact_names"][name], value=shown)
        for name in FACT_ORDER
        if (shown := fact_value(name, facts.get(name), today)) is not None
    ]
    if recognised:
        lines.append(texts["facts_intro"])
        lines.extend(recognised)
    if not facts.get("order_id"):
        lines.extend(_order_id_doubt(doubtful_order_ids))
    return "\n".join(lines)


def _order_id_doubt(doubtful_order_ids: Sequence[str]) -> list[str]:
    """The line that questions the first wrong order number, if there is one."""
    if not doubtful_order_ids:
        return []
    return [load()["acknowledge"]["order_id_doubt"].format(value=doubtful_order_ids[0])]


def _cut_notice(characters_read: int | None) -> list[str]:
    """The line that says only the start of an overlong message was read."""
    if characters_read is None:
        return []
    return [load()["acknowledge"]["cut"].format(kept=characters_read)]


def with_cut_notice(reply: str, characters_read: int | None) -> str:
    """The reply, after the cut notice when only the start of the message was read."""
    return "\n".join([*_cut_notice(characters_read), reply])


def inform_outside(doubtful_order_ids: Sequence[str] = (), characters_read: int | None = None) -> str:
    """Facts given outside any case: question a wrong order number first, then ask what happened."""
    return "\n".join([*_cut_notice(characters_read), *_order_id_doubt(doubtful_order_ids), text("inform_outside")])


def clarification(ranking: list[dict], characters_read: int | None = None,
                  complaints_only: bool = False) -> tuple[str, list[dict[str, str]]]:
    """Question and buttons (title, payload) for the most likely intents, or for the most likely complaints."""
    texts = load()["clarify"]
    if complaints_only:
        ranking = [r for r in ranking if intents.is_complaint(r.get("name"))]
    buttons = [{"title": o.button, "payload": f"/{o.name}"} for o in intents.clarification_options(ranking)]
    buttons.append({"title": texts["none_of_these"], "payload": "/out_of_scope"})
    question = texts["which_complaint" if complaints_only else "question"]
    return with_cut_notice(question, characters_read), buttons


def asked_which_complaint(bot_text: str) -> bool:
    """The bot's message was the complaint-buttons question, with or without a cut notice before it."""
    return bool(bot_text) and bot_text.endswith(load()["clarify"]["which_complaint"])


def is_complaint_wish(message: str) -> bool:
    """我想投诉 and the like: a wish to complain that says nothing yet about the problem."""
    fillers = sorted(load()["complaint_wish_fillers"], key=len, reverse=True)
    bare = re.sub("|".join(map(re.escape, fillers)) + r"|[\s，,。.！!？?~～…]+", "", message)
    return bare in load()["complaint_wishes"]


def month_part_question(said: str, month: int, example_day: int) -> str:
    """The date question again, after a part of a month (10月底) was said instead of a day."""
    return load()["month_part_question"].format(said=said, example=f"{month}月{example_day}日")


def switch_offer(proposed: str, current: str) -> tuple[str, list[dict[str, str]]]:
    """The question whether to leave the case being asked about for the complaint just said, with its buttons."""
    texts = load()["switch_case"]
    question = texts["question"].format(label=intents.label(proposed), current=intents.label(current))
    return question, [{"title": texts[key], "payload": texts[key]} for key in ("switch", "keep")]


def switch_choice(message: str, intent: str | None) -> str | None:
    """"switch" or "keep" for an answer to the switch offer (a button, yes or no); None for anything else."""
    texts = load()["switch_case"]
    said = message.strip()
    if said == texts["switch"] or intent == "affirm":
        return "switch"
    if said == texts["keep"] or intent == "deny":
        return "keep"
    return None


def text(key: str) -> str:
    """A fixed reply from replies.yml."""
    return load()[key]
