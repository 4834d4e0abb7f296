#!/usr/bin/env bash
# Borealis serverless: resume latency (paused -> first answer, over N resumes),
# scale-up reaction to a load step, and a chart of capacity, load and latency
# over idle, ramp, spike, idle (bench/README.md).
# Usage: bench/serverless.sh [--resumes 50] [--phases 10,20,10,20] [--clients 8,32]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian package fonts-dejavu-core (for the chart)" >&2
    exit 1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null
fi
if [ -f .cargo-env ]; then source .cargo-env; fi
cargo build --release -q -p borealis -p borealis-bench-serverless
target="${CARGO_TARGET_DIR:-target}/release"
mkdir -p bench/results
stamp="$(date -u +%Y%m%d-%H%M%S)"
exec "$target/borealis-bench-serverless" \
  --borealis-bin "$target/borealis" \
  --json "bench/results/serverless-$stamp.json" \
  --chart "bench/results/serverless-$stamp.png" \
  "$@"
