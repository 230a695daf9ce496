"""Rule-based amounts, durations, dates, order ids and tracking numbers, merged into the CRF extractor's entities."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_GROUP,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import ConfigOnlyComponent
from weiquan.normalize import ENTITY_TYPES, INVALID_ORDER_ID, Extracted, Normalizer, fold_width
from weiquan.paths import REPO_ROOT

ADDITIONAL_INFO = "additional_info"
# Message property with the time the user sent it: epoch seconds (or milliseconds) or an ISO string.
MESSAGE_TIME = "time"
RULE_TYPES = frozenset(ENTITY_TYPES)
# Epoch values above this are milliseconds (as seconds they would lie in the year 5138).
_EPOCH_MS_FROM = 1e11


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SpacyEntityNormalizer(ConfigOnlyComponent, EntityExtractorMixin):
    """Finds and normalises amount / duration / date / order_id / tracking_no with rules; put it after the CRF.

    Rule findings replace CRF entities of those types that they overlap. The CRF's other entities of those
    types get a normalised `value` (amount in yuan, duration in days, ISO date, id string); those that
    cannot be normalised are dropped, except that a digit run the CRF took for an order number becomes an
    `invalid_order_id`, as do digit runs of the wrong length after 订单号, so the reply can say so.
    Other entity types pass through untouched, unless they overlap a rule finding: the 五 of 三百五 is part of
    an amount, not a product, and a product that names a shop (Lancome旗舰店) is dropped.
    Dates are relative to the message's `time` property, else to now in the configured `timezone`.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"timezone": "Asia/Shanghai", "patterns_path": None}

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy", "jieba", "cn2an", "dateutil"]

    def __init__(self, config: dict[str, Any]) -> None:
        config = {**self.get_default_config(), **config}
        try:
            self._tz = ZoneInfo(str(config["timezone"]))
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise InvalidConfigException(
                f"{type(self).__name__}: unknown 'timezone' {config['timezone']!r}."
            ) from error
        path = config.get("patterns_path")
        self._patterns_path = (
            None if not path else Path(path) if Path(path).is_absolute() else REPO_ROOT / path
        )
        if self._patterns_path is not None and not self._patterns_path.is_file():
            raise InvalidConfigException(f"{type(self).__name__}: no patterns file at {self._patterns_path}.")
        self._normalizer: Normalizer | None = None
        self._lock = threading.Lock()


    @property
    def normalizer(self) -> Normalizer:
        """The patterns and the spaCy pipeline, loaded on first use."""
        with self._lock:
            if self._normalizer is None:
                self._normalizer = Normalizer(self._patterns_path)
            return self._normalizer

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training data keeps its annotations as written."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            now = self.message_time(message)
            found = self.normalizer.find(text, now)
            invalid = self.normalizer.find_invalid_order_ids(text)
            merged = self.merge(text, message.get(ENTITIES) or [], found, now, invalid)
            message.set(ENTITIES, merged, add_to_output=True)
        return messages

    def message_time(self, message: Message) -> datetime:
        """When the message was sent, in the configured timezone."""
        for raw in (message.get(MESSAGE_TIME), message.time):
            parsed = _parse_time(raw, self._tz)
            if parsed is not None:
                return parsed
        return datetime.now(self._tz)

    def merge(
        self, text: str, entities: list[dict[str, Any]], found: list[Extracted], now: datetime,
        invalid_found: list[Extracted],
    ) -> list[dict[str, Any]]:
        """The CRF's entities with rule findings (and wrong order numbers the rules saw) merged in (see the class
        docstring), sorted by start."""
        added = [self._rule_entity(f) for f in found]
        invalid = [e for e in map(self._rule_entity, invalid_found) if not any(_overlap(a, e) for a in added)]
        kept: list[dict[str, Any]] = []
        for entity in entities:
            if not _surface(entity, text).strip():
                continue
            overlapping = [a for a in added if _overlap(entity, a)]
            if entity.get(ENTITY_ATTRIBUTE_TYPE) not in RULE_TYPES:
                if not overlapping and not self._names_a_shop(entity, text):
                    kept.append(entity)
                continue
            if overlapping:
                _carry_role_and_group(entity, overlapping)
                continue
            normalised = self._normalise(entity, text, now)
            if normalised is not None:
                kept.append(normalised)
            elif _is_wrong_order_id(entity, text) and not any(_overlap(entity, i) for i in invalid):
                invalid.append(self._invalid_order_id(entity, text))
        return sorted(
            kept + added + invalid,
            key=lambda e: (e.get(ENTITY_ATTRIBUTE_START, -1), e.get(ENTITY_ATTRIBUTE_END, -1)),
        )

    def _names_a_shop(self, entity: dict[str, Any], text: str) -> bool:
        return entity.get(ENTITY_ATTRIBUTE_TYPE) == "product" and self.normalizer.names_a_shop(_surface(entity, text))

    def _invalid_order_id(self, entity: dict[str, Any], text: str) -> dict[str, Any]:
        surface = _surface(entity, text).strip()
        return {**entity, ENTITY_ATTRIBUTE_TYPE: INVALID_ORDER_ID, ENTITY_ATTRIBUTE_VALUE: fold_width(surface),
                ADDITIONAL_INFO: {"text": surface}, EXTRACTOR: self.name}

    def _rule_entity(self, found: Extracted) -> dict[str, Any]:
        return {
            ENTITY_ATTRIBUTE_TYPE: found.entity,
            ENTITY_ATTRIBUTE_START: found.start,
            ENTITY_ATTRIBUTE_END: found.end,
            ENTITY_ATTRIBUTE_VALUE: found.value,
            EXTRACTOR: self.name,
            ADDITIONAL_INFO: {"text": found.text},
        }

    def _normalise(self, entity: dict[str, Any], text: str, now: datetime) -> dict[str, Any] | None:
        """A copy of the CRF's entity with its value normalised, or None when the value cannot be read."""
        surface = _surface(entity, text)
        value = self._value(entity[ENTITY_ATTRIBUTE_TYPE], surface, now)
        if value is None:
            return None
        info = entity.get(ADDITIONAL_INFO)
        normalised = {
            **entity,
            ENTITY_ATTRIBUTE_VALUE: value,
            ADDITIONAL_INFO: {**(info if isinstance(info, dict) else {}), "text": surface},
        }
        return self.add_processor_name(normalised)

    def _value(self, entity_type: str, surface: str, now: datetime) -> float | str | None:
        normalizer = self.normalizer
        if entity_type == "amount":
            return normalizer.parse_amount(surface, lenient=True)
        if entity_type == "duration":
            return normalizer.parse_duration_days(surface)
        if entity_type == "date":
            day = normalizer.parse_date(surface, now)
            return day.isoformat() if day else None
        compact = fold_width(surface).strip().replace(" ", "")
        if entity_type == "order_id" and normalizer.is_order_id(compact):
            return compact
        if entity_type == "tracking_no" and normalizer.is_tracking_no(compact):
            return compact.upper()
        return None


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    a_start, a_end = a.get(ENTITY_ATTRIBUTE_START), a.get(ENTITY_ATTRIBUTE_END)
    if not isinstance(a_start, int) or not isinstance(a_end, int):
        return False
    return a_start < b[ENTITY_ATTRIBUTE_END] and b[ENTITY_ATTRIBUTE_START] < a_end


def _is_wrong_order_id(entity: dict[str, Any], text: str) -> bool:
    """A CRF order number that is a digit run but not one of an order number's length."""
    return entity.get(ENTITY_ATTRIBUTE_TYPE) == "order_id" and fold_width(_surface(entity, text)).strip().isdigit()


def _surface(entity: dict[str, Any], text: str) -> str:
    """The message text an extracted entity covers (its value when the span is missing or out of range)."""
    start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        return text[start:end]
    return str(entity.get(ENTITY_ATTRIBUTE_VALUE) or "")


def _carry_role_and_group(extracted: dict[str, Any], replacing: list[dict[str, Any]]) -> None:
    """A rule finding of the same type that replaces a CRF entity keeps the CRF's role and group."""
    for added in replacing:
        if added[ENTITY_ATTRIBUTE_TYPE] != extracted[ENTITY_ATTRIBUTE_TYPE]:
            continue
        for key in (ENTITY_ATTRIBUTE_ROLE, ENTITY_ATTRIBUTE_GROUP):
            if key in extracted and key not in added:
                added[key] = extracted[key]


def _parse_time(raw: Any, tz: ZoneInfo) -> datetime | None:
    """Epoch seconds / milliseconds (number or numeric string), ISO string or datetime → aware datetime."""
    if raw is None or isinstance(raw, bool):
        return None
    moment: datetime | None = None
    try:
        if isinstance(raw, datetime):
            moment = raw
        elif isinstance(raw, int | float):
            moment = datetime.fromtimestamp(raw / 1000 if raw > _EPOCH_MS_FROM else raw, tz)
        elif isinstance(raw, str) and raw.strip():
            try:
                return _parse_time(float(raw), tz)
            except ValueError:
                moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
