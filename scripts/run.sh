#!/usr/bin/env bash
# Builds and runs Orderline on http://127.0.0.1:3000 with SQLite in ./data/orderline.db.
# Installs the missing build tools first (once). Extra environment: see README "Configuration".
set -euo pipefail
cd "$(dirname "$0")/.."
ORDERLINE_SKIP_E2E_TOOLS=1 ./scripts/setup-tools.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo leptos serve
