#!/usr/bin/env bash
# Benchmark: N simulated Twilio calls at real-time pace through the call bridge, in one process
# (server/src/bin/bridge-load): the real router, voice webhook, Media Streams handler, bridge and
# OpenAI Realtime client (audio/pcmu), against a fake Twilio REST API and a fake OpenAI Realtime
# endpoint on loopback that answers with agent audio. Reports frames lost, the delay from the
# caller's send to the provider's receipt (p50/p99/max), agent audio back, RSS per call and CPU
# per call-second; the last line says whether no frame was lost and p99 < 10 ms.
# Usage: scripts/bench-bridge-load.sh [CALLS] [SECONDS] [RAMP_SECONDS]
# (default 20 calls, 10 s; ramp default: CALLS/100 s, at least 1 s). Exit status 1 when the
# figures do not hold.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${1:-20}
SECONDS_=${2:-10}
RAMP=${3:-}
export PATH="$HOME/.cargo/bin:$PATH"

cargo build --release -p server --bin bridge-load
args=(--calls "$CALLS" --seconds "$SECONDS_")
[ -n "$RAMP" ] && args+=(--ramp-seconds "$RAMP")
RUST_LOG=${RUST_LOG:-warn} target/release/bridge-load "${args[@]}"
