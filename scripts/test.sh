#!/usr/bin/env bash
# Runs every check and every test suite against a lab of its own (state in .lab-test, ports apart
# from the demo's), then stops that lab. Ends with the line "N passed, N failed" from Jest's JSON.
source "$(dirname "$0")/lab/common.sh"
cd "$REPO_ROOT"

export STATE_DIR="$REPO_ROOT/.lab-test"
export TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-17233}" TEMPORAL_UI_PORT="${TEST_TEMPORAL_UI_PORT:-18233}"
export K8S_APISERVER_PORT="${TEST_K8S_APISERVER_PORT:-16443}"
export PROMETHEUS_PORT="${TEST_PROMETHEUS_PORT:-19090}" TEMPORAL_SERVER_METRICS_PORT="${TEST_TEMPORAL_SERVER_METRICS_PORT:-18234}"
export LAB_BACKENDS_METRICS_PORT="${TEST_LAB_BACKENDS_METRICS_PORT:-19470}"
results="$REPO_ROOT/test-results.json"

"$REPO_ROOT/scripts/lab/build.sh"

# The static checks run beside the suites (the lab suites mostly wait on timers); their verdict
# is read at the end, and a failure fails the run.
mkdir -p "$STATE_DIR"
checks_log="$STATE_DIR/static-checks.log"
log "static checks (typecheck, lint, format) beside the suites: $checks_log"
( npm run --silent typecheck && npm run --silent lint && npm run --silent format:check ) >"$checks_log" 2>&1 &
checks_pid=$!

# The product, compiled once for every suite that runs it as processes (test/support/processes.ts),
# beside the lab's start; under node_modules so the compiled files resolve the dependencies.
export SELF_HEALING_PRODUCT_BUILD="$REPO_ROOT/node_modules/.cache/self-healing-e2e/run-$$"
npx tsc -p tsconfig.build.json --outDir "$SELF_HEALING_PRODUCT_BUILD" >"$STATE_DIR/product-build.log" 2>&1 &
build_pid=$!

cleanup() {
  "$REPO_ROOT/scripts/lab/down.sh" || true
  rm -rf "$SELF_HEALING_PRODUCT_BUILD"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# A fresh Temporal history each run: tests must not depend on what an earlier run left behind.
"$REPO_ROOT/scripts/lab/temporal-down.sh"
rm -rf "$STATE_DIR/temporal"
"$REPO_ROOT/scripts/lab/up.sh"
# shellcheck disable=SC1091
source "$STATE_DIR/env"

wait "$build_pid" || { cat "$STATE_DIR/product-build.log" >&2; die "the product does not compile (above)"; }

rm -f "$results" "$results".*
export NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}"
status=0
if [ $# -gt 0 ]; then
  npx jest --json --outputFile="$results.1" "$@" || status=$?
else
  # Two lanes at once: the lab suites, serially (they share one cluster and one dev server), and the
  # suites that need no lab (unit, replay, and the time-skipping ones, each on a test server of its
  # own), serially too. The second lane's output is printed when the first is done.
  offlab="$STATE_DIR/offlab.log"
  npx jest --json --outputFile="$results.2" --testPathIgnorePatterns "/test/lab/" >"$offlab" 2>&1 &
  offlab_pid=$!
  npx jest --json --outputFile="$results.1" test/lab || status=$?
  wait "$offlab_pid" || status=$?
  cat "$offlab"
fi

checks_failed=0
if ! wait "$checks_pid"; then
  cat "$checks_log" >&2
  log "static checks failed (above); they count as one failed test"
  status=1 checks_failed=1
fi

for part in "$results".*; do
  [ -s "$part" ] || die "Jest wrote no results to $part (exit $status)"
done
CHECKS_FAILED="$checks_failed" node -e '
  const fs = require("node:fs");
  const parts = process.argv.slice(2).map((file) => JSON.parse(fs.readFileSync(file, "utf8")));
  const merged = { ...parts[0], testResults: parts.flatMap((r) => r.testResults) };
  for (const key of ["numPassedTests", "numFailedTests", "numTotalTests", "numPassedTestSuites", "numFailedTestSuites", "numTotalTestSuites"])
    merged[key] = parts.reduce((sum, r) => sum + r[key], 0);
  merged.success = parts.every((r) => r.success);
  fs.writeFileSync(process.argv[1], JSON.stringify(merged));
  const failedSuites = merged.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  const checksFailed = Number(process.env.CHECKS_FAILED ?? 0);
  console.log(`${merged.numPassedTests} passed, ${merged.numFailedTests + failedSuites + checksFailed} failed`);
' "$results" "$results".*
rm -f "$results".*
exit "$status"
