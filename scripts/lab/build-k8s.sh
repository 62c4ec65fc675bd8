#!/usr/bin/env bash
# Builds the simulated cluster's binaries (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, etcd, kwok) from the Go module proxy and prints the directory that holds them.
#
# Idempotent: each piece is cached under $CACHE_ROOT/k8s keyed by its version and a hash of its
# committed go.mod/go.sum and build flags, so a second run only prints the path. A build goes to a
# temporary folder and is moved into place only when it succeeded.
#
# KUBE_BIN_DIR=/some/dir skips building and uses your own binaries (all six names must be there).
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
# shellcheck source=../../lab/k8s/versions.sh
source "$(dirname "$0")/../../lab/k8s/versions.sh"

TOOLS="$REPO_ROOT/lab/k8s/tools"
K8S_CACHE="$CACHE_ROOT/k8s"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubectl etcd kwok)

if [ -n "${KUBE_BIN_DIR:-}" ]; then
  for b in "${BINARIES[@]}"; do
    [ -x "$KUBE_BIN_DIR/$b" ] || die "KUBE_BIN_DIR=$KUBE_BIN_DIR has no executable '$b'"
  done
  echo "$KUBE_BIN_DIR"
  exit 0
fi

# Compile-affecting flags are part of the cache key; the version -X flags only touch the link.
# grpcnotrace drops x/net/trace from grpc, as upstream release builds do.
K8S_TAGS="selinux,notest,grpcnotrace"
GO_FLAGS=(-trimpath -pgo=off)

key_of() {
  # key_of <tool dir>: what must change for a cached build to be stale.
  cat "$1/go.mod" "$1/go.sum" <(printf '%s\n' "${GO_FLAGS[*]}" "$K8S_TAGS" "$(go env GOVERSION 2>/dev/null || true)") \
    | sha256sum | cut -c1-12
}

check_pinned() {
  # check_pinned <tool dir> <module> <version>: the committed go.mod must match lab/k8s/versions.sh.
  grep -Eq "^[[:space:]]*$2 $3( |$)" "$1/go.mod" \
    || die "$1/go.mod does not require $2 $3 (lab/k8s/versions.sh pins it); run lab/k8s/gen-k8s-gomod.sh and commit the result"
}

run_go() {
  # run_go <label> <tool dir> <go args...>: runs go with a progress line per minute and turns
  # the usual failures into messages that say what to do.
  local label="$1" dir="$2" out start pid n
  shift 2
  out="$(mktemp)"
  start=$SECONDS
  (cd "$dir" && go "$@" >"$out" 2>&1) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if [ $(((SECONDS - start) % 60)) -lt 5 ] && [ $((SECONDS - start)) -ge 60 ]; then
      n="$(grep -vc '^go: ' "$out" || true)"
      log "$label: $(((SECONDS - start) / 60)) min, $n packages compiled so far"
    fi
  done
  if ! wait "$pid"; then
    if grep -Eq 'not found|404|410|unrecognized import path|no matching versions|verifying module|missing go.sum entry|lookup disabled|reading https?://|dial tcp|i/o timeout' "$out"; then
      log "$label: a module could not be fetched. The lines naming it:"
      grep -E '@v|go: downloading|not found|404|410|missing go.sum|lookup disabled' "$out" | tail -20 >&2
      rm -f "$out"
      die "$label: the Go module proxy ($(go env GOPROXY)) did not serve a module listed above; try a neighbouring patch release in lab/k8s/versions.sh and rerun lab/k8s/gen-k8s-gomod.sh"
    fi
    tail -40 "$out" >&2
    rm -f "$out"
    die "$label: go $1 failed (compile error above)"
  fi
  rm -f "$out"
  log "$label: done in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
}

version_ldflags() {
  # Without these the binaries report v0.0.0-master+$Format:%H$ as their version.
  local v="$K8S_VERSION" minor p flags="-s -w"
  minor="${v#v1.}"
  minor="${minor%%.*}"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    flags+=" -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  printf '%s' "$flags"
}

build_k8s() {
  chmod 755 "$1"
  log "k8s $K8S_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (first time ~10 min on 2 cores, plus ~2 min of module download)"
  run_go "k8s download" "$TOOLS/k8s" list -deps -f '{{if .Module}}{{.Module.Path}}{{end}}' \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  # One go build for all four shares the compile of their common packages.
  run_go "k8s compile" "$TOOLS/k8s" build -v "${GO_FLAGS[@]}" -tags "$K8S_TAGS" -ldflags "$(version_ldflags)" -o "$1/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl
  "$1/kube-apiserver" --version | grep -q "$K8S_VERSION" || die "kube-apiserver --version does not report $K8S_VERSION"
}

build_etcd() {
  chmod 755 "$1"
  log "etcd $ETCD_VERSION: building (first time ~1 min)"
  # The main package is the module root, so without -o the binary would be called "v3".
  run_go "etcd" "$TOOLS/etcd" build -v "${GO_FLAGS[@]}" -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  chmod 755 "$1"
  log "kwok $KWOK_VERSION: building (first time ~2 min)"
  run_go "kwok" "$TOOLS/kwok" build -v "${GO_FLAGS[@]}" -ldflags "-s -w" -o "$1/kwok" sigs.k8s.io/kwok/cmd/kwok
}

need_cmd go "Install Go >= 1.26 (https://go.dev/doc/install); the binaries are built from the Go module proxy."
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=readonly

check_pinned "$TOOLS/k8s" k8s.io/kubernetes "$K8S_VERSION"
check_pinned "$TOOLS/etcd" go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
check_pinned "$TOOLS/kwok" sigs.k8s.io/kwok "$KWOK_VERSION"

k8s_dir="$K8S_CACHE/k8s-$K8S_VERSION-$(key_of "$TOOLS/k8s")"
etcd_dir="$K8S_CACHE/etcd-$ETCD_VERSION-$(key_of "$TOOLS/etcd")"
kwok_dir="$K8S_CACHE/kwok-$KWOK_VERSION-$(key_of "$TOOLS/kwok")"
[ -x "$k8s_dir/kube-apiserver" ] || build_into "$k8s_dir" build_k8s
[ -x "$etcd_dir/etcd" ] || build_into "$etcd_dir" build_etcd
[ -x "$kwok_dir/kwok" ] || build_into "$kwok_dir" build_kwok

# One folder of symlinks so callers get a single path, while each piece keeps its own key and
# bumping one version rebuilds only that piece.
bin_dir="$K8S_CACHE/bin-$(printf '%s\n' "$k8s_dir" "$etcd_dir" "$kwok_dir" | sha256sum | cut -c1-12)"
if [ ! -x "$bin_dir/kwok" ]; then
  link_all() {
    chmod 755 "$1"
    local b
    for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do ln -s "$k8s_dir/$b" "$1/$b"; done
    ln -s "$etcd_dir/etcd" "$1/etcd"
    ln -s "$kwok_dir/kwok" "$1/kwok"
  }
  build_into "$bin_dir" link_all
fi
echo "$bin_dir"
