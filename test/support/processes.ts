/**
 * The product's own processes for end-to-end tests: the worker and the detector are compiled from
 * the current `src` and run as separate Node processes, exactly as `npm run worker` and
 * `npm run detector` run them. Their output goes to files, so a test that fails can show what the
 * processes said, and every process started here is stopped by {@link stopAllProductProcesses} (or,
 * as a last resort, killed when the test process exits): no orphans.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { sleep } from '../../tools/sim';

const repoRoot = path.resolve(__dirname, '../..');

/** The entrypoints a test may start, relative to the build's output folder. */
export const Entrypoints = {
  worker: 'worker/main.js',
  detector: 'starter/detector-main.js',
} as const;
export type Entrypoint = keyof typeof Entrypoints;

/**
 * Compiles `src` with the build tsconfig into a folder of this run's own, under
 * `node_modules/.cache` so that the compiled files resolve the repository's node_modules. A private
 * folder, because `dist` may be stale or rebuilt by someone else while the test runs.
 * @returns the output folder; remove it with {@link removeBuild}.
 * @throws Error with the compiler's output when `src` does not compile.
 */
export function buildProduct(runId: string): string {
  // scripts/test.sh compiles once for every suite of its run (the sources do not change meanwhile).
  const shared = process.env.SELF_HEALING_PRODUCT_BUILD;
  if (shared) return shared;
  const outDir = path.join(repoRoot, 'node_modules/.cache/self-healing-e2e', runId);
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: repoRoot,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npx tsc -p tsconfig.build.json failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  return outDir;
}

/** Removes a folder made by {@link buildProduct} (not the run's shared one). */
export function removeBuild(outDir: string): void {
  if (outDir === process.env.SELF_HEALING_PRODUCT_BUILD) return; // the run's, removed by scripts/test.sh
  rmSync(outDir, { recursive: true, force: true });
}

/** A running worker or detector. */
export interface ProductProcess {
  /** e.g. `worker-1`; also the name of its log file. */
  readonly name: string;
  readonly pid: number;
  /** stdout and stderr, interleaved. */
  readonly logPath: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** The last `lines` lines of its output. */
  tail(lines?: number): string;
  /**
   * Waits until its output contains `pattern`.
   * @throws Error with the output's tail when the process exits first or `timeoutMs` passes.
   */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /**
   * Sends `signal` and waits for the exit; SIGTERM escalates to SIGKILL after `graceMs`.
   * @default signal 'SIGTERM', graceMs 25 000 (above the worker's shutdownGraceTime)
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

// Last resort when the test process ends without afterAll (a crash, a forced exit).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface StartOptions {
  /** Folder from {@link buildProduct}. */
  buildDir: string;
  entrypoint: Entrypoint;
  /** Distinguishes processes of the same kind, e.g. `worker-2`. */
  name: string;
  /** Where the log file goes. */
  logDir: string;
  /** Added to (and overriding) the test process's environment. */
  env: Record<string, string>;
}

/** Starts a product process with `node <buildDir>/<entrypoint>`. */
export function startProductProcess(options: StartOptions): ProductProcess {
  mkdirSync(options.logDir, { recursive: true });
  const logPath = path.join(options.logDir, `${options.name}.log`);
  const fd = openSync(logPath, 'a');
  // Jest's own NODE_OPTIONS (--experimental-vm-modules) is for Jest's sandbox, not the product.
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const child = spawn(process.execPath, [path.join(options.buildDir, Entrypoints[options.entrypoint])], {
    cwd: repoRoot,
    // No metrics endpoints unless the test asks (ports fixed by default would clash between processes).
    env: { METRICS_PORT: '0', TEMPORAL_METRICS_PORT: '0', ...inherited, ...options.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      running.delete(child);
      resolve({ code, signal });
    };
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
    else child.once('exit', done);
  });
  const read = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const tail = (lines = 40): string =>
    read()
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  const alive = (): boolean => running.has(child);
  const pid = child.pid;

  return {
    name: options.name,
    pid,
    logPath,
    exited,
    alive,
    tail,
    async waitForOutput(pattern, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(read())) {
        if (!alive()) throw new Error(`${options.name} exited before printing ${pattern}:\n${tail()}`);
        if (Date.now() > deadline)
          throw new Error(`${options.name} did not print ${pattern} within ${timeoutMs} ms:\n${tail()}`);
        await sleep(200);
      }
    },
    async stop(signal = 'SIGTERM', graceMs = 25_000) {
      if (!alive()) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Stops every process started by {@link startProductProcess} that still runs. */
export async function stopAllProductProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 25_000).unref();
        }),
    ),
  );
}

/** The identity a worker process polls with: the SDK's default, `<pid>@<hostname>`. */
export function workerIdentity(pid: number): string {
  return `${pid}@${hostname()}`;
}

/**
 * Waits until the worker process `pid` polls `taskQueue` for workflow tasks (it bundles the
 * workflows first, which takes a while on a busy machine).
 */
export async function waitForWorkerPolling(
  client: Client,
  taskQueue: string,
  worker: ProductProcess,
  timeoutMs = 120_000,
): Promise<void> {
  const identity = workerIdentity(worker.pid);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if (pollers.some((p) => p.identity === identity)) return;
    if (!worker.alive())
      throw new Error(`${worker.name} exited before polling ${taskQueue}:\n${worker.tail()}`);
    if (Date.now() > deadline)
      throw new Error(`${worker.name} did not poll ${taskQueue} within ${timeoutMs} ms:\n${worker.tail()}`);
    await sleep(500);
  }
}
