#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests on SQLite, the integration
# tests again on PostgreSQL (when it answers at DATABASE_URL_PG), and the Playwright end-to-end
# tests against the built app in Debian chromium. Installs missing tools first (once).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1;34m== %s\033[0m\n' "$*"; }

./scripts/setup-tools.sh
export PATH="$HOME/.cargo/bin:$PATH"
export ORDERLINE_TWILIO_PYTHON="$PWD/target/py-twilio/bin/python"

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings

step "build (server and wasm front end)"
cargo xtask build

# cargo-nextest (on this project's machines) runs each test in its own process and stops and
# retries a stalled one (.config/nextest.toml); plain cargo test otherwise. Either way a hung
# run fails after 15 minutes instead of holding CI.
if command -v cargo-nextest >/dev/null; then
  run_tests() { timeout -k 10 900 cargo nextest run --workspace --exclude frontend --no-tests=pass "$@"; }
else
  run_tests() { timeout -k 10 900 cargo test --workspace --exclude frontend "$@"; }
fi
step "unit and integration tests (SQLite)"
run_tests

PG_URL=${DATABASE_URL_PG:-postgres://postgres@127.0.0.1:5432/test}
if command -v psql >/dev/null && psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
  step "integration tests (PostgreSQL at $PG_URL)"
  # Each test creates its own ol_test_* database; drop those left by earlier runs.
  psql "$PG_URL" -qAtc "select datname from pg_database where datname like 'ol_test_%'" |
    while read -r db; do psql "$PG_URL" -qc "drop database if exists \"$db\"" >/dev/null; done
  ORDERLINE_TEST_PG_URL="$PG_URL" run_tests --test it
else
  printf '\033[1;33mPostgreSQL does not answer at %s: PostgreSQL tests skipped\033[0m\n' "$PG_URL"
fi

step "end-to-end tests (Playwright, /usr/bin/chromium)"
(cd end2end && timeout 900 npx playwright test)

step "all tests passed"
