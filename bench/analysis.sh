#!/usr/bin/env bash
# `npm run bench:analysis`: the analysis engine on synthetic series, then the metrics endpoint's cost
# (bench:metrics); no lab, no Prometheus (a fake
# metric source answers from memory). Builds the benchmarks and runs bench/analysis.ts.
# Results: docs/benchmarks/analysis.{md,json}.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$REPO_ROOT"
PATH="$("$REPO_ROOT/scripts/lab/node.sh"):$PATH"
export PATH

npx tsc -p tsconfig.bench.json
node dist/bench/bench/analysis.js "$@"
# JSON.stringify lays arrays out otherwise than the repository's format check wants.
npx prettier --log-level warn --write "${BENCH_OUT_DIR:-docs/benchmarks}/analysis.json"
# The issue's third figure, the metrics endpoint's cost at 1,000 recoveries: bench/metrics-endpoint.ts.
bash "$REPO_ROOT/bench/metrics-endpoint.sh"
