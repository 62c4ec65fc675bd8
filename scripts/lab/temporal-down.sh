#!/usr/bin/env bash
# Stops the Temporal dev server started by temporal-up.sh. Its SQLite history stays for the next start.
source "$(dirname "$0")/common.sh"
pidfile="$STATE_DIR/temporal/temporal.pid"
if [ -f "$pidfile" ]; then
  stop_pidfile "$pidfile" 15
  log "Temporal dev server stopped (history kept in $STATE_DIR/temporal/dev.sqlite)"
fi
