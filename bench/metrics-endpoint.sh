#!/usr/bin/env bash
# `npm run bench:metrics`: the worker's /metrics endpoint after 100, 1,000 and 10,000 simulated
# recoveries (bench/metrics-endpoint.ts). No lab: builds the benchmarks and runs them in one process.
# Results: docs/benchmarks/metrics-endpoint.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_ROOT"
PATH="$("$REPO_ROOT/scripts/lab/node.sh"):$PATH"
export PATH

npx tsc -p tsconfig.bench.json
node dist/bench/bench/metrics-endpoint.js
# JSON.stringify lays arrays out otherwise than the repository's format check wants; the tables as
# the other reports have them.
npx prettier --log-level warn --write "${BENCH_OUT_DIR:-docs/benchmarks}"/metrics-endpoint.{json,md}
