/**
 * Where the lab is, for tests, and restarting its Temporal dev server. scripts/test.sh starts the
 * lab and exports these variables; a test run without them fails with a message saying how to start
 * it, and never skips.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

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

/** The lab's state folder (`STATE_DIR`), where its processes keep pid files, logs and target files. */
export function labStateDir(): string {
  return required('STATE_DIR', RUN_HINT);
}

/** Port of the lab's Temporal Web UI. */
export function devServerUiPort(): number {
  return Number(required('TEMPORAL_UI_PORT', RUN_HINT));
}

const execFileAsync = promisify(execFile);
const labScripts = path.resolve(__dirname, '../../scripts/lab');

/**
 * Stops the lab's Temporal dev server and starts it again on the same ports and the same SQLite
 * file (scripts/lab/temporal-down.sh, temporal-up.sh): what it had accepted (histories, timers,
 * task queues) is still there. Needs STATE_DIR, which scripts/test.sh exports. Safe inside the
 * test run because the suites that use the dev server (test/lab) run one at a time and the others
 * never use it: no other suite has a call in flight, and every suite connects (or its clients
 * reconnect) to the same address afterwards. The server is started again even when stopping it
 * failed.
 * @throws Error with the scripts' output when the server does not come back healthy.
 */
export async function restartDevServer(): Promise<void> {
  // Jest's NODE_OPTIONS (--experimental-vm-modules) is for Jest's sandbox, not the scripts.
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const env = {
    ...inherited,
    STATE_DIR: required('STATE_DIR', RUN_HINT),
    TEMPORAL_PORT: devServerAddress().split(':').pop() ?? '',
    TEMPORAL_UI_PORT: String(devServerUiPort()),
  };
  const run = async (script: string): Promise<void> => {
    try {
      await execFileAsync(path.join(labScripts, script), [], { env });
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`${script} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
    }
  };
  try {
    await run('temporal-down.sh');
  } finally {
    await run('temporal-up.sh');
  }
}
