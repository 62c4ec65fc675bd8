/**
 * deploy/'s RBAC against the simulated cluster's real API server and authorizer: applies the
 * namespace, the recovery ConfigMap and both RBAC files as they are, mints a token for each
 * ServiceAccount (TokenRequest) and asks the API server, as that ServiceAccount, what it may do
 * (SelfSubjectAccessReview), then makes the detector's real config and node informers list and
 * watch with it. Runs against the lab (KUBECONFIG); it fails without it.
 *
 * Objects that already existed (someone applied deploy/ to the lab) are updated and left in place;
 * those this suite created are deleted afterwards.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { createClusterConfigSource } from '../../src/activities/kubernetes/live-config-source';
import { createDetectorKubernetes } from '../../src/activities/kubernetes/watch';
import { silentLogger } from '../../src/logging';
import { WORKER_COMPONENT } from '../../src/worker/live-config';
import { loadLabKubeConfig, statusCodeOf, waitFor } from '../../tools/sim';

const deployDir = join(__dirname, '..', '..', 'deploy');
const namespace = 'self-healing';
const FIELD_MANAGER = 'deploy-rbac-test';

/** The documents of deploy/<file>, in order. */
function manifests(file: string): KubernetesObject[] {
  return parseAllDocuments(readFileSync(join(deployDir, file), 'utf8')).flatMap((doc) => {
    const object = doc.toJS() as KubernetesObject | null;
    return object ? [object] : [];
  });
}

const applied = ['namespace.yaml', 'configmap.yaml', 'rbac-worker.yaml', 'rbac-detector.yaml'].flatMap(
  manifests,
);

let kc: KubeConfig;
let objects: KubernetesObjectApi;
const created: KubernetesObject[] = [];
let worker: KubeConfig;
let detector: KubeConfig;

/** A kubeconfig that authenticates as the ServiceAccount with a freshly minted token. */
async function kubeConfigAs(serviceAccount: string): Promise<KubeConfig> {
  const core = kc.makeApiClient(CoreV1Api);
  const { status } = await core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const cluster = kc.getCurrentCluster();
  if (!cluster || !status?.token) throw new Error('no lab cluster or token');
  const as = new KubeConfig();
  as.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: status.token }],
    contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return as;
}

interface Access {
  verb: string;
  resource: string;
  subresource?: string;
  group?: string;
  namespace?: string;
  name?: string;
}

/** Whether the identity of `as` may do `access`, in the API server's own words. */
async function may(as: KubeConfig, access: Access): Promise<boolean> {
  const { status } = await as.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
    body: {
      spec: {
        resourceAttributes: {
          verb: access.verb,
          group: access.group ?? '',
          resource: access.resource,
          ...(access.subresource ? { subresource: access.subresource } : {}),
          ...(access.namespace ? { namespace: access.namespace } : {}),
          ...(access.name ? { name: access.name } : {}),
        },
      },
    },
  });
  return status?.allowed === true;
}

const describeAccess = (a: Access) =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''}${a.namespace ? ` in ${a.namespace}` : ''}${a.name ? ` named ${a.name}` : ''}`;

/**
 * Asks for every access at once and compares, so a failure lists every wrong answer. Asks again for
 * up to 15 s first: the RBAC authorizer's cache catches up with freshly applied Roles a moment later.
 */
async function expectAccess(as: KubeConfig, expected: [Access, boolean][]): Promise<void> {
  const want = expected.map(([a, allowed]) => `${describeAccess(a)}: ${allowed}`);
  const ask = async () => {
    const answers = await Promise.all(expected.map(([access]) => may(as, access)));
    return expected.map(([a], i) => `${describeAccess(a)}: ${answers[i]}`);
  };
  let got = await ask();
  for (const deadline = Date.now() + 15_000; got.join() !== want.join() && Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    got = await ask();
  }
  expect(got).toEqual(want);
}

beforeAll(async () => {
  kc = loadLabKubeConfig();
  objects = KubernetesObjectApi.makeApiClient(kc);
  for (const object of applied) {
    const existed = await objects.read(object as never).then(
      () => true,
      (error: unknown) => {
        if (statusCodeOf(error) === 404) return false;
        throw new Error(
          `the simulated cluster at ${kc.getCurrentCluster()?.server} does not answer (start it with \`make lab-up\`): ${String(error)}`,
        );
      },
    );
    await objects.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    if (!existed) created.push(object);
  }
  // The ServiceAccount admission adds nothing we need, but the token request needs the SA to exist.
  worker = await kubeConfigAs('self-healing-worker');
  detector = await kubeConfigAs('self-healing-detector');
});

afterAll(async () => {
  if (!objects) return;
  // Newest first, so the namespace goes last.
  for (const object of [...created].reverse())
    await objects.delete(object).catch((error: unknown) => {
      if (statusCodeOf(error) !== 404) throw error;
    });
});

describe('the worker ServiceAccount', () => {
  test('may do what the recovery does: cordon, evict, delete pods, read PDBs and workloads, record Node events', async () => {
    await expectAccess(worker, [
      [{ verb: 'get', resource: 'nodes', name: 'sim-node-1' }, true],
      [{ verb: 'patch', resource: 'nodes', name: 'sim-node-1' }, true],
      [{ verb: 'list', resource: 'pods' }, true],
      [{ verb: 'get', resource: 'pods', namespace: 'any-app' }, true],
      [{ verb: 'delete', resource: 'pods', namespace: 'any-app' }, true],
      [{ verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'any-app' }, true],
      [{ verb: 'list', resource: 'poddisruptionbudgets', group: 'policy', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'deployments', group: 'apps', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'statefulsets', group: 'apps', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'replicasets', group: 'apps', namespace: 'any-app' }, true],
      [{ verb: 'create', resource: 'events', namespace: 'default' }, true],
    ]);
  });

  test('may do what a workload recovery does: read and patch workloads, read pod logs, Events and HPAs, record Events on the workload', async () => {
    await expectAccess(worker, [
      [{ verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'any-app' }, true],
      [{ verb: 'patch', resource: 'statefulsets', group: 'apps', namespace: 'any-app' }, true],
      [{ verb: 'list', resource: 'controllerrevisions', group: 'apps', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'daemonsets', group: 'apps', namespace: 'kube-system' }, true],
      [{ verb: 'get', resource: 'jobs', group: 'batch', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'any-app' }, true],
      [{ verb: 'list', resource: 'events', namespace: 'any-app' }, true],
      [{ verb: 'create', resource: 'events', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'namespaces', name: 'any-app' }, true],
      [
        { verb: 'list', resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace: 'any-app' },
        true,
      ],
    ]);
  });

  test('may not do anything else: no namespace changes, secrets, pod edits, workload deletion or scaling, node deletion', async () => {
    await expectAccess(worker, [
      [{ verb: 'delete', resource: 'namespaces', name: 'default' }, false],
      [{ verb: 'create', resource: 'namespaces' }, false],
      [{ verb: 'get', resource: 'secrets', namespace }, false],
      [{ verb: 'list', resource: 'secrets' }, false],
      [{ verb: 'create', resource: 'pods', namespace: 'any-app' }, false],
      [{ verb: 'patch', resource: 'pods', namespace: 'any-app' }, false],
      [{ verb: 'update', resource: 'nodes', subresource: 'status', name: 'sim-node-1' }, false],
      [{ verb: 'watch', resource: 'nodes' }, false],
      // Node providers are separate files (deploy/providers/); the base grants none of them.
      [{ verb: 'delete', resource: 'nodes', name: 'sim-node-1' }, false],
      [{ verb: 'create', resource: 'nodes' }, false],
      [{ verb: 'delete', resource: 'machines', group: 'cluster.x-k8s.io', namespace: 'default' }, false],
      [{ verb: 'delete', resource: 'deployments', group: 'apps', namespace: 'any-app' }, false],
      [{ verb: 'create', resource: 'deployments', group: 'apps', namespace: 'any-app' }, false],
      [
        { verb: 'patch', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: 'any-app' },
        false,
      ],
      [{ verb: 'patch', resource: 'jobs', group: 'batch', namespace: 'any-app' }, false],
      [{ verb: 'create', resource: 'configmaps', namespace: 'any-app' }, false],
      [
        { verb: 'patch', resource: 'horizontalpodautoscalers', group: 'autoscaling', namespace: 'any-app' },
        false,
      ],
      [{ verb: 'delete', resource: 'poddisruptionbudgets', group: 'policy', namespace: 'any-app' }, false],
      [{ verb: 'escalate', resource: 'clusterroles', group: 'rbac.authorization.k8s.io' }, false],
    ]);
  });
});

/** Resolves with `promise`, or fails naming `what` and `why()` after `ms` (informers retry a 403 forever). */
async function within<T>(ms: number, what: string, promise: Promise<T>, why: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms: ${why()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What the worker and the detector both need of the live config, and nothing more: their own
 * ConfigMap by name, and Events in its namespace.
 */
const ownConfigMapAccess: [Access, boolean][] = [
  [{ verb: 'list', resource: 'configmaps', namespace, name: 'self-healing-config' }, true],
  [{ verb: 'watch', resource: 'configmaps', namespace, name: 'self-healing-config' }, true],
  // A list without a metadata.name field selector is a list of every ConfigMap: forbidden.
  [{ verb: 'list', resource: 'configmaps', namespace }, false],
  [{ verb: 'list', resource: 'configmaps', namespace, name: 'someone-elses' }, false],
  [{ verb: 'update', resource: 'configmaps', namespace, name: 'self-healing-config' }, false],
  [{ verb: 'list', resource: 'configmaps', namespace: 'default', name: 'self-healing-config' }, false],
  [{ verb: 'create', resource: 'events', namespace }, true],
];

describe('the worker ServiceAccount and the live config', () => {
  test('may read only its own ConfigMap, and record Events in its namespace', async () => {
    await expectAccess(worker, ownConfigMapAccess);
  });

  test("the worker's real config source syncs with these rights and reads the deployed ConfigMap", async () => {
    const kubernetes = createDetectorKubernetes(worker, silentLogger, WORKER_COMPONENT);
    const informer = kubernetes.configMapInformer(namespace, 'self-healing-config');
    const source = createClusterConfigSource(
      { ...kubernetes, configMapInformer: () => informer },
      { name: 'self-healing-config', namespace },
      silentLogger,
    );
    try {
      await within(
        15_000,
        'the config source',
        source.start(),
        () => informer.stats().lastError ?? 'no error',
      );
      expect(source.status()).toMatchObject({ origin: 'configmap' });
      expect(source.current().node_provider).toBe('none');
      await waitFor(
        'the config watch open',
        () => Promise.resolve(informer.stats()),
        (stats) => stats.watches > 0 && stats.restarts === 0,
      );
    } finally {
      await source.stop();
    }
  });
});

describe('the detector ServiceAccount', () => {
  test('may list and watch nodes but not change them', async () => {
    await expectAccess(detector, [
      [{ verb: 'list', resource: 'nodes' }, true],
      [{ verb: 'watch', resource: 'nodes' }, true],
      [{ verb: 'patch', resource: 'nodes', name: 'sim-node-1' }, false],
      [{ verb: 'update', resource: 'nodes', name: 'sim-node-1' }, false],
      [{ verb: 'delete', resource: 'nodes', name: 'sim-node-1' }, false],
      [{ verb: 'patch', resource: 'nodes', subresource: 'status', name: 'sim-node-1' }, false],
      [{ verb: 'create', resource: 'pods', subresource: 'eviction', namespace: 'any-app' }, false],
    ]);
  });

  test('may list and watch pods, ReplicaSets, namespaces (the pod source), Services and EndpointSlices (the service source), and change none of them', async () => {
    await expectAccess(detector, [
      // Warning Events of every namespace: the storage rule.
      [{ verb: 'list', resource: 'events' }, true],
      [{ verb: 'watch', resource: 'events' }, true],
      [{ verb: 'list', resource: 'pods' }, true],
      [{ verb: 'watch', resource: 'pods' }, true],
      [{ verb: 'list', resource: 'replicasets', group: 'apps' }, true],
      [{ verb: 'watch', resource: 'replicasets', group: 'apps' }, true],
      [{ verb: 'list', resource: 'namespaces' }, true],
      [{ verb: 'watch', resource: 'namespaces' }, true],
      // The service source: Services and EndpointSlices, and Events on a Service with a bad annotation.
      [{ verb: 'list', resource: 'services' }, true],
      [{ verb: 'watch', resource: 'services' }, true],
      [{ verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io' }, true],
      [{ verb: 'watch', resource: 'endpointslices', group: 'discovery.k8s.io' }, true],
      [{ verb: 'create', resource: 'events', namespace: 'any-app' }, true],
      [{ verb: 'get', resource: 'services', namespace: 'any-app', name: 'web' }, false],
      [{ verb: 'patch', resource: 'services', namespace: 'any-app', name: 'web' }, false],
      [{ verb: 'get', resource: 'pods', namespace: 'any-app', name: 'web-1' }, false],
      [{ verb: 'delete', resource: 'pods', namespace: 'any-app', name: 'web-1' }, false],
      [{ verb: 'patch', resource: 'replicasets', group: 'apps', namespace: 'any-app', name: 'web' }, false],
      [{ verb: 'patch', resource: 'deployments', group: 'apps', namespace: 'any-app', name: 'web' }, false],
      [{ verb: 'list', resource: 'secrets' }, false],
    ]);
  });

  test("the pod source's real informers sync with these rights", async () => {
    const informers = createDetectorKubernetes(detector, silentLogger).podSourceInformers?.(() => false);
    if (!informers) throw new Error('the adapter has no pod source informers');
    const all = [informers.pods, informers.replicaSets, informers.namespaces];
    try {
      await Promise.all(all.map((i) => i.start()));
      expect(informers.namespaces.list().length).toBeGreaterThan(0);
      await waitFor(
        'the three watches open',
        () => Promise.resolve(all.map((i) => i.stats())),
        (stats) => stats.every((s) => s.watches > 0 && s.restarts === 0),
      );
    } finally {
      await Promise.all(all.map((i) => i.stop()));
    }
  });

  test("the service source's real informers sync with these rights", async () => {
    const informers = createDetectorKubernetes(detector, silentLogger).serviceSourceInformers?.(() => false);
    if (!informers) throw new Error('the adapter has no service source informers');
    const all = [informers.services, informers.endpointSlices];
    try {
      await Promise.all(all.map((i) => i.start()));
      expect(informers.services.list().length).toBeGreaterThan(0);
      await waitFor(
        'both watches open',
        () => Promise.resolve(all.map((i) => i.stats())),
        (stats) => stats.every((s) => s.watches > 0 && s.restarts === 0),
      );
    } finally {
      await Promise.all(all.map((i) => i.stop()));
    }
  });

  test('may read only its own ConfigMap, and no Secret', async () => {
    await expectAccess(detector, [
      ...ownConfigMapAccess,
      [{ verb: 'get', resource: 'secrets', namespace }, false],
    ]);
  });

  test("the detector's real informers sync with these rights: the config map by field selector, and the nodes", async () => {
    const kubernetes = createDetectorKubernetes(detector, silentLogger);
    const config = kubernetes.configMapInformer(namespace, 'self-healing-config');
    const nodes = kubernetes.nodeInformer();
    try {
      // start() retries a forbidden LIST forever, so a missing right shows as a timeout here.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const why = (s: { lastError?: string }) => s.lastError ?? 'no error';
          reject(
            new Error(`informers did not sync: config ${why(config.stats())}; nodes ${why(nodes.stats())}`),
          );
        }, 15_000);
      });
      try {
        await Promise.race([Promise.all([config.start(), nodes.start()]), timeout]);
      } finally {
        clearTimeout(timer);
      }
      expect(config.get('self-healing-config', namespace)?.data?.node_provider).toBe('none');
      expect(nodes.list().length).toBeGreaterThan(0);
      // The watches run under the same rights: one is open and has not failed.
      await waitFor(
        'both watches open',
        () => Promise.resolve([config.stats(), nodes.stats()]),
        (stats) => stats.every((s) => s.watches > 0 && s.restarts === 0),
      );

      // Listing every ConfigMap in the namespace, without the field selector, is forbidden.
      const core = detector.makeApiClient(CoreV1Api);
      const status = await core.listNamespacedConfigMap({ namespace }).then(
        () => 200,
        (error: unknown) => statusCodeOf(error),
      );
      expect(status).toBe(403);
    } finally {
      await config.stop();
      await nodes.stop();
    }
  });
});
