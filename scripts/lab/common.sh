# Shared settings for the lab scripts. Sourced, never executed.
# Everything built here lives in a cache outside the repository, keyed by version,
# so a fresh clone on a warm machine reuses it and nothing binary is ever committed.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_ROOT="${SELF_HEALING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/self-healing}"
STATE_DIR="${STATE_DIR:-${SELF_HEALING_STATE:-$REPO_ROOT/.lab}}"

# Pinned versions. Changing one changes the cache key, so the next run rebuilds.
NODE_VERSION="${NODE_VERSION:-24.22.3}"
TEMPORAL_CLI_VERSION="1.5.1"
TEMPORAL_TEST_SERVER_VERSION="1.38.0"
PROMETHEUS_MODULE_VERSION="v0.316.0"   # Prometheus v3.16.0
TEMPORAL_SEARCH_ATTRIBUTES="SelfHealingTarget=Keyword SelfHealingKind=Keyword SelfHealingPhase=Keyword SelfHealingSeverity=Keyword SelfHealingEscalation=Int"

log() { printf '[lab] %s\n' "$*" >&2; }
die() { printf '[lab] error: %s\n' "$*" >&2; exit 1; }

need_cmd() {
  # need_cmd <command> <how to get it>
  command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed. $2"
}

# Runs a build into a temporary folder and moves it into place only when it succeeded,
# so a failed or interrupted build is never mistaken for a good cache entry.
# usage: build_into <final-dir> <function-name>   (the function receives the temp dir as $1)
build_into() {
  local final="$1" fn="$2" tmp
  mkdir -p "$(dirname "$final")"
  tmp="$(mktemp -d "${final}.partial.XXXXXX")"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT INT TERM
  "$fn" "$tmp"
  rm -rf "$final"
  mv "$tmp" "$final"
  trap - EXIT INT TERM
}

# Fails with a clear message when a TCP port on 127.0.0.1 is already taken.
# usage: require_free_port <port> <env var that changes it>
require_free_port() {
  if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
    die "port $1 on 127.0.0.1 is already in use; stop what uses it (ss -ltnp 'sport = :$1') or set $2 to another port"
  fi
}

# Waits until a command succeeds, up to <seconds>. usage: wait_for <seconds> <description> <command...>
wait_for() {
  local seconds="$1"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}

# True when the pid in <pidfile> is a live process.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stops the process in <pidfile> (TERM, then KILL after <seconds>) and removes the file.
stop_pidfile() {
  local pidfile="$1" seconds="${2:-10}" pid
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
