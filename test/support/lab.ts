/**
 * Where the lab is, for tests. scripts/test.sh starts the lab and exports these variables; a test
 * run without them fails with a message saying how to start it, and never skips.
 */
import { existsSync } from 'node:fs';

function required(name: string, hint: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: ${hint}`);
  return value;
}

const RUN_HINT = 'run the suites with `make test` (it builds and starts the lab), or export it yourself';

/** Path to the time-skipping test server wrapper built by `make lab-build`. */
export function testServerPath(): string {
  const path = required('TEMPORAL_TEST_SERVER_PATH', RUN_HINT);
  if (!existsSync(path))
    throw new Error(`TEMPORAL_TEST_SERVER_PATH=${path} does not exist: run \`make lab-build\``);
  return path;
}

/** Address of the lab's Temporal dev server. */
export function devServerAddress(): string {
  return required('TEMPORAL_ADDRESS', RUN_HINT);
}

/** Port of the lab's Temporal Web UI. */
export function devServerUiPort(): number {
  return Number(required('TEMPORAL_UI_PORT', RUN_HINT));
}
