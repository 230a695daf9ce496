"""Conversation tests: `rasa test core` on tests/stories must predict every action."""
from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.server


def test_conversation_stories_pass(repo, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", "models/weiquan.tar.gz",
         "--stories", "tests/stories", "--out", str(tmp_path), "--fail-on-prediction-errors"],
        cwd=repo, capture_output=True, text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details
