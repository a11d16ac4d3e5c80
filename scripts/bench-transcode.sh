#!/usr/bin/env bash
# Benchmark: the call bridge's transcode path, `orderline replay`, against pipecat-ai 1.14.0.
# (a) quality: the shared quality_probe.py through `orderline replay` (twilio-to-openai and
#     openai-to-twilio, PCM16 24 kHz): SINAD, alias and image rejection, held-back audio and
#     click shift per direction.
# (b) CPU: the shared corpus (MINUTES each way, default 10) through `orderline replay` and through
#     peer_pipecat.py as whole processes; user+sys CPU seconds, median of RUNS rounds (default
#     3; in each round every process runs once, in turn), pipecat's import time (measured alone,
#     same way) subtracted.
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
    """User+sys CPU seconds of one run of a whole process (its children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(stdin_path or os.devnull, "rb") as stdin, open(os.devnull, "wb") as out:
        subprocess.run(cmd, stdin=stdin, stdout=out, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime

# Every measurement once per round, the rounds one after the other, so that a busy moment of
# the machine weighs on all of them alike; each figure is the median of its RUNS rounds.
inbound, outbound = (os.path.join(corpus, f) for f in ("twilio_inbound.jsonl", "openai_output.jsonl"))
peer = os.path.join(bench, "peer_pipecat.py")
jobs = {
    "import": ([python, "-c", "from pipecat.frames.frames import OutputAudioRawFrame; "
                "from pipecat.serializers.twilio import TwilioFrameSerializer"], None),
    "ours twilio-to-openai": ([binary, "replay", "twilio-to-openai"], inbound),
    "pipecat twilio-to-openai": ([python, peer, "twilio-to-openai"], inbound),
    "ours openai-to-twilio": ([binary, "replay", "openai-to-twilio"], outbound),
    "pipecat openai-to-twilio": ([python, peer, "openai-to-twilio"], outbound),
    "ours twilio-to-gemini": ([binary, "replay", "twilio-to-gemini"], inbound),
    "ours twilio-to-openai --openai-audio pcmu":
        ([binary, "replay", "twilio-to-openai", "--openai-audio", "pcmu"], inbound),
}
samples = {name: [] for name in jobs}
for _ in range(runs):
    for name, (cmd, path) in jobs.items():
        samples[name].append(cpu(cmd, path))
median = {name: statistics.median(values) for name, values in samples.items()}
imports = median["import"]
print(f"pipecat import alone: {imports:.3f} s")
for direction in ("twilio-to-openai", "openai-to-twilio"):
    ours = median[f"ours {direction}"]
    theirs = median[f"pipecat {direction}"] - imports
    print(f"{direction}: orderline {ours:.3f} s, pipecat-ai {theirs:.3f} s (import subtracted), "
          f"ratio {theirs / ours:.1f}x")
for direction in ("twilio-to-gemini", "twilio-to-openai --openai-audio pcmu"):
    print(f"{direction}: orderline {median['ours ' + direction]:.3f} s (no pipecat peer for this path)")
PY
