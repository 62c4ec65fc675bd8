#!/usr/bin/env bash
# Starts the lab's Prometheus on 127.0.0.1 (API only: the module's zip has no web UI assets),
# scraping the Kubernetes API server, the Temporal dev server and whatever the lab and the product
# announce as file_sd targets in $STATE_DIR/prometheus/targets/*.json (the product's processes,
# the lab's backends). It loads deploy/prometheus/alerts.yml. Idempotent: when it is up, it only
# reloads its configuration.
source "$(dirname "$0")/common.sh"

PORT="${PROMETHEUS_PORT:-9090}"
APISERVER_PORT="${K8S_APISERVER_PORT:-6443}"
TEMPORAL_SERVER_METRICS_PORT="${TEMPORAL_SERVER_METRICS_PORT:-8234}"
dir="$STATE_DIR/prometheus"
pidfile="$dir/prometheus.pid"
pki="$STATE_DIR/k8s/pki"
mkdir -p "$dir/targets" "$dir/data"

bin="$("$REPO_ROOT/scripts/lab/build-prometheus.sh")"
ready() { curl -fsS --max-time 2 "http://127.0.0.1:$PORT/-/ready"; }

rules="$REPO_ROOT/deploy/prometheus/alerts.yml"
rule_files="rule_files: []"
[ -f "$rules" ] && rule_files="rule_files: ['$rules']"

# Scrapes every 2 s so tests and the demo see a change within seconds; a real deployment keeps
# Prometheus' 15 s to 1 min.
cat >"$dir/prometheus.yml" <<YAML
global:
  scrape_interval: 2s
  evaluation_interval: 2s
$rule_files
scrape_configs:
  - job_name: lab
    file_sd_configs:
      - files: ['$dir/targets/*.json']
        refresh_interval: 2s
  - job_name: kube-apiserver
    scheme: https
    tls_config:
      ca_file: $pki/ca.crt
      cert_file: $pki/admin.crt
      key_file: $pki/admin.key
    static_configs:
      - targets: ['127.0.0.1:$APISERVER_PORT']
  - job_name: temporal-server
    static_configs:
      - targets: ['127.0.0.1:$TEMPORAL_SERVER_METRICS_PORT']
YAML
"$bin/promtool" check config "$dir/prometheus.yml" >"$dir/check.log" 2>&1 \
  || { cat "$dir/check.log" >&2; die "the lab's Prometheus configuration is invalid ($dir/prometheus.yml)"; }

if pid_alive "$pidfile" && ready >/dev/null 2>&1; then
  curl -fsS -X POST "http://127.0.0.1:$PORT/-/reload" >/dev/null || die "Prometheus did not reload $dir/prometheus.yml"
  log "Prometheus already up on 127.0.0.1:$PORT (configuration reloaded)"
  exit 0
fi
stop_pidfile "$pidfile" 2
require_free_port "$PORT" PROMETHEUS_PORT
setsid "$bin/prometheus" --config.file="$dir/prometheus.yml" --storage.tsdb.path="$dir/data" \
  --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$PORT" --web.enable-lifecycle \
  --log.level=warn </dev/null >"$dir/prometheus.log" 2>&1 &
echo $! >"$pidfile"
if ! wait_for 60 "Prometheus" ready; then
  tail -n 20 "$dir/prometheus.log" >&2 || true
  stop_pidfile "$pidfile"
  die "Prometheus did not become ready on 127.0.0.1:$PORT within 60 s (log: $dir/prometheus.log)"
fi
log "Prometheus up: API http://127.0.0.1:$PORT/api/v1/query (state: $dir)"
