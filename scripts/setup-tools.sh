#!/usr/bin/env bash
# Installs what building and testing Orderline needs beyond the Rust toolchain, skipping what is
# already there: the wasm32-unknown-unknown target, and for the end-to-end tests Debian's chromium
# and the npm packages of end2end/ (no browser download). Only package registries are used.
# The build itself needs no other tool: `cargo xtask` (xtask/) builds the site.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "${ORDERLINE_SKIP_E2E_TOOLS:-0}" != 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian chromium for the end-to-end tests (about 40 s)"
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
  fi
  # Installed again whenever package-lock.json changed since the last install.
  stamp="$root/end2end/node_modules/.orderline-lock"
  if ! cmp -s "$root/end2end/package-lock.json" "$stamp"; then
    log "installing the end-to-end test packages (npm ci)"
    (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    cp "$root/end2end/package-lock.json" "$stamp"
  fi
fi
log "tools ready"
