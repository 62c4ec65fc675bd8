#!/usr/bin/env bash
# Regenerates the consumer modules in lab/k8s/tools/{k8s,etcd,kwok} from the pinned versions.
# Run it after bumping K8S_VERSION, ETCD_VERSION or KWOK_VERSION in lab/k8s/versions.sh,
# then commit the resulting go.mod and go.sum files.
#
# Why a consumer module at all: k8s.io/kubernetes requires every staging module at v0.0.0 and
# points it at ./staging with a replace directive. A dependency's replaces are ignored, and
# v0.0.0 does not exist on the proxy, so `go install k8s.io/kubernetes/cmd/...@v1.x` cannot work.
# We replace each staging module with its published v0.<minor>.<patch> tag instead. The list is
# read from the exact go.mod of the pinned release because new staging modules appear in most
# releases (1.36 added cri-streaming and streaming); a hand-copied list would silently rot.
# shellcheck source-path=SCRIPTDIR source=../../scripts/lab/common.sh
source "$(dirname "$0")/../../scripts/lab/common.sh"
# shellcheck source=versions.sh
source "$(dirname "$0")/versions.sh"

need_cmd go "Install Go >= 1.26 (https://go.dev/doc/install)."
export GOTOOLCHAIN=local GOFLAGS=-mod=mod

TOOLS="$REPO_ROOT/lab/k8s/tools"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

fresh_module() {
  # fresh_module <dir> <module path>: starts from an empty go.mod so stale requires never survive.
  rm -f "$1/go.mod" "$1/go.sum"
  (cd "$1" && go mod init "$2" >/dev/null 2>&1 && go mod edit -go=1.26.0)
}

gen_k8s() {
  local dir="$TOOLS/k8s" upstream module count=0
  log "k8s: reading the staging list from k8s.io/kubernetes@$K8S_VERSION"
  fresh_module "$dir" example.invalid/self-healing/lab/k8s-binaries
  upstream="$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$upstream" ] || die "the Go module proxy did not serve k8s.io/kubernetes@$K8S_VERSION"

  # Reproduce upstream GODEBUG defaults; a dependency's godebug line is ignored like its replaces.
  local godebug
  godebug="$(sed -n 's/^godebug[[:space:]]\+\(default=.*\)$/\1/p' "$upstream")"
  [ -z "$godebug" ] || (cd "$dir" && go mod edit -godebug="$godebug")

  while read -r module; do
    (cd "$dir" && go mod edit -replace="$module=$module@$STAGING_VERSION")
    count=$((count + 1))
  done < <(sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#\1#p' "$upstream")
  [ "$count" -gt 0 ] || die "found no './staging' replaces in $upstream; the upstream layout changed"
  log "k8s: replaced $count staging modules with $STAGING_VERSION"

  # `tool` directives keep `go mod tidy` from dropping the dependencies of main packages.
  (cd "$dir" && go get -tool \
      "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" \
    && go mod tidy) || die "resolving k8s.io/kubernetes@$K8S_VERSION failed; a module above is probably not served by $(go env GOPROXY)"
}

gen_etcd() {
  local dir="$TOOLS/etcd"
  log "etcd: go.etcd.io/etcd/server/v3@$ETCD_VERSION"
  fresh_module "$dir" example.invalid/self-healing/lab/etcd-binary
  # server/v3's own go.mod has relative replaces, so it cannot be `go install`ed directly either.
  (cd "$dir" && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && go mod tidy) \
    || die "resolving go.etcd.io/etcd/server/v3@$ETCD_VERSION failed"
}

gen_kwok() {
  local dir="$TOOLS/kwok"
  log "kwok: sigs.k8s.io/kwok@$KWOK_VERSION"
  fresh_module "$dir" example.invalid/self-healing/lab/kwok-binary
  # kwok would `go install` as is; a module of our own pins its go.sum in the repository.
  (cd "$dir" && go get -tool "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" && go mod tidy) \
    || die "resolving sigs.k8s.io/kwok@$KWOK_VERSION failed"
}

targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(k8s etcd kwok)
for t in "${targets[@]}"; do
  case "$t" in
    k8s) gen_k8s ;;
    etcd) gen_etcd ;;
    kwok) gen_kwok ;;
    *) die "unknown target '$t' (expected k8s, etcd or kwok)" ;;
  esac
done
log "done; review and commit lab/k8s/tools/*/go.mod and go.sum"
