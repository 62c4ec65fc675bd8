/**
 * The sim kubelet (tools/sim/kubelet) makes workload failures follow from the pod spec, as a real
 * kubelet does: every cause here is put in place and taken away through real objects (a
 * Deployment's template, the lab registry, a Secret), never by labelling a pod. Runs against the
 * lab started by `make test`; without it the suite fails, it never skips.
 */
import type { KubeConfig, V1Container, V1Pod } from '@kubernetes/client-node';
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  Kubelet,
  OOM_LOG_LINE,
  isPodReady,
  loadLabKubeConfig,
  pushImage,
  removeImage,
  waitFor,
} from '../../tools/sim';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const namespace = `sim-kubelet-${Date.now().toString(36)}`;
const pushed: string[] = [];

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
  await Promise.all(pushed.map((image) => removeImage(kc, image)));
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

async function createDeployment(app: string, container: Omit<V1Container, 'name'>): Promise<void> {
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: app },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app } },
        template: {
          metadata: { labels: { app } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: app, ...container }] },
        },
      },
    },
  });
}

/** Patches the Deployment's only container (a merge patch replaces the container list). */
async function updateContainer(app: string, container: Omit<V1Container, 'name'>): Promise<void> {
  await apps.patchNamespacedDeployment(
    {
      name: app,
      namespace,
      body: { spec: { template: { spec: { containers: [{ name: app, ...container }] } } } },
    },
    mergePatch,
  );
}

async function podsOf(app: string): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** Waits for the one live pod of `app` to satisfy `check`. */
async function waitPod(
  app: string,
  what: string,
  check: (pod: V1Pod) => boolean,
  timeoutMs = 30_000,
): Promise<V1Pod> {
  const [pod] = await waitFor(
    `${app}: ${what}`,
    () => podsOf(app),
    (ps) => ps.length === 1 && check(ps[0] as V1Pod),
    {
      timeoutMs,
    },
  );
  return pod as V1Pod;
}

const status = (pod: V1Pod) => pod.status?.containerStatuses?.[0];
const waitingReason = (pod: V1Pod) => status(pod)?.state?.waiting?.reason;

/** The kubelet-sourced Events of a pod. */
async function kubeletEvents(pod: V1Pod): Promise<{ reason: string; message: string }[]> {
  const events = await core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.uid=${pod.metadata?.uid}`,
  });
  return events.items
    .filter((e) => e.source?.component === 'kubelet')
    .map((e) => ({ reason: e.reason ?? '', message: e.message ?? '' }));
}

test('an image the registry declares crashing crash-loops, its logs are served, and rolling to a good image heals it', async () => {
  await createDeployment('web', { image: 'registry.lab/shop/web:1.1' });
  const first = await waitPod('web', 'crash-looping twice', (p) => (status(p)?.restartCount ?? 0) >= 2);
  expect(isPodReady(first)).toBe(false);
  expect(first.status?.phase).toBe('Running');
  expect(first.metadata?.labels?.[Kubelet.verdictLabel]).toBe('Error');
  expect(status(first)?.lastState?.terminated).toMatchObject({ reason: 'Error', exitCode: 2 });
  expect(waitingReason(first)).toBe('CrashLoopBackOff');
  // Still rising: kwok keeps restarting it.
  const restarts = status(first)?.restartCount ?? 0;
  await waitPod('web', 'restarting again', (p) => (status(p)?.restartCount ?? 0) > restarts);

  const name = first.metadata?.name ?? '';
  const logs = await waitFor(
    `previous logs of ${name}`,
    () => core.readNamespacedPodLog({ name, namespace, container: 'web', previous: true, tailLines: 10 }),
    (text) => text.includes('panic:'),
  );
  expect(logs).toContain('panic: runtime error: invalid memory address or nil pointer dereference');
  expect(logs).toContain('goroutine 1 [running]:');
  expect(await kubeletEvents(first)).toContainEqual(expect.objectContaining({ reason: 'BackOff' }));

  await updateContainer('web', { image: 'registry.lab/shop/web:1.0' });
  const healed = await waitPod(
    'web',
    'Ready on 1.0',
    (p) => status(p)?.image === 'registry.lab/shop/web:1.0' && isPodReady(p),
  );
  expect(healed.metadata?.labels?.[Kubelet.verdictLabel]).toBe('Run');
  expect(status(healed)?.restartCount).toBe(0);
}, 60_000);

test('a container whose memory limit is below its need is OOMKilled again and again; a raised limit runs', async () => {
  const image = `registry.lab/${namespace}/cache:1`;
  pushed.push(image);
  await pushImage(kc, image, { memory: '200Mi', logs: ['level=info msg="loading 2M entries"'] });
  await createDeployment('cache', { image, resources: { limits: { memory: '128Mi' } } });
  const oom = await waitPod('cache', 'OOMKilled twice', (p) => (status(p)?.restartCount ?? 0) >= 2);
  expect(isPodReady(oom)).toBe(false);
  expect(status(oom)?.lastState?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  const name = oom.metadata?.name ?? '';
  const logs = await waitFor(
    `previous logs of ${name}`,
    () => core.readNamespacedPodLog({ name, namespace, container: 'cache', previous: true, tailLines: 20 }),
    (text) => text.includes(OOM_LOG_LINE),
  );
  expect(logs).toContain('loading 2M entries');

  await updateContainer('cache', { image, resources: { limits: { memory: '256Mi' } } });
  await waitPod(
    'cache',
    'Ready with 256Mi',
    (p) => p.spec?.containers[0]?.resources?.limits?.memory === '256Mi' && isPodReady(p),
  );
}, 60_000);

test('the container env SIM_MEMORY_NEED overrides what the image needs', async () => {
  await createDeployment('hungry', {
    image: 'registry.lab/shop/web:1.0',
    env: [{ name: Kubelet.memoryNeedEnv, value: '300Mi' }],
    resources: { limits: { memory: '128Mi' } },
  });
  const pod = await waitPod(
    'hungry',
    'OOMKilled',
    (p) => status(p)?.lastState?.terminated?.reason === 'OOMKilled',
  );
  expect(isPodReady(pod)).toBe(false);
});

test('an image the registry does not know is ErrImagePull then ImagePullBackOff and Pending, until it is pushed', async () => {
  const image = `registry.lab/${namespace}/api:9`;
  pushed.push(image);
  await createDeployment('api', { image });
  const pulling = await waitPod('api', 'ErrImagePull', (p) => waitingReason(p) === 'ErrImagePull');
  expect(status(pulling)?.state?.waiting?.message).toBe(
    `failed to pull and unpack image "${image}": not found`,
  );
  const backOff = await waitPod('api', 'ImagePullBackOff', (p) => waitingReason(p) === 'ImagePullBackOff');
  expect(backOff.status?.phase).toBe('Pending');
  expect(isPodReady(backOff)).toBe(false);
  expect(status(backOff)?.state?.waiting?.message).toBe(`Back-off pulling image "${image}"`);
  const reasons = (await kubeletEvents(backOff)).map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['Failed', 'BackOff']));

  await pushImage(kc, image);
  await waitPod('api', 'Ready once pushed', isPodReady);
});

test('a missing Secret is CreateContainerConfigError, a missing key too, and the fixed Secret lets the pod run', async () => {
  await createDeployment('db-client', {
    image: 'registry.lab/shop/web:1.0',
    env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } }],
  });
  const noSecret = await waitPod(
    'db-client',
    'CreateContainerConfigError',
    (p) => waitingReason(p) === 'CreateContainerConfigError',
  );
  expect(noSecret.status?.phase).toBe('Pending');
  expect(status(noSecret)?.state?.waiting?.message).toBe('secret "db-creds" not found');
  expect(await kubeletEvents(noSecret)).toContainEqual({
    reason: 'Failed',
    message: 'Error: secret "db-creds" not found',
  });

  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'db-creds' }, stringData: { user: 'shop' } },
  });
  const noKey = `couldn't find key password in Secret ${namespace}/db-creds`;
  await waitPod('db-client', 'the missing key named', (p) => status(p)?.state?.waiting?.message === noKey);

  await core.patchNamespacedSecret(
    { name: 'db-creds', namespace, body: { stringData: { password: 's3cret' } } },
    mergePatch,
  );
  const running = await waitPod('db-client', 'Ready', isPodReady);
  expect(running.status?.phase).toBe('Running');
});

test('images of other registries are not judged: they run at once, as before', async () => {
  await createDeployment('plain', { image: 'registry.example.invalid/plain:1.0' });
  const pod = await waitPod('plain', 'Ready', isPodReady);
  expect(pod.metadata?.labels?.[Kubelet.verdictLabel]).toBeUndefined();
});

test("a pod recreated under a deleted pod's name (as a StatefulSet does) is judged, and the logs served are its own", async () => {
  const name = 'again';
  const image = 'registry.lab/shop/web:1.1';
  const spec = { terminationGracePeriodSeconds: 0, containers: [{ name: 'web', image }] };
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ref = { group: 'kwok.x-k8s.io', version: 'v1alpha1', namespace, plural: 'logs', name };
  type Logs = { metadata?: { deletionTimestamp?: string; ownerReferences?: { uid?: string }[] } };
  const logsObject = () =>
    custom.getNamespacedCustomObject(ref).then(
      (o) => o as Logs,
      () => undefined,
    );
  const judged = (uid: string | undefined) =>
    waitFor(
      `${name} (${uid}) judged`,
      () => core.readNamespacedPod({ name, namespace }),
      (p) => p.metadata?.uid === uid && p.metadata?.labels?.[Kubelet.verdictLabel] === 'Error',
    );
  const first = await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec } });
  await judged(first.metadata?.uid);
  // The first pod's Logs object outlives it for a while, as it does when garbage collection lags.
  const hold = 'lab.self-healing.io/test-hold';
  await custom.patchNamespacedCustomObject(
    { ...ref, body: { metadata: { finalizers: [hold] } } },
    mergePatch,
  );
  await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
  await waitFor(
    `the first Logs object of ${name} collected`,
    logsObject,
    (o) => !!o?.metadata?.deletionTimestamp,
  );
  const second = await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec } });
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await custom.patchNamespacedCustomObject({ ...ref, body: { metadata: { finalizers: null } } }, mergePatch);
  await judged(second.metadata?.uid);
  const owned = await waitFor(
    `the Logs object of ${name} owned by the second pod`,
    logsObject,
    (o) => o?.metadata?.ownerReferences?.[0]?.uid === second.metadata?.uid,
  );
  expect(owned?.metadata?.deletionTimestamp).toBeUndefined();
  await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 });
}, 60_000);
