"""Benchmark: how often agent assist suggests the reply a good agent would give, and how fast.

Replays the project's own test conversations against freshly started servers (action server, Rasa server,
web app, one case database), each ending with the consumer asking for a person:
- stories: every conversation of tests/stories/cases.yml that starts with a complaint, message by message;
- held-out: every complaint message of tests/nlu/heldout.yml and heldout_hard.yml, said on its own.
For each conversation it asks the agent API for suggestions (`GET …/suggestions`, timed) and counts a hit when
a suggestion carries the rules the bot's explanation relies on and the route's next channel for the complaint
type the conversation is labelled with and the facts stored on its case (weiquan.suggestions.good_reply).
Prints figures; asserts nothing (targets are judged by reading them).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.servers import Servers, running_servers, running_webapp  # noqa: E402
from weiquan import intents  # noqa: E402
from weiquan.cases import CaseStore  # noqa: E402
from weiquan.nlu_data import load_examples, strip_annotations  # noqa: E402
from weiquan.suggestions import Suggestion, good_reply  # noqa: E402

HANDOFF_TEXT = "转人工"
AGENT = ("小王", "agent-test-pw")


@dataclass(frozen=True)
class Conversation:
    source: str
    complaint_type: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    conversation: Conversation
    rank: int | None  # 1-based position of the first good suggestion, None when none of the 3 is good
    seconds: float
    parse_seconds: float  # the Rasa server's /model/parse alone, same message, right after
    top: str | None


def story_conversations(path: Path = REPO / "tests" / "stories" / "cases.yml") -> list[Conversation]:
    """Stories whose first user message is a complaint, as the texts the user typed."""
    found = []
    for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
        steps = [s for s in story["steps"] if "user" in s]
        if not steps or not intents.is_complaint(steps[0].get("intent")):
            continue
        texts = tuple(strip_annotations(str(s["user"]).strip())[0] for s in steps)
        found.append(Conversation(f"story: {story['story']}", steps[0]["intent"], texts))
    return found


def heldout_conversations() -> list[Conversation]:
    examples = load_examples(REPO / "tests" / "nlu" / "heldout.yml", REPO / "tests" / "nlu" / "heldout_hard.yml")
    return [Conversation("held-out", e.intent, (e.text,)) for e in examples if intents.is_complaint(e.intent)]


def request(url: str, method: str = "GET", body: Any = None, token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers),
                                timeout=30) as response:
        return json.loads(response.read())


def replay(conversation: Conversation, servers: Servers, web: str, token: str, store: CaseStore) -> Result:
    sender = f"wq-replay-{uuid.uuid4().hex[:16]}"
    for text in (*conversation.texts, HANDOFF_TEXT):
        servers.say(sender, text)
    start = time.perf_counter()
    body = request(f"{web}api/agent/conversations/{sender}/suggestions", token=token)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    request(f"{servers.rasa_url}/model/parse", "POST", {"text": body["message"] or ""})
    parse_seconds = time.perf_counter() - start
    handoff = request(f"{web}api/agent/conversations/{sender}", token=token)["handoff"]
    case = store.get(handoff["case_id"]) if handoff["case_id"] else None
    expected = good_reply(conversation.complaint_type, case.facts if case else {},
                          datetime.now(ZoneInfo("Asia/Shanghai")))
    suggestions = [Suggestion(**s) for s in body["suggestions"]]
    rank = next((i for i, s in enumerate(suggestions, start=1) if expected.matches(s)), None)
    return Result(conversation, rank, seconds, parse_seconds, suggestions[0].intent if suggestions else None)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(name: str, results: list[Result]) -> None:
    if not results:
        return
    top1 = sum(r.rank == 1 for r in results) / len(results)
    top3 = sum(r.rank is not None for r in results) / len(results)
    print(f"{name:<10} {len(results):>4} conversations   top-1 {top1:.3f}   top-3 {top3:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="replay at most this many held-out messages")
    parser.add_argument("--misses", type=int, default=10, help="list this many conversations without a hit")
    args = parser.parse_args()
    stories, heldout = story_conversations(), heldout_conversations()[: args.limit]
    with tempfile.TemporaryDirectory() as workdir, running_servers(Path(workdir)) as servers, \
            running_webapp(servers, Path(workdir)) as web:
        store = CaseStore.from_env(servers.env)
        token = request(f"{web}api/agent/login", "POST", {"name": AGENT[0], "password": AGENT[1]})["token"]
        request(f"{web}api/agent/queue", token=token)  # warm-up
        results = [replay(c, servers, web, token, store) for c in (*stories, *heldout)]
        store.dispose()
    print(f"agent assist replay, {datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M} (Asia/Shanghai)")
    report("stories", [r for r in results if r.conversation.source != "held-out"])
    report("held-out", [r for r in results if r.conversation.source == "held-out"])
    report("all", results)
    for name, values in (("suggestions over HTTP", [r.seconds * 1000 for r in results]),
                         ("/model/parse alone", [r.parse_seconds * 1000 for r in results])):
        print(f"{name:<21} ({len(values)} calls): p50 {statistics.median(values):.1f} ms, "
              f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms")
    with open("/proc/loadavg", encoding="ascii") as load:
        print(f"load average (1/5/15 min) at the end: {' '.join(load.read().split()[:3])} on {os.cpu_count()} CPUs")
    misses = [r for r in results if r.rank is None][: args.misses]
    for miss in misses:
        print(f"  miss: {miss.conversation.complaint_type} (top: {miss.top}) {miss.conversation.texts[-1][:40]}")


if __name__ == "__main__":
    main()
