#!/usr/bin/env bash
# Set up, train if stale, start the action server, the Rasa server and the web app (demo shop page with the
# chat widget); print the URLs.
set -euo pipefail
cd "$(dirname "$0")/.."
# No usage telemetry or crash reports sent to Rasa.
export RASA_TELEMETRY_ENABLED=false

RASA_PORT=${WEIQUAN_RASA_PORT:-5005}
ACTIONS_PORT=${WEIQUAN_ACTIONS_PORT:-5055}
WEB_PORT=${WEIQUAN_WEB_PORT:-8080}
ENDPOINTS=${WEIQUAN_ENDPOINTS:-endpoints.yml}

scripts/setup.sh
.venv/bin/python scripts/model_fingerprint.py
mkdir -p var logs

# The action server on another port: the endpoints file must point there.
if [[ "$ACTIONS_PORT" != 5055 ]]; then
  sed "s#127.0.0.1:5055/webhook#127.0.0.1:$ACTIONS_PORT/webhook#" "$ENDPOINTS" >var/endpoints.run.yml
  ENDPOINTS=var/endpoints.run.yml
fi

# Staff accounts for the agent and trainer consoles: from the environment, else one random password per role,
# made once on this machine and kept in var/staff.env (not in git).
if [[ -z "${WEIQUAN_AGENTS:-}" || -z "${WEIQUAN_TRAINERS:-}" ]]; then
  if [[ ! -f var/staff.env ]]; then
    umask 077
    {
      echo "WEIQUAN_AGENTS=agent:$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(9))')"
      echo "WEIQUAN_TRAINERS=trainer:$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(9))')"
    } >var/staff.env
  fi
  set -a; source var/staff.env; set +a
fi

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

.venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" >logs/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --enable-api --cors "*" --port "$RASA_PORT" \
  --model models/weiquan.tar.gz --endpoints "$ENDPOINTS" --credentials credentials.yml >logs/rasa.log 2>&1 &
pids+=($!)

echo "等待 Rasa 服务加载模型…"
for _ in $(seq 1 180); do
  if curl -sf "http://127.0.0.1:$RASA_PORT/status" | grep -q '"model_file"'; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then echo "Rasa 启动失败，见 logs/rasa.log" >&2; exit 1; fi
  sleep 1
done

WEIQUAN_RASA_URL="http://127.0.0.1:$RASA_PORT" .venv/bin/python -m webapp --port "$WEB_PORT" >logs/webapp.log 2>&1 &
pids+=($!)
for _ in $(seq 1 30); do
  if curl -sf "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null; then break; fi
  if ! kill -0 "${pids[2]}" 2>/dev/null; then echo "网页服务启动失败，见 logs/webapp.log" >&2; exit 1; fi
  sleep 0.5
done

cat <<MSG

维权助手已启动。
  网页小部件:  http://127.0.0.1:$WEB_PORT/   (演示商店页，右下角「维权助手」；日志 logs/webapp.log)
  人工客服工作台:  http://127.0.0.1:$WEB_PORT/agent/    (账号 ${WEIQUAN_AGENTS%%:*}，密码见 var/staff.env 或 WEIQUAN_AGENTS)
  训练收件箱:      http://127.0.0.1:$WEB_PORT/trainer/  (账号 ${WEIQUAN_TRAINERS%%:*}，密码见 var/staff.env 或 WEIQUAN_TRAINERS)
  Rasa 服务:   http://127.0.0.1:$RASA_PORT   (日志 logs/rasa.log)
  动作服务:    http://127.0.0.1:$ACTIONS_PORT  (日志 logs/actions.log)
试一试:
  curl -s http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
       -d '{"sender": "demo", "message": "退款申请一个星期了商家一直不处理"}'
按 Ctrl-C 停止。
MSG
wait -n "${pids[@]}"
