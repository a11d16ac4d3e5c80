#!/usr/bin/env bash
# Benchmark: the SMS outbox with the rate limit lifted (server/src/bin/sms-outbox-bench.rs), on
# SQLite and on PostgreSQL (when it answers at DATABASE_URL_PG): the time to queue N texts from
# the orders list (bulk send, "select all matching"), then texts per second posted to a fake
# Twilio Messages resource on loopback, each exactly once.
# Usage: scripts/bench-sms-outbox.sh [MESSAGES] (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${1:-10000}
PG_URL=${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/test}
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release -p server --bin sms-outbox-bench
RUST_LOG=${RUST_LOG:-warn} target/release/sms-outbox-bench --messages "$MESSAGES" --database sqlite
if command -v psql >/dev/null && psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
  RUST_LOG=${RUST_LOG:-warn} target/release/sms-outbox-bench --messages "$MESSAGES" --database postgres --pg-url "$PG_URL"
fi
