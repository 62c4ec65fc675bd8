#!/usr/bin/env bash
# Starts the lab backends (tools/sim/backends): real HTTP servers on 127.0.0.1 for the Ready pods
# labelled lab.self-healing.io/backend=true, and the lab's EndpointSlice controller, which writes
# the slices of every Service with a selector (k8s-up.sh turns kube-controller-manager's off).
# Needs the cluster (k8s-up.sh). Idempotent: when it is already up, it only re-checks.
# See docs/lab.md, "Backends".
#
# Environment (all optional):
#   STATE_DIR                      state folder; pid and log under $STATE_DIR/backends
#   LAB_BACKENDS_METRICS_PORT=9470 /metrics and /healthz on 127.0.0.1
#   LAB_BACKENDS_POD_LABEL=1       adds a pod label to the request metrics
source "$(dirname "$0")/common.sh"

PORT="${LAB_BACKENDS_METRICS_PORT:-9470}"
dir="$STATE_DIR/backends"
pidfile="$dir/backends.pid"
logfile="$dir/backends.log"
kubeconfig="$STATE_DIR/k8s/kubeconfig"
targets="$STATE_DIR/prometheus/targets/lab-backends.json"
main="$REPO_ROOT/tools/sim/backends/main.ts"
mkdir -p "$dir"

[ -f "$kubeconfig" ] || die "no kubeconfig at $kubeconfig: start the cluster first (scripts/lab/k8s-up.sh)"
need_cmd curl "Install curl (apt-get install curl)."

# ours: the pid file names a live node process running our main.ts (not a recycled pid).
ours() {
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$main"
}
healthy() { curl -fsS --max-time 2 "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; }

if ours && healthy; then
  log "lab backends already up (metrics http://127.0.0.1:$PORT/metrics)"
  exit 0
fi
ours && stop_pidfile "$pidfile" 5
rm -f "$pidfile"
require_free_port "$PORT" LAB_BACKENDS_METRICS_PORT

node="$("$REPO_ROOT/scripts/lab/node.sh")/node"
# setsid: it outlives this script and is stopped by backends-down.sh through its pid file.
LAB_BACKENDS_METRICS_PORT="$PORT" setsid "$node" --disable-warning=MODULE_TYPELESS_PACKAGE_JSON \
  --import "$REPO_ROOT/tools/sim/kubelet/register.mjs" "$main" "$kubeconfig" "$targets" \
  </dev/null >"$logfile" 2>&1 &
echo $! >"$pidfile"
if ! wait_for 60 "lab backends /healthz" healthy; then
  tail -n 20 "$logfile" >&2 || true
  stop_pidfile "$pidfile" 2
  die "the lab backends did not answer on 127.0.0.1:$PORT within 60 s (log: $logfile)"
fi
log "lab backends up: metrics http://127.0.0.1:$PORT/metrics, Prometheus targets $targets (log: $logfile)"
