#!/usr/bin/env bash
# Installs the build and test tools Orderline needs, skipping any already present.
# Only package registries are used (crates.io, npm, Debian): nothing is downloaded from GitHub.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.11
# Must equal the wasm-bindgen version in Cargo.lock (checked below).
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0

root=$(cd "$(dirname "$0")/.." && pwd)
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

export PATH="$HOME/.cargo/bin:$PATH"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "building cargo-leptos $CARGO_LEPTOS_VERSION with no_downloads (once; about 17 minutes)"
  # `cargo install --locked` fails on Rust 1.95: its lock pins cargo-util-schemas 0.14.2 (needs 1.96).
  # Fetch the published crate, relock that one dependency, and install from the unpacked source.
  cargo info "cargo-leptos@$CARGO_LEPTOS_VERSION" >/dev/null
  crate=$(ls -t "$HOME"/.cargo/registry/cache/*/cargo-leptos-"$CARGO_LEPTOS_VERSION".crate | head -n1)
  tmp=$(mktemp -d)
  tar -xzf "$crate" -C "$tmp"
  (cd "$tmp/cargo-leptos-$CARGO_LEPTOS_VERSION" \
    && cargo update -p cargo-util-schemas --precise 0.14.1 \
    && cargo install --path . --locked --features no_downloads)
  rm -rf "$tmp"
fi

if [ -f "$root/Cargo.lock" ]; then
  locked=$(grep -A1 '^name = "wasm-bindgen"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)
  if [ -n "$locked" ] && [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
    echo "Cargo.lock has wasm-bindgen $locked but this script installs $WASM_BINDGEN_VERSION" >&2
    exit 1
  fi
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once; about 5 minutes)"
  # Not --locked: its lock file wants a webpki-roots version the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ "${ORDERLINE_SKIP_E2E_TOOLS:-0}" != 1 ]; then
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian chromium for the end-to-end tests"
    sudo_cmd=""
    [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
  fi
  if [ ! -d "$root/end2end/node_modules/@playwright/test" ]; then
    log "installing the end-to-end test packages (npm ci)"
    (cd "$root/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
log "tools ready"
