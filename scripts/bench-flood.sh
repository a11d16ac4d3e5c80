#!/usr/bin/env bash
# Benchmark: a flood of bogus sign-in and setup requests against one instance, and what it does
# to everyone else. Starts the release server on SQLite in a temp dir (an admin exists, so setup
# is closed; TRUST_PROXY_HEADERS=true so every bogus login can claim its own address and reach
# the password check instead of the per-IP lockout), then for SECONDS runs at once:
#   - wrk with CONNECTIONS connections, alternating POST /api/login (random email, address and
#     password: each one a real argon2 verify against the dummy hash) and POST /api/setup (a
#     forged token), counting the answers by status;
#   - wrk with 1 connection on GET /api/v1/health: the latency a monitor or a user sees (p50,
#     p90, p99, max);
#   - a sampler of the server's resident memory (VmRSS every 0.1 s, and VmHWM at the end).
# HASH_PERMITS sets PASSWORD_HASH_CONCURRENCY (default: the server's own, the number of cores);
# a large value such as 500 shows what the unbounded hashing of earlier versions allowed.
# Usage: [ORDERLINE_BIN=path] scripts/bench-flood.sh [CONNECTIONS] [SECONDS] [HASH_PERMITS]
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${1:-500}
SECONDS_=${2:-20}
HASH_PERMITS=${3:-}
PORT=3202
BASE="http://127.0.0.1:$PORT"
export PATH="$HOME/.cargo/bin:$PATH"

command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
# ORDERLINE_BIN: a release binary built already (the default builds this checkout's).
if [ -z "${ORDERLINE_BIN:-}" ]; then
  cargo build --release -p server --bin orderline
  target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  ORDERLINE_BIN=$target_dir/release/orderline
fi
bin=$ORDERLINE_BIN

work=$(mktemp -d)
trap 'kill $server_pid $sampler_pid 2>/dev/null || true; rm -rf "$work"' EXIT
export ORDERLINE_DATA_DIR="$work" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" PUBLIC_BASE_URL="$BASE"
export DATABASE_URL="sqlite://$work/bench.db?mode=rwc" RUST_LOG=warn TRUST_PROXY_HEADERS=true
export ADMIN_EMAIL=admin@example.com ADMIN_PASSWORD=bench-admin-password
[ -n "$HASH_PERMITS" ] && export PASSWORD_HASH_CONCURRENCY="$HASH_PERMITS"
ulimit -n 4096

"$bin" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do curl -fs "$BASE/api/v1/health" >/dev/null && break; sleep 0.1; done

# Sanity: a bogus login is checked (401), a forged setup refused (403), the admin can sign in.
post() { curl -s -o /dev/null -w '%{http_code}' -H "Origin: $BASE" --data "$1" "$BASE/api/$2"; }
bogus=$(post "email=nobody%40example.com&password=wrong-password" login)
forged=$(post "token=forged&name=Eve&email=eve%40example.com&password=long-password" setup)
admin=$(post "email=admin%40example.com&password=bench-admin-password" login)
echo "sanity: bogus login -> $bogus, forged setup -> $forged, admin login -> $admin"
[ "$bogus" = 401 ] && [ "$forged" = 403 ] && [ "$admin" = 200 ] || { echo "sanity check failed" >&2; exit 1; }

cat > "$work/flood.lua" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} ; n = 0 end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Origin"] = "$BASE"
request = function()
  n = n + 1
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
  local headers = { ["X-Forwarded-For"] = ip }
  if n % 2 == 0 then
    local body = "token=forged" .. n .. "&name=Eve&email=eve%40example.com&password=long-password"
    return wrk.format(nil, "/api/setup", headers, body)
  end
  local body = "email=user" .. math.random(1, 1000000) .. "%40example.com&password=guess-" .. n
  return wrk.format(nil, "/api/login", headers, body)
end
response = function(status) statuses[status] = (statuses[status] or 0) + 1 end
done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + count end
  end
  local line = "flood answers by status:"
  for status, count in pairs(total) do line = line .. " " .. status .. "=" .. count end
  print(line)
end
LUA

rss_peak_kb=0
sample_rss() {
  local peak=0 now
  while kill -0 "$server_pid" 2>/dev/null; do
    now=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
    [ "${now:-0}" -gt "$peak" ] && peak=$now && echo "$peak" > "$work/rss_peak"
    sleep 0.1
  done
}
sample_rss & sampler_pid=$!
rss_before=$(awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status")

echo "flood: $CONNECTIONS connections, ${SECONDS_}s, hash permits: ${HASH_PERMITS:-default ($(nproc) cores)}"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_}s" --timeout 10s -s "$work/flood.lua" "$BASE" > "$work/flood.txt" 2>&1 &
flood_pid=$!
sleep 1 # let the flood connect first
wrk -t1 -c1 -d"$((SECONDS_ - 2))s" --latency "$BASE/api/v1/health" > "$work/health.txt" 2>&1
wait $flood_pid
kill $sampler_pid 2>/dev/null || true

echo "--- flood (wrk)"
cat "$work/flood.txt"
echo "--- GET /api/v1/health during the flood (wrk, 1 connection)"
cat "$work/health.txt"
hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$server_pid/status")
peak=$(cat "$work/rss_peak" 2>/dev/null || echo 0)
echo "--- server memory: RSS before the flood $((rss_before / 1024)) MiB, sampled peak $((peak / 1024)) MiB, VmHWM $((hwm / 1024)) MiB"
p99=$(awk '$1 == "99%" {print $2}' "$work/health.txt")
max=$(awk '$1 == "Latency" {print $4}' "$work/health.txt")
echo "summary: health p99 $p99, max $max; peak RSS $((hwm / 1024)) MiB"
