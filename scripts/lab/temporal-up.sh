#!/usr/bin/env bash
# Starts the Temporal dev server (SQLite persistence, Web UI) on 127.0.0.1 and registers the
# product's search attributes. Idempotent: when it is already up, it only re-checks.
source "$(dirname "$0")/common.sh"

PORT="${TEMPORAL_PORT:-7233}"
UI_PORT="${TEMPORAL_UI_PORT:-8233}"
METRICS_PORT="${TEMPORAL_SERVER_METRICS_PORT:-8234}"
dir="$STATE_DIR/temporal"
pidfile="$dir/temporal.pid"
mkdir -p "$dir"

cli="$("$REPO_ROOT/scripts/lab/build-temporal-cli.sh")"
health() { "$cli" operator cluster health --address "127.0.0.1:$PORT" --command-timeout 2s; }

if pid_alive "$pidfile" && health >/dev/null 2>&1; then
  log "Temporal dev server already up on 127.0.0.1:$PORT (UI http://127.0.0.1:$UI_PORT)"
else
  stop_pidfile "$pidfile" 2
  require_free_port "$PORT" TEMPORAL_PORT
  require_free_port "$UI_PORT" TEMPORAL_UI_PORT
  require_free_port "$METRICS_PORT" TEMPORAL_SERVER_METRICS_PORT
  sa_flags=()
  for attribute in $TEMPORAL_SEARCH_ATTRIBUTES; do sa_flags+=(--search-attribute "$attribute"); done
  # setsid: the server outlives this script and is stopped by temporal-down.sh through its pid file.
  setsid "$cli" server start-dev --ip 127.0.0.1 --port "$PORT" --ui-port "$UI_PORT" --metrics-port "$METRICS_PORT" \
    --db-filename "$dir/dev.sqlite" --sqlite-pragma journal_mode=WAL \
    --log-level warn "${sa_flags[@]}" \
    </dev/null >"$dir/server.log" 2>&1 &
  echo $! >"$pidfile"
  if ! wait_for 60 "Temporal frontend" health; then
    tail -n 20 "$dir/server.log" >&2 || true
    stop_pidfile "$pidfile"
    die "Temporal dev server did not become healthy on 127.0.0.1:$PORT within 60 s (log: $dir/server.log)"
  fi
  log "Temporal dev server up on 127.0.0.1:$PORT, Web UI http://127.0.0.1:$UI_PORT (state: $dir)"
fi

# An existing database keeps the attributes it was created with, so register them every time.
for attribute in $TEMPORAL_SEARCH_ATTRIBUTES; do
  name="${attribute%%=*}"
  "$cli" operator search-attribute create --address "127.0.0.1:$PORT" --namespace default \
    --name "$name" --type "${attribute#*=}" >/dev/null 2>"$dir/sa.err" \
    || grep -qi 'already' "$dir/sa.err" \
    || die "could not register search attribute $name: $(cat "$dir/sa.err")"
done
