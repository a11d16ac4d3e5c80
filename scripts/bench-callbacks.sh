#!/usr/bin/env bash
# Benchmark: signed Twilio status callbacks absorbed by one instance.
# Seeds CALLS queued calls, pre-signs one callback per call and status (initiated, ringing,
# in-progress, completed: sequence numbers 0 to 3, in that order across all calls) with the Auth
# Token, and replays them with wrk against POST /api/v1/orders/1/twilio-status. Every request is
# verified (HMAC-SHA1), looked up and, while the file lasts, applied (event row + call update +
# live event). Usage: scripts/bench-callbacks.sh [sqlite|postgres] [CALLS] [CONNECTIONS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:-sqlite}
CALLS=${2:-20000}
CONNECTIONS=${3:-8}
SECONDS_=${4:-20}
PORT=3201
TOKEN=0123456789abcdef0123456789abcdef
export PATH="$HOME/.cargo/bin:$PATH"

command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p server --bin orderline
bin=target/release/orderline

work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
export ORDERLINE_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
export ENABLE_TWILIO=true TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef TWILIO_AUTH_TOKEN=$TOKEN
export TWILIO_PHONE_NUMBER=+15005550006 RUST_LOG=warn
if [ "$BACKEND" = postgres ]; then
  PG=${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/test}
  psql "$PG" -qc "drop database if exists ol_bench" -c "create database ol_bench" >/dev/null
  export DATABASE_URL="${PG%/*}/ol_bench"
else
  export DATABASE_URL="sqlite://$work/bench.db?mode=rwc"
fi

"$bin" seed-bench 1 >/dev/null
"$bin" seed-bench-calls "$CALLS"
"$bin" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done

python3 - "$CALLS" "$TOKEN" "$PORT" > "$work/callbacks.txt" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
calls, token, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
url = f"http://127.0.0.1:{port}/api/v1/orders/1/twilio-status"
for seq, status in enumerate(["initiated", "ringing", "in-progress", "completed"]):
    for n in range(1, calls + 1):
        params = {"AccountSid": "AC0123456789abcdef0123456789abcdef", "CallSid": f"CA{n:032x}",
                  "CallStatus": status, "SequenceNumber": str(seq), "CallbackSource": "call-progress-events",
                  "Direction": "outbound-api", "ApiVersion": "2010-04-01"}
        if status == "completed":
            params["CallDuration"] = "42"
        signed = url + "".join(k + params[k] for k in sorted(params))
        signature = base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()
        print(signature + "\t" + urllib.parse.urlencode(params))
PY
# Sanity: the first callback is accepted, a forged one is refused.
first=$(head -n1 "$work/callbacks.txt")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Signature: ${first%%$'\t'*}" --data "${first#*$'\t'}" "http://127.0.0.1:$PORT/api/v1/orders/1/twilio-status")
forged=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Twilio-Signature: AAAA" --data "${first#*$'\t'}" "http://127.0.0.1:$PORT/api/v1/orders/1/twilio-status")
echo "sanity: signed callback -> $code, forged -> $forged"
[ "$code" = 204 ] && [ "$forged" = 403 ] || { echo "sanity check failed" >&2; exit 1; }

cat > "$work/callbacks.lua" <<LUA
local lines = {}
for line in io.lines("$work/callbacks.txt") do
  local tab = line:find("\t")
  lines[#lines + 1] = { line:sub(1, tab - 1), line:sub(tab + 1) }
end
local i = 1  -- the first line was used by the sanity check
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
request = function()
  i = i % #lines + 1
  wrk.headers["X-Twilio-Signature"] = lines[i][1]
  return wrk.format(nil, "/api/v1/orders/1/twilio-status", nil, lines[i][2])
end
LUA
echo "wrk: $BACKEND, $CALLS calls x 4 statuses, $CONNECTIONS connections, 1 thread, ${SECONDS_}s"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_}s" --latency -s "$work/callbacks.lua" "http://127.0.0.1:$PORT"
applied=$(curl -s "http://127.0.0.1:$PORT/api/v1/health" >/dev/null; \
  if [ "$BACKEND" = postgres ]; then psql "$DATABASE_URL" -qAtc "select count(*) from call_events"; \
  else sqlite3 "$work/bench.db" "select count(*) from call_events"; fi)
echo "status changes recorded (call_events rows): $applied"
