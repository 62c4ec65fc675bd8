/**
 * The lab backends (tools/sim/backends): a Deployment's Ready pods labelled as backends are real
 * HTTP servers on 127.0.0.1, listed in the EndpointSlices of the Service that selects them, with
 * their latency and error rate set by annotations, and counted in the metrics Prometheus scrapes.
 * They are also the lab's EndpointSlice controller: any Service's selector decides its endpoints,
 * backends or not, and a changed selector moves them.
 * Runs against the lab started by `make test`; without it the suite fails, it never skips.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KubeConfig, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Endpoint } from '../../tools/sim';
import {
  Backends,
  backendDeployment,
  backendsMetrics,
  backendsMetricsPort,
  createBackend,
  endpointsOf,
  generateLoad,
  httpGet,
  isPodReady,
  knobAnnotations,
  loadLabKubeConfig,
  unreadyPod,
  waitFor,
} from '../../tools/sim';
import { samplesOf } from '../../tools/sim/prometheus';
import { labStateDir } from '../support/lab';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const namespace = `lab-backends-${Date.now().toString(36)}`;

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(
    `the default ServiceAccount of ${namespace}`,
    () => core.listNamespacedServiceAccount({ namespace }),
    (l) => l.items.some((s) => s.metadata?.name === 'default'),
  );
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

async function livePods(app: string): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Waits until the Service lists exactly `count` ready endpoints and nothing else. */
function readyEndpoints(service: string, count: number, timeoutMs = 30_000): Promise<Endpoint[]> {
  return waitFor(
    `${count} ready endpoints of ${service}`,
    () => endpointsOf(kc, namespace, service),
    (es) => es.length === count && es.every((e) => e.ready && e.serving),
    { timeoutMs },
  );
}

/** The error code of a request that did not get an answer, e.g. ECONNREFUSED. */
async function failureOf(url: string): Promise<string> {
  try {
    const answer = await httpGet(url, 3_000);
    return `answered ${answer.status}`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

async function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const { status } = await httpGet(url);
  return { status, ms: performance.now() - started };
}

test('each Ready pod of a backend Deployment answers on its own 127.0.0.1 port, listed in its Service’s EndpointSlices', async () => {
  await createBackend(kc, namespace, 'web', { replicas: 2 });
  const endpoints = await readyEndpoints('web', 2);
  const pods = (await livePods('web')).map((p) => p.metadata?.name).sort();
  expect(endpoints.map((e) => e.pod)).toEqual(pods);
  expect(new Set(endpoints.map((e) => e.port)).size).toBe(2);
  for (const endpoint of endpoints) {
    expect(endpoint.url).toBe(`http://127.0.0.1:${endpoint.port}`);
    const answer = await httpGet(endpoint.url);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-lab-pod']).toBe(endpoint.pod);
    expect(JSON.parse(answer.body)).toMatchObject({ namespace, backend: 'web', pod: endpoint.pod });
  }
  const slices = await kc
    .makeApiClient(DiscoveryV1Api)
    .listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=web' });
  expect(slices.items.map((s) => s.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'])).toEqual([
    Backends.managedBy,
    Backends.managedBy,
  ]);
  expect(slices.items.map((s) => s.ports?.[0]?.name)).toEqual(['http', 'http']);
});

test('the latency annotation delays every answer, and annotating the pod changes it at once', async () => {
  await createBackend(kc, namespace, 'slow', { latencyMs: 400 });
  const [endpoint] = await readyEndpoints('slow', 1);
  const url = endpoint?.url ?? '';
  const slow = await timedGet(url);
  expect(slow.status).toBe(200);
  expect(slow.ms).toBeGreaterThanOrEqual(400);
  expect(slow.ms).toBeLessThan(1_500);

  await core.patchNamespacedPod(
    {
      name: endpoint?.pod ?? '',
      namespace,
      body: { metadata: { annotations: knobAnnotations({ latencyMs: 0 }) } },
    },
    mergePatch,
  );
  const fast = await waitFor(
    'an answer without the delay',
    () => timedGet(url),
    (a) => a.ms < 200,
  );
  expect(fast.status).toBe(200);
  // Same pod, same server: the endpoint did not move.
  expect((await endpointsOf(kc, namespace, 'slow')).map((e) => e.url)).toEqual([url]);
});

test('a rollout with error rate 1 answers 500 from its new pod; rolling back answers 200 again', async () => {
  await createBackend(kc, namespace, 'shop');
  const [first] = await readyEndpoints('shop', 1);
  expect((await httpGet(first?.url ?? '')).status).toBe(200);

  const rollTo = (errorRate: number) =>
    apps.patchNamespacedDeployment(
      {
        name: 'shop',
        namespace,
        body: { spec: { template: { metadata: { annotations: knobAnnotations({ errorRate }) } } } },
      },
      mergePatch,
    );
  await rollTo(1);
  const [bad] = await waitFor(
    'the bad rollout’s pod as the only endpoint',
    () => endpointsOf(kc, namespace, 'shop'),
    (es) => es.length === 1 && es[0]?.pod !== first?.pod && es[0]?.ready === true,
  );
  for (let i = 0; i < 5; i++) expect((await httpGet(bad?.url ?? '')).status).toBe(500);
  expect(await failureOf(first?.url ?? '')).toBe('ECONNREFUSED');

  await rollTo(0);
  const [good] = await waitFor(
    'a good pod as the only endpoint',
    () => endpointsOf(kc, namespace, 'shop'),
    (es) => es.length === 1 && es[0]?.pod !== bad?.pod && es[0]?.ready === true,
  );
  expect((await httpGet(good?.url ?? '')).status).toBe(200);
});

test('a pod that turns NotReady stops serving and its endpoint is not ready; a deleted pod’s endpoint leaves', async () => {
  await createBackend(kc, namespace, 'api', { replicas: 2 });
  const [a, b] = await readyEndpoints('api', 2);
  if (!a || !b) throw new Error('two endpoints expected');

  await unreadyPod(kc, namespace, a.pod);
  await waitFor(
    `${a.pod}'s endpoint not ready`,
    () => endpointsOf(kc, namespace, 'api'),
    (es) => es.find((e) => e.pod === a.pod)?.ready === false,
  );
  expect(await failureOf(a.url)).toBe('ECONNREFUSED');
  expect((await httpGet(b.url)).status).toBe(200);

  await core.deleteNamespacedPod({ name: b.pod, namespace });
  const after = await waitFor(
    `${b.pod}'s endpoint gone and its replacement ready`,
    () => endpointsOf(kc, namespace, 'api'),
    (es) => !es.some((e) => e.pod === b.pod) && es.filter((e) => e.ready).length === 1,
  );
  expect(await failureOf(b.url)).toBe('ECONNREFUSED');
  const replacement = after.find((e) => e.ready);
  expect(replacement?.pod).not.toBe(a.pod);
  const pods = await livePods('api');
  expect(pods.find((p) => p.metadata?.name === replacement?.pod && isPodReady(p))).toBeDefined();
  expect((await httpGet(replacement?.url ?? '')).status).toBe(200);
});

test('the metrics count every answer by backend and code, with its duration, and Prometheus finds them', async () => {
  await createBackend(kc, namespace, 'counted', { latencyMs: 30 });
  await createBackend(kc, namespace, 'broken', { errorRate: 1 });
  const [counted] = await readyEndpoints('counted', 1);
  const [broken] = await readyEndpoints('broken', 1);
  for (let i = 0; i < 5; i++) await httpGet(counted?.url ?? '');
  for (let i = 0; i < 3; i++) await httpGet(broken?.url ?? '');

  const text = await backendsMetrics();
  const ours = (metric: string, backend: string) =>
    samplesOf(text, metric).filter((s) => s.labels.namespace === namespace && s.labels.backend === backend);
  expect(ours('lab_backend_http_requests_total', 'counted').map((s) => [s.labels.code, s.value])).toEqual([
    ['200', 5],
  ]);
  expect(ours('lab_backend_http_requests_total', 'broken').map((s) => [s.labels.code, s.value])).toEqual([
    ['500', 3],
  ]);
  const buckets = ours('lab_backend_http_request_duration_seconds_bucket', 'counted');
  expect(buckets.find((s) => s.labels.le === '0.025')?.value).toBe(0);
  expect(buckets.find((s) => s.labels.le === '+Inf')?.value).toBe(5);
  expect(ours('lab_backend_http_request_duration_seconds_count', 'counted')[0]?.value).toBe(5);
  expect(ours('lab_backend_http_request_duration_seconds_sum', 'counted')[0]?.value).toBeGreaterThanOrEqual(
    0.15,
  );
  expect(ours('lab_backend_instances', 'counted')[0]?.value).toBe(1);

  const targets: unknown = JSON.parse(
    readFileSync(path.join(labStateDir(), 'prometheus/targets/lab-backends.json'), 'utf8'),
  );
  expect(targets).toEqual([
    { targets: [`127.0.0.1:${backendsMetricsPort()}`], labels: { job: 'lab-backends' } },
  ]);
});

test('the load generator spreads its requests a second over the Service’s ready endpoints', async () => {
  await createBackend(kc, namespace, 'loaded', { replicas: 2, latencyMs: 20 });
  const endpoints = await readyEndpoints('loaded', 2);
  const result = await generateLoad(kc, namespace, 'loaded', { rps: 40, durationMs: 1_000 });
  expect(result.sent).toBe(40);
  expect(result).toMatchObject({ byStatus: { '200': result.sent }, errors: {}, noEndpoint: 0 });
  expect(Object.keys(result.byPod).sort()).toEqual(endpoints.map((e) => e.pod));
  expect(result.latenciesMs[0]).toBeGreaterThanOrEqual(20);
  const counted = samplesOf(await backendsMetrics(), 'lab_backend_http_requests_total').filter(
    (s) => s.labels.namespace === namespace && s.labels.backend === 'loaded',
  );
  expect(counted.map((s) => [s.labels.code, s.value])).toEqual([['200', result.sent]]);
});

/** A Deployment of `replicas` pods labelled `app=<name>` that are not backends (nothing listens for them). */
function plainDeployment(name: string, replicas: number): V1Deployment {
  const deployment = backendDeployment(name, { replicas });
  const template = deployment.spec?.template;
  if (template?.metadata) template.metadata.labels = { app: name };
  const container = template?.spec?.containers[0];
  if (container) container.ports = [{ name: 'web', containerPort: 9000 }];
  return deployment;
}

test('patching a Service’s spec.selector from the app=a pods to the app=b pods moves its endpoints, and requests reach b', async () => {
  await apps.createNamespacedDeployment({ namespace, body: backendDeployment('a', { replicas: 2 }) });
  await apps.createNamespacedDeployment({ namespace, body: backendDeployment('b', { replicas: 2 }) });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'front' },
      spec: { selector: { app: 'a' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  });
  const before = await readyEndpoints('front', 2);
  expect(before.map((e) => e.pod)).toEqual((await livePods('a')).map((p) => p.metadata?.name).sort());
  for (const endpoint of before)
    expect(JSON.parse((await httpGet(endpoint.url)).body)).toMatchObject({ backend: 'a', pod: endpoint.pod });

  await core.patchNamespacedService(
    { name: 'front', namespace, body: { spec: { selector: { app: 'b' } } } },
    mergePatch,
  );
  const after = await waitFor(
    'the two b pods, ready, as the only endpoints of front',
    () => endpointsOf(kc, namespace, 'front'),
    (es) => es.length === 2 && es.every((e) => e.ready && e.pod.startsWith('b-')),
  );
  expect(after.map((e) => e.pod)).toEqual((await livePods('b')).map((p) => p.metadata?.name).sort());
  for (const endpoint of after) {
    const answer = await httpGet(endpoint.url);
    expect(answer.headers['x-lab-pod']).toBe(endpoint.pod);
    expect(JSON.parse(answer.body)).toMatchObject({ backend: 'b', pod: endpoint.pod, code: 200 });
  }
  const load = await generateLoad(kc, namespace, 'front', { rps: 20, durationMs: 1_000 });
  expect(load).toMatchObject({ byStatus: { '200': load.sent }, errors: {}, noEndpoint: 0 });
  expect(Object.keys(load.byPod).sort()).toEqual(after.map((e) => e.pod));
});

test('a Service selecting pods that are not backends lists their pod IPs on the target port, a relabelled pod leaves', async () => {
  await apps.createNamespacedDeployment({ namespace, body: plainDeployment('plain', 2) });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'plain' },
      spec: { selector: { app: 'plain' }, ports: [{ name: 'http', port: 80, targetPort: 'web' }] },
    },
  });
  const endpoints = await readyEndpoints('plain', 2);
  const pods = await livePods('plain');
  const slices = await kc
    .makeApiClient(DiscoveryV1Api)
    .listNamespacedEndpointSlice({ namespace, labelSelector: 'kubernetes.io/service-name=plain' });
  expect(slices.items).toHaveLength(1);
  const [slice] = slices.items;
  expect(slice).toMatchObject({
    metadata: { labels: { 'endpointslice.kubernetes.io/managed-by': Backends.managedBy } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 9000 }],
  });
  const listed = (slice?.endpoints ?? []).map((e) => [e.addresses[0], e.targetRef?.kind, e.targetRef?.uid]);
  const expected = pods.map((p) => [p.status?.podIP, 'Pod', p.metadata?.uid]);
  expect(listed.sort()).toEqual(expected.sort());
  expect(endpoints.map((e) => e.url).sort()).toEqual(
    pods.map((p) => `http://${p.status?.podIP}:9000`).sort(),
  );

  const [relabelled] = endpoints;
  await core.patchNamespacedPod(
    { name: relabelled?.pod ?? '', namespace, body: { metadata: { labels: { app: 'elsewhere' } } } },
    mergePatch,
  );
  await waitFor(
    `${relabelled?.pod} gone from plain's endpoints, its replacement listed`,
    () => endpointsOf(kc, namespace, 'plain'),
    (es) => es.length === 2 && es.every((e) => e.ready) && !es.some((e) => e.pod === relabelled?.pod),
  );
});

test('a selector-less Service with the lab.self-healing.io/selector annotation still gets its backends’ slices', async () => {
  await apps.createNamespacedDeployment({ namespace, body: backendDeployment('legacy') });
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'legacy', annotations: { [Backends.selectorAnnotation]: 'app=legacy' } },
      spec: { ports: [{ name: 'http', port: 80 }] },
    },
  });
  const [endpoint] = await readyEndpoints('legacy', 1);
  expect((await httpGet(endpoint?.url ?? '')).status).toBe(200);
});
