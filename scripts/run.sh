#!/usr/bin/env bash
# Builds and runs Orderline on http://127.0.0.1:3000 with SQLite in ./data/orderline.db, then
# rebuilds and restarts on every saved change (the browser reloads by itself). Ctrl-C stops.
# Needs only the Rust toolchain (the wasm target is added when missing). Extra environment: see
# README "Configuration".
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERLINE_SKIP_E2E_TOOLS=1 ./scripts/setup-tools.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo xtask serve
