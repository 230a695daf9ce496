"""Case facts in, ordered route out: which channel can act next on a complaint (channels.md contract).

The table (complaint type × stage → channels) is data/kb/routes.yml; channel names, reasons and evidence are
data/kb/channels.yml and data/kb/evidence.yml. This module only interprets them. No Rasa imports.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from weiquan import rules
from weiquan.paths import KB_DIR

ROUTES_FILE = KB_DIR / "routes.yml"
CHANNELS_FILE = KB_DIR / "channels.yml"
EVIDENCE_FILE = KB_DIR / "evidence.yml"

DONE, NEXT, LATER = "done", "next", "later"
FALLBACK_CHANNEL = "human_agent"  # next step when every step of the table is already done

MERCHANT_RESPONSES = ("agreed", "refused", "silent")
PLATFORM_RESULTS = ("for_buyer", "against_buyer", "pending", "refused")
MERCHANT_FAILED_RESPONSES = frozenset({"refused", "silent"})
MERCHANT_FAILED_AFTER_SALES = frozenset({"rejected", "timeout"})
PLATFORM_FAILED_RESULTS = frozenset({"against_buyer", "refused"})


class Stage(str, Enum):
    NOT_CONTACTED = "NOT_CONTACTED"  # nothing done yet
    MERCHANT_PENDING = "MERCHANT_PENDING"  # merchant contacted / after-sales open, no refusal yet
    MERCHANT_FAILED = "MERCHANT_FAILED"  # merchant refused or let its time limit pass
    PLATFORM_FAILED = "PLATFORM_FAILED"  # platform refused to step in or ruled against the buyer
    SERIOUS = "SERIOUS"  # injury, large sum (product threshold in routes.yml); scams: money lost; harassment: threat


@dataclass(frozen=True)
class CaseFacts:
    complaint_type: str
    merchant_contacted: bool | None = None
    merchant_response: str | None = None  # agreed / refused / silent
    after_sales_requested: bool | None = None
    after_sales_state: str | None = None  # pending / rejected / timeout / closed / completed
    platform_intervened: bool | None = None
    platform_result: str | None = None  # for_buyer / against_buyer / pending / refused
    amount: Decimal | float | int | str | None = None  # amount paid, yuan
    received_date: date | None = None  # day the buyer signed for the goods
    order_date: date | None = None
    return_requested_date: date | None = None
    return_received_date: date | None = None  # day the merchant signed for the returned goods
    injury: bool = False
    unshipped: bool = False  # the goods were never shipped (said in passing: 一直没发货)
    threat: bool = False  # a threat to the user's person (知道我住哪, 上门找我)
    money_lost: bool | None = None  # scams: money already transferred
    is_food: bool | None = None
    is_durable: bool | None = None  # a durable good the law names (电脑, 冰箱, 汽车 …)
    promo_terms: bool | None = None  # a price complaint about 包邮, coupons or deposits, not a price drop
    done_channels: frozenset[str] = frozenset()  # outside channels the user already used

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CaseFacts:
        """Facts from slots or JSON: ISO date strings become dates, unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known and v is not None}
        for name in ("received_date", "order_date", "return_requested_date", "return_received_date"):
            if name in values:
                values[name] = rules.to_date(values[name])
        if "done_channels" in values:
            values["done_channels"] = frozenset(values["done_channels"])
        for name in ("injury", "unshipped", "threat"):
            if name in values:
                values[name] = bool(values[name])
        return cls(**values)

    def rule_facts(self) -> dict[str, Any]:
        """The facts as weiquan.rules.explain reads them."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}


@dataclass(frozen=True)
class Step:
    channel: str
    state: str  # done / next / later
    why: str | None = None
    deadline: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    complaint_type: str
    stage: Stage
    steps: tuple[Step, ...]
    rule_ids: list[str]
    evidence: list[str]
    text: str  # short Chinese text sent beside the payload
    missing: list[str] = field(default_factory=list)  # facts that would sharpen a deadline

    @property
    def next_step(self) -> Step:
        return next(step for step in self.steps if step.state == NEXT)

    def to_payload(self, case_id: str) -> dict[str, Any]:
        """The `custom` payload of channels.md."""
        steps: list[dict[str, Any]] = []
        for step in self.steps:
            item: dict[str, Any] = {"channel": step.channel, "state": step.state}
            if step.state != DONE:
                if step.why:
                    item["why"] = step.why
                if step.deadline:
                    item["deadline"] = step.deadline
            steps.append(item)
        return {
            "type": "route",
            "complaint_type": self.complaint_type,
            "case_id": case_id,
            "steps": steps,
            "rule_ids": list(self.rule_ids),
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    how: str
    who: str
    evidence: tuple[str, ...]
    rule_ids: tuple[str, ...]
    why: Mapping[str, str]
    named_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class StagePlan:
    steps: tuple[tuple[str, str | None], ...]  # (channel, why key written in the table)
    next_if: Mapping[str, str]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    stages: Mapping[Stage, StagePlan]
    platform_channel: str | None
    serious_if: tuple[str, ...]
    first: str | None
    why: Mapping[str, str]
    why_if: Mapping[str, Mapping[str, str]]
    deadlines: Mapping[str, tuple[str, ...]]
    deadlines_if: Mapping[str, Mapping[str, tuple[str, ...]]]
    rule_ids: tuple[str, ...]
    rule_ids_if: Mapping[str, tuple[str, ...]]
    # A rule that becomes the main one when a fact is true (包邮 or a coupon at checkout: not 价保 but 如实标价).
    lead_rule_if: Mapping[str, str]
    channel_evidence: Mapping[str, tuple[str, ...]]  # replaces a channel's default evidence for this type


# --- loading


def _read(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_channels(path: Path = CHANNELS_FILE) -> dict[str, Channel]:
    raw = _read(path)["channels"]
    return {
        cid: Channel(
            id=cid,
            name=item["name"],
            how=item["how"],
            who=item["who"],
            evidence=tuple(item.get("evidence") or ()),
            rule_ids=tuple(item.get("rule_ids") or ()),
            why=dict(item["why"]),
            named_by=tuple(str(word) for word in item.get("named_by") or ()),
        )
        for cid, item in raw.items()
    }


@dataclass(frozen=True)
class EvidenceItem:
    text: str
    when: str | None = None  # a fact (as in routes.yml's *_if keys) that must hold for the item to apply


@lru_cache(maxsize=4)
def load_evidence(path: Path = EVIDENCE_FILE) -> dict[str, tuple[EvidenceItem, ...]]:
    """Per complaint type; an item is a text, or {item: text, when: fact} when it only fits some cases."""
    return {
        name: tuple(
            EvidenceItem(item["item"], item.get("when")) if isinstance(item, Mapping) else EvidenceItem(item)
            for item in items
        )
        for name, items in _read(path)["evidence"].items()
    }


def type_evidence(facts: CaseFacts) -> list[str]:
    """The complaint type's checklist for these facts (items whose `when` fact does not hold are left out)."""
    items = load_evidence().get(facts.complaint_type, ())
    return [item.text for item in items if item.when is None or _fact_true(facts, item.when)]


@lru_cache(maxsize=4)
def load_routes(path: Path = ROUTES_FILE) -> dict[str, Any]:
    """routes.yml as read (tables, texts, threshold)."""
    return _read(path)


def _plan(raw: Any) -> StagePlan:
    if isinstance(raw, Mapping):
        listed, next_if = raw["steps"], dict(raw.get("next_if") or {})
    else:
        listed, next_if = raw, {}
    steps = []
    for spec in listed:
        channel, _, why_key = str(spec).partition(":")
        steps.append((channel, why_key or None))
    return StagePlan(tuple(steps), next_if)


def _merged(defaults: Mapping[str, Any], own: Mapping[str, Any] | None) -> dict[str, Any]:
    """Nested {fact: {channel: value}} maps: a type's entry for a fact replaces the default one."""
    result: dict[str, Any] = {k: dict(v) for k, v in defaults.items()}
    result.update({fact: dict(per_channel or {}) for fact, per_channel in (own or {}).items()})
    return result


@lru_cache(maxsize=4)
def type_specs(path: Path = ROUTES_FILE) -> dict[str, TypeSpec]:
    raw = load_routes(path)
    defaults = raw["defaults"]
    specs: dict[str, TypeSpec] = {}
    for name, item in raw["types"].items():
        deadlines = {k: tuple(v) for k, v in defaults["deadlines"].items()}
        deadlines.update({k: tuple(v) for k, v in (item.get("deadlines") or {}).items()})
        deadlines_if = {
            fact: {ch: tuple(keys) for ch, keys in per.items()}
            for fact, per in _merged(defaults.get("deadlines_if") or {}, item.get("deadlines_if")).items()
        }
        rule_ids_if = {k: tuple(v) for k, v in (defaults.get("rule_ids_if") or {}).items()}
        rule_ids_if.update({k: tuple(v) for k, v in (item.get("rule_ids_if") or {}).items()})
        specs[name] = TypeSpec(
            name=name,
            stages={Stage(stage): _plan(plan) for stage, plan in item["stages"].items()},
            platform_channel=item.get("platform_channel", defaults["platform_channel"]),
            serious_if=tuple(item.get("serious_if", defaults["serious_if"])),
            first=item.get("first"),
            why=dict(item.get("why") or {}),
            why_if=_merged(defaults.get("why_if") or {}, item.get("why_if")),
            deadlines=deadlines,
            deadlines_if=deadlines_if,
            rule_ids=tuple(item.get("rule_ids") or ()),
            rule_ids_if=rule_ids_if,
            lead_rule_if=dict(item.get("lead_rule_if") or {}),
            channel_evidence={k: tuple(v) for k, v in (item.get("channel_evidence") or {}).items()},
        )
    return specs


def complaint_types() -> list[str]:
    """Every complaint type the routing table covers (all complain_* intents and report_scam)."""
    return list(type_specs())


def complaint_rule_ids(complaint_type: str) -> list[str]:
    """The rules a complaint type relies on, main one first; empty for an unknown type."""
    spec = type_specs().get(complaint_type)
    return list(spec.rule_ids) if spec else []


def channel(channel_id: str) -> Channel:
    return load_channels()[channel_id]


def _names(text: str, word: str) -> bool:
    if word.isdigit():
        return re.search(rf"(?<!\d){word}(?!\d)", text) is not None
    return word in text


def named_channels(text: str) -> list[str]:
    """The channels a question names (channels.yml `named_by`), in the file's order: 12315电话多少 names 12315."""
    return [cid for cid, found in load_channels().items() if any(_names(text, word) for word in found.named_by)]


# --- stage


def large_sum_threshold() -> Decimal:
    """Product choice from routes.yml, not a legal threshold."""
    return Decimal(str(load_routes()["large_sum_yuan"]))


def _large_sum(facts: CaseFacts) -> bool:
    paid = rules.to_decimal(facts.amount)
    return paid is not None and paid >= large_sum_threshold()


def _platform_involved(facts: CaseFacts) -> bool:
    return bool(facts.platform_intervened) or facts.platform_result is not None


# Facts the data files may name (routes.yml's *_if keys, evidence.yml's `when`) beside CaseFacts' own fields.
_DERIVED_FACTS: dict[str, Callable[[CaseFacts], bool]] = {
    "large_sum": _large_sum,
    "platform_involved": _platform_involved,
}


def fact_names() -> set[str]:
    """Every fact name a condition in the knowledge base may use."""
    return {f.name for f in fields(CaseFacts)} | set(_DERIVED_FACTS)


def _fact_true(facts: CaseFacts, name: str) -> bool:
    derived = _DERIVED_FACTS.get(name)
    return derived(facts) if derived else bool(getattr(facts, name, None))


def _spec(complaint_type: str) -> TypeSpec:
    try:
        return type_specs()[complaint_type]
    except KeyError:
        raise ValueError(f"no route for complaint type {complaint_type!r}") from None


def stage_of(facts: CaseFacts) -> Stage:
    spec = _spec(facts.complaint_type)
    if any(_fact_true(facts, name) for name in spec.serious_if):
        return Stage.SERIOUS
    if facts.platform_result in PLATFORM_FAILED_RESULTS:
        return Stage.PLATFORM_FAILED
    if (
        facts.merchant_response in MERCHANT_FAILED_RESPONSES
        or facts.after_sales_state in MERCHANT_FAILED_AFTER_SALES
        or facts.platform_intervened
        or facts.platform_result is not None
    ):
        return Stage.MERCHANT_FAILED
    if (
        facts.merchant_contacted
        or facts.after_sales_requested
        or facts.merchant_response
        or facts.after_sales_state
    ):
        return Stage.MERCHANT_PENDING
    return Stage.NOT_CONTACTED


def done_channels(facts: CaseFacts) -> set[str]:
    """Channels the facts say were already used."""
    return channels_used(facts, _spec(facts.complaint_type).platform_channel)


def channels_used(facts: CaseFacts, platform_channel: str | None = "platform_intervention") -> set[str]:
    """Channels the facts say were used, whatever the complaint type; a failed ruling came from platform_channel."""
    done = set(facts.done_channels)
    after_sales = (
        bool(facts.after_sales_requested) or facts.after_sales_state is not None or _platform_involved(facts)
    )
    if after_sales:
        done.add("after_sales_request")
    if after_sales or facts.merchant_contacted or facts.merchant_response is not None:
        done.add("negotiate_merchant")
    if platform_channel and facts.platform_result in PLATFORM_FAILED_RESULTS:
        done.add(platform_channel)
    return done


# --- route


def _seven_day_window(facts: CaseFacts, today: date) -> rules.SevenDayWindow | None:
    """The buyer's seven days, or None while the receipt date is unknown (or said to be in the future)."""
    received = facts.received_date
    return rules.seven_day_window(received, today) if received is not None and received <= today else None


def _why(spec: TypeSpec, facts: CaseFacts, channel_id: str, written: str | None, today: date) -> str:
    texts = channel(channel_id).why
    candidates: list[str | None] = [written]
    candidates += [per.get(channel_id) for fact, per in spec.why_if.items() if _fact_true(facts, fact)]
    if channel_id == spec.platform_channel and _platform_involved(facts):
        candidates.append("for_buyer" if facts.platform_result == "for_buyer" else "in_progress")
    candidates.append(spec.why.get(channel_id))
    key = next((k for k in candidates if k and k in texts), "default")
    window = _seven_day_window(facts, today) if key == "seven_day" else None
    if window is not None and window.expired:
        key = "seven_day_expired"  # the reason must not say "before the last day" once that day has passed
    return texts[key]


def _deadline_values(name: str, facts: CaseFacts, today: date) -> tuple[str, dict[str, str]] | None:
    """(text key, values) for a deadline computation, or None when it does not apply to these facts."""
    if name == "seven_day":
        window = _seven_day_window(facts, today)
        if window is None:
            return "seven_day_missing", {}
        key = (
            "seven_day_expired" if window.expired else "seven_day_last_day" if window.days_left == 0 else name
        )
        return key, {"last_day": rules.day(window.last_day, today)}
    if name == "refund_due":
        if facts.return_received_date is None or facts.return_received_date > today:
            return None
        due = rules.refund_due_date(facts.return_received_date)
        return ("refund_due_overdue" if today > due else name), {"refund_due": rules.day(due, today)}
    if name == "return_request":
        if facts.return_requested_date is None or facts.return_requested_date > today:
            return None
        penalty = rules.return_request_penalty_date(facts.return_requested_date)
        return name, {"penalty_after": rules.day(penalty, today)}
    if name == "regulator_accept":
        return name, {"accept_by": rules.day(rules.regulator_accept_deadline(today), today)}
    return name, {}


def _deadline(spec: TypeSpec, facts: CaseFacts, channel_id: str, today: date) -> str | None:
    names: tuple[str, ...] = ()
    for fact, per in spec.deadlines_if.items():
        if _fact_true(facts, fact) and channel_id in per:
            names = per[channel_id]
            break
    names = names or spec.deadlines.get(channel_id, ())
    texts = load_routes()["deadline_texts"]
    for name in names:
        found = _deadline_values(name, facts, today)
        if found is not None:
            key, values = found
            return rules.render(texts[key], values)
    return None


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _evidence_key(item: str) -> str:
    """问题的照片或视频 and 问题照片或视频, 订单截图（含付款时间） and 订单截图 name the same thing."""
    return re.sub(r"（[^）]*）|的", "", item)


def _unique_evidence(items: Iterable[str]) -> list[str]:
    """The checklist without items that repeat an earlier one; a channel's generic item yields to the type's own."""
    kept: dict[str, str] = {}
    for item in items:
        kept.setdefault(_evidence_key(item), item)
    return list(kept.values())


def _order(
    spec: TypeSpec, plan: StagePlan, facts: CaseFacts, done: set[str]
) -> list[tuple[str, str | None, str]]:
    """(channel, written why key, state) in route order: done, then next, then later."""
    listed = list(plan.steps)
    pending = [c for c, _ in listed if c not in done]
    if not pending:
        listed.append((FALLBACK_CHANNEL, None))
        pending = [FALLBACK_CHANNEL]
    pinned = [ch for fact, ch in plan.next_if.items() if _fact_true(facts, fact) and ch in pending]
    next_channel = pinned[0] if pinned else pending[0]
    done_part = [(c, w, DONE) for c, w in listed if c in done and c != FALLBACK_CHANNEL]
    if spec.first and spec.first == next_channel:
        done_part = []  # the first channel must stay first (scams: police before anything else)
    next_part = [(c, w, NEXT) for c, w in listed if c == next_channel][:1]
    later_part = [(c, w, LATER) for c, w in listed if c not in done and c != next_channel]
    return done_part + next_part + later_part


def route(facts: CaseFacts, today: date | None = None) -> Route:
    """The ordered steps for this case, exactly one of them next."""
    today = today or date.today()
    spec = _spec(facts.complaint_type)
    stage = stage_of(facts)
    plan = spec.stages[stage]
    ordered = _order(spec, plan, facts, done_channels(facts))
    next_id = next(c for c, _, state in ordered if state == NEXT)
    evidence = _unique_evidence([*type_evidence(facts), *_channel_evidence(spec, next_id)])

    steps: list[Step] = []
    for channel_id, written, state in ordered:
        if state == DONE:
            steps.append(Step(channel_id, DONE))
            continue
        steps.append(
            Step(
                channel=channel_id,
                state=state,
                why=_why(spec, facts, channel_id, written, today),
                deadline=_deadline(spec, facts, channel_id, today),
                evidence=tuple(evidence) if state == NEXT else _channel_evidence(spec, channel_id),
            )
        )

    rule_ids = [*lead_rule_ids(facts), *spec.rule_ids, *fact_rule_ids(facts)]
    for step in sorted(steps, key=lambda s: s.state != NEXT):
        if step.state != DONE:
            rule_ids.extend(channel(step.channel).rule_ids)

    next_step = next(s for s in steps if s.state == NEXT)
    return Route(
        complaint_type=facts.complaint_type,
        stage=stage,
        steps=tuple(steps),
        rule_ids=_unique(rule_ids),
        evidence=evidence,
        text=_text(next_step, evidence),
        missing=_missing(spec, facts),
    )


def lead_rule_ids(facts: CaseFacts) -> list[str]:
    """The rule the case's facts make the main one, ahead of the type's usual first rule; empty when none does."""
    spec = type_specs().get(facts.complaint_type)
    return [rule_id for fact, rule_id in spec.lead_rule_if.items() if _fact_true(facts, fact)] if spec else []


def fact_rule_ids(facts: CaseFacts) -> list[str]:
    """Rules the case's own facts add to its type's (食品 → 退一赔十, 受伤 → 缺陷致害)."""
    spec = _spec(facts.complaint_type)
    return [rule_id for fact, extra in spec.rule_ids_if.items() if _fact_true(facts, fact) for rule_id in extra]


def _channel_evidence(spec: TypeSpec, channel_id: str) -> tuple[str, ...]:
    if channel_id in spec.channel_evidence:
        return spec.channel_evidence[channel_id]
    return channel(channel_id).evidence


def _evidence_line(evidence: Iterable[str]) -> str:
    texts = load_routes()["texts"]
    return rules.render(texts["evidence"], {"evidence": texts["evidence_separator"].join(evidence)})


def _text(next_step: Step, evidence: list[str]) -> str:
    texts = load_routes()["texts"]
    lines = [
        rules.render(texts["next"], {"name": channel(next_step.channel).name, "why": next_step.why or ""})
    ]
    if next_step.deadline:
        lines.append(rules.render(texts["deadline"], {"deadline": next_step.deadline}))
    if evidence:
        lines.append(_evidence_line(evidence))
    return "\n".join(lines)


def channel_text(channel_id: str) -> str:
    """One channel on its own: what to do there, who acts, what to have ready."""
    texts, found = load_routes()["texts"], channel(channel_id)
    lines = [rules.render(texts["channel"], {"name": found.name, "how": found.how}),
             rules.render(texts["channel_who"], {"who": found.who})]
    if found.evidence:
        lines.append(_evidence_line(found.evidence))
    return "\n".join(lines)


def _missing(spec: TypeSpec, facts: CaseFacts) -> list[str]:
    """Date facts a deadline of this type could use but that are not known yet."""
    wanted = {
        "seven_day": "received_date",
        "refund_due": "return_received_date",
        "return_request": "return_requested_date",
    }
    names = [n for keys in spec.deadlines.values() for n in keys if n in wanted]
    return _unique(wanted[n] for n in names if getattr(facts, wanted[n]) is None)
