/**
 * The simulated cluster behaves like Kubernetes where the product depends on it: scheduling,
 * PodDisruptionBudgets and the Eviction API, node-lifecycle taints and taint-based eviction, and
 * every failure tools/sim can inject. Runs against the lab started by `make test`
 * (KUBECONFIG points at it); without it the suite fails, it never skips.
 */
import type { KubeConfig, V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { NodeFailure } from '../../tools/sim';
import {
  Sim,
  conditionOf,
  crashLoopPod,
  createSimNode,
  deleteNode,
  failNode,
  failPod,
  flapNode,
  hasTaint,
  healPod,
  imagePullFailPod,
  isPodReady,
  loadLabKubeConfig,
  oomKillPod,
  readNodeOrUndefined,
  readPodOrUndefined,
  recoverNode,
  statusCodeOf,
  stickPodTerminating,
  unreadyPod,
  waitFor,
} from '../../tools/sim';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const namespace = `k8s-sim-${Date.now().toString(36)}`;

let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
let policy: PolicyV1Api;
let nodeNames: string[] = [];

beforeAll(async () => {
  kc = loadLabKubeConfig();
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
  policy = kc.makeApiClient(PolicyV1Api);
  let nodes: V1Node[];
  try {
    nodes = (await core.listNode({ labelSelector: `${Sim.managedLabel}=true` })).items;
  } catch (error) {
    throw new Error(
      `the simulated cluster at ${kc.getCurrentCluster()?.server} does not answer (start it with \`make lab-up\`): ${String(error)}`,
    );
  }
  nodeNames = nodes
    .map((n) => n.metadata?.name ?? '')
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const ready = nodes.filter((n) => conditionOf(n, 'Ready')?.status === 'True' && !n.spec?.unschedulable);
  if (ready.length < 5)
    throw new Error(
      `the lab needs at least 5 Ready, schedulable simulated nodes; it has ${ready.length} (K8S_NODES)`,
    );
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(
    'the default ServiceAccount',
    () => core.readNamespacedServiceAccount({ name: 'default', namespace }),
    () => true,
  );
});

afterAll(async () => {
  if (!core) return;
  // Leave the shared lab as we found it, even after a failed assertion.
  for (const name of nodeNames) {
    const node = await readNodeOrUndefined(kc, name);
    if (!node) {
      await createSimNode(kc, name);
      continue;
    }
    const unhealthy =
      node.metadata?.labels?.[Sim.managedLabel] !== 'true' ||
      (node.status?.conditions ?? []).some((c) => (c.type === 'Ready') !== (c.status === 'True'));
    if (unhealthy) await recoverNode(kc, name);
    if (node.spec?.unschedulable)
      await core.patchNode({ name, body: { spec: { unschedulable: null } } }, mergePatch);
  }
  const pods = await core.listNamespacedPod({ namespace });
  for (const pod of pods.items) {
    if (pod.metadata?.finalizers?.includes(Sim.blockDeletionFinalizer))
      await healPod(kc, namespace, pod.metadata.name ?? '');
  }
  await core.deleteNamespace({ name: namespace });
});

// ---------------------------------------------------------------------------------------------
// helpers

function podSpec(app: string) {
  return {
    metadata: { labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'app',
          image: `registry.example.invalid/${app}:1.0`,
          resources: { requests: { cpu: '100m', memory: '128Mi' } },
        },
      ],
    },
  };
}

async function createDeployment(name: string, replicas: number): Promise<V1Deployment> {
  return apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: { replicas, selector: { matchLabels: { app: name } }, template: podSpec(name) },
    },
  });
}

async function waitDeploymentReady(name: string, replicas: number, timeoutMs = 60_000): Promise<V1Pod[]> {
  await waitFor(
    `deployment ${name} to have ${replicas} ready replicas`,
    () => apps.readNamespacedDeployment({ name, namespace }),
    (d) =>
      d.status?.readyReplicas === replicas &&
      d.status.updatedReplicas === replicas &&
      d.status.replicas === replicas,
    { timeoutMs },
  );
  return livePods(name);
}

async function livePods(app: string): Promise<V1Pod[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` });
  return pods.items.filter((p) => !p.metadata?.deletionTimestamp);
}

async function createReadyPod(name: string): Promise<V1Pod> {
  await core.createNamespacedPod({
    namespace,
    body: { ...podSpec(name), metadata: { name, labels: { app: name } } },
  });
  return waitFor(`pod ${name} to be Ready`, () => core.readNamespacedPod({ name, namespace }), isPodReady);
}

const readNode = (name: string) => core.readNode({ name });
const readPod = (name: string) => core.readNamespacedPod({ name, namespace });

function nodeAt(index: number): string {
  const name = nodeNames.at(index);
  if (!name) throw new Error(`no simulated node at index ${index}`);
  return name;
}

// ---------------------------------------------------------------------------------------------
// scheduling, PDBs and the Eviction API

describe('workloads on simulated nodes', () => {
  test('a 3-replica Deployment schedules onto simulated nodes and becomes Ready', async () => {
    await createDeployment('web', 3);
    const pods = await waitDeploymentReady('web', 3);
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(nodeNames).toContain(pod.spec?.nodeName);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.podIP).toMatch(/^10\.0\./);
      expect(pod.status?.containerStatuses?.[0]).toMatchObject({ name: 'app', ready: true, restartCount: 0 });
    }
  });

  test('a PDB at minAvailable 3 makes eviction answer 429; at minAvailable 2 the evicted pod is replaced on another node', async () => {
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } },
      },
    });
    const pdbSettled = (allowed: number) =>
      waitFor(
        `PDB web to allow ${allowed} disruptions`,
        () => policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace }),
        (p) =>
          p.status?.observedGeneration === p.metadata?.generation && p.status?.disruptionsAllowed === allowed,
      );
    await pdbSettled(0);

    const before = await livePods('web');
    const originals = new Set(before.map((p) => p.metadata?.name));
    const [victim] = before;
    const victimName = victim?.metadata?.name ?? '';
    const source = victim?.spec?.nodeName ?? '';
    const evict = () =>
      core.createNamespacedPodEviction({
        name: victimName,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victimName, namespace } },
      });
    const blocked = await evict().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(statusCodeOf(blocked)).toBe(429);

    await policy.patchNamespacedPodDisruptionBudget(
      { name: 'web', namespace, body: { spec: { minAvailable: 2 } } },
      mergePatch,
    );
    await pdbSettled(1);
    // Cordoned first, or the replacement could land right back on the source node.
    await core.patchNode({ name: source, body: { spec: { unschedulable: true } } }, mergePatch);
    try {
      await evict();
      await waitFor(
        `evicted pod ${victimName} to be gone`,
        () => readPodOrUndefined(kc, namespace, victimName),
        (p) => p === undefined,
      );
      // Wait on the pods themselves: the Deployment's status can still read 3/3 from before.
      const pods = await waitFor(
        'a Ready replacement beside the two remaining pods',
        () => livePods('web'),
        (live) =>
          live.length === 3 && live.every(isPodReady) && live.some((p) => !originals.has(p.metadata?.name)),
        { timeoutMs: 60_000 },
      );
      const replacement = pods.find((p) => !originals.has(p.metadata?.name));
      expect(replacement).toBeDefined();
      expect(replacement?.spec?.nodeName).not.toBe(source);
      expect(isPodReady(replacement)).toBe(true);
    } finally {
      await core.patchNode({ name: source, body: { spec: { unschedulable: null } } }, mergePatch);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// node injections

describe('node failure injection', () => {
  const cases: {
    failure: NodeFailure;
    type: string;
    status: string;
    reason: string;
    taint: [string, string];
  }[] = [
    {
      failure: 'NotReady',
      type: 'Ready',
      status: 'False',
      reason: 'KubeletNotReady',
      taint: ['node.kubernetes.io/not-ready', 'NoExecute'],
    },
    {
      failure: 'MemoryPressure',
      type: 'MemoryPressure',
      status: 'True',
      reason: 'KubeletHasInsufficientMemory',
      taint: ['node.kubernetes.io/memory-pressure', 'NoSchedule'],
    },
    {
      failure: 'DiskPressure',
      type: 'DiskPressure',
      status: 'True',
      reason: 'KubeletHasDiskPressure',
      taint: ['node.kubernetes.io/disk-pressure', 'NoSchedule'],
    },
    {
      failure: 'PIDPressure',
      type: 'PIDPressure',
      status: 'True',
      reason: 'KubeletHasInsufficientPID',
      taint: ['node.kubernetes.io/pid-pressure', 'NoSchedule'],
    },
    {
      failure: 'NetworkUnavailable',
      type: 'NetworkUnavailable',
      status: 'True',
      reason: 'NoRouteCreated',
      taint: ['node.kubernetes.io/network-unavailable', 'NoSchedule'],
    },
  ];

  test.each(cases)(
    '$failure sets $type=$status, kube-controller-manager taints the node, and recoverNode clears both',
    async ({ failure, type, status, reason, taint }) => {
      const name = nodeAt(-1);
      await failNode(kc, name, failure);
      const failed = await waitFor(
        `${name} to be tainted ${taint.join(':')}`,
        () => readNode(name),
        (n) => hasTaint(n, ...taint),
      );
      expect(conditionOf(failed, type)).toMatchObject({ status, reason });
      if (type !== 'Ready') expect(conditionOf(failed, 'Ready')?.status).toBe('True');

      await recoverNode(kc, name);
      const healed = await waitFor(
        `${name} to lose taint ${taint[0]}`,
        () => readNode(name),
        (n) => !hasTaint(n, ...taint),
      );
      expect(conditionOf(healed, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
      expect(conditionOf(healed, type)?.status).toBe(type === 'Ready' ? 'True' : 'False');
    },
  );

  test("an injected condition survives kwok's heartbeats", async () => {
    const name = nodeAt(-2);
    await failNode(kc, name, 'NotReady');
    try {
      const injectedAt = new Date(
        conditionOf(await readNode(name), 'Ready')?.lastHeartbeatTime ?? 0,
      ).getTime();
      // sim-node-heartbeat runs every 20-25 s; a newer heartbeat with the status intact proves it.
      const after = await waitFor(
        `a kwok heartbeat on ${name}`,
        () => readNode(name),
        (n) => new Date(conditionOf(n, 'Ready')?.lastHeartbeatTime ?? 0).getTime() > injectedAt,
        // 20-25 s, restarted by every status write of kube-controller-manager (its taints): margin.
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      expect(conditionOf(after, 'Ready')).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    } finally {
      await recoverNode(kc, name);
    }
  }, 90_000);

  test('Unknown: the kubelet goes silent, the Lease expires and kube-controller-manager marks the node unreachable', async () => {
    const name = nodeAt(-3);
    await failNode(kc, name, 'Unknown');
    try {
      const silent = await waitFor(
        `${name} to turn Unknown and be tainted unreachable`,
        () => readNode(name),
        (n) =>
          conditionOf(n, 'Ready')?.status === 'Unknown' &&
          hasTaint(n, 'node.kubernetes.io/unreachable', 'NoExecute'),
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(conditionOf(silent, 'Ready')?.reason).toBe('NodeStatusUnknown');
      expect(conditionOf(silent, 'MemoryPressure')?.status).toBe('Unknown');
      expect(silent.metadata?.labels?.[Sim.managedLabel]).toBeUndefined();
    } finally {
      await recoverNode(kc, name);
    }
    const back = await waitFor(
      `${name} to be Ready and untainted`,
      () => readNode(name),
      (n) =>
        conditionOf(n, 'Ready')?.status === 'True' &&
        !hasTaint(n, 'node.kubernetes.io/unreachable', 'NoExecute'),
    );
    expect(back.metadata?.labels?.[Sim.managedLabel]).toBe('true');
    // Back under kwok: the Lease is renewed again, so the node stays Ready past the grace period.
    await new Promise((r) => setTimeout(r, 25_000));
    expect(conditionOf(await readNode(name), 'Ready')?.status).toBe('True');
  }, 120_000);

  test('a flapping node alternates between NotReady and Ready until stopped', async () => {
    const name = nodeAt(-1);
    const seen: string[] = [];
    const flapping = flapNode(kc, name, { downMs: 2_000, upMs: 2_000 });
    try {
      // Until two full flaps were seen (each takes a few API calls: slower on a busy machine).
      const until = Date.now() + 30_000;
      const enough = () =>
        seen.filter((s) => s === 'False').length >= 2 && seen.filter((s) => s === 'True').length >= 2;
      while (Date.now() < until && !enough()) {
        const status = conditionOf(await readNode(name), 'Ready')?.status ?? 'missing';
        if (seen.at(-1) !== status) seen.push(status);
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await flapping.stop();
    }
    expect(flapping.flaps).toBeGreaterThanOrEqual(2);
    expect(seen.filter((s) => s === 'False').length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((s) => s === 'True').length).toBeGreaterThanOrEqual(2);
    expect(conditionOf(await readNode(name), 'Ready')?.status).toBe('True');
  });

  test('a deleted node is gone from the API, and createSimNode brings back a Ready node whose Lease kwok renews, as every other', async () => {
    const name = nodeAt(-1);
    await deleteNode(kc, name);
    expect(await readNodeOrUndefined(kc, name)).toBeUndefined();
    await createSimNode(kc, name);
    const node = await waitFor(
      `${name} to be Ready`,
      () => readNode(name),
      (n) => conditionOf(n, 'Ready')?.status === 'True',
    );
    expect(node.status?.allocatable).toMatchObject({ cpu: '4', memory: '16Gi', pods: '110' });
    expect(node.metadata?.labels?.['topology.kubernetes.io/zone']).toMatch(/^lab-1[abc]$/);

    // kwok keeps renewing every node's Lease (a wedged lease controller turns all nodes Unknown).
    const renewals = async () => {
      const leases = await kc
        .makeApiClient(CoordinationV1Api)
        .listNamespacedLease({ namespace: 'kube-node-lease' });
      return new Map(
        leases.items.map((l) => [l.metadata?.name ?? '', new Date(l.spec?.renewTime ?? 0).getTime()]),
      );
    };
    const managed = (await core.listNode({ labelSelector: `${Sim.managedLabel}=true` })).items.map(
      (n) => n.metadata?.name ?? '',
    );
    const before = await renewals();
    await waitFor(
      'every kwok node to renew its Lease',
      renewals,
      (after) => managed.every((n) => (after.get(n) ?? 0) > (before.get(n) ?? Infinity)),
      { timeoutMs: 20_000, intervalMs: 1_000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// pod injections

describe('pod failure injection', () => {
  test.each(['Error', 'OOMKilled'] as const)(
    'a crash loop with %s exits grows restartCount in CrashLoopBackOff, and healPod makes the pod Ready',
    async (reason) => {
      const name = `crash-${reason.toLowerCase()}`;
      await createReadyPod(name);
      await (reason === 'OOMKilled' ? oomKillPod(kc, namespace, name) : crashLoopPod(kc, namespace, name));
      const first = await waitFor(
        `${name} to crash`,
        () => readPod(name),
        (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      );
      const later = await waitFor(
        `${name} to crash again`,
        () => readPod(name),
        (p) =>
          (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >
          (first.status?.containerStatuses?.[0]?.restartCount ?? 0),
        { timeoutMs: 15_000 },
      );
      expect(later.status?.phase).toBe('Running');
      expect(later.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(later.status?.containerStatuses?.[0]).toMatchObject({
        ready: false,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { reason, exitCode: reason === 'OOMKilled' ? 137 : 1 } },
      });

      expect(await healPod(kc, namespace, name)).toBe('healed');
      const healed = await waitFor(`${name} to be Ready`, () => readPod(name), isPodReady);
      const restarts = healed.status?.containerStatuses?.[0]?.restartCount ?? 0;
      expect(healed.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
      // The loop has really stopped: no more restarts.
      await new Promise((r) => setTimeout(r, Sim.crashStageMaxDelayMs + 1_000));
      const still = await readPod(name);
      expect(isPodReady(still)).toBe(true);
      expect(still.status?.containerStatuses?.[0]?.restartCount).toBe(restarts);
    },
    60_000,
  );

  test.each(['ImagePullBackOff', 'ErrImagePull'] as const)(
    '%s keeps the pod Pending with the image named, and healPod lets it start',
    async (reason) => {
      const name = `pull-${reason.toLowerCase()}`;
      await createReadyPod(name);
      await imagePullFailPod(kc, namespace, name, reason);
      const stuck = await waitFor(
        `${name} to be ${reason}`,
        () => readPod(name),
        (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === reason,
      );
      expect(stuck.status?.phase).toBe('Pending');
      expect(stuck.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(stuck.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain(
        `registry.example.invalid/${name}:1.0`,
      );

      expect(await healPod(kc, namespace, name)).toBe('healed');
      await waitFor(`${name} to be Ready`, () => readPod(name), isPodReady);
    },
  );

  test('a pod created with an unpullable image never starts until the image is fixed', async () => {
    const name = 'pull-from-start';
    const spec = podSpec(name);
    await core.createNamespacedPod({
      namespace,
      body: { ...spec, metadata: { name, labels: { app: name, [Sim.imagePullLabel]: 'ErrImagePull' } } },
    });
    const stuck = await waitFor(
      `${name} to be ErrImagePull`,
      () => readPod(name),
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull',
    );
    expect(stuck.status?.phase).toBe('Pending');
    expect(stuck.spec?.nodeName).toBeDefined();
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await readPod(name)).status?.phase).toBe('Pending');

    expect(await healPod(kc, namespace, name)).toBe('healed');
    const running = await waitFor(`${name} to be Ready`, () => readPod(name), isPodReady);
    expect(running.status?.podIP).toMatch(/^10\.0\./);
  });

  test('a pod can be made Failed; its ReplicaSet replaces it and healPod deletes the failed pod', async () => {
    await createDeployment('batch', 1);
    const [pod] = await waitDeploymentReady('batch', 1);
    const name = pod?.metadata?.name ?? '';
    await failPod(kc, namespace, name);
    const failed = await readPod(name);
    expect(failed.status?.phase).toBe('Failed');
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
    // Still Failed a moment later: nothing in the simulation revives it.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await readPod(name)).status?.phase).toBe('Failed');

    expect(await healPod(kc, namespace, name)).toBe('deleted');
    await waitFor(
      `${name} to be gone`,
      () => readPodOrUndefined(kc, namespace, name),
      (p) => p === undefined,
    );
    const pods = await waitDeploymentReady('batch', 1);
    expect(pods.map((p) => p.metadata?.name)).not.toContain(name);
  });

  test('a running pod can be made not ready, and healPod makes it ready again', async () => {
    const name = 'unready';
    await createReadyPod(name);
    await unreadyPod(kc, namespace, name);
    await new Promise((r) => setTimeout(r, 1_500));
    const pod = await readPod(name);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({ ready: false, state: { running: {} } });

    expect(await healPod(kc, namespace, name)).toBe('healed');
    await waitFor(`${name} to be Ready`, () => readPod(name), isPodReady);
  });

  test('a pod can be stuck in Terminating, and healPod lets it go', async () => {
    const name = 'stuck';
    await createReadyPod(name);
    await stickPodTerminating(kc, namespace, name);
    await new Promise((r) => setTimeout(r, 2_000));
    const pod = await readPod(name);
    expect(pod.metadata?.deletionTimestamp).toBeDefined();
    expect(pod.metadata?.finalizers).toContain(Sim.blockDeletionFinalizer);
    expect(pod.status?.phase).toBe('Running');

    expect(await healPod(kc, namespace, name)).toBe('deleted');
    await waitFor(
      `${name} to be gone`,
      () => readPodOrUndefined(kc, namespace, name),
      (p) => p === undefined,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// taint-based eviction by kube-controller-manager

describe('kube-controller-manager taint-based eviction', () => {
  test('pods leave a NotReady node once their not-ready toleration expires', async () => {
    await createDeployment('tenants', 4);
    const pods = await waitDeploymentReady('tenants', 4);
    const name = pods[0]?.spec?.nodeName ?? '';
    const onNode = pods.filter((p) => p.spec?.nodeName === name);
    // DefaultTolerationSeconds admission gave every pod this toleration from the apiserver flag.
    const toleration = onNode[0]?.spec?.tolerations?.find(
      (t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute',
    );
    expect(toleration?.tolerationSeconds).toBeGreaterThan(0);
    const seconds = toleration?.tolerationSeconds ?? 0;
    expect(seconds).toBeLessThanOrEqual(60);

    await failNode(kc, name, 'NotReady');
    try {
      const tainted = await waitFor(
        `${name} to be tainted not-ready:NoExecute`,
        () => readNode(name),
        (n) => hasTaint(n, 'node.kubernetes.io/not-ready', 'NoExecute'),
      );
      // When kube-controller-manager added the taint, not when this test happened to see it.
      const taint = tainted.spec?.taints?.find(
        (t) => t.key === 'node.kubernetes.io/not-ready' && t.effect === 'NoExecute',
      );
      const taintedAt = taint?.timeAdded ? new Date(taint.timeAdded).getTime() : Date.now();
      const stillThere = await Promise.all(
        onNode.map((p) => readPodOrUndefined(kc, namespace, p.metadata?.name ?? '')),
      );
      expect(stillThere.every((p) => p && !p.metadata?.deletionTimestamp)).toBe(true);

      await waitFor(
        `pods on ${name} to be evicted`,
        () => Promise.all(onNode.map((p) => readPodOrUndefined(kc, namespace, p.metadata?.name ?? ''))),
        (found) => found.every((p) => p === undefined || p.metadata?.deletionTimestamp !== undefined),
        { timeoutMs: (seconds + 30) * 1_000, intervalMs: 500 },
      );
      // Not before the toleration ran out (a little slack for the taint's own timestamp).
      expect(Date.now() - taintedAt).toBeGreaterThanOrEqual((seconds - 3) * 1_000);
      const after = await waitDeploymentReady('tenants', 4);
      expect(after.every((p) => p.spec?.nodeName !== name)).toBe(true);
    } finally {
      await recoverNode(kc, name);
    }
  }, 150_000);
});
