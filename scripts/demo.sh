#!/usr/bin/env bash
# The demo on the embedded lab, in five acts, all visible in the Temporal UI:
#   1. a simulated node running part of a Deployment (behind a PDB) fails; the detector confirms it,
#      the worker cordons, drains, replaces it and verifies the workload;
#   2. a bad rollout crash-loops and is rolled back;
#   3. another bad rollout whose rollback waits for a human: the approval request reaches a local
#      Slack stand-in (tools/slack-standin), and a signed click on Approve, sent through the Slack
#      app as Slack would send it, lets the recovery resume; the card is edited in place;
#   4. see and analyse: the lab's Prometheus scrapes the product; a real HTTP backend made to fail
#      is found by the analysis (its error rate) and alerted, then clears; the Recovery dashboard's
#      queries are shown with their data;
#   5. service recovery, dependencies first: a database behind an API is rolled out to a crashing
#      image, the API (which calls it) fails its checks, and the API's recovery recovers the
#      database first (joining its recovery), then verifies the API.
# `scripts/demo.sh stop` stops the demo's processes; `scripts/demo.sh click approve <target>`
# clicks a button of a recovery's card. Ports: SLACK_PORT (the Slack app, default 3000) and
# SLACK_STANDIN_PORT (the stand-in's Web API, default 3001), besides the lab's.
source "$(dirname "$0")/lab/common.sh"
cd "$REPO_ROOT"
pids=("$STATE_DIR/slack-app.pid" "$STATE_DIR/worker.pid" "$STATE_DIR/detector.pid" "$STATE_DIR/slack-standin.pid" "$STATE_DIR/load.pid")

# Obviously fake credentials: the stand-in accepts this token, the app checks clicks against this secret.
DEMO_SIGNING_SECRET="demo-signing-secret-not-a-real-one"
DEMO_BOT_TOKEN="xoxb-demo-not-a-real-token"
DEMO_APPROVER="U0DEMOAPPROVER"
slack_env="$STATE_DIR/slack-demo.env"
record="$STATE_DIR/slack-standin.jsonl"
# Node runs the stand-in's TypeScript by stripping types, as the lab does for the sim kubelet.
standin_cmd=(node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON --import "$REPO_ROOT/tools/sim/kubelet/register.mjs")
standin() { "${standin_cmd[@]}" "$REPO_ROOT/tools/slack-standin/$1.ts" "${@:2}"; } # standin <main|show|click> <args...>
workflow_of() { # a CLI target (node name, Deployment/<ns>/<name>) or a workflow ID → the workflow ID
  case "$1" in
    *-recovery/*) echo "$1" ;;
    */*) echo "workload-recovery/$1" ;;
    *) echo "node-recovery/$1" ;;
  esac
}

case "${1:-}" in
  stop)
    for p in "${pids[@]}"; do stop_pidfile "$p" 30; done
    rm -f "$STATE_DIR/prometheus/targets/demo.json"
    log "demo processes stopped: worker, detector, Slack app, stand-in and load (make lab-down stops the lab)"
    exit 0
    ;;
  click)
    # scripts/demo.sh click <approve|reject|acknowledge> <target> [--curl]: as the demo's approver.
    [ -f "$slack_env" ] || die "the demo's Slack app is not running: run 'make demo' first"
    PATH="$("$REPO_ROOT/scripts/lab/node.sh"):$PATH"
    # shellcheck disable=SC1090
    source "$slack_env"
    SLACK_SIGNING_SECRET="$DEMO_SIGNING_SECRET" standin click "${2:?approve, reject or acknowledge}" \
      "$(workflow_of "${3:?a target, e.g. Deployment/demo/cart}")" --user "$DEMO_APPROVER" \
      --app "http://127.0.0.1:$SLACK_PORT/slack/events" --record "$record" "${@:4}"
    exit
    ;;
esac

[ -f "$STATE_DIR/env" ] || die "the lab is not up: run 'make lab-up' first (make demo does it for you)"
# shellcheck disable=SC1091
source "$STATE_DIR/env"
kubectl() { "$(scripts/lab/build-k8s.sh)/kubectl" --kubeconfig "$KUBECONFIG" "$@"; }
cli() { node dist/starter/main.js "$@"; }
# watch_new <target>: waits for the recovery of <target> this run started (an earlier run's, ended,
# stays the latest under the same workflow ID until then), then follows it to its end.
watch_new() {
  for _ in $(seq 1 90); do
    # Running and not yet at a final phase: an earlier run's escalated recovery runs on while its
    # escalation ladder calls people, and must not be mistaken for this run's.
    cli list 2>/dev/null | grep -E "(^|[[:space:]])$1([[:space:]]|$)" |
      grep -qvE "[[:space:]](Recovered|Skipped|Stopped|Escalated)([[:space:]]|$)" && break
    sleep 2
  done
  cli watch "$1" || true
}
ui="http://127.0.0.1:$TEMPORAL_UI_PORT"

log "configuring fast demo timings (ConfigMap self-healing/self-healing-config)"
kubectl create namespace self-healing --dry-run=client -o yaml | kubectl apply -f - >/dev/null
# Created afresh: an earlier run's patches (act 3's approvals) would survive `kubectl apply`, whose
# three-way merge leaves a key alone when the last applied value did not change.
kubectl -n self-healing delete configmap self-healing-config --ignore-not-found >/dev/null
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
  workload.rollback_requires_approval: "false"
  service.check_interval: "5"
  service.failure_threshold: "1"
  service.stable_window: "5"
YAML
# Act 4's analysis: the error-rate rule over the lab's backends in namespace demo, every 10 s, over
# 20 s windows (the defaults, 30 s and 5 min, are for real clusters).
analysis_patch="$(node -e '
  const [url, ns] = process.argv.slice(1);
  const rate = (f) => `label_replace(rate(lab_backend_http_requests_total{namespace="${ns}"${f}}[20s]), "service", "$1", "backend", "(.+)")`;
  const errorRate = `100 * sum by (namespace, service) (${rate(",code=~\"5..\"")}) / sum by (namespace, service) (${rate("")})`;
  console.log(JSON.stringify({ data: { "analysis.prometheus_url": url, "analysis.interval": "10",
    "analysis.rules": "error_rate", "analysis.error_rate_for": "10", "analysis.error_rate_query": errorRate } }));
' "$PROMETHEUS_URL" demo)"
kubectl -n self-healing patch configmap self-healing-config --type merge -p "$analysis_patch" >/dev/null

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
# Act 3's workload, deployed now so that its healthy rollout is done by the time act 3 starts; new
# each run, so that an earlier run's rollback (an annotation on it) puts it in no cooldown.
kubectl -n demo delete deployment cart --ignore-not-found --wait >/dev/null
shop_like() { # shop_like <name> <replicas>: a Deployment running registry.lab/shop/web:1.0
  kubectl apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: Deployment
metadata: { name: $1, namespace: demo }
spec:
  replicas: $2
  selector: { matchLabels: { app: $1 } }
  template:
    metadata: { labels: { app: $1 } }
    spec:
      containers: [{ name: $1, image: registry.lab/shop/web:1.0 }]
YAML
}
shop_like cart 1

start_bg() { # start_bg <name> <command...>
  local pidfile="$STATE_DIR/$1.pid"; shift
  pid_alive "$pidfile" && return 0
  setsid "$@" </dev/null >"${pidfile%.pid}.log" 2>&1 &
  echo $! >"$pidfile"
}
SLACK_PORT="${SLACK_PORT:-3000}" SLACK_STANDIN_PORT="${SLACK_STANDIN_PORT:-3001}"
slack_api="http://127.0.0.1:$SLACK_STANDIN_PORT/api/"
# A fresh stand-in each run: its record then holds this run's messages only.
stop_pidfile "$STATE_DIR/slack-standin.pid" 10
require_free_port "$SLACK_STANDIN_PORT" SLACK_STANDIN_PORT
start_bg slack-standin "${standin_cmd[@]}" tools/slack-standin/main.ts --port "$SLACK_STANDIN_PORT" --token "$DEMO_BOT_TOKEN" --record "$record"
wait_for 20 "the Slack stand-in" grep -q 'serving Slack' "$STATE_DIR/slack-standin.log" \
  || die "the Slack stand-in did not start: $(tail -3 "$STATE_DIR/slack-standin.log")"
printf 'SLACK_PORT=%s\nSLACK_STANDIN_PORT=%s\n' "$SLACK_PORT" "$SLACK_STANDIN_PORT" >"$slack_env"
# The worker posts to the stand-in as it would to Slack; the cards link to this lab's Temporal UI.
# The product's metrics endpoints, announced to the lab's Prometheus (file_sd).
cat >"$LAB_TARGETS_DIR/demo.json" <<JSON
[{"targets":["127.0.0.1:9464"],"labels":{"job":"self-healing-worker"}},
 {"targets":["127.0.0.1:9468"],"labels":{"job":"self-healing-worker-temporal"}},
 {"targets":["127.0.0.1:9465"],"labels":{"job":"self-healing-detector"}},
 {"targets":["127.0.0.1:9466"],"labels":{"job":"self-healing-slack"}}]
JSON
start_bg worker env SLACK_BOT_TOKEN="$DEMO_BOT_TOKEN" SLACK_API_URL="$slack_api" TEMPORAL_UI_URL="$ui" \
  node dist/worker/main.js
start_bg detector node --max-semi-space-size=1 dist/starter/detector-main.js
pid_alive "$STATE_DIR/slack-app.pid" || require_free_port "$SLACK_PORT" SLACK_PORT
start_bg slack-app env SLACK_SIGNING_SECRET="$DEMO_SIGNING_SECRET" SLACK_BOT_TOKEN="$DEMO_BOT_TOKEN" \
  SLACK_API_URL="$slack_api" SLACK_APPROVERS="$DEMO_APPROVER" SLACK_HOST=127.0.0.1 SLACK_PORT="$SLACK_PORT" \
  node dist/slack/main.js
slack_app_up() { curl -fsS --max-time 2 "http://127.0.0.1:$SLACK_PORT/healthz"; }
wait_for 30 "the Slack app" slack_app_up || die "the Slack app did not start: $(tail -3 "$STATE_DIR/slack-app.log")"
log "worker, detector, Slack app (http://127.0.0.1:$SLACK_PORT/slack/events) and Slack stand-in ($slack_api) running"
log "logs: $STATE_DIR/{worker,detector,slack-app,slack-standin}.log; what Slack received: $record"
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
# New each run, as cart is: an earlier run's rollback would put it in its cooldown.
kubectl -n demo delete deployment shop --ignore-not-found --wait >/dev/null
shop_like shop 2
kubectl -n demo rollout status deployment/shop --timeout=120s >&2
kubectl -n demo set image deployment/shop shop=registry.lab/shop/web:1.1 >/dev/null
log "the bad rollout crash-loops; the detector confirms it, the recovery diagnoses and rolls it back:"
watch_new Deployment/demo/shop
cli status Deployment/demo/shop | grep -E '"(phase|step)"|rolled back|log \(' >&2 || true
kubectl -n demo rollout history deployment/shop >&2
kubectl -n demo get deployment shop -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}' >&2

log "approval from Slack: demo/cart's rollback must now wait for a human (workload.rollback_requires_approval)"
kubectl -n self-healing patch configmap self-healing-config --type merge \
  -p '{"data":{"workload.rollback_requires_approval":"true"}}' >/dev/null
kubectl -n demo rollout status deployment/cart --timeout=120s >&2
kubectl -n demo set image deployment/cart cart=registry.lab/shop/web:1.1 >/dev/null
cart=workload-recovery/Deployment/demo/cart
log "the bad rollout of demo/cart crash-loops; the recovery diagnoses it and asks for approval in Slack:"
standin show "$record" "$cart" request --wait-for Approve --timeout 120 >&2 || {
  cli status Deployment/demo/cart | grep -E '"(phase|step)"' >&2 || true
  die "no approval request for $cart reached the Slack stand-in (logs: $STATE_DIR/worker.log)"
}
cat >&2 <<MSG

  That is the message the Slack stand-in received (chat.postMessage; every call: $record).
  Approve it either way:
    CLI:    node dist/starter/main.js approve Deployment/demo/cart --by <you>
    Slack:  scripts/demo.sh click approve Deployment/demo/cart
            (what Slack sends when $DEMO_APPROVER clicks Approve: a block_actions payload signed with
            the app's signing secret, posted to http://127.0.0.1:$SLACK_PORT/slack/events;
            add --curl to print it as a curl command instead)

MSG
log "clicking Approve as $DEMO_APPROVER, through the Slack app:"
SLACK_SIGNING_SECRET="$DEMO_SIGNING_SECRET" standin click approve "$cart" --user "$DEMO_APPROVER" \
  --app "http://127.0.0.1:$SLACK_PORT/slack/events" --record "$record" >&2 \
  || die "the Slack app refused the click (log: $STATE_DIR/slack-app.log)"
log "the Slack app's private answer to $DEMO_APPROVER (chat.postEphemeral):"
standin show "$record" "$cart" answers --wait-for Approved --timeout 30 >&2 || true
log "the recovery resumes:"
cli watch Deployment/demo/cart || true
log "the card, edited in place (chat.update of its ts; the latest edit):"
standin show "$record" "$cart" updates --last --wait-for "Phase: Recovered" --timeout 30 >&2 || true
log "the recovery's timeline, in the card's thread:"
standin show "$record" "$cart" thread >&2 || true
kubectl -n demo get deployment cart -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}' >&2

log "see and analyse: demo/api is a real HTTP backend (tools/sim/backends) taking 20 requests a second"
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: demo }
spec:
  replicas: 2
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api, lab.self-healing.io/backend: "true" } }
    spec:
      containers: [{ name: api, image: registry.lab/shop/web:1.0 }]
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: demo }
spec: { selector: { app: api }, ports: [{ name: http, port: 80 }] }
YAML
kubectl -n demo rollout status deployment/api --timeout=120s >&2
start_bg load "${standin_cmd[@]}" tools/sim/backends/load-main.ts --kubeconfig "$KUBECONFIG" \
  --namespace demo --service api --rps 20 --report 10
sleep 25
log "a bad rollout of demo/api: every request answers 500 (the error-rate knob, an annotation of its pods)"
kubectl -n demo patch deployment api --type merge \
  -p '{"spec":{"template":{"metadata":{"annotations":{"lab.self-healing.io/error-rate":"1"}}}}}' >/dev/null
alert=analysis/error_rate/service/demo/api
log "the analysis asks Prometheus every 10 s; the error rate holds over 5 % for 10 s: a routed alert ($alert)"
for _ in $(seq 1 60); do cli status "$alert" >/dev/null 2>&1 && break; sleep 2; done
cli status "$alert" | grep -E '"(kind|target|phase|step)"' >&2 || die "no analysis alert (log: $STATE_DIR/detector.log)"
log "rolled back (error rate 0): the finding clears and the alert resolves"
kubectl -n demo patch deployment api --type merge \
  -p '{"spec":{"template":{"metadata":{"annotations":{"lab.self-healing.io/error-rate":"0"}}}}}' >/dev/null
cli watch "$alert" || true
# Act 3 made rollbacks wait for a human; this act's rollback is the product's own again.
kubectl -n self-healing patch configmap self-healing-config --type merge \
  -p '{"data":{"workload.rollback_requires_approval":"false"}}' >/dev/null
log "service recovery, dependencies first: demo/orders (a real HTTP backend) calls demo/orders-db on every request"
# New each run, as cart is: an earlier run's rollback would put orders-db in its cooldown.
kubectl -n demo delete deployment orders orders-db --ignore-not-found --wait >/dev/null
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: { name: orders-db, namespace: demo }
spec:
  replicas: 1
  strategy: { type: Recreate }
  selector: { matchLabels: { app: orders-db } }
  template:
    metadata: { labels: { app: orders-db, lab.self-healing.io/backend: "true" } }
    spec:
      containers: [{ name: orders-db, image: registry.lab/shop/web:1.0 }]
---
apiVersion: v1
kind: Service
metadata: { name: orders-db, namespace: demo }
spec: { selector: { app: orders-db }, ports: [{ name: http, port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: orders, namespace: demo }
spec:
  replicas: 1
  selector: { matchLabels: { app: orders } }
  template:
    metadata:
      labels: { app: orders, lab.self-healing.io/backend: "true" }
      annotations: { lab.self-healing.io/upstream: orders-db }
    spec:
      containers: [{ name: orders, image: registry.lab/shop/web:1.0 }]
---
apiVersion: v1
kind: Service
metadata:
  name: orders
  namespace: demo
  annotations:
    self-healing.temporal.io/depends-on: orders-db
    self-healing.temporal.io/check-path: /healthz
spec: { selector: { app: orders }, ports: [{ name: http, port: 80 }] }
YAML
kubectl -n demo rollout status deployment/orders-db --timeout=120s >&2
kubectl -n demo rollout status deployment/orders --timeout=120s >&2
log "a bad rollout of demo/orders-db: it crash-loops, has no ready endpoint, and demo/orders answers 503"
kubectl -n demo set image deployment/orders-db orders-db=registry.lab/shop/web:1.1 >/dev/null
log "the detector finds both; the recovery of demo/orders recovers demo/orders-db first (joining its recovery), then verifies demo/orders:"
watch_new Service/demo/orders
cli status Service/demo/orders | grep -E '"(phase|step)"|dependenc|joined|started the recovery|verified' >&2 || true
kubectl -n demo get deployment orders-db -o jsonpath='{.spec.template.spec.containers[0].image}{"\n"}' >&2

cat >&2 <<MSG

  Metrics:     worker http://127.0.0.1:9464/metrics (Temporal SDK: :9468), detector :9465, Slack app :9466
  Prometheus:  $PROMETHEUS_URL/api/v1/query?query=self_healing_recoveries_finished_total (API; no web UI)
  Dashboards:  deploy/dashboards/*.json (Grafana), alert rules deploy/prometheus/alerts.yml
  Any panel:   node --import ./tools/sim/kubelet/register.mjs tools/dashboards/show.ts <recovery|performance|alerts|history>

MSG
log "the Recovery dashboard's queries, answered by the lab's Prometheus:"
node --import ./tools/sim/kubelet/register.mjs tools/dashboards/show.ts recovery --prometheus "$PROMETHEUS_URL" \
  --rate-interval 10m >&2 || die "the Recovery dashboard's queries returned no data"
log "done. Open $ui to look around. Stop with: make demo-down && make lab-down"
