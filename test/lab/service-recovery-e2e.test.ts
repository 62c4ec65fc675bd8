/**
 * Service recovery end to end on the lab, with the real HTTP backends (tools/sim/backends): the
 * worker and the detector run as processes, and every cause is real. A database rolled out to a
 * crashing image takes its API down (the API calls it on every request), so the database is
 * recovered first, then the API verified (both databases replace their pod by Recreate, so a bad
 * rollout really takes them down). A backend overloaded past its capacity answers slowly,
 * is scaled up, and scaled back down when the load stops. A primary rolled out to a crashing image
 * is failed over: the Service's endpoints really move to the secondary, and back after the primary
 * stayed healthy for the stable window. The three scenarios run at once; each test waits for its own.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { ServiceRecoveryResult } from '../../src/domain';
import { ServiceAnnotations as A } from '../../src/domain';
import { disruptionBudgetWorkflowId, serviceRecoveryWorkflowId } from '../../src/workflows/ids';
import { statusQuery } from '../../src/workflows/messages';
import type { LabProduct } from '../support/lab-product';
import { startLabProduct } from '../support/lab-product';
import { recordHistory } from '../support/histories';
import type { BackendSpec } from '../../tools/sim';
import { backendDeployment, backendService, generateLoad, waitFor } from '../../tools/sim';

const GOOD = 'registry.lab/shop/web:1.0';
const CRASHING = 'registry.lab/shop/web:1.1';
/** Windows of seconds, not minutes: the lab's Prometheus scrapes every 2 s. */
const byBackend = (expr: string) => `label_replace(${expr}, "service", "$1", "backend", "(.+)")`;
const config = {
  'service.check_interval': '5',
  'service.failure_threshold': '2',
  'service.stable_window': '5',
  'service.scale_cooldown': '15',
  // Long enough that the load is still watched when the scaling test stops it, whatever ran before.
  'service.scale_watch': '900',
  'service.scale_up_threshold': '5',
  'service.scale_down_threshold': '1',
  'service.failover_stable_window': '15',
  'service.load_query': `sum by (namespace, service) (${byBackend('rate(lab_backend_http_requests_total{namespace="$namespace",backend="$service"}[20s])')})`,
  // The pod source waits longer than the service source here, so that the Services' recoveries,
  // not the detector's workload recoveries, find the crashing pods (and start or join those).
  'workload.confirmation_window': '120',
  'workload.stable_window': '5',
  recovery_timeout: '120',
  'analysis.interval': '5',
  'analysis.rules': 'response_time',
  'analysis.response_time_threshold': '400',
  'analysis.response_time_for': '10',
  'analysis.response_time_query': `1000 * histogram_quantile(0.99, sum by (namespace, service, le) (${byBackend('rate(lab_backend_http_request_duration_seconds_bucket[20s])')}))`,
  'escalation.level1_after': '1',
  'escalation.level2_after': '2',
  'escalation.level3_after': '3',
};
const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

let lab: LabProduct;
let apps: AppsV1Api;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;
let load: AbortController;
/** Who served `pay` over time: each distinct set of pods behind its ready endpoints, in order. */
const payServedBy: string[][] = [];
let watching: NodeJS.Timeout | undefined;
let loadDone: Promise<unknown>;

beforeAll(async () => {
  lab = await startLabProduct('service-e2e', config);
  apps = lab.kc.makeApiClient(AppsV1Api);
  core = lab.kc.makeApiClient(CoreV1Api);
  discovery = lab.kc.makeApiClient(DiscoveryV1Api);
  await Promise.all([setUpDependency(), setUpScaling(), setUpFailover()]);
  watching = setInterval(() => void notePayEndpoints(), 500);
  // The causes, all at once: a bad rollout of the database and of the primary, and load.
  await Promise.all([setImage('db', CRASHING), setImage('pay-primary', CRASHING)]);
  load = new AbortController();
  loadDone = generateLoad(lab.kc, lab.namespace, 'shop', {
    rps: 10,
    durationMs: 1_800_000,
    signal: load.signal,
  });
}, 300_000);

afterAll(async () => {
  clearInterval(watching);
  load?.abort();
  await loadDone?.catch(() => undefined);
  if (lab) {
    lab.cleanup.add(disruptionBudgetWorkflowId('services', lab.taskQueue));
    lab.cleanup.add(disruptionBudgetWorkflowId('workloads', lab.taskQueue));
    await lab.stop();
  }
}, 120_000);

async function deploy(name: string, spec: BackendSpec, change: (d: V1Deployment) => void = () => undefined) {
  const body = backendDeployment(name, spec);
  const pod = body.spec!.template.spec!;
  Object.assign(pod, lab.placement);
  pod.containers[0]!.image = GOOD;
  change(body);
  await apps.createNamespacedDeployment({ namespace: lab.namespace, body });
}

async function expose(name: string, annotations: Record<string, string>, selector = { app: name }) {
  const body = backendService(name);
  body.metadata = { ...body.metadata, annotations };
  body.spec = { ...body.spec, selector };
  await core.createNamespacedService({ namespace: lab.namespace, body });
}

async function setImage(name: string, image: string): Promise<void> {
  // backendDeployment names the container after the Deployment.
  const body = { spec: { template: { spec: { containers: [{ name, image }] } } } };
  await apps.patchNamespacedDeployment({ name, namespace: lab.namespace, body }, strategicMerge);
}

async function readyEndpointPods(service: string): Promise<string[]> {
  const slices = await discovery.listNamespacedEndpointSlice({
    namespace: lab.namespace,
    labelSelector: `kubernetes.io/service-name=${service}`,
  });
  return slices.items.flatMap((s) =>
    (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.targetRef?.name ?? ''),
  );
}

async function notePayEndpoints(): Promise<void> {
  const pods = (await readyEndpointPods('pay').catch(() => undefined))?.sort();
  const last = payServedBy.at(-1);
  if (pods && pods.join() !== last?.join()) payServedBy.push(pods);
}

async function healthy(service: string): Promise<void> {
  await waitFor(
    `${service} has a ready endpoint`,
    () => readyEndpointPods(service),
    (pods) => pods.length > 0,
    {
      timeoutMs: 90_000,
    },
  );
}

/** A database replaces its one pod by stopping it first, as single-writer stores do: a bad rollout takes it down. */
const recreate = (d: V1Deployment) => {
  d.spec!.strategy = { type: 'Recreate' };
};

async function setUpDependency(): Promise<void> {
  await deploy('db', {}, recreate);
  await deploy('api', { upstream: 'db' });
  await expose('db', {});
  await expose('api', { [A.dependsOn]: 'db', [A.checkPath]: '/healthz' });
  await Promise.all([healthy('db'), healthy('api')]);
}

async function setUpScaling(): Promise<void> {
  await deploy('shop', { capacityRps: 6, latencyMs: 800 });
  await expose('shop', { [A.scaling]: 'min=1,max=4', [A.checkPath]: '/healthz' });
  await healthy('shop');
}

async function setUpFailover(): Promise<void> {
  for (const role of ['primary', 'secondary'])
    await deploy(`pay-${role}`, {}, (d) => {
      recreate(d);
      const labels = { app: 'pay', role };
      d.spec!.selector = { matchLabels: labels };
      d.spec!.template.metadata!.labels = { ...d.spec!.template.metadata!.labels, ...labels };
    });
  await expose(
    'pay',
    { [A.failoverPrimary]: 'app=pay,role=primary', [A.failoverSecondary]: 'app=pay,role=secondary' },
    { app: 'pay', role: 'primary' } as { app: string },
  );
  await healthy('pay');
}

/** Waits for the Service's recovery to start and end; with RECORD_HISTORIES=1 saves its history. */
async function recoveryOf(name: string, fixture?: string): Promise<ServiceRecoveryResult> {
  const workflowId = serviceRecoveryWorkflowId({ namespace: lab.namespace, name });
  lab.cleanup.add(workflowId);
  const handle = lab.client.workflow.getHandle(workflowId);
  await waitFor(
    `a recovery of Service ${name}`,
    () =>
      handle.describe().then(
        () => true,
        () => false,
      ),
    (f) => f,
    {
      timeoutMs: 180_000,
    },
  );
  const result = (await handle.result()) as ServiceRecoveryResult;
  if (fixture) await recordHistory(handle, fixture);
  return result;
}

test('a Service whose dependency is down: the dependency is recovered first, then the Service verified', async () => {
  await lab.withProcessLogs(async () => {
    const api = await recoveryOf('api', 'service-recovery-e2e-dependency.json');
    expect(api).toMatchObject({ outcome: 'recovered', strategy: 'dependencies' });
    expect(api.dependencies).toEqual({ [`Service/${lab.namespace}/db`]: 'recovered' });
    const db = await recoveryOf('db');
    expect(db.outcome).toBe('recovered');
    // The cause went away: the database runs its good image again, and the API answers.
    const d = await apps.readNamespacedDeployment({ name: 'db', namespace: lab.namespace });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe(GOOD);
    expect((await readyEndpointPods('api')).length).toBeGreaterThan(0);
    // Every action is told on the Service, where `kubectl describe service` shows it.
    const events = await core.listNamespacedEvent({
      namespace: lab.namespace,
      fieldSelector: 'involvedObject.kind=Service,involvedObject.name=api',
    });
    expect(events.items.map((e) => e.reason)).toEqual(
      expect.arrayContaining(['SelfHealingDependencies', 'SelfHealingRecovered']),
    );
  });
}, 400_000);

test('a backend overloaded past its capacity is scaled up, then back down when the load stops', async () => {
  await lab.withProcessLogs(async () => {
    const workflowId = serviceRecoveryWorkflowId({ namespace: lab.namespace, name: 'shop' });
    const handle = lab.client.workflow.getHandle(workflowId);
    lab.cleanup.add(workflowId);
    const scaledUp = `scaled Deployment/${lab.namespace}/shop from 1 to 2 replicas`;
    await waitFor(
      'shop scaled up',
      () => handle.query(statusQuery).catch(() => undefined),
      (s) => s?.actions.includes(scaledUp) ?? false,
      { timeoutMs: 300_000, intervalMs: 1_000 },
    );
    const up = await apps.readNamespacedDeployment({ name: 'shop', namespace: lab.namespace });
    expect(up.spec?.replicas).toBeGreaterThan(1);
    load.abort();
    const result = await recoveryOf('shop', 'service-recovery-e2e-scaled.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'scale' });
    expect(result.actions).toContain(scaledUp);
    const down = await apps.readNamespacedDeployment({ name: 'shop', namespace: lab.namespace });
    expect(down.spec?.replicas).toBe(1);
  });
}, 500_000);

test('a failing primary: traffic moves to the secondary (the endpoints change), and back after the stable window', async () => {
  await lab.withProcessLogs(async () => {
    const result = await recoveryOf('pay', 'service-recovery-e2e-failover.json');
    expect(result).toMatchObject({ outcome: 'recovered', strategy: 'failover' });
    const pay = await core.readNamespacedService({ name: 'pay', namespace: lab.namespace });
    expect(pay.spec?.selector).toEqual({ app: 'pay', role: 'primary' });
    expect(pay.metadata?.annotations?.[A.failoverActive]).toBe('primary');
    // The endpoints really moved: served by the primary, then by the secondary alone, then by the primary again.
    const side = (pods: string[]) =>
      pods.length === 0
        ? 'none'
        : pods.every((p) => p.startsWith('pay-secondary-'))
          ? 'secondary'
          : pods.every((p) => p.startsWith('pay-primary-'))
            ? 'primary'
            : 'mixed';
    const sides = payServedBy.map(side).filter((s, i, all) => s !== all[i - 1]);
    expect(sides.indexOf('secondary')).toBeGreaterThan(0);
    expect(sides.slice(sides.indexOf('secondary'))).toContain('primary');
    expect(sides.at(-1)).toBe('primary');
    const events = await core.listNamespacedEvent({
      namespace: lab.namespace,
      fieldSelector: 'involvedObject.kind=Service,involvedObject.name=pay,reason=SelfHealingFailover',
    });
    expect(events.items.length).toBeGreaterThanOrEqual(2);
  });
}, 500_000);
