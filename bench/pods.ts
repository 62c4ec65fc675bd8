/**
 * `npm run bench:pods` (bench/pods.sh starts a lab of its own and runs this): workload recovery at
 * scale on the simulated cluster.
 *
 * 1. Storm: 20 Deployments × 50 replicas on `registry.lab/shop/web:1.0`, all Ready; then all 20 and
 *    a 21st, opted out (`self-healing.temporal.io/exclude=true`), are rolled to
 *    `registry.lab/shop/web:1.1` (panics: a crash loop) at once. The product's worker and detector run
 *    as processes (built from src) with short windows. Measured: rule firing → recovery started per
 *    workload (from the detector's log), recoveries started (Temporal visibility and the detector's
 *    log), bad rollout → rolled back and every replica available (MTTR), the opted-out Deployment's
 *    state at the moment the last recovered one is Ready, apiserver requests during the storm.
 * 2. Memory: the same detector process's RSS with 1,500 and then 15,000 pods in the cluster
 *    (Deployments of the pause image pinned to nodes with `spec.nodeName`, Running and Ready).
 *
 * Writes docs/benchmarks/pods.json (raw numbers) and pods.md. Every process it starts is stopped by
 * pid before it exits; the lab is stopped by the shell wrapper's trap.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, V1Deployment } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { WorkloadRecoveryResult } from '../src/domain';
import { registerSearchAttributes } from '../src/starter/register-search-attributes';
import { workloadRecoveryWorkflowId } from '../src/workflows/ids';
import { sleep } from '../tools/sim';
import type { Counts, Machine } from './support';
import {
  DETECTOR_NODE_FLAGS,
  REPO,
  createIfAbsent,
  delta,
  envNumber,
  inPool,
  keeper,
  log,
  percentile,
  processLogPath,
  openBench,
  round,
  runBench,
  rssMb,
  scrapeRequests,
  startProcess,
  stopProcess,
  sum,
  table,
  verdict,
  waitForLog,
  waitForWorker,
  waitUntil,
} from './support';

// ---------------------------------------------------------------------------------------------
// Settings

const settings = {
  workloads: envNumber('BENCH_WORKLOADS', 20),
  replicas: envNumber('BENCH_REPLICAS', 50),
  memoryAt: (process.env.BENCH_MEMORY_AT ?? '1500,15000').split(',').map(Number),
  readyTimeoutSeconds: envNumber('BENCH_READY_TIMEOUT', 900),
  mttrTimeoutSeconds: envNumber('BENCH_MTTR_TIMEOUT', 900),
  scaleTimeoutSeconds: envNumber('BENCH_SCALE_TIMEOUT', 1200),
  baselineSeconds: envNumber('BENCH_BASELINE_SECONDS', 60),
  nodes: Number(process.env.K8S_NODES ?? 160),
  outDir: process.env.BENCH_OUT_DIR ?? join(REPO, 'docs', 'benchmarks'),
  stateDir: process.env.STATE_DIR ?? join(REPO, '.lab-bench-pods'),
};
/** The product's config for the run: short windows, and room for every recovery to act at once. */
const CONFIG: Record<string, string> = {
  'workload.confirmation_window': '5',
  'workload.stable_window': '10',
  'workload.max_concurrent': String(Math.max(25, settings.workloads)),
};
const NS = 'shop';
const FILLER_NS = 'bench-filler';
const CONFIG_NS = 'self-healing';
const CONFIG_NAME = 'self-healing-config';
const TASK_QUEUE = 'self-healing';
const OPT_OUT = 'self-healing.temporal.io/exclude';
const GOOD = 'registry.lab/shop/web:1.0';
const CRASHING = 'registry.lab/shop/web:1.1';
const FILLER_IMAGE = 'registry.k8s.io/pause:3.10';
const EXCLUDED = 'web-excluded';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

const webName = (i: number) => `web-${String(i).padStart(2, '0')}`;
const webNames = () => Array.from({ length: settings.workloads }, (_, i) => webName(i + 1));

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
/** Kubernetes requests this script sends while the storm is measured (they are in the apiserver's counts). */
let ownRequests = 0;

// ---------------------------------------------------------------------------------------------
// Set-up

async function createWeb(name: string, optedOut: boolean): Promise<void> {
  const labels: Record<string, string> = { app: name, ...(optedOut ? { [OPT_OUT]: 'true' } : {}) };
  await createIfAbsent(() =>
    apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name, namespace: NS, labels },
        spec: {
          replicas: settings.replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'app', image: GOOD }], terminationGracePeriodSeconds: 0 },
          },
          // A bad rollout replaces every pod at once, so all 50 crash-loop (the default 25 % / 25 %
          // would stop at 25 new pods beside 38 old ones).
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '100%' } },
        },
      },
    }),
  );
}

function rolledOut(d: V1Deployment, image: string): boolean {
  const s = d.status;
  const want = d.spec?.replicas ?? 0;
  return (
    d.spec?.template.spec?.containers[0]?.image === image &&
    (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    s?.updatedReplicas === want &&
    s.readyReplicas === want &&
    s.availableReplicas === want &&
    (s.replicas ?? 0) === want
  );
}

async function setUpWorkloads(): Promise<{ seconds: number; pods: number }> {
  for (const name of [NS, FILLER_NS, CONFIG_NS])
    await createIfAbsent(() => core.createNamespace({ body: { metadata: { name } } }));
  await createIfAbsent(() =>
    core.createNamespacedConfigMap({
      namespace: CONFIG_NS,
      body: { metadata: { name: CONFIG_NAME, namespace: CONFIG_NS }, data: CONFIG },
    }),
  );
  const started = Date.now();
  log(`creating ${settings.workloads} + 1 Deployments × ${settings.replicas} replicas of ${GOOD}`);
  await inPool([...webNames(), EXCLUDED], 5, (name) => createWeb(name, name === EXCLUDED));
  const want = (settings.workloads + 1) * settings.replicas;
  await waitUntil(`${want} pods Ready`, settings.readyTimeoutSeconds, async () => {
    const list = await apps.listNamespacedDeployment({ namespace: NS });
    const ready = list.items.reduce((n, d) => n + (d.status?.readyReplicas ?? 0), 0);
    return {
      done: ready >= want && list.items.every((d) => rolledOut(d, GOOD)),
      progress: `${ready}/${want}`,
    };
  });
  const seconds = round((Date.now() - started) / 1000);
  log(`${want} pods Ready after ${seconds} s`);
  return { seconds, pods: want };
}

// ---------------------------------------------------------------------------------------------
// Detector log

interface LogLine {
  time: string;
  message: string;
  workload?: string;
  pod?: string;
  [key: string]: unknown;
}

function detectorLog(name: string, since: number): LogLine[] {
  return readFileSync(processLogPath(settings.stateDir, name), 'utf8')
    .split('\n')
    .flatMap((line): LogLine[] => {
      if (!line.startsWith('{')) return [];
      try {
        const parsed = JSON.parse(line) as LogLine;
        return Date.parse(parsed.time) >= since ? [parsed] : [];
      } catch {
        return [];
      }
    });
}

// ---------------------------------------------------------------------------------------------
// 1. Storm

interface WorkloadRun {
  name: string;
  /** Bad rollout patched (epoch ms). */
  patchedAt: number;
  /** The detector confirmed this workload's first failing pod: the rule fired (detector log). */
  firedAt?: number;
  /** `workload recovery started` logged by the detector (its start call resolved). */
  startedAt?: number;
  /** firedAt → startedAt. */
  overheadMs?: number;
  /** The Deployment's template is the good image again. */
  rolledBackAt?: number;
  /** Rolled back and every replica updated, Ready and available, no old pod left. */
  readyAt?: number;
  mttrSeconds?: number;
  outcome?: string;
  strategy?: string;
  /** Seconds from scheduled to closed of each activity's first run (from the workflow history). */
  activities?: Record<string, number>;
}

interface ExcludedState {
  atSeconds: number;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  updatedReplicas: number;
  unavailableReplicas: number;
  image: string | undefined;
  progressing: string | undefined;
  pods: number;
  podsReady: number;
  podsCrashLooping: number;
  restartsTotal: number;
  restartsMax: number;
  detectorSuppressions: number;
  recoveryStarted: boolean;
}

interface StormResult {
  workloads: number;
  replicas: number;
  pods: number;
  config: Record<string, string>;
  runs: WorkloadRun[];
  overheadMs: { p50: number; p95: number; p99: number; max: number; min: number; count: number };
  patchToFiredSeconds: { p50: number; max: number };
  patchToStartedSeconds: { p50: number; max: number };
  patchToRolledBackSeconds: { p50: number; max: number };
  mttrSeconds: { p50: number; p99: number; max: number; min: number; recovered: number };
  recoveriesStarted: {
    temporalWorkflows: number;
    temporalWorkflowIds: string[];
    detectorStartLines: number;
    detectorDistinctWorkloads: number;
    startFailures: number;
  };
  excluded: ExcludedState;
  requests: {
    baseline: { seconds: number; total: number; perMin: number; rows: Record<string, number> };
    toLastReady: { seconds: number; total: number; rows: Record<string, number> };
    toAllCompleted: { seconds: number; total: number; rows: Record<string, number> };
    benchOwnToLastReady: number;
  };
  detectorRssMbDuringStorm: number[];
}

function countsObject(counts: Counts): Record<string, number> {
  return Object.fromEntries(
    [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, round(v, 0)]),
  );
}

async function excludedState(t0: number, detector: string): Promise<ExcludedState> {
  const d = await apps.readNamespacedDeployment({ name: EXCLUDED, namespace: NS });
  const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `app=${EXCLUDED}` });
  ownRequests += 2;
  const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
  const restarts = live.map((p) =>
    (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
  );
  const crashLooping = live.filter((p) =>
    (p.status?.containerStatuses ?? []).some((c) => c.state?.waiting?.reason === 'CrashLoopBackOff'),
  ).length;
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  const lines = detectorLog(detector, t0);
  return {
    atSeconds: round((Date.now() - t0) / 1000),
    replicas: d.status?.replicas ?? 0,
    readyReplicas: d.status?.readyReplicas ?? 0,
    availableReplicas: d.status?.availableReplicas ?? 0,
    updatedReplicas: d.status?.updatedReplicas ?? 0,
    unavailableReplicas: d.status?.unavailableReplicas ?? 0,
    image: d.spec?.template.spec?.containers[0]?.image,
    progressing: progressing ? `${progressing.status} ${progressing.reason ?? ''}`.trim() : undefined,
    pods: live.length,
    podsReady: live.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length,
    podsCrashLooping: crashLooping,
    restartsTotal: restarts.reduce((a, b) => a + b, 0),
    restartsMax: restarts.length ? Math.max(...restarts) : 0,
    detectorSuppressions: lines.filter(
      (l) => l.message === 'finding suppressed' && l.workload === `Deployment/${NS}/${EXCLUDED}`,
    ).length,
    recoveryStarted: lines.some(
      (l) => l.message === 'workload recovery started' && l.workload === `Deployment/${NS}/${EXCLUDED}`,
    ),
  };
}

function stats(values: number[]) {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : NaN,
    min: values.length ? Math.min(...values) : NaN,
  };
}

type LongLike = number | { toNumber(): number } | null | undefined;
const num = (v: LongLike): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber());

/**
 * Seconds from scheduled to closed of each activity's first run in a workflow's history (diagnosis,
 * budget permit, health read, remediation, rollout wait...), in the order they were scheduled.
 */
async function activityTimes(client: Client, workflowId: string): Promise<Record<string, number>> {
  const { EventType } = temporal.api.enums.v1;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<number, { name: string; at: number }>();
  const out: Record<string, number> = {};
  for (const e of history.events ?? []) {
    const at = num(e.eventTime?.seconds) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const name = e.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      scheduled.set(num(e.eventId), { name, at });
      continue;
    }
    const closed =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes;
    const from = closed ? scheduled.get(num(closed.scheduledEventId)) : undefined;
    if (from && !(from.name in out)) out[from.name] = round((at - from.at) / 1000);
  }
  return out;
}

async function storm(client: Client, detector: ChildProcess, detectorName: string): Promise<StormResult> {
  log(`baseline: ${settings.baselineSeconds} s with the worker and detector idle`);
  const b0 = await scrapeRequests(kc);
  const b0At = Date.now();
  await sleep(settings.baselineSeconds * 1000);
  const baseline = delta(await scrapeRequests(kc), b0);
  const baselineSeconds = (Date.now() - b0At) / 1000;

  const names = webNames();
  const runs = new Map<string, WorkloadRun>();
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const value = rssMb(detector.pid);
    if (value !== undefined) rss.push(round(value));
  }, 5_000);
  ownRequests = 0;
  const s0 = await scrapeRequests(kc);
  const t0 = Date.now();
  log(`bad rollout: ${names.length} + 1 Deployments → ${CRASHING}`);
  await Promise.all(
    [...names, EXCLUDED].map(async (name) => {
      const patchedAt = Date.now();
      await apps.patchNamespacedDeployment(
        {
          name,
          namespace: NS,
          body: { spec: { template: { spec: { containers: [{ name: 'app', image: CRASHING }] } } } },
        },
        strategicMerge,
      );
      ownRequests += 1;
      if (name !== EXCLUDED) runs.set(name, { name, patchedAt });
    }),
  );
  try {
    const deadline = t0 + settings.mttrTimeoutSeconds * 1000;
    let lastLogged = Date.now();
    for (;;) {
      const list = await apps.listNamespacedDeployment({ namespace: NS });
      ownRequests += 1;
      const now = Date.now();
      for (const d of list.items) {
        const run = runs.get(d.metadata?.name ?? '');
        if (!run) continue;
        if (run.rolledBackAt === undefined && d.spec?.template.spec?.containers[0]?.image === GOOD)
          run.rolledBackAt = now;
        if (run.readyAt === undefined && run.rolledBackAt !== undefined && rolledOut(d, GOOD)) {
          run.readyAt = now;
          run.mttrSeconds = round((now - run.patchedAt) / 1000);
        }
      }
      const ready = [...runs.values()].filter((r) => r.readyAt !== undefined).length;
      if (ready === runs.size) break;
      if (now > deadline) {
        log(`storm: only ${ready}/${runs.size} workloads recovered after ${settings.mttrTimeoutSeconds} s`);
        break;
      }
      if (now - lastLogged > 30_000) {
        const rolledBack = [...runs.values()].filter((r) => r.rolledBackAt !== undefined).length;
        log(`storm: ${rolledBack}/${runs.size} rolled back, ${ready}/${runs.size} Ready again`);
        lastLogged = now;
      }
      await sleep(1_000);
    }
    const s1 = await scrapeRequests(kc);
    const t1 = Date.now();
    const ownToLastReady = ownRequests;
    const excluded = await excludedState(t0, detectorName);
    log(
      `last recovered workload Ready after ${round((t1 - t0) / 1000)} s; ${EXCLUDED}: ${excluded.readyReplicas}/${excluded.replicas} ready, ${excluded.podsCrashLooping} pods crash-looping, ${excluded.restartsTotal} restarts`,
    );

    // Every recovery to its end (verification includes workload.stable_window).
    await Promise.all(
      names.map(async (name) => {
        const run = runs.get(name);
        if (!run) return;
        const handle = client.workflow.getHandle(
          workloadRecoveryWorkflowId({ kind: 'Deployment', namespace: NS, name }),
        );
        const result = await Promise.race([
          handle.result().then(
            (r) => r as WorkloadRecoveryResult,
            (e: unknown) => ({ outcome: `failed: ${String(e).slice(0, 200)}`, strategy: undefined }),
          ),
          sleep(300_000).then(() => ({ outcome: 'still running after 300 s', strategy: undefined })),
        ]);
        run.outcome = result.outcome;
        run.strategy = result.strategy;
        run.activities = await activityTimes(client, handle.workflowId).catch(() => undefined);
      }),
    );
    const s2 = await scrapeRequests(kc);
    const t2 = Date.now();

    // The detector's log: rule firing (first confirmed pod of each workload) and start.
    const lines = detectorLog(detectorName, t0);
    for (const run of runs.values()) {
      const workload = `Deployment/${NS}/${run.name}`;
      const fired = lines.find((l) => l.message === 'pod failure confirmed' && l.workload === workload);
      const started = lines.find((l) => l.message === 'workload recovery started' && l.workload === workload);
      if (fired) run.firedAt = Date.parse(fired.time);
      if (started) run.startedAt = Date.parse(started.time);
      if (run.firedAt !== undefined && run.startedAt !== undefined)
        run.overheadMs = run.startedAt - run.firedAt;
    }
    const startLines = lines.filter((l) => l.message === 'workload recovery started');
    // Temporal's visibility store is eventually consistent: give it a moment.
    await sleep(3_000);
    const query = `SelfHealingKind = 'workload' AND TaskQueue = '${TASK_QUEUE}'`;
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    const { count } = await client.workflow.count(query);

    const all = [...runs.values()];
    const overhead = all.flatMap((r) => (r.overheadMs === undefined ? [] : [r.overheadMs]));
    const mttr = all.flatMap((r) => (r.mttrSeconds === undefined ? [] : [r.mttrSeconds]));
    const secondsFrom = (pick: (r: WorkloadRun) => number | undefined) => {
      const values = all.flatMap((r) => {
        const at = pick(r);
        return at === undefined ? [] : [round((at - r.patchedAt) / 1000)];
      });
      return { p50: percentile(values, 50), max: values.length ? Math.max(...values) : NaN };
    };
    return {
      workloads: settings.workloads,
      replicas: settings.replicas,
      pods: settings.workloads * settings.replicas,
      config: CONFIG,
      runs: all,
      overheadMs: { ...stats(overhead), count: overhead.length },
      patchToFiredSeconds: secondsFrom((r) => r.firedAt),
      patchToStartedSeconds: secondsFrom((r) => r.startedAt),
      patchToRolledBackSeconds: secondsFrom((r) => r.rolledBackAt),
      mttrSeconds: {
        p50: percentile(mttr, 50),
        p99: percentile(mttr, 99),
        max: mttr.length ? Math.max(...mttr) : NaN,
        min: mttr.length ? Math.min(...mttr) : NaN,
        recovered: mttr.length,
      },
      recoveriesStarted: {
        temporalWorkflows: count,
        temporalWorkflowIds: ids.sort(),
        detectorStartLines: startLines.length,
        detectorDistinctWorkloads: new Set(startLines.map((l) => l.workload)).size,
        startFailures: lines.filter((l) => /could not start|start failed/.test(l.message)).length,
      },
      excluded,
      requests: {
        baseline: {
          seconds: round(baselineSeconds),
          total: round(sum(baseline), 0),
          perMin: round((sum(baseline) * 60) / baselineSeconds),
          rows: countsObject(baseline),
        },
        toLastReady: {
          seconds: round((t1 - t0) / 1000),
          total: round(sum(delta(s1, s0)), 0),
          rows: countsObject(delta(s1, s0)),
        },
        toAllCompleted: {
          seconds: round((t2 - t0) / 1000),
          total: round(sum(delta(s2, s0)), 0),
          rows: countsObject(delta(s2, s0)),
        },
        benchOwnToLastReady: ownToLastReady,
      },
      detectorRssMbDuringStorm: rss,
    };
  } finally {
    clearInterval(sampler);
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Detector memory at 1,500 and 15,000 pods

interface MemoryPoint {
  targetPods: number;
  /** Pods in the cluster (all namespaces) when sampled, and how many of them were Running. */
  podsInCluster: number;
  podsRunning: number;
  fillSeconds: number;
  rssMb: { median: number; max: number; last: number; samples: number[] };
  rssAnonMb: number | undefined;
  rssFileMb: number | undefined;
  /** The long-running detector's V8 heap after the RSS samples (a Node diagnostic report). */
  heap: HeapFigures | undefined;
  /** A second detector started at this pod count. */
  fresh: { rssMb: ReturnType<typeof rssFigures>; heap: HeapFigures | undefined };
}

function procStatusMb(pid: number | undefined, field: string): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** Pods in the cluster by phase, counted from a metadata-light paged list. */
async function countPods(): Promise<{ total: number; running: number }> {
  let total = 0;
  let running = 0;
  let cont: string | undefined;
  do {
    const page = await core.listPodForAllNamespaces({ limit: 2000, _continue: cont });
    for (const p of page.items) {
      total += 1;
      if (p.status?.phase === 'Running') running += 1;
    }
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return { total, running };
}

async function nodeNames(): Promise<string[]> {
  const nodes = await core.listNode({ labelSelector: 'sim.self-healing.dev/managed=true' });
  return nodes.items.map((n) => n.metadata?.name ?? '').filter(Boolean);
}

/** Filler Deployments, one per node, pinned there by `spec.nodeName` (no scheduling): replicas `counts[i]`. */
async function setFiller(nodes: string[], counts: number[]): Promise<void> {
  await inPool(
    nodes.map((node, i) => ({ node, replicas: counts[i] ?? 0 })),
    8,
    async ({ node, replicas }) => {
      const name = `filler-${node}`;
      try {
        await apps.patchNamespacedDeployment(
          { name, namespace: FILLER_NS, body: { spec: { replicas } } },
          mergePatch,
        );
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
        await apps.createNamespacedDeployment({
          namespace: FILLER_NS,
          body: {
            metadata: { name, namespace: FILLER_NS },
            spec: {
              replicas,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: {
                  nodeName: node,
                  containers: [{ name: 'pause', image: FILLER_IMAGE }],
                  terminationGracePeriodSeconds: 0,
                },
              },
            },
          },
        });
      }
    },
  );
}

/** Node flags that let this script ask a detector for a diagnostic report (heap figures) with SIGUSR2. */
function reportFlags(): string[] {
  const dir = join(settings.stateDir, 'node-reports');
  mkdirSync(dir, { recursive: true });
  return ['--report-on-signal', '--report-signal=SIGUSR2', `--report-directory=${dir}`];
}

interface HeapFigures {
  /** V8 heap in use (live objects and garbage not yet collected), MiB. */
  usedMb: number;
  /** V8 heap reserved, MiB. */
  totalMb: number;
  /** Memory outside the V8 heap that JS objects hold (buffers), MiB. */
  externalMb: number;
}

/** Asks `child` (started with {@link reportFlags}) for a Node diagnostic report and reads its heap figures. */
async function heapOf(child: ChildProcess): Promise<HeapFigures | undefined> {
  const dir = join(settings.stateDir, 'node-reports');
  const mine = () => readdirSync(dir).filter((f) => f.includes(`.${child.pid}.`) && f.endsWith('.json'));
  const before = new Set(mine());
  child.kill('SIGUSR2');
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    const file = mine().find((f) => !before.has(f));
    if (!file) continue;
    try {
      const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        javascriptHeap: { usedMemory: number; totalMemory: number; externalMemory: number };
      };
      const mb = (bytes: number) => round(bytes / 1024 / 1024);
      return {
        usedMb: mb(report.javascriptHeap.usedMemory),
        totalMb: mb(report.javascriptHeap.totalMemory),
        externalMb: mb(report.javascriptHeap.externalMemory),
      };
    } catch {
      // Still being written.
    }
  }
  return undefined;
}

/** RSS samples of a running process: `count`, `everyMs` apart. */
async function rssSamples(child: ChildProcess, count: number, everyMs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const value = rssMb(child.pid);
    if (value !== undefined) samples.push(round(value));
    if (i < count - 1) await sleep(everyMs);
  }
  return samples;
}

function rssFigures(samples: number[]): { median: number; max: number; last: number; samples: number[] } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor(sorted.length / 2)] ?? NaN,
    max: samples.length ? Math.max(...samples) : NaN,
    last: samples[samples.length - 1] ?? NaN,
    samples,
  };
}

/** A second detector started at this pod count (its caches filled by one LIST): RSS and heap, then stopped. */
async function freshDetector(
  env: Record<string, string>,
  pods: number,
): Promise<{ rssMb: ReturnType<typeof rssFigures>; heap: HeapFigures | undefined }> {
  const name = `detector-fresh-${pods}`;
  const child = startProcess(settings.stateDir, name, 'dist/starter/detector-main.js', env, [
    ...DETECTOR_NODE_FLAGS,
    ...reportFlags(),
  ]);
  try {
    await waitForLog(settings.stateDir, name, 'detector started', 120_000);
    await sleep(30_000);
    const rss = rssFigures(await rssSamples(child, 6, 5_000));
    const heap = await heapOf(child);
    log(
      `memory: a fresh detector at ${pods} pods: RSS median ${rss.median} MiB, heap used ${heap?.usedMb ?? '—'} MiB`,
    );
    return { rssMb: rss, heap };
  } finally {
    await stopProcess(child);
  }
}

async function memoryAt(
  detector: ChildProcess,
  env: Record<string, string>,
  target: number,
  nodes: string[],
  others: number,
): Promise<MemoryPoint> {
  const fill = Math.max(0, target - others);
  const counts = nodes.map((_, i) => Math.floor(fill / nodes.length) + (i < fill % nodes.length ? 1 : 0));
  log(`memory: ${target} pods in the cluster (${fill} filler pods on ${nodes.length} nodes)`);
  const started = Date.now();
  await setFiller(nodes, counts);
  await waitUntil(`${fill} filler pods Ready`, settings.scaleTimeoutSeconds, async () => {
    const list = await apps.listNamespacedDeployment({ namespace: FILLER_NS });
    const ready = list.items.reduce((n, d) => n + (d.status?.readyReplicas ?? 0), 0);
    return { done: ready >= fill, progress: `${ready}/${fill} Ready` };
  });
  const fillSeconds = round((Date.now() - started) / 1000);
  log(`memory: ${fill} filler pods Ready after ${fillSeconds} s; 30 s settle, then 12 samples 5 s apart`);
  await sleep(30_000);
  const samples = await rssSamples(detector, 12, 5_000);
  const heap = await heapOf(detector);
  const { total, running } = await countPods();
  const point: MemoryPoint = {
    targetPods: target,
    podsInCluster: total,
    podsRunning: running,
    fillSeconds,
    rssMb: rssFigures(samples),
    rssAnonMb: procStatusMb(detector.pid, 'RssAnon'),
    rssFileMb: procStatusMb(detector.pid, 'RssFile'),
    heap,
    fresh: await freshDetector(env, total),
  };
  log(
    `memory at ${total} pods (${running} Running): RSS median ${point.rssMb.median} MiB, max ${point.rssMb.max}`,
  );
  return point;
}

async function measureMemory(
  detector: ChildProcess,
  detectorName: string,
  env: Record<string, string>,
): Promise<MemoryResult> {
  const before = await countPods();
  const nodes = await nodeNames();
  const atStart = procStatusMb(detector.pid, 'VmRSS');
  const points: MemoryPoint[] = [];
  for (const target of settings.memoryAt)
    points.push(await memoryAt(detector, env, target, nodes, before.total));
  const restarts = detectorLog(detectorName, 0).filter((l) => l.message === 'informer failed; restarting');
  return {
    rssMbBeforeFill: atStart,
    podsBeforeFill: before.total,
    points,
    informerRestarts: restarts.length,
  };
}

interface MemoryResult {
  rssMbBeforeFill: number | undefined;
  podsBeforeFill: number;
  points: MemoryPoint[];
  informerRestarts: number;
}

// ---------------------------------------------------------------------------------------------
// Main

interface Results {
  machine: Machine & { loadAverageAtEnd: number[] };
  lab: {
    nodes: number;
    podsPerNode: number;
    kubernetes: string;
    setUpSeconds: number;
    setUpPods: number;
  };
  detector: { nodeFlags: string[]; rssMbAtStart: number | undefined };
  storm: StormResult;
  memory: MemoryResult;
}

async function main(): Promise<void> {
  const { info, env, connection, client, ...lab } = await openBench({
    taskQueue: TASK_QUEUE,
    configName: CONFIG_NAME,
    configNamespace: CONFIG_NS,
  });
  kc = lab.kc;
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await registerSearchAttributes(connection, 'default');
  const keep = keeper(join(settings.stateDir, 'bench-pods-partial.json'), { machine: info });
  let worker: ChildProcess | undefined;
  let detector: ChildProcess | undefined;
  try {
    const setUp = keep('setUp', await setUpWorkloads());
    worker = startProcess(settings.stateDir, 'worker', 'dist/worker/main.js', env);
    detector = startProcess(settings.stateDir, 'detector', 'dist/starter/detector-main.js', env, [
      ...DETECTOR_NODE_FLAGS,
      ...reportFlags(),
    ]);
    await waitForLog(settings.stateDir, 'detector', 'detector started', 60_000);
    await waitForWorker(client, TASK_QUEUE, worker);
    await sleep(10_000);
    const rssAtStart = rssMb(detector.pid);
    const stormResult = keep('storm', await storm(client, detector, 'detector'));
    const memory = keep('memory', await measureMemory(detector, 'detector', env));
    const results: Results = {
      machine: { ...info, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) },
      lab: {
        nodes: settings.nodes,
        podsPerNode: Number(process.env.K8S_NODE_MAX_PODS ?? 110),
        kubernetes:
          'v1.36.3 (kube-apiserver, kube-controller-manager, kube-scheduler), etcd v3.6.16, kwok v0.8.0',
        setUpSeconds: setUp.seconds,
        setUpPods: setUp.pods,
      },
      detector: {
        nodeFlags: DETECTOR_NODE_FLAGS,
        rssMbAtStart: rssAtStart === undefined ? undefined : round(rssAtStart),
      },
      storm: stormResult,
      memory,
    };
    mkdirSync(settings.outDir, { recursive: true });
    writeFileSync(join(settings.outDir, 'pods.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(settings.outDir, 'pods.md'), report(results));
    log(`results written to ${settings.outDir}/pods.{md,json}`);
  } finally {
    if (detector) await stopProcess(detector);
    if (worker) await stopProcess(worker);
    await connection.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function memoryCell(p: MemoryPoint): string {
  const fresh = p.fresh
    ? `; started at this count: ${p.fresh.rssMb.median} MiB (max ${p.fresh.rssMb.max})`
    : '';
  return `after the storm: ${p.rssMb.median} MiB (max ${p.rssMb.max})${fresh}`;
}

function activityNames(runs: WorkloadRun[]): string[] {
  const names: string[] = [];
  for (const run of runs)
    for (const name of Object.keys(run.activities ?? {})) if (!names.includes(name)) names.push(name);
  return names;
}

function topRows(rows: Record<string, number>, n: number): string {
  return Object.entries(rows)
    .slice(0, n)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

function report(r: Results): string {
  const m = r.machine;
  const s = r.storm;
  const o = s.overheadMs;
  const started = s.recoveriesStarted;
  const x = s.excluded;
  const big = r.memory.points[r.memory.points.length - 1];
  const small = r.memory.points[0];
  const flags = r.detector.nodeFlags.join(' ') || "Node's default flags";
  const lastReady = s.requests.toLastReady;
  const mutating = (rows: Record<string, number>) =>
    Object.entries(rows)
      .filter(([k]) => /^(CREATE|UPDATE|PATCH|DELETE|DELETECOLLECTION|APPLY) /.test(k))
      .reduce((n, [, v]) => n + v, 0);
  return `# Benchmark: 1,000 crash-looping pods of ${s.workloads} workloads

Generated by \`npm run bench:pods\` (bench/pods.ts); raw numbers in [pods.json](pods.json). Not a timed
test: figures depend on the machine and on whatever else runs on it.

## Machine and lab

- ${m.date}, commit \`${m.gitCommit.slice(0, 12)}\`
- ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, kernel ${m.kernel}, Node ${m.node}
- load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}
  (other engineers' test runs may share the cores)
- lab: ${r.lab.nodes} kwok nodes (${r.lab.podsPerNode} pods allocatable each), ${r.lab.kubernetes}; the
  sim kubelet judges \`registry.lab\` images (\`${GOOD}\` runs, \`${CRASHING}\` panics: exit 2, a crash loop
  whose restart count rises every 2–3 s)
- ${s.workloads} + 1 Deployments × ${s.replicas} replicas (${r.lab.setUpPods} pods) Ready ${r.lab.setUpSeconds} s after creation
- product: \`npm run worker\` and \`npm run detector\` (\`node ${flags}\`) as processes, built from src; the
  ConfigMap at defaults except ${Object.entries(s.config)
    .map(([k, v]) => `\`${k}: ${v}\``)
    .join(', ')}

## Results against the targets

${table([
  ['measure', 'target', 'result', ''],
  [
    `rule firing → recovery started, per workload (${o.count} workloads)`,
    'p99 ≤ 1 s',
    `p50 ${o.p50} ms, p95 ${o.p95} ms, p99 ${o.p99} ms (max ${o.max} ms)`,
    verdict(o.count === s.workloads && o.p99 <= 1000),
  ],
  [
    'workload recoveries started',
    `exactly ${s.workloads}`,
    `${started.temporalWorkflows} in Temporal (\`SelfHealingKind = 'workload'\`), ${started.detectorStartLines} starts logged by the detector for ${started.detectorDistinctWorkloads} workloads`,
    verdict(started.temporalWorkflows === s.workloads && started.detectorDistinctWorkloads === s.workloads),
  ],
  [
    'bad rollout → rolled back and all replicas available (MTTR)',
    '(reported)',
    `p50 ${s.mttrSeconds.p50} s, p99 ${s.mttrSeconds.p99} s, max ${s.mttrSeconds.max} s (${s.mttrSeconds.recovered}/${s.workloads} recovered)`,
    '',
  ],
  [
    'Kubernetes alone (opted-out Deployment, same bad rollout), at that moment',
    '(reference)',
    `${x.readyReplicas}/${s.replicas} Ready, ${x.updatedReplicas} pods on the bad image, ${x.podsCrashLooping} in CrashLoopBackOff, ${x.restartsTotal} restarts; never recovers`,
    '',
  ],
  [
    `detector RSS, pod informer at ${small?.podsInCluster ?? '—'} pods`,
    '(reported)',
    small ? memoryCell(small) : undefined,
    '',
  ],
  [
    `detector RSS, pod informer at ${big?.podsInCluster ?? '—'} pods`,
    '≤ 200 MB',
    big ? memoryCell(big) : undefined,
    big
      ? verdict(
          big.podsInCluster >= 15_000 && Math.max(big.rssMb.max, big.fresh?.rssMb.max ?? 0) * 1.048576 <= 200,
        )
      : undefined,
  ],
  [
    'Kubernetes API requests, bad rollout → last workload Ready',
    '(reported)',
    `${lastReady.total} in ${lastReady.seconds} s (${round(mutating(lastReady.rows), 0)} writes); baseline ${s.requests.baseline.perMin}/min`,
    '',
  ],
])}

RSS is in MiB (1 MiB = 1.048576 MB); the 200 MB target is checked against the larger max sample of
the two detectors (section 2).

## 1. The storm

All ${s.workloads} Deployments and the opted-out \`${EXCLUDED}\` (label \`${OPT_OUT}=true\` on the Deployment
and its pod template, so on its ReplicaSets and pods) were patched to \`${CRASHING}\` at the same moment
(one strategic-merge patch each, concurrently). Each Deployment's RollingUpdate has \`maxSurge: 0\`,
\`maxUnavailable: 100%\`, so the bad rollout replaces all its pods at once: ${s.workloads * s.replicas} pods of the
${s.workloads} workloads (and ${s.replicas} of the opted-out one) crash-loop at once and keep doing so until their Deployment is rolled back.

- **Rule firing → recovery started** (\`overheadMs\`): for each workload, the time of the detector's
  first \`pod failure confirmed\` log line for it (the rule fired: a pod's failure outlasted
  \`workload.confirmation_window\`) to its \`workload recovery started\` line (logged as soon as the
  signal-with-start to Temporal resolved), both from the detector's JSON log (millisecond times).
  The detector's \`workload-recovery-started\` event carries the same \`firedAt\`/\`resolvedAt\`, but only
  in-process; the log line of a workload start does not carry \`overheadMs\` (that of a node start does).
- **Recoveries started**: workflows listed in Temporal with \`${`SelfHealingKind = 'workload' AND TaskQueue = '${TASK_QUEUE}'`}\`
  (a fresh lab: no other run), and \`workload recovery started\` lines in the detector's log.
- **MTTR**: from each Deployment's bad-rollout patch to the first 1 s poll (one LIST of the
  Deployments) at which its template is the good image again and its status shows every replica
  updated, Ready and available with no old pod left. The recovery itself then still verifies
  \`workload.stable_window\` before it ends \`recovered\`.

${table([
  ['', 'p50', 'max'],
  [
    'bad rollout → rule fired (crash loop seen + confirmation window)',
    `${s.patchToFiredSeconds.p50} s`,
    `${s.patchToFiredSeconds.max} s`,
  ],
  ['bad rollout → recovery started', `${s.patchToStartedSeconds.p50} s`, `${s.patchToStartedSeconds.max} s`],
  [
    'bad rollout → rolled back (template)',
    `${s.patchToRolledBackSeconds.p50} s`,
    `${s.patchToRolledBackSeconds.max} s`,
  ],
  ['bad rollout → all replicas available (MTTR)', `${s.mttrSeconds.p50} s`, `${s.mttrSeconds.max} s`],
])}

Reading it: rule firing → recovery started is the product's own latency (the detector's timer, the
grouping and one signal-with-start to Temporal). Bad rollout → rule fired is mostly the lab's pace:
the Deployment controller creates each new ReplicaSet's pods, the scheduler binds them, the sim
kubelet judges the image and kwok writes the crash loop, on the same 2 cores as the control plane,
Temporal, the worker and the detector; the rule then waits \`workload.confirmation_window\`
(${s.config['workload.confirmation_window'] ?? '—'} s). The spread of the firing times across workloads is how long the lab took to crash-loop the
first pod of each. After the rollback, the rollout back (new pods for the old ReplicaSet, run by kwok)
is the lab's pace again.

Where a recovery's time goes, from its workflow history (scheduled → closed of each activity's first
run; the worker runs at most \`api_max_concurrency\` (10) activities at once and sends at most
\`api_qps\` (20) Kubernetes requests a second, both product defaults, shared by the ${s.workloads} recoveries):

${table([
  ['activity', 'p50', 'max'],
  ...activityNames(s.runs).map((name) => {
    const values = s.runs.flatMap((w) => (w.activities?.[name] === undefined ? [] : [w.activities[name]]));
    return [name, `${percentile(values, 50)} s`, `${Math.max(...values)} s`];
  }),
])}

Per workload:

${table([
  ['workload', 'fired', 'started', 'overhead', 'rolled back', 'MTTR', 'outcome'],
  ...s.runs.map((w) => [
    w.name,
    w.firedAt === undefined ? undefined : `${round((w.firedAt - w.patchedAt) / 1000)} s`,
    w.startedAt === undefined ? undefined : `${round((w.startedAt - w.patchedAt) / 1000)} s`,
    w.overheadMs === undefined ? undefined : `${w.overheadMs} ms`,
    w.rolledBackAt === undefined ? undefined : `${round((w.rolledBackAt - w.patchedAt) / 1000)} s`,
    w.mttrSeconds === undefined ? undefined : `**${w.mttrSeconds} s**`,
    w.outcome === undefined ? undefined : `${w.outcome}${w.strategy ? ` (${w.strategy})` : ''}`,
  ]),
])}

Workflows found in Temporal: ${started.temporalWorkflowIds.length} (${started.temporalWorkflowIds.includes(`workload-recovery/Deployment/${NS}/${EXCLUDED}`) ? '**including the opted-out one**' : 'not the opted-out one'}); start failures logged by the detector: ${started.startFailures}.

### Kubernetes alone: the opted-out Deployment

Read ${x.atSeconds} s after the bad rollout, when the last recovered workload was Ready:
image \`${x.image ?? '—'}\`, ${x.replicas} replicas of which ${x.readyReplicas} Ready and ${x.availableReplicas} available,
${x.updatedReplicas} on the bad revision, ${x.unavailableReplicas} unavailable; ${x.pods} pods, ${x.podsReady} Ready,
${x.podsCrashLooping} in CrashLoopBackOff, ${x.restartsTotal} restarts in all (max ${x.restartsMax} on one pod);
Progressing: ${x.progressing ?? '—'}. The kubelet restarts the containers with back-off and the
Deployment controller waits for pods that never turn Ready: nothing in Kubernetes rolls a crashing
revision back (after \`progressDeadlineSeconds\`, 600 s, it only sets Progressing=False
ProgressDeadlineExceeded). The
detector suppressed it ${x.detectorSuppressions} time(s) (\`finding suppressed\`, opted out) and ${x.recoveryStarted ? '**started a recovery for it**' : 'started no recovery for it'}.

### Kubernetes API requests during the storm

\`apiserver_request_total\` from the apiserver's \`/metrics\`, summed by verb and resource (every
client: kube-controller-manager's Deployment and ReplicaSet controllers, the scheduler, kwok, the sim
kubelet, the worker and the detector, and this script: ${s.requests.benchOwnToLastReady} requests of its own,
mostly one LIST of the Deployments a second).

${table([
  ['window', 'seconds', 'requests', 'per minute'],
  [
    'baseline (before the storm; worker and detector idle)',
    s.requests.baseline.seconds,
    s.requests.baseline.total,
    s.requests.baseline.perMin,
  ],
  [
    'bad rollout → last workload Ready',
    lastReady.seconds,
    lastReady.total,
    round((lastReady.total * 60) / lastReady.seconds),
  ],
  [
    'bad rollout → every recovery ended',
    s.requests.toAllCompleted.seconds,
    s.requests.toAllCompleted.total,
    round((s.requests.toAllCompleted.total * 60) / s.requests.toAllCompleted.seconds),
  ],
])}

Bad rollout → last workload Ready, by verb and resource (top 25):

${table([
  ['request', 'count'],
  ...Object.entries(lastReady.rows)
    .slice(0, 25)
    .map(([k, v]) => [k, v]),
])}

Baseline window, top rows: ${topRows(s.requests.baseline.rows, 8)}.

## 2. Detector resident memory with the pod informer

Pods are added as Deployments of \`${FILLER_IMAGE}\` (one Deployment per node, its template pinned to
the node with \`spec.nodeName\`, so the scheduler is not the bottleneck; kube-controller-manager
creates the pods, kwok runs them): **Running and Ready** pods with ReplicaSet owners, as on a real
cluster, and one more ReplicaSet per node in the detector's ReplicaSet cache. At each pod count:

- **long-running**: the detector that went through the storm. RSS (\`VmRSS\` of \`/proc/<pid>/status\`)
  sampled 12 times, 5 s apart, after the filler pods were Ready and 30 s of settling (the detector's
  watch delivers within seconds; V8 collects on its own schedule, so median and max are given);
  then its V8 heap from a Node diagnostic report (\`--report-on-signal\`, SIGUSR2: \`usedMemory\`
  counts garbage not yet collected too);
- **fresh**: a second detector started at that pod count (its caches filled by one LIST each), RSS
  sampled 6 times, 5 s apart, from 30 s after \`detector started\`, then its heap the same way.

The informers LIST in pages of 500, each page trimmed before the next is asked for
(\`src/activities/kubernetes/list-pages.ts\`). This benchmark is why: with one unpaged LIST, a detector
started at 15,000 pods was at 397 MiB RSS (max 454 MiB; V8 heap 65 MiB used of 197 MiB reserved,
the untrimmed LIST response having been freed but its pages kept), while the long-running one was at
172 MiB (run of 2026-11-30 21:28, code of commit \`e29a2c5\`; its pods.md and pods.json are in commit \`1a80589\`).
With pages, a detector started at 15,000 pods was at 246 MiB RSS in the run before this one (V8 heap
reserved 132 MiB) and at the figure above in this one: pages cut the peak, but the target is still
missed at start-up. The heap figures show that most of the excess is outside the V8 heap (native
memory from fetching and parsing 30 pages of LIST responses, not given back to the system within
the first minute); it is not profiled further yet. The long-running detector, whose pods arrived by
watch, stays under the target. A re-LIST after a 410 Gone would cost the long-running one the same.

Both run as the product runs them (\`node ${flags}\`), plus the report flags, which cost nothing until
signalled.

${table([
  [
    'pods in the cluster',
    'Running',
    'filled in',
    'long-running RSS median / max',
    'anon / file-backed',
    'its V8 heap used / total',
    'fresh RSS median / max',
    'its V8 heap used / total',
    'target',
  ],
  ...r.memory.points.map((p) => [
    p.podsInCluster,
    p.podsRunning,
    `${p.fillSeconds} s`,
    `${p.rssMb.median} / ${p.rssMb.max} MiB`,
    `${p.rssAnonMb ?? '—'} / ${p.rssFileMb ?? '—'} MiB`,
    p.heap ? `${p.heap.usedMb} / ${p.heap.totalMb} MiB` : undefined,
    p.fresh ? `${p.fresh.rssMb.median} / ${p.fresh.rssMb.max} MiB` : undefined,
    p.fresh?.heap ? `${p.fresh.heap.usedMb} / ${p.fresh.heap.totalMb} MiB` : undefined,
    p.targetPods >= 15_000 ? '≤ 200 MB' : '',
  ]),
])}

Long-running detector's samples: ${r.memory.points.map((p) => `${p.podsInCluster} pods: ${p.rssMb.samples.join(', ')}`).join('; ')}.
At start-up (${r.lab.setUpPods} pods, before the storm): ${r.detector.rssMbAtStart ?? '—'} MiB; during the storm: max
${s.detectorRssMbDuringStorm.length ? Math.max(...s.detectorRssMbDuringStorm) : '—'} MiB; before the filler pods (${r.memory.podsBeforeFill} pods): ${r.memory.rssMbBeforeFill ?? '—'} MiB.
Informer restarts logged by the detectors over the whole run: ${r.memory.informerRestarts}.
`;
}

/** `node dist/bench/bench/pods.js --report` renders the Markdown again from the JSON. */
runBench(main, settings.outDir, 'pods', report);
