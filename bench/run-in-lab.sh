#!/usr/bin/env bash
# bench/run-in-lab.sh <name>: what every `npm run bench:*` wrapper shares. Builds the product and the
# benchmarks, starts a lab with the environment the wrapper exported (STATE_DIR, K8S_*, TEMPORAL_*),
# runs dist/bench/bench/<name>.js and stops the lab again whatever happens.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_ROOT"
name="${1:?usage: bench/run-in-lab.sh <benchmark name>}"

export K8S_UP_TIMEOUT="${K8S_UP_TIMEOUT:-300}"
PATH="$("$REPO_ROOT/scripts/lab/node.sh"):$PATH"
export PATH

npm run --silent build
npx tsc -p tsconfig.bench.json

cleanup() {
  local rc=$?
  echo "[bench] stopping the bench lab" >&2
  "$REPO_ROOT/scripts/lab/down.sh" || true
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$REPO_ROOT/scripts/lab/up.sh"
# shellcheck disable=SC1091
source "$STATE_DIR/env"
node "dist/bench/bench/$name.js"
# JSON.stringify lays arrays out otherwise than the repository's format check wants.
npx prettier --log-level warn --write "${BENCH_OUT_DIR:-docs/benchmarks}/$name.json"
