#!/usr/bin/env bash
# Benchmark: the server-rendered orders page, searched by phone, with 100,000 orders in SQLite.
# Builds the release server, seeds a fresh database, signs in, and drives GET /orders?q=<query>
# with wrk (a different real phone per request). QUERY is `phone` (the whole number typed in
# national format, "06 12 34 56 78": the indexed path), `last4` (its last 4 digits, "5678") or
# `start` (its national start, "06 12 34"): the last two scan the search column.
# Prints wrk's latency distribution. Usage: scripts/bench-orders.sh [ORDERS] [CONNECTIONS] [SECONDS] [QUERY]
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERS=${1:-100000}
CONNECTIONS=${2:-4}
SECONDS_=${3:-20}
QUERY=${4:-phone}
PORT=3200
export PATH="$HOME/.cargo/bin:$PATH"

command -v wrk >/dev/null || { sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo; $sudo_cmd apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p server --bin orderline
bin=target/release/orderline

work=$(mktemp -d)
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$work"' EXIT
export ORDERLINE_DATA_DIR="$work" DATABASE_URL="sqlite://$work/bench.db?mode=rwc"
export LEPTOS_SITE_ADDR="127.0.0.1:$PORT" PUBLIC_BASE_URL="http://127.0.0.1:$PORT"
export ADMIN_EMAIL=bench@example.com ADMIN_PASSWORD=bench-password RUST_LOG=warn

echo "seeding $ORDERS orders..."
time "$bin" seed-bench "$ORDERS"
"$bin" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.2; done

curl -fs -c "$work/jar" -H "Origin: http://127.0.0.1:$PORT" \
  -d "email=$ADMIN_EMAIL&password=$ADMIN_PASSWORD" "http://127.0.0.1:$PORT/api/login" >/dev/null
cookie=$(awk '$6=="orderline_session"{print $6"="$7}' "$work/jar")

# 500 real phones from the database, written as people type them ("+" is a space in the URL).
case "$QUERY" in
  phone) expr='s/^\+33([0-9])([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})$/0\1+\2+\3+\4+\5/' ;;
  last4) expr='s/^.*([0-9]{4})$/\1/' ;;
  start) expr='s/^\+33([0-9])([0-9]{2})([0-9]{2}).*$/0\1+\2+\3/' ;;
  *) echo "QUERY must be phone, last4 or start" >&2; exit 2 ;;
esac
sqlite3 "$work/bench.db" "select customer_phone from orders order by random() limit 500" |
  sed -E "$expr" > "$work/phones.txt"
sample=$(head -n1 "$work/phones.txt")
matches=$(curl -fs -b "$work/jar" -H "Accept: text/html" "http://127.0.0.1:$PORT/orders?q=$sample" | grep -c 'class="phone"' || true)
echo "sanity: /orders?q=$sample renders $matches matching row(s)"
[ "$matches" -ge 1 ] || { echo "the search found nothing: benchmark aborted" >&2; exit 1; }

cat > "$work/search.lua" <<LUA
local phones = {}
for line in io.lines("$work/phones.txt") do phones[#phones + 1] = line end
local i = 0
wrk.headers["Cookie"] = "$cookie"
wrk.headers["Accept"] = "text/html"
request = function()
  i = i % #phones + 1
  return wrk.format("GET", "/orders?q=" .. phones[i])
end
LUA
echo "wrk: $CONNECTIONS connections, 1 thread, ${SECONDS_}s, GET /orders?q=<$QUERY> (server-rendered HTML)"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_}s" --latency -s "$work/search.lua" "http://127.0.0.1:$PORT"
