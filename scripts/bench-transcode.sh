#!/usr/bin/env bash
# Benchmark: the call bridge's transcode path, `orderline replay`, against pipecat-ai 1.14.0.
# (a) quality: the shared quality_probe.py through `orderline replay` (twilio-to-openai and
#     openai-to-twilio, PCM16 24 kHz): SINAD, alias and image rejection, held-back audio and
#     click shift per direction.
# (b) CPU: the shared corpus (MINUTES each way, default 10) through `orderline replay` and through
#     peer_pipecat.py as whole processes; user+sys CPU seconds, median of RUNS (default 3),
#     pipecat's import time (measured alone, same way) subtracted.
# Installs what it needs: Debian espeak-ng and sox (corpus), a virtualenv in .venv (gitignored)
# with numpy and pipecat-ai 1.14.0. The shared tools come from BENCH_DIR (default
# ../shared/bench beside this checkout). Usage: scripts/bench-transcode.sh [MINUTES] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
RUNS=${2:-3}
BENCH_DIR=${BENCH_DIR:-$(cd .. && pwd)/shared/bench}
CORPUS=target/bench-transcode/corpus-$MINUTES
export PATH="$HOME/.cargo/bin:$PATH"

sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd=sudo
if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then
  $sudo_cmd apt-get update -qq && $sudo_cmd apt-get install -y -qq espeak-ng sox >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -c 'import numpy, pipecat' 2>/dev/null \
  || .venv/bin/pip install -q numpy 'pipecat-ai==1.14.0'
cargo build --release -p server --bin orderline
bin=target/release/orderline

echo "== (a) quality: quality_probe.py through orderline replay (OpenAI pcm, 24 kHz)"
.venv/bin/python "$BENCH_DIR/quality_probe.py" "$bin replay twilio-to-openai" "$bin replay openai-to-twilio"

echo "== (b) CPU: $MINUTES min each way, median of $RUNS runs (user+sys seconds)"
[ -s "$CORPUS/openai_output.jsonl" ] || python3 "$BENCH_DIR/make_corpus.py" "$CORPUS" "$MINUTES"
.venv/bin/python - "$bin" "$BENCH_DIR" "$CORPUS" "$RUNS" <<'PY'
import os, resource, statistics, subprocess, sys
binary, bench, corpus, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
python = os.path.abspath(".venv/bin/python")

def cpu(cmd, stdin_path=None):
    """User+sys CPU seconds of one whole process (its children included)."""
    samples = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(stdin_path or os.devnull, "rb") as stdin, open(os.devnull, "wb") as out:
            subprocess.run(cmd, stdin=stdin, stdout=out, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        samples.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(samples)

imports = cpu([python, "-c", "from pipecat.frames.frames import OutputAudioRawFrame; "
               "from pipecat.serializers.twilio import TwilioFrameSerializer"])
print(f"pipecat import alone: {imports:.3f} s")
for direction, capture in (("twilio-to-openai", "twilio_inbound.jsonl"),
                           ("openai-to-twilio", "openai_output.jsonl")):
    path = os.path.join(corpus, capture)
    ours = cpu([binary, "replay", direction], path)
    theirs = cpu([python, os.path.join(bench, "peer_pipecat.py"), direction], path) - imports
    print(f"{direction}: orderline {ours:.3f} s, pipecat-ai {theirs:.3f} s (import subtracted), "
          f"ratio {theirs / ours:.1f}x")
for direction, capture in (("twilio-to-gemini", "twilio_inbound.jsonl"),
                           ("twilio-to-openai --openai-audio pcmu", "twilio_inbound.jsonl")):
    ours = cpu([binary, "replay", *direction.split()], os.path.join(corpus, capture))
    print(f"{direction}: orderline {ours:.3f} s (no pipecat peer for this path)")
PY
