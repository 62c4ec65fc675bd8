#!/usr/bin/env bash
# Resolves the official Temporal time-skipping test server (io.temporal:temporal-test-server) from
# Maven Central and writes an exec wrapper the TypeScript SDK can spawn as `<wrapper> <port>`.
# Prints the wrapper's path. Idempotent.
#
# The wrapper runs the JVM itself, or, when TEMPORAL_TEST_SERVER_UPSTREAM names a test server that
# was started ahead of time (each suite starts its own: test/support/temporal.ts), a TCP forwarder to
# it: the SDK gives the process it spawns a fixed 5 s to listen, which a JVM on a loaded 2-core
# machine can miss.
source "$(dirname "$0")/common.sh"

if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then echo "$TEMPORAL_TEST_SERVER_PATH"; exit 0; fi
# Keyed by the files the entry is built from too, so a change to any of them rebuilds it.
key="$(cat "$0" "$REPO_ROOT/scripts/lab/tcp-forward.js" "$REPO_ROOT"/scripts/lab/temporal-test-server/* | sha256sum | cut -c1-12)"
dest="$CACHE_ROOT/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION-$key"
if [ -x "$dest/bin/temporal-test-server" ]; then echo "$dest/bin/temporal-test-server"; exit 0; fi

need_cmd java "Install Java 17 or later (e.g. 'apt-get install openjdk-17-jre-headless')."
need_cmd mvn "Install Maven (e.g. 'apt-get install maven')."
need_cmd javac "Install a Java 17+ JDK (e.g. 'apt-get install openjdk-17-jdk-headless')."

build() {
  log "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION from Maven Central (first time only; ~1 min)"
  mvn -q -B -f "$REPO_ROOT/scripts/lab/temporal-test-server/pom.xml" \
    -Dtemporal.version="$TEMPORAL_TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$1/lib" >&2 \
    || die "Maven could not resolve io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION (is Maven Central reachable?)"
  mkdir -p "$1/bin" "$1/classes"
  # Our own main binds the server to 127.0.0.1; the artifact's main listens on every interface.
  javac -nowarn -d "$1/classes" -cp "$1/lib/*" "$REPO_ROOT/scripts/lab/temporal-test-server/LoopbackTestServer.java" >&2 \
    || die "could not compile LoopbackTestServer against temporal-test-server $TEMPORAL_TEST_SERVER_VERSION"
  # The SDK kills the process it spawned, so the wrapper must exec the JVM (no orphan on teardown);
  # C1-only JIT and SerialGC start it in under a second, well inside the SDK's 5 s window.
  cp "$REPO_ROOT/scripts/lab/tcp-forward.js" "$1/bin/tcp-forward.js"
  cat > "$1/bin/temporal-test-server" <<WRAPPER
#!/bin/sh
# Called by @temporalio/testing as: temporal-test-server <port>
if [ -n "\$TEMPORAL_TEST_SERVER_UPSTREAM" ]; then
  exec node "$dest/bin/tcp-forward.js" "\$1" "\$TEMPORAL_TEST_SERVER_UPSTREAM"
fi
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m -Xmx512m \\
  -cp "$dest/classes:$dest/lib/*" LoopbackTestServer "\$1"
WRAPPER
  chmod +x "$1/bin/temporal-test-server"
}
build_into "$dest" build
echo "$dest/bin/temporal-test-server"
