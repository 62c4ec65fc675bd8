#!/usr/bin/env bash
# Starts the whole lab: the Temporal dev server (with UI), the simulated Kubernetes cluster and the
# lab backends (HTTP services for its Services, tools/sim/backends).
# Writes $STATE_DIR/env with the addresses, for `source` or for the test runner.
source "$(dirname "$0")/common.sh"
mkdir -p "$STATE_DIR"
"$REPO_ROOT/scripts/lab/temporal-up.sh"
kubeconfig="$("$REPO_ROOT/scripts/lab/k8s-up.sh")"
"$REPO_ROOT/scripts/lab/backends-up.sh"
"$REPO_ROOT/scripts/lab/prometheus-up.sh"
cat >"$STATE_DIR/env" <<ENV
export TEMPORAL_ADDRESS=127.0.0.1:${TEMPORAL_PORT:-7233}
export TEMPORAL_UI_PORT=${TEMPORAL_UI_PORT:-8233}
export KUBECONFIG=$kubeconfig
export LAB_BACKENDS_METRICS_PORT=${LAB_BACKENDS_METRICS_PORT:-9470}
export TEMPORAL_TEST_SERVER_PATH=$("$REPO_ROOT/scripts/lab/build-test-server.sh")
export PROMETHEUS_URL=http://127.0.0.1:${PROMETHEUS_PORT:-9090}
export PROMETHEUS_BIN_DIR=$("$REPO_ROOT/scripts/lab/build-prometheus.sh")
export LAB_TARGETS_DIR=$STATE_DIR/prometheus/targets
ENV
log "lab up: Temporal UI http://127.0.0.1:${TEMPORAL_UI_PORT:-8233}  Prometheus http://127.0.0.1:${PROMETHEUS_PORT:-9090}  kubeconfig $kubeconfig"
