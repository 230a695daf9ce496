"""The knowledge base under data/kb/ against the shared contracts (rules_facts.md, channels.md, taxonomy)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import cn2an
import pytest
import yaml

from harness import contracts
from weiquan import platform_role, replies, routing, rules
from weiquan.routing import CaseFacts, Stage

TODAY = date(2026, 11, 25)
REPO = Path(__file__).resolve().parent.parent
KB = REPO / "data" / "kb"
KB_FILES = ["rules.yml", "channels.yml", "evidence.yml", "routes.yml", "platform_role.yml"]
ALLOWED_PHONES = {"12315", "12305", "110", "96110", "12345"}
CANONICAL_TOPICS = [
    "七天无理由", "假一赔四", "延迟发货", "运费险", "价保", "退款时效", "三包",
    "退一赔三", "退一赔十", "客服介入", "质量问题退货", "评价规则", "发票",
]  # fmt: skip
RULES = rules.all_rules()
RULE_IDS = [r.id for r in RULES]


def facts_table() -> dict[str, tuple[str, str]]:
    """rules_facts.md rows: id -> (fact text, confidence word)."""
    table = {}
    for line in contracts.shared_file("rules_facts.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[a-z0-9_]+", cells[0]) and cells[0] != "id":
            table[cells[0]] = (cells[1], cells[3].split()[0])
    return table


def load(name: str) -> Any:
    return yaml.safe_load((KB / name).read_text(encoding="utf-8"))


def strings(node: Any, skip: frozenset[str] = frozenset({"sources"})) -> Iterator[str]:
    """Every string value of a YAML tree, leaving out subtrees under the keys in `skip`."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if key not in skip:
                yield from strings(value, skip)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value, skip)


def phone_like_numbers(text: str) -> list[str]:
    """Runs of 3+ digits that are not amounts, years or counts (1,000元 / 2027年 / 45个)."""
    found = []
    for match in re.finditer(r"(?<![\d,.])\d{3,}(?![\d,.])", text):
        after = text[match.end() : match.end() + 1]
        if after not in ("元", "年", "月", "日", "个", "天", "倍", "%"):
            found.append(match.group())
    return found


def sample_routes() -> Iterator[routing.Route]:
    stage_facts = [
        {},
        {"merchant_contacted": True},
        {"after_sales_requested": True, "merchant_response": "refused"},
        {"platform_intervened": True, "platform_result": "pending"},
        {"platform_intervened": True, "platform_result": "for_buyer"},
        {"platform_intervened": True, "platform_result": "against_buyer"},
        {"injury": True, "money_lost": True, "is_food": True},
        {"amount": 50000},
    ]
    dated = {
        "received_date": date(2026, 11, 18),
        "return_received_date": date(2026, 11, 10),
        "return_requested_date": date(2026, 11, 1),
    }
    for ctype in routing.complaint_types():
        for facts in stage_facts:
            yield routing.route(CaseFacts(ctype, **facts), TODAY)
            yield routing.route(CaseFacts(ctype, **facts, **dated), TODAY)


# --- rules vs facts


def test_rule_ids_are_unique_snake_case() -> None:
    raw_ids = [item["id"] for item in load("rules.yml")["rules"]]
    assert len(raw_ids) == len(set(raw_ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", rid) for rid in raw_ids)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_rule_has_sources_and_a_matching_confidence(rule_id: str) -> None:
    found = rules.rule(rule_id)
    table = facts_table()
    assert found.sources, "a rule needs at least one source"
    assert found.confidence in rules.CONFIDENCE_LEVELS
    for source in found.sources:
        assert source.fact in table, f"{source.fact} is not a row of rules_facts.md"
        assert source.ref
        confidence = table[source.fact][1]
        if confidence == "PARTLY":
            assert found.confidence in ("VERIFIED-COPY", "UNVERIFIED")
        else:
            assert confidence == found.confidence, f"{source.fact} is {confidence}"
    assert found.title and found.short and found.texts.get("text")


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_params_are_numbers_of_rules_facts(rule_id: str) -> None:
    found = rules.rule(rule_id)
    if found.confidence == "UNVERIFIED":
        assert not found.params, "UNVERIFIED rules carry no numbers"
        return
    source_text = "".join(facts_table()[s.fact][0] for s in found.sources)
    for name, value in found.params.items():
        assert isinstance(value, int), name
        spelled = {str(value), cn2an.an2cn(value)} | ({"两"} if value == 2 else set())
        assert any(s in source_text for s in spelled), f"{name}={value} not in the sources' facts"


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_unverified_and_platform_wording(rule_id: str) -> None:
    found = rules.rule(rule_id)
    texts = [found.short, *found.texts.values()]
    for text in texts:
        if found.confidence == "UNVERIFIED":
            assert not re.search(r"\d|%", text), f"UNVERIFIED text states a number: {text}"
            assert not re.search(r"[一二三四五六七八九十百千两]+(天|小时|倍|成|折|元)", text), text
        if found.confidence == "VERIFIED-COPY":
            assert not re.search(r"第[一二三四五六七八九十百零\d]+条", text), "no platform article numbers"
    if found.confidence == "VERIFIED-COPY":
        assert "按平台现行规则" in found.texts["text"]
        assert "平台规则中心" in found.texts["text"]
    if found.confidence == "UNVERIFIED":
        assert any(place in found.texts["text"] for place in ("商品页", "平台规则中心", "订单", "凭证"))


def test_topics_and_intents_are_canonical() -> None:
    complaint_types = set(routing.complaint_types())
    for found in RULES:
        assert set(found.topics) <= set(CANONICAL_TOPICS), found.id
        assert set(found.applies_to) <= complaint_types, found.id
        assert set(found.needs) <= set(load("rules.yml")["meta"]["fact_questions"]) | {"is_food"}, found.id
        if found.needs:
            assert "text_missing" in found.texts, found.id
        if found.compute:
            assert found.compute in rules.COMPUTATIONS, found.id
    for topic in CANONICAL_TOPICS:
        assert rules.rules_for_topic(topic), f"no rule answers {topic}"
        mains = [r.id for r in RULES if topic in r.main_for]
        assert len(mains) == 1, f"{topic} needs exactly one main rule, has {mains}"
    for found in RULES:
        assert set(found.main_for) <= set(found.topics), found.id


# --- references


def route_rule_ids() -> set[str]:
    raw = load("routes.yml")
    ids = set()
    for spec in raw["types"].values():
        ids |= set(spec.get("rule_ids") or [])
        for extra in (spec.get("rule_ids_if") or {}).values():
            ids |= set(extra)
    for extra in raw["defaults"]["rule_ids_if"].values():
        ids |= set(extra)
    return ids


def test_every_referenced_rule_exists() -> None:
    referenced = route_rule_ids()
    for item in load("channels.yml")["channels"].values():
        referenced |= set(item.get("rule_ids") or [])
    role = load("platform_role.yml")
    for section in ("can", "cannot", "next"):
        for item in role[section]["items"]:
            referenced |= set(item.get("rule_ids") or [])
    assert referenced <= set(RULE_IDS), referenced - set(RULE_IDS)


def test_channels_match_the_contract() -> None:
    contract = set(contracts.channel_ids())
    channels = load("channels.yml")["channels"]
    assert set(channels) == contract
    for cid, item in channels.items():
        assert item["name"] and item["how"] and item["who"] and item["evidence"], cid
        assert "default" in item["why"], cid


def test_routes_reference_known_channels_why_keys_and_deadlines() -> None:
    raw = load("routes.yml")
    channels = load("channels.yml")["channels"]
    deadline_names = set(raw["deadline_texts"])
    for ctype, spec in raw["types"].items():
        for stage, plan in spec["stages"].items():
            Stage(stage)
            listed = plan["steps"] if isinstance(plan, dict) else plan
            for entry in listed:
                cid, _, key = entry.partition(":")
                assert cid in channels, (ctype, stage, cid)
                assert not key or key in channels[cid]["why"], (ctype, entry)
            for cid in (plan.get("next_if") or {}).values() if isinstance(plan, dict) else ():
                assert cid in channels
        assert set(spec["stages"]) == {s.value for s in Stage}, ctype
        for cid, key in (spec.get("why") or {}).items():
            assert key in channels[cid]["why"], (ctype, cid, key)
        for per in (spec.get("why_if") or {}).values():
            for cid, key in per.items():
                assert key in channels[cid]["why"], (ctype, cid, key)
        for names in (spec.get("deadlines") or {}).values():
            assert set(names) <= deadline_names
    for per in raw["defaults"]["why_if"].values():
        for cid, key in per.items():
            assert key in channels[cid]["why"]
    for names in raw["defaults"]["deadlines"].values():
        assert set(names) <= deadline_names


def test_every_complaint_type_has_an_evidence_checklist() -> None:
    evidence = load("evidence.yml")["evidence"]
    assert set(routing.complaint_types()) <= set(evidence)
    assert all(items for items in evidence.values())


def test_conditions_in_the_knowledge_base_name_facts_routing_knows() -> None:
    conditions = {item.when for items in routing.load_evidence().values() for item in items if item.when}
    for spec in routing.type_specs().values():
        conditions |= {*spec.serious_if, *spec.why_if, *spec.deadlines_if, *spec.rule_ids_if}
        conditions |= {fact for plan in spec.stages.values() for fact in plan.next_if}
    assert {"platform_involved", "large_sum", "injury"} <= conditions <= routing.fact_names()


def test_large_sum_threshold_is_documented_as_product_choice() -> None:
    text = (KB / "routes.yml").read_text(encoding="utf-8")
    assert "large_sum_yuan" in load("routes.yml")
    assert "Product choice" in text and "NOT a legal threshold" in text


# --- rendered texts


def rendered_explanations() -> Iterator[str]:
    fact_sets = [
        {},
        {"amount": 120, "received_date": date(2026, 11, 20), "return_received_date": date(2026, 11, 20),
         "return_requested_date": date(2026, 11, 20), "complaint_filed_date": date(2026, 11, 20)},
        {"amount": 2000, "received_date": date(2026, 11, 18), "return_received_date": date(2026, 11, 15),
         "return_requested_date": date(2026, 11, 1)},
        {"amount": "99.5", "received_date": date(2026, 3, 1), "return_received_date": date(2026, 11, 1)},
    ]  # fmt: skip
    for found in RULES:
        for facts in fact_sets:
            yield rules.explain(found.id, facts, TODAY).text
    for topic in CANONICAL_TOPICS:
        yield rules.explain_topic(topic, fact_sets[1], TODAY).text


def test_every_text_variant_renders() -> None:
    """All placeholders of every text are known: params plus the values a computation gives."""
    computed: dict[str, str] = {}
    full = {
        "amount": 120,
        "received_date": date(2026, 11, 20),
        "return_received_date": date(2026, 11, 20),
        "return_requested_date": date(2026, 11, 20),
        "complaint_filed_date": date(2026, 11, 20),
    }
    for name, compute in rules.COMPUTATIONS.items():
        _, values = compute(full, TODAY)
        computed.update(values)
        assert name
    for found in RULES:
        values = {**computed, **{k: str(v) for k, v in found.params.items()}}
        for key, template in found.texts.items():
            rendered = rules.render(template, values)
            assert "{" not in rendered and "}" not in rendered, (found.id, key)


def test_no_placeholder_left_in_any_rendered_text() -> None:
    texts = list(rendered_explanations())
    for result in sample_routes():
        texts.append(result.text)
        texts += [s.why for s in result.steps if s.why] + [s.deadline for s in result.steps if s.deadline]
    texts += [platform_role.answer().text]
    texts += [platform_role.complaint_answer(CaseFacts("complain_platform_service", **f)).text
              for f in ({}, {"platform_intervened": True}, {"platform_result": "against_buyer"},
                        {"platform_result": "for_buyer"})]  # fmt: skip
    for text in texts:
        assert text
        assert not re.search(r"[{}]", text), text
        assert "None" not in text, text


def test_phone_numbers_in_yaml_are_the_official_ones() -> None:
    for name in KB_FILES:
        for text in strings(load(name)):
            for number in phone_like_numbers(text):
                assert number in ALLOWED_PHONES, f"{name}: {number} in {text!r}"


def test_phone_numbers_in_rendered_texts_are_the_official_ones() -> None:
    texts = list(rendered_explanations()) + [r.text for r in sample_routes()] + [platform_role.answer().text]
    for text in texts:
        assert set(phone_like_numbers(text)) <= ALLOWED_PHONES, text


def test_phone_number_detector() -> None:
    assert phone_like_numbers("打12315或12305，最少1,000元，2027年1月4日，45个工作日") == ["12315", "12305"]
    assert phone_like_numbers("拨打400-123-4567") == ["400", "123", "4567"]


def test_a_receipt_date_is_read_back_once():
    """上周五收到的 was read back as 日期：11月20日，收货日期：11月20日."""
    lines = replies.fact_lines({"date": "2026-11-20", "received_date": "2026-11-20", "amount": 350.0})
    assert [line for line in lines if "11月20日" in line] == ["收货日期：11月20日"]
    assert "金额：350元" in lines
    both = replies.fact_lines({"date": "2026-11-11", "received_date": "2026-11-20"})
    assert len(both) == 2
