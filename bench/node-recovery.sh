#!/usr/bin/env bash
# `npm run bench:node`: builds, starts a lab of its own (50 nodes, upstream default tolerations,
# ports 26443-26448 and 27233/28233, state in .lab-bench), runs bench/node-recovery.ts and stops the
# lab again whatever happens. Results: docs/benchmarks/node-recovery.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_ROOT"

export STATE_DIR="${BENCH_STATE_DIR:-$REPO_ROOT/.lab-bench}"
export K8S_NODES="${BENCH_NODES:-50}"
export K8S_APISERVER_PORT="${BENCH_APISERVER_PORT:-26443}"
export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-27233}" TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-28233}"
# kube-controller-manager / kube-apiserver at upstream defaults: 300 s tolerations, 40 s grace, 40 s Lease.
export K8S_NOT_READY_TOLERATION_SECONDS="${BENCH_TOLERATION_SECONDS:-300}"
export K8S_UNREACHABLE_TOLERATION_SECONDS="${BENCH_TOLERATION_SECONDS:-300}"
export K8S_NODE_MONITOR_GRACE_PERIOD="${BENCH_NODE_MONITOR_GRACE_PERIOD:-40s}"
export K8S_NODE_LEASE_SECONDS="${BENCH_NODE_LEASE_SECONDS:-40}"
export K8S_UP_TIMEOUT="${K8S_UP_TIMEOUT:-300}"

PATH="$("$REPO_ROOT/scripts/lab/node.sh"):$PATH"
export PATH

npm run --silent build
npx tsc -p tsconfig.bench.json

cleanup() {
  local rc=$?
  echo "[bench] stopping the bench lab" >&2
  "$REPO_ROOT/scripts/lab/down.sh" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$REPO_ROOT/scripts/lab/up.sh"
# shellcheck disable=SC1091
source "$STATE_DIR/env"
node dist/bench/bench/node-recovery.js
