import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createServer, connect } from 'node:net';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { registerSearchAttributes } from '../../src/starter/register-search-attributes';
import { testServerPath } from './lab';

/** The JVM behind each suite's environment, stopped by {@link teardownTimeSkippingEnv}. */
const servers = new WeakMap<TestWorkflowEnvironment, ChildProcess>();

/**
 * The time-skipping environment of one suite, on a test server of its own, always from the binary
 * the lab built (the SDK's default would download it from the web, which this project never does).
 *
 * Time is global per test server and its skipping is locked while anything on it is in flight, so a
 * server shared by suites carries one suite's leftovers into the next (a fresh-clone CI run lost 20
 * minutes to a node suite whose time never skipped after the workload suite). Each suite therefore
 * starts its own JVM, waiting as long as it takes to listen; the SDK then spawns the wrapper as a
 * TCP forwarder to it, which listens within its fixed 5 s start-up window even on a loaded machine.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const wrapper = testServerPath();
  const port = await freePort();
  const jvm = spawn(wrapper, [String(port)], {
    env: { ...process.env, TEMPORAL_TEST_SERVER_UPSTREAM: '' },
    stdio: 'ignore',
  });
  const stop = () => jvm.kill('SIGKILL');
  process.once('exit', stop);
  try {
    await waitForListen(port, jvm, 120_000);
    process.env.TEMPORAL_TEST_SERVER_UPSTREAM = `127.0.0.1:${port}`;
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: wrapper } },
    });
    servers.set(env, jvm);
    await registerSearchAttributes(env.connection, env.namespace ?? 'default');
    return env;
  } catch (error) {
    stop();
    throw error;
  }
}

/** Tears the environment down and stops its test server. */
export async function teardownTimeSkippingEnv(env: TestWorkflowEnvironment | undefined): Promise<void> {
  if (!env) return;
  await env.teardown();
  servers.get(env)?.kill('SIGKILL');
}

/** Bundles workflow code once per suite, without webpack's INFO chatter. */
export function bundleWorkflows(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitForListen(port: number, jvm: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (jvm.exitCode !== null || jvm.signalCode !== null)
      throw new Error(
        `the time-skipping test server exited (${jvm.exitCode ?? jvm.signalCode}) before listening`,
      );
    if (await listening(port)) return;
    if (Date.now() > deadline)
      throw new Error(
        `the time-skipping test server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
