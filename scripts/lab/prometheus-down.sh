#!/usr/bin/env bash
# Stops the lab's Prometheus. Its data stays in $STATE_DIR/prometheus/data unless PROMETHEUS_KEEP_DATA=0.
source "$(dirname "$0")/common.sh"
dir="$STATE_DIR/prometheus"
stop_pidfile "$dir/prometheus.pid" 10
[ "${PROMETHEUS_KEEP_DATA:-1}" = 1 ] || rm -rf "$dir/data"
