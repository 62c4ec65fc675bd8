#!/usr/bin/env bash
# Builds (first time) every lab binary into the version-keyed cache. A second run takes seconds.
source "$(dirname "$0")/common.sh"
started=$SECONDS
log "building the lab into $CACHE_ROOT (first time on a new machine: ~30-45 min on 2 cores; later: seconds)"
"$REPO_ROOT/scripts/lab/build-temporal-cli.sh" >/dev/null
"$REPO_ROOT/scripts/lab/build-test-server.sh" >/dev/null
"$REPO_ROOT/scripts/lab/build-k8s.sh" >/dev/null
"$REPO_ROOT/scripts/lab/build-prometheus.sh" >/dev/null
log "lab binaries ready ($((SECONDS - started)) s)"
