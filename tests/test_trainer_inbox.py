"""The trainer inbox API on a real tracker store (written by Rasa's own SQLTrackerStore) and a real case-store DB."""
from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiohttp.test_utils import TestClient, TestServer

from harness.servers import REPO, TEST_STAFF, VENV_BIN
from webapp import auth
from webapp.app import create_app
from webapp.config import load_settings
from weiquan.nlu_data import load_examples

CHINA = ZoneInfo("Asia/Shanghai")
SENDER, OLD_SENDER = "wq-trainer-inbox-0001", "wq-trainer-inbox-0002"
PERSONAL = "我手机13812345678，地址北京市朝阳区建国路88号3单元502，退款299元打到6222021234567890123"
KETTLE = "买的电热水壶用了两次就不加热了"
TRAINED = "天猫客服管不了商家吗"  # in data/nlu/questions.yml
HELDOUT = "充电宝才充了几次就鼓包了，放床头差点出事"  # in tests/nlu/heldout.yml
UNSURE = "那个东西到底咋整啊"
LEAKS = ("13812345678", "1381234", "建国路88号", "3单元502", "6222021234567890123", "62220212")


def at(day: str, hour: int = 10) -> float:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CHINA).timestamp()


def user(text: str, intent: str, confidence: float, when: float, entities: list[tuple[str, str]] = ()) -> Any:
    from rasa.shared.core.events import UserUttered

    spans = [{"entity": e, "start": text.index(v), "end": text.index(v) + len(v), "value": v} for e, v in entities]
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": spans,
             "intent_ranking": [{"name": intent, "confidence": confidence}]}
    return UserUttered(text, parse["intent"], spans, parse_data=parse, timestamp=when)


def write_tracker_store(path: Path) -> None:
    """Two real conversations in a SQLite tracker store, as the Rasa server would have saved them."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(REPO / "domain"))
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    day = "2026-11-20"
    conversations = {
        SENDER: [
            ActionExecuted("action_session_start", timestamp=at(day)),
            user("/greet", "greet", 1.0, at(day)),
            ActionExecuted("utter_greet", timestamp=at(day)),
            BotUttered("你好！我是维权助手。", timestamp=at(day)),
            ActionExecuted("action_listen", timestamp=at(day)),
            user(PERSONAL, "inform", 0.41, at(day, 11), [("amount", "299元")]),
            ActionExecuted("action_start_case", timestamp=at(day, 11)),
            BotUttered("已记下你的电话13812345678。", timestamp=at(day, 11)),
            user(KETTLE, "complain_quality", 0.93, at(day, 12), [("product", "电热水壶")]),
            ActionExecuted("action_start_case", timestamp=at(day, 12)),
            user(TRAINED, "ask_rule", 0.22, at(day, 13)),
            user(HELDOUT, "complain_quality", 0.55, at(day, 14)),
            BotUttered("申请过平台客服介入吗？", {"buttons": [{"title": "没有", "payload": "没有"}]},
                       timestamp=at(day, 15)),
            user("没有", "deny", 0.99, at(day, 15)),
        ],
        OLD_SENDER: [user("双十一买的羽绒服到现在都没发货", "complain_shipping_delay", 0.67, at("2026-01-05")),
                     user(UNSURE, "nlu_fallback", 0.3, at("2026-01-06"))],
    }

    async def save() -> None:
        for sender, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(save())
    store.engine.dispose()


@pytest.fixture(scope="module")
def tracker_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tracker") / "tracker.db"
    write_tracker_store(path)
    return path


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    return {"nlu": tmp_path / "reviewed.yml", "heldout": tmp_path / "heldout_reviewed.yml",
            "stories": tmp_path / "stories", "db": tmp_path / "cases.db"}


class Api:
    """The inbox API as the page uses it, logged in as the trainer."""

    def __init__(self, client: TestClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client, self.loop = client, loop
        self.token = self.call("POST", "/api/trainer/login", {"name": "lin", "password": "trainer-test-pw"},
                               token=None)["token"]

    def raw(self, method: str, path: str, body: Any = None, token: str | None = "") -> tuple[int, Any]:
        headers = {} if token is None else {"Authorization": f"Bearer {token or self.token}"}

        async def go() -> tuple[int, Any]:
            response = await self.client.request(method, path, json=body, headers=headers)
            return response.status, await response.json()

        return self.loop.run_until_complete(go())

    def call(self, method: str, path: str, body: Any = None, token: str | None = "") -> Any:
        status, data = self.raw(method, path, body, token)
        assert status == 200, data
        return data

    def messages(self, **query: str) -> list[dict[str, Any]]:
        params = "&".join(f"{key}={value}" for key, value in query.items())
        return self.call("GET", f"/api/trainer/messages?{params}")["messages"]

    def by_text(self, fragment: str) -> dict[str, Any]:
        return next(m for m in self.messages() if fragment in m["text"])


@pytest.fixture
def api(tracker_db: Path, paths: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setenv("WEIQUAN_DB_URL", f"sqlite:///{paths['db']}")
    env = {**TEST_STAFF, "WEIQUAN_TRACKER_DB_URL": f"sqlite:///{tracker_db}",
           "WEIQUAN_REVIEWED_NLU_PATH": str(paths["nlu"]),
           "WEIQUAN_REVIEWED_HELDOUT_PATH": str(paths["heldout"]),
           "WEIQUAN_REVIEWED_STORIES_DIR": str(paths["stories"])}
    loop = asyncio.new_event_loop()
    client = TestClient(TestServer(create_app(load_settings(env))), loop=loop)
    loop.run_until_complete(client.start_server())
    try:
        yield Api(client, loop)
    finally:
        loop.run_until_complete(client.close())
        loop.close()


@pytest.mark.parametrize("method, path", [
    ("GET", "/api/trainer/messages"), ("GET", "/api/trainer/intents"), ("POST", "/api/trainer/reviews"),
    ("POST", "/api/trainer/export"), ("GET", f"/api/trainer/conversations/{SENDER}"),
])
def test_the_api_refuses_anyone_but_a_trainer(api: Api, method: str, path: str):
    agent_token = api.client.app[auth.AUTH].issue(auth.Staff(auth.AGENT, "小王"))
    for token in (None, "not-a-token", api.token[:-4] + "AAAA", agent_token):
        status, body = api.raw(method, path, {}, token=token)
        assert status == 401, (token, body)
        assert body["message"]


def test_a_wrong_password_gets_no_token(api: Api):
    status, body = api.raw("POST", "/api/trainer/login", {"name": "lin", "password": "nope"}, token=None)
    assert status == 401 and "token" not in body
    status, _ = api.raw("POST", "/api/trainer/login", {"name": "小王", "password": "agent-test-pw"}, token=None)
    assert status == 401


def test_typed_messages_come_lowest_confidence_first_without_button_payloads(api: Api):
    messages = api.messages()
    assert [m["confidence"] for m in messages] == [0.22, 0.3, 0.41, 0.55, 0.67, 0.93]
    assert not [m for m in messages if m["text"].startswith("/") or m["text"] == "没有"]
    assert api.messages(sort="-confidence")[0]["text"] == KETTLE


def test_personal_data_is_masked_and_entities_stay_on_their_characters(api: Api):
    message = api.by_text("退款")
    assert not [leak for leak in LEAKS if leak in message["text"]]
    assert "138****5678" in message["text"] and "**** **** **** 0123" in message["text"]
    (amount,) = message["entities"]
    assert message["text"][amount["start"]:amount["end"]] == amount["value"] == "299元"
    kettle = api.by_text("电热水壶")
    assert [(e["value"], e["entity"], e["start"]) for e in kettle["entities"]] == [("电热水壶", "product", 2)]
    assert kettle["intent_label"] == "商品质量问题"


@pytest.mark.parametrize("query, expected", [
    ({"intent": "complain_quality"}, [HELDOUT, KETTLE]),
    ({"min_confidence": "0.5", "max_confidence": "0.9"}, [HELDOUT, "双十一买的羽绒服到现在都没发货"]),
    ({"from": "2026-01-01", "to": "2026-01-05"}, ["双十一买的羽绒服到现在都没发货"]),
    ({"from": "2026-11-20", "max_confidence": "0.3"}, [TRAINED]),
])
def test_filters(api: Api, query: dict[str, str], expected: list[str]):
    assert [m["text"] for m in api.messages(**query)] == expected


def test_a_bad_filter_is_a_400_with_a_reason(api: Api):
    status, body = api.raw("GET", "/api/trainer/messages?from=yesterday")
    assert status == 400 and "from" in body["message"]


def test_relabel_then_only_unreviewed_messages(api: Api):
    trained = api.by_text(TRAINED)
    saved = api.call("POST", "/api/trainer/reviews",
                     {"event_ids": [trained["event_id"]], "action": "relabel", "intent": "ask_platform_role"})
    assert saved["reviews"][0]["intent"] == "ask_platform_role" and saved["reviews"][0]["reviewer"] == "lin"
    assert api.by_text(TRAINED)["review"]["intent"] == "ask_platform_role"
    assert TRAINED not in [m["text"] for m in api.messages(unreviewed="1")]
    status, body = api.raw("POST", "/api/trainer/reviews",
                           {"event_ids": [trained["event_id"]], "action": "relabel", "intent": "complain_nothing"})
    assert status == 400 and "complain_nothing" in body["message"]


def test_bulk_accept_keeps_the_predictions_and_delete_hides_a_message(api: Api):
    messages = api.messages(intent="complain_quality")
    saved = api.call("POST", "/api/trainer/reviews",
                     {"event_ids": [m["event_id"] for m in messages], "action": "accept"})
    assert [(r["status"], r["intent"]) for r in saved["reviews"]] == [("accepted", "complain_quality")] * 2
    kettle = api.by_text(KETTLE)["review"]
    assert [(e["value"], e["entity"]) for e in kettle["entities"]] == [("电热水壶", "product")]
    old = api.by_text("羽绒服")
    api.call("POST", "/api/trainer/reviews", {"event_ids": [old["event_id"]], "action": "delete"})
    assert "羽绒服" not in "".join(m["text"] for m in api.messages())


def test_fixing_an_entity_on_chinese_text_and_the_misaligned_span_warning(api: Api):
    kettle = api.by_text(KETTLE)
    start = KETTLE.index("热水壶")
    saved = api.call("POST", "/api/trainer/reviews", {
        "event_ids": [kettle["event_id"]], "action": "accept",
        "entities": [{"start": start, "end": start + 3, "entity": "product"},
                     {"start": KETTLE.index("两次"), "end": KETTLE.index("两次") + 2, "entity": "duration"}],
    })
    assert [e["value"] for e in saved["reviews"][0]["entities"]] == ["热水壶", "两次"]
    (warning,) = saved["warnings"]
    assert warning["value"] == "热水壶" and "电热水壶" in warning["message"]
    fixed = api.call("POST", "/api/trainer/reviews", {
        "event_ids": [kettle["event_id"]], "action": "accept",
        "entities": [{"start": 2, "end": 6, "entity": "product"}],
    })
    assert fixed["warnings"] == [] and fixed["reviews"][0]["entities"][0]["value"] == "电热水壶"
    status, _ = api.raw("POST", "/api/trainer/reviews", {
        "event_ids": [kettle["event_id"]], "action": "accept",
        "entities": [{"start": 5, "end": 99, "entity": "product"}],
    })
    assert status == 400


def test_a_fallback_prediction_cannot_be_accepted_only_relabelled(api: Api):
    unsure = api.by_text(UNSURE)
    status, body = api.raw("POST", "/api/trainer/reviews", {"event_ids": [unsure["event_id"]], "action": "accept"})
    assert status == 400 and "nlu_fallback" in body["message"]
    saved = api.call("POST", "/api/trainer/reviews", {"event_ids": [unsure["event_id"]], "action": "out_of_scope"})
    assert saved["reviews"][0]["intent"] == "out_of_scope"


def review_everything(api: Api) -> dict[str, dict[str, Any]]:
    """Accept the lot with a few fixes, the way a trainer would; returns the messages by text."""
    api.call("POST", "/api/trainer/reviews", {"event_ids": [api.by_text(UNSURE)["event_id"]], "action": "delete"})
    messages = {m["text"]: m for m in api.messages()}
    personal = next(m for text, m in messages.items() if "退款" in text)
    api.call("POST", "/api/trainer/reviews", {"event_ids": [m["event_id"] for m in messages.values()],
                                              "action": "accept"})
    api.call("POST", "/api/trainer/reviews", {"event_ids": [personal["event_id"]], "action": "relabel",
                                              "intent": "complain_refund", "entities": personal["entities"]})
    api.call("POST", "/api/trainer/reviews", {"event_ids": [messages[TRAINED]["event_id"]], "action": "relabel",
                                              "intent": "ask_platform_role"})
    return messages


def test_export_writes_new_examples_and_reports_what_it_skipped(api: Api, paths: dict[str, Path]):
    review_everything(api)
    report = api.call("POST", "/api/trainer/export")
    assert {e["text"] for e in report["training"]} >= {KETTLE, "双十一买的羽绒服到现在都没发货"}
    skipped = {s["text"]: s["reason"] for s in report["skipped"]}
    assert skipped == {TRAINED: "duplicate", HELDOUT: "heldout"}
    assert all(s["reason_text"] for s in report["skipped"])
    written = load_examples(paths["nlu"])
    assert ("complain_quality", (("product", "电热水壶"),)) in {(e.intent, e.entities) for e in written}
    assert HELDOUT not in {e.text for e in written} and TRAINED not in {e.text for e in written}
    content = paths["nlu"].read_text(encoding="utf-8")
    assert "[电热水壶](product)" in content and "[299元](amount)" in content
    assert not [leak for leak in LEAKS if leak in content]
    status, body = api.raw("POST", "/api/trainer/export")
    assert status == 409 and body["message"]


def test_a_near_duplicate_of_a_training_example_is_skipped(tmp_path: Path):
    from weiquan.training_export import ExportPaths, NewExample, export_examples

    training = tmp_path / "nlu"
    training.mkdir()
    (training / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: complain_quality\n  examples: |\n'
                                    "    - 刚买的电热水壶用了两次就不加热了\n", encoding="utf-8")
    paths = ExportPaths(training, tmp_path / "reviewed.yml", tmp_path / "heldout", tmp_path / "heldout.yml")
    result = export_examples([NewExample("刚买的电热水壶用了两次就不热了", "complain_quality"),
                              NewExample("快递员把包裹扔在门口就走了", "complain_logistics")], paths)
    assert [(s.example.text, s.reason, s.similar_to) for s in result.skipped] == [
        ("刚买的电热水壶用了两次就不热了", "near_duplicate", "刚买的电热水壶用了两次就不加热了")]
    assert [e.text for e in load_examples(tmp_path / "reviewed.yml")] == ["快递员把包裹扔在门口就走了"]


def test_an_example_sent_to_the_heldout_set_never_reaches_training_data(api: Api, paths: dict[str, Path]):
    kettle = api.by_text(KETTLE)
    trained = api.by_text(TRAINED)
    api.call("POST", "/api/trainer/reviews",
             {"event_ids": [kettle["event_id"]], "action": "accept", "target": "heldout"})
    api.call("POST", "/api/trainer/reviews",
             {"event_ids": [trained["event_id"]], "action": "relabel", "intent": "ask_platform_role",
              "target": "heldout"})
    report = api.call("POST", "/api/trainer/export")
    assert [e["text"] for e in report["heldout"]] == [KETTLE] and report["training"] == []
    assert [(s["text"], s["reason"]) for s in report["skipped"]] == [(TRAINED, "in_training")]
    assert [e.text for e in load_examples(paths["heldout"])] == [KETTLE]
    assert not paths["nlu"].exists()


def test_rasa_data_validate_passes_with_the_export(api: Api, paths: dict[str, Path], tmp_path: Path):
    review_everything(api)
    api.call("POST", "/api/trainer/export")
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "nlu", data / "nlu")
    shutil.copy(paths["nlu"], data / "nlu" / "reviewed.yml")
    result = subprocess.run(
        [str(VENV_BIN / "rasa"), "data", "validate", "--domain", "domain", "--data", str(data / "nlu"),
         "data/rules.yml", "data/stories.yml", "--fail-on-warnings"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_the_conversation_is_shown_masked_and_saved_as_a_test_story(api: Api, paths: dict[str, Path]):
    turns = api.call("GET", f"/api/trainer/conversations/{SENDER}")["turns"]
    shown = yaml.safe_dump(turns, allow_unicode=True)
    assert not [leak for leak in LEAKS if leak in shown]
    assert "你好！我是维权助手。" in shown and "已记下你的电话138****5678。" in shown
    review_everything(api)
    saved = api.call("POST", f"/api/trainer/conversations/{SENDER}/story")
    story = yaml.safe_load(Path(saved["path"]).read_text(encoding="utf-8"))
    steps = story["stories"][0]["steps"]
    assert Path(saved["path"]).parent == paths["stories"]
    assert steps[0] == {"intent": "greet"} and steps[1] == {"action": "utter_greet"}
    refund = next(s for s in steps if s.get("intent") == "complain_refund")
    assert "[299元](amount)" in refund["user"] and not [leak for leak in LEAKS if leak in refund["user"]]
    assert {"user": "买的[电热水壶](product)用了两次就不加热了\n", "intent": "complain_quality"} in steps
    assert {"action": "action_start_case"} in steps and {"action": "action_listen"} not in steps
    status, _ = api.raw("GET", "/api/trainer/conversations/nobody-here")
    assert status == 404


def test_the_intent_list_has_every_domain_intent_with_its_chinese_name(api: Api):
    listed = api.call("GET", "/api/trainer/intents")
    names = {i["name"]: i for i in listed["intents"]}
    assert {"complain_refund", "out_of_scope", "skip", "stop", "no_text"} <= set(names)
    assert names["complain_refund"]["label"] == "退款问题"
    assert "product" in listed["entities"]


def test_bulk_accept_keeps_an_entity_fix_made_before(api: Api):
    kettle = api.by_text(KETTLE)
    api.call("POST", "/api/trainer/reviews", {"event_ids": [kettle["event_id"]], "action": "accept",
                                              "entities": [{"start": 8, "end": 10, "entity": "duration"}]})
    ids = [m["event_id"] for m in api.messages() if m["intent"] != "nlu_fallback"]
    api.call("POST", "/api/trainer/reviews", {"event_ids": ids, "action": "accept"})
    assert [e["value"] for e in api.by_text(KETTLE)["review"]["entities"]] == ["两次"]


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of its own on the machine's server, dropped afterwards."""
    import os
    import uuid

    from sqlalchemy import create_engine, text

    if os.environ.get("WEIQUAN_SKIP_PG") == "1":
        pytest.skip("WEIQUAN_SKIP_PG=1: PostgreSQL tests skipped on request")
    server = os.environ.get("WEIQUAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"trainer_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_inbox_reads_a_postgresql_tracker_store_and_keeps_reviews_there(pg_database: str):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from weiquan.annotations import AnnotationStore, Review
    from weiquan.cases import CaseStore
    from weiquan.tracker_messages import TrackerReader

    url = f"postgresql://postgres@127.0.0.1:5432/{pg_database}"
    store = SQLTrackerStore(Domain.load(str(REPO / "domain")), dialect="postgresql", host="127.0.0.1",
                            port=5432, db=pg_database, username="postgres")
    events = [user("/greet", "greet", 1.0, at("2026-11-20")), user(KETTLE, "complain_quality", 0.6, at("2026-11-20"))]
    asyncio.run(store.save(DialogueStateTracker.from_events(SENDER, events)))
    store.engine.dispose()
    reader = TrackerReader(url)
    (message,) = reader.user_messages(intent="complain_quality")
    assert (message.text, message.confidence, message.entities) == (KETTLE, 0.6, ())
    reviews = AnnotationStore(CaseStore(url))
    reviews.create_tables()
    reviews.save(Review(message.event_id, SENDER, KETTLE, "relabelled", "complain_after_sales"), "lin")
    reviews.save(Review(message.event_id, SENDER, KETTLE, "accepted", "complain_quality"), "lin")
    assert [(a.status, a.intent) for a in reviews.all()] == [("accepted", "complain_quality")]
    reader.dispose()
    reviews.engine.dispose()


@pytest.mark.parametrize("text, value, expected", [
    ("邮箱zhangsan@qq.com，买的[电热水壶]坏了", "电热水壶", "电热水壶"),
    ("寄到浙江省杭州市西湖区文三路90号东部软件园3幢201室，[299元]还没退", "299元", "299元"),
    ("卡号6222 0212 3456 7890 123，[两百块]没到账", "两百块", "两百块"),
    ("联系我[13812345678]", "13812345678", "138****5678"),
])
def test_masking_keeps_entity_spans_on_their_characters(text: str, value: str, expected: str):
    from weiquan.masking import mask, mask_with_spans

    start = text.index("[")
    plain = text.replace("[", "").replace("]", "")
    masked, [(a, b)] = mask_with_spans(plain, [(start, start + len(value))])
    assert masked == mask(plain) and masked[a:b] == expected
