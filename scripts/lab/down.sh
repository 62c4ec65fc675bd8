#!/usr/bin/env bash
# Stops everything up.sh started. Temporal history stays in $STATE_DIR/temporal.
source "$(dirname "$0")/common.sh"
"$REPO_ROOT/scripts/lab/prometheus-down.sh"
"$REPO_ROOT/scripts/lab/backends-down.sh"
"$REPO_ROOT/scripts/lab/k8s-down.sh"
"$REPO_ROOT/scripts/lab/temporal-down.sh"
rm -f "$STATE_DIR/env"
