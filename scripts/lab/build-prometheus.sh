#!/usr/bin/env bash
# Builds Prometheus and promtool from the Go module proxy (module v0.3MM.P is Prometheus v3.MM.P).
# `go install` refuses the module (its go.mod has replace directives), so the module's zip is
# downloaded and built in place with GOWORK=off (the zip's go.work names modules it lacks).
# Every service-discovery plugin is left out (tag remove_all_sd): the lab scrapes static targets.
# The web UI's assets are not in the zip, so the UI answers 500; the HTTP API works.
# Prints the folder holding both binaries. Idempotent: a second run only prints it.
source "$(dirname "$0")/common.sh"

if [ -n "${PROMETHEUS_BIN_DIR:-}" ]; then echo "$PROMETHEUS_BIN_DIR"; exit 0; fi

module="github.com/prometheus/prometheus@$PROMETHEUS_MODULE_VERSION"
dest="$CACHE_ROOT/prometheus-$PROMETHEUS_MODULE_VERSION"
if [ -x "$dest/bin/prometheus" ] && [ -x "$dest/bin/promtool" ]; then echo "$dest/bin"; exit 0; fi

need_cmd go "Install Go >= 1.26 (https://go.dev/doc/install)."

build() {
  log "building Prometheus $PROMETHEUS_MODULE_VERSION (v3.${PROMETHEUS_MODULE_VERSION#v0.3}) and promtool from the Go module proxy (first time only; ~10 min on 2 cores)"
  local src
  src="$(GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')"
  [ -d "$src" ] || die "go mod download $module failed (is the Go module proxy reachable? GOPROXY=$(go env GOPROXY))"
  (
    cd "$src"
    GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod \
      go build -trimpath -tags remove_all_sd -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${PROMETHEUS_MODULE_VERSION} \
        -X github.com/prometheus/common/version.Branch=module-proxy" \
        -o "$1/bin/" ./cmd/prometheus ./cmd/promtool
  ) >"$1/build.log" 2>&1 || { tail -n 40 "$1/build.log" >&2; die "building $module failed"; }
}
build_into "$dest" build
log "Prometheus ready: $dest/bin"
echo "$dest/bin"
