#!/usr/bin/env bash
# Builds the Temporal CLI (dev server with the embedded Web UI) from the official Go module.
# Prints the path of the binary. Idempotent: a second run only prints the path.
source "$(dirname "$0")/common.sh"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if existing="$(command -v temporal 2>/dev/null)" && [ "${SELF_HEALING_BUILD_TEMPORAL:-}" != "1" ]; then
  echo "$existing"; exit 0
fi

dest="$CACHE_ROOT/temporal-cli-$TEMPORAL_CLI_VERSION"
if [ -x "$dest/bin/temporal" ]; then echo "$dest/bin/temporal"; exit 0; fi

need_cmd go "Install Go >= 1.25 (https://go.dev/doc/install or 'apt-get install golang')."

build() {
  log "building temporal CLI v$TEMPORAL_CLI_VERSION from the Go module proxy (first time only; ~5-10 min on 2 cores)"
  GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$1/bin" GOFLAGS=-mod=mod \
    go install -trimpath \
      -ldflags "-s -w -X github.com/temporalio/cli/temporalcli.Version=$TEMPORAL_CLI_VERSION" \
      "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION" \
    || die "go install github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
}
build_into "$dest" build
log "temporal CLI ready: $dest/bin/temporal"
echo "$dest/bin/temporal"
