"""Where the repo's data lives."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
KB_DIR = DATA_DIR / "kb"
PATTERNS_DIR = DATA_DIR / "patterns"
