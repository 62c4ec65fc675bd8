#!/usr/bin/env bash
# The demo on the embedded lab: a worker recovers a simulated node, visible in the Temporal UI.
# `scripts/demo.sh stop` stops the demo's worker (`make lab-down` stops the lab).
source "$(dirname "$0")/lab/common.sh"
cd "$REPO_ROOT"
worker_pid="$STATE_DIR/worker.pid"

if [ "${1:-}" = "stop" ]; then stop_pidfile "$worker_pid" 30; log "demo worker stopped"; exit 0; fi

[ -f "$STATE_DIR/env" ] || die "the lab is not up: run 'make lab-up' first (make demo does it for you)"
# shellcheck disable=SC1091
source "$STATE_DIR/env"
ui="http://127.0.0.1:$TEMPORAL_UI_PORT"
cli() { node dist/starter/main.js "$@"; }

if ! pid_alive "$worker_pid"; then
  setsid node dist/worker/main.js </dev/null >"$STATE_DIR/worker.log" 2>&1 &
  echo $! >"$worker_pid"
  log "worker started (log: $STATE_DIR/worker.log)"
fi

node="${DEMO_NODE:-sim-node-3}"
log "simulated nodes:"
"$(scripts/lab/build-k8s.sh)/kubectl" --kubeconfig "$KUBECONFIG" get nodes >&2
log "starting the recovery of $node: cordon, wait 30 s for it to be Ready, verify, uncordon"
cli recover-node "$node" --window 30s

cat >&2 <<MSG

  Temporal UI:  $ui/namespaces/default/workflows?query=SelfHealingKind%3D%22node%22
  Look at:      the workflow node-recovery/$node, its SelfHealingPhase search attribute, and the
                'status' query on the Queries tab; 'kubectl describe node $node' shows the Events.

MSG
log "waiting for the recovery to finish (~30 s)..."
for _ in $(seq 1 90); do
  phase="$(cli status "$node" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).phase))' 2>/dev/null || true)"
  if [ "$phase" = "Recovered" ] || [ "$phase" = "Escalated" ]; then break; fi
  sleep 1
done
cli status "$node"
log "done. Stop with: make demo-down && make lab-down"
