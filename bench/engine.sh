#!/usr/bin/env bash
# Engine benchmarks of the SQL issue beside PostgreSQL 15, same run (bench/README.md).
# Usage: bench/engine.sh [--rows N] [--point-rows N] [--ops N] [--repeats N] [--cap-secs S] ...
#   quick run: bench/engine.sh --rows 100000 --point-rows 20000 --ops 5000 --repeats 2
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f .cargo-env ]; then source .cargo-env; fi
cargo build --release -q -p borealis-bench-engine
mkdir -p bench/results
# Recorded in the JSON: which engine was measured.
BOREALIS_GIT_REV="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- crates/sql 2>/dev/null || echo +dirty-sql)"
export BOREALIS_GIT_REV
out="bench/results/engine-$(date -u +%Y%m%d-%H%M%S).json"
# The binary stops its PostgreSQL and removes the temp dir on exit, error and Ctrl-C.
exec "${CARGO_TARGET_DIR:-target}/release/borealis-bench-engine" --json "$out" "$@"
