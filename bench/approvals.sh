#!/usr/bin/env bash
# `npm run bench:approvals`: starts a lab of its own (3 kwok nodes; the benchmark adds the nodes it
# recovers; ports 56443-56448 and 57233/58233, the Slack app on 56450; state in
# .lab-bench-approvals), runs bench/approvals.ts and stops the lab again whatever happens
# (bench/run-in-lab.sh). Results: docs/benchmarks/approvals.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export STATE_DIR="${BENCH_STATE_DIR:-$REPO_ROOT/.lab-bench-approvals}"
export K8S_NODES="${BENCH_NODES:-3}"
export K8S_APISERVER_PORT="${BENCH_APISERVER_PORT:-56443}"
export TEMPORAL_PORT="${BENCH_TEMPORAL_PORT:-57233}" TEMPORAL_UI_PORT="${BENCH_TEMPORAL_UI_PORT:-58233}"
export BENCH_SLACK_PORT="${BENCH_SLACK_PORT:-56450}"
exec "$REPO_ROOT/bench/run-in-lab.sh" approvals
