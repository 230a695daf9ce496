"""Production profile: two Rasa replicas share conversations in PostgreSQL and lock them in Redis."""
from __future__ import annotations

import uuid

import pytest

from harness.servers import http_json, running_replicas

pytestmark = pytest.mark.server

PROFILE = {
    "WEIQUAN_PG_HOST": "127.0.0.1", "WEIQUAN_PG_PORT": "5432", "WEIQUAN_PG_DB": "test",
    "WEIQUAN_PG_USER": "postgres", "WEIQUAN_PG_PASSWORD": "",
    "WEIQUAN_REDIS_HOST": "127.0.0.1", "WEIQUAN_REDIS_PORT": "6379",
    "WEIQUAN_DB_URL": "postgresql://postgres@127.0.0.1:5432/test",
}


def say(url: str, sender: str, text: str) -> list[dict]:
    return http_json(f"{url}/webhooks/rest/webhook", {"sender": sender, "message": text})


def test_a_conversation_moves_between_replicas_without_losing_its_place(tmp_path):
    sender = f"prod-{uuid.uuid4().hex[:10]}"
    with running_replicas(tmp_path, 2, PROFILE) as (first, second):
        opening = say(first, sender, "退款申请一个星期了，商家一直不理我，两百块")
        assert any("申请过平台客服介入吗" in m.get("text", "") for m in opening), opening
        answer = say(second, sender, "没有")
        route = next(m["custom"] for m in answer if m.get("custom", {}).get("type") == "route")
        assert next(s["channel"] for s in route["steps"] if s["state"] == "next") == "platform_intervention"
        tracker = http_json(f"{first}/conversations/{sender}/tracker")
        assert tracker["slots"]["case_id"] == route["case_id"]
