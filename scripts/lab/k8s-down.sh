#!/usr/bin/env bash
# Stops the simulated cluster started by k8s-up.sh: every component by its pid file, newest first,
# then checks that none is left. Deletes the etcd data (the next k8s-up.sh starts an empty
# cluster) unless K8S_KEEP_DATA=1; keeps the PKI, the kubeconfig and the logs.
state_from_env="${STATE_DIR:-}"
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
STATE_DIR="${state_from_env:-$STATE_DIR}"

K8S_DIR="$STATE_DIR/k8s"
PIDS="$K8S_DIR/pids"
# Reverse start order: the API clients go before the apiserver, the apiserver before etcd.
COMPONENTS=(sim-kubelet kwok kube-scheduler kube-controller-manager kube-apiserver etcd)

ours() {
  # ours <pid> <component>: guards against a recycled pid that now belongs to something else. The
  # sim kubelet is node running sim-kubelet.ts.
  { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qE "/$2(\.ts)? "
}

stopped=0
for c in "${COMPONENTS[@]}"; do
  f="$PIDS/$c.pid"
  [ -f "$f" ] || continue
  pid="$(cat "$f")"
  if [ -n "$pid" ] && ours "$pid" "$c"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do ours "$pid" "$c" || break; sleep 0.2; done
    if ours "$pid" "$c"; then
      log "$c (pid $pid) ignored SIGTERM for 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    ours "$pid" "$c" && die "$c (pid $pid) is still running"
    stopped=$((stopped + 1))
  fi
  rm -f "$f"
done

if [ "${K8S_KEEP_DATA:-}" != 1 ]; then
  rm -rf "$K8S_DIR/etcd" "$K8S_DIR/pod-logs"
fi
log "k8s lab stopped ($stopped processes) in $K8S_DIR"
