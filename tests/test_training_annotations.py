"""Training data annotates what the held-out sets annotate: a complaint that opens with the item names a product."""
from __future__ import annotations

import yaml

from weiquan.jieba_tokens import load_dictionary
from weiquan.nlu_data import Example, load_examples
from weiquan.paths import DATA_DIR

SHOP_WORDS = {"旗舰店", "官方", "官方旗舰店", "专卖店", "店", "自营"}
"""A brand followed by one of these names the shop, not the item (海尔官方旗舰店的客服…)."""


def product_lookup() -> set[str]:
    tables = yaml.safe_load((DATA_DIR / "nlu" / "lookups.yml").read_text(encoding="utf-8"))["nlu"]
    (table,) = [t for t in tables if t.get("lookup") == "product"]
    return {line[2:].strip().lower() for line in table["examples"].splitlines() if line.strip()}


def bare_opening_products(examples: list[Example], products: set[str]) -> list[str]:
    """Complaints whose first word is a known product that no product annotation starts at."""
    tokenizer = load_dictionary()
    found = []
    for example in examples:
        if not example.intent.startswith("complain_"):
            continue
        words = list(tokenizer.cut(example.text))
        opening, following = words[0], words[1] if len(words) > 1 else ""
        annotated = any(start == 0 and entity == "product" for start, _, entity in example.spans)
        if opening.lower() in products and following not in SHOP_WORDS and not annotated:
            found.append(example.text)
    return found


def test_the_check_finds_a_bare_opening_product_and_passes_shops_and_annotations():
    products = {"充电宝", "海尔"}
    examples = [
        Example("充电宝充着充着鼓包了", "complain_quality", ()),
        Example("充电宝充着充着鼓包了", "complain_quality", (("product", "充电宝"),), ((0, 3, "product"),)),
        Example("海尔官方旗舰店的客服也太敷衍了", "complain_merchant_service", ()),
        Example("充电宝怎么带上飞机", "out_of_scope", ()),
    ]
    assert bare_opening_products(examples, products) == ["充电宝充着充着鼓包了"]


def test_every_training_complaint_that_opens_with_a_known_product_annotates_it():
    assert bare_opening_products(load_examples(DATA_DIR / "nlu"), product_lookup()) == []
