#!/usr/bin/env bash
# Runs every check and every test suite against a lab of its own (state in .lab-test, ports apart
# from the demo's), then stops that lab. Ends with the line "N passed, N failed" from Jest's JSON.
source "$(dirname "$0")/lab/common.sh"
cd "$REPO_ROOT"

export STATE_DIR="$REPO_ROOT/.lab-test"
export TEMPORAL_PORT="${TEST_TEMPORAL_PORT:-17233}" TEMPORAL_UI_PORT="${TEST_TEMPORAL_UI_PORT:-18233}"
export K8S_APISERVER_PORT="${TEST_K8S_APISERVER_PORT:-16443}"
results="$REPO_ROOT/test-results.json"

"$REPO_ROOT/scripts/lab/build.sh"

log "static checks: typecheck, lint, format"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check

cleanup() { "$REPO_ROOT/scripts/lab/down.sh" || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM
# A fresh Temporal history each run: tests must not depend on what an earlier run left behind.
"$REPO_ROOT/scripts/lab/temporal-down.sh"
rm -rf "$STATE_DIR/temporal"
"$REPO_ROOT/scripts/lab/up.sh"
# shellcheck disable=SC1091
source "$STATE_DIR/env"

rm -f "$results"
status=0
NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" \
  npx jest --json --outputFile="$results" "$@" || status=$?

[ -s "$results" ] || die "Jest wrote no results to $results (exit $status)"
node -e '
  const r = require(process.argv[1]);
  const failedSuites = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed`);
' "$results"
exit "$status"
