/**
 * The pod source's pure rules: what a pod's status means, the restarts that count, grouping by
 * workload, opt-outs, and the trimming of what the informers cache. Bad input never throws.
 */
import type { V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { trimPod, trimReplicaSet } from '../../src/activities/kubernetes/pod-trim';
import { parseRecoveryConfig } from '../../src/config/recovery-config';
import type { ReplicaSetView } from '../../src/starter/detector/pod-grouping';
import { podOptOutReason, workloadOf } from '../../src/starter/detector/pod-grouping';
import { observeRestarts, restartsWithin } from '../../src/starter/detector/pod-restarts';
import type { PodView } from '../../src/starter/detector/pod-rules';
import { judgePod, podViewOf } from '../../src/starter/detector/pod-rules';
import { replicaSetViewOf } from '../../src/starter/detector/workload-health';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const config = parseRecoveryConfig({
  pod_restart_threshold: '3',
  'workload.not_ready_window': '60',
  'workload.restart_window': '600',
});
const none = { count: 0 };

interface ContainerSpec {
  name?: string;
  restartCount?: number;
  ready?: boolean;
  waiting?: string;
  terminated?: { reason: string; finishedAt?: unknown };
  last?: { reason: string; finishedAt?: unknown; exitCode?: number };
}

function pod(
  options: {
    name?: string;
    phase?: string;
    ready?: 'True' | 'False';
    readySince?: unknown;
    containers?: ContainerSpec[];
    owners?: { kind: string; name: string; controller?: boolean }[];
    labels?: Record<string, string>;
  } = {},
): unknown {
  return {
    metadata: {
      name: options.name ?? 'web-1',
      namespace: 'shop',
      labels: options.labels,
      ownerReferences: options.owners,
    },
    status: {
      phase: options.phase ?? 'Running',
      conditions: [
        { type: 'Ready', status: options.ready ?? 'True', lastTransitionTime: options.readySince },
      ],
      containerStatuses: (options.containers ?? [{}]).map((c) => ({
        name: c.name ?? 'app',
        restartCount: c.restartCount ?? 0,
        ready: c.ready ?? true,
        state: c.waiting
          ? { waiting: { reason: c.waiting } }
          : c.terminated
            ? { terminated: c.terminated }
            : { running: {} },
        lastState: c.last ? { terminated: c.last } : {},
      })),
    },
  };
}

const view = (raw: unknown): PodView => {
  const v = podViewOf(raw);
  if (!v) throw new Error('no view');
  return v;
};
const reasonOf = (raw: unknown, restarts = none, now = T0) =>
  judgePod(view(raw), restarts, config, now).symptom?.reason;

describe('judgePod', () => {
  test('a Running, Ready pod is healthy and has no symptom', () => {
    expect(judgePod(view(pod()), none, config, T0)).toEqual({
      healthy: true,
      symptom: undefined,
      recheckAt: undefined,
    });
  });

  test.each([
    ['CrashLoopBackOff', 'CrashLoopBackOff'],
    ['RunContainerError', 'CrashLoopBackOff'],
    ['ImagePullBackOff', 'ImagePullBackOff'],
    ['InvalidImageName', 'ImagePullBackOff'],
    ['ErrImagePull', 'ErrImagePull'],
    ['CreateContainerConfigError', 'CreateContainerConfigError'],
  ])('waiting reason %s fails the pod as %s', (waiting, reason) => {
    expect(reasonOf(pod({ ready: 'False', containers: [{ waiting, ready: false }] }))).toBe(reason);
  });

  test.each(['ContainerCreating', 'PodInitializing', 'SomethingNew', ''])(
    'waiting reason %p is no failure',
    (waiting) => {
      expect(
        reasonOf(pod({ phase: 'Pending', ready: 'False', containers: [{ waiting, ready: false }] })),
      ).toBeUndefined();
    },
  );

  test('OOMKilled is the most specific reason, from the current state or a recent last termination', () => {
    const recent = { reason: 'OOMKilled', exitCode: 137, finishedAt: iso(T0 - 30_000) };
    expect(
      reasonOf(
        pod({ ready: 'False', containers: [{ waiting: 'CrashLoopBackOff', last: recent, ready: false }] }),
      ),
    ).toBe('OOMKilled');
    expect(
      reasonOf(pod({ ready: 'False', containers: [{ terminated: { reason: 'OOMKilled' }, ready: false }] })),
    ).toBe('OOMKilled');
    const verdict = judgePod(view(pod({ containers: [{ last: recent }] })), none, config, T0);
    expect(verdict.symptom?.message).toBe('container app was OOMKilled (exit 137)');
    // Judged again when the kill leaves the restart window.
    expect(verdict.recheckAt).toBe(T0 - 30_000 + 600_000);
  });

  test('an OOM kill long ago, on a container fine since, is no failure', () => {
    const old = { reason: 'OOMKilled', finishedAt: iso(T0 - 7 * 86_400_000) };
    expect(
      judgePod(view(pod({ containers: [{ last: old, restartCount: 50 }] })), none, config, T0),
    ).toMatchObject({
      healthy: true,
      symptom: undefined,
    });
  });

  test('an OOM kill with a garbage time counts only while the container is not ready', () => {
    const garbage = { reason: 'OOMKilled', finishedAt: 'yesterday-ish' };
    expect(reasonOf(pod({ containers: [{ last: garbage, ready: true }] }))).toBeUndefined();
    expect(reasonOf(pod({ ready: 'False', containers: [{ last: garbage, ready: false }] }))).toBe(
      'OOMKilled',
    );
  });

  test('restarts within the window at the threshold fail the pod; the lifetime counter alone does not', () => {
    expect(reasonOf(pod({ containers: [{ restartCount: 50 }] }))).toBeUndefined();
    expect(reasonOf(pod(), { count: 2 })).toBeUndefined();
    const verdict = judgePod(view(pod()), { count: 3, expiresAt: T0 + 1_000 }, config, T0);
    expect(verdict.symptom).toMatchObject({ reason: 'RestartsRising' });
    expect(verdict.recheckAt).toBe(T0 + 1_000);
  });

  test('phase Failed fails the pod, with the status reason as message', () => {
    const failed = { ...(pod({ phase: 'Failed', ready: 'False' }) as object) } as {
      status: Record<string, unknown>;
    };
    failed.status.reason = 'Evicted';
    expect(judgePod(view(failed), none, config, T0).symptom).toEqual({
      reason: 'Failed',
      message: 'Evicted',
    });
  });

  test('Running but not Ready fails only after not_ready_window, counted from the transition', () => {
    const unready = pod({ ready: 'False', readySince: iso(T0 - 59_000), containers: [{ ready: false }] });
    expect(judgePod(view(unready), none, config, T0)).toMatchObject({
      symptom: undefined,
      healthy: false,
      recheckAt: T0 + 1_000,
    });
    expect(judgePod(view(unready), none, config, T0 + 1_000).symptom).toMatchObject({
      reason: 'NotReady',
      since: T0 + 1_000,
    });
  });

  test('not Ready with a garbage or future transition time counts from when this process first saw it', () => {
    for (const readySince of ['garbage', iso(T0 + 3_600_000), undefined, 42]) {
      const unready = view(pod({ ready: 'False', readySince, containers: [{ ready: false }] }));
      expect(judgePod(unready, none, config, T0 + 59_000, T0).symptom).toBeUndefined();
      expect(judgePod(unready, none, config, T0 + 60_000, T0).symptom?.reason).toBe('NotReady');
    }
  });

  test('a Succeeded pod is healthy whatever its containers say; a Pending one is neither healthy nor failing', () => {
    expect(
      judgePod(
        view(pod({ phase: 'Succeeded', containers: [{ terminated: { reason: 'Completed' } }] })),
        none,
        config,
        T0,
      ),
    ).toEqual({
      healthy: true,
    });
    expect(judgePod(view(pod({ phase: 'Pending', ready: 'False' })), none, config, T0)).toMatchObject({
      healthy: false,
      symptom: undefined,
    });
  });

  test('bad input yields no view or no symptom, never a throw', () => {
    for (const bad of [undefined, null, 42, 'pod', [], {}, { metadata: {} }, { metadata: { name: 'x' } }])
      expect(podViewOf(bad)).toBeUndefined();
    const odd = [
      { metadata: { name: 'a', namespace: 'b' } },
      { metadata: { name: 'a', namespace: 'b' }, status: 'Running' },
      {
        metadata: { name: 'a', namespace: 'b' },
        status: { containerStatuses: 'many', conditions: [null, 3, { type: 'Ready' }] },
      },
      {
        metadata: { name: 'a', namespace: 'b' },
        status: {
          containerStatuses: [
            null,
            { name: 7 },
            { name: 'c', restartCount: -4, state: 'x', lastState: null },
          ],
        },
      },
      { metadata: { name: 'a', namespace: 'b', ownerReferences: 'me' }, status: { phase: 17 } },
    ];
    for (const o of odd) expect(() => judgePod(view(o), none, config, T0)).not.toThrow();
    expect(view(odd[3]).containers).toEqual([expect.objectContaining({ name: 'c', restartCount: 0 })]);
  });
});

describe('restarts', () => {
  const windowMs = 600_000;
  const withCount = (restartCount: number) => view(pod({ containers: [{ restartCount }] }));

  test('the count at first sight is a baseline, not restarts', () => {
    const history = observeRestarts(undefined, withCount(50), T0, windowMs, true);
    expect(restartsWithin(history, T0, windowMs)).toEqual({ count: 0 });
  });

  test('increases seen are counted within the window, and leave it', () => {
    let history = observeRestarts(undefined, withCount(50), T0, windowMs, true);
    history = observeRestarts(history, withCount(51), T0 + 1_000, windowMs, false);
    history = observeRestarts(history, withCount(53), T0 + 2_000, windowMs, false);
    expect(restartsWithin(history, T0 + 2_000, windowMs)).toEqual({
      count: 3,
      expiresAt: T0 + 1_000 + windowMs,
    });
    expect(restartsWithin(history, T0 + 1_500 + windowMs, windowMs)).toEqual({
      count: 2,
      expiresAt: T0 + 2_000 + windowMs,
    });
    expect(restartsWithin(history, T0 + 3_000 + windowMs, windowMs)).toEqual({ count: 0 });
  });

  test('a known pod without history had 0 restarts; a pod that never restarted keeps no history', () => {
    expect(observeRestarts(undefined, withCount(0), T0, windowMs, true)).toBeUndefined();
    const history = observeRestarts(undefined, withCount(2), T0, windowMs, false);
    expect(restartsWithin(history, T0, windowMs).count).toBe(2);
  });

  test('a lower count (the pod recreated under its name) is a new baseline', () => {
    let history = observeRestarts(undefined, withCount(9), T0, windowMs, true);
    history = observeRestarts(history, withCount(1), T0 + 1_000, windowMs, false);
    expect(restartsWithin(history, T0 + 1_000, windowMs).count).toBe(0);
  });
});

describe('workloadOf', () => {
  const replicaSets: Record<string, ReplicaSetView> = {
    'web-5d8f': { owners: [{ kind: 'Deployment', name: 'web', controller: true }], labels: {} },
    bare: { owners: [], labels: { team: 'a' } },
    rollout: { owners: [{ kind: 'Rollout', name: 'r', controller: true }], labels: {} },
    // Owner cycles a bug or a hand-written object may make: one level is read, nothing loops.
    self: { owners: [{ kind: 'ReplicaSet', name: 'self', controller: true }], labels: {} },
    ping: { owners: [{ kind: 'ReplicaSet', name: 'pong', controller: true }], labels: {} },
    pong: { owners: [{ kind: 'ReplicaSet', name: 'ping', controller: true }], labels: {} },
    'two-heads': {
      owners: [
        { kind: 'ReplicaSet', name: 'two-heads', controller: true },
        { kind: 'Deployment', name: 'web', controller: false },
      ],
      labels: {},
    },
  };
  const lookup = (_ns: string, name: string) => replicaSets[name];
  const of = (owners?: { kind: string; name: string; controller?: boolean }[]) =>
    workloadOf(view(pod({ name: 'p', owners })), lookup).target;

  test.each([
    [[{ kind: 'ReplicaSet', name: 'web-5d8f', controller: true }], 'Deployment', 'web'],
    [[{ kind: 'ReplicaSet', name: 'bare', controller: true }], 'ReplicaSet', 'bare'],
    [[{ kind: 'ReplicaSet', name: 'rollout', controller: true }], 'ReplicaSet', 'rollout'],
    [[{ kind: 'ReplicaSet', name: 'gone', controller: true }], 'ReplicaSet', 'gone'],
    [[{ kind: 'ReplicaSet', name: 'self', controller: true }], 'ReplicaSet', 'self'],
    [[{ kind: 'ReplicaSet', name: 'ping', controller: true }], 'ReplicaSet', 'ping'],
    [[{ kind: 'ReplicaSet', name: 'two-heads', controller: true }], 'ReplicaSet', 'two-heads'],
    [[{ kind: 'Pod', name: 'p', controller: true }], 'Pod', 'p'],
    [[{ kind: 'StatefulSet', name: 'db', controller: true }], 'StatefulSet', 'db'],
    [[{ kind: 'DaemonSet', name: 'agent', controller: true }], 'DaemonSet', 'agent'],
    [[{ kind: 'Job', name: 'nightly-28391', controller: true }], 'Job', 'nightly-28391'],
    [undefined, 'Pod', 'p'],
    [[{ kind: 'Node', name: 'node-1', controller: true }], 'Pod', 'p'],
    [
      [
        { kind: 'MyOperator', name: 'x', controller: true },
        { kind: 'StatefulSet', name: 'db' },
      ],
      'Pod',
      'p',
    ],
    [
      [
        { kind: 'ConfigMap', name: 'x' },
        { kind: 'Job', name: 'j' },
      ],
      'Job',
      'j',
    ],
  ])('owners %j group as %s/%s', (owners, kind, name) => {
    expect(of(owners)).toEqual({ kind, namespace: 'shop', name });
  });

  test('a ReplicaSet missing from the cache is named as the nearest owner but flagged unknown; a cached one is not', () => {
    const owned = (name: string) =>
      workloadOf(view(pod({ name: 'p', owners: [{ kind: 'ReplicaSet', name, controller: true }] })), lookup);
    expect(owned('gone')).toEqual({
      target: { kind: 'ReplicaSet', namespace: 'shop', name: 'gone' },
      unknownOwner: 'ReplicaSet/gone',
    });
    for (const name of ['web-5d8f', 'bare', 'self', 'ping']) expect(owned(name).unknownOwner).toBeUndefined();
  });

  test('odd owner references are dropped, never thrown on', () => {
    const raw = pod({ name: 'p' }) as { metadata: Record<string, unknown> };
    raw.metadata.ownerReferences = [
      null,
      3,
      { kind: 'ReplicaSet' },
      { name: 'x' },
      { kind: 'ReplicaSet', name: '' },
    ];
    expect(workloadOf(view(raw), lookup).target).toEqual({ kind: 'Pod', namespace: 'shop', name: 'p' });
  });

  test('a bare ReplicaSet lends its labels to the opt-out rule', () => {
    expect(
      workloadOf(view(pod({ owners: [{ kind: 'ReplicaSet', name: 'bare', controller: true }] })), lookup)
        .labels,
    ).toEqual({
      team: 'a',
    });
  });
});

describe('podOptOutReason', () => {
  const label = 'self-healing.temporal.io/exclude';
  test('the pod, its workload or its namespace opts out with <label>=true only', () => {
    expect(podOptOutReason(label, { pod: { [label]: 'true' } })).toBe(`pod label ${label}=true`);
    expect(podOptOutReason(label, { pod: {}, workload: { [label]: 'true' } })).toBe(
      `workload label ${label}=true`,
    );
    expect(podOptOutReason(label, { pod: {}, namespace: { [label]: 'true' } })).toBe(
      `namespace label ${label}=true`,
    );
    expect(
      podOptOutReason(label, { pod: { [label]: 'yes' }, namespace: { [label]: 'false' } }),
    ).toBeUndefined();
  });
});

describe('trimming', () => {
  const full = {
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '7',
      labels: { app: 'web', 'self-healing.temporal.io/exclude': 'true' },
      annotations: { big: 'x'.repeat(10_000) },
      managedFields: [{ manager: 'kubectl' }],
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web-5d8f',
          uid: 'r1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: { containers: [{ name: 'app', image: 'web:1', env: [{ name: 'A', value: 'b' }] }] },
    status: {
      phase: 'Running',
      podIP: '10.0.0.1',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False', lastTransitionTime: new Date(T0) },
      ],
      containerStatuses: [
        {
          name: 'app',
          image: 'web:1',
          imageID: 'sha256:abc',
          ready: false,
          restartCount: 4,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'm'.repeat(1_000) } },
          lastState: {
            terminated: {
              reason: 'OOMKilled',
              exitCode: 137,
              finishedAt: new Date(T0),
              startedAt: new Date(T0),
            },
          },
        },
      ],
    },
  } as unknown as V1Pod;
  const keep = (key: string) => key === 'self-healing.temporal.io/exclude';

  test('a pod keeps only what the rules read, and judges the same as before trimming', () => {
    const trimmed = trimPod(full, keep);
    expect(trimmed.spec).toBeUndefined();
    expect(trimmed.metadata).toEqual({
      name: 'web-1',
      namespace: 'shop',
      uid: 'u1',
      resourceVersion: '7',
      labels: { 'self-healing.temporal.io/exclude': 'true' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'r1', controller: true },
      ],
      deletionTimestamp: undefined,
    });
    expect(trimmed.status?.conditions).toEqual([
      { type: 'Ready', status: 'False', lastTransitionTime: iso(T0) },
    ]);
    expect(trimmed.status?.containerStatuses?.[0]?.state?.waiting?.message?.length).toBe(256);
    expect(JSON.stringify(trimmed).length).toBeLessThan(1_000);
    expect(judgePod(view(trimmed), none, config, T0 + 1_000)).toEqual(
      judgePod(view(full), none, config, T0 + 1_000),
    );
  });

  test('a ReplicaSet keeps its identity, owners, the opt-out label and spec.replicas, nothing else of its spec', () => {
    const rs = {
      metadata: {
        name: 'web-5d8f',
        namespace: 'shop',
        labels: { app: 'web', 'self-healing.temporal.io/exclude': 'true' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true },
        ],
        annotations: { 'deployment.kubernetes.io/revision': '7' },
      },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { spec: { containers: [] } },
      },
      status: { replicas: 3, readyReplicas: 1 },
    } as unknown as V1ReplicaSet;
    const trimmed = trimReplicaSet(rs, keep);
    expect(trimmed.spec).toEqual({ replicas: 3 });
    expect(trimmed.status).toBeUndefined();
    expect(trimmed.metadata?.labels).toEqual({ 'self-healing.temporal.io/exclude': 'true' });
    expect(replicaSetViewOf(trimmed)).toEqual({
      owners: [{ kind: 'Deployment', name: 'web', controller: true }],
      labels: { 'self-healing.temporal.io/exclude': 'true' },
      replicas: 3,
    });
    for (const replicas of [-1, 1.5, '3', null, undefined])
      expect(replicaSetViewOf({ metadata: { name: 'x' }, spec: { replicas } })?.replicas).toBeUndefined();
  });

  test('garbage survives trimming without a throw', () => {
    for (const bad of [{}, { metadata: null, status: null }, { status: { containerStatuses: [null] } }])
      expect(() => trimPod(bad as V1Pod, keep)).not.toThrow();
    expect(trimReplicaSet({} as never, keep).metadata?.labels).toBeUndefined();
  });
});
