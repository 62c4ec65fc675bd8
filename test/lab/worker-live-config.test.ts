/**
 * The worker follows the live ConfigMap, against the simulated cluster's real apiserver: the
 * worker's adapters (src/worker/live-config.ts) are built over the same live config source the
 * worker process starts, then the ConfigMap is changed, broken and changed again while they run.
 * Runs on the lab `make test` starts (KUBECONFIG); without it the suite fails, it never skips.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { LiveConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { createClusterConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { silentLogger } from '../../src/logging';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';
import type { LiveAdapters } from '../../src/worker/live-config';
import { WORKER_COMPONENT, createLiveAdapters } from '../../src/worker/live-config';
import type { Alert } from '../../src/domain';
import { loadLabKubeConfig, replaceConfigMapData, waitFor } from '../../tools/sim';

const suffix = Date.now().toString(36);
// A namespace and ConfigMap of its own, and a node without the kwok label: nobody else touches it.
const namespace = `worker-config-${suffix}`;
const name = 'self-healing-config';
const node = `worker-config-${suffix}`;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

let kc: KubeConfig;
let core: CoreV1Api;
let source: LiveConfigSource;
let adapters: LiveAdapters;

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name, namespace },
      data: { api_max_concurrency: '3', api_qps: '7', opt_out_label: 'example.com/first' },
    },
  });
  await core.createNode({ body: { metadata: { name: node } } });
  // As src/worker/main.ts does: the source first, then the adapters over it.
  source = createClusterConfigSource(
    createDetectorKubernetes(kc, silentLogger, WORKER_COMPONENT),
    { name, namespace },
    silentLogger,
  );
  await source.start();
  adapters = createLiveAdapters(kc, source);
});

afterAll(async () => {
  adapters?.close();
  await source?.stop();
  await core?.deleteNode({ name: node }).catch(() => undefined);
  await core?.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const replaceData = (data: Record<string, string>): Promise<string> =>
  replaceConfigMapData(kc, { name, namespace }, data);

/** Waits until the source has applied (or rejected) the ConfigMap at `rv`. */
async function applied(rv: string, outcome: 'applied' | 'rejected' = 'applied'): Promise<void> {
  await waitFor(
    `resourceVersion ${rv} ${outcome}`,
    async () => source.status(),
    (s) => (outcome === 'applied' ? s.resourceVersion === rv : s.rejected?.resourceVersion === rv),
    { timeoutMs: 10_000 },
  );
}

/** Sets the node's labels (null removes one) and reads back whether the worker sees it opted out. */
async function optedOutWith(labels: Record<string, string | null>): Promise<boolean> {
  await core.patchNode({ name: node, body: { metadata: { labels } } }, mergePatch);
  return (await adapters.cluster.readNodeHealth(node)).optedOut ?? false;
}

async function alertEvents(): Promise<string[]> {
  const list = await core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: `involvedObject.kind=Node,involvedObject.name=${node},reason=SelfHealingEscalated`,
  });
  return list.items.map((e) => e.message ?? '');
}

function escalation(detail: string): Alert {
  return {
    severity: 'critical',
    target: node,
    title: `Node ${node} needs a human`,
    detail,
    workflowId: `node-recovery/${node}`,
  };
}

describe('the worker on the live ConfigMap', () => {
  test("starts with the ConfigMap's API bounds and opt-out label, not the defaults", async () => {
    expect(adapters.limiter.limits).toMatchObject({ maxConcurrency: 3, qps: 7 });
    expect(adapters.drainConcurrency()).toBe(3);
    expect(await optedOutWith({ 'example.com/first': 'true' })).toBe(true);
    expect(
      await optedOutWith({ 'example.com/first': null, 'self-healing.temporal.io/exclude': 'true' }),
    ).toBe(false);
    await optedOutWith({ 'self-healing.temporal.io/exclude': null });
  });

  test('a ConfigMap change reaches the limiter and the opt-out label without a restart', async () => {
    await applied(
      await replaceData({ api_max_concurrency: '1', api_qps: '50', opt_out_label: 'example.com/second' }),
    );
    expect(adapters.limiter.limits).toMatchObject({ maxConcurrency: 1, qps: 50 });
    expect(adapters.drainConcurrency()).toBe(1);

    // The cluster adapter's real calls now run one at a time: four of five wait for the slot.
    const reads = Array.from({ length: 5 }, () => adapters.cluster.readNodeHealth(node));
    expect(adapters.limiter.queued).toBe(4);
    expect((await Promise.all(reads)).map((h) => h.node)).toEqual(Array(5).fill(node));
    expect(adapters.limiter.inFlight).toBe(0);

    expect(await optedOutWith({ 'example.com/first': 'true' })).toBe(false);
    expect(await optedOutWith({ 'example.com/first': null, 'example.com/second': 'true' })).toBe(true);
  });

  test('an invalid ConfigMap keeps the last good API bounds and opt-out label, and says so in an Event', async () => {
    const rv = await replaceData({ api_max_concurrency: '0', opt_out_label: 'example.com/third' });
    await applied(rv, 'rejected');
    expect(adapters.limiter.limits).toMatchObject({ maxConcurrency: 1, qps: 50 });
    expect(await optedOutWith({ 'example.com/second': 'true' })).toBe(true);
    expect(await optedOutWith({ 'example.com/second': null, 'example.com/third': 'true' })).toBe(false);

    const events = await waitFor(
      'the InvalidConfig event',
      async () =>
        (
          await core.listNamespacedEvent({
            namespace,
            fieldSelector: `involvedObject.kind=ConfigMap,involvedObject.name=${name},reason=InvalidConfig`,
          })
        ).items,
      (items) => items.length > 0,
      { timeoutMs: 10_000 },
    );
    expect(events.map((e) => [e.source?.component, e.involvedObject.resourceVersion])).toEqual([
      [WORKER_COMPONENT, rv],
    ]);
    expect(events[0]?.message).toMatch(/api_max_concurrency: .*\(got "0"\)/);
  });

  test('notification_enabled=false stops the alert Event on the node; true brings it back', async () => {
    const notify = (detail: string) =>
      new MockActivityEnvironment().run(adapters.notifier.notify, escalation(detail));

    await applied(await replaceData({ notification_enabled: 'false' }));
    await notify('while disabled');
    expect(await alertEvents()).toEqual([]);

    await applied(await replaceData({ notification_enabled: 'true' }));
    await notify('enabled again');
    expect(await alertEvents()).toEqual([expect.stringContaining('enabled again')]);
  });
});
