/**
 * The Service recovery activities over the Kubernetes adapter, against the lab's real API server:
 * a Service read with its EndpointSlices and the workload behind them, the HTTP check of its
 * endpoints (a local server the suite starts, named in an EndpointSlice the suite writes, so the
 * test does not depend on how the lab's backends are wired), failover's switch (replaced whole,
 * idempotent, stepping back when someone else changed the selector), scaling (done once per step,
 * refused under an HPA) and the dependency graph with a missing and an invalid Service. Runs
 * against the lab started by `make test` (KUBECONFIG); it fails without it.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import {
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createKubernetesCluster } from '../../src/activities/kubernetes/cluster';
import { createServiceActivities } from '../../src/activities/service';
import { defaultRecoveryConfig } from '../../src/config/recovery-config';
import type { ServiceTarget } from '../../src/domain';
import { ServiceAnnotations, WorkloadAnnotations } from '../../src/domain';
import { isPodReady, loadLabKubeConfig, waitFor } from '../../tools/sim';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const namespace = `svc-act-${Date.now().toString(36)}`;
const OPT_OUT = 'self-healing.temporal.io/exclude';

const kc = loadLabKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const autoscaling = kc.makeApiClient(AutoscalingV2Api);
const cluster = createKubernetesCluster(kc, { optOutLabel: OPT_OUT });
const activities = createServiceActivities({
  services: cluster,
  workloads: cluster,
  serviceConfig: () => defaultRecoveryConfig,
  metricSource: () => undefined,
  optOutLabel: () => OPT_OUT,
});
/** Runs an activity as Temporal would, in workflow `wf-1` (the Events and step tokens name it). */
const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'wf-1', runId: 'run-1' } });
const run = <A, R>(fn: (arg: A) => Promise<R>, arg: A): Promise<R> => env.run(fn, arg);

let server: Server;
let port: number;
let webPods: V1Pod[];
const web: ServiceTarget = { namespace, name: 'web' };

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(req.url === '/healthz' ? 200 : req.url === '/ready' ? 204 : 503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  try {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  } catch (error) {
    throw new Error(
      `the simulated cluster at ${kc.getCurrentCluster()?.server} does not answer (start it with \`make lab-up\`): ${String(error)}`,
    );
  }
  await createDeployment('web', 2);
  webPods = await waitFor(
    'the pods of web to be Ready',
    async () => (await core.listNamespacedPod({ namespace, labelSelector: 'app=web' })).items,
    (pods) => pods.length === 2 && pods.every(isPodReady),
    { timeoutMs: 90_000 },
  );
  // No spec.selector: the suite writes the Service's EndpointSlice itself, FQDN as the lab backends'
  // (the API rejects loopback addresses in IPv4 slices).
  await createService(
    'web',
    {},
    {
      [ServiceAnnotations.dependsOn]: 'cache, missing, bad',
      [ServiceAnnotations.checkPath]: '/healthz',
    },
  );
  await discovery.createNamespacedEndpointSlice({
    namespace,
    body: {
      metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'FQDN',
      ports: [{ name: 'http', port, protocol: 'TCP' }],
      endpoints: [
        {
          addresses: ['127.0.0.1'],
          targetRef: { kind: 'Pod', name: webPods[0]!.metadata!.name!, namespace },
        },
        {
          addresses: ['127.0.0.2'],
          conditions: { ready: false },
          targetRef: { kind: 'Pod', name: webPods[1]!.metadata!.name!, namespace },
        },
      ],
    },
  });
  await createService('cache', {}, {});
  await createService('bad', {}, { [ServiceAnnotations.checkTimeout]: 'soon' });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

async function createDeployment(name: string, replicas: number): Promise<void> {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds: 5,
            containers: [{ name: 'app', image: `registry.example.invalid/${name}:1.0` }],
          },
        },
      },
    },
  });
}

async function createService(
  name: string,
  selector: Record<string, string>,
  annotations: Record<string, string>,
) {
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, annotations },
      spec: {
        ...(Object.keys(selector).length > 0 ? { selector } : {}),
        ports: [{ port: 80, targetPort: port }],
      },
    },
  });
}

async function annotate(
  name: string,
  annotations: Record<string, string | null>,
  labels?: Record<string, string | null>,
) {
  await core.patchNamespacedService(
    { name, namespace, body: { metadata: { annotations, ...(labels ? { labels } : {}) } } },
    mergePatch,
  );
}

async function eventsOn(kind: string, name: string, reason: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items
    .filter((e) => e.involvedObject.kind === kind && e.reason === reason)
    .map((e) => e.message ?? '');
}

describe('inspectService', () => {
  it('reads the annotations, the endpoints of its EndpointSlices and the workload behind them', async () => {
    const view = await run(activities.inspectService, { service: web });

    expect(view.exists).toBe(true);
    expect(view.spec?.dependencies.map((d) => d.name)).toEqual(['cache', 'missing', 'bad']);
    expect(view.spec?.check).toEqual({ path: '/healthz', timeoutMs: 2000, status: { min: 200, max: 299 } });
    expect(view.selector).toEqual({});
    expect(view.endpoints).toEqual([
      { address: `127.0.0.1:${port}`, ready: true, pod: webPods[0]!.metadata!.name },
      { address: `127.0.0.2:${port}`, ready: false, pod: webPods[1]!.metadata!.name },
    ]);
    expect(view.workloads).toEqual([{ kind: 'Deployment', namespace, name: 'web' }]);
    expect(view.optedOut).toBeUndefined();
  });

  it('finds the workloads of a selector Service through its pods', async () => {
    await createService('web-selected', { app: 'web' }, {});
    const view = await run(activities.inspectService, { service: { namespace, name: 'web-selected' } });
    expect(view.selector).toEqual({ app: 'web' });
    expect(view.workloads).toEqual([{ kind: 'Deployment', namespace, name: 'web' }]);
  });

  it('says why a Service is opted out, and that a deleted one does not exist', async () => {
    await createService('quiet', {}, {});
    await annotate('quiet', {}, { [OPT_OUT]: 'true' });
    expect((await run(activities.inspectService, { service: { namespace, name: 'quiet' } })).optedOut).toBe(
      `${OPT_OUT}=true on the Service`,
    );
    expect(await run(activities.inspectService, { service: { namespace, name: 'missing' } })).toEqual({
      exists: false,
      selector: {},
      endpoints: [],
      workloads: [],
    });
  });

  it('reports bad annotations instead of a spec, naming the value', async () => {
    const view = await run(activities.inspectService, { service: { namespace, name: 'bad' } });
    expect(view.spec).toBeUndefined();
    expect(view.problems).toEqual([
      expect.objectContaining({ annotation: ServiceAnnotations.checkTimeout, value: 'soon' }),
    ]);
  });
});

describe('checkConnectivity and serviceHealth', () => {
  it('checks every ready endpoint with the Service’s own check', async () => {
    expect(await run(activities.checkConnectivity, { service: web })).toEqual({
      checked: 1,
      passed: 1,
      failures: [],
    });
    expect(await run(activities.serviceHealth, { service: web })).toEqual({
      exists: true,
      healthy: true,
      readyEndpoints: 1,
      why: '',
    });

    await annotate('web', { [ServiceAnnotations.checkPath]: '/broken' });
    expect(await run(activities.checkConnectivity, { service: web })).toEqual({
      checked: 1,
      passed: 0,
      failures: [`127.0.0.1:${port}: HTTP 503`],
    });
    const health = await run(activities.serviceHealth, { service: web });
    expect(health.healthy).toBe(false);
    expect(health.why).toContain('HTTP 503');

    await annotate('web', {
      [ServiceAnnotations.checkPath]: '/ready',
      [ServiceAnnotations.checkStatus]: '204',
    });
    expect((await run(activities.checkConnectivity, { service: web })).passed).toBe(1);
    await annotate('web', {
      [ServiceAnnotations.checkPath]: '/healthz',
      [ServiceAnnotations.checkStatus]: null,
    });
  });

  it('is unhealthy with no ready endpoint, and when the Service is gone', async () => {
    const cache = { namespace, name: 'cache' };
    expect(await run(activities.checkConnectivity, { service: cache })).toEqual({
      checked: 0,
      passed: 0,
      failures: ['no ready endpoint'],
    });
    expect(await run(activities.serviceHealth, { service: cache })).toMatchObject({
      exists: true,
      healthy: false,
      readyEndpoints: 0,
    });
    expect(await run(activities.serviceHealth, { service: { namespace, name: 'missing' } })).toMatchObject({
      exists: false,
      healthy: false,
    });
  });
});

describe('selectorHealth', () => {
  it('counts the pods an equality selector matches, the Ready ones, and their workloads', async () => {
    expect(await run(activities.selectorHealth, { namespace, selector: { app: 'web' } })).toEqual({
      pods: 2,
      ready: 2,
      workloads: [{ kind: 'Deployment', namespace, name: 'web' }],
    });
    expect(await run(activities.selectorHealth, { namespace, selector: { app: 'nothing' } })).toEqual({
      pods: 0,
      ready: 0,
      workloads: [],
    });
  });
});

describe('switchServiceSelector', () => {
  const db: ServiceTarget = { namespace, name: 'db' };
  const primary = { app: 'db', role: 'primary' };
  const secondary = { app: 'db-standby' };

  beforeAll(async () => {
    await createService('db', primary, {
      [ServiceAnnotations.failoverPrimary]: 'app=db,role=primary',
      [ServiceAnnotations.failoverSecondary]: 'app=db-standby',
    });
  });

  const readDb = () => core.readNamespacedService({ namespace, name: 'db' });

  it('writes nothing in dry-run', async () => {
    const result = await run(activities.switchServiceSelector, {
      service: db,
      to: 'secondary',
      selector: secondary,
      step: 'failover-1',
      dryRun: true,
    });
    expect(result.outcome).toBe('dry-run');
    expect((await readDb()).spec?.selector).toEqual(primary);
  });

  it('replaces the selector whole, records the side and an Event, and a retry finds it done', async () => {
    const request = {
      service: db,
      to: 'secondary' as const,
      selector: secondary,
      step: 'failover-1',
      dryRun: false,
    };
    const switched = await run(activities.switchServiceSelector, request);

    expect(switched).toEqual({
      outcome: 'done',
      detail: `switched Service ${namespace}/db from app=db,role=primary to app=db-standby (secondary)`,
    });
    const after = await readDb();
    expect(after.spec?.selector).toEqual(secondary);
    expect(after.metadata?.annotations?.[ServiceAnnotations.failoverActive]).toBe('secondary');
    expect(await eventsOn('Service', 'db', 'SelfHealingFailover')).toEqual([
      `${switched.detail} (workflow wf-1)`,
    ]);
    expect((await run(activities.inspectService, { service: db })).failoverActive).toBe('secondary');

    // The same step again (a retried attempt): done, with the Event recorded again at most.
    expect((await run(activities.switchServiceSelector, request)).detail).toMatch(/earlier attempt/);
    // Another step finds it already there and writes nothing.
    const again = await run(activities.switchServiceSelector, { ...request, step: 'failover-2' });
    expect(again).toEqual({
      outcome: 'done',
      detail: `Service ${namespace}/db already selects app=db-standby`,
    });
    expect((await readDb()).metadata?.resourceVersion).toBe(after.metadata?.resourceVersion);
  });

  it('steps back when someone else pointed the Service at neither side, and says a deleted one is gone', async () => {
    await core.patchNamespacedService(
      {
        namespace,
        name: 'db',
        body: [{ op: 'replace', path: '/spec/selector', value: { app: 'db-maintenance' } }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const result = await run(activities.switchServiceSelector, {
      service: db,
      to: 'primary',
      selector: primary,
      step: 'switch-back-1',
      dryRun: false,
    });
    expect(result.outcome).toBe('changed');
    expect((await readDb()).spec?.selector).toEqual({ app: 'db-maintenance' });

    const gone = await run(activities.switchServiceSelector, {
      service: { namespace, name: 'missing' },
      to: 'primary',
      selector: primary,
      step: 'switch-back-1',
      dryRun: false,
    });
    expect(gone.outcome).toBe('gone');
  });
});

describe('scaling', () => {
  const api = { kind: 'Deployment' as const, namespace, name: 'api' };

  beforeAll(() => createDeployment('api', 1));

  it('scales once per step, records when, and refuses a change someone else made', async () => {
    const view = await run(activities.workloadScale, { workload: api });
    expect(view).toMatchObject({ exists: true, replicas: 1 });
    expect(view.hpa).toBeUndefined();

    const request = { workload: api, from: 1, replicas: 2, step: 'scale-up-1', dryRun: false };
    expect(await run(activities.scaleWorkload, { ...request, dryRun: true })).toMatchObject({
      outcome: 'dry-run',
    });
    const scaled = await run(activities.scaleWorkload, request);
    expect(scaled).toEqual({
      outcome: 'done',
      detail: `scaled Deployment/${namespace}/api from 1 to 2 replicas`,
    });
    const deployment = await apps.readNamespacedDeployment({ namespace, name: 'api' });
    expect(deployment.spec?.replicas).toBe(2);
    expect(deployment.metadata?.annotations?.[WorkloadAnnotations.lastScaledBy]).toBe('wf-1#scale-up-1');
    const lastScaledAt = deployment.metadata?.annotations?.[WorkloadAnnotations.lastScaled];
    expect(new Date(lastScaledAt ?? '').toISOString()).toBe(lastScaledAt);
    expect((await run(activities.workloadScale, { workload: api })).lastScaledAt).toBe(lastScaledAt);
    expect(await eventsOn('Deployment', 'api', 'SelfHealingScaled')).toEqual([
      `${scaled.detail} (workflow wf-1)`,
    ]);

    expect((await run(activities.scaleWorkload, request)).detail).toMatch(/earlier attempt/);
    expect(await run(activities.scaleWorkload, { ...request, step: 'scale-up-2' })).toMatchObject({
      outcome: 'changed',
    });
  });

  it('refuses a workload an HPA manages, and kinds other than Deployments and StatefulSets', async () => {
    await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: {
        metadata: { name: 'api' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
          minReplicas: 1,
          maxReplicas: 5,
        },
      },
    });
    expect((await run(activities.workloadScale, { workload: api })).hpa).toBe(`${namespace}/api`);
    const refused = await run(activities.scaleWorkload, {
      workload: api,
      from: 2,
      replicas: 4,
      step: 'scale-up-3',
      dryRun: false,
    });
    expect(refused).toEqual({
      outcome: 'refused',
      detail: `Deployment/${namespace}/api is scaled by the HorizontalPodAutoscaler ${namespace}/api`,
    });
    expect((await apps.readNamespacedDeployment({ namespace, name: 'api' })).spec?.replicas).toBe(2);

    const daemonSet = { kind: 'DaemonSet' as const, namespace, name: 'agent' };
    expect(
      (
        await run(activities.scaleWorkload, {
          workload: daemonSet,
          from: 1,
          replicas: 2,
          step: 's',
          dryRun: false,
        })
      ).outcome,
    ).toBe('refused');
    expect(await run(activities.workloadScale, { workload: { ...api, name: 'missing' } })).toEqual({
      exists: false,
      replicas: 0,
      ready: 0,
    });
  });
});

describe('dependencyGraph', () => {
  it('follows depends-on, listing the missing and the invalid Services', async () => {
    expect(await run(activities.dependencyGraph, { service: web })).toEqual({
      edges: {
        [`Service/${namespace}/web`]: [
          `Service/${namespace}/cache`,
          `Service/${namespace}/missing`,
          `Service/${namespace}/bad`,
        ],
        [`Service/${namespace}/cache`]: [],
      },
      missing: [`Service/${namespace}/missing`],
      invalid: {
        [`Service/${namespace}/bad`]: `${ServiceAnnotations.checkTimeout}="soon": expected seconds, more than 0 and at most 60`,
      },
    });
  });
});

describe('recordServiceEvent', () => {
  it('records a core/v1 Event on the Service from the product', async () => {
    await run(activities.recordServiceEvent, {
      service: { namespace, name: 'cache' },
      type: 'Warning',
      reason: 'SelfHealingInvalidAnnotation',
      message: 'bad value',
    });
    const list = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=cache' });
    expect(
      list.items.map((e) => [e.involvedObject.kind, e.type, e.reason, e.message, e.source?.component]),
    ).toEqual([['Service', 'Warning', 'SelfHealingInvalidAnnotation', 'bad value', 'temporal-self-healing']]);
  });
});
