#!/usr/bin/env bash
# The demo on the embedded lab: a simulated node running part of a Deployment (behind a PDB) fails;
# the detector confirms it, the worker cordons, drains, replaces it and verifies the workload —
# all visible in the Temporal UI. `scripts/demo.sh stop` stops the demo's processes.
source "$(dirname "$0")/lab/common.sh"
cd "$REPO_ROOT"
pids=("$STATE_DIR/worker.pid" "$STATE_DIR/detector.pid")

if [ "${1:-}" = "stop" ]; then
  for p in "${pids[@]}"; do stop_pidfile "$p" 30; done
  log "demo worker and detector stopped (make lab-down stops the lab)"
  exit 0
fi

[ -f "$STATE_DIR/env" ] || die "the lab is not up: run 'make lab-up' first (make demo does it for you)"
# shellcheck disable=SC1091
source "$STATE_DIR/env"
kubectl() { "$(scripts/lab/build-k8s.sh)/kubectl" --kubeconfig "$KUBECONFIG" "$@"; }
cli() { node dist/starter/main.js "$@"; }
ui="http://127.0.0.1:$TEMPORAL_UI_PORT"

log "configuring fast demo timings (ConfigMap self-healing/self-healing-config)"
kubectl create namespace self-healing --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: { name: self-healing-config, namespace: self-healing }
data:
  health_check_interval: "10"
  node_failure_threshold: "3"
  node_recovery_window: "20"
  drain_timeout: "120"
  recovery_timeout: "180"
  node_provider: "sim"
  workload.confirmation_window: "10"
  workload.stable_window: "15"
YAML

log "deploying demo/web: 3 replicas behind a PodDisruptionBudget (minAvailable 2)"
kubectl create namespace demo --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: demo }
spec:
  replicas: 3
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers: [{ name: web, image: nginx:demo, resources: { requests: { cpu: 100m, memory: 64Mi } } }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web, namespace: demo }
spec: { minAvailable: 2, selector: { matchLabels: { app: web } } }
YAML
kubectl -n demo rollout status deployment/web --timeout=120s >&2

start_bg() { # start_bg <name> <command...>
  local pidfile="$STATE_DIR/$1.pid"; shift
  pid_alive "$pidfile" && return 0
  setsid "$@" </dev/null >"${pidfile%.pid}.log" 2>&1 &
  echo $! >"$pidfile"
}
start_bg worker node dist/worker/main.js
start_bg detector node --max-semi-space-size=1 dist/starter/detector-main.js
log "worker and detector running (logs: $STATE_DIR/worker.log, $STATE_DIR/detector.log)"
sleep 2

node="$(kubectl -n demo get pods -l app=web -o jsonpath='{.items[0].spec.nodeName}')"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "failing $node: Ready=False (its kubelet 'stops'); the detector confirms after 30 s"
kubectl patch node "$node" --subresource=status --type=strategic -p \
  "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"KubeletDown\",\"message\":\"demo: kubelet stopped\",\"lastHeartbeatTime\":\"$now\",\"lastTransitionTime\":\"$now\"}]}}" >/dev/null

cat >&2 <<MSG

  Temporal UI:  $ui/namespaces/default/workflows?query=SelfHealingKind%3D%22node%22
  Look at:      workflow node-recovery/$node (its SelfHealingPhase search attribute changes as it
                goes), the 'status' query on its Queries tab, and disruption-budget/self-healing/nodes.
  In a shell:   kubectl --kubeconfig $KUBECONFIG describe node $node   (the recovery's Events)

MSG
log "the recovery of $node, step by step (detection takes 30 s, the whole recovery about a minute):"
for _ in $(seq 1 60); do
  # The workflow exists once the detector confirms the failure.
  if cli watch "$node" 2>/dev/null; then break; fi
  sleep 2
done
cli status "$node"
kubectl get nodes >&2
kubectl -n demo get pods -o wide >&2
log "workload recovery: demo/shop runs registry.lab/shop/web:1.0; a rollout to 1.1 (an image that panics)"
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: shop, namespace: demo }
spec:
  replicas: 2
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      containers: [{ name: shop, image: registry.lab/shop/web:1.0 }]
YAML
kubectl -n demo rollout status deployment/shop --timeout=120s >&2
kubectl -n demo set image deployment/shop shop=registry.lab/shop/web:1.1 >/dev/null
log "the bad rollout crash-loops; the detector confirms it, the recovery diagnoses and rolls it back:"
for _ in $(seq 1 60); do
  if cli watch Deployment/demo/shop 2>/dev/null; then break; fi
  sleep 2
done
cli status Deployment/demo/shop | grep -E '"(phase|step)"|rolled back|log \(' >&2 || true
kubectl -n demo rollout history deployment/shop >&2
kubectl -n demo get deployment shop -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}' >&2
log "done. Open $ui to look around. Stop with: make demo-down && make lab-down"
