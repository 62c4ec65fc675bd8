#!/usr/bin/env bash
# Stops the lab backends started by backends-up.sh (their servers close with them) and removes
# their Prometheus target file. The log is kept.
source "$(dirname "$0")/common.sh"

pidfile="$STATE_DIR/backends/backends.pid"
main="$REPO_ROOT/tools/sim/backends/main.ts"
if [ -f "$pidfile" ]; then
  pid="$(cat "$pidfile")"
  # Only our own process: a recycled pid may belong to anything by now.
  if [ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$main"; then
    stop_pidfile "$pidfile" 10
    log "lab backends stopped (pid $pid)"
  fi
  rm -f "$pidfile"
fi
rm -f "$STATE_DIR/prometheus/targets/lab-backends.json"
