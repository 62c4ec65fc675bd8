#!/usr/bin/env bash
# `npm run bench:services`: starts a lab of its own (4 nodes; API server 26443, Temporal 27233/28233
# as the other lab benchmarks, so run one at a time; its Temporal metrics, Prometheus and the
# backends' metrics on 28234/29090/29470; state in .lab-bench-services), runs bench/services.ts and
# stops the lab again whatever happens (bench/run-in-lab.sh). Results: docs/benchmarks/services.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export STATE_DIR="${BENCH_STATE_DIR:-$REPO_ROOT/.lab-bench-services}"
export K8S_NODES="${BENCH_NODES:-4}"
export K8S_APISERVER_PORT="${BENCH_APISERVER_PORT:-26443}"
export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-27233}" TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-28233}"
export TEMPORAL_SERVER_METRICS_PORT="${BENCH_TEMPORAL_SERVER_METRICS_PORT:-28234}"
export PROMETHEUS_PORT="${BENCH_PROMETHEUS_PORT:-29090}"
export LAB_BACKENDS_METRICS_PORT="${BENCH_BACKENDS_METRICS_PORT:-29470}"

# A fresh Temporal history each run: recoveries left running by an earlier run must not resume here.
rm -rf "$STATE_DIR/temporal"

exec "$REPO_ROOT/bench/run-in-lab.sh" services
