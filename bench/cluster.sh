#!/usr/bin/env bash
# Borealis beside PostgreSQL 15 through the whole stack: pgbench, sysbench and
# the engine benchmarks, interleaved, same machine, same run (bench/README.md).
# Usage: bench/cluster.sh [--quick] [--duration S] [--repeats N] [--scales 1,10] [--clients 1,2,8,32] ...
#   bench/cluster.sh --quick     # 5-10 minutes: scale 1, 8 clients, 10 s, 1 repeat
#   bench/cluster.sh             # the full matrix (about 1.5 hours)
set -euo pipefail
cd "$(dirname "$0")/.."

# What the benchmark needs from Debian: the PostgreSQL 15 server and pgbench,
# sysbench (with its pgsql driver) and a TrueType font for the chart.
missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql-15)
[ -x /usr/lib/postgresql/15/bin/pgbench ] || command -v pgbench >/dev/null 2>&1 || missing+=(postgresql-15)
command -v sysbench >/dev/null 2>&1 || missing+=(sysbench)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]} (run as root to install them, or install them yourself)" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Installing postgresql-15 also creates and starts a "main" cluster on 5432;
  # the benchmark runs its own server on a free port and leaves that one alone.
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ -f .cargo-env ]; then source .cargo-env; fi
cargo build --release -q -p borealis -p borealis-bench-cluster -p borealis-bench-engine
target="${CARGO_TARGET_DIR:-target}/release"
mkdir -p bench/results
# Recorded in the JSON: which Borealis was measured.
BOREALIS_GIT_REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- crates 2>/dev/null || echo +dirty)"
export BOREALIS_GIT_REV
stamp="$(date -u +%Y%m%d-%H%M%S)"
# The binary stops everything it started (both servers, their temp dirs) on
# exit, on error and on Ctrl-C/SIGTERM.
exec "$target/borealis-bench-cluster" \
  --borealis-bin "$target/borealis" \
  --engine-bin "$target/borealis-bench-engine" \
  --json "bench/results/cluster-$stamp.json" \
  --chart "bench/results/cluster-$stamp.png" \
  "$@"
