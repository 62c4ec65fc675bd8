#!/usr/bin/env bash
# `npm run bench:pods`: starts a lab of its own (160 nodes of 110 pods: room for 15,000 pods and
# more; ports 26443-26448 and 27233/28233, as bench:node, so run one benchmark at a time; state in
# .lab-bench-pods), runs bench/pods.ts and stops the lab again whatever happens (bench/run-in-lab.sh).
# Results: docs/benchmarks/pods.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export STATE_DIR="${BENCH_STATE_DIR:-$REPO_ROOT/.lab-bench-pods}"
export K8S_NODES="${BENCH_NODES:-160}"
export K8S_APISERVER_PORT="${BENCH_APISERVER_PORT:-26443}"
export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-27233}" TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-28233}"

exec "$REPO_ROOT/bench/run-in-lab.sh" pods
