#!/usr/bin/env bash
# Starts the time-skipping test server ahead of the tests, with no start-up deadline, and prints the
# line to export so the wrapper forwards to it (see build-test-server.sh for why).
source "$(dirname "$0")/common.sh"
PORT="${TEMPORAL_TEST_SERVER_PORT:-17299}"
dir="$STATE_DIR/test-server"
pidfile="$dir/test-server.pid"
mkdir -p "$dir"

wrapper="$("$REPO_ROOT/scripts/lab/build-test-server.sh")"
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
if ! (pid_alive "$pidfile" && listening); then
  stop_pidfile "$pidfile" 2
  require_free_port "$PORT" TEMPORAL_TEST_SERVER_PORT
  # The wrapper execs the JVM when no upstream is set; setsid keeps it past this script.
  TEMPORAL_TEST_SERVER_UPSTREAM='' setsid "$wrapper" "$PORT" </dev/null >"$dir/server.log" 2>&1 &
  echo $! >"$pidfile"
  if ! wait_for 120 "time-skipping test server" listening; then
    tail -n 20 "$dir/server.log" >&2 || true
    stop_pidfile "$pidfile"
    die "the time-skipping test server did not listen on 127.0.0.1:$PORT within 120 s (log: $dir/server.log)"
  fi
  log "time-skipping test server up on 127.0.0.1:$PORT"
fi
echo "export TEMPORAL_TEST_SERVER_UPSTREAM=127.0.0.1:$PORT"
