#!/usr/bin/env bash
# `npm run bench:node`: builds, starts a lab of its own (50 nodes, upstream default tolerations,
# ports 26443-26448 and 27233/28233, state in .lab-bench), runs bench/node-recovery.ts and stops the
# lab again whatever happens (bench/run-in-lab.sh). Results: docs/benchmarks/node-recovery.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export STATE_DIR="${BENCH_STATE_DIR:-$REPO_ROOT/.lab-bench}"
export K8S_NODES="${BENCH_NODES:-50}"
export K8S_APISERVER_PORT="${BENCH_APISERVER_PORT:-26443}"
export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-27233}" TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-28233}"
# kube-controller-manager / kube-apiserver at upstream defaults: 300 s tolerations, 40 s grace, 40 s Lease.
export K8S_NOT_READY_TOLERATION_SECONDS="${BENCH_TOLERATION_SECONDS:-300}"
export K8S_UNREACHABLE_TOLERATION_SECONDS="${BENCH_TOLERATION_SECONDS:-300}"
export K8S_NODE_MONITOR_GRACE_PERIOD="${BENCH_NODE_MONITOR_GRACE_PERIOD:-40s}"
export K8S_NODE_LEASE_SECONDS="${BENCH_NODE_LEASE_SECONDS:-40}"
exec "$REPO_ROOT/bench/run-in-lab.sh" node-recovery
