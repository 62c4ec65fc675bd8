/**
 * `npm run bench:node` (bench/node-recovery.sh starts the lab and runs this): the node-recovery
 * benchmark of issue 4 §6 on the simulated cluster, at 50 nodes and 1,500 pods.
 *
 * 1. Control-plane load at steady state: apiserver_request_total deltas over equal windows with
 *    nothing of ours running (baseline), with only the detector process running, and with the
 *    design document's polling loop replayed by this script. Detector RSS is read from /proc.
 * 2. Detection overhead: an in-process detector (10 s window, dry-run, a task queue no worker
 *    polls) over 20+ NotReady failures in batches; overheadMs from detector.stats().
 * 3. MTTR, in one run: our worker + detector (default config, node_provider sim, 90 s window, then a
 *    30 s window) against kube-controller-manager's taint-based eviction (300 s toleration) on a node
 *    opted out of our product. Both sides get the same injection: Ready=False written by failNode.
 *
 * Writes docs/benchmarks/node-recovery.json (raw numbers) and node-recovery.md. Every process it
 * starts is stopped by pid before it exits; the lab is stopped by the shell wrapper's trap.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { parseRecoveryConfig } from '../src/config/recovery-config';
import { staticConfigSource } from '../src/config/config-source';
import { silentLogger } from '../src/logging';
import { createDetector } from '../src/starter/detector';
import { createDetectorKubernetes } from '../src/activities/kubernetes/watch';
import { nodeRecoveryWorkflowId } from '../src/starter/recoveries';
import { failNode, isPodReady, recoverNode, sleep } from '../tools/sim';
import type { Counts, Machine } from './support';
import {
  DETECTOR_NODE_FLAGS,
  REPO,
  apiGet as apiGetOf,
  createIfAbsent,
  delta,
  envNumber,
  inPool,
  keeper,
  log,
  percentile,
  perMinute,
  openBench,
  round,
  runBench,
  rssMb,
  scrapeRequests as scrapeRequestsOf,
  startProcess as startProcessIn,
  stopProcess,
  sum,
  table,
  verdict,
  waitForLog as waitForLogIn,
} from './support';

// ---------------------------------------------------------------------------------------------
// Settings

const settings = {
  deployments: envNumber('BENCH_DEPLOYMENTS', 300),
  replicas: envNumber('BENCH_REPLICAS', 5),
  services: envNumber('BENCH_SERVICES', 100),
  steadySeconds: envNumber('BENCH_STEADY_SECONDS', 180),
  pollIntervalSeconds: 30,
  failures: envNumber('BENCH_FAILURES', 20),
  batch: envNumber('BENCH_BATCH', 5),
  detectWindowSeconds: 10,
  podsReadyTimeoutSeconds: envNumber('BENCH_PODS_TIMEOUT', 1500),
  mttrTimeoutSeconds: envNumber('BENCH_MTTR_TIMEOUT', 900),
  toleranceSeconds: Number(process.env.K8S_NOT_READY_TOLERATION_SECONDS ?? 300),
  nodes: Number(process.env.K8S_NODES ?? 50),
  outDir: process.env.BENCH_OUT_DIR ?? join(REPO, 'docs', 'benchmarks'),
  stateDir: process.env.STATE_DIR ?? join(REPO, '.lab-bench'),
};
const NS = 'bench';
const CONFIG_NS = 'self-healing';
const CONFIG_NAME = 'self-healing-config';
const TASK_QUEUE = 'self-healing';
const DETECT_TASK_QUEUE = 'bench-detect';
const OPT_OUT = 'self-healing.temporal.io/exclude';
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

// ---------------------------------------------------------------------------------------------
// Processes we start (bench/support.ts), logging under the bench state folder.

const startProcess = (name: string, script: string, env: Record<string, string>, nodeFlags: string[] = []) =>
  startProcessIn(settings.stateDir, name, script, env, nodeFlags);
const waitForLog = (name: string, text: string, timeoutMs: number) =>
  waitForLogIn(settings.stateDir, name, text, timeoutMs);

// ---------------------------------------------------------------------------------------------
// Clients; raw HTTPS to the apiserver (metrics, polling-loop replay) goes through bench/support.ts.

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

const apiGet = (path: string) => apiGetOf(kc, path);
const scrapeRequests = () => scrapeRequestsOf(kc);

// ---------------------------------------------------------------------------------------------
// Workload

const depName = (i: number) => `bench-${String(i).padStart(3, '0')}`;

async function setUpWorkload(): Promise<{ podsReadySeconds: number }> {
  for (const name of [NS, CONFIG_NS])
    await createIfAbsent(() => core.createNamespace({ body: { metadata: { name } } }));
  await createIfAbsent(() =>
    core.createNamespacedConfigMap({
      namespace: CONFIG_NS,
      body: { metadata: { name: CONFIG_NAME, namespace: CONFIG_NS }, data: { node_provider: 'sim' } },
    }),
  );
  const started = Date.now();
  const indexes = Array.from({ length: settings.deployments }, (_, i) => i + 1);
  log(`creating ${settings.deployments} Deployments × ${settings.replicas} replicas`);
  await inPool(indexes, 10, async (i) => {
    const name = depName(i);
    await createIfAbsent(() =>
      apps.createNamespacedDeployment({
        namespace: NS,
        body: {
          metadata: { name, namespace: NS, labels: { app: name } },
          spec: {
            replicas: settings.replicas,
            selector: { matchLabels: { app: name } },
            template: {
              metadata: { labels: { app: name } },
              spec: {
                containers: [
                  {
                    name: 'app',
                    image: 'registry.k8s.io/pause:3.10',
                    resources: { requests: { cpu: '1m', memory: '1Mi' } },
                  },
                ],
              },
            },
          },
        },
      }),
    );
  });
  log(`creating ${settings.services} Services`);
  await inPool(
    Array.from({ length: settings.services }, (_, i) => i + 1),
    10,
    async (i) => {
      const name = depName(i);
      await createIfAbsent(() =>
        core.createNamespacedService({
          namespace: NS,
          body: {
            metadata: { name, namespace: NS },
            spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
          },
        }),
      );
    },
  );
  const want = settings.deployments * settings.replicas;
  const deadline = Date.now() + settings.podsReadyTimeoutSeconds * 1000;
  let lastLogged = 0;
  for (;;) {
    const list = await apps.listNamespacedDeployment({ namespace: NS });
    const ready = list.items.reduce((n, d) => n + (d.status?.readyReplicas ?? 0), 0);
    if (ready >= want) break;
    if (Date.now() > deadline)
      throw new Error(`only ${ready}/${want} pods Ready after ${settings.podsReadyTimeoutSeconds} s`);
    if (Date.now() - lastLogged > 30_000) {
      log(`${ready}/${want} pods Ready`);
      lastLogged = Date.now();
    }
    await sleep(5_000);
  }
  const podsReadySeconds = round((Date.now() - started) / 1000);
  log(`${want} pods Ready after ${podsReadySeconds} s`);
  return { podsReadySeconds };
}

// ---------------------------------------------------------------------------------------------
// 1. Steady-state control-plane load and detector memory

interface LoadResult {
  windowSeconds: number;
  /** Reads of the resources the detector and the polling loop touch, per minute, in each window. */
  readsPerMin: Record<string, { baseline: number; detector: number; polling: number }>;
  baseline: { totalPerMin: number; perMin: Record<string, number> };
  detector: {
    totalPerMin: number;
    perMin: Record<string, number>;
    attributablePerMin: Record<string, number>;
    nodeAndConfigMapRequestsInWindow: Record<string, number>;
    startup: Record<string, number>;
    rssMb: {
      afterWarmUp: number | undefined;
      max: number;
      end: number | undefined;
      samples: number[];
      /** The Node flags of the measured process (the product's). */
      nodeFlags: string[];
      /** The same detector with Node's default flags, for comparison. */
      defaultFlags: { samples: number[] };
    };
  };
  polling: {
    totalPerMin: number;
    perMin: Record<string, number>;
    attributablePerMin: Record<string, number>;
    iterations: number;
    requestsSent: number;
    requestsPerMinSent: number;
    bytesPerMin: number;
    iterationMs: { p50: number; max: number };
  };
}

const detectorRows = (key: string) => / (nodes|configmaps|events)$/.test(key);
const readRows = (key: string) => /^(LIST|WATCH|GET) (nodes|pods|services|endpoints|configmaps)$/.test(key);

function readsTable(windows: Record<'baseline' | 'detector' | 'polling', Counts>, seconds: number) {
  const keys = new Set(Object.values(windows).flatMap((c) => [...c.keys()].filter(readRows)));
  const rate = (c: Counts, key: string) => round(((c.get(key) ?? 0) * 60) / seconds, 2);
  return Object.fromEntries(
    [...keys].sort().map((key) => [
      key,
      {
        baseline: rate(windows.baseline, key),
        detector: rate(windows.detector, key),
        polling: rate(windows.polling, key),
      },
    ]),
  );
}

function attributable(window: Counts, baseline: Counts): Record<string, number> {
  // Rows that differ from the baseline by more than noise (a rate difference of ≥ 1 request in the window).
  const out: Record<string, number> = {};
  const keys = new Set([...window.keys(), ...baseline.keys()]);
  for (const key of keys) {
    const d = (window.get(key) ?? 0) - (baseline.get(key) ?? 0);
    if (Math.abs(d) >= 1) out[key] = d;
  }
  return out;
}

async function measureLoad(env: Record<string, string>): Promise<LoadResult> {
  const W = settings.steadySeconds;
  log('settling 30 s before the steady-state windows');
  await sleep(30_000);

  log(`baseline window: ${W} s with nothing of ours running`);
  const b0 = await scrapeRequests();
  await sleep(W * 1000);
  const baseline = delta(await scrapeRequests(), b0);

  log(`detector window: detector process alone, warm-up 30 s, then ${W} s`);
  const s0 = await scrapeRequests();
  const detector = startProcess('detector-steady', 'dist/starter/detector-main.js', env, DETECTOR_NODE_FLAGS);
  await waitForLog('detector-steady', 'detector started', 60_000);
  await sleep(30_000);
  const afterWarmUp = rssMb(detector.pid);
  const d0 = await scrapeRequests();
  const startup = delta(d0, s0);
  const samples: number[] = [];
  for (let t = 0; t < W; t += 10) {
    await sleep(Math.min(10, W - t) * 1000);
    const rss = rssMb(detector.pid);
    if (rss !== undefined) samples.push(round(rss));
  }
  const d1 = await scrapeRequests();
  const endRss = rssMb(detector.pid);
  await stopProcess(detector);
  const detectorWindow = delta(d1, d0);

  log(`polling window: the design's loop every ${settings.pollIntervalSeconds} s for ${W} s`);
  const p0 = await scrapeRequests();
  const started = Date.now();
  let iterations = 0;
  let requestsSent = 0;
  let bytes = 0;
  const iterationMs: number[] = [];
  while (Date.now() - started < W * 1000) {
    const t = Date.now();
    const nodes = await apiGet('/api/v1/nodes');
    const pods = await apiGet('/api/v1/pods');
    const services = await apiGet('/api/v1/services');
    requestsSent += 3;
    bytes += nodes.bytes + pods.bytes + services.bytes;
    const items = (
      JSON.parse(services.body) as { items: { metadata: { name: string; namespace: string } }[] }
    ).items;
    for (const svc of items) {
      // The lab has no v1 Endpoints (kube-controller-manager's controller is off, docs/lab.md): each
      // GET answers 404, a request all the same.
      const ep = await apiGet(`/api/v1/namespaces/${svc.metadata.namespace}/endpoints/${svc.metadata.name}`);
      requestsSent += 1;
      bytes += ep.bytes;
    }
    iterations += 1;
    iterationMs.push(Date.now() - t);
    const next = t + settings.pollIntervalSeconds * 1000;
    const wait = Math.min(next, started + W * 1000) - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const elapsed = (Date.now() - started) / 1000;
  const pollingWindow = delta(await scrapeRequests(), p0);

  // The same detector with Node's default flags, for memory only: what the product's flags save.
  log("detector RSS with Node's default flags (60 s)");
  const plain = startProcess('detector-default-flags', 'dist/starter/detector-main.js', env);
  await waitForLog('detector-default-flags', 'detector started', 60_000);
  const plainSamples: number[] = [];
  for (let t = 0; t < 60; t += 10) {
    await sleep(10_000);
    const rss = rssMb(plain.pid);
    if (t >= 30 && rss !== undefined) plainSamples.push(round(rss));
  }
  await stopProcess(plain);

  const scale = (counts: Counts, seconds: number) => {
    // Normalise a window to exactly W seconds so the three are comparable.
    const out: Counts = new Map();
    for (const [key, value] of counts) out.set(key, (value * W) / seconds);
    return out;
  };
  const pollingScaled = scale(pollingWindow, elapsed);
  const nodeAndConfigMap = Object.fromEntries(
    [...detectorWindow.entries()].filter(([key]) => detectorRows(key)),
  );
  return {
    windowSeconds: W,
    readsPerMin: readsTable({ baseline, detector: detectorWindow, polling: pollingScaled }, W),
    baseline: { totalPerMin: round((sum(baseline) * 60) / W), perMin: perMinute(baseline, W) },
    detector: {
      totalPerMin: round((sum(detectorWindow) * 60) / W),
      perMin: perMinute(detectorWindow, W),
      attributablePerMin: perMinute(
        new Map(Object.entries(attributable(detectorWindow, baseline)).filter(([key]) => detectorRows(key))),
        W,
      ),
      nodeAndConfigMapRequestsInWindow: nodeAndConfigMap,
      startup: Object.fromEntries([...startup.entries()].filter(([key]) => detectorRows(key))),
      rssMb: {
        afterWarmUp: afterWarmUp === undefined ? undefined : round(afterWarmUp),
        max: Math.max(...samples),
        end: endRss === undefined ? undefined : round(endRss),
        samples,
        nodeFlags: DETECTOR_NODE_FLAGS,
        defaultFlags: { samples: plainSamples },
      },
    },
    polling: {
      totalPerMin: round((sum(pollingScaled) * 60) / W),
      perMin: perMinute(pollingScaled, W),
      attributablePerMin: perMinute(
        new Map(Object.entries(attributable(pollingScaled, baseline)).filter(([key]) => readRows(key))),
        W,
      ),
      iterations,
      requestsSent,
      requestsPerMinSent: round((requestsSent * 60) / elapsed),
      bytesPerMin: Math.round((bytes * 60) / elapsed),
      iterationMs: { p50: percentile(iterationMs, 50), max: Math.max(...iterationMs) },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 2. Detection overhead (in-process detector)

interface OverheadResult {
  failures: number;
  windowSeconds: number;
  overheadMs: { p50: number; p99: number; max: number; min: number };
  timerLagMs: { p50: number; p99: number };
  startCallMs: { p50: number; p99: number };
  informerLists: number;
  records: {
    node: string;
    windowElapsedAt: string;
    actedAt: string;
    resolvedAt: string;
    overheadMs: number;
  }[];
}

async function nodeReady(name: string): Promise<boolean> {
  const node = await core.readNode({ name });
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

async function until(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(500);
  }
}

async function terminate(client: Client, node: string, reason: string): Promise<void> {
  try {
    await client.workflow.getHandle(nodeRecoveryWorkflowId(node)).terminate(reason);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}

async function measureOverhead(client: Client): Promise<OverheadResult> {
  const config = parseRecoveryConfig({
    health_check_interval: String(settings.detectWindowSeconds),
    node_failure_threshold: '1',
    dry_run: 'true',
  });
  const kubernetes = createDetectorKubernetes(kc, silentLogger);
  const detector = createDetector({
    kubernetes,
    client,
    taskQueue: DETECT_TASK_QUEUE,
    configSource: staticConfigSource(config),
    logger: silentLogger,
  });
  const startedAt = Date.now();
  await detector.start();
  const nodes = Array.from({ length: settings.failures }, (_, i) => `sim-node-${i + 1}`);
  try {
    for (let i = 0; i < nodes.length; i += settings.batch) {
      const batch = nodes.slice(i, i + settings.batch);
      log(`detection overhead: failing ${batch.join(', ')}`);
      for (const node of batch) {
        await failNode(kc, node, 'NotReady');
        await sleep(300);
      }
      await until(`recoveries of ${batch.join(', ')}`, 60_000, () =>
        batch.every((node) =>
          detector
            .stats()
            .recoveries.some((r) => r.node === node && Date.parse(r.windowElapsedAt) >= startedAt),
        ),
      );
      for (const node of batch) await recoverNode(kc, node);
      await until('nodes Ready again', 60_000, async () =>
        (await Promise.all(batch.map(nodeReady))).every(Boolean),
      );
      await sleep(2_000);
    }
  } finally {
    const lists = detector.stats().informer.lists;
    await detector.stop();
    for (const node of nodes) {
      await recoverNode(kc, node).catch(() => undefined);
      await terminate(client, node, 'benchmark: detection overhead measured');
    }
    log(`detection overhead: detector LISTed nodes ${lists} time(s)`);
  }
  const records = detector
    .stats()
    .recoveries.filter((r) => Date.parse(r.windowElapsedAt) >= startedAt)
    .map((r) => ({
      node: r.node,
      windowElapsedAt: r.windowElapsedAt,
      actedAt: r.actedAt,
      resolvedAt: r.resolvedAt,
      overheadMs: r.overheadMs,
    }));
  const overhead = records.map((r) => r.overheadMs);
  const lag = records.map((r) => Date.parse(r.actedAt) - Date.parse(r.windowElapsedAt));
  const call = records.map((r) => Date.parse(r.resolvedAt) - Date.parse(r.actedAt));
  return {
    failures: records.length,
    windowSeconds: settings.detectWindowSeconds,
    overheadMs: {
      p50: percentile(overhead, 50),
      p99: percentile(overhead, 99),
      max: Math.max(...overhead),
      min: Math.min(...overhead),
    },
    timerLagMs: { p50: percentile(lag, 50), p99: percentile(lag, 99) },
    startCallMs: { p50: percentile(call, 50), p99: percentile(call, 99) },
    informerLists: detector.stats().informer.lists,
    records,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. MTTR

interface MttrRun {
  side: 'ours' | 'kube-controller-manager';
  node: string;
  windowSeconds: number | undefined;
  podsOnNode: number;
  deployments: number;
  /** NotReady written → first pod of the node deleted/evicted. */
  firstEvictionSeconds: number | undefined;
  /** NotReady written → every affected Deployment back at its replicas, Ready, none on the node. */
  mttrSeconds: number;
  /** NotReady written → the recovery workflow's start time (ours only). */
  workflowStartedSeconds?: number;
  workflowResult?: string;
  /** When the NotReady status was written (epoch ms). */
  injectedAtMs: number;
}

function podOnNodeGone(pod: V1Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

async function affected(node: string): Promise<{ pods: number; deployments: Map<string, number> }> {
  const pods = await core.listNamespacedPod({ namespace: NS, fieldSelector: `spec.nodeName=${node}` });
  const deps = new Map<string, number>();
  for (const pod of pods.items) {
    const app = pod.metadata?.labels?.app;
    if (app) deps.set(app, settings.replicas);
  }
  return { pods: pods.items.length, deployments: deps };
}

async function measureMttr(
  side: MttrRun['side'],
  node: string,
  windowSeconds: number | undefined,
): Promise<MttrRun> {
  const { pods, deployments } = await affected(node);
  if (pods === 0) throw new Error(`${node} runs no benchmark pods`);
  const selector = `app in (${[...deployments.keys()].join(',')})`;
  log(`MTTR ${side}: failing ${node} (${pods} pods of ${deployments.size} Deployments)`);
  const t0 = Date.now();
  await failNode(kc, node, 'NotReady');
  let firstEviction: number | undefined;
  const deadline = t0 + settings.mttrTimeoutSeconds * 1000;
  for (;;) {
    const list = await core.listNamespacedPod({ namespace: NS, labelSelector: selector });
    const onNode = list.items.filter((p) => p.spec?.nodeName === node);
    if (firstEviction === undefined && (onNode.length < pods || onNode.some(podOnNodeGone)))
      firstEviction = Date.now();
    const done =
      onNode.length === 0 &&
      [...deployments.entries()].every(
        ([app, replicas]) =>
          list.items.filter(
            (p) =>
              p.metadata?.labels?.app === app &&
              p.spec?.nodeName !== node &&
              p.metadata?.deletionTimestamp === undefined &&
              isPodReady(p),
          ).length >= replicas,
      );
    if (done) break;
    if (Date.now() > deadline)
      throw new Error(`MTTR ${side} on ${node}: not recovered within ${settings.mttrTimeoutSeconds} s`);
    await sleep(1_000);
  }
  const mttrSeconds = round((Date.now() - t0) / 1000);
  log(`MTTR ${side} on ${node}: ${mttrSeconds} s`);
  return {
    side,
    node,
    windowSeconds,
    podsOnNode: pods,
    deployments: deployments.size,
    firstEvictionSeconds: firstEviction === undefined ? undefined : round((firstEviction - t0) / 1000),
    mttrSeconds,
    injectedAtMs: t0,
  };
}

async function finishOurs(client: Client, run: MttrRun): Promise<void> {
  const handle = client.workflow.getHandle(nodeRecoveryWorkflowId(run.node));
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    run.workflowResult = 'no recovery was started';
    await recoverNode(kc, run.node);
    return;
  }
  run.workflowStartedSeconds = round((description.startTime.getTime() - run.injectedAtMs) / 1000);
  // The node comes back: the detector signals Ready, the recovery uncordons and completes.
  await recoverNode(kc, run.node);
  const result = await Promise.race([
    handle.result().then(
      (r: unknown) => JSON.stringify(r).slice(0, 300),
      (e: unknown) => `failed: ${String(e)}`,
    ),
    sleep(240_000).then(() => 'still running after 240 s'),
  ]);
  run.workflowResult = result;
  log(`recovery of ${run.node}: ${result}`);
}

async function setWindow(interval: number, threshold: number): Promise<void> {
  await core.patchNamespacedConfigMap(
    {
      name: CONFIG_NAME,
      namespace: CONFIG_NS,
      body: {
        data: {
          node_provider: 'sim',
          health_check_interval: String(interval),
          node_failure_threshold: String(threshold),
        },
      },
    },
    mergePatch,
  );
}

async function measureMttrs(
  client: Client,
  env: Record<string, string>,
): Promise<{ runs: MttrRun[]; detectorRssMb: number[] }> {
  // The nodes with the most benchmark pods, among those the overhead phase did not touch.
  const perNode = new Map<string, number>();
  for (const pod of (await core.listNamespacedPod({ namespace: NS })).items) {
    const name = pod.spec?.nodeName;
    if (name) perNode.set(name, (perNode.get(name) ?? 0) + 1);
  }
  const touched = new Set(Array.from({ length: settings.failures }, (_, i) => `sim-node-${i + 1}`));
  const [ours, kcm, ours30] = [...perNode.entries()]
    .filter(([name]) => !touched.has(name))
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
  if (!ours || !kcm || !ours30) throw new Error('fewer than 3 untouched nodes run benchmark pods');
  await core.patchNode({ name: kcm, body: { metadata: { labels: { [OPT_OUT]: 'true' } } } }, mergePatch);
  const worker = startProcess('worker', 'dist/worker/main.js', env);
  const detector = startProcess('detector', 'dist/starter/detector-main.js', env, DETECTOR_NODE_FLAGS);
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const value = rssMb(detector.pid);
    if (value !== undefined) rss.push(round(value));
  }, 10_000);
  try {
    await waitForLog('detector', 'detector started', 60_000);
    await sleep(5_000);
    const kcmRun = measureMttr('kube-controller-manager', kcm, undefined);
    kcmRun.catch(() => undefined);
    const oursRun = await measureMttr('ours', ours, 90);
    await finishOurs(client, oursRun);
    const runs: MttrRun[] = [oursRun];
    log('MTTR ours with a 30 s window (health_check_interval 10 × node_failure_threshold 3)');
    await setWindow(10, 3);
    await sleep(3_000);
    const run30 = await measureMttr('ours', ours30, 30);
    await finishOurs(client, run30);
    runs.push(run30);
    runs.push(await kcmRun);
    return { runs, detectorRssMb: rss };
  } finally {
    clearInterval(sampler);
    for (const node of [ours, ours30, kcm]) await recoverNode(kc, node).catch(() => undefined);
    await core
      .patchNode({ name: kcm, body: { metadata: { labels: { [OPT_OUT]: null } } } }, mergePatch)
      .catch(() => undefined);
    await stopProcess(detector);
    await stopProcess(worker);
  }
}

// ---------------------------------------------------------------------------------------------
// Machine info and report

async function main(): Promise<void> {
  const { info, env, connection, client, ...lab } = await openBench({
    taskQueue: TASK_QUEUE,
    configName: CONFIG_NAME,
    configNamespace: CONFIG_NS,
  });
  kc = lab.kc;
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  try {
    const keep = keeper(join(settings.stateDir, 'bench-partial.json'), { machine: info });
    const workload = keep('workload', await setUpWorkload());
    const load = keep('load', await measureLoad(env));
    const overhead = keep('detectionOverhead', await measureOverhead(client));
    const mttr = keep('mttr', await measureMttrs(client, env));
    const results = {
      machine: { ...info, loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)) },
      lab: {
        nodes: settings.nodes,
        pods: settings.deployments * settings.replicas,
        deployments: settings.deployments,
        replicas: settings.replicas,
        services: settings.services,
        notReadyTolerationSeconds: settings.toleranceSeconds,
        unreachableTolerationSeconds: Number(process.env.K8S_UNREACHABLE_TOLERATION_SECONDS ?? 300),
        nodeMonitorGracePeriod: process.env.K8S_NODE_MONITOR_GRACE_PERIOD ?? '',
        nodeLeaseSeconds: Number(process.env.K8S_NODE_LEASE_SECONDS ?? 0),
        kubernetes:
          'v1.36.3 (kube-apiserver, kube-controller-manager, kube-scheduler), etcd v3.6.16, kwok v0.8.0',
        podsReadySeconds: workload.podsReadySeconds,
      },
      detectionOverhead: overhead,
      mttr,
      load,
    };
    mkdirSync(settings.outDir, { recursive: true });
    writeFileSync(join(settings.outDir, 'node-recovery.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(settings.outDir, 'node-recovery.md'), report(results));
    log(`results written to ${settings.outDir}/node-recovery.{md,json}`);
  } finally {
    await connection.close();
  }
}

type Results = {
  machine: Machine & { loadAverageAtEnd: number[] };
  lab: Record<string, unknown> & { nodes: number; pods: number; podsReadySeconds: number };
  detectionOverhead: OverheadResult;
  mttr: { runs: MttrRun[]; detectorRssMb: number[] };
  load: LoadResult;
  /** Added by hand from bench/detector-requests.ts, when run. */
  detectorInformerDirect?: {
    seconds: number;
    method: string;
    nodeInformer: { lists: number; watches: number; restarts: number };
  };
};

function report(r: Results): string {
  const o = r.detectionOverhead;
  const ours90 = r.mttr.runs.find((x) => x.side === 'ours' && x.windowSeconds === 90);
  const ours30 = r.mttr.runs.find((x) => x.side === 'ours' && x.windowSeconds === 30);
  const kcm = r.mttr.runs.find((x) => x.side === 'kube-controller-manager');
  const d = r.load.detector;
  const lists = Object.entries(d.nodeAndConfigMapRequestsInWindow).filter(([k]) => k.startsWith('LIST '));
  const rssMax = Math.max(d.rssMb.max, ...r.mttr.detectorRssMb);
  const flags = d.rssMb.nodeFlags.join(' ') || "Node's default flags";
  const plainSamples = d.rssMb.defaultFlags.samples;
  const m = r.machine;
  const pollRows = Object.entries(r.load.polling.attributablePerMin).filter(([, v]) => Math.abs(v) >= 0.5);
  const detRows = Object.entries(d.attributablePerMin);
  return `# Benchmark: node recovery

Generated by \`npm run bench:node\` (bench/node-recovery.ts); raw numbers in
[node-recovery.json](node-recovery.json). Not a timed test: figures depend on the machine and on
whatever else runs on it.

## Machine and lab

- ${m.date}, commit \`${m.gitCommit.slice(0, 12)}\`
- ${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, kernel ${m.kernel}, Node ${m.node}
- load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${m.loadAverageAtEnd.join(' / ')}
  (other engineers' test runs may share the cores)
- lab: ${r.lab.nodes} kwok nodes, ${r.lab.pods} pods (${String(r.lab.deployments)} Deployments × ${String(r.lab.replicas)}
  replicas, 1m CPU / 1Mi requests), ${String(r.lab.services)} Services; ${String(r.lab.kubernetes)}
- kube-controller-manager/apiserver at upstream defaults: not-ready and unreachable tolerations
  ${String(r.lab.notReadyTolerationSeconds)} s / ${String(r.lab.unreachableTolerationSeconds)} s, node-monitor grace
  ${String(r.lab.nodeMonitorGracePeriod)}, node Lease ${String(r.lab.nodeLeaseSeconds)} s
- ${r.lab.pods} pods Ready ${r.lab.podsReadySeconds} s after the Deployments were created

## Results against the targets

${table([
  ['measure', 'target', 'result', ''],
  [
    `detection overhead (window elapsed → workflow started), ${o.failures} failures`,
    'p99 ≤ 1 s',
    `p50 ${o.overheadMs.p50} ms, p99 ${o.overheadMs.p99} ms (max ${o.overheadMs.max} ms)`,
    verdict(o.failures >= 20 && o.overheadMs.p99 <= 1000),
  ],
  [
    'MTTR, ours, default 90 s window',
    '≤ 120 s',
    ours90 ? `${ours90.mttrSeconds} s` : undefined,
    ours90 ? verdict(ours90.mttrSeconds <= 120) : undefined,
  ],
  [
    'MTTR, ours, 30 s window',
    '≤ 60 s',
    ours30 ? `${ours30.mttrSeconds} s` : undefined,
    ours30 ? verdict(ours30.mttrSeconds <= 60) : undefined,
  ],
  [
    `MTTR, kube-controller-manager taint-based eviction (${String(r.lab.notReadyTolerationSeconds)} s toleration)`,
    '(reference)',
    kcm ? `${kcm.mttrSeconds} s` : undefined,
    '',
  ],
  [
    'detector API requests at steady state',
    'watches only, no LIST after start-up',
    `${lists.length === 0 ? 'no LIST' : lists.map(([k, v]) => `${k}: ${v}`).join(', ')}; ${detRows.length === 0 ? 'no measurable difference from the baseline' : detRows.map(([k, v]) => `${k} ${v}/min`).join(', ')}`,
    verdict(lists.length === 0),
  ],
  [
    'detector resident memory (VmRSS)',
    '≤ 150 MB',
    `${d.rssMb.afterWarmUp ?? '—'} MiB after warm-up, ${rssMax} MiB max (steady state and MTTR runs), as the product runs it (\`${flags}\`); ${plainSamples.length ? Math.max(...plainSamples) : '—'} MiB with Node's default flags`,
    verdict(rssMax <= 150),
  ],
])}

## 1. Detection overhead

An in-process detector (\`createDetector\`, the product code) with a ${o.windowSeconds} s window
(\`health_check_interval\` ${o.windowSeconds} × \`node_failure_threshold\` 1, \`dry_run\`), a Temporal task queue no
worker polls (the recoveries just start; they are terminated afterwards), and ${o.failures} nodes failed
(Ready=False written by \`failNode\`) in batches of ${settings.batch}, 0.3 s apart, each batch restored
before the next (below the storm threshold). \`overheadMs = resolvedAt − windowElapsedAt\` from
\`detector.stats().recoveries\`, where \`resolvedAt\` is when \`signalWithStart\` returned from the
Temporal dev server (the workflow exists).

${table([
  ['', 'p50', 'p99', 'max'],
  [
    'window elapsed → workflow started (overheadMs)',
    `${o.overheadMs.p50} ms`,
    `${o.overheadMs.p99} ms`,
    `${o.overheadMs.max} ms`,
  ],
  ['of which timer lag (window elapsed → acted)', `${o.timerLagMs.p50} ms`, `${o.timerLagMs.p99} ms`, ''],
  ['of which the signalWithStart call', `${o.startCallMs.p50} ms`, `${o.startCallMs.p99} ms`, ''],
])}

The detector LISTed nodes ${o.informerLists} time(s) over the whole run (start-up only).

## 2. MTTR: NotReady written → every evicted workload Ready elsewhere

Same injection on both sides: \`failNode(kc, node, 'NotReady')\` writes Ready=False
(reason KubeletNotReady) through the status subresource, as a kubelet with a broken runtime does; kwok
keeps renewing the node's Lease. kube-controller-manager's node-lifecycle controller reads the same
condition and taints the node \`not-ready\` NoSchedule+NoExecute; its taint-eviction controller then
evicts pods when their default toleration (${String(r.lab.notReadyTolerationSeconds)} s, added by the
DefaultTolerationSeconds admission plugin) runs out. The clock starts just before the status patch;
it stops when every Deployment that had a pod on the node has its replicas Ready (not terminating) on
other nodes and none of its pods is left on the failed node (pods listed every second).

- **ours**: \`npm run worker\` and \`npm run detector\` as separate processes, the ConfigMap at defaults
  except \`node_provider: sim\` (window ${ours90?.windowSeconds ?? 90} s = 3 × 30 s; then \`health_check_interval\` 10 ×
  \`node_failure_threshold\` 3 = 30 s). The recovery cordons and drains through the Eviction API.
  After the measurement the node is restored, and the recovery sees it Ready, uncordons and completes.
- **kube-controller-manager**: a node labelled \`${OPT_OUT}=true\`, so the detector ignores it, failed
  at the same moment as ours (side by side in the same run).

${table([
  [
    'side',
    'node',
    'window',
    'pods on node',
    'Deployments',
    'workflow started',
    'first eviction',
    'MTTR',
    'recovery result',
  ],
  ...r.mttr.runs.map((x) => [
    x.side,
    x.node,
    x.windowSeconds === undefined ? '—' : `${x.windowSeconds} s`,
    x.podsOnNode,
    x.deployments,
    x.workflowStartedSeconds === undefined ? '—' : `${x.workflowStartedSeconds} s`,
    x.firstEvictionSeconds === undefined ? '—' : `${x.firstEvictionSeconds} s`,
    `**${x.mttrSeconds} s**`,
    x.workflowResult === undefined ? '—' : `\`${x.workflowResult.replace(/\|/g, '\\|').slice(0, 120)}\``,
  ]),
])}

A kubelet that goes silent instead (Ready=Unknown) adds the node-monitor grace period
(${String(r.lab.nodeMonitorGracePeriod)}) to kube-controller-manager's side; ours counts its window from the
same transition.

## 3. Control-plane load at steady state

\`apiserver_request_total\` from the apiserver's \`/metrics\` (admin client certificate), summed by verb
and resource, over three ${r.load.windowSeconds} s windows after the pods were Ready and 30 s of settling:

1. **baseline**: nothing of ours running (kube-controller-manager, scheduler and kwok's Lease renewals
   and heartbeats only);
2. **detector**: \`node ${flags} dist/starter/detector-main.js\` alone, measured from 30 s after it logged
   \`detector started\`; its start-up requests (one LIST of nodes, one of the ConfigMap) fall before
   the window and are reported separately;
3. **polling loop**: the design document's loop replayed by this script: every 30 s, list all
   nodes, all pods, all services, and GET the endpoints of each service.

The metric has no per-client label, so a client's share is its window minus the baseline, row by row.
A watch is counted by the apiserver when it ends, so a long-lived watch shows up as a rare WATCH.
A watch that carries no event for 30 s is ended by \`@kubernetes/client-node\` itself (its \`Watch\`
has a fixed 30 s inactivity timeout) and resumed from its resourceVersion, without a LIST: that is
why the detector's ConfigMap watch (a ConfigMap that does not change) shows up every 18–30 s
(bookmarks reset the timer now and then), and its node watch, fed by node heartbeats, rarely.
Mutating rows (Lease renewals, node heartbeats) are the same in every window apart from jitter and
are only in the totals.

${table([
  ['requests/min', 'baseline', 'detector', 'polling loop'],
  ['all requests', r.load.baseline.totalPerMin, d.totalPerMin, r.load.polling.totalPerMin],
  ...Object.entries(r.load.readsPerMin).map(([k, v]) => [k, v.baseline, v.detector, v.polling]),
])}

Attributable (window − baseline, rows differing by at least one request; kwok's Lease and heartbeat
writes jitter by a few requests between windows):

- detector: ${detRows.length === 0 ? 'none' : detRows.map(([k, v]) => `${k} ${v}/min`).join(', ')}
- polling loop: ${pollRows.map(([k, v]) => `${k} ${v}/min`).join(', ')}

- Detector requests on nodes/ConfigMaps/Events inside its window:
  ${
    Object.keys(d.nodeAndConfigMapRequestsInWindow).length === 0
      ? 'none'
      : Object.entries(d.nodeAndConfigMapRequestsInWindow)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')
  }
  (these rows are not the detector's alone: kube-controller-manager's, the scheduler's and kwok's
  reflectors end their watches 5–10 min after they started, which fell into the detector and polling
  windows, not the baseline; the detector window also shows WATCH pods, services and endpoints, which
  the detector never watches); at start-up:
  ${
    Object.entries(d.startup)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ') || 'none'
  }.
- Counted by the detector itself: ${
    r.detectorInformerDirect
      ? `over ${r.detectorInformerDirect.seconds} s its node informer opened ${r.detectorInformerDirect.nodeInformer.watches} new watch(es), made ${r.detectorInformerDirect.nodeInformer.lists} LIST(s) and ${r.detectorInformerDirect.nodeInformer.restarts} restart(s) (${r.detectorInformerDirect.method})`
      : 'not measured in this run (bench/detector-requests.ts)'
  }.
- The polling loop sent ${r.load.polling.requestsSent} requests in ${r.load.polling.iterations} iterations
  (${r.load.polling.requestsPerMinSent}/min), ${(r.load.polling.bytesPerMin / 1024 / 1024).toFixed(1)} MiB/min of responses; one
  iteration took ${r.load.polling.iterationMs.p50} ms (p50), ${r.load.polling.iterationMs.max} ms (max).

## 4. Detector resident memory

VmRSS of the detector process (\`/proc/<pid>/status\`) with ${r.lab.nodes} nodes and ${r.lab.pods} pods in the
cluster, run as the product runs it (\`node ${flags} dist/starter/detector-main.js\`): ${d.rssMb.afterWarmUp ?? '—'} MiB 30 s after start-up, max ${d.rssMb.max} MiB and
${d.rssMb.end ?? '—'} MiB at the end of the steady-state window (samples every 10 s: ${d.rssMb.samples.join(', ')});
max ${r.mttr.detectorRssMb.length ? Math.max(...r.mttr.detectorRssMb) : '—'} MiB while it drove the MTTR recoveries.
The same detector with Node's default flags settled at ${plainSamples.join(', ') || '—'} MiB: the
product's \`--max-semi-space-size=1\` caps V8's young generation at 1 MiB per semi-space.

The detector's own state is small: it watches nodes only (trimmed to name, labels and conditions),
so the pod count does not enter its cache. The floor is the code it loads. On this machine, a Node 24
process that only \`require\`s \`@kubernetes/client-node\` and \`@temporalio/client\` (no connection, no
objects) is at 144 MiB RSS (126 MiB with \`--max-semi-space-size=1\`, 42 MiB for a bare \`node\`),
measured by hand on the same day with \`node -e "require(…); setTimeout(() => console.log(process.memoryUsage()), 3000)"\`.

## 5. Start → first eviction

What a recovery does between its workflow start and its first eviction (the "first eviction" column
above) is broken down, step by step from a workflow history and the worker's API calls, in
[start-to-first-eviction.md](start-to-first-eviction.md) (measured by hand, not generated).
`;
}

/** `node dist/bench/bench/node-recovery.js --report` renders the Markdown again from the JSON. */
runBench(main, settings.outDir, 'node-recovery', report);
