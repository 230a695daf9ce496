#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (Playwright's own download is blocked here),
# with a Chinese font so the screenshots under artifacts/ show Chinese text rather than empty boxes.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "安装浏览器测试需要的软件包：${missing[*]}…"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
