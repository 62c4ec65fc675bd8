/**
 * What workload recovery decides and sends, as pure functions: the strategy a diagnosis calls for,
 * the loop guard, and the JSON patches (kubectl rollout undo and restart semantics, memory raise).
 */
import { patchFor } from '../../src/activities/workload/remediation-patches';
import type { WorkloadSnapshot } from '../../src/activities/workload/snapshot';
import type { Diagnosis, WorkloadRecoveryPolicy } from '../../src/domain';
import { loopGuard } from '../../src/workflows/workload/loop-guard';
import { choosePlan } from '../../src/workflows/workload/strategy';
import { diagnosisOf } from '../support/fake-workload';

const policy: WorkloadRecoveryPolicy = {
  dryRun: false,
  restartAttempts: 3,
  restartInterval: '30s',
  rollbackWindow: '1800s',
  rollbackRequiresApproval: false,
  memoryFactor: 1.5,
  memoryCapBytes: 4 * 2 ** 30,
  stableWindow: '60s',
  recoveryTimeout: '300s',
  approvalTimeout: '1800s',
  cooldown: '600s',
  maxRemediationsPerHour: 3,
  maxConcurrent: 5,
};
const changedAt = '2026-11-30T10:00:00.000Z';
const minutesLater = (m: number) => new Date(Date.parse(changedAt) + m * 60_000);
const recentCrash = (overrides: Partial<Diagnosis> = {}) =>
  diagnosisOf({ rollout: { ...diagnosisOf().rollout!, changedAt }, ...overrides });

describe('the strategy a diagnosis calls for', () => {
  test('a crash loop 10 min after a rollout: roll back to the previous revision', () => {
    expect(choosePlan(recentCrash(), policy, minutesLater(10))).toMatchObject({
      strategy: 'rollback',
      toRevision: 1,
    });
  });

  test('a crash loop 2 h after the rollout: the restart strategy', () => {
    expect(choosePlan(recentCrash(), policy, minutesLater(120)).strategy).toBe('restart');
  });

  test('never back to the revision we rolled back from; a StatefulSet rolls back too, a DaemonSet is reported', () => {
    expect(choosePlan(recentCrash({ rolledBackFrom: 'hash-1' }), policy, minutesLater(1)).strategy).toBe(
      'restart',
    );
    const sts = recentCrash({ workload: { kind: 'StatefulSet', namespace: 'db', name: 'pg' } });
    expect(choosePlan(sts, policy, minutesLater(1))).toMatchObject({ strategy: 'rollback', toRevision: 1 });
    const ds = recentCrash({ workload: { kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' } });
    expect(choosePlan(ds, policy, minutesLater(1)).strategy).toBe('report');
  });

  test('rollback_requires_approval asks first', () => {
    const plan = choosePlan(recentCrash(), { ...policy, rollbackRequiresApproval: true }, minutesLater(1));
    expect(plan).toMatchObject({
      strategy: 'rollback',
      approval: expect.stringMatching(/rollback_requires_approval/),
    });
  });

  test('OOMKilled: ×1.5; above the cap and for a StatefulSet with approval; no limit: report', () => {
    const oom = diagnosisOf({ reason: 'OOMKilled' });
    expect(choosePlan(oom, policy, minutesLater(1))).toMatchObject({
      strategy: 'raise-memory',
      limitBytes: 384 * 2 ** 20,
    });
    expect(choosePlan(oom, { ...policy, memoryCapBytes: 300 * 2 ** 20 }, minutesLater(1))).toMatchObject({
      strategy: 'raise-memory',
      approval: expect.stringMatching(/cap of 300Mi/),
    });
    const sts = diagnosisOf({
      reason: 'OOMKilled',
      workload: { kind: 'StatefulSet', namespace: 'db', name: 'pg' },
    });
    expect(choosePlan(sts, policy, minutesLater(1))).toMatchObject({
      approval: expect.stringMatching(/StatefulSet/),
    });
    const rs = diagnosisOf({
      reason: 'OOMKilled',
      workload: { kind: 'ReplicaSet', namespace: 'a', name: 'r' },
    });
    expect(choosePlan(rs, policy, minutesLater(1)).strategy).toBe('report');
    const unlimited = diagnosisOf({ reason: 'OOMKilled', memory: { container: 'app' } });
    expect(choosePlan(unlimited, policy, minutesLater(1)).strategy).toBe('report');
  });

  test('image pull: rolled back only when the latest rollout changed the image, whenever it was', () => {
    expect(choosePlan(diagnosisOf({ reason: 'ImagePullBackOff' }), policy, minutesLater(600)).strategy).toBe(
      'rollback',
    );
    const unchanged = diagnosisOf({
      reason: 'ImagePullBackOff',
      rollout: { revision: 3, previousRevision: 2, changes: [{ field: 'env', container: 'app' }] },
    });
    expect(choosePlan(unchanged, policy, minutesLater(1)).strategy).toBe('report');
  });

  test('the generic path: a Deployment pod is evicted; a bare pod needs approval; DaemonSet and Job pods are reported', () => {
    expect(choosePlan(diagnosisOf({ reason: 'Failed' }), policy, minutesLater(1))).toMatchObject({
      strategy: 'delete-pod',
      pod: 'web-1',
    });
    expect(
      choosePlan(
        diagnosisOf({ reason: 'NotReady', workload: { kind: 'Pod', namespace: 'a', name: 'p' } }),
        policy,
        minutesLater(1),
      ),
    ).toMatchObject({
      strategy: 'delete-pod',
      approval: expect.any(String),
    });
    for (const kind of ['DaemonSet', 'Job'] as const)
      expect(
        choosePlan(
          diagnosisOf({ reason: 'Failed', workload: { kind, namespace: 'kube-system', name: 'x' } }),
          policy,
          minutesLater(1),
        ).strategy,
      ).toBe('report');
  });

  test('crash loops of a bare pod, a DaemonSet or a paused Deployment are reported, not restarted', () => {
    for (const kind of ['Pod', 'DaemonSet', 'Job', 'ReplicaSet'] as const)
      expect(
        choosePlan(diagnosisOf({ workload: { kind, namespace: 'a', name: 'x' } }), policy, minutesLater(600))
          .strategy,
      ).toBe('report');
    expect(
      choosePlan(diagnosisOf({ management: { paused: true } }), policy, minutesLater(600)).strategy,
    ).toBe('report');
  });
});

describe('the loop guard', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  test('within the cooldown of the last remediation', () => {
    expect(loopGuard(['2026-11-30T11:55:00Z'], policy, now)).toMatch(/300s ago, within its cooldown of 600s/);
  });
  test('past the hourly cap', () => {
    const times = ['2026-11-30T11:10:00Z', '2026-11-30T11:20:00Z', '2026-11-30T11:30:00Z'];
    expect(loopGuard(times, policy, now)).toMatch(/3 times in the last hour \(cap 3\)/);
  });
  test('old remediations and garbage times do not count', () => {
    expect(loopGuard(['2026-11-30T09:00:00Z', 'not-a-time'], policy, now)).toBeUndefined();
    expect(loopGuard([], policy, now)).toBeUndefined();
  });
});

function deployment(overrides: Partial<NonNullable<WorkloadSnapshot['object']>> = {}): WorkloadSnapshot {
  const tpl = (image: string, hash?: string) => ({
    metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
    spec: {
      containers: [
        { name: 'app', image, resources: { limits: { memory: '256Mi' }, requests: { memory: '256Mi' } } },
      ],
    },
  });
  const view = (image: string) => ({
    containers: [
      {
        name: 'app',
        image,
        resources: { limits: { memory: '256Mi' }, requests: { memory: '256Mi' } },
        env: [],
      },
    ],
    imagePullSecrets: [],
  });
  return {
    target: { kind: 'Deployment', namespace: 'shop', name: 'web' },
    object: {
      labels: {},
      annotations: {
        'deployment.kubernetes.io/revision': '2',
        'kubectl.kubernetes.io/last-applied-configuration': '{"current":true}',
        team: 'now',
      },
      resourceVersion: '42',
      replicas: 2,
      paused: false,
      template: view('web:2'),
      rawTemplate: tpl('web:2'),
      rollout: {
        generation: 2,
        observedGeneration: 2,
        desired: 2,
        updated: 2,
        ready: 0,
        available: 0,
        old: 0,
      },
      ...overrides,
    },
    namespaceLabels: {},
    ownerChain: [],
    pods: [],
    revisions: [
      {
        revision: 2,
        replicaSet: 'web-b',
        templateHash: 'b',
        template: view('web:2'),
        rawTemplate: tpl('web:2'),
        annotations: {},
      },
      {
        revision: 1,
        replicaSet: 'web-a',
        templateHash: 'a',
        template: view('web:1'),
        rawTemplate: tpl('web:1'),
        annotations: {
          'deployment.kubernetes.io/revision': '1',
          'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}',
          'kubernetes.io/change-cause': 'v1',
          team: 'then',
        },
      },
    ],
    events: [],
  };
}

const context = (snapshot: WorkloadSnapshot) => ({
  snapshot,
  object: snapshot.object!,
  token: 'workload-recovery/Deployment/shop/web#rollback',
  now: new Date('2026-11-30T12:00:00.123Z'),
});

describe('remediation patches', () => {
  test("a rollback replaces the template with the revision's and its annotations, keeping kubectl's skipped ones", () => {
    const plan = patchFor({ kind: 'rollback', toRevision: 1 }, context(deployment()));
    if ('refused' in plan) throw new Error(plan.refused);
    expect(plan.patch.resourceVersion).toBe('42');
    const [template, annotations] = plan.patch.operations;
    expect(template).toEqual({
      op: 'replace',
      path: '/spec/template',
      value: expect.objectContaining({ spec: expect.anything() }),
    });
    const value = annotations!.value as Record<string, string>;
    expect(value).toMatchObject({
      'deployment.kubernetes.io/revision': '2',
      'kubectl.kubernetes.io/last-applied-configuration': '{"current":true}',
      'kubernetes.io/change-cause': 'v1',
      team: 'then',
      'self-healing.temporal.io/rolled-back-from': 'b',
      'self-healing.temporal.io/last-remediation': 'workload-recovery/Deployment/shop/web#rollback',
      'self-healing.temporal.io/remediations': '2026-11-30T12:00:00.123Z',
    });
    expect(plan.detail).toBe('rolled back from revision 2 to revision 1');
  });

  test('a rollback is refused for a missing revision, a paused Deployment, and a template that already matches', () => {
    expect(patchFor({ kind: 'rollback', toRevision: 7 }, context(deployment()))).toEqual({
      refused: 'unable to find specified revision 7 in history',
    });
    expect(
      patchFor({ kind: 'rollback', toRevision: 1 }, context(deployment({ paused: true }))),
    ).toMatchObject({ refused: expect.stringMatching(/paused/) });
    const same = deployment();
    same.object!.rawTemplate = same.revisions[1]!.rawTemplate;
    expect(patchFor({ kind: 'rollback', toRevision: 1 }, context(same))).toEqual({
      refused: 'current template already matches revision 1',
    });
  });

  test("a StatefulSet rolls back to a ControllerRevision's template and keeps its own annotations", () => {
    const sts = deployment();
    sts.target = { kind: 'StatefulSet', namespace: 'db', name: 'pg' };
    const plan = patchFor({ kind: 'rollback', toRevision: 1 }, context(sts));
    if ('refused' in plan) throw new Error(plan.refused);
    const value = plan.patch.operations[1]!.value as Record<string, string>;
    expect(value).toMatchObject({ team: 'now', 'self-healing.temporal.io/rolled-back-from': 'b' });
    expect(value['kubernetes.io/change-cause']).toBeUndefined();
  });

  test('raising memory raises the limit and the request that equals it', () => {
    const plan = patchFor(
      { kind: 'raise-memory', container: 'app', limitBytes: 384 * 2 ** 20 },
      context(deployment()),
    );
    if ('refused' in plan) throw new Error(plan.refused);
    expect(plan.patch.operations[0]).toEqual({
      op: 'replace',
      path: '/spec/template/spec/containers/0/resources',
      value: { limits: { memory: '384Mi' }, requests: { memory: '384Mi' } },
    });
    expect(plan.detail).toBe('raised the memory limit of app from 256Mi to 384Mi (and its request)');
  });

  test('a restart stamps restartedAt at second precision, as kubectl rollout restart does', () => {
    const plan = patchFor({ kind: 'restart' }, context(deployment()));
    if ('refused' in plan) throw new Error(plan.refused);
    expect(plan.patch.operations[0]).toMatchObject({
      path: '/spec/template/metadata',
      value: {
        labels: { app: 'web' },
        annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-30T12:00:00Z' },
      },
    });
  });

  test('the remediation times keep the last ten', () => {
    const many = Array.from({ length: 12 }, (_, i) => `2026-11-30T0${i % 10}:00:00Z`).join(',');
    const plan = patchFor(
      { kind: 'restart' },
      context(deployment({ annotations: { 'self-healing.temporal.io/remediations': many } })),
    );
    if ('refused' in plan) throw new Error(plan.refused);
    const value = plan.patch.operations[1]!.value as Record<string, string>;
    expect(value['self-healing.temporal.io/remediations']!.split(',')).toHaveLength(10);
  });
});
