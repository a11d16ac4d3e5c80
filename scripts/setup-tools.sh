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

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"
apt_updated=0
apt_install() {
  [ "$apt_updated" = 1 ] || { $sudo_cmd apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$@" >/dev/null
}

# The sandbox's demo agent speaks with espeak-ng (a chime without it). Optional: a machine
# without apt access still builds and runs.
if ! command -v espeak-ng >/dev/null; then
  log "installing Debian espeak-ng (the demo agent's voice)"
  apt_install espeak-ng || log "espeak-ng not installed: the demo agent will chime instead of speaking"
fi

if [ "${ORDERLINE_SKIP_E2E_TOOLS:-0}" != 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian chromium for the end-to-end tests (about 40 s)"
    apt_install chromium
  fi
  # Twilio's official Python helper library, for the test that points it at the sandbox
  # (server/tests/it/sandbox/python.rs reads ORDERLINE_TWILIO_PYTHON, set by scripts/test.sh).
  venv="$root/target/py-twilio"
  if ! "$venv/bin/python" -c 'import twilio' 2>/dev/null; then
    log "installing Twilio's Python library in target/py-twilio (pip, once)"
    python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv && python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q 'twilio==9.13.0'
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
