#!/usr/bin/env bash
# The whole test suite: lint, data validation, model (trained if stale), then every pytest test.
set -euo pipefail
cd "$(dirname "$0")/.."
# No usage telemetry or crash reports sent to Rasa.
export RASA_TELEMETRY_ENABLED=false

scripts/setup.sh
scripts/browser.sh
echo "== ruff"
.venv/bin/ruff check .
echo "== rasa data validate"
.venv/bin/rasa data validate --domain domain --data data/nlu data/rules.yml data/stories.yml --fail-on-warnings
echo "== model"
.venv/bin/python scripts/model_fingerprint.py
echo "== pytest"
.venv/bin/pytest "$@"
