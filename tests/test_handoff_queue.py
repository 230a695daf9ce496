"""The hand-off queue on SQLite and on the real PostgreSQL: order, atomic claims, hand-back, feedback."""
from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from tests.test_cases import PG_URL, Clock, pg_schema  # noqa: F401  (pg_schema is a fixture)
from weiquan.cases import CaseStore
from weiquan.handoff_queue import (
    CLAIMED,
    EDITED,
    IGNORED,
    RETURNED,
    SENT,
    WAITING,
    Feedback,
    HandoffQueue,
    QueueError,
    feedback_table,
    handoffs_table,
)

SUMMARY = "案件摘要\n类型：退款问题\n已知：金额：299元\n用户最近说：我电话13812345678"


@pytest.fixture(params=["sqlite", "postgresql"])
def queues(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[HandoffQueue, HandoffQueue]]:
    """Two queues on one empty database, like two web-app replicas."""
    if request.param == "sqlite":
        url, schema = f"sqlite:///{tmp_path / 'cases.db'}", None
    else:
        url, schema = PG_URL, request.getfixturevalue("pg_schema")
    stores = [CaseStore(url, schema=schema, clock=Clock()) for _ in range(2)]
    stores[0].create_tables()
    with stores[0].engine.begin() as conn:
        for table in (feedback_table, handoffs_table):
            conn.execute(delete(table))
    yield HandoffQueue(stores[0]), HandoffQueue(stores[1])
    for store in stores:
        store.dispose()


def test_the_queue_shows_the_longest_waiting_first_with_personal_data_masked(queues):
    queue, _ = queues
    queue.request("wq-second-000", "TS20261125-0002", "complain_refund", SUMMARY)
    queue.request("wq-first-0000", None, None, SUMMARY)
    queue.request("wq-second-000", "TS20261125-0002", "complain_refund", SUMMARY + "\n再次")
    shown = queue.open_handoffs()
    assert [h.conversation_id for h in shown] == ["wq-second-000", "wq-first-0000"]
    assert shown[0].status == WAITING and shown[0].summary.endswith("再次")
    assert "13812345678" not in shown[0].summary


def test_two_agents_claiming_at_once_get_one_winner(queues):
    first, second = queues
    first.request("wq-conversation", "TS20261125-0001", "complain_refund", SUMMARY)
    results: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def claim(queue: HandoffQueue, agent: str) -> None:
        barrier.wait()
        try:
            results[agent] = queue.claim("wq-conversation", agent)
        except QueueError as error:
            results[agent] = error

    threads = [threading.Thread(target=claim, args=(q, a)) for q, a in ((first, "小王"), (second, "老李"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results.values() if isinstance(r, QueueError)]
    assert len(errors) == 1 and errors[0].reason == "claimed_by_other"
    holder = second.get("wq-conversation")
    assert holder is not None and holder.status == CLAIMED and holder.agent in ("小王", "老李")
    assert errors[0].handoff is not None and errors[0].handoff.agent == holder.agent


def test_a_conversation_is_not_claimed_before_it_is_handed_off_nor_after_it_went_back(queues):
    queue, other = queues
    with pytest.raises(QueueError) as never:
        queue.claim("wq-never-handed", "小王")
    assert never.value.reason == "not_handed_off"
    queue.request("wq-conversation", None, None, SUMMARY)
    with pytest.raises(QueueError) as unclaimed:
        queue.require_claimed_by("wq-conversation", "小王")
    assert unclaimed.value.reason == "claim_first"
    queue.claim("wq-conversation", "小王")
    assert queue.claim("wq-conversation", "小王").agent == "小王"
    with pytest.raises(QueueError):
        other.hand_back("wq-conversation", "老李")
    assert other.hand_back("wq-conversation", "小王").status == RETURNED
    assert queue.open_handoffs() == []
    with pytest.raises(QueueError) as returned:
        queue.claim("wq-conversation", "老李")
    assert returned.value.reason == "not_handed_off"
    again = queue.request("wq-conversation", None, None, SUMMARY)
    assert (again.status, again.agent) == (WAITING, None)
    assert other.claim("wq-conversation", "老李").agent == "老李"


def test_what_agents_did_with_suggestions_is_kept_masked(queues):
    queue, other = queues
    for outcome, sent in ((SENT, "您好"), (EDITED, "您好，电话13812345678收到了"), (IGNORED, None)):
        queue.record_feedback(Feedback("wq-conversation", "TS20261125-0001", "小王", outcome, "您好", sent,
                                       "我电话13812345678", "greet", ["refund_timeout"], "platform_intervention"))
    rows = other.feedback("wq-conversation")
    assert [r["outcome"] for r in rows] == [SENT, EDITED, IGNORED]
    assert rows[0]["rule_ids"] == ["refund_timeout"] and rows[0]["channel"] == "platform_intervention"
    assert all("13812345678" not in str(row) for row in rows)
    with pytest.raises(ValueError):
        queue.record_feedback(Feedback("wq-conversation", None, "小王", "liked", "您好"))
