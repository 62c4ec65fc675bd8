/**
 * The detector's pod source on the lab's real apiserver, with a fake recovery gateway that records
 * every call (the workload recovery workflow is tested on its own). Pods crash-loop through the
 * kwok crash Stage (tools/sim crashLoopPod), so their status is what a kubelet writes.
 * `workload.confirmation_window` is 0 so that a crash is confirmed at once.
 */
import type { V1PodTemplateSpec } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { staticConfigSource } from '../../src/config/config-source';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { Evidence, WorkloadRecoveryInput, WorkloadTarget } from '../../src/domain';
import { workloadTargetKey } from '../../src/domain';
import { silentLogger } from '../../src/logging';
import type { Detector, DetectorEvent, RecoveryGateway } from '../../src/starter/detector';
import { createDetector } from '../../src/starter/detector';
import { Sim, crashLoopPod, healPod, isPodReady, loadLabKubeConfig, sleep, waitFor } from '../../tools/sim';

const stamp = Date.now().toString(36);
const namespace = `pod-detector-${stamp}`;
const optedOutNamespace = `pod-detector-out-${stamp}`;
const optOutLabel = 'self-healing.temporal.io/exclude';

const kc = loadLabKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

/** Records what the detector asks of Temporal. */
class RecordingGateway implements RecoveryGateway {
  readonly started: WorkloadRecoveryInput[] = [];
  readonly signals: { workload: string; evidence: Evidence }[] = [];
  async start(): Promise<never> {
    throw new Error('no node recovery expected: the node source does not run here');
  }
  async signal(): Promise<never> {
    throw new Error('no node recovery expected: the node source does not run here');
  }
  async startWorkload(input: WorkloadRecoveryInput) {
    this.started.push(input);
    return { workflowId: `workload-recovery/${workloadTargetKey(input.workload)}`, runId: 'run-1' };
  }
  async signalWorkload(workload: WorkloadTarget, evidence: Evidence) {
    this.signals.push({ workload: workloadTargetKey(workload), evidence });
    return 'signalled' as const;
  }
  startsOf(key: string) {
    return this.started.filter((s) => workloadTargetKey(s.workload) === key);
  }
  signalsOf(key: string) {
    return this.signals.filter((s) => s.workload === key);
  }
}

const gateway = new RecordingGateway();
const events: DetectorEvent[] = [];
const configSource = staticConfigSource(
  parseRecoveryConfig({
    'workload.confirmation_window': '0',
    // A healed pod that restarted often within the window still counts as failing (RestartsRising):
    // the highest threshold keeps these short crash loops from it.
    pod_restart_threshold: '20',
  }),
);
let detector: Detector;

function template(app: string): V1PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: `registry.example.invalid/${app}:1.0` }],
    },
  };
}

async function readyPods(ns: string, app: string, count: number): Promise<string[]> {
  const pods = await waitFor(
    `${count} ready pods of ${app}`,
    async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })).items,
    (items) => items.filter((p) => isPodReady(p) && !p.metadata?.deletionTimestamp).length === count,
    { timeoutMs: 60_000 },
  );
  return pods.map((p) => p.metadata?.name ?? '').sort();
}

async function crashAll(ns: string, names: string[]): Promise<void> {
  await Promise.all(names.map((name) => crashLoopPod(kc, ns, name)));
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespace({
    body: { metadata: { name: optedOutNamespace, labels: { [optOutLabel]: 'true' } } },
  });
  detector = createDetector({
    kubernetes: createDetectorKubernetes(kc, silentLogger),
    recoveries: gateway,
    configSource,
    logger: silentLogger,
    sources: ['pods'],
  });
  detector.subscribe((event) => events.push(event));
  await detector.start();
});

afterAll(async () => {
  await detector?.stop();
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await core.deleteNamespace({ name: optedOutNamespace }).catch(() => undefined);
});

describe('the pod source on the lab', () => {
  const web = `Deployment/${namespace}/web`;
  let webPods: string[] = [];

  it('starts exactly one recovery for a Deployment whose two pods crash-loop, and signals the second pod as evidence', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template('web') },
      },
    });
    webPods = await readyPods(namespace, 'web', 2);
    await crashAll(namespace, webPods);
    await waitFor(
      'a start and evidence about the other pod',
      async () => ({ starts: gateway.startsOf(web), signals: gateway.signalsOf(web) }),
      ({ starts, signals }) =>
        starts.length === 1 && signals.some((s) => s.evidence.pod && s.evidence.pod !== starts[0]?.pod),
      { timeoutMs: 30_000 },
    );
    await sleep(Sim.crashStageMaxDelayMs + 1_000);
    const [start] = gateway.startsOf(web);
    expect(gateway.startsOf(web)).toHaveLength(1);
    expect(start).toMatchObject({ workload: { kind: 'Deployment', namespace, name: 'web' } });
    expect(webPods).toContain(start?.pod);
    expect(['CrashLoopBackOff', 'RestartsRising', 'NotReady']).toContain(start?.reason);
    expect(start?.policy.restartAttempts).toBe(3);
    const other = webPods.find((p) => p !== start?.pod);
    expect(gateway.signalsOf(web).map((s) => s.evidence.pod)).toContain(other);
    const record = detector.stats().pods?.recoveries.find((r) => r.workload === web);
    expect(record?.overheadMs).toBeGreaterThanOrEqual(0);
    expect(events).toContainEqual(expect.objectContaining({ type: 'workload-recovery-started' }));
    expect(detector.stats().pods?.unhealthy).toContainEqual(
      expect.objectContaining({ workload: web, started: true }),
    );
  });

  it('signals one Ready once every pod of the Deployment is healthy again', async () => {
    await Promise.all(webPods.map((name) => healPod(kc, namespace, name)));
    await waitFor(
      'the Ready evidence',
      async () => gateway.signalsOf(web).filter((s) => s.evidence.reason === 'Ready'),
      (ready) => ready.length > 0,
      { timeoutMs: 30_000 },
    );
    await sleep(3_000);
    expect(gateway.signalsOf(web).filter((s) => s.evidence.reason === 'Ready')).toHaveLength(1);
    expect(gateway.startsOf(web)).toHaveLength(1);
  });

  it('groups a bare pod as kind Pod, a StatefulSet pod and a DaemonSet pod as their own kinds', async () => {
    await core.createNamespacedPod({
      namespace,
      body: { ...template('bare'), metadata: { name: 'bare', labels: { app: 'bare' } } },
    });
    await apps.createNamespacedStatefulSet({
      namespace,
      body: {
        metadata: { name: 'db' },
        spec: {
          replicas: 1,
          serviceName: 'db',
          selector: { matchLabels: { app: 'db' } },
          template: template('db'),
        },
      },
    });
    const node = (await core.listNode({ labelSelector: `${Sim.managedLabel}=true` })).items[0]?.metadata
      ?.name;
    const agent = template('agent');
    await apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            ...agent,
            spec: { ...agent.spec!, nodeSelector: { 'kubernetes.io/hostname': node ?? '' } },
          },
        },
      },
    });
    const pods = [
      ...(await readyPods(namespace, 'bare', 1)),
      ...(await readyPods(namespace, 'db', 1)),
      ...(await readyPods(namespace, 'agent', 1)),
    ];
    await crashAll(namespace, pods);
    const keys = [`Pod/${namespace}/bare`, `StatefulSet/${namespace}/db`, `DaemonSet/${namespace}/agent`];
    await waitFor(
      'one start for each',
      async () => keys.map((k) => gateway.startsOf(k).length),
      (counts) => counts.every((n) => n === 1),
      { timeoutMs: 30_000 },
    );
    await Promise.all(pods.map((name) => healPod(kc, namespace, name)));
  });

  it('suppresses the failure of a pod whose namespace opted out, and says why', async () => {
    await core.createNamespacedPod({
      namespace: optedOutNamespace,
      body: { ...template('quiet'), metadata: { name: 'quiet', labels: { app: 'quiet' } } },
    });
    await readyPods(optedOutNamespace, 'quiet', 1);
    await crashLoopPod(kc, optedOutNamespace, 'quiet');
    await waitFor(
      'the suppression',
      async () => events,
      (all) => all.some((e) => e.type === 'finding-suppressed' && 'pod' in e && e.pod === 'quiet'),
      { timeoutMs: 30_000 },
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'finding-suppressed',
        workload: `Pod/${optedOutNamespace}/quiet`,
        why: 'opted-out',
        detail: `namespace label ${optOutLabel}=true`,
      }),
    );
    expect(gateway.startsOf(`Pod/${optedOutNamespace}/quiet`)).toEqual([]);
    await healPod(kc, optedOutNamespace, 'quiet');
  });

  it('watches only: one LIST per informer', async () => {
    const informers = detector.stats().pods?.informers;
    expect([informers?.pods.lists, informers?.replicaSets.lists, informers?.namespaces.lists]).toEqual([
      1, 1, 1,
    ]);
    expect(detector.stats().pods?.cached.pods).toBeGreaterThan(0);
  });
});
