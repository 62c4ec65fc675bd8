#!/usr/bin/env bash
# Resolves the official Temporal time-skipping test server (io.temporal:temporal-test-server) from
# Maven Central and writes an exec wrapper the TypeScript SDK can spawn as `<wrapper> <port>`.
# Prints the wrapper's path. Idempotent.
source "$(dirname "$0")/common.sh"

if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then echo "$TEMPORAL_TEST_SERVER_PATH"; exit 0; fi
dest="$CACHE_ROOT/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
if [ -x "$dest/bin/temporal-test-server" ]; then echo "$dest/bin/temporal-test-server"; exit 0; fi

need_cmd java "Install Java 17 or later (e.g. 'apt-get install openjdk-17-jre-headless')."
need_cmd mvn "Install Maven (e.g. 'apt-get install maven')."

build() {
  log "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION from Maven Central (first time only; ~1 min)"
  mvn -q -B -f "$REPO_ROOT/scripts/lab/temporal-test-server/pom.xml" \
    -Dtemporal.version="$TEMPORAL_TEST_SERVER_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$1/lib" >&2 \
    || die "Maven could not resolve io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION (is Maven Central reachable?)"
  mkdir -p "$1/bin"
  # The SDK kills the process it spawned, so the wrapper must exec the JVM (no orphan on teardown);
  # C1-only JIT and SerialGC start it in under a second, well inside the SDK's 5 s window.
  cat > "$1/bin/temporal-test-server" <<WRAPPER
#!/bin/sh
# Called by @temporalio/testing as: temporal-test-server <port>
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m -Xmx512m \\
  -cp "$dest/lib/*" io.temporal.testserver.TestServer "\$@"
WRAPPER
  chmod +x "$1/bin/temporal-test-server"
}
build_into "$dest" build
echo "$dest/bin/temporal-test-server"
