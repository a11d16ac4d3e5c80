#!/usr/bin/env bash
# Benchmark: live events across instances (server/src/bin/live-fanout-bench.rs). Two instances
# on one fresh PostgreSQL database, CLIENTS browser WebSockets spread over both, EVENTS signed
# status callbacks posted to one instance; prints the time until each browser, and the last
# browser, received the event (p50, p99). Needs PostgreSQL at DATABASE_URL_PG.
# Usage: scripts/bench-live.sh [CLIENTS] [EVENTS] (defaults 1000, 100)
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${1:-1000}
EVENTS=${2:-100}
PG_URL=${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/test}
export PATH="$HOME/.cargo/bin:$PATH"
# Each browser is two sockets in this one process (its end and the server's).
ulimit -n "$(( CLIENTS * 2 + 1024 ))" 2>/dev/null || ulimit -n "$(ulimit -Hn)"

cargo build --release -p server --bin live-fanout-bench
RUST_LOG=${RUST_LOG:-warn} target/release/live-fanout-bench --clients "$CLIENTS" --events "$EVENTS" --pg-url "$PG_URL"
