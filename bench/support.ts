/**
 * What the benchmarks share (bench/node-recovery.ts, bench/pods.ts): settings from the environment,
 * the product's processes they start and always stop, the apiserver's request counters, statistics,
 * machine info and Markdown tables.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadLabKubeConfig, sleep } from '../tools/sim';
import { samplesOf } from '../tools/sim/prometheus';

/** The repository root (this file runs from dist/bench/bench/). */
export const REPO = join(__dirname, '..', '..', '..');

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// Processes we start: tracked by pid, always stopped.

const children = new Set<ChildProcess>();

/**
 * The Node flags the product runs the detector with: those of `npm run detector` in package.json
 * (deploy/detector.yaml passes the same), so a benchmark measures the detector as it ships.
 */
export const DETECTOR_NODE_FLAGS: string[] = (() => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts.detector ?? '').split(/\s+/);
  return words.slice(1).filter((w) => w.startsWith('--'));
})();

/** Where a started process `name` logs (stdout and stderr): `<stateDir>/bench-<name>.log`. */
export function processLogPath(stateDir: string, name: string): string {
  return join(stateDir, `bench-${name}.log`);
}

/** Starts `node [flags] <REPO>/<script>` with `env` added, logging to {@link processLogPath}. */
export function startProcess(
  stateDir: string,
  name: string,
  script: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): ChildProcess {
  const logPath = processLogPath(stateDir, name);
  const fd = openSync(logPath, 'a');
  const child = spawn(process.execPath, [...nodeFlags, join(REPO, script)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  log(
    `started ${name} (pid ${child.pid}${nodeFlags.length ? `, ${nodeFlags.join(' ')}` : ''}), log ${logPath}`,
  );
  return child;
}

/** SIGTERM, then SIGKILL after 15 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killed = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}

function killAllSync(): void {
  for (const child of children) if (child.pid !== undefined) child.kill('SIGKILL');
}
process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    killAllSync();
    process.exit(130);
  });

/** VmRSS of a process in MiB, from /proc/<pid>/status. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` every `everyMs` until done; throws after `timeoutSeconds`, logs progress every 30 s. */
export async function waitUntil(
  what: string,
  timeoutSeconds: number,
  check: () => Promise<{ done: boolean; progress: string }>,
  everyMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastLogged = Date.now();
  for (;;) {
    const { done, progress } = await check();
    if (done) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached after ${timeoutSeconds} s (${progress})`);
    if (Date.now() - lastLogged > 30_000) {
      log(`${what}: ${progress}`);
      lastLogged = Date.now();
    }
    await sleep(everyMs);
  }
}

/** Waits until `worker` polls `taskQueue` for workflow tasks. */
export async function waitForWorker(client: Client, taskQueue: string, worker: ChildProcess): Promise<void> {
  await waitUntil(
    'the worker polls its task queue',
    120,
    async () => {
      if (worker.exitCode !== null) throw new Error('the worker exited; see its log');
      const { pollers } = await client.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      });
      return { done: pollers.length > 0, progress: 'no poller yet' };
    },
    500,
  );
}

export async function waitForLog(
  stateDir: string,
  name: string,
  text: string,
  timeoutMs: number,
): Promise<void> {
  const path = processLogPath(stateDir, name);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (readFileSync(path, 'utf8').includes(text)) return;
    await sleep(250);
  }
  throw new Error(`${name} did not log "${text}" within ${timeoutMs} ms; see ${path}`);
}

/** The lab's Temporal address and the environment the product's worker and detector get. */
export function productEnv(options: { taskQueue: string; configName: string; configNamespace: string }): {
  address: string;
  env: Record<string, string>;
} {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:27233';
  return {
    address,
    env: {
      KUBECONFIG: process.env.KUBECONFIG ?? '',
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      SELF_HEALING_CONFIG_NAME: options.configName,
      SELF_HEALING_CONFIG_NAMESPACE: options.configNamespace,
    },
  };
}

/**
 * What every benchmark opens first: the machine's description (logged), the lab's kubeconfig, the
 * environment for the product's processes and a Temporal client. Close `connection` at the end.
 */
export async function openBench(options: Parameters<typeof productEnv>[0]): Promise<{
  info: Machine;
  kc: KubeConfig;
  env: Record<string, string>;
  connection: Connection;
  client: Client;
}> {
  const info = machine();
  log(`machine: ${info.nproc} × ${info.cpuModel}, load ${info.loadAverageAtStart.join(' ')}`);
  const kc = loadLabKubeConfig();
  const { address, env } = productEnv(options);
  const connection = await Connection.connect({ address });
  return { info, kc, env, connection, client: new Client({ connection }) };
}

/** Keeps each phase's numbers in `path` as soon as they exist, in case a later phase fails. */
export function keeper(path: string, initial: Record<string, unknown>): <T>(key: string, value: T) => T {
  const partial = { ...initial };
  return <T>(key: string, value: T): T => {
    partial[key] = value;
    writeFileSync(path, JSON.stringify(partial, null, 2));
    return value;
  };
}

// ---------------------------------------------------------------------------------------------
// Raw HTTPS to the apiserver (metrics, polling-loop replay): counts bytes too.

export async function apiGet(
  kc: KubeConfig,
  path: string,
): Promise<{ status: number; bytes: number; body: string }> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const options: RequestOptions = { hostname: server.hostname, port: server.port, path, method: 'GET' };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const buffer = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: buffer.length, body: buffer.toString('utf8') });
      });
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export type Counts = Map<string, number>;

/** apiserver_request_total summed by `VERB resource[/subresource]` (codes, scopes and components merged). */
export async function scrapeRequests(kc: KubeConfig): Promise<Counts> {
  const { body } = await apiGet(kc, '/metrics');
  const counts: Counts = new Map();
  for (const { labels, value } of samplesOf(body, 'apiserver_request_total')) {
    const key = `${labels.verb} ${labels.resource || '(none)'}${labels.subresource ? `/${labels.subresource}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

export function delta(after: Counts, before: Counts): Counts {
  const out: Counts = new Map();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) out.set(key, d);
  }
  return out;
}

export function sum(counts: Counts, filter: (key: string) => boolean = () => true): number {
  let total = 0;
  for (const [key, value] of counts) if (filter(key)) total += value;
  return total;
}

export function perMinute(counts: Counts, seconds: number): Record<string, number> {
  return Object.fromEntries(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([key, value]) => [key, round((value * 60) / seconds, 2)]),
  );
}

// ---------------------------------------------------------------------------------------------
// Numbers

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? NaN;
}

/** Runs `work` over `items`, `size` at a time. */
export async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** Runs a create call; an AlreadyExists (409) answer is fine. */
export async function createIfAbsent(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// Machine info and Markdown

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: REPO, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  return {
    date: new Date().toISOString(),
    gitCommit: sh('git', ['rev-parse', 'HEAD']),
    nproc: os.availableParallelism(),
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown',
    memoryGiB: round(Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0) / 1024 / 1024),
    kernel: os.release(),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

export type Machine = ReturnType<typeof machine>;

export function table(rows: (string | number | undefined)[][]): string {
  const [head, ...body] = rows;
  const line = (r: (string | number | undefined)[]) =>
    `| ${r.map((c) => (c === undefined ? '—' : String(c))).join(' | ')} |`;
  return [line(head ?? []), `| ${(head ?? []).map(() => '---').join(' | ')} |`, ...body.map(line)].join('\n');
}

/**
 * The entry point of a benchmark: runs `main`, or with `--report` renders `<outDir>/<name>.md` again
 * from `<outDir>/<name>.json`; exits 0, or 1 after logging the error.
 */
export function runBench<R>(
  main: () => Promise<void>,
  outDir: string,
  name: string,
  report: (results: R) => string,
): void {
  const rerender = async () => {
    const results = JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8')) as R;
    writeFileSync(join(outDir, `${name}.md`), report(results));
  };
  (process.argv.includes('--report') ? rerender() : main()).then(
    () => process.exit(0),
    (error: unknown) => {
      log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}

export function verdict(ok: boolean): string {
  return ok ? 'met' : '**not met**';
}
