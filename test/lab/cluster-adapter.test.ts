/**
 * The Kubernetes adapter, the drain and the node providers against the simulated cluster's real
 * API server: cordon ownership and conflicts, node health fields, pod classification, evictions
 * behind PodDisruptionBudgets, drains that finish or time out, dry-run, RBAC failures and node
 * replacement. Runs against the lab started by `make test` (KUBECONFIG); it fails without it.
 *
 * Each test works on nodes it creates itself (`ca-*`), so the shared sim-node-* stay untouched
 * except for a brief cordon that steers a Deployment's pods onto one of its own nodes.
 */
import type { RequestContext, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { drainNode } from '../../src/activities/drain';
import type { DrainOptions } from '../../src/activities/drain';
import { KubeErrorTypes } from '../../src/activities/errors';
import { createKubernetesCluster } from '../../src/activities/kubernetes/cluster';
import { NodeAnnotations as Annotations } from '../../src/domain/labels';
import { nodeViewOf } from '../../src/starter/detector/rules';
import {
  MachineResource,
  ProviderAnnotations,
  createNodeProvider,
} from '../../src/activities/kubernetes/node-providers';
import { createApiLimiter } from '../../src/activities/kubernetes/limiter';
import type { ApiLimiter } from '../../src/activities/kubernetes/limiter';
import type { ClusterPort, PodOnNode } from '../../src/activities/ports';
import { MANAGER } from '../../src/activities/ports';
import {
  Sim,
  conditionOf,
  createSimNode,
  failNode,
  isPodReady,
  loadLabKubeConfig,
  readNodeOrUndefined,
  statusCodeOf,
  waitFor,
} from '../../tools/sim';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const run = Date.now().toString(36);
const namespace = `cluster-adapter-${run}`;
/** Every node this suite creates starts with this prefix, so afterAll can remove them all. */
const prefix = `ca-${run}`;

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;
let cluster: ClusterPort;

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  policy = kc.makeApiClient(PolicyV1Api);
  cluster = createKubernetesCluster(kc);
  try {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  } catch (error) {
    throw new Error(
      `the simulated cluster at ${kc.getCurrentCluster()?.server} does not answer (start it with \`make lab-up\`): ${String(error)}`,
    );
  }
  await waitFor(
    'the default ServiceAccount',
    () => core.readNamespacedServiceAccount({ name: 'default', namespace }),
    () => true,
  );
});

afterAll(async () => {
  if (!core) return;
  await core.deleteNamespace({ name: namespace });
  const nodes = await core.listNode();
  for (const node of nodes.items) {
    const name = node.metadata?.name ?? '';
    if (name.startsWith(prefix)) await core.deleteNode({ name }).catch(() => undefined);
  }
});

// ---------------------------------------------------------------------------------------------
// helpers

let nodeCount = 0;

/** A fresh kwok node, Ready and schedulable. */
async function newNode(label: string): Promise<string> {
  nodeCount += 1;
  const name = `${prefix}-${label}-${nodeCount}`;
  await createSimNode(kc, name);
  await waitFor(
    `node ${name} to be Ready`,
    () => core.readNode({ name }),
    (n) => conditionOf(n, 'Ready')?.status === 'True',
  );
  return name;
}

async function patchNode(name: string, body: object): Promise<V1Node> {
  return core.patchNode({ name, body }, mergePatch);
}

function podTemplate(app: string, extra: { emptyDir?: boolean; onlyOn?: string[] } = {}) {
  return {
    metadata: { labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 3,
      ...(extra.onlyOn ? { affinity: hostnameIn(extra.onlyOn) } : {}),
      containers: [
        {
          name: 'app',
          image: `registry.example.invalid/${app}:1.0`,
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
      ...(extra.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}),
    },
  };
}

async function podsOf(app: string): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function podsOnNode(node: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` })).items;
}

/** Required node affinity to the named nodes only. */
function hostnameIn(nodes: string[]) {
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: nodes }] },
        ],
      },
    },
  };
}

/**
 * Creates a Deployment whose pods all start on `node` (every other node is cordoned while they
 * schedule, then uncordoned), so a drain of `node` later moves them elsewhere; with `onlyOn`, its
 * pods may only ever run on those nodes.
 */
async function deploymentOn(
  node: string,
  app: string,
  replicas: number,
  onlyOn?: string[],
): Promise<V1Pod[]> {
  const others = (await core.listNode()).items
    .filter((n) => n.metadata?.name !== node && !n.spec?.unschedulable)
    .map((n) => n.metadata?.name ?? '');
  for (const name of others) await patchNode(name, { spec: { unschedulable: true } });
  try {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: app },
        spec: { replicas, selector: { matchLabels: { app } }, template: podTemplate(app, { onlyOn }) },
      },
    });
    const pods = await waitFor(
      `${replicas} ready pods of ${app} on ${node}`,
      () => podsOf(app),
      (pods) => pods.length === replicas && pods.every((p) => isPodReady(p) && p.spec?.nodeName === node),
    );
    return pods;
  } finally {
    for (const name of others) await patchNode(name, { spec: { unschedulable: null } });
  }
}

async function pdb(name: string, app: string, minAvailable: number, expectAllowed: number): Promise<void> {
  await policy.createNamespacedPodDisruptionBudget({
    namespace,
    body: { metadata: { name }, spec: { minAvailable, selector: { matchLabels: { app } } } },
  });
  await waitFor(
    `PDB ${name} to allow ${expectAllowed} disruptions`,
    () => policy.readNamespacedPodDisruptionBudget({ name, namespace }),
    (p) =>
      p.status?.observedGeneration === p.metadata?.generation &&
      p.status?.disruptionsAllowed === expectAllowed,
  );
}

const realHooks = {
  onProgress: () => undefined,
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  now: Date.now,
};

function drainOptions(node: string, overrides: Partial<DrainOptions> = {}): DrainOptions {
  return {
    node,
    deleteEmptyDirData: true,
    unmanagedPods: 'skip',
    timeoutMs: 90_000,
    dryRun: false,
    ...overrides,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

/** A KubeConfig that runs `before` once, just before the first PATCH of `path` leaves. */
function racingKubeConfig(path: string, before: () => Promise<void>): KubeConfig {
  class Racing extends KubeConfig {
    private fired = false;
    override async applySecurityAuthentication(context: RequestContext): Promise<void> {
      if (!this.fired && context.getHttpMethod() === 'PATCH' && new URL(context.getUrl()).pathname === path) {
        this.fired = true;
        await before();
      }
      return super.applySecurityAuthentication(context);
    }
  }
  const racing = new Racing();
  racing.loadFromString(kc.exportConfig());
  return racing;
}

// ---------------------------------------------------------------------------------------------
// cordon and uncordon

describe('cordon and uncordon', () => {
  test('cordon marks the node with its owner and is idempotent for that owner; uncordon undoes only that cordon', async () => {
    const node = await newNode('cordon');
    await expect(
      cluster.cordon({ node, reason: 'NotReady for 90s', workflowId: 'wf-1', owner: 'run-1' }),
    ).resolves.toBe('cordoned');
    const cordoned = await core.readNode({ name: node });
    expect(cordoned.spec?.unschedulable).toBe(true);
    expect(cordoned.metadata?.annotations).toMatchObject({
      [Annotations.cordonedBy]: MANAGER,
      [Annotations.cordonReason]: 'NotReady for 90s',
      [Annotations.workflowId]: 'wf-1',
      [Annotations.cordonOwner]: 'run-1',
    });
    await expect(cluster.cordon({ node, reason: 'again', workflowId: 'wf-1', owner: 'run-1' })).resolves.toBe(
      'already-ours',
    );
    expect(await cluster.readNodeHealth(node)).toMatchObject({ cordonedBy: MANAGER, cordonOwner: 'run-1' });

    await expect(cluster.uncordon(node, 'run-1')).resolves.toBe('uncordoned');
    const uncordoned = await core.readNode({ name: node });
    expect(uncordoned.spec?.unschedulable).toBeUndefined();
    for (const key of Object.values(Annotations))
      expect(uncordoned.metadata?.annotations?.[key]).toBeUndefined();
  });

  test('a node someone else cordoned is never claimed nor uncordoned', async () => {
    const node = await newNode('human');
    await patchNode(node, { spec: { unschedulable: true } });
    await expect(
      cluster.cordon({ node, reason: 'NotReady', workflowId: 'wf-2', owner: 'run-2' }),
    ).resolves.toBe('someone-elses');
    await expect(cluster.uncordon(node, 'run-2')).resolves.toBe('someone-elses');
    const after = await core.readNode({ name: node });
    expect(after.spec?.unschedulable).toBe(true);
    expect(after.metadata?.annotations?.[Annotations.cordonedBy]).toBeUndefined();
  });

  test("an earlier recovery's annotation left by kubectl uncordon never makes a person's later cordon the product's", async () => {
    const node = await newNode('stale');
    await cluster.cordon({ node, reason: 'NotReady', workflowId: 'node-recovery/x', owner: 'run-earlier' });
    await patchNode(node, { spec: { unschedulable: false } }); // kubectl uncordon: annotations stay
    await patchNode(node, { spec: { unschedulable: true } }); // kubectl cordon, for maintenance
    expect(await cluster.readNodeHealth(node)).toMatchObject({
      unschedulable: true,
      cordonOwner: 'run-earlier',
    });

    await expect(
      cluster.cordon({ node, reason: 'NotReady', workflowId: 'node-recovery/x', owner: 'run-later' }),
    ).resolves.toBe('someone-elses');
    await expect(cluster.uncordon(node, 'run-later')).resolves.toBe('someone-elses');
    expect((await core.readNode({ name: node })).spec?.unschedulable).toBe(true);
  });

  test('a stale annotation on a schedulable node is overwritten by the next cordon', async () => {
    const node = await newNode('overwrite');
    await cluster.cordon({ node, reason: 'NotReady', workflowId: 'wf-5', owner: 'run-earlier' });
    await patchNode(node, { spec: { unschedulable: false } }); // kubectl uncordon
    await expect(cluster.uncordon(node, 'run-someone')).resolves.toBe('not-cordoned');
    expect((await cluster.readNodeHealth(node)).cordonOwner).toBe('run-earlier');

    await expect(
      cluster.cordon({ node, reason: 'Unknown', workflowId: 'wf-5', owner: 'run-later' }),
    ).resolves.toBe('cordoned');
    const after = await core.readNode({ name: node });
    expect(after.metadata?.annotations).toMatchObject({
      [Annotations.cordonOwner]: 'run-later',
      [Annotations.cordonReason]: 'Unknown',
    });
    // The owner whose cordon a person undid only clears its own annotations.
    await patchNode(node, { spec: { unschedulable: false } });
    await expect(cluster.uncordon(node, 'run-later')).resolves.toBe('not-cordoned');
    expect(
      (await core.readNode({ name: node })).metadata?.annotations?.[Annotations.cordonOwner],
    ).toBeUndefined();
  });

  test('recoveries from before owners (no owner) keep the older rule: the product annotation alone', async () => {
    const node = await newNode('legacy');
    // What the older code wrote: cordoned-by, no cordon-owner.
    await patchNode(node, {
      metadata: { annotations: { [Annotations.cordonedBy]: MANAGER } },
      spec: { unschedulable: true },
    });
    await expect(
      cluster.cordon({ node, reason: 'NotReady', workflowId: 'node-recovery/x', owner: undefined }),
    ).resolves.toBe('already-ours');
    await expect(cluster.uncordon(node, 'run-of-a-newer-recovery')).resolves.toBe('someone-elses');
    await expect(cluster.uncordon(node, undefined)).resolves.toBe('uncordoned');
    expect((await core.readNode({ name: node })).spec?.unschedulable).toBeUndefined();
  });

  test('cordon and uncordon of a node that does not exist say so', async () => {
    const missing = `missing-${Date.now()}`;
    await expect(
      cluster.cordon({ node: missing, reason: 'x', workflowId: 'wf', owner: 'run' }),
    ).resolves.toBe('gone');
    await expect(cluster.uncordon(missing, 'run')).resolves.toBe('gone');
  });

  test('a 409 on cordon is re-read and retried, keeping the concurrent change', async () => {
    const node = await newNode('conflict');
    const racing = racingKubeConfig(`/api/v1/nodes/${node}`, async () => {
      await patchNode(node, { metadata: { labels: { 'team.example/owner': 'payments' } } });
    });
    await expect(
      createKubernetesCluster(racing).cordon({
        node,
        reason: 'NotReady',
        workflowId: 'wf-3',
        owner: 'run-3',
      }),
    ).resolves.toBe('cordoned');
    const after = await core.readNode({ name: node });
    expect(after.spec?.unschedulable).toBe(true);
    expect(after.metadata?.labels?.['team.example/owner']).toBe('payments');
    expect(after.metadata?.annotations?.[Annotations.cordonedBy]).toBe(MANAGER);
  });

  test('when the conflicting change is a human cordon, the retry backs off instead of claiming it', async () => {
    const node = await newNode('race-human');
    const racing = racingKubeConfig(`/api/v1/nodes/${node}`, async () => {
      await patchNode(node, { spec: { unschedulable: true } });
    });
    await expect(
      createKubernetesCluster(racing).cordon({
        node,
        reason: 'NotReady',
        workflowId: 'wf-4',
        owner: 'run-4',
      }),
    ).resolves.toBe('someone-elses');
    const after = await core.readNode({ name: node });
    expect(after.metadata?.annotations?.[Annotations.cordonedBy]).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// node health

describe('readNodeHealth', () => {
  test('reports True pressure conditions, opt-out labels and the control-plane role', async () => {
    const node = await newNode('health');
    expect(await cluster.readNodeHealth(node)).toEqual({
      node,
      ready: 'True',
      unschedulable: false,
      pressure: [],
      optedOut: false,
      controlPlane: false,
    });
    await failNode(kc, node, 'MemoryPressure');
    await failNode(kc, node, 'DiskPressure');
    expect((await cluster.readNodeHealth(node)).pressure).toEqual(['MemoryPressure', 'DiskPressure']);

    const optedOut = async (labels: Record<string, string | null>, adapter = cluster) => {
      await patchNode(node, { metadata: { labels } });
      return (await adapter.readNodeHealth(node)).optedOut;
    };
    expect(await optedOut({ 'remediation.medik8s.io/exclude-from-remediation': 'false' })).toBe(false);
    expect(await optedOut({ 'remediation.medik8s.io/exclude-from-remediation': 'true' })).toBe(true);
    expect(await optedOut({ 'remediation.medik8s.io/exclude-from-remediation': null })).toBe(false);
    expect(await optedOut({ 'cluster.x-k8s.io/skip-remediation': '' })).toBe(true);
    expect(await optedOut({ 'cluster.x-k8s.io/skip-remediation': null })).toBe(false);
    expect(await optedOut({ 'self-healing.temporal.io/exclude': 'true' })).toBe(true);
    const custom = createKubernetesCluster(kc, { optOutLabel: 'example.com/no-heal' });
    expect(await optedOut({ 'self-healing.temporal.io/exclude': null }, custom)).toBe(false);
    expect(await optedOut({ 'example.com/no-heal': 'true' }, custom)).toBe(true);

    await patchNode(node, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } });
    expect((await cluster.readNodeHealth(node)).controlPlane).toBe(true);
  });

  test('a node labelled only with the legacy node-role.kubernetes.io/master is a control-plane node', async () => {
    const node = await newNode('master');
    await patchNode(node, { metadata: { labels: { 'node-role.kubernetes.io/master': '' } } });
    // The detector and the adapter read the same labels: both say control plane (one at a time).
    expect((await cluster.readNodeHealth(node)).controlPlane).toBe(true);
    expect(nodeViewOf(await core.readNode({ name: node }))?.controlPlane).toBe(true);
  });

  test('a node with no status reads as Unknown, and a deleted node as gone', async () => {
    // Without the kwok label nobody writes a status: as a node whose kubelet never registered.
    const name = `${prefix}-bare`;
    await core.createNode({ body: { metadata: { name } } });
    expect(await cluster.readNodeHealth(name)).toMatchObject({
      ready: 'Unknown',
      pressure: [],
      optedOut: false,
    });
    await core.deleteNode({ name });
    expect(await cluster.readNodeHealth(name)).toEqual({ node: name, ready: 'gone', unschedulable: false });
  });
});

// ---------------------------------------------------------------------------------------------
// pods, evictions, workloads

describe('pods on a node', () => {
  test('listPodsOnNode classifies a Deployment pod, a DaemonSet pod and a bare pod with emptyDir', async () => {
    const node = await newNode('pods');
    const hostname = { 'kubernetes.io/hostname': node };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'listed' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'listed' } },
          template: {
            ...podTemplate('listed'),
            spec: { ...podTemplate('listed').spec, nodeSelector: hostname, terminationGracePeriodSeconds: 7 },
          },
        },
      },
    });
    await apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            ...podTemplate('agent'),
            spec: { ...podTemplate('agent').spec, nodeSelector: hostname },
          },
        },
      },
    });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'scratch', labels: { app: 'scratch' } },
        spec: {
          nodeName: node,
          containers: [{ name: 'app', image: 'registry.example.invalid/scratch:1.0' }],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    });
    const pods = await waitFor(
      `three pods on ${node}`,
      () => cluster.listPodsOnNode(node),
      (pods) => pods.length === 3,
    );
    const byApp = (prefixOf: string) => pods.find((p) => p.name.startsWith(prefixOf));
    expect(byApp('listed-')).toMatchObject({
      namespace,
      controller: { kind: 'ReplicaSet' },
      workload: { kind: 'Deployment', namespace, name: 'listed' },
      mirror: false,
      usesEmptyDir: false,
      qosClass: 'Burstable',
      priority: 0,
      terminationGracePeriodSeconds: 7,
    });
    expect(byApp('agent-')).toMatchObject({
      controller: { kind: 'DaemonSet', name: 'agent' },
      mirror: false,
    });
    expect(byApp('agent-')?.workload).toBeUndefined();
    expect(byApp('scratch')).toMatchObject({ usesEmptyDir: true, qosClass: 'BestEffort', mirror: false });
    expect(byApp('scratch')?.controller).toBeUndefined();
    expect(byApp('scratch')?.uid).toMatch(/^[0-9a-f-]{36}$/);

    // Cordoned first, as the workflow does: the pinned replacement then waits Pending instead of
    // landing back on the node.
    await cluster.cordon({ node, reason: 'test drain', workflowId: 'wf-pods', owner: 'run-pods' });
    const drained = await drainNode(
      cluster,
      drainOptions(node, { deleteEmptyDirData: false, timeoutMs: 30_000 }),
      realHooks,
    );
    expect(drained.outcome).toBe('drained');
    expect(drained.skipped.map((s) => [s.pod.name.split('-')[0], s.why]).sort()).toEqual([
      ['agent', 'daemonset'],
      ['scratch', 'local-storage'],
    ]);
    await apps.deleteNamespacedDaemonSet({ name: 'agent', namespace });
    await apps.deleteNamespacedDeployment({ name: 'listed', namespace });
  });

  test('a listing without workloads is one call; each ReplicaSet is then resolved once and remembered', async () => {
    const node = await newNode('resolve');
    await deploymentOn(node, 'resolved-a', 2);
    await deploymentOn(node, 'resolved-b', 1);
    let calls = 0;
    const limiter = createApiLimiter();
    const counting = createKubernetesCluster(kc, {
      limiter: Object.assign(Object.create(limiter) as ApiLimiter, {
        run: <T>(operation: () => Promise<T>) => {
          calls += 1;
          return limiter.run(operation);
        },
      }),
    });
    const workloadOf = (pods: PodOnNode[]) => pods.map((p) => p.workload?.name ?? '-').sort();

    const listed = await counting.listPodsOnNode(node, { resolveWorkloads: false });
    expect(calls).toBe(1);
    expect(listed.map((p) => p.controller?.kind)).toEqual(['ReplicaSet', 'ReplicaSet', 'ReplicaSet']);
    expect(workloadOf(listed)).toEqual(['-', '-', '-']);

    const resolved = await counting.resolveWorkloads(listed);
    expect(calls).toBe(1 + 2); // one GET per ReplicaSet, not per pod
    expect(resolved.map((p) => p.name)).toEqual(listed.map((p) => p.name));
    expect(workloadOf(resolved)).toEqual(['resolved-a', 'resolved-a', 'resolved-b']);
    expect(resolved[0]?.workload?.kind).toBe('Deployment');

    // Known now: listings, resolved or not, carry the workloads without another GET.
    expect(workloadOf(await counting.listPodsOnNode(node))).toEqual(workloadOf(resolved));
    expect(workloadOf(await counting.listPodsOnNode(node, { resolveWorkloads: false }))).toEqual(
      workloadOf(resolved),
    );
    expect(calls).toBe(3 + 2);
    await apps.deleteNamespacedDeployment({ name: 'resolved-a', namespace });
    await apps.deleteNamespacedDeployment({ name: 'resolved-b', namespace });
  });

  test('readWorkloads reports desired and ready replicas, and a missing workload as gone', async () => {
    const node = await newNode('workloads');
    await deploymentOn(node, 'counted', 2);
    // Pods Ready come first; kube-controller-manager copies the count into the Deployment's status after.
    await waitFor(
      'the Deployment status to count 2 ready replicas',
      () => apps.readNamespacedDeployment({ name: 'counted', namespace }),
      (d) => d.status?.observedGeneration === d.metadata?.generation && d.status?.readyReplicas === 2,
    );
    await expect(
      cluster.readWorkloads([
        { kind: 'Deployment', namespace, name: 'counted' },
        { kind: 'StatefulSet', namespace, name: 'never-created' },
      ]),
    ).resolves.toEqual([
      { kind: 'Deployment', namespace, name: 'counted', desired: 2, ready: 2 },
      { kind: 'StatefulSet', namespace, name: 'never-created', desired: 0, ready: 0, gone: true },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// drains behind PodDisruptionBudgets

describe('drain behind a PodDisruptionBudget', () => {
  test('minAvailable 2 of 3: dry-run changes nothing, then the drain waits out the PDB, evicts all three and reports the Deployment', async () => {
    const node = await newNode('drain');
    // The pods may only run on `node` and on `landing`, which stays cordoned until the drain has
    // met the PDB: the first replacement then cannot become Ready, so the second eviction is
    // refused for certain rather than by a race with the scheduler.
    const landing = await newNode('landing');
    await patchNode(landing, { spec: { unschedulable: true } });
    const original = await deploymentOn(node, 'web', 3, [node, landing]);
    await pdb('web', 'web', 2, 1);
    await expect(
      cluster.cordon({ node, reason: 'test drain', workflowId: 'wf-drain', owner: 'run-drain' }),
    ).resolves.toBe('cordoned');

    const plan = await drainNode(cluster, drainOptions(node, { dryRun: true }), realHooks);
    expect(plan.outcome).toBe('dry-run');
    expect(plan.wouldEvict).toHaveLength(1);
    expect(plan.remaining).toHaveLength(2);
    expect(plan.blockingPdbs).toEqual([`${namespace}/web`]);
    expect(plan.lines.at(-1)).toMatch(
      new RegExp(
        `would evict ${namespace}/web-\\S+; PDB ${namespace}/web would block ${namespace}/web-\\S+, ${namespace}/web-\\S+$`,
      ),
    );
    const afterPlan = await podsOnNode(node);
    expect(afterPlan.map((p) => p.metadata?.uid).sort()).toEqual(original.map((p) => p.metadata?.uid).sort());
    expect(afterPlan.every((p) => !p.metadata?.deletionTimestamp)).toBe(true);
    expect(
      (await policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace })).status?.disruptionsAllowed,
    ).toBe(1);

    const blocked: string[][] = [];
    let openLanding: Promise<unknown> | undefined;
    const report = await drainNode(cluster, drainOptions(node), {
      ...realHooks,
      onProgress: (p) => {
        if (p.blockingPdbs.length === 0) return;
        blocked.push(p.blockingPdbs);
        openLanding ??= patchNode(landing, { spec: { unschedulable: null } });
      },
    });
    await openLanding;
    expect(blocked[0]).toEqual([`${namespace}/web`]);
    expect(report.outcome).toBe('drained');
    expect(report.evicted.map((p) => p.name).sort()).toEqual(original.map((p) => p.metadata?.name).sort());
    expect(report.workloads).toEqual([{ kind: 'Deployment', namespace, name: 'web' }]);
    expect(report.lines.some((l) => l.startsWith(`PDB ${namespace}/web blocks`))).toBe(true);
    expect(await podsOnNode(node)).toEqual([]);
    const moved = await waitFor(
      'web to be Ready elsewhere',
      () => podsOf('web'),
      (pods) => pods.length === 3 && pods.every(isPodReady),
    );
    expect(moved.every((p) => p.spec?.nodeName === landing)).toBe(true);
  });

  test('minAvailable 3 of 3: eviction answers blocked naming the PDB, and the drain times out naming it', async () => {
    const node = await newNode('strict');
    const original = await deploymentOn(node, 'strict', 3);
    await pdb('strict', 'strict', 3, 0);
    await cluster.cordon({ node, reason: 'test drain', workflowId: 'wf-strict', owner: 'run-strict' });

    const [first] = original;
    const evicted = await cluster.evictPod(
      { namespace, name: first?.metadata?.name ?? '' },
      first?.spec?.terminationGracePeriodSeconds,
    );
    expect(evicted).toMatchObject({ outcome: 'blocked', pdbs: [`${namespace}/strict`] });

    const startedAt = Date.now();
    const report = await drainNode(cluster, drainOptions(node, { timeoutMs: 5_000 }), realHooks);
    // Finite: the 5 s timeout ends the drain (a generous bound, this is no speed test).
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    expect(report.outcome).toBe('timed-out');
    expect(report.blockingPdbs).toEqual([`${namespace}/strict`]);
    expect(report.remaining.map((p) => p.name).sort()).toEqual(original.map((p) => p.metadata?.name).sort());
    expect(report.evicted).toEqual([]);
    expect(report.lines.at(-1)).toMatch(new RegExp(`blocked by PDB ${namespace}/strict`));
    expect((await podsOnNode(node)).every((p) => !p.metadata?.deletionTimestamp)).toBe(true);
  });

  test('evicting and deleting a pod that no longer exists reports it gone', async () => {
    const missing = { namespace, name: 'no-such-pod' };
    await expect(cluster.evictPod(missing, 5)).resolves.toEqual({ outcome: 'gone' });
    await expect(cluster.deletePod(missing, 5)).resolves.toBe('gone');
  });
});

// ---------------------------------------------------------------------------------------------
// RBAC

describe('errors from the API server', () => {
  test('a 403 from an identity without rights is non-retryable and names the verb and resource', async () => {
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'powerless' } } });
    const { status } = await core.createNamespacedServiceAccountToken({
      name: 'powerless',
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const server = kc.getCurrentCluster();
    if (!server || !status?.token) throw new Error('no lab cluster or token');
    const limited = new KubeConfig();
    limited.loadFromOptions({
      clusters: [server],
      users: [{ name: 'powerless', token: status.token }],
      contexts: [{ name: 'powerless', cluster: server.name, user: 'powerless' }],
      currentContext: 'powerless',
    });
    const powerless = createKubernetesCluster(limited);

    const list = await failureOf(powerless.listPodsOnNode('sim-node-1'));
    expect(list.type).toBe(KubeErrorTypes.forbidden);
    expect(list.nonRetryable).toBe(true);
    expect(list.message).toMatch(/^forbidden: cannot list pods/);

    const cordon = await failureOf(
      powerless.cordon({ node: 'sim-node-1', reason: 'x', workflowId: 'wf', owner: 'run' }),
    );
    expect(cordon.type).toBe(KubeErrorTypes.forbidden);
    expect(cordon.message).toMatch(/cannot get nodes sim-node-1/);

    const evict = await failureOf(powerless.evictPod({ namespace, name: 'anything' }));
    expect(evict.message).toMatch(new RegExp(`cannot create pods/eviction ${namespace}/anything`));
  });
});

// ---------------------------------------------------------------------------------------------
// node providers

describe('node providers', () => {
  test("sim creates a Ready replacement with the old node's labels and capacity, deletes the old node, and is idempotent", async () => {
    const node = await newNode('replace');
    await core.patchNodeStatus(
      {
        name: node,
        body: {
          status: {
            capacity: { cpu: '8', memory: '32Gi', pods: '110' },
            allocatable: { cpu: '7500m', memory: '30Gi', pods: '110' },
          },
        },
      },
      mergePatch,
    );
    const oldLabels = (await core.readNode({ name: node })).metadata?.labels ?? {};
    // A dead kubelet: kwok no longer manages it, so the replacement must get the label back.
    await failNode(kc, node, 'Unknown');
    const sim = createNodeProvider('sim', kc);

    const first = await sim.replace(node, 'wf-replace');
    expect(first).toMatchObject({ outcome: 'replaced', replacement: `${node}-r` });
    const replacement = await waitFor(
      `replacement ${node}-r to be Ready`,
      () => core.readNode({ name: `${node}-r` }),
      (n) => conditionOf(n, 'Ready')?.status === 'True',
    );
    expect(replacement.metadata?.labels).toMatchObject({
      [Sim.managedLabel]: 'true',
      'kubernetes.io/hostname': `${node}-r`,
      'topology.kubernetes.io/zone': oldLabels['topology.kubernetes.io/zone'],
      'topology.kubernetes.io/region': oldLabels['topology.kubernetes.io/region'],
      'node.kubernetes.io/instance-type': oldLabels['node.kubernetes.io/instance-type'],
    });
    expect(replacement.metadata?.annotations?.[ProviderAnnotations.replaces]).toBe(node);
    expect(replacement.status?.capacity).toMatchObject({ cpu: '8', memory: '32Gi' });
    expect(replacement.status?.allocatable).toMatchObject({ cpu: '7500m' });
    expect(await readNodeOrUndefined(kc, node)).toBeUndefined();

    const second = await sim.replace(node, 'wf-replace');
    expect(second).toMatchObject({ outcome: 'replaced', replacement: `${node}-r` });
    const replacements = (await core.listNode()).items.filter(
      (n) => n.metadata?.annotations?.[ProviderAnnotations.replaces] === node,
    );
    expect(replacements).toHaveLength(1);
  });

  test('sim picks another name when <node>-r is taken by an unrelated node', async () => {
    const node = await newNode('taken');
    await core.createNode({ body: { metadata: { name: `${node}-r` } } });
    const outcome = await createNodeProvider('sim', kc).replace(node, 'wf-taken');
    expect(outcome.outcome).toBe('replaced');
    const name = outcome.outcome === 'replaced' ? outcome.replacement : undefined;
    expect(name).toMatch(new RegExp(`^${node}-r-[0-9a-f]{5}$`));
    expect(
      (await core.readNode({ name: name ?? '' })).metadata?.annotations?.[ProviderAnnotations.replaces],
    ).toBe(node);
    expect(
      (await core.readNode({ name: `${node}-r` })).metadata?.annotations?.[ProviderAnnotations.replaces],
    ).toBeUndefined();
  });

  test('delete-node deletes the Node object, and a second call finds it already gone', async () => {
    const node = await newNode('delete');
    const provider = createNodeProvider('delete-node', kc);
    await expect(provider.replace(node, 'wf-delete')).resolves.toMatchObject({ outcome: 'deleted' });
    expect(await readNodeOrUndefined(kc, node)).toBeUndefined();
    await expect(provider.replace(node, 'wf-delete')).resolves.toEqual({
      outcome: 'deleted',
      detail: `node ${node} was already gone`,
    });
  });

  test('none hands the node to humans and changes nothing', async () => {
    const node = await newNode('none');
    await expect(createNodeProvider('none', kc).replace(node, 'wf-none')).resolves.toMatchObject({
      outcome: 'handed-off',
    });
    expect(await readNodeOrUndefined(kc, node)).toBeDefined();
  });

  test('cluster-api hands off a node without a Machine annotation, and deletes the owning Machine of one with it', async () => {
    const capi = createNodeProvider('cluster-api', kc);
    const unmanaged = await newNode('capi-none');
    const handedOff = await capi.replace(unmanaged, 'wf-capi');
    expect(handedOff.outcome).toBe('handed-off');
    expect(handedOff.detail).toMatch(/cluster\.x-k8s\.io\/machine/);

    const crdName = `${MachineResource.plural}.${MachineResource.group}`;
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const existingCrd = await extensions
      .readCustomResourceDefinition({ name: crdName })
      .catch((e: unknown) => {
        if (statusCodeOf(e) === 404) return undefined;
        throw e;
      });
    if (!existingCrd)
      await extensions.createCustomResourceDefinition({
        body: {
          metadata: { name: crdName },
          spec: {
            group: MachineResource.group,
            names: {
              kind: 'Machine',
              plural: MachineResource.plural,
              singular: 'machine',
              listKind: 'MachineList',
            },
            scope: 'Namespaced',
            versions: [
              {
                name: MachineResource.version,
                served: true,
                storage: true,
                schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
              },
            ],
          },
        },
      });
    await waitFor(
      'the Machine CRD to be Established',
      () => extensions.readCustomResourceDefinition({ name: crdName }),
      (crd) => crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true,
    );
    const custom = kc.makeApiClient(CustomObjectsApi);
    const machine = `${prefix}-machine`;
    await waitFor(
      'the Machine resource to accept objects',
      () =>
        custom.createNamespacedCustomObject({
          ...MachineResource,
          namespace,
          body: {
            apiVersion: `${MachineResource.group}/${MachineResource.version}`,
            kind: 'Machine',
            metadata: { name: machine },
            spec: { clusterName: 'lab' },
          },
        }),
      () => true,
    );
    const managed = await newNode('capi');
    await patchNode(managed, {
      metadata: {
        annotations: {
          [ProviderAnnotations.capiMachine]: machine,
          [ProviderAnnotations.capiNamespace]: namespace,
        },
      },
    });

    const replaced = await capi.replace(managed, 'wf-capi');
    expect(replaced).toMatchObject({ outcome: 'replaced' });
    expect(replaced.detail).toMatch(`deleted Machine ${namespace}/${machine}`);
    const read = await custom
      .getNamespacedCustomObject({ ...MachineResource, namespace, name: machine })
      .then(
        () => 'present',
        (e: unknown) => statusCodeOf(e),
      );
    expect(read).toBe(404);
    const again = await capi.replace(managed, 'wf-capi');
    expect(again).toMatchObject({ outcome: 'replaced' });
    expect(again.detail).toMatch('was already deleted');
    if (!existingCrd) await extensions.deleteCustomResourceDefinition({ name: crdName });
  });
});
